#!/usr/bin/env bash
# zshare throughput on loopback, next to what the machine can do without zshare.
#
#   bench/throughput.sh [SIZE_MIB] [RUNS]          (defaults: 1024 MiB, 5 runs)
#
# Moves one random file of SIZE_MIB into a new file, RUNS rounds, each round trying every method
# once, in this order:
#   netcat     nc -l on a loopback port writing to a file, nc -N sending the file
#   nginx      nginx (sendfile on) serving the file on a loopback port, curl -o
#   bare-zmq   bench/zshare-bench-zmq-fetch: DEALER/ROUTER, credit window, no protocol/hashing
#   zshare     a tracker and a seeding node (alice) started once; per run a new downloading node
#              process, `download alice <path> <dest>` piped on stdin, timed from process start to
#              exit (registration, manifest, download with every chunk verified, registering the
#              copy, disconnect), with its peak RSS from /usr/bin/time -f %M. Nodes use their
#              default tuning, and a manifest cache of their own in the temporary directory
#              (a fresh one per downloader).
# Every destination is compared with the source after its run (outside the timing) and deleted.
# The page cache is not dropped: the source is read from memory in every run.
# The report (Markdown) goes to stdout, progress to stderr.
#
# Installs what is missing with apt-get (netcat-openbsd, nginx-light or nginx, curl, time,
# iproute2), builds the three programs it needs into build/ at the repository root if they are
# not there yet. Everything runs on 127.0.0.1; every process it starts is stopped at exit and its
# temporary directory removed.
#
# Environment (optional):
#   ZSHARE_BUILD_DIR  build directory to use (default: <repo>/build)
#   BENCH_TMPDIR      where to make the temporary directory (default: $TMPDIR or /tmp); source
#                     and destination files both live there, so they share a file system
#   CHUNK_KIB, WINDOW chunk size and requests in flight for bare-zmq (default 1024 and 16: zshare's
#                     chunk size and its most requests in flight to one peer)
#   ZSHARE_NODE_ARGS  extra options for every zshare-node (e.g. "--window 8")
set -euo pipefail

usage() { echo "usage: $0 [SIZE_MIB] [RUNS]   (defaults 1024 5)" >&2; exit 2; }
command_line=$(printf '%q ' "$0" "$@"); command_line=${command_line% }
[ $# -le 2 ] || usage
size_mib=${1:-1024}
runs=${2:-5}
[[ $size_mib =~ ^[1-9][0-9]*$ && $runs =~ ^[1-9][0-9]*$ ]] || usage
chunk_kib=${CHUNK_KIB:-1024}
window=${WINDOW:-16}
[[ $chunk_kib =~ ^[1-9][0-9]*$ && $window =~ ^[1-9][0-9]*$ ]] || usage
read -r -a node_args <<<"${ZSHARE_NODE_ARGS:-}"
size_bytes=$((size_mib << 20))

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ZSHARE_BUILD_DIR:-$repo/build}
tracker_bin=$build/broker/zshare-tracker
node_bin=$build/node/zshare-node
fetch_bin=$build/bench/zshare-bench-zmq-fetch

log() { printf '%s\n' "$*" >&2; }
die() { log "throughput.sh: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Tools: install only what is missing.
install_missing() {
    local missing=()
    # The OpenBSD nc (has -N: shut down the socket at EOF), whichever nc is the default.
    command -v nc.openbsd >/dev/null || missing+=(netcat-openbsd)
    if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
        if apt-cache show nginx-light >/dev/null 2>&1; then missing+=(nginx-light); else missing+=(nginx); fi
    fi
    command -v curl >/dev/null || missing+=(curl)
    [ -x /usr/bin/time ] || missing+=(time)
    command -v ss >/dev/null || missing+=(iproute2)
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    log "installing: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    # A package's own service must not start: nginx's default site would listen on port 80.
    local policy=/usr/sbin/policy-rc.d added_policy=
    if [ ! -e $policy ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee $policy >/dev/null
        "${sudo[@]}" chmod 755 $policy
        added_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null || rc=$?
    [ -z "$added_policy" ] || "${sudo[@]}" rm -f $policy
    [ $rc -eq 0 ] || die "apt-get install ${missing[*]} failed"
}
install_missing
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
nc_bin=$(command -v nc.openbsd)

if [ ! -x "$tracker_bin" ] || [ ! -x "$node_bin" ] || [ ! -x "$fetch_bin" ]; then
    log "building into $build"
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j "$(nproc)" --target zshare-tracker zshare-node zshare-bench-zmq-fetch >&2
fi

# ---------------------------------------------------------------------------------------------
# Temporary directory, processes, clean-up.
work=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/zshare-bench.XXXXXX")
pids=()
seed_fd=
cleanup() {
    local rc=$? i
    set +e
    [ -z "$seed_fd" ] || exec {seed_fd}>&-  # the seeding node's stdin ends: it disconnects
    # Newest first, one at a time: the nodes say goodbye while the tracker is still there
    # (a node whose tracker is gone waits --tracker-timeout-ms for the acknowledgement).
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
    done
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {  # forget_pid PID: a process already waited for, so cleanup leaves it alone
    local kept=() pid
    for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    pids=("${kept[@]}")
}
now_ns() { date +%s%N; }
mbps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }'; }
wait_for() {  # wait_for FILE TEXT [PID [SECONDS]]: until FILE holds TEXT (20 s; fails if PID exits)
    local _
    for _ in $(seq $((${4:-20} * 20))); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then break; fi
        sleep 0.05
    done
    log "'$2' did not appear in $1:"; cat "$1" >&2 2>/dev/null || true
    return 1
}
port_listening() { [ -n "$(ss -Htln "sport = :$1")" ]; }
free_port() {  # a loopback TCP port that nothing uses (not even in TIME_WAIT)
    local port _
    for _ in $(seq 100); do
        port=$((20000 + (RANDOM << 15 | RANDOM) % 40000))
        [ -z "$(ss -Htan "( sport = :$port or dport = :$port )")" ] && { echo "$port"; return 0; }
    done
    die "no free port found"
}
wait_listening() {  # wait_listening PORT PID
    local _
    for _ in $(seq 400); do
        port_listening "$1" && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

avail_kib=$(df -Pk "$work" | awk 'NR == 2 { print $4 }')
need_kib=$(( (size_bytes >> 10) * 2 + 65536 ))
[ "$avail_kib" -ge "$need_kib" ] || die "$work has $((avail_kib >> 10)) MiB free, needs $((need_kib >> 10)) MiB"

mkdir -p "$work/www" "$work/dst" "$work/nginx"
src=$work/www/source.bin
log "making a random file of $size_mib MiB in $work"
dd if=/dev/urandom of="$src" bs=1M count="$size_mib" iflag=fullblock status=none
src=$(realpath "$src")  # the seeding node registers canonical paths
# nginx's worker may run as another user (nobody when started by root): let it reach the file.
chmod 711 "$work"; chmod 755 "$work/www"; chmod 644 "$src"
fs_type=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
load_at_start=$(cut -d " " -f 1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# Servers that run for the whole benchmark.

# nginx, foreground, everything under $work/nginx.
start_nginx() {
    local attempt
    for attempt in 1 2 3 4 5; do
        nginx_port=$(free_port)
        cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $work/nginx/client_body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
    }
}
EOF
        "$nginx_bin" -p "$work/nginx/" -e "$work/nginx/error.log" -c "$work/nginx/nginx.conf" \
            >"$work/nginx/stdout" 2>&1 &
        nginx_pid=$!
        pids+=("$nginx_pid")
        if wait_listening "$nginx_port" "$nginx_pid" &&
            curl -sSf -o /dev/null -I "http://127.0.0.1:$nginx_port/source.bin"; then
            return 0
        fi
        log "nginx did not start (attempt $attempt):"; cat "$work/nginx/error.log" >&2 2>/dev/null || true
        kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true
        forget_pid "$nginx_pid"
    done
    die "could not start nginx"
}
start_nginx

# The bare ZeroMQ server.
"$fetch_bin" serve --listen 'tcp://127.0.0.1:*' --chunk $((chunk_kib << 10)) "$src" \
    >"$work/zmq-serve.out" 2>"$work/zmq-serve.log" &
pids+=($!)
wait_for "$work/zmq-serve.out" 'tcp://' $! || die "zshare-bench-zmq-fetch serve did not start"
zmq_endpoint=$(head -n 1 "$work/zmq-serve.out")

# zshare: a tracker and alice, who shares the source and stays online (stdin held open).
"$tracker_bin" --listen 'tcp://127.0.0.1:*' >"$work/tracker.out" 2>"$work/tracker.log" &
pids+=($!)
wait_for "$work/tracker.out" ready $! || die "the tracker did not start"
tracker=$(sed -nE 's/.*requests on ([^,]+),.*/\1/p' "$work/tracker.out")
# A node with manifests hashes what it shares when it starts, and caches the result.
cache_option() {  # cache_option DIR: the option that keeps the node's cache in DIR, if it has one
    if "$node_bin" --help 2>/dev/null | grep -q -- '--cache-dir'; then printf '%s\n' --cache-dir "$1"; fi
}
mapfile -t cache_alice < <(cache_option "$work/cache/alice")
mkfifo "$work/alice.in"
"$node_bin" --tracker "$tracker" --name alice --listen 'tcp://127.0.0.1:*' --share "$src" \
    "${cache_alice[@]}" "${node_args[@]}" <"$work/alice.in" >"$work/alice.out" 2>"$work/alice.log" &
alice_pid=$!
pids+=("$alice_pid")
exec {seed_fd}>"$work/alice.in"
wait_for "$work/alice.log" "alice online" "$alice_pid" $((20 + size_mib / 10)) || die "the seeding node did not come online"

# ---------------------------------------------------------------------------------------------
# One run of each method. Each sets $elapsed_ns and leaves the copy in $dst.
dst=$work/dst/copy.bin

run_netcat() {
    local port t0 recv_pid
    port=$(free_port)
    "$nc_bin" -l 127.0.0.1 "$port" >"$dst" 2>"$work/nc-recv.log" &
    recv_pid=$!
    pids+=("$recv_pid")
    wait_listening "$port" "$recv_pid" || die "nc -l did not listen on port $port"
    t0=$(now_ns)
    "$nc_bin" -N 127.0.0.1 "$port" <"$src" 2>"$work/nc-send.log" || die "nc -N failed: $(cat "$work/nc-send.log")"
    wait "$recv_pid" || die "nc -l failed: $(cat "$work/nc-recv.log")"
    forget_pid "$recv_pid"
    elapsed_ns=$(( $(now_ns) - t0 ))
}

run_nginx() {
    local t0
    t0=$(now_ns)
    curl -sSf -o "$dst" "http://127.0.0.1:$nginx_port/source.bin" || die "curl failed"
    elapsed_ns=$(( $(now_ns) - t0 ))
}

run_bare_zmq() {
    local t0
    t0=$(now_ns)
    "$fetch_bin" fetch --connect "$zmq_endpoint" --size "$size_bytes" --chunk $((chunk_kib << 10)) \
        --window "$window" "$dst" >"$work/zmq-fetch.out" 2>&1 || die "zmq fetch failed: $(cat "$work/zmq-fetch.out")"
    elapsed_ns=$(( $(now_ns) - t0 ))
}

zshare_rss_kib=()
run_zshare() {  # run_zshare RUN
    local t0 rc=0 cache_bob
    rm -rf "$work/cache/bob"
    mapfile -t cache_bob < <(cache_option "$work/cache/bob")
    t0=$(now_ns)
    printf 'download alice %s %s\n' "$src" "$dst" |
        /usr/bin/time -f %M -o "$work/bob.rss" \
            "$node_bin" --tracker "$tracker" --name "bob$1" --listen 'tcp://127.0.0.1:*' \
            --downloads "$work/dst" "${cache_bob[@]}" "${node_args[@]}" \
            >"$work/bob.out" 2>"$work/bob.log" || rc=$?
    elapsed_ns=$(( $(now_ns) - t0 ))
    if [ $rc -ne 0 ]; then
        log "zshare downloader exited with status $rc:"; cat "$work/bob.out" "$work/bob.log" >&2
        die "zshare download failed"
    fi
    zshare_rss_kib+=("$(tail -n 1 "$work/bob.rss")")
    # The node's own figure for the transfer alone ("..., 1.234 s, 541.0 MiB/s, 1 peer)"), in
    # MB/s like the rest of the table.
    local own
    own=$(sed -nE 's/.*, ([0-9]+(\.[0-9]+)?) MiB\/s, .*/\1/p' "$work/bob.out" | tail -n 1)
    [ -z "$own" ] || own=$(awk -v m="$own" 'BEGIN { printf "%.1f", m * 1.048576 }')
    [ -z "$own" ] || zshare_own+=("$own")
}
zshare_own=()

methods=(netcat nginx bare-zmq zshare)
declare -A results=()  # method -> space-separated MB/s values
for method in "${methods[@]}"; do results[$method]=; done

for ((run = 1; run <= runs; run++)); do
    for method in "${methods[@]}"; do
        rm -f "$dst" "$dst".part*
        sync  # write-back of earlier runs stays out of this one (the page cache stays)
        case $method in
            netcat) run_netcat ;;
            nginx) run_nginx ;;
            bare-zmq) run_bare_zmq ;;
            zshare) run_zshare "$run" ;;
        esac
        cmp -s "$src" "$dst" || die "$method: the copy differs from the source (run $run)"
        rm -f "$dst" "$dst".part*
        rate=$(mbps "$size_bytes" "$elapsed_ns")
        results[$method]+="$rate "
        log "run $run/$runs  $(printf '%-8s' "$method") $(printf '%8s' "$rate") MB/s"
    done
done

# ---------------------------------------------------------------------------------------------
# Report.
stats() {  # stats V...: median min max
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}
declare -A median=()
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$cpu_model" ] || cpu_model=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')

echo "# zshare throughput on loopback"
echo
echo "- command: \`$command_line\`"
echo "- date: $(date -Iseconds)"
echo "- CPU: ${cpu_model:-unknown}, $(nproc) cores available ($(nproc --all) online), kernel $(uname -r)"
echo "- load average before the runs: $load_at_start (other work on the machine skews the results)"
echo "- zshare: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo "unknown revision"), binaries from \`$build\`"
echo "- file: $size_mib MiB of random bytes, $runs runs per method (methods interleaved per run),"
echo "  source and copies on one $fs_type file system (\`${BENCH_TMPDIR:-${TMPDIR:-/tmp}}\`)"
echo "- page cache **not dropped**: the source is read from memory; copies are written to the page"
echo "  cache (no fsync). Each copy is compared with the source after its run and deleted."
echo "- bare-zmq: chunk $chunk_kib KiB, window $window. zshare: the node's defaults${ZSHARE_NODE_ARGS:+ and \`$ZSHARE_NODE_ARGS\`}, timed"
echo "  as the whole downloading process (start, registration, manifest, download with every chunk"
echo "  verified, exit); the seeder hashed the file before the runs."
echo
echo "| method | median MB/s | min MB/s | max MB/s |"
echo "| --- | ---: | ---: | ---: |"
for method in "${methods[@]}"; do
    read -r -a values <<<"${results[$method]}"
    read -r med lo hi < <(stats "${values[@]}")
    median[$method]=$med
    echo "| $method | $med | $lo | $hi |"
done
if [ ${#zshare_own[@]} -eq "$runs" ]; then
    read -r med lo hi < <(stats "${zshare_own[@]}")
    echo "| zshare, transfer only (as the node reports it) | $med | $lo | $hi |"
fi
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
read -r rss_med rss_lo rss_hi < <(stats "${zshare_rss_kib[@]}")
echo "- zshare / netcat: $(ratio "${median[zshare]}" "${median[netcat]}")"
echo "- zshare / bare-zmq: $(ratio "${median[zshare]}" "${median[bare-zmq]}")"
echo "- zshare downloader peak RSS: median $(awk -v k="$rss_med" 'BEGIN { printf "%.1f", k / 1024 }') MiB" \
     "(min $(awk -v k="$rss_lo" 'BEGIN { printf "%.1f", k / 1024 }'), max $(awk -v k="$rss_hi" 'BEGIN { printf "%.1f", k / 1024 }') MiB)"
