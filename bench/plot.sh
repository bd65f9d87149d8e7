#!/usr/bin/env bash
# Draws a PNG of a benchmark's CSV with gnuplot (Debian's gnuplot-nox, installed if missing):
# the median of each method's runs as a bar, with the runs' spread as an error bar.
#
#   bench/plot.sh throughput RUNS.csv OUT.png [TITLE]   bench/throughput.sh's BENCH_CSV: MB/s
#   bench/plot.sh folders RUNS.csv OUT.png [TITLE]      bench/folders.sh's BENCH_CSV: seconds,
#                                                       one panel per folder (set)
set -euo pipefail

usage() { echo "usage: $0 throughput|folders RUNS.csv OUT.png [TITLE]" >&2; exit 2; }
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
    *) usage ;;
esac
echo "plot.sh: wrote $out" >&2
