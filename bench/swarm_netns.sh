#!/usr/bin/env bash
# zshare multi-source download over rate-capped links, with delay and loss, in network namespaces,
# next to one plain TCP stream over the same link.
#
#   bench/swarm_netns.sh [--rate 200mbit] [--size-mib 256] [--seeders "1 2 4"] [--runs 1]
#                        [--delay MS] [--loss PCT] [--conditions 'MS/PCT ...'] [--emulator auto]
#                        [--form 'download {name}'] [--burst BYTES] [--latency 50ms] [--mtu 1500]
#                        [--tcp-wmem-max BYTES] [--node-args '...'] [--insecure] [--build DIR]
#
# Builds zshare-tracker and zshare-node into --build (default: build/ at the repository root, or
# $ZSHARE_BUILD_DIR) if they are not there.
# Needs root and `ip netns`; when a namespace cannot be created it prints "skipped: <reason>" and
# exits 0. The files live in BENCH_TMPDIR, else /dev/shm when it has room (zshare syncs what it
# downloads, nc does not: on a disk that would time the disk), else TMPDIR or /tmp.
#
# Topology: one namespace per host, every host's eth0 joined to a bridge that lives in a switch
# namespace of its own. Nothing is created in the namespace the script runs in, no namespace has
# a default route, and every program runs inside one of these namespaces, so no packet can leave
# them. Addresses (198.18.0.0/15, the benchmarking range):
#   198.18.0.1  downloader      198.18.0.2  tracker      198.18.0.3-6  seeders seed1..seed4
#
# The links. Each seeder's upload (its eth0 egress) is capped with
#   tc qdisc add dev eth0 root tbf rate RATE burst BURST latency LATENCY
# BURST defaults to 10 ms at RATE, at least 64 KiB: 1.25 MB at 1gbit, which is more than a tbf
# needs (RATE/HZ, 0.5 MB at 1gbit with HZ=250, and more than one 64 KiB TCP segment).
# --delay MS adds MS milliseconds, one way, on each seeder's egress AND on the downloader's egress,
# so a round trip between the downloader and a seeder grows by 2 x MS (the tracker's link has no
# delay). --loss PCT drops PCT % of the packets each seeder sends, at random. Neither by default:
# the tbf alone, as it always was. --conditions 'MS/PCT ...' runs several conditions in turn
# (e.g. '0/0 20/0 0/1'), each with its own table; --delay and --loss give one.
# How (--emulator; auto: netem when the kernel has it, relay otherwise):
#   netem  on each seeder   tc qdisc add dev eth0 root handle 1: netem limit N delay MSms loss PCT%
#                           tc qdisc add dev eth0 parent 1:1 handle 2: tbf rate RATE ... (as above)
#          on the downloader tc qdisc add dev eth0 root netem limit N delay MSms
#     netem at the root and the tbf as its child: netem holds each packet MS and then hands it to
#     the tbf, which caps the rate with the same queue (LATENCY) as without delay, so the cap and
#     the bottleneck's buffer stay what they were and only the propagation delay is added. The
#     other order (tbf at the root, netem its child) replaces the tbf's own queue with netem's:
#     LATENCY then bounds nothing, and netem's one limit, in packets, has to hold both the packets
#     in flight for MS and the bottleneck's queue, a buffer that changes with the packet sizes.
#     N holds 2 x MS at RATE in 64-byte packets (at least 1000, netem's default), so that netem
#     itself never drops for want of room.
#   relay  (kernels without netem: CONFIG_NET_SCH_NETEM) a delay line compiled from this script
#     with cc runs in the switch namespace on the link of the downloader and of each seeder:
#       host eth0 - v-H | relay | w-H - b-H (the bridge port)
#     Frames from the host wait MS, frames to it pass at once; they keep their offload state
#     (PACKET_VNET_HDR), so a 64 KiB TCP segment is one frame. The loss is a cBPF filter
#     (ld rand; drop below PCT % of 2^32) on the ingress of each seeder's bridge port: after the
#     cap, a drop the sender cannot see, as on a wire.
# --tcp-wmem-max BYTES raises the most a TCP socket may buffer for sending (the third figure of
# net.ipv4.tcp_wmem) in every host's namespace; by default each namespace keeps the kernel's own
# (4 MiB), which bounds one stream to about 4 MiB per round trip, 0.5 Gbit/s at 40 ms.
# With loss, the seeders send one packet per buffer (ip link set eth0 gso_max_segs 1): both
# emulators drop whole buffers, and with TSO one drop would be a burst of up to 44 packets.
#
# For each condition: first one plain TCP stream (nc.openbsd, installed with apt-get when
# missing): `nc -l` in the downloader's namespace writes a file, `nc -N` in seed1's sends the same
# file over the same shaped link, timed from the sender's start to the receiver's exit, the copy
# compared with the source. Then for each seeder count K (default 1, 2 and 4): K seeders come
# online, each sharing its own link (a hard link, same content) named swarm.bin; a downloader node
# runs the download command (FORM, with {name}, {user}, {path} and {dest} replaced) with its input
# piped in, and is timed from process start to exit; the copy is compared with the source; the
# seeders then leave. Each rate is the median of RUNS runs, compared with the sum of the K caps and
# with the TCP stream's (aim: zshare with 1 seeder >= 90 % of one TCP stream on the same link; K
# seeders >= 90 % of the sum of the caps). The caps count every byte a seeder sends on the wire,
# headers included, so with a 1500-byte MTU file bytes can reach at most about 95 % of them. Each
# row also shows the sender's TCP round trip and retransmissions 1 s into the last run (ss -ti on
# seed1: the delay and the loss as the kernel saw them).
#
# FORM defaults to the multi-source form `download {name}` (every holder of that content helps).
# The form naming one user, --form 'download {user} {path} {dest}' ({user} is seed1, {path} its
# copy), checks the single-source path with --seeders 1 (with more seeders online, a node that
# has content ids fetches from all of them anyway). The tracker and the nodes are secure (CURVE,
# keys made in the temporary directory) unless --insecure.
set -euo pipefail

usage() {
    sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}
command_line=$(printf '%q ' "$0" "$@"); command_line=${command_line% }

rate=200mbit
size_mib=256
seeder_counts="1 2 4"
runs=1
delay=0
loss=0
conditions_arg=
emulator=auto
form='download {name}'
burst=
latency=50ms
mtu=1500
node_args=
tcp_wmem_max=
insecure=
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ZSHARE_BUILD_DIR:-$repo/build}
while [ $# -gt 0 ]; do
    if [ "$1" = --insecure ]; then insecure=1; shift; continue; fi
    [ $# -ge 2 ] || usage
    case $1 in
        --rate) rate=$2 ;;
        --size-mib) size_mib=$2 ;;
        --seeders) seeder_counts=$2 ;;
        --runs) runs=$2 ;;
        --delay) delay=$2 ;;
        --loss) loss=$2 ;;
        --conditions) conditions_arg=$2 ;;
        --emulator) emulator=$2 ;;
        --form) form=$2 ;;
        --burst) burst=$2 ;;
        --latency) latency=$2 ;;
        --mtu) mtu=$2 ;;
        --node-args) node_args=$2 ;;
        --tcp-wmem-max) tcp_wmem_max=$2 ;;
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
[[ -z $tcp_wmem_max || $tcp_wmem_max =~ ^[1-9][0-9]*$ ]] || die "--tcp-wmem-max takes bytes, such as 16777216"
[[ $emulator =~ ^(auto|netem|relay)$ ]] || die "--emulator takes auto, netem or relay"
number='[0-9]+(\.[0-9]+)?'
[[ $delay =~ ^$number$ ]] || die "--delay takes milliseconds, such as 20"
[[ $loss =~ ^$number$ ]] || die "--loss takes a percentage, such as 1 or 0.5"
if [ -n "$conditions_arg" ]; then
    [ "$delay" = 0 ] && [ "$loss" = 0 ] || die "--conditions replaces --delay and --loss: give one or the other"
    read -r -a conditions <<<"$conditions_arg"
    [ ${#conditions[@]} -gt 0 ] || die "--conditions takes MS/PCT pairs, such as '0/0 20/0 0/1'"
else
    conditions=("$delay/$loss")
fi
is_zero() { awk -v x="$1" 'BEGIN { exit !(x == 0) }'; }
impaired=
for c in "${conditions[@]}"; do
    [[ $c =~ ^($number)/($number)$ ]] || die "a condition is MS/PCT (one-way delay in ms / loss in %), not '$c'"
    awk -v l="${c#*/}" 'BEGIN { exit !(l <= 100) }' || die "loss above 100 % in '$c'"
    { is_zero "${c%/*}" && is_zero "${c#*/}"; } || impaired=1
done
# The cap in bits per second, from a tc rate written in bits (bit, kbit, mbit, gbit).
rate_bps=$(awk -v r="$rate" 'BEGIN {
    if (match(r, /^[0-9]+(\.[0-9]+)?/) == 0) exit 1
    n = substr(r, 1, RLENGTH); u = substr(r, RLENGTH + 1)
    if (u == "bit") m = 1; else if (u == "kbit") m = 1e3; else if (u == "mbit") m = 1e6
    else if (u == "gbit") m = 1e9; else exit 1
    printf "%.0f", n * m }') || die "--rate must be a number followed by bit, kbit, mbit or gbit"
# Default burst: 10 ms at the rate, at least 64 KiB.
[ -n "$burst" ] || burst=$(awk -v b="$rate_bps" 'BEGIN { x = b / 8 / 100; printf "%.0f", x < 65536 ? 65536 : x }')
tbf_args=(tbf rate "$rate" burst "$burst" latency "$latency")
read -r -a extra_node_args <<<"$node_args"

tracker_bin=$build/broker/zshare-tracker
node_bin=$build/node/zshare-node

# ---------------------------------------------------------------------------------------------
# Can we make namespaces at all?
skip() { echo "skipped: $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v ip >/dev/null || skip "ip (iproute2) is not installed"
command -v tc >/dev/null || skip "tc (iproute2) is not installed"
command -v ss >/dev/null || skip "ss (iproute2) is not installed"
ip netns list >/dev/null 2>&1 || skip "ip netns does not work here"
if ! command -v nc.openbsd >/dev/null; then
    log "installing netcat-openbsd"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        netcat-openbsd >/dev/null; } || die "apt-get install netcat-openbsd failed"
fi
nc_bin=$(command -v nc.openbsd)

prefix=zsb$$
sw=$prefix-sw
hosts=(dl tr s1 s2 s3 s4)
relayed=(dl s1 s2 s3 s4)  # the links that get a relay, with --emulator relay
declare -A address=([dl]=198.18.0.1 [tr]=198.18.0.2 [s1]=198.18.0.3 [s2]=198.18.0.4 [s3]=198.18.0.5 [s4]=198.18.0.6)
namespaces=()
pids=()
work=
cleanup() {
    local rc=$? i pid ns
    set +e
    trap - INT TERM
    # Newest first, one at a time: the nodes say goodbye while the tracker (and the relays) are
    # still there (a node whose tracker is gone waits --tracker-timeout-ms for the acknowledgement).
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

# The files: the source, a hard link per seeder, the downloads, in memory when they fit.
need_kib=$(( (size_mib * 3 << 10) + 65536 ))
# shellcheck source=bench/work_dir.sh
source "$(dirname "${BASH_SOURCE[0]}")/work_dir.sh"
make_work_dir "$need_kib" zshare-swarm
work_real=$(realpath "$work")

why=$(ip netns add "$sw" 2>&1) || skip "cannot create a network namespace: ${why:-ip netns add failed}"
namespaces+=("$sw")
# The rest of the set-up can fail for want of kernel support (bridge, veth, tbf): skip then too.
try() { local out; out=$("$@" 2>&1) || skip "'$*' failed: $out"; }
# After the set-up, a failure is an error.
must() { local out; out=$("$@" 2>&1) || die "'$*' failed: $out"; }
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
in_ns() { local h=$1; shift; ip netns exec "$prefix-$h" "$@"; }
for i in 1 2 3 4; do try in_ns "s$i" tc qdisc add dev eth0 root "${tbf_args[@]}"; done
if [ -n "$tcp_wmem_max" ]; then
    for h in "${hosts[@]}"; do
        read -r wmem_min wmem_default _ < <(in_ns "$h" sysctl -n net.ipv4.tcp_wmem)
        try in_ns "$h" sysctl -qw "net.ipv4.tcp_wmem=$wmem_min $wmem_default $tcp_wmem_max"
    done
fi
default_segs=$(ip -d -n "$prefix-s1" link show eth0 | sed -nE 's/.* gso_max_segs ([0-9]+).*/\1/p')
[ -n "$default_segs" ] || default_segs=65535

# How to delay and drop, when a condition asks for it.
netem_works() {
    ip netns exec "$sw" tc qdisc add dev lo root netem delay 1ms >/dev/null 2>&1 &&
        ip netns exec "$sw" tc qdisc del dev lo root >/dev/null 2>&1
}
if [ -z "$impaired" ]; then
    emulator=none
elif [ "$emulator" = auto ]; then
    if netem_works; then emulator=netem; else emulator=relay; fi
elif [ "$emulator" = netem ]; then
    netem_works || skip "netem is not available in this kernel (try --emulator relay)"
fi
relay_bin=
if [ "$emulator" = relay ]; then
    command -v cc >/dev/null || skip "no netem in this kernel and no C compiler (cc) for the relay"
    cat >"$work/relay.c" <<'EOF'
/* relay A B DELAY_A_TO_B_US DELAY_B_TO_A_US: every frame that arrives on interface A leaves by B
 * DELAY_A_TO_B_US microseconds later, and the other way round. Frames keep their offload state
 * (PACKET_VNET_HDR: GSO and checksum-offload fields travel with them), so TCP's 64 KiB segments
 * pass as one frame each. At most 64 MiB wait in each direction; past that, frames are dropped
 * (and counted). SIGTERM or SIGINT: prints its counts on stderr and exits 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#define MAX_FRAME (10 + 65536 + 4096) /* a virtio_net_hdr and the largest GSO frame */
#define SLOTS (1u << 17)
#define MAX_BYTES (64u << 20)

struct frame { uint64_t due; uint32_t len; unsigned char *data; };
struct direction {
    const char *from, *to;
    int in, out;
    uint64_t delay_ns, bytes, forwarded, dropped, send_errors;
    unsigned head, count;
    struct frame q[SLOTS];
};
static struct direction dirs[2];
static unsigned char scratch[MAX_FRAME];
static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}
static void fail(const char *what, const char *name) {
    fprintf(stderr, "relay: %s %s: %s\n", what, name, strerror(errno));
    exit(1);
}
static int open_interface(const char *name) {
    /* Protocol 0 until bound: no frame from another interface gets in first. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, big = 64 << 20;
    if (fd < 0) fail("socket for", name);
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0) fail("PACKET_VNET_HDR on", name);
    /* Not our own frames: what leaves by B must not come back in by B. */
    if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
        fail("PACKET_IGNORE_OUTGOING on", name);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) < 0) fail("SO_RCVBUFFORCE on", name);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) < 0) fail("SO_SNDBUFFORCE on", name);
    struct sockaddr_ll a;
    memset(&a, 0, sizeof a);
    a.sll_family = AF_PACKET;
    a.sll_protocol = htons(ETH_P_ALL);
    a.sll_ifindex = (int)if_nametoindex(name);
    if (a.sll_ifindex == 0) fail("no interface", name);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) fail("bind to", name);
    struct packet_mreq m;
    memset(&m, 0, sizeof m);
    m.mr_ifindex = a.sll_ifindex;
    m.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m, sizeof m) < 0) fail("promiscuous mode on", name);
    return fd;
}
/* Sends what is due; returns 1 when the socket pushed back (try again soon). */
static int flush(struct direction *d, uint64_t now) {
    while (d->count > 0) {
        struct frame *f = &d->q[d->head];
        if (f->due > now) return 0;
        if (send(d->out, f->data, f->len, MSG_DONTWAIT) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 1;
            d->send_errors++;
        } else {
            d->forwarded++;
        }
        d->bytes -= f->len;
        free(f->data);
        d->head = (d->head + 1) % SLOTS;
        d->count--;
    }
    return 0;
}
static void receive(struct direction *d) {
    for (int n = 0; n < 64; n++) {
        ssize_t r = recv(d->in, scratch, sizeof scratch, MSG_TRUNC);
        if (r < 0) return;
        if ((size_t)r > sizeof scratch || d->count == SLOTS || d->bytes + (uint64_t)r > MAX_BYTES) {
            d->dropped++;
            continue;
        }
        struct frame *f = &d->q[(d->head + d->count) % SLOTS];
        f->data = malloc((size_t)r);
        if (!f->data) { d->dropped++; continue; }
        memcpy(f->data, scratch, (size_t)r);
        f->len = (uint32_t)r;
        f->due = now_ns() + d->delay_ns;
        d->bytes += (uint64_t)r;
        d->count++;
    }
}
int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: relay A B DELAY_A_TO_B_US DELAY_B_TO_A_US\n");
        return 2;
    }
    int a = open_interface(argv[1]), b = open_interface(argv[2]);
    dirs[0].from = argv[1]; dirs[0].to = argv[2]; dirs[0].in = a; dirs[0].out = b;
    dirs[0].delay_ns = strtoull(argv[3], NULL, 10) * 1000u;
    dirs[1].from = argv[2]; dirs[1].to = argv[1]; dirs[1].in = b; dirs[1].out = a;
    dirs[1].delay_ns = strtoull(argv[4], NULL, 10) * 1000u;
    prctl(PR_SET_TIMERSLACK, 1UL); /* wake on time: the default slack is 50 us */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    printf("relay ready: %s -> %s %s us, %s -> %s %s us\n", argv[1], argv[2], argv[3], argv[2], argv[1], argv[4]);
    fflush(stdout);
    while (!stop) {
        uint64_t now = now_ns(), next = UINT64_MAX;
        int pushed_back = 0;
        for (int i = 0; i < 2; i++) {
            pushed_back |= flush(&dirs[i], now);
            if (dirs[i].count > 0 && dirs[i].q[dirs[i].head].due < next) next = dirs[i].q[dirs[i].head].due;
        }
        struct timespec ts, *tsp = NULL;
        if (pushed_back) next = now + 50000;
        if (next != UINT64_MAX) {
            uint64_t wait = next > now ? next - now : 0;
            ts.tv_sec = (time_t)(wait / 1000000000u);
            ts.tv_nsec = (long)(wait % 1000000000u);
            tsp = &ts;
        }
        struct pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
        if (ppoll(p, 2, tsp, NULL) < 0) {
            if (errno == EINTR) continue;
            fail("ppoll", "");
        }
        for (int i = 0; i < 2; i++)
            if (p[i].revents & POLLIN) receive(&dirs[i]);
    }
    for (int i = 0; i < 2; i++) {
        struct tpacket_stats st;
        socklen_t len = sizeof st;
        memset(&st, 0, sizeof st);
        getsockopt(dirs[i].in, SOL_PACKET, PACKET_STATISTICS, &st, &len);
        fprintf(stderr, "relay %s -> %s: %llu frames forwarded, %llu dropped here, %u by the kernel, %llu send errors\n",
                dirs[i].from, dirs[i].to, (unsigned long long)dirs[i].forwarded, (unsigned long long)dirs[i].dropped,
                st.tp_drops, (unsigned long long)dirs[i].send_errors);
    }
    return 0;
}
EOF
    out=$(cc -O2 -Wall -o "$work/relay" "$work/relay.c" 2>&1) || skip "the relay does not compile: $out"
    relay_bin=$work/relay
    # Each relayed host gets a second pair, w-H (the relay's other side) and b-H (its bridge
    # port while relayed).
    for h in "${relayed[@]}"; do
        try ip -n "$sw" link add "w-$h" mtu "$mtu" type veth peer name "b-$h" mtu "$mtu"
        try ip -n "$sw" link set "w-$h" up
        try ip -n "$sw" link set "b-$h" up
    done
fi
loss_filter() {  # loss_filter PCT: cBPF for tc's "bpf da bytecode": drop (2) when rand < PCT % of 2^32, else pass (0)
    local threshold
    threshold=$(awk -v l="$1" 'BEGIN { t = l / 100 * 4294967296; printf "%.0f", (t > 4294967295) ? 4294967295 : t }')
    # ld rand (SKF_AD_OFF + SKF_AD_RANDOM = 0xfffff038); jge #threshold, +0 (pass), +1 (drop)
    echo "4,32 0 0 4294963256,53 0 1 $threshold,6 0 0 0,6 0 0 2"
}
if [ "$emulator" = relay ]; then
    for c in "${conditions[@]}"; do
        is_zero "${c#*/}" && continue
        try ip netns exec "$sw" tc qdisc add dev v-s1 clsact
        try ip netns exec "$sw" tc filter add dev v-s1 ingress bpf da bytecode "$(loss_filter 1)"
        try ip netns exec "$sw" tc qdisc del dev v-s1 clsact
        break
    done
fi

if [ ! -x "$tracker_bin" ] || [ ! -x "$node_bin" ]; then
    log "building into $build"
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build" -j "$(nproc)" --target zshare-tracker zshare-node >&2
fi
# The network works: the downloader reaches the tracker and the seeders.
if command -v ping >/dev/null; then
    for h in tr s1 s2 s3 s4; do
        in_ns dl ping -c 1 -W 2 "${address[$h]}" >/dev/null 2>&1 || die "198.18.0.1 cannot reach ${address[$h]}"
    done
fi

# ---------------------------------------------------------------------------------------------
# Link conditions.
declare -A relay_pid_of=()
relay_counts=
forget_pid() {
    local kept=() pid
    for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    pids=("${kept[@]}")
}
bridge_port() { if [ -n "${relay_pid_of[$1]:-}" ]; then echo "b-$1"; else echo "v-$1"; fi; }
start_relay() {  # start_relay H MS: the frames host H sends wait MS ms on their way to the bridge
    local h=$1 us pid
    us=$(awk -v d="$2" 'BEGIN { printf "%.0f", d * 1000 }')
    must ip -n "$sw" link set "v-$h" nomaster
    must ip -n "$sw" link set "b-$h" master br0
    # ip netns exec execs the relay: $! is the relay itself, which a kill reaches.
    ip netns exec "$sw" "$relay_bin" "v-$h" "w-$h" "$us" 0 >"$work/relay-$h.out" 2>"$work/relay-$h.log" &
    pid=$!
    pids+=("$pid")
    relay_pid_of[$h]=$pid
    wait_for "$work/relay-$h.out" "relay ready" "$pid" || die "the relay on $h's link did not start"
}
stop_relays() {  # the relays' counts go into relay_counts; the hosts' links go back to the bridge
    local h pid
    relay_counts=
    for h in "${!relay_pid_of[@]}"; do
        pid=${relay_pid_of[$h]}
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || log "warning: the relay on $h's link exited with status $?"
        forget_pid "$pid"
        log "$(cat "$work/relay-$h.log")"
        relay_counts+=$(cat "$work/relay-$h.log")$'\n'
        must ip -n "$sw" link set "b-$h" nomaster
        must ip -n "$sw" link set "v-$h" master br0
    done
    relay_pid_of=()
}
relay_summary() {  # of the counts in relay_counts: "N frames forwarded, M dropped"
    printf '%s' "$relay_counts" | awk '{ f += $5; d += $8 + $11 + $15 } END { printf "%d frames forwarded, %d dropped (room, kernel or send errors)", f, d }'
}
loss_summary() {  # what the loss emulation dropped on the seeders' links since apply_condition
    local i out=
    for i in 1 2 3 4; do
        if [ "$emulator" = netem ]; then
            out+=$(in_ns "s$i" tc -s qdisc show dev eth0 2>/dev/null)$'\n'
        else
            out+=$(ip netns exec "$sw" tc -s qdisc show dev "$(bridge_port "s$i")" 2>/dev/null)$'\n'
        fi
    done
    # netem counts what it sends and, apart, what it drops; clsact counts every packet it sees.
    printf '%s' "$out" | awk -v netem="$([ "$emulator" = netem ] && echo 1)" '
        /^qdisc (clsact|netem)/ { f = 1; next } /^qdisc/ { f = 0 }
        f && /Sent/ { for (i = 1; i <= NF; i++) {
            if ($i == "pkt") p += $(i - 1)
            if ($i == "(dropped") { x = $(i + 1); sub(/,/, "", x); d += x } } }
        END { if (netem) p += d; if (p > 0) printf "%d of %d packets dropped (%.2f %%)", d, p, 100 * d / p; else printf "no count" }'
}
condition_text=
apply_condition() {  # apply_condition MS PCT: the links as asked; condition_text says how
    local d=$1 l=$2 h i segs limit netem=() port
    stop_relays
    for h in s1 s2 s3 s4 dl; do in_ns "$h" tc qdisc del dev eth0 root 2>/dev/null || true; done
    for h in s1 s2 s3 s4; do
        ip netns exec "$sw" tc qdisc del dev "v-$h" clsact 2>/dev/null || true
        [ "$emulator" != relay ] || ip netns exec "$sw" tc qdisc del dev "b-$h" clsact 2>/dev/null || true
    done
    if is_zero "$l"; then segs=$default_segs; else segs=1; fi
    for i in 1 2 3 4; do must ip -n "$prefix-s$i" link set eth0 gso_max_segs "$segs"; done
    if [ "$emulator" = netem ] && ! { is_zero "$d" && is_zero "$l"; }; then
        limit=$(awk -v r="$rate_bps" -v d="$d" 'BEGIN { n = 2 * r / 8 * d / 1000 / 64; printf "%.0f", n < 1000 ? 1000 : n }')
        netem=(netem limit "$limit")
        is_zero "$d" || netem+=(delay "${d}ms")
        is_zero "$l" || netem+=(loss "${l}%")
        for i in 1 2 3 4; do
            must in_ns "s$i" tc qdisc add dev eth0 root handle 1: "${netem[@]}"
            must in_ns "s$i" tc qdisc add dev eth0 parent 1:1 handle 2: "${tbf_args[@]}"
        done
        condition_text="each seeder: \`tc qdisc add dev eth0 root handle 1: ${netem[*]}\`, \`tc qdisc add dev eth0 parent 1:1 handle 2: ${tbf_args[*]}\`"
        if ! is_zero "$d"; then
            must in_ns dl tc qdisc add dev eth0 root netem limit "$limit" delay "${d}ms"
            condition_text+="; the downloader: \`tc qdisc add dev eth0 root netem limit $limit delay ${d}ms\`"
        fi
    else
        for i in 1 2 3 4; do must in_ns "s$i" tc qdisc add dev eth0 root "${tbf_args[@]}"; done
        condition_text="each seeder: \`tc qdisc add dev eth0 root ${tbf_args[*]}\`"
        if [ "$emulator" = relay ] && ! is_zero "$d"; then
            for h in "${relayed[@]}"; do start_relay "$h" "$d"; done
            condition_text+="; on the links of the downloader and of each seeder, a relay holds what the host sends for $d ms"
        fi
        if [ "$emulator" = relay ] && ! is_zero "$l"; then
            for i in 1 2 3 4; do
                port=$(bridge_port "s$i")
                must ip netns exec "$sw" tc qdisc add dev "$port" clsact
                must ip netns exec "$sw" tc filter add dev "$port" ingress bpf da bytecode "$(loss_filter "$l")"
            done
            condition_text+="; each seeder's bridge port: \`tc filter add dev PORT ingress bpf da bytecode '$(loss_filter "$l")'\` (clsact; $l % dropped)"
        fi
    fi
    [ "$segs" = "$default_segs" ] || condition_text+="; each seeder: \`ip link set eth0 gso_max_segs 1\` (one packet per buffer: the loss is per packet)"
}

# ---------------------------------------------------------------------------------------------
# Files and programs.
name=swarm.bin
log "making a random file of $size_mib MiB in $work"
mkdir -p "$work/source" "$work/dl"
dd if=/dev/urandom of="$work/source/$name" bs=1M count="$size_mib" iflag=fullblock status=none
size_bytes=$((size_mib << 20))
for i in 1 2 3 4; do
    mkdir -p "$work/seed$i"
    ln "$work/source/$name" "$work/seed$i/$name"
done
fs_type=$(df -PT "$work" | awk 'NR == 2 { print $2 }')

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
tx_bytes() { in_ns "$1" cat /sys/class/net/eth0/statistics/tx_bytes; }
# A node with manifests hashes what it shares when it starts, and caches the result: keep each
# node's cache in the temporary directory.
cache_option() {  # cache_option DIR: the option that keeps the node's cache in DIR, if it has one
    if "$node_bin" --help 2>/dev/null | grep -q -- '--cache-dir'; then printf '%s\n' --cache-dir "$1"; fi
}
probe_tcp() {  # probe_tcp HOST FILTER FILE (in the background): after 1 s, ss -ti of HOST's matching connections
    sleep 1
    in_ns "$1" ss -Htin state established "$2" >"$3" 2>/dev/null || true
}
probe_summary() {  # probe_summary FILE: "RTT ms / RETRANSMITS" of the first connection in FILE, or -
    awk '{ for (i = 1; i <= NF; i++) {
               if (rtt == "" && $i ~ /^rtt:/) { split(substr($i, 5), a, "/"); rtt = a[1] }
               if (re == "" && $i ~ /^retrans:/) { split(substr($i, 9), b, "/"); re = b[2] } } }
         END { if (rtt == "") print "-"; else printf "%s ms / %d\n", rtt, re }' "$1" 2>/dev/null || echo -
}
mbps() { awk -v b="$size_bytes" -v ns="$1" 'BEGIN { printf "%.1f", b * 8 / (ns / 1e9) / 1e6 }'; }
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

tracker=tcp://${address[tr]}:7400
if [ -n "$insecure" ]; then tracker_security=(--insecure); else tracker_security=(--state-dir "$work_real/tracker-state"); fi
ip netns exec "$prefix-tr" "$tracker_bin" --listen "$tracker" "${tracker_security[@]}" \
    >"$work/tracker.out" 2>"$work/tracker.log" &
pids+=($!)
wait_for "$work/tracker.out" ready $! || die "the tracker did not start"
if [ -n "$insecure" ]; then
    node_security=(--insecure)
else
    key=$(sed -n 's/^zshare-tracker key: //p' "$work/tracker.out")
    [ ${#key} -eq 40 ] || die "the tracker printed no key: $(cat "$work/tracker.out")"
    # One word, with '=': a key may start with '-'.
    node_security=("--tracker-key=$key" --key-dir "$work_real/keys")
fi

seed_pids=()
seed_fds=()
start_seeders() {  # start_seeders K
    local i fd pid cache
    for ((i = 1; i <= $1; i++)); do
        rm -f "$work/seed$i.in"; mkfifo "$work/seed$i.in"
        mapfile -t cache < <(cache_option "$work_real/cache/seed$i")
        ip netns exec "$prefix-s$i" "$node_bin" --tracker "$tracker" "${node_security[@]}" --name "seed$i" \
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
run_number=0
failures=0
sent_mb() {  # sent_mb K: MB each of seeders 1..K sent since tx_before
    local i out=
    for ((i = 1; i <= $1; i++)); do
        out+="$(awk -v a="${tx_before[$i]}" -v b="$(tx_bytes "s$i")" 'BEGIN { printf "%.0f", (b - a) / 1e6 }') "
    done
    echo "${out% }"
}
run_tcp() {  # one plain TCP stream, seed1 -> downloader; sets rc, elapsed_ns, probe, shares
    local port=$((5000 + run_number)) recv_pid send_pid probe_pid dest=$work_real/dl/tcp.bin t0 _
    rm -f "$dest"
    ip netns exec "$prefix-dl" "$nc_bin" -l "${address[dl]}" "$port" <"/dev/null" >"$dest" 2>"$work/nc-recv.log" &
    recv_pid=$!
    pids+=("$recv_pid")
    for _ in $(seq 500); do
        [ -z "$(in_ns dl ss -Htln "sport = :$port")" ] || break
        kill -0 "$recv_pid" 2>/dev/null || break
        sleep 0.01
    done
    tx_before[1]=$(tx_bytes s1)
    rc=0
    t0=$(date +%s%N)
    ip netns exec "$prefix-s1" "$nc_bin" -N "${address[dl]}" "$port" <"$work/source/$name" >/dev/null 2>"$work/nc-send.log" &
    send_pid=$!
    pids+=("$send_pid")
    probe_tcp s1 "dport = :$port" "$work/probe" &
    probe_pid=$!
    pids+=("$probe_pid")
    wait "$recv_pid" || rc=$?
    elapsed_ns=$(( $(date +%s%N) - t0 ))
    forget_pid "$recv_pid"
    wait "$send_pid" || rc=$((rc ? rc : $?))
    forget_pid "$send_pid"
    wait "$probe_pid" || true
    forget_pid "$probe_pid"
    probe=$(probe_summary "$work/probe")
    shares=$(sent_mb 1)
    if [ $rc -ne 0 ] || ! cmp -s "$work/source/$name" "$dest"; then
        log "the TCP stream failed (exit status $rc):"
        cat "$work/nc-recv.log" "$work/nc-send.log" >&2
        [ "$rc" -ne 0 ] || rc=1
    fi
    rm -f "$dest"
}
run_zshare() {  # run_zshare K: one download from K seeders; sets rc, elapsed_ns, probe, shares
    local k=$1 dest=$work_real/dl/$name command cache dl_pid probe_pid t0 i
    start_seeders "$k"
    rm -f "$dest" "$dest".part*
    command=${form//\{name\}/$name}
    command=${command//\{user\}/seed1}
    command=${command//\{path\}/$work_real/seed1/$name}
    command=${command//\{dest\}/$dest}
    for ((i = 1; i <= k; i++)); do tx_before[$i]=$(tx_bytes "s$i"); done
    log "  zshare, $k seeder(s): $command"
    printf '%s\n' "$command" >"$work/dl.in"
    rm -rf "$work/cache/dl"
    mapfile -t cache < <(cache_option "$work_real/cache/dl")
    rc=0
    t0=$(date +%s%N)
    # In the background, so that a signal to this script stops it at once (see cleanup).
    ip netns exec "$prefix-dl" "$node_bin" --tracker "$tracker" "${node_security[@]}" --name "dl$run_number" \
        --listen "tcp://${address[dl]}:7500" --downloads "$work_real/dl" "${cache[@]}" "${extra_node_args[@]}" \
        <"$work/dl.in" >"$work/dl.out" 2>"$work/dl.log" &
    dl_pid=$!
    pids+=("$dl_pid")
    probe_tcp s1 "sport = :7500" "$work/probe" &
    probe_pid=$!
    pids+=("$probe_pid")
    wait "$dl_pid" || rc=$?
    elapsed_ns=$(( $(date +%s%N) - t0 ))
    forget_pid "$dl_pid"
    wait "$probe_pid" || true
    forget_pid "$probe_pid"
    probe=$(probe_summary "$work/probe")
    shares=$(sent_mb "$k")
    stop_seeders
    if [ $rc -ne 0 ] || ! cmp -s "$work/source/$name" "$dest"; then
        log "the download with $k seeder(s) failed (exit status $rc):"
        cat "$work/dl.out" "$work/dl.log" >&2
        [ "$rc" -ne 0 ] || rc=1
    else
        cat "$work/dl.out" >&2
    fi
    rm -f "$dest" "$dest".part*
}

declare -A tx_before=()
tables=()
for cond in "${conditions[@]}"; do
    d=${cond%/*} l=${cond#*/}
    apply_condition "$d" "$l"
    log "condition: delay $d ms one way, loss $l %: $condition_text"
    rows=()
    tcp_rate=
    for what in tcp $seeder_counts; do
        rates=()
        status=ok
        for ((run = 1; run <= runs; run++)); do
            run_number=$((run_number + 1))
            if [ "$what" = tcp ]; then run_tcp; else run_zshare "$what"; fi
            if [ "$rc" -ne 0 ]; then
                status="failed (exit $rc)"
                failures=$((failures + 1))
                break
            fi
            rates+=("$(mbps "$elapsed_ns")")
            log "  $([ "$what" = tcp ] && echo "one TCP stream" || echo "zshare, $what seeder(s)"), run $run/$runs: ${rates[-1]} Mbit/s; sender's rtt / retransmits 1 s in: $probe; MB sent per seeder: $shares"
        done
        if [ "$what" = tcp ]; then k=1; label="one TCP stream (nc), seed1"; else k=$what; label="zshare, $k seeder(s)"; fi
        cap_mbit=$(awk -v r="$rate_bps" -v k="$k" 'BEGIN { printf "%.0f", r * k / 1e6 }')
        if [ "$status" = ok ]; then
            achieved=$(median "${rates[@]}")
            [ "$what" != tcp ] || tcp_rate=$achieved
            of_caps=$(awk -v a="$achieved" -v c="$cap_mbit" 'BEGIN { printf "%.1f %%", 100 * a / c }')
            caps_aim=$(awk -v a="$achieved" -v c="$cap_mbit" 'BEGIN { print (100 * a / c >= 90) ? "yes" : "no" }')
            if [ "$what" = tcp ] || [ -z "$tcp_rate" ]; then
                of_tcp=-; tcp_aim=-
            else
                of_tcp=$(awk -v a="$achieved" -v t="$tcp_rate" 'BEGIN { printf "%.1f %%", 100 * a / t }')
                tcp_aim=$(awk -v a="$achieved" -v t="$tcp_rate" 'BEGIN { print (100 * a / t >= 90) ? "yes" : "no" }')
            fi
            rows+=("| $label | $cap_mbit | $achieved | $(awk -v a="$achieved" 'BEGIN { printf "%.1f", a / 8 }') | ${rates[*]} | $of_caps | $caps_aim | $of_tcp | $tcp_aim | $probe | $shares |")
        else
            rows+=("| $label | $cap_mbit | - | - | ${rates[*]:-} | - | no | - | no | - | $status |")
        fi
    done
    rtt_text=
    is_zero "$d" || rtt_text=" (a downloader-seeder round trip $(awk -v d="$d" 'BEGIN { print 2 * d }') ms longer)"
    table="## rate $rate, delay $d ms one way on each seeder's and the downloader's egress$rtt_text, loss $l % on each seeder's egress, MTU $mtu, $size_mib MiB, $runs run(s)"$'\n\n'
    table+="- $condition_text"$'\n'
    is_zero "$l" || table+="- the loss emulation, all runs of this condition: $(loss_summary)"$'\n'
    if [ -n "${relay_pid_of[dl]:-}" ]; then stop_relays; table+="- relays: $(relay_summary)"$'\n'; fi
    table+=$'\n'"| transfer | sum of caps Mbit/s | achieved Mbit/s (median) | MB/s | runs Mbit/s | of the caps | >= 90% of caps | of one TCP stream | >= 90% of TCP | sender's rtt / retransmits, 1 s in (last run) | MB each seeder sent (eth0 tx_bytes, last run) |"$'\n'
    table+="| --- | ---: | ---: | ---: | --- | ---: | :---: | ---: | :---: | --- | --- |"$'\n'
    table+=$(printf '%s\n' "${rows[@]}")
    tables+=("$table")
done
stop_relays

# ---------------------------------------------------------------------------------------------
echo "# zshare swarm download over capped links, next to one TCP stream (network namespaces)"
echo
echo "- command: \`$command_line\`"
echo "- date: $(date -Iseconds)"
echo "- CPU: $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores, kernel $(uname -r)"
echo "- zshare: $(git -C "$repo" describe --always --dirty 2>/dev/null || echo "unknown revision"), binaries from \`$build\` (zshare-node built $(date -r "$node_bin" -Iseconds)); $( [ -n "$insecure" ] && echo "--insecure" || echo "secure (CURVE)")"
echo "- rate $rate, MTU $mtu, file $size_mib MiB of random bytes in $fs_type; $runs run(s) per row (median); conditions (one-way delay ms / loss %): ${conditions[*]}; emulator: $emulator"
echo "- each seeder's upload: \`${tbf_args[*]}\` (the cap counts headers too); downloader and tracker uncapped"
echo "- download command: \`$form\`, timed from the downloader's start to its exit; the TCP stream: \`nc -N\` in seed1 to \`nc -l\` in the downloader, timed from the sender's start to the receiver's exit"
echo "- TCP in the namespaces: $(in_ns dl sysctl -n net.ipv4.tcp_congestion_control), tcp_rmem $(in_ns dl sysctl -n net.ipv4.tcp_rmem | tr -s '\t ' ' '), tcp_wmem $(in_ns dl sysctl -n net.ipv4.tcp_wmem | tr -s '\t ' ' ')$([ -z "$tcp_wmem_max" ] || echo " (--tcp-wmem-max)")"
echo "- page cache not dropped: every seeder reads the same (hard-linked) file from memory"
for table in "${tables[@]}"; do
    echo
    printf '%s\n' "$table"
done
[ "$failures" -eq 0 ]
