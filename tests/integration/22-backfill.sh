#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 22-backfill - `paperboy collect --backfill 7d` pages through the arXiv
# API (served by feed_server.py from the shared Atom sample, 5 entries per
# page, 8 in all): the right search_query and date range, start/max_results
# paging driven by opensearch:totalResults, at least 3 s between the two
# calls, and the Atom fields stored (version, DOI, journal_ref, comment,
# trimmed author names, primary category first).
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_api_sample.xml" ] || fail "no fixtures at $FIX"
need "the sqlite3 shell" command -v sqlite3

start_feed_server "$FIX"

# the daily feed is empty (a weekend), so every paper comes from the API
cfg_add "[sources]
arxiv_rss_url = $BASE/bad/empty/
arxiv_api_url = $BASE/api
timeout = 10"

expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add ml --categories cs.LG --no-hf
expect_rc 2 pb collect --backfill 0d
expect_rc 2 pb collect --backfill 400d
expect_rc 2 pb collect --backfill 7w

expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --list ml --backfill 7d --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 0, new 0"
assert_contains "$OUT" "arxiv-api:cs.LG: fetched 8, new 8, updated 0, unchanged 0, skipped 0, failed 0"

# two calls: start=0 then start=5, the documented query, >= 3 s apart
/usr/bin/python3 - "$TMP/requests.log" <<'EOF' || fail "API paging or spacing wrong"
import json, sys, urllib.parse
reqs = [json.loads(l) for l in open(sys.argv[1]) if '"/api?' in l]
assert len(reqs) == 2, [r["path"] for r in reqs]
qs = [urllib.parse.parse_qs(urllib.parse.urlsplit(r["path"]).query) for r in reqs]
assert [q["start"][0] for q in qs] == ["0", "5"], qs
want = "cat:cs.LG AND submittedDate:[202611110000 TO 202611182359]"
assert qs[0]["search_query"][0] == want, qs[0]["search_query"]
assert qs[0]["sortBy"][0] == "submittedDate", qs[0]
gap = reqs[1]["t"] - reqs[0]["t"]
assert gap >= 2.95, gap
print("api gap %.2f s" % gap)
EOF

assert_eq "$(sql 'SELECT count(*) FROM papers')" 8 "papers"
assert_eq "$(sql "SELECT version, doi, journal_ref FROM papers WHERE arxiv_id='2611.08817'")" \
    "2|10.5555/tmlr.2026.0412|Transactions on Machine Learning Research, 11/2026" "Conda v2"
assert_eq "$(sql "SELECT json_extract(authors, '\$[0]') FROM papers WHERE arxiv_id='2611.14921'")" \
    "Elias Varga" "trimmed author"
assert_eq "$(sql "SELECT categories FROM papers WHERE arxiv_id='2611.14790'")" \
    "eess.IV,cs.CV,cs.LG,q-bio.QM" "primary first"
assert_eq "$(sql "SELECT comment IS NULL FROM papers WHERE arxiv_id='2611.14655'")" 1 "no comment"
assert_eq "$(sql "SELECT title FROM papers WHERE arxiv_id='2611.14512'")" \
    "Stacking Your Transformers: A Closer Look at Model Growth for Efficient LLM Pre-Training" "wrapped title"
assert_eq "$(sql "SELECT published_at FROM papers WHERE arxiv_id='2611.15034'")" 1794933669 "published"
assert_eq "$(sql "SELECT source, ok, fetched, new FROM collect_runs WHERE source LIKE 'arxiv-api:%'")" \
    "arxiv-api:cs.LG|1|8|8" "collect_runs"

# a second backfill stores nothing new
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --list ml --backfill 7d --date 2026-11-18
assert_contains "$OUT" "arxiv-api:cs.LG: fetched 8, new 0, updated 0, unchanged 8"

# a spurious empty first answer is retried once, then paging goes on
sed -e "s#^arxiv_api_url = .*#arxiv_api_url = $BASE/apiempty#" "$CFG" >"$TMP/empty.ini"
rm -f "$TMP/db" "$TMP/db-wal" "$TMP/db-shm"
expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add ml --categories cs.LG --no-hf
expect_rc 0 timeout 60 "$PAPERBOY" -c "$TMP/empty.ini" collect --list ml --backfill 2d --date 2026-11-18
assert_contains "$OUT" "arxiv-api:cs.LG: fetched 8, new 8"
assert_eq "$(grep -c '"/apiempty?' "$TMP/requests.log")" 3 "calls with a spurious empty answer"

# an API that answers with HTML is one failed source, nothing stored
sed -e "s#^arxiv_api_url = .*#arxiv_api_url = $BASE/bad/wrongtype#" "$CFG" >"$TMP/bad.ini"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$TMP/bad.ini" collect --list ml --backfill 1d
assert_contains "$OUT" "arxiv-api:cs.LG: FAILED"
assert_contains "$ERR" "paperboy: collect: arxiv-api:cs.LG: "
assert_contains "$ERR" "unexpected content type"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 8 "papers after bad API"

pass
