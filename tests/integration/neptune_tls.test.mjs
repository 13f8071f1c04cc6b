// The Neptune HTTP API over HTTPS (`--tls-cert`/`--tls-key`) through the real AWS SDK
// (@aws-sdk/client-neptunedata) with a self-signed certificate made by the test (openssl CLI) and trusted
// through a custom https.Agent CA: queries over keep-alive connections, a long result streamed chunked,
// a client that hangs up mid-result (its query stops), an untrusted certificate refused by the SDK, a
// plaintext client answered 400 then closed, TLS 1.1 refused, and start-up errors for bad files.

import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';

import { NeptunedataClient } from '@aws-sdk/client-neptunedata';
import { NodeHttpHandler } from '@smithy/node-http-handler';   // the SDK's own handler (its dependency)

import { startServer, runQuiver, makeDataDir, makeSelfSignedCert, SLOW } from './lib/server.mjs';
import { serverTest, sleep } from './lib/harness.mjs';
import {
  cypher, expectSdkError, ExecuteOpenCypherQueryCommand, GetEngineStatusCommand, ListOpenCypherQueriesCommand,
} from './lib/neptune.mjs';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

function makeCerts(dir) {
  const { cert, key, ca } = makeSelfSignedCert(dir);
  const otherKey = join(dir, 'other-key.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey],
    { stdio: 'ignore' });
  return { cert, key, otherKey, ca };
}

function tlsClient(port, ca) {
  const httpsAgent = new https.Agent({ keepAlive: true, ca, maxSockets: 4 });
  return new NeptunedataClient({ endpoint: `https://127.0.0.1:${port}`, region: 'us-east-1', credentials,
    maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent }) });
}

async function waitFor(fn, what, ms = 5000 * SLOW) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('Neptune HTTP API over HTTPS', () => {
  let s;
  let dir;
  let certs;
  let db;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quiver-tls-'));
    certs = makeCerts(dir);
    s = await startServer({ threads: 2, extraArgs: ['--tls-cert', certs.cert, '--tls-key', certs.key] });
    db = tlsClient(s.httpPort, certs.ca);
  });
  after(async () => {
    if (s) await s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const it = serverTest(() => s);

  it('the listening line says HTTPS', () => {
    assert.match(s.stderr(), /listening for HTTP on 127\.0\.0\.1:\d+ \(HTTPS only, TLS 1\.2\+\)/);
  });

  it('the AWS SDK runs queries over https', async () => {
    for (let i = 0; i < 20; i++) {
      const rows = await cypher(db, 'RETURN $x AS x, $y AS y', { x: i, y: [1, 'a'] });
      assert.deepEqual(rows, [{ x: i, y: [1, 'a'] }]);
    }
    await cypher(db, 'UNWIND range(1, 100) AS i CREATE (:T {i: i})');
    assert.deepEqual(await cypher(db, 'MATCH (n:T) RETURN count(n) AS c'), [{ c: 100 }]);
    const st = await db.send(new GetEngineStatusCommand({}));
    assert.equal(st.status, 'healthy');
  });

  it('keep-alive: many requests reuse one TLS connection', async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: certs.ca });
    const sockets = new Set();
    for (let i = 0; i < 10; i++) {
      const r = await new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: s.httpPort, path: '/status', agent }, (rsp) => {
          sockets.add(rsp.socket);
          const protocol = rsp.socket.getProtocol();
          rsp.resume();
          rsp.on('end', () => resolve({ status: rsp.statusCode, protocol }));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(r.status, 200);
      assert.match(r.protocol, /^TLSv1\.[23]$/);
    }
    assert.equal(sockets.size, 1);
    agent.destroy();
  });

  it('a long result is streamed chunked over TLS, complete and in order', async () => {
    const n = 300000;
    const res = await new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: s.httpPort, path: '/openCypher', method: 'POST', ca: certs.ca,
        headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (rsp) => {
        const chunks = [];
        let paused = false;
        rsp.on('data', (c) => {
          chunks.push(c);
          if (!paused && chunks.length === 2) {   /* a slow reader for a moment: backpressure */
            paused = true;
            rsp.pause();
            setTimeout(() => rsp.resume(), 300);
          }
        });
        rsp.on('end', () => resolve({ headers: rsp.headers, text: Buffer.concat(chunks).toString() }));
        rsp.on('error', reject);
      });
      req.on('error', reject);
      req.end(`query=${encodeURIComponent(`UNWIND range(1, ${n}) AS i RETURN i`)}`);
    });
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    const rows = JSON.parse(res.text).results;
    assert.equal(rows.length, n);
    for (let i = 0; i < n; i += 997) assert.equal(rows[i].i, i + 1);
    /* and through the SDK */
    const out = await db.send(new ExecuteOpenCypherQueryCommand({ openCypherQuery: 'UNWIND range(1, 50000) AS i RETURN i' }));
    assert.equal(out.results.length, 50000);
    assert.equal(out.results[49999].i, 50000);
  });

  it('a client that hangs up mid-result stops the query', async () => {
    await new Promise((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: s.httpPort, path: '/openCypher', method: 'POST', ca: certs.ca,
        headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (rsp) => {
        rsp.once('data', () => { req.destroy(); resolve(); });
      });
      req.on('error', () => {});
      req.end(`query=${encodeURIComponent('UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN b')}`);
      setTimeout(() => reject(new Error('no data')), 10000 * SLOW);
    });
    await waitFor(async () => (await db.send(new ListOpenCypherQueriesCommand({}))).runningQueryCount === 0,
      'the abandoned query to stop');
  });

  it('the SDK refuses the self-signed certificate unless it is trusted', async () => {
    const untrusted = new NeptunedataClient({ endpoint: `https://127.0.0.1:${s.httpPort}`, region: 'us-east-1',
      credentials, maxAttempts: 1 });
    await assert.rejects(cypher(untrusted, 'RETURN 1'), (e) => /self[- ]signed|certificate/i.test(`${e.code} ${e.message}`));
  });

  it('a plaintext client gets a plaintext 400 saying to use https, then a clean close', async () => {
    const r = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.httpPort, path: '/status', agent: false }, (rsp) => {
        const chunks = [];
        rsp.on('data', (c) => chunks.push(c));
        rsp.on('end', () => resolve({ status: rsp.statusCode, headers: rsp.headers, text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(r.status, 400);
    assert.equal(r.headers.connection, 'close');
    assert.match(JSON.parse(r.text).detailedMessage, /https:\/\//);
    /* the SDK over plain http fails the same way, with a proper exception */
    const plain = new NeptunedataClient({ endpoint: `http://127.0.0.1:${s.httpPort}`, region: 'us-east-1', credentials, maxAttempts: 1 });
    const e = await expectSdkError(cypher(plain, 'RETURN 1'), 'BadRequestException', { status: 400 });
    assert.match(e.message, /https/);
  });

  it('TLS 1.1 is refused; TLS 1.2 and 1.3 are accepted', async () => {
    const attempt = (opts) => new Promise((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port: s.httpPort, ca: certs.ca, ...opts }, () => {
        const p = sock.getProtocol();
        sock.end();
        resolve(p);
      });
      sock.on('error', () => resolve(null));
    });
    assert.equal(await attempt({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    assert.equal(await attempt({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), 'TLSv1.3');
    assert.equal(await attempt({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }), null);
  });

  it('start-up fails clearly on a missing file, a non-PEM file, a mismatched key, or one flag alone', async () => {
    const data = makeDataDir();
    const base = ['serve', '--data-dir', data, '--listen', '127.0.0.1', '--flight-port', '0', '--http-port', '0'];
    try {
      let r = await runQuiver([...base, '--tls-cert', join(dir, 'missing.pem'), '--tls-key', certs.key]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot read the TLS certificate '.*missing\.pem' \(--tls-cert\): No such file/);
      const junk = join(dir, 'junk.pem');
      writeFileSync(junk, 'not a certificate\n');
      r = await runQuiver([...base, '--tls-cert', certs.cert, '--tls-key', junk]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /cannot load the TLS private key/);
      r = await runQuiver([...base, '--tls-cert', certs.cert, '--tls-key', certs.otherKey]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /does not match the certificate/);
      r = await runQuiver([...base, '--tls-cert', certs.cert]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /--tls-cert and --tls-key go together/);
      r = await runQuiver(['serve', '--help']);
      assert.match(r.stdout, /--tls-cert FILE/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
