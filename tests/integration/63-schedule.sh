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
# collected, so no mail) and never a second time.  A subscriber in
# Asia/Kathmandu (+05:45) gets nothing at Berlin's send_at and his digest
# at send_at Kathmandu time.  libcurl is mapped into serve neither before
# the collect nor after it.
. "$(dirname "$0")/lib.sh"

ZONE=Europe/Berlin

# send_at: the next whole minute at least 60 s from now, in $ZONE
now=$(date +%s)
SEND=$(( (now + 60 + 59) / 60 * 60 ))
SEND_AT=$(TZ=$ZONE date -d "@$SEND" +%H:%M)
DAY=$(TZ=$ZONE date -d "@$SEND" +%F)
PREV=$(TZ=$ZONE date -d "@$((SEND - 86400))" +%F)
NEXT=$(TZ=$ZONE date -d "@$((SEND + 86400))" +%F)
echo "send_at $SEND_AT $ZONE (unix $SEND), day $DAY"
# Kathmandu: the last send before the test starts and the next one
read -r KSEND KPREV KDAY < <(/usr/bin/python3 - "$SEND" "$SEND_AT" <<'PYEOF'
import datetime, sys, zoneinfo
send, (hh, mm) = int(sys.argv[1]), map(int, sys.argv[2].split(":"))
z = zoneinfo.ZoneInfo("Asia/Kathmandu")
now = send - 6
def at(d):
    return int(datetime.datetime(d.year, d.month, d.day, hh, mm, tzinfo=z).timestamp())
d = datetime.datetime.fromtimestamp(now, z).date()
last = d if at(d) <= now else d - datetime.timedelta(days=1)
nxt = last + datetime.timedelta(days=1)
print(at(nxt), last.isoformat(), nxt.isoformat())
PYEOF
)
[ -n "$KDAY" ] || fail "could not compute Kathmandu's send time"
echo "Kathmandu: next send unix $KSEND, day $KDAY"

sched_setup "$SEND_AT" "$ZONE"

expect_rc 0 pb subscriber add ada@example.org --list trending --confirmed --keywords "language model"
printf 'email,timezone\ndave@example.org,Asia/Kathmandu\n' >"$TMP/dave.csv"
expect_rc 0 pb subscriber import "$TMP/dave.csv" --list trending --confirmed
assert_eq "$(sql "SELECT timezone FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'dave@example.org'")" "Asia/Kathmandu" "dave's zone"
# the daemon ran yesterday: yesterday's send is done (no catch-up now)
list_id=$(sql "SELECT id FROM lists WHERE name='trending'")
sql "INSERT INTO sched_runs (list_id, job, day, zone, done_at) VALUES ($list_id, 'send', '$PREV', '', $now)"
sql "INSERT INTO sched_runs (list_id, job, day, zone, done_at) VALUES ($list_id, 'send', '$KPREV', 'Asia/Kathmandu', $now)"

# passes LOG: number of scheduler passes so far
passes() { grep -c "sched: next pass in" "$1"; }

# --- 1. the daemon's clock 6 s before send_at: nothing yet
sched_serve "$TMP/s1.log" $((SEND - 6))
wait_for "$TMP/s1.log" "sched: next pass in" 50 || fail "no scheduler pass"
grep -q "sched: send" "$TMP/s1.log" && fail "sent before send_at: $(grep 'sched: send' "$TMP/s1.log")"
grep -q "sched: collect" "$TMP/s1.log" && fail "collected before send_at"
# libcurl is loaded only while a collect runs (daemon/fetch_curl.c)
grep -q "/libcurl" "/proc/$SPID/maps" && fail "libcurl loaded before any collect"
assert_eq "$(nmail)" 0 "mails before send_at"

# --- 2. at send_at: collect, then send, then the mail arrives
wait_for "$TMP/s1.log" "sched: send list=trending zone='' day=$DAY" 300 ||
    { cat "$TMP/s1.log" >&2; fail "no send at send_at"; }
grep -q "sched: send list=trending zone='' day=$DAY.*queued=1" "$TMP/s1.log" ||
    fail "the send queued nothing: $(grep 'sched: send' "$TMP/s1.log")"
c=$(grep -n "sched: collected list=trending" "$TMP/s1.log" | head -n1 | cut -d: -f1)
s=$(grep -n "sched: send list=trending" "$TMP/s1.log" | head -n1 | cut -d: -f1)
[ -n "$c" ] && [ "$c" -lt "$s" ] || fail "the send did not come after its collect"
grep -q "/libcurl" "/proc/$SPID/maps" && fail "libcurl still loaded after the collect"
for _ in $(seq 1 100); do [ "$(nmail)" -ge 1 ] && break; sleep 0.1; done
assert_eq "$(nmail)" 1 "mails after send_at"
grep -qi "^To:.*ada@example.org" "$TMP"/mail/new/* "$TMP"/mail/cur/* 2>/dev/null ||
    fail "the digest is not addressed to ada"
grep -q "zone='Asia/Kathmandu'" "$TMP/s1.log" && fail "Kathmandu was sent at Berlin's send_at"
grep -qi "^To:.*dave@example.org" "$TMP"/mail/new/* 2>/dev/null && fail "dave got mail at Berlin's send_at"
sched_stop

# --- 3. a restart a minute later sends nothing again
sched_serve "$TMP/s2.log" $((SEND + 60))
wait_for "$TMP/s2.log" "sched: next pass in" 50 || fail "no pass after restart"
kill -USR1 "$SPID"
for _ in $(seq 1 50); do [ "$(passes "$TMP/s2.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(passes "$TMP/s2.log")" -ge 2 ] || fail "SIGUSR1 did not run the scheduler"
grep -q "sched: send" "$TMP/s2.log" && fail "sent again after a restart: $(grep 'sched: send' "$TMP/s2.log")"
assert_eq "$(nmail)" 1 "mails after a restart"
sched_stop

# --- 3b. send_at in Kathmandu: dave's digest, for his local day
sched_serve "$TMP/k.log" $((KSEND - 5))
wait_for "$TMP/k.log" "sched: send list=trending zone='Asia/Kathmandu' day=$KDAY" 200 ||
    { cat "$TMP/k.log" >&2; fail "no send at send_at in Kathmandu"; }
grep -q "zone='Asia/Kathmandu' day=$KDAY.*queued=1" "$TMP/k.log" ||
    fail "Kathmandu's send queued nothing: $(grep 'sched: send' "$TMP/k.log")"
grep -q "sched: send list=trending zone=''" "$TMP/k.log" && fail "Berlin's zone was sent again"
for _ in $(seq 1 100); do [ "$(nmail)" -ge 2 ] && break; sleep 0.1; done
assert_eq "$(nmail)" 2 "mails after Kathmandu's send_at"
grep -qi "^To:.*dave@example.org" "$TMP"/mail/new/* || fail "no digest for dave"
sched_stop

# --- 4. down over the next send time: caught up once at start
sched_serve "$TMP/s3.log" $((SEND + 86400 + 3600))
wait_for "$TMP/s3.log" "sched: send list=trending zone='' day=$NEXT" 100 ||
    { cat "$TMP/s3.log" >&2; fail "the missed day was not caught up"; }
grep -q "day=$NEXT.*(catch-up)" "$TMP/s3.log" || fail "the catch-up is not logged as one"
grep -q "day=$NEXT.*queued=0" "$TMP/s3.log" || fail "an empty day queued mail"
sched_stop
sched_serve "$TMP/s4.log" $((SEND + 86400 + 3700))
wait_for "$TMP/s4.log" "sched: next pass in" 50 || fail "no pass"
grep -q "sched: send" "$TMP/s4.log" && fail "caught up twice: $(grep 'sched: send' "$TMP/s4.log")"
sched_stop
assert_eq "$(nmail)" 2 "mails at the end"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE job='send' AND zone='' AND day='$DAY'")" 1 "send rows for $DAY"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE job='send' AND zone='' AND day='$NEXT'")" 1 "send rows for $NEXT"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE job='send' AND zone='Asia/Kathmandu' AND day='$KDAY'")" 1 "Kathmandu send rows for $KDAY"
pass
