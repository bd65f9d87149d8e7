#!/usr/bin/env bash
# zshare throughput on loopback, next to what the machine can do without zshare.
#
#   bench/throughput.sh [SIZE_MIB] [RUNS]          (defaults: 1024 MiB, 5 runs)
#
# Moves one random file of SIZE_MIB into a new file, RUNS rounds, each round trying every method
# once, in this order:
#   netcat           nc -l on a loopback port writing to a file, nc -N sending the file
#   nginx            nginx (sendfile on) serving the file on a loopback port, curl -o
#   scp              scp -c aes128-gcm@openssh.com to a private sshd on a loopback port (a
#                    throwaway host key, a key made for the current user and authorized there);
#                    skipped, with the reason in the report, when that sshd cannot be started
#   bare-zmq         bench/zshare-bench-zmq-fetch: DEALER/ROUTER, credit window, no protocol/hashing
#   bare-zmq-curve   the same with CURVE on both ends (`serve --curve`: a key pair, the ZAP domain
#                    enforced, a ZAP handler that admits every key; `fetch --curve SERVER_KEY`)
#   zshare-insecure  a tracker and a seeding node (alice) started once, all three --insecure; per
#                    run a new downloading node process, `download alice <path> <dest>` piped on
#                    stdin, timed from process start to exit (registration, manifest, download
#                    with every chunk verified, registering the copy, disconnect), with its peak
#                    RSS from /usr/bin/time -f %M. Nodes use their default tuning, and a manifest
#                    cache of their own in the temporary directory (a fresh one per downloader).
#   zshare           the same, secure (the default: CURVE on every socket), with a tracker of its
#                    own whose --state-dir is in the temporary directory, and nodes given its key
#                    (--tracker-key) and a --key-dir there (a new name, so a new key pair, per
#                    downloader)
# Every destination is compared with the source after its run (outside the timing) and deleted.
# The page cache is not dropped: the source is read from memory in every run.
# The report (Markdown) goes to stdout, progress to stderr.
#
# Installs what is missing with apt-get (netcat-openbsd, nginx-light or nginx, curl, time,
# iproute2; openssh-server and openssh-client for scp), builds the three programs it needs into
# build/ at the repository root if they are not there yet. Everything runs on 127.0.0.1; every
# process it starts is stopped at exit and its temporary directory removed.
#
# Environment (optional):
#   ZSHARE_BUILD_DIR  build directory to use (default: <repo>/build)
#   BENCH_TMPDIR      where to make the temporary directory (default: /dev/shm when it has room
#                     for the source and one copy, else $TMPDIR or /tmp); source and destination
#                     files both live there, so they share a file system. On tmpfs no disk
#                     write-back of earlier copies lands in a run (docs/benchmarks.md)
#   CHUNK_KIB, WINDOW chunk size and requests in flight for bare-zmq (default 1024 and 16: zshare's
#                     chunk size and its most requests in flight to one peer)
#   ZSHARE_NODE_ARGS  extra options for every zshare-node (e.g. "--window 8")
#   ZSHARE_PIPELINES  where the downloading node checks and writes chunks (its --chunk-pipeline):
#                     a list of loop, writer, worker and default (no option: the node's own
#                     default). Each becomes one method per zshare mode: zshare-loop, ...,
#                     zshare-insecure-loop, ...; default keeps the plain names zshare and
#                     zshare-insecure. Unset or empty: "default", the methods above. Within each
#                     mode the pipelines' order rotates from run to run, so none always runs
#                     right after the same other method.
#   BENCH_METHODS     the methods to run (default: all): names from netcat nginx scp bare-zmq
#                     bare-zmq-curve zshare-insecure zshare, where zshare and zshare-insecure
#                     stand for all their pipelines, or single pipeline methods (zshare-loop).
#                     Servers for methods not run are not started, their tools not installed.
#   BENCH_CSV         also write every run to this file as CSV, one row per method and run:
#                     method, run, mb_per_s, peak_rss_kib, size_mib, then transfer_mb_per_s (the
#                     node's own figure), user_s, sys_s, voluntary_cs, involuntary_cs (the
#                     measured process, from /usr/bin/time; zshare and bare-zmq methods only,
#                     empty for the others) and load1 (the 1-minute load when the run's round
#                     began). bench/plot.sh draws it.
#   BENCH_MAX_LOAD    before each round (every method once) wait until the 1-minute load average
#                     is below this (e.g. 1.0); unset: no waiting. The rounds' loads are reported.
#   BENCH_LOAD_WAIT_S the most seconds to wait for that, in all rounds together (default 1800);
#                     once spent, the remaining rounds start at whatever the load is
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
csv=${BENCH_CSV:-}
max_load=${BENCH_MAX_LOAD:-}
load_wait_left=${BENCH_LOAD_WAIT_S:-1800}
[[ -z $max_load || $max_load =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "BENCH_MAX_LOAD must be a number" >&2; exit 2; }
[[ $load_wait_left =~ ^[0-9]+$ ]] || { echo "BENCH_LOAD_WAIT_S must be a whole number of seconds" >&2; exit 2; }

# The methods: the zshare modes once per pipeline, in this order; then those BENCH_METHODS names.
read -r -a pipelines <<<"${ZSHARE_PIPELINES:-default}"
[ ${#pipelines[@]} -gt 0 ] || pipelines=(default)
declare -A pipeline_of=() mode_of=()  # zshare method -> its --chunk-pipeline ("" for the default), mode
declare -A seen_pipeline=()
for pipeline in "${pipelines[@]}"; do
    case $pipeline in loop | writer | worker | default) ;; *)
        echo "ZSHARE_PIPELINES: '$pipeline' is none of loop writer worker default" >&2; exit 2 ;;
    esac
    [ -z "${seen_pipeline[$pipeline]:-}" ] || { echo "ZSHARE_PIPELINES names '$pipeline' twice" >&2; exit 2; }
    seen_pipeline[$pipeline]=1
done
zshare_methods_of() {  # zshare_methods_of MODE: that mode's methods, one per pipeline
    local base=zshare pipeline
    [ "$1" = secure ] || base=zshare-$1
    for pipeline in "${pipelines[@]}"; do
        if [ "$pipeline" = default ]; then echo "$base"; else echo "$base-$pipeline"; fi
    done
}
family_of() {  # family_of METHOD: zshare or zshare-insecure, for a zshare method
    if [ "${mode_of[$1]}" = secure ]; then echo zshare; else echo "zshare-${mode_of[$1]}"; fi
}
all_methods=(netcat nginx scp bare-zmq bare-zmq-curve)
for mode in insecure secure; do
    mapfile -t mode_methods < <(zshare_methods_of $mode)
    for i in "${!mode_methods[@]}"; do
        mode_of[${mode_methods[i]}]=$mode
        pipeline_of[${mode_methods[i]}]=${pipelines[i]/#default/}
    done
    all_methods+=("${mode_methods[@]}")
done
declare -A selected=()
if [ -z "${BENCH_METHODS:-}" ]; then
    for method in "${all_methods[@]}"; do selected[$method]=1; done
else
    for name in $BENCH_METHODS; do
        found=
        for method in "${all_methods[@]}"; do
            # zshare and zshare-insecure also stand for their pipelines' methods.
            if [ "$method" = "$name" ] || { [ -n "${mode_of[$method]:-}" ] && [ "$name" = "$(family_of "$method")" ]; }; then
                selected[$method]=1; found=1
            fi
        done
        [ -n "$found" ] || { echo "BENCH_METHODS: no method '$name' (there are: ${all_methods[*]}, and zshare, zshare-insecure)" >&2; exit 2; }
    done
fi
wanted() { [ -n "${selected[$1]:-}" ]; }  # wanted METHOD: it is to run
wanted_mode() {  # wanted_mode MODE: some zshare method of that mode is to run
    local method
    for method in $(zshare_methods_of "$1"); do wanted "$method" && return 0; done
    return 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ZSHARE_BUILD_DIR:-$repo/build}
tracker_bin=$build/broker/zshare-tracker
node_bin=$build/node/zshare-node
fetch_bin=$build/bench/zshare-bench-zmq-fetch

bench_name=throughput.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ---------------------------------------------------------------------------------------------
# Tools: install only what is missing.
install_missing() {
    local missing=()
    # The OpenBSD nc (has -N: shut down the socket at EOF), whichever nc is the default.
    if wanted netcat; then command -v nc.openbsd >/dev/null || missing+=(netcat-openbsd); fi
    if wanted nginx && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
        if apt-cache show nginx-light >/dev/null 2>&1; then missing+=(nginx-light); else missing+=(nginx); fi
    fi
    if wanted nginx; then command -v curl >/dev/null || missing+=(curl); fi
    [ -x /usr/bin/time ] || missing+=(time)
    command -v ss >/dev/null || missing+=(iproute2)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}" || die "apt-get install ${missing[*]} failed"
    # scp's two ends: without them only the scp method is skipped.
    local ssh_missing=()
    wanted scp || return 0
    [ -x /usr/sbin/sshd ] || ssh_missing+=(openssh-server)
    { command -v scp && command -v ssh-keygen; } >/dev/null || ssh_missing+=(openssh-client)
    if [ ${#ssh_missing[@]} -gt 0 ] && ! apt_install "${ssh_missing[@]}"; then
        scp_skipped="apt-get install ${ssh_missing[*]} failed"
    fi
    return 0
}
install_missing
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
nc_bin=$(command -v nc.openbsd || true)

if [ ! -x "$tracker_bin" ] || [ ! -x "$node_bin" ] || [ ! -x "$fetch_bin" ]; then
    log "building into $build"
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j "$(nproc)" --target zshare-tracker zshare-node zshare-bench-zmq-fetch >&2
fi

# ---------------------------------------------------------------------------------------------
# Temporary directory, processes, clean-up.
need_kib=$(( (size_bytes >> 10) * 2 + 65536 ))
# In memory when the source and a copy fit there, unless told otherwise.
make_work_dir "$need_kib" zshare-bench

avail_kib=$(avail_kib_of "$work")
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
if wanted nginx; then start_nginx; fi

# scp's sshd, foreground, everything under $work/ssh: a host key and a user key made for this
# run, the user key the only one authorized, for the current user only. Sets scp_cmd and
# scp_target, or scp_skipped to why it could not start. A 4 KiB copy checks the whole path.
if ! wanted scp; then
    :
elif [ -z "$scp_skipped" ] && start_sshd; then
    log "sshd listening on 127.0.0.1:$ssh_port"
else
    log "throughput.sh: scp is skipped: $scp_skipped"
fi

# The bare ZeroMQ servers: plain, and CURVE (its public key on the second line of its output).
if wanted bare-zmq; then
    "$fetch_bin" serve --listen 'tcp://127.0.0.1:*' --chunk $((chunk_kib << 10)) "$src" \
        >"$work/zmq-serve.out" 2>"$work/zmq-serve.log" &
    pids+=($!)
    wait_for "$work/zmq-serve.out" 'tcp://' $! || die "zshare-bench-zmq-fetch serve did not start"
    zmq_endpoint=$(head -n 1 "$work/zmq-serve.out")
fi
if wanted bare-zmq-curve; then
    "$fetch_bin" serve --curve --listen 'tcp://127.0.0.1:*' --chunk $((chunk_kib << 10)) "$src" \
        >"$work/zmq-curve-serve.out" 2>"$work/zmq-curve-serve.log" &
    pids+=($!)
    for _ in $(seq 400); do
        [ "$(wc -l <"$work/zmq-curve-serve.out")" -ge 2 ] && break
        kill -0 "${pids[-1]}" 2>/dev/null || break
        sleep 0.05
    done
    zmq_curve_endpoint=$(sed -n 1p "$work/zmq-curve-serve.out")
    zmq_curve_key=$(sed -n 2p "$work/zmq-curve-serve.out")
    [ ${#zmq_curve_key} -eq 40 ] || die "zshare-bench-zmq-fetch serve --curve did not start:" \
        "$(one_line "$work/zmq-curve-serve.out") $(one_line "$work/zmq-curve-serve.log")"
fi

# zshare, secure and insecure: for each a tracker and alice, who shares the source and stays
# online (stdin held open). A node with manifests hashes what it shares when it starts, and
# caches the result.
if wanted_mode secure; then start_zshare secure "$src" $((20 + size_mib / 10)); fi
if wanted_mode insecure; then start_zshare insecure "$src" $((20 + size_mib / 10)); fi

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

run_scp() {  # timed with the connection and the key exchange, as zshare with its start
    local t0
    t0=$(now_ns)
    "${scp_cmd[@]}" "$src" "$scp_target:$dst" >"$work/scp.log" 2>&1 || die "scp failed: $(cat "$work/scp.log")"
    elapsed_ns=$(( $(now_ns) - t0 ))
}

# The measured process's figures, from /usr/bin/time, for the runs that have them.

run_bare_zmq() {  # run_bare_zmq ENDPOINT [SERVER_KEY]: plain, or CURVE to the server of that key
    local t0 curve=()
    [ -z "${2:-}" ] || curve=("--curve=$2")
    t0=$(now_ns)
    /usr/bin/time -f "$time_format" -o "$work/zmq-fetch.time" \
        "$fetch_bin" fetch --connect "$1" "${curve[@]}" --size "$size_bytes" --chunk $((chunk_kib << 10)) \
        --window "$window" "$dst" >"$work/zmq-fetch.out" 2>&1 || die "zmq fetch failed: $(cat "$work/zmq-fetch.out")"
    elapsed_ns=$(( $(now_ns) - t0 ))
    read_time "$work/zmq-fetch.time"
}

run_zshare() {  # run_zshare METHOD RUN
    local method=$1 mode=${mode_of[$1]} t0 rc=0 cache_bob pipeline_option=()
    local -n security=zshare_${mode}_args
    [ -z "${pipeline_of[$method]}" ] || pipeline_option=(--chunk-pipeline "${pipeline_of[$method]}")
    rm -rf "$work/cache/bob"
    mapfile -t cache_bob < <(cache_option "$work/cache/bob")
    t0=$(now_ns)
    printf 'download alice %s %s\n' "$src" "$dst" |
        /usr/bin/time -f "$time_format" -o "$work/bob.time" \
            "$node_bin" --tracker "${tracker_of[$mode]}" "${security[@]}" --name "bob$2" \
            --listen 'tcp://127.0.0.1:*' --downloads "$work/dst" "${cache_bob[@]}" "${node_args[@]}" \
            "${pipeline_option[@]}" >"$work/bob.out" 2>"$work/bob.log" || rc=$?
    elapsed_ns=$(( $(now_ns) - t0 ))
    if [ $rc -ne 0 ]; then
        log "$method downloader exited with status $rc:"; cat "$work/bob.out" "$work/bob.log" >&2
        die "$method download failed"
    fi
    read_time "$work/bob.time"
    # The node's own figure for the transfer alone ("..., 1.234 s, 541.0 MiB/s, 1 peer)"), in
    # MB/s like the rest of the table.
    run_own=$(sed -nE 's/.*, ([0-9]+(\.[0-9]+)?) MiB\/s, .*/\1/p' "$work/bob.out" | tail -n 1)
    [ -z "$run_own" ] || run_own=$(awk -v m="$run_own" 'BEGIN { printf "%.1f", m * 1.048576 }')
}

load1() { cut -d " " -f 1 /proc/loadavg; }
wait_for_load() {  # before a round: until the 1-minute load is below BENCH_MAX_LOAD, within the budget
    [ -n "$max_load" ] || return 0
    local waited=0
    while awk -v l="$(load1)" -v m="$max_load" 'BEGIN { exit !(l >= m) }' && [ "$load_wait_left" -gt 0 ]; do
        [ $((waited % 60)) -ne 0 ] || log "waiting for the 1-minute load ($(load1)) to drop below $max_load"
        sleep 5
        waited=$((waited + 5)); load_wait_left=$((load_wait_left - 5))
    done
    [ "$waited" -eq 0 ] || log "waited $waited s; load $(load1)"
}

methods=()  # the methods that run, in the order of all_methods
for method in "${all_methods[@]}"; do
    wanted "$method" || continue
    [ "$method" = scp ] && [ -n "$scp_skipped" ] && continue
    methods+=("$method")
done
[ ${#methods[@]} -gt 0 ] || die "no method to run"
round_order() {  # round_order RUN: the methods in that run's order (each mode's pipelines rotated)
    local run=$1 method mode block n i
    for method in "${methods[@]}"; do [ -n "${mode_of[$method]:-}" ] || echo "$method"; done
    for mode in insecure secure; do
        block=()
        for method in "${methods[@]}"; do [ "${mode_of[$method]:-}" != "$mode" ] || block+=("$method"); done
        n=${#block[@]}
        for ((i = 0; i < n; i++)); do echo "${block[(i + run - 1) % n]}"; done
    done
}
declare -A results=() own=() rss=() cpu_user=() cpu_sys=() cpu_total=() vcs=() ics=()  # method -> values
for method in "${methods[@]}"; do results[$method]=; done
round_loads=()
if [ -n "$csv" ]; then
    echo "method,run,mb_per_s,peak_rss_kib,size_mib,transfer_mb_per_s,user_s,sys_s,voluntary_cs,involuntary_cs,load1" >"$csv"
fi

for ((run = 1; run <= runs; run++)); do
    wait_for_load
    round_load=$(load1)
    round_loads+=("$round_load")
    mapfile -t order < <(round_order "$run")
    for method in "${order[@]}"; do
        rm -f "$dst" "$dst".part*
        sync  # write-back of earlier runs stays out of this one (the page cache stays)
        run_rss= run_user= run_sys= run_vcs= run_ics= run_own=
        case $method in
            netcat) run_netcat ;;
            nginx) run_nginx ;;
            scp) run_scp ;;
            bare-zmq) run_bare_zmq "$zmq_endpoint" ;;
            bare-zmq-curve) run_bare_zmq "$zmq_curve_endpoint" "$zmq_curve_key" ;;
            *) run_zshare "$method" "$run" ;;
        esac
        cmp -s "$src" "$dst" || die "$method: the copy differs from the source (run $run)"
        rm -f "$dst" "$dst".part*
        rate=$(mbps "$size_bytes" "$elapsed_ns")
        results[$method]+="$rate "
        [ -z "$run_own" ] || own[$method]+="$run_own "
        if [ -n "$run_rss" ]; then
            rss[$method]+="$run_rss "; cpu_user[$method]+="$run_user "; cpu_sys[$method]+="$run_sys "
            cpu_total[$method]+="$(awk -v u="$run_user" -v s="$run_sys" 'BEGIN { printf "%.2f", u + s }') "
            vcs[$method]+="$run_vcs "; ics[$method]+="$run_ics "
        fi
        [ -z "$csv" ] || echo "$method,$run,$rate,$run_rss,$size_mib,$run_own,$run_user,$run_sys,$run_vcs,$run_ics,$round_load" >>"$csv"
        log "run $run/$runs  $(printf '%-22s' "$method") $(printf '%8s' "$rate") MB/s${run_rss:+  peak RSS $((run_rss >> 10)) MiB, CPU ${run_user}+${run_sys} s, switches $run_vcs/$run_ics}"
    done
done

# ---------------------------------------------------------------------------------------------
# Report.
declare -A median=()
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$cpu_model" ] || cpu_model=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
zmq_version=$(pkg-config --modversion libzmq 2>/dev/null || echo unknown)
ssh_version=$( { ssh -V 2>&1 || true; } | cut -d , -f 1)
zshare_run=()  # the zshare methods that ran
for method in "${methods[@]}"; do [ -z "${mode_of[$method]:-}" ] || zshare_run+=("$method"); done
not_run=()
for method in "${all_methods[@]}"; do wanted "$method" || not_run+=("$method"); done

echo "# zshare throughput on loopback"
echo
echo "- command: \`$command_line\`"
env_line=
for var in ZSHARE_PIPELINES BENCH_METHODS ZSHARE_NODE_ARGS CHUNK_KIB WINDOW BENCH_MAX_LOAD; do
    [ -z "${!var:-}" ] || env_line+=" $var=\"${!var}\""
done
[ -z "$env_line" ] || echo "- environment:${env_line}"
echo "- date: $(date -Iseconds)"
echo "- CPU: ${cpu_model:-unknown}, $(nproc) cores available ($(nproc --all) online), kernel $(uname -r)"
echo "- load average before the runs: $load_at_start (other work on the machine skews the results)"
echo "- 1-minute load when each round began: ${round_loads[*]}${max_load:+ (each round waited for it to drop below $max_load, $((${BENCH_LOAD_WAIT_S:-1800})) s at most in all)}"
echo "- zshare: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo "unknown revision"), binaries from \`$build\`"
echo "- file: $size_mib MiB of random bytes, $runs runs per method (methods interleaved per run),"
echo "  source and copies on one $fs_type file system (\`$work_parent\`)"
echo "- page cache **not dropped**: the source is read from memory; copies are written to the page"
echo "  cache (no fsync). Each copy is compared with the source after its run and deleted."
if wanted bare-zmq || wanted bare-zmq-curve; then
    echo "- bare-zmq: chunk $chunk_kib KiB, window $window (libzmq $zmq_version); bare-zmq-curve: the same"
    echo "  with CURVE, a ZAP handler admitting every key."
fi
if ! wanted scp; then
    :
elif [ -n "$scp_skipped" ]; then
    echo "- scp: **skipped**: $scp_skipped"
else
    echo "- scp: $ssh_version, \`-c aes128-gcm@openssh.com\`, to a private sshd on loopback, timed"
    echo "  from the start of scp (connection, key exchange, authentication) to its exit."
fi
if [ ${#zshare_run[@]} -gt 0 ]; then
    echo "- zshare: secure (CURVE on every socket; tracker key, node key pairs); zshare-insecure: tracker"
    echo "  and nodes \`--insecure\`. Both: the node's defaults${ZSHARE_NODE_ARGS:+ and \`$ZSHARE_NODE_ARGS\`}, timed"
    echo "  as the whole downloading process (start, registration, manifest, download with every chunk"
    echo "  verified, exit); the seeder hashed the file before the runs."
    if [ "${pipelines[*]}" != default ]; then
        echo "- pipelines (\`--chunk-pipeline\` of the downloading node; the plain names: its default):"
        echo "  ${pipelines[*]}; their order rotated from run to run within each mode"
    fi
fi
[ ${#not_run[@]} -eq 0 ] || echo "- not run (BENCH_METHODS): ${not_run[*]}"
echo
echo "| method | median MB/s | min MB/s | max MB/s |"
echo "| --- | ---: | ---: | ---: |"
for method in "${all_methods[@]}"; do
    wanted "$method" || continue
    if [ -z "${results[$method]+set}" ]; then
        echo "| $method | skipped | | |"
        continue
    fi
    read -r -a values <<<"${results[$method]}"
    read -r med lo hi < <(stats "${values[@]}")
    median[$method]=$med
    echo "| $method | $med | $lo | $hi |"
done
for method in "${zshare_run[@]}"; do
    read -r -a values <<<"${own[$method]:-}"
    if [ ${#values[@]} -eq "$runs" ]; then
        read -r med lo hi < <(stats "${values[@]}")
        echo "| $method, transfer only (as the node reports it) | $med | $lo | $hi |"
    fi
done
echo
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
measured=()
for method in "${methods[@]}"; do [ -z "${rss[$method]:-}" ] || measured+=("$method"); done
if [ ${#measured[@]} -gt 0 ]; then
    echo "The downloading process (the zshare node, or the bare fetch), from \`/usr/bin/time\`: medians"
    echo "over the runs (peak RSS: median and max)."
    echo
    echo "| method | peak RSS MiB | max MiB | CPU user s | CPU sys s | user+sys s | voluntary switches | involuntary switches |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for method in "${measured[@]}"; do
        read -r -a values <<<"${rss[$method]}"; read -r rss_med _ rss_hi < <(stats "${values[@]}")
        read -r -a values <<<"${cpu_user[$method]}"; read -r u _ _ < <(stats2 "${values[@]}")
        read -r -a values <<<"${cpu_sys[$method]}"; read -r sy _ _ < <(stats2 "${values[@]}")
        read -r -a values <<<"${cpu_total[$method]}"; read -r t _ _ < <(stats2 "${values[@]}")
        read -r -a values <<<"${vcs[$method]}"; read -r v _ _ < <(stats "${values[@]}")
        read -r -a values <<<"${ics[$method]}"; read -r n _ _ < <(stats "${values[@]}")
        echo "| $method | $(mib "$rss_med") | $(mib "$rss_hi") | $u | $sy | $t | ${v%.0} | ${n%.0} |"
    done
    echo
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
ratio_line() {  # ratio_line A B: "- A / B: r", when both ran
    [ -n "${median[$1]:-}" ] && [ -n "${median[$2]:-}" ] || return 0
    echo "- $1 / $2: $(ratio "${median[$1]}" "${median[$2]}")"
}
for method in "${zshare_run[@]}"; do
    [ "${mode_of[$method]}" = secure ] || continue
    ratio_line "$method" bare-zmq-curve
    ratio_line "$method" scp
done
for method in "${zshare_run[@]}"; do
    [ "${mode_of[$method]}" = insecure ] || continue
    ratio_line "$method" bare-zmq
    ratio_line "$method" netcat
done
curve_costs=()
[ -z "${median[bare-zmq-curve]:-}" ] || [ -z "${median[bare-zmq]:-}" ] ||
    curve_costs+=("bare-zmq-curve / bare-zmq $(ratio "${median[bare-zmq-curve]}" "${median[bare-zmq]}")")
for method in "${zshare_run[@]}"; do
    [ "${mode_of[$method]}" = secure ] || continue
    plain=zshare-insecure${method#zshare}
    [ -z "${median[$plain]:-}" ] || curve_costs+=("$method / $plain $(ratio "${median[$method]}" "${median[$plain]}")")
done
if [ ${#curve_costs[@]} -gt 0 ]; then
    line="- what CURVE costs: ${curve_costs[0]}"
    for ((i = 1; i < ${#curve_costs[@]}; i++)); do line+=", ${curve_costs[i]}"; done
    echo "$line"
fi
for method in "${zshare_run[@]}"; do
    read -r -a values <<<"${rss[$method]}"
    read -r rss_med rss_lo rss_hi < <(stats "${values[@]}")
    echo "- $method downloader peak RSS: median $(mib "$rss_med") MiB (min $(mib "$rss_lo"), max $(mib "$rss_hi") MiB)"
done
[ -z "$csv" ] || echo "- every run: \`$(basename "$csv")\` (CSV)"
