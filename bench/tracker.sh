#!/usr/bin/env bash
# The tracker under load: zshare-bench tracker (bench/tracker_load.cpp) RUNS times for each mode
# and table size, all rows in one CSV, then the medians as a table and PNG plots.
#
#   bench/tracker.sh [RUNS]     (default 3)
#   env: TRACKER_NODES (default 1000,10000,100000), TRACKER_SUBSCRIBERS (10,100,1000),
#        TRACKER_MODES (both), BENCH_CSV (where the rows go; default a temporary file),
#        BENCH_PLOTS (a directory for the PNGs; default none)
set -euo pipefail
cd "$(dirname "$0")/.."
bench_name=tracker
. bench/lib.sh

runs=${1:-3}
nodes=${TRACKER_NODES:-1000,10000,100000}
subscribers=${TRACKER_SUBSCRIBERS:-10,100,1000}
modes=${TRACKER_MODES:-both}
build=${BUILD_DIR:-build}
[ -x "$build/bench/zshare-bench" ] && [ -x "$build/broker/zshare-tracker" ] ||
    die "build first: ./dev build (wants $build/bench/zshare-bench and $build/broker/zshare-tracker)"
csv=${BENCH_CSV:-$(mktemp --suffix=.csv)}
# Each simulated node closes its connection once registered, so the open files stay far below
# the limit; the 1,000 subscribers and 100 kept connections need about 2,500.
ulimit -n 20000 2>/dev/null || true

log "tracker: $runs runs of nodes $nodes, subscribers $subscribers, modes $modes; rows in $csv"
log "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1e6 }' /proc/meminfo), $(uname -r)"
header_done=
for run in $(seq 1 "$runs"); do
    one=$(mktemp --suffix=.csv)
    "$build/bench/zshare-bench" tracker --tracker-bin "$build/broker/zshare-tracker" --nodes "$nodes" \
        --subscribers "$subscribers" --modes "$modes" --csv "$one" >&2 2> >(grep -v '^zshare-tracker:' >&2)
    if [ -z "$header_done" ]; then
        { printf 'run,'; head -1 "$one"; } >"$csv"
        header_done=1
    fi
    tail -n +2 "$one" | sed "s/^/$run,/" >>"$csv"
    rm -f "$one"
done

# Medians over the runs, per mode, table size and subscriber count.
awk -F, '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { key = $(col["mode"]) "," $(col["nodes"]) "," $(col["subscribers"]); if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      for (f in col) values[key, f] = values[key, f] " " $(col[f]) }
    function median(s,   k, x, a, b, t) {
        k = split(s, x, " ")
        for (a = 1; a <= k; a++) for (b = a + 1; b <= k; b++) if (x[b] + 0 < x[a] + 0) { t = x[a]; x[a] = x[b]; x[b] = t }
        return (k % 2) ? x[(k + 1) / 2] : (x[k / 2] + x[k / 2 + 1]) / 2
    }
    END {
        printf "| mode | nodes | registrations/s | ÷ bare ROUTER | pings/s | ÷ bare ROUTER | snapshot s | snapshot MB | tracker RSS MB | bytes per entry | subscribers | fan-out median ms | p99 ms |\n"
        printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, p, ",")
            printf "| %s | %d | %.0f | %.2f | %.0f | %.2f | %.2f | %.0f | %.0f | %.0f | %d | %.2f | %.2f |\n", p[1], p[2],
                median(values[k, "reg_per_s"]), median(values[k, "reg_ratio"]), median(values[k, "ping_per_s"]),
                median(values[k, "ping_ratio"]), median(values[k, "snapshot_s"]), median(values[k, "snapshot_mb"]),
                median(values[k, "rss_mb"]), median(values[k, "bytes_per_entry"]), p[3],
                median(values[k, "fanout_median_ms"]), median(values[k, "fanout_p99_ms"])
        }
    }' "$csv"

if [ -n "${BENCH_PLOTS:-}" ]; then
    mkdir -p "$BENCH_PLOTS"
    bench/plot.sh tracker "$csv" "$BENCH_PLOTS/tracker-scale.png" "zshare-tracker under load ($(nproc) cores)"
    bench/plot.sh tracker-fanout "$csv" "$BENCH_PLOTS/tracker-fanout.png" "UpdatePeer to every subscriber"
fi
