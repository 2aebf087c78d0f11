#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 45-send-results-refused: SQLite refuses to store a delivery result (a
# trigger stands in for a constraint or I/O error). The worker must keep
# claiming and sending: every message goes out once, none stays queued,
# and the refused batch's rows stay in 'sending' with their journal kept.
# Once the database accepts writes again, the next start marks them sent
# from the journal and sends nothing twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

DAY=2026-11-20
seed_papers $DAY
seed_subs 30 r
smtp_start sink
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "connections = 1"

sql "CREATE TRIGGER refuse_r7 BEFORE UPDATE OF state ON outbox
     WHEN new.state = 'sent' AND old.rcpt = 'r7@example.org'
     BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
set +e
"$PAPERBOY" -c "$CFG" send --date $DAY >"$TMP/send.out" 2>"$TMP/send.err"
rc=$?
set -e
assert_eq "$rc" 1 "exit status when results could not be stored"
assert_contains "$(cat "$TMP/send.err")" "refused for the test" "the refusal is logged"
assert_contains "$(cat "$TMP/send.err")" "30 results could not be stored" "the summary"
assert_eq "$(msg_count "$TMP/sink")" 30 "messages sent although results were refused"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state IN ('queued', 'deferred')")" 0 \
    "rows left unsent"
assert_eq "$(sql "SELECT state FROM outbox WHERE rcpt = 'r7@example.org'")" sending \
    "the refused row"
r7=$(sql "SELECT id FROM outbox WHERE rcpt = 'r7@example.org'")
grep -q "^$r7 " "$TMP/db-sent0" || fail "r7's journal line is gone: $(cat "$TMP/db-sent0" 2>&1)"

# the database accepts the results again: the next start replays them
sql "DROP TRIGGER refuse_r7"
pb send --date $DAY >/dev/null 2>&1
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" 30 "rows sent in the end"
assert_eq "$(sql "SELECT last_reply LIKE '250%' FROM outbox WHERE rcpt = 'r7@example.org'")" 1 \
    "r7's reply, from the journal"
assert_eq "$(msg_count "$TMP/sink")" 30 "messages in the end (none twice)"
assert_eq "$(msgids "$TMP/sink" | cut -d' ' -f1 | sort -u | wc -l)" 30 "distinct recipients"
[ ! -e "$TMP/db-sent0" ] || fail "journal left behind after everything was stored"
smtp_stop
