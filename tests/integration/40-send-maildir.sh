#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 40-send-maildir: the default backend.  `paperboy send` writes one file
# per confirmed, non-paused subscription into [delivery] maildir/new/
# (tmp/ left empty, directories 0700) with the Message-ID fixed in the
# outbox; a second send for the same date sends nothing; a subscription
# that leaves between queueing and delivery is never mailed and its
# queued row is dropped; outbox ls/retry/purge; bad input is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

D1=2026-11-20
D2=2026-11-21
seed_papers $D1
seed_papers $D2
seed_subs 5 a
seed_subs 1 pend pending
seed_subs 1 gone unsubscribed
seed_subs 1 nap
sql "UPDATE subscriptions SET paused = 1 WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'nap1@example.org')"
MD=$TMP/mail
at() { date -u -d "$1 12:00" +%s; } # digests are frozen at noon

PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_eq "$OUT" "$D1: queued 5, delivered 5, deferred 0, bounced 0" "summary"
assert_eq "$(ls "$MD/new" | wc -l)" 5 "files in new/"
assert_eq "$(ls "$MD/tmp" | wc -l)" 0 "files left in tmp/"
assert_eq "$(stat -c %a "$MD" "$MD/new" "$MD/cur" "$MD/tmp" | sort -u)" 700 "maildir modes"
for f in "$MD"/new/*; do
    to=$(sed -n 's/^To: //p' "$f" | tr -d '\r' | head -n1)
    mid=$(grep -i -m1 '^Message-ID:' "$f" | sed 's/^[^:]*: *//' | tr -d '\r')
    assert_eq "$(sql "SELECT count(*) FROM outbox WHERE rcpt = '$to' AND message_id = '$mid' AND state = 'sent'")" 1 "outbox row for $to"
done
assert_not_contains "$(cat "$MD"/new/*)" "pend1@" "mail to a pending subscription"
assert_not_contains "$(cat "$MD"/new/*)" "gone1@" "mail to an unsubscribed subscription"
assert_not_contains "$(cat "$MD"/new/*)" "nap1@" "mail to a paused subscription"

# the same date again: nothing new
PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_contains "$OUT" "queued 0, delivered 0" "second send"
assert_eq "$(ls "$MD/new" | wc -l)" 5 "files after a second send"

# queue D2 while the relay is down (rows stay queued), then a2 leaves and
# a3 bounces elsewhere; delivery must skip and drop both rows
cfg_add "[smtp]"
dead=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cfg_add "url = smtp://127.0.0.1:$dead" # nobody listens there
cfg_add "timeout = 2"
PAPERBOY_NOW=$(at $D2) expect_rc 1 pb send --date $D2
assert_contains "$ERR" "cannot connect" "relay down"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 5 "rows queued for D2"
sed -i '/^url = smtp/d' "$CFG"
sql "UPDATE subscriptions SET status = 'unsubscribed' WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'a2@example.org')"
sql "UPDATE subscriptions SET status = 'bounced' WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'a3@example.org')"
PAPERBOY_NOW=$(at $D2) expect_rc 0 pb send --date $D2
assert_contains "$OUT" "delivered 3" "D2 summary"
assert_eq "$(ls "$MD/new" | wc -l)" 8 "files after D2"
assert_eq "$(grep -l '^To: a2@example.org' "$MD"/new/* | wc -l)" 1 "mails to a2 (D1 only)"
assert_eq "$(grep -l '^To: a3@example.org' "$MD"/new/* | wc -l)" 1 "mails to a3 (D1 only)"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE rcpt IN ('a2@example.org','a3@example.org') AND state != 'sent'")" 0 "pending rows of a2/a3"

# outbox ls
expect_rc 0 pb outbox ls --status sent --json
assert_eq "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), all(x["state"]=="sent" for x in r))')" "8 True" "outbox ls --json"
expect_rc 0 pb outbox ls --limit 2
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 3 "outbox ls --limit 2 lines"
expect_rc 2 pb outbox ls --status lost
assert_contains "$ERR" "--status 'lost'" "bad status"
expect_rc 1 pb outbox retry 1
assert_contains "$ERR" "is sent" "retry of a sent row"
expect_rc 2 pb outbox retry abc
expect_rc 2 pb outbox purge --before 2026-02-30x
expect_rc 0 pb outbox purge --before 2000-01-01
assert_eq "$OUT" "purged 0" "purge of nothing old"
expect_rc 0 pb outbox purge --before 2100-01-01
assert_eq "$OUT" "purged 8" "purge of finished rows"
assert_eq "$(sql "SELECT count(*) FROM outbox")" 0 "rows after purge"

# bad input to send
expect_rc 2 pb send --date 2026-13-45
assert_contains "$ERR" "not YYYY-MM-DD" "bad date"
expect_rc 1 pb send --list nosuch
assert_contains "$ERR" "no list named 'nosuch'" "unknown list"
expect_rc 2 pb send --bogus

# an unusable maildir: a clear error, nothing lost (rows stay queued)
D3=2026-11-22
seed_papers $D3
rm -rf "$MD"
: >"$MD"
PAPERBOY_NOW=$(at $D3) expect_rc 1 pb send --date $D3
assert_contains "$ERR" "maildir" "unusable maildir"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 3 "rows kept queued"
rm -f "$MD"
PAPERBOY_NOW=$(at $D3) expect_rc 0 pb send --date $D3
assert_contains "$OUT" "delivered 3" "after fixing the maildir"
pass
