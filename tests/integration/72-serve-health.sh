#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 72-serve-health: /healthz and its /metrics gauges tell the truth.
#   ok        a collection with a working source, nothing old queued;
#   degraded  every source failed at the latest pass (and ok again after
#             a pass with a working one); the SMTP relay refusing sessions
#             for over 15 minutes (a closed port, the clock moved 1000 s by
#             PAPERBOY_TIME_OFFSET; not at 0 s); the oldest queued mail
#             over an hour old (a relay that answers 451, clock +4000 s);
#   failing   the database file zeroed under the running server: 503,
#             although the server's page cache still holds the old pages.
# "Delivery paused" is it.46-send-disk-full (it needs a full disk).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"
. "$(dirname "$0")/web_lib.sh"

DAY=2026-11-20
FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"
start_feed_server "$FIX"
FEED=$BASE
trap 'web_stop; smtp_stop; kill $SERVER 2>/dev/null; lib_cleanup' EXIT
export PAPERBOY_FETCH_BACKOFF_MS=50

sed -i "\|^root = $SRC_DIR/web\$|d" "$CFG" # smtp_lib's; web_config sets it
web_config
sed -i -e "s|^arxiv_rss_url = .*|arxiv_rss_url = $FEED/rss/|" \
    -e "s|^arxiv_api_url = .*|arxiv_api_url = $FEED/api|" \
    -e "s|^hf_daily_url = .*|hf_daily_url = $FEED/hf|" "$CFG"
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:1"
cfg_add "starttls = off"
cfg_add "connections = 1"

# health WANT_CODE PY: GET /healthz, check the code, run PY on it as h
health() {
    http GET /healthz
    expect_code "$1" "/healthz"
    printf '%s' "$BODY" | /usr/bin/python3 -c "
import json, sys
h = json.load(sys.stdin)
reasons = [x['reason'] for x in h['reasons']]
$2
" || fail "/healthz: $BODY"
}
# gauge NAME: its value in /metrics
gauge() {
    http GET /metrics
    expect_code 200 "/metrics"
    printf '%s\n' "$BODY" | awk -v n="$1" '$1 == n { print $2 }'
}
# wait_collected: until the scheduler's first collection is recorded
wait_collected() {
    local i
    for i in $(seq 1 150); do
        http GET /healthz
        case "$BODY" in *'"last_collection":{'*) return 0 ;; esac
        sleep 0.1
    done
    fail "no collection recorded: $BODY"
}

# --- ok: serve's first pass collects from the feed server
pb list ls >/dev/null
web_start
wait_collected
health 200 'assert h["status"] == "ok" and reasons == [], h
assert h["last_collection"]["failed"] < h["last_collection"]["sources"], h
assert h["database"] is True and h["outbox_depth"] == 0, h'
assert_eq "$(gauge paperboy_health_status)" 0 "paperboy_health_status when ok"
assert_eq "$(gauge paperboy_database_readable)" 1 "paperboy_database_readable"
web_stop

# --- every source of the latest pass failed: degraded; a later pass
# with a working source makes it ok again
sed -i "s|$FEED|http://127.0.0.1:9|" "$CFG"
pb collect >/dev/null 2>&1 && fail "collect from closed ports succeeded"
web_start
health 200 'assert h["status"] == "degraded" and reasons == ["sources_failed"], h
c = h["last_collection"]
assert c["failed"] == c["sources"] > 0, h
assert "sources failed" in h["reasons"][0]["detail"], h'
assert_eq "$(gauge paperboy_health_status)" 1 "paperboy_health_status when degraded"
assert_eq "$(gauge 'paperboy_health_reason{reason="sources_failed"}')" 1 "sources_failed gauge"
n=$(gauge paperboy_collect_last_pass_sources)
assert_eq "$(gauge paperboy_collect_last_pass_failed)" "$n" "paperboy_collect_last_pass_failed"
sed -i "s|http://127.0.0.1:9|$FEED|" "$CFG"
pb collect >/dev/null 2>&1 || true
health 200 'assert h["status"] == "ok" and reasons == [], h
assert h["last_collection"]["finished"] is True and h["last_collection"]["finished_at"] > 0, h'
web_stop
# a source a stop signal cut short (no finished_at): not finished, not
# failed, and the pass is not degraded for it
sql "INSERT INTO collect_runs (source, day, started_at, ok) VALUES ('arxiv-rss:cs.LG', '2031-01-01', 1924992000, 0)"
web_start
health 200 'assert h["status"] == "ok" and reasons == [], h
c = h["last_collection"]
assert c["finished"] is False and c["finished_at"] == 0 and c["ok"] is False, h
assert c["failed"] == 0, h'
sql "DELETE FROM collect_runs WHERE started_at = 1924992000"
web_stop

# --- the relay refuses sessions: not degraded at once, degraded after
# 15 minutes; queued mail an hour old is not the reason yet
seed_papers $DAY
seed_subs 3 temp451-
pb send --date $DAY >/dev/null 2>&1 && fail "send over a closed port succeeded"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 3 "rows queued"
due() { sql "UPDATE outbox SET next_attempt_at = 0 WHERE state IN ('queued','deferred')"; }
due
web_start
for i in $(seq 1 50); do
    http GET /healthz
    case "$BODY" in *'"smtp_error":""'*) sleep 0.1 ;; *) break ;; esac
done
health 200 'assert h["status"] == "ok" and reasons == [], h
assert h["delivery"]["smtp_error"] == "smtp_unreachable", h
assert "127.0.0.1" not in json.dumps(h), h'
grep -q "cannot connect to 127.0.0.1 port 1" "$TMP/serve.log" || fail "the log does not name the relay"
web_stop
due
web_start PAPERBOY_TIME_OFFSET=1000
for i in $(seq 1 50); do
    http GET /healthz
    case "$BODY" in *smtp_unreachable*) break ;; *) sleep 0.1 ;; esac
done
health 200 'assert h["status"] == "degraded" and reasons == ["smtp_unreachable"], h
assert "SMTP unreachable for 16 minutes" in h["reasons"][0]["detail"], h
assert "127.0.0.1" not in json.dumps(h), h'
[ "$(gauge paperboy_smtp_unreachable_seconds)" -ge 1000 ] ||
    fail "paperboy_smtp_unreachable_seconds below 1000: $BODY"
assert_eq "$(gauge 'paperboy_health_reason{reason="smtp_unreachable"}')" 1 "smtp_unreachable gauge"
web_stop

# --- the relay answers but defers every recipient (451): the mail stays
# queued; over an hour old it is the one reason
smtp_start relay --faults
sed -i "s|^url = smtp://127.0.0.1:1\$|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"
due
web_start PAPERBOY_TIME_OFFSET=4000
for i in $(seq 1 50); do
    [ "$(sql "SELECT count(*) FROM outbox WHERE last_reply LIKE '%451%'")" = 3 ] && break
    sleep 0.1
done
health 200 'assert h["status"] == "degraded" and reasons == ["queue_stale"], h
assert h["oldest_queued_age_seconds"] >= 4000, h
assert h["delivery"]["smtp_unreachable_seconds"] == 0, h'
[ "$(gauge paperboy_outbox_oldest_age_seconds)" -ge 4000 ] ||
    fail "paperboy_outbox_oldest_age_seconds below 4000: $BODY"
assert_eq "$(gauge 'paperboy_health_reason{reason="queue_stale"}')" 1 "queue_stale gauge"

# --- the file zeroed under the running server (its connections still
# cache the pages): failing, 503, and the gauges say so
health 200 'assert h["database"] is True, h'
dd if=/dev/zero of="$TMP/db" bs=8192 count=$(($(stat -c %s "$TMP/db") / 8192)) \
    conv=notrunc 2>/dev/null
health 503 'assert h["status"] == "failing" and h["database"] is False, h
assert h["error"] == "database_unreadable", h'
grep -q "healthz: the database cannot be read: " "$TMP/serve.log" ||
    fail "the log does not say why the database cannot be read"
[ -n "$(header Retry-After)" ] || fail "no Retry-After with the 503"
assert_eq "$(gauge paperboy_health_status)" 2 "paperboy_health_status when failing"
assert_eq "$(gauge paperboy_database_readable)" 0 "paperboy_database_readable"
kill -KILL "$SERVE_PID" 2>/dev/null
wait "$SERVE_PID" 2>/dev/null
SERVE_PID=
pass
