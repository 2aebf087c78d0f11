#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 76-web-private-feed: a subscription's private Atom feed (GET /f/TOKEN),
# linked from its preferences page.  feedparser reads it without a
# complaint, and the elements RFC 4287 requires are there (feed id, title,
# updated; each entry's id, title, updated and link), with xml:lang; it
# holds this subscription's digests and no one else's, newest first, each
# linking to the digest's page; a token issued before the row, a forged
# one, another kind of token, and an unsubscribed subscription's feed are
# refused; the public list feed holds nothing personal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need python3-feedparser /usr/bin/python3 -c 'import feedparser'
web_config
web_start
web_seed_papers

now=$(date +%s)
sql "INSERT INTO subscribers (email, created_at) VALUES ('reader@example.org', 1), ('other@example.org', 1);
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at)
       SELECT id, (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', $now - 86400, 1, 1
       FROM subscribers ORDER BY id;
     INSERT INTO digests (subscription_id, day, created_at) VALUES
       (1, date('now', '-1 day'), $now - 3600), (1, date('now'), $now), (2, date('now'), $now);
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
       SELECT d.id, p.id, p.id, 1.0, '' FROM digests d, papers p
       WHERE d.id IN (1, 2) OR (d.id = 3 AND p.id = 1);" || fail "seeding"
created=$(sql "SELECT created_at FROM subscriptions WHERE id = 1")

# the preferences page shows the feed's address, the same at every visit
http GET "/preferences/$(token p 1)"
expect_code 200 "preferences"
feed=$(printf '%s' "$BODY" | sed -n 's/.*id="feed-url">\([^<]*\)<.*/\1/p')
[ -n "$feed" ] || fail "no feed link on the preferences page"
assert_eq "${feed#*/f/}" "$(token f 1 "$created")" "the feed token is the row's, issued at created_at"
http GET "/preferences/$(token p 1)"
assert_contains "$BODY" "$feed" "the same address at the next visit"

http GET "/f/${feed#*/f/}"
expect_code 200 "GET /f/TOKEN"
assert_contains "$(header Content-Type)" "application/atom+xml"
assert_contains "$(header Cache-Control)" "private"
printf '%s' "$BODY" >"$TMP/feed.xml"
/usr/bin/python3 - "$TMP/feed.xml" "$feed" <<'PYEOF' || fail "the private feed is not valid Atom"
import sys, feedparser
import xml.etree.ElementTree as ET
path, self_url = sys.argv[1], sys.argv[2]
d = feedparser.parse(path)
assert not d.bozo, d.bozo_exception
assert d.version == "atom10", d.version
A = "{http://www.w3.org/2005/Atom}"
root = ET.parse(path).getroot()
assert root.tag == A + "feed", root.tag
assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
for el in ("id", "title", "updated"):
    assert (root.findtext(A + el) or "").strip(), "feed has no " + el
assert root.findtext(A + "id") == self_url
assert root.find(A + "author/" + A + "name") is not None, "feed author"
entries = root.findall(A + "entry")
assert len(entries) == 2, "this subscription's two digests, got %d" % len(entries)
for e in entries:
    for el in ("id", "title", "updated"):
        assert (e.findtext(A + el) or "").strip(), "entry has no " + el
    link = e.find(A + "link")
    assert link is not None and "/d/" in link.get("href"), "entry link"
    assert e.findtext(A + "id") == link.get("href")
ups = [e.findtext(A + "updated") for e in entries]
assert ups == sorted(ups, reverse=True), "newest first"
assert "3 papers" in entries[0].findtext(A + "title"), entries[0].findtext(A + "title")
assert "Fast KV cache" in entries[0].findtext(A + "summary")
assert root.findtext(A + "updated") == ups[0]
assert "<script>" not in open(path).read().replace("&lt;script&gt;", "")
print("atom ok:", d.feed.title, len(d.entries), "entries")
PYEOF
assert_not_contains "$BODY" "other@example.org" "someone else's address"
assert_not_contains "$BODY" "reader@example.org" "no address in the feed"
# the entries' links are the digests' pages
view=$(printf '%s' "$BODY" | grep -o '/d/[A-Za-z0-9_-]*' | head -n1)
http GET "$view"
expect_code 200 "an entry's link"
# a feed reader holds that link: the page opens nothing of the subscription
assert_not_contains "$BODY" "/preferences/" "the web view links the preferences (and so the data)"
assert_not_contains "$BODY" "/unsubscribe/" "the web view links unsubscribe"
assert_not_contains "$BODY" "reader@example.org" "the web view shows the address"
assert_contains "$BODY" "/manage" "the web view points to manage my subscription"

# refused: issued before the row, forged, another kind of token
http GET "/f/$(token f 1 $((created - 1)))"
expect_code 404 "a feed token older than its row"
http GET "/f/$(token f 999)"
expect_code 404 "a feed token for no row"
tok=$(token f 1 "$created")
last=${tok: -1}
[ "$last" = A ] && swap=B || swap=A
http GET "/f/${tok%?}$swap"
expect_code 400 "a tampered feed token"
http GET "/f/$(token p 1 "$created")"
expect_code 400 "a preferences token on /f/"
http POST "/f/$tok"
expect_code 405 "POST /f/"

# the public feed of the list holds nobody's data
http GET "/feed/trending.atom"
expect_code 200 "public feed"
assert_not_contains "$BODY" "example.org" "an address in the public feed"
assert_not_contains "$BODY" "/d/" "a digest link in the public feed"
assert_not_contains "$BODY" "/f/" "a private feed in the public feed"

# after unsubscribing, the feed is gone
sql "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $now WHERE id = 1"
http GET "/f/$tok"
expect_code 404 "an unsubscribed subscription's feed"

web_stop
pass
