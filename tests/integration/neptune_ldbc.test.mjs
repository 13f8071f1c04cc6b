// A Nodestream replay of LDBC SNB SF0.1 (../shared/datasets/ldbc-snb-sf0.1) into quiver's Neptune API, in
// both modes: what Nodestream 0.13 + nodestream-plugin-neptune 0.13.1 sends for a pipeline mapping persons,
// forums, posts, comments and their relationships (N1/R1 query text byte for byte, json.dumps parameters,
// 150-row partitions, a flush's partitions sent at once over at most 10 keep-alive connections, node groups
// before relationship groups, one relationship shape at a time), then counts by label and type compared with
// the source files: no row may be lost. By default the first rows of each file are loaded (all of them with
// QUIVER_LDBC_FULL=1).

import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { after, before, describe } from 'node:test';

import { startServer, SANITIZED } from './lib/server.mjs';
import { serverTest } from './lib/harness.mjs';
import { cypher, NODESTREAM, pyJsonDumps, ExecuteOpenCypherQueryCommand, ExecuteQueryCommand } from './lib/neptune.mjs';
import { NeptunedataClient } from '@aws-sdk/client-neptunedata';
import { NeptuneGraphClient } from '@aws-sdk/client-neptune-graph';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const DIR = process.env.QUIVER_LDBC_DIR || fileURLToPath(new URL('../../../shared/datasets/ldbc-snb-sf0.1', import.meta.url));
const skip = existsSync(`${DIR}/Person.csv.gz`) ? false : `data set not found in ${DIR}`;
const PIPE = 'ldbc';
const NOW = 1795317456.913938;
// Rows per type: everything with QUIVER_LDBC_FULL=1 (~300 K nodes, ~770 K relationship rows: minutes in a
// Debug build), else the first rows of each file (smaller still under sanitizers), to stay under a minute.
const FULL = ['1', 'true', 'yes'].includes(String(process.env.QUIVER_LDBC_FULL || '').toLowerCase());
const LIMIT = FULL ? { Person: Infinity, Forum: Infinity, Post: Infinity, Comment: Infinity }
  : SANITIZED ? { Person: Infinity, Forum: 800, Post: 3000, Comment: 3000 }
    : { Person: Infinity, Forum: Infinity, Post: 15000, Comment: 15000 };
// Relationship rows whose endpoints were not loaded (subsets only): Nodestream's MATCH skips them silently;
// this many per shape are still sent to show it.
const DANGLING_SENT = 300;
const FLUSH = 1500;   // records per flush: 10 partitions of 150 in flight at once

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
const pool = () => new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 10 }) });

function readCsv(name) {
  const text = gunzipSync(readFileSync(`${DIR}/${name}.csv.gz`)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length);
  let header = lines[0].split('|');
  let body = lines;
  if (header.some((h) => h.includes(':'))) body = lines.slice(1); else header = null;   // *_1 files have no header
  return { header, rows: body.map((l) => l.split('|')) };
}

function value(type, s) {
  if (type === 'LONG' || type === 'INT') return BigInt(s);
  return s;
}

const NODE_FILES = ['Person', 'Forum', 'Post', 'Comment'];
// file(s), from label, to label, relationship type
const REL_FILES = [
  [['Person_knows_Person', 'Person_knows_Person_1'], 'Person', 'Person', 'KNOWS'],
  [['Forum_hasMember_Person'], 'Forum', 'Person', 'HAS_MEMBER'],
  [['Forum_hasModerator_Person'], 'Forum', 'Person', 'HAS_MODERATOR'],
  [['Forum_containerOf_Post'], 'Forum', 'Post', 'CONTAINER_OF'],
  [['Post_hasCreator_Person'], 'Post', 'Person', 'HAS_CREATOR'],
  [['Comment_hasCreator_Person', 'Comment_hasCreator_Person_1'], 'Comment', 'Person', 'HAS_CREATOR'],
  [['Comment_replyOf_Post'], 'Comment', 'Post', 'REPLY_OF'],
  [['Comment_replyOf_Comment'], 'Comment', 'Comment', 'REPLY_OF'],
  [['Person_likes_Post', 'Person_likes_Post_1'], 'Person', 'Post', 'LIKES'],
];

// The records Nodestream would send, and what the graph must hold afterwards (read once for both suites).
let loaded = null;
function load() {
  if (!loaded) loaded = readAll();
  return loaded;
}

function readAll() {
  const nodes = {};
  const ids = {};
  for (const type of NODE_FILES) {
    const { header, rows } = readCsv(type);
    const cols = header.map((h) => h.split(':'));
    const out = [];
    for (const r of rows.slice(0, LIMIT[type] === Infinity ? rows.length : LIMIT[type])) {
      const row = { __node_id: `${type}_id:${r[0]}` };
      for (let i = 1; i < cols.length; i++) row[cols[i][0]] = value(cols[i][1], r[i]);
      row.last_ingested_at = NOW;
      row[`last_ingested_by_${PIPE}_at`] = NOW;
      row[`was_ingested_by_${PIPE}`] = true;
      out.push(row);
    }
    nodes[type] = out;
    ids[type] = new Set(out.map((x) => x.__node_id));
  }
  const rels = [];
  const expectedTypes = {};
  for (const [files, from, to, type] of REL_FILES) {
    const out = [];
    const seen = new Set();
    let header = null;
    let dangling = 0;
    for (const f of files) {
      const csv = readCsv(f);
      header = csv.header || header;
      const cols = header.map((h) => h.split(':'));
      for (const r of csv.rows) {
        const row = {};
        for (let i = 2; i < cols.length; i++) row[cols[i][0]] = value(cols[i][1], r[i]);
        row.last_ingested_at = NOW;
        row.__from_node_id = `${from}_id:${r[0]}`;
        row.__to_node_id = `${to}_id:${r[1]}`;
        if (ids[from].has(row.__from_node_id) && ids[to].has(row.__to_node_id)) {
          seen.add(`${row.__from_node_id}|${row.__to_node_id}`);
          out.push(row);
        } else if (FULL || dangling++ < DANGLING_SENT) {
          out.push(row);
        }
      }
    }
    rels.push({ from, to, type, rows: out });
    expectedTypes[type] = (expectedTypes[type] || 0) + seen.size;   // MERGE: one per endpoint pair
  }
  return { nodes, rels, expectedTypes };
}

// One Nodestream flush: every partition of the group at once.
async function flush(send, query, rows) {
  const parts = [];
  for (let i = 0; i < rows.length; i += NODESTREAM.partition) parts.push(rows.slice(i, i + NODESTREAM.partition));
  await Promise.all(parts.map((p) => send(query, p)));
}

async function replay(send, data) {
  const t0 = Date.now();
  let nrows = 0;
  // node groups of a flush go concurrently; here each flush holds FLUSH records of one file, files in turn
  for (const type of NODE_FILES) {
    const rows = data.nodes[type];
    for (let i = 0; i < rows.length; i += FLUSH) await flush(send, NODESTREAM.nodeUpsert(type), rows.slice(i, i + FLUSH));
    nrows += rows.length;
  }
  const tn = Date.now();
  let nrels = 0;
  for (const { from, to, type, rows } of data.rels) {
    for (let i = 0; i < rows.length; i += FLUSH) await flush(send, NODESTREAM.relUpsertNoKey(from, to, type), rows.slice(i, i + FLUSH));
    nrels += rows.length;
  }
  const tr = Date.now();
  console.log(`# LDBC replay: ${nrows} node rows in ${tn - t0} ms (${Math.round(nrows / ((tn - t0) / 1000))}/s), ` +
    `${nrels} relationship rows in ${tr - tn} ms (${Math.round(nrels / ((tr - tn) / 1000))}/s)`);
}

async function check(db, data, graphCypher) {
  for (const type of NODE_FILES) {
    assert.deepEqual(await graphCypher(`MATCH (n:${type}) RETURN count(n) AS c`), [{ c: data.nodes[type].length }], `${type} nodes`);
  }
  for (const [type, n] of Object.entries(data.expectedTypes)) {
    assert.deepEqual(await graphCypher(`MATCH ()-[r:${type}]->() RETURN count(r) AS c`), [{ c: n }], `${type} relationships`);
  }
  const p = data.nodes.Person[0];
  const [row] = await graphCypher('MATCH (n:Person {`~id`: $id}) RETURN n.firstName AS f, n.creationDate = $cd AS same, n.id AS id',
    { id: p.__node_id, cd: p.creationDate });
  assert.deepEqual(row, { f: p.firstName, same: true, id: null });
}

describe('LDBC SF0.1 through Nodestream, database mode', { skip }, () => {
  let s;
  let data;
  before(async () => { s = await startServer({ threads: 2 }); data = load(); });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('loads persons, forums, posts, comments and their relationships; counts match the source', { timeout: 300000 }, async () => {
    const db = new NeptunedataClient({ endpoint: `http://127.0.0.1:${s.httpPort}`, region: 'us-east-1', credentials, requestHandler: pool() });
    await replay((query, rows) => db.send(new ExecuteOpenCypherQueryCommand({ openCypherQuery: query,
      parameters: pyJsonDumps({ params: rows }) })), data);
    const q = async (text, params) => {
      const out = await db.send(new ExecuteOpenCypherQueryCommand({ openCypherQuery: text, parameters: params ? pyJsonDumps(params) : undefined }));
      return out.results;
    };
    await check(db, data, q);
    assert.deepEqual(await cypher(db, NODESTREAM.ttlNodes('Comment'), { earliest_allowed_time: NOW + 1 }), []);
    assert.deepEqual(await q('MATCH (n:Comment) RETURN count(n) AS c'), [{ c: 0 }]);
  });
});

describe('LDBC SF0.1 through Nodestream, analytics mode', { skip }, () => {
  let s;
  let data;
  before(async () => {
    s = await startServer({ threads: 2 });
    const full = load();
    // analytics mode: persons, forums and the relationships between them (the same code path, less time)
    data = { nodes: { Person: full.nodes.Person, Forum: full.nodes.Forum, Post: [], Comment: [] },
      rels: full.rels.filter((r) => r.from !== 'Post' && r.from !== 'Comment' && r.to !== 'Post'),
      expectedTypes: {} };
    for (const r of data.rels) data.expectedTypes[r.type] = full.expectedTypes[r.type];
  });
  after(async () => { if (s) await s.stop(); });
  const it = serverTest(() => s);

  it('ExecuteQuery with parameters as objects, responses closed unread; counts match', { timeout: 300000 }, async () => {
    const na = new NeptuneGraphClient({ endpoint: `http://127.0.0.1:${s.httpPort}`, region: 'us-east-1', credentials,
      disableHostPrefix: true, requestHandler: pool() });
    const exec = async (query, params) => na.send(new ExecuteQueryCommand({ graphIdentifier: 'neo4j', queryString: query,
      language: 'OPEN_CYPHER', parameters: params }));
    // Document parameters cannot carry BigInt: JSON numbers as Python would send them (exact in the text)
    const plain = (rows) => JSON.parse(pyJsonDumps(rows));
    await replay(async (query, rows) => { const out = await exec(query, { params: plain(rows) }); out.payload.destroy(); }, data);
    const q = async (text, params) => {
      const out = await exec(text, params ? plain(params) : undefined);
      return JSON.parse(await out.payload.transformToString()).results;
    };
    for (const type of ['Person', 'Forum']) {
      assert.deepEqual(await q(`MATCH (n:${type}) RETURN count(n) AS c`), [{ c: data.nodes[type].length }]);
    }
    for (const [type, n] of Object.entries(data.expectedTypes)) {
      assert.deepEqual(await q(`MATCH ()-[r:${type}]->() RETURN count(r) AS c`), [{ c: n }], type);
    }
  });
});
