// Nodestream against quiver's Neptune API: exactly what Nodestream 0.13 with nodestream-plugin-neptune
// 0.13.1 sends (query text byte for byte, `parameters` as json.dumps text, 150-row partitions sent at once
// over at most 10 keep-alive connections, node groups before relationship groups, TTL and migration
// queries), in database mode (ExecuteOpenCypherQuery) and analytics mode (ExecuteQuery), then the graph
// read back: no row lost, no ConcurrentModificationException however much the writes overlap.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe } from 'node:test';

import { startServer } from './lib/server.mjs';
import { serverTest } from './lib/harness.mjs';
import {
  cypher, NODESTREAM, nodestreamBatch, pyJsonDumps, executeQuery, ExecuteQueryCommand,
} from './lib/neptune.mjs';
import { NeptunedataClient, GetPropertygraphSummaryCommand } from '@aws-sdk/client-neptunedata';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
// aiobotocore's pool: at most 10 connections, kept alive.
const pool = () => new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 10 }) });
const PIPE = 'people-pipe';
const T0 = 1795317456.913938;

function personRows(n, t = T0) {
  return Array.from({ length: n }, (_, i) => ({
    __node_id: `Person_name:p${i}_ssn:${1000 + i}`,
    last_ingested_at: t,
    [`last_ingested_by_${PIPE}_at`]: t,
    [`was_ingested_by_${PIPE}`]: true,
    age: 20 + (i % 50),
  }));
}

function companyRows(n, t = T0) {
  return Array.from({ length: n }, (_, i) => ({
    __node_id: `Company_id:c${i}`, last_ingested_at: t, [`was_ingested_by_${PIPE}`]: true, name: `Company ${i}`,
  }));
}

function worksAtRows(np, nc, t = T0) {
  return Array.from({ length: np }, (_, i) => ({
    role: i % 3 ? 'eng' : 'ops', last_ingested_at: t, [`was_ingested_by_${PIPE}`]: true, since: 2000 + (i % 20),
    __from_node_id: `Person_name:p${i}_ssn:${1000 + i}`, __to_node_id: `Company_id:c${i % nc}`,
  }));
}

function knowsRows(np) {
  return Array.from({ length: np }, (_, i) => ({
    since: 2010 + (i % 10), last_ingested_at: T0,
    __from_node_id: `Person_name:p${i}_ssn:${1000 + i}`, __to_node_id: `Person_name:p${(i + 1) % np}_ssn:${1000 + ((i + 1) % np)}`,
  }));
}

describe('Nodestream replay, database mode', () => {
  let s;
  let db;
  before(async () => {
    s = await startServer({ threads: 2 });
    db = new NeptunedataClient({ endpoint: `http://127.0.0.1:${s.httpPort}`, region: 'us-east-1', credentials,
      requestHandler: pool() });
  });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);
  const NP = 1200;
  const NC = 40;

  it('node groups, then relationship groups, in 150-row partitions: every row lands', async () => {
    // one flush: all node groups at once, then relationships one shape at a time
    await Promise.all([
      nodestreamBatch(db, NODESTREAM.nodeUpsert('Person', 'Employee'), personRows(NP)),
      nodestreamBatch(db, NODESTREAM.nodeUpsert('Company'), companyRows(NC)),
    ]);
    await nodestreamBatch(db, NODESTREAM.relUpsert('Person', 'Company', 'WORKS_AT', 'role'), worksAtRows(NP, NC));
    await nodestreamBatch(db, NODESTREAM.relCreate('Person', 'Person', 'KNOWS', 'since'), knowsRows(NP));
    assert.deepEqual(await cypher(db, 'MATCH (n:Person) RETURN count(n) AS c'), [{ c: NP }]);
    assert.deepEqual(await cypher(db, 'MATCH (n:Employee) RETURN count(n) AS c'), [{ c: NP }]);
    assert.deepEqual(await cypher(db, 'MATCH (n:Company) RETURN count(n) AS c'), [{ c: NC }]);
    assert.deepEqual(await cypher(db, 'MATCH ()-[r:WORKS_AT]->() RETURN count(r) AS c'), [{ c: NP }]);
    assert.deepEqual(await cypher(db, 'MATCH ()-[r:KNOWS]->() RETURN count(r) AS c'), [{ c: NP }]);
    const [row] = await cypher(db, 'MATCH (n:Person {`~id`: $id}) RETURN n', { id: 'Person_name:p7_ssn:1007' });
    assert.equal(row.n['~id'], 'Person_name:p7_ssn:1007');
    assert.deepEqual([...row.n['~labels']].sort(), ['Employee', 'Person']);
    assert.deepEqual(row.n['~properties'], {
      last_ingested_at: T0, [`last_ingested_by_${PIPE}_at`]: T0, [`was_ingested_by_${PIPE}`]: true, age: 27,
    });
    const sum = (await db.send(new GetPropertygraphSummaryCommand({ mode: 'basic' }))).payload.graphSummary;
    assert.equal(sum.numNodes, NP + NC);
    assert.equal(sum.numEdges, 2 * NP);
    assert.deepEqual(sum.nodeLabelCounts, { Person: NP, Employee: NP, Company: NC });
    assert.deepEqual(sum.edgeLabelCounts, { WORKS_AT: NP, KNOWS: NP });
    assert.ok(sum.nodeProperties.some((p) => p.age === NP), JSON.stringify(sum.nodeProperties));
    const [r] = await cypher(db, 'MATCH (:Person {`~id`: "Person_name:p3_ssn:1003"})-[r:WORKS_AT]->(c) RETURN r, c.name AS name');
    assert.equal(r.name, 'Company 3');
    assert.deepEqual(r.r['~properties'], { role: 'ops', last_ingested_at: T0, [`was_ingested_by_${PIPE}`]: true, since: 2003 });
  });

  it('a second load merges (ON MATCH SET +=), N2 updates, WORKS_AT MERGE does not duplicate', async () => {
    const t1 = T0 + 3600.5;
    await nodestreamBatch(db, NODESTREAM.nodeUpsert('Person', 'Employee'), personRows(NP / 2, t1));
    await nodestreamBatch(db, NODESTREAM.nodeUpdate('Person'), [{ __node_id: 'Person_name:p1_ssn:1001', age: 99 }]);
    await nodestreamBatch(db, NODESTREAM.relUpsert('Person', 'Company', 'WORKS_AT', 'role'), worksAtRows(NP / 2, NC, t1));
    assert.deepEqual(await cypher(db, 'MATCH (n:Person) RETURN count(n) AS c'), [{ c: NP }]);
    assert.deepEqual(await cypher(db, 'MATCH ()-[r:WORKS_AT]->() RETURN count(r) AS c'), [{ c: NP }]);
    assert.deepEqual(await cypher(db, 'MATCH (n:Person) WHERE n.last_ingested_at = $t RETURN count(n) AS c', { t: t1 }), [{ c: NP / 2 }]);
    assert.deepEqual(await cypher(db, 'MATCH (n:Person {`~id`: "Person_name:p1_ssn:1001"}) RETURN n.age AS age'), [{ age: 99 }]);
  });

  it('TTL queries delete what is older than earliest_allowed_time; migrations record themselves', async () => {
    await cypher(db, NODESTREAM.ttlRels('KNOWS'), { earliest_allowed_time: T0 + 1 });
    await cypher(db, NODESTREAM.ttlNodes('Person'), { earliest_allowed_time: T0 + 1 });
    assert.deepEqual(await cypher(db, 'MATCH (n:Person) RETURN count(n) AS c'), [{ c: NP / 2 }]);
    assert.deepEqual(await cypher(db, 'MATCH ()-[r:KNOWS]->() RETURN count(r) AS c'), [{ c: 0 }]);
    assert.deepEqual(await cypher(db, 'MATCH ()-[r:WORKS_AT]->() RETURN count(r) AS c'), [{ c: NP / 2 }]);
    await cypher(db, 'MERGE (:__NodestreamMigration__ {name: $name})', { name: '0001_init' });
    await cypher(db, 'MERGE (:__NodestreamMigration__ {name: $name})', { name: '0001_init' });
    assert.deepEqual(await cypher(db, 'MATCH (m:__NodestreamMigration__) RETURN m.name as name', {}), [{ name: '0001_init' }]);
  });

  it('10 connections writing overlapping nodes: no errors, every write committed', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `Hot_id:${i}`);
    const writers = Array.from({ length: 10 }, async (_, w) => {
      for (let round = 0; round < 5; round++) {
        const rows = ids.map((id, i) => ({ __node_id: id, [`w${w}`]: round, last: w * 100 + round, n: i }));
        await nodestreamBatch(db, NODESTREAM.nodeUpsert('Hot'), rows);
      }
    });
    await Promise.all(writers);
    assert.deepEqual(await cypher(db, 'MATCH (n:Hot) RETURN count(n) AS c'), [{ c: 150 }]);
    // every writer's last round reached every node
    const rows = await cypher(db, 'MATCH (n:Hot) RETURN n.w0 AS a, n.w9 AS b ORDER BY n.n LIMIT 3');
    for (const r of rows) assert.deepEqual(r, { a: 4, b: 4 });
  });
});

describe('Nodestream replay, analytics mode', () => {
  let s;
  before(async () => { s = await startServer({ threads: 2 }); });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('ExecuteQuery with parameters as an object, the payload closed unread', async () => {
    const na = new NeptuneGraphClient({ endpoint: `http://127.0.0.1:${s.httpPort}`, region: 'us-east-1', credentials,
      disableHostPrefix: true, requestHandler: pool() });
    const send = (query, rows) => {
      const parts = [];
      for (let i = 0; i < rows.length; i += 150) parts.push(rows.slice(i, i + 150));
      return Promise.all(parts.map(async (p) => {
        const out = await na.send(new ExecuteQueryCommand({ graphIdentifier: 'neo4j', queryString: query,
          language: 'OPEN_CYPHER', parameters: { params: p } }));
        out.payload.destroy();   // Nodestream closes the response without reading it
      }));
    };
    await Promise.all([
      send(NODESTREAM.nodeUpsert('Person'), personRows(900)),
      send(NODESTREAM.nodeUpsert('Company'), companyRows(30)),
    ]);
    await send(NODESTREAM.relUpsert('Person', 'Company', 'WORKS_AT', 'role'), worksAtRows(900, 30));
    const r = await executeQuery(na, { graphIdentifier: 'neo4j',
      queryString: 'MATCH (p:Person)-[r:WORKS_AT]->(c:Company) RETURN count(DISTINCT p) AS p, count(r) AS r, count(DISTINCT c) AS c' });
    assert.deepEqual(r.json, { results: [{ p: 900, r: 900, c: 30 }] });
    assert.equal(pyJsonDumps({ a: [1, 'x'] }), '{"a": [1, "x"]}');
  });
});
