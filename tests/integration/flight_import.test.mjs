// Arrow import round trips: every supported column type and label encoding goes in through DoPut and
// comes back out of DUMP_GRAPH / LIST_GRAPHS with the right values and types; relationships with
// types, properties, undirected and inverse-indexed types; STRING-id databases; triplets;
// PUT_NODE_PROPERTIES; compressed bodies; dictionary deltas; legacy descriptors; empty and large batches.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { startServer, SANITIZED } from './lib/server.mjs';
import { FlightClient, Status, putCommand } from './lib/flight.mjs';
import { serverTest, expectGrpcError, assertServerServes } from './lib/harness.mjs';
import {
  col, table, ipcFrames, rebuildDictionaryHeader, makeVector, decodeHeader, Int8, Int16, Int32, Table, Schema, Field, Int64, Utf8,
} from './lib/arrow.mjs';
import { compressBatchFrame, lz4Frame, zstdFrame } from './lib/compress.mjs';
import {
  constructGraph, createDatabase, constructFromTriplets, dump, graphInfo, checkDumpInvariants, nodesById, idKey,
  assertProps, relMultiset, assertSameMultiset, sameValue,
} from './lib/gds.mjs';
import { normInt, stringifyJSON } from './lib/json.mjs';

const TWO53P1 = 9007199254740993n;
const I64MIN = -(2n ** 63n);
const I64MAX = 2n ** 63n - 1n;

function expectNodes(d, expected, types) {
  const byId = nodesById(d);
  assert.equal(d.nodes.length, expected.size, `node count ${d.nodes.length} != expected ${expected.size}`);
  for (const [k, e] of expected) {
    const n = byId.get(k);
    assert.ok(n, `node ${k} missing from the dump`);
    assert.deepEqual(n.labels, [...e.labels].sort(), `node ${k}: labels`);
    assertProps(n.properties, e.props || {}, types, `node ${k}`);
  }
}

describe('Arrow import round trips', () => {
  let s;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer();
    c = new FlightClient(s.flightPort);
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  it('node property columns of every supported type round-trip with the right type', async () => {
    const ids = [0n, 1n, 2n, TWO53P1, 2n ** 62n];
    const t = table({
      nodeId: col.int64(ids),
      labels: col.listUtf8([['Person'], ['Person', 'Admin'], [], ['Z', 'A', 'M'], ['Person']]),
      i8: col.int8([-128, 127, 0, null, 5]),
      i16: col.int16([-32768, 32767, 1, 2, null]),
      i32: col.int32([-2147483648, 2147483647, null, 3, 4]),
      i64: col.int64([I64MIN, I64MAX, TWO53P1, null, 0]),
      f32: col.float32([1.5, 0.1, null, NaN, -Infinity]),
      f64: col.float64([0.1, 5e-324, 1.7976931348623157e308, null, Infinity]),
      flag: col.bool([true, false, true, false, true]),
      name: col.utf8(['alice', 'bob "quoted" \\ back/slash', 'ünïcödé ✓ 日本 🎉', '', 'tab\tnew\nline\u0001']),
      li64: col.listInt64([[1, 2, 3], [], [2n ** 62n], [-1], [I64MIN]]),
      li32: col.listInt32([[1], [2, 3], [], [-4], [2147483647]]),
      ld: col.listFloat64([[0.5, NaN], [], [Infinity, -Infinity], [1e-300], [2]]),
      lf: col.listFloat32([[0.1, 0.2], [], [1.5], [3.25, -2], [16777216]]),
      fsl: col.fixedFloat32(3, [[1, 2, 3], [0.1, 0.2, 0.3], [0, 0, 0], [-1, -2, -3], [4, 5, 6]]),
    });
    const r = await constructGraph(c, { name: 'types', nodes: [t], rels: [] });
    assert.equal(normInt(r.nodeDone.node_count), 5);

    const types = {
      i8: 'int64', i16: 'int64', i32: 'int64', i64: 'int64', f32: 'double', f64: 'double', flag: 'bool', name: 'string',
      li64: 'list<int64>', li32: 'list<int64>', ld: 'list<double>', lf: 'list<float>', fsl: 'list<float>',
    };
    const g = await graphInfo(c, 'types');
    assert.deepEqual(g.node_properties, types, `LIST_GRAPHS node_properties: ${stringifyJSON(g.node_properties)}`);
    assert.deepEqual([...g.labels].sort(), ['A', 'Admin', 'M', 'Person', 'Z']);

    const f = Math.fround;
    const expected = new Map([
      [idKey(0), { labels: ['Person'], props: { i8: -128, i16: -32768, i32: -2147483648, i64: I64MIN, f32: 1.5, f64: 0.1, flag: true, name: 'alice', li64: [1, 2, 3], li32: [1], ld: [0.5, NaN], lf: [0.1, 0.2], fsl: [1, 2, 3] } }],
      [idKey(1), { labels: ['Admin', 'Person'], props: { i8: 127, i16: 32767, i32: 2147483647, i64: I64MAX, f32: f(0.1), f64: 5e-324, flag: false, name: 'bob "quoted" \\ back/slash', li64: [], li32: [2, 3], ld: [], lf: [], fsl: [0.1, 0.2, 0.3] } }],
      [idKey(2), { labels: [], props: { i8: 0, i16: 1, i64: TWO53P1, f32: NaN, f64: 1.7976931348623157e308, flag: true, name: 'ünïcödé ✓ 日本 🎉', li64: [2n ** 62n], li32: [], ld: [Infinity, -Infinity], lf: [1.5], fsl: [0, 0, 0] } }],
      [idKey(TWO53P1), { labels: ['A', 'M', 'Z'], props: { i16: 2, i32: 3, f32: NaN, f64: NaN, flag: false, name: '', li64: [-1], li32: [-4], ld: [1e-300], lf: [3.25, -2], fsl: [-1, -2, -3] } }],
      [idKey(2n ** 62n), { labels: ['Person'], props: { i8: 5, i32: 4, i64: 0, f32: -Infinity, f64: Infinity, flag: true, name: 'tab\tnew\nline\u0001', li64: [I64MIN], li32: [2147483647], ld: [2], lf: [16777216], fsl: [4, 5, 6] } }],
    ]);
    const d = await dump(c, 'types');
    checkDumpInvariants(d);
    expectNodes(d, expected, { ...types, fsl: 'list<float>' });
    // the exact int64 literal must survive (no rounding through a double)
    const big = d.nodes.find((n) => idKey(n.id) === idKey(TWO53P1));
    assert.equal(typeof big.id, 'bigint', 'node id 2^53+1 was not written as an exact integer');
    assert.equal(big.id, TWO53P1);
  });

  it('labels as utf8, dictionary<int8|int16|int32>, list<utf8>, common_labels; any integer id width; metadata and __index_level_0__ ignored', async () => {
    const nodes = [
      table({ nodeId: col.int64([1, 2]), labels: col.utf8(['A', 'B']) }),
      table({ nodeId: col.int32([3, 4]), labels: col.dict(['C', 'C'], new Int8()) }),
      table({ nodeId: col.int16([5, 6]), labels: col.dict(['A', 'D'], new Int16()) }),
      table({ nodeId: col.uint32([7, 8]), labels: col.dict(['E', 'A'], new Int32()) }),
      { table: table({ nodeId: col.int64([9, 10]), labels: col.listUtf8([['A', 'B'], []]) }), common_labels: ['Common'] },
      { table: table({ nodeId: col.int64([11, 12]) }), common_labels: ['Only'] },
      table({ nodeId: col.int8([13, 14]) }),
      table({ nodeId: col.uint64([15]) }),
      table({ nodeId: col.int64([I64MAX]), labels: col.utf8(['Max']) }),
      table({ nodeId: col.int64([100, 101]), x: col.int64([7, 8]), __index_level_0__: col.int64([55, 56]) },
        { pandas: '{"index_columns": ["__index_level_0__"], "columns": []}' }),
    ];
    const r = await constructGraph(c, { name: 'labels', nodes, rels: [] });
    assert.equal(normInt(r.nodeDone.node_count), 18);
    const expected = new Map([
      [1, ['A']], [2, ['B']], [3, ['C']], [4, ['C']], [5, ['A']], [6, ['D']], [7, ['E']], [8, ['A']],
      [9, ['A', 'B', 'Common']], [10, ['Common']], [11, ['Only']], [12, ['Only']], [13, []], [14, []], [15, []],
      [100, []], [101, []],
    ].map(([id, labels]) => [idKey(id), { labels, props: id >= 100 ? { x: id - 93 } : {} }]));
    expected.set(idKey(I64MAX), { labels: ['Max'], props: {} });
    const d = await dump(c, 'labels');
    checkDumpInvariants(d);
    expectNodes(d, expected, { x: 'int64' });
    const g = await graphInfo(c, 'labels');
    assert.deepEqual(g.node_properties, { x: 'int64' }, '__index_level_0__ must not become a property');
    assert.deepEqual([...g.labels].sort(), ['A', 'B', 'C', 'Common', 'D', 'E', 'Max', 'Only']);
  });

  it('relationships: types (utf8 and dictionary), numeric properties as doubles, nulls as NaN, self-loops and parallel edges', async () => {
    const nodes = table({ nodeId: col.int64([1, 2, 3, 4, 5, 6]), labels: col.utf8(['N', 'N', 'N', 'N', 'N', 'N']) });
    const relA = table({
      sourceNodeId: col.int64([1, 1, 2, 6, 3]),
      targetNodeId: col.int64([2, 2, 3, 6, 1]),
      relationshipType: col.utf8(['KNOWS', 'KNOWS', 'LIKES', 'SELF', 'KNOWS']),
      weight: col.float64([0.5, 1.5, null, NaN, -Infinity]),
      since: col.int32([2001, null, 2003, -4, 2147483647]),
      w32: col.float32([0.25, 0.1, 2, null, 1e30]),
    });
    const relB = table({
      sourceNodeId: col.int64([4, 5, 1]),
      targetNodeId: col.int64([5, 4, 6]),
      relationshipType: col.dict(['LIKES', 'KNOWS', 'LIKES'], new Int8()),
      weight: col.float64([7, 8, 9]),
      since: col.int64([1, 2, 3]),
      w32: col.float32([1, 2, 3]),
    });
    const r = await constructGraph(c, { name: 'rels', nodes: [nodes], rels: [relA, relB] });
    assert.equal(normInt(r.relDone.relationship_count), 8);
    const d = await dump(c, 'rels');
    checkDumpInvariants(d);
    const f = Math.fround;
    const exp = [
      [1, 2, 'KNOWS', 0.5, 2001, 0.25], [1, 2, 'KNOWS', 1.5, NaN, f(0.1)], [2, 3, 'LIKES', NaN, 2003, 2],
      [6, 6, 'SELF', NaN, -4, NaN], [3, 1, 'KNOWS', -Infinity, 2147483647, f(1e30)],
      [4, 5, 'LIKES', 7, 1, 1], [5, 4, 'KNOWS', 8, 2, 2], [1, 6, 'LIKES', 9, 3, 3],
    ];
    const remaining = [...d.relationships];
    for (const [src, tgt, type, weight, since, w32] of exp) {
      const i = remaining.findIndex((x) => normInt(x.source) === src && normInt(x.target) === tgt && x.type === type &&
        sameValue(x.properties?.weight, weight, 'double') && sameValue(x.properties?.since, since, 'double') &&
        sameValue(x.properties?.w32, w32, 'double'));
      assert.ok(i >= 0, `relationship ${src}-[${type} ${weight} ${since} ${w32}]->${tgt} not found in ${stringifyJSON(d.relationships)}`);
      assert.deepEqual(Object.keys(remaining[i].properties).sort(), ['since', 'w32', 'weight']);
      remaining.splice(i, 1);
    }
    assert.equal(remaining.length, 0);
    const g = await graphInfo(c, 'rels');
    assert.deepEqual([...g.relationship_types].sort(), ['KNOWS', 'LIKES', 'SELF']);
    assert.deepEqual(g.relationship_properties, { weight: 'double', since: 'double', w32: 'double' });
    assert.deepEqual(d.undirected_types, []);
  });

  it('relationships without a relationshipType column get type __ALL__; a `type` column is accepted as the type', async () => {
    const nodes = table({ nodeId: col.int64([1, 2, 3]) });
    await constructGraph(c, { name: 'notype', nodes: [nodes], rels: [table({ sourceNodeId: col.int64([1, 2]), targetNodeId: col.int64([2, 3]) })] });
    let d = await dump(c, 'notype');
    checkDumpInvariants(d);
    assert.deepEqual(d.relationships.map((x) => x.type), ['__ALL__', '__ALL__']);
    await constructGraph(c, {
      name: 'typealias', nodes: [nodes],
      rels: [table({ sourceNodeId: col.int64([1, 2]), targetNodeId: col.int64([2, 3]), type: col.utf8(['T1', 'T2']) })],
    });
    d = await dump(c, 'typealias');
    checkDumpInvariants(d);
    assertSameMultiset(relMultiset(d.relationships), relMultiset([
      { source: 1, target: 2, type: 'T1' }, { source: 2, target: 3, type: 'T2' }]), 'type alias');
    for (const x of d.relationships) assert.deepEqual(x.properties || {}, {}, '`type` must not also become a property');
  });

  it('undirected types are stored in both directions and counted twice; inverse-indexed types are reported', async () => {
    const nodes = table({ nodeId: col.int64([1, 2, 3]) });
    const rels = table({
      sourceNodeId: col.int64([1, 2, 1, 3, 1]),
      targetNodeId: col.int64([2, 3, 3, 1, 2]),
      relationshipType: col.utf8(['U', 'U', 'D', 'D', 'X']),
      w: col.float64([1, 2, 3, 4, 5]),
    });
    const r = await constructGraph(c, {
      name: 'undir', nodes: [nodes], rels: [rels],
      createOptions: { undirected_relationship_types: ['U'], inverse_indexed_relationship_types: ['D'] },
    });
    assert.equal(normInt(r.relDone.relationship_count), 7, 'an undirected relationship counts twice');
    const d = await dump(c, 'undir');
    checkDumpInvariants(d);
    assert.equal(normInt(d.relationship_count), 7);
    assert.deepEqual(d.undirected_types, ['U']);
    assert.deepEqual(d.inverse_indexed_types, ['D']);
    assertSameMultiset(relMultiset(d.relationships, true), relMultiset([
      { source: 1, target: 2, type: 'U', properties: { w: 1 } }, { source: 2, target: 1, type: 'U', properties: { w: 1 } },
      { source: 2, target: 3, type: 'U', properties: { w: 2 } }, { source: 3, target: 2, type: 'U', properties: { w: 2 } },
      { source: 1, target: 3, type: 'D', properties: { w: 3 } }, { source: 3, target: 1, type: 'D', properties: { w: 4 } },
      { source: 1, target: 2, type: 'X', properties: { w: 5 } },
    ], true), 'undirected graph');
    const g = await graphInfo(c, 'undir');
    assert.equal(normInt(g.relationship_count), 7);

    // "*" makes every type undirected
    const r2 = await constructGraph(c, {
      name: 'undirall', nodes: [nodes], rels: [rels], createOptions: { undirected_relationship_types: ['*'] },
    });
    assert.equal(normInt(r2.relDone.relationship_count), 10);
    const d2 = await dump(c, 'undirall');
    checkDumpInvariants(d2);
    for (const t of ['U', 'D', 'X']) {
      assert.ok(d2.undirected_types.includes(t) || d2.undirected_types.includes('*'), `undirected_types ${stringifyJSON(d2.undirected_types)} lacks ${t}`);
    }
  });

  it('a STRING-id database keeps string ids for nodes and relationships', async () => {
    const ids = ['alice', 'bob', 'ünï ✓', 'x'.repeat(300), '42'];
    const r = await createDatabase(c, {
      name: 'strdb', idType: 'STRING', idProperty: 'extId',
      nodes: [table({ nodeId: col.utf8(ids), labels: col.utf8(['P', 'P', 'Q', 'Q', 'P']), age: col.int64([30, 40, 50, 60, 70]) })],
      rels: [table({ sourceNodeId: col.utf8(['alice', 'bob', '42']), targetNodeId: col.utf8(['bob', 'ünï ✓', 'x'.repeat(300)]), relationshipType: col.utf8(['K', 'K', 'L']) })],
    });
    assert.equal(normInt(r.nodeDone.node_count), 5);
    assert.equal(normInt(r.relDone.relationship_count), 3);
    const d = await dump(c, 'strdb');
    checkDumpInvariants(d);
    assert.equal(d.id_type, 'STRING');
    assert.equal(d.id_property, 'extId');
    assert.equal(d.durable, true);
    for (const n of d.nodes) assert.equal(typeof n.id, 'string', `node id ${n.id} is not a string`);
    assert.deepEqual(d.nodes.map((n) => n.id).sort(), [...ids].sort());
    assertSameMultiset(relMultiset(d.relationships), relMultiset([
      { source: 'alice', target: 'bob', type: 'K' }, { source: 'bob', target: 'ünï ✓', type: 'K' },
      { source: '42', target: 'x'.repeat(300), type: 'L' }]), 'string-id relationships');
    const g = await graphInfo(c, 'strdb');
    assert.equal(g.id_type, 'STRING');
  });

  it('triplets: sourceNode/targetNode with labels, types and properties create nodes and relationships', async () => {
    const t1 = table({
      sourceNode: col.int64([1, 1, 2]),
      targetNode: col.int64([2, 3, 3]),
      relationshipType: col.utf8(['KNOWS', 'KNOWS', 'LIKES']),
      sourceNodeLabels: col.listUtf8([['Person'], ['Person'], ['Person', 'Admin']]),
      targetNodeLabels: col.utf8(['Person', 'Thing', 'Thing']),
      weight: col.float64([1, 2, null]),
    });
    const t2 = table({
      sourceNodeId: col.int64([4]),
      targetNodeId: col.int64([1]),
      type: col.utf8(['KNOWS']),
      weight: col.float64([4]),
    });
    const r = await constructFromTriplets(c, { name: 'trip', triplets: [t1, t2] });
    assert.equal(normInt(r.done.node_count), 4);
    assert.equal(normInt(r.done.relationship_count), 4);
    const d = await dump(c, 'trip');
    checkDumpInvariants(d);
    const byId = nodesById(d);
    assert.deepEqual(byId.get(idKey(1)).labels, ['Person']);
    assert.deepEqual(byId.get(idKey(2)).labels, ['Admin', 'Person']);
    assert.deepEqual(byId.get(idKey(3)).labels, ['Thing']);
    assert.deepEqual(byId.get(idKey(4)).labels, []);
    assertSameMultiset(relMultiset(d.relationships, true), relMultiset([
      { source: 1, target: 2, type: 'KNOWS', properties: { weight: 1 } },
      { source: 1, target: 3, type: 'KNOWS', properties: { weight: 2 } },
      { source: 2, target: 3, type: 'LIKES', properties: { weight: 'NaN' } },
      { source: 4, target: 1, type: 'KNOWS', properties: { weight: 4 } },
    ], true), 'triplet relationships');
  });

  it('PUT_NODE_PROPERTIES adds new properties to the nodes sent, and only to them', async () => {
    await constructGraph(c, {
      name: 'np',
      nodes: [table({ nodeId: col.int64([1, 2, 3, 4, 5]), labels: col.utf8(['P', 'P', 'Q', 'Q', 'P']), age: col.int64([10, 20, 30, 40, 50]) })],
      rels: [],
    });
    const ack = await c.action('v1/PUT_NODE_PROPERTIES', { name: 'np', database_name: 'neo4j', concurrency: 4, node_labels: ['*'], consecutive_ids: false });
    assert.equal(ack.name, 'np');
    const put = await c.doPut(putCommand('np', 'node_properties'), table({
      nodeId: col.int64([1, 3, 5]),
      score: col.float64([0.5, NaN, 2]),
      tag: col.utf8(['x', 'y', 'z']),
      emb: col.listFloat32([[1, 2], [3], []]),
    }));
    assert.equal(put.acks, 1);
    const done = await c.action('v1/PUT_NODE_PROPERTIES_DONE', { name: 'np' });
    assert.equal(done.name, 'np');
    assert.equal(normInt(done.node_count), 3);
    const d = await dump(c, 'np');
    checkDumpInvariants(d);
    const types = { age: 'int64', score: 'double', tag: 'string', emb: 'list<float>' };
    expectNodes(d, new Map([
      [idKey(1), { labels: ['P'], props: { age: 10, score: 0.5, tag: 'x', emb: [1, 2] } }],
      [idKey(2), { labels: ['P'], props: { age: 20 } }],
      [idKey(3), { labels: ['Q'], props: { age: 30, score: NaN, tag: 'y', emb: [3] } }],
      [idKey(4), { labels: ['Q'], props: { age: 40 } }],
      [idKey(5), { labels: ['P'], props: { age: 50, score: 2, tag: 'z', emb: [] } }],
    ]), types);
    const g = await graphInfo(c, 'np');
    assert.deepEqual(g.node_properties, types);
  });

  it('PUT_NODE_PROPERTIES refuses an existing property and unknown node ids, and keeps the graph intact', async () => {
    await constructGraph(c, { name: 'np2', nodes: [table({ nodeId: col.int64([1, 2, 3]), age: col.int64([1, 2, 3]) })], rels: [] });
    await expectGrpcError(c.doAction('v1/PUT_NODE_PROPERTIES', { name: 'nope', database_name: 'neo4j' }), Status.NOT_FOUND, /nope/, 'unknown graph');

    // 1. the property exists already: the error may come from the DoPut or from PUT_NODE_PROPERTIES_DONE
    await c.action('v1/PUT_NODE_PROPERTIES', { name: 'np2', database_name: 'neo4j' });
    const attempt = async (tbl) => {
      await c.doPut(putCommand('np2', 'node_properties'), tbl);
      return c.action('v1/PUT_NODE_PROPERTIES_DONE', { name: 'np2' });
    };
    await expectGrpcError(attempt(table({ nodeId: col.int64([1]), age: col.int64([99]) })),
      [Status.ALREADY_EXISTS, Status.INVALID_ARGUMENT], /age/, 'existing property');
    await c.doAction('v1/ABORT', { name: 'np2' }).catch(() => {});

    // 2. an unknown node id
    await c.action('v1/PUT_NODE_PROPERTIES', { name: 'np2', database_name: 'neo4j' });
    await expectGrpcError(attempt(table({ nodeId: col.int64([2, 777]), extra: col.float64([1, 2]) })),
      Status.NOT_FOUND, /777/, 'unknown node id');
    await c.doAction('v1/ABORT', { name: 'np2' }).catch(() => {});

    const d = await dump(c, 'np2');
    checkDumpInvariants(d);
    for (const n of d.nodes) {
      assert.ok(sameValue(n.properties.age, normInt(n.id), 'int64'), `node ${n.id}: age changed to ${n.properties.age}`);
    }
    const g = await graphInfo(c, 'np2');
    assert.equal(normInt(g.node_count), 3);
    assert.equal(g.node_properties.age, 'int64');
    await assertServerServes(s);
  });

  it('LZ4_FRAME and ZSTD compressed record batches are read correctly', async () => {
    const N = 3000;
    const ids = Array.from({ length: N }, (_, i) => BigInt(i * 3 + 1));
    const mk = (lo, hi) => table({
      nodeId: col.int64(ids.slice(lo, hi)),
      labels: col.listUtf8(ids.slice(lo, hi).map((id) => (id % 2n ? ['Odd'] : ['Even', 'Num']))),
      val: col.float64(ids.slice(lo, hi).map((id) => (id % 7n === 0n ? null : Number(id) / 4))),
      cnt: col.int32(ids.slice(lo, hi).map((id) => (id % 5n === 0n ? null : Number(id % 1000n)))),
      name: col.utf8(ids.slice(lo, hi).map((id) => `node-${id}`)),
      arr: col.listInt64(ids.slice(lo, hi).map((id) => [id, id + 1n])),
    });
    const variants = [
      ['lz4 compressed blocks', 'lz4', (b) => lz4Frame(b)],
      ['lz4 stored blocks', 'lz4', (b) => lz4Frame(b, { mode: 'stored' })],
      ['lz4 mixed with uncompressed (-1) buffers, checksums', 'lz4', (b, i) => (i % 2 ? null : lz4Frame(b, { contentChecksum: true, contentSize: true, blockSize: 262144 }))],
      ['zstd raw/rle blocks', 'zstd', (b) => zstdFrame(b, { blockSize: 64 })],
      ['zstd large raw blocks', 'zstd', (b) => zstdFrame(b, { rle: false })],
    ];
    const chunk = Math.ceil(N / variants.length);
    await c.action('v1/CREATE_GRAPH', { name: 'comp', database_name: 'neo4j' });
    for (let v = 0; v < variants.length; v++) {
      const [label, codec, enc] = variants[v];
      const tbl = mk(v * chunk, Math.min(N, (v + 1) * chunk));
      const put = await c.doPut(putCommand('comp', 'node'), tbl, {
        batchRows: 250,
        transform: (frames) => frames.map((f) => compressBatchFrame(f, codec, enc)),
      }).catch((e) => { throw new Error(`${label}: ${e.details || e.message}`); });
      assert.ok(put.acks >= 2, label);
    }
    // relationships compressed as well
    await c.action('v1/NODE_LOAD_DONE', { name: 'comp' });
    const relT = table({ sourceNodeId: col.int64(ids.slice(0, N - 1)), targetNodeId: col.int64(ids.slice(1)), w: col.float64(ids.slice(1).map(Number)) });
    await c.doPut(putCommand('comp', 'relationship'), relT, { batchRows: 1000, transform: (fr) => fr.map((f) => compressBatchFrame(f, 'lz4')) });
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'comp' });
    assert.equal(normInt(rd.relationship_count), N - 1);

    const d = await dump(c, 'comp');
    checkDumpInvariants(d);
    const byId = nodesById(d);
    assert.equal(d.nodes.length, N);
    for (const id of ids) {
      const n = byId.get(idKey(id));
      assert.ok(n, `node ${id} missing`);
      const expProps = { name: `node-${id}`, arr: [id, id + 1n], val: id % 7n === 0n ? NaN : Number(id) / 4 };
      if (id % 5n !== 0n) expProps.cnt = Number(id % 1000n);
      assert.deepEqual(n.labels, id % 2n ? ['Odd'] : ['Even', 'Num'], `node ${id} labels`);
      assertProps(n.properties, expProps, { name: 'string', arr: 'list<int64>', val: 'double', cnt: 'int64' }, `node ${id}`);
    }
    const exp = ids.slice(0, N - 1).map((id, i) => ({ source: id, target: ids[i + 1], type: '__ALL__', properties: { w: Number(ids[i + 1]) } }));
    assertSameMultiset(relMultiset(d.relationships, true), relMultiset(exp, true), 'compressed relationships');
  });

  it('dictionary batches: deltas and replacements within one stream', async () => {
    const t1 = table({ nodeId: col.int64([1, 2]), labels: col.dict(['A', 'B'], new Int32()) });
    const f1 = ipcFrames(t1);
    const dictFrame = f1.find((f) => f.kind === 'dictionary');
    const dictId = decodeHeader(dictFrame.header).header().id;
    // a dictionary of two new values, sent as a delta (indices 2, 3) and later as a replacement
    const other = ipcFrames(table({ nodeId: col.int64([0]), labels: col.dict(['C', 'D'], new Int32()) }));
    const otherDict = other.find((f) => f.kind === 'dictionary');
    const delta = { kind: 'dictionary', header: rebuildDictionaryHeader(otherDict.header, { id: dictId, isDelta: true }), body: otherDict.body };
    // record batches whose labels column carries raw int32 indices (same buffers as dictionary<int32>)
    const idx = (nodeIds, indices) => ipcFrames(table({ nodeId: col.int64(nodeIds), labels: col.int32(indices) })).find((f) => f.kind === 'batch');
    const repl = ipcFrames(table({ nodeId: col.int64([0]), labels: col.dict(['X', 'Y'], new Int32()) })).find((f) => f.kind === 'dictionary');
    const replacement = { kind: 'dictionary', header: rebuildDictionaryHeader(repl.header, { id: dictId, isDelta: false }), body: repl.body };
    const frames = [
      ...f1,
      delta, idx([3, 4, 5], [2, 3, 0]),
      replacement, idx([6, 7], [1, 0]),
    ];
    await c.action('v1/CREATE_GRAPH', { name: 'dicts', database_name: 'neo4j' });
    const put = await c.doPut(putCommand('dicts', 'node'), frames);
    assert.equal(put.acks, 3, 'one PutResult per RecordBatch, none for dictionaries');
    await c.action('v1/NODE_LOAD_DONE', { name: 'dicts' });
    await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'dicts' });
    const d = await dump(c, 'dicts');
    checkDumpInvariants(d);
    expectNodes(d, new Map([[1, 'A'], [2, 'B'], [3, 'C'], [4, 'D'], [5, 'A'], [6, 'Y'], [7, 'X']]
      .map(([id, l]) => [idKey(id), { labels: [l], props: {} }])), {});
  });

  it('legacy descriptors: PUT_MESSAGE envelope, bare {name, entity_type} body, python-style JSON spacing', async () => {
    await c.action('v1/CREATE_GRAPH', { name: 'legacyput', database_name: 'neo4j' });
    await c.doPut(putCommand('legacyput', 'node', {}, { envelope: 'PUT_MESSAGE' }), table({ nodeId: col.int64([1, 2]) }));
    await c.doPut(putCommand('legacyput', 'node', {}, { envelope: null }), table({ nodeId: col.int64([3]) }));
    await c.doPut('{"name": "PUT_COMMAND", "version": "v1", "body": {"name": "legacyput", "entity_type": "node"}}', table({ nodeId: col.int64([4]) }));
    const nd = await c.action('v1/NODE_LOAD_DONE', { name: 'legacyput' });
    assert.equal(normInt(nd.node_count), 4);
    await c.doPut({ name: 'legacyput', entity_type: 'relationship' }, table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([4]) }));
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'legacyput' });
    assert.equal(normInt(rd.relationship_count), 1);
  });

  it('schema-only streams and zero-row batches are accepted and acknowledged', async () => {
    await c.action('v1/CREATE_GRAPH', { name: 'empty', database_name: 'neo4j' });
    const empty = new Table(new Schema([new Field('nodeId', new Int64(), true), new Field('labels', new Utf8(), true)]));
    const p1 = await c.doPut(putCommand('empty', 'node'), empty);
    assert.equal(p1.acks, 0);
    const frames = ipcFrames(table({ nodeId: col.int64([1]), labels: col.utf8(['A']) }));
    const p2 = await c.doPut(putCommand('empty', 'node'), frames);
    assert.equal(p2.acks, 1);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name: 'empty' });
    assert.equal(normInt(nd.node_count), 1);
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'empty' });
    assert.equal(normInt(rd.relationship_count), 0);
  });

  it('a zero-row RecordBatch gets its PutResult', async () => {
    await c.action('v1/CREATE_GRAPH', { name: 'zerorow', database_name: 'neo4j' });
    const t = table({ nodeId: col.int64([1, 2]) });
    const batch0 = t.batches[0].slice(0, 0);
    const put = await c.doPut(putCommand('zerorow', 'node'), [batch0, t.batches[0]]);
    assert.equal(put.acks, 2);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name: 'zerorow' });
    assert.equal(normInt(nd.node_count), 2);
    await c.action('v1/ABORT', { name: 'zerorow' });
  });

  it('a single RecordBatch larger than gRPC\'s default 4 MiB limit is accepted', async () => {
    const N = SANITIZED ? 300_000 : 600_000;
    const ids = new BigInt64Array(N);
    for (let i = 0; i < N; i++) ids[i] = BigInt(i);
    const vals = new Float64Array(N);
    for (let i = 0; i < N; i++) vals[i] = i / 2;
    const t = new Table({ nodeId: makeVector(ids), v: makeVector(vals) });
    await c.action('v1/CREATE_GRAPH', { name: 'bigbatch', database_name: 'neo4j' });
    const frames = ipcFrames(t);
    const batch = frames.find((f) => f.kind === 'batch');
    assert.ok(batch.body.length > 4 * 1024 * 1024, `test bug: batch is only ${batch.body.length} bytes`);
    const put = await c.doPut(putCommand('bigbatch', 'node'), frames);
    assert.equal(put.acks, 1);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name: 'bigbatch' });
    assert.equal(normInt(nd.node_count), N);
    await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'bigbatch' });
    const g = await graphInfo(c, 'bigbatch');
    assert.equal(g.node_properties.v, 'double');
    await c.action('v1/DROP_GRAPH', { name: 'bigbatch' });
  });
});
