#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 44-send-sigterm: SIGTERM during `paperboy send` stops taking new work,
# finishes (or, for a stalled server, cuts) the messages in flight and
# exits within 10 seconds with status 130 (as collect and import), its summary ending in
# "; interrupted" and stderr saying how many messages stay queued; every message the server accepted is recorded
# as sent, nothing is left in 'sending', and a later send finishes the job
# without duplicates.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

DAY=2026-11-20
seed_papers $DAY
seed_subs 1 stall   # id 1: claimed first, its RCPT never answered
seed_subs 60 r
smtp_start sink --faults --delay-ms 100
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "connections = 2"
cfg_add "timeout = 60"

"$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/send.out" 2>"$TMP/send.err" &
pid=$!
for i in $(seq 1 300); do
    [ "$(msg_count "$TMP/sink")" -ge 3 ] && break
    sleep 0.1
done
[ "$(msg_count "$TMP/sink")" -ge 3 ] || fail "sending did not start"
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "exited $rc after ${ms} ms" >&2
[ "$ms" -le 10000 ] || fail "send took ${ms} ms to stop after SIGTERM"
assert_eq "$rc" 130 "exit status after SIGTERM"
assert_contains "$(cat "$TMP/send.err")" "stopping" "stderr after SIGTERM"
assert_contains "$(cat "$TMP/send.out")" "; interrupted" "the summary says it was interrupted"
assert_contains "$(cat "$TMP/send.err")" "messages stay queued for the next send" "what is left"
got=$(msg_count "$TMP/sink")
[ "$got" -lt 60 ] || fail "all mail went out; SIGTERM came too late to test"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sending'")" 0 "rows left in sending"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" "$got" "sent rows = messages accepted"

# the rest goes out later, once each; the stalled address is the one
# deferred row (a message that had not gone out when the run stopped went
# back to the queue, it was not deferred)
assert_eq "$(sql "SELECT group_concat(rcpt) FROM outbox WHERE state = 'deferred'")" \
    stall1@example.org "deferred after SIGTERM"
pb send --date $DAY >/dev/null 2>&1
assert_eq "$(msg_count "$TMP/sink")" 60 "messages in the end"
assert_eq "$(msgids "$TMP/sink" | cut -d' ' -f1 | sort -u | wc -l)" 60 "distinct recipients"
assert_eq "$(sql "SELECT state FROM outbox WHERE rcpt = 'stall1@example.org'")" deferred "the stalled message"
smtp_stop

# a server that accepts connections and never sends its greeting: SIGTERM
# must still end the run within 10 s, and the mail stays queued
D2=2026-11-21
seed_papers $D2
seed_subs 3 mute
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$TMP/mute.port" &
SMTP_PIDS="$SMTP_PIDS $!"
for i in $(seq 1 50); do [ -s "$TMP/mute.port" ] && break; sleep 0.1; done
sed -i "s|^url = .*|url = smtp://127.0.0.1:$(head -n1 "$TMP/mute.port")|" "$CFG"
PAPERBOY_NOW=$(date -u -d "$D2 12:00" +%s) "$PAPERBOY" -c "$CFG" send --date $D2 >"$TMP/mute.out" 2>"$TMP/mute.err" &
pid=$!
for i in $(seq 1 100); do
    [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sending'")" -gt 0 ] && break
    sleep 0.1
done
[ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sending'")" -gt 0 ] ||
    fail "no mail was being sent to the mute server: $(cat "$TMP/mute.err")"
sleep 0.5
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "mute server: exited after ${ms} ms" >&2
[ "$ms" -le 10000 ] || fail "send took ${ms} ms to stop with a mute server"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sending'")" 0 "rows left in sending (mute server)"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND digest_id IN (SELECT id FROM digests WHERE day = '$D2')")" 0 "sent to a mute server"
pass
