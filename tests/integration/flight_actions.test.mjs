// Flight actions: ListActions, the GDS v1 action set, one JSON Result per DoAction, idempotent repeats,
// legacy action names, the catalog (LIST_GRAPHS / DROP_GRAPH), CREATE_DATABASE, triplets, abort and
// the abort timeout, and the RPCs that are not implemented.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { startServer, SANITIZED } from './lib/server.mjs';

// --abort-timeout for the abort tests, in seconds (longer under sanitizers, where everything is slower)
const AT = SANITIZED ? 4 : 2;
import { FlightClient, Status, putCommand } from './lib/flight.mjs';
import { serverTest, expectGrpcError, assertServerServes, sleep } from './lib/harness.mjs';
import { col, table } from './lib/arrow.mjs';
import { constructGraph, createDatabase, listGraphs, graphInfo, dump, checkDumpInvariants } from './lib/gds.mjs';
import { normInt, stringifyJSON } from './lib/json.mjs';

const ALL_ACTIONS = ['CREATE_GRAPH', 'CREATE_GRAPH_FROM_TRIPLETS', 'CREATE_DATABASE', 'NODE_LOAD_DONE',
  'RELATIONSHIP_LOAD_DONE', 'TRIPLET_LOAD_DONE', 'ABORT', 'PUT_NODE_PROPERTIES', 'PUT_NODE_PROPERTIES_DONE',
  'LIST_GRAPHS', 'DROP_GRAPH', 'DUMP_GRAPH'];

const nodes3 = () => table({ nodeId: col.int64([1, 2, 3]), labels: col.utf8(['A', 'B', 'A']) });
const rels2 = () => table({ sourceNodeId: col.int64([1, 2]), targetNodeId: col.int64([2, 3]), relationshipType: col.utf8(['R', 'R']) });

describe('Flight actions', () => {
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

  it('ListActions advertises every v1 action with a description', async () => {
    const actions = await c.listActions();
    const types = actions.map((a) => a.type);
    for (const a of ALL_ACTIONS) assert.ok(types.includes('v1/' + a), `v1/${a} missing from ListActions: ${types.join(', ')}`);
    for (const a of actions) {
      assert.match(a.type, /^v1\//, `action ${a.type} lacks the v1/ prefix`);
      assert.ok(a.description && a.description.trim().length > 0, `action ${a.type} has no description`);
    }
    assert.equal(new Set(types).size, types.length, 'duplicate action types');
  });

  it('Handshake with no messages and no auth configured succeeds', async () => {
    const r = await c.handshake();
    assert.ok(Array.isArray(r.messages));
  });

  it('CREATE_GRAPH answers exactly one JSON Result {name} and shows up as an import', async () => {
    const results = await c.doAction('v1/CREATE_GRAPH', { name: 'a1', database_name: 'neo4j' });
    assert.equal(results.length, 1, `expected one Result, got ${results.length}`);
    assert.equal(results[0].name, 'a1');
    const lg = await listGraphs(c);
    assert.ok(Array.isArray(lg.imports), 'LIST_GRAPHS has no imports array');
    const imp = lg.imports.find((i) => i.name === 'a1');
    assert.ok(imp, `import a1 not listed: ${stringifyJSON(lg.imports)}`);
    assert.equal(typeof imp.kind, 'string');
    assert.equal(typeof imp.phase, 'string');
    assert.ok(!lg.graphs.some((g) => g.name === 'a1'), 'an unfinished import must not be listed as a graph');
    await c.action('v1/ABORT', { name: 'a1' });
  });

  it('repeating CREATE_GRAPH with the same body before any data gives the same reply', async () => {
    const body = { name: 'idem', database_name: 'neo4j', concurrency: 4, undirected_relationship_types: ['U'] };
    const r1 = await c.action('v1/CREATE_GRAPH', body);
    const r2 = await c.action('v1/CREATE_GRAPH', body);
    assert.deepEqual(r2, r1);
    // a different configuration under the same name is a conflict
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 'idem', database_name: 'neo4j' }), Status.ALREADY_EXISTS, /idem/);
    // once the import has received data, a repeated CREATE_GRAPH is a conflict
    await c.doPut(putCommand('idem', 'node'), nodes3());
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', body), Status.ALREADY_EXISTS, /idem/, 'CREATE_GRAPH repeated after data');
    await c.action('v1/ABORT', { name: 'idem' });
  });

  it('concurrent CREATE_GRAPH calls with different bodies: exactly one wins, the others are ALREADY_EXISTS', async () => {
    const clients = Array.from({ length: 6 }, () => new FlightClient(s.flightPort));
    try {
      const outcomes = await Promise.allSettled(clients.map((cl, i) =>
        cl.action('v1/CREATE_GRAPH', { name: 'race', database_name: 'neo4j', concurrency: i + 1 })));
      const ok = outcomes.filter((o) => o.status === 'fulfilled');
      assert.equal(ok.length, 1, `expected exactly one winner, got ${ok.length}`);
      for (const o of outcomes) {
        if (o.status === 'rejected') assert.equal(o.reason.code, Status.ALREADY_EXISTS, `loser got ${o.reason.code}: ${o.reason.details}`);
      }
      const lg = await listGraphs(c);
      assert.equal(lg.imports.filter((i) => i.name === 'race').length, 1);
      await c.action('v1/ABORT', { name: 'race' });
    } finally {
      for (const cl of clients) cl.close();
    }
  });

  it('concurrent repeats of the done actions (client retries) all get the same counts', async () => {
    const clients = Array.from({ length: 4 }, () => new FlightClient(s.flightPort));
    try {
      await c.action('v1/CREATE_GRAPH', { name: 'retry', database_name: 'neo4j' });
      await c.doPut(putCommand('retry', 'node'), table({ nodeId: col.int64(Array.from({ length: 5000 }, (_, i) => i)) }));
      const nds = await Promise.all(clients.map((cl) => cl.action('v1/NODE_LOAD_DONE', { name: 'retry' })));
      for (const nd of nds) assert.equal(normInt(nd.node_count), 5000);
      const src = Array.from({ length: 20000 }, (_, i) => i % 5000);
      await c.doPut(putCommand('retry', 'relationship'), table({ sourceNodeId: col.int64(src), targetNodeId: col.int64(src.map((x) => (x * 7) % 5000)) }));
      const rds = await Promise.all(clients.map((cl) => cl.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'retry' })));
      for (const rd of rds) assert.equal(normInt(rd.relationship_count), 20000);
      const g = await graphInfo(c, 'retry');
      assert.equal(normInt(g.relationship_count), 20000);
    } finally {
      for (const cl of clients) cl.close();
    }
  });

  it('CREATE_GRAPH errors: unknown database, existing names, bad bodies', async () => {
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 'x1', database_name: 'nodb' }), Status.NOT_FOUND, /nodb/, 'unknown database');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 'neo4j', database_name: 'neo4j' }), Status.ALREADY_EXISTS, /neo4j/, 'name of the default database');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { database_name: 'neo4j' }), Status.INVALID_ARGUMENT, /name/, 'missing name');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 42, database_name: 'neo4j' }), Status.INVALID_ARGUMENT, /name/, 'numeric name');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', 'not json at all'), Status.INVALID_ARGUMENT, null, 'body not JSON');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', '{"name": "x2", "database_name": '), Status.INVALID_ARGUMENT, null, 'truncated JSON');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', '[1,2]'), Status.INVALID_ARGUMENT, null, 'JSON array body');
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', Buffer.alloc(0)), Status.INVALID_ARGUMENT, null, 'empty body');
    await assertServerServes(s);
  });

  it('a completed graph: done actions repeat with the same counts; LIST_GRAPHS describes it; names are taken', async () => {
    const r = await constructGraph(c, { name: 'g1', nodes: [nodes3()], rels: [rels2()] });
    assert.equal(r.created.name, 'g1');
    assert.equal(r.nodeDone.name, 'g1');
    assert.equal(normInt(r.nodeDone.node_count), 3);
    assert.equal(r.relDone.name, 'g1');
    assert.equal(normInt(r.relDone.relationship_count), 2);
    assert.deepEqual(await c.action('v1/NODE_LOAD_DONE', { name: 'g1' }), r.nodeDone, 'repeated NODE_LOAD_DONE');
    assert.deepEqual(await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'g1' }), r.relDone, 'repeated RELATIONSHIP_LOAD_DONE');

    const g = await graphInfo(c, 'g1');
    assert.ok(g, 'g1 not in LIST_GRAPHS');
    assert.equal(g.database_name, 'neo4j');
    assert.equal(g.durable, false);
    assert.equal(g.id_type, 'INTEGER');
    assert.equal(normInt(g.node_count), 3);
    assert.equal(normInt(g.relationship_count), 2);
    assert.deepEqual([...g.labels].sort(), ['A', 'B']);
    assert.deepEqual(g.relationship_types, ['R']);
    assert.deepEqual(g.node_properties, {});
    assert.deepEqual(g.relationship_properties, {});
    assert.ok(normInt(g.memory_bytes) > 0, 'memory_bytes should be positive');
    assert.ok(normInt(g.topology_bytes) > 0, 'topology_bytes should be positive');
    assert.ok(normInt(g.topology_bytes) <= normInt(g.memory_bytes), 'topology_bytes > memory_bytes');
    const lg = await listGraphs(c);
    assert.ok(!lg.imports.some((i) => i.name === 'g1'), 'a finished import must leave the imports list');

    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 'g1', database_name: 'neo4j' }), Status.ALREADY_EXISTS, /g1/);
    await expectGrpcError(c.doAction('v1/CREATE_DATABASE', { name: 'g1', id_type: 'INTEGER' }), Status.ALREADY_EXISTS, /g1/);
  });

  it('LIST_GRAPHS lists the default database neo4j as durable', async () => {
    const g = await graphInfo(c, 'neo4j');
    assert.ok(g, 'neo4j missing from LIST_GRAPHS');
    assert.equal(g.durable, true);
    assert.equal(g.id_type, 'INTEGER');
  });

  it('DROP_GRAPH removes a graph and frees its name; unknown names are NOT_FOUND', async () => {
    await constructGraph(c, { name: 'dropme', nodes: [nodes3()], rels: [rels2()] });
    assert.equal((await c.action('v1/DROP_GRAPH', { name: 'dropme' })).name, 'dropme');
    assert.equal(await graphInfo(c, 'dropme'), undefined, 'dropme still listed');
    await expectGrpcError(c.doAction('v1/DUMP_GRAPH', { name: 'dropme' }), Status.NOT_FOUND, /dropme/);
    await expectGrpcError(c.doAction('v1/DROP_GRAPH', { name: 'dropme' }), Status.NOT_FOUND, /dropme/);
    await expectGrpcError(c.doAction('v1/DROP_GRAPH', { name: 'never' }), Status.NOT_FOUND, /never/);
    await expectGrpcError(c.doAction('v1/DUMP_GRAPH', { name: 'never' }), Status.NOT_FOUND, /never/);
    const r = await constructGraph(c, { name: 'dropme', nodes: [table({ nodeId: col.int64([7]) })], rels: [] });
    assert.equal(normInt(r.nodeDone.node_count), 1);
  });

  it('ABORT: one JSON Result, the name is free again, and unknown names say No arrow process', async () => {
    await c.action('v1/CREATE_GRAPH', { name: 'ab', database_name: 'neo4j' });
    await c.doPut(putCommand('ab', 'node'), nodes3());
    const results = await c.doAction('v1/ABORT', { name: 'ab' });
    assert.equal(results.length, 1, 'ABORT must answer exactly one Result');
    assert.equal(typeof results[0], 'object');
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name: 'ab' }), Status.NOT_FOUND, /No arrow process/);
    await expectGrpcError(c.doAction('v1/ABORT', { name: 'ab' }), Status.NOT_FOUND, /No arrow process/);
    await expectGrpcError(c.doAction('v1/ABORT', { name: 'nothing_here' }), Status.NOT_FOUND, /No arrow process/);
    assert.equal(await graphInfo(c, 'ab'), undefined);
    const r = await constructGraph(c, { name: 'ab', nodes: [nodes3()], rels: [] });
    assert.equal(normInt(r.nodeDone.node_count), 3);
    assert.equal(normInt(r.relDone.relationship_count), 0);
  });

  it('done actions on unknown imports are NOT_FOUND with No arrow process', async () => {
    for (const a of ['v1/NODE_LOAD_DONE', 'v1/RELATIONSHIP_LOAD_DONE', 'v1/TRIPLET_LOAD_DONE', 'v1/PUT_NODE_PROPERTIES_DONE']) {
      await expectGrpcError(c.doAction(a, { name: 'ghost' }), Status.NOT_FOUND, /No arrow process/, a);
    }
  });

  it('legacy action names: no prefix, and V1/ in any case', async () => {
    const r = await c.action('CREATE_GRAPH', { name: 'legacy', database_name: 'neo4j' });
    assert.equal(r.name, 'legacy');
    await c.doPut(putCommand('legacy', 'node'), nodes3());
    const nd = await c.action('V1/NODE_LOAD_DONE', { name: 'legacy' });
    assert.equal(normInt(nd.node_count), 3);
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'legacy' });
    assert.equal(normInt(rd.relationship_count), 0);
    const lg = await c.action('LIST_GRAPHS', {});
    assert.ok(lg.graphs.some((g) => g.name === 'legacy'));
    await c.action('V1/DROP_GRAPH', { name: 'legacy' });
  });

  it('an unknown action type is refused naming it', async () => {
    await expectGrpcError(c.doAction('v1/NOPE_NOT_AN_ACTION', {}), [Status.INVALID_ARGUMENT, Status.UNIMPLEMENTED], /NOPE_NOT_AN_ACTION/);
    await expectGrpcError(c.doAction('v2/graph.project.fromTables', {}), [Status.INVALID_ARGUMENT, Status.UNIMPLEMENTED], /graph\.project\.fromTables/);
    await expectGrpcError(c.doAction('', {}), [Status.INVALID_ARGUMENT, Status.UNIMPLEMENTED]);
  });

  it('CREATE_DATABASE: a durable graph with id_type; bad id_type and taken names are refused', async () => {
    await expectGrpcError(c.doAction('v1/CREATE_DATABASE', { name: 'dbx', id_type: 'FLOAT' }), Status.INVALID_ARGUMENT, /id_type|FLOAT/);
    await expectGrpcError(c.doAction('v1/CREATE_DATABASE', { name: 'neo4j', id_type: 'INTEGER' }), Status.ALREADY_EXISTS, /neo4j/);
    const r = await createDatabase(c, {
      name: 'db1', nodes: [nodes3()], rels: [rels2()],
      createOptions: { concurrency: 4, high_io: true, use_bad_collector: false, db_format: 'block', record_format: 'aligned', id_property: '__originalId__' },
    });
    assert.equal(r.created.name, 'db1');
    assert.equal(normInt(r.nodeDone.node_count), 3);
    assert.equal(normInt(r.relDone.relationship_count), 2);
    const g = await graphInfo(c, 'db1');
    assert.ok(g, 'db1 not listed');
    assert.equal(g.durable, true);
    assert.equal(g.id_type, 'INTEGER');
    await expectGrpcError(c.doAction('v1/CREATE_DATABASE', { name: 'db1', id_type: 'INTEGER' }), Status.ALREADY_EXISTS, /db1/);
    // a projection may be created from the new database
    await c.action('v1/CREATE_GRAPH', { name: 'from_db1', database_name: 'db1' });
    await c.action('v1/ABORT', { name: 'from_db1' });
  });

  it('CREATE_DATABASE with force replaces the old database only when the new load finishes', async () => {
    await createDatabase(c, { name: 'dbf', nodes: [table({ nodeId: col.int64([1, 2]) })], rels: [] });
    await c.action('v1/CREATE_DATABASE', { name: 'dbf', id_type: 'INTEGER', force: true });
    await c.doPut(putCommand('dbf', 'node'), table({ nodeId: col.int64([10, 11, 12]) }));
    let g = await graphInfo(c, 'dbf');
    assert.ok(g, 'the old dbf must stay visible during the forced reload');
    assert.equal(normInt(g.node_count), 2, 'old dbf changed before the new load finished');
    await c.action('v1/NODE_LOAD_DONE', { name: 'dbf' });
    await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'dbf' });
    g = await graphInfo(c, 'dbf');
    assert.equal(normInt(g.node_count), 3, 'dbf not replaced after the forced load finished');
    const d = await dump(c, 'dbf');
    assert.deepEqual(d.nodes.map((n) => normInt(n.id)).sort((a, b) => a - b), [10, 11, 12]);
  });

  it('CREATE_DATABASE with force that is aborted keeps the old database', async () => {
    await createDatabase(c, { name: 'dbk', nodes: [table({ nodeId: col.int64([5]) })], rels: [] });
    await c.action('v1/CREATE_DATABASE', { name: 'dbk', id_type: 'INTEGER', force: true });
    await c.doPut(putCommand('dbk', 'node'), table({ nodeId: col.int64([6, 7]) }));
    await c.action('v1/ABORT', { name: 'dbk' });
    const g = await graphInfo(c, 'dbk');
    assert.ok(g, 'dbk vanished after aborting a forced reload');
    assert.equal(normInt(g.node_count), 1);
  });

  it('CREATE_GRAPH_FROM_TRIPLETS -> triplet DoPut -> TRIPLET_LOAD_DONE (repeatable)', async () => {
    const created = await c.action('v1/CREATE_GRAPH_FROM_TRIPLETS', { name: 'tri', database_name: 'neo4j' });
    assert.equal(created.name, 'tri');
    const t = table({
      sourceNode: col.int64([1, 1, 2, 4]),
      targetNode: col.int64([2, 3, 3, 4]),
      relationshipType: col.utf8(['KNOWS', 'KNOWS', 'LIKES', 'SELF']),
    });
    const put = await c.doPut(putCommand('tri', 'triplet'), t);
    assert.equal(put.acks, 1);
    const done = await c.action('v1/TRIPLET_LOAD_DONE', { name: 'tri' });
    assert.equal(done.name, 'tri');
    assert.equal(normInt(done.node_count), 4);
    assert.equal(normInt(done.relationship_count), 4);
    assert.deepEqual(await c.action('v1/TRIPLET_LOAD_DONE', { name: 'tri' }), done);
    const d = await dump(c, 'tri');
    checkDumpInvariants(d);
  });

  it('DUMP_GRAPH answers the documented top-level keys', async () => {
    const d = await dump(c, 'g1');
    for (const k of ['name', 'database_name', 'durable', 'id_type', 'id_property', 'node_count', 'relationship_count',
      'undirected_types', 'inverse_indexed_types', 'nodes', 'relationships', 'incoming']) {
      assert.ok(k in d, `DUMP_GRAPH lacks "${k}"`);
    }
    assert.equal(d.name, 'g1');
    assert.equal(d.database_name, 'neo4j');
    checkDumpInvariants(d);
  });

  it('ListFlights, GetSchema, PollFlightInfo and DoExchange are UNIMPLEMENTED (DoGet: flight_export.test.mjs)', async () => {
    await expectGrpcError(c.listFlights(), Status.UNIMPLEMENTED, null, 'ListFlights');
    await expectGrpcError(c.getSchema({ type: 'CMD', cmd: Buffer.from('{}') }), Status.UNIMPLEMENTED, null, 'GetSchema');
    await expectGrpcError(c.pollFlightInfo({ type: 'CMD', cmd: Buffer.from('{}') }), Status.UNIMPLEMENTED, null, 'PollFlightInfo');
    await expectGrpcError(c.doExchange([]), Status.UNIMPLEMENTED, null, 'DoExchange');
    await assertServerServes(s);
  });

  it('a call to a method that does not exist is UNIMPLEMENTED', async () => {
    const e = await expectGrpcError(new Promise((resolve, reject) => {
      c.client.makeUnaryRequest('/arrow.flight.protocol.FlightService/NoSuchMethod', (b) => b, (b) => b, Buffer.alloc(0),
        c.metadata(), c.callOptions(), (err, res) => (err ? reject(err) : resolve(res)));
    }), Status.UNIMPLEMENTED);
    assert.ok(e);
  });
});

describe('abort timeout', () => {
  let s;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer({ abortTimeout: `${AT}s` });
    c = new FlightClient(s.flightPort);
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  it('an idle import is aborted after --abort-timeout and its name can be used again', async () => {
    await c.action('v1/CREATE_GRAPH', { name: 'idle', database_name: 'neo4j' });
    await c.doPut(putCommand('idle', 'node'), nodes3());
    await sleep(AT * 2000 + 500);
    await expectGrpcError(c.doAction('v1/NODE_LOAD_DONE', { name: 'idle' }), Status.NOT_FOUND, /No arrow process/);
    const lg = await listGraphs(c);
    assert.ok(!lg.imports.some((i) => i.name === 'idle'), 'timed-out import still listed');
    const r = await constructGraph(c, { name: 'idle', nodes: [nodes3()], rels: [rels2()] });
    assert.equal(normInt(r.relDone.relationship_count), 2);
  });

  it('an import that keeps receiving commands is not aborted', async () => {
    await c.action('v1/CREATE_GRAPH', { name: 'busy', database_name: 'neo4j' });
    for (let i = 0; i < 4; i++) {
      await sleep(AT * 600);
      await c.doPut(putCommand('busy', 'node'), table({ nodeId: col.int64([i * 10 + 1, i * 10 + 2]) }));
    }
    await sleep(AT * 600);
    const nd = await c.action('v1/NODE_LOAD_DONE', { name: 'busy' });
    assert.equal(normInt(nd.node_count), 8);
    await sleep(AT * 600);
    const rd = await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'busy' });
    assert.equal(normInt(rd.relationship_count), 0);
  });

  it('a finished graph is not affected by the abort timeout', async () => {
    await constructGraph(c, { name: 'stays', nodes: [nodes3()], rels: [rels2()] });
    await sleep(AT * 1500);
    const g = await graphInfo(c, 'stays');
    assert.ok(g, 'a finished graph disappeared after the abort timeout');
    assert.equal(normInt(g.relationship_count), 2);
  });
});
