// A damaged newest checkpoint: the previous checkpoint (databases/<file>.qvg.prev) and the write-ahead log
// segments since it are kept until the next round completes, so that a bit flip in the newest checkpoint makes
// start-up fall back to them (logged), with every acknowledged transaction there and none in part. Once after a
// clean stop, once after SIGKILL with writes after the last checkpoint. And a crash between keeping the
// previous checkpoint (a hard link) and renaming the new one over the current name: start-up finishes the
// install, so that a damaged newest checkpoint still has a fallback.

import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, openSync, readSync, writeSync, closeSync, statSync, renameSync, linkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { startServer, makeDataDir, runQuiver, SLOW, tail } from './lib/server.mjs';
import { sleep } from './lib/harness.mjs';

const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
const ARGS = ['--checkpoint-wal-size', '64KiB'];

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

const TXN = 'CREATE (a:W {w: $w, k: $k, part: 1})-[:R]->(b:W {w: $w, k: $k, part: 2}) MERGE (c:C {w: $w}) SET c.n = $k';

async function writer(port, w, acked, stop) {
  for (let k = 0; !stop.now; k++) {
    const r = await post(port, TXN, { w, k });
    if (r.status === 200) acked.add(`${w}:${k}`);
    else if (r.status === 0) return;
  }
}

async function present(port) {
  const r = await post(port, 'MATCH (n:W) RETURN n.w AS w, n.k AS k, sum(n.part) AS parts');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const rels = await post(port, 'MATCH (a:W)-[:R]->(b:W) WHERE a.w = b.w AND a.k = b.k RETURN count(*) AS c');
  const keys = new Set();
  for (const n of r.json.results) {
    assert.equal(n.parts, 3, `transaction ${n.w}:${n.k} is partial`);
    keys.add(`${n.w}:${n.k}`);
  }
  assert.equal(rels.json.results[0].c, keys.size, 'a transaction lost its relationship');
  return keys;
}

function flipMiddle(path) {
  const size = statSync(path).size;
  const at = Math.floor(size * 0.6);
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] ^= 0x10;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

async function round(kill) {
  const dataDir = makeDataDir('quiver-ckpt-');
  let server = await startServer({ dataDir, extraArgs: ARGS });
  try {
    const acked = new Set();
    const stop = { now: false };
    const ws = [];
    for (let w = 0; w < 10; w++) ws.push(writer(server.httpPort, w, acked, stop));
    const deadline = Date.now() + 30000 * SLOW;
    // at least two checkpoints of the database, so that one is kept as the previous one
    while ((server.stderr().match(/checkpointed database 'neo4j'/g) || []).length < 3) {
      assert.ok(Date.now() < deadline, 'no checkpoints');
      await sleep(50);
    }
    if (kill) await sleep(300 * SLOW); // writes after the newest checkpoint, in the log only
    stop.now = true;
    await Promise.all(ws);
    // The kill must not land inside a checkpoint install: start-up would finish that install from the intact
    // .tmp (the case tested above), and the damage this round makes would go to a file no longer in use.
    // With the writers stopped no new round starts, so wait for the one in flight (its .tmp) to end.
    const tmp = join(dataDir, 'databases', '.neo4j.qvg.tmp');
    for (let quiet = 0; quiet < 2; quiet = existsSync(tmp) ? 0 : quiet + 1) {
      assert.ok(Date.now() < deadline + 30000 * SLOW, 'a checkpoint round never ended');
      await sleep(100);
    }
    if (kill) await server.kill();
    else await server.stop();
    const base = join(dataDir, 'databases', 'neo4j.qvg');
    assert.ok(existsSync(`${base}.prev`), 'the previous checkpoint was not kept');
    flipMiddle(base);
    const chk = await runQuiver(['check', '--data-dir', dataDir], { timeoutMs: 60000 * SLOW });
    assert.equal(chk.code, 1, `quiver check did not see the damage:\n${chk.stdout}${chk.stderr}`);
    server = await startServer({ dataDir, extraArgs: ARGS });
    assert.match(server.stderr(), /is damaged .* falling back to the previous checkpoint/);
    assert.match(server.stderr(), /recovered from .*\.prev and the write-ahead log/);
    const got = await present(server.httpPort);
    for (const key of acked) assert.ok(got.has(key), `acknowledged transaction ${key} is lost`);
    assert.ok(existsSync(`${base}.damaged`));
    // the server goes on: more writes, a clean stop, a clean restart, a clean check
    await post(server.httpPort, TXN, { w: 99, k: 0 });
    await server.stop();
    server = await startServer({ dataDir, extraArgs: ARGS });
    assert.doesNotMatch(server.stderr(), /falling back/);
    const again = await present(server.httpPort);
    assert.equal(again.size, got.size + 1);
    await post(server.httpPort, TXN, { w: 99, k: 1 });
    await server.stop();
    server = null;
    // the restarted server kept a previous checkpoint again: a second damage falls back again
    flipMiddle(base);
    server = await startServer({ dataDir, extraArgs: ARGS });
    assert.match(server.stderr(), /is damaged .* falling back to the previous checkpoint/);
    assert.equal((await present(server.httpPort)).size, got.size + 2);
    await server.stop();
    server = null;
    const chk2 = await runQuiver(['check', '--data-dir', dataDir], { timeoutMs: 60000 * SLOW });
    assert.equal(chk2.code, 0, `${chk2.stdout}${chk2.stderr}`);
    return acked.size;
  } catch (e) {
    if (server) e.message += `\nserver stderr:\n${tail(server.stderr())}`;
    throw e;
  } finally {
    if (server) await server.kill();
  }
}

async function loadUntilCheckpoints(dataDir, n) {
  const server = await startServer({ dataDir, extraArgs: ARGS });
  const acked = new Set();
  const stop = { now: false };
  const ws = [];
  for (let w = 0; w < 10; w++) ws.push(writer(server.httpPort, w, acked, stop));
  const deadline = Date.now() + 30000 * SLOW;
  while ((server.stderr().match(/checkpointed database 'neo4j'/g) || []).length < n) {
    assert.ok(Date.now() < deadline, 'no checkpoints');
    await sleep(50);
  }
  stop.now = true;
  await Promise.all(ws);
  await server.stop();
  return acked;
}

describe('damaged newest checkpoint', () => {
  it('finishes an install a crash interrupted, which keeps the fallback', async () => {
    const dataDir = makeDataDir('quiver-ckpt-');
    const acked = await loadUntilCheckpoints(dataDir, 3);
    const base = join(dataDir, 'databases', 'neo4j.qvg');
    const tmp = join(dataDir, 'databases', '.neo4j.qvg.tmp');
    assert.ok(existsSync(`${base}.prev`), 'the previous checkpoint was not kept');
    // the state a crash leaves between store_keep_prev (prev linked to the current file) and the rename of the
    // new, complete checkpoint over it: the current name and .prev are one file, the new one is still .tmp
    renameSync(base, tmp);
    linkSync(`${base}.prev`, base);
    let server = await startServer({ dataDir, extraArgs: ARGS });
    try {
      assert.match(server.stderr(), /finished installing .*neo4j\.qvg/);
      assert.doesNotMatch(server.stderr(), /falling back/);
      const got = await present(server.httpPort);
      for (const key of acked) assert.ok(got.has(key), `acknowledged transaction ${key} is lost`);
      assert.notEqual(statSync(base).ino, statSync(`${base}.prev`).ino);
      await server.stop();
      flipMiddle(base);
      server = await startServer({ dataDir, extraArgs: ARGS });
      assert.match(server.stderr(), /is damaged .* falling back to the previous checkpoint/);
      assert.equal((await present(server.httpPort)).size, got.size);
      await server.stop();
      server = null;
    } catch (e) {
      if (server) e.message += `\nserver stderr:\n${tail(server.stderr())}`;
      throw e;
    } finally {
      if (server) await server.kill();
    }
  });

  it('falls back to the previous checkpoint and the log after a clean stop', async () => {
    assert.ok(await round(false) > 0);
  });
  it('falls back to the previous checkpoint and the log after SIGKILL', async () => {
    assert.ok(await round(true) > 0);
  });
});
