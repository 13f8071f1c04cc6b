// Start-up recovery in the open: the listeners start before the write-ahead log is replayed, GET /status says
// "recovery" meanwhile, openCypher requests get a retryable Neptune error saying so (Flight calls UNAVAILABLE),
// and start-up logs what it replayed and how long it took. The log is made large (about a million changes,
// written and then SIGKILLed so that no checkpoint folds it) so that replay takes noticeable time.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startServer, makeDataDir, SANITIZED, tail } from './lib/server.mjs';
import { httpRequest, sleep } from './lib/harness.mjs';

const BATCHES = SANITIZED ? 6 : 24;
const PER = 20000;

async function cypher(port, query) {
  const body = JSON.stringify({ query });
  return httpRequest(port, '/openCypher', { method: 'POST', headers: { 'content-type': 'application/json' }, body,
    timeoutMs: 120000 });
}

describe('start-up recovery', () => {
  it('says "recovery" on GET /status and refuses queries clearly while the log replays', async () => {
    const dataDir = makeDataDir('quiver-recovery-');
    let server = await startServer({ dataDir, extraArgs: ['--checkpoint-wal-size', '0'] });
    try {
      for (let b = 0; b < BATCHES; b++) {
        const r = await cypher(server.httpPort,
          `UNWIND range(1, ${PER / 100}) AS i UNWIND range(1, 100) AS j CREATE (:N {b: ${b}, i: i, j: j, s: 'payload-' + toString(i)})`);
        assert.equal(r.status, 200, r.text);
      }
      await server.kill(); // no clean-stop checkpoint: everything is in the log
      server = await startServer({ dataDir, extraArgs: ['--checkpoint-wal-size', '0'], waitRecovery: false });
      const seen = new Set();
      let refused = null;
      const deadline = Date.now() + 120000;
      for (;;) {
        const st = await httpRequest(server.httpPort, '/status');
        assert.equal(st.status, 200);
        const doc = st.json;
        seen.add(doc.status);
        if (doc.status === 'healthy') break;
        assert.equal(doc.status, 'recovery');
        if (!refused) refused = await cypher(server.httpPort, 'MATCH (n) RETURN count(n) AS c');
        assert.ok(Date.now() < deadline, 'recovery did not end');
        await sleep(5);
      }
      assert.ok(seen.has('recovery'), `GET /status never said "recovery" (replay too fast?)\n${tail(server.stderr())}`);
      assert.ok(refused, 'no query was tried during recovery');
      if (refused.status !== 200) { // (the query may have raced the end of recovery)
        assert.equal(refused.status, 500);
        const e = refused.json;
        assert.equal(e.code, 'ThrottlingException');
        assert.match(e.detailedMessage, /recovering its databases from the write-ahead log/);
      }
      const err = server.stderr();
      assert.match(err, /listening for HTTP[\s\S]*recovering the databases[\s\S]*data directory .* loaded in/);
      assert.match(err, /replayed \d+ transactions \(\d+ changes\) from the write-ahead log/);
      assert.match(err, /write-ahead log: [0-9.]+ MiB read, \d+ transactions replayed in [0-9.]+ s \([0-9.]+ MiB\/s\)/);
      const r = await cypher(server.httpPort, 'MATCH (n:N) RETURN count(n) AS c');
      assert.equal(r.status, 200);
      assert.equal(r.json.results[0].c, BATCHES * PER);
      // the clean stop checkpoints (many blocks of changes, string properties): the restart reads it back whole
      const sum = 'MATCH (n:N) RETURN count(n) AS c, sum(n.i) AS si, sum(size(n.s)) AS ss';
      const before = (await cypher(server.httpPort, sum)).json.results;
      await server.stop();
      server = await startServer({ dataDir, extraArgs: ['--checkpoint-wal-size', '0'] });
      assert.match(server.stderr(), /\(checkpoint\)/);
      assert.deepEqual((await cypher(server.httpPort, sum)).json.results, before);
      await server.stop();
      server = null;
    } catch (e) {
      if (server) e.message += `\nserver stderr:\n${tail(server.stderr())}`;
      throw e;
    } finally {
      if (server) await server.kill();
    }
  });
});
