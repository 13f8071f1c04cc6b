// Durability benchmarks (bench/durability.sh, `make bench` section; BENCH_DURABILITY=0 skips):
//  1. Nodestream-shaped HTTP load -- N1 node upserts (MERGE on ~id, ON CREATE SET / ON MATCH SET +=), 150-row
//     requests, 10 keep-alive connections -- into a durable database with --durability fsync
//     (POST /openCypher), against the same load into an in-memory Analytics graph (CreateGraph, then
//     POST /queries): rows/s each and the ratio (target >= 80%); also a durable Analytics graph through the
//     same POST /queries (the cost of durability alone), the server's CPU seconds per 1,000 rows of each
//     (robust on a loaded machine), and the log's records per fdatasync (group commit). ROUNDS rounds of
//     the three loads in turn (the order reversed every other round), medians; the ratio is the median of
//     the per-round ratios (each round's loads ran back to back), with their spread.
//  2. Write-ahead log replay: a large log (REPLAY_MIB of bulk CREATE transactions written with
//     --durability async, no checkpoint), SIGKILL, restart: MiB/s of wall time (target >= 500) and of the
//     server's CPU time until it is loaded (all its threads: the server reports it).
//  3. Checkpoint write: the clean stop after that checkpoints the database: MiB/s.
// Prints one JSON line per figure and a summary. Env: QUIVER_BIN, ROWS (60000), ROUNDS (5), REPLAY_MIB (1024: the issue's
// 1 GiB; each 100,000-node request adds ~9.5 MiB of log; 0 skips 2 and 3), REPLAY_BATCH (100000 nodes per
// request), LOAD_DURABILITY (fsync: the phase-1 server's --durability).
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.QUIVER_BIN || 'build/quiver';
const ROWS = Number(process.env.ROWS || 60000);
const ROUNDS = Number(process.env.ROUNDS || 5);
const LOAD_DURABILITY = process.env.LOAD_DURABILITY || 'fsync'; // async: what waiting for the sync costs
const REPLAY_MIB = Number(process.env.REPLAY_MIB ?? 1024);
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
// body: an object, or a request body already serialized (the timed loads serialize theirs before the clock)
function request(port, path, body, headers = {}) {
  const data = typeof body === 'string' ? body : JSON.stringify(body);
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
function rows(n, round) {
  return Array.from({ length: n }, (_, i) => ({ __node_id: `Person_name:p${i}r${round}_ssn:${1000 + i}`, last_ingested_at: T0,
    last_ingested_by_pipe_at: T0, was_ingested_by_pipe: true, age: 20 + (i % 50) }));
}

// 10 workers take 150-row parts in order until none is left; returns rows/s. Each part's request body is
// serialized before the clock starts (kind.body), as bench/http.mjs does: the client shares the two CPUs with
// the server, and /openCypher's body (parameters as JSON text inside JSON) costs the Node client about twice
// as much to build as /queries' — that would be measured as the endpoint's cost, not the server's.
async function load(kind, round) {
  const all = rows(ROWS, round);
  const bodies = [];
  for (let i = 0; i < all.length; i += BATCH) bodies.push(kind.body(all.slice(i, i + BATCH)));
  // the garbage of building them (for /openCypher twice: each inner json.dumps string is copied into the outer
  // body) must not be collected on the clock: the client shares the two CPUs with the server
  if (global.gc) global.gc();
  await new Promise((r) => setTimeout(r, 10)); // the observer reports that collection before the clock
  let next = 0;
  const g0 = gcMs, t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONNS }, async () => {
    while (next < bodies.length) await kind.send(bodies[next++]);
  }));
  const rate = ROWS / (Number(process.hrtime.bigint() - t0) / 1e9);
  await new Promise((r) => setTimeout(r, 10));
  return { rate, gc: +(gcMs - g0).toFixed(1) };
}

function emit(o) { console.log(JSON.stringify(o)); }

// milliseconds the client spent in garbage collection so far (a load's share is reported: it competes with the
// server for the two CPUs, and was what set /openCypher's load apart before the collection before the clock)
let gcMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; }).observe({ entryTypes: ['gc'] });

// CPU seconds the process's live threads have run so far (/proc/PID/task/*/schedstat: /proc/PID/stat's tick
// counters read 0 on this VM's kernel). Threads that have exited are not counted.
function cpuSeconds(pid) {
  let ns = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* exited */ }
  }
  return ns / 1e9;
}
// Busy CPU seconds of the whole machine so far (/proc/stat, every CPU; idle, iowait and steal excluded): what the server
// makes the kernel do outside its own threads (the ext4 journal thread, writeback workers) counts here too.
function machineCpuSeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f[0] + f[1] + f[2] + f[5] + f[6]) / 100; // user nice system irq softirq (not steal), USER_HZ ticks
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
    // 1. the load into three graphs of one server (--durability fsync), ROUNDS rounds, the three loads in turn in
    // each round (fresh ids per round: every row creates a node), medians per load: the durable database
    // neo4j through POST /openCypher (parameters as json.dumps text, as Nodestream sends to Neptune Database),
    // a durable Analytics graph (tag quiver:durable) and an in-memory one, both through POST /queries.
    const load0 = loadavg();
    let s = await start(join(dir, 'a'), ['--durability', LOAD_DURABILITY, '--checkpoint-wal-size', '0']);
    await request(s.port, '/graphs', { graphName: 'mem', provisionedMemory: 16 });
    await request(s.port, '/graphs', { graphName: 'dur', provisionedMemory: 16, tags: { 'quiver:durable': 'true' } });
    const viaQueries = (g) => ({
      body: (p) => JSON.stringify({ query: N1, language: 'OPEN_CYPHER', parameters: { params: p } }),
      send: (b) => request(s.port, '/queries', b, { graphidentifier: g }),
    });
    const kinds = {
      durable_opencypher: {
        body: (p) => JSON.stringify({ query: N1, parameters: JSON.stringify({ params: p }) }),
        send: (b) => request(s.port, '/openCypher', b),
      },
      durable_queries: viaQueries('dur'),
      in_memory: viaQueries('mem'),
    };
    const got = Object.fromEntries(Object.keys(kinds).map((k) => [k, { rate: [], cpu: [], mcpu: [], gc: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      // the order alternates from round to round, so that neither load always runs first (warm-up, load drift)
      const order = Object.entries(kinds);
      if (round % 2) order.reverse();
      for (const [k, kind] of order) {
        const c0 = cpuSeconds(s.child.pid), m0 = machineCpuSeconds();
        const l = await load(kind, round);
        got[k].rate.push(l.rate);
        got[k].gc.push(l.gc);
        got[k].cpu.push((cpuSeconds(s.child.pid) - c0) * 1000 / ROWS);
        got[k].mcpu.push((machineCpuSeconds() - m0) * 1000 / ROWS);
      }
    }
    s.child.kill('SIGTERM');
    await s.exit;
    const rs = /write-ahead log: ([0-9]+) records in ([0-9]+) fdatasyncs(?: \([0-9.]+ per sync; ([0-9]+) commits left their sync)?/.exec(s.stderr());
    const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
    const r = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, Math.round(median(v.rate))]));
    // the ratio per round (durable and in-memory loads of the same round ran back to back, under the same
    // machine load): its median is the figure, its spread says how much to trust it
    const paired = got.durable_opencypher.rate.map((d, i) => d / got.in_memory.rate[i]);
    const pairedSame = got.durable_queries.rate.map((d, i) => d / got.in_memory.rate[i]);
    const ratio = median(paired);
    const cpu = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, +median(v.cpu).toFixed(4)]));
    const mcpu = Object.fromEntries(Object.entries(got).map(([k, v]) => [k, +median(v.mcpu).toFixed(4)]));
    emit({ figure: 'nodestream_n1_load', durability: LOAD_DURABILITY, rows: ROWS, rounds: ROUNDS, batch: BATCH, connections: CONNS, loadavg_at_start: load0,
      durable_fsync_rows_per_s: r.durable_opencypher, durable_queries_rows_per_s: r.durable_queries,
      in_memory_rows_per_s: r.in_memory, ratio: +ratio.toFixed(3),
      ratio_rounds: paired.map((x) => +x.toFixed(3)), ratio_min: +Math.min(...paired).toFixed(3),
      ratio_max: +Math.max(...paired).toFixed(3), ratio_of_medians: +(r.durable_opencypher / r.in_memory).toFixed(3),
      ratio_same_endpoint: +median(pairedSame).toFixed(3), target_ratio: 0.8,
      met: ratio >= 0.8, server_cpu_s_per_1000_rows: cpu, machine_cpu_s_per_1000_rows: mcpu,
      rounds_rows_per_s: Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.rate.map(Math.round)])),
      client_gc_ms_per_load: Object.fromEntries(Object.entries(got).map(([k, v]) => [k, v.gc])),
      wal_records: rs && +rs[1], wal_fdatasyncs: rs && +rs[2], records_per_sync: rs && +(rs[1] / rs[2]).toFixed(2),
      wal_left_to_successor: rs && rs[3] !== undefined ? +rs[3] : null,
      group_env: Object.fromEntries(['QV_WAL_SYNCS_MAX', 'QV_WAL_SYNC_OVERLAP_US', 'QV_WAL_GROUP_MAX', 'QV_WAL_GROUP_WAIT_US'].filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])) });
    if (!REPLAY_MIB) return;
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
    const rp = /write-ahead log: ([0-9.]+) MiB read, ([0-9]+) transactions replayed in ([0-9.]+) s \(([0-9.]+) MiB\/s\); the process has used ([0-9.]+) CPU s/.exec(s.stderr());
    // getrusage in the server: the replay's decoder thread has ended by now, and /proc/PID/task no longer lists it
    const replayCpu = rp ? +rp[5] : cpuSeconds(s.child.pid);
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
