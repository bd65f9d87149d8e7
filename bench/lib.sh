# What the benchmarks share (sourced by bench/*.sh): logging, installing Debian packages,
# a temporary directory and the processes started, all removed at exit, ports, a private sshd
# for scp and rsync, a tracker with a seeding node, /usr/bin/time figures, medians.
# The sourcing script sets bench_name (for messages) and, before start_zshare, tracker_bin,
# node_bin and node_args; it makes $work with make_work_dir (bench/work_dir.sh).

log() { printf '%s\n' "$*" >&2; }
die() { log "${bench_name:-bench}: $*"; exit 1; }
work=
scp_skipped=  # why scp (and rsync over ssh) cannot run, once start_sshd failed

apt_updated=
apt_install() {  # apt_install PACKAGE...: apt-get's status
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    log "installing: $*"
    if [ -z "$apt_updated" ]; then
        "${sudo[@]}" apt-get update -qq || return 1
        apt_updated=1
    fi
    # A package's own service must not start: nginx's default site would listen on port 80,
    # sshd on port 22.
    local policy=/usr/sbin/policy-rc.d added_policy=
    if [ ! -e $policy ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee $policy >/dev/null
        "${sudo[@]}" chmod 755 $policy
        added_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "$@" >/dev/null || rc=$?
    [ -z "$added_policy" ] || "${sudo[@]}" rm -f $policy
    return $rc
}

# shellcheck source=bench/work_dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/work_dir.sh"

pids=()
seed_fds=()
made_run_sshd=
cleanup() {
    local rc=$? i fd
    set +e
    for fd in "${seed_fds[@]}"; do exec {fd}>&-; done  # the seeding nodes' stdin ends: they disconnect
    # Newest first, one at a time: the nodes say goodbye while the tracker is still there
    # (a node whose tracker is gone waits --tracker-timeout-ms for the acknowledgement).
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
    done
    [ -z "${work:-}" ] || rm -rf "$work"
    [ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null
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
one_line() { tr -s '\n' ' ' <"$1" 2>/dev/null | sed 's/ *$//'; }  # one_line FILE: for a report line

start_sshd() {
    local sshd_bin=/usr/sbin/sshd attempt probe_rc user
    user=$(id -un)
    if [ ! -x "$sshd_bin" ] || ! command -v scp >/dev/null || ! command -v ssh-keygen >/dev/null; then
        scp_skipped="no $sshd_bin, scp or ssh-keygen (packages openssh-server, openssh-client)"
        return 1
    fi
    mkdir -m 700 "$work/ssh"
    ssh-keygen -q -t ed25519 -N '' -C zshare-bench-host -f "$work/ssh/host_key"
    ssh-keygen -q -t ed25519 -N '' -C zshare-bench-user -f "$work/ssh/user_key"
    cp "$work/ssh/user_key.pub" "$work/ssh/authorized_keys"
    # An sshd started by root needs its privilege separation directory, which the service that
    # does not run here would have made.
    if [ "$(id -u)" -eq 0 ] && [ ! -d /run/sshd ]; then mkdir -m 755 /run/sshd && made_run_sshd=1; fi
    head -c 4096 /dev/urandom >"$work/ssh/probe.bin"
    for attempt in 1 2 3; do
        ssh_port=$(free_port)
        # No PAM (its session modules may fail in a container), no strict modes (the keys may
        # sit under /dev/shm, which anyone may write to), SFTP inside sshd (scp speaks SFTP).
        cat >"$work/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1:$ssh_port
HostKey $work/ssh/host_key
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
AllowUsers $user
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
Subsystem sftp internal-sftp
EOF
        if ! "$sshd_bin" -t -f "$work/ssh/sshd_config" >"$work/ssh/sshd.log" 2>&1; then
            scp_skipped="sshd -t refused its configuration: $(one_line "$work/ssh/sshd.log")"
            return 1
        fi
        "$sshd_bin" -D -e -f "$work/ssh/sshd_config" >>"$work/ssh/sshd.log" 2>&1 &
        sshd_pid=$!
        pids+=("$sshd_pid")
        printf '[127.0.0.1]:%s %s\n' "$ssh_port" "$(cut -d ' ' -f 1,2 "$work/ssh/host_key.pub")" \
            >"$work/ssh/known_hosts"
        scp_cmd=(scp -q -B -F /dev/null -P "$ssh_port" -c aes128-gcm@openssh.com
            -i "$work/ssh/user_key" -o IdentitiesOnly=yes -o Compression=no
            -o UserKnownHostsFile="$work/ssh/known_hosts" -o GlobalKnownHostsFile=/dev/null
            -o StrictHostKeyChecking=yes -o PasswordAuthentication=no -o ConnectTimeout=10)
        scp_target=$user@127.0.0.1
        # The same for ssh itself (rsync -e): its port option is -p.
        ssh_cmd=(ssh -q -F /dev/null -p "$ssh_port" -c aes128-gcm@openssh.com
            -i "$work/ssh/user_key" -o IdentitiesOnly=yes -o Compression=no -o BatchMode=yes
            -o UserKnownHostsFile="$work/ssh/known_hosts" -o GlobalKnownHostsFile=/dev/null
            -o StrictHostKeyChecking=yes -o PasswordAuthentication=no -o ConnectTimeout=10)
        if wait_listening "$ssh_port" "$sshd_pid"; then
            probe_rc=0
            "${scp_cmd[@]}" "$work/ssh/probe.bin" "$scp_target:$work/ssh/probe.copy" \
                >"$work/ssh/probe.log" 2>&1 || probe_rc=$?
            if [ $probe_rc -eq 0 ] && cmp -s "$work/ssh/probe.bin" "$work/ssh/probe.copy"; then
                return 0
            fi
            scp_skipped="a 4 KiB scp to it failed (status $probe_rc): $(one_line "$work/ssh/probe.log"); sshd said: $(one_line "$work/ssh/sshd.log")"
        else
            scp_skipped="sshd did not listen: $(one_line "$work/ssh/sshd.log")"
        fi
        log "sshd, attempt $attempt: $scp_skipped"
        kill "$sshd_pid" 2>/dev/null || true; wait "$sshd_pid" 2>/dev/null || true
        forget_pid "$sshd_pid"
    done
    return 1
}

cache_option() {  # cache_option DIR: the option that keeps the node's cache in DIR, if it has one
    if "$node_bin" --help 2>/dev/null | grep -q -- '--cache-dir'; then printf '%s\n' --cache-dir "$1"; fi
}
declare -A tracker_of=()                 # mode -> the tracker's request endpoint
zshare_secure_args=() zshare_insecure_args=()  # each mode's security options for its nodes
start_zshare() {  # start_zshare MODE SHARE [SECONDS]: MODE secure or insecure; alice shares SHARE, online within SECONDS
    local mode=$1 tracker_pid alice_pid fd key cache_alice tracker_security=()
    local -n security=zshare_${mode}_args
    mkdir -p "$work/$mode"
    if [ "$mode" = secure ]; then tracker_security=(--state-dir "$work/$mode/tracker-state"); else tracker_security=(--insecure); fi
    "$tracker_bin" --listen 'tcp://127.0.0.1:*' "${tracker_security[@]}" \
        >"$work/$mode/tracker.out" 2>"$work/$mode/tracker.log" &
    tracker_pid=$!
    pids+=("$tracker_pid")
    wait_for "$work/$mode/tracker.out" ready "$tracker_pid" || die "the $mode tracker did not start"
    tracker_of[$mode]=$(sed -nE 's/.*requests on ([^,]+),.*/\1/p' "$work/$mode/tracker.out")
    if [ "$mode" = secure ]; then
        key=$(sed -n 's/^zshare-tracker key: //p' "$work/$mode/tracker.out")
        [ ${#key} -eq 40 ] || die "the secure tracker printed no key: $(one_line "$work/$mode/tracker.out")"
        # One word, with '=': a key may start with '-'.
        security=("--tracker-key=$key" --key-dir "$work/$mode/keys")
    else
        security=(--insecure)
    fi
    mapfile -t cache_alice < <(cache_option "$work/$mode/cache/alice")
    mkfifo "$work/$mode/alice.in"
    "$node_bin" --tracker "${tracker_of[$mode]}" "${security[@]}" --name alice \
        --listen 'tcp://127.0.0.1:*' --share "$2" "${cache_alice[@]}" "${node_args[@]}" \
        <"$work/$mode/alice.in" >"$work/$mode/alice.out" 2>"$work/$mode/alice.log" &
    alice_pid=$!
    pids+=("$alice_pid")
    exec {fd}>"$work/$mode/alice.in"
    seed_fds+=("$fd")
    wait_for "$work/$mode/alice.log" "alice online" "$alice_pid" "${3:-20}" ||
        die "the $mode seeding node did not come online"
}

time_format='%M %U %S %w %c'  # peak RSS KiB, user s, sys s, voluntary and involuntary switches
read_time() {  # read_time FILE: sets run_rss run_user run_sys run_vcs run_ics from /usr/bin/time -o FILE
    read -r run_rss run_user run_sys run_vcs run_ics < <(tail -n 1 "$1") || true
}

stats() {  # stats V...: median min max
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}
stats2() {  # stats2 V...: median min max, to two places
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f %.2f %.2f\n", m, v[1], v[NR] }'
}
