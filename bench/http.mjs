// http.mjs — openCypher over HTTP (bench/http.sh): the Nodestream-shaped load of LDBC SNB SF0.1 against a
// running `quiver serve`, sent as Nodestream's Neptune plugin sends it: POST /openCypher, the exact N1 node
// upsert and R1 relationship upsert texts (bench/cypher_queries.h, reference §1.6), `parameters` as a
// json.dumps string of {"params": [...]}, 150-row batches, 10 keep-alive connections. Then three streamed
// reads: UNWIND of 1 M integers, MATCH (n) RETURN n over the loaded graph and over 1 M nodes (copies), rows/s and the server's RSS growth while streaming.
// Owns only the client and the measurement; it starts its own server in a temporary data directory and
// never touches other data. Prints one JSON line per figure, then a Markdown table.
// The load generator shares the 2 CPUs with the server, so it keeps itself cheap: each request's bytes (head
// and body, the body exactly what JSON.stringify makes) are built before the clock starts, and the ingest
// phases write them on 10 plain keep-alive sockets and read the answers with a minimal HTTP/1.1 reader
// (HTTP_BENCH_CLIENT=node uses node:http instead, as runs before 2026-12-05 15:40 UTC did).
// Env: QUIVER_BIN (build/quiver), QV_DATASETS dir of ldbc-snb-sf0.1, CLK_TCK (100),
//      HTTP_BENCH_DURABILITY (async), CYPHER_LATEST (bench/out/cypher-latest.jsonl, for Kuzu's ingest rows/s),
//      HTTP_BENCH_CLIENT (raw | node).
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.QUIVER_BIN || 'build/quiver';
const DATA = (process.env.QV_DATASETS || '../shared/datasets') + '/ldbc-snb-sf0.1';
const TICK = Number(process.env.CLK_TCK || 100);
const DURABILITY = process.env.HTTP_BENCH_DURABILITY || 'async';
const CLIENT = process.env.HTTP_BENCH_CLIENT || 'raw';
const LATEST = process.env.CYPHER_LATEST || 'bench/out/cypher-latest.jsonl';
const CONNS = 10, BATCH = 150, TS = '1795317456.913938';

// The same sets as bench/cypher_ldbc.c and bench/kuzu_cypher.mjs (the timed ones).
const NODES = [['Person', 'Person.csv.gz'], ['Forum', 'Forum.csv.gz'], ['Post', 'Post.csv.gz'], ['Comment', 'Comment.csv.gz']];
const RELS = [
  ['knows', 'Person', 'Person', ['Person_knows_Person.csv.gz', 'Person_knows_Person_1.csv.gz']],
  ['hasCreator', 'Post', 'Person', ['Post_hasCreator_Person.csv.gz']],
  ['hasCreator', 'Comment', 'Person', ['Comment_hasCreator_Person.csv.gz', 'Comment_hasCreator_Person_1.csv.gz']],
  ['replyOf', 'Comment', 'Post', ['Comment_replyOf_Post.csv.gz']],
  ['replyOf', 'Comment', 'Comment', ['Comment_replyOf_Comment.csv.gz']],
  ['hasMember', 'Forum', 'Person', ['Forum_hasMember_Person.csv.gz']],
  ['likes', 'Person', 'Post', ['Person_likes_Post.csv.gz', 'Person_likes_Post_1.csv.gz']],
  ['likes', 'Person', 'Comment', ['Person_likes_Comment.csv.gz', 'Person_likes_Comment_1.csv.gz']],
];
const N1 = (l) => `\nUNWIND $params as param\nMERGE (node: ${l} {\`~id\` : param.__node_id}) ON CREATE SET node = ` +
  `removeKeyFromMap(param, "__node_id") ON MATCH SET node += removeKeyFromMap(param, "__node_id")`;
const R1 = (f, t, ty) => `\nUNWIND $params as param\nMATCH (from_node: ${f} {\`~id\` : param.__from_node_id}) , (to_node: ${t} ` +
  `{\`~id\` : param.__to_node_id}) MERGE (from_node)-[rel: ${ty}]->(to_node) ON CREATE SET rel = ` +
  `removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id") ON MATCH SET rel += ` +
  `removeKeyFromMap(removeKeyFromMap(param, "__from_node_id"), "__to_node_id")`;

// Pipe-delimited gzip CSV; `_1` files may lack the header. Rows become JSON object texts directly, so LONG
// values (dates beyond 2^53) are written exactly, as Python's json.dumps writes ints.
const isHeader = (line) => line.split('|')[0].includes(':');
function table(files) {
  let cols = null;
  const rows = [];
  for (const f of files) {
    const lines = zlib.gunzipSync(fs.readFileSync(`${DATA}/${f}`)).toString('utf8').split('\n');
    let s = 0;
    if (isHeader(lines[0])) {
      cols ??= lines[0].split('|').map((h) => { const [n, t] = h.split(':'); return { name: n, isInt: t === 'LONG' || t === 'INT' }; });
      s = 1;
    }
    for (let i = s; i < lines.length; i++) if (lines[i]) rows.push(lines[i].split('|'));
  }
  return { cols, rows };
}
const cell = (c, s) => (s === '' || s === undefined ? 'null' : c.isInt ? s : JSON.stringify(s));
const defaults = `"last_ingested_at": ${TS}, "last_ingested_by_ldbc_at": ${TS}, "was_ingested_by_ldbc": true`;
function nodeRow(label, cols, r) {
  let o = `{"__node_id": ${JSON.stringify(`${label}_id:${r[0]}`)}`;
  for (let c = 1; c < cols.length; c++) o += `, ${JSON.stringify(cols[c].name)}: ${cell(cols[c], r[c])}`;
  return `${o}, ${defaults}}`;
}
function relRow(from, to, cols, r) {
  let o = '{';
  for (let c = 2; c < cols.length; c++) o += `${JSON.stringify(cols[c].name)}: ${cell(cols[c], r[c])}, `;
  return `${o}${defaults}, "__from_node_id": ${JSON.stringify(`${from}_id:${r[0]}`)}, ` +
    `"__to_node_id": ${JSON.stringify(`${to}_id:${r[1]}`)}}`;
}

function start(dir) {
  const child = spawn(BIN, ['serve', '--data-dir', dir, '--listen', '127.0.0.1', '--http-port', '0', '--flight-port', '0',
    '--durability', DURABILITY], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const h = /listening for HTTP on [0-9.]+:([0-9]+)/.exec(err);
      if (h && /data directory .* loaded in/.test(err)) {
        clearInterval(t);
        resolve({ child, port: Number(h[1]), exit: new Promise((r) => child.on('exit', r)) });
      }
    }, 5);
    child.on('exit', (code) => { clearInterval(t); reject(new Error(`quiver exited ${code}:\n${err}`)); });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
// POST /openCypher; resolves { bytes, text, end } once the whole body has arrived (keep: keep the text; end:
// hrtime of the last byte, before the chunks are joined and decoded).
function post(port, body, keep = true) { return postBytes(port, JSON.stringify(body), keep); }
function postBytes(port, data, keep = false, onChunk = null) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/openCypher', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      const chunks = [];
      let bytes = 0;
      res.on('data', (c) => { bytes += c.length; if (onChunk) onChunk(c); if (keep || chunks.length < 1) chunks.push(c); });
      res.on('end', () => {
        const end = process.hrtime.bigint();
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 400)}`));
        else resolve({ bytes, text, end });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

// The ingest client: one keep-alive socket, one request at a time; resolves with the status once the whole
// answer (Content-Length or chunked) has arrived, and rejects on anything but 200.
class RawConn {
  constructor(port) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.buf = null;
    this.wait = null;
    this.sock.on('data', (d) => { this.buf = this.buf ? Buffer.concat([this.buf, d]) : d; this.parse(); });
    const fail = (e) => { if (this.wait) { const w = this.wait; this.wait = null; w.reject(e); } };
    this.sock.on('error', fail);
    this.sock.on('close', () => fail(new Error('the server closed the connection')));
  }
  request(bytes) {
    return new Promise((resolve, reject) => { this.wait = { resolve, reject }; this.sock.write(bytes); });
  }
  parse() {
    const b = this.buf;
    const he = b.indexOf('\r\n\r\n');
    if (he < 0 || !this.wait) return;
    const head = b.toString('latin1', 0, he);
    const status = Number(head.slice(9, 12));
    let end;   // where the answer ends in b
    const cl = /\r\ncontent-length: *([0-9]+)/i.exec(head);
    if (cl) {
      end = he + 4 + Number(cl[1]);
      if (b.length < end) return;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      let at = he + 4;
      for (;;) {
        const le = b.indexOf('\r\n', at);
        if (le < 0) return;
        const size = parseInt(b.toString('latin1', at, le), 16);
        if (size === 0) {
          const te = b.indexOf('\r\n\r\n', le);   // after the trailers, if any: an empty line
          if (te < 0) return;
          end = te + 4;
          break;
        }
        at = le + 2 + size + 2;
        if (b.length < at) return;
      }
    } else {
      end = he + 4;
    }
    const body = b.subarray(he + 4, end);
    this.buf = b.length > end ? b.subarray(end) : null;
    const w = this.wait;
    this.wait = null;
    if (status !== 200) w.reject(new Error(`HTTP ${status}: ${body.toString().slice(0, 400)}`));
    else w.resolve(status);
  }
  close() { this.sock.destroy(); }
}

// The request's bytes as node:http sends them for post() (its head with Host and Connection), built once.
function requestBytes(port, query, params) {
  const body = Buffer.from(JSON.stringify({ query, parameters: params }));
  const head = `POST /openCypher HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n` +
    `Host: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`;
  return { head: Buffer.from(head), body, all: Buffer.concat([Buffer.from(head), body]) };
}

const cpu = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / TICK; };
const status = (pid, k) => Number(new RegExp(`${k}:\\s+([0-9]+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const emit = (o) => console.log(JSON.stringify({ bench: 'http', ...o }));

// One phase: all batches of all sets, set after set (a set's nodes exist before its relationships are sent),
// 10 connections within a set. Returns rows/s, latencies and server CPU.
async function phase(s, what, sets) {
  const lat = [];
  let rows = 0;
  for (const set of sets) for (const b of set.batches) b.req = requestBytes(s.port, set.query, b.params);
  const conns = CLIENT === 'raw' ? Array.from({ length: CONNS }, () => new RawConn(s.port)) : null;
  const send = (k, b) => (conns ? conns[k].request(b.req.all) : postBytes(s.port, b.req.body));
  const c0 = cpu(s.child.pid), u0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  for (const { batches } of sets) {
    let next = 0;
    await Promise.all(Array.from({ length: CONNS }, async (_, k) => {
      while (next < batches.length) {
        const b = batches[next++];
        const q0 = process.hrtime.bigint();
        await send(k, b);
        lat.push(Number(process.hrtime.bigint() - q0) / 1e6);
        rows += b.n;
      }
    }));
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9, cpus = cpu(s.child.pid) - c0, u = process.cpuUsage(u0);
  if (conns) for (const c of conns) c.close();
  for (const set of sets) for (const b of set.batches) delete b.req;
  lat.sort((a, b) => a - b);
  const o = { kind: 'ingest', what, rows, requests: lat.length, seconds: +secs.toFixed(3), rows_per_s: Math.round(rows / secs),
    p50_ms: +pct(lat, 0.5).toFixed(2), p99_ms: +pct(lat, 0.99).toFixed(2), server_cpu_s: +cpus.toFixed(2),
    server_cpu_s_per_1k_rows: +(cpus / rows * 1000).toFixed(4),
    client_cpu_s: +((u.user + u.system) / 1e6).toFixed(2), client: CLIENT, durability: DURABILITY, loadavg: loadavg() };
  emit(o);
  return o;
}

function batches(texts) {
  const out = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    const part = texts.slice(i, i + BATCH);
    out.push({ n: part.length, params: `{"params": [${part.join(', ')}]}` });
  }
  return out;
}

// A streamed read: rows/s to the last byte, and the server's memory: VmHWM reset before the request (writing 5
// to /proc/<pid>/clear_refs) and read after it = the peak RSS during the stream; VmRSS also sampled every 5 ms.
// Nodes in a result streamed in chunks, counted without holding the body (a 1 M-node answer is ~350 MB of JSON).
function nodeCounter() {
  const pat = Buffer.from('"~entityType":"node"');
  let tail = Buffer.alloc(0), n = 0;
  return {
    feed(c) {
      const b = Buffer.concat([tail, c]);
      for (let i = b.indexOf(pat); i >= 0; i = b.indexOf(pat, i + pat.length)) n++;
      tail = b.subarray(Math.max(0, b.length - pat.length + 1));
    },
    get count() { return n; },
  };
}

// count: nodes are counted in the chunks as they arrive instead of parsing the whole body.
async function stream(s, name, query, expect, count = false) {
  const pid = s.child.pid;
  let reset = true;
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { reset = false; }
  const rss0 = status(pid, 'VmRSS'), hwm0 = status(pid, 'VmHWM');
  let peak = rss0;
  const timer = setInterval(() => { try { peak = Math.max(peak, status(pid, 'VmRSS')); } catch { /* exited */ } }, 5);
  const c0 = cpu(pid), t0 = process.hrtime.bigint();
  const counter = count ? nodeCounter() : null;
  const r = count ? await postBytes(s.port, JSON.stringify({ query }), false, (c) => counter.feed(c)) : await post(s.port, { query });
  const secs = Number(r.end - t0) / 1e9;   /* to the last byte */
  clearInterval(timer);
  peak = Math.max(peak, status(pid, 'VmRSS'));
  const rows = count ? counter.count : JSON.parse(r.text).results.length;
  if (expect !== undefined && rows !== expect) throw new Error(`${name}: ${rows} rows, expected ${expect}`);
  const o = { kind: 'stream', what: name, rows, mib: +(r.bytes / 1048576).toFixed(1), seconds: +secs.toFixed(3),
    rows_per_s: Math.round(rows / secs), server_cpu_s: +(cpu(pid) - c0).toFixed(2), rss_before_mib: +(rss0 / 1024).toFixed(1),
    rss_peak_growth_mib: +((peak - rss0) / 1024).toFixed(1), hwm_growth_mib: +((status(pid, 'VmHWM') - (reset ? rss0 : hwm0)) / 1024).toFixed(1), hwm_reset: reset,
    loadavg: loadavg() };
  emit(o);
  return o;
}

function kuzuIngest() {
  if (!fs.existsSync(LATEST)) return null;
  const k = {};
  for (const line of fs.readFileSync(LATEST, 'utf8').split('\n')) {
    if (!line) continue;
    const o = JSON.parse(line);
    if (o.system === 'kuzu' && o.kind === 'ingest' && o.load === 1) k[o.what] = o;
  }
  return k.nodes || k.rels ? k : null;
}

async function main() {
  const nodeSets = NODES.map(([label, file]) => {
    const t = table([file]);
    return { query: N1(label), batches: batches(t.rows.map((r) => nodeRow(label, t.cols, r))) };
  });
  const relSets = RELS.map(([type, from, to, files]) => {
    const t = table(files);
    return { query: R1(from, to, type), batches: batches(t.rows.map((r) => relRow(from, to, t.cols, r))) };
  });
  const dir = fs.mkdtempSync(join(tmpdir(), 'quiver-bench-http-'));
  let s;
  try {
    s = await start(dir);
    const n = await phase(s, 'nodes', nodeSets);
    const r = await phase(s, 'rels', relSets);
    const count = JSON.parse((await post(s.port, { query: 'MATCH (n) RETURN count(n) AS c' })).text).results[0].c;
    if (count !== n.rows) throw new Error(`${count} nodes after the load, expected ${n.rows}`);
    let u;
    try {
      u = await stream(s, 'UNWIND range(1,1000000) AS i RETURN i', 'UNWIND range(1,1000000) AS i RETURN i', 1000000);
    } catch (e) {
      // range() lists may be capped: the same 1 M rows from nested UNWINDs
      console.error(`[bench http] range(1,1000000) refused (${e.message.slice(0, 160)}); using nested UNWINDs`);
      u = await stream(s, 'UNWIND range(1,1000) AS a UNWIND range(1,1000) AS b RETURN a*1000+b AS i',
        'UNWIND range(0,999) AS a UNWIND range(1,1000) AS b RETURN a*1000+b AS i', 1000000);
    }
    const m = await stream(s, 'MATCH (n) RETURN n', 'MATCH (n) RETURN n', n.rows);
    // the issue's 1 M-row MATCH (n) RETURN n: copies of the loaded nodes (their properties, fresh ids) up to 1 M
    let total = n.rows;
    while (total < 1000000) {
      const k = Math.min(n.rows, 1000000 - total);
      await post(s.port, { query: `MATCH (n) WHERE NOT n:Copy WITH n LIMIT ${k} CREATE (c:Copy) SET c = properties(n)` });
      total += k;
    }
    const m1 = await stream(s, `MATCH (n) RETURN n (${total.toLocaleString('en')} nodes)`, 'MATCH (n) RETURN n', total, true);
    const k = kuzuIngest();
    const ratio = (x, w) => (k && k[w] ? `${(x.rows_per_s / k[w].rows_per_s).toFixed(1)}x Kuzu (${k[w].rows_per_s.toLocaleString('en')} rows/s in process, ${k[w].sample < 1 ? `${k[w].sample} sample, ` : ''}${LATEST})` : 'no Kuzu figure (bench/out/cypher-latest.jsonl absent)');
    const f = (x) => x.toLocaleString('en');
    console.log(`\n--durability ${DURABILITY}\n\n| figure | value | target | met |\n|---|---|---|---|`);
    console.log(`| N1 node upserts over HTTP | ${f(n.rows_per_s)} rows/s (${f(n.rows)} rows, ${n.requests} requests; p50 ${n.p50_ms} ms, p99 ${n.p99_ms} ms; server CPU ${n.server_cpu_s_per_1k_rows} s per 1,000 rows, client CPU ${n.client_cpu_s} s); ${ratio(n, 'nodes')} | >= 400,000 rows/s | ${n.rows_per_s >= 400000 ? 'yes' : 'NO'} |`);
    console.log(`| R1 relationship upserts over HTTP | ${f(r.rows_per_s)} rows/s (${f(r.rows)} rows, ${r.requests} requests; p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms; server CPU ${r.server_cpu_s_per_1k_rows} s per 1,000 rows, client CPU ${r.client_cpu_s} s); ${ratio(r, 'rels')} | >= 200,000 rows/s | ${r.rows_per_s >= 200000 ? 'yes' : 'NO'} |`);
    for (const x of [u, m, m1]) {
      console.log(`| \`${x.what}\` streamed | ${f(x.rows_per_s)} rows/s (${f(x.rows)} rows, ${x.mib} MiB in ${x.seconds} s); server peak RSS +${x.hwm_growth_mib} MiB over ${x.rss_before_mib} MiB (VmHWM${x.hwm_reset ? ' reset before' : ', not resettable'}; 5 ms VmRSS samples +${x.rss_peak_growth_mib} MiB) | >= 1,000,000 rows/s, flat memory | ${x.rows_per_s >= 1e6 ? 'rate yes' : 'rate NO'}, memory ${Math.max(x.hwm_growth_mib, x.rss_peak_growth_mib) <= 64 ? 'flat (<= 64 MiB growth)' : 'NOT flat'} |`);
    }
  } finally {
    agent.destroy();
    if (s) { s.child.kill('SIGTERM'); await s.exit; }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
