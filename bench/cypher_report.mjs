// cypher_report.mjs — turns the JSON lines of one openCypher benchmark run (qv_bench_cypher and
// kuzu_cypher.mjs, bench/out/cypher-*.jsonl) into the Markdown tables of bench/RESULTS.md: Nodestream-shaped
// ingest (rows/s per phase and load, quiver against Kuzu, the ratio), memory per node and relationship, and
// the LDBC reads (median and p99 latency, the ratio, and the row counts as a cross-check that both systems
// answered the same). Owns only the presentation: reads, never runs anything but the commands that
// describe the machine.
//
// usage: node bench/cypher_report.mjs RESULTS.jsonl

import fs from 'node:fs';
import os from 'node:os';
import { execSync } from 'node:child_process';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/cypher_report.mjs RESULTS.jsonl');
  process.exit(2);
}
const rows = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
  .filter((r) => r.bench === 'cypher');

const sh = (cmd) => {
  try {
    return execSync(cmd, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '?';
  }
};
const model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1");
const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
const K = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + ' M' : (x / 1e3).toFixed(1) + ' K');
const ratio = (a, b) => (a > 0 && b > 0 ? (a / b).toFixed(1) + 'x' : '–');
const ms = (x) => (x === undefined ? '–' : x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0));
const find = (sys, pred) => rows.find((r) => r.system === sys && pred(r));

const out = [];
out.push(`Machine: ${os.cpus().length} CPUs (${model}), ${memGiB} GiB RAM, ${os.type()} ${os.release()}; ` +
  `node ${process.version}. Load average at each phase is in the raw JSON (loadavg).`);
out.push('');
out.push('**Nodestream-shaped ingest** (N1 node upsert, R1 relationship upsert, 150-row `UNWIND $params` batches, ' +
  'LDBC SNB SF0.1; query time only; load 2 = the same rows again, all MERGE hits):');
out.push('');
out.push('| phase | load | rows | quiver s | quiver rows/s | Kuzu s | Kuzu rows/s | quiver / Kuzu | quiver CPU s: process / query thread | quiver rows per process CPU s |');
out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const load of [1, 2]) {
  for (const what of ['nodes', 'rels']) {
    const pred = (r) => r.kind === 'ingest' && r.load === load && r.what === what;
    const q = find('quiver', pred), k = find('kuzu', pred);
    if (!q && !k) continue;
    const name = what === 'nodes' ? 'nodes (N1)' : 'relationships (R1)';
    const krows = k && q && k.rows !== q.rows ? ` (${k.rows} rows, sample ${k.sample})` : '';
    out.push(`| ${name} | ${load} | ${(q || k).rows} | ${q ? q.seconds.toFixed(2) : '–'} | ${q ? K(q.rows_per_s) : '–'} | ` +
      `${k ? k.seconds.toFixed(2) + krows : '–'} | ${k ? K(k.rows_per_s) : '–'} | ` +
      `${q && k ? ratio(q.rows_per_s, k.rows_per_s) : '–'} | ` +
      `${q && q.cpu_seconds !== undefined ? `${q.cpu_seconds.toFixed(1)} / ${q.thread_cpu_seconds.toFixed(1)}` : '–'} | ` +
      `${q && q.cpu_seconds ? K(q.rows / q.cpu_seconds) : '–'} |`);
  }
}
out.push('');
const qm = find('quiver', (r) => r.kind === 'memory');
const am = find('quiver-arrow', (r) => r.kind === 'memory');
if (qm || am) {
  out.push('**Memory** after the first load (RSS growth; quiver after `graph_compact` and `malloc_trim`):');
  out.push('');
  out.push('| system | nodes | relationships | bytes / node | bytes / relationship | how |');
  out.push('|---|---:|---:|---:|---:|---|');
  // Kuzu's figure (in the JSON) is its buffer pool's growth over a sample, not comparable: not shown.
  for (const [name, m] of [['quiver (openCypher-built)', qm], ['quiver (Arrow-built, same data)', am]]) {
    if (!m) continue;
    out.push(`| ${name} | ${m.nodes} | ${m.rels} | ${m.bytes_per_node.toFixed(0)} | ${m.bytes_per_rel.toFixed(0)} | ${m.method} |`);
  }
  if (qm && am) {
    out.push(`| **openCypher / Arrow** | | | ${ratio(qm.bytes_per_node, am.bytes_per_node)} | ` +
      `${ratio(qm.bytes_per_rel, am.bytes_per_rel)} | |`);
  }
  out.push('');
}
const reads = [...new Set(rows.filter((r) => r.kind === 'read').map((r) => r.query))];
if (reads.length) {
  const draws = rows.find((r) => r.kind === 'read').draws;
  out.push(`**LDBC SNB Interactive reads** on the loaded graph (${draws} seeded parameter draws each, latency in ms ` +
    'from the query call to the last row; ratio = Kuzu / quiver, > 1 means quiver is faster):');
  out.push('');
  out.push('| query | quiver median | quiver p99 | Kuzu median | Kuzu p99 | median ratio | p99 ratio | Kuzu draws | rows of the first 10 draws (quiver / Kuzu) |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const name of reads) {
    const q = find('quiver', (r) => r.kind === 'read' && r.query === name);
    const k = find('kuzu', (r) => r.kind === 'read' && r.query === name);
    const same = q && k ? (q.rows_first10 === k.rows_first10 ? `${q.rows_first10} (same)` : `**${q.rows_first10} / ${k.rows_first10}**`) : `${(q || k).rows_first10}`;
    out.push(`| ${name} | ${ms(q?.median_ms)} | ${ms(q?.p99_ms)} | ${ms(k?.median_ms)} | ${ms(k?.p99_ms)} | ` +
      `${q && k ? ratio(k.median_ms, q.median_ms) : '–'} | ${q && k ? ratio(k.p99_ms, q.p99_ms) : '–'} | ${k ? k.draws : '–'} | ${same} |`);
  }
  out.push('');
}
console.log(out.join('\n'));
