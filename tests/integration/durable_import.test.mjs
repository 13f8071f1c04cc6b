// Durable Arrow imports under SIGKILL: a database imported with v1/CREATE_DATABASE is written to the data
// directory (save_stream.c: the first part while the incoming index is built; snapshot_pipe.c: two writer
// threads, O_DIRECT, header last; then fsync, rename, directory fsync) before RELATIONSHIP_LOAD_DONE answers. The server is killed at random moments of imports big enough that the
// save is several write buffers long (one relationship type: the file without 'rel_type'), round after round on
// one data directory. After each restart: an acknowledged import is there whole; an import replacing a database
// (force) leaves either the new version whole or the previous one whole, never a mix or nothing; a new name is
// whole or absent; no temporary file is left; `quiver check` passes. Half the rounds kill inside the save itself:
// the server runs with QV_STORE_WRITE_DELAY_MS (each 4 MiB buffer waits before its write) and the kill comes at a
// random moment after the temporary file appears. Rounds are fewer under ASan. The file of a streamed save leaves
// out the incoming index, which is appended after the reply (snapshot.h, SNAP2_FLAG_IN_AFTER): a kill between the
// two costs the next start-up a rebuild of that index and nothing else, which the second test shows.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { startServer, makeDataDir, runQuiver, SANITIZED, SLOW, tail } from './lib/server.mjs';
import { rng, sleep } from './lib/harness.mjs';
import { FlightClient } from './lib/flight.mjs';
import { col, table } from './lib/arrow.mjs';
import { createDatabase, listGraphs } from './lib/gds.mjs';

const ROUNDS = SANITIZED ? 4 : 10;

// Version v of a database: its own node and relationship counts, so a restart tells which version it holds.
function version(v) {
  const n = 200000 + v * 1000, m = 4 * n + v;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(i * 7 + v);
  const src = new BigInt64Array(m), dst = new BigInt64Array(m);
  for (let r = 0; r < m; r++) {
    src[r] = ids[r % n];
    dst[r] = ids[(r * 2654435761) % n];
  }
  return {
    counts: { nodes: n, rels: m },
    nodes: [table({ nodeId: col.int64Array(ids) })],
    rels: [table({ sourceNodeId: col.int64Array(src), targetNodeId: col.int64Array(dst) })],
  };
}

async function graphsOf(port) {
  const c = new FlightClient(port);
  try {
    return (await listGraphs(c)).graphs;
  } finally {
    c.close();
  }
}

function countsOf(graphs, name) {
  const g = graphs.find((x) => x.name === name);
  return g ? { nodes: Number(g.node_count), rels: Number(g.relationship_count) } : null;
}

describe('durable Arrow imports survive SIGKILL whole or not at all', () => {
  const dataDir = makeDataDir('quiver-durable-import-');
  let s = null;
  after(async () => {
    if (s && !s.exited) await s.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds of imports killed at random moments`, async () => {
    const rand = rng(20261205);
    // the save's temporary file: .stream.tmp when it starts during the build (save_stream.c), else .tmp
    const tmpFiles = ['.big.qvg.stream.tmp', '.big.qvg.tmp'].map((f) => join(dataDir, 'databases', f));
    const saving = () => tmpFiles.some((f) => existsSync(f));
    const restart = async (round) => { /* odd rounds: a slow save, to be killed inside it */
      if (round % 2) process.env.QV_STORE_WRITE_DELAY_MS = '15';
      else delete process.env.QV_STORE_WRITE_DELAY_MS;
      return startServer({ dataDir });
    };
    s = await restart(0);
    // version 0 of 'big', acknowledged: every later round replaces it (force) while being killed
    const v0 = version(0);
    const c0 = new FlightClient(s.flightPort);
    const t0 = Date.now();
    await createDatabase(c0, { name: 'big', nodes: v0.nodes, rels: v0.rels });
    const importMs = Date.now() - t0;
    c0.close();
    assert.match(s.stderr(), /saved database 'big' to .*: 200000 nodes, 800000 relationships/);
    await s.stop({ signal: 'SIGTERM' });
    s = await restart(1);
    let inSave = 0;
    let current = v0.counts; // what 'big' holds for sure (acknowledged)
    const fresh = new Map(); // name -> counts, for imports of new names
    const outcomes = { acked: 0, newUnacked: 0, previous: 0 };
    for (let round = 1; round <= ROUNDS; round++) {
      const v = version(round);
      const cBig = new FlightClient(s.flightPort), cNew = new FlightClient(s.flightPort);
      let bigAcked = false, newAcked = false;
      const name = `fresh${round}`;
      const pBig = createDatabase(cBig, { name: 'big', force: true, nodes: v.nodes, rels: v.rels })
        .then(() => { bigAcked = true; }, () => {});
      const pNew = createDatabase(cNew, { name, nodes: v.nodes, rels: v.rels })
        .then(() => { newAcked = true; }, () => {});
      if (round % 2) { /* inside the save: after the temporary file appears */
        const deadline = Date.now() + 20000 * SLOW;
        while (!saving() && Date.now() < deadline && !bigAcked) await sleep(1);
        if (saving()) {
          await sleep(Math.floor(rand() * 60));
          if (saving()) inSave++;
        }
      } else { /* anywhere from the start of the upload to well after the import would have ended (two run at once) */
        await sleep(Math.floor(rand() * importMs * 3 * SLOW));
      }
      await s.kill();
      await Promise.all([pBig, pNew]);
      cBig.close();
      cNew.close();

      s = await restart(round + 1);
      const gs = await graphsOf(s.flightPort);
      const big = countsOf(gs, 'big');
      assert.ok(big, `round ${round}: database 'big' is gone (it held version ${JSON.stringify(current)})\n${tail(s.stderr())}`);
      if (bigAcked) assert.deepEqual(big, v.counts, `round ${round}: the acknowledged import of 'big' is not there`);
      else assert.ok(JSON.stringify(big) === JSON.stringify(current) || JSON.stringify(big) === JSON.stringify(v.counts),
        `round ${round}: 'big' holds ${JSON.stringify(big)}, neither the previous ${JSON.stringify(current)} nor the new ${JSON.stringify(v.counts)}`);
      if (bigAcked) outcomes.acked++;
      else if (JSON.stringify(big) === JSON.stringify(v.counts)) outcomes.newUnacked++;
      else outcomes.previous++;
      current = big;
      const nw = countsOf(gs, name);
      if (newAcked) assert.deepEqual(nw, v.counts, `round ${round}: the acknowledged import of '${name}' is not there`);
      if (nw) {
        assert.deepEqual(nw, v.counts, `round ${round}: '${name}' is partial`);
        fresh.set(name, nw);
      }
      for (const [k, want] of fresh) assert.deepEqual(countsOf(gs, k), want, `round ${round}: '${k}' changed`);
      const left = readdirSync(join(dataDir, 'databases')).filter((f) => f.endsWith('.tmp'));
      assert.deepEqual(left, [], `round ${round}: temporary files left after start-up`);
    }
    await s.stop({ signal: 'SIGTERM' });
    delete process.env.QV_STORE_WRITE_DELAY_MS;
    assert.ok(inSave >= 1, 'no round killed the server inside a save');
    const check = await runQuiver(['check', '--data-dir', dataDir], { timeoutMs: 60000 * SLOW });
    assert.equal(check.code, 0, `quiver check failed:\n${check.stdout}\n${check.stderr}`);
    assert.match(check.stdout, /no problems found/);
    console.log(`durable_import: ${ROUNDS} rounds, 'big' acknowledged / new but not acknowledged / ` +
      `previous: ${outcomes.acked} / ${outcomes.newUnacked} / ${outcomes.previous}, ${inSave} killed inside the save, ` +
      `${fresh.size} new databases kept, import of 200k nodes / 800k relationships took ${importMs} ms unkilled`);
  });

  it('an acknowledged import killed before its incoming index is appended is whole, the index rebuilt and appended', async () => {
    const dir = makeDataDir('quiver-durable-appendix-');
    try {
      const v = version(3);
      for (const late of [true, false]) {
        /* late: every 4 MiB write buffer waits 300 ms, so the appendix (three of them) is still being written
         * when the kill comes right after the acknowledgement; otherwise the kill waits for its log line */
        if (late) process.env.QV_STORE_WRITE_DELAY_MS = '300';
        s = await startServer({ dataDir: dir });
        delete process.env.QV_STORE_WRITE_DELAY_MS;
        const c = new FlightClient(s.flightPort);
        const name = late ? 'late' : 'early';
        await createDatabase(c, { name, nodes: v.nodes, rels: v.rels });
        c.close();
        if (!late) {
          const deadline = Date.now() + 20000 * SLOW;
          while (!/'early': incoming index appended/.test(s.stderr()) && Date.now() < deadline) await sleep(10);
          assert.match(s.stderr(), /'early': incoming index appended/);
        } else {
          assert.doesNotMatch(s.stderr(), /'late': incoming index appended/);
        }
        await s.kill();
        s = await startServer({ dataDir: dir });
        const gs = await graphsOf(s.flightPort);
        assert.deepEqual(countsOf(gs, name), v.counts, `'${name}' after the kill\n${tail(s.stderr())}`);
        const rebuilt = new RegExp(`'${name}': its file has no incoming index yet|'${name}': the incoming index appended to its file is unusable`);
        if (late) assert.match(s.stderr(), rebuilt);
        else assert.doesNotMatch(s.stderr(), rebuilt);
        if (late) { /* the restarted server appends it, so that the next start maps it */
          const deadline = Date.now() + 20000 * SLOW;
          while (!/'late': incoming index appended/.test(s.stderr()) && Date.now() < deadline) await sleep(10);
          await s.kill();
          s = await startServer({ dataDir: dir });
          assert.deepEqual(countsOf(await graphsOf(s.flightPort), name), v.counts);
          assert.doesNotMatch(s.stderr(), rebuilt);
        }
        await s.stop({ signal: 'SIGTERM' });
        s = null;
        const check = await runQuiver(['check', '--data-dir', dir], { timeoutMs: 60000 * SLOW });
        assert.equal(check.code, 0, `quiver check failed:\n${check.stdout}\n${check.stderr}`);
        assert.match(check.stdout, /no problems found/);
      }
    } finally {
      delete process.env.QV_STORE_WRITE_DELAY_MS;
      rmSync(dir, { recursive: true, force: true });
    }
  });

});
