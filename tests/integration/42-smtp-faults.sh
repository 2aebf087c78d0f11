#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 42-smtp-faults: a fault-injecting aiosmtpd (421/451 at RCPT, 550 5.1.1,
# 550 5.7.1, connection dropped after DATA, a stalled RCPT, greylisting).
# Time is driven with PAPERBOY_NOW: deferred rows get next_attempt_at =
# now + 1, 2, 4, ... 60 minutes; give-up turns them into failed with the
# last reply; bounces are recorded and suspend the subscription after
# [smtp] bounce_limit_unknown_user (5.1.1) or [smtp] bounce_limit others;
# a message over the server's SIZE fails before it is sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

D1=2026-11-20
D2=2026-11-21
D3=2026-11-22
seed_papers $D1
seed_papers $D2
seed_papers $D3
seed_subs 3 ok
for who in temp451a temp421a unknown1 reject1 drop1 flaky1 stall1; do
    seed_subs 1 "$who-"
done
smtp_start faults --faults
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "timeout = 2"
cfg_add "connections = 2"
cfg_add "give_up_after = 3h"

state() { sql "SELECT state FROM outbox WHERE rcpt LIKE '$1%' AND digest_id IN (SELECT id FROM digests WHERE day='${2:-$D1}')"; }
field() { sql "SELECT $2 FROM outbox WHERE rcpt LIKE '$1%' AND digest_id IN (SELECT id FROM digests WHERE day='${3:-$D1}')"; }
substatus() { sql "SELECT s.status || ' ' || s.hard_bounces FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email LIKE '$1%'"; }

T0=1795000000
PAPERBOY_NOW=$T0 expect_rc 1 pb send --date $D1
assert_contains "$OUT" "queued 10" "first send"
assert_contains "$OUT" "delivered 3" "first send"
assert_contains "$OUT" "bounced 2" "first send"
assert_eq "$(msg_count "$TMP/faults")" 3 "messages accepted"
for who in temp451a temp421a drop1 flaky1 stall1; do
    assert_eq "$(state $who)" deferred "state of $who"
    assert_eq "$(field $who next_attempt_at)" $((T0 + 60)) "first retry of $who"
done
assert_contains "$(field temp451a last_reply)" "451 4.3.0" "reply of temp451a"
assert_contains "$(field temp421a last_reply)" "421 4.4.2" "reply of temp421a"
assert_contains "$(field drop1 last_reply)" "connection lost" "reply of drop1"
assert_contains "$(field stall1 last_reply)" "connection lost" "reply of stall1"
assert_eq "$(state unknown1)" bounced "state of unknown1"
assert_contains "$(field unknown1 last_reply)" "550 5.1.1" "reply of unknown1"
assert_eq "$(substatus unknown1)" "bounced 1" "5.1.1 suspends at once"
assert_eq "$(state reject1)" bounced "state of reject1"
assert_eq "$(substatus reject1)" "confirmed 1" "one policy bounce does not suspend"

# nothing is due before the retry time
PAPERBOY_NOW=$((T0 + 59)) expect_rc 0 pb send --date $D1
assert_contains "$OUT" "delivered 0, deferred 0" "send before the retry time"

# at the retry time the greylisted address gets through, exactly once
PAPERBOY_NOW=$((T0 + 60)) expect_rc 1 pb send --date $D1
assert_eq "$(state flaky1)" sent "flaky1 after its retry"
assert_eq "$(msgids "$TMP/faults" | grep -c flaky1)" 1 "copies for flaky1"
assert_eq "$(field temp451a attempts)" 2 "attempts of temp451a"

# the schedule: 60, 120, 240, ... capped at 3600 seconds; then give-up
now=$((T0 + 60))
deltas="60"
for i in $(seq 1 15); do
    st=$(state temp451a)
    [ "$st" = deferred ] || break
    next=$(field temp451a next_attempt_at)
    deltas="$deltas $((next - now))"
    now=$next
    PAPERBOY_NOW=$now expect_rc 1 pb send --date $D1
done
assert_eq "$(state temp451a)" failed "temp451a after give_up_after"
assert_eq "$deltas" "60 120 240 480 960 1920 3600 3600" "retry delays"
assert_contains "$(field temp451a last_reply)" "451 4.3.0" "the failure keeps the last reply"
[ $((now - T0)) -ge 10800 ] || fail "gave up after $((now - T0))s, before 3h"
for who in temp421a drop1 stall1; do
    assert_eq "$(state $who)" failed "state of $who after give-up"
done
assert_eq "$(msg_count "$TMP/faults")" 4 "messages accepted in the end"

# operator retry: the row is queued again with a fresh give-up clock
id=$(field temp451a id)
expect_rc 0 pb outbox retry "$id"
assert_eq "$(state temp451a)" queued "after outbox retry"
expect_rc 1 pb outbox retry 999999
assert_contains "$ERR" "no outbox row" "retry of a missing row"

# policy rejections: suspended at the third hard bounce
PAPERBOY_NOW=$((T0 + 86400)) expect_rc 1 pb send --date $D2
assert_eq "$(substatus reject1)" "confirmed 2" "after the second bounce"
PAPERBOY_NOW=$((T0 + 2 * 86400)) expect_rc 1 pb send --date $D3
assert_eq "$(substatus reject1)" "bounced 3" "after the third bounce"
# a suspended subscription gets no digest and no queued row
n=$(msg_count "$TMP/faults")
PAPERBOY_NOW=$((T0 + 2 * 86400 + 7200)) pb send --date $D3 >/dev/null 2>&1
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE rcpt LIKE 'unknown1%' AND state IN ('queued','deferred')")" 0 "rows for a suspended address"
assert_eq "$(msgids "$TMP/faults" | grep -c -e unknown1 -e reject1)" 0 "mail to bounced addresses"
smtp_stop

# SIZE: a server announcing 2000 bytes; the digest is larger -> failed
# before any data is sent, with the reason stored
smtp_start small --size 2000
sed -i "s|^url = .*|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"
seed_subs 1 big
PAPERBOY_NOW=$((T0 + 3 * 86400)) expect_rc 1 pb send --date $D3
assert_eq "$(state big1 $D3)" failed "message over SIZE"
assert_contains "$(field big1 last_reply $D3)" "exceeds the server's SIZE limit of 2000" "SIZE reason"
assert_eq "$(msg_count "$TMP/small")" 0 "messages accepted over SIZE"
pass
