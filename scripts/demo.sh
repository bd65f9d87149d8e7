#!/usr/bin/env bash
# A local zshare demo: a tracker, a tap watching its events, three nodes; alice shares a folder,
# bob downloads a file from her (and shares what he saved), carol fetches another by its name
# and a whole folder.
# Secure, as zshare always is: the tracker makes its key pair, prints its public key, and the
# tap and the nodes are given it (each node makes a key pair of its own on first use).
# Everything runs on loopback in a temporary directory and is stopped and removed at the end.
# Usage: scripts/demo.sh [BUILD_DIR]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
tracker_bin=$build/broker/zshare-tracker
node_bin=$build/node/zshare-node
tap_bin=$build/tools/zshare-tap
work=$(mktemp -d /tmp/zshare-demo.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

say() { if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
wait_for() { # wait_for FILE TEXT: until FILE holds TEXT (10 s at most)
    for _ in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "demo: '$2' did not appear in $1" >&2; return 1
}

say "tracker (ephemeral loopback ports)"
"$tracker_bin" --listen 'tcp://127.0.0.1:*' --state-dir "$work/tracker-state" >"$work/tracker.out" 2>"$work/tracker.log" &
pids+=($!)
wait_for "$work/tracker.out" ready
cat "$work/tracker.out"
tracker=$(sed -nE 's/.*requests on ([^,]+),.*/\1/p' "$work/tracker.out")
# The tracker's public key, as everyone needs it (the environment variable saves repeating it).
export ZSHARE_TRACKER_KEY=$(sed -n 's/^zshare-tracker key: //p' "$work/tracker.out")
keys=(--key-dir "$work/keys")

say "tap: zshare-tap --tracker $tracker (ZSHARE_TRACKER_KEY holds the key; its output is shown at the end)"
"$tap_bin" --tracker "$tracker" >"$work/tap.out" 2>&1 &
pids+=($!)
wait_for "$work/tap.out" "end peers"

mkdir -p "$work/alice" "$work/bob" "$work/carol"
head -c $((32 << 20)) /dev/urandom >"$work/alice/dataset.bin"
echo "hello from alice" >"$work/alice/hello.txt"
mkdir -p "$work/alice/photos/2026/summer" "$work/alice/photos/2025"
for i in 1 2 3; do head -c $((200 << 10)) /dev/urandom >"$work/alice/photos/2026/summer/beach $i.jpg"; done
head -c $((300 << 10)) /dev/urandom >"$work/alice/photos/2025/snow.jpg"

say "alice shares her folder and stays online"
mkfifo "$work/alice.in"
"$node_bin" --tracker "$tracker" "${keys[@]}" --name alice --share "$work/alice" <"$work/alice.in" 2>"$work/alice.log" &
pids+=($!)
exec 3>"$work/alice.in" # keeps alice's standard input open
wait_for "$work/alice.log" "alice online"
cat "$work/alice.log"

say "bob: list-users, list-files, download alice's dataset (commands piped in)"
printf '%s\n' list-users list-files "download alice $work/alice/dataset.bin" |
    (cd "$work/bob" && "$node_bin" --tracker "$tracker" "${keys[@]}" --name bob --peers-file peers.txt)
echo "bob's peers file while he was online:"; cat "$work/bob/peers.txt"

say "carol downloads hello.txt (the one user who shares it) and alice's photos folder, while bob is gone"
printf '%s\n' "download hello.txt" "list-files alice photos" "download alice photos" list-files |
    (cd "$work/carol" && "$node_bin" --tracker "$tracker" "${keys[@]}" --name carol)

cmp "$work/alice/dataset.bin" "$work/bob/downloads/dataset.bin" && echo "bob's copy is identical to alice's"
diff -r "$work/alice/photos" "$work/carol/downloads/photos" && echo "carol's copy of the photos folder is identical to alice's"

exec 3>&- # alice's input ends: she disconnects
wait_for "$work/tap.out" "UnregisterPeer alice"
say "what the tap saw"
cat "$work/tap.out"
say "done (stopping the tracker and the tap, removing $work)"
