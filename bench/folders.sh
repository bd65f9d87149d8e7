#!/usr/bin/env bash
# Whole folders on loopback: zshare next to scp -r, rsync -a over ssh and tar | nc.
#
#   bench/folders.sh [RUNS]          (default: 5 runs)
#
# Two folders of random files, 100 files per subfolder:
#   small   FILES_SMALL files of 4 KiB (default 10000)
#   large   FILES_LARGE files of 1 MiB (default 1000)
# RUNS rounds; in each, every method copies each folder once into a new folder:
#   tar-nc           tar -c | nc -N to nc -l | tar -x: no encryption, no verification (the floor)
#   rsync            rsync -a over ssh (-c aes128-gcm@openssh.com) to a private sshd on loopback
#   scp              scp -r over the same sshd (OpenSSH's default: the SFTP protocol)
#   scp-O            scp -O -r: the old SCP protocol
#   zshare-insecure  a tracker and a seeding node (alice) started once, --insecure; per run a new
#                    downloading node, `download alice <folder> <dest>` on its stdin, timed from
#                    process start to exit (registration, every manifest, every file verified and
#                    renamed into place, registering the copies, disconnect)
#   zshare           the same, secure (CURVE on every socket)
#   zshare-one-file  (large only) zshare, secure, fetching one file as big as the folder: the
#                    single-file rate of the same run, for the folder's ratio to it
# Every copy is compared with its source (diff -r, outside the timing) and deleted. scp and
# rsync are timed from their start (connection, key exchange, authentication) to their exit.
# The report (Markdown) goes to stdout, progress to stderr.
#
# Installs what is missing with apt-get (netcat-openbsd, rsync, openssh-server, openssh-client,
# time, iproute2) and builds zshare into build/ if it is not there.
#
# Environment (optional): ZSHARE_BUILD_DIR, BENCH_TMPDIR (default /dev/shm when it has room),
#   ZSHARE_NODE_ARGS (extra options for every zshare-node), BENCH_METHODS (a subset of the
#   methods above), BENCH_SETS (small, large or both), FILES_SMALL, FILES_LARGE, and BENCH_CSV
#   (every run as CSV: set,method,run,seconds,peak_rss_kib,user_s,sys_s; bench/plot.sh draws it).
set -euo pipefail

usage() { echo "usage: $0 [RUNS]   (default 5)" >&2; exit 2; }
[ $# -le 1 ] || usage
runs=${1:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage
files_small=${FILES_SMALL:-10000}
files_large=${FILES_LARGE:-1000}
read -r -a sets <<<"${BENCH_SETS:-small large}"
read -r -a node_args <<<"${ZSHARE_NODE_ARGS:-}"
all_methods=(tar-nc rsync scp scp-O zshare-insecure zshare zshare-one-file)
read -r -a methods <<<"${BENCH_METHODS:-${all_methods[*]}}"
csv=${BENCH_CSV:-}
command_line="bench/folders.sh $*"

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${ZSHARE_BUILD_DIR:-$repo/build}
tracker_bin=$build/broker/zshare-tracker
node_bin=$build/node/zshare-node

bench_name=folders.sh
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wanted() { local m; for m in "${methods[@]}"; do [ "$m" = "$1" ] && return 0; done; return 1; }

missing=()
command -v nc.openbsd >/dev/null || missing+=(netcat-openbsd)
command -v rsync >/dev/null || missing+=(rsync)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v scp >/dev/null || missing+=(openssh-client)
[ -x /usr/bin/time ] || missing+=(time)
command -v ss >/dev/null || missing+=(iproute2)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}" || die "apt-get install ${missing[*]} failed"
nc_bin=$(command -v nc.openbsd)
if [ ! -x "$tracker_bin" ] || [ ! -x "$node_bin" ]; then
    log "building into $build"
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j "$(nproc)" --target zshare-tracker zshare-node >&2
fi

# The sources and one copy at a time, in memory when they fit.
need_kib=$(( (files_small * 8 + files_large * 1024 * 3) + 65536 ))
make_work_dir "$need_kib" zshare-folders
chmod 711 "$work"
mkdir -p "$work/src" "$work/dst"

make_set() {  # make_set NAME FILES KIB: FILES random files of KIB KiB, 100 per subfolder
    local name=$1 files=$2 kib=$3 i
    log "making $name: $files files of $kib KiB"
    for ((i = 0; i < files; i++)); do
        ((i % 100)) || mkdir -p "$work/src/$name/d$((i / 100))"
    done
    # One stream of random bytes cut into the files: quicker than a dd per file.
    head -c $((files * kib * 1024)) /dev/urandom | (
        cd "$work/src/$name"
        for ((i = 0; i < files; i++)); do head -c $((kib * 1024)) >"d$((i / 100))/file $i.bin"; done
    )
}
declare -A set_files=() set_bytes=()
for set in "${sets[@]}"; do
    case $set in
        small) make_set small "$files_small" 4; set_files[small]=$files_small; set_bytes[small]=$((files_small * 4096)) ;;
        large) make_set large "$files_large" 1024; set_files[large]=$files_large; set_bytes[large]=$((files_large << 20)) ;;
        *) die "unknown set '$set' (small, large)" ;;
    esac
done
if [[ " ${sets[*]} " == *" large "* ]] && wanted zshare-one-file; then
    head -c "${set_bytes[large]}" /dev/urandom >"$work/src/one.bin"
fi
src_root=$(realpath "$work/src")  # the seeding node registers canonical paths
fs_type=$(df -PT "$work" | awk 'NR == 2 { print $2 }')
load_at_start=$(cut -d " " -f 1-3 /proc/loadavg)

if wanted rsync || wanted scp || wanted scp-O; then
    if start_sshd; then log "sshd listening on 127.0.0.1:$ssh_port"; else log "folders.sh: scp and rsync are skipped: $scp_skipped"; fi
fi
total_files=0
for set in "${sets[@]}"; do total_files=$((total_files + set_files[$set])); done
if wanted zshare || wanted zshare-one-file; then start_zshare secure "$src_root" $((30 + total_files / 500)); fi
if wanted zshare-insecure; then start_zshare insecure "$src_root" $((30 + total_files / 500)); fi

# ---------------------------------------------------------------------------------------------
# One run: copies $from to $to (which does not exist yet), sets elapsed_ns (and run_rss etc.).
run_tar_nc() {
    local port recv_pid t0
    port=$(free_port)
    mkdir "$to"
    (exec "$nc_bin" -l 127.0.0.1 "$port" | tar -C "$to" -xf -) 2>"$work/nc-recv.log" &
    recv_pid=$!
    pids+=("$recv_pid")
    wait_listening "$port" "$recv_pid" || die "nc -l did not listen on port $port"
    t0=$(now_ns)
    tar -C "$from" -cf - . | "$nc_bin" -N 127.0.0.1 "$port" 2>"$work/nc-send.log" || die "tar | nc failed"
    wait "$recv_pid" || die "nc -l | tar -x failed: $(cat "$work/nc-recv.log")"
    forget_pid "$recv_pid"
    elapsed_ns=$(( $(now_ns) - t0 ))
}
run_rsync() {
    local t0 ssh_line
    ssh_line=$(printf '%q ' "${ssh_cmd[@]}")
    t0=$(now_ns)
    rsync -a -e "$ssh_line" "$from/" "$scp_target:$to/" >"$work/rsync.log" 2>&1 || die "rsync failed: $(cat "$work/rsync.log")"
    elapsed_ns=$(( $(now_ns) - t0 ))
}
run_scp() {  # run_scp [-O]
    local t0
    t0=$(now_ns)
    "${scp_cmd[@]}" "$@" -r "$from" "$scp_target:$to" >"$work/scp.log" 2>&1 || die "scp $* failed: $(cat "$work/scp.log")"
    elapsed_ns=$(( $(now_ns) - t0 ))
}
run_zshare() {  # run_zshare MODE NAME: the downloader NAME fetches $from into $to
    local mode=$1 t0 rc=0 cache_bob
    local -n security=zshare_${mode}_args
    rm -rf "$work/cache/$2"
    mapfile -t cache_bob < <(cache_option "$work/cache/$2")
    t0=$(now_ns)
    printf 'download alice %q %q\n' "$from" "$to" |
        /usr/bin/time -f "$time_format" -o "$work/bob.time" \
            "$node_bin" --tracker "${tracker_of[$mode]}" "${security[@]}" --name "$2" \
            --listen 'tcp://127.0.0.1:*' --downloads "$work/dst" "${cache_bob[@]}" "${node_args[@]}" \
            >"$work/bob.out" 2>"$work/bob.log" || rc=$?
    elapsed_ns=$(( $(now_ns) - t0 ))
    if [ $rc -ne 0 ]; then
        log "zshare ($mode) downloader exited with status $rc:"; tail -n 20 "$work/bob.out" "$work/bob.log" >&2
        die "zshare download failed"
    fi
    read_time "$work/bob.time"
}

declare -A results=() rss=() cpu=()
[ -z "$csv" ] || echo "set,method,run,seconds,peak_rss_kib,user_s,sys_s" >"$csv"
for ((run = 1; run <= runs; run++)); do
    for set in "${sets[@]}"; do
        for method in "${methods[@]}"; do
            case $method in rsync | scp | scp-O) [ -z "$scp_skipped" ] || continue ;; esac
            from=$src_root/$set
            to=$work/dst/copy
            [ "$method" != zshare-one-file ] || { [ "$set" = large ] || continue; from=$src_root/one.bin; to=$work/dst/one.bin; }
            rm -rf "$work/dst/copy" "$work/dst/one.bin"
            sync
            run_rss= run_user= run_sys=
            case $method in
                tar-nc) run_tar_nc ;;
                rsync) run_rsync ;;
                scp) run_scp ;;
                scp-O) run_scp -O ;;
                zshare-insecure) run_zshare insecure "bob-$set-$run-i" ;;
                zshare) run_zshare secure "bob-$set-$run" ;;
                zshare-one-file) run_zshare secure "bob-one-$run" ;;
                *) die "unknown method '$method'" ;;
            esac
            if [ -d "$from" ]; then
                diff -rq "$from" "$to" >/dev/null || die "$method: the copy of $set differs from the source (run $run)"
            else
                cmp -s "$from" "$to" || die "$method: the copy of one.bin differs from the source (run $run)"
            fi
            rm -rf "$work/dst/copy" "$work/dst/one.bin"
            seconds=$(awk -v ns="$elapsed_ns" 'BEGIN { printf "%.3f", ns / 1e9 }')
            results[$set/$method]+="$seconds "
            [ -z "$run_rss" ] || { rss[$set/$method]+="$run_rss "; cpu[$set/$method]+="$(awk -v u="$run_user" -v s="$run_sys" 'BEGIN { printf "%.2f", u + s }') "; }
            [ -z "$csv" ] || echo "$set,$method,$run,$seconds,$run_rss,$run_user,$run_sys" >>"$csv"
            log "run $run/$runs  $(printf '%-6s %-16s' "$set" "$method") $(printf '%8s' "$seconds") s${run_rss:+  peak RSS $((run_rss >> 10)) MiB, CPU ${run_user}+${run_sys} s}"
        done
    done
done

# ---------------------------------------------------------------------------------------------
# Report.
seconds3() {  # seconds3 V...: median min max, to three places
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f %.3f\n", m, v[1], v[NR] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
echo "# zshare folders on loopback"
echo
echo "- command: \`$command_line\`${BENCH_METHODS:+ with BENCH_METHODS=\"$BENCH_METHODS\"}${ZSHARE_NODE_ARGS:+ ZSHARE_NODE_ARGS=\"$ZSHARE_NODE_ARGS\"}"
echo "- date: $(date -Iseconds)"
echo "- CPU: $cpu_model, $(nproc) cores available, kernel $(uname -r)"
echo "- load average before the runs: $load_at_start"
echo "- zshare: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown), binaries from \`$build\`"
echo "- sets: small = ${files_small} files of 4 KiB, large = ${files_large} files of 1 MiB, 100 files per"
echo "  subfolder; sources and copies on one $fs_type file system; $runs runs, methods interleaved"
echo "- $( { ssh -V 2>&1 || true; } | cut -d , -f 1), $(rsync --version | awk "NR == 1 { print \$1, \$3 }"); ciphers aes128-gcm@openssh.com"
[ -z "$scp_skipped" ] || echo "- scp and rsync: **skipped**: $scp_skipped"
for set in "${sets[@]}"; do
    declare -A median=()
    echo
    echo "## $set: ${set_files[$set]} files, $((set_bytes[$set] >> 20)) MiB"
    echo
    echo "| method | median s | min s | max s | files/s | MB/s | downloader peak RSS MiB | CPU s |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for method in "${methods[@]}"; do
        values=${results[$set/$method]:-}
        [ -n "$values" ] || continue
        read -r -a v <<<"$values"
        read -r med lo hi < <(seconds3 "${v[@]}")
        median[$method]=$med
        files_per_s=$(awk -v n="${set_files[$set]}" -v s="$med" 'BEGIN { printf "%.0f", n / s }')
        [ "$method" != zshare-one-file ] || files_per_s=
        mbs=$(awk -v b="${set_bytes[$set]}" -v s="$med" 'BEGIN { printf "%.1f", b / s / 1e6 }')
        peak= cpu_s=
        if [ -n "${rss[$set/$method]:-}" ]; then
            read -r -a r <<<"${rss[$set/$method]}"; read -r peak _ _ < <(seconds3 "${r[@]}")
            peak=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
            read -r -a c <<<"${cpu[$set/$method]}"; read -r cpu_s _ _ < <(seconds3 "${c[@]}")
        fi
        echo "| $method | $med | $lo | $hi | $files_per_s | $mbs | $peak | $cpu_s |"
    done
    echo
    for other in scp scp-O rsync tar-nc; do
        [ -n "${median[$other]:-}" ] && [ -n "${median[zshare]:-}" ] || continue
        echo "- zshare is $(ratio "${median[$other]}" "${median[zshare]}") × as fast as $other (time of $other / time of zshare)"
    done
    if [ -n "${median[zshare-one-file]:-}" ] && [ -n "${median[zshare]:-}" ]; then
        echo "- zshare's folder rate / its single-file rate: $(ratio "${median[zshare-one-file]}" "${median[zshare]}")"
    fi
    unset median
done
