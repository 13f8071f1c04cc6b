// Crash tests of the write-ahead log: 10 connections write openCypher transactions over POST /openCypher while
// the server is SIGKILLed at random moments, round after round on one data directory; after each restart every
// acknowledged transaction must be there and no transaction may be there in part. Variants cut the log's tail
// and flip bits in it (the server must start, say where it cut, keep whole transactions only and go on
// writing), use --durability async, and force checkpoints with a tiny --checkpoint-wal-size. Rounds are
// fewer under ASan (QUIVER_SANITIZED).

import assert from 'node:assert/strict';
import http from 'node:http';
import { readdirSync, readFileSync, openSync, readSync, writeSync, closeSync, truncateSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { startServer, makeDataDir, runQuiver, SANITIZED, SLOW, tail } from './lib/server.mjs';
import { sleep, rng } from './lib/harness.mjs';
import { FlightClient } from './lib/flight.mjs';
import { col, table } from './lib/arrow.mjs';
import { createDatabase, listGraphs } from './lib/gds.mjs';

const IMPORT_NODES = 30000;

function importTables(round) {
  const ids = Array.from({ length: IMPORT_NODES }, (_, i) => round * 1000000 + i);
  return {
    nodes: [table({ nodeId: col.int64(ids), labels: col.listUtf8(ids.map(() => ['I'])) })],
    rels: [table({ sourceNodeId: col.int64(ids.slice(1)), targetNodeId: col.int64(ids.slice(0, -1)),
      relationshipType: col.utf8(ids.slice(1).map(() => 'NEXT')) })],
  };
}

// An Arrow CREATE_DATABASE import racing the writers and the kill: acknowledged means whole after restart.
async function arrowImport(port, round, imports) {
  const c = new FlightClient(port);
  const name = `imp${round}`;
  imports.set(name, false);
  try {
    await createDatabase(c, { name, ...importTables(round) });
    imports.set(name, true);
  } catch { /* killed mid-way */ } finally {
    c.close();
  }
}

async function verifyImports(port, imports) {
  const c = new FlightClient(port);
  try {
    const graphs = (await listGraphs(c)).graphs;
    for (const [name, acked] of imports) {
      const g = graphs.find((x) => x.name === name);
      if (acked) assert.ok(g, `acknowledged import ${name} is gone`);
      if (g) {
        assert.equal(Number(g.node_count), IMPORT_NODES, `import ${name} is partial (nodes)`);
        assert.equal(Number(g.relationship_count), IMPORT_NODES - 1, `import ${name} is partial (relationships)`);
      }
    }
  } finally {
    c.close();
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });

function post(port, query, parameters = {}) {
  const body = JSON.stringify({ query, parameters });
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/openCypher', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let json;
        try { json = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode, json });
      });
      res.on('error', () => resolve({ status: 0 }));
    });
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}

async function query(port, q, p) {
  const r = await post(port, q, p);
  assert.equal(r.status, 200, `query failed: ${q} -> ${JSON.stringify(r.json)}`);
  return r.json.results;
}

// One transaction = two nodes, a relationship between them, and a counter update: all or nothing.
const TXN = 'CREATE (a:W {w: $w, k: $k, part: 1})-[:R {w: $w, k: $k}]->(b:W {w: $w, k: $k, part: 2}) ' +
  'MERGE (c:C {w: $w}) SET c.n = $k';

async function writer(port, w, state, stopAt) {
  for (let k = 0; Date.now() < stopAt; k++) {
    state.tried.add(`${w}:${k}`);
    const r = await post(port, TXN, { w, k });
    if (r.status === 200) state.acked.add(`${w}:${k}`);
    else if (r.status === 0) return; // the server is gone
  }
}

// Checks the graph: every transaction whole, every acknowledged one present, counters not behind.
async function verify(port, state, { mustHaveAcked = true } = {}) {
  const nodes = await query(port, 'MATCH (n:W) RETURN n.w AS w, n.k AS k, n.part AS part');
  const rels = await query(port, 'MATCH (a:W)-[r:R]->(b:W) RETURN r.w AS w, r.k AS k, a.part AS pa, b.part AS pb, ' +
    'a.w = r.w AND b.w = r.w AND a.k = r.k AND b.k = r.k AS same');
  const counters = await query(port, 'MATCH (c:C) RETURN c.w AS w, c.n AS n');
  const parts = new Map();
  for (const n of nodes) {
    const key = `${n.w}:${n.k}`;
    parts.set(key, (parts.get(key) || 0) + n.part);
  }
  const relKeys = new Set();
  for (const r of rels) {
    assert.ok(r.same && r.pa === 1 && r.pb === 2, `relationship ${r.w}:${r.k} joins the wrong nodes`);
    assert.ok(!relKeys.has(`${r.w}:${r.k}`), `transaction ${r.w}:${r.k} is there twice`);
    relKeys.add(`${r.w}:${r.k}`);
  }
  for (const [key, sum] of parts) {
    assert.equal(sum, 3, `transaction ${key} is partial: node parts sum to ${sum}`);
    assert.ok(relKeys.has(key), `transaction ${key} is partial: its relationship is missing`);
    assert.ok(state.tried.has(key) || state.acked.has(key), `transaction ${key} was never sent`);
  }
  assert.equal(relKeys.size, parts.size, 'a relationship without its nodes');
  if (mustHaveAcked) {
    for (const key of state.acked) assert.ok(parts.has(key), `acknowledged transaction ${key} was lost`);
  }
  const maxK = new Map();
  for (const key of parts.keys()) {
    const [w, k] = key.split(':').map(Number);
    maxK.set(w, Math.max(maxK.get(w) ?? -1, k));
  }
  for (const c of counters) {
    // the counter was set in the same transaction as the newest pair of its writer
    assert.equal(c.n, maxK.get(c.w), `counter of writer ${c.w} is ${c.n}, its newest transaction is ${maxK.get(c.w)}`);
  }
  // from now on, what is there is the truth (variants may have cut acknowledged records off)
  state.acked = new Set(parts.keys());
  state.tried = new Set(parts.keys());
  return parts.size;
}

// Where a segment's records end: the active segment of a killed server is zero-filled ahead of its records
// (preallocation, src/store/wal.c), so damage aimed at its tail must land before the zeros.
function writtenEnd(p) {
  const b = readFileSync(p);
  let end = b.length;
  while (end > 16 && b[end - 1] === 0) end--;
  return end;
}

function newestSegment(dataDir) {
  const dir = join(dataDir, 'wal');
  const segs = readdirSync(dir).filter((f) => f.endsWith('.wal')).sort();
  for (let i = segs.length - 1; i >= 0; i--) {
    const p = join(dir, segs[i]);
    if (writtenEnd(p) > 16) return p;
  }
  return null;
}

async function crashRounds({ rounds, extraArgs = [], damage = null, seed = 7, mustHaveAcked = true, prepare = null,
  finalCheck = null, withImports = false }) {
  const imports = new Map();
  const dataDir = makeDataDir('quiver-crash-');
  if (prepare) await prepare(dataDir);
  const rand = rng(seed);
  const state = { acked: new Set(), tried: new Set() };
  let server = null;
  let wBase = 0;
  let total = 0;
  let checkpoints = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      server = await startServer({ dataDir, extraArgs });
      if (round > 0) total = await verify(server.httpPort, state, { mustHaveAcked: mustHaveAcked && !damage });
      if (withImports) await verifyImports(server.flightPort, imports);
      const runMs = (80 + Math.floor(rand() * 250)) * SLOW;
      const stopAt = Date.now() + runMs + 2000 * SLOW;
      const writers = [];
      for (let w = 0; w < 10; w++) writers.push(writer(server.httpPort, wBase + w, state, stopAt));
      if (withImports) writers.push(arrowImport(server.flightPort, round, imports));
      wBase += 10;
      await sleep(runMs);
      checkpoints += (server.stderr().match(/checkpointed database|log records carried to/g) || []).length;
      await server.kill();
      await Promise.all(writers);
      if (damage) {
        const seg = newestSegment(dataDir);
        if (seg) {
          damage(seg, rand);
          const chk = await runQuiver(['check', '--data-dir', dataDir], { timeoutMs: 60000 * SLOW });
          assert.equal(chk.code, 1, `quiver check did not see the damage:\n${chk.stdout}${chk.stderr}`);
          assert.match(chk.stdout, /torn or corrupt at offset/);
        }
      }
    }
    server = await startServer({ dataDir, extraArgs });
    total = await verify(server.httpPort, state, { mustHaveAcked: mustHaveAcked && !damage });
    assert.ok(total > 0, 'nothing was written');
    if (damage) assert.match(server.stderr(), /cutting the log off|removing the segment/, 'the cut was not logged');
    if (finalCheck) await finalCheck(server, false);
    if (withImports) {
      await verifyImports(server.flightPort, imports);
      assert.ok([...imports.values()].some((a) => a), 'no import was acknowledged before its kill');
    }
    // a clean stop checkpoints; the restart comes from the checkpoint and must hold the same
    await server.stop();
    server = await startServer({ dataDir, extraArgs });
    assert.match(server.stderr(), prepare ? /\(snapshot\)/ : /\(checkpoint\)/);
    assert.equal(await verify(server.httpPort, state), total);
    if (finalCheck) await finalCheck(server, true);
    await server.stop();
    server = null;
    const chk = await runQuiver(['check', '--data-dir', dataDir], { timeoutMs: 60000 * SLOW });
    assert.equal(chk.code, 0, `quiver check failed:\n${chk.stdout}${chk.stderr}`);
    assert.match(chk.stdout, /no problems found/);
    return { total, checkpoints };
  } catch (e) {
    if (server) e.message += `\nserver stderr:\n${tail(server.stderr())}`;
    throw e;
  } finally {
    if (server && !server.exited) await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const ROUNDS = SANITIZED ? 8 : 30;

describe('crash: SIGKILL while 10 connections write', { timeout: 300000 * SLOW }, () => {
  it(`keeps every acknowledged transaction, none partial (${ROUNDS} rounds, fsync)`, async () => {
    const { total } = await crashRounds({ rounds: ROUNDS });
    assert.ok(total >= ROUNDS * 10, `only ${total} transactions were written`);
  });

  it('keeps them with checkpoints taken while writing (--checkpoint-wal-size 16KiB)', async () => {
    const { checkpoints } = await crashRounds({ rounds: Math.ceil(ROUNDS / 3), extraArgs: ['--checkpoint-wal-size', '16KiB'],
      seed: 11 });
    assert.ok(checkpoints > 0, 'no checkpoint ran while writing');
  });

  it('an Arrow import racing the kill is whole or absent, and whole once acknowledged', async () => {
    await crashRounds({ rounds: Math.ceil(ROUNDS / 3), seed: 29, withImports: true });
  });

  it('cuts a torn log tail and keeps whole transactions only', async () => {
    await crashRounds({
      rounds: Math.ceil(ROUNDS / 3), seed: 13,
      damage: (seg, rand) => truncateSync(seg, Math.max(16, writtenEnd(seg) - 1 - Math.floor(rand() * 60))),
    });
  });

  it('cuts at a flipped bit and keeps whole transactions only', async () => {
    await crashRounds({
      rounds: Math.ceil(ROUNDS / 3), seed: 17,
      damage: (seg, rand) => {
        const size = writtenEnd(seg);
        const pos = Math.max(16, size - 1 - Math.floor(rand() * 200));
        const fd = openSync(seg, 'r+');
        const b = Buffer.alloc(1);
        readSync(fd, b, 0, 1, pos);
        b[0] ^= 1 << Math.floor(rand() * 8);
        writeSync(fd, b, 0, 1, pos);
        closeSync(fd);
      },
    });
  });

  it('keeps them in an Arrow-imported database, whose snapshot stays the base (carried log)', async () => {
    const N = 20000;
    const { checkpoints } = await crashRounds({
      rounds: Math.ceil(ROUNDS / 3), seed: 23,
      extraArgs: ['--default-database', 'bulkdb', '--checkpoint-wal-size', '16KiB'],
      prepare: async (dataDir) => {
        const s = await startServer({ dataDir });
        const c = new FlightClient(s.flightPort);
        try {
          const ids = Array.from({ length: N }, (_, i) => i + 1);
          await createDatabase(c, {
            name: 'bulkdb',
            nodes: [table({ nodeId: col.int64(ids), labels: col.listUtf8(ids.map(() => ['B'])),
              v: col.int64(ids.map((i) => i * 3)),
              pad: col.utf8(ids.map((i) => `padding that makes the snapshot big next to the log ${i}`.repeat(12))) })],
            rels: [table({ sourceNodeId: col.int64(ids.slice(1)), targetNodeId: col.int64(ids.slice(0, -1)),
              relationshipType: col.utf8(ids.slice(1).map(() => 'NEXT')) })],
          });
        } finally {
          c.close();
          await s.stop();
        }
      },
      finalCheck: async (server, afterCleanStop) => {
        const r = await query(server.httpPort, 'MATCH (b:B) WITH count(b) AS n, sum(b.v) AS v ' +
          'MATCH (:B)-[x:NEXT]->(:B) RETURN n, v, count(x) AS m');
        assert.deepEqual(r, [{ n: N, v: 3 * N * (N + 1) / 2, m: N - 1 }]);
        if (afterCleanStop) assert.match(server.stderr(), /replayed \d+ transactions carried in/);
      },
    });
    assert.ok(checkpoints > 0, 'no checkpoint ran while writing');
  });

  it('quiver query --data-dir: each run\'s writes are durable for the next run and for quiver serve', async () => {
    const dataDir = makeDataDir('quiver-cli-');
    try {
      for (let i = 0; i < 5; i++) {
        const r = await runQuiver(['query', '--data-dir', dataDir, '--format', 'json',
          `CREATE (:Q {i: ${i}})-[:T]->(:Q {i: ${i + 100}})`]);
        assert.equal(r.code, 0, r.stderr);
      }
      const r = await runQuiver(['query', '--data-dir', dataDir, '--format', 'json',
        'MATCH (a:Q)-[:T]->(b:Q) RETURN sum(a.i) AS s, sum(b.i) AS t, count(*) AS n']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /"s":\s*10/);
      assert.match(r.stdout, /"t":\s*510/);
      const server = await startServer({ dataDir });
      try {
        assert.deepEqual(await query(server.httpPort, 'MATCH (q:Q) RETURN count(q) AS n'), [{ n: 10 }]);
      } finally {
        await server.stop();
      }
      const chk = await runQuiver(['check', '--data-dir', dataDir]);
      assert.equal(chk.code, 0, chk.stdout + chk.stderr);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('--durability async: whole transactions only after a crash, everything after a clean stop', async () => {
    await crashRounds({ rounds: Math.ceil(ROUNDS / 6), extraArgs: ['--durability', 'async'], seed: 19,
      mustHaveAcked: false });
  });
});
