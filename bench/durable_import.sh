#!/usr/bin/env bash
# bench/durable_import.sh — the durable Arrow import for `make bench` (BENCH_DURABLE_IMPORT=0 skips it in the
# Makefile): the same graph loaded over Arrow Flight as a durable database (v1/CREATE_DATABASE: its bulk load is
# written to --data-dir as a checkpoint, synced, renamed and the directory synced, before RELATIONSHIP_LOAD_DONE
# answers) and as an in-memory projection (v1/CREATE_GRAPH), into ONE `quiver serve --durability fsync`, the two
# alternating first over ROUNDS rounds. Target (issue 8): durable >= 80% of in-memory throughput, judged on the
# median of the per-round ratios of end-to-end relationships/s (CREATE to the RELATIONSHIP_LOAD_DONE reply).
# Also reported: the rel-phase rates, the save (MiB, seconds -- in all, and after the build: the first part is
# written while the incoming index is built --, MiB/s, from the server's "saved database" line) and
# the server's CPU seconds per load (from /proc). Each load is dropped after it (v1/DROP_GRAPH: the database's
# file too), so every round starts from the same state.
# Output: bench/out/durable-import-<stamp>.jsonl (one line per load, then one summary line per dataset) and a
# Markdown table on stdout.
# Environment: BUILD (build/), ROUNDS (3), DATASETS ("synthetic amazon0601"), BENCH_SMALL=1 (synthetic 400k /
# 6.4M instead of 4M / 64M), QV_DATASETS (../shared/datasets), QV_LOAD_ARGS (extra client options),
# QV_SERVE_ARGS (extra server options), DURABLE_IMPORT_DIR (the data directory's parent, default TMPDIR or /tmp:
# put it on the disk you want to measure).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-3}
DATASETS=${DATASETS:-"synthetic amazon0601"}
QV_DATASETS=${QV_DATASETS:-$ROOT/../shared/datasets}
if [ "${BENCH_SMALL:-0}" = 1 ]; then SYN="400000 6400000" SYN_NAME=synthetic-400k-6.4M
else SYN="4000000 64000000" SYN_NAME=synthetic-4M-64M; fi
mkdir -p bench/out
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=bench/out/durable-import-$stamp.jsonl
: >"$out"
ninja -C "$BUILD" quiver qv_bench_flight_load >/dev/null
QUIVER=$BUILD/quiver
LOAD=$BUILD/qv_bench_flight_load
ticks=$(getconf CLK_TCK)

pid= dir=
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$dir" ]; then rm -rf "$dir"; fi
}
trap cleanup EXIT
fail() { echo "[durable-import] FAILED: $*" >&2; [ -n "${log:-}" ] && tail -n 20 "$log" >&2; exit 1; }
cpu_of() { sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$ticks" '{printf "%.3f", ($12 + $13) / t}'; }

echo "== durable Arrow import vs in-memory projection ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)) -> $out" >&2
for ds in $DATASETS; do
  case $ds in
    synthetic) args="--synthetic $SYN" label=$SYN_NAME ;;
    amazon0601)
      d=$QV_DATASETS/amazon0601
      [ -f "$d/nodes.csv.gz" ] || fail "amazon0601 not found in $QV_DATASETS (set QV_DATASETS)"
      args="--nodes $d/nodes.csv.gz --edges $d/edges.tsv.gz" label=amazon0601 ;;
    *) fail "unknown dataset $ds" ;;
  esac
  dir=$(mktemp -d "${DURABLE_IMPORT_DIR:-${TMPDIR:-/tmp}}/quiver-durable-import.XXXXXX")
  log=bench/out/server-durable-import-$label-$stamp.log
  # shellcheck disable=SC2086
  "$QUIVER" serve --data-dir "$dir" --durability fsync --flight-port 0 --http-port 0 --threads 2 \
    ${QV_SERVE_ARGS:-} 2>"$log" &
  pid=$!
  port=
  for _ in $(seq 1 300); do
    port=$(grep -o 'listening for Arrow Flight (gRPC) on 127\.0\.0\.1:[0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && grep -q 'data directory .* loaded in' "$log" && break
    port=
    kill -0 "$pid" 2>/dev/null || fail "quiver exited during start-up"
    sleep 0.1
  done
  [ -n "$port" ] || fail "quiver did not start within 30 s"
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) = 1 ]; then order="database projection"; else order="projection database"; fi
    for kind in $order; do
      flag=; [ "$kind" = database ] && flag=--create-database
      saves0=$(grep -c "saved database 'durable_import'" "$log" || true)
      load0=$(cut -d' ' -f1 /proc/loadavg)
      cpu0=$(cpu_of "$pid")
      # shellcheck disable=SC2086
      line=$("$LOAD" --port "$port" $args --label "$label" --graph durable_import $flag --drop ${QV_LOAD_ARGS:-}) ||
        fail "qv_bench_flight_load ($kind, $label, round $r)"
      if [ "$kind" = database ]; then # the incoming index is appended after the reply: wait for it (and count its CPU)
        for _ in $(seq 1 300); do
          [ "$(grep -c "database 'durable_import': incoming index appended\|append its incoming index" "$log" || true)" -gt "$saves0" ] && break
          sleep 0.1
        done
      fi
      cpu1=$(cpu_of "$pid")
      extra="\"round\":$r,\"server_cpu_seconds\":$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.3f", b - a}'),\"loadavg_before\":$load0"
      if [ "$kind" = database ]; then
        saved=$(grep "saved database 'durable_import'" "$log" | sed -n "$((saves0 + 1))p")
        [ -n "$saved" ] || fail "no 'saved database' line for round $r"
        mib=$(sed -n 's/.*, \([0-9.]*\) MiB in \([0-9.]*\) s.*/\1/p' <<<"$saved")
        secs=$(sed -n 's/.*, \([0-9.]*\) MiB in \([0-9.]*\) s.*/\2/p' <<<"$saved")
        # streamed (save_stream.c): "first part S1 s while the incoming index was built, then S2 s": S2 is what the
        # reply waits for after the build
        after=$(sed -n 's/.*, then \([0-9.]*\) s).*/\1/p' <<<"$saved")
        first=$(sed -n 's/.*first part \([0-9.]*\) s while.*/\1/p' <<<"$saved")
        write=$(awk -v a="${first:-0}" -v b="${after:-$secs}" 'BEGIN {printf "%.3f", a + b}')
        extra="$extra,\"save_mib\":$mib,\"save_seconds\":$secs,\"save_write_seconds\":$write"
        extra="$extra,\"save_after_build_seconds\":${after:-$secs}"
        app=$(grep "database 'durable_import': incoming index appended" "$log" | sed -n "$((saves0 + 1))p")
        [ -n "$app" ] || fail "no 'incoming index appended' line for round $r"
        extra="$extra,\"appendix_mib\":$(sed -n 's/.*: \([0-9.]*\) MiB in .*/\1/p' <<<"$app")"
        extra="$extra,\"appendix_seconds\":$(sed -n 's/.* MiB in \([0-9.]*\) s$/\1/p' <<<"$app")"
      fi
      line="${line%\}},$extra}"
      echo "$line" >>"$out"
      echo "$line" >&2
    done
  done
  kill -TERM "$pid"; wait "$pid" || true; pid=
  rm -rf "$dir"; dir=
done

node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
const med = (a) => { const s = [...a].sort((x, y) => x - y), n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const f0 = (x) => Math.round(x).toLocaleString("en-US");
const lines = [];
console.log("\n| dataset | durable (CREATE_DATABASE) rels/s | in-memory (CREATE_GRAPH) rels/s | durable / in-memory (median of rounds) | save: MiB, s from start to install (of which after the build), MiB/s while writing | incoming index appended after the reply: MiB, s | server CPU s per load (durable / in-memory) | target >= 80% |");
console.log("|---|---|---|---|---|---|---|---|");
for (const ds of [...new Set(rows.map((r) => r.dataset))]) {
  const rs = rows.filter((r) => r.dataset === ds);
  const rounds = [...new Set(rs.map((r) => r.round))];
  const ratios = [], ratiosPhase = [];
  for (const k of rounds) {
    const db = rs.find((r) => r.round === k && r.kind === "database"), pr = rs.find((r) => r.round === k && r.kind === "projection");
    ratios.push(db.rels_per_s_total / pr.rels_per_s_total);
    ratiosPhase.push(db.rels_per_s / pr.rels_per_s);
  }
  const dbs = rs.filter((r) => r.kind === "database"), prs = rs.filter((r) => r.kind === "projection");
  const s = {figure: "durable_import_summary", dataset: ds, rounds: rounds.length,
    durable_rels_per_s: med(dbs.map((r) => r.rels_per_s_total)), in_memory_rels_per_s: med(prs.map((r) => r.rels_per_s_total)),
    ratio: med(ratios), ratio_min: Math.min(...ratios), ratio_max: Math.max(...ratios), ratio_rel_phase: med(ratiosPhase),
    save_mib: med(dbs.map((r) => r.save_mib)), save_seconds: med(dbs.map((r) => r.save_seconds)),
    save_mib_per_s: med(dbs.map((r) => r.save_mib / r.save_write_seconds)),
    save_after_build_seconds: med(dbs.map((r) => r.save_after_build_seconds)),
    appendix_mib: med(dbs.map((r) => r.appendix_mib)), appendix_seconds: med(dbs.map((r) => r.appendix_seconds)),
    server_cpu_s_durable: med(dbs.map((r) => r.server_cpu_seconds)), server_cpu_s_in_memory: med(prs.map((r) => r.server_cpu_seconds)),
    loadavg: rs.map((r) => r.loadavg_before), target: 0.8};
  s.met = s.ratio >= 0.8;
  lines.push(JSON.stringify(s));
  console.log(`| ${ds} | ${f0(s.durable_rels_per_s)} | ${f0(s.in_memory_rels_per_s)} | **${(s.ratio * 100).toFixed(0)}%** (rounds ${ratios.map((x) => (x * 100).toFixed(0)).join(" / ")}; rel phase ${(s.ratio_rel_phase * 100).toFixed(0)}%) | ${s.save_mib.toFixed(0)} MiB, ${s.save_seconds.toFixed(3)} s (${s.save_after_build_seconds.toFixed(3)} s), ${s.save_mib_per_s.toFixed(0)} MiB/s | ${s.appendix_mib.toFixed(0)} MiB, ${s.appendix_seconds.toFixed(3)} s | ${s.server_cpu_s_durable.toFixed(2)} / ${s.server_cpu_s_in_memory.toFixed(2)} | ${s.met ? "yes" : "**no**"} |`);
}
require("fs").appendFileSync(process.argv[1], lines.join("\n") + "\n");
console.log(`\nload average before each load: ${rows.map((r) => r.loadavg_before).join(" ")}`);
' "$out"
