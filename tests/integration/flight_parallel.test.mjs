// Parallel DoPut streams: many streams into one import over one and several connections, several
// imports at once, pipelined batches; the result is checked row by row through DUMP_GRAPH.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { startServer, SANITIZED } from './lib/server.mjs';
import { FlightClient, putCommand } from './lib/flight.mjs';
import { serverTest, rng } from './lib/harness.mjs';
import { col, table } from './lib/arrow.mjs';
import {
  constructGraph, dump, graphInfo, checkDumpInvariants, nodesById, idKey, assertProps, relMultiset, assertSameMultiset,
  runLimited,
} from './lib/gds.mjs';
import { normInt } from './lib/json.mjs';

const STREAMS = 8;
const NODES_PER_STREAM = SANITIZED ? 500 : 3000;
const RELS_PER_STREAM = SANITIZED ? 600 : 4000;
const BATCH = SANITIZED ? 100 : 500;

function makeData(seed, idBase = 0, streams = STREAMS) {
  const r = rng(seed);
  const nodeTables = [];
  const expected = new Map();
  const allIds = [];
  for (let k = 0; k < streams; k++) {
    const ids = [];
    for (let i = 0; i < NODES_PER_STREAM; i++) ids.push(idBase + k + i * streams); // interleaved across streams
    allIds.push(...ids);
    const labels = ids.map((id) => (id % 3 === 0 ? ['Three'] : id % 3 === 1 ? ['One', 'Odd'] : []));
    nodeTables.push(table({
      nodeId: col.int64(ids),
      labels: col.listUtf8(labels),
      stream: col.int64(ids.map(() => k)),
      v: col.float64(ids.map((id) => id * 0.5)),
    }));
    ids.forEach((id, i) => expected.set(idKey(id), { labels: [...labels[i]].sort(), props: { stream: k, v: id * 0.5 } }));
  }
  const relTables = [];
  const expRels = [];
  for (let k = 0; k < streams; k++) {
    const src = [];
    const tgt = [];
    const types = [];
    const w = [];
    for (let i = 0; i < RELS_PER_STREAM; i++) {
      const a = allIds[Math.floor(r() * allIds.length)];
      const b = allIds[Math.floor(r() * allIds.length)];
      const t = `T${(a + b) % 3}`;
      const weight = k * 100000 + i;
      src.push(a); tgt.push(b); types.push(t); w.push(weight);
      expRels.push({ source: a, target: b, type: t, properties: { w: weight } });
    }
    relTables.push(table({ sourceNodeId: col.int64(src), targetNodeId: col.int64(tgt), relationshipType: col.dict(types), w: col.float64(w) }));
  }
  return { nodeTables, expected, relTables, expRels };
}

function checkGraph(d, data) {
  checkDumpInvariants(d);
  assert.equal(d.nodes.length, data.expected.size);
  const byId = nodesById(d);
  for (const [k, e] of data.expected) {
    const n = byId.get(k);
    assert.ok(n, `node ${k} missing`);
    assert.deepEqual(n.labels, e.labels, `node ${k} labels`);
    assertProps(n.properties, e.props, { stream: 'int64', v: 'double' }, `node ${k}`);
  }
  assertSameMultiset(relMultiset(d.relationships, true), relMultiset(data.expRels, true), 'relationships');
}

describe('parallel streams', () => {
  let s;
  let c1;
  let c2;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer();
    c1 = new FlightClient(s.flightPort);
    c2 = new FlightClient(s.flightPort);
  });
  after(async () => {
    c1?.close();
    c2?.close();
    if (s) await s.stop();
  });

  it(`${STREAMS} node streams and ${STREAMS} relationship streams at once into one import, over two connections`, async () => {
    const data = makeData(1);
    const r = await constructGraph([c1, c2], { name: 'par', nodes: data.nodeTables, rels: data.relTables, batchRows: BATCH });
    assert.equal(normInt(r.nodeDone.node_count), STREAMS * NODES_PER_STREAM);
    assert.equal(normInt(r.relDone.relationship_count), STREAMS * RELS_PER_STREAM);
    for (const p of [...r.nodePuts, ...r.relPuts]) assert.equal(p.acks, p.batches);
    const g = await graphInfo(c1, 'par');
    assert.equal(normInt(g.node_count), STREAMS * NODES_PER_STREAM);
    assert.equal(normInt(g.relationship_count), STREAMS * RELS_PER_STREAM);
    assert.deepEqual([...g.relationship_types].sort(), ['T0', 'T1', 'T2']);
    checkGraph(await dump(c1, 'par'), data);
  });

  it('pipelined batches (no waiting for acks) still get exactly one PutResult each', async () => {
    const data = makeData(2, 10_000_000);
    await c1.action('v1/CREATE_GRAPH', { name: 'pipe', database_name: 'neo4j' });
    const puts = await Promise.all(data.nodeTables.map((t, i) =>
      [c1, c2][i % 2].doPut(putCommand('pipe', 'node'), t, { batchRows: BATCH, ackMode: 'end' })));
    for (const p of puts) assert.equal(p.acks, p.batches);
    await c1.action('v1/NODE_LOAD_DONE', { name: 'pipe' });
    const rputs = await Promise.all(data.relTables.map((t, i) =>
      [c2, c1][i % 2].doPut(putCommand('pipe', 'relationship'), t, { batchRows: BATCH, ackMode: 'end' })));
    for (const p of rputs) assert.equal(p.acks, p.batches);
    const rd = await c1.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'pipe' });
    assert.equal(normInt(rd.relationship_count), STREAMS * RELS_PER_STREAM);
    checkGraph(await dump(c2, 'pipe'), data);
  });

  it('several imports at the same time on shared connections stay separate', async () => {
    const names = ['multi_a', 'multi_b', 'multi_c'];
    const datas = names.map((_, i) => makeData(10 + i, i * 1_000_000, 4));
    const results = await Promise.all(names.map((name, i) =>
      constructGraph(i % 2 ? [c2, c1] : [c1, c2], { name, nodes: datas[i].nodeTables, rels: datas[i].relTables, batchRows: BATCH })));
    for (let i = 0; i < names.length; i++) {
      assert.equal(normInt(results[i].nodeDone.node_count), 4 * NODES_PER_STREAM, names[i]);
      assert.equal(normInt(results[i].relDone.relationship_count), 4 * RELS_PER_STREAM, names[i]);
      const d = await dump(c1, names[i]);
      checkGraph(d, datas[i]);
      const ids = new Set(d.nodes.map((n) => normInt(n.id)));
      for (const n of ids) assert.ok(n >= i * 1_000_000 && n < (i + 1) * 1_000_000, `${names[i]} holds node ${n} of another import`);
    }
  });

  it('many connections each loading its own graph concurrently', async () => {
    const N = SANITIZED ? 4 : 10;
    const clients = Array.from({ length: N }, () => new FlightClient(s.flightPort));
    try {
      await runLimited(clients.map((c, i) => async () => {
        const base = 50_000_000 + i * 1000;
        const ids = Array.from({ length: 200 }, (_, j) => base + j);
        const r = await constructGraph(c, {
          name: `conn_${i}`,
          nodes: [table({ nodeId: col.int64(ids) })],
          rels: [table({ sourceNodeId: col.int64(ids.slice(1)), targetNodeId: col.int64(ids.slice(0, -1)) })],
          batchRows: 50,
        });
        assert.equal(normInt(r.nodeDone.node_count), 200);
        assert.equal(normInt(r.relDone.relationship_count), 199);
      }));
      const lg = await c1.action('v1/LIST_GRAPHS', {});
      for (let i = 0; i < N; i++) assert.ok(lg.graphs.some((g) => g.name === `conn_${i}`), `conn_${i} not listed`);
    } finally {
      for (const c of clients) c.close();
    }
  });
});

describe('one worker thread', () => {
  let s;
  const it = serverTest(() => s);
  before(async () => { s = await startServer({ threads: 1 }); });
  after(async () => { if (s) await s.stop(); });

  it('--threads 1: parallel streams over two connections and done actions do not deadlock', async () => {
    const a = new FlightClient(s.flightPort);
    const b = new FlightClient(s.flightPort);
    try {
      const data = makeData(7, 0, 4);
      const r = await constructGraph([a, b], { name: 'one', nodes: data.nodeTables, rels: data.relTables, batchRows: BATCH });
      assert.equal(normInt(r.nodeDone.node_count), 4 * NODES_PER_STREAM);
      assert.equal(normInt(r.relDone.relationship_count), 4 * RELS_PER_STREAM);
      checkGraph(await dump(b, 'one'), data);
    } finally {
      a.close();
      b.close();
    }
  });
});
