#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 20-collect - `paperboy collect` against the shared fixtures served by a
# local HTTP server (tests/integration/servers/feed_server.py) and through
# file:// URLs: exact counts, one row per paper across arXiv and HF,
# dedup of a URL shared by two lists, conditional GET (304) on the second
# run, User-Agent and compression headers, retries on 5xx and 429, and the
# papers ls/show/search commands on the result.
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"
need "the sqlite3 shell" command -v sqlite3

# --- the fixture server on an ephemeral loopback port
start_feed_server "$FIX"
export PAPERBOY_FETCH_BACKOFF_MS=100

cfg_add "[sources]
arxiv_rss_url = $BASE/rss/
hf_daily_url = $BASE/hf
arxiv_api_url = $BASE/api
contact = ops@example.org
timeout = 10"

# --- help and usage
expect_rc 0 pb collect --help
assert_contains "$OUT" "--backfill Nd"
expect_rc 0 pb papers --help
assert_contains "$OUT" "papers search"
expect_rc 2 pb collect --backfill x
expect_rc 2 pb collect --date 2026-13-45
expect_rc 2 pb collect --bogus
expect_rc 2 pb papers
expect_rc 2 pb papers frob
expect_rc 2 pb papers show

# --- two lists sharing cs.LG: the cs.LG feed is fetched once
expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add ml --categories cs.LG --hf
expect_rc 0 pb list add vision --categories cs.CV,cs.LG --no-hf
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --date 2026-11-18
RUN1=$OUT
assert_contains "$RUN1" "arxiv-rss:cs.LG: fetched 9, new 7, updated 0, unchanged 0, skipped 2, failed 0"
assert_contains "$RUN1" "arxiv-rss:cs.CV: fetched 9, new 0, updated 0, unchanged 7, skipped 2, failed 0"
assert_contains "$RUN1" "hf-daily: fetched 8, new 2, updated 6, unchanged 0, skipped 0, failed 0"
assert_eq "$(printf '%s\n' "$RUN1" | grep -c '^arxiv-rss:cs.LG')" 1 "cs.LG source lines"
assert_eq "$(grep -c '"/rss/cs.LG"' "$TMP/requests.log")" 1 "cs.LG requests"
assert_eq "$(grep -c '"/hf?date=2026-11-18"' "$TMP/requests.log")" 1 "HF requests"
grep -q '"ua": "paperboy/[0-9.]* (+ops@example.org)"' "$TMP/requests.log" ||
    fail "User-Agent does not name the project and contact"
grep -q '"ae": "[^"]*gzip' "$TMP/requests.log" || fail "no compressed transfer offered"

# one row per paper; arXiv and HF data on the same row
assert_eq "$(sql 'SELECT count(*) FROM papers')" 9 "papers"
assert_eq "$(sql "SELECT in_arxiv, hf_upvotes, github_stars, hf_day FROM papers WHERE arxiv_id='2611.15034'")" \
    "1|87|214|2026-11-18" "Sleep-time Compute row"
assert_eq "$(sql "SELECT title FROM papers WHERE arxiv_id='2611.14512'")" \
    "Stacking Your Transformers: A Closer Look at Model Growth for Efficient LLM Pre-Training" "wrapped title"
assert_eq "$(sql "SELECT group_concat(category) FROM (SELECT category FROM paper_categories pc JOIN papers p ON p.id = pc.paper_id WHERE p.arxiv_id='2611.14790' ORDER BY category)")" \
    "cs.CV,cs.LG,eess.IV,q-bio.QM" "StainNet categories"
assert_eq "$(sql "SELECT categories FROM papers WHERE arxiv_id='2611.14790'")" \
    "eess.IV,cs.CV,cs.LG,q-bio.QM" "primary category first"
assert_eq "$(sql "SELECT in_arxiv, ai_summary IS NULL FROM papers WHERE arxiv_id='2611.13877'")" "0|1" "PyramidInfer (HF only)"
assert_eq "$(sql "SELECT count(*) FROM papers WHERE announce_type LIKE 'replace%'")" 0 "replacements skipped"
assert_eq "$(sql "SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'pathology'")" 2 "FTS rows"
assert_eq "$(sql "SELECT count(*) FROM collect_runs WHERE ok = 1")" 3 "collect_runs rows"

# --- papers ls / show / search
expect_rc 0 pb papers ls
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 9 "ls lines"
assert_contains "$OUT" "2611.15034	"
expect_rc 0 pb papers ls --list vision --json
printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==7, len(d); assert all(p["in_arxiv"] for p in d)' ||
    fail "ls --list vision --json"
expect_rc 0 pb papers ls --since 2999-01-01
assert_eq "$OUT" "" "ls --since future"
expect_rc 0 pb papers show https://arxiv.org/abs/2611.14377v1
assert_contains "$OUT" "NÜWA: Visual Synthesis"
assert_contains "$OUT" "called NÜWA that"
expect_rc 0 pb papers show 2611.15034 --json
printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["hf_upvotes"]==87 and d["authors"][0]=="Grace Whitfield" and d["categories"][0]=="cs.LG", d' ||
    fail "show --json"
expect_rc 1 pb papers show 2611.99999
assert_contains "$ERR" "no paper '2611.99999'"
expect_rc 2 pb papers show not-an-id
expect_rc 0 pb papers search "kv cache"
assert_contains "$OUT" "1	"
assert_contains "$OUT" "PyramidInfer"
assert_contains "$OUT" "GoldFinch"
expect_rc 0 pb papers search '"sleep-time compute"' --json
printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["arxiv_id"]=="2611.15034", d' ||
    fail "search --json"

# --- the second run the same day adds nothing (conditional GET: 304)
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: not modified"
assert_contains "$OUT" "hf-daily: not modified"
assert_not_contains "$OUT" "new 1"
grep '"/rss/cs.LG"' "$TMP/requests.log" | tail -1 | grep -q '"inm": "\\"' ||
    fail "second request carried no If-None-Match"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 9 "papers after second run"

# without validators (forgotten fetch_state) the content is unchanged too
sql "DELETE FROM fetch_state"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9, new 0, updated 0, unchanged 7"
assert_contains "$OUT" "hf-daily: fetched 8, new 0, updated 0, unchanged 8"

# --- retries: 5xx twice then good; 429 with Retry-After: 1 then good
expect_rc 0 pb list add flaky --categories cs.LG --no-hf
CFG2=$TMP/flaky.ini
sed "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/flaky/2/#" "$CFG" >"$CFG2"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG2" collect --list flaky
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9"
assert_eq "$(grep -c '"/flaky/2/cs.LG"' "$TMP/requests.log")" 3 "flaky attempts"
sed "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/slow429/#" "$CFG" >"$CFG2"
START=$(date +%s.%N)
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG2" collect --list flaky
END=$(date +%s.%N)
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9"
/usr/bin/python3 -c "import sys; sys.exit(0 if $END - $START >= 1.0 else 1)" ||
    fail "Retry-After: 1 was not honoured"

# --- one connection per host, hosts in parallel: two RSS feeds on
# 127.0.0.1 one after the other, HF on "localhost" alongside them
CFG4=$TMP/hosts.ini
sed -e "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/slow/rss/#" \
    -e "s#^hf_daily_url = .*#hf_daily_url = http://localhost:$PORT/slow/hf#" "$CFG" >"$CFG4"
expect_rc 0 pb list add hosts --categories cs.LG,cs.CV --hf
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG4" collect --list hosts --date 2026-11-19
assert_contains "$OUT" "hf-daily: fetched 8"
/usr/bin/python3 - "$TMP/requests.log" <<'EOF' || fail "hosts not fetched in parallel, or one host fetched twice at once"
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if '"/slow/' in l]
rss = sorted(r["t"] for r in reqs if "/slow/rss/" in r["path"])
hf = [r["t"] for r in reqs if "/slow/hf" in r["path"]]
assert len(rss) == 2 and len(hf) == 1, reqs
assert rss[1] - rss[0] >= 0.95, rss          # same host: one at a time
assert abs(hf[0] - rss[0]) < 0.9, (hf, rss)  # other host: in parallel
EOF

# --- the same fixtures through file:// into a fresh database
mkdir -p "$TMP/feeds"
ln -s "$FIX/arxiv_rss_cs_LG.xml" "$TMP/feeds/cs.LG"
ln -s "$FIX/hf_daily_papers.json" "$TMP/feeds/hf.json"
CFG3=$TMP/file.ini
cat >"$CFG3" <<EOF
[database]
path = $TMP/file.db
[sources]
arxiv_rss_url = file://$TMP/feeds/
hf_daily_url = file://$TMP/feeds/hf.json
EOF
"$PAPERBOY" -c "$CFG3" list rm trending --yes >/dev/null || fail "list rm (file)"
"$PAPERBOY" -c "$CFG3" list add ml --categories cs.LG >/dev/null || fail "list add (file)"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG3" collect --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9, new 7"
assert_contains "$OUT" "hf-daily: fetched 8, new 2, updated 6"
assert_eq "$(sqlite3 "$TMP/file.db" 'SELECT count(*) FROM papers')" 9 "papers via file://"
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG3" collect --date 2026-11-18
assert_contains "$OUT" "new 0"
assert_not_contains "$OUT" "new 7"
assert_eq "$(sqlite3 "$TMP/file.db" 'SELECT count(*) FROM papers')" 9 "papers via file:// again"

# a list that asks for replacements also takes 'replace' announcements
# (the fixture's 2611.08817 v2 and 2610.21456 v3); the others never do
sed "s|$TMP/file.db|$TMP/repl.db|" "$CFG3" >"$TMP/repl.ini"
"$PAPERBOY" -c "$TMP/repl.ini" list rm trending --yes >/dev/null || fail "list rm (repl)"
expect_rc 0 "$PAPERBOY" -c "$TMP/repl.ini" list add ml --categories cs.LG --no-hf --replacements
expect_rc 0 timeout 60 "$PAPERBOY" -c "$TMP/repl.ini" collect --date 2026-11-18
assert_contains "$OUT" "arxiv-rss:cs.LG: fetched 9, new 9"
assert_eq "$(sqlite3 "$TMP/repl.db" "SELECT version FROM papers WHERE arxiv_id = '2611.08817'")" 2 "replaced paper taken"
assert_eq "$(sqlite3 "$TMP/file.db" "SELECT count(*) FROM papers WHERE arxiv_id = '2611.08817'")" 0 "replaced paper skipped by default"

pass
