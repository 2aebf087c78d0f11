#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 85-send-concurrent: two `paperboy send` of the same day at once (as a
# manual send racing the daemon's scheduled freeze): both plan the same
# digests, the second to write finds them frozen by the first and queues
# those instead of failing on UNIQUE(subscription_id, day).  Both exit 0
# (the one without the delivery lock leaves the sending to the other), and
# every subscriber gets exactly one message.  Three rounds, so that the
# race happens.  Then a FIFO planted where a delivery journal goes: `send`
# refuses it at once with a clear error (it used to block in open(2)),
# and sends once it is gone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

N=300
DAY=2026-11-20
seed_papers $DAY
# the first run makes the secret file (two first runs at once race for it)
pb send --date $DAY >/dev/null 2>&1 || fail "a send with no subscribers"
total=0
# three rounds, each with N new subscribers, so that the race happens
for round in 1 2 3; do
    seed_subs $N "k$round-"
    "$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/a.out" 2>"$TMP/a.err" &
    a=$!
    "$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/b.out" 2>"$TMP/b.err" &
    b=$!
    rca=0
    rcb=0
    wait $a || rca=$?
    wait $b || rcb=$?
    [ "$rca" = 0 ] || fail "round $round: first send exited $rca: $(cat "$TMP/a.err")"
    [ "$rcb" = 0 ] || fail "round $round: second send exited $rcb: $(cat "$TMP/b.err")"
    total=$((total + N))
    assert_eq "$(sql "SELECT count(*) FROM digests")" $total "round $round: digests"
    assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" $total \
        "round $round: rows sent"
    assert_eq "$(find "$TMP/mail/new" -type f | wc -l)" $total "round $round: messages"
done
# one message per subscriber
assert_eq "$(grep -h -m1 '^To: ' "$TMP"/mail/new/* | sort -u | wc -l)" $total "recipients"
assert_eq "$(grep -h -i -m1 '^Message-ID:' "$TMP"/mail/new/* | sort -u | wc -l)" $total \
    "distinct Message-IDs"

# --- a FIFO where a delivery journal goes
seed_subs 10 f
mkfifo "$TMP/db-sent0"
rc=0
timeout 20 "$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/f.out" 2>"$TMP/f.err" || rc=$?
[ "$rc" != 124 ] || fail "send blocked on the FIFO"
assert_eq "$rc" 1 "exit status with a FIFO as journal"
assert_contains "$(cat "$TMP/f.err")" "is not a regular file" "the error"
assert_eq "$(find "$TMP/mail/new" -type f | wc -l)" $total "messages sent with a FIFO as journal"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 10 "rows queued"
rm "$TMP/db-sent0"
pb send --date $DAY >/dev/null 2>&1 || fail "send after the FIFO is gone"
assert_eq "$(find "$TMP/mail/new" -type f | wc -l)" $((total + 10)) "messages in the end"
pass
