#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 82-rcpt-bounce-guard: addresses refused at RCPT during delivery count in
# a mailing's hard-bounce rate, and the guard runs on them without any
# bounce mailbox.  An aiosmtpd that refuses 10 of 100 recipients (550
# 5.1.1): `paperboy send` pauses the list after a batch, the rest of its
# mail stays queued, `list ls` (table and --json) shows the pause,
# `list resume` lets the rest go out (a resumed mailing is not paused
# again), and a clean mailing leaves a list unpaused.  Then `serve`'s
# workers pause a list the same way and /healthz says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

D1=2026-11-20
at() { date -u -d "$1 12:00" +%s; }
paused_json() { # NAME: the list's "paused" in `list ls --json`
    pb list ls --json | /usr/bin/python3 -c 'import json, sys
l = [x for x in json.load(sys.stdin) if x["name"] == sys.argv[1]][0]
print(l["paused"], "paused_reason" in l)' "$1"
}
day_count() { # STATE: digests of D1 in that outbox state
    sql "SELECT count(*) FROM outbox o JOIN digests d ON d.id = o.digest_id WHERE d.day = '$D1' AND o.state = '$1'"
}

seed_papers $D1
# 100 subscriptions, every tenth address unknown to the server
{
    echo "BEGIN;"
    for i in $(seq 1 100); do
        if [ $((i % 10)) = 0 ]; then a=unknown$i; else a=ok$i; fi
        echo "INSERT INTO subscribers (email, created_at) VALUES ('$a@example.org', 1);"
        echo "INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at) VALUES (last_insert_rowid(), (SELECT id FROM lists WHERE name='trending'), 'confirmed', 1, 1, 1);"
    done
    echo "COMMIT;"
} | sqlite3 -batch "$TMP/db" || fail "seeding subscribers"

smtp_start sink --faults
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "from = Paperboy <news@example.org>"
cfg_add "connections = 1"
cfg_add "[bounces]"
cfg_add "pause_min_messages = 10"

assert_eq "$(paused_json trending)" "False False" "an unpaused list in --json"

PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_eq "$(sql "SELECT count(*) FROM list_pauses WHERE resumed_at IS NULL")" 1 "RCPT bounces pause the list"
assert_contains "$(sql "SELECT reason FROM list_pauses")" "hard bounces" "pause reason"
assert_contains "$(sql "SELECT reason FROM list_pauses")" "of the $D1 mailing" "pause names the mailing"
sent=$(day_count sent)
bounced=$(day_count bounced)
queued=$(day_count queued)
[ "$bounced" -ge 1 ] || fail "no RCPT bounce recorded"
echo "first send: sent $sent bounced $bounced queued $queued"
[ "$queued" -gt 0 ] || fail "the paused list's mail was not kept queued (sent $sent)"
assert_eq "$((sent + bounced + queued))" 100 "every digest sent, bounced or queued"
assert_eq "$(msg_count "$TMP/sink")" "$sent" "the server got only what was recorded as sent"
# a paused list stays paused across another send
PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_eq "$(day_count queued)" "$queued" "a paused list sends nothing"

expect_rc 0 pb list ls
assert_contains "$OUT" "DELIVERY" "list ls has a delivery column"
assert_contains "$(printf '%s\n' "$OUT" | grep '^trending')" "paused" "list ls marks the paused list"
expect_rc 0 pb list ls --json
/usr/bin/python3 - "$OUT" "$D1" <<'EOF' || fail "list ls --json does not show the pause"
import json, sys
l = [x for x in json.loads(sys.argv[1]) if x["name"] == "trending"][0]
assert l["paused"] is True, l
assert "hard bounces" in l["paused_reason"] and sys.argv[2] in l["paused_reason"], l
assert isinstance(l["paused_at"], (int, float)) and l["paused_at"] > 0, l
EOF

expect_rc 0 pb list resume trending
assert_contains "$OUT" "list 'trending' resumed" "resume"
PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_eq "$(day_count queued)" 0 "the held mail goes out after resume"
assert_eq "$(day_count bounced)" 10 "all ten refused addresses bounced"
assert_eq "$(day_count sent)" 90 "all ninety others sent"
assert_eq "$(msg_count "$TMP/sink")" 90 "the server got ninety"
assert_eq "$(sql "SELECT count(*) FROM list_pauses WHERE resumed_at IS NULL")" 0 "a resumed mailing is not paused again"
assert_eq "$(sql "SELECT count(*) FROM subscriptions WHERE status = 'bounced'")" 10 "refused addresses suspended"
assert_eq "$(paused_json trending)" "False False" "a resumed list in --json"

# a clean mailing of another list is not paused
expect_rc 0 pb list add clean --title Clean --categories cs.LG
sql "INSERT INTO subscribers (email, created_at) SELECT 'c' || value || '@example.org', 1 FROM generate_series(1, 20)" 2>/dev/null ||
    for i in $(seq 1 20); do sql "INSERT INTO subscribers (email, created_at) VALUES ('c$i@example.org', 1)"; done
sql "INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at) SELECT id, (SELECT id FROM lists WHERE name='clean'), 'confirmed', 1, 1, 1 FROM subscribers WHERE email LIKE 'c%@example.org'"
PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_eq "$(sql "SELECT count(*) FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN lists l ON l.id = s.list_id WHERE l.name = 'clean' AND o.state = 'sent'")" 20 "the clean list is sent"
assert_eq "$(sql "SELECT count(*) FROM list_pauses p JOIN lists l ON l.id = p.list_id WHERE l.name = 'clean'")" 0 "a clean mailing does not pause"

# ---- serve's delivery workers run the guard too, and /healthz says why:
# a third list's mailing is queued while the relay is down, then serve
# delivers it to a relay that refuses every tenth address
need curl command -v curl
expect_rc 0 pb list add served --title Served --categories cs.LG
for i in $(seq 1 40); do
    if [ $((i % 10)) = 1 ]; then a=unknown-s$i; else a=s$i; fi
    sql "INSERT INTO subscribers (email, created_at) VALUES ('$a@example.org', 1); INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at) VALUES (last_insert_rowid(), (SELECT id FROM lists WHERE name='served'), 'confirmed', 1, 1, 1)"
done
smtp_stop
PAPERBOY_NOW=$(at $D1) expect_rc 1 pb send --date $D1 --list served
sql "UPDATE outbox SET state = 'queued', next_attempt_at = 0 WHERE state = 'deferred'"
smtp_start sink2 --faults
sed -i "s|^url = smtp://.*|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"
cfg_add "[web]"
cfg_add "listen = 127.0.0.1:0"
PAPERBOY_NOW=$(at $D1) "$PAPERBOY" -c "$CFG" serve >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVE=$!
for _ in $(seq 100); do
    [ "$(sql "SELECT count(*) FROM list_pauses p JOIN lists l ON l.id = p.list_id WHERE l.name = 'served' AND resumed_at IS NULL")" = 1 ] && break
    sleep 0.1
done
WEB=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$TMP/serve.err" | head -n1)
health=$(curl -s "$WEB/healthz")
kill "$SERVE"
wait "$SERVE" || true
assert_eq "$(sql "SELECT count(*) FROM list_pauses p JOIN lists l ON l.id = p.list_id WHERE l.name = 'served' AND resumed_at IS NULL")" 1 "serve's RCPT bounces pause the list"
assert_contains "$(cat "$TMP/serve.err")" "paused: hard bounces" "serve logs the pause"
assert_contains "$health" '"reason":"list_paused"' "/healthz is degraded by the pause"
assert_contains "$health" '"list":"served","reason":"hard bounces' "/healthz names the paused list"
held=$(sql "SELECT count(*) FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN lists l ON l.id = s.list_id WHERE l.name = 'served' AND o.state = 'queued'")
[ "$held" -gt 0 ] || fail "serve kept sending the paused list"
assert_eq "$(msg_count "$TMP/sink2")" "$(sql "SELECT count(*) FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN lists l ON l.id = s.list_id WHERE l.name = 'served' AND o.state = 'sent'")" "serve's relay got only what was recorded as sent"
pass
