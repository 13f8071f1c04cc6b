// Durability benchmarks (bench/durability.sh, `make bench` section; BENCH_DURABILITY=0 skips):
//  1. Nodestream-shaped HTTP load -- N1 node upserts (MERGE on ~id, ON CREATE SET / ON MATCH SET +=), 150-row
//     requests, 10 keep-alive connections -- into a durable database with --durability fsync
//     (POST /openCypher), against the same load into an in-memory Analytics graph (CreateGraph, then
//     POST /queries) on a second server: rows/s each and the ratio (target >= 80%), each server's CPU seconds
//     per 1,000 rows (robust on a loaded machine), and the log's records per fdatasync (group commit).
//  2. Write-ahead log replay: a large log (REPLAY_MIB of bulk CREATE transactions written with
//     --durability async, no checkpoint), SIGKILL, restart: MiB/s of wall time (target >= 500) and of the
//     server's CPU time until it is loaded.
//  3. Checkpoint write: the clean stop after that checkpoints the database: MiB/s.
// Prints one JSON line per figure and a summary. Env: QUIVER_BIN, ROWS (60000), REPLAY_MIB (1024: the issue's
// 1 GiB; each 100,000-node request adds ~9.5 MiB of log), REPLAY_BATCH (100000 nodes per request).
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.QUIVER_BIN || 'build/quiver';
const ROWS = Number(process.env.ROWS || 60000);
const REPLAY_MIB = Number(process.env.REPLAY_MIB || 1024);
const REPLAY_BATCH = Number(process.env.REPLAY_BATCH || 100000);
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

// CPU seconds the process's live threads have run so far (/proc/PID/task/*/schedstat: /proc/PID/stat's tick
// counters read 0 on this VM's kernel). Threads that have exited are not counted.
function cpuSeconds(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* exited */ }
  }
  return ns / 1e9;
}
function loadavg() { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number); }
function walBytes(dir) {
  let n = 0;
  for (const f of readdirSync(join(dir, 'wal'))) n += statSync(join(dir, 'wal', f)).size;
  return n;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-bench-durability-'));
  try {
    // 1. the load, durable (server a) then in memory (server b), in the same run
    const load0 = loadavg();
    let s = await start(join(dir, 'a'), ['--durability', 'fsync', '--checkpoint-wal-size', '0']);
    let c0 = cpuSeconds(s.child.pid);
    const durable = await load((p) => request(s.port, '/openCypher', { query: N1, parameters: JSON.stringify({ params: p }) }));
    const durableCpu = cpuSeconds(s.child.pid) - c0;
    s.child.kill('SIGTERM');
    await s.exit;
    const rs = /write-ahead log: ([0-9]+) records in ([0-9]+) fdatasyncs/.exec(s.stderr());
    s = await start(join(dir, 'b'), ['--durability', 'fsync', '--checkpoint-wal-size', '0']);
    await request(s.port, '/graphs', { graphName: 'mem', provisionedMemory: 16 });
    c0 = cpuSeconds(s.child.pid);
    const mem = await load((p) => request(s.port, '/queries', { query: N1, language: 'OPEN_CYPHER', parameters: { params: p } },
      { graphidentifier: 'mem' }));
    const memCpu = cpuSeconds(s.child.pid) - c0;
    s.child.kill('SIGTERM');
    await s.exit;
    emit({ figure: 'nodestream_n1_load', rows: ROWS, batch: BATCH, connections: CONNS, loadavg_at_start: load0,
      durable_fsync_rows_per_s: Math.round(durable), in_memory_rows_per_s: Math.round(mem), ratio: +(durable / mem).toFixed(3),
      target_ratio: 0.8, met: durable / mem >= 0.8,
      durable_server_cpu_s_per_1000_rows: +(durableCpu * 1000 / ROWS).toFixed(4),
      in_memory_server_cpu_s_per_1000_rows: +(memCpu * 1000 / ROWS).toFixed(4),
      wal_records: rs && +rs[1], wal_fdatasyncs: rs && +rs[2], records_per_sync: rs && +(rs[1] / rs[2]).toFixed(2) });
    // 2. a large log: bulk transactions of REPLAY_BATCH nodes, no checkpoint, then SIGKILL and a timed replay
    s = await start(join(dir, 'c'), ['--durability', 'async', '--checkpoint-wal-size', '0']);
    const g0 = process.hrtime.bigint();
    let nodes = 0;
    const outer = Math.max(1, Math.round(REPLAY_BATCH / 100));
    while (walBytes(join(dir, 'c')) < REPLAY_MIB * 1048576) {
      await request(s.port, '/openCypher', { query: `UNWIND range(1, ${outer}) AS i UNWIND range(1, 100) AS j CREATE (:Bulk {b: ${nodes}, i: i, j: j, s: 'payload-' + toString(i)})` });
      nodes += outer * 100;
    }
    const genSeconds = Number(process.hrtime.bigint() - g0) / 1e9;
    await new Promise((r) => setTimeout(r, 1500)); // async: written by the commits, synced within a second
    s.child.kill('SIGKILL');
    await s.exit;
    const load1 = loadavg();
    s = await start(join(dir, 'c'), ['--checkpoint-wal-size', '0']);
    const replayCpu = cpuSeconds(s.child.pid);
    const rp = /write-ahead log: ([0-9.]+) MiB read, ([0-9]+) transactions replayed in ([0-9.]+) s \(([0-9.]+) MiB\/s\)/.exec(s.stderr());
    emit({ figure: 'wal_replay', nodes, generate_seconds: +genSeconds.toFixed(1), loadavg_at_start: load1,
      mib: rp && +rp[1], transactions: rp && +rp[2], seconds: rp && +rp[3], mib_per_s: rp && +rp[4],
      server_cpu_s_to_loaded: replayCpu, mib_per_cpu_s: rp && +(rp[1] / replayCpu).toFixed(1),
      target_mib_per_s: 500, met: !!rp && +rp[4] >= 500 });
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
