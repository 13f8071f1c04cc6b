// report.mjs — turns the JSON lines of one benchmark run (bench/out/results-*.jsonl) into the Markdown
// tables of bench/RESULTS.md: the machine, then per dataset quiver against Kuzu (import speed, the ratio of
// quiver's speed to Kuzu's, memory per relationship; export speed per quiver export batch size and
// Kuzu's COPY TO Parquet, with the ratio of rows/s), every figure as median (min–max) over the runs, and
// the import targets judged on the medians. Owns only the presentation: it reads, never runs
// anything but the few commands that describe the machine.
//
// usage: node bench/report.mjs RESULTS.jsonl

import fs from 'node:fs';
import os from 'node:os';
import { execSync } from 'node:child_process';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/report.mjs RESULTS.jsonl');
  process.exit(2);
}
const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
};
const model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1");
const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);

const M = (x) => (x / 1e6).toFixed(2) + ' M';
const s = (x) => x.toFixed(2);
const mib = (b) => (b / 2 ** 20).toFixed(0) + ' MiB';
const perRel = (b, r) => (b > 0 && r > 0 ? (b / r).toFixed(1) : '–');

// Every figure is reported over the runs of its (dataset, system): the median, then (min–max) when
// there was more than one run (BENCH_REPEAT). Medians of an even count are the mean of the middle two.
const groupOf = (d, sys) => rows.filter((r) => r.dataset === d && r.system === sys);
const stat = (rs, get) => {
  const v = rs.map(get).filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const mid = v.length >> 1;
  return { min: v[0], max: v[v.length - 1], med: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2, n: v.length };
};
// "median (min–max)" with f applied to each, or "–"
const fmt = (rs, get, f) => {
  const st = stat(rs, get);
  if (!st) return '–';
  return st.n > 1 && st.min !== st.max ? `${f(st.med)} (${f(st.min)}–${f(st.max)})` : f(st.med);
};
const med = (rs, get) => stat(rs, get)?.med;
const runs = (d, sys) => groupOf(d, sys).length;
const datasets = [...new Set(rows.map((r) => r.dataset))];

const out = [];
out.push(`Machine: ${os.cpus().length} CPUs (${model}), ${memGiB} GiB RAM, ${os.type()} ${os.release()}; ` +
  `node ${process.version}. Load average when each load started is in the raw JSON (loadavg_before).`);
out.push('Each figure: median over the runs, then (min–max) when there were several (BENCH_REPEAT).');
out.push('');
out.push('| dataset | system | nodes | rels | node phase s | rel phase s | total s | nodes/s | rels/s (rel phase) | rels/s (end to end) | runs |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const d of datasets) {
  for (const sys of ['quiver', 'kuzu']) {
    const rs = groupOf(d, sys);
    if (!rs.length) continue;
    out.push(`| ${d} | ${sys} | ${rs[0].nodes} | ${rs[0].rels} | ${fmt(rs, (r) => r.node_seconds, s)} | ` +
      `${fmt(rs, (r) => r.rel_seconds, s)} | ${fmt(rs, (r) => r.total_seconds, s)} | ${fmt(rs, (r) => r.nodes_per_s, M)} | ` +
      `${fmt(rs, (r) => r.rels_per_s, M)} | ${fmt(rs, (r) => r.rels_per_s_total, M)} | ${rs.length} |`);
  }
  const q = groupOf(d, 'quiver'), k = groupOf(d, 'kuzu');
  if (q.length && k.length) {
    const ratio = (get, inv) => {
      const a = med(q, get), b = med(k, get);
      return a && b ? (inv ? b / a : a / b).toFixed(1) + 'x' : '–';
    };
    out.push(`| ${d} | **quiver / Kuzu** (medians) | | | ${ratio((r) => r.node_seconds, true)} | ` +
      `${ratio((r) => r.rel_seconds, true)} | ${ratio((r) => r.total_seconds, true)} | ` +
      `${ratio((r) => r.nodes_per_s)} | ${ratio((r) => r.rels_per_s)} | ${ratio((r) => r.rels_per_s_total)} | |`);
  }
}
out.push('');
out.push('| dataset | system | peak RSS | peak RSS B/rel | topology B/rel | graph memory B/rel | CPU s (server or Kuzu) | client CPU s | threads |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
const per = (field) => (r) => (r[field] > 0 && r.rels > 0 ? r[field] / r.rels : undefined);
const f1 = (x) => x.toFixed(1), f2 = (x) => x.toFixed(2), mibf = (x) => mib(x);
for (const d of datasets) {
  for (const sys of ['quiver', 'kuzu']) {
    const rs = groupOf(d, sys);
    if (!rs.length) continue;
    const r = rs[0];
    if (sys === 'quiver') {
      out.push(`| ${d} | quiver | ${fmt(rs, (x) => x.server_peak_rss_bytes, mibf)} | ${fmt(rs, per('server_peak_rss_bytes'), f1)} | ` +
        `${fmt(rs, per('topology_bytes'), f1)} | ${fmt(rs, per('memory_bytes'), f1)} | ${fmt(rs, (x) => x.server_cpu_seconds, f2)} | ` +
        `${fmt(rs, (x) => x.client_cpu_seconds, f2)} | server ${r.threads}, client ${r.connections} conn / ${r.streams} streams |`);
    } else {
      out.push(`| ${d} | kuzu ${r.kuzu_version} (${r.db}) | ${fmt(rs, (x) => x.max_rss_bytes, mibf)} | ` +
        `${fmt(rs, per('max_rss_bytes'), f1)} | – | – | ${fmt(rs, (x) => x.cpu_seconds, f2)} | – | ${r.threads} |`);
    }
  }
}

// Export: per dataset and quiver export batch size / stream count, and Kuzu's COPY TO.
const ex = rows.filter((r) => r.export_seconds > 0);
if (ex.length) {
  const key = (r) => `${r.dataset}\u0000${r.system}\u0000${r.server_export_batch_size ?? ''}\u0000${r.export_streams ?? ''}`;
  const groups = new Map();
  for (const r of ex) {
    if (!groups.has(key(r))) groups.set(key(r), []);
    groups.get(key(r)).push(r);
  }
  const GB = (x) => (x / 1e9).toFixed(2);
  const f0 = (x) => x.toFixed(0);
  out.push('');
  out.push('| dataset | system | export | rows | seconds | rows/s | bytes | MB/s | MB/s of the 16 B/row id pairs | client CPU s | runs |');
  out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const d of datasets) {
    const qs = [...groups.values()].filter((g) => g[0].dataset === d && g[0].system === 'quiver')
      .sort((a, b) => a[0].server_export_batch_size - b[0].server_export_batch_size || a[0].export_streams - b[0].export_streams);
    const k = [...groups.values()].find((g) => g[0].dataset === d && g[0].system === 'kuzu');
    for (const g of qs) {
      const r = g[0];
      out.push(`| ${d} | quiver | DoGet, batches of ${r.server_export_batch_size}, ${r.export_streams} stream(s) | ` +
        `${r.export_rows} | ${fmt(g, (x) => x.export_seconds, s)} | ${fmt(g, (x) => x.export_rows_per_s, M)} | ${GB(r.export_bytes)} GB (Arrow) | ` +
        `${fmt(g, (x) => x.export_MB_per_s, f0)} | ${fmt(g, (x) => (x.export_rows * 16) / 1e6 / x.export_seconds, f0)} | ` +
        `${fmt(g, (x) => x.export_client_cpu_seconds, f2)} | ${g.length} |`);
    }
    if (k) {
      const r = k[0];
      out.push(`| ${d} | kuzu ${r.kuzu_version} | COPY (MATCH ...) TO Parquet | ${r.export_rows} | ${fmt(k, (x) => x.export_seconds, s)} | ` +
        `${fmt(k, (x) => x.export_rows_per_s, M)} | ${GB(r.export_bytes)} GB (Parquet file) | ${fmt(k, (x) => x.export_MB_per_s, f0)} | ` +
        `${fmt(k, (x) => x.export_raw_MB_per_s, f0)} | – | ${k.length} |`);
      const qb = qs.reduce((b, g) => (!b || med(g, (x) => x.export_rows_per_s) > med(b, (x) => x.export_rows_per_s) ? g : b), null);
      if (qb) {
        const qm = med(qb, (x) => x.export_seconds), km = med(k, (x) => x.export_seconds);
        out.push(`| ${d} | **quiver / Kuzu** (medians) | best quiver (batches of ${qb[0].server_export_batch_size}) | | ` +
          `${(km / qm).toFixed(1)}x | ${(med(qb, (x) => x.export_rows_per_s) / med(k, (x) => x.export_rows_per_s)).toFixed(1)}x | | | | | |`);
      }
    }
  }
}

// The import targets of issue 9, judged on medians.
const targets = [
  { match: /^synthetic-4M-64M$/, rels: 20e6, memory: true },
  { match: /^amazon0601$/, rels: 15e6, memory: false },   // its peak RSS is mostly the server's fixed size
];
const verdicts = [];
for (const d of datasets) {
  const rs = groupOf(d, 'quiver');
  const t = targets.find((x) => x.match.test(d));
  if (!rs.length || !t) continue;
  const m = med(rs, (r) => r.rels_per_s_total), topo = med(rs, per('topology_bytes')), rss = med(rs, per('server_peak_rss_bytes'));
  verdicts.push(`- ${d}: ${M(m)} rels/s end to end (median of ${rs.length}) against >= ${M(t.rels)}: ` +
    `${m >= t.rels ? 'met' : 'NOT met'}${rs.length < 5 ? ' (fewer than 5 runs: set BENCH_REPEAT=5)' : ''}; topology ` +
    `${topo ? topo.toFixed(1) : '–'} B/rel (<= 16: ${topo <= 16 ? 'ok' : 'NOT ok'}), peak RSS ${rss ? rss.toFixed(1) : '–'} ` +
    `B/rel${t.memory ? ` (<= 20: ${rss <= 20 ? 'ok' : 'NOT ok'})` : ' (budget judged on the 64 M graph)'}`);
}
if (verdicts.length) {
  out.push('');
  out.push('Import targets (issue 9):');
  out.push(...verdicts);
}

// Export repeatability (issue 9: every one of 10 consecutive exports on one server within 1.3x of the
// fastest, >= 1 GB/s median): one line per quiver load that exported more than once
// (QV_EXPORT_ARGS="--export-repeat N"), with the server's CPU seconds and minor faults per export (run.sh
// passes --server-pid) and the load average when the load started: a slow export whose server CPU is
// flat was waiting (the machine, the client), one whose CPU or faults jump did more work.
const reps = rows.filter((r) => r.system === 'quiver' && Array.isArray(r.exports) && r.exports.length > 1);
if (reps.length) {
  out.push('');
  out.push('Export repeatability (consecutive exports on one server; target: each within 1.3x of the fastest):');
  for (const r of reps) {
    const secs = r.exports.map((e) => e.seconds).sort((a, b) => a - b);
    const mid = secs.length % 2 ? secs[(secs.length - 1) / 2] : (secs[secs.length / 2 - 1] + secs[secs.length / 2]) / 2;
    const ratio = secs[secs.length - 1] / secs[0];
    const gbps = (r.export_bytes / 1e9) / mid;
    out.push(`- ${r.dataset}, batches of ${r.server_export_batch_size}, ${r.export_streams} stream(s), load ${r.loadavg_before}: ` +
      `${secs.length} exports, min ${secs[0].toFixed(3)} / median ${mid.toFixed(3)} / max ${secs[secs.length - 1].toFixed(3)} s ` +
      `(${ratio.toFixed(2)}x the fastest: ${ratio <= 1.3 ? 'met' : 'NOT met'}; median ${gbps.toFixed(2)} GB/s: ` +
      `${gbps >= 1 ? 'met' : 'NOT met'})`);
    const cpu = r.exports.map((e) => e.server_cpu_seconds).filter((x) => typeof x === 'number');
    if (cpu.length === secs.length) {
      const flt = r.exports.map((e) => e.server_minor_faults ?? 0);
      out.push(`  server CPU s per export, in order: ${cpu.map((x) => x.toFixed(2)).join(', ')}; seconds: ` +
        `${r.exports.map((e) => e.seconds.toFixed(3)).join(', ')}; minor faults: ${flt.join(', ')}`);
    }
  }
}
console.log(out.join('\n'));
