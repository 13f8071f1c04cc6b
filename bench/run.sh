#!/usr/bin/env bash
# bench/run.sh — `make bench`: the import and export benchmark, quiver (GDS Arrow Flight: DoPut, then
# DoGet of gds.graph.relationships.stream) against Kuzu (COPY FROM CSV, then COPY (MATCH ...) TO Parquet)
# on the same data in the same run. Owns the procedure: build the tools, install the peer (npm, into
# bench/node_modules), prepare the CSV files once (bench/data/), then per dataset start a fresh
# `quiver serve`, load it with qv_bench_flight_load, read the server's peak RSS and CPU from /proc, stop
# it, load the same data into Kuzu, and finally print the comparison tables (bench/report.mjs). quiver
# runs once per export batch size (a `quiver serve --export-batch-size` option, so a fresh server each).
# Raw JSON lines go to bench/out/. Any failure stops the run with the server's log tail.
#
# Environment:
#   BENCH_SMALL=1        synthetic graph of 400k nodes / 6.4M relationships instead of 4M / 64M
#   BENCH_DATASETS="amazon0601 synthetic"   which datasets to run (default both)
#   BENCH_REPEAT=N       load each dataset N times into each system (default 1); every figure of the tables is
#                        the median (min–max) over the runs, and the import targets are judged on medians
#   BENCH_NO_KUZU=1      skip the peer
#   BENCH_NO_EXPORT=1    import only (no DoGet, no Kuzu COPY TO)
#   BENCH_EXPORT_BATCH_SIZES="10000 100000"   quiver serve --export-batch-size values, one quiver run each
#   QV_EXPORT_ARGS="..." extra export options for qv_bench_flight_load (e.g. "--export-streams 4")
#   QV_LOAD_ARGS="..."   extra qv_bench_flight_load options (e.g. "--streams 8 --connections 2")
#   QV_SERVE_ARGS="..."  extra `quiver serve` options
#   KUZU_ARGS="..."      extra kuzu_load.mjs options (e.g. "--threads 1" or "--db bench/data/kuzu-db")
#   BUILD=dir            build directory (default build/, what `make build` makes)
#   QV_DATASETS=dir      where amazon0601/ lives (default ../shared/datasets beside the repository)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
BUILD=${BUILD:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=$BENCH/out
DATA=$BENCH/data
QV_DATASETS=${QV_DATASETS:-$ROOT/../shared/datasets}
REPEAT=${BENCH_REPEAT:-1}
DATASETS=${BENCH_DATASETS:-"amazon0601 synthetic"}
if [ "${BENCH_NO_EXPORT:-0}" = 1 ]; then
  EXPORT_BATCH_SIZES=default
else
  EXPORT_BATCH_SIZES=${BENCH_EXPORT_BATCH_SIZES:-"10000 100000"}
fi
if [ "${BENCH_SMALL:-0}" = 1 ]; then
  SYN_NODES=400000 SYN_RELS=6400000 SYN_NAME=synthetic-400k-6.4M
else
  SYN_NODES=4000000 SYN_RELS=64000000 SYN_NAME=synthetic-4M-64M
fi

say() { printf '[bench] %s\n' "$*" >&2; }
fail() { printf '[bench] FAILED: %s\n' "$*" >&2; exit 1; }

# ---- tools ---------------------------------------------------------------------------------------
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$BUILD" quiver qv_bench_flight_load >/dev/null || fail "build failed (ninja -C $BUILD)"
QUIVER=$BUILD/quiver
LOAD=$BUILD/qv_bench_flight_load
if [ ! -x "$QUIVER" ] || [ ! -x "$LOAD" ]; then fail "missing $QUIVER or $LOAD"; fi

if [ "${BENCH_NO_KUZU:-0}" != 1 ]; then
  if [ -f "$BENCH/package-lock.json" ]; then
    if [ ! -d "$BENCH/node_modules" ] || [ "$BENCH/package-lock.json" -nt "$BENCH/node_modules/.package-lock.json" ]; then
      say "npm ci (bench/)"
      (cd "$BENCH" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in bench/"
    fi
  elif [ ! -d "$BENCH/node_modules/kuzu" ]; then
    say "npm install (bench/)"
    (cd "$BENCH" && npm install --no-audit --no-fund --loglevel=error) || fail "npm install in bench/"
  fi
fi

mkdir -p "$OUT" "$DATA"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$OUT/results-$STAMP.jsonl
: >"$RESULTS"

# ---- datasets --------------------------------------------------------------------------------------
# source_args NAME -> the qv_bench_flight_load options that describe the dataset
source_args() {
  case $1 in
    amazon0601)
      local d=$QV_DATASETS/amazon0601
      if [ ! -f "$d/edges.tsv.gz" ] || [ ! -f "$d/nodes.csv.gz" ]; then
        fail "amazon0601 not found in $QV_DATASETS (set QV_DATASETS)"
      fi
      echo "--nodes $d/nodes.csv.gz --edges $d/edges.tsv.gz" ;;
    synthetic) echo "--synthetic $SYN_NODES $SYN_RELS" ;;
    *) fail "unknown dataset $1" ;;
  esac
}
label_of() { if [ "$1" = synthetic ]; then echo "$SYN_NAME"; else echo "$1"; fi; }

# CSV files for the peer, written once per dataset and generator version.
prepare_csv() {
  local name=$1 label; label=$(label_of "$1")
  local dir=$DATA/$label args; args=$(source_args "$name")
  # the key hashes only the generator, the file readers and the CSV writer of flight_load.c
  local key; key="$args $(sed -n '/---- the synthetic graph/,/---- HTTP\/2 connection/p' "$BENCH/flight_load.c" |
    sha1sum | cut -c1-12)"
  if [ -f "$dir/.done" ] && [ "$(cat "$dir/.done")" = "$key" ]; then return; fi
  say "writing CSV for $label into $dir"
  rm -rf "$dir"
  # shellcheck disable=SC2086
  "$LOAD" $args --write-csv "$dir" || fail "CSV generation for $label"
  echo "$key" >"$dir/.done"
}

# ---- quiver ------------------------------------------------------------------------------------------
SERVER_PID=
SERVER_LOG=
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
cleanup() {
  stop_server
  if [ -n "${DATA_DIR:-}" ]; then rm -rf "$DATA_DIR"; fi
  return 0
}
trap cleanup EXIT
trap 'fail interrupted' INT TERM

server_fail() {
  say "server log (last 30 lines of $SERVER_LOG):"
  tail -n 30 "$SERVER_LOG" >&2 || true
  fail "$*"
}

# start_server LOGNAME [EXTRA quiver serve OPTIONS...]
start_server() {
  DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/quiver-bench.XXXXXX")
  SERVER_LOG=$OUT/server-$1-$STAMP.log
  shift
  # shellcheck disable=SC2086
  "$QUIVER" serve --data-dir "$DATA_DIR" --flight-port 0 --http-port 0 --threads 2 "$@" ${QV_SERVE_ARGS:-} \
    2>"$SERVER_LOG" &
  SERVER_PID=$!
  PORT=
  for _ in $(seq 1 300); do
    PORT=$(grep -o 'listening for Arrow Flight (gRPC) on 127\.0\.0\.1:[0-9]*' "$SERVER_LOG" | grep -o '[0-9]*$' || true)
    # the listeners open before recovery ends (requests get "recovering" until then): wait for both
    [ -n "$PORT" ] && grep -q 'data directory .* loaded in' "$SERVER_LOG" && break
    PORT=
    kill -0 "$SERVER_PID" 2>/dev/null || server_fail "quiver exited during start-up"
    sleep 0.1
  done
  [ -n "$PORT" ] || server_fail "quiver did not report its Flight port and a loaded data directory within 30 s"
}

# Appends "key":value pairs (already JSON) to a one-line JSON object.
json_add() { local line=$1; shift; printf '%s,%s}\n' "${line%\}}" "$*"; }

# run_quiver DATASET EXPORT_BATCH_SIZE ("default": import only, the server's default batch size)
run_quiver() {
  local name=$1 ebs=$2 label; label=$(label_of "$1")
  local args; args=$(source_args "$name")
  local sargs=() eargs=""
  if [ "$ebs" != default ]; then
    sargs=(--export-batch-size "$ebs")
    eargs=1
  fi
  start_server "$label${sargs[1]:+-ebs${sargs[1]}}" "${sargs[@]}"
  # per export: seconds, and the server's CPU seconds and minor page faults (read from /proc by the client)
  [ -z "$eargs" ] || eargs="--export --server-pid $SERVER_PID ${QV_EXPORT_ARGS:-}"
  local load0; load0=$(cut -d' ' -f1 /proc/loadavg)
  say "quiver: loading $label (port $PORT)${eargs:+, then exporting with --export-batch-size $ebs}"
  local line
  # shellcheck disable=SC2086
  if ! line=$("$LOAD" --port "$PORT" $args --label "$label" --graph "bench" ${QV_LOAD_ARGS:-} $eargs); then
    server_fail "qv_bench_flight_load failed on $label"
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || server_fail "quiver died during the load"
  local hwm cpu ticks
  hwm=$(awk '/^VmHWM:/ {print $2 * 1024}' "/proc/$SERVER_PID/status")
  ticks=$(getconf CLK_TCK)
  # utime and stime are fields 14 and 15 of /proc/PID/stat (the command name may hold spaces: cut after ')')
  cpu=$(sed 's/^.*) //' "/proc/$SERVER_PID/stat" | awk -v t="$ticks" '{printf "%.3f", ($12 + $13) / t}')
  stop_server
  rm -rf "$DATA_DIR"; DATA_DIR=
  line=$(json_add "$line" "\"server_peak_rss_bytes\":$hwm,\"server_cpu_seconds\":$cpu,\"loadavg_before\":$load0,\"threads\":2")
  if [ "$ebs" != default ]; then line=$(json_add "$line" "\"server_export_batch_size\":$ebs"); fi
  echo "$line" >>"$RESULTS"
  echo "$line"
}

run_kuzu() {
  local name=$1 label; label=$(label_of "$1")
  prepare_csv "$name"
  local load0; load0=$(cut -d' ' -f1 /proc/loadavg)
  local eargs=""
  [ "${BENCH_NO_EXPORT:-0}" = 1 ] || eargs="--export $DATA/$label/kuzu-export.parquet"
  say "kuzu: loading $label${eargs:+, then COPY TO Parquet}"
  local line
  # shellcheck disable=SC2086
  line=$(cd "$BENCH" && node kuzu_load.mjs --dir "$DATA/$label" --label "$label" ${KUZU_ARGS:-} $eargs) ||
    fail "kuzu_load.mjs failed on $label"
  line=$(json_add "$line" "\"loadavg_before\":$load0")
  echo "$line" >>"$RESULTS"
  echo "$line"
}

say "results: $RESULTS"
LOAD_NOW=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOAD_NOW" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  say "note: load average is $LOAD_NOW on $(nproc) CPUs: other work is running, expect noisy and lower figures"
fi
for ds in $DATASETS; do
  for _ in $(seq 1 "$REPEAT"); do
    for ebs in $EXPORT_BATCH_SIZES; do run_quiver "$ds" "$ebs"; done
    [ "${BENCH_NO_KUZU:-0}" = 1 ] || run_kuzu "$ds"
  done
done

cp "$RESULTS" "$OUT/latest.jsonl"
node "$BENCH/report.mjs" "$RESULTS" | tee "$OUT/table-$STAMP.md"
