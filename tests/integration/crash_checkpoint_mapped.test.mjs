// A bulk-loaded database (Arrow CREATE_DATABASE) written by openCypher until the clean stop writes a full
// version-2 checkpoint (the bulk image plus the changes, not a carried log): after that stop and after SIGKILL
// the restart maps it and the database is the same element by element (every node with its id, labels and
// properties, every relationship, read through openCypher: DUMP_GRAPH shows the bulk base only), and `quiver
// check` passes. (The undirected / inverse flags the checkpoint now keeps cannot be set through CREATE_DATABASE,
// which takes no type options; tests/unit/test_store_checkpoint.c checks them through restarts of the store.)

import assert from 'node:assert/strict';
import http from 'node:http';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { startServer, makeDataDir, runQuiver, tail } from './lib/server.mjs';
import { FlightClient } from './lib/flight.mjs';
import { col, table } from './lib/arrow.mjs';
import { createDatabase } from './lib/gds.mjs';
import { normInt, stringifyJSON } from './lib/json.mjs';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function post(port, query, parameters = {}) {
  const body = JSON.stringify({ query, parameters });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/openCypher', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) reject(new Error(`${query}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function magic(path) {
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(12);
  readSync(fd, b, 0, 12, 0);
  closeSync(fd);
  return { magic: b.subarray(0, 8).toString('latin1'), version: b.readUInt32LE(8) };
}

// Everything openCypher sees of the graph, canonical.
async function state(port) {
  const nodes = await post(port, 'MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props');
  const rels = await post(port, 'MATCH (a)-[r]->(b) RETURN id(r) AS id, id(a) AS a, id(b) AS b, type(r) AS t, properties(r) AS props');
  const canon = (rows) => rows.map((x) => stringifyJSON({ ...x, labels: x.labels && [...x.labels].sort(),
    props: Object.keys(x.props).sort().map((k) => [k, x.props[k]]) })).sort();
  return { nodes: canon(nodes.results), rels: canon(rels.results) };
}

function same(after, before, what) {
  assert.equal(after.nodes.length, before.nodes.length, `${what}: node count`);
  assert.equal(after.rels.length, before.rels.length, `${what}: relationship count`);
  assert.deepEqual(after.nodes, before.nodes, `${what}: nodes`);
  assert.deepEqual(after.rels, before.rels, `${what}: relationships`);
}

describe('version-2 checkpoints keep written bulk-loaded databases whole', () => {
  const dataDir = makeDataDir('quiver-ckpt-flags-');
  const base = join(dataDir, 'databases', 'neo4j.qvg');
  let s = null;
  let c = null;
  let before = null;
  const start = async () => {
    if (s && !s.exited) await s.kill(); /* a failed test left it running */
    s = await startServer({ dataDir });
    c = new FlightClient(s.flightPort);
  };
  after(async () => {
    c?.close();
    if (s && !s.exited) await s.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a bulk load, openCypher writes to it, a clean stop: a full version-2 checkpoint', async () => {
    await start();
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    await createDatabase(c, {
      name: 'neo4j', force: true,
      nodes: [table({ nodeId: col.int64(ids), labels: col.listUtf8(ids.map((i) => (i % 2 ? ['P'] : ['P', 'Q']))),
        age: col.int64(ids.map((i) => i * 3)) })],
      rels: [table({ sourceNodeId: col.int64(ids), targetNodeId: col.int64(ids.map((i) => (i % 40) + 1)),
        relationshipType: col.utf8(ids.map((i) => ['U', 'D', 'R'][i % 3])), w: col.float64(ids.map((i) => i / 4)) })],
    });
    assert.equal(magic(base).magic, 'QVGRAPH\0', 'the bulk load is saved as a snapshot');
    // writes to base and new entities, well beyond half the snapshot's size in log
    await post(s.httpPort, 'MATCH (n:P) WHERE n.age < 30 SET n.touched = true, n:T');
    await post(s.httpPort, 'MATCH (n:P {age: 33}) DETACH DELETE n');
    await post(s.httpPort, 'MATCH ()-[r:R]->() WHERE r.w > 5 SET r.w = -r.w');
    for (let k = 0; k < 120; k++) {
      await post(s.httpPort, 'MATCH (a:P {age: $a}) CREATE (a)-[:U]->(:New {k: $k, text: $t})',
        { a: ((k % 39) + 1) * 3, k, t: 'x'.repeat(40) });
    }
    before = await state(s.httpPort);
    assert.ok(before.nodes.length > 150 && before.rels.length > 150, 'the writes landed');
    c.close();
    c = null;
    await s.stop({ signal: 'SIGTERM' });
    const m = magic(base);
    assert.equal(m.magic, 'QVCKPT\0\0', `the clean stop wrote a checkpoint, not a carried log:\n${tail(s.stderr())}`);
    assert.equal(m.version, 2);
  });

  it('the restart maps it: the same database, after a clean stop and after SIGKILL', async () => {
    assert.ok(before, 'the first test did not run');
    await start();
    assert.match(s.stderr(), /loaded database 'neo4j' from .* \(checkpoint\)/);
    same(await state(s.httpPort), before, 'after a clean stop');
    // more writes, then SIGKILL: the checkpoint plus the log
    for (let k = 0; k < 20; k++) await post(s.httpPort, 'CREATE (:Late {k: $k})', { k });
    before = await state(s.httpPort);
    c.close();
    c = null;
    await s.kill();
    await start();
    same(await state(s.httpPort), before, 'after SIGKILL');
    assert.equal(normInt((await post(s.httpPort, 'MATCH (n:Late) RETURN count(n) AS n')).results[0].n), 20);
    c.close();
    c = null;
    await s.stop({ signal: 'SIGTERM' });
    const r = await runQuiver(['check', '--data-dir', dataDir]);
    assert.equal(r.code, 0, `quiver check:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /no problems found/);
  });
});
