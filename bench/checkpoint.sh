#!/usr/bin/env bash
# bench/checkpoint.sh — checkpoint figures for `make bench` (BENCH_CHECKPOINT=0 skips): start-up time of a
# 64 M-relationship database from its version-2 checkpoint (target: under 1 s, the file mapped, not parsed),
# snapshot (bulk save) and checkpoint write speed (MiB/s).
# Procedure: the unit-test binary test_store_checkpoint with QV_CKPT_BENCH=DIR builds the database through the
# bulk loader (CKPT_RELS input relationships, default 48M of which a third undirected: 64M stored; 4M nodes),
# saves it (snapshot), writes 2,000 openCypher-style transactions to it and saves it again (a checkpoint: the
# image + the changes); then `quiver serve --data-dir DIR` starts CKPT_STARTS times (default 3) and the script
# reads "data directory DIR loaded in S s" from its log (page cache warm after the first), stops it with
# SIGTERM (no checkpoint: nothing was written); the last start also waits for the background check of the
# file (CRCs of the big sections, CSR) and reports its time. One JSON line per figure goes to bench/out/checkpoint-<stamp>.jsonl.
# Needs ~5 GiB of memory while building and the disk space of the file (~1.3 GiB). Environment: BUILD (build/),
# CKPT_RELS, CKPT_STARTS, CKPT_DIR (default a temporary directory under bench/out, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
RELS=${CKPT_RELS:-48000000}
STARTS=${CKPT_STARTS:-3}
mkdir -p bench/out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/out/checkpoint-$stamp.jsonl
dir=${CKPT_DIR:-bench/out/checkpoint-data-$stamp}
keep=${CKPT_DIR:+1}
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true; [ -z "$keep" ] && rm -rf "$dir"; }
trap cleanup EXIT
ninja -C "$BUILD" quiver test_store_checkpoint >/dev/null
echo "== checkpoint ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)) -> $out" >&2
rm -rf "$dir"
mkdir -p "$dir"
QV_CKPT_BENCH=$dir QV_CKPT_BENCH_RELS=$RELS "$BUILD/test_store_checkpoint" 2>"$dir.build.log" |
  grep '^{"figure"' | tee -a "$out"
ls -l "$dir/databases" >&2
for i in $(seq 1 "$STARTS"); do
  log=$dir.serve.log
  t0=$(date +%s.%N)
  "$BUILD/quiver" serve --data-dir "$dir" --listen 127.0.0.1 --http-port 0 --flight-port 0 2>"$log" &
  pid=$!
  for _ in $(seq 1 6000); do
    grep -q 'loaded in' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.01
  done
  wall=$(echo "$(date +%s.%N) - $t0" | bc)
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$pid/stat") # CPU seconds: robust to load
  secs=$(sed -n 's/.*data directory .* loaded in \([0-9.]*\) s.*/\1/p' "$log")
  db=$(sed -n "s/.*loaded database 'bench' from .* (\([a-z]*\)): \([0-9]*\) nodes, \([0-9]*\) relationships in \([0-9.]*\) s.*/\1 \2 \3 \4/p" "$log")
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  set -- $db
  printf '{"figure":"checkpoint_startup","run":%d,"base":"%s","nodes":%s,"relationships":%s,"database_s":%s,"loaded_in_s":%s,"wall_to_loaded_s":%.3f,"cpu_s":%s,"rss_kib":%s,"target_s":1,"load":"%s"}\n' \
    "$i" "$1" "$2" "$3" "$4" "$secs" "$wall" "$cpu" "$rss" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
  if [ "$i" = "$STARTS" ]; then # the last run waits for the background check of the file (up to 2 minutes)
    for _ in $(seq 1 1200); do grep -q 'background check' "$log" && break; sleep 0.1; done
    bg=$(sed -n 's/.*background check of .* done: \([0-9]*\) sections (\([0-9.]*\) MiB) .* in \([0-9.]*\) s.*/\1 \2 \3/p' "$log")
    if [ -n "$bg" ]; then
      set -- $bg
      printf '{"figure":"checkpoint_background_check","sections":%s,"mib":%s,"seconds":%s,"load":"%s"}\n' \
        "$1" "$2" "$3" "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out"
    else
      grep -E "background check|ERROR" "$log" >&2 || echo "no background check line (file under 256 MiB: checked at start-up)" >&2
    fi
  fi
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
done
