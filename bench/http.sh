#!/usr/bin/env bash
# bench/http.sh — openCypher over HTTP: the Nodestream-shaped LDBC SF0.1 load (N1/R1, 150-row batches, 10
# keep-alive connections, POST /openCypher) against `quiver serve`, then 1 M rows and MATCH (n) RETURN n streamed.
# Run by `make bench` after bench/cypher.sh (BENCH_HTTP=0 skips it), or by hand: `bash bench/http.sh`. Figures: bench/out/http-<stamp>.jsonl + a table.
# Env: BUILD (build), QUIVER_BIN ($BUILD/quiver), QV_DATASETS (../shared/datasets), HTTP_BENCH_DURABILITY
# (async), CYPHER_LATEST (bench/out/cypher-latest.jsonl: Kuzu's ingest rows/s from the last bench/cypher.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export QUIVER_BIN=${QUIVER_BIN:-$BUILD/quiver}
export QV_DATASETS=${QV_DATASETS:-$(pwd)/../shared/datasets}
CLK_TCK=$(getconf CLK_TCK)
export CLK_TCK
[ -x "$QUIVER_BIN" ] || { echo "[bench http] $QUIVER_BIN missing (ninja -C $BUILD quiver)" >&2; exit 1; }
mkdir -p bench/out
out=bench/out/http-$(date -u +%Y%m%dT%H%M%SZ).jsonl
echo "== openCypher over HTTP ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $QUIVER_BIN) -> $out" >&2
node bench/http.mjs | tee >(grep '^{' >"$out")
