#!/bin/bash
# SPDX-License-Identifier: MIT
# 64-serve-stop-busy: SIGTERM while the scheduler is stuck in a collection
# (the feed server sends half a document and then nothing for 60 s, with
# a 60 s fetch timeout) still exits 0 within 10 s, the fetch helper
# process doing the transfers goes with it, and the next start works on
# the same database.  Ctrl-C (SIGINT to serve and its helper at once)
# during a collection logs that it was cut short by the stop, not that
# the sources failed.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
need /usr/bin/python3 test -x "$PY"
SHARED_DIR=${SHARED_DIR:-$SRC_DIR/../shared}
FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "fixtures missing in $FIX"

SPID=
FPID=
cleanup() {
    [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
    [ -n "$FPID" ] && kill "$FPID" 2>/dev/null
    lib_cleanup
}
trap cleanup EXIT

"$PY" "$SRC_DIR/tests/integration/servers/feed_server.py" --fixtures "$FIX" \
    --log "$TMP/feed.log" >"$TMP/feed.port" 2>"$TMP/feed.err" &
FPID=$!
for _ in $(seq 1 50); do [ -s "$TMP/feed.port" ] && break; sleep 0.1; done
FPORT=$(head -n1 "$TMP/feed.port")
[ -n "$FPORT" ] || fail "feed server did not start: $(cat "$TMP/feed.err")"

cfg_add "[web]"
cfg_add "listen = 127.0.0.1:0"
cfg_add "root = $SRC_DIR/web"
cfg_add "[sources]"
cfg_add "arxiv_rss_url = http://127.0.0.1:$FPORT/bad/stall/"
cfg_add "arxiv_api_url = http://127.0.0.1:$FPORT/bad/stall/api"
cfg_add "hf_daily_url = http://127.0.0.1:$FPORT/bad/stall/hf"
cfg_add "timeout = 60"
cfg_add "[schedule]"
cfg_add "send_at = 00:00"

# a fresh database: the first pass catches up today's send and collects
"$PAPERBOY" -c "$CFG" serve 2>"$TMP/serve.log" &
SPID=$!
for _ in $(seq 1 100); do grep -q "sched: collect list=trending" "$TMP/serve.log" && break; sleep 0.1; done
grep -q "sched: collect list=trending" "$TMP/serve.log" || { cat "$TMP/serve.log" >&2; fail "no collection started"; }
for _ in $(seq 1 50); do grep -q "/bad/stall" "$TMP/feed.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
# the transfers run in serve's fetch helper, a child process (fetch.h)
HPID=$(pgrep -P "$SPID" | head -n1)
[ -n "$HPID" ] || fail "no fetch helper process under serve"
tr '\0' ' ' <"/proc/$HPID/cmdline" | grep -q -- "paperboy-fetch" || fail "serve's child is not the fetch helper"
grep -q "/libcurl" "/proc/$SPID/maps" && fail "libcurl is mapped in serve itself"

t0=$(date +%s%N)
kill -TERM "$SPID"
for _ in $(seq 1 110); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SPID" 2>/dev/null && fail "serve still running 11 s after SIGTERM"
rc=0
wait "$SPID" || rc=$?
SPID=
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "SIGTERM during a stalled collection: exit $rc after $ms ms"
[ "$rc" = 0 ] || { cat "$TMP/serve.log" >&2; fail "exit status $rc"; }
[ "$ms" -le 10000 ] || fail "took $ms ms"
grep -q "serve: stopped" "$TMP/serve.log" || fail "no 'serve: stopped' line"
# the helper does not outlive serve (PR_SET_PDEATHSIG)
for _ in $(seq 1 50); do kill -0 "$HPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$HPID" 2>/dev/null && fail "the fetch helper (pid $HPID) outlived serve"

# the database and the lock are fine for the next start
expect_rc 0 "$PAPERBOY" -c "$CFG" check-config
sed -i "s#/bad/stall/#/rss/#; s#http://127.0.0.1:$FPORT/rss/api#http://127.0.0.1:$FPORT/api#; s#http://127.0.0.1:$FPORT/rss/hf#http://127.0.0.1:$FPORT/hf#" "$CFG"
"$PAPERBOY" -c "$CFG" serve 2>"$TMP/serve2.log" &
SPID=$!
for _ in $(seq 1 100); do grep -q "sched: collected list=trending" "$TMP/serve2.log" && break; sleep 0.1; done
grep -q "sched: collected list=trending" "$TMP/serve2.log" || { cat "$TMP/serve2.log" >&2; fail "restart did not collect"; }
# the reply headers came back through the helper: ETag and Last-Modified
# are remembered for the next conditional GET
n=$(sql "SELECT count(*) FROM fetch_state WHERE etag LIKE '\"%' AND last_modified LIKE '%GMT'")
[ "$n" -ge 1 ] 2>/dev/null || fail "no ETag/Last-Modified stored after a collect in serve (got '$n')"
kill -TERM "$SPID"
wait "$SPID" || fail "second serve exited non-zero"
SPID=

# Ctrl-C on a terminal: SIGINT reaches serve and its fetch helper at once
# (one process group), so the collect fails as the stop begins.  The log
# says the collection was cut short by the stop, not that the sources
# failed (which reads like a network fault).
rm -f "$TMP/db" "$TMP/db-wal" "$TMP/db-shm"
sed -i "s#/rss/#/bad/stall/#; s#http://127.0.0.1:$FPORT/api#http://127.0.0.1:$FPORT/bad/stall/api#; s#http://127.0.0.1:$FPORT/hf#http://127.0.0.1:$FPORT/bad/stall/hf#" "$CFG"
: >"$TMP/feed.log"
setsid "$PAPERBOY" -c "$CFG" serve 2>"$TMP/serve3.log" &
SPID=$!
for _ in $(seq 1 100); do grep -q "/bad/stall" "$TMP/feed.log" 2>/dev/null && break; sleep 0.1; done
grep -q "/bad/stall" "$TMP/feed.log" || { cat "$TMP/serve3.log" >&2; fail "no collection started"; }
sleep 0.5
kill -INT -- "-$SPID"
rc=0
wait "$SPID" || rc=$?
SPID=
[ "$rc" = 0 ] || { cat "$TMP/serve3.log" >&2; fail "Ctrl-C during a collection: exit status $rc"; }
log=$(cat "$TMP/serve3.log")
assert_contains "$log" "cut short by the stop" "Ctrl-C during a collection is logged as a stop"
assert_not_contains "$log" "sources failed" "Ctrl-C during a collection"
assert_not_contains "$log" "retry in" "Ctrl-C during a collection"
pass
