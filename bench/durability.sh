#!/usr/bin/env bash
# bench/durability.sh — durability figures for `make bench` (BENCH_DURABILITY=0 skips): the Nodestream-shaped
# load durable (--durability fsync) vs in memory, write-ahead log replay speed, checkpoint write speed.
# See bench/durability.mjs; figures go to bench/out/durability-<stamp>.jsonl and are summarised in RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export QUIVER_BIN=${QUIVER_BIN:-$BUILD/quiver}
mkdir -p bench/out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/out/durability-$stamp.jsonl
echo "== durability ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)) -> $out"
node bench/durability.mjs | tee "$out"
