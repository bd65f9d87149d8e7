#!/usr/bin/env bash
# Draws a PNG of a benchmark's CSV with gnuplot (Debian's gnuplot-nox, installed if missing):
# the median of each method's runs as a bar, with the runs' spread as an error bar.
#
#   bench/plot.sh throughput RUNS.csv OUT.png [TITLE]   bench/throughput.sh's BENCH_CSV: MB/s
#   bench/plot.sh folders RUNS.csv OUT.png [TITLE]      bench/folders.sh's BENCH_CSV: seconds,
#                                                       one panel per folder (set)
#   bench/plot.sh tracker RUNS.csv OUT.png [TITLE]      bench/tracker.sh's BENCH_CSV: against the
#                                                       table size, one line per mode
#   bench/plot.sh tracker-fanout RUNS.csv OUT.png [TITLE]  the same CSV: fan-out latency against
#                                                       the subscribers, per mode and table size
set -euo pipefail

usage() { echo "usage: $0 throughput|folders|tracker|tracker-fanout RUNS.csv OUT.png [TITLE]" >&2; exit 2; }
[ $# -ge 3 ] || usage
kind=$1 csv=$2 out=$3 title=${4:-}
[ -f "$csv" ] || { echo "plot.sh: no file $csv" >&2; exit 1; }
if ! command -v gnuplot >/dev/null; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    echo "installing: gnuplot-nox" >&2
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
fi
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT

# medians GROUP_COLUMN VALUE_COLUMN [SET]: "method median min max" per method, in first-seen order.
medians() {
    awk -F, -v g="$1" -v v="$2" -v set="${3:-}" '
        NR == 1 { next }
        set != "" && $1 != set { next }
        !($g in seen) { seen[$g] = ++n; name[n] = $g }
        { values[$g] = values[$g] " " $v }
        END {
            for (i = 1; i <= n; i++) {
                k = split(values[name[i]], x, " ")
                for (a = 1; a <= k; a++) for (b = a + 1; b <= k; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
                m = (k % 2) ? x[(k + 1) / 2] : (x[k / 2] + x[k / 2 + 1]) / 2
                printf "\"%s\" %s %s %s\n", name[i], m, x[1], x[k]
            }
        }' "$csv"
}

# The look of every chart, and one bar chart of a medians file: FILE, the labels' printf format.
style='set style fill solid 0.6 border -1
set boxwidth 0.6
set xtics rotate by -30 noenhanced
set yrange [0:*]
set grid ytics
unset key'
bars() {
    printf 'plot "%s" using 0:2:xtic(1) with boxes lc rgb "#4a7ab8", "" using 0:2:3:4 with yerrorbars lc rgb "black" pt -1, "" using 0:2:(sprintf("%s", $2)) with labels offset 0,1 noenhanced\n' "$1" "$2"
}

case $kind in
    throughput)
        medians 1 3 >"$data/bars"
        gnuplot <<EOF
set terminal pngcairo size 1000,520 font "sans,10"
set output "$out"
set title "${title:-Loopback throughput (median of the runs; bars: min to max)}"
set ylabel "MB/s"
$style
$(bars "$data/bars" %.0f)
EOF
        ;;
    folders)
        mapfile -t sets < <(awk -F, 'NR > 1 && !seen[$1]++ { print $1 }' "$csv")
        [ ${#sets[@]} -gt 0 ] || { echo "plot.sh: $csv holds no runs" >&2; exit 1; }
        plots=
        for set in "${sets[@]}"; do
            medians 2 4 "$set" >"$data/$set"
            plots+="set title \"$set\" noenhanced
$(bars "$data/$set" %.2f)
"
        done
        gnuplot <<EOF
set terminal pngcairo size $((520 * ${#sets[@]})),520 font "sans,10"
set output "$out"
set multiplot layout 1,${#sets[@]} title "${title:-Folders on loopback: seconds per copy (median; bars: min to max); lower is better}"
set ylabel "seconds"
$style
$plots
unset multiplot
EOF
        ;;
    tracker | tracker-fanout)
        # per_key KEYS FIELDS [SUBSCRIBERS]: one "key... median..." line per key (CSV header
        # names), medians over the runs; only the rows of SUBSCRIBERS when given.
        per_key() {
            awk -F, -v keys="$1" -v fields="$2" -v only="${3:-}" '
                NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; nk = split(keys, k, " "); nf = split(fields, f, " "); next }
                only != "" && $(col["subscribers"]) != only { next }
                { key = ""; for (i = 1; i <= nk; i++) key = key (i > 1 ? " " : "") $(col[k[i]])
                  if (!(key in seen)) { seen[key] = 1; order[++n] = key }
                  for (i = 1; i <= nf; i++) v[key, i] = v[key, i] " " $(col[f[i]]) }
                function median(s,   c, x, a, b, t) {
                    c = split(s, x, " ")
                    for (a = 1; a <= c; a++) for (b = a + 1; b <= c; b++) if (x[b] + 0 < x[a] + 0) { t = x[a]; x[a] = x[b]; x[b] = t }
                    return (c % 2) ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
                }
                END { for (j = 1; j <= n; j++) { line = order[j]; for (i = 1; i <= nf; i++) line = line " " median(v[order[j], i]); print line } }' "$csv"
        }
        column_of() { awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next } { print $c }' "$csv"; }
        first_subscribers=$(column_of subscribers | head -1)
        mapfile -t modes < <(column_of mode | awk '!seen[$0]++')
        if [ "$kind" = tracker ]; then
            for mode in "${modes[@]}"; do
                per_key "mode nodes" "reg_per_s ping_per_s snapshot_s bytes_per_entry" "$first_subscribers" |
                    awk -v m="$mode" '$1 == m { $1 = ""; print }' >"$data/$mode"
            done
            panel() {  # panel COLUMN YLABEL TITLE
                local line="plot" sep=""
                for mode in "${modes[@]}"; do
                    line+="$sep \"$data/$mode\" using 1:$1 with linespoints lw 2 title \"$mode\""
                    sep=","
                done
                printf 'set title "%s"\nset ylabel "%s"\n%s\n' "$3" "$2" "$line"
            }
            gnuplot <<EOF
set terminal pngcairo size 1100,800 font "sans,10"
set output "$out"
set multiplot layout 2,2 title "${title:-zshare-tracker under load (medians of the runs)}"
set logscale x
set xlabel "nodes (100 files each)"
set grid
set key top left
set yrange [0:*]
$(panel 2 "registrations/s" "Registrations (a new connection each)")
$(panel 3 "Pings/s" "Pings (100 connections, 32 in flight each)")
$(panel 4 "seconds" "Snapshot for a joining node")
$(panel 5 "bytes" "Tracker memory per file entry")
unset multiplot
EOF
        else
            per_key "mode nodes subscribers" "fanout_median_ms fanout_p99_ms" >"$data/fanout"
            line="plot" sep=""
            while read -r mode nodes; do
                awk -v m="$mode" -v n="$nodes" '$1 == m && $2 == n { print $3, $4, $5 }' "$data/fanout" >"$data/$mode-$nodes"
                line+="$sep \"$data/$mode-$nodes\" using 1:2 with linespoints lw 2 title \"$mode, $nodes nodes: median\", \"\" using 1:3 with linespoints dt 2 title \"p99\""
                sep=","
            done < <(awk '!seen[$1 " " $2]++ { print $1, $2 }' "$data/fanout")
            gnuplot <<EOF
set terminal pngcairo size 1000,560 font "sans,10"
set output "$out"
set title "${title:-One UpdatePeer to every subscriber (ms)}"
set logscale x
set xlabel "subscribers"
set ylabel "ms from UpdateFiles to arrival"
set grid
set key top left
set yrange [0:*]
$line
EOF
        fi
        ;;
    *) usage ;;
esac
echo "plot.sh: wrote $out" >&2
