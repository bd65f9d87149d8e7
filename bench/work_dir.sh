# The benchmarks' temporary directory (sourced by bench/lib.sh and bench/swarm_netns.sh):
# in memory (/dev/shm) when NEED_KIB fit there, else $TMPDIR or /tmp; $BENCH_TMPDIR overrides.
# On tmpfs no disk write-back of earlier copies lands in a run.
avail_kib_of() { df -Pk "$1" 2>/dev/null | awk 'NR == 2 { print $4 }'; }
make_work_dir() {  # make_work_dir NEED_KIB PREFIX: sets work (mktemp -d) and work_parent
    if [ -n "${BENCH_TMPDIR:-}" ]; then
        work_parent=$BENCH_TMPDIR
    elif [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(avail_kib_of /dev/shm || echo 0)" -ge "$1" ]; then
        work_parent=/dev/shm
    else
        work_parent=${TMPDIR:-/tmp}
    fi
    work=$(mktemp -d "$work_parent/$2.XXXXXX")
}
