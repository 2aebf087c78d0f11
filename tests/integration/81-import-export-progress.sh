#!/bin/bash
# SPDX-License-Identifier: MIT
# 81-import-export-progress: Ctrl-C during `subscriber import` keeps what
# was imported and says so; a large `subscriber export` shows progress.
# A writer that sleeps feeds 700 rows through a FIFO and then holds it
# open: SIGINT while the import waits for more exits 130, prints the
# summary, and every row read before the signal is in the database (the
# first transaction of 500 and the 200 of the batch in progress).  An
# export of 5,000 rows into a slow reader prints progress lines on stderr
# (not a terminal) every $PAPERBOY_PROGRESS_INTERVAL_MS, none with
# PAPERBOY_NO_PROGRESS=1, and its CSV on stdout is whole.
. "$(dirname "$0")/lib.sh"

# --- 1. SIGINT during an import from a slow pipe
expect_rc 0 pb list ls # creates the database
mkfifo "$TMP/in.csv"
/usr/bin/python3 -c '
import sys, time
with open(sys.argv[1], "w") as f:
    f.write("email,name\n")
    for i in range(700):
        f.write("r%d@example.org,Reader %d\n" % (i, i))
    f.flush()
    time.sleep(60)
' "$TMP/in.csv" &
WRITER=$!
"$PAPERBOY" -c "$CFG" subscriber import "$TMP/in.csv" --list trending \
    >"$TMP/i.out" 2>"$TMP/i.err" &
IPID=$!
for _ in $(seq 1 200); do
    [ "$(sql "SELECT count(*) FROM subscriptions")" -ge 500 ] && break
    sleep 0.05
done
[ "$(sql "SELECT count(*) FROM subscriptions")" -ge 500 ] ||
    fail "the first batch was not committed: $(cat "$TMP/i.err")"
sleep 1 # the other 200 rows are in the pipe: let the import read them
kill -INT "$IPID"
rc=0
wait "$IPID" || rc=$?
kill "$WRITER" 2>/dev/null
wait "$WRITER" 2>/dev/null
OUT=$(cat "$TMP/i.out")
ERR=$(cat "$TMP/i.err")
assert_eq "$rc" 130 "exit status after SIGINT"
assert_contains "$OUT" "imported 700, updated 0, unchanged 0, skipped 0" "the summary"
assert_contains "$ERR" "stopped by a signal after line 701" "the stop is said"
assert_eq "$(sql "SELECT count(*) FROM subscriptions")" 700 "rows kept"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'r699@example.org' AND name = 'Reader 699'")" 1 "the last row read"

# --- 2. a large export shows progress off a terminal
/usr/bin/python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name\n")
    for i in range(5000):
        f.write("r%d@example.org,Reader %d\n" % (i, i))
' "$TMP/big.csv"
expect_rc 0 pb subscriber import "$TMP/big.csv" --list trending
assert_contains "$OUT" "imported 4300, updated 0, unchanged 700" "the rest imported"
unset PAPERBOY_NO_PROGRESS
export PAPERBOY_PROGRESS_INTERVAL_MS=100
# the reader takes 4 KiB every 20 ms: about 300 KiB take over a second
slow_reader='
import sys, time
n = 0
while True:
    b = sys.stdin.buffer.read(4096)
    if not b:
        break
    n += b.count(b"\n")
    time.sleep(0.02)
print(n)
'
rc=0
"$PAPERBOY" -c "$CFG" subscriber export 2>"$TMP/e.err" |
    /usr/bin/python3 -c "$slow_reader" >"$TMP/e.lines" || rc=$?
ERR=$(cat "$TMP/e.err")
assert_eq "$rc" 0 "export exit status"
assert_eq "$(cat "$TMP/e.lines")" 5001 "CSV lines written"
assert_contains "$ERR" "paperboy: exporting (rows): " "progress lines"
assert_contains "$ERR" "/5000 (" "progress against the 5000 rows"
assert_not_contains "$ERR" "[###" "no bar off a terminal"
[ "$(grep -c '^paperboy: exporting (rows): ' "$TMP/e.err")" -ge 3 ] ||
    fail "fewer than 3 progress lines: $ERR"
PAPERBOY_NO_PROGRESS=1 "$PAPERBOY" -c "$CFG" subscriber export 2>"$TMP/e.err" |
    /usr/bin/python3 -c "$slow_reader" >"$TMP/e.lines"
assert_eq "$(cat "$TMP/e.err")" "" "PAPERBOY_NO_PROGRESS=1"
assert_eq "$(cat "$TMP/e.lines")" 5001 "CSV lines written without progress"
pass
