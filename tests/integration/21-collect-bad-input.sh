#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 21-collect-bad-input - every bad input the issue lists, served by the
# fixture server: truncated XML, not XML, an entity bomb, a document over
# the size cap, invalid JSON, JSON of the wrong shape, an unexpected
# content type, HTTP 404, 500 and 429 (Retry-After), a stalled body and an
# empty feed.  Each must give one error line naming the source, leave the
# papers as they were, record a failed collect_runs row, not crash and not
# hang (every run is wrapped in `timeout`).
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"
need "the sqlite3 shell" command -v sqlite3

start_feed_server "$FIX"
export PAPERBOY_FETCH_BACKOFF_MS=100

cfg_add "[sources]
arxiv_rss_url = $BASE/rss/
hf_daily_url = $BASE/hf
timeout = 4
connect_timeout = 2
max_bytes = 500000"

# a good baseline first: 9 papers from the cs.LG feed and HF
expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add rss --categories cs.LG --no-hf
expect_rc 0 pb list add hf --categories '' --hf
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --date 2026-11-18
assert_eq "$(sql 'SELECT count(*) FROM papers')" 9 "baseline papers"

snapshot() {
    sql "SELECT arxiv_id, version, title, abstract, authors, categories,
                hf_upvotes, hf_day, updated_at FROM papers ORDER BY arxiv_id;
         SELECT category, paper_id FROM paper_categories ORDER BY 1, 2;
         SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'model';" |
        md5sum
}
BEFORE=$(snapshot)

# run_bad KIND LIST SOURCE WANT: collect LIST with the source at /bad/KIND
run_bad() {
    local kind=$1 list=$2 source=$3 want=$4 cfg=$TMP/$1.ini start end lines
    sed -e "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/bad/$kind/#" \
        -e "s#^hf_daily_url = .*#hf_daily_url = $BASE/bad/$kind#" "$CFG" >"$cfg"
    start=$(date +%s)
    expect_rc 1 timeout 60 "$PAPERBOY" -c "$cfg" collect --list "$list" --date 2026-11-18
    end=$(date +%s)
    assert_contains "$OUT" "$source: FAILED" "$kind stdout"
    lines=$(printf '%s\n' "$ERR" | grep -c .)
    assert_eq "$lines" 1 "$kind: stderr lines"
    assert_contains "$ERR" "paperboy: collect: $source: " "$kind error"
    assert_contains "$ERR" "$BASE/bad/$kind" "$kind error names the URL"
    assert_contains "$ERR" "$want" "$kind error"
    assert_eq "$(snapshot)" "$BEFORE" "$kind: database changed"
    assert_eq "$(sql "SELECT ok, error IS NOT NULL FROM collect_runs ORDER BY id DESC LIMIT 1")" \
        "0|1" "$kind: collect_runs row"
    [ $((end - start)) -le 30 ] || fail "$kind took $((end - start)) s"
    echo "ok: $kind -> $(printf '%s' "$ERR" | head -c 200)"
}

run_bad truncated rss arxiv-rss:cs.LG "not well-formed XML"
run_bad notxml rss arxiv-rss:cs.LG "not well-formed XML"
run_bad bomb rss arxiv-rss:cs.LG "DOCTYPE declarations are not allowed"
run_bad oversize rss arxiv-rss:cs.LG "larger than max_bytes (500000 bytes)"
run_bad wrongtype rss arxiv-rss:cs.LG "unexpected content type 'text/html"
run_bad 404 rss arxiv-rss:cs.LG "HTTP 404"
run_bad 500 rss arxiv-rss:cs.LG "HTTP 500 (after 4 attempts)"
run_bad 429 rss arxiv-rss:cs.LG "HTTP 429 (Retry-After) (after 4 attempts)"
run_bad stall rss arxiv-rss:cs.LG "stalled"
run_bad badjson hf hf-daily "invalid JSON"
run_bad wrongshape hf hf-daily "wrong shape"
run_bad wrongtype hf hf-daily "unexpected content type 'text/html"

# 429 honoured Retry-After: 1 between its four attempts
N429=$(grep -c '"/bad/429/cs.LG"' "$TMP/requests.log")
assert_eq "$N429" 4 "429 attempts"
/usr/bin/python3 - "$TMP/requests.log" <<'EOF' || fail "Retry-After: 1 not honoured"
import json, sys
t = [json.loads(l)["t"] for l in open(sys.argv[1]) if '"/bad/429/cs.LG"' in l]
gaps = [b - a for a, b in zip(t, t[1:])]
sys.exit(0 if gaps and min(gaps) >= 0.95 else 1)
EOF

# an empty feed (weekend, holiday) is not an error and changes nothing
sed -e "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/bad/empty/#" "$CFG" >"$TMP/empty.ini"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$TMP/empty.ini" collect --list rss
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 0, new 0"
assert_eq "$ERR" "" "empty feed stderr"
assert_eq "$(snapshot)" "$BEFORE" "empty: database changed"

# an entry without an id is skipped with a warning naming source and
# entry; the rest of the feed counts
sed -e "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/bad/partial/#" "$CFG" >"$TMP/partial.ini"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$TMP/partial.ini" collect --list rss
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 2, new 1, updated 0, unchanged 0, skipped 0, failed 1"
assert_contains "$ERR" "source=arxiv-rss:cs.LG: skipped item 2 ('An Entry Without Id'): no arXiv id"
assert_eq "$(sql "SELECT title FROM papers WHERE arxiv_id='2611.55555'")" "A Good Paper" "partial feed"
BEFORE=$(snapshot)

# one bad source among good ones: the good one still counts, exit 0
expect_rc 0 pb list add both --categories cs.LG --hf
sed -e "s#^hf_daily_url = .*#hf_daily_url = $BASE/bad/wrongshape#" "$CFG" >"$TMP/mixed.ini"
sql "DELETE FROM fetch_state"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$TMP/mixed.ini" collect --list both
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9"
assert_contains "$OUT" "hf-daily: FAILED"
assert_contains "$ERR" "paperboy: collect: hf-daily: "
assert_eq "$(sql "SELECT last_error IS NOT NULL FROM fetch_state WHERE url LIKE '%wrongshape%'")" 1 "fetch_state error"

# nothing listening: a connection error, not a hang
sed -e "s#^arxiv_rss_url = .*#arxiv_rss_url = http://127.0.0.1:9/#" "$CFG" >"$TMP/down.ini"
expect_rc 1 timeout 60 "$PAPERBOY" -c "$TMP/down.ini" collect --list rss
assert_contains "$ERR" "paperboy: collect: arxiv-rss:cs.LG: 'http://127.0.0.1:9/cs.LG'"
assert_eq "$(snapshot)" "$BEFORE" "down: database changed"

pass
