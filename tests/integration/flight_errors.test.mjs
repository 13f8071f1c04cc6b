// Bad input, one case at a time, each with its exact gRPC status: unknown imports, wrong phases,
// missing/mistyped/negative/null reserved columns, unsupported column types, bad descriptors, malformed
// IPC and protobuf, dangling relationships, duplicate node ids, oversized messages. After every error
// the server keeps serving, and an import running on another connection is untouched.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import net from 'node:net';

import { startServer, SLOW } from './lib/server.mjs';
import { FlightClient, Status, putCommand, encodeFlightData } from './lib/flight.mjs';
import { serverTest, expectGrpcError, assertServerServes, httpRequest, sleep } from './lib/harness.mjs';
import {
  col, table, ipcFrames, rebuildBatchHeader, bufferRegion, decodeHeader, Int32, makeVector,
} from './lib/arrow.mjs';
import { compressBatchFrame, lz4Frame, zstdFrame } from './lib/compress.mjs';
import { constructGraph, abortQuietly, graphInfo, dump, nodesById, idKey } from './lib/gds.mjs';
import { normInt } from './lib/json.mjs';

const PHASE_RE = /phase|node|relationship|triplet|propert|load|state/i;

let seq = 0;
const fresh = (p) => `${p}_${++seq}`;

describe('errors', () => {
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

  // Starts an import in the node phase (INTEGER ids unless a database is given).
  async function nodePhase(prefix = 'e') {
    const name = fresh(prefix);
    await c.action('v1/CREATE_GRAPH', { name, database_name: 'neo4j' });
    return name;
  }
  async function relPhase(prefix = 'r') {
    const name = await nodePhase(prefix);
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.int64([1, 2, 3]) }));
    await c.action('v1/NODE_LOAD_DONE', { name });
    return name;
  }
  async function putError(name, entity, data, code, re, what, opts = {}) {
    const e = await expectGrpcError(c.doPut(putCommand(name, entity), data, opts), code, re, what);
    await abortQuietly(c, name);
    await assertServerServes(s);
    return e;
  }

  it('DoPut into an unknown import: NOT_FOUND with No arrow process', async () => {
    await expectGrpcError(c.doPut(putCommand('no_such_import', 'node'), table({ nodeId: col.int64([1]) })),
      Status.NOT_FOUND, /No arrow process/);
    await expectGrpcError(c.doPut(putCommand('no_such_import', 'relationship'), table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([1]) })),
      Status.NOT_FOUND, /No arrow process/);
    await assertServerServes(s);
  });

  it('CREATE_GRAPH on an existing graph: ALREADY_EXISTS', async () => {
    const name = fresh('exists');
    await constructGraph(c, { name, nodes: [table({ nodeId: col.int64([1]) })] });
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name, database_name: 'neo4j' }), Status.ALREADY_EXISTS, new RegExp(name));
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH_FROM_TRIPLETS', { name, database_name: 'neo4j' }), Status.ALREADY_EXISTS, new RegExp(name));
  });

  it('wrong phases are FAILED_PRECONDITION naming the phase, and leave the import usable', async () => {
    const name = await nodePhase('phase');
    const rel = table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([2]) });
    const nodes = table({ nodeId: col.int64([1, 2]) });
    await expectGrpcError(c.doPut(putCommand(name, 'relationship'), rel), Status.FAILED_PRECONDITION, PHASE_RE, 'relationships before NODE_LOAD_DONE');
    await expectGrpcError(c.doAction('v1/RELATIONSHIP_LOAD_DONE', { name }), Status.FAILED_PRECONDITION, PHASE_RE, 'RELATIONSHIP_LOAD_DONE before NODE_LOAD_DONE');
    await expectGrpcError(c.doAction('v1/TRIPLET_LOAD_DONE', { name }), Status.FAILED_PRECONDITION, PHASE_RE, 'TRIPLET_LOAD_DONE on a graph import');
    await expectGrpcError(c.doAction('v1/PUT_NODE_PROPERTIES_DONE', { name }), Status.FAILED_PRECONDITION, PHASE_RE, 'PUT_NODE_PROPERTIES_DONE on a graph import');
    await c.doPut(putCommand(name, 'node'), nodes);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name });
    assert.equal(normInt(nd.node_count), 2, 'the import lost data after wrong-phase calls');
    await expectGrpcError(c.doPut(putCommand(name, 'node'), table({ nodeId: col.int64([3]) })), Status.FAILED_PRECONDITION, PHASE_RE, 'nodes after NODE_LOAD_DONE');
    await c.doPut(putCommand(name, 'relationship'), rel);
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name });
    assert.equal(normInt(rd.relationship_count), 1);
    // the graph is finished: data for it is refused (there is no import any more, or it is in the wrong phase)
    await expectGrpcError(c.doPut(putCommand(name, 'relationship'), rel), [Status.NOT_FOUND, Status.FAILED_PRECONDITION], null, 'relationships after RELATIONSHIP_LOAD_DONE');
    const g = await graphInfo(c, name);
    assert.equal(normInt(g.relationship_count), 1, 'a finished graph changed');
  });

  it('triplet imports refuse graph done actions with FAILED_PRECONDITION and stay usable', async () => {
    const name = fresh('tphase');
    await c.action('v1/CREATE_GRAPH_FROM_TRIPLETS', { name, database_name: 'neo4j' });
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name }), Status.FAILED_PRECONDITION, PHASE_RE, 'NODE_LOAD_DONE on a triplet import');
    await c.doPut(putCommand(name, 'triplet'), table({ sourceNode: col.int64([1]), targetNode: col.int64([2]) }));
    const done = await c.action('v1/TRIPLET_LOAD_DONE', { name });
    assert.equal(normInt(done.relationship_count), 1);
  });

  // A stream of a kind the import never accepts at this point (triplets into a graph import, nodes into a
  // triplet import, ...) is a wrong phase like the matching done action (TRIPLET_LOAD_DONE on a graph
  // import), so it gets the same FAILED_PRECONDITION.
  it('streams of a kind the import does not accept now are FAILED_PRECONDITION, like the matching actions', async () => {
    const g = await nodePhase('kind');
    const t = fresh('kindt');
    await c.action('v1/CREATE_GRAPH_FROM_TRIPLETS', { name: t, database_name: 'neo4j' });
    const cases = [
      [g, 'triplet', table({ sourceNode: col.int64([1]), targetNode: col.int64([2]) }), 'triplets into a graph import'],
      [g, 'node_properties', table({ nodeId: col.int64([1]) }), 'node_properties into a graph import'],
      [t, 'node', table({ nodeId: col.int64([1]) }), 'nodes into a triplet import'],
      [t, 'relationship', table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([1]) }), 'relationships into a triplet import'],
    ];
    const wrong = [];
    for (const [name, kind, data, what] of cases) {
      const e = await expectGrpcError(c.doPut(putCommand(name, kind), data), [Status.FAILED_PRECONDITION, Status.INVALID_ARGUMENT], PHASE_RE, what);
      if (e.code !== Status.FAILED_PRECONDITION) wrong.push(`${what}: ${e.name}: ${e.details}`);
    }
    await abortQuietly(c, g);
    await abortQuietly(c, t);
    assert.deepEqual(wrong, [], 'expected FAILED_PRECONDITION (as for TRIPLET_LOAD_DONE on a graph import)');
  });

  it('an unknown entity_type is INVALID_ARGUMENT naming it', async () => {
    const name = await nodePhase();
    await putError(name, 'edges', table({ nodeId: col.int64([1]) }), Status.INVALID_ARGUMENT, /edges/);
  });

  it('node columns: missing, mistyped, negative or null nodeId are INVALID_ARGUMENT naming the column', async () => {
    const cases = [
      ['no nodeId column', table({ id: col.int64([1, 2]) })],
      ['nodeId as utf8 in an INTEGER graph', table({ nodeId: col.utf8(['1', '2']) })],
      ['nodeId as float64', table({ nodeId: col.float64([1, 2]) })],
      ['nodeId as list<int64>', table({ nodeId: col.listInt64([[1], [2]]) })],
      ['negative nodeId', table({ nodeId: col.int64([1, -5, 3]) })],
      ['negative nodeId (int32)', table({ nodeId: col.int32([1, -5]) })],
      ['null nodeId', table({ nodeId: col.int64([1, null, 3]) })],
      ['uint64 nodeId above 2^63-1', table({ nodeId: col.uint64([1, 2n ** 63n]) })],
    ];
    for (const [what, data] of cases) {
      const name = await nodePhase('nid');
      await putError(name, 'node', data, Status.INVALID_ARGUMENT, /nodeId/, what);
    }
  });

  it('relationship columns: missing, mistyped, negative or null ids are INVALID_ARGUMENT naming the column', async () => {
    const cases = [
      ['no targetNodeId column', table({ sourceNodeId: col.int64([1]) }), /targetNodeId/],
      ['no sourceNodeId column', table({ targetNodeId: col.int64([1]) }), /sourceNodeId/],
      ['sourceNodeId as float64', table({ sourceNodeId: col.float64([1]), targetNodeId: col.int64([2]) }), /sourceNodeId/],
      ['targetNodeId as utf8 in an INTEGER graph', table({ sourceNodeId: col.int64([1]), targetNodeId: col.utf8(['2']) }), /targetNodeId/],
      ['negative targetNodeId', table({ sourceNodeId: col.int64([1, 2]), targetNodeId: col.int64([2, -3]) }), /targetNodeId/],
      ['null sourceNodeId', table({ sourceNodeId: col.int64([1, null]), targetNodeId: col.int64([2, 3]) }), /sourceNodeId/],
      ['relationshipType as int64', table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([2]), relationshipType: col.int64([7]) }), /relationshipType/],
      ['a utf8 relationship property', table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([2]), colour_text: col.utf8(['red']) }), /colour_text/],
    ];
    for (const [what, data, re] of cases) {
      const name = await relPhase('rid');
      await putError(name, 'relationship', data, Status.INVALID_ARGUMENT, re, what);
    }
  });

  it('triplet columns: missing or mistyped ids are INVALID_ARGUMENT naming the column', async () => {
    for (const [what, data, re] of [
      ['no targetNode', table({ sourceNode: col.int64([1]) }), /targetNode/],
      ['sourceNode as float64', table({ sourceNode: col.float64([1]), targetNode: col.int64([2]) }), /sourceNode/],
      ['negative sourceNode', table({ sourceNode: col.int64([-1]), targetNode: col.int64([2]) }), /sourceNode/],
    ]) {
      const name = fresh('trid');
      await c.action('v1/CREATE_GRAPH_FROM_TRIPLETS', { name, database_name: 'neo4j' });
      await putError(name, 'triplet', data, Status.INVALID_ARGUMENT, re, what);
    }
  });

  it('a STRING-id database refuses integer ids naming the column', async () => {
    const name = fresh('strdb');
    await c.action('v1/CREATE_DATABASE', { name, id_type: 'STRING' });
    await putError(name, 'node', table({ nodeId: col.int64([1]) }), Status.INVALID_ARGUMENT, /nodeId/, 'int64 nodeId in a STRING database');
  });

  it('unsupported column types (decimal, date, struct, timestamp, binary, labels as int64) are INVALID_ARGUMENT naming the column', async () => {
    const cases = [
      ['price_decimal', table({ nodeId: col.int64([1, 2]), price_decimal: col.decimal(2) })],
      ['birthday_date', table({ nodeId: col.int64([1, 2]), birthday_date: col.date([new Date(0), new Date(86400000)]) })],
      ['address_struct', table({ nodeId: col.int64([1, 2]), address_struct: col.struct([{ a: 1 }, { a: 2 }]) })],
      ['seen_timestamp', table({ nodeId: col.int64([1, 2]), seen_timestamp: col.timestamp([new Date(0), new Date(1)]) })],
      ['blob_binary', table({ nodeId: col.int64([1, 2]), blob_binary: col.binary([Uint8Array.of(1), Uint8Array.of(2)]) })],
      ['labels', table({ nodeId: col.int64([1, 2]), labels: col.int64([1, 2]) })],
    ];
    for (const [column, data] of cases) {
      const name = await nodePhase('unsup');
      await putError(name, 'node', data, Status.INVALID_ARGUMENT, new RegExp(column), column);
    }
    const name = await relPhase('unsupr');
    await putError(name, 'relationship', table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([2]), when_date: col.date([new Date(0)]) }),
      Status.INVALID_ARGUMENT, /when_date/, 'date relationship property');
  });

  it('bad descriptors: invalid JSON, missing fields, no descriptor, PATH descriptor', async () => {
    const t = table({ nodeId: col.int64([1]) });
    const name = await nodePhase('desc');
    await expectGrpcError(c.doPut('{"name": "PUT_COMMAND", "version": "v1", "body": {', t), Status.INVALID_ARGUMENT, null, 'truncated JSON');
    await expectGrpcError(c.doPut('definitely not json', t), Status.INVALID_ARGUMENT, null, 'not JSON');
    await expectGrpcError(c.doPut({ name: 'PUT_COMMAND', version: 'v1' }, t), Status.INVALID_ARGUMENT, null, 'no body');
    await expectGrpcError(c.doPut({ name: 'PUT_COMMAND', version: 'v1', body: { entity_type: 'node' } }, t), Status.INVALID_ARGUMENT, /name/, 'no process name');
    await expectGrpcError(c.doPut({ name: 'PUT_COMMAND', version: 'v1', body: { name } }, t), Status.INVALID_ARGUMENT, /entity_type/, 'no entity_type');
    await expectGrpcError(c.doPut(null, t, { flightDescriptor: { type: 'PATH', path: ['a', 'b'] } }), [Status.INVALID_ARGUMENT, Status.UNIMPLEMENTED], null, 'PATH descriptor');
    // first message without a descriptor
    const frames = ipcFrames(t);
    await expectGrpcError(c.doPutFrames(frames.map((f) => ({ data_header: f.header, data_body: f.body, _kind: f.kind }))),
      Status.INVALID_ARGUMENT, null, 'no descriptor on the first message');
    // the import is still usable
    await c.doPut(putCommand(name, 'node'), t);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name });
    assert.equal(normInt(nd.node_count), 1);
    await assertServerServes(s);
  });

  it('malformed IPC: garbage headers, truncated bodies, out-of-range buffers, lengths and offsets', async () => {
    const t = table({ nodeId: col.int64([1, 2, 3]), labels: col.utf8(['A', 'B', 'C']) });
    const [schema, batch] = ipcFrames(t);
    const rb = decodeHeader(batch.header).header();
    const garbage = Buffer.from('this is not a flatbuffer message at all, just some text!!');
    const withCmd = (name) => ({ type: 'CMD', cmd: Buffer.from(JSON.stringify(putCommand(name, 'node'))) });
    const cases = [
      ['garbage schema header', () => [{ kind: 'schema', header: garbage, body: Buffer.alloc(0) }]],
      ['garbage batch header', () => [schema, { kind: 'batch', header: garbage, body: batch.body }]],
      ['random batch header bytes', () => [schema, { kind: 'batch', header: Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 73 + 11) & 255)), body: batch.body }]],
      ['RecordBatch before Schema', () => [batch]],
      ['body shorter than its buffers', () => [schema, { ...batch, body: batch.body.subarray(0, 20) }]],
      ['empty body', () => [schema, { ...batch, body: Buffer.alloc(0) }]],
      ['buffer offset beyond the body', () => [schema, { ...batch, header: rebuildBatchHeader(batch.header, { buffers: rb.buffers.map((b, i) => (i === 1 ? bufferRegion(1 << 20, 24) : b)) }) }]],
      ['negative buffer offset', () => [schema, { ...batch, header: rebuildBatchHeader(batch.header, { buffers: rb.buffers.map((b, i) => (i === 1 ? bufferRegion(-64, 24) : b)) }) }]],
      ['row count larger than the buffers hold', () => [schema, { ...batch, header: rebuildBatchHeader(batch.header, { length: 1000000 }) }]],
      ['too few field nodes', () => [schema, { ...batch, header: rebuildBatchHeader(batch.header, { nodes: rb.nodes.slice(0, 1) }) }]],
      ['too few buffers', () => [schema, { ...batch, header: rebuildBatchHeader(batch.header, { buffers: rb.buffers.slice(0, 2) }) }]],
      ['utf8 offsets past the data', () => {
        const body = Buffer.from(batch.body);
        const offs = rb.buffers[3];
        body.writeInt32LE(100000, Number(offs.offset) + 12); // last offset of 3 strings
        return [schema, { ...batch, body }];
      }],
      ['utf8 offsets decreasing', () => {
        const body = Buffer.from(batch.body);
        const offs = rb.buffers[3];
        body.writeInt32LE(3, Number(offs.offset) + 4);
        body.writeInt32LE(1, Number(offs.offset) + 8);
        return [schema, { ...batch, body }];
      }],
    ];
    for (const [what, mk] of cases) {
      const name = await nodePhase('ipc');
      const frames = mk();
      const msgs = frames.map((f, i) => ({
        flight_descriptor: i === 0 ? withCmd(name) : null, data_header: f.header, data_body: f.body, _kind: f.kind,
      }));
      await expectGrpcError(c.doPutFrames(msgs), Status.INVALID_ARGUMENT, null, what);
      await abortQuietly(c, name);
      await assertServerServes(s);
    }
  });

  it('corrupt compressed buffers are INVALID_ARGUMENT', async () => {
    const t = table({ nodeId: col.int64([1, 2, 3, 4, 5, 6, 7, 8]), v: col.float64([1, 2, 3, 4, 5, 6, 7, 8]) });
    const cases = [
      ['lz4 frame with a bad magic number', 'lz4', (b) => { const f = lz4Frame(b); f[0] ^= 0xff; return f; }],
      ['lz4 frame shorter than the declared uncompressed length', 'lz4', (b) => lz4Frame(b.subarray(0, b.length - 8))],
      ['truncated lz4 frame', 'lz4', (b) => lz4Frame(b).subarray(0, 9)],
      ['lz4 frame with a corrupted header checksum', 'lz4', (b) => { const f = lz4Frame(b); f[6] ^= 0x5a; return f; }],
      ['zstd garbage', 'zstd', (b) => Uint8Array.from(b, (x, i) => (x + i * 7) & 255)],
      ['zstd frame shorter than the declared uncompressed length', 'zstd', (b) => zstdFrame(b.subarray(0, b.length - 8))],
    ];
    for (const [what, codec, enc] of cases) {
      const name = await nodePhase('zip');
      await putError(name, 'node', t, Status.INVALID_ARGUMENT, null, what,
        { transform: (frames) => frames.map((f) => compressBatchFrame(f, codec, enc)) });
    }
  });

  it('a dictionary index out of range is INVALID_ARGUMENT', async () => {
    const t1 = table({ nodeId: col.int64([1, 2]), labels: col.dict(['A', 'B'], new Int32()) });
    const f1 = ipcFrames(t1);
    const badBatch = ipcFrames(table({ nodeId: col.int64([3, 4]), labels: col.int32([0, 7]) })).find((f) => f.kind === 'batch');
    const name = await nodePhase('dict');
    await putError(name, 'node', [...f1, badBatch], Status.INVALID_ARGUMENT, null, 'index 7 into a 2-entry dictionary');
    const name2 = await nodePhase('nodict');
    // a dictionary-encoded column whose dictionary never arrives
    await putError(name2, 'node', f1.filter((f) => f.kind !== 'dictionary'), Status.INVALID_ARGUMENT, null, 'missing dictionary');
  });

  it('malformed protobuf (bytes that are not a FlightData) is INVALID_ARGUMENT', async () => {
    const cases = [
      ['truncated length-delimited field', Buffer.from([0x12, 0x64, 0x01, 0x02])],
      ['invalid wire type', Buffer.from([0x0f, 0x01, 0x02, 0x03])],
      ['truncated varint', Buffer.from([0x0a, 0xff, 0xff, 0xff])],
      ['descriptor field that is not a FlightDescriptor', Buffer.concat([Buffer.from([0x0a, 0x05]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff])])],
    ];
    for (const [what, bytes] of cases) {
      await expectGrpcError(c.doPutRaw([bytes]), Status.INVALID_ARGUMENT, null, what);
      await assertServerServes(s);
    }
    // valid FlightData with a descriptor, followed by a malformed second message
    const name = await nodePhase('pb');
    const [schema] = ipcFrames(table({ nodeId: col.int64([1]) }));
    const first = encodeFlightData({ descriptor: { type: 2, cmd: JSON.stringify(putCommand(name, 'node')) }, header: schema.header });
    await expectGrpcError(c.doPutRaw([first, Buffer.from([0x12, 0x64, 0x01])]), Status.INVALID_ARGUMENT, null, 'malformed second message');
    await abortQuietly(c, name);
    // the hand-encoded FlightData path works when well formed (unknown fields skipped, any field order)
    const name2 = await nodePhase('pbok');
    const [sch, b] = ipcFrames(table({ nodeId: col.int64([5, 6]) }));
    const unknownField = Buffer.from([0x28, 0x07]); // field 5, varint 7
    const m1 = Buffer.concat([unknownField, encodeFlightData({ header: sch.header }), encodeFlightData({ descriptor: { type: 2, cmd: JSON.stringify(putCommand(name2, 'node')) } })]);
    const m2 = Buffer.concat([encodeFlightData({ body: b.body }), encodeFlightData({ header: b.header, appMetadata: 'x' })]);
    m2._kind = 'batch';
    const r = await c.doPutRaw([m1, m2], { ackMode: 'per-batch' });
    assert.equal(r.acks, 1);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name: name2 });
    assert.equal(normInt(nd.node_count), 2);
  });

  it('dangling relationships fail RELATIONSHIP_LOAD_DONE with their count and an example id, and end the import', async () => {
    const name = await relPhase('dangle'); // nodes 1, 2, 3
    await c.doPut(putCommand(name, 'relationship'), table({
      sourceNodeId: col.int64([1, 1, 77, 3]), targetNodeId: col.int64([2, 99, 2, 1]),
    }));
    const e = await expectGrpcError(c.doAction('v1/RELATIONSHIP_LOAD_DONE', { name }), Status.INVALID_ARGUMENT, [/\b2\b/, /\b(77|99)\b/]);
    assert.ok(e);
    await expectGrpcError(c.doAction('v1/ABORT', { name }), Status.NOT_FOUND, /No arrow process/, 'the import must be gone');
    assert.equal(await graphInfo(c, name), undefined, 'a failed import must not become a graph');
  });

  it('skip_dangling_relationships: true skips them and counts only the stored ones', async () => {
    const name = fresh('skipdangle');
    await c.action('v1/CREATE_GRAPH', { name, database_name: 'neo4j', skip_dangling_relationships: true });
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.int64([1, 2, 3]) }));
    await c.action('v1/NODE_LOAD_DONE', { name });
    await c.doPut(putCommand(name, 'relationship'), table({
      sourceNodeId: col.int64([1, 1, 77, 3]), targetNodeId: col.int64([2, 99, 2, 1]),
    }));
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name });
    assert.equal(normInt(rd.relationship_count), 2);
    const d = await dump(c, name);
    assert.equal(d.relationships.length, 2);
    assert.equal(d.nodes.length, 3, 'dangling ends must not create nodes');
  });

  it('duplicate node ids fail NODE_LOAD_DONE naming the id', async () => {
    const name = await nodePhase('dup');
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.int64([1, 424242, 3]) }));
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.int64([5, 424242]) }));
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name }), [Status.INVALID_ARGUMENT, Status.ALREADY_EXISTS], /424242/);
    await abortQuietly(c, name);
    const name2 = await nodePhase('dup');
    await c.doPut(putCommand(name2, 'node'), table({ nodeId: col.int64([8, 9, 8]) }));
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name: name2 }), [Status.INVALID_ARGUMENT, Status.ALREADY_EXISTS], /\b8\b/);
    await abortQuietly(c, name2);
    await assertServerServes(s);
  });

  it('STRING databases: duplicate ids fail NODE_LOAD_DONE naming the id; dangling ids are named too', async () => {
    const name = fresh('sdup');
    await c.action('v1/CREATE_DATABASE', { name, id_type: 'STRING' });
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.utf8(['a', 'twice', 'b']) }));
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.utf8(['twice']) }));
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name }), [Status.INVALID_ARGUMENT, Status.ALREADY_EXISTS], /twice/);
    await abortQuietly(c, name);
    const name2 = fresh('sdang');
    await c.action('v1/CREATE_DATABASE', { name: name2, id_type: 'STRING' });
    await c.doPut(putCommand(name2, 'node'), table({ nodeId: col.utf8(['a', 'b']) }));
    await c.action('v1/NODE_LOAD_DONE', { name: name2 });
    await c.doPut(putCommand(name2, 'relationship'), table({ sourceNodeId: col.utf8(['a', 'ghost-node']), targetNodeId: col.utf8(['b', 'a']) }));
    await expectGrpcError(c.doAction('v1/RELATIONSHIP_LOAD_DONE', { name: name2 }), Status.INVALID_ARGUMENT, [/\b1\b/, /ghost-node/]);
    await expectGrpcError(c.doAction('v1/ABORT', { name: name2 }), Status.NOT_FOUND, /No arrow process/);
    assert.equal(await graphInfo(c, name2), undefined);
  });

  it('ABORT while a DoPut stream is open: the stream fails cleanly and the name is free again', async () => {
    const name = await nodePhase('abortopen');
    const put = c.openPut(putCommand(name, 'node'));
    await put.writeTable(table({ nodeId: col.int64([1, 2]) }));
    await c.action('v1/ABORT', { name });
    // the open stream must not be able to resurrect the import
    const late = put.writeTable(table({ nodeId: col.int64([3]) })).then(() => put.end());
    const e = await late.then(() => null, (err) => err);
    assert.ok(e, 'a batch sent to an aborted import was accepted silently');
    assert.ok(typeof e.code === 'number' && ![4, 13, 14].includes(e.code), `the stream failed with ${e.code}: ${e.details || e.message}`);
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name }), Status.NOT_FOUND, /No arrow process/);
    await c.action('v1/CREATE_GRAPH', { name, database_name: 'neo4j' });
    await c.doPut(putCommand(name, 'node'), table({ nodeId: col.int64([9]) }));
    const nd = await c.action('v1/NODE_LOAD_DONE', { name });
    assert.equal(normInt(nd.node_count), 1, 'rows from the aborted import leaked into the new one');
    await abortQuietly(c, name);
    await assertServerServes(s);
  });

  it('NODE_LOAD_DONE while a node stream is still open neither hangs nor loses acknowledged rows', async () => {
    const name = await nodePhase('openstream');
    const put = c.openPut(putCommand(name, 'node'));
    await put.writeTable(table({ nodeId: col.int64([1, 2, 3]) }));
    const nd = c.action('v1/NODE_LOAD_DONE', { name }, { deadlineMs: 5000 * SLOW });
    const first = await Promise.race([nd.then((r) => ({ r }), (e) => ({ e })), sleep(1000 * SLOW).then(() => null)]);
    if (first && first.e) {
      // refused while a stream is open: fine if it is a precondition failure
      assert.equal(first.e.code, Status.FAILED_PRECONDITION, `NODE_LOAD_DONE failed with ${first.e.code}: ${first.e.details}`);
      await put.end();
      const again = await c.action('v1/NODE_LOAD_DONE', { name });
      assert.equal(normInt(again.node_count), 3);
    } else if (first && first.r) {
      // finished with what was acknowledged; later rows on the open stream are refused
      assert.equal(normInt(first.r.node_count), 3);
      await expectGrpcError(put.writeTable(table({ nodeId: col.int64([4]) })).then(() => put.end()), Status.FAILED_PRECONDITION);
    } else {
      // waits for the open stream: closing it must release NODE_LOAD_DONE
      await put.end();
      const r = await nd;
      assert.equal(normInt(r.node_count), 3);
    }
    await abortQuietly(c, name);
    await assertServerServes(s);
  });

  it('an import in progress on one connection survives garbage, cancels and errors on other connections', async () => {
    const name = await nodePhase('survivor');
    const put = c.openPut(putCommand(name, 'node'));
    await put.writeTable(table({ nodeId: col.int64([1, 2, 3]), w: col.float64([1, 2, 3]) }));

    // other connections misbehave meanwhile, in another import and with no import at all
    const victim = await nodePhase('victim');
    const other = new FlightClient(s.flightPort);
    try {
      await expectGrpcError(other.doPutRaw([Buffer.from([0x12, 0x64, 0x01])]), Status.INVALID_ARGUMENT);
      await expectGrpcError(other.doPut(putCommand(victim, 'node'), table({ nodeId: col.utf8(['x']) })), Status.INVALID_ARGUMENT, /nodeId/);
      await expectGrpcError(other.doPut(putCommand(victim, 'relationship'), table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([1]) })), Status.FAILED_PRECONDITION);
      await expectGrpcError(other.doPut(putCommand('nobody', 'node'), table({ nodeId: col.int64([1]) })), Status.NOT_FOUND);
      // a stream cancelled by its client half-way
      const victim2 = await nodePhase('victim');
      const doomed = other.openPut(putCommand(victim2, 'node'));
      await doomed.writeTable(table({ nodeId: col.int64([100, 101]) }));
      doomed.cancel();
      await doomed.status.catch(() => {});
      await abortQuietly(c, victim2);
      await abortQuietly(c, victim);
    } finally {
      other.close();
    }
    await rawTcpGarbage(s.flightPort);
    await sleep(100);

    // the first stream goes on as if nothing happened
    await put.writeTable(table({ nodeId: col.int64([4, 5]), w: col.float64([4, 5]) }));
    const res = await put.end();
    assert.equal(res.acks, 2);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name });
    assert.equal(normInt(nd.node_count), 5);
    await c.action('v1/RELATIONSHIP_LOAD_DONE', { name });
    const d = await dump(c, name);
    const byId = nodesById(d);
    for (const id of [1, 2, 3, 4, 5]) {
      assert.ok(byId.get(idKey(id)), `node ${id} missing`);
      assert.equal(byId.get(idKey(id)).properties.w, id);
    }
  });

  it('raw TCP garbage, HTTP/1.1 and a bare HTTP/2 preface on the Flight port do not disturb the server', async () => {
    await rawTcpGarbage(s.flightPort);
    await rawTcp(s.flightPort, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await rawTcp(s.flightPort, Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    await rawTcp(s.flightPort, Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.alloc(64, 0xff)]));
    await rawTcp(s.httpPort, Buffer.alloc(4096, 0x41));
    await rawTcp(s.httpPort, Buffer.from('POST /status HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\nxx'));
    await assertServerServes(s);
    const r = await httpRequest(s.httpPort, '/status');
    assert.equal(r.status, 200);
  });
});

describe('message size limit', () => {
  let s;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer({ maxMessageSize: '1MiB' });
    c = new FlightClient(s.flightPort);
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  it('a message bigger than --max-message-size is RESOURCE_EXHAUSTED; smaller ones still work', async () => {
    const name = 'big';
    await c.action('v1/CREATE_GRAPH', { name, database_name: 'neo4j' });
    const N = 200_000; // 1.6 MB of ids
    const ids = new BigInt64Array(N);
    for (let i = 0; i < N; i++) ids[i] = BigInt(i);
    const e = await expectGrpcError(c.doPut(putCommand(name, 'node'), table({ nodeId: makeVector(ids) })), Status.RESOURCE_EXHAUSTED);
    assert.ok(e);
    await assertServerServes(s);
    // the same rows in batches under the limit
    const small = new BigInt64Array(N);
    for (let i = 0; i < N; i++) small[i] = BigInt(i + N);
    const put = await c.doPut(putCommand(name, 'node'), table({ nodeId: makeVector(small) }), { batchRows: 50_000 });
    assert.equal(put.acks, 4);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name });
    assert.equal(normInt(nd.node_count), N, 'rows of the refused oversized message must not be stored');
  });
});

async function rawTcp(port, bytes) {
  await new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const done = () => { sock.destroy(); resolve(); };
    sock.on('connect', () => { sock.write(bytes); setTimeout(done, 200 * SLOW); });
    sock.on('data', () => {});
    sock.on('error', done);
    sock.on('close', done);
  });
}

async function rawTcpGarbage(port) {
  const junk = Buffer.alloc(16384);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
  await rawTcp(port, junk);
}
