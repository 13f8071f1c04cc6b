#!/usr/bin/env bash
# bench/durability.sh — durability figures for `make bench` (BENCH_DURABILITY=0 skips): the Nodestream-shaped
# load durable (--durability fsync) vs in memory, write-ahead log replay speed (1 GiB of log by default:
# REPLAY_MIB), checkpoint write speed. See bench/durability.mjs; figures go to bench/out/durability-<stamp>.jsonl
# (one JSON object per line) and a summary against the targets is printed after them.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export QUIVER_BIN=${QUIVER_BIN:-$BUILD/quiver}
mkdir -p bench/out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/out/durability-$stamp.jsonl
echo "== durability ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)) -> $out"
node --expose-gc bench/durability.mjs | tee "$out"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const f = Object.fromEntries(rows.map((r) => [r.figure, r]));
const n = f.nodestream_n1_load, w = f.wal_replay, k = f.checkpoint_write;
console.log("\n| figure | value | target | met |\n|---|---|---|---|");
if (n) {
  console.log(`| durable (neo4j, /openCypher) / in-memory (/queries) N1 load, median of the ${n.rounds} per-round ratios (spread ${(n.ratio_min * 100).toFixed(0)}-${(n.ratio_max * 100).toFixed(0)}%); median rates ${n.durable_fsync_rows_per_s} / ${n.in_memory_rows_per_s} rows/s | ${(n.ratio * 100).toFixed(0)}% | >= 80% | ${n.met ? "yes" : "no"} |`);
  console.log(`| durable Analytics graph / in-memory, both /queries, ${n.durable_queries_rows_per_s} / ${n.in_memory_rows_per_s} rows/s | ${(n.ratio_same_endpoint * 100).toFixed(0)}% | | |`);
  const c = n.server_cpu_s_per_1000_rows;
  console.log(`| server CPU s per 1,000 rows: neo4j / durable graph / in memory | ${c.durable_opencypher} / ${c.durable_queries} / ${c.in_memory} | | |`);
  const m = n.machine_cpu_s_per_1000_rows;
  if (m) console.log(`| machine CPU s per 1,000 rows (client, server, kernel threads): neo4j / durable graph / in memory | ${m.durable_opencypher} / ${m.durable_queries} / ${m.in_memory} | | |`);
  console.log(`| WAL records per fdatasync (group commit) | ${n.records_per_sync}${n.wal_left_to_successor != null ? ` (${n.wal_left_to_successor} of ${n.wal_records} commits left their sync to a successor)` : ""} | | |`);
}
if (w) {
  console.log(`| WAL replay, ${w.mib} MiB, ${w.transactions} transactions | ${w.mib_per_s} MiB/s (${w.seconds} s) | >= 500 MB/s | ${w.met ? "yes" : "no"} |`);
  console.log(`| WAL replay per server CPU second (start-up included) | ${w.mib_per_cpu_s} MiB/s | | |`);
}
if (k) console.log(`| checkpoint write at clean stop, ${k.mib} MiB | ${k.mib_per_s} MiB/s | | |`);
' "$out"
