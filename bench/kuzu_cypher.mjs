// kuzu_cypher.mjs — the peer side of the openCypher benchmark (bench/cypher_bench.c is quiver's): the same
// Nodestream-shaped ingest of LDBC SNB SF0.1 into Kuzu (npm `kuzu`) in its own dialect — a primary-key
// property `id` for Nodestream's `~id`, MERGE ... ON CREATE SET / ON MATCH SET with explicit properties
// (Kuzu has no removeKeyFromMap), 150-row `UNWIND $params` batches, a first and a second load — then the
// same LDBC Interactive reads with the same seeded parameter draws (mulberry32, same order as
// bench/cypher_ldbc.h), median and p99 latency. Prints the same JSON lines as qv_bench_cypher.
// Kuzu's MERGE slows down as a table grows (an UNWIND batch joins against a scan of the node table: 13 K
// rows/s on an empty table, 150 rows/s at 100 K rows on the benchmark machine), so the whole dataset cannot
// go through N1/R1 in minutes: with --ingest-sample F (< 1) the measured ingest covers the first fraction F
// of every node file and the relationships between those nodes, in its own database, and the reads run on a
// second database bulk-loaded with COPY FROM (LOAD FROM the gzip files, untimed) holding all of the data,
// with the same ids and properties. Kuzu's rate on the sample is an upper bound of its full-size rate.
// Owns only the Kuzu side; the dataset is read in place (gzip CSV), never copied. The databases live in
// memory.
//
// usage: node bench/kuzu_cypher.mjs --data DIR [--batch 150] [--draws 100] [--seed 42] [--threads N]
//                                   [--no-reads] [--no-second-load] [--ingest-sample F] [--read-budget S]
// --read-budget S: stop drawing parameters for a read once it has run S seconds (at least 10 draws).

import fs from 'node:fs';
import zlib from 'node:zlib';
import kuzu from 'kuzu';

const PIPELINE_TS = 1795317456.913938;
const DATASET = 'ldbc-snb-sf0.1';

// What is loaded, in order (the same list as bench/cypher_ldbc.c).
const NODES = [
  { label: 'Person', file: 'Person.csv.gz' },
  { label: 'Forum', file: 'Forum.csv.gz' },
  { label: 'Post', file: 'Post.csv.gz' },
  { label: 'Comment', file: 'Comment.csv.gz' },
];
const RELS = [
  { type: 'knows', from: 'Person', to: 'Person', files: ['Person_knows_Person.csv.gz', 'Person_knows_Person_1.csv.gz'], timed: true },
  { type: 'hasCreator', from: 'Post', to: 'Person', files: ['Post_hasCreator_Person.csv.gz'], timed: true },
  { type: 'hasCreator', from: 'Comment', to: 'Person', files: ['Comment_hasCreator_Person.csv.gz', 'Comment_hasCreator_Person_1.csv.gz'], timed: true },
  { type: 'replyOf', from: 'Comment', to: 'Post', files: ['Comment_replyOf_Post.csv.gz'], timed: true },
  { type: 'replyOf', from: 'Comment', to: 'Comment', files: ['Comment_replyOf_Comment.csv.gz'], timed: true },
  { type: 'hasMember', from: 'Forum', to: 'Person', files: ['Forum_hasMember_Person.csv.gz'], timed: true },
  { type: 'likes', from: 'Person', to: 'Post', files: ['Person_likes_Post.csv.gz', 'Person_likes_Post_1.csv.gz'], timed: true },
  { type: 'likes', from: 'Person', to: 'Comment', files: ['Person_likes_Comment.csv.gz', 'Person_likes_Comment_1.csv.gz'], timed: true },
  // for IS6 only, loaded after the measured phases
  { type: 'containerOf', from: 'Forum', to: 'Post', files: ['Forum_containerOf_Post.csv.gz'], timed: false },
  { type: 'hasModerator', from: 'Forum', to: 'Person', files: ['Forum_hasModerator_Person.csv.gz'], timed: false },
];
const DEFAULT_PROPS = [
  ['last_ingested_at', 'DOUBLE'],
  ['last_ingested_by_ldbc_at', 'DOUBLE'],
  ['was_ingested_by_ldbc', 'BOOLEAN'],
];

// The LDBC reads of bench/cypher_queries.h in Kuzu's dialect (ids in the `id` property; messages are Post
// or Comment: `(m:Post:Comment)` is either table).
const READS = [
  ['IS1', `MATCH (n:Person {id: $personId})
    RETURN n.firstName AS firstName, n.lastName AS lastName, n.birthday AS birthday, n.locationIP AS locationIP,
    n.browserUsed AS browserUsed, n.gender AS gender, n.creationDate AS creationDate`, ['person']],
  ['IS2', `MATCH (:Person {id: $personId})<-[:hasCreator]-(m:Post:Comment)
    WITH m ORDER BY m.creationDate DESC, m.id ASC LIMIT 10
    MATCH (m)-[:replyOf*0..30]->(p:Post)-[:hasCreator]->(c:Person)
    RETURN m.id AS messageId, coalesce(m.content, m.imageFile) AS messageContent,
    m.creationDate AS messageCreationDate, p.id AS originalPostId, c.id AS originalPostAuthorId,
    c.firstName AS originalPostAuthorFirstName, c.lastName AS originalPostAuthorLastName
    ORDER BY messageCreationDate DESC, messageId ASC`, ['person']],
  ['IS3', `MATCH (n:Person {id: $personId})-[r:knows]-(friend:Person)
    RETURN friend.id AS personId, friend.firstName AS firstName, friend.lastName AS lastName,
    r.creationDate AS friendshipCreationDate
    ORDER BY friendshipCreationDate DESC, personId ASC`, ['person']],
  ['IS4', `MATCH (m:Post:Comment {id: $messageId})
    RETURN m.creationDate AS messageCreationDate, coalesce(m.content, m.imageFile) AS messageContent`, ['message']],
  ['IS5', `MATCH (m:Post:Comment {id: $messageId})-[:hasCreator]->(p:Person)
    RETURN p.id AS personId, p.firstName AS firstName, p.lastName AS lastName`, ['message']],
  ['IS6', `MATCH (m:Post:Comment {id: $messageId})-[:replyOf*0..30]->(p:Post)<-[:containerOf]-(f:Forum)-[:hasModerator]->(mod:Person)
    RETURN f.id AS forumId, f.title AS forumTitle, mod.id AS moderatorId,
    mod.firstName AS moderatorFirstName, mod.lastName AS moderatorLastName`, ['message']],
  ['IS7', `MATCH (m:Post:Comment {id: $messageId})<-[:replyOf]-(c:Comment)-[:hasCreator]->(p:Person)
    OPTIONAL MATCH (m)-[:hasCreator]->(a:Person)-[r:knows]-(p)
    RETURN c.id AS commentId, c.content AS commentContent, c.creationDate AS commentCreationDate,
    p.id AS replyAuthorId, p.firstName AS replyAuthorFirstName, p.lastName AS replyAuthorLastName,
    r IS NOT NULL AS replyAuthorKnowsOriginalMessageAuthor
    ORDER BY commentCreationDate DESC, replyAuthorId ASC`, ['message']],
  ['IC1', `MATCH path = (person:Person {id: $personId})-[:knows*1..3]-(friend:Person)
    WHERE friend.firstName = $firstName AND friend.id <> person.id
    WITH friend, min(length(path)) AS distance
    ORDER BY distance ASC, friend.lastName ASC, friend.id ASC LIMIT 20
    RETURN friend.id AS friendId, friend.lastName AS friendLastName, distance AS distanceFromPerson,
    friend.birthday AS friendBirthday, friend.creationDate AS friendCreationDate, friend.gender AS friendGender,
    friend.browserUsed AS friendBrowserUsed, friend.locationIP AS friendLocationIp`, ['person', 'firstName']],
  ['IC2', `MATCH (:Person {id: $personId})-[:knows]-(friend:Person)<-[:hasCreator]-(message:Post:Comment)
    WHERE message.creationDate <= $maxDate
    RETURN friend.id AS personId, friend.firstName AS personFirstName, friend.lastName AS personLastName,
    message.id AS postOrCommentId, coalesce(message.content, message.imageFile) AS postOrCommentContent,
    message.creationDate AS postOrCommentCreationDate
    ORDER BY postOrCommentCreationDate DESC, postOrCommentId ASC LIMIT 20`, ['person', 'maxDate']],
  ['IC7', `MATCH (person:Person {id: $personId})<-[:hasCreator]-(message:Post:Comment)<-[like:likes]-(liker:Person)
    WITH person, liker, max(like.creationDate) AS likeTime
    MATCH (liker)-[like2:likes]->(message2:Post:Comment)-[:hasCreator]->(person) WHERE like2.creationDate = likeTime
    WITH person, liker, likeTime, min(message2.id) AS messageId
    OPTIONAL MATCH (liker)-[k:knows]-(person)
    RETURN liker.id AS personId, liker.firstName AS personFirstName, liker.lastName AS personLastName,
    likeTime AS likeCreationDate, messageId AS commentOrPostId, k IS NULL AS isNew
    ORDER BY likeCreationDate DESC, personId ASC LIMIT 20`, ['person']],
  ['IC9', `MATCH (root:Person {id: $personId})-[:knows*1..2]-(friend:Person)
    WHERE friend.id <> root.id
    WITH DISTINCT friend
    MATCH (friend)<-[:hasCreator]-(message:Post:Comment)
    WHERE message.creationDate < $maxDate
    RETURN friend.id AS personId, friend.firstName AS personFirstName, friend.lastName AS personLastName,
    message.id AS commentOrPostId, coalesce(message.content, message.imageFile) AS commentOrPostContent,
    message.creationDate AS commentOrPostCreationDate
    ORDER BY commentOrPostCreationDate DESC, commentOrPostId ASC LIMIT 20`, ['person', 'maxDate']],
];

function parseArgs(argv) {
  const a = { data: null, batch: 150, draws: 100, seed: 42, threads: 0, reads: true, second: true, sample: 1,
    budget: 0 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      return argv[++i];
    };
    if (k === '--data') a.data = v();
    else if (k === '--batch') a.batch = Number(v());
    else if (k === '--draws') a.draws = Number(v());
    else if (k === '--seed') a.seed = Number(v());
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--no-reads') a.reads = false;
    else if (k === '--no-second-load') a.second = false;
    else if (k === '--ingest-sample') a.sample = Number(v());
    else if (k === '--read-budget') a.budget = Number(v());
    else throw new Error(`unknown argument ${k}`);
  }
  if (!a.data) throw new Error('usage: kuzu_cypher.mjs --data DIR [--batch 150] [--draws 100] [--seed 42]');
  return a;
}

// ---- the CSV files (pipe-delimited, gzip; `_1` files may lack the header) ----
const isHeader = (line) => line.split('|')[0].includes(':');

function readTable(dir, files) {
  let cols = null;
  const rows = [];
  const headers = [];
  for (const f of files) {
    const lines = zlib.gunzipSync(fs.readFileSync(`${dir}/${f}`)).toString('utf8').split('\n');
    let start = 0;
    headers.push(isHeader(lines[0]));
    if (isHeader(lines[0])) {
      if (!cols) {
        cols = lines[0].split('|').map((h, i) => {
          const [name, type] = h.split(':');
          return { name: name || (i === 0 ? 'start' : 'end'), isInt: type === 'LONG' || type === 'INT' };
        });
      }
      start = 1;
    }
    if (!cols) throw new Error(`${dir}/${f} has no header line`);
    for (let i = start; i < lines.length; i++) if (lines[i]) rows.push(lines[i].split('|'));
  }
  return { cols, rows, headers };
}

// The first fraction f of every relationship file, and the first fraction f of every node file plus the
// endpoints of those relationships (so every sampled relationship finds its nodes).
function sampleSets(nodes, rels, f) {
  if (f >= 1) return [nodes, rels];
  const need = new Map(nodes.map((n) => [n.label, new Set()]));
  const sr = rels.map((r) => {
    const rows = r.t.rows.slice(0, Math.ceil(r.t.rows.length * f));
    for (const x of rows) {
      need.get(r.from).add(x[0]);
      need.get(r.to).add(x[1]);
    }
    return { ...r, t: { ...r.t, rows } };
  });
  const sn = nodes.map((n) => {
    const lim = Math.ceil(n.t.rows.length * f), want = need.get(n.label);
    return { ...n, t: { ...n.t, rows: n.t.rows.filter((x, i) => i < lim || want.has(x[0])) } };
  });
  return [sn, sr];
}

// The whole dataset into a database with COPY FROM (LOAD FROM the gzip files): the read graph when the
// measured ingest was a sample. Same ids ("<Label>_id:<id>") and properties as N1/R1 write.
async function bulkLoad(conn, dir, nodes, rels) {
  const ts = PIPELINE_TS;
  const load = (file, header, cols) => `LOAD WITH HEADERS (${cols.map((c, i) => `c${i} ${kuzuType(c)}`).join(', ')}) ` +
    `FROM '${dir}/${file}' (delim='|', header=${header}, quote='\u0001', escape='\u0001')`;
  const defaults = `${ts} AS d1, ${ts} AS d2, true AS d3`;
  for (const n of nodes) {
    const cols = n.t.cols.map((c, i) => (i === 0 ? { ...c, isInt: false } : c));
    const props = cols.slice(1).map((c, i) => `c${i + 1}`).join(', ');
    await all(conn, `COPY ${n.label} FROM (${load(n.file, n.t.headers[0], cols)} ` +
      `RETURN concat('${n.label}_id:', c0) AS id, ${props}, ${defaults})`);
  }
  for (const r of rels) {
    const cols = r.t.cols.map((c, i) => (i < 2 ? { ...c, isInt: false } : c));
    const props = cols.slice(2).map((c, i) => `c${i + 2}, `).join('');
    for (let f = 0; f < r.files.length; f++) {
      await all(conn, `COPY ${r.type} FROM (${load(r.files[f], r.t.headers[f], cols)} ` +
        `RETURN concat('${r.from}_id:', c0) AS s, concat('${r.to}_id:', c1) AS t, ${props}${defaults}) ` +
        `(from='${r.from}', to='${r.to}')`);
    }
  }
}

// Integers as BigInt: LDBC dates (20110817142659961) are beyond 2^53, a Number would round them.
const cellValue = (col, s) => (s === '' || s === undefined ? null : col.isInt ? BigInt(s) : s);
const nodeId = (label, id) => `${label}_id:${id}`;

// mulberry32, as ldbc_rand in bench/cypher_ldbc.h: advances the state, returns a uint32.
function mix(a) {
  let t = Math.imul(a ^ (a >>> 15), 1 | a) >>> 0;
  t = ((t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t) >>> 0;
  return (t ^ (t >>> 14)) >>> 0;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;
const loadavg = () => Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
const emit = (o) => console.log(JSON.stringify({ bench: 'cypher', system: 'kuzu', dataset: DATASET, ...o }));

async function all(conn, q, params) {
  let res;
  if (params) {
    const ps = typeof q === 'string' ? await conn.prepare(q) : q;
    res = await conn.execute(ps, params);
  } else {
    res = await conn.query(q);
  }
  const r = Array.isArray(res) ? res[res.length - 1] : res;
  const rows = await r.getAll();
  for (const x of Array.isArray(res) ? res : [res]) x.close();
  return rows;
}

async function prepare(conn, q) {
  const ps = await conn.prepare(q);
  if (!ps.isSuccess()) throw new Error(`kuzu: ${ps.getErrorMessage()}\n${q}`);
  return ps;
}

// ---- schema and statements ----
function kuzuType(col) {
  return col.isInt ? 'INT64' : 'STRING';
}

async function createSchema(conn, nodes, rels) {
  for (const n of nodes) {
    const props = n.t.cols.slice(1).map((c) => `${c.name} ${kuzuType(c)}`);
    for (const [k, t] of DEFAULT_PROPS) props.push(`${k} ${t}`);
    await all(conn, `CREATE NODE TABLE ${n.label}(id STRING, ${props.join(', ')}, PRIMARY KEY (id))`);
  }
  const byType = new Map();
  for (const r of rels) {
    if (!byType.has(r.type)) byType.set(r.type, { pairs: [], cols: r.t.cols.slice(2) });
    byType.get(r.type).pairs.push(`FROM ${r.from} TO ${r.to}`);
  }
  for (const [type, { pairs, cols }] of byType) {
    const props = cols.map((c) => `${c.name} ${kuzuType(c)}`);
    for (const [k, t] of DEFAULT_PROPS) props.push(`${k} ${t}`);
    await all(conn, `CREATE REL TABLE ${type}(${pairs.join(', ')}, ${props.join(', ')})`);
  }
}

const setList = (v, keys) => keys.map((k) => `${v}.${k} = param.${k}`).join(', ');

function n1(n) {
  const keys = [...n.t.cols.slice(1).map((c) => c.name), ...DEFAULT_PROPS.map(([k]) => k)];
  return `UNWIND $params AS param MERGE (node:${n.label} {id: param.__node_id}) ` +
    `ON CREATE SET ${setList('node', keys)} ON MATCH SET ${setList('node', keys)}`;
}

function r1(r) {
  const keys = [...r.t.cols.slice(2).map((c) => c.name), ...DEFAULT_PROPS.map(([k]) => k)];
  return `UNWIND $params AS param MATCH (from_node:${r.from} {id: param.__from_node_id}), ` +
    `(to_node:${r.to} {id: param.__to_node_id}) MERGE (from_node)-[rel:${r.type}]->(to_node) ` +
    `ON CREATE SET ${setList('rel', keys)} ON MATCH SET ${setList('rel', keys)}`;
}

function nodeRow(n, row, ts) {
  const o = { __node_id: nodeId(n.label, row[0]) };
  const cols = n.t.cols;
  for (let c = 1; c < cols.length; c++) o[cols[c].name] = cellValue(cols[c], row[c]);
  o.last_ingested_at = ts;
  o.last_ingested_by_ldbc_at = ts;
  o.was_ingested_by_ldbc = true;
  return o;
}

function relRow(r, row, ts) {
  const o = {};
  const cols = r.t.cols;
  for (let c = 2; c < cols.length; c++) o[cols[c].name] = cellValue(cols[c], row[c]);
  o.last_ingested_at = ts;
  o.last_ingested_by_ldbc_at = ts;
  o.was_ingested_by_ldbc = true;
  o.__from_node_id = nodeId(r.from, row[0]);
  o.__to_node_id = nodeId(r.to, row[1]);
  return o;
}

// Loads one label or relationship set in batches; only execute() is timed (building the parameter
// objects is the client's work, outside the clock, as in qv_bench_cypher).
async function loadSet(conn, set, isRel, load, ts, batch, tot) {
  const ps = await prepare(conn, isRel ? r1(set) : n1(set));
  const rows = set.t.rows;
  let secs = 0;
  for (let r0 = 0; r0 < rows.length; r0 += batch) {
    const params = rows.slice(r0, r0 + batch).map((row) => (isRel ? relRow(set, row, ts) : nodeRow(set, row, ts)));
    const t0 = now();
    await all(conn, ps, { params });
    secs += now() - t0;
  }
  emit({ kind: 'ingest_set', load, what: isRel ? 'rels' : 'nodes', label: isRel ? `${set.from}-${set.type}` : set.label,
    rows: rows.length, seconds: Number(secs.toFixed(4)), rows_per_s: Math.round(rows.length / secs) });
  tot.rows += rows.length;
  tot.seconds += secs;
}

async function count(conn, q) {
  const rows = await all(conn, q);
  return Number(Object.values(rows[0])[0]);
}

const rss = () => process.memoryUsage().rss;

async function loadAll(conn, nodes, rels, load, batch, sample) {
  const ts = PIPELINE_TS + load - 1;
  const n = { rows: 0, seconds: 0 }, r = { rows: 0, seconds: 0 };
  for (const set of nodes) await loadSet(conn, set, false, load, ts, batch, n);
  emit({ kind: 'ingest', load, what: 'nodes', rows: n.rows, seconds: Number(n.seconds.toFixed(4)),
    rows_per_s: Math.round(n.rows / n.seconds), batch, sample, loadavg: loadavg() });
  const rssNodes = rss();
  for (const set of rels) if (set.timed) await loadSet(conn, set, true, load, ts, batch, r);
  emit({ kind: 'ingest', load, what: 'rels', rows: r.rows, seconds: Number(r.seconds.toFixed(4)),
    rows_per_s: Math.round(r.rows / r.seconds), batch, sample, loadavg: loadavg() });
  return [rssNodes, rss()];
}

function drawParams(kinds, next, persons, posts, comments, cols) {
  const p = {};
  for (const k of kinds) {
    const x = next();
    const nmsg = posts.rows.length + comments.rows.length;
    if (k === 'person') p.personId = nodeId('Person', persons.rows[x % persons.rows.length][0]);
    else if (k === 'firstName') p.firstName = persons.rows[x % persons.rows.length][cols.firstName];
    else {
      const i = x % nmsg;
      const isPost = i < posts.rows.length;
      const row = isPost ? posts.rows[i] : comments.rows[i - posts.rows.length];
      if (k === 'message') p.messageId = nodeId(isPost ? 'Post' : 'Comment', row[0]);
      else p.maxDate = BigInt(row[isPost ? cols.postDate : cols.commentDate]);
    }
  }
  return p;
}

async function reads(conn, nodes, draws, seed, budget) {
  const [persons, , posts, comments] = nodes.map((n) => n.t);
  const idx = (t, name) => t.cols.findIndex((c) => c.name === name);
  const cols = { firstName: idx(persons, 'firstName'), postDate: idx(posts, 'creationDate'),
    commentDate: idx(comments, 'creationDate') };
  for (let qi = 0; qi < READS.length; qi++) {
    const [name, text, kinds] = READS[qi];
    const ps = await prepare(conn, text);
    let state = (seed + qi) >>> 0;
    const take = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      return mix(state);
    };
    const lat = [];
    let rows = 0, rows10 = 0;
    const start = now();
    for (let d = -1; d < draws; d++) {   // d = -1: the warm-up, same parameters as draw 0
      const saved = state;
      const p = drawParams(kinds, take, persons, posts, comments, cols);
      if (d < 0) state = saved;
      const t0 = now();
      const r = await all(conn, ps, p);
      const t = now() - t0;
      if (d < 0) continue;
      lat.push(t * 1e3);
      rows += r.length;
      if (d < 10) rows10 += r.length;
      if (budget > 0 && d >= 9 && now() - start > budget) break;
    }
    lat.sort((a, b) => a - b);
    const n = lat.length, sum = lat.reduce((a, b) => a + b, 0);
    emit({ kind: 'read', query: name, draws: n, rows, rows_first10: rows10, median_ms: Number(lat[Math.floor(n / 2)].toFixed(4)),
      p99_ms: Number(lat[Math.ceil(n * 0.99) - 1].toFixed(4)), mean_ms: Number((sum / n).toFixed(4)),
      max_ms: Number(lat[n - 1].toFixed(4)), loadavg: loadavg() });
  }
}

async function main() {
  const args = parseArgs(process.argv);
  const t0 = now();
  const nodes = NODES.map((n) => ({ ...n, t: readTable(args.data, [n.file]) }));
  const rels = RELS.map((r) => ({ ...r, t: readTable(args.data, r.files) }));
  console.error(`kuzu_cypher: read the CSV files in ${(now() - t0).toFixed(2)} s`);
  const [inodes, irels] = sampleSets(nodes, rels, args.sample);
  let db = new kuzu.Database(':memory:');
  let conn = args.threads > 0 ? new kuzu.Connection(db, args.threads) : new kuzu.Connection(db);
  const threads = Number((await all(conn, "CALL current_setting('threads') RETURN *"))[0].threads);
  await createSchema(conn, inodes, irels);
  global.gc?.();
  const rss0 = rss();
  const [rssNodes, rssRels] = await loadAll(conn, inodes, irels, 1, args.batch, args.sample);
  const nNodes = await count(conn, 'MATCH (n) RETURN count(n)');
  const nRels = await count(conn, 'MATCH ()-[r]->() RETURN count(r)');
  emit({ kind: 'memory', nodes: nNodes, rels: nRels, node_bytes: rssNodes - rss0, rel_bytes: rssRels - rssNodes,
    bytes_per_node: Number(((rssNodes - rss0) / nNodes).toFixed(1)),
    bytes_per_rel: Number(((rssRels - rssNodes) / nRels).toFixed(1)), threads, sample: args.sample,
    method: 'RSS growth of the node process (Kuzu in memory, buffer pool pages included)' });
  if (args.second) {
    await loadAll(conn, inodes, irels, 2, args.batch, args.sample);
    const n2 = await count(conn, 'MATCH (n) RETURN count(n)');
    const r2 = await count(conn, 'MATCH ()-[r]->() RETURN count(r)');
    if (n2 !== nNodes || r2 !== nRels) throw new Error(`the second load changed the counts (${nNodes} -> ${n2} nodes, ${nRels} -> ${r2} rels)`);
  }
  if (args.reads) {
    if (args.sample < 1) {
      await conn.close();
      await db.close();
      db = new kuzu.Database(':memory:');
      conn = args.threads > 0 ? new kuzu.Connection(db, args.threads) : new kuzu.Connection(db);
      await createSchema(conn, nodes, rels);
      const t1 = now();
      await bulkLoad(conn, args.data, nodes, rels);
      const n = await count(conn, 'MATCH (n) RETURN count(n)'), r = await count(conn, 'MATCH ()-[r]->() RETURN count(r)');
      emit({ kind: 'bulk_load', nodes: n, rels: r, seconds: Number((now() - t1).toFixed(3)) });
    } else {
      const extra = { rows: 0, seconds: 0 };
      for (const set of rels) if (!set.timed) await loadSet(conn, set, true, 1, PIPELINE_TS, args.batch, extra);
    }
    await reads(conn, nodes, args.draws, args.seed, args.budget);
  }
  await conn.close();
  await db.close();
}

main().catch((e) => {
  console.error(`kuzu_cypher: ${e.stack || e}`);
  process.exit(1);
});
