#!/bin/bash
# SPDX-License-Identifier: MIT
# 71-collect-progress: long work shows progress and stops cleanly.  With
# stderr not a terminal, `collect --backfill` prints a progress line every
# $PAPERBOY_PROGRESS_INTERVAL_MS (200 ms here, 5 s by default).  SIGINT
# in the middle of a backfill from the local feed server (API calls 3 s
# api_delay_ms apart, so the run takes seconds) stops within a few
# seconds with exit 130: the daily sources and the categories finished
# before are printed and stay stored, the category cut short and those
# not started are not, and stderr says how far it got.
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_api_sample.xml" ] || fail "no fixtures at $FIX"
start_feed_server "$FIX"
cfg_add "[sources]
arxiv_rss_url = $BASE/bad/empty/
arxiv_api_url = $BASE/api
api_delay_ms = 3000
timeout = 10"
expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add ml --categories cs.AI,cs.CL,cs.LG --no-hf
unset PAPERBOY_NO_PROGRESS
export PAPERBOY_PROGRESS_INTERVAL_MS=200

# --- 1. a whole backfill: lines on stderr, the summary on stdout
expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --backfill 2d --date 2026-11-18
assert_contains "$ERR" "paperboy: collect: sources: " "progress lines"
assert_contains "$ERR" "/6 (" "progress against 6 sources"
assert_not_contains "$ERR" "[###" "no bar off a terminal"
for c in cs.AI cs.CL cs.LG; do
    assert_contains "$OUT" "arxiv-api:$c: fetched 8" "the summary"
done
PAPERBOY_NO_PROGRESS=1 expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --list ml --date 2026-11-18
assert_not_contains "$ERR" "paperboy: collect: sources" "PAPERBOY_NO_PROGRESS=1"

# --- 2. SIGINT in the middle of a backfill
sql "DELETE FROM paper_categories; DELETE FROM papers; DELETE FROM collect_runs"
: >"$TMP/requests.log"
"$PAPERBOY" -c "$CFG" collect --backfill 2d --date 2026-11-18 >"$TMP/c.out" 2>"$TMP/c.err" &
CPID=$!
# the first category is done after its 2 calls; stop during the second
for _ in $(seq 1 400); do
    [ "$(grep -c '"/api?' "$TMP/requests.log")" -ge 3 ] && break
    sleep 0.05
done
[ "$(grep -c '"/api?' "$TMP/requests.log")" -ge 3 ] || fail "the backfill did not get going"
t0=$(date +%s%N)
kill -INT "$CPID"
rc=0
wait "$CPID" || rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
OUT=$(cat "$TMP/c.out"); ERR=$(cat "$TMP/c.err")
assert_eq "$rc" 130 "exit status after SIGINT"
[ "$ms" -lt 5000 ] || fail "took ${ms} ms to stop"
assert_contains "$OUT" "arxiv-rss:cs.AI: fetched 0" "the daily sources in the summary"
assert_contains "$OUT" "arxiv-api:cs.AI: fetched 8, new 8" "the finished category in the summary"
assert_contains "$ERR" "stopped by a signal after" "the stop is said"
assert_contains "$ERR" "what was stored is kept"
assert_not_contains "$OUT" "arxiv-api:cs.LG" "a category not started"
assert_eq "$(sql "SELECT count(*) FROM papers")" 8 "papers kept"
assert_eq "$(sql "SELECT count(*) FROM collect_runs WHERE source = 'arxiv-api:cs.AI' AND ok = 1")" 1 "the finished category's run"
assert_eq "$(sql "SELECT count(*) FROM collect_runs WHERE source = 'arxiv-api:cs.LG'")" 0 "runs of categories not started"
# a rerun completes the backfill
PAPERBOY_NO_PROGRESS=1 expect_rc 0 timeout 60 "$PAPERBOY" -c "$CFG" collect --backfill 2d --date 2026-11-18
assert_contains "$OUT" "arxiv-api:cs.LG: fetched 8"
pass
