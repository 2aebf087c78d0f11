#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 83-serve-claims: in `serve`, a claim held long is never sent twice, and
# a worker whose database refuses goes on once it accepts again.  The
# claim lease is 1 s here (PAPERBOY_OUTBOX_LEASE_S, a test hook):
#   1. a session waits 4 s for the reply to its first message (a "slow"
#      recipient) while the other worker polls the queue: the lease must
#      not take the waiting worker's claim back, so nobody gets two mails;
#   2. SQLite refuses the results of a whole batch (a trigger), so the
#      worker gives them up: the rows stay 'sending', the lease does not
#      send them again, and once the database accepts writes the worker
#      records the accepted ones as sent from its journal, and the others
#      as what they were (two deferrals, retried and delivered once; a
#      bounce, counted once), without a restart; /healthz leaves
#      queue_stale;
#   3. SQLite refuses every claim (a trigger): the worker does not exit
#      but pauses (/healthz degraded "delivery_paused", every worker still
#      running) and delivers once the claims work again;
#   4. a worker that exited (a reload with a broken mail template) makes
#      /healthz degraded ("delivery_stopped") and shows in /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"
. "$(dirname "$0")/web_lib.sh"

DAY=2026-11-20
trap 'web_stop; smtp_stop; lib_cleanup' EXIT
seed_papers $DAY
seed_subs 1 slow
seed_subs 19 r
smtp_start sink --faults
sed -i "\|^root = $SRC_DIR/web\$|d" "$CFG" # smtp_lib's; web_config sets it
web_config
cp -r "$SRC_DIR/web" "$TMP/web"
sed -i "s|^root = .*|root = $TMP/web|" "$CFG"
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:1"
cfg_add "starttls = off"
cfg_add "connections = 2"
# queue: the relay is down, so `send` freezes and queues only
queue() {
    pb send --date $DAY >/dev/null 2>&1 || true
}
queue
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 20 "rows queued"
# the day's mailing is done for yesterday, today and tomorrow: the
# scheduler queues nothing while the test runs
for d in -1 0 1; do
    day=$(date -u -d "$d day" +%F)
    sql "INSERT INTO sched_runs (list_id, job, day, zone, done_at)
         SELECT id, j, '$day', '', 1 FROM lists, (SELECT 'collect' AS j UNION SELECT 'send')"
done
sed -i "s|^url = smtp://127.0.0.1:1\$|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"
LEASE=PAPERBOY_OUTBOX_LEASE_S=1

# wait_sent N: until N rows are 'sent' (bounded)
wait_sent() {
    local i
    for i in $(seq 1 150); do
        [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# once_each N: the server holds N messages, one per recipient
once_each() {
    msgids "$TMP/sink" >"$TMP/ids"
    assert_eq "$(wc -l <"$TMP/ids")" "$1" "$2: messages at the server"
    assert_eq "$(cut -d' ' -f1 "$TMP/ids" | sort -u | wc -l)" "$1" "$2: recipients"
}

# --- 1. a claim held past the lease by a waiting session
web_start $LEASE
wait_sent 20 || fail "not everything was sent: $(sql "SELECT state, count(*) FROM outbox GROUP BY 1")"
sleep 5 # a copy sent by the lease's claim would arrive 4 s after the first
once_each 20 "slow session"

# --- 2. a batch of results given up, then the database accepts again
web_stop
sed -i "s|^connections = 2\$|connections = 1|" "$CFG"
# first in the queue, so in the batch given up: two the relay defers
# once (451 at RCPT), one it bounces (550 5.1.1)
seed_subs 2 flaky
seed_subs 1 unknown
seed_subs 140 g
sed -i "s|^url = smtp://127.0.0.1:$SMTP_PORT\$|url = smtp://127.0.0.1:1|" "$CFG"
queue
sed -i "s|^url = smtp://127.0.0.1:1\$|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'queued'")" 143 "rows queued (2)"
# the deferred ones were queued 2 hours ago: /healthz says queue_stale
# until they are delivered
sql "UPDATE outbox SET created_at = strftime('%s','now') - 7200
     WHERE rcpt LIKE 'flaky%'"
# the batch with g7 cannot be stored, nor (while the trigger is there)
# any deferral or bounce
sql "CREATE TRIGGER refuse_g7 BEFORE UPDATE OF state ON outbox
     WHEN (new.state = 'sent' AND old.rcpt = 'g7@example.org')
       OR new.state IN ('deferred', 'bounced')
     BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
web_start $LEASE
for i in $(seq 1 150); do
    [ "$(msg_count "$TMP/sink")" -ge 160 ] && break
    sleep 0.1
done
grep -q "cannot record 128 results" "$TMP/serve.log" ||
    fail "no batch was given up: $(tail -5 "$TMP/serve.log")"
sleep 3 # the lease (1 s) and several polls pass
once_each 160 "results given up"
left=$(sql "SELECT count(*) FROM outbox WHERE state = 'sending'")
[ "$left" -gt 100 ] || fail "the given-up rows are not 'sending' ($left)"
assert_eq "$(sql "SELECT group_concat(state) FROM outbox
                  WHERE rcpt LIKE 'flaky%' OR rcpt LIKE 'unknown%'")" \
    "sending,sending,sending" "deferral and bounce given up"
http GET /healthz
assert_contains "$BODY" '"queue_stale"' "/healthz while the deferrals are given up"
sql "DROP TRIGGER refuse_g7"
wait_sent 160 || fail "the journal was not replayed while serving: $(sql "SELECT state, count(*) FROM outbox GROUP BY 1")"
assert_eq "$(sql "SELECT last_reply LIKE '250%' FROM outbox WHERE rcpt = 'g7@example.org'")" 1 \
    "g7's reply, from the journal"
grep -q "results were given up recorded as sent from the journal" "$TMP/serve.log" ||
    fail "the replay is not logged"
# the others are recorded as what they were, without a restart
for i in $(seq 1 50); do
    [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'deferred'")" -ge 2 ] && break
    sleep 0.1
done
assert_eq "$(sql "SELECT state || ' ' || attempts || ' ' || substr(last_reply, 1, 3) FROM outbox
                  WHERE rcpt LIKE 'flaky%' ORDER BY id")" "deferred 1 451
deferred 1 451" "the given-up deferrals, recorded"
assert_eq "$(sql "SELECT o.state || ' ' || s.hard_bounces FROM outbox o
                  JOIN subscriptions s ON s.id = o.subscription_id
                  WHERE o.rcpt = 'unknown1@example.org'")" "bounced 1" \
    "the given-up bounce, recorded and counted once"
grep -q "results given up earlier (deferred, bounced, failed or handed back) recorded" \
    "$TMP/serve.log" || fail "recording the given-up results is not logged"
# their backoff (1 minute) passes; the relay takes them the second time
sql "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'deferred'"
wait_sent 162 || fail "the deferrals were not retried while serving: $(sql "SELECT state, count(*) FROM outbox GROUP BY 1")"
sleep 2
once_each 162 "after the replay"
for i in $(seq 1 50); do
    http GET /healthz
    case "$BODY" in *queue_stale*) sleep 0.1 ;; *) break ;; esac
done
assert_not_contains "$BODY" queue_stale "/healthz once the deferrals are delivered"

# --- 3. claims refused: the worker pauses, then goes on
sql "CREATE TRIGGER refuse_claims BEFORE UPDATE OF state ON outbox
     WHEN new.state = 'sending' BEGIN SELECT RAISE(ABORT, 'claims refused for the test'); END"
sql "INSERT INTO subscribers (email, created_at) VALUES ('late@example.org', 1);
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at)
     VALUES (last_insert_rowid(), (SELECT id FROM lists WHERE name = 'trending'), 'pending', 1, 1, 1)"
sql "INSERT INTO outbox (kind, priority, subscription_id, rcpt, message_id, issued_at,
                         created_at, next_attempt_at, state)
     VALUES ('confirm', 0, (SELECT max(id) FROM subscriptions), 'late@example.org',
             '<c.late@example.org>', strftime('%s','now'), strftime('%s','now'), 0, 'queued')"
for i in $(seq 1 50); do
    http GET /healthz
    case "$BODY" in *delivery_paused*) break ;; esac
    sleep 0.1
done
printf '%s' "$BODY" | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "degraded", h
assert [x["reason"] for x in h["reasons"]] == ["delivery_paused"], h
assert h["delivery"]["paused"] == 1, h
assert h["delivery"]["paused_reason"] == "claim_error", h
assert "refused" not in json.dumps(h), h
' || fail "/healthz while claims are refused: $BODY"
grep -q "claims refused for the test" "$TMP/serve.log" || fail "the refusal is not logged"
sleep 1.5
http GET /healthz
assert_contains "$BODY" '"delivery_paused"' "/healthz 1.5 s later"
sql "DROP TRIGGER refuse_claims"
for i in $(seq 1 50); do
    [ "$(msg_count "$TMP/sink")" -ge 163 ] && break
    sleep 0.1
done
once_each 163 "after claims work again"
http GET /healthz
printf '%s' "$BODY" | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "ok", h
' || fail "/healthz once claims work: $BODY"
grep -q "claims work again" "$TMP/serve.log" || fail "the resume is not logged"

# --- 4. a worker that exits (a mail template broken by a reload) shows
printf '{{#unclosed\n' >"$TMP/web/templates/manage.txt"
kill -HUP "$SERVE_PID"
for i in $(seq 1 100); do
    http GET /healthz
    case "$BODY" in *delivery_stopped*) break ;; esac
    sleep 0.1
done
printf '%s' "$BODY" | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "degraded", h
assert [x["reason"] for x in h["reasons"]] == ["delivery_stopped"], h
assert h["delivery"]["workers"] == 1 and h["delivery"]["running"] == 0, h
' || fail "/healthz with no worker running: $BODY"
http GET /metrics
for want in "paperboy_delivery_workers 1" "paperboy_delivery_workers_running 0" \
    'paperboy_health_reason{reason="delivery_stopped"} 1' "paperboy_health_status 1"; do
    printf '%s\n' "$BODY" | grep -qxF "$want" || fail "/metrics lacks '$want'"
done
cp "$SRC_DIR/web/templates/manage.txt" "$TMP/web/templates/manage.txt"
kill -HUP "$SERVE_PID"
# while the reload replaces the workers /healthz may briefly say ok with
# none started yet: wait for the new worker itself (slow under TSan)
for i in $(seq 1 300); do
    http GET /healthz
    case "$BODY" in *'"running":1'*) break ;; esac
    sleep 0.1
done
assert_contains "$BODY" '"status":"ok"' "/healthz status after the template is mended"
assert_contains "$BODY" '"running":1' "/healthz after the template is mended"
web_stop
[ ! -e "$TMP/db-sent0" ] || fail "journal left behind after everything was stored"
pass
