#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 95-run-sigint: Ctrl-C (SIGINT) during `paperboy run`, while it delivers
# to a slow SMTP server, stops taking new work as `paperboy send` does:
# the messages in flight finish and are recorded, the summary ends in
# "; interrupted" and the exit status is 130.  Every message the server
# accepted is recorded 'sent', nothing is left 'sending', and a second
# run sends each remaining subscriber exactly once and none twice.
# SIGTERM during the collect step stops it cleanly too: exit 130, the
# collect reported as cut short by the stop, nothing queued or recorded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

SHARED_DIR=${SHARED_DIR:-$SRC_DIR/../shared}
FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "fixtures missing in $FIX"
mkdir -p "$TMP/feeds"
for c in cs.LG cs.CL cs.CV cs.AI; do cp "$FIX/arxiv_rss_cs_LG.xml" "$TMP/feeds/$c"; done
cp "$FIX/hf_daily_papers.json" "$TMP/feeds/hf"
cfg_add "[sources]"
cfg_add "arxiv_rss_url = file://$TMP/feeds/"
cfg_add "arxiv_api_url = file://$TMP/feeds/api"
cfg_add "hf_daily_url = file://$TMP/feeds/hf"

DAY=2026-11-20
seed_papers $DAY
seed_subs 60 r
smtp_start sink --delay-ms 100
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "connections = 2"
cfg_add "timeout = 60"

# a background job of a script ignores SIGINT: give it back the default,
# as a terminal's Ctrl-C finds it
env --default-signal=INT "$PAPERBOY" -c "$CFG" run --date $DAY >"$TMP/run.out" 2>"$TMP/run.err" &
pid=$!
for i in $(seq 1 300); do
    [ "$(msg_count "$TMP/sink")" -ge 3 ] && break
    sleep 0.1
done
[ "$(msg_count "$TMP/sink")" -ge 3 ] || fail "sending did not start: $(cat "$TMP/run.err")"
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "exited $rc after ${ms} ms" >&2
cat "$TMP/run.out" "$TMP/run.err" >&2
[ "$ms" -le 10000 ] || fail "run took ${ms} ms to stop after SIGINT"
assert_eq "$rc" 130 "exit status after SIGINT"
assert_contains "$(cat "$TMP/run.out")" "; interrupted" "the summary says it was interrupted"
assert_contains "$(cat "$TMP/run.err")" "stay queued" "what is left"
got=$(msg_count "$TMP/sink")
[ "$got" -lt 60 ] || fail "all mail went out; SIGINT came too late to test"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sending'")" 0 "rows left in sending"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" "$got" "sent rows = messages accepted"

# the rest goes out in the next run, each subscriber once
expect_rc 0 pb run --date $DAY
assert_eq "$(msg_count "$TMP/sink")" 60 "messages in the end"
assert_eq "$(msgids "$TMP/sink" | cut -d' ' -f1 | sort -u | wc -l)" 60 "distinct recipients"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" 60 "sent rows in the end"
smtp_stop

# --- SIGTERM during the collect step: a feed that never answers.  The
# stop cuts the daily fetches in flight (fetch_all() kills its helper),
# so run ends within 2 s, long before the fetch timeout (10 s here, with
# its retries about 30 s).  The collect is reported as cut short by the
# stop, nothing is frozen, queued or recorded done
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
    print("accepted", file=sys.stderr, flush=True)
' >"$TMP/mute.port" 2>"$TMP/mute.log" &
SMTP_PIDS="$SMTP_PIDS $!"
for i in $(seq 1 50); do [ -s "$TMP/mute.port" ] && break; sleep 0.1; done
mport=$(head -n1 "$TMP/mute.port")
sed -i "s|^arxiv_rss_url = .*|arxiv_rss_url = http://127.0.0.1:$mport/|" "$CFG"
sed -i "s|^\[sources\]|[sources]\ntimeout = 10|" "$CFG"
D2=2026-11-21
seed_papers $D2
"$PAPERBOY" -c "$CFG" run --date $D2 >"$TMP/c.out" 2>"$TMP/c.err" &
pid=$!
# the signal comes once the fetch is really in flight: run's
# paperboy-fetch child is there and the mute server took its connection
hpid=
for i in $(seq 1 100); do
    hpid=$(pgrep -P "$pid" -x paperboy-fetch | head -n1)
    [ -n "$hpid" ] && grep -q accepted "$TMP/mute.log" && break
    kill -0 "$pid" 2>/dev/null || fail "run ended before the signal: $(cat "$TMP/c.err")"
    hpid=
    sleep 0.1
done
[ -n "$hpid" ] || fail "no fetch in flight under run after 10 s: $(cat "$TMP/c.err")"
t0=$(date +%s%N)
kill -TERM "$pid"
wait "$pid"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "collect: exited $rc after ${ms} ms" >&2
cat "$TMP/c.out" "$TMP/c.err" >&2
[ "$ms" -le 2000 ] || fail "run took ${ms} ms to stop during collect"
[ ! -e "/proc/$hpid" ] || [ "$(awk '{print $3}' "/proc/$hpid/stat" 2>/dev/null)" = Z ] ||
    fail "paperboy-fetch (pid $hpid) left running by run"
assert_eq "$rc" 130 "exit status after SIGTERM during collect"
assert_contains "$(cat "$TMP/c.err")" "cut short by the stop" "the collect is reported as stopped"
assert_not_contains "$(cat "$TMP/c.out")" "send: list=" "no digest frozen after a stop during collect"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE digest_id IN (SELECT id FROM digests WHERE day = '$D2')")" 0 "queued after a stop during collect"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE day = '$D2'")" 0 "jobs marked done after a stop during collect"
pass
