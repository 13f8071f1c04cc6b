// Durability benchmarks (bench/durability.sh, `make bench` section; BENCH_DURABILITY=0 skips):
//  1. Nodestream-shaped HTTP load -- N1 node upserts (MERGE on ~id, ON CREATE SET / ON MATCH SET +=), 150-row
//     requests, 10 keep-alive connections -- into a durable database with --durability fsync
//     (POST /openCypher), against the same load into an in-memory Analytics graph (CreateGraph, then
//     POST /queries): rows/s each and the ratio (target >= 80%).
//  2. Write-ahead log replay: a large log (bulk CREATE transactions, no checkpoint), SIGKILL, restart: MiB/s.
//  3. Checkpoint write: the clean stop after that checkpoints the database: MiB/s.
// Prints one JSON line per figure and a summary. Env: QUIVER_BIN, ROWS (60000), REPLAY_NODES (480000).
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.QUIVER_BIN || 'build/quiver';
const ROWS = Number(process.env.ROWS || 60000);
const REPLAY_NODES = Number(process.env.REPLAY_NODES || 480000);
const CONNS = 10;
const BATCH = 150;

function start(dataDir, extra = []) {
  const child = spawn(BIN, ['serve', '--data-dir', dataDir, '--listen', '127.0.0.1', '--http-port', '0',
    '--flight-port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const h = /listening for HTTP on [0-9.]+:([0-9]+)/.exec(err);
      if (h && /data directory .* loaded in/.test(err)) {
        clearInterval(t);
        resolve({ child, port: Number(h[1]), stderr: () => err,
          exit: new Promise((r) => child.on('exit', r)) });
      }
    }, 5);
    child.on('exit', (code) => { clearInterval(t); reject(new Error(`quiver exited ${code}:\n${err}`)); });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNS });
function request(port, path, body, headers = {}) {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode < 200 || res.statusCode > 299) reject(new Error(`${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(text);
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

const N1 = '\nUNWIND $params as param\nMERGE (node: Person {`~id` : param.__node_id}) ' +
  'ON CREATE SET node = removeKeyFromMap(param, "__node_id") ON MATCH SET node += removeKeyFromMap(param, "__node_id")';
const T0 = 1795317456.913938;
function rows(n) {
  return Array.from({ length: n }, (_, i) => ({ __node_id: `Person_name:p${i}_ssn:${1000 + i}`, last_ingested_at: T0,
    last_ingested_by_pipe_at: T0, was_ingested_by_pipe: true, age: 20 + (i % 50) }));
}

// 10 workers take 150-row parts in order until none is left; returns rows/s.
async function load(send) {
  const all = rows(ROWS);
  const parts = [];
  for (let i = 0; i < all.length; i += BATCH) parts.push(all.slice(i, i + BATCH));
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONNS }, async () => {
    while (next < parts.length) await send(parts[next++]);
  }));
  return ROWS / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function emit(o) { console.log(JSON.stringify(o)); }

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-bench-durability-'));
  try {
    // 1. the load, durable then in memory, on one server (a fresh data directory)
    let s = await start(join(dir, 'a'), ['--durability', 'fsync', '--checkpoint-wal-size', '0']);
    const durable = await load((p) => request(s.port, '/openCypher', { query: N1, parameters: JSON.stringify({ params: p }) }));
    await request(s.port, '/graphs', { graphName: 'mem', provisionedMemory: 16 });
    const mem = await load((p) => request(s.port, '/queries', { query: N1, language: 'OPEN_CYPHER', parameters: { params: p } },
      { graphidentifier: 'mem' }));
    emit({ figure: 'nodestream_n1_load', rows: ROWS, batch: BATCH, connections: CONNS, durable_fsync_rows_per_s: Math.round(durable),
      in_memory_rows_per_s: Math.round(mem), ratio: +(durable / mem).toFixed(3) });
    // 2. a large log: bulk transactions of 20,000 nodes, no checkpoint, then SIGKILL and a timed replay
    for (let done = 0; done < REPLAY_NODES; done += 20000) {
      await request(s.port, '/openCypher', { query: `UNWIND range(1, 200) AS i UNWIND range(1, 100) AS j CREATE (:Bulk {b: ${done}, i: i, j: j, s: 'payload-' + toString(i)})` });
    }
    s.child.kill('SIGKILL');
    await s.exit;
    s = await start(join(dir, 'a'), ['--checkpoint-wal-size', '0']);
    const rp = /write-ahead log: ([0-9.]+) MiB read, ([0-9]+) transactions replayed in ([0-9.]+) s \(([0-9.]+) MiB\/s\)/.exec(s.stderr());
    emit({ figure: 'wal_replay', mib: rp && +rp[1], transactions: rp && +rp[2], seconds: rp && +rp[3], mib_per_s: rp && +rp[4] });
    // 3. the clean stop checkpoints the database
    s.child.kill('SIGTERM');
    await s.exit;
    const ck = /checkpointed database 'neo4j' to .*: ([0-9]+) nodes, [0-9]+ relationships, log record [0-9]+, ([0-9.]+) MiB in ([0-9.]+) s/.exec(s.stderr());
    emit({ figure: 'checkpoint_write', nodes: ck && +ck[1], mib: ck && +ck[2], seconds: ck && +ck[3],
      mib_per_s: ck && +(ck[2] / ck[3]).toFixed(1), nodes_per_s: ck && Math.round(ck[1] / ck[3]) });
  } finally {
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
