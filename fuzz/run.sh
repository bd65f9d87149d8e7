#!/usr/bin/env bash
# Builds the fuzz targets with clang in build-fuzz/ and runs each on a fresh copy of its seed
# corpus (fuzz/corpus/<target>/) for a bounded time. A crash, a sanitizer report or a failed
# check fails the script, naming the target; its input is kept in build-fuzz/artifacts/.
#   fuzz/run.sh [SECONDS [TARGET...]]    SECONDS per target (default 10, or $ZSHARE_FUZZ_SECONDS)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${ZSHARE_FUZZ_SECONDS:-10}}
shift || true
if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for source in fuzz/fuzz_*.cpp; do targets+=("$(basename "$source" .cpp)"); done
fi

build=build-fuzz
cmake --no-warn-unused-cli -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DZSHARE_FUZZ=ON -DZSHARE_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" | { grep -v 'Built target' || true; }

# Leaks count as crashes (libFuzzer's -detect_leaks is on by default with ASan); UB aborts
# (-fno-sanitize-recover at build time) and prints where.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

rm -rf "$build/corpus" "$build/logs"
mkdir -p "$build/corpus" "$build/logs" "$build/artifacts"
failed=()
for target in "${targets[@]}"; do
    corpus=$build/corpus/$target
    mkdir -p "$corpus"
    cp -r "fuzz/corpus/$target/." "$corpus/"
    log=$build/logs/$target.log
    if "$build/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
            -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        echo "fuzz: $target: ok, $runs runs in ${seconds} s, corpus $(ls "$corpus" | wc -l) inputs"
    else
        echo "fuzz: $target FAILED (log: $log):" >&2
        tail -n 60 "$log" >&2
        failed+=("$target")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failed: ${failed[*]}" >&2
    exit 1
fi
