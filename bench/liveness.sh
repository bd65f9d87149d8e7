#!/usr/bin/env bash
# How fast zshare notices failures and recovers, with the default heartbeat (1 s) and TTL (5 s).
#
#   bench/liveness.sh [RUNS]        (default 5)
#
# Per run, on loopback:
#   detection  a node is killed with SIGKILL; time until a tap prints its UnregisterPeer
#   recovery   the tracker (with two nodes and a tap) is killed with SIGKILL and started again on
#              the same endpoints at once; time until the tap shows the whole table again
#              ("snapshot ... end peers=2" after the restart)
# Reports medians, min and max as a Markdown table. Every process it starts is stopped at exit.
set -euo pipefail
runs=${1:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [RUNS]" >&2; exit 2; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ZSHARE_BUILD_DIR:-$repo/build}
tracker_bin=$build/broker/zshare-tracker node_bin=$build/node/zshare-node tap_bin=$build/tools/zshare-tap
[ -x "$tracker_bin" ] && [ -x "$node_bin" ] && [ -x "$tap_bin" ] || { echo "build first: ./dev build" >&2; exit 1; }
work=$(mktemp -d /tmp/zshare-liveness.XXXXXX)
pids=()
cleanup() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -9 "${pids[i]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
wait_for() { # wait_for FILE TEXT [AFTER_LINE]: until FILE has TEXT after line AFTER_LINE (60 s at most)
    local after=${3:-0}
    for _ in $(seq 6000); do
        tail -n +"$((after + 1))" "$1" 2>/dev/null | grep -q -- "$2" && return 0
        sleep 0.01
    done
    echo "liveness.sh: '$2' did not appear in $1" >&2; return 1
}
start_node() { # start_node NAME: a node that stays online; its pid in $node_pid
    mkfifo "$work/$1.in"
    "$node_bin" --tracker "$tracker" --name "$1" --listen 'tcp://127.0.0.1:*' --cache-dir "$work/cache" \
        <"$work/$1.in" >/dev/null 2>"$work/$1.err" &
    node_pid=$!; pids+=("$node_pid")
    exec {fd}>"$work/$1.in"
    wait_for "$work/$1.err" "$1 online"
}
stats() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {m=(NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2; printf "%.0f | %.0f | %.0f", m, v[1], v[NR]}'; }

detect=() recover=()
for ((run = 1; run <= runs; run++)); do
    rm -f "$work"/*.in "$work"/*.err "$work"/*.out
    "$tracker_bin" --listen 'tcp://127.0.0.1:*' >"$work/tracker.out" 2>"$work/tracker.err" &
    tracker_pid=$!; pids+=("$tracker_pid")
    wait_for "$work/tracker.out" ready
    tracker=$(sed -E 's/.*requests on ([^,]+),.*/\1/' "$work/tracker.out")
    events=$(sed -E 's/.*events on (.*)/\1/' "$work/tracker.out")
    "$tap_bin" --tracker "$tracker" >"$work/tap.out" 2>&1 & pids+=($!)
    wait_for "$work/tap.out" "end peers=0"
    start_node alice; start_node bob; start_node carol; carol_pid=$node_pid
    wait_for "$work/tap.out" "RegisterPeer carol"
    t0=$(now_ms); kill -9 "$carol_pid"
    wait_for "$work/tap.out" "UnregisterPeer carol"
    detect+=($(( $(now_ms) - t0 )))

    lines=$(wc -l <"$work/tap.out")
    t0=$(now_ms); kill -9 "$tracker_pid"; wait "$tracker_pid" 2>/dev/null || true
    "$tracker_bin" --listen "$tracker" --publish "$events" >"$work/tracker2.out" 2>"$work/tracker2.err" &
    pids+=($!)
    wait_for "$work/tap.out" "end peers=2" "$lines"
    recover+=($(( $(now_ms) - t0 )))
    echo "run $run/$runs: detection ${detect[-1]} ms, recovery ${recover[-1]} ms" >&2
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -9 "${pids[i]}" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
done

cat <<REPORT
- command: \`bench/liveness.sh $runs\`; date: $(date -Iseconds); zshare $(git -C "$repo" rev-parse --short HEAD)
- tracker defaults: heartbeat 1000 ms, peer TTL 5000 ms; nodes Ping every heartbeat

| what | median ms | min ms | max ms |
| --- | ---: | ---: | ---: |
| node killed (SIGKILL) until every tap shows it gone | $(stats "${detect[@]}") |
| tracker killed and restarted until taps show the whole table again | $(stats "${recover[@]}") |
REPORT
