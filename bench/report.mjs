// report.mjs — turns the JSON lines of one benchmark run (bench/out/results-*.jsonl) into the Markdown
// tables of bench/RESULTS.md: the machine, then per dataset quiver against Kuzu (speed, the ratio of
// quiver's speed to Kuzu's, memory per relationship). Owns only the presentation: it reads, never runs
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
console.log(out.join('\n'));
