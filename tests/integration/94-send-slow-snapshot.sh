#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 94-send-slow-snapshot: a delivery worker does not hold its renders' read
# snapshot while it waits on a slow server.  The renders of one claim share
# one snapshot (mail/deliver.c), which is closed before a wait on a server
# that was slow on the last message; an open snapshot would keep every
# checkpoint from finishing for as long as the server takes.  A server
# that answers each message's content after 1 s, one session, six
# digests in one claim: while the send waits, another connection's
# `PRAGMA wal_checkpoint(TRUNCATE)` (which needs no reader on the WAL),
# tried every 0.1 s, must succeed more often than not (a snapshot held
# across the waits makes nearly every one busy), and everything is
# delivered once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

DAY=2026-11-20
seed_papers $DAY
seed_subs 6 r
smtp_start sink --delay-ms 1000
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "connections = 1"
cfg_add "timeout = 60"

"$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/send.out" 2>"$TMP/send.err" &
pid=$!
# from the second message's wait on (the first slow exchange tells the
# worker the server is slow), poll TRUNCATE checkpoints until the send ends
/usr/bin/python3 - "$TMP/db" "$pid" "$TMP/sink" >"$TMP/ckpt.out" 2>&1 <<'PY' || true
import os, sqlite3, sys, time
db, pid, sink = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False

def delivered():
    return len([f for f in os.listdir(sink) if f.endswith(".eml")])

deadline = time.time() + 60
while delivered() < 2 and alive() and time.time() < deadline:
    time.sleep(0.05)
ok = busy = 0
c = sqlite3.connect(db, timeout=0)
while alive() and delivered() < 5 and time.time() < deadline:
    try:
        b, log, done = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError:
        b = 1
    if b == 0:
        ok += 1
    else:
        busy += 1
    time.sleep(0.1)
print("ok %d busy %d delivered %d" % (ok, busy, delivered()))
PY
wait "$pid"
rc=$?
cat "$TMP/ckpt.out" >&2
assert_eq "$rc" 0 "send's exit status"
ok=$(awk '/^ok /{print $2}' "$TMP/ckpt.out")
busy=$(awk '/^ok /{print $4}' "$TMP/ckpt.out")
[ -n "$ok" ] && [ -n "$busy" ] ||
    fail "the checkpoint probe did not run: $(cat "$TMP/ckpt.out")"
# (a claim's snapshot held across the waits: nearly every probe busy)
[ "$ok" -gt "$busy" ] ||
    fail "checkpoints mostly could not finish while the send waited on the server ($(cat "$TMP/ckpt.out"))"
assert_eq "$(msg_count "$TMP/sink")" 6 "messages delivered"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" 6 "rows sent"
pass
