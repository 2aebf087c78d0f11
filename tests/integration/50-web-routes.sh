#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 50-web-routes: every route of the web side against the real `paperboy
# serve` on an ephemeral loopback port, and every error path: security
# headers, the form and its live sample, static files, malformed
# percent-encoding, invalid UTF-8, oversize bodies and fields, CR/LF in
# fields, script payloads (escaped on every page and in the confirmation
# mail), one confirmation per 24 hours, the same answer for a known
# address, tokens forged/tampered/truncated/expired/for another page,
# GET never confirming or unsubscribing, RFC 8058 one-click, queued mail
# dropped on unsubscription, archive, Atom feed, /healthz and /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
cfg_add "subscribe_per_minute = 0"
web_start
web_seed_papers

CSP="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

check_security_headers() {
    assert_eq "$(header Content-Security-Policy)" "$CSP" "CSP on $1"
    assert_eq "$(header X-Content-Type-Options)" "nosniff" "nosniff on $1"
    assert_eq "$(header Referrer-Policy)" "no-referrer" "Referrer-Policy on $1"
    assert_eq "$(header X-Frame-Options)" "DENY" "X-Frame-Options on $1"
}

# ---- GET / : the form, labels, security headers
http GET /
expect_code 200 "GET /"
check_security_headers "GET /"
assert_contains "$(header Content-Type)" "text/html"
for f in email keywords max_papers; do
    assert_contains "$BODY" "<label for=\"$f\">" "label for $f"
    assert_contains "$BODY" "id=\"$f\"" "field $f"
done
assert_contains "$BODY" 'name="categories" value="cs.LG"'
assert_contains "$BODY" 'name="website"' "honeypot field"
assert_contains "$BODY" 'action="/subscribe"'
assert_not_contains "$BODY" "<script>" "inline script on /"

# ---- live sample, server-rendered, without JavaScript
http GET "/?keywords=kv+cache"
expect_code 200 "GET /?keywords="
assert_contains "$BODY" "Fast KV cache compression for long context"
assert_contains "$BODY" "matching <q>kv cache</q>"
assert_not_contains "$BODY" "Reinforcement learning from human feedback" \
    "sample for 'kv cache'"
# typed as people type: no paper holds all of "kv cache quantisation
# transformers" (a hard AND found nothing), the sample ranks by the same
# soft query as search and the digest
http GET "/sample?keywords=kv+cache+quantisation+transformers&max_papers=3"
expect_code 200 "GET /sample, typed"
assert_contains "$BODY" "Fast KV cache compression for long context" "typed query in the sample"
http GET "/sample?keywords=diffusion&max_papers=3"
expect_code 200 "GET /sample"
assert_contains "$BODY" "Diffusion &lt;b&gt;models&lt;/b&gt; &amp; &quot;GANs&quot; &lt;script&gt;x()&lt;/script&gt;"
assert_not_contains "$BODY" "<script>x()" "paper title escaped in sample"
assert_not_contains "$BODY" "<html" "sample is a fragment"
http GET "/sample"
assert_contains "$BODY" "trending papers"
assert_contains "$BODY" "Fast KV cache"      # trending order: 42 upvotes first
http GET "/?keywords=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
expect_code 200 "script payload in the sample keywords"
assert_contains "$BODY" 'value="&lt;script&gt;alert(1)&lt;/script&gt;"'
assert_not_contains "$BODY" "<script>alert(1)" "keywords escaped on the form"

# ---- static files
http GET /static/style.css
expect_code 200 "style.css"
check_security_headers "static"
assert_contains "$(header Content-Type)" "text/css"
assert_contains "$(header Cache-Control)" "max-age="
etag=$(header ETag)
[ -n "$etag" ] || fail "no ETag on a static file"
http GET /static/style.css -H "If-None-Match: $etag"
expect_code 304 "If-None-Match"
http GET /static/app.js
expect_code 200 "app.js"
assert_contains "$(header Content-Type)" "text/javascript"
for p in "/static/../paperboy.ini" "/static/%2e%2e/paperboy.ini" \
    "/static/%2e%2e%2fpaperboy.ini" "/static/.hidden" "/static/nope.css" \
    "/static/" "/static/templates%2findex.html"; do
    http GET "$p" --path-as-is
    expect_code 404 "static path $p"
done
http GET /no/such/page
expect_code 404 "unknown page"
check_security_headers "404"
assert_contains "$BODY" "Go to the subscribe form"

# ---- methods
http DELETE /
expect_code 405 "DELETE /"
http GET /subscribe
expect_code 405 "GET /subscribe"
assert_eq "$(header Allow)" "POST" "Allow on /subscribe"
http POST /healthz -d x=1
expect_code 405 "POST /healthz"

# ---- malformed input: percent-encoding, UTF-8, NUL, sizes
http GET "/?keywords=%zz"
expect_code 400 "malformed percent-encoding in the query"
check_security_headers "400"
http GET "/?keywords=%C3%28"
expect_code 400 "invalid UTF-8 in the query"
http GET "/?keywords=%4"
expect_code 400 "truncated escape"
http POST /subscribe --data-binary 'email=a%zz%40example.org'
expect_code 400 "malformed percent-encoding in the body"
http POST /subscribe --data-binary 'email=a%40example.org&keywords=%FF%FE'
expect_code 400 "invalid UTF-8 in the body"
http POST /subscribe --data-binary 'email=a%00b%40example.org'
expect_code 400 "NUL in the body"
head -c 20000 /dev/zero | tr '\0' 'a' >"$TMP/big"
http POST /subscribe --data-binary "@$TMP/big"
expect_code 413 "20 KB body"
http POST /subscribe -H "Transfer-Encoding: chunked" --data-binary "@$TMP/big"
expect_code 413 "20 KB chunked body"
long=$(head -c 700 /dev/zero | tr '\0' 'k')
http POST /subscribe --data-binary "email=bob%40example.org&keywords=$long"
expect_code 400 "oversize keywords"
assert_contains "$BODY" 'id="keywords-error"'
assert_contains "$BODY" "value=\"$long\"" "typed keywords kept"
assert_contains "$BODY" 'value="bob@example.org"' "typed email kept"
longmail=$(head -c 300 /dev/zero | tr '\0' 'm')
http POST /subscribe --data-binary "email=$longmail%40example.org"
expect_code 400 "oversize email"
assert_contains "$BODY" 'id="email-error"'
huge=$(head -c 5000 /dev/zero | tr '\0' 'h')
http POST /subscribe --data-binary "email=x%40example.org&keywords=$huge"
expect_code 400 "field over the decoder's cap"

# ---- CR/LF in fields: errors next to the field, nothing stored
http POST /subscribe --data-binary 'email=carol%40example.org%0D%0ABcc%3A+x%40evil.example&keywords=ok'
expect_code 400 "CR/LF in email"
assert_contains "$BODY" 'id="email-error"'
assert_contains "$BODY" 'aria-invalid="true"'
http POST /subscribe --data-binary 'email=carol%40example.org&keywords=a%0Ab'
expect_code 400 "LF in keywords"
assert_contains "$BODY" 'id="keywords-error"'
http POST /subscribe --data-binary 'email=not-an-address&keywords=x'
expect_code 400 "bad address"
assert_contains "$BODY" 'value="not-an-address"'
http POST /subscribe --data-binary 'email=dave%40example.org&max_papers=99'
expect_code 400 "max_papers out of range"
assert_contains "$BODY" 'id="max_papers-error"'
http POST /subscribe --data-binary 'email=dave%40example.org&categories=math.AG'
expect_code 400 "category not in the list"
assert_contains "$BODY" 'id="categories-error"'
http POST /subscribe --data-binary 'email=dave%40example.org&list=nope'
expect_code 400 "unknown list"
assert_eq "$(sql "SELECT count(*) FROM subscribers")" "0" "nothing stored by bad posts"

# ---- honeypot
http POST /subscribe --data-binary 'email=bot%40example.org&website=http%3A%2F%2Fspam.example'
expect_code 200 "honeypot"
assert_contains "$BODY" "Check your inbox"
assert_eq "$(sql "SELECT count(*) FROM subscribers")" "0" "honeypot stores nothing"

# ---- a real subscription with a script payload in the keywords
payload='kv+cache%2C+%3Cscript%3Ealert(1)%3C%2Fscript%3E'
http POST /subscribe --data-binary "email=Eve%40Example.ORG&list=trending&keywords=$payload&categories=cs.LG&categories=cs.CL&max_papers=7"
expect_code 200 "subscribe"
check_security_headers "POST /subscribe"
assert_contains "$BODY" "Check your inbox"
first_answer=$BODY
assert_eq "$(sql "SELECT status||'|'||categories||'|'||max_papers FROM subscriptions")" \
    "pending|cs.LG,cs.CL|7" "pending subscription"
assert_eq "$(sql "SELECT keywords FROM subscriptions")" \
    "kv cache, <script>alert(1)</script>" "keywords stored as typed"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind='confirm'")" "1" "one confirmation queued"
sub=$(sql "SELECT id FROM subscriptions")
wait_mail 1

# the confirmation mail: the link is in it, the payload is not live HTML
mailfile=$(find "$TMP/mail/new" "$TMP/mail/cur" -type f | head -n1)
/usr/bin/python3 - "$mailfile" >"$TMP/mailcheck" <<'PYEOF' || fail "confirmation mail: $(cat "$TMP/mailcheck")"
import email, email.policy, re, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
html = text = ""
for part in msg.walk():
    if part.get_content_type() == "text/html":
        html += part.get_content()
    elif part.get_content_type() == "text/plain":
        text += part.get_content()
body = html + text
m = re.search(r"/confirm/([A-Za-z0-9_-]+)", body)
if not m:
    print("no /confirm/ link in the mail"); sys.exit(1)
if "<script>alert(1)" in html:
    print("unescaped payload in the HTML part"); sys.exit(1)
print(m.group(1))
PYEOF
ctok=$(tail -n1 "$TMP/mailcheck")

# ---- the same answer, and no second mail, however often the form is sent
http POST /subscribe --data-binary "email=eve%40example.org&list=trending&keywords=$payload&categories=cs.LG&categories=cs.CL&max_papers=7"
expect_code 200 "second subscribe"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind='confirm'")" "1" "still one confirmation (24 h)"
assert_eq "$(sql "SELECT count(*) FROM subscribers")" "1" "address matched case-insensitively"

# ---- confirm: GET shows a button and changes nothing; POST confirms
http GET "/confirm/$ctok"
expect_code 200 "GET /confirm"
assert_contains "$BODY" "<form method=\"post\" action=\"/confirm/$ctok\">"
assert_contains "$BODY" "Eve@example.org" "address on the confirm page"
assert_eq "$(sql "SELECT status FROM subscriptions")" "pending" "GET must not confirm"
http HEAD "/confirm/$ctok"
assert_eq "$(sql "SELECT status FROM subscriptions")" "pending" "HEAD must not confirm"
http POST "/confirm/$ctok" -d ''
expect_code 200 "POST /confirm"
assert_contains "$BODY" "You are subscribed"
assert_eq "$(sql "SELECT status FROM subscriptions")" "confirmed" "POST confirms"
ptok=$(printf '%s' "$BODY" | sed -n 's/.*\/preferences\/\([A-Za-z0-9_-]*\).*/\1/p' | head -n1)
utok=$(printf '%s' "$BODY" | sed -n 's/.*\/unsubscribe\/\([A-Za-z0-9_-]*\).*/\1/p' | head -n1)
[ -n "$ptok" ] && [ -n "$utok" ] || fail "confirmed page lacks preferences/unsubscribe links"
http POST "/confirm/$ctok" -d ''
expect_code 200 "confirming twice is harmless"

# ---- an address already subscribed gets the very same page, no mail
http POST /subscribe --data-binary "email=Eve%40Example.ORG&list=trending&keywords=$payload&categories=cs.LG&categories=cs.CL&max_papers=7"
expect_code 200 "subscribe while confirmed"
assert_eq "$BODY" "$first_answer" "same answer for a subscribed address"
assert_eq "$(sql "SELECT status||'|'||max_papers FROM subscriptions")" "confirmed|7" \
    "the form cannot change a confirmed subscription"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE kind='confirm'")" "1" "no mail for a subscribed address"

# ---- bad tokens: forged, tampered, truncated, wrong page, expired
check_bad_token() {
    http "$1" "$2" ${3:+-d "$3"}
    expect_code 400 "bad token $2"
    check_security_headers "bad token"
    assert_contains "$BODY" "$4" "explanation for $2"
    assert_contains "$BODY" 'href="/"' "link back to the form"
}
mid=$(( ${#ctok} / 2 ))
c=${ctok:$mid:1}
if [ "$c" = A ]; then r=B; else r=A; fi
tampered=${ctok:0:$mid}$r${ctok:$((mid + 1))}
check_bad_token GET "/confirm/$tampered" "" "changed or was not made by this server"
check_bad_token POST "/confirm/$tampered" "x=1" "changed or was not made by this server"
check_bad_token GET "/confirm/${ctok:0:20}" "" "incomplete or damaged"
check_bad_token GET "/confirm/$utok" "" "different page"
forged=$(WEB_SECRET=another-secret-0123456789abcdef token c "$sub")
check_bad_token GET "/confirm/$forged" "" "was not made by this server"
expired=$(token c "$sub" $(( $(date +%s) - 8 * 86400 )))
check_bad_token GET "/confirm/$expired" "" "expired"
check_bad_token POST "/confirm/$expired" "x=1" "expired"
check_bad_token GET "/unsubscribe/$tampered" "" "changed or was not made"
check_bad_token GET "/preferences/%3Cscript%3E" "" "incomplete or damaged"
check_bad_token GET "/d/AAAA" "" "incomplete or damaged"
assert_eq "$(sql "SELECT status FROM subscriptions")" "confirmed" "bad tokens changed nothing"
# unknown subscription with a valid signature
http GET "/preferences/$(token p 999999)"
expect_code 404 "token for a deleted subscription"

# ---- preferences: payload escaped, errors per field, save, pause
http GET "/preferences/$ptok"
expect_code 200 "GET /preferences"
assert_contains "$BODY" 'value="kv cache, &lt;script&gt;alert(1)&lt;/script&gt;"'
assert_not_contains "$BODY" "<script>alert(1)" "keywords escaped on preferences"
assert_contains "$BODY" 'value="cs.LG" checked'
assert_contains "$BODY" '<label for="timezone">'
http POST "/preferences/$ptok" --data-binary 'keywords=diffusion&max_papers=99&timezone=Mars%2FOlympus&categories=cs.CV'
expect_code 400 "bad preferences"
assert_contains "$BODY" 'id="max_papers-error"'
assert_contains "$BODY" 'id="timezone-error"'
assert_contains "$BODY" '<option selected>Mars/Olympus</option>' "posted time zone kept"
assert_eq "$(sql "SELECT max_papers FROM subscriptions")" "7" "bad preferences not saved"
# categories outside the list: the subscribe form's rule, so 400, nothing stored
cats_before=$(sql "SELECT categories||'|'||keywords||'|'||max_papers FROM subscriptions")
http POST "/preferences/$ptok" --data-binary 'action=save&keywords=x&max_papers=5&categories=math.AG&categories=q-bio.QM'
expect_code 400 "preferences with categories outside the list"
assert_contains "$BODY" 'id="categories-error"'
assert_eq "$(sql "SELECT categories||'|'||keywords||'|'||max_papers FROM subscriptions")" \
    "$cats_before" "foreign categories not stored"
http POST "/preferences/$ptok" --data-binary 'action=save&max_papers=5&categories=cs.LG&categories=stat.ML'
expect_code 400 "one category of the list, one not"
assert_eq "$(sql "SELECT categories||'|'||keywords||'|'||max_papers FROM subscriptions")" \
    "$cats_before" "half-foreign categories not stored"
http POST "/preferences/$ptok" --data-binary 'keywords=diffusion%0D%0Ax&max_papers=5'
expect_code 400 "CR/LF in keywords on preferences"
http POST "/preferences/$ptok" --data-binary 'action=save&keywords=diffusion%2C+%22kv+cache%22&max_papers=5&timezone=Europe%2FBerlin&categories=cs.CV&paused=1'
expect_code 200 "save preferences"
assert_contains "$BODY" "Saved"
assert_eq "$(sql "SELECT keywords||'|'||max_papers||'|'||timezone||'|'||categories||'|'||paused FROM subscriptions")" \
    'diffusion, "kv cache"|5|Europe/Berlin|cs.CV|1' "preferences stored"
http POST "/preferences/$ptok" --data-binary 'action=save&keywords=diffusion&max_papers=5&timezone='
expect_code 200 "unpause"
assert_eq "$(sql "SELECT paused||'|'||timezone||'|'||categories FROM subscriptions")" "0||" "unpaused"

# ---- the digest in the browser
sql "INSERT INTO digests (subscription_id, day, created_at) VALUES ($sub, date('now'), strftime('%s','now'));
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
       SELECT (SELECT max(id) FROM digests), 1, id, 1.0, 'matched: diffusion'
       FROM papers WHERE arxiv_id = '2611.00002';"
did=$(sql "SELECT max(id) FROM digests")
http GET "/d/$(token v "$did")"
expect_code 200 "GET /d/TOKEN"
# its own policy: the site's, with exactly the page's style attribute
# values allowed by hash (the mail's inline styles)
printf '%s' "$BODY" >"$TMP/view.html"
want_csp=$(/usr/bin/python3 - "$TMP/view.html" <<'PYEOF'
import base64, hashlib, html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.seen = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == "style" and v not in self.seen:
                self.seen.append(v)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
assert len(p.seen) > 10, p.seen
h = " ".join("'sha256-%s'" % base64.b64encode(hashlib.sha256(v.encode()).digest()).decode() for v in p.seen)
print("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-hashes' %s; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'" % h)
PYEOF
) || fail "could not hash the digest page's styles"
assert_eq "$(header Content-Security-Policy)" "$want_csp" "CSP of /d/"
assert_eq "$(header X-Frame-Options)" "DENY" "X-Frame-Options on /d/"
assert_eq "$(header X-Content-Type-Options)" "nosniff" "nosniff on /d/"
assert_contains "$BODY" "Diffusion &lt;b&gt;models"
assert_not_contains "$BODY" "<script>x()" "paper title escaped in the digest page"
http GET "/d/$(token v 999999)"
expect_code 404 "digest that does not exist"
check_security_headers "/d/ not found (the site's policy)"
http GET "/d/$(token u "$did")"
expect_code 400 "unsubscribe token on /d/"

# ---- unsubscribe: GET changes nothing; One-Click POST; queued mail dropped
http GET "/unsubscribe/$utok"
expect_code 200 "GET /unsubscribe"
assert_contains "$BODY" "<form method=\"post\" action=\"/unsubscribe/$utok\">"
assert_eq "$(sql "SELECT status FROM subscriptions")" "confirmed" "GET must not unsubscribe"
sql "INSERT INTO outbox (kind, priority, subscription_id, digest_id, rcpt, message_id, issued_at, state, created_at, next_attempt_at)
     VALUES ('digest', 1, $sub, $did, 'eve@example.org', '<test.1@example.org>', strftime('%s','now'), 'deferred', strftime('%s','now'), strftime('%s','now') + 3600)"
http POST "/unsubscribe/$utok" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'List-Unsubscribe=One-Click'
expect_code 200 "One-Click POST"
assert_eq "$BODY" "" "One-Click answers with no page"
assert_eq "$(sql "SELECT status FROM subscriptions")" "unsubscribed" "One-Click unsubscribes"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE subscription_id = $sub AND state IN ('queued','deferred','sending')")" \
    "0" "pending mail dropped"
http POST "/unsubscribe/$utok" -d ''
expect_code 200 "unsubscribe again (form)"
assert_contains "$BODY" "You are unsubscribed"
http GET "/preferences/$ptok"
expect_code 200 "preferences after leaving"
assert_contains "$BODY" "You are unsubscribed"

# the unsubscribed address is not mailed: the form does not send it a new
# confirmation within 24 h, and nothing is queued for it
mails_before=$(mail_count)
http POST /subscribe --data-binary "email=eve%40example.org&list=trending"
expect_code 200 "subscribe after leaving"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE subscription_id = $sub AND state IN ('queued','deferred','sending')")" \
    "0" "nothing queued within 24 h"
sleep 1
assert_eq "$(mail_count)" "$mails_before" "no mail to the address that left"

# ---- a second subscriber leaves through the preferences page
http POST /subscribe --data-binary "email=frank%40example.org&list=trending"
expect_code 200 "second subscriber"
sub2=$(sql "SELECT s.id FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'frank@example.org'")
sql "UPDATE subscriptions SET status = 'confirmed' WHERE id = $sub2"
http POST "/preferences/$(token p "$sub2")" -d 'action=leave'
expect_code 200 "leave from preferences"
assert_contains "$BODY" "You are unsubscribed"
assert_eq "$(sql "SELECT status FROM subscriptions WHERE id = $sub2")" "unsubscribed"

# ---- archive and Atom feed: public, escaped, no personal data
today=$(date -u +%F)
http GET "/archive/trending/$today"
expect_code 200 "archive"
assert_contains "$BODY" "Fast KV cache compression"
assert_contains "$BODY" "Diffusion &lt;b&gt;models&lt;/b&gt;"
assert_not_contains "$BODY" "<script>x()" "archive escapes titles"
assert_not_contains "$BODY" "example.org" "no addresses on the archive"
kv_line=$(printf '%s' "$BODY" | grep -n "Fast KV cache" | cut -d: -f1)
df_line=$(printf '%s' "$BODY" | grep -n "Diffusion &lt;b&gt;" | cut -d: -f1)
[ "$kv_line" -lt "$df_line" ] || fail "archive not ordered by trending"
http GET "/archive/trending"
expect_code 200 "archive: latest day"
assert_contains "$BODY" "$today"
http GET "/archive/trending/2026-13-45"
expect_code 404 "bad archive date"
http GET "/archive/nope/$today"
expect_code 404 "unknown list archive"
http GET "/feed/trending.atom"
expect_code 200 "feed"
assert_contains "$(header Content-Type)" "application/atom+xml"
printf '%s' "$BODY" >"$TMP/feed.xml"
/usr/bin/python3 - "$TMP/feed.xml" <<'PYEOF' || fail "the Atom feed is not valid"
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2005/Atom}feed", root.tag
for req in ("a:id", "a:title", "a:updated", "a:link[@rel='self']", "a:author"):
    assert root.find(req, ns) is not None, req
entries = root.findall("a:entry", ns)
assert len(entries) == 3, len(entries)
for e in entries:
    for req in ("a:id", "a:title", "a:updated", "a:link"):
        assert e.find(req, ns) is not None, req
titles = [e.find("a:title", ns).text for e in entries]
assert 'Diffusion <b>models</b> & "GANs" <script>x()</script>' in titles, titles
PYEOF
assert_not_contains "$BODY" "example.org" "no addresses in the feed"
http GET "/feed/nope.atom"
expect_code 404 "unknown feed"
http GET "/feed/trending.rss"
expect_code 404 "feed with another suffix"

# ---- health and metrics
http GET /healthz
expect_code 200 "healthz"
printf '%s' "$BODY" | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
# (serve collected at start from sources that fail fast: degraded, and
# for that reason alone, once that collection is recorded)
c = h["last_collection"]
failed = c is not None and c["failed"] == c["sources"]
assert h["status"] == ("degraded" if failed else "ok"), h
assert [x["reason"] for x in h["reasons"]] == (["sources_failed"] if failed else []), h
assert h["database"] is True, h
assert isinstance(h["outbox_depth"], int), h
assert "last_collection" in h, h
' || fail "healthz JSON: $BODY"
http GET /metrics
expect_code 200 "metrics"
assert_contains "$(header Content-Type)" "text/plain; version=0.0.4"
assert_contains "$BODY" 'paperboy_subscriptions{status="unsubscribed"} 1'
assert_contains "$BODY" 'paperboy_subscriptions{status="pending"} 1'
assert_contains "$BODY" 'paperboy_outbox_depth '
assert_contains "$BODY" 'paperboy_outbox_messages{kind="confirm",state="sent"}'
assert_contains "$BODY" 'paperboy_http_requests_total{route="subscribe",status="400"}'
assert_contains "$BODY" 'paperboy_http_requests_total{route="confirm",status="400"}'
assert_contains "$BODY" 'paperboy_http_requests_total{route="static",status="304"} 1'
assert_contains "$BODY" 'paperboy_http_requests_total{route="unsubscribe",status="200"}'
printf '%s\n' "$BODY" | grep -v '^#' | grep -Ev '^[a-z_]+(\{[^}]*\})? -?[0-9.e+]+$' &&
    fail "a metrics line is not in the text format"

# ---- several lists: a choice on the form, categories of the chosen one
sql "INSERT INTO lists (name, title, description, categories, include_hf, created_at)
     VALUES ('physics', 'Physics <weekly>', 'Condensed matter.', 'cond-mat.str-el,quant-ph', 0, strftime('%s','now'))"
# the form starts with [web] default_list (trending), not with the first
# list by name (physics)
http GET /
expect_code 200 "form with two lists, none asked for"
assert_contains "$BODY" '<option value="trending" selected>' "default_list preselected"
assert_not_contains "$BODY" '<option value="physics" selected>' "default_list preselected"
http GET "/?list=physics"
expect_code 200 "form with two lists"
assert_contains "$BODY" '<select id="list" name="list"'
assert_contains "$BODY" '<option value="physics" selected>Physics &lt;weekly&gt;</option>'
assert_contains "$BODY" 'name="categories" value="quant-ph"'
assert_not_contains "$BODY" 'name="categories" value="cs.LG"' "categories of the chosen list only"
http POST /subscribe --data-binary 'email=gina%40example.org&list=physics&categories=quant-ph'
expect_code 200 "subscribe to the second list"
assert_eq "$(sql "SELECT l.name||'|'||s.categories FROM subscriptions s JOIN lists l ON l.id = s.list_id JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'gina@example.org'")" \
    "physics|quant-ph" "subscription to the chosen list"
http POST /subscribe --data-binary 'email=gina%40example.org&list=physics&categories=cs.LG'
expect_code 400 "a category of another list"

web_stop
grep -q "$ctok" "$TMP/serve.log" && fail "a token was written to the log"

# ---- the real confirmation link from the mail expires after 7 days: the
# server started 8 days in the future (str_now honours PAPERBOY_NOW)
web_start PAPERBOY_NOW=$(( $(date +%s) + 8 * 86400 ))
http GET "/confirm/$ctok"
expect_code 400 "confirmation link 8 days later"
assert_contains "$BODY" "expired"
http POST "/confirm/$ctok" -d ''
expect_code 400 "confirming 8 days later"
http GET "/unsubscribe/$utok"
expect_code 200 "unsubscribe links do not expire"
web_stop
pass
