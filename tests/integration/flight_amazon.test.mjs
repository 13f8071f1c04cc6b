// A realistic-size import: SNAP amazon0601 (403,394 nodes, 3,387,388 edges) read at run time from
// ../shared/datasets/amazon0601, loaded with 4 parallel streams of 100k-row batches, checked through
// the done counts and LIST_GRAPHS; then a 10k-edge sample is loaded into a second graph and its DUMP is
// compared with the input multiset and degree sums. Skipped under sanitizers or without the data set.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import { startServer, SANITIZED } from './lib/server.mjs';
import { FlightClient } from './lib/flight.mjs';
import { serverTest } from './lib/harness.mjs';
import { Table, makeVector } from './lib/arrow.mjs';
import { constructGraph, dump, graphInfo, checkDumpInvariants, relMultiset, assertSameMultiset, idKey } from './lib/gds.mjs';
import { normInt } from './lib/json.mjs';

// ../shared beside the repository (CI has it there too); QUIVER_AMAZON_DIR overrides.
const DIR = process.env.QUIVER_AMAZON_DIR ||
  fileURLToPath(new URL('../../../shared/datasets/amazon0601', import.meta.url));
const NODES = `${DIR}/nodes.csv.gz`;
const EDGES = `${DIR}/edges.tsv.gz`;
const skip = SANITIZED ? 'skipped under sanitizers (QUIVER_SANITIZED)' : (!existsSync(NODES) || !existsSync(EDGES)) ? `data set not found in ${DIR}` : false;

// Parses whitespace-separated unsigned integers, `perLine` per line, into BigInt64Arrays (no strings).
function parseIds(buf, perLine) {
  let lines = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) lines++;
  if (buf.length && buf[buf.length - 1] !== 10) lines++;
  const cols = Array.from({ length: perLine }, () => new BigInt64Array(lines));
  // write through 32-bit views (little-endian low word) to avoid a BigInt per value
  const words = cols.map((c) => new Uint32Array(c.buffer));
  let row = 0;
  let colIdx = 0;
  let v = 0;
  let inNum = false;
  for (let i = 0; i <= buf.length; i++) {
    const ch = i < buf.length ? buf[i] : 10;
    if (ch >= 48 && ch <= 57) {
      v = v * 10 + (ch - 48);
      inNum = true;
    } else {
      if (inNum) {
        if (v < 4294967296) words[colIdx][2 * row] = v;
        else cols[colIdx][row] = BigInt(v);
        colIdx++;
        v = 0;
        inNum = false;
      }
      if (ch === 10) {
        if (colIdx !== 0) {
          if (colIdx !== perLine) throw new Error(`line ${row + 1}: ${colIdx} values, expected ${perLine}`);
          row++;
          colIdx = 0;
        }
      } else if (ch !== 9 && ch !== 32 && ch !== 13 && ch !== 44) {
        throw new Error(`unexpected byte ${ch} at ${i}`);
      }
    }
  }
  return cols.map((c) => c.subarray(0, row));
}

function chunks(n, parts) {
  const out = [];
  const size = Math.ceil(n / parts);
  for (let lo = 0; lo < n; lo += size) out.push([lo, Math.min(n, lo + size)]);
  return out;
}

describe('amazon0601', { skip }, () => {
  let s;
  let c;
  let nodeIds;
  let src;
  let dst;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer();
    c = new FlightClient(s.flightPort, { deadlineMs: 120000 });
    const t0 = Date.now();
    [nodeIds] = parseIds(gunzipSync(readFileSync(NODES)), 1);
    [src, dst] = parseIds(gunzipSync(readFileSync(EDGES)), 2);
    console.log(`# parsed ${nodeIds.length} nodes and ${src.length} edges in ${Date.now() - t0} ms`);
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  it('loads with 4 parallel streams of 100k-row batches and reports the exact counts', { timeout: 180000 }, async () => {
    assert.equal(nodeIds.length, 403394, 'test data: node count');
    assert.equal(src.length, 3387388, 'test data: edge count');
    const nodeTables = chunks(nodeIds.length, 4).map(([lo, hi]) => new Table({ nodeId: makeVector(nodeIds.subarray(lo, hi)) }));
    const relTables = chunks(src.length, 4).map(([lo, hi]) => new Table({
      sourceNodeId: makeVector(src.subarray(lo, hi)), targetNodeId: makeVector(dst.subarray(lo, hi)),
    }));
    const t0 = Date.now();
    const r = await constructGraph(c, { name: 'amazon', nodes: nodeTables, rels: relTables, batchRows: 100_000, concurrency: 4 });
    const ms = Date.now() - t0;
    console.log(`# amazon0601 import: ${ms} ms end to end, ${(src.length / (ms / 1000) / 1e6).toFixed(2)} M rels/s overall`);
    assert.equal(normInt(r.nodeDone.node_count), 403394);
    assert.equal(normInt(r.relDone.relationship_count), 3387388);
    const batches = r.relPuts.reduce((a, p) => a + p.batches, 0);
    assert.equal(batches, chunks(src.length, 4).reduce((a, [lo, hi]) => a + Math.ceil((hi - lo) / 100_000), 0));
    for (const p of [...r.nodePuts, ...r.relPuts]) assert.equal(p.acks, p.batches);
    const g = await graphInfo(c, 'amazon');
    assert.ok(g, 'amazon not listed');
    assert.equal(normInt(g.node_count), 403394);
    assert.equal(normInt(g.relationship_count), 3387388);
    assert.deepEqual(g.relationship_types, ['__ALL__']);
    console.log(`# amazon0601 memory_bytes=${g.memory_bytes} topology_bytes=${g.topology_bytes} ` +
      `(${(Number(g.topology_bytes) / 3387388).toFixed(2)} topology bytes per relationship)`);
    assert.equal((await c.action('v1/DROP_GRAPH', { name: 'amazon' })).name, 'amazon');
  });

  it('a 10k-edge sample round-trips: relationship multiset, out- and in-degrees', async () => {
    const K = 10_000;
    const step = Math.floor(src.length / K);
    const ss = new BigInt64Array(K);
    const dd = new BigInt64Array(K);
    for (let i = 0; i < K; i++) { ss[i] = src[i * step]; dd[i] = dst[i * step]; }
    const ids = [...new Set([...ss, ...dd])];
    const nodeArr = BigInt64Array.from(ids);
    const r = await constructGraph(c, {
      name: 'amazon_sample',
      nodes: [new Table({ nodeId: makeVector(nodeArr.subarray(0, nodeArr.length >> 1)) }), new Table({ nodeId: makeVector(nodeArr.subarray(nodeArr.length >> 1)) })],
      rels: [new Table({ sourceNodeId: makeVector(ss), targetNodeId: makeVector(dd) })],
      batchRows: 3000,
    });
    assert.equal(normInt(r.nodeDone.node_count), ids.length);
    assert.equal(normInt(r.relDone.relationship_count), K);
    const d = await dump(c, 'amazon_sample');
    const index = checkDumpInvariants(d);
    const input = [];
    for (let i = 0; i < K; i++) input.push({ source: ss[i], target: dd[i], type: '__ALL__' });
    assertSameMultiset(relMultiset(d.relationships), relMultiset(input), 'sample relationships');
    // degree sums and per-node degrees
    const outDeg = new Map();
    const inDeg = new Map();
    for (let i = 0; i < K; i++) {
      outDeg.set(idKey(ss[i]), (outDeg.get(idKey(ss[i])) || 0) + 1);
      inDeg.set(idKey(dd[i]), (inDeg.get(idKey(dd[i])) || 0) + 1);
    }
    let inSum = 0;
    d.nodes.forEach((n, i) => {
      const k = idKey(n.id);
      assert.equal(d.incoming[i].length, inDeg.get(k) || 0, `in-degree of ${n.id}`);
      inSum += d.incoming[i].length;
    });
    assert.equal(inSum, K);
    const dumpOut = new Map();
    for (const rel of d.relationships) dumpOut.set(idKey(rel.source), (dumpOut.get(idKey(rel.source)) || 0) + 1);
    for (const [k, v] of outDeg) assert.equal(dumpOut.get(k), v, `out-degree of ${k}`);
    assert.equal(index.size, ids.length);
  });
});
