// Authentication with --auth USER:PASSWORD, as GDS clients do it: Basic on any call (no Handshake
// needed), a Bearer token in the response headers, the token accepted afterwards, Handshake with zero
// messages, several authorization values on one call.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { startServer } from './lib/server.mjs';
import { FlightClient, Status, putCommand, basicAuth } from './lib/flight.mjs';
import { serverTest, expectGrpcError, assertServerServes } from './lib/harness.mjs';
import { col, table } from './lib/arrow.mjs';
import { constructGraph, graphInfo } from './lib/gds.mjs';
import { rawGrpcCall, headerValues } from './lib/h2.mjs';
import { normInt } from './lib/json.mjs';

const GOOD = basicAuth('neo4j:secret');

function bearerOf(md) {
  if (!md) return null;
  const vals = md.get('authorization').map(String);
  const b = vals.find((v) => /^Bearer /.test(v));
  return b || null;
}

describe('authentication', () => {
  let s;
  let anon;
  const it = serverTest(() => s);
  before(async () => {
    s = await startServer({ auth: 'neo4j:secret' });
    anon = new FlightClient(s.flightPort);
  });
  after(async () => {
    anon?.close();
    if (s) await s.stop();
  });

  it('no credentials: UNAUTHENTICATED on every RPC', async () => {
    await expectGrpcError(anon.listActions(), Status.UNAUTHENTICATED, null, 'ListActions');
    await expectGrpcError(anon.doAction('v1/LIST_GRAPHS', {}), Status.UNAUTHENTICATED, null, 'DoAction');
    await expectGrpcError(anon.doAction('v1/CREATE_GRAPH', { name: 'anon', database_name: 'neo4j' }), Status.UNAUTHENTICATED, null, 'CREATE_GRAPH');
    await expectGrpcError(anon.doPut(putCommand('anon', 'node'), table({ nodeId: col.int64([1]) })), Status.UNAUTHENTICATED, null, 'DoPut');
    await expectGrpcError(anon.handshake(), Status.UNAUTHENTICATED, null, 'Handshake');
    await expectGrpcError(anon.doGet('{}'), Status.UNAUTHENTICATED, null, 'DoGet');
  });

  it('wrong password, unknown user, malformed Basic values and a bogus Bearer: UNAUTHENTICATED', async () => {
    const bad = [
      basicAuth('neo4j:wrong'), basicAuth('someone:secret'), basicAuth('neo4j:'), basicAuth('neo4jsecret'),
      // (no values with trailing whitespace: HTTP/2 forbids them, so they never reach a gRPC server)
      'Basic !!!not-base64!!!', 'Bearer bogus-token', 'secret', 'Digest abc', 'Basic', 'Bearer',
    ];
    for (const v of bad) {
      await expectGrpcError(anon.listActions({ authorization: v }), Status.UNAUTHENTICATED, null, `authorization: ${v}`);
    }
    await expectGrpcError(anon.doAction('v1/CREATE_GRAPH', { name: 'x', database_name: 'neo4j' }, { authorization: 'Bearer bogus' }),
      Status.UNAUTHENTICATED);
    // nothing was created by the refused calls
    const c = new FlightClient(s.flightPort, { auth: 'neo4j:secret' });
    try {
      const lg = await c.action('v1/LIST_GRAPHS', {});
      assert.ok(!lg.graphs.some((g) => g.name === 'anon' || g.name === 'x'));
      assert.ok(!(lg.imports || []).some((i) => i.name === 'anon' || i.name === 'x'), 'a refused CREATE_GRAPH created an import');
    } finally {
      c.close();
    }
  });

  it('Basic is accepted directly on ListActions, DoAction and DoPut, and the reply headers carry a Bearer token', async () => {
    const c = new FlightClient(s.flightPort, { auth: 'neo4j:secret', keepBasic: true });
    try {
      const actions = await c.listActions();
      assert.ok(actions.length > 0);
      assert.match(bearerOf(c.lastHeaders) || '', /^Bearer \S+$/, 'ListActions response headers lack "authorization: Bearer <token>"');

      const r = await c.action('v1/CREATE_GRAPH', { name: 'basic_g', database_name: 'neo4j' });
      assert.equal(r.name, 'basic_g');
      assert.match(bearerOf(c.lastActionHeaders) || '', /^Bearer \S+$/, 'DoAction response headers lack a Bearer token');

      const put = await c.doPut(putCommand('basic_g', 'node'), table({ nodeId: col.int64([1, 2]) }));
      assert.equal(put.acks, 1);
      assert.match(bearerOf(put.headers) || '', /^Bearer \S+$/, 'DoPut response headers lack a Bearer token');
      await c.action('v1/ABORT', { name: 'basic_g' });
    } finally {
      c.close();
    }
  });

  it('the Bearer token is accepted on later calls, also on another connection', async () => {
    const c = new FlightClient(s.flightPort, { auth: 'neo4j:secret' });
    try {
      await c.listActions();
      assert.ok(c.token, 'no token received');
      const token = c.token;
      const other = new FlightClient(s.flightPort);
      try {
        const actions = await other.listActions({ authorization: 'Bearer ' + token });
        assert.ok(actions.length > 0);
        const lg = await other.action('v1/LIST_GRAPHS', {}, { authorization: 'Bearer ' + token });
        assert.ok(Array.isArray(lg.graphs));
      } finally {
        other.close();
      }
    } finally {
      c.close();
    }
  });

  it('a whole GDS-style import switches from Basic to Bearer and works', async () => {
    const c = new FlightClient(s.flightPort, { auth: 'neo4j:secret' });
    try {
      const r = await constructGraph(c, {
        name: 'bearer_g',
        nodes: [table({ nodeId: col.int64([1, 2, 3]) })],
        rels: [table({ sourceNodeId: col.int64([1, 2]), targetNodeId: col.int64([2, 3]) })],
      });
      assert.ok(c.token, 'the client never received a token');
      assert.equal(normInt(r.relDone.relationship_count), 2);
      const g = await graphInfo(c, 'bearer_g');
      assert.equal(normInt(g.node_count), 3);
    } finally {
      c.close();
    }
  });

  it('a client that keeps sending Basic on every call (token expired) works throughout', async () => {
    const c = new FlightClient(s.flightPort, { auth: 'neo4j:secret', keepBasic: true });
    try {
      const r = await constructGraph(c, {
        name: 'basic_only',
        nodes: [table({ nodeId: col.int64([1, 2]) }), table({ nodeId: col.int64([3]) })],
        rels: [table({ sourceNodeId: col.int64([1]), targetNodeId: col.int64([3]) })],
      });
      assert.equal(normInt(r.nodeDone.node_count), 3);
    } finally {
      c.close();
    }
  });

  it('Handshake with zero messages and Basic answers OK with a Bearer token (pyarrow authenticate_basic_token)', async () => {
    const c = new FlightClient(s.flightPort);
    try {
      const r = await c.handshake({ authorization: GOOD });
      const tok = bearerOf(r.headers) || bearerOf(r.trailers);
      assert.match(tok || '', /^Bearer \S+$/, 'no "authorization: Bearer <token>" in Handshake headers or trailers');
      const actions = await c.listActions({ authorization: tok });
      assert.ok(actions.length > 0, 'the Handshake token is not accepted');
    } finally {
      c.close();
    }
  });

  // grpc-js and node:http2 refuse to send two authorization values; rawGrpcCall appends the second one
  // to the HEADERS frame on the wire.
  const two = (a, b) => ({ headers: { authorization: a }, injectHeaders: [['authorization', b]] });
  it('two authorization values on one call (Bearer bogus + Basic good, Basic + Basic) are accepted', async () => {
    const hs = await rawGrpcCall(s.flightPort, 'Handshake', two('Bearer bogus', GOOD));
    assert.equal(hs.status, 0, `Handshake with Bearer bogus + Basic good: grpc-status ${hs.status} ${hs.message}`);
    const tok = [...headerValues(hs.headers, 'authorization'), ...headerValues(hs.trailers, 'authorization')].find((v) => /^Bearer \S+$/.test(v));
    // the single-value control: the same relay with one good value works, with one bogus value does not
    assert.equal((await rawGrpcCall(s.flightPort, 'ListActions', { headers: { authorization: GOOD }, messages: [Buffer.alloc(0)] })).status, 0);
    assert.equal((await rawGrpcCall(s.flightPort, 'ListActions', { ...two('Bearer bogus', 'Bearer bogus2'), messages: [Buffer.alloc(0)] })).status, Status.UNAUTHENTICATED);
    assert.ok(tok, `no Bearer token in the Handshake reply: ${JSON.stringify(hs.headers)} ${JSON.stringify(hs.trailers)}`);
    for (const values of [['Bearer bogus', GOOD], [GOOD, GOOD], [basicAuth('neo4j:wrong'), GOOD], [GOOD, 'Bearer bogus']]) {
      const r = await rawGrpcCall(s.flightPort, 'ListActions', { ...two(values[0], values[1]), messages: [Buffer.alloc(0)] });
      assert.equal(r.status, 0, `ListActions with ${values.join(' + ')}: grpc-status ${r.status} ${r.message}`);
      assert.ok(r.messages.length > 0, `ListActions with ${values.join(' + ')} returned no actions`);
    }
    const bad = await rawGrpcCall(s.flightPort, 'ListActions', { ...two('Bearer bogus', basicAuth('neo4j:wrong')), messages: [Buffer.alloc(0)] });
    assert.equal(bad.status, Status.UNAUTHENTICATED, `two bad values: grpc-status ${bad.status} ${bad.message}`);
  });

  it('the server keeps serving after a burst of refused calls', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) =>
      expectGrpcError(anon.listActions({ authorization: basicAuth('neo4j:bad' + i) }), Status.UNAUTHENTICATED)));
    await assertServerServes(s, { auth: 'neo4j:secret' });
  });
});
