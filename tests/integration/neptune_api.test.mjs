// The Neptune HTTP API through the real AWS SDKs and curl: every request encoding of the openCypher
// endpoint, results as Neptune writes them, errors with Neptune's codes and statuses (as the SDKs surface
// them), query status, cancellation and time limits, streamed results and clients that hang up, fast
// reset, and Neptune Analytics' /queries with the graph named by header or host prefix.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe } from 'node:test';

import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';

import { startServer, SLOW } from './lib/server.mjs';
import { serverTest, sleep } from './lib/harness.mjs';
import {
  dataClient, graphClient, cypher, executeQuery, expectSdkError, curl,
  ExecuteOpenCypherQueryCommand, ExecuteOpenCypherExplainQueryCommand, GetEngineStatusCommand,
  ListOpenCypherQueriesCommand, GetOpenCypherQueryStatusCommand, CancelOpenCypherQueryCommand,
  ExecuteFastResetCommand, ListQueriesCommand, CancelQueryCommand, GetQueryCommand,
  CreateGraphCommand, ListGraphsCommand, GetGraphCommand, DeleteGraphCommand, GetGraphSummaryCommand,
} from './lib/neptune.mjs';

// Long enough to be cancelled or timed out, whatever the engine's speed.
const LONG = 'UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*)';

async function waitFor(fn, what, ms = 5000 * SLOW) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('Neptune HTTP API', () => {
  let s;
  let db;
  before(async () => {
    s = await startServer({ threads: 2 });
    db = dataClient(s.httpPort);
  });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('ExecuteOpenCypherQuery returns rows keyed by column, parameters as a JSON string', async () => {
    const rows = await cypher(db, 'RETURN $x AS x, $y AS y', { x: [1, 'a', { b: true }], y: 2.5 });
    assert.deepEqual(rows, [{ x: [1, 'a', { b: true }], y: 2.5 }]);
    assert.deepEqual(await cypher(db, 'RETURN 1'), [{ 1: 1 }]);
  });

  it('curl: form POST /openCypher, GET with a query string, application/opencypher, JSON with an object', async () => {
    let r = await curl(s.httpPort, '/openCypher', ['-d', 'query=RETURN $n AS n', '--data-urlencode', 'parameters={"n": 7}']);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { results: [{ n: 7 }] });
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.ok(r.headers['x-amzn-requestid']);
    r = await curl(s.httpPort, `/openCypher?query=${encodeURIComponent('RETURN $n AS n')}&parameters=${encodeURIComponent('{"n":"x"}')}`);
    assert.deepEqual(r.json, { results: [{ n: 'x' }] });
    r = await curl(s.httpPort, `/OPENCYPHER?parameters=${encodeURIComponent('{"n":[1,2]}')}`,
      ['-H', 'Content-Type: application/opencypher', '--data-binary', 'RETURN $n AS n']);
    assert.deepEqual(r.json, { results: [{ n: [1, 2] }] });
    r = await curl(s.httpPort, '/opencypher', ['-H', 'Content-Type: application/json',
      '-d', JSON.stringify({ query: 'RETURN $n AS n', parameters: { n: null } })]);
    assert.deepEqual(r.json, { results: [{ n: null }] });
    r = await curl(s.httpPort, '/openCypher', ['-d', 'query=USING QUERY: PLANCACHE "disabled"\nRETURN 3']);
    assert.deepEqual(r.json, { results: [{ 3: 3 }] }, r.body);
  });

  it('a syntax error is MalformedQueryException 400 with Neptune\'s body and headers', async () => {
    const e = await expectSdkError(cypher(db, 'MATCH (n RETURN n'), 'MalformedQueryException', { status: 400 });
    assert.ok(e.$metadata.requestId, 'x-amzn-RequestId is read into $metadata.requestId');
    assert.ok(e.detailedMessage && e.detailedMessage.length > 0);
    const r = await curl(s.httpPort, '/openCypher', ['-d', 'query=MATCH (n RETURN n']);
    assert.equal(r.status, 400);
    assert.equal(r.headers['x-amzn-errortype'], 'MalformedQueryException');
    assert.deepEqual(Object.keys(r.json).sort(), ['code', 'detailedMessage', 'message', 'requestId']);
    assert.equal(r.json.requestId, r.headers['x-amzn-requestid']);
  });

  it('bad requests are 4xx: no query, parameters that are not JSON, an unknown path, a body over 150 MiB', async () => {
    await expectSdkError(db.send(new ExecuteOpenCypherQueryCommand({ openCypherQuery: 'RETURN $a AS a', parameters: '{nope' })),
      'BadRequestException', { status: 400 });
    let r = await curl(s.httpPort, '/openCypher', ['-d', 'parameters={}']);
    assert.equal(r.status, 400);
    assert.equal(r.json.code, 'MissingParameterException');
    r = await curl(s.httpPort, '/gremlin', ['-d', 'x']);
    assert.equal(r.status, 404);
    r = await curl(s.httpPort, '/openCypher', ['-H', 'Content-Length: 157286401', '-H', 'Content-Type: application/opencypher',
      '--data-binary', 'RETURN 1']);
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json.code, 'BadRequestException');
    assert.match(r.json.detailedMessage, /157286400/);
  });

  it('a missing parameter and a constraint violation get their own codes', async () => {
    await expectSdkError(cypher(db, 'RETURN $nope AS x', {}), 'MissingParameterException', { status: 400 });
    await cypher(db, 'CREATE (:CvA {`~id`: "cv-a"})-[:CV_R]->(:CvB {`~id`: "cv-b"})');
    await expectSdkError(cypher(db, 'MATCH (n:CvA) DELETE n'), 'ConstraintViolationException', { status: 400 });
    assert.deepEqual(await cypher(db, 'MATCH (n:CvA) RETURN count(n) AS c'), [{ c: 1 }]);
    await cypher(db, 'MATCH (n) WHERE n:CvA OR n:CvB DETACH DELETE n');
  });

  it('an update without RETURN answers no rows; an existing ~id is DuplicateDataException; PUT is 405', async () => {
    assert.deepEqual(await cypher(db, 'UNWIND [1, 2] AS i CREATE ({`~id`: "dup-" + toString(i)})'), []);
    await expectSdkError(cypher(db, 'CREATE ({`~id`: "dup-1"})'), 'DuplicateDataException', { status: 400 });
    await expectSdkError(cypher(db, 'RETURN range(1, 2000000000) AS r'), 'InvalidArgumentException', { status: 400 });
    const r = await curl(s.httpPort, '/openCypher', ['-X', 'PUT', '-d', 'query=RETURN 1']);
    assert.equal(r.status, 405);
    assert.equal(r.json.code, 'MethodNotAllowedException');
    await cypher(db, 'MATCH (n) WHERE n.`~id` STARTS WITH "dup-" DELETE n');
    await cypher(db, 'MATCH (n) DETACH DELETE n');
  });

  it('nodes, relationships and paths are written as Neptune writes them', async () => {
    await cypher(db, 'CREATE (:Airport {`~id`: "22", code: "SEA", runways: 3})-[:route {dist: 956}]->(:Airport {`~id`: "151", code: "ANC"})');
    const [row] = await cypher(db, 'MATCH p = (a {`~id`: "22"})-[r]->(b) RETURN a, r, p');
    assert.deepEqual(row.a, { '~id': '22', '~entityType': 'node', '~labels': ['Airport'], '~properties': { code: 'SEA', runways: 3 } });
    assert.equal(row.r['~entityType'], 'relationship');
    assert.equal(row.r['~start'], '22');
    assert.equal(row.r['~end'], '151');
    assert.equal(row.r['~type'], 'route');
    assert.equal(typeof row.r['~id'], 'string');
    assert.deepEqual(row.r['~properties'], { dist: 956 });
    assert.equal(row.p.length, 3);
    assert.deepEqual(row.p[0], row.a);
    assert.deepEqual(row.p[1], row.r);
    assert.equal(row.p[2]['~id'], '151');
    await cypher(db, 'MATCH (n:Airport) DETACH DELETE n');
  });

  it('a long result is streamed chunked, complete and in order', async () => {
    const n = 200000;
    const res = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.httpPort, path: '/openCypher', method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (rsp) => {
        const chunks = [];
        rsp.on('data', (c) => chunks.push(c));
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
  });

  it('with TE: trailers, results are chunked and end with X-Neptune-Status (and the error, mid-stream)', async () => {
    const get = (query) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.httpPort, path: '/openCypher', method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', te: 'trailers' } }, (rsp) => {
        const chunks = [];
        rsp.on('data', (c) => chunks.push(c));
        rsp.on('end', () => resolve({ status: rsp.statusCode, headers: rsp.headers, trailers: rsp.trailers,
          text: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(`query=${encodeURIComponent(query)}`);
    });
    let r = await get('RETURN 1 AS x');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.deepEqual(JSON.parse(r.text), { results: [{ x: 1 }] });
    assert.equal(r.trailers['x-neptune-status'], '200 OK');
    r = await get('UNWIND range(1, 30000) AS i RETURN 10 / (i - 20000) AS x');
    assert.equal(r.status, 200);
    assert.match(r.trailers['x-neptune-status'], /^400 /);
    const detail = JSON.parse(decodeURIComponent(r.trailers['x-neptune-detail']));
    assert.equal(detail.code, r.trailers['x-neptune-status'].slice(4));
    assert.ok(r.text.endsWith(JSON.stringify(detail)), 'the error document also ends the body');
    r = await get('RETURN (');   /* an error before any row: a plain error response */
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.text).code, 'MalformedQueryException');
  });

  it('a client that hangs up mid-result stops the query', async () => {
    await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.httpPort, path: '/openCypher', method: 'POST',
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

  it('running queries are listed, inspected and cancelled (CancelledByUserException)', async () => {
    const running = cypher(db, LONG).then(() => null, (e) => e);
    const q = await waitFor(async () => (await db.send(new ListOpenCypherQueriesCommand({ includeWaiting: true }))).queries?.[0],
      'the query to be listed');
    assert.equal(q.queryString, LONG);
    const st = await db.send(new GetOpenCypherQueryStatusCommand({ queryId: q.queryId }));
    assert.equal(st.queryId, q.queryId);
    assert.equal(typeof st.queryEvalStats.elapsed, 'number');
    const c = await db.send(new CancelOpenCypherQueryCommand({ queryId: q.queryId }));
    assert.equal(c.status, '200 OK');
    const e = await running;
    assert.ok(e, 'the cancelled query succeeded');
    assert.equal(e.name, 'CancelledByUserException');
    await expectSdkError(db.send(new GetOpenCypherQueryStatusCommand({ queryId: q.queryId })), 'InvalidParameterException');
  });

  it('graph-notebook forms: explain=, POST /openCypher/status with cancelQuery, form-encoded /queries', async () => {
    let r = await curl(s.httpPort, '/openCypher', ['-d', 'query=MATCH (n) RETURN n', '-d', 'explain=static']);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain/);
    assert.ok(r.body.length > 0);
    r = await curl(s.httpPort, '/queries', ['-H', 'graphIdentifier: neo4j', '-d', 'query=RETURN 5 AS five', '-d', 'language=opencypher']);
    assert.deepEqual(r.json, { results: [{ five: 5 }] });
    const running = cypher(db, LONG).then(() => null, (e) => e);
    const q = await waitFor(async () => (await curl(s.httpPort, '/openCypher/status', ['-d', 'includeWaiting=true'])).json?.queries?.[0],
      'the query to be listed by the form endpoint');
    r = await curl(s.httpPort, '/openCypher/status', ['-d', `queryId=${q.queryId}`]);
    assert.equal(r.json.queryId, q.queryId);
    r = await curl(s.httpPort, '/openCypher/status', ['-d', `queryId=${q.queryId}`, '-d', 'cancelQuery=true']);
    assert.equal(r.status, 200, r.body);
    assert.equal((await running)?.name, 'CancelledByUserException');
  });

  it('GetEngineStatus has a numeric dbEngineVersion; explain answers text; fast reset empties the database', async () => {
    const st = await db.send(new GetEngineStatusCommand({}));
    assert.equal(st.status, 'healthy');
    assert.match(st.dbEngineVersion, /^\d+\.\d+\.\d+\.\d+/);
    assert.equal(st.opencypher.version, 'Neptune-9.0.20190305-1.0');
    const ex = await db.send(new ExecuteOpenCypherExplainQueryCommand({ openCypherQuery: 'MATCH (n) RETURN n', explainMode: 'static' }));
    assert.ok(Buffer.from(ex.results).toString().length > 0);
    await cypher(db, 'UNWIND range(1, 10) AS i CREATE (:Reset {i: i})');
    const t = await db.send(new ExecuteFastResetCommand({ action: 'initiateDatabaseReset' }));
    assert.ok(t.payload.token);
    await expectSdkError(db.send(new ExecuteFastResetCommand({ action: 'performDatabaseReset', token: 'wrong' })),
      'InvalidParameterException', { status: 400 });
    await db.send(new ExecuteFastResetCommand({ action: 'performDatabaseReset', token: t.payload.token }));
    assert.deepEqual(await cypher(db, 'MATCH (n) RETURN count(n) AS c'), [{ c: 0 }]);
  });

  it('Neptune Analytics ExecuteQuery: header, host prefix, unknown graph, timeout, list and cancel', async () => {
    const na = graphClient(s.httpPort);
    let r = await executeQuery(na, { graphIdentifier: 'neo4j', queryString: 'RETURN $a AS a', parameters: { a: { b: [1] } } });
    assert.deepEqual(r.json, { results: [{ a: { b: [1] } }] });
    r = await executeQuery(graphClient(s.httpPort, { hostPrefix: true }), { graphIdentifier: 'neo4j', queryString: 'RETURN 1' });
    assert.deepEqual(r.json, { results: [{ 1: 1 }] });
    const c = await curl(s.httpPort, '/queries', ['-H', 'Host: neo4j.localhost', '-H', 'Content-Type: application/json',
      '-d', '{"query":"RETURN 2","language":"OPEN_CYPHER"}']);
    assert.deepEqual(c.json, { results: [{ 2: 2 }] });
    await expectSdkError(executeQuery(na, { graphIdentifier: 'g-0123456789', queryString: 'RETURN 1' }),
      'ResourceNotFoundException', { status: 404 });
    await expectSdkError(executeQuery(na, { graphIdentifier: 'neo4j', queryString: 'RETURN (' }), 'ValidationException', { status: 400 });
    const e = await expectSdkError(executeQuery(na, { graphIdentifier: 'neo4j', queryString: LONG, queryTimeoutMilliseconds: 200 }),
      'UnprocessableException', { status: 422 });
    assert.equal(e.reason, 'QUERY_TIMEOUT');
    const running = executeQuery(na, { graphIdentifier: 'neo4j', queryString: LONG }).then(() => null, (x) => x);
    const q = await waitFor(async () => (await na.send(new ListQueriesCommand({ graphIdentifier: 'neo4j', maxResults: 10 }))).queries?.[0],
      'the analytics query to be listed');
    assert.equal(q.queryString, LONG);
    const g = await na.send(new GetQueryCommand({ graphIdentifier: 'neo4j', queryId: q.id }));
    assert.equal(g.id, q.id);
    assert.equal(g.state, 'RUNNING');
    assert.equal(typeof g.elapsed, 'number');
    await na.send(new CancelQueryCommand({ graphIdentifier: 'neo4j', queryId: q.id }));
    const x = await running;
    assert.ok(x && x.name === 'ValidationException' && x.reason === 'QUERY_CANCELLED', `got ${x && x.name}`);
    await expectSdkError(na.send(new GetQueryCommand({ graphIdentifier: 'neo4j', queryId: q.id })), 'ResourceNotFoundException', { status: 404 });
  });

  it('the control plane creates, lists, gets and deletes graphs that ExecuteQuery then names', async () => {
    const na = graphClient(s.httpPort);
    const g = await na.send(new CreateGraphCommand({ graphName: 'cp-mem', provisionedMemory: 16 }));
    assert.equal(g.id, 'cp-mem');
    assert.equal(g.status, 'AVAILABLE');
    const d = await na.send(new CreateGraphCommand({ graphName: 'cp-durable', provisionedMemory: 16,
      tags: { 'quiver:durable': 'true' } }));
    assert.equal(d.name, 'cp-durable');
    await expectSdkError(na.send(new CreateGraphCommand({ graphName: 'cp-mem', provisionedMemory: 16 })), 'ConflictException', { status: 409 });
    await expectSdkError(na.send(new CreateGraphCommand({ graphName: '1 bad', provisionedMemory: 16 })), 'ValidationException', { status: 400 });
    const names = (await na.send(new ListGraphsCommand({}))).graphs.map((x) => x.name).sort();
    assert.deepEqual(names, ['cp-durable', 'cp-mem', 'neo4j']);
    assert.equal((await na.send(new GetGraphCommand({ graphIdentifier: 'cp-mem' }))).status, 'AVAILABLE');
    const st = await db.send(new GetEngineStatusCommand({}));
    assert.equal(st.$metadata.httpStatusCode, 200);
    const r = await executeQuery(na, { graphIdentifier: 'cp-mem', queryString: 'RETURN 1' });
    assert.deepEqual(r.json, { results: [{ 1: 1 }] });
    const sum = await na.send(new GetGraphSummaryCommand({ graphIdentifier: 'cp-mem', mode: 'BASIC' }));
    assert.equal(sum.graphSummary.numNodes, 0);
    assert.equal((await na.send(new DeleteGraphCommand({ graphIdentifier: 'cp-mem', skipSnapshot: true }))).status, 'DELETING');
    await na.send(new DeleteGraphCommand({ graphIdentifier: 'cp-durable', skipSnapshot: true }));
    await expectSdkError(na.send(new GetGraphCommand({ graphIdentifier: 'cp-mem' })), 'ResourceNotFoundException', { status: 404 });
    await expectSdkError(na.send(new DeleteGraphCommand({ graphIdentifier: 'neo4j', skipSnapshot: true })), 'ValidationException');
    await expectSdkError(executeQuery(na, { graphIdentifier: 'cp-mem', queryString: 'RETURN 1' }), 'ResourceNotFoundException');
  });
});

describe('Neptune HTTP API with --query-timeout', () => {
  let s;
  before(async () => { s = await startServer({ threads: 2, extraArgs: ['--query-timeout', '300ms'] }); });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('a query past the limit is TimeLimitExceededException (500) and writes nothing', async () => {
    const db = dataClient(s.httpPort);
    await expectSdkError(cypher(db, LONG), 'TimeLimitExceededException', { status: 500 });
    await expectSdkError(cypher(db, 'UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b CREATE (:T {i: b})'), 'TimeLimitExceededException');
    assert.deepEqual(await cypher(db, 'MATCH (n:T) RETURN count(n) AS c'), [{ c: 0 }]);
  });
});

describe('Neptune HTTP API with --query-memory', () => {
  let s;
  before(async () => { s = await startServer({ threads: 2, extraArgs: ['--query-memory', '1MiB'] }); });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('a query over its memory budget is MemoryLimitExceededException and the server keeps serving', async () => {
    const db = dataClient(s.httpPort);
    await expectSdkError(cypher(db, 'UNWIND range(1, 1000000) AS i RETURN collect(i) AS c'), 'MemoryLimitExceededException', { status: 500 });
    const e = await expectSdkError(executeQuery(graphClient(s.httpPort), { graphIdentifier: 'neo4j',
      queryString: 'UNWIND range(1, 1000000) AS i RETURN collect(i) AS c' }), 'UnprocessableException', { status: 422 });
    assert.equal(e.reason, 'MEMORY_LIMIT_EXCEEDED');
    assert.deepEqual(await cypher(db, 'RETURN 1 AS one'), [{ one: 1 }]);
  });
});

describe('Neptune HTTP API with --iam-credentials (SigV4)', () => {
  let s;
  const good = { accessKeyId: 'AKIDQUIVER', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  before(async () => { s = await startServer({ threads: 2, extraArgs: ['--iam-credentials', `${good.accessKeyId}:${good.secretAccessKey}`] }); });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('signed SDK calls pass, in any region, with query strings, path ids and host prefixes', async () => {
    const db = dataClient(s.httpPort, { credentials: good, region: 'eu-west-3' });
    assert.deepEqual(await cypher(db, 'RETURN $p AS p', { p: 'a b&c=d/é' }), [{ p: 'a b&c=d/é' }]);
    assert.equal((await db.send(new GetEngineStatusCommand({}))).features.IAMAuthentication, 'enabled');
    assert.equal((await db.send(new ListOpenCypherQueriesCommand({ includeWaiting: true }))).runningQueryCount, 0);
    await expectSdkError(db.send(new GetOpenCypherQueryStatusCommand({ queryId: 'no such/id' })), 'InvalidParameterException');
    const na = graphClient(s.httpPort, { credentials: good, hostPrefix: true });
    const r = await executeQuery(na, { graphIdentifier: 'neo4j', queryString: 'RETURN 1 AS one' });
    assert.deepEqual(r.json, { results: [{ one: 1 }] });
    assert.ok((await na.send(new ListQueriesCommand({ graphIdentifier: 'neo4j', maxResults: 5, state: 'ALL' }))).queries);
  });

  it('unsigned, wrongly signed and foreign-key requests are AccessDeniedException 403', async () => {
    const r = await curl(s.httpPort, '/openCypher', ['-d', 'query=RETURN 1']);
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'AccessDeniedException');
    await expectSdkError(cypher(dataClient(s.httpPort, { credentials: { ...good, secretAccessKey: 'wrong' } }), 'RETURN 1'),
      'AccessDeniedException', { status: 403 });
    await expectSdkError(cypher(dataClient(s.httpPort, { credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: good.secretAccessKey } }), 'RETURN 1'),
      'AccessDeniedException', { status: 403 });
    await expectSdkError(executeQuery(graphClient(s.httpPort, { credentials: { ...good, secretAccessKey: 'x' } }),
      { graphIdentifier: 'neo4j', queryString: 'RETURN 1' }), 'AccessDeniedException', { status: 403 });
  });

  // Presigned URLs as the SDK's presigner (@smithy/signature-v4) makes them: the signature in the query string.
  async function presigned(creds, { method = 'GET', query, body, expiresIn = 300, signingDate, tamper } = {}) {
    const signer = new SignatureV4({ service: 'neptune-db', region: 'us-west-2', credentials: creds, sha256: Sha256 });
    const headers = { host: `127.0.0.1:${s.httpPort}` };
    if (body) headers['content-type'] = 'application/json';
    const req = await signer.presign({ method, protocol: 'http:', hostname: '127.0.0.1', port: s.httpPort, path: '/openCypher',
      query: query ? { query } : {}, headers, body }, { expiresIn, signingDate });
    const q = { ...req.query, ...(tamper || {}) };
    const path = '/openCypher?' + Object.entries(q).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port: s.httpPort, path, method, headers: req.headers }, (res) => {
        let t = '';
        res.on('data', (c) => { t += c; });
        res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(t) }));
      });
      r.on('error', reject);
      r.end(body);
    });
  }

  it('presigned URLs (query-string SigV4) pass; tampered, expired and foreign-key ones are 403', async () => {
    let r = await presigned(good, { query: 'RETURN 1 AS one' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { results: [{ one: 1 }] });
    r = await presigned(good, { method: 'POST', body: JSON.stringify({ query: 'RETURN "a b&c" AS two' }) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { results: [{ two: 'a b&c' }] });
    for (const bad of [
      { query: 'RETURN 1 AS one', tamper: { query: 'RETURN 2 AS one' } },
      { query: 'RETURN 1 AS one', signingDate: new Date(Date.now() - 3600e3), expiresIn: 60 },
      { query: 'RETURN 1 AS one', tamper: { 'X-Amz-Expires': '999999' } },
      { method: 'POST', body: JSON.stringify({ query: 'RETURN 1' }), tamper: { 'X-Amz-Signature': '0'.repeat(64) } },
    ]) {
      r = await presigned(good, bad);
      assert.equal(r.status, 403, JSON.stringify(bad));
      assert.equal(r.json.code, 'AccessDeniedException');
    }
    r = await presigned({ ...good, secretAccessKey: 'wrong' }, { query: 'RETURN 1' });
    assert.equal(r.status, 403);
  });
});
