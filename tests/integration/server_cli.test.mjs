// The `quiver` command line and the HTTP status endpoint: usage, bad flags, port selection, /status,
// 404s, clean shutdown on SIGINT and SIGTERM.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import net from 'node:net';
import { rmSync } from 'node:fs';

import { startServer, runQuiver, makeDataDir, SLOW } from './lib/server.mjs';
import { serverTest, httpRequest, assertServerServes } from './lib/harness.mjs';
import { FlightClient } from './lib/flight.mjs';

describe('quiver serve command line', () => {
  const servers = [];
  const dirs = [];
  const tmpDir = () => { const d = makeDataDir(); dirs.push(d); return d; };
  const it = serverTest(() => servers);
  after(async () => {
    for (const s of servers) if (!s.exited) await s.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('serve --help prints usage naming every option and exits 0', async () => {
    const r = await runQuiver(['serve', '--help']);
    assert.equal(r.code, 0, `exit code ${r.code}, stderr: ${r.stderr}`);
    const text = r.stdout + r.stderr;
    for (const opt of ['--data-dir', '--listen', '--http-port', '--flight-port', '--auth', '--abort-timeout',
      '--threads', '--max-message-size', '--log-level']) {
      assert.ok(text.includes(opt), `usage does not mention ${opt}:\n${text}`);
    }
  });

  it('an unknown flag exits 2 with a message naming it', async () => {
    const r = await runQuiver(['serve', '--no-such-flag', '--data-dir', tmpDir()]);
    assert.equal(r.code, 2, `exit code ${r.code}; stdout: ${r.stdout} stderr: ${r.stderr}`);
    assert.match(r.stdout + r.stderr, /no-such-flag/, 'the message should name the unknown flag');
  });

  it('a malformed option value is refused with a non-zero exit and a message', async () => {
    const r = await runQuiver(['serve', '--flight-port', 'eighty', '--http-port', '0', '--data-dir', tmpDir()]);
    assert.notEqual(r.code, 0, `quiver accepted --flight-port eighty; stderr: ${r.stderr}`);
    assert.notEqual(r.code, null, `quiver was killed by signal ${r.signal}`);
    assert.match(r.stdout + r.stderr, /flight-port|eighty/i);
  });

  it('a Flight port already in use makes serve fail with a non-zero exit, not hang', async () => {
    const blocker = net.createServer();
    await new Promise((res) => blocker.listen(0, '127.0.0.1', res));
    const port = blocker.address().port;
    try {
      const r = await runQuiver(['serve', '--listen', '127.0.0.1', '--flight-port', String(port), '--http-port', '0',
        '--data-dir', tmpDir()], { timeoutMs: 10000 * SLOW });
      assert.notEqual(r.code, 0, `serve exited 0 although port ${port} is taken; stderr: ${r.stderr}`);
      assert.notEqual(r.code, null, `quiver was killed by signal ${r.signal}`);
      assert.match(r.stderr + r.stdout, new RegExp(`${port}|address|in use`, 'i'));
    } finally {
      blocker.close();
    }
  });

  it('port 0 picks two distinct free ports and logs them', async () => {
    const s = await startServer();
    servers.push(s);
    assert.ok(s.flightPort > 0 && s.flightPort < 65536);
    assert.ok(s.httpPort > 0 && s.httpPort < 65536);
    assert.notEqual(s.flightPort, s.httpPort);
    assert.equal(s.flightHost, '127.0.0.1');
    assert.equal(s.httpHost, '127.0.0.1');
    await assertServerServes(s);
    await s.stop();
  });

  it('--log-level debug and --threads 1 are accepted; a bad --log-level is refused', async () => {
    const s = await startServer({ logLevel: 'debug', threads: 1 });
    servers.push(s);
    await assertServerServes(s);
    await s.stop();
    const r = await runQuiver(['serve', '--log-level', 'chatty', '--flight-port', '0', '--http-port', '0', '--data-dir', tmpDir()]);
    assert.notEqual(r.code, 0, `--log-level chatty accepted; stderr: ${r.stderr}`);
    assert.notEqual(r.code, null, `quiver was killed by signal ${r.signal}`);
    assert.match(r.stdout + r.stderr, /log-level|chatty/i);
  });

  it('SIGINT stops the server cleanly with exit code 0', async () => {
    const s = await startServer();
    servers.push(s);
    await assertServerServes(s);
    await s.stop({ signal: 'SIGINT' });
    assert.equal(s.exitCode, 0);
  });

  it('SIGTERM during an open import and an open connection still exits 0', async () => {
    const s = await startServer();
    servers.push(s);
    const c = new FlightClient(s.flightPort);
    try {
      await c.action('v1/CREATE_GRAPH', { name: 'pending', database_name: 'neo4j' });
      await s.stop();
      assert.equal(s.exitCode, 0);
    } finally {
      c.close();
    }
  });
});

describe('HTTP endpoint', () => {
  let s;
  const it = serverTest(() => s);
  before(async () => { s = await startServer(); });
  after(async () => { if (s) await s.stop(); });

  it('GET /status answers 200 application/json with the Neptune-style fields', async () => {
    const r = await httpRequest(s.httpPort, '/status');
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.ok(r.json && typeof r.json === 'object', `body is not JSON: ${r.text}`);
    assert.equal(r.json.status, 'healthy');
    assert.equal(r.json.role, 'writer');
    assert.equal(typeof r.json.startTime, 'string');
    assert.ok(r.json.startTime.length > 0);
    assert.equal(typeof r.json.dbEngineVersion, 'string');
    assert.ok(r.json.dbEngineVersion.length > 0);
    assert.ok(Array.isArray(r.json.graphs), `graphs is not an array: ${r.text}`);
    const neo4j = r.json.graphs.find((g) => g.name === 'neo4j');
    assert.ok(neo4j, `the default database neo4j is not listed: ${r.text}`);
    assert.equal(neo4j.durable, true);
    assert.equal(neo4j.node_count, 0);
  });

  it('/status lists a graph once it is loaded, and no longer after DROP_GRAPH', async () => {
    const c = new FlightClient(s.flightPort);
    try {
      await c.action('v1/CREATE_GRAPH', { name: 'status_g', database_name: 'neo4j' });
      await c.action('v1/NODE_LOAD_DONE', { name: 'status_g' });
      await c.action('v1/RELATIONSHIP_LOAD_DONE', { name: 'status_g' });
      let r = await httpRequest(s.httpPort, '/status');
      const g = r.json.graphs.find((x) => x.name === 'status_g');
      assert.ok(g, `status_g missing: ${r.text}`);
      assert.equal(g.durable, false);
      assert.equal(g.database_name, 'neo4j');
      assert.equal(g.node_count, 0);
      assert.equal(g.relationship_count, 0);
      assert.deepEqual(g.labels, []);
      assert.equal(typeof g.memory_bytes, 'number');
      await c.action('v1/DROP_GRAPH', { name: 'status_g' });
      r = await httpRequest(s.httpPort, '/status');
      assert.ok(!r.json.graphs.some((x) => x.name === 'status_g'), `status_g still listed after DROP_GRAPH: ${r.text}`);
    } finally {
      c.close();
    }
  });

  it('an unknown path answers 404 with a JSON body', async () => {
    const r = await httpRequest(s.httpPort, '/no/such/path');
    assert.equal(r.status, 404, r.text);
    assert.ok(r.json !== undefined && typeof r.json === 'object', `404 body is not JSON: ${r.text}`);
  });

  it('keeps serving after a burst of concurrent requests', async () => {
    const rs = await Promise.all(Array.from({ length: 20 }, () => httpRequest(s.httpPort, '/status')));
    for (const r of rs) assert.equal(r.status, 200);
  });
});
