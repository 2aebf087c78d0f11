#!/usr/bin/env bash
# check_banned.sh - fail when daemon/ (every .c and .h below it, at any
# depth) uses a function STYLE.md bans: strcpy, strcat, sprintf,
# vsprintf, gets, strtok, atoi (use str_copy, struct buf, snprintf,
# str_to_long instead).  Finding no source at all is a failure too, so a
# moved tree cannot make the check pass by matching nothing.
set -u
src=${1:-$(dirname "$0")/../daemon}
nfiles=$(find "$src" -name '*.[ch]' -type f | wc -l)
if [ "$nfiles" -eq 0 ]; then
    echo "no .c or .h files under $src"
    echo "0 passed, 1 failed"
    exit 1
fi
hits=$(grep -rnE --include='*.c' --include='*.h' \
    '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)\s*\(' "$src" \
    | grep -vE '\b(snprintf|vsnprintf|fgets|strtok_r)\s*\(' | grep -vE '^\S+:\s*/?\*')
if [ -n "$hits" ]; then
    echo "banned functions used:"
    echo "$hits"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed ($nfiles files)"
