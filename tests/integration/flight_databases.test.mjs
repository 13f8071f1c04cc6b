// Graph names scoped per database, as GDS does (database_name + graph name): the same projection name in
// two databases coexists; LIST_GRAPHS, DUMP_GRAPH and DoGet tickets (which carry database_name) follow the
// database; a ticket naming the wrong database fails with NOT_FOUND; DROP_GRAPH with a database_name drops
// only that database's graph; bare names keep working while they are unambiguous; GET /status shows each
// graph's database.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { tableFromIPC } from 'apache-arrow';

import { startServer } from './lib/server.mjs';
import { FlightClient, Status } from './lib/flight.mjs';
import { serverTest, expectGrpcError, httpRequest } from './lib/harness.mjs';
import { col, table } from './lib/arrow.mjs';
import { constructGraph, createDatabase } from './lib/gds.mjs';
import { normInt } from './lib/json.mjs';

// FlightData messages -> an IPC stream -> a Table.
function toTable(messages) {
  const parts = [];
  for (const m of messages) {
    const h = m.data_header;
    if (!h || h.length === 0) continue;
    const padded = (h.length + 7) & ~7;
    const pre = Buffer.alloc(8);
    pre.writeUInt32LE(0xffffffff, 0);
    pre.writeInt32LE(padded, 4);
    parts.push(pre, h, Buffer.alloc(padded - h.length), m.data_body || Buffer.alloc(0));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  return tableFromIPC(Buffer.concat(parts));
}

const ticket = (graph, database, proc = 'gds.graph.relationships.stream') =>
  ({ name: 'GET_COMMAND', version: 'v1', body: { graph_name: graph, database_name: database, procedure_name: proc, configuration: {} } });

async function exportRels(c, graph, database) {
  const t = toTable(await c.doGet(ticket(graph, database)));
  const src = t.getChild('sourceNodeId'), dst = t.getChild('targetNodeId');
  const out = [];
  for (let i = 0; i < t.numRows; i++) out.push(`${normInt(src.get(i))}->${normInt(dst.get(i))}`);
  return out.sort();
}

// A projection `name` in `database` with the chain 1 -> 2 -> ... -> n.
function chain(c, name, database, n) {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  return constructGraph(c, {
    name, database,
    nodes: [table({ nodeId: col.int64(ids), labels: col.utf8(ids.map(() => 'N')) })],
    rels: [table({ sourceNodeId: col.int64(ids.slice(0, -1)), targetNodeId: col.int64(ids.slice(1)), relationshipType: col.utf8(ids.slice(1).map(() => 'R')) })],
  });
}

const names = (lg) => lg.graphs.map((g) => `${g.database_name}/${g.name}`).sort();

describe('Flight graph names scoped per database', () => {
  let s;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer();
    c = new FlightClient(s.flightPort);
    for (const db of ['db1', 'db2']) await createDatabase(c, { name: db, nodes: [table({ nodeId: col.int64([1]) })], rels: [] });
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
  });

  it('the same projection name in two databases coexists, each with its own content', async () => {
    const r1 = await chain(c, 'g', 'db1', 3);
    const r2 = await chain(c, 'g', 'db2', 5);
    assert.equal(normInt(r1.relDone.relationship_count), 2);
    assert.equal(normInt(r2.relDone.relationship_count), 4);
    // a third CREATE_GRAPH of the name in db1 is refused; the name stays free in neo4j
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 'g', database_name: 'db1' }), Status.ALREADY_EXISTS, /g/);
    const d1 = await c.action('v1/DUMP_GRAPH', { name: 'g', database_name: 'db1' });
    const d2 = await c.action('v1/DUMP_GRAPH', { name: 'g', database_name: 'db2' });
    assert.equal(d1.database_name, 'db1');
    assert.equal(d1.nodes.length, 3);
    assert.equal(d2.database_name, 'db2');
    assert.equal(d2.nodes.length, 5);
    // a bare name held by two databases is ambiguous: the error names both
    await expectGrpcError(c.doAction('v1/DUMP_GRAPH', { name: 'g' }), Status.NOT_FOUND, /ambiguous.*db1.*db2/);
  });

  it('DoGet tickets follow database_name; a ticket naming the wrong database fails with NOT_FOUND', async () => {
    assert.deepEqual(await exportRels(c, 'g', 'db1'), ['1->2', '2->3']);
    assert.deepEqual(await exportRels(c, 'g', 'db2'), ['1->2', '2->3', '3->4', '4->5']);
    await expectGrpcError(c.doGet(ticket('g', 'neo4j')), Status.NOT_FOUND, /'g'.*'neo4j'/, 'projection of other databases');
    await expectGrpcError(c.doGet(ticket('g', 'nodb')), Status.NOT_FOUND, /nodb/, 'unknown database');
    // a database is exported under its own name only
    const t = toTable(await c.doGet(ticket('db1', 'db1', 'gds.graph.nodeLabels.stream')));
    assert.equal(t.numRows, 1);
    await expectGrpcError(c.doGet(ticket('db1', 'neo4j', 'gds.graph.nodeLabels.stream')), Status.NOT_FOUND, /db1/, 'database under another database');
    // partition tickets (GetFlightInfo) keep the database
    const t2 = ticket('g', 'db2');
    const info = await c.getFlightInfo({ type: 'CMD', cmd: Buffer.from(JSON.stringify({ ...t2, body: { ...t2.body, concurrency: 2 } })) });
    assert.equal(info.endpoint.length, 2);
    const parts = [];
    for (const ep of info.endpoint) {
      const body = JSON.parse(Buffer.from(ep.ticket.ticket).toString('utf8'));
      assert.equal(body.database_name, 'db2');
      const t = toTable(await c.doGet(ep.ticket.ticket));
      parts.push(t.numRows);
    }
    assert.equal(parts.reduce((a, b) => a + b, 0), 4);
    await expectGrpcError(c.getFlightInfo({ type: 'CMD', cmd: Buffer.from(JSON.stringify(ticket('g', 'neo4j'))) }), Status.NOT_FOUND, /neo4j/);
  });

  it('LIST_GRAPHS lists every database, or one database with database_name', async () => {
    const all = await c.action('v1/LIST_GRAPHS', {});
    for (const n of ['db1/db1', 'db1/g', 'db2/db2', 'db2/g']) assert.ok(names(all).includes(n), `${n} not in ${names(all)}`);
    assert.deepEqual(names(await c.action('v1/LIST_GRAPHS', { database_name: 'db1' })), ['db1/db1', 'db1/g']);
    assert.deepEqual(names(await c.action('v1/LIST_GRAPHS', { database_name: 'db2' })), ['db2/db2', 'db2/g']);
    assert.deepEqual(names(await c.action('v1/LIST_GRAPHS', { database_name: 'nodb' })), []);
    // imports in progress carry their database and follow the filter
    await c.action('v1/CREATE_GRAPH', { name: 'pending', database_name: 'db2' });
    try {
      const l1 = await c.action('v1/LIST_GRAPHS', { database_name: 'db1' });
      const l2 = await c.action('v1/LIST_GRAPHS', { database_name: 'db2' });
      assert.equal(l1.imports.filter((i) => i.name === 'pending').length, 0);
      const imp = l2.imports.find((i) => i.name === 'pending');
      assert.ok(imp, 'pending import not listed under db2');
      assert.equal(imp.database_name, 'db2');
    } finally {
      await c.action('v1/ABORT', { name: 'pending' });
    }
    // GET /status shows the database of every graph
    const st = await httpRequest(s.httpPort, '/status');
    assert.equal(st.status, 200);
    const sg = st.json.graphs.map((g) => `${g.database_name}/${g.name}`);
    for (const n of ['db1/g', 'db2/g']) assert.ok(sg.includes(n), `${n} not in /status graphs ${sg}`);
  });

  it('DROP_GRAPH with database_name drops only that database\'s graph; the bare name then resolves again', async () => {
    await expectGrpcError(c.doAction('v1/DROP_GRAPH', { name: 'g' }), Status.NOT_FOUND, /ambiguous/, 'bare, ambiguous');
    await expectGrpcError(c.doAction('v1/DROP_GRAPH', { name: 'g', database_name: 'neo4j' }), Status.NOT_FOUND, /neo4j/, 'wrong database');
    const r = await c.action('v1/DROP_GRAPH', { name: 'g', database_name: 'db1' });
    assert.equal(r.dropped, true);
    assert.equal(r.database_name, 'db1');
    await expectGrpcError(c.doGet(ticket('g', 'db1')), Status.NOT_FOUND, /db1.*db2/, 'dropped, names the database that has one');
    assert.deepEqual(await exportRels(c, 'g', 'db2'), ['1->2', '2->3', '3->4', '4->5']);
    assert.deepEqual(names(await c.action('v1/LIST_GRAPHS', { database_name: 'db1' })), ['db1/db1']);
    // the one left answers to its bare name (callers that do not know databases)
    const d = await c.action('v1/DUMP_GRAPH', { name: 'g' });
    assert.equal(d.database_name, 'db2');
    // and db1 can have a new g
    await chain(c, 'g', 'db1', 2);
    assert.deepEqual(await exportRels(c, 'g', 'db1'), ['1->2']);
    await c.action('v1/DROP_GRAPH', { name: 'g', database_name: 'db2' });
    assert.deepEqual(await exportRels(c, 'g', 'db1'), ['1->2']);
  });

  it('a projection cannot take a database\'s name, nor a database a projection\'s', async () => {
    await expectGrpcError(c.doAction('v1/CREATE_GRAPH', { name: 'db2', database_name: 'db1' }), Status.ALREADY_EXISTS, /db2/);
    await chain(c, 'only', 'db2', 2);
    await expectGrpcError(c.doAction('v1/CREATE_DATABASE', { name: 'only', id_type: 'INTEGER' }), Status.ALREADY_EXISTS, /only.*db2/);
  });
});
