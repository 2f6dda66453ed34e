# bench/lib.sh: helpers shared by the bench/*.sh scripts (sourced,
# not run). Expects to be sourced from the repository root with `set -euo
# pipefail` in effect.

shared=../shared/bench
[ -f "$shared/gen-corpus.py" ] || { echo "missing $shared/gen-corpus.py (expected /work/shared/bench)" >&2; exit 2; }

bench_dir="${BENCH_DIR:-/tmp/feedwright-bench}"
mkdir -p "$bench_dir"
bench_dir="$(cd "$bench_dir" && pwd)"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# need_time: install /usr/bin/time (Debian package `time`) when missing
need_time() {
  if [ ! -x /usr/bin/time ]; then
    echo "== installing /usr/bin/time (Debian package 'time')"
    as_root apt-get install -y time >/dev/null 2>&1 \
      || { as_root apt-get update >/dev/null && as_root apt-get install -y time >/dev/null; }
  fi
}

# need_pip_baseline: install feedparser and feedgen with pip when missing
need_pip_baseline() {
  if ! python3 -c 'import feedgen, feedparser' 2>/dev/null; then
    echo "== installing feedgen and feedparser (pip)"
    python3 -m pip install --quiet --disable-pip-version-check feedgen feedparser
  fi
}

# ensure_corpus -> sets $corpus. `gen-corpus.py 200 50 DIR` with the default
# --records 50000 is byte-identical to bench/records.sh's corpus-50000, so
# the cache is shared with it.
ensure_corpus() {
  corpus="$bench_dir/corpus-50000"
  if [ ! -f "$corpus/manifest.json" ]; then
    echo "== generating corpus: 200 feeds x 50 items -> $corpus"
    rm -rf "$corpus.tmp"
    python3 "$shared/gen-corpus.py" 200 50 "$corpus.tmp"
    rm -rf "$corpus"
    mv "$corpus.tmp" "$corpus"
  fi
}

# build_release: cargo build --release (others may be editing src/: a failed
# build is retried, BUILD_RETRIES (default 3) tries BUILD_WAIT (default 180) s
# apart). Compiler output goes to $bench_dir/cargo-build.log; its last lines
# are shown when a build fails.
build_release() {
  local tries="${BUILD_RETRIES:-3}" wait_s="${BUILD_WAIT:-180}" i=1
  echo "== cargo build --release"
  until cargo build --release --quiet 2>"$bench_dir/cargo-build.log"; do
    echo "!! cargo build --release failed (attempt $i/$tries); last lines of $bench_dir/cargo-build.log:" >&2
    grep -E '^(error|warning: unused)' "$bench_dir/cargo-build.log" | head -n 8 | sed 's/^/   | /' >&2 || true
    if [ "$i" -ge "$tries" ]; then
      echo "!! giving up" >&2
      exit 1
    fi
    echo "   retrying in ${wait_s}s" >&2
    sleep "$wait_s"
    i=$((i + 1))
  done
}

# timed FILE CMD...: runs CMD under `/usr/bin/time -v -o FILE`, and writes
# its wall time in seconds, to the tenth of a millisecond, to FILE's wall-
# twin (see wall_file). /usr/bin/time truncates wall time to 10 ms, 4% of a
# quarter-second run, always downwards. Returns CMD's exit code.
timed() {
  local file="$1" t0 t1 rc=0
  shift
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$file" "$@" || rc=$?
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }' >"$(wall_file "$file")"
  return "$rc"
}

# wall_file DIR/time-X.txt -> DIR/wall-X.txt
wall_file() { echo "$(dirname "$1")/wall-$(basename "$1" | sed 's/^time-//')"; }

# time_field FILE -> "wall_s peak_rss_mib cpu_s cpu_percent" from a
# /usr/bin/time -v report (cpu = user + system); the wall time from `timed`'s
# finer measurement when there is one.
time_field() {
  local wall_from=""
  [ -s "$(wall_file "$1")" ] && wall_from=$(cat "$(wall_file "$1")")
  awk -F': ' -v fine="$wall_from" '
    /Elapsed \(wall clock\) time/ {
      n = split($NF, p, ":"); s = 0
      for (i = 1; i <= n; i++) s = s * 60 + p[i]
      wall = s
    }
    /Maximum resident set size/ { rss = $NF / 1024 }
    /User time \(seconds\)|System time \(seconds\)/ { cpu += $NF }
    /Percent of CPU this job got/ { pct = $NF }
    END { if (fine != "") wall = fine; printf "%.3f %.1f %.2f %s\n", wall, rss, cpu, pct }' "$1"
}

# rm_state DB: a fresh state database (with SQLite's -wal / -shm side files)
rm_state() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

# run_fw TAG CONFIG OUT STATE: `feedwright build` under `timed` with
# FEEDWRIGHT_TIMINGS=1; the report goes to $bench_dir/time-TAG.txt, stdout and
# stderr to OUT.stdout / OUT.stderr (kept next to OUT, so a fresh OUT does not
# lose them), the exit code to $bench_dir/rc-TAG. Prints the first lines of
# stderr that are not timing lines when feedwright exits non-zero or warns.
run_fw() {
  local tag="$1" cfg="$2" out="$3" state="$4" rc=0
  FEEDWRIGHT_TIMINGS=1 timed "$bench_dir/time-$tag.txt" \
    target/release/feedwright build --config "$cfg" --out "$out" --state "$state" \
    >"$bench_dir/$tag.stdout" 2>"$bench_dir/$tag.stderr" || rc=$?
  echo "$rc" >"$bench_dir/rc-$tag"
  if [ "$rc" -ne 0 ] || grep -qvE "$timing_re" "$bench_dir/$tag.stderr"; then
    echo "!! feedwright ($tag) exited $rc; first non-timing lines of its stderr ($bench_dir/$tag.stderr, $(wc -l <"$bench_dir/$tag.stderr") lines):" >&2
    grep -vE "$timing_re" "$bench_dir/$tag.stderr" | head -n 15 | sed 's/^/   | /' >&2 || true
  fi
}

# The line FEEDWRIGHT_TIMINGS=1 adds to stderr ("timings: read+parse ... ms; ...")
timing_re='^timings:'

# show_timings TAG: the timing line of a run's stderr (nothing if none), and
# what it leaves out: wall time (from time-TAG.txt) minus the timed phases
# (remote sources, read+parse, pipeline, render+write): start-up, config,
# and the output lock.
show_timings() {
  local line wall
  line=$(grep -E "$timing_re" "$bench_dir/$1.stderr" | head -n 1) || return 0
  wall=$(time_field "$bench_dir/time-$1.txt" | cut -d' ' -f1)
  echo "== where the time goes ($1, FEEDWRIGHT_TIMINGS=1, stderr):"
  echo "   $line"
  awk -v w="$wall" -v l="$line" 'BEGIN {
    n = split(l, f, /[;(]/); t = 0
    for (i = 1; i <= n; i++)
      if (f[i] ~ /remote sources|read\+parse|pipeline|render\+write/ && match(f[i], /[0-9.]+ ms/))
        t += substr(f[i], RSTART, RLENGTH - 3)
    printf "   not covered by those phases: %.0f ms of %.0f ms wall (start-up, config, lock)\n", w * 1000 - t, w * 1000
  }'
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

row_fmt='%-34s %9s %15s %9s %6s %5s\n'
row_header() { printf "$row_fmt" "run" "wall (s)" "peak RSS (MiB)" "cpu (s)" "cpu%" "exit"; }

# A test server started by a script: stop_server ends it (TERM, then KILL
# after 5 s) and runs on exit. Scripts set server_pid after starting one.
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM
