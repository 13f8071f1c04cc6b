// `quiver backup`: an online copy of a running server (POST /quiver/backup through `quiver backup --server`)
// while 10 connections write multi-element transactions and checkpoints run, and an offline copy of a stopped
// server's directory. Each copy must start, pass `quiver check`, hold every transaction acknowledged before
// the backup was asked for, and no transaction in part.

import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { startServer, makeDataDir, runQuiver, SLOW, tail } from './lib/server.mjs';
import { sleep } from './lib/harness.mjs';

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

// One transaction: 5 nodes in a chain and a counter, all or nothing.
const TXN = 'UNWIND range(1, 5) AS i CREATE (:W {w: $w, k: $k, i: i}) WITH count(*) AS c ' +
  'MATCH (a:W {w: $w, k: $k}), (b:W {w: $w, k: $k}) WHERE b.i = a.i + 1 CREATE (a)-[:R]->(b) ' +
  'WITH count(*) AS r MERGE (m:C {w: $w}) SET m.n = $k';

async function writer(port, w, acked, stop) {
  for (let k = 0; !stop.now; k++) {
    const r = await post(port, TXN, { w, k });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    acked.push({ w, k, at: Date.now() });
  }
}

// Every transaction in the graph whole; returns the set of "w:k" present.
async function verify(port) {
  const nodes = await query(port, 'MATCH (n:W) RETURN n.w AS w, n.k AS k, count(*) AS c');
  const rels = await query(port, 'MATCH (a:W)-[:R]->(b:W) WHERE a.w = b.w AND a.k = b.k RETURN a.w AS w, a.k AS k, count(*) AS c');
  const counters = await query(port, 'MATCH (m:C) RETURN m.w AS w, m.n AS n');
  const present = new Set();
  const maxK = new Map();
  for (const n of nodes) {
    assert.equal(n.c, 5, `transaction ${n.w}:${n.k} is partial (${n.c} nodes)`);
    present.add(`${n.w}:${n.k}`);
    maxK.set(n.w, Math.max(maxK.get(n.w) ?? -1, n.k));
  }
  assert.equal(rels.length, present.size, 'relationships do not match the transactions');
  for (const r of rels) assert.equal(r.c, 4, `transaction ${r.w}:${r.k} is partial (${r.c} relationships)`);
  for (const c of counters) assert.equal(c.n, maxK.get(c.w), `counter of writer ${c.w} is behind or ahead`);
  return present;
}

async function check(dir) {
  const chk = await runQuiver(['check', '--data-dir', dir], { timeoutMs: 60000 * SLOW });
  assert.equal(chk.code, 0, `quiver check of ${dir} failed:\n${chk.stdout}${chk.stderr}`);
  assert.match(chk.stdout, /no problems found/);
}

describe('quiver backup', () => {
  it('is refused by a server started without --backup-dir', async () => {
    const server = await startServer();
    try {
      const to = join(makeDataDir('quiver-backup-refused-'), 'copy');
      const r = await runQuiver(['backup', '--server', `http://127.0.0.1:${server.httpPort}`, '--to', to]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--backup-dir/);
      assert.ok(!existsSync(to));
    } finally {
      await server.stop();
    }
  });

  it('copies a running server consistently while it writes and checkpoints', async () => {
    const base = makeDataDir('quiver-backup-');
    const dataDir = join(base, 'data');
    let server = await startServer({ dataDir, extraArgs: ['--checkpoint-wal-size', '64KiB', '--backup-dir', base] });
    let copy = null;
    try {
      const acked = [];
      const stop = { now: false };
      const writers = [];
      for (let w = 0; w < 10; w++) writers.push(writer(server.httpPort, w, acked, stop));
      const backups = [];
      for (let b = 0; b < 3; b++) {
        await sleep(300 * SLOW);
        const to = join(base, `online${b}`);
        const askedAt = Date.now();
        const before = acked.filter((a) => a.at < askedAt).map((a) => `${a.w}:${a.k}`);
        const r = await runQuiver(['backup', '--server', `http://127.0.0.1:${server.httpPort}`, '--to', to],
          { timeoutMs: 60000 * SLOW });
        assert.equal(r.code, 0, `backup failed:\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /"files":[1-9]/);
        backups.push({ to, before });
      }
      await sleep(200 * SLOW);
      stop.now = true;
      await Promise.all(writers);
      assert.match(server.stderr(), /checkpointed database|log records carried to/, 'no checkpoint ran during the test');
      // a second backup to an existing directory is refused, and changes nothing there
      const again = await runQuiver(['backup', '--server', `http://127.0.0.1:${server.httpPort}`, '--to', backups[0].to]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already exists/);
      // the server writes only below its --backup-dir
      const outside = makeDataDir('quiver-backup-outside-');
      const escape = await runQuiver(['backup', '--server', `http://127.0.0.1:${server.httpPort}`, '--to', join(outside, 'x')]);
      assert.equal(escape.code, 1);
      assert.match(escape.stderr, /AccessDenied|only be written under/);
      assert.ok(!existsSync(join(outside, 'x')));
      const dotdot = await runQuiver(['backup', '--server', `http://127.0.0.1:${server.httpPort}`, '--to', `${base}/../escaped`]);
      assert.equal(dotdot.code, 1);
      // a running server's directory cannot be copied behind its back
      const off = await runQuiver(['backup', '--data-dir', dataDir, '--to', join(base, 'nope')]);
      assert.equal(off.code, 1);
      assert.match(off.stderr, /in use by another quiver.*--server|--server/);
      assert.ok(!existsSync(join(base, 'nope')));
      const live = await verify(server.httpPort);
      await server.stop();
      server = null;

      let prev = 0;
      for (const { to, before } of backups) {
        assert.ok(!existsSync(`${to}.partial`));
        await check(to);
        copy = await startServer({ dataDir: to });
        const got = await verify(copy.httpPort);
        for (const key of before) assert.ok(got.has(key), `${to}: transaction ${key}, acknowledged before the backup, is missing`);
        for (const key of got) assert.ok(live.has(key), `${to}: transaction ${key} is not in the source`);
        assert.ok(got.size >= prev, 'a later backup holds less');
        prev = got.size;
        console.log(`${to}: ${got.size} transactions (${before.length} acknowledged before it was asked for)`);
        // the copy is a working data directory: it takes writes and survives a restart
        await query(copy.httpPort, TXN, { w: 999, k: 0 });
        await copy.stop();
        copy = await startServer({ dataDir: to });
        assert.ok((await verify(copy.httpPort)).has('999:0'));
        await copy.stop();
        copy = null;
      }
      assert.ok(prev > 0, 'nothing was backed up');

      // offline: the stopped source, copied directly, holds exactly what the server had
      const offTo = join(base, 'offline');
      const r = await runQuiver(['backup', '--data-dir', dataDir, '--to', offTo], { timeoutMs: 60000 * SLOW });
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /backup of .* written to/);
      await check(offTo);
      copy = await startServer({ dataDir: offTo });
      assert.deepEqual([...await verify(copy.httpPort)].sort(), [...live].sort());
      await copy.stop();
      copy = null;
      const bad = await runQuiver(['backup', '--data-dir', join(base, 'missing'), '--to', join(base, 'x')]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not a quiver data directory/);
      const usage = await runQuiver(['backup', '--to', join(base, 'x')]);
      assert.equal(usage.code, 2);
    } catch (e) {
      if (server) e.message += `\nserver stderr:\n${tail(server.stderr())}`;
      if (copy) e.message += `\ncopy stderr:\n${tail(copy.stderr())}`;
      throw e;
    } finally {
      if (server) await server.kill();
      if (copy) await copy.kill();
    }
  });
});
