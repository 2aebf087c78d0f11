#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 31-digest-collected - the whole path up to the message, with the real
# binary and nothing inserted by hand: `paperboy collect` fetches the
# shared arXiv and Hugging Face fixtures from a local HTTP server,
# `paperboy subscriber add` subscribes two readers (keywords, one with a
# non-ASCII list title), and `paperboy digest preview` ranks the collected
# papers and builds the .eml, which tests/unit/check_eml.py parses in
# strict mode.  Keywords with a line break are refused at entry.
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"
need "the sqlite3 shell" command -v sqlite3
cd "$SRC_DIR" || fail "no source dir"   # templates come from ./web

start_feed_server "$FIX"
cfg_add "[sources]
arxiv_rss_url = $BASE/rss/
hf_daily_url = $BASE/hf
arxiv_api_url = $BASE/api
contact = ops@example.org
timeout = 10"

export PAPERBOY_NOW=1794981600          # 2026-11-18 06:00 UTC
DAY=2026-11-18

expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add ml --title "Apprentissage automatique — sélection" --categories cs.LG --hf
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --date $DAY
n=$(sql 'SELECT count(*) FROM papers')
[ "$n" -gt 3 ] || fail "collect stored only $n papers"

# keywords are checked when entered
expect_rc 1 pb subscriber add eve@example.org --list ml --confirmed \
    --keywords "$(printf 'kv cache\r\nBcc: victim@example.org')"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'eve@example.org'")" 0 "refused subscriber"

expect_rc 0 pb subscriber add ada@example.org --list ml --confirmed \
    --keywords 'kv cache, "test-time", -"vision transformer"'
expect_rc 0 pb subscriber add bob@example.org --list ml --confirmed

# ada: keyword matches only, with the why line
expect_rc 0 pb digest preview ada@example.org --date $DAY
assert_contains "$OUT" "Subject: Apprentissage automatique — sélection:"
assert_contains "$OUT" "PyramidInfer"
assert_contains "$OUT" "matched: kv cache"
assert_contains "$OUT" "Sleep-time Compute"
assert_contains "$OUT" "matched: test-time"
assert_not_contains "$OUT" "StainNet" "a paper matching no keyword"

# bob: no keywords, trending order: the most upvoted first
expect_rc 0 pb digest preview bob@example.org --date $DAY
top=$(sql "SELECT title FROM papers ORDER BY hf_upvotes DESC, first_seen_at DESC, id LIMIT 1")
first=$(printf '%s\n' "$OUT" | sed -n 's/^1\. //p' | head -1)
case "$top" in "$first"*) ;; *) fail "trending order: first is '$first', want '$top'" ;; esac
assert_contains "$OUT" "trending ·"

# the message, in strict mode, same bytes twice
pb digest preview ada@example.org --date $DAY --format eml >"$TMP/a.eml" || fail "eml"
pb digest preview ada@example.org --date $DAY --format eml >"$TMP/b.eml" || fail "eml"
cmp -s "$TMP/a.eml" "$TMP/b.eml" || fail "two renderings differ"
/usr/bin/python3 "$SRC_DIR/tests/unit/check_eml.py" "$TMP/a.eml" --kind digest \
    --to ada@example.org --contains PyramidInfer \
    --contains "https://huggingface.co/papers/" >"$TMP/check.out" 2>&1 ||
    { cat "$TMP/check.out" >&2; fail "check_eml.py rejected the message"; }
grep -q '^Subject: =?UTF-8?B?' "$TMP/a.eml" || fail "non-ASCII subject not encoded"

# previews record nothing
assert_eq "$(sql 'SELECT count(*) FROM digests')" 0 "digests"

# the next day with nothing new: nothing to send (when_empty = skip)
export PAPERBOY_NOW=1795068000
sql "INSERT INTO digests (subscription_id, day, created_at)
     SELECT s.id, '$DAY', 1794981600 FROM subscriptions s
     JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = 'ada@example.org'"
expect_rc 0 pb digest preview ada@example.org --date 2026-11-19
assert_contains "$ERR" "nothing to send"

pass
