#!/bin/bash
# SPDX-License-Identifier: MIT
# 69-first-digest: the first-digest rule and `digest plan`.  A mailing
# takes the subscriptions confirmed before its scheduled time, even when
# it goes out late: a subscriber imported (or added) after today's mailing
# of a zone nobody was in yet is not mailed by the catch-up of that
# mailing (before the rule the daemon mailed him within 30 s), and gets
# his first digest at the zone's next mailing.  `digest plan` shows both.
# The daemon's clock is moved with PAPERBOY_TIME_OFFSET, the CLI's with
# PAPERBOY_NOW.
. "$(dirname "$0")/lib.sh"

# Tokyo's 06:00 today (T), the next one, and Berlin's last 06:00 before
# T + 30 min (C, the moment the subscriber is imported)
read -r T KDAY KNEXT BLAST BDAY < <(/usr/bin/python3 - <<'PYEOF'
import datetime, time, zoneinfo
k, b = zoneinfo.ZoneInfo("Asia/Tokyo"), zoneinfo.ZoneInfo("Europe/Berlin")
d = datetime.datetime.fromtimestamp(time.time(), k).date()
at = lambda d, z: int(datetime.datetime(d.year, d.month, d.day, 6, 0, tzinfo=z).timestamp())
t = at(d, k)
c = t + 1800
bd = datetime.datetime.fromtimestamp(c, b).date()
if at(bd, b) > c:
    bd -= datetime.timedelta(days=1)
print(t, d.isoformat(), (d + datetime.timedelta(days=1)).isoformat(), at(bd, b), bd.isoformat())
PYEOF
)
[ -n "$BDAY" ] || fail "could not compute the send times"
C=$((T + 1800))

sched_setup 06:00 Europe/Berlin

# ada (Berlin) for days; today's Berlin mailing is done
PAPERBOY_NOW=$((C - 3 * 86400)) expect_rc 0 pb subscriber add ada@example.org --list trending --confirmed
list_id=$(sql "SELECT id FROM lists WHERE name='trending'")
sql "INSERT INTO sched_runs (list_id, job, day, zone, done_at) VALUES ($list_id, 'send', '$BDAY', '', $BLAST)"
# dave and erin in Tokyo (a zone nobody was in), 30 minutes after its 06:00
printf 'email,timezone\ndave@example.org,Asia/Tokyo\nerin@example.org,Asia/Tokyo\n' >"$TMP/dave.csv"
PAPERBOY_NOW=$C expect_rc 0 pb subscriber import "$TMP/dave.csv" --list trending --confirmed

# jq-free JSON reads
plan_field() { # plan_field JSON ZONE FIELD
    /usr/bin/python3 -c 'import json,sys; r=[x for x in json.loads(sys.argv[1]) if x["zone"]==sys.argv[2]]; print(r[0][sys.argv[3]] if r else "")' "$@"
}

# --- 1. the plan: Tokyo's mailing of today is due (a catch-up), to nobody
export PAPERBOY_TIME_OFFSET=$((C - $(date +%s)))
expect_rc 0 pb digest plan --json
PLAN=$OUT
assert_eq "$(plan_field "$PLAN" Asia/Tokyo state)" due "Tokyo's state"
assert_eq "$(plan_field "$PLAN" Asia/Tokyo day)" "$KDAY" "Tokyo's day"
assert_eq "$(plan_field "$PLAN" Asia/Tokyo subscribers)" 0 "Tokyo's subscribers"
assert_eq "$(plan_field "$PLAN" Asia/Tokyo later)" 2 "Tokyo's later subscribers"
assert_eq "$(plan_field "$PLAN" Asia/Tokyo later_first_digest)" "$KNEXT 06:00" "their first digest"
assert_eq "$(plan_field "$PLAN" Europe/Berlin state)" scheduled "Berlin's state"
assert_eq "$(plan_field "$PLAN" Europe/Berlin subscribers)" 1 "Berlin's subscribers"
expect_rc 0 pb digest plan
assert_contains "$OUT" "Asia/Tokyo" "the plan table"
assert_contains "$OUT" "Europe/Berlin (default)" "the plan table"
expect_rc 2 pb digest plan --date tomorrow
expect_rc 1 pb digest plan --list nosuch
assert_contains "$ERR" "no list named 'nosuch'"
unset PAPERBOY_TIME_OFFSET


# --- 2. the daemon catches Tokyo's mailing up: nobody in it is mailed
sched_serve "$TMP/s1.log" $((C + 5))
wait_for "$TMP/s1.log" "sched: send list=trending zone='Asia/Tokyo' day=$KDAY" 300 ||
    { cat "$TMP/s1.log" >&2; fail "no catch-up of Tokyo's mailing"; }
grep -q "zone='Asia/Tokyo' day=$KDAY subscriptions=0 queued=0" "$TMP/s1.log" ||
    fail "the catch-up took the new subscribers: $(grep 'sched: send' "$TMP/s1.log")"
grep -q "zone='' " "$TMP/s1.log" && fail "Berlin was sent again"
sleep 2
assert_eq "$(nmail)" 0 "mails after the catch-up"
sched_stop

# --- 3. the plan now: Tokyo's next mailing goes to both
PAPERBOY_TIME_OFFSET=$((C + 60 - $(date +%s))) expect_rc 0 pb digest plan --json
assert_eq "$(plan_field "$OUT" Asia/Tokyo state)" scheduled "Tokyo's state after the catch-up"
assert_eq "$(plan_field "$OUT" Asia/Tokyo day)" "$KNEXT" "Tokyo's next day"
assert_eq "$(plan_field "$OUT" Asia/Tokyo subscribers)" 2 "Tokyo's next subscribers"
assert_eq "$(plan_field "$OUT" Asia/Tokyo later)" 0 "Tokyo's later subscribers"
PAPERBOY_TIME_OFFSET=$((C + 60 - $(date +%s))) expect_rc 0 pb digest plan --json --date "$KDAY"
assert_eq "$(plan_field "$OUT" Asia/Tokyo state)" sent "Tokyo's $KDAY mailing"

# --- 4. at Tokyo's next 06:00 both get their first digest
sched_serve "$TMP/s2.log" $((T + 86400 - 5))
wait_for "$TMP/s2.log" "sched: send list=trending zone='Asia/Tokyo' day=$KNEXT" 300 ||
    { cat "$TMP/s2.log" >&2; fail "no send at Tokyo's next mailing"; }
grep -q "zone='Asia/Tokyo' day=$KNEXT subscriptions=2 queued=2" "$TMP/s2.log" ||
    fail "the next mailing missed them: $(grep 'sched: send' "$TMP/s2.log")"
# (Berlin's next 06:00 has passed too by then: ada's digest may come)
ntokyo() { grep -liE "^To:.*(dave|erin)@example.org" "$TMP"/mail/new/* 2>/dev/null | wc -l; }
for _ in $(seq 1 100); do [ "$(ntokyo)" -ge 2 ] && break; sleep 0.1; done
assert_eq "$(ntokyo)" 2 "first digests"
grep -qi "^To:.*dave@example.org" "$TMP"/mail/new/* || fail "no digest for dave"
grep -qi "^To:.*erin@example.org" "$TMP"/mail/new/* || fail "no digest for erin"
sched_stop
pass
