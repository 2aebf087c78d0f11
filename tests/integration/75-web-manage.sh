#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 75-web-manage: "manage my subscription" against the real `paperboy
# serve` and a real SMTP server (aiosmtpd).  POST /manage answers the same
# page for a confirmed, an unknown and an unsubscribed address; only the
# subscribed one gets a mail, whose preferences and unsubscribe links
# work; one such mail per address per 24 h; the per-client limit of the
# sign-up form (429 with Retry-After); bad addresses are a 400 next to
# the field; the form links to the page.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need python3-aiosmtpd /usr/bin/python3 -c 'import aiosmtpd'
mkdir -p "$TMP/smtp"
/usr/bin/python3 "$SRC_DIR/tests/integration/servers/smtp_server.py" --dir "$TMP/smtp" \
    >"$TMP/smtp.port" 2>"$TMP/smtp.log" &
SMTP_PID=$!
manage_cleanup() {
    kill "$SMTP_PID" 2>/dev/null || true
    web_cleanup
}
trap manage_cleanup EXIT
for i in $(seq 1 100); do
    [ -s "$TMP/smtp.port" ] && break
    sleep 0.1
done
smtp_port=$(head -n1 "$TMP/smtp.port")
[ -n "$smtp_port" ] || fail "smtp_server.py did not start: $(cat "$TMP/smtp.log")"
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$smtp_port"
cfg_add "starttls = off"
web_config
cfg_add "subscribe_per_minute = 6"
web_start

# two lists; known@ is confirmed on one, pending on the other; gone@ left
sql "INSERT INTO lists (name, title, categories, created_at) VALUES ('vision', 'Vision papers', 'cs.CV', 1);
     INSERT INTO subscribers (email, created_at) VALUES ('known@example.org', 1), ('gone@example.org', 1);
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at)
       VALUES ((SELECT id FROM subscribers WHERE email = 'known@example.org'),
               (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 1, 1, 1),
              ((SELECT id FROM subscribers WHERE email = 'known@example.org'),
               (SELECT id FROM lists WHERE name = 'vision'), 'pending', 2, 2, NULL);
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, unsubscribed_at)
       VALUES ((SELECT id FROM subscribers WHERE email = 'gone@example.org'),
               (SELECT id FROM lists WHERE name = 'trending'), 'unsubscribed', 1, 1, 1);" ||
    fail "seeding subscribers"

eml_to() { grep -l "^X-Test-Rcpt: $1" "$TMP/smtp"/*.eml 2>/dev/null; }

# the form links to the page; the page is a form
http GET /
assert_contains "$BODY" 'href="/manage"' "link from the form"
http GET /manage
expect_code 200 "GET /manage"
assert_contains "$BODY" '<form class="card" id="manage" method="post" action="/manage"'
assert_contains "$BODY" '<label for="email">'
http DELETE /manage
expect_code 405 "DELETE /manage"

# the same answer for known, unknown and unsubscribed addresses
http POST /manage --data-urlencode 'email=known@Example.ORG'
expect_code 200 "POST /manage (known)"
known_body=${BODY//known@example.org/ADDR}
assert_contains "$BODY" "Check your inbox"
http POST /manage --data-urlencode 'email=nobody@example.org'
expect_code 200 "POST /manage (unknown)"
assert_eq "${BODY//nobody@example.org/ADDR}" "$known_body" "same page for an unknown address"
http POST /manage --data-urlencode 'email=gone@example.org'
expect_code 200 "POST /manage (unsubscribed)"
assert_eq "${BODY//gone@example.org/ADDR}" "$known_body" "same page for an unsubscribed address"

# the mail arrives, for the known address only, with both lists' links
for i in $(seq 1 150); do
    [ -n "$(eml_to known@example.org)" ] && break
    sleep 0.1
done
f=$(eml_to known@example.org)
[ -n "$f" ] || fail "no manage mail arrived: $(sql "SELECT kind, state, last_reply FROM outbox")"
mail=$(/usr/bin/python3 - "$f" <<'PYEOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
assert m["Subject"] == "Your Paperboy subscriptions", m["Subject"]
for part in m.walk():
    if part.get_content_type() == "text/plain":
        print(part.get_payload(decode=True).decode())
PYEOF
) || fail "could not read the manage mail"
assert_contains "$mail" "Trending papers"
assert_contains "$mail" "Vision papers (not confirmed yet)"
sleep 1
assert_eq "$(ls "$TMP/smtp"/*.eml | wc -l)" "1" "one mail: none for unknown or unsubscribed addresses"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind = 'manage'")" "1" "one outbox row"
prefs=$(printf '%s\n' "$mail" | grep -o 'http://[^ ]*/preferences/[A-Za-z0-9_-]*' | head -n1)
unsub=$(printf '%s\n' "$mail" | grep -o 'http://[^ ]*/unsubscribe/[A-Za-z0-9_-]*' | head -n1)
[ -n "$prefs" ] && [ -n "$unsub" ] || fail "links missing in the mail: $mail"
http GET "/preferences/${prefs##*/preferences/}"
expect_code 200 "preferences link from the mail"
assert_contains "$BODY" "Trending papers"
http POST "/unsubscribe/${unsub##*/unsubscribe/}"
expect_code 200 "unsubscribe link from the mail"
assert_eq "$(sql "SELECT s.status FROM subscriptions s JOIN lists l ON l.id = s.list_id JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = 'known@example.org' AND l.name = 'trending'")" \
    "unsubscribed" "unsubscribed through the mailed link"

# one per address per 24 h: the same page, no second row
http POST /manage --data-urlencode 'email=known@example.org'
expect_code 200 "POST /manage again"
assert_eq "${BODY//known@example.org/ADDR}" "$known_body" "same page the second time"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind = 'manage'")" "1" "per-address limit"

# bad input: a 400 next to the field, nothing queued
http POST /manage --data-urlencode 'email=not an address'
expect_code 400 "bad address"
assert_contains "$BODY" 'id="email-error"'
assert_contains "$BODY" 'value="not an address"' "typed address kept"
http POST /manage --data-binary 'email=a%0d%0aBcc%3a+x%40example.org'
expect_code 400 "CR/LF in the address"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind = 'manage'")" "1" "nothing queued for bad input"

# the per-client bucket of the sign-up form (6 a minute; 6 posts so far)
http POST /manage --data-urlencode 'email=other@example.org'
expect_code 429 "per-client limit"
[ -n "$(header Retry-After)" ] || fail "no Retry-After on 429"
http POST /subscribe --data-urlencode 'email=other@example.org'
expect_code 429 "the bucket is the sign-up form's"

web_stop
pass
