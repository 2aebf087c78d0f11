#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 43-send-kill9: crash safety.  2,000 confirmed subscribers; `paperboy
# send` against aiosmtpd is killed with SIGKILL at random moments several
# times, then run to the end.  Every subscriber must get their digest; the
# only duplicates allowed are the messages in flight at each kill (at most
# [smtp] connections per kill), and a duplicate carries the same
# Message-ID as the first copy.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

N=${PB_KILL_SUBSCRIBERS:-2000}
KILLS=${PB_KILLS:-5}
CONN=${PB_KILL_CONN:-4}
DAY=2026-11-20
seed_papers $DAY
seed_subs "$N" reader
smtp_start sink --delay-ms 3
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "connections = $CONN"
cfg_add "timeout = 10"

sent() { sql "SELECT count(*) FROM outbox WHERE state = 'sent'" 2>/dev/null || echo 0; }
kills=0
# first kill: at a random moment while the digests are being frozen
"$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/run0.out" 2>"$TMP/run0.err" &
pid=$!
sleep "$(awk -v s="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + (s % 100) / 100 }')"
kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
wait "$pid" 2>/dev/null
echo "kill 0 (freezing): $(sql "SELECT count(*) FROM outbox") rows queued" >&2
# then kills at random moments while mail is going out
for k in $(seq 1 "$KILLS"); do
    before=$(sent)
    "$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/run$k.out" 2>"$TMP/run$k.err" &
    pid=$!
    for i in $(seq 1 600); do # wait (at most 60 s) until sending started
        [ "$(sent)" -gt "$before" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    sleep "$(awk -v s="$RANDOM" 'BEGIN { printf "%.2f", (s % 40) / 100 }')"
    if kill -9 "$pid" 2>/dev/null; then
        kills=$((kills + 1))
        wait "$pid" 2>/dev/null
    else # it ended before the kill: say how (it failed once under TSan)
        wait "$pid" 2>/dev/null
        echo "send $k ended before its kill (status $?):" >&2
        tail -n 5 "$TMP/run$k.err" >&2
    fi
    echo "kill $k: $(msg_count "$TMP/sink") messages so far" >&2
done
[ "$kills" -ge 2 ] || fail "only $kills kills landed while sending; slow the server down"

# resume and finish (bounded: each run makes progress)
for r in 1 2 3; do
    pb send --date $DAY >"$TMP/final.out" 2>"$TMP/final.err" && break
done
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state != 'sent'")" 0 "rows not sent"
assert_eq "$(sql "SELECT count(*) FROM outbox")" "$N" "outbox rows (one per subscriber)"

msgids "$TMP/sink" >"$TMP/ids"
total=$(wc -l <"$TMP/ids")
rcpts=$(cut -d' ' -f1 "$TMP/ids" | sort -u | wc -l)
pairs=$(sort -u "$TMP/ids" | wc -l)
dups=$((total - rcpts))
echo "messages $total, recipients $rcpts, duplicates $dups after $kills kills" >&2
assert_eq "$rcpts" "$N" "subscribers who got their digest"
[ "$dups" -le $((kills * CONN)) ] || fail "$dups duplicates after $kills kills with $CONN sessions"
assert_eq "$pairs" "$rcpts" "a duplicate carries the same Message-ID"
# and the Message-IDs are the ones fixed in the outbox
sql "SELECT rcpt || ' ' || message_id FROM outbox" | sort >"$TMP/want"
sort -u "$TMP/ids" >"$TMP/got"
diff -q "$TMP/want" "$TMP/got" >/dev/null || fail "received Message-IDs differ from the outbox"
pass
