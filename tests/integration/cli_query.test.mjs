// `quiver query`: one-shot statements against a data directory, output formats, parameters, errors and
// exit codes, the lock a running server holds, `--server` against that server, and statements piped to
// the shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { QUIVER_BIN, SLOW, makeDataDir, runQuiver, startServer } from './lib/server.mjs';

function pipeQuiver(args, input, timeoutMs = 15000 * SLOW) {
  return new Promise((resolve, reject) => {
    const child = spawn(QUIVER_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timeout\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); setImmediate(() => resolve({ code, stdout, stderr })); });
    child.stdin.end(input);
  });
}

test('one-shot statements: table, json and csv output, parameters, errors', async () => {
  const dir = makeDataDir();
  const q = (...args) => runQuiver(['query', '--data-dir', dir, ...args]);

  let r = await q("CREATE (a:Person {name: 'Ann', age: 41})-[:KNOWS {since: 2020}]->(b:Person {name: 'Bob'}) RETURN a.name AS name, b.name");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| name\s+\| b\.name\s+\|/);
  assert.match(r.stdout, /\| "Ann"\s+\| "Bob"\s+\|/);

  r = await q('--format', 'json', 'MATCH (a:Person {name: $n})-[r]->(b) RETURN a, r, b.name', '--param', 'n=Ann');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.results.length, 1);
  const row = doc.results[0];
  assert.equal(row.a['~entityType'], 'node');
  assert.deepEqual(row.a['~labels'], ['Person']);
  assert.deepEqual(row.a['~properties'], { name: 'Ann', age: 41 });
  assert.equal(row.r['~type'], 'KNOWS');
  assert.equal(row.r['~start'], row.a['~id']);
  assert.equal(row['b.name'], 'Bob');

  r = await q('--format', 'csv', '--params', '{"min": 1}', 'MATCH (p:Person) WHERE coalesce(p.age, 0) >= $min OR p.name = "Bob" RETURN p.name AS name, p.age AS age ORDER BY name');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'name,age\nAnn,41\nBob,\n');

  r = await q('MATCH (p:Person RETURN p');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SyntaxError .*line 1, column \d+/);

  r = await q('RETURN 1 / 0');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ArithmeticError|DivisionByZero/);

  r = await q('--format', 'yaml', 'RETURN 1');
  assert.equal(r.code, 2);
});

test('statements piped to the shell, with shell commands between them', async () => {
  const dir = makeDataDir();
  const r = await pipeQuiver(['query', '--data-dir', dir],
    "CREATE (:N {i: 1}), (:N {i: 2});\n:param k=2\nMATCH (n:N)\nWHERE n.i >= $k\nRETURN n.i AS i;\nRETURN 'a;b' AS s;\n");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\| i \|\n\+---\+\n\| 2 \|/);
  assert.match(r.stdout, /"a;b"/);
});

test('a running server holds the data directory; --server queries it over HTTP', async () => {
  const srv = await startServer();
  try {
    let r = await runQuiver(['query', '--data-dir', srv.dataDir, 'RETURN 1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /in use by another quiver \(pid \d+\).*--server/);

    const url = `http://127.0.0.1:${srv.httpPort}`;
    r = await runQuiver(['query', '--server', url, '--param', 'n=3', 'UNWIND range(1, $n) AS i CREATE (:T {i: i}) RETURN count(*) AS c']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| c \|\n\+---\+\n\| 3 \|/);

    r = await runQuiver(['query', '--server', url, '--format', 'json', 'MATCH (t:T) RETURN t.i AS i ORDER BY i']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { results: [{ i: 1 }, { i: 2 }, { i: 3 }] });

    r = await runQuiver(['query', '--server', url, 'MATCH (t:T RETURN t']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /MalformedQueryException \(HTTP 400\)/);
  } finally {
    await srv.stop();
  }
});

test('--server https:// with --ca trusts a self-signed server; without it the handshake is refused', async () => {
  const dir = makeDataDir('quiver-cli-tls-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const srv = await startServer({ dataDir: makeDataDir(), extraArgs: ['--tls-cert', cert, '--tls-key', key] });
  try {
    const url = `https://localhost:${srv.httpPort}`;
    let r = await runQuiver(['query', '--server', url, '--ca', cert, '--format', 'json', 'RETURN 40 + 2 AS answer']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { results: [{ answer: 42 }] });
    r = await runQuiver(['query', '--server', url, 'RETURN 1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TLS handshake .* failed.*--ca/);
  } finally {
    await srv.stop();
  }
});
