#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 46-send-disk-full: the database's disk fills up while `send` delivers
# over SMTP.  Results SQLite cannot store must stay in the journal (its
# space is reserved before a message goes out), `send` exits 1 naming the
# cause, and once there is space again the next `send` records them and
# sends the rest: every subscriber gets exactly one message, none is lost.
# First the issue's case: the disk is full but SQLite's WAL still has
# reusable room, so the database accepts results for a while when no
# journal line can be written; once the WAL is used up the batch in
# flight was in neither store, and the old code sent it again at the next
# start (65-103 duplicates of 150).  Now no message goes out without its
# journal room: `send` stops at once naming the cause.
# Needs root to mount a small tmpfs; skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

N=150
DAY=2026-11-20
disk_mount
trap '[ -n "$HOLD" ] && kill $HOLD; smtp_stop; umount "$FS" 2>/dev/null; lib_cleanup' EXIT

seed_papers $DAY
seed_subs $N r
smtp_start sink --delay-ms 20
# queue the digests with room to spare (the relay is down: nothing goes)
disk_queue $N $DAY
disk_relay_up

# --- the disk is full, the WAL has room: the database would take
# results, the journal cannot take a line.  Nothing may go out.
disk_hold_wal
disk_fill 0
rc=0
pb send --date $DAY >"$TMP/send.out" 2>"$TMP/send.err" || rc=$?
# (the old code sent them while the WAL lasted, stored only part, and
# sent the rest again at the next send: 39 to 103 duplicates of 150)
assert_eq "$(msg_count "$TMP/sink")" 0 "messages sent without room to record them"
assert_eq "$rc" 1 "exit status of a send that cannot record results"
grep -q "cannot record delivery results: .*No space left on device" "$TMP/send.err" ||
    fail "the cause is not named: $(tail -3 "$TMP/send.err")"
kill $HOLD
wait $HOLD 2>/dev/null
HOLD=

# --- room for the journal's reserve: sending starts, then the disk fills
# up for good (SQLite's WAL and the journal's appends both fail)
disk_fill 320
"$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/send.out" 2>"$TMP/send.err" &
pid=$!
for i in $(seq 1 300); do
    [ "$(msg_count "$TMP/sink")" -ge 10 ] && break
    sleep 0.05
done
disk_fill 0
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 1 "exit status of the send that filled the disk"
grep -q -e "disk is full" -e "No space left" "$TMP/send.err" ||
    fail "the cause is not named: $(tail -5 "$TMP/send.err")"
first=$(msg_count "$TMP/sink")
[ "$first" -gt 0 ] || fail "nothing was sent before the disk filled: $(tail -5 "$TMP/send.err")"
echo "first send: $first messages, $(dbq "SELECT count(*) FROM outbox WHERE state = 'sent'") stored" >&2

# --- space is back: the journals are replayed, the rest is sent
rm -f "$FS/fill"
for r in 1 2; do
    pb send --date $DAY >"$TMP/final.out" 2>"$TMP/final.err" && break
done
assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE state != 'sent'")" 0 "rows not sent"
msgids "$TMP/sink" >"$TMP/ids"
total=$(wc -l <"$TMP/ids")
rcpts=$(cut -d' ' -f1 "$TMP/ids" | sort -u | wc -l)
assert_eq "$rcpts" $N "subscribers who got their digest (lost: $((N - rcpts)))"
assert_eq "$total" $N "messages at the server (duplicates: $((total - rcpts)))"
dbq "SELECT rcpt || ' ' || message_id FROM outbox" | sort >"$TMP/want"
sort -u "$TMP/ids" >"$TMP/got"
diff -q "$TMP/want" "$TMP/got" >/dev/null || fail "received Message-IDs differ from the outbox"
pass
