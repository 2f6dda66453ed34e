#!/usr/bin/env bash
# bench/merge.sh [--runs K] [--skip-baseline]
#
# Benchmarks merging other sites' feeds from files: 200 feeds x 50 items
# (../shared/bench/gen-corpus.py 200 50, 10% cross-feed duplicates) as 200
# `kind = "feed"` sources with `path`, into one channel of 100 items.
# Run it from the repository root. In one run, one after the other:
#
#   1. K rounds (default 3) of, in turn:
#      a. feedwright build, empty state (fresh --state, fresh --out)
#      b. python3 ../shared/bench/baseline_merge.py CORPUS OUT
#         (feedparser + feedgen)
#   2. feedwright build again on the last round's state and out (everything
#      stored)
#
# (the feed files are read once before, so both programs find them in the
# page cache)
#
# and prints wall time, peak RSS, CPU, the speed-up (target: feedwright
# >= 50x faster than the baseline, wall: the ratio of the median wall times
# of the K rounds; every round's own ratio is shown too; wall times are
# measured to 0.1 ms) and a same-item-set check of
# feedwright's merged/rss.xml against the manifest's newest_unique_links and
# the baseline's merged.rss.xml. FEEDWRIGHT_TIMINGS=1 is set for both
# feedwright runs; their timing lines are shown.
#
#   --runs K         rounds of run 1 and the baseline (default 3)
#   --skip-baseline  no pip installs, no baseline run (check vs manifest only)
#
# Caches and outputs live in ${BENCH_DIR:-/tmp/feedwright-bench}: corpus-50000/
# (shared with bench/records.sh), merge.toml, merge-*.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

skip_baseline=0
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --runs)
      [ $# -ge 2 ] || { echo "--runs needs a number" >&2; exit 2; }
      runs="$2"; shift 2 ;;
    --runs=*) runs="${1#--runs=}"; shift ;;
    --skip-baseline) skip_baseline=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

# ── tools, corpus, binary ──────────────────────────────────────────────────
need_time
[ "$skip_baseline" -eq 1 ] || need_pip_baseline
ensure_corpus
build_release

cfg="$bench_dir/merge.toml"
state="$bench_dir/merge-state.db"
out_fw="$bench_dir/merge-out-feedwright"
out_bl="$bench_dir/merge-out-baseline"
python3 bench/feed_config.py "$cfg" --paths "$corpus/feeds"

# ── timed runs, one at a time ──────────────────────────────────────────────
# Both programs read the same 200 files: read them once beforehand, so that
# neither run measures the disk (the first one used to, and the second got
# the files from the page cache the first had filled).
cat "$corpus"/feeds/* >/dev/null
load_before=$(loadavg)
fw_walls=() bl_walls=()
for round in $(seq 1 "$runs"); do
  echo "== round $round/$runs: feedwright build, run 1 (empty state, fresh out)"
  rm_state "$state"
  rm -rf "$out_fw"
  run_fw "merge-fw-run1-$round" "$cfg" "$out_fw" "$state"
  read -r w _ < <(time_field "$bench_dir/time-merge-fw-run1-$round.txt")
  fw_walls+=("$w")
  echo "   ${w}s"
  # The last round's files are the ones reported below.
  for f in time-%s.txt wall-%s.txt %s.stdout %s.stderr rc-%s; do
    # shellcheck disable=SC2059
    cp "$bench_dir/$(printf "$f" "merge-fw-run1-$round")" "$bench_dir/$(printf "$f" merge-fw-run1)"
  done
  # keep run 1's merged feed: run 2 writes into the same directory
  cp "$out_fw/merged/rss.xml" "$bench_dir/merge-fw-run1.rss.xml" 2>/dev/null || true

  if [ "$skip_baseline" -eq 0 ]; then
    echo "== round $round/$runs: baseline_merge.py"
    rm -rf "$out_bl"
    bl_rc=0
    timed "$bench_dir/time-merge-baseline.txt" \
      python3 "$shared/baseline_merge.py" "$corpus" "$out_bl" \
      >"$bench_dir/merge-baseline.stdout" 2>"$bench_dir/merge-baseline.stderr" || bl_rc=$?
    sed 's/^/   /' "$bench_dir/merge-baseline.stdout"
    if [ "$bl_rc" -ne 0 ]; then
      echo "!! baseline exited $bl_rc:" >&2; head -n 15 "$bench_dir/merge-baseline.stderr" | sed 's/^/   | /' >&2
    fi
    read -r w _ < <(time_field "$bench_dir/time-merge-baseline.txt")
    bl_walls+=("$w")
  fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "== feedwright build, run 2 (same state and out: everything already stored)"
run_fw merge-fw-run2 "$cfg" "$out_fw" "$state"

# ── results ────────────────────────────────────────────────────────────────
read -r w1 r1 c1 p1 < <(time_field "$bench_dir/time-merge-fw-run1.txt")
read -r w2 r2 c2 p2 < <(time_field "$bench_dir/time-merge-fw-run2.txt")
echo
echo "== results: merge 200 feeds x 50 items -> 1 channel of 100, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (+ uncommitted src changes)'), load before: $load_before"
row_header
printf "$row_fmt" "feedwright run 1 (empty state)" "$w1" "$r1" "$c1" "$p1" "$(cat "$bench_dir/rc-merge-fw-run1")"
if [ "$skip_baseline" -eq 0 ]; then
  read -r wb rb cb pb < <(time_field "$bench_dir/time-merge-baseline.txt")
  printf "$row_fmt" "baseline_merge.py" "$wb" "$rb" "$cb" "$pb" "$bl_rc"
fi
printf "$row_fmt" "feedwright run 2 (same state)" "$w2" "$r2" "$c2" "$p2" "$(cat "$bench_dir/rc-merge-fw-run2")"
echo "(last round; wall times of every round: feedwright run 1 ${fw_walls[*]}${bl_walls:+; baseline ${bl_walls[*]}})"
if [ "$skip_baseline" -eq 0 ]; then
  fw_med=$(median "${fw_walls[@]}")
  bl_med=$(median "${bl_walls[@]}")
  awk -v b="$bl_med" -v f="$fw_med" -v g="$w2" -v bc="$cb" -v fc="$c1" -v n="$runs" 'BEGIN {
    if (f > 0) printf "speed-up run 1 (median baseline %.3f s / median feedwright %.3f s over %d rounds, wall): %.1fx  (target >= 50x: %s)\n", b, f, n, b / f, (b / f >= 50 ? "met" : "NOT met")
    if (fc > 0) printf "cpu-time ratio run 1, last round (baseline / feedwright): %.1fx\n", bc / fc
    if (g > 0) printf "speed-up run 2 (median baseline / feedwright, wall): %.1fx\n", b / g
  }'
  paste -d' ' <(printf '%s\n' "${bl_walls[@]}") <(printf '%s\n' "${fw_walls[@]}") |
    awk '{ printf "%s%.1fx", (NR > 1 ? ", " : "each round: "), $1 / $2 } END { print "" }'
fi
awk -v a="$w1" -v b="$w2" 'BEGIN { if (b > 0) printf "run 2 vs run 1 (wall): %.2fx\n", a / b }'

echo
show_timings merge-fw-run1
show_timings merge-fw-run2

echo
vs_baseline=""
[ "$skip_baseline" -eq 1 ] || vs_baseline=" and baseline merged.rss.xml"
echo "== same merged item set (run 1's merged/rss.xml links vs manifest newest_unique_links$vs_baseline)"
check_args=("$bench_dir/merge-fw-run1.rss.xml" "$corpus/manifest.json")
[ "$skip_baseline" -eq 1 ] || check_args+=("$out_bl/merged.rss.xml")
python3 bench/check_merged.py "${check_args[@]}" || true
echo "== run 2's merged/rss.xml"
python3 bench/check_merged.py "$out_fw/merged/rss.xml" "$corpus/manifest.json" || true
echo
echo "feedwright's report of run 1 (stdout, last lines):"
tail -n 6 "$bench_dir/merge-fw-run1.stdout" | sed 's/^/   /'
