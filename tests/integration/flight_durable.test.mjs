// Durability of databases (CREATE_DATABASE) across restarts on the same --data-dir, versus projections
// (CREATE_GRAPH), which are gone after a restart. Also: dropped and force-replaced databases, an
// unfinished database load at shutdown, and a database load acknowledged just before kill -9.

import assert from 'node:assert/strict';
import { after, describe } from 'node:test';
import { rmSync } from 'node:fs';

import { startServer, makeDataDir } from './lib/server.mjs';
import { FlightClient, putCommand } from './lib/flight.mjs';
import { serverTest } from './lib/harness.mjs';
import { col, table } from './lib/arrow.mjs';
import {
  constructGraph, createDatabase, dump, graphInfo, listGraphs, checkDumpInvariants, nodesById, relMultiset,
  assertSameMultiset,
} from './lib/gds.mjs';
import { normInt, stringifyJSON } from './lib/json.mjs';

function canon(n) {
  if (!n) return String(n);
  const props = n.properties || {};
  return stringifyJSON({ id: n.id, labels: n.labels, properties: Object.keys(props).sort().map((k) => [k, props[k]]) });
}

function sameDump(after, before, what) {
  checkDumpInvariants(after);
  for (const k of ['name', 'database_name', 'durable', 'id_type', 'id_property', 'node_count', 'relationship_count', 'undirected_types', 'inverse_indexed_types']) {
    assert.deepEqual(after[k], before[k], `${what}: ${k} changed across the restart`);
  }
  const a = nodesById(after);
  const b = nodesById(before);
  assert.equal(a.size, b.size, `${what}: node count`);
  for (const [k, n] of b) {
    assert.equal(canon(a.get(k)), canon(n), `${what}: node ${k} changed across the restart`);
  }
  assertSameMultiset(relMultiset(after.relationships, true), relMultiset(before.relationships, true), `${what}: relationships`);
}

describe('durability across restarts', () => {
  const dataDir = makeDataDir('quiver-durable-');
  let s = null;
  let c = null;
  const it = serverTest(() => s);
  const start = async () => {
    s = await startServer({ dataDir });
    c = new FlightClient(s.flightPort);
  };
  const stop = async (signal = 'SIGTERM') => {
    c?.close();
    c = null;
    await s.stop({ signal });
  };
  // Runs fn against a server started on dataDir; stops it even when fn fails, so the next test can start.
  const session = async (fn, signal = 'SIGTERM') => {
    await start();
    try {
      await fn();
    } catch (e) {
      c?.close();
      c = null;
      if (!s.exited) await s.kill();
      throw e;
    }
    await stop(signal);
  };
  after(async () => {
    c?.close();
    if (s && !s.exited) await s.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const before = {};

  it('load databases and a projection, then stop cleanly', () => session(async () => {
    await createDatabase(c, {
      name: 'ddb',
      nodes: [table({
        nodeId: col.int64([1, 2, 3, 2n ** 60n]),
        labels: col.listUtf8([['P'], ['P', 'Q'], [], ['Q']]),
        age: col.int64([10, null, 30, -40]),
        score: col.float64([0.5, NaN, null, 1e-9]),
        name: col.utf8(['a', 'b', 'ç', '']),
        flag: col.bool([true, false, true, true]),
        emb: col.listFloat32([[1, 2], [], [0.5], [3]]),
        nums: col.listInt64([[1], [2n ** 62n], [], [-3]]),
      })],
      rels: [table({
        sourceNodeId: col.int64([1, 2, 3, 2n ** 60n]),
        targetNodeId: col.int64([2, 3, 1, 1]),
        relationshipType: col.utf8(['KNOWS', 'KNOWS', 'LIKES', 'U']),
        w: col.float64([1, 2, null, 4]),
      })],
    });
    await createDatabase(c, {
      name: 'dstr', idType: 'STRING', idProperty: 'key',
      nodes: [table({ nodeId: col.utf8(['x', 'y', 'zé']), labels: col.utf8(['S', 'S', 'T']) })],
      rels: [table({ sourceNodeId: col.utf8(['x', 'zé']), targetNodeId: col.utf8(['y', 'x']) })],
    });
    await createDatabase(c, { name: 'dropped', nodes: [table({ nodeId: col.int64([1]) })] });
    await c.action('v1/DROP_GRAPH', { name: 'dropped' });
    await createDatabase(c, { name: 'replaced', nodes: [table({ nodeId: col.int64([1, 2]) })] });
    await createDatabase(c, { name: 'replaced', force: true, nodes: [table({ nodeId: col.int64([7, 8, 9]) })] });
    await constructGraph(c, { name: 'proj', nodes: [table({ nodeId: col.int64([1, 2]) })], rels: [table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([2]) })] });
    // an unfinished database load at shutdown
    await c.action('v1/CREATE_DATABASE', { name: 'unfinished', id_type: 'INTEGER' });
    await c.doPut(putCommand('unfinished', 'node'), table({ nodeId: col.int64([1, 2, 3]) }));

    for (const n of ['ddb', 'dstr', 'replaced', 'neo4j']) before[n] = await dump(c, n);
    assert.equal(before.ddb.durable, true);
    assert.equal(normInt(before.ddb.relationship_count), 4);
    assert.equal(normInt(before.replaced.node_count), 3);
  }));

  it('after a restart: databases are back unchanged; projections, dropped databases and unfinished loads are gone', async () => {
    assert.ok(before.ddb, 'the loading test did not run');
    await session(async () => {
      const lg = await listGraphs(c);
      const names = lg.graphs.map((g) => g.name);
      for (const n of ['ddb', 'dstr', 'replaced', 'neo4j']) assert.ok(names.includes(n), `${n} missing after restart: ${names.join(', ')}`);
      for (const n of ['proj', 'dropped', 'unfinished']) assert.ok(!names.includes(n), `${n} must not survive a restart`);
      assert.ok(!(lg.imports || []).some((i) => i.name === 'unfinished'), 'an unfinished import survived the restart');
      for (const n of ['ddb', 'dstr', 'replaced', 'neo4j']) sameDump(await dump(c, n), before[n], n);
      const g = await graphInfo(c, 'ddb');
      assert.equal(g.durable, true);
      assert.deepEqual(g.node_properties, { age: 'int64', score: 'double', name: 'string', flag: 'bool', emb: 'list<float>', nums: 'list<int64>' });
      assert.equal((await graphInfo(c, 'dstr')).id_type, 'STRING');
      // the freed names can be used again
      const r = await constructGraph(c, { name: 'proj', nodes: [table({ nodeId: col.int64([5]) })] });
      assert.equal(normInt(r.nodeDone.node_count), 1);
      const r2 = await createDatabase(c, { name: 'unfinished', nodes: [table({ nodeId: col.int64([4, 5]) })] });
      assert.equal(normInt(r2.nodeDone.node_count), 2);
    }, 'SIGINT');
  });

  it('a second restart still has everything, including the database loaded after the first restart', () => session(async () => {
    for (const n of ['ddb', 'dstr', 'replaced']) sameDump(await dump(c, n), before[n], n);
    const g = await graphInfo(c, 'unfinished');
    assert.ok(g, 'the database created after the first restart is gone');
    assert.equal(normInt(g.node_count), 2);
    assert.equal(await graphInfo(c, 'proj'), undefined);
  }));

  it('a database whose load was acknowledged survives kill -9', async () => {
    let d;
    await start();
    try {
      await createDatabase(c, {
        name: 'crashy',
        nodes: [table({ nodeId: col.int64([1, 2, 3]), v: col.float64([1, 2, 3]) })],
        rels: [table({ sourceNodeId: col.int64([1, 2]), targetNodeId: col.int64([2, 3]) })],
      });
      d = await dump(c, 'crashy');
    } finally {
      c?.close();
      c = null;
      await s.kill();
    }
    await session(async () => {
      const g = await graphInfo(c, 'crashy');
      assert.ok(g, 'a database acknowledged by RELATIONSHIP_LOAD_DONE was lost by kill -9');
      sameDump(await dump(c, 'crashy'), d, 'crashy');
      for (const n of ['ddb', 'dstr']) sameDump(await dump(c, n), before[n], n);
    });
  });
});
