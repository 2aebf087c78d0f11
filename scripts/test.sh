#!/usr/bin/env bash
# test.sh - install everything, build, and run the whole test suite:
#   1. a normal build with -Werror, every ctest test;
#   2. an ASan+UBSan build, every ctest test again;
#   3. a ThreadSanitizer build: the unit tests and the thread-heavy
#      integration tests (ctest label "threads": send, SMTP, web, serve,
#      run, schedule; it.43's kill -9 loop with 500 subscribers instead of
#      2000), failing on any race report (about 5 minutes on 2 cores);
#   4. with clang (-Werror too), each libFuzzer target for a bounded time.
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

echo "== build (ThreadSanitizer)"
unset ASAN_OPTIONS UBSAN_OPTIONS
cmake -S . -B build-tsan -DPAPERBOY_WERROR=ON -DENABLE_TSAN=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# the programs the tests run, not the fuzz drivers
cmake --build build-tsan -j"$jobs" --target paperboy \
    $(cd tests/unit && for f in test_*.c; do echo "${f%.c}"; done)
echo "== unit and thread-heavy integration tests under ThreadSanitizer"
tsan_logs=$(mktemp -d)
# TSan needs a memory layout it knows: where the kernel randomises mmap
# more than it expects, the probe dies and the tests run without ASLR
tsan_run=()
build-tsan/tests/test_buf >/dev/null 2>&1 || tsan_run=(setarch "$(uname -m)" -R)
# a race is written to a log (a race inside `serve`, which the scripts
# stop with SIGTERM, would not show in an exit status)
(cd build-tsan && TSAN_OPTIONS="log_path=$tsan_logs/tsan second_deadlock_stack=1" \
    PB_KILL_SUBSCRIBERS=500 "${tsan_run[@]}" \
    ctest --output-on-failure -j"$jobs" --timeout 900 -L 'unit|threads')
if [ -n "$(ls -A "$tsan_logs")" ]; then
    cat "$tsan_logs"/* | head -200
    echo "ThreadSanitizer reported $(cat "$tsan_logs"/* | grep -c '^WARNING: ThreadSanitizer') problems"
    exit 1
fi
rm -rf "$tsan_logs"

if command -v clang >/dev/null; then
    echo "== fuzzing (libFuzzer, bounded)"
    CC=clang cmake -S . -B build-fuzz -DENABLE_FUZZ=ON -DENABLE_ASAN_UBSAN=ON -DPAPERBOY_WERROR=ON \
        -DCMAKE_BUILD_TYPE=Debug >/dev/null
    # the fuzz targets only (every layer with them, compiled by clang with
    # -Werror); the unit tests and the program were built and run above
    fuzz_targets=()
    for src in tests/fuzz/fuzz_*.c; do
        fuzz_targets+=(--target "$(basename "$src" .c)")
    done
    cmake --build build-fuzz -j"$jobs" "${fuzz_targets[@]}"
    for f in build-fuzz/tests/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f"); name=${name#fuzz_}
        work=$(mktemp -d)
        cp -r "tests/fuzz/corpus/$name/." "$work/" 2>/dev/null || true
        echo "-- $name"
        "$f" -max_total_time="${FUZZ_SECONDS:-8}" -max_len=65536 -timeout=10 \
            -rss_limit_mb=1024 "$work" >"$work.log" 2>&1 || {
            tail -40 "$work.log"; echo "fuzz target $name failed"; exit 1; }
        tail -1 "$work.log"
        rm -rf "$work" "$work.log"
    done
fi
echo "== all test stages passed"
