// Arrow Flight over TLS (`--tls-cert`/`--tls-key` put both ports on TLS): a GDS-shaped import and a DoGet
// export through @grpc/grpc-js with TLS credentials trusting a self-signed certificate made by the test
// (openssl CLI), with --auth; a plaintext gRPC client and a client that does not trust the certificate
// are refused while the server keeps serving; ALPN selects h2 and refuses a client offering only
// http/1.1; openCypher over HTTPS sees the graph the Flight client imported; --flight-plaintext keeps the
// Flight port plaintext while HTTP stays HTTPS.

import assert from 'node:assert/strict';
import https from 'node:https';
import tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';

import { startServer, makeSelfSignedCert as makeCert } from './lib/server.mjs';
import { FlightClient, Status } from './lib/flight.mjs';
import { serverTest, expectGrpcError } from './lib/harness.mjs';
import { col, table, flightDataToTable as toTable } from './lib/arrow.mjs';
import { constructGraph, graphInfo } from './lib/gds.mjs';

// A TLS handshake offering `alpn`; resolves the selected protocol or rejects with the handshake error.
function handshake(port, ca, alpn) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, ALPNProtocols: alpn, servername: 'localhost' }, () => {
      const p = sock.alpnProtocol;
      sock.end();
      resolve(p);
    });
    sock.on('error', reject);
  });
}

// POST /opencypher (the default database), or Neptune Analytics' POST /queries on graph `graph`.
function httpsCypher(port, ca, query, graph) {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(graph ? { query, language: 'open_cypher' } : { query });
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (graph) headers.graphIdentifier = graph;
    const req = https.request({ host: '127.0.0.1', port, path: graph ? '/queries' : '/opencypher', method: 'POST', ca,
      headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(parts).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const N = 2000;
const ids = Array.from({ length: N }, (_, i) => i + 1);

describe('Arrow Flight over TLS', () => {
  let s;
  let dir;
  let cert;
  let c;
  const it = serverTest(() => s);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quiver-flight-tls-'));
    cert = makeCert(dir);
    s = await startServer({ auth: 'neo4j:secret', extraArgs: ['--tls-cert', cert.cert, '--tls-key', cert.key] });
    c = new FlightClient(s.flightPort, { auth: 'neo4j:secret', tls: { ca: cert.ca } });
  });
  after(async () => {
    c?.close();
    if (s) await s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the listening lines say TLS on both ports', () => {
    assert.match(s.stderr(), /listening for Arrow Flight \(gRPC\) on 127\.0\.0\.1:\d+ \(TLS only, TLS 1\.2\+\)/);
    assert.match(s.stderr(), /listening for HTTP on 127\.0\.0\.1:\d+ \(HTTPS only, TLS 1\.2\+\)/);
  });

  it('ALPN selects h2 on the Flight port and http/1.1 on the HTTP port', async () => {
    assert.equal(await handshake(s.flightPort, cert.ca, ['h2']), 'h2');
    assert.equal(await handshake(s.flightPort, cert.ca, ['http/1.1', 'h2']), 'h2');
    await assert.rejects(handshake(s.flightPort, cert.ca, ['http/1.1']), /no.application.protocol|alert number 120/i);
    assert.equal(await handshake(s.httpPort, cert.ca, ['h2', 'http/1.1']), 'http/1.1');
  });

  it('a GDS import and export run over TLS, and openCypher over HTTPS sees the graph', async () => {
    const rels = { src: [], tgt: [] };
    for (let i = 0; i < 5 * N; i++) {
      rels.src.push(ids[i % N]);
      rels.tgt.push(ids[(i * 7 + 3) % N]);
    }
    const r = await constructGraph(c, {
      name: 'tlsdb',
      createAction: 'v1/CREATE_DATABASE',
      createBody: { name: 'tlsdb', id_type: 'INTEGER', force: false, high_io: false, use_bad_collector: false },
      nodes: [table({ nodeId: col.int64(ids), labels: col.listUtf8(ids.map(() => ['P'])),
        x: col.float64(ids.map((i) => i / 2)) })],
      rels: [table({ sourceNodeId: col.int64(rels.src), targetNodeId: col.int64(rels.tgt),
        relationshipType: col.utf8(rels.src.map(() => 'R')), w: col.float64(rels.src.map((v) => v * 1.5)) })],
      batchRows: 700,
    });
    assert.equal(Number(r.relDone.relationship_count), 5 * N);
    const info = await graphInfo(c, 'tlsdb');
    assert.equal(Number(info.node_count), N);
    // The export comes back over the same TLS connection, every batch of it.
    const msgs = await c.doGet({ name: 'GET_COMMAND', version: 'v1', body: { graph_name: 'tlsdb', database_name:
      'tlsdb', procedure_name: 'gds.graph.relationships.stream', configuration: {} } });
    const t = toTable(msgs);
    assert.equal(t.numRows, 5 * N);
    let srcSum = 0;
    let tgtSum = 0;
    const src = t.getChild('sourceNodeId');
    const tgt = t.getChild('targetNodeId');
    for (let i = 0; i < t.numRows; i++) {
      srcSum += Number(src.get(i));
      tgtSum += Number(tgt.get(i));
    }
    assert.equal(srcSum, rels.src.reduce((a, v) => a + v, 0));
    assert.equal(tgtSum, rels.tgt.reduce((a, v) => a + v, 0));
    const q = await httpsCypher(s.httpPort, cert.ca, 'MATCH ()-[r:R]->() RETURN count(r) AS n, sum(r.w) AS w',
      'tlsdb');
    assert.equal(q.status, 200);
    assert.equal(q.body.results[0].n, 5 * N);
    assert.equal(q.body.results[0].w, rels.src.reduce((a, v) => a + v * 1.5, 0));
  });

  it('a plaintext gRPC client is refused, logged, and the server keeps serving', async () => {
    const plain = new FlightClient(s.flightPort, { auth: 'neo4j:secret', deadlineMs: 5000 });
    try {
      await expectGrpcError(plain.action('v1/LIST_GRAPHS', {}), [Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED,
        Status.INTERNAL], null, 'plaintext LIST_GRAPHS');
    } finally {
      plain.close();
    }
    assert.match(s.stderr(), /plaintext client on the TLS-only Flight port/);
    assert.ok(Array.isArray((await c.action('v1/LIST_GRAPHS', {})).graphs));
  });

  it('a client that does not trust the certificate is refused', async () => {
    const untrusting = new FlightClient(s.flightPort, { auth: 'neo4j:secret', tls: {}, deadlineMs: 5000 });
    try {
      await expectGrpcError(untrusting.action('v1/LIST_GRAPHS', {}), [Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED],
        null, 'untrusted LIST_GRAPHS');
    } finally {
      untrusting.close();
    }
    assert.ok(Array.isArray((await c.action('v1/LIST_GRAPHS', {})).graphs));
  });
});

describe('--flight-plaintext', () => {
  let s;
  let dir;
  let cert;
  const it = serverTest(() => s);
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quiver-flight-plain-'));
    cert = makeCert(dir);
    s = await startServer({ extraArgs: ['--tls-cert', cert.cert, '--tls-key', cert.key, '--flight-plaintext'] });
  });
  after(async () => {
    if (s) await s.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the Flight port plaintext while HTTP speaks HTTPS', async () => {
    assert.doesNotMatch(s.stderr(), /Arrow Flight \(gRPC\) on [0-9.:]+ \(TLS/);
    const c = new FlightClient(s.flightPort);
    try {
      assert.ok(Array.isArray((await c.action('v1/LIST_GRAPHS', {})).graphs));
    } finally {
      c.close();
    }
    const q = await httpsCypher(s.httpPort, cert.ca, 'RETURN 1 AS one');
    assert.deepEqual(q.body.results, [{ one: 1 }]);
  });
});
