#!/usr/bin/env bash
# check_banned.sh - fail when daemon/ uses a function STYLE.md bans:
# strcpy, strcat, sprintf, vsprintf, gets, strtok, atoi (use str_copy,
# struct buf, snprintf, str_to_long instead).
set -u
src=${1:-$(dirname "$0")/../daemon}
# every .c and .h under src, in every layer folder
n=$(find "$src" -name '*.[ch]' | wc -l)
if [ "$n" -eq 0 ]; then
    echo "no C files under $src"
    echo "0 passed, 1 failed"
    exit 1
fi
hits=$(grep -rnE --include='*.[ch]' '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)\s*\(' "$src" \
    | grep -vE '\b(snprintf|vsnprintf|fgets|strtok_r)\s*\(' | grep -vE '^\S+:\s*/?\*')
if [ -n "$hits" ]; then
    echo "banned functions used:"
    echo "$hits"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
