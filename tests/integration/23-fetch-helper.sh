#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 23-fetch-helper - `paperboy collect` runs its transfers in the separate
# program paperboy-fetch, found beside the running paperboy, then in the
# install layout relative to it (../libexec/paperboy/), then where cmake
# --install puts it.  A paperboy whose helper is missing fails the collect
# with a clear error naming where it looked, and stores nothing; with the
# helper in either place, the same collect works.  paperboy itself does
# not link libcurl; paperboy-fetch does.
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"
need "the sqlite3 shell" command -v sqlite3
HELPER=$(dirname "$PAPERBOY")/paperboy-fetch
[ -x "$HELPER" ] || fail "no paperboy-fetch beside $PAPERBOY"

# the libraries each program needs
ldd "$PAPERBOY" | grep -q libcurl && fail "paperboy links libcurl"
ldd "$HELPER" | grep -q libcurl || fail "paperboy-fetch does not link libcurl"

# a copy of paperboy alone in a directory (the install path is not
# expected to hold a helper on a test machine; if it does, skip)
mkdir -p "$TMP/bin"
cp "$PAPERBOY" "$TMP/bin/paperboy"
mkdir -p "$TMP/feeds"
ln -s "$FIX/arxiv_rss_cs_LG.xml" "$TMP/feeds/cs.LG"
cfg_add "[sources]
arxiv_rss_url = file://$TMP/feeds/
timeout = 10"
PB="$TMP/bin/paperboy"
expect_rc 0 "$PB" -c "$CFG" list rm trending --yes
expect_rc 0 "$PB" -c "$CFG" list add rss --categories cs.LG --no-hf
rc=0
"$PB" -c "$CFG" collect --date 2026-11-18 >"$TMP/out" 2>"$TMP/err" || rc=$?
if [ "$rc" = 0 ]; then
    skip "a paperboy-fetch is installed system-wide; cannot test a missing one"
fi
ERR=$(cat "$TMP/err")
assert_contains "$ERR" "paperboy-fetch not found" "collect's error"
assert_contains "$ERR" "$TMP/bin/paperboy-fetch" "collect's error"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 0 "papers stored without a helper"

assert_contains "$ERR" "$TMP/bin/../libexec/paperboy/paperboy-fetch" "collect's error"

# the install layout under a moved prefix (bin/, libexec/paperboy/): found
mkdir -p "$TMP/libexec/paperboy"
cp "$HELPER" "$TMP/libexec/paperboy/paperboy-fetch"
expect_rc 0 timeout 60 "$PB" -c "$CFG" collect --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9, new 7"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 7 "papers with the helper in libexec"
rm -r "$TMP/libexec"

# the helper beside it (a build tree): found
cp "$HELPER" "$TMP/bin/paperboy-fetch"
expect_rc 0 timeout 60 "$PB" -c "$CFG" collect --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9, new 0"
pass
