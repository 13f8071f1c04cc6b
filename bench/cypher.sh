#!/usr/bin/env bash
# bench/cypher.sh — the openCypher part of `make bench`: quiver's engine through the embedded API
# (build/qv_bench_cypher) against Kuzu (bench/kuzu_cypher.mjs) on LDBC SNB SF0.1 in the same run:
# Nodestream-shaped ingest (N1/R1 upserts, 150-row batches, a first and a second load), memory per node and
# relationship, then the LDBC Interactive reads IS1-IS7, IC1, IC2, IC7, IC9 (median and p99 over seeded
# parameter draws). Owns the procedure: build the tool, install the peer (npm, into bench/node_modules),
# run both, write the raw JSON lines to bench/out/cypher-<UTC time>.jsonl and print the tables
# (bench/cypher_report.mjs). Any failure stops the run with a non-zero exit.
#
# Environment:
#   BENCH_NO_KUZU=1          quiver only
#   BENCH_CYPHER_DRAWS=N     parameter draws per read query (default 100)
#   BENCH_CYPHER_KUZU_SAMPLE=F   Kuzu's measured ingest covers the first fraction F of every relationship file
#                            and the nodes they need plus the first F of every node file (default 0.02: Kuzu's
#                            MERGE slows down as a table grows, see kuzu_cypher.mjs); its reads run on the whole
#                            dataset bulk-loaded with COPY FROM
#   BENCH_CYPHER_KUZU_READ_BUDGET=S  Kuzu stops drawing parameters for a read after S seconds (default 20; at
#                            least 10 draws), so a slow peer cannot stretch the run
#   QV_CYPHER_ARGS="..."     extra qv_bench_cypher options; KUZU_CYPHER_ARGS="..." extra kuzu_cypher.mjs options
#   BUILD=dir                build directory (default build/)
#   QV_DATASETS=dir          where ldbc-snb-sf0.1/ lives (default ../shared/datasets beside the repository)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=$BENCH/out
QV_DATASETS=${QV_DATASETS:-$ROOT/../shared/datasets}
LDBC=$QV_DATASETS/ldbc-snb-sf0.1
DRAWS=${BENCH_CYPHER_DRAWS:-100}
SAMPLE=${BENCH_CYPHER_KUZU_SAMPLE:-0.02}
BUDGET=${BENCH_CYPHER_KUZU_READ_BUDGET:-20}

say() { printf '[bench cypher] %s\n' "$*" >&2; }
fail() { printf '[bench cypher] FAILED: %s\n' "$*" >&2; exit 1; }

[ -f "$LDBC/Person.csv.gz" ] || fail "LDBC SNB SF0.1 not found in $LDBC (set QV_DATASETS)"
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$BUILD" qv_bench_cypher >/dev/null || fail "build failed (ninja -C $BUILD qv_bench_cypher)"

if [ "${BENCH_NO_KUZU:-0}" != 1 ] && [ ! -d "$BENCH/node_modules/kuzu" ]; then
  say "npm ci (bench/)"
  (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in bench/"
fi

mkdir -p "$OUT"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$OUT/cypher-$STAMP.jsonl
: >"$RESULTS"
say "results: $RESULTS"

say "quiver: Nodestream ingest and LDBC reads (qv_bench_cypher)"
# shellcheck disable=SC2086
"$BUILD/qv_bench_cypher" --data "$LDBC" --draws "$DRAWS" ${QV_CYPHER_ARGS:-} | tee -a "$RESULTS" ||
  fail "qv_bench_cypher failed"

say "quiver: the memory baseline (the same data through the Arrow import's bulk loader)"
"$BUILD/qv_bench_cypher" --data "$LDBC" --arrow-memory | tee -a "$RESULTS" || fail "qv_bench_cypher --arrow-memory failed"

if [ "${BENCH_NO_KUZU:-0}" != 1 ]; then
  say "kuzu: the same ingest (on a $SAMPLE sample) and reads (kuzu_cypher.mjs)"
  # shellcheck disable=SC2086
  (cd "$BENCH" && node kuzu_cypher.mjs --data "$LDBC" --draws "$DRAWS" --ingest-sample "$SAMPLE" --read-budget "$BUDGET" \
    ${KUZU_CYPHER_ARGS:-}) | tee -a "$RESULTS" || fail "kuzu_cypher.mjs failed"
fi

cp "$RESULTS" "$OUT/cypher-latest.jsonl"
node "$BENCH/cypher_report.mjs" "$RESULTS" | tee "$OUT/cypher-table-$STAMP.md"
