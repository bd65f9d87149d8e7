#!/usr/bin/env bash
# zshare multi-source download over rate-capped links, in network namespaces.
#
#   bench/swarm_netns.sh [--rate 200mbit] [--size-mib 256] [--seeders "1 2 4"] [--runs 1]
#                        [--form 'download {name}'] [--burst BYTES] [--latency 50ms]
#                        [--mtu 1500] [--node-args '...'] [--build DIR]
#
# Builds zshare-tracker and zshare-node into --build (default: build/ at the repository root, or
# $ZSHARE_BUILD_DIR) if they are not there.
# Needs root and `ip netns`; when a namespace cannot be created it prints "skipped: <reason>" and
# exits 0.
#
# Topology: one namespace per host, every host's eth0 joined to a bridge that lives in a switch
# namespace of its own. Nothing is created in the namespace the script runs in, no namespace has
# a default route, and every program runs inside one of these namespaces, so no packet can leave
# them. Addresses (198.18.0.0/15, the benchmarking range):
#   198.18.0.1  downloader      198.18.0.2  tracker      198.18.0.3-6  seeders seed1..seed4
# Each seeder's upload (its eth0 egress) is capped with
#   tc qdisc add dev eth0 root tbf rate RATE burst BURST latency LATENCY
# The tracker and the downloader are not capped.
#
# For each seeder count K (default 1, 2 and 4): K seeders come online, each sharing its own link
# (a hard link, same content) named swarm.bin; a downloader node runs the download command (FORM,
# with {name}, {user}, {path} and {dest} replaced) with its input piped in, and is timed from
# process start to exit; the copy is compared with the source; the seeders then leave. The rate
# achieved is compared with the sum of the K caps (aim: >= 90%). The caps count every byte a
# seeder sends on the wire, headers included, so with a 1500-byte MTU file bytes can reach at most
# about 95% of them.
#
# FORM defaults to the multi-source form `download {name}` (every holder of that content helps).
# The form naming one user, --form 'download {user} {path} {dest}' ({user} is seed1, {path} its
# copy), checks the single-source path with --seeders 1 (with more seeders online, a node that
# has content ids fetches from all of them anyway).
set -euo pipefail

usage() {
    sed -n '4,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
command_line=$(printf '%q ' "$0" "$@"); command_line=${command_line% }

rate=200mbit
size_mib=256
seeder_counts="1 2 4"
runs=1
form='download {name}'
burst=
latency=50ms
mtu=1500
node_args=
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ZSHARE_BUILD_DIR:-$repo/build}
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
        --rate) rate=$2 ;;
        --size-mib) size_mib=$2 ;;
        --seeders) seeder_counts=$2 ;;
        --runs) runs=$2 ;;
        --form) form=$2 ;;
        --burst) burst=$2 ;;
        --latency) latency=$2 ;;
        --mtu) mtu=$2 ;;
        --node-args) node_args=$2 ;;
        --build) build=$2 ;;
        *) usage ;;
    esac
    shift 2
done

log() { printf '%s\n' "$*" >&2; }
die() { log "swarm_netns.sh: $*"; exit 1; }

[[ $size_mib =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ && $mtu =~ ^[1-9][0-9]*$ ]] || usage
[[ $latency =~ ^[0-9]+(\.[0-9]+)?(us|ms|s)$ ]] || die "--latency takes a time such as 50ms"
[[ -z $burst || $burst =~ ^[0-9]+([kmg]?b?|[kmg]bit)$ ]] || die "--burst takes a size such as 250000 or 256kb"
for k in $seeder_counts; do [[ $k =~ ^[1-4]$ ]] || die "--seeders takes counts from 1 to 4"; done
# The cap in bits per second, from a tc rate written in bits (bit, kbit, mbit, gbit).
rate_bps=$(awk -v r="$rate" 'BEGIN {
    if (match(r, /^[0-9]+(\.[0-9]+)?/) == 0) exit 1
    n = substr(r, 1, RLENGTH); u = substr(r, RLENGTH + 1)
    if (u == "bit") m = 1; else if (u == "kbit") m = 1e3; else if (u == "mbit") m = 1e6
    else if (u == "gbit") m = 1e9; else exit 1
    printf "%.0f", n * m }') || die "--rate must be a number followed by bit, kbit, mbit or gbit"
# Default burst: 10 ms at the rate, at least 64 KiB.
[ -n "$burst" ] || burst=$(awk -v b="$rate_bps" 'BEGIN { x = b / 8 / 100; printf "%.0f", x < 65536 ? 65536 : x }')
read -r -a extra_node_args <<<"$node_args"

tracker_bin=$build/broker/zshare-tracker
node_bin=$build/node/zshare-node

# ---------------------------------------------------------------------------------------------
# Can we make namespaces at all?
skip() { echo "skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
command -v tc >/dev/null || skip "tc (iproute2) is not installed"
ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"

prefix=zsb$$
sw=$prefix-sw
hosts=(dl tr s1 s2 s3 s4)
declare -A address=([dl]=198.18.0.1 [tr]=198.18.0.2 [s1]=198.18.0.3 [s2]=198.18.0.4 [s3]=198.18.0.5 [s4]=198.18.0.6)
namespaces=()
pids=()
work=
cleanup() {
    local rc=$? i pid ns
    set +e
    trap - INT TERM
    # Newest first, one at a time: the nodes say goodbye while the tracker is still there
    # (a node whose tracker is gone waits --tracker-timeout-ms for the acknowledgement).
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
    done
    # Anything still running in our namespaces was started by this script.
    for ns in "${namespaces[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    done
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
    [ -z "$work" ] || rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

why=$(ip netns add "$sw" 2>&1) || skip "cannot create a network namespace: ${why:-ip netns add failed}"
namespaces+=("$sw")
# The rest of the set-up can fail for want of kernel support (bridge, veth, tbf): skip then too.
try() { local out; out=$("$@" 2>&1) || skip "'$*' failed: $out"; }
add_ns() { try ip netns add "$1"; namespaces+=("$1"); try ip -n "$1" link set lo up; }
try ip -n "$sw" link set lo up

# ---------------------------------------------------------------------------------------------
# The network.
try ip -n "$sw" link add br0 type bridge
try ip -n "$sw" link set br0 up
for h in "${hosts[@]}"; do
    ns=$prefix-$h
    add_ns "$ns"
    try ip -n "$sw" link add "v-$h" mtu "$mtu" type veth peer name eth0 mtu "$mtu" netns "$ns"
    try ip -n "$sw" link set "v-$h" master br0 up
    try ip -n "$ns" addr add "${address[$h]}/24" dev eth0
    try ip -n "$ns" link set eth0 up
done
for i in 1 2 3 4; do
    try ip netns exec "$prefix-s$i" tc qdisc add dev eth0 root tbf rate "$rate" burst "$burst" latency "$latency"
done

if [ ! -x "$tracker_bin" ] || [ ! -x "$node_bin" ]; then
    log "building into $build"
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j "$(nproc)" --target zshare-tracker zshare-node >&2
fi
in_ns() { local h=$1; shift; ip netns exec "$prefix-$h" "$@"; }
# The network works: the downloader reaches the tracker and the seeders.
if command -v ping >/dev/null; then
    for h in tr s1 s2 s3 s4; do
        in_ns dl ping -c 1 -W 2 "${address[$h]}" >/dev/null 2>&1 || die "198.18.0.1 cannot reach ${address[$h]}"
    done
fi

# ---------------------------------------------------------------------------------------------
# Files and programs.
work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/zshare-swarm.XXXXXX")
name=swarm.bin
log "making a random file of $size_mib MiB in $work"
mkdir -p "$work/source" "$work/dl"
dd if=/dev/urandom of="$work/source/$name" bs=1M count="$size_mib" iflag=fullblock status=none
size_bytes=$((size_mib << 20))
for i in 1 2 3 4; do
    mkdir -p "$work/seed$i"
    ln "$work/source/$name" "$work/seed$i/$name"
done
work_real=$(realpath "$work")

wait_for() {  # wait_for FILE TEXT PID [SECONDS]: until FILE holds TEXT (20 s; fails if PID exits)
    local _
    for _ in $(seq $((${4:-20} * 20))); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || break
        sleep 0.05
    done
    log "'$2' did not appear in $1:"; cat "$1" >&2 2>/dev/null || true
    return 1
}
forget_pid() {
    local kept=() pid
    for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    pids=("${kept[@]}")
}
tx_bytes() { in_ns "$1" cat /sys/class/net/eth0/statistics/tx_bytes; }
# A node with manifests hashes what it shares when it starts, and caches the result: keep each
# node's cache in the temporary directory.
cache_option() {  # cache_option DIR: the option that keeps the node's cache in DIR, if it has one
    if "$node_bin" --help 2>/dev/null | grep -q -- '--cache-dir'; then printf '%s\n' --cache-dir "$1"; fi
}

tracker=tcp://${address[tr]}:7400
in_ns tr "$tracker_bin" --listen "$tracker" >"$work/tracker.out" 2>"$work/tracker.log" &
pids+=($!)
wait_for "$work/tracker.out" ready $! || die "the tracker did not start"

seed_pids=()
seed_fds=()
start_seeders() {  # start_seeders K
    local i fd pid cache
    for ((i = 1; i <= $1; i++)); do
        rm -f "$work/seed$i.in"; mkfifo "$work/seed$i.in"
        mapfile -t cache < <(cache_option "$work_real/cache/seed$i")
        in_ns "s$i" "$node_bin" --tracker "$tracker" --name "seed$i" \
            --listen "tcp://${address[s$i]}:7500" --share "$work_real/seed$i/$name" \
            "${cache[@]}" "${extra_node_args[@]}" \
            <"$work/seed$i.in" >"$work/seed$i.out" 2>"$work/seed$i.log" &
        pid=$!
        pids+=("$pid"); seed_pids+=("$pid")
        exec {fd}>"$work/seed$i.in"
        seed_fds+=("$fd")
        wait_for "$work/seed$i.log" "seed$i online" "$pid" $((20 + size_mib / 10)) || die "seed$i did not come online"
    done
}
stop_seeders() {  # their input ends: they disconnect and exit
    local fd pid
    for fd in "${seed_fds[@]}"; do exec {fd}>&-; done
    for pid in "${seed_pids[@]}"; do
        wait "$pid" || log "warning: a seeder exited with status $?"
        forget_pid "$pid"
    done
    seed_pids=(); seed_fds=()
}

# ---------------------------------------------------------------------------------------------
# The runs.
rows=()
failures=0
run_number=0
for k in $seeder_counts; do
    rates=()
    status=ok
    shares=
    for ((run = 1; run <= runs; run++)); do
        run_number=$((run_number + 1))
        start_seeders "$k"
        dest=$work_real/dl/$name
        rm -f "$dest" "$dest".part*
        command=${form//\{name\}/$name}
        command=${command//\{user\}/seed1}
        command=${command//\{path\}/$work_real/seed1/$name}
        command=${command//\{dest\}/$dest}
        declare -A tx_before=()
        for ((i = 1; i <= k; i++)); do tx_before[$i]=$(tx_bytes "s$i"); done
        log "$k seeder(s), run $run/$runs: $command"
        printf '%s\n' "$command" >"$work/dl.in"
        rm -rf "$work/cache/dl"
        mapfile -t cache < <(cache_option "$work_real/cache/dl")
        rc=0
        t0=$(date +%s%N)
        # In the background, so that a signal to this script stops it at once (see cleanup).
        in_ns dl "$node_bin" --tracker "$tracker" --name "dl$run_number" \
            --listen "tcp://${address[dl]}:7500" --downloads "$work_real/dl" "${cache[@]}" "${extra_node_args[@]}" \
            <"$work/dl.in" >"$work/dl.out" 2>"$work/dl.log" &
        dl_pid=$!
        pids+=("$dl_pid")
        wait "$dl_pid" || rc=$?
        elapsed_ns=$(( $(date +%s%N) - t0 ))
        forget_pid "$dl_pid"
        shares=
        for ((i = 1; i <= k; i++)); do
            shares+="$(awk -v a="${tx_before[$i]}" -v b="$(tx_bytes "s$i")" 'BEGIN { printf "%.0f", (b - a) / 1e6 }') "
        done
        stop_seeders
        if [ $rc -ne 0 ] || ! cmp -s "$work/source/$name" "$dest"; then
            log "the download with $k seeder(s) failed (exit status $rc):"
            cat "$work/dl.out" "$work/dl.log" >&2
            status="failed (exit $rc)"
            failures=$((failures + 1))
            break
        fi
        cat "$work/dl.out" >&2
        rm -f "$dest" "$dest".part*
        rates+=("$(awk -v b="$size_bytes" -v ns="$elapsed_ns" 'BEGIN { printf "%.1f", b * 8 / (ns / 1e9) / 1e6 }')")
        log "  ${rates[-1]} Mbit/s; MB sent per seeder: $shares"
    done
    cap_mbit=$(awk -v r="$rate_bps" -v k="$k" 'BEGIN { printf "%.0f", r * k / 1e6 }')
    if [ "$status" = ok ]; then
        achieved=$(printf '%s\n' "${rates[@]}" | sort -g | awk '{ v[NR] = $1 } END {
            printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        percent=$(awk -v a="$achieved" -v c="$cap_mbit" 'BEGIN { printf "%.1f", 100 * a / c }')
        aim=$(awk -v p="$percent" 'BEGIN { print (p >= 90) ? "yes" : "no" }')
        rows+=("| $k | $cap_mbit | $achieved | $(awk -v a="$achieved" 'BEGIN { printf "%.1f", a / 8 }') | $percent % | $aim | ${shares% } |")
    else
        rows+=("| $k | $cap_mbit | - | - | - | no | $status |")
    fi
done

# ---------------------------------------------------------------------------------------------
echo "# zshare swarm download over capped links (network namespaces)"
echo
echo "- command: \`$command_line\`"
echo "- date: $(date -Iseconds)"
echo "- CPU: $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores, kernel $(uname -r)"
echo "- zshare: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo "unknown revision"), binaries from \`$build\`"
echo "- file: $size_mib MiB of random bytes; download command: \`$form\`; $runs run(s) per row (median)"
echo "- each seeder's upload: \`tbf rate $rate burst $burst latency $latency\`, MTU $mtu (the cap counts"
echo "  headers too); downloader and tracker uncapped; timed from the downloader's start to its exit"
echo "- page cache not dropped: every seeder reads the same (hard-linked) file from memory"
echo
echo "| seeders | sum of caps Mbit/s | achieved Mbit/s | achieved MB/s | of the caps | >= 90% | MB each seeder sent (eth0 tx_bytes, last run) |"
echo "| ---: | ---: | ---: | ---: | ---: | :---: | --- |"
printf '%s\n' "${rows[@]}"
[ "$failures" -eq 0 ]
