#!/bin/bash
# SPDX-License-Identifier: MIT
# 62-run: `paperboy run`, the cron cycle: collect from file:// fixtures,
# freeze and queue the day's digests, deliver to the maildir, exit 0; a
# second run the same day sends nothing twice; an empty day sends
# nothing; failing sources, an unknown list, a bad date, a running
# daemon and an unreachable SMTP server are errors with clear messages
# (exit 1, the mail counted as not sent and still queued).  Delivery is
# pipelined with freezing, as in `paperboy send`: with 3,500 subscribers
# (four batches), mail is delivered before the last batch is queued.
. "$(dirname "$0")/lib.sh"

SHARED_DIR=${SHARED_DIR:-$SRC_DIR/../shared}
FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "fixtures missing in $FIX"

# the sources, as files: <rss base><category> and the HF JSON
mkdir -p "$TMP/feeds"
for c in cs.LG cs.CL cs.CV cs.AI; do cp "$FIX/arxiv_rss_cs_LG.xml" "$TMP/feeds/$c"; done
cp "$FIX/hf_daily_papers.json" "$TMP/feeds/hf"
cfg_add "[web]"
cfg_add "root = $SRC_DIR/web"
cfg_add "listen = 127.0.0.1:0"
cfg_add "[sources]"
cfg_add "arxiv_rss_url = file://$TMP/feeds/"
cfg_add "arxiv_api_url = file://$TMP/feeds/api"
cfg_add "hf_daily_url = file://$TMP/feeds/hf"
cfg_add "[schedule]"
cfg_add "timezone = Europe/Berlin"

# papers are stamped with the UTC day they were first seen, and a digest
# for day D takes papers first seen up to D: use today and the days after
D0=$(date -u +%F)
D1=$(date -u -d "+1 day" +%F)
D2=$(date -u -d "+2 day" +%F)
D3=$(date -u -d "+3 day" +%F)

# --- usage errors: nothing happens
expect_rc 2 pb run --date 2026-02-30
assert_contains "$ERR" "not a date"
expect_rc 2 pb run --frobnicate
expect_rc 0 pb run --help
assert_contains "$OUT" "cron"

# --- a confirmed subscriber and a pending one
expect_rc 0 pb subscriber add ada@example.org --list trending --confirmed --keywords "language model"
expect_rc 0 pb subscriber add bob@example.org --list trending

expect_rc 1 pb run --list nosuch
assert_contains "$ERR" "no list 'nosuch'"

# --- the cycle
expect_rc 0 pb run --list trending --date $D0
assert_contains "$OUT" "collect: list=trending day=$D0"
assert_not_contains "$OUT" "new=0" "first collect"
assert_contains "$OUT" "queued=1"
assert_contains "$OUT" "1 delivered"
assert_eq "$(nmail)" 1 "mails after the first run"
msg=$(cat "$TMP"/mail/new/* "$TMP"/mail/cur/* 2>/dev/null)
assert_contains "$msg" "ada@example.org"
assert_not_contains "$msg" "bob@example.org"
assert_eq "$(sql "SELECT count(*) FROM sched_runs WHERE day='$D0'")" 2 "sched_runs rows"

# --- the same day again: idempotent, no second mail
expect_rc 0 pb run --date $D0
assert_contains "$OUT" "queued=0"
assert_eq "$(nmail)" 1 "mails after the second run"

# --- the next day, nothing new collected: nothing sent (when_empty=skip)
expect_rc 0 pb run --date $D1
assert_contains "$OUT" "new=0"
assert_contains "$OUT" "queued=0"
assert_eq "$(nmail)" 1 "mails after an empty day"

# --- every source failing: exit 1, the reason on stderr
mv "$TMP/feeds" "$TMP/feeds.away"
expect_rc 1 pb run --date $D2
assert_contains "$ERR" "collect list=trending"
assert_contains "$ERR" "sources failed"
mv "$TMP/feeds.away" "$TMP/feeds"

# --- pipelined: the workers deliver the first batches while the rest is
# frozen (a database of its own; every reader a profile of its own, so
# that freezing a batch takes a while)
sed "s#$TMP/db#$TMP/db3#; s#$TMP/mail#$TMP/mail3#" "$CFG" >"$TMP/pipe.ini"
printf '[log]\nlevel = debug\n' >>"$TMP/pipe.ini"
{ echo email; for i in $(seq 1 3500); do echo "r$i@example.org"; done; } >"$TMP/many.csv"
expect_rc 0 "$PAPERBOY" -c "$TMP/pipe.ini" subscriber import "$TMP/many.csv" --list trending --confirmed
sqlite3 -batch "$TMP/db3" "UPDATE subscriptions SET max_papers = 3, keywords = 'language model, -zz' || id"
expect_rc 0 "$PAPERBOY" -c "$TMP/pipe.ini" run --list trending --date $D0
assert_contains "$OUT" "queued=3500"
assert_contains "$OUT" "3500 delivered"
assert_eq "$(find "$TMP/mail3/new" "$TMP/mail3/cur" -type f | wc -l)" 3500 "mails of the pipelined run"
# the workers had delivered mail when a later batch was committed
echo "$ERR" | grep -Eq "queued; [1-9][0-9]* delivered so far" ||
    fail "no mail was delivered while freezing: $(echo "$ERR" | grep 'so far' | head -5)"
rm -rf "$TMP/mail3"

# --- while the daemon holds the database, run refuses
"$PAPERBOY" -c "$CFG" serve 2>"$TMP/serve.log" &
spid=$!
for _ in $(seq 1 100); do
    grep -q "web: listening" "$TMP/serve.log" && break
    sleep 0.1
done
grep -q "web: listening" "$TMP/serve.log" || { cat "$TMP/serve.log" >&2; fail "serve did not start"; }
expect_rc 1 pb run --date $D3
assert_contains "$ERR" "already running"
kill -TERM "$spid"
wait "$spid" || fail "serve exited non-zero"

# --- the SMTP server unreachable: exit 1, the mail counted as not sent
# and still queued; the next run with a working transport delivers it
# (a database of its own, so that the day has new papers)
sed "s#$TMP/db#$TMP/db2#; s#$TMP/mail#$TMP/mail2#" "$CFG" >"$TMP/down.ini"
cp "$TMP/down.ini" "$TMP/up.ini"
closed=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf '[smtp]\nurl = smtp://127.0.0.1:%s\nstarttls = off\n' "$closed" >>"$TMP/down.ini"
nmail2() { find "$TMP/mail2/new" "$TMP/mail2/cur" -type f 2>/dev/null | wc -l; }
expect_rc 0 "$PAPERBOY" -c "$TMP/up.ini" subscriber add carol@example.org --list trending --confirmed --keywords "language model"
expect_rc 1 "$PAPERBOY" -c "$TMP/down.ini" run --date $D0
assert_contains "$OUT" "queued=1"
assert_contains "$OUT" "0 delivered"
assert_contains "$OUT" "1 not sent"
assert_contains "$ERR" "delivery stopped"
assert_contains "$ERR" "1 mails are still queued"
assert_eq "$(nmail2)" 0 "mails while SMTP is down"
expect_rc 0 "$PAPERBOY" -c "$TMP/up.ini" run --date $D0
assert_contains "$OUT" "1 delivered"
assert_contains "$OUT" "0 not sent"
assert_eq "$(nmail2)" 1 "mails once the transport works"
pass
