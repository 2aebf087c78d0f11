#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 92-web-manage-drift: a "manage my subscription" mail is composed when it
# is sent, from the subscriptions the address has then, and every link in
# it works when it arrives.  Two drifts between queueing and sending:
#  - a subscription created after the mail was queued: it is listed and
#    its preferences and unsubscribe links open (its tokens are issued no
#    earlier than its row, so the row check does not take them for links
#    to a row that is gone);
#  - the subscription the outbox row hangs on unsubscribed, or removed
#    (`subscriber rm --list`), while another stays live: the mail still
#    goes, listing the live one only.
# The rows are seeded before the real `paperboy serve` starts (it then
# sends what is due), which writes mail into the maildir.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
pb list ls >/dev/null || fail "creating the database"

now=$(date +%s)
q=$((now - 600)) # queued ten minutes ago
sql "INSERT INTO lists (name, title, categories, created_at) VALUES
       ('vision', 'Vision papers', 'cs.CV', 1), ('robots', 'Robot papers', 'cs.RO', 1);
     INSERT INTO subscribers (email, created_at, manage_sent_at) VALUES
       ('late@example.org', 1, $q), ('left@example.org', 1, $q),
       ('rm@example.org', 1, $q);
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at)
       VALUES ((SELECT id FROM subscribers WHERE email = 'late@example.org'),
               (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 1, 1, 1),
              ((SELECT id FROM subscribers WHERE email = 'late@example.org'),
               (SELECT id FROM lists WHERE name = 'vision'), 'confirmed', $((q + 60)), $((q + 60)), $((q + 60))),
              ((SELECT id FROM subscribers WHERE email = 'left@example.org'),
               (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 1, 1, 1),
              ((SELECT id FROM subscribers WHERE email = 'rm@example.org'),
               (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 1, 1, 1),
              ((SELECT id FROM subscribers WHERE email = 'rm@example.org'),
               (SELECT id FROM lists WHERE name = 'robots'), 'confirmed', 2, 2, 2);
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, unsubscribed_at)
       VALUES ((SELECT id FROM subscribers WHERE email = 'left@example.org'),
               (SELECT id FROM lists WHERE name = 'robots'), 'unsubscribed', 2, $((q + 60)), $((q + 60)));
     -- each queued at q on the subscription that was newest then
     INSERT INTO outbox (kind, priority, subscription_id, rcpt, message_id,
                         issued_at, state, created_at, next_attempt_at)
       SELECT 'manage', 0, s.id, b.email, '<m.' || s.id || '.$q@example.org>',
              $q, 'queued', $q, $q
       FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id
       JOIN lists l ON l.id = s.list_id
       WHERE (b.email = 'late@example.org' AND l.name = 'trending')
          OR (b.email = 'left@example.org' AND l.name = 'robots')
          OR (b.email = 'rm@example.org' AND l.name = 'robots');" ||
    fail "seeding"
# the row of rm@ hangs on its robots subscription, removed now
expect_rc 0 pb subscriber rm rm@example.org --list robots
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind = 'manage'")" 3 "the manage mail of rm@ kept"
web_start

mail_to() { grep -l "^To: .*$1" "$TMP"/mail/new/* 2>/dev/null | head -n1; }
for i in $(seq 1 150); do
    [ -n "$(mail_to late@example.org)" ] && [ -n "$(mail_to left@example.org)" ] &&
        [ -n "$(mail_to rm@example.org)" ] && break
    [ "$(sql "SELECT count(*) FROM outbox WHERE kind = 'manage' AND state IN ('queued', 'sending', 'deferred')")" = 0 ] && break
    sleep 0.1
done
text_of() {
    /usr/bin/python3 - "$1" <<'PYEOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for part in m.walk():
    if part.get_content_type() == "text/plain":
        print(part.get_payload(decode=True).decode())
PYEOF
}

# created after queueing: listed, and its links work
f=$(mail_to late@example.org)
[ -n "$f" ] || fail "no manage mail for late@: $(sql "SELECT kind, rcpt, state, last_reply FROM outbox")"
mail=$(text_of "$f") || fail "reading the mail to late@"
assert_contains "$mail" "Trending papers"
assert_contains "$mail" "Vision papers"
links=$(printf '%s\n' "$mail" | grep -o 'http://[^ ]*/\(preferences\|unsubscribe\)/[A-Za-z0-9_-]*')
assert_eq "$(printf '%s\n' "$links" | wc -l)" "4" "two links for each of two subscriptions"
for l in $links; do
    http GET "${l#http://127.0.0.1:1}"
    expect_code 200 "link $l in the mail to late@"
done
vision_prefs=$(printf '%s\n' "$links" | grep /preferences/ | sed -n 2p)
http GET "${vision_prefs#http://127.0.0.1:1}"
assert_contains "$BODY" "Vision papers" "the second preferences link is the new subscription's"

# the row's own subscription left, another is live: the mail still goes
f=$(mail_to left@example.org)
[ -n "$f" ] || fail "no manage mail for left@ (its row's subscription left, trending is live): $(sql "SELECT kind, rcpt, state FROM outbox")"
mail=$(text_of "$f") || fail "reading the mail to left@"
assert_contains "$mail" "Trending papers"
assert_not_contains "$mail" "Robot papers" "the subscription that left"
for l in $(printf '%s\n' "$mail" | grep -o 'http://[^ ]*/\(preferences\|unsubscribe\)/[A-Za-z0-9_-]*'); do
    http GET "${l#http://127.0.0.1:1}"
    expect_code 200 "link $l in the mail to left@"
done

f=$(mail_to rm@example.org)
[ -n "$f" ] || fail "no manage mail for rm@ (its row's subscription removed, trending is live): $(sql "SELECT kind, rcpt, state FROM outbox")"
mail=$(text_of "$f") || fail "reading the mail to rm@"
assert_contains "$mail" "Trending papers"
assert_not_contains "$mail" "Robot papers" "the removed subscription"
for l in $(printf '%s\n' "$mail" | grep -o 'http://[^ ]*/\(preferences\|unsubscribe\)/[A-Za-z0-9_-]*'); do
    http GET "${l#http://127.0.0.1:1}"
    expect_code 200 "link $l in the mail to rm@"
done

web_stop
pass
