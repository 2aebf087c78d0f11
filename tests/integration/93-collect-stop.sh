#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 93-collect-stop - a stop reaches the fetches in flight.  A SIGTERM sent
# to the pid of `paperboy collect`, `paperboy run` or `paperboy serve`
# alone (not to its process group, as `kill PID` or a script does) while
# a feed server holds the request unanswered: the command exits within
# 2 s (collect and run with status 130 and a line saying it was stopped;
# serve with 0, its scheduler not abandoned), its paperboy-fetch child is
# not left running, and nothing of the cut source is stored
# (no papers, no successful collect_runs row, no fetch_state error),
# while what an earlier source of the same pass stored stays.  The cut
# source's run is not done but not failed either (an unfinished row):
# `stats` and a later serve's /healthz count no failure.  A reload
# (SIGHUP) does not wait for the fetch.  A `collect` killed with SIGKILL
# takes its fetch helper with it within 2 s, and a helper whose parent
# closed the socket without a signal ends within 2 s too.
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"
start_feed_server "$FIX"
LIMIT_MS=2000

cfg_add "[sources]
arxiv_rss_url = $BASE/hold/
hf_daily_url = $BASE/hold/hf
arxiv_api_url = $BASE/hold/api
timeout = 10"
# a regression then costs about 30 s per case (5 s stalls, 4 attempts), not minutes
expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add cut --categories cs.LG --no-hf

# started PID: its paperboy-fetch child once the held request is in, into
# HPID (fails after 10 s)
helper_of() {
    local i
    HPID=
    for i in $(seq 1 100); do
        HPID=$(pgrep -P "$1" -x paperboy-fetch | head -n1)
        [ -n "$HPID" ] && grep -q '"/hold/' "$TMP/requests.log" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || fail "pid $1 ended before its fetch was held"
        sleep 0.1
    done
    fail "no held fetch under pid $1"
}

# gone PID: 0 once PID no longer runs (gone, or a zombie not yet reaped:
# unit.fetch checks that fetch_all() reaps its helper)
gone() {
    [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# stop_and_time PID SIG: send SIG to PID alone, wait for it; sets RC, MS
stop_and_time() {
    local t0
    t0=$(date +%s%N)
    kill "-$2" "$1"
    RC=0
    wait "$1" || RC=$?
    MS=$((($(date +%s%N) - t0) / 1000000))
}

# --- collect: the daily fetch is held, SIGTERM to collect's pid
: >"$TMP/requests.log"
"$PAPERBOY" -c "$CFG" collect --date 2026-11-18 >"$TMP/c1.out" 2>"$TMP/c1.err" &
pid=$!
helper_of "$pid"
stop_and_time "$pid" TERM
echo "collect, daily fetch held: exit $RC after $MS ms" >&2
cat "$TMP/c1.out" "$TMP/c1.err" >&2
assert_eq "$RC" 130 "collect's exit status after SIGTERM"
[ "$MS" -le "$LIMIT_MS" ] || fail "collect took $MS ms to stop (the fetch was not cut)"
gone "$HPID" || fail "paperboy-fetch (pid $HPID) left behind by collect"
assert_contains "$(cat "$TMP/c1.err")" "collect: stopped by a signal" "collect's message"
assert_contains "$(cat "$TMP/c1.out")" "arxiv-rss:cs.LG: STOPPED" "the cut source"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 0 "papers stored from a cut fetch"
assert_eq "$(sql 'SELECT count(*) FROM collect_runs WHERE ok = 1')" 0 "sources recorded done"
assert_eq "$(sql "SELECT count(*) FROM fetch_state WHERE last_error IS NOT NULL OR etag IS NOT NULL")" 0 \
    "fetch_state written for a cut fetch"
# the cut source is not done, but not failed either: its row did not finish
assert_eq "$(sql "SELECT count(*) FROM collect_runs WHERE source = 'arxiv-rss:cs.LG' AND ok = 0 AND finished_at IS NULL")" \
    1 "the cut source's unfinished run row"
expect_rc 0 pb stats --json
assert_eq "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json, sys; c = json.load(sys.stdin)["last_collection"]; print(c["sources"], c["failed"], c["failed_sources"])')" \
    "1 0 []" "stats after a cut collect (sources, failed, failed sources)"

# --- collect --backfill: the daily source answers and is stored, the API
# page is held; SIGTERM keeps the first and stores nothing of the second
sed -i "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/rss/#" "$CFG"
: >"$TMP/requests.log"
"$PAPERBOY" -c "$CFG" collect --date 2026-11-18 --backfill 2d >"$TMP/c2.out" 2>"$TMP/c2.err" &
pid=$!
helper_of "$pid"
grep -q '"/hold/api' "$TMP/requests.log" || fail "the held request is not the API page"
stop_and_time "$pid" TERM
echo "collect, API page held: exit $RC after $MS ms" >&2
cat "$TMP/c2.out" "$TMP/c2.err" >&2
assert_eq "$RC" 130 "collect --backfill's exit status after SIGTERM"
[ "$MS" -le "$LIMIT_MS" ] || fail "collect --backfill took $MS ms to stop"
gone "$HPID" || fail "paperboy-fetch (pid $HPID) left behind by collect --backfill"
assert_contains "$(cat "$TMP/c2.out")" "arxiv-rss:cs.LG: fetched 9, new 7" "the source before the stop"
assert_contains "$(cat "$TMP/c2.out")" "arxiv-api:cs.LG: STOPPED" "the cut source"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 7 "papers: the daily source's stay, none from the API"
assert_eq "$(sql "SELECT group_concat(source || '=' || ok, ' ') FROM collect_runs WHERE ok = 1")" \
    "arxiv-rss:cs.LG=1" "sources recorded done"
assert_eq "$(sql "SELECT count(*) FROM collect_runs WHERE source = 'arxiv-api:cs.LG' AND ok = 0 AND finished_at IS NULL AND error LIKE '%stopped before it was done%'")" \
    1 "the cut source's run row"

# --- run: SIGTERM during its collect step
sed -i "s#^arxiv_rss_url = .*#arxiv_rss_url = $BASE/hold/#" "$CFG"
: >"$TMP/requests.log"
"$PAPERBOY" -c "$CFG" run --date 2026-11-19 >"$TMP/r.out" 2>"$TMP/r.err" &
pid=$!
helper_of "$pid"
stop_and_time "$pid" TERM
echo "run, daily fetch held: exit $RC after $MS ms" >&2
cat "$TMP/r.out" "$TMP/r.err" >&2
assert_eq "$RC" 130 "run's exit status after SIGTERM"
[ "$MS" -le "$LIMIT_MS" ] || fail "run took $MS ms to stop"
gone "$HPID" || fail "paperboy-fetch (pid $HPID) left behind by run"
assert_contains "$(cat "$TMP/r.err")" "cut short by the stop" "run's message"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE day = '2026-11-19'")" 0 "run's jobs recorded done"
assert_eq "$(sql 'SELECT count(*) FROM papers')" 7 "papers after the cut run"

# --- serve: SIGHUP during a held collect reloads at once; SIGTERM to its
# pid alone then stops it within the limit, the scheduler with it
cfg_add "[web]
listen = 127.0.0.1:0
root = $SRC_DIR/web
[schedule]
send_at = 00:00"
: >"$TMP/requests.log"
"$PAPERBOY" -c "$CFG" serve 2>"$TMP/serve.log" &
pid=$!
helper_of "$pid"
kill -HUP "$pid"
wait_for "$TMP/serve.log" "serve: reloaded config" 20 ||
    { cat "$TMP/serve.log" >&2; fail "a reload waited for the held fetch"; }
stop_and_time "$pid" TERM
echo "serve, daily fetch held: exit $RC after $MS ms" >&2
assert_eq "$RC" 0 "serve's exit status after SIGTERM"
[ "$MS" -le "$LIMIT_MS" ] || { cat "$TMP/serve.log" >&2; fail "serve took $MS ms to stop"; }
gone "$HPID" || fail "paperboy-fetch (pid $HPID) left behind by serve"
log=$(cat "$TMP/serve.log")
assert_contains "$log" "cut short by the stop" "serve's log"
assert_contains "$log" "serve: stopped" "serve's log"
assert_not_contains "$log" "still busy" "serve's log: the scheduler was abandoned"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE job = 'collect'")" 0 "serve's collect recorded done"

# --- serve again: while its collect is held, /healthz reads the pass the
# stop cut as not done, not as "every source failed"
"$PAPERBOY" -c "$CFG" serve 2>"$TMP/serve2.log" &
pid=$!
helper_of "$pid"
wport=$(sed -n 's/.*serve: ready: web on port \([0-9]*\).*/\1/p' "$TMP/serve2.log" | head -n1)
health=$(curl -sS --max-time 10 "http://127.0.0.1:${wport:-0}/healthz") || health=
stop_and_time "$pid" TERM # before any check can fail, so no serve is left
[ -n "$health" ] || { cat "$TMP/serve2.log" >&2; fail "GET /healthz on port '$wport'"; }
assert_eq "$(printf '%s' "$health" | /usr/bin/python3 -c 'import json, sys; h = json.load(sys.stdin); c = h["last_collection"]; print(c["sources"], c["failed"], [r["reason"] for r in h["reasons"]])')" \
    "1 0 []" "/healthz after a cut pass (sources, failed, reasons)"
assert_eq "$RC" 0 "the second serve's exit status"
gone "$HPID" || fail "paperboy-fetch (pid $HPID) left behind by the second serve"

# --- SIGKILL of collect: nobody can stop the helper, it must go itself
: >"$TMP/requests.log"
"$PAPERBOY" -c "$CFG" collect --date 2026-11-20 >/dev/null 2>&1 &
pid=$!
helper_of "$pid"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
t0=$(date +%s%N)
for _ in $(seq 1 20); do gone "$HPID" && break; sleep 0.1; done
MS=$((($(date +%s%N) - t0) / 1000000))
gone "$HPID" || { kill -KILL "$HPID" 2>/dev/null; fail "paperboy-fetch (pid $HPID) outlived its killed parent by $MS ms"; }
echo "collect killed: its helper gone after $MS ms" >&2

# --- a parent gone without a signal to its helper (it died before the
# helper's prctl(PR_SET_PDEATHSIG), or closed the socket): the helper
# sees its end of the socket closed and ends its transfers at once
HELPER=$(dirname "$PAPERBOY")/paperboy-fetch
/usr/bin/python3 - "$HELPER" "$BASE/hold/x" <<'PYEOF' || fail "the helper outlived its socket"
import socket, subprocess, sys, time
helper, url = sys.argv[1], sys.argv[2]
ours, theirs = socket.socketpair()
# fetch_wire.h: connect timeout; timeout; max bytes; Retry-After cap;
# contact; n; then expect, url, etag, last_modified per request
job = "15;10;1000000;60;0:1;1;%d:%s-1:-1:" % (len(url), url)
p = subprocess.Popen([helper], stdin=theirs, stdout=theirs)
theirs.close()
ours.sendall(job.encode())
ours.shutdown(socket.SHUT_WR)
time.sleep(1)
if p.poll() is not None:
    sys.exit("the helper ended before its socket was closed: %d" % p.returncode)
t0 = time.monotonic()
ours.close()
try:
    p.wait(timeout=2)
except subprocess.TimeoutExpired:
    p.kill()
    p.wait()
    sys.exit("the helper still runs 2 s after its socket was closed")
print("helper gone %.0f ms after its socket was closed" % ((time.monotonic() - t0) * 1000),
      file=sys.stderr)
PYEOF
pass
