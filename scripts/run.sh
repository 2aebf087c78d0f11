#!/usr/bin/env bash
# run.sh - install the dependencies, build, and start `paperboy serve` on
# its built-in defaults (SQLite under ./data, maildir delivery under
# ./data/mail, web on http://127.0.0.1:8080).  Extra arguments go to
# paperboy, e.g. scripts/run.sh -c /etc/paperboy.ini
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# only the program it starts: the test and fuzz targets are test.sh's
cmake --build build -j"$(nproc)" --target paperboy
exec ./build/paperboy "$@" serve
