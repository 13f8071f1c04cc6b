// Arrow export round trips (DoGet with GET_COMMAND tickets): graphs imported through DoPut come back out
// of gds.graph.relationships.stream / nodeProperties / nodeProperty / nodeLabels / relationshipProperty /
// relationshipProperties.stream with the values and Arrow types that were sent (nulls for absent values,
// lists, labels, dictionary-encoded relationship types); filters, consecutive_ids, envelopes, partitions;
// every error with its status code; GetFlightInfo partitions; a client that cancels mid-stream; and the
// amazon0601 topology.

import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

import { startServer, SANITIZED } from './lib/server.mjs';
import { FlightClient, Status } from './lib/flight.mjs';
import { serverTest, expectGrpcError, assertServerServes, httpRequest } from './lib/harness.mjs';
import { col, table, Table, makeVector, flightDataToTable as toTable } from './lib/arrow.mjs';
import { constructGraph, createDatabase, abortQuietly, relMultiset, assertSameMultiset, idKey } from './lib/gds.mjs';

function ticket(graph, proc, configuration = {}, extra = {}) {
  return { name: 'GET_COMMAND', version: 'v1', body: { graph_name: graph, database_name: 'neo4j', procedure_name: proc, configuration, ...extra } };
}

async function get(c, graph, proc, configuration = {}, extra = {}) {
  const msgs = await c.doGet(ticket(graph, proc, configuration, extra));
  return { t: toTable(msgs), msgs };
}

const norm = (v) => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v && typeof v.toArray === 'function') return [...v.toArray()].map(norm);
  return v;
};

function rows(t) {
  const out = [];
  const names = t.schema.fields.map((f) => f.name);
  const cols = names.map((n) => t.getChild(n));
  for (let i = 0; i < t.numRows; i++) {
    const r = {};
    names.forEach((n, k) => { r[n] = norm(cols[k].get(i)); });
    out.push(r);
  }
  return out;
}

const typeOf = (t, name) => String(t.schema.fields.find((f) => f.name === name)?.type);
const sameNum = (a, e) => (Number.isNaN(e) ? Number.isNaN(a) : Object.is(a, e) || a === e);

const NODES = {
  nodeId: [1, 2, 3, 4, 5],
  labels: [['A'], ['A', 'B'], ['B'], [], ['C']],
  i: [10, null, -3, 2 ** 40, 0],
  d: [1.5, 2.25, null, -0.5, 1e300],
  b: [true, false, null, true, false],
  s: ['x', '', null, 'ünï ✓', 'zz'],
  li: [[1, 2], [], null, [-5], [7, 8, 9]],
  ld: [[0.5], null, [1.25, 2.5], [], [3]],
  lf: [[1.5, 2], null, [], [0.25], [4]],
};

describe('Arrow export (DoGet)', () => {
  let s;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer();
    c = new FlightClient(s.flightPort);
    await constructGraph(c, {
      name: 'g',
      nodes: [table({
        nodeId: col.int64(NODES.nodeId), labels: col.listUtf8(NODES.labels), i: col.int64(NODES.i), d: col.float64(NODES.d),
        b: col.bool(NODES.b), s: col.utf8(NODES.s), li: col.listInt64(NODES.li), ld: col.listFloat64(NODES.ld),
        lf: col.listFloat32(NODES.lf),
      })],
      rels: [table({
        sourceNodeId: col.int64([1, 2, 1, 3, 1, 4]),
        targetNodeId: col.int64([2, 3, 3, 1, 2, 5]),
        relationshipType: col.utf8(['U', 'U', 'D', 'D', 'X', 'X']),
        w: col.float64([1, 2, 3, 4, 5, null]),
        q: col.float64([10, 20, 30, 40, 50, 60]),
      })],
      createOptions: { undirected_relationship_types: ['U'], inverse_indexed_relationship_types: ['D'] },
    });
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  const EXPECTED_RELS = [
    { source: 1, target: 2, type: 'U', w: 1, q: 10 }, { source: 2, target: 1, type: 'U', w: 1, q: 10 },
    { source: 2, target: 3, type: 'U', w: 2, q: 20 }, { source: 3, target: 2, type: 'U', w: 2, q: 20 },
    { source: 1, target: 3, type: 'D', w: 3, q: 30 }, { source: 3, target: 1, type: 'D', w: 4, q: 40 },
    { source: 1, target: 2, type: 'X', w: 5, q: 50 }, { source: 4, target: 5, type: 'X', w: null, q: 60 },
  ];
  const nan = (v) => (v === null || Number.isNaN(v) ? 'NaN' : String(v)); // null floats load as NaN
  const relKey = (r) => `${r.source}|${r.target}|${r.type}|${nan(r.w)}|${nan(r.q)}`;

  it('nodeProperties.stream returns every property type with nulls, and labels', async () => {
    const props = ['i', 'd', 'b', 's', 'li', 'ld', 'lf'];
    const { t } = await get(c, 'g', 'gds.graph.nodeProperties.stream', { node_properties: props, list_node_labels: true });
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['nodeId', ...props, 'labels']);
    assert.equal(typeOf(t, 'nodeId'), 'Int64');
    assert.equal(typeOf(t, 'i'), 'Int64');
    assert.equal(typeOf(t, 'd'), 'Float64');
    assert.equal(typeOf(t, 'b'), 'Bool');
    assert.equal(typeOf(t, 's'), 'Utf8');
    assert.match(typeOf(t, 'li'), /^List<Int64>$/);
    assert.match(typeOf(t, 'ld'), /^List<Float64>$/);
    assert.match(typeOf(t, 'lf'), /^List<Float32>$/);
    assert.match(typeOf(t, 'labels'), /^List<Utf8>$/);
    const got = rows(t);
    assert.equal(got.length, 5);
    const byId = new Map(got.map((r) => [r.nodeId, r]));
    NODES.nodeId.forEach((id, k) => {
      const r = byId.get(id);
      assert.ok(r, `node ${id} missing`);
      assert.deepEqual([...r.labels].sort(), [...NODES.labels[k]].sort(), `node ${id} labels`);
      for (const p of ['i', 'b', 's', 'li', 'lf']) assert.deepEqual(r[p], NODES[p][k], `node ${id} ${p}`);
      if (NODES.d[k] === null) assert.ok(r.d === null || Number.isNaN(r.d), `node ${id} d ${r.d}`); // null floats load as NaN
      else assert.ok(sameNum(r.d, NODES.d[k]), `node ${id} d ${r.d}`);
      assert.deepEqual(r.ld, NODES.ld[k], `node ${id} ld`);
    });
  });

  it('nodeProperty.stream: propertyValue, label filters (string, list, *), single-string node_properties', async () => {
    let { t } = await get(c, 'g', 'gds.graph.nodeProperty.stream', { node_property: 'i', node_labels: ['A'], list_node_labels: true });
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['nodeId', 'propertyValue', 'labels']);
    assert.deepEqual(rows(t).map((r) => [r.nodeId, r.propertyValue]).sort(), [[1, 10], [2, null]]);
    ({ t } = await get(c, 'g', 'gds.graph.nodeProperty.stream', { node_property: 'd', node_labels: 'C' }));
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['nodeId', 'propertyValue']);
    assert.deepEqual(rows(t), [{ nodeId: 5, propertyValue: 1e300 }]);
    ({ t } = await get(c, 'g', 'gds.graph.nodeProperties.stream', { node_properties: 's', node_labels: ['B', 'C'] }));
    assert.deepEqual(rows(t).map((r) => r.nodeId).sort(), [2, 3, 5]);
    ({ t } = await get(c, 'g', 'gds.graph.nodeProperties.stream', { node_properties: ['s'], node_labels: ['*'] }));
    assert.equal(t.numRows, 5);
  });

  it('nodeLabels.stream lists every node with its labels; consecutive_ids gives 0..n-1', async () => {
    let { t } = await get(c, 'g', 'gds.graph.nodeLabels.stream', {});
    const got = rows(t);
    assert.deepEqual(got.map((r) => r.nodeId).sort((a, b) => a - b), NODES.nodeId);
    for (const r of got) assert.deepEqual([...r.labels].sort(), NODES.labels[NODES.nodeId.indexOf(r.nodeId)]);
    ({ t } = await get(c, 'g', 'gds.graph.nodeLabels.stream', { consecutive_ids: true }));
    const cons = rows(t);
    assert.deepEqual(cons.map((r) => r.nodeId), [0, 1, 2, 3, 4]);
    // same internal order: the i-th row of both exports is the same node
    const ext = got.map((r) => r.nodeId);
    const { t: rt } = await get(c, 'g', 'gds.graph.relationships.stream', { consecutive_ids: true });
    const mapped = rows(rt).map((r) => ({ source: ext[r.sourceNodeId], target: ext[r.targetNodeId], type: r.relationshipType }));
    assertSameMultiset(relMultiset(mapped), relMultiset(EXPECTED_RELS), 'consecutive-id relationships');
  });

  it('relationships.stream: both directions of undirected types, dictionary-encoded types, type filters', async () => {
    const { t, msgs } = await get(c, 'g', 'gds.graph.relationships.stream', { relationship_types: ['*'] });
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['sourceNodeId', 'targetNodeId', 'relationshipType']);
    assert.match(typeOf(t, 'relationshipType'), /^Dictionary<Int32, Utf8>$/);
    assert.equal(typeOf(t, 'sourceNodeId'), 'Int64');
    assert.equal(msgs.length, 3, 'schema, dictionary, one record batch');
    assertSameMultiset(relMultiset(rows(t).map((r) => ({ source: r.sourceNodeId, target: r.targetNodeId, type: r.relationshipType }))),
      relMultiset(EXPECTED_RELS), 'all relationships');
    for (const [sel, types] of [['X', ['X']], [['U', 'D'], ['U', 'D']], ['*', ['U', 'D', 'X']]]) {
      const { t: ft } = await get(c, 'g', 'gds.graph.relationships.stream', { relationship_types: sel });
      assertSameMultiset(relMultiset(rows(ft).map((r) => ({ source: r.sourceNodeId, target: r.targetNodeId, type: r.relationshipType }))),
        relMultiset(EXPECTED_RELS.filter((r) => types.includes(r.type))), `types ${JSON.stringify(sel)}`);
    }
  });

  it('relationshipProperty.stream and relationshipProperties.stream', async () => {
    let { t } = await get(c, 'g', 'gds.graph.relationshipProperty.stream', { relationship_property: 'w', relationship_types: ['U', 'X'] });
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['sourceNodeId', 'targetNodeId', 'relationshipType', 'propertyValue']);
    assert.equal(typeOf(t, 'propertyValue'), 'Float64');
    const want = EXPECTED_RELS.filter((r) => r.type !== 'D');
    assert.deepEqual(rows(t).map((r) => `${r.sourceNodeId}|${r.targetNodeId}|${r.relationshipType}|${nan(r.propertyValue)}`).sort(),
      want.map((r) => `${r.source}|${r.target}|${r.type}|${nan(r.w)}`).sort());
    ({ t } = await get(c, 'g', 'gds.graph.relationshipProperties.stream', { relationship_properties: ['w', 'q'] }));
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['sourceNodeId', 'targetNodeId', 'relationshipType', 'w', 'q']);
    assert.deepEqual(rows(t).map((r) => relKey({ source: r.sourceNodeId, target: r.targetNodeId, type: r.relationshipType, w: r.w, q: r.q })).sort(),
      EXPECTED_RELS.map(relKey).sort());
  });

  it('GET_MESSAGE envelope, bare body, partitions', async () => {
    const body = ticket('g', 'gds.graph.nodeLabels.stream').body;
    let t = toTable(await c.doGet({ name: 'GET_MESSAGE', version: 'v1', body }));
    assert.equal(t.numRows, 5);
    t = toTable(await c.doGet(body));
    assert.equal(t.numRows, 5);
    const seen = [];
    for (const [off, size] of [[0, 3], [3, 3], [6, 3]]) {
      const { t: pt } = await get(c, 'g', 'gds.graph.relationships.stream', {}, { partition_offset: off, partition_size: size });
      seen.push(...rows(pt).map((r) => ({ source: r.sourceNodeId, target: r.targetNodeId, type: r.relationshipType })));
    }
    assertSameMultiset(relMultiset(seen), relMultiset(EXPECTED_RELS), 'partitioned relationships');
  });

  it('GetFlightInfo splits an export into `concurrency` partitions whose tickets DoGet serves', async () => {
    const cmd = Buffer.from(JSON.stringify({ ...ticket('g', 'gds.graph.relationships.stream'), body: { ...ticket('g', 'gds.graph.relationships.stream').body, concurrency: 3 } }));
    const info = await c.getFlightInfo({ type: 'CMD', cmd });
    assert.equal(info.endpoint.length, 3);
    assert.equal(String(info.total_records), '8');
    assert.ok(info.schema.length > 0);
    const seen = [];
    for (const ep of info.endpoint) {
      const body = JSON.parse(Buffer.from(ep.ticket.ticket).toString('utf8'));
      assert.equal(typeof body.partition_offset, 'number');
      assert.equal(body.graph_name, 'g');
      const t = toTable(await c.doGet(ep.ticket.ticket));
      seen.push(...rows(t).map((r) => ({ source: r.sourceNodeId, target: r.targetNodeId, type: r.relationshipType })));
    }
    assertSameMultiset(relMultiset(seen), relMultiset(EXPECTED_RELS), 'partitions from GetFlightInfo');
    const ninfo = await c.getFlightInfo({ type: 'CMD', cmd: Buffer.from(JSON.stringify(ticket('g', 'gds.graph.nodeLabels.stream').body)) });
    assert.equal(String(ninfo.total_records), '5');
    await expectGrpcError(c.getFlightInfo({ type: 'CMD', cmd: Buffer.from(JSON.stringify(ticket('nope', 'gds.graph.nodeLabels.stream'))) }),
      Status.NOT_FOUND, /nope/);
  });

  it('node batches with large list values are cut short so every FlightData stays under 4 MiB', async () => {
    const N = 1200;
    const vec = (i) => Array.from({ length: 500 }, (_, k) => i + k / 1000);
    await constructGraph(c, {
      name: 'vectors',
      nodes: [table({ nodeId: col.int64(Array.from({ length: N }, (_, i) => i)), emb: col.listFloat64(Array.from({ length: N }, (_, i) => vec(i))) })],
    });
    const { t, msgs } = await get(c, 'vectors', 'gds.graph.nodeProperty.stream', { node_property: 'emb' });
    assert.equal(t.numRows, N);
    assert.ok(msgs.length >= 3, `expected several batches, got ${msgs.length - 1}`); // 4.8 MB of values
    for (const m of msgs) assert.ok((m.data_body?.length || 0) + (m.data_header?.length || 0) < 4 * 1024 * 1024, 'a FlightData over 4 MiB');
    for (const r of rows(t)) assert.deepEqual(r.propertyValue, vec(r.nodeId), `node ${r.nodeId}`);
  });

  it('a STRING-id database exports utf8 ids (int64 internal ids with consecutive_ids)', async () => {
    const ids = ['alice', 'bob', 'ünï ✓', 'x'.repeat(300)];
    await createDatabase(c, {
      name: 'strdb', idType: 'STRING',
      nodes: [table({ nodeId: col.utf8(ids), labels: col.utf8(['P', 'P', 'Q', 'Q']), age: col.int64([30, null, 50, 60]) })],
      rels: [table({ sourceNodeId: col.utf8(['alice', 'bob']), targetNodeId: col.utf8(['bob', 'x'.repeat(300)]), relationshipType: col.utf8(['K', 'L']) })],
    });
    // a database is exported under its own database_name (graph names are scoped per database)
    const own = { database_name: 'strdb' };
    let { t } = await get(c, 'strdb', 'gds.graph.nodeProperty.stream', { node_property: 'age' }, own);
    assert.equal(typeOf(t, 'nodeId'), 'Utf8');
    assert.deepEqual(rows(t).map((r) => `${r.nodeId}=${r.propertyValue}`).sort(),
      ['alice=30', 'bob=null', 'x'.repeat(300) + '=60', 'ünï ✓=50'].sort());
    ({ t } = await get(c, 'strdb', 'gds.graph.relationships.stream', {}, own));
    assert.equal(typeOf(t, 'sourceNodeId'), 'Utf8');
    assertSameMultiset(relMultiset(rows(t).map((r) => ({ source: r.sourceNodeId, target: r.targetNodeId, type: r.relationshipType }))),
      relMultiset([{ source: 'alice', target: 'bob', type: 'K' }, { source: 'bob', target: 'x'.repeat(300), type: 'L' }]), 'string ids');
    ({ t } = await get(c, 'strdb', 'gds.graph.nodeLabels.stream', { consecutive_ids: true }, own));
    assert.equal(typeOf(t, 'nodeId'), 'Int64');
    assert.deepEqual(rows(t).map((r) => r.nodeId), [0, 1, 2, 3]);
  });

  it('errors: unknown graph, procedure, property, label, type; bad JSON; import in progress', async () => {
    let e = await expectGrpcError(c.doGet(ticket('nope', 'gds.graph.nodeLabels.stream')), Status.NOT_FOUND, /nope/);
    e = await expectGrpcError(c.doGet(ticket('g', 'gds.graph.bogus')), Status.INVALID_ARGUMENT, /gds\.graph\.bogus/);
    assert.match(e.details, /gds\.graph\.relationships\.stream/);
    await expectGrpcError(c.doGet(ticket('g', 'gds.graph.nodeProperties.stream', { node_properties: ['i', 'zzz'] })), Status.NOT_FOUND, /zzz/);
    await expectGrpcError(c.doGet(ticket('g', 'gds.graph.nodeProperty.stream', { node_property: 'i', node_labels: ['Nope'] })), Status.NOT_FOUND, /Nope/);
    await expectGrpcError(c.doGet(ticket('g', 'gds.graph.relationships.stream', { relationship_types: 'T9' })), Status.NOT_FOUND, /T9/);
    await expectGrpcError(c.doGet(ticket('g', 'gds.graph.relationshipProperty.stream', { relationship_property: 'nope' })), Status.NOT_FOUND, /nope/);
    await expectGrpcError(c.doGet('{not json'), Status.INVALID_ARGUMENT);
    await expectGrpcError(c.doGet(ticket('g', 'gds.graph.nodeProperties.stream', {})), Status.INVALID_ARGUMENT, /node_properties/);
    await c.action('v1/CREATE_GRAPH', { name: 'pending', database_name: 'neo4j' });
    try {
      await expectGrpcError(c.doGet(ticket('pending', 'gds.graph.nodeLabels.stream')), Status.FAILED_PRECONDITION, /pending.*nodes/);
    } finally {
      await abortQuietly(c, 'pending');
    }
    await assertServerServes(s);
  });

  it('a large export comes in 10k-row batches; a client that cancels mid-stream leaves the server serving', { timeout: 120000 }, async () => {
    const N = 20000;
    const M = 500000; // ~10 MB of batches: more than the server queues at once, so on_writable resumes it
    const src = new BigInt64Array(M);
    const dst = new BigInt64Array(M);
    for (let i = 0; i < M; i++) { src[i] = BigInt(i % N); dst[i] = BigInt((i * 7919) % N); }
    await constructGraph(c, {
      name: 'big', nodes: [new Table({ nodeId: makeVector(BigInt64Array.from({ length: N }, (_, i) => BigInt(i))) })],
      rels: [new Table({ sourceNodeId: makeVector(src), targetNodeId: makeVector(dst) })], batchRows: 100000,
    });
    const t0 = Date.now();
    const { t, msgs } = await get(c, 'big', 'gds.graph.relationships.stream');
    console.log(`# exported ${M} relationships in ${Date.now() - t0} ms`);
    assert.equal(t.numRows, M);
    assert.equal(msgs.length, 2 + M / 10000);
    assert.ok(t.batches.every((b) => b.numRows <= 10000));
    const a = new Float64Array(M);
    const b = new Float64Array(M);
    const ts = t.getChild('sourceNodeId').toArray();
    const tt = t.getChild('targetNodeId').toArray();
    for (let i = 0; i < M; i++) { a[i] = Number(src[i]) * 65536 + Number(dst[i]); b[i] = Number(ts[i]) * 65536 + Number(tt[i]); }
    a.sort(); b.sort();
    assert.ok(a.every((v, i) => v === b[i]), 'edge multiset differs');

    // the call keeps its graph alive: a DROP_GRAPH mid-stream does not cut the export short
    const dropped = await new Promise((resolve, reject) => {
      const call = c.client.DoGet({ ticket: Buffer.from(JSON.stringify(ticket('big', 'gds.graph.relationships.stream'))) },
        c.metadata(), c.callOptions());
      const msgs2 = [];
      let asked = false;
      call.on('data', (m) => {
        msgs2.push(m);
        if (!asked) {
          asked = true;
          call.pause();
          c.action('v1/DROP_GRAPH', { name: 'big' }).then(() => call.resume(), reject);
        }
      });
      call.on('error', reject);
      call.on('end', () => resolve(msgs2));
    });
    assert.equal(toTable(dropped).numRows, M);
    await expectGrpcError(c.doGet(ticket('big', 'gds.graph.relationships.stream')), Status.NOT_FOUND, /big/);
    await constructGraph(c, {
      name: 'big', nodes: [new Table({ nodeId: makeVector(BigInt64Array.from({ length: N }, (_, i) => BigInt(i))) })],
      rels: [new Table({ sourceNodeId: makeVector(src), targetNodeId: makeVector(dst) })], batchRows: 100000,
    });

    for (let k = 0; k < 3; k++) {
      await new Promise((resolve) => {
        const call = c.client.DoGet({ ticket: Buffer.from(JSON.stringify(ticket('big', 'gds.graph.relationships.stream'))) },
          c.metadata(), c.callOptions());
        let n = 0;
        call.on('data', () => { if (++n === 3) call.cancel(); });
        call.on('error', () => resolve());
        call.on('end', () => resolve());
      });
    }
    await assertServerServes(s);
    const again = await get(c, 'big', 'gds.graph.relationships.stream', {}, { partition_offset: 0, partition_size: 25000 });
    assert.equal(again.t.numRows, 25000);

    // Several exports producing at once on each of two connections all finish (the HTTP/2 pump must not
    // leave frames behind when it yields to other connections).
    const c2 = new FlightClient(s.flightPort);
    try {
      const parts = [];
      for (let k = 0; k < 4; k++) {
        const body = { partition_offset: k * (M / 4), partition_size: M / 4 };
        parts.push((k % 2 ? c2 : c).doGet(ticket('big', 'gds.graph.relationships.stream', {}, body)));
      }
      const got = await Promise.all(parts);
      assert.deepEqual(got.map((m) => toTable(m).numRows), [M / 4, M / 4, M / 4, M / 4]);
    } finally {
      c2.close();
    }
    assert.equal((await c.action('v1/DROP_GRAPH', { name: 'big' })).name, 'big');
  });
});

// ---- amazon0601: topology round trip --------------------------------------------------------------

// ../shared beside the repository (CI has it there too); QUIVER_AMAZON_DIR overrides.
const DIR = process.env.QUIVER_AMAZON_DIR ||
  fileURLToPath(new URL('../../../shared/datasets/amazon0601', import.meta.url));
const EDGES = `${DIR}/edges.tsv.gz`;
const NODESF = `${DIR}/nodes.csv.gz`;
const skip = SANITIZED ? 'skipped under sanitizers (QUIVER_SANITIZED)' : (!existsSync(NODESF) || !existsSync(EDGES)) ? `data set not found in ${DIR}` : false;

function parseIds(buf, perLine) {
  const out = Array.from({ length: perLine }, () => []);
  let k = 0;
  let v = 0;
  let inNum = false;
  for (let i = 0; i <= buf.length; i++) {
    const ch = i < buf.length ? buf[i] : 10;
    if (ch >= 48 && ch <= 57) { v = v * 10 + (ch - 48); inNum = true; continue; }
    if (inNum) { out[k++].push(v); v = 0; inNum = false; }
    if (ch === 10) k = 0;
  }
  return out.map((a) => BigInt64Array.from(a, (x) => BigInt(x)));
}

describe('amazon0601 export', { skip }, () => {
  let s;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer();
    c = new FlightClient(s.flightPort, { deadlineMs: 180000 });
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  it('the exported topology equals the imported edge multiset', { timeout: 300000 }, async () => {
    const [nodeIds] = parseIds(gunzipSync(readFileSync(NODESF)), 1);
    const [src, dst] = parseIds(gunzipSync(readFileSync(EDGES)), 2);
    const M = src.length;
    const half = M >> 1;
    await constructGraph(c, {
      name: 'amazon', nodes: [new Table({ nodeId: makeVector(nodeIds) })], batchRows: 100000, concurrency: 2,
      rels: [new Table({ sourceNodeId: makeVector(src.subarray(0, half)), targetNodeId: makeVector(dst.subarray(0, half)) }),
        new Table({ sourceNodeId: makeVector(src.subarray(half)), targetNodeId: makeVector(dst.subarray(half)) })],
    });
    const t0 = Date.now();
    const msgs = await c.doGet(ticket('amazon', 'gds.graph.relationships.stream'));
    const ms = Date.now() - t0;
    const bytes = msgs.reduce((a, m) => a + (m.data_body?.length || 0) + (m.data_header?.length || 0), 0);
    console.log(`# amazon0601 export: ${M} rows in ${ms} ms (${(M / ms / 1000).toFixed(2)} M rows/s, ` +
      `${(bytes / 1048576 / (ms / 1000)).toFixed(1)} MiB/s)`);
    const t = toTable(msgs);
    assert.equal(t.numRows, M);
    const ts = t.getChild('sourceNodeId').toArray();
    const tt = t.getChild('targetNodeId').toArray();
    const a = new Float64Array(M);
    const b = new Float64Array(M);
    for (let i = 0; i < M; i++) { a[i] = Number(src[i]) * 2 ** 21 + Number(dst[i]); b[i] = Number(ts[i]) * 2 ** 21 + Number(tt[i]); }
    a.sort(); b.sort();
    for (let i = 0; i < M; i++) if (a[i] !== b[i]) assert.fail(`edge multisets differ at sorted position ${i}`);
    assert.equal(idKey(ts[0]).startsWith('i:'), true);
  });
});

describe('--export-batch-size', () => {
  let s, c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer({ extraArgs: ['--export-batch-size', '1000'] });
    c = new FlightClient(s.flightPort);
  });
  after(async () => { c?.close(); await s?.stop(); });

  it('record batches have the configured number of rows', async () => {
    const N = 2500;
    const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt(i));
    await constructGraph(c, {
      name: 'sized', nodes: [new Table({ nodeId: makeVector(ids) })],
      rels: [new Table({ sourceNodeId: makeVector(ids), targetNodeId: makeVector(ids) })],
    });
    const { t, msgs } = await get(c, 'sized', 'gds.graph.relationships.stream');
    assert.equal(t.numRows, N);
    assert.deepEqual(t.batches.map((b) => b.numRows), [1000, 1000, 500]);
    assert.equal(msgs.length, 2 + 3, 'schema, dictionary, three record batches');
  });
});

describe('export after openCypher writes', () => {
  let s, c;
  const it = serverTest(() => s);
  const cypher = async (query) => {
    const body = JSON.stringify({ query, language: 'open_cypher' });
    const r = await httpRequest(s.httpPort, '/queries', { method: 'POST', body,
      headers: { 'content-type': 'application/json', graphIdentifier: 'w' } });
    assert.equal(r.status, 200, r.text);
    return r.json.results;
  };
  before(async () => {
    s = await startServer();
    c = new FlightClient(s.flightPort);
    await constructGraph(c, {
      name: 'w',
      nodes: [table({ nodeId: col.int64([1, 2, 3, 4]), labels: col.listUtf8([['P'], ['P'], ['P'], ['Q']]),
        i: col.int64([1, 2, 3, 4]) })],
      rels: [table({ sourceNodeId: col.int64([1, 2, 3]), targetNodeId: col.int64([2, 3, 4]),
        relationshipType: col.utf8(['R', 'R', 'R']) })],
    });
    await cypher("MATCH (n) SET n.score = n.i * 2, n.tag = 'k' + toString(n.i), n.half = n.i / 2.0");
    await cypher('MATCH (n) WHERE n.i < 3 SET n.nums = [n.i, 10]');
    await cypher('MATCH (n) WHERE n.i = 3 SET n.nums = [0.5]');
    await cypher("MATCH (n) WHERE n.i = 1 SET n.mix = 1");
    await cypher("MATCH (n) WHERE n.i = 2 SET n.mix = 'two'");
    await cypher('MATCH ()-[r:R]->(m) SET r.wt = m.i + 0.25');
  });
  after(async () => { c?.close(); await s?.stop(); });

  it('keys only openCypher wrote export with the type their values have', async () => {
    const { t } = await get(c, 'w', 'gds.graph.nodeProperties.stream', { node_properties: ['i', 'score', 'tag', 'half', 'nums'] });
    assert.equal(String(t.schema.fields.find((f) => f.name === 'score').type), 'Int64');
    assert.equal(String(t.schema.fields.find((f) => f.name === 'tag').type), 'Utf8');
    assert.equal(String(t.schema.fields.find((f) => f.name === 'half').type), 'Float64');
    assert.match(String(t.schema.fields.find((f) => f.name === 'nums').type), /List<Float64>/);
    const got = rows(t).sort((a, b) => a.nodeId - b.nodeId);
    assert.deepEqual(got.map((r) => [r.nodeId, r.i, r.score, r.tag, r.half, r.nums]), [
      [1, 1, 2, 'k1', 0.5, [1, 10]], [2, 2, 4, 'k2', 1, [2, 10]], [3, 3, 6, 'k3', 1.5, [0.5]], [4, 4, 8, 'k4', 2, null],
    ]);
    const rel = await get(c, 'w', 'gds.graph.relationshipProperties.stream', { relationship_properties: ['wt'] });
    assert.equal(String(rel.t.schema.fields.find((f) => f.name === 'wt').type), 'Float64');
    assert.deepEqual(rows(rel.t).map((r) => [r.sourceNodeId, r.targetNodeId, r.wt]).sort((a, b) => a[0] - b[0]),
      [[1, 2, 2.25], [2, 3, 3.25], [3, 4, 4.25]]);
  });

  it('a key holding several kinds of value is INVALID_ARGUMENT naming them; an unknown key NOT_FOUND', async () => {
    await expectGrpcError(c.doGet(ticket('w', 'gds.graph.nodeProperty.stream', { node_property: 'mix' })),
      Status.INVALID_ARGUMENT, /'mix'.*several kinds \(numbers, strings\)/);
    await expectGrpcError(c.doGet(ticket('w', 'gds.graph.nodeProperty.stream', { node_property: 'nope' })),
      Status.NOT_FOUND, /'nope' does not exist/);
  });
});
