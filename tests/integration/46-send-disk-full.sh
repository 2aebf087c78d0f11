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

[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs for the full disk"
N=150
DAY=2026-11-20
FS=$TMP/fs
mkdir "$FS"
mount -t tmpfs -o size=8m,mode=0700 tmpfs "$FS" 2>"$TMP/mount.err" ||
    skip "cannot mount a tmpfs: $(cat "$TMP/mount.err")"
trap 'smtp_stop; umount "$FS" 2>/dev/null; lib_cleanup' EXIT

seed_papers $DAY
seed_subs $N r
smtp_start sink --delay-ms 20
# queue the digests with room to spare (the relay is down: nothing goes)
mv "$TMP/db" "$FS/db"
sed -i "s|^path = .*|path = $FS/db|" "$CFG"
dbq() { sqlite3 -batch "$FS/db" "$1"; }
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:1"
cfg_add "starttls = off"
cfg_add "connections = 1"
pb send --date $DAY >/dev/null 2>&1 || true
assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE state = 'queued'")" $N "rows queued"
dbq "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
sed -i "s|^url = smtp://127.0.0.1:1\$|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"

fill() { # fill the tmpfs, leaving about $1 KiB
    rm -f "$FS/fill"
    dd if=/dev/zero of="$FS/fill" bs=4k 2>/dev/null || true
    [ "$1" = 0 ] || truncate -s "-$1K" "$FS/fill"
}

# hold_wal: a connection that keeps the database open with a WAL of a few
# reusable frames (written, then checkpointed), so commits go on after the
# disk is full until those frames are used up; HOLD is its pid
hold_wal() {
    rm -f "$TMP/held"
    /usr/bin/python3 - "$FS/db" "$TMP/held" <<'PYEOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
c.execute("CREATE TABLE pad (x BLOB)")
for i in range(5):
    c.execute("INSERT INTO pad VALUES (randomblob(7000))")
c.execute("COMMIT")
c.execute("DROP TABLE pad")
busy, frames, done = c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
assert busy == 0 and frames == done > 0, (busy, frames, done)
open(sys.argv[2], "w").close()
while True:
    time.sleep(1)
PYEOF
    HOLD=$!
    for i in $(seq 1 100); do [ -e "$TMP/held" ] && return; sleep 0.05; done
    fail "the WAL holder did not start"
}
HOLD=
trap '[ -n "$HOLD" ] && kill $HOLD; smtp_stop; umount "$FS" 2>/dev/null; lib_cleanup' EXIT

# --- the disk is full, the WAL has room: the database would take
# results, the journal cannot take a line.  Nothing may go out.
hold_wal
fill 0
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
fill 320
"$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/send.out" 2>"$TMP/send.err" &
pid=$!
for i in $(seq 1 300); do
    [ "$(msg_count "$TMP/sink")" -ge 10 ] && break
    sleep 0.05
done
fill 0
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
