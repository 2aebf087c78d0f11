#!/bin/bash
# SPDX-License-Identifier: MIT
# check_man.sh PAGE...: each man page renders with groff -ww (every
# warning) and with man -l without a single message on stderr.  Fails on
# a missing groff or man: scripts/install-deps.sh installs them.
set -u
export LC_ALL=C.UTF-8
for tool in groff man; do
    command -v "$tool" >/dev/null ||
        { echo "FAIL: $tool is missing (scripts/install-deps.sh --test)"; exit 1; }
done
rc=0
for page in "$@"; do
    [ -s "$page" ] || { echo "FAIL: $page is missing or empty"; rc=1; continue; }
    # groff: every warning, no output; any message is a defect
    msg=$(LC_ALL=C.UTF-8 groff -ww -z -man -Tutf8 "$page" 2>&1)
    if [ -n "$msg" ]; then
        echo "FAIL: groff -ww -z -man $page:"; echo "$msg"; rc=1
    fi
    # man -l: the page as a reader gets it, 80 columns; warnings on
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=all -l "$page" 2>"${TMPDIR:-/tmp}/man.$$.err")
    msg=$(cat "${TMPDIR:-/tmp}/man.$$.err"); rm -f "${TMPDIR:-/tmp}/man.$$.err"
    if [ -n "$msg" ]; then
        echo "FAIL: man -l $page:"; echo "$msg"; rc=1
    fi
    # a rendered line wider than the terminal means an unbreakable run
    wide=$(printf '%s\n' "$out" | while IFS= read -r l; do
        [ ${#l} -gt 80 ] && printf '%s\n' "$l"; done | head -3)
    if [ -n "$wide" ]; then
        echo "FAIL: man -l $page has lines over 80 columns:"; echo "$wide"; rc=1
    fi
    [ "$(printf '%s\n' "$out" | wc -l)" -gt 10 ] ||
        { echo "FAIL: man -l $page rendered almost nothing"; rc=1; }
done
[ $rc -eq 0 ] && echo "ok: $* render without warnings"
exit $rc
