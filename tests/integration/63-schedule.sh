#!/bin/bash
# SPDX-License-Identifier: MIT
# 63-schedule: the daemon's scheduler end to end.  [schedule] send_at is
# set a minute or two ahead of the real clock in Europe/Berlin, and the
# test hook PAPERBOY_TIME_OFFSET moves the daemon's clock to a few
# seconds before it, so the test does not wait for the minute to come.
# Checks: nothing is sent early; at send_at the list is collected (from
# file:// fixtures) and then the digest lands in the maildir; a restart
# does not send it again; after "downtime" over the next send time the
# missed day is caught up once at start (an empty day: nothing new was
# collected, so no mail) and never a second time.
. "$(dirname "$0")/lib.sh"

SHARED_DIR=${SHARED_DIR:-$SRC_DIR/../shared}
FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "fixtures missing in $FIX"
ZONE=Europe/Berlin

SPID=
cleanup() {
    [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
    lib_cleanup
}
trap cleanup EXIT

mkdir -p "$TMP/feeds"
for c in cs.LG cs.CL cs.CV cs.AI; do cp "$FIX/arxiv_rss_cs_LG.xml" "$TMP/feeds/$c"; done
cp "$FIX/hf_daily_papers.json" "$TMP/feeds/hf"

# send_at: the next whole minute at least 60 s from now, in $ZONE
now=$(date +%s)
SEND=$(( (now + 60 + 59) / 60 * 60 ))
SEND_AT=$(TZ=$ZONE date -d "@$SEND" +%H:%M)
DAY=$(TZ=$ZONE date -d "@$SEND" +%F)
PREV=$(TZ=$ZONE date -d "@$((SEND - 86400))" +%F)
NEXT=$(TZ=$ZONE date -d "@$((SEND + 86400))" +%F)
echo "send_at $SEND_AT $ZONE (unix $SEND), day $DAY"

cfg_add "[web]"
cfg_add "listen = 127.0.0.1:0"
cfg_add "root = $SRC_DIR/web"
cfg_add "[sources]"
cfg_add "arxiv_rss_url = file://$TMP/feeds/"
cfg_add "arxiv_api_url = file://$TMP/feeds/api"
cfg_add "hf_daily_url = file://$TMP/feeds/hf"
cfg_add "[schedule]"
cfg_add "send_at = $SEND_AT"
cfg_add "timezone = $ZONE"

expect_rc 0 pb subscriber add ada@example.org --list trending --confirmed --keywords "language model"
# the daemon ran yesterday: yesterday's send is done (no catch-up now)
list_id=$(sql "SELECT id FROM lists WHERE name='trending'")
sql "INSERT INTO sched_runs (list_id, job, day, zone, done_at) VALUES ($list_id, 'send', '$PREV', '', $now)"

nmail() { find "$TMP/mail/new" "$TMP/mail/cur" -type f 2>/dev/null | wc -l; }
wait_for() { # wait_for FILE PATTERN [TENTHS]
    local i
    for i in $(seq 1 "${3:-100}"); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# start_serve LOG CLOCK: serve with its clock at unix time CLOCK (now)
start_serve() {
    : >"$1"
    PAPERBOY_TIME_OFFSET=$(($2 - $(date +%s))) \
        "$PAPERBOY" -c "$CFG" --log-level debug serve 2>"$1" &
    SPID=$!
    wait_for "$1" "serve: ready" || { cat "$1" >&2; fail "serve did not start"; }
}
stop_serve() {
    kill -TERM "$SPID"
    wait "$SPID" || fail "serve exited non-zero"
    SPID=
}
# passes LOG: number of scheduler passes so far
passes() { grep -c "sched: next pass in" "$1"; }

# --- 1. the daemon's clock 6 s before send_at: nothing yet
start_serve "$TMP/s1.log" $((SEND - 6))
wait_for "$TMP/s1.log" "sched: next pass in" 50 || fail "no scheduler pass"
grep -q "sched: send" "$TMP/s1.log" && fail "sent before send_at: $(grep 'sched: send' "$TMP/s1.log")"
grep -q "sched: collect" "$TMP/s1.log" && fail "collected before send_at"
assert_eq "$(nmail)" 0 "mails before send_at"

# --- 2. at send_at: collect, then send, then the mail arrives
wait_for "$TMP/s1.log" "sched: send list=trending zone='' day=$DAY" 300 ||
    { cat "$TMP/s1.log" >&2; fail "no send at send_at"; }
grep -q "sched: send list=trending zone='' day=$DAY.*queued=1" "$TMP/s1.log" ||
    fail "the send queued nothing: $(grep 'sched: send' "$TMP/s1.log")"
c=$(grep -n "sched: collected list=trending" "$TMP/s1.log" | head -n1 | cut -d: -f1)
s=$(grep -n "sched: send list=trending" "$TMP/s1.log" | head -n1 | cut -d: -f1)
[ -n "$c" ] && [ "$c" -lt "$s" ] || fail "the send did not come after its collect"
for _ in $(seq 1 100); do [ "$(nmail)" -ge 1 ] && break; sleep 0.1; done
assert_eq "$(nmail)" 1 "mails after send_at"
grep -qi "^To:.*ada@example.org" "$TMP"/mail/new/* "$TMP"/mail/cur/* 2>/dev/null ||
    fail "the digest is not addressed to ada"
stop_serve

# --- 3. a restart a minute later sends nothing again
start_serve "$TMP/s2.log" $((SEND + 60))
wait_for "$TMP/s2.log" "sched: next pass in" 50 || fail "no pass after restart"
kill -USR1 "$SPID"
for _ in $(seq 1 50); do [ "$(passes "$TMP/s2.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(passes "$TMP/s2.log")" -ge 2 ] || fail "SIGUSR1 did not run the scheduler"
grep -q "sched: send" "$TMP/s2.log" && fail "sent again after a restart: $(grep 'sched: send' "$TMP/s2.log")"
assert_eq "$(nmail)" 1 "mails after a restart"
stop_serve

# --- 4. down over the next send time: caught up once at start
start_serve "$TMP/s3.log" $((SEND + 86400 + 3600))
wait_for "$TMP/s3.log" "sched: send list=trending zone='' day=$NEXT" 100 ||
    { cat "$TMP/s3.log" >&2; fail "the missed day was not caught up"; }
grep -q "day=$NEXT.*(catch-up)" "$TMP/s3.log" || fail "the catch-up is not logged as one"
grep -q "day=$NEXT.*queued=0" "$TMP/s3.log" || fail "an empty day queued mail"
stop_serve
start_serve "$TMP/s4.log" $((SEND + 86400 + 3700))
wait_for "$TMP/s4.log" "sched: next pass in" 50 || fail "no pass"
grep -q "sched: send" "$TMP/s4.log" && fail "caught up twice: $(grep 'sched: send' "$TMP/s4.log")"
stop_serve
assert_eq "$(nmail)" 1 "mails at the end"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE job='send' AND day='$DAY'")" 1 "send rows for $DAY"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE job='send' AND day='$NEXT'")" 1 "send rows for $NEXT"
pass
