// report.mjs — turns the JSON lines of one benchmark run (bench/out/results-*.jsonl) into the Markdown
// tables of bench/RESULTS.md: the machine, then per dataset quiver against Kuzu (import speed, the ratio of
// quiver's speed to Kuzu's, memory per relationship; export speed per quiver export batch size and
// Kuzu's COPY TO Parquet, with the ratio of rows/s). Owns only the presentation: it reads, never runs
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

// Best run per (dataset, system): the shortest total time.
const best = new Map();
for (const r of rows) {
  const k = `${r.dataset}\u0000${r.system}`;
  const cur = best.get(k);
  if (!cur || r.total_seconds < cur.total_seconds) best.set(k, r);
}
const runs = (d, sys) => rows.filter((r) => r.dataset === d && r.system === sys).length;
const datasets = [...new Set(rows.map((r) => r.dataset))];

const out = [];
out.push(`Machine: ${os.cpus().length} CPUs (${model}), ${memGiB} GiB RAM, ${os.type()} ${os.release()}; ` +
  `node ${process.version}. Load average when each load started is in the raw JSON (loadavg_before).`);
out.push('');
out.push('| dataset | system | nodes | rels | node phase s | rel phase s | total s | nodes/s | rels/s (rel phase) | rels/s (end to end) | runs |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const d of datasets) {
  for (const sys of ['quiver', 'kuzu']) {
    const r = best.get(`${d}\u0000${sys}`);
    if (!r) continue;
    out.push(`| ${d} | ${sys} | ${r.nodes} | ${r.rels} | ${s(r.node_seconds)} | ${s(r.rel_seconds)} | ` +
      `${s(r.total_seconds)} | ${M(r.nodes_per_s)} | ${M(r.rels_per_s)} | ${M(r.rels_per_s_total)} | ${runs(d, sys)} |`);
  }
  const q = best.get(`${d}\u0000quiver`), k = best.get(`${d}\u0000kuzu`);
  if (q && k) {
    out.push(`| ${d} | **quiver / Kuzu** | | | ${(k.node_seconds / q.node_seconds).toFixed(1)}x | ` +
      `${(k.rel_seconds / q.rel_seconds).toFixed(1)}x | ${(k.total_seconds / q.total_seconds).toFixed(1)}x | ` +
      `${(q.nodes_per_s / k.nodes_per_s).toFixed(1)}x | ${(q.rels_per_s / k.rels_per_s).toFixed(1)}x | ` +
      `${(q.rels_per_s_total / k.rels_per_s_total).toFixed(1)}x | |`);
  }
}
out.push('');
out.push('| dataset | system | peak RSS | peak RSS B/rel | topology B/rel | graph memory B/rel | CPU s (server or Kuzu) | client CPU s | threads |');
out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const d of datasets) {
  for (const sys of ['quiver', 'kuzu']) {
    const r = best.get(`${d}\u0000${sys}`);
    if (!r) continue;
    if (sys === 'quiver') {
      out.push(`| ${d} | quiver | ${mib(r.server_peak_rss_bytes)} | ${perRel(r.server_peak_rss_bytes, r.rels)} | ` +
        `${perRel(r.topology_bytes, r.rels)} | ${perRel(r.memory_bytes, r.rels)} | ${r.server_cpu_seconds} | ` +
        `${r.client_cpu_seconds} | server ${r.threads}, client ${r.connections} conn / ${r.streams} streams |`);
    } else {
      out.push(`| ${d} | kuzu ${r.kuzu_version} (${r.db}) | ${mib(r.max_rss_bytes)} | ${perRel(r.max_rss_bytes, r.rels)} | – | ` +
        `– | ${r.cpu_seconds} | – | ${r.threads} |`);
    }
  }
}

// Export: best (shortest) export per dataset and quiver export batch size / stream count, and Kuzu's.
const ex = rows.filter((r) => r.export_seconds > 0);
if (ex.length) {
  const key = (r) => `${r.dataset}\u0000${r.system}\u0000${r.server_export_batch_size ?? ''}\u0000${r.export_streams ?? ''}`;
  const bestEx = new Map();
  for (const r of ex) {
    const cur = bestEx.get(key(r));
    if (!cur || r.export_seconds < cur.export_seconds) bestEx.set(key(r), r);
  }
  const all = [...bestEx.values()];
  const cnt = (r) => ex.filter((x) => key(x) === key(r)).length;
  const GB = (x) => (x / 1e9).toFixed(2);
  out.push('');
  out.push('| dataset | system | export | rows | seconds | rows/s | bytes | MB/s | MB/s of the 16 B/row id pairs | client CPU s | runs |');
  out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const d of datasets) {
    const qs = all.filter((r) => r.dataset === d && r.system === 'quiver')
      .sort((a, b) => a.server_export_batch_size - b.server_export_batch_size || a.export_streams - b.export_streams);
    const k = all.find((r) => r.dataset === d && r.system === 'kuzu');
    for (const r of qs) {
      out.push(`| ${d} | quiver | DoGet, batches of ${r.server_export_batch_size}, ${r.export_streams} stream(s) | ` +
        `${r.export_rows} | ${s(r.export_seconds)} | ${M(r.export_rows_per_s)} | ${GB(r.export_bytes)} GB (Arrow) | ` +
        `${r.export_MB_per_s.toFixed(0)} | ${(r.export_rows * 16 / 1e6 / r.export_seconds).toFixed(0)} | ` +
        `${r.export_client_cpu_seconds} | ${cnt(r)} |`);
    }
    if (k) {
      out.push(`| ${d} | kuzu ${k.kuzu_version} | COPY (MATCH ...) TO Parquet | ${k.export_rows} | ${s(k.export_seconds)} | ` +
        `${M(k.export_rows_per_s)} | ${GB(k.export_bytes)} GB (Parquet file) | ${k.export_MB_per_s.toFixed(0)} | ` +
        `${k.export_raw_MB_per_s.toFixed(0)} | – | ${cnt(k)} |`);
      const qb = qs.reduce((b, r) => (!b || r.export_rows_per_s > b.export_rows_per_s ? r : b), null);
      if (qb) {
        out.push(`| ${d} | **quiver / Kuzu** | best quiver (batches of ${qb.server_export_batch_size}) | | ` +
          `${(k.export_seconds / qb.export_seconds).toFixed(1)}x | ${(qb.export_rows_per_s / k.export_rows_per_s).toFixed(1)}x | | | | | |`);
      }
    }
  }
}
console.log(out.join('\n'));
