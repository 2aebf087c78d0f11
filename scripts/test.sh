#!/usr/bin/env bash
# test.sh - install everything, build, and run the whole test suite:
#   1. a normal build with -Werror, every ctest test;
#   2. an ASan+UBSan build, every ctest test again;
#   3. with clang (-Werror too), each libFuzzer target for a bounded time.
# Usage: scripts/test.sh [--quick]   (--quick: step 1 only)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

jobs=$(nproc)
export PAPERBOY_NO_PROGRESS=1

echo "== build (-Werror)"
cmake -S . -B build-ci -DPAPERBOY_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ci -j"$jobs"
echo "== tests"
(cd build-ci && ctest --output-on-failure -j"$jobs" --timeout 600)

[ "${1:-}" = "--quick" ] && exit 0

echo "== build (ASan+UBSan)"
cmake -S . -B build-asan -DPAPERBOY_WERROR=ON -DENABLE_ASAN_UBSAN=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under ASan+UBSan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 -LE browser)

if command -v clang >/dev/null; then
    echo "== fuzzing (libFuzzer, bounded)"
    CC=clang cmake -S . -B build-fuzz -DENABLE_FUZZ=ON -DENABLE_ASAN_UBSAN=ON -DPAPERBOY_WERROR=ON \
        -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build build-fuzz -j"$jobs"
    for f in build-fuzz/tests/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f"); name=${name#fuzz_}
        work=$(mktemp -d)
        cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
        echo "-- $name"
        "$f" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=65536 -timeout=10 \
            -rss_limit_mb=1024 "$work" >"$work.log" 2>&1 || {
            tail -40 "$work.log"; echo "fuzz target $name failed"; exit 1; }
        tail -1 "$work.log"
        rm -rf "$work" "$work.log"
    done
fi
echo "== all test stages passed"
