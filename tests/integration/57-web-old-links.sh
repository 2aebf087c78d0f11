#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 57-web-old-links: a removed subscriber's links never reach the next
# person (issue 12, item 1), against the real `paperboy serve` and `send`.
# A subscribes through the form and confirms with the mailed link, gets a
# digest from `send`; the operator removes A; B subscribes through the
# form, confirms and gets a digest.  Every link A ever received (confirm,
# preferences, unsubscribe from the page and from the digest, the digest
# view) must now be refused and must neither show nor change B.  Then an
# old confirmation link of C, refused after C left, must stay refused when
# the address is signed up again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
cfg_add "subscribe_per_minute = 0"
web_start
web_seed_papers

# mail_link ADDR ROUTE - the last /ROUTE/TOKEN link in the newest mail to ADDR
mail_link() {
    /usr/bin/python3 - "$TMP/mail" "$1" "$2" <<'PYEOF'
import email, email.policy, os, re, sys
root, addr, route = sys.argv[1:4]
files = [os.path.join(root, d, f) for d in ("new", "cur")
         if os.path.isdir(os.path.join(root, d))
         for f in os.listdir(os.path.join(root, d))]
files.sort(key=os.path.getmtime)
found = ""
for path in files:
    msg = email.message_from_binary_file(open(path, "rb"), policy=email.policy.default)
    if addr not in str(msg["To"]):
        continue
    body = "".join(p.get_content() for p in msg.walk()
                   if p.get_content_type() in ("text/plain", "text/html"))
    links = re.findall(r"/%s/([A-Za-z0-9_-]{20,})" % re.escape(route), body)
    if links:
        found = links[-1]
print(found)
PYEOF
}

# page_link ROUTE - the /ROUTE/TOKEN link on the last page fetched
page_link() {
    printf '%s' "$BODY" | sed -n "s|.*/$1/\([A-Za-z0-9_-]*\)\".*|\1|p" | head -n1
}

# subscribe_confirm ADDR - sign up through the form, confirm with the
# mailed link; sets CTOK, PTOK and UTOK (the confirmed page's links)
subscribe_confirm() {
    local n
    n=$(mail_count)
    http POST /subscribe --data-binary "email=$(printf '%s' "$1" | sed 's/@/%40/')&keywords=kv+cache"
    expect_code 200 "subscribe $1"
    wait_mail $((n + 1))
    CTOK=$(mail_link "$1" confirm)
    [ -n "$CTOK" ] || fail "no confirmation link mailed to $1"
    http POST "/confirm/$CTOK" -d ''
    expect_code 200 "confirm $1"
    PTOK=$(page_link preferences)
    UTOK=$(page_link unsubscribe)
    [ -n "$PTOK" ] && [ -n "$UTOK" ] || fail "confirmed page of $1 lacks its links"
}

# send_digests - stop serve, run `paperboy send`, start serve again
send_digests() {
    web_stop
    expect_rc 0 pb send
    web_start
}

subscribe_confirm alice@example.org
A_CTOK=$CTOK A_PTOK=$PTOK A_UTOK=$UTOK
A_ID=$(sql "SELECT id FROM subscriptions")
send_digests
A_VTOK=$(mail_link alice@example.org d)
A_DPTOK=$(mail_link alice@example.org preferences)
[ -n "$A_VTOK" ] && [ -n "$A_DPTOK" ] || fail "alice's digest lacks its links"
A_DID=$(sql "SELECT id FROM digests")
http GET "/d/$A_VTOK"
expect_code 200 "alice's digest view before removal"
assert_contains "$BODY" "Fast KV cache compression"

expect_rc 0 pb subscriber rm alice@example.org
assert_eq "$(sql "SELECT count(*) FROM subscriptions")" 0 "alice removed"

subscribe_confirm bob@example.org
B_ID=$(sql "SELECT id FROM subscriptions")
[ "$B_ID" != "$A_ID" ] || fail "bob got alice's old subscription id $A_ID"
send_digests
B_DID=$(sql "SELECT id FROM digests")
[ -n "$B_DID" ] || fail "no digest frozen for bob"
[ "$B_DID" != "$A_DID" ] || fail "bob's digest got alice's old digest id $A_DID"

# every old link of alice: refused, and shows nothing of bob
for p in "/preferences/$A_PTOK" "/preferences/$A_DPTOK" "/unsubscribe/$A_UTOK" \
    "/confirm/$A_CTOK" "/d/$A_VTOK"; do
    http GET "$p"
    case "$CODE" in 400 | 404) ;; *) fail "GET $p (alice's old link): HTTP $CODE, want 400 or 404" ;; esac
    assert_not_contains "$BODY" "bob@example.org" "page of alice's old link $p"
done
http POST "/unsubscribe/$A_UTOK" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary 'List-Unsubscribe=One-Click'
case "$CODE" in 400 | 404) ;; *) fail "One-Click with alice's old link: HTTP $CODE" ;; esac
http POST "/preferences/$A_PTOK" -d 'action=leave'
case "$CODE" in 400 | 404) ;; *) fail "leave with alice's old link: HTTP $CODE" ;; esac
http POST "/preferences/$A_PTOK" -d 'keywords=hijacked&max_papers=3'
case "$CODE" in 400 | 404) ;; *) fail "preferences POST with alice's old link: HTTP $CODE" ;; esac
assert_eq "$(sql "SELECT status || '|' || keywords FROM subscriptions")" \
    "confirmed|kv cache" "bob's subscription untouched by alice's links"

# a token minted for bob's id but issued before his row was made
old=$(($(sql "SELECT created_at FROM subscriptions") - 1))
http GET "/preferences/$(token p "$B_ID" "$old")"
expect_code 404 "token older than its subscription"
http GET "/d/$(token v "$B_DID" "$(($(sql "SELECT created_at FROM digests") - 1))")"
expect_code 404 "view token older than its digest"

# ---- an old confirmation link stays dead when the address signs up again
n=$(mail_count)
http POST /subscribe --data-binary "email=carol%40example.org"
expect_code 200 "subscribe carol"
wait_mail $((n + 1))
C_CTOK=$(mail_link carol@example.org confirm)
[ -n "$C_CTOK" ] || fail "no confirmation link mailed to carol"
C_ID=$(sql "SELECT s.id FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'carol@example.org'")
http POST "/unsubscribe/$(token u "$C_ID")" -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary 'List-Unsubscribe=One-Click'
expect_code 200 "carol leaves"
http GET "/confirm/$C_CTOK"
expect_code 400 "confirm link after leaving"
sleep 1.1 # a new pending period starts in a later second than the link
http POST /subscribe --data-binary "email=carol%40example.org"
expect_code 200 "carol signed up again"
assert_eq "$(sql "SELECT status FROM subscriptions WHERE id = $C_ID")" "pending" "carol pending again"
http POST "/confirm/$C_CTOK" -d ''
expect_code 400 "old confirmation link after a new sign-up"
assert_eq "$(sql "SELECT status FROM subscriptions WHERE id = $C_ID")" "pending" \
    "the old link did not confirm the new sign-up"

web_stop
pass
