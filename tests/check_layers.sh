#!/usr/bin/env bash
# check_layers.sh - the layers of daemon/ hold (docs/ARCHITECTURE.md):
#   1. an #include that goes upward does not build.  PROBES lists, one a
#      line, "target builds|fails header": each target is a source file in
#      one layer that includes a header of another (tests/CMakeLists.txt).
#      "builds" must compile; "fails" must fail on that header not being
#      found (any other failure is a failure of this check too).
#   2. each third-party library is included only by the files that own it.
# Usage: check_layers.sh DAEMON_DIR BUILD_DIR PROBES
set -u
src=$1 build=$2 probes=$3
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# 1. the probes, one build each
[ -s "$probes" ] || bad "no probes in $probes"
while read -r target expect header; do
    out=$(cmake --build "$build" --target "$target" 2>&1)
    rc=$?
    if [ "$expect" = builds ]; then
        [ $rc -eq 0 ] && ok || bad "$target: including $header should build:
$out"
    elif [ $rc -eq 0 ]; then
        bad "$target: including $header built, but that header is in a higher layer"
    elif grep -qE "$header: No such file|'$header' file not found" <<<"$out"; then
        ok
    else
        bad "$target: failed, but not on the missing $header:
$out"
    fi
done <"$probes"

# 2. third-party headers: "pattern|allowed path regex (relative to src)"
owners=(
    '<sqlite3\.h>|^store/'
    '<curl/|^fetch/'
    '<microhttpd\.h>|^web/'
    '<libetpan/|^mail/'
    '<expat\.h>|^collect/source'
    '<ini\.h>|^util/config\.c:'
    '<opendkim/|^mail/dkim\.c:'
    '<ldns/|^mail/dns_check\.c:'
)
# Known exceptions, each to move into store/ (issue 13): send.c freezes
# and queues in one transaction.
allowed_extra='^mail/send\.c:[0-9]+:#include <sqlite3\.h>'
nfiles=$(find "$src" -name '*.[ch]' | wc -l)
[ "$nfiles" -gt 0 ] || bad "no C files under $src"
for rule in "${owners[@]}"; do
    pat=${rule%%|*} own=${rule#*|}
    hits=$(cd "$src" && grep -rnE --include='*.[ch]' "^#include $pat" . |
        sed 's|^\./||' | grep -vE "$own" | grep -vE "$allowed_extra")
    [ -z "$hits" ] && ok || bad "$pat included outside $own:
$hits"
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
