#!/usr/bin/env bash
# The app figures of SPEC §10, measured on the real window under Xvfb, each beside a baseline
# measured in the same run:
#   app start → first painted lead list (100 000 leads)   baseline: the same start on an empty book
#   search keystroke → rows painted (typed with xdotool)  baseline: the same window's bare repaint
#                                                          of one changed row (and the bare
#                                                          `lead_list` IPC round trip, for scale)
#   resident memory of the Rust process                   baseline: the same process on an empty
#                                                          book, the same keys typed into it
#
#   tests/bench-app.sh [BOOK]      BOOK: a book of 100 000 leads (default /tmp/book100k.db), made by
#     cargo build --release -p leadbook-core --bin leadbook-bench
#     ./target/release/leadbook-bench --leads 100000 --only add --keep /tmp/book100k.db
#
# Builds nothing: it runs LEADBOOK_BIN, else target/release/leadbook, else target/debug/leadbook.
# Settings: RUNS (measured starts per book, default 5), SEARCH (text typed, default Mohammed),
# TYPE_DELAY_MS (between keys, default 120: a quick typist).
# The window runs as a user's would: WEBKIT_DISABLE_COMPOSITING_MODE and friends are passed through
# from the caller's environment, never set here (see docs/BENCHMARKS-app.md); the figures' header
# names any WEBKIT_* variable in effect, and the load average before and after the typing. With no
# GPU render node the app itself chooses CPU painting (docs/DECISIONS.md); the header says so.
# How it measures: with LEADBOOK_PERF_OUT set, the app opens on the lead list (LEADBOOK_OPEN) and
# its UI reports paints through the `perf_mark` command (ui/src/lib/perf.ts); a mark is taken in
# the task after the frame that shows the rows (requestAnimationFrame, then setTimeout 0).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
book=${1:-/tmp/book100k.db}
runs=${RUNS:-5}
search=${SEARCH:-Mohammed}
delay=${TYPE_DELAY_MS:-120}

bin=${LEADBOOK_BIN:-}
if [ -z "$bin" ]; then
  for p in release debug; do
    if [ -x "$root/target/$p/leadbook" ]; then bin="$root/target/$p/leadbook"; break; fi
  done
fi
[ -n "$bin" ] && [ -x "$bin" ] || { echo "no leadbook binary: cargo build --release --bin leadbook (or set LEADBOOK_BIN)" >&2; exit 1; }
[ -f "$book" ] || {
  echo "no book at $book; make one with:" >&2
  echo "  cargo build --release -p leadbook-core --bin leadbook-bench && ./target/release/leadbook-bench --leads 100000 --only add --keep $book" >&2
  exit 1
}

# The tools: installed only when missing, like the Makefile does.
missing=()
command -v xdotool >/dev/null || missing+=(xdotool)
command -v xvfb-run >/dev/null || missing+=(xvfb xauth)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  echo "==> installing ${missing[*]}" >&2
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Always on a fresh virtual screen of the window's size, so runs compare.
if [ "${LEADBOOK_BENCH_XVFB:-}" != 1 ]; then
  exec xvfb-run -a --server-args="-screen 0 1280x820x24" env LEADBOOK_BENCH_XVFB=1 "$0" "$@"
fi

work=$(mktemp -d /tmp/leadbook-bench-app.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "binary: $bin" >&2
echo "book:   $book ($(du -h "$book" | cut -f1))" >&2
cp "$book" "$work/big.db"
for ext in -wal -shm; do [ -f "$book$ext" ] && cp "$book$ext" "$work/big.db$ext"; done
leads=$("$bin" --db "$work/big.db" dashboard | python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(d["grades"].values()))')
echo "leads:  $leads" >&2

# launch DB MARKS [SEARCH]: starts the window; sets pid and t0 (epoch ms just before exec).
launch() {
  : >"$2"
  t0=$(date +%s%3N)
  XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" LEADBOOK_DB="$1" LEADBOOK_OPEN=leads \
    LEADBOOK_PERF_OUT="$2" LEADBOOK_PERF_SEARCH="${3:-}" "$bin" >>"$work/app.log" 2>&1 &
  pid=$!
}

stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=
}

# wait_mark MARKS NAME COUNT SECONDS
wait_mark() {
  local i
  for ((i = 0; i < $4 * 20; i++)); do
    if [ "$(grep -c "^$2	" "$1" 2>/dev/null || true)" -ge "$3" ]; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "the app exited early; its log:" >&2; tail -20 "$work/app.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "timed out waiting for $3 × '$2' marks" >&2
  exit 1
}

# Prints the values (column 4) of the marks named $2 in $1.
values() { awk -F'\t' -v n="$2" '$1 == n { print $4 }' "$1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
pct() { sort -g | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; print a[i] }'; }
rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# start_ms DB: RUNS measured starts (after one unmeasured start that makes the day's backup and
# warms the page cache); prints one figure per line.
start_ms() {
  local m="$work/marks.tsv" r
  launch "$1" "$m"; wait_mark "$m" first-paint 1 60; stop
  for ((r = 0; r < runs; r++)); do
    launch "$1" "$m"
    wait_mark "$m" first-paint 1 60
    awk -F'\t' -v t0="$t0" '$1 == "first-paint" { print $3 - t0; exit }' "$m"
    stop
  done
}

echo "==> start, empty book ($runs runs)" >&2
start_empty=$(start_ms "$work/empty.db" | median)
echo "==> start, $leads leads ($runs runs)" >&2
start_big=$(start_ms "$work/big.db" | median)

# Focuses the window and types SEARCH into the lead list's search box, as a person would.
type_search() {
  local wid
  wid=$(xdotool search --sync --onlyvisible --name '^Leadbook$' | head -1)
  xdotool windowfocus --sync "$wid" 2>/dev/null || xdotool windowactivate --sync "$wid" 2>/dev/null || true
  sleep 0.5
  xdotool key --clearmodifiers slash # the app's shortcut: focus the search box
  sleep 0.5
  xdotool type --delay "$delay" "$search"
}

# The memory baseline of SPEC §10 round 2: the same build's window on an empty book, the same
# keys typed into it.
echo "==> typing '$search' on the empty book, then its memory" >&2
m="$work/marks.tsv"
launch "$work/empty.db" "$m" "$search"
wait_mark "$m" first-paint 1 60
wait_mark "$m" ipc-done 1 120
type_search
sleep 3
rss_empty=$(rss_mb "$pid")
stop

echo "==> typing '$search' (${delay} ms between keys) on $leads leads" >&2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
launch "$work/big.db" "$m" "$search"
wait_mark "$m" first-paint 1 60
wait_mark "$m" ipc-done 1 120
rss_painted=$(awk -F'\t' '$1 == "first-paint" { printf "%.1f", $5 / 1024; exit }' "$m")
type_search
wait_mark "$m" keystroke "${#search}" 30
key_med=$(values "$m" keystroke | median)
key_p95=$(values "$m" keystroke | pct 95)
key_max=$(values "$m" keystroke | sort -g | tail -1)
ipc_med=$(values "$m" ipc-lead-list | median)
repaint_med=$(values "$m" bare-repaint | median)
q_med=$(values "$m" search-ipc | median)
paint_med=$(values "$m" search-render | median)
flush_med=$(values "$m" search-flush | median)
frame_med=$(values "$m" search-frame | median)
draw_med=$(values "$m" search-paint | median)
queue_med=$(values "$m" search-queue | median)
load_typed=$(cut -d' ' -f1-3 /proc/loadavg)

echo "==> memory, $leads leads: clear the search, walk the table (End, PageUp ×30, Home)" >&2
xdotool key Escape
sleep 1
xdotool key Down # from the search box into the table
xdotool key End
sleep 1
for ((i = 0; i < 30; i++)); do xdotool key Prior; sleep 0.05; done
xdotool key Home
sleep 2
rss_big=$(rss_mb "$pid")
# And once the start's own work is over (the first tick over a big book runs for seconds at a
# lower priority, beside the typing): what the window holds while the agent reads.
sleep 15
rss_settled=$(rss_mb "$pid")
web_rss=$(for c in $(pgrep -P "$pid" || true) $(for c in $(pgrep -P "$pid" || true); do pgrep -P "$c" || true; done); do
  awk '/^VmRSS:/ { print $2 }' "/proc/$c/status" 2>/dev/null || true
done | awk '{ s += $1 } END { printf "%.0f", s / 1024 }')
stop

verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v + 0 <= t + 0) ? "PASS" : "MISS" }'; }

echo
webkit_env=$(env | grep '^WEBKIT_' | tr '\n' ' ' || true)
if [ -z "$webkit_env" ] && ! ls /dev/dri/renderD* >/dev/null 2>&1; then
  webkit_env="no GPU render node: CPU painting (the app's choice)"
fi
echo "App figures ($(basename "$bin") $(dirname "$bin" | xargs basename), $(nproc) cores, Xvfb 1280×820, $(date -u +%F)${webkit_env:+, $webkit_env}):"
echo "load average (1, 5, 15 min) before typing: $load_before; after: $load_typed"
echo
echo "| figure | leadbook | baseline (same run) | target | |"
echo "|---|---|---|---|---|"
printf '| app start → first painted lead list, %s leads (median of %s) | %.0f ms | %.0f ms — the same start on an empty book | ≤ 1500 ms | %s |\n' \
  "$leads" "$runs" "$start_big" "$start_empty" "$(verdict "$start_big" 1500)"
printf '| search keystroke → rows painted, typing "%s" (median; p95 %s ms, max %s ms) | %s ms | %s ms — the same window'"'"'s bare repaint of one changed row (median); bare `lead_list` IPC round trip %s ms | ≤ bare repaint + 20 ms | %s |\n' \
  "$search" "$key_p95" "$key_max" "$key_med" "$repaint_med" "$ipc_med" "$(verdict "$key_med" "$(awk -v b="$repaint_med" 'BEGIN { print b + 20 }')")"
printf '| resident memory of the Rust process, %s leads, searched and the table walked (%s MB at first paint; %s MB 15 s later, the start'"'"'s work done) | %s MB | %s MB — the same process on an empty book, searched | ≤ empty + 40 MB | %s |\n' \
  "$leads" "$rss_painted" "$rss_settled" "$rss_big" "$rss_empty" "$(verdict "$rss_big" "$(awk -v b="$rss_empty" 'BEGIN { print b + 40 }')")"
echo
echo "Per search query: answer in hand ${q_med} ms after it was asked, rows painted ${paint_med} ms later (medians)."
echo "  of which: DOM updated ${flush_med} ms, next frame begins ${frame_med} ms, frame painted ${draw_med} ms (medians)."
echo "Per key: keydown → its query sent ${queue_med} ms (median; a key waits while another query is in flight)."
echo "WebKit's own processes (not the Rust process): ${web_rss} MB resident."
