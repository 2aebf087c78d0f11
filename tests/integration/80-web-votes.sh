#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 80-web-votes: "more like this" / "less like this" from the digest
# (daemon/web/http_votes.c), against the real binary, curl and a maildir.
# Every paper of a sent digest carries both links in the text and the
# HTML part; a GET of a link shows the paper and records nothing (link
# scanners); a POST records the vote, and `digest preview` then says why
# ("which you liked"); the preferences page lists the votes and changes,
# removes and adds them ("papers like these": a paper not in the database
# becomes a request the scheduler fetches, 97-web-like-fetch.sh; a bad id
# stores nothing); a forged or
# other-kind token is a 400; a token for a removed subscription, an
# unknown paper, or one issued before the subscription's row is a 404.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need "the sqlite3 shell" command -v sqlite3
cd "$SRC_DIR" || fail "no source dir" # templates come from ./web
NOW=1795759200                        # 2026-11-27 06:00 UTC
DAY=2026-11-27
T=1795740000
OLD=$((T - 90 * 86400))
web_config

expect_rc 0 pb list add ml --categories cs.LG --no-hf
sql "INSERT INTO subscribers (id, email, created_at) VALUES (1, 'ada@example.org', 0);
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, keywords,
       max_papers, created_at, updated_at, confirmed_at)
       SELECT 1, 1, id, 'confirmed', '', 5, 1000, 1000, 1000 FROM lists WHERE name = 'ml';
     INSERT INTO papers (id, arxiv_id, title, abstract, authors, categories,
       first_seen_at, first_seen_day, updated_at, hf_upvotes)
     VALUES
       (1, '2608.00001', 'GoldFinch: High Performance RWKV/Transformer Hybrid with Linear Pre-Fill and Extreme KV-Cache Compression',
        'We compress the key value cache of transformer inference. The KV cache grows with context; eviction and quantization of cached keys and values cut memory.',
        '[\"Daniel Goldstein\"]', 'cs.LG', $OLD, '2026-08-29', $OLD, 0),
       (2, '2611.00002', 'Trending robots walk on ice', 'A robot policy for walking on slippery ice.',
        '[\"R. Obot\"]', 'cs.LG', $T, '$DAY', $T, 400),
       (3, '2611.00003', 'Evicting keys and values: a smaller KV cache for long context inference',
        'Cached keys and values dominate memory in long context inference; we evict and quantize them to compress the cache.',
        '[\"Ada Lovelace\",\"Alan Turing\"]', 'cs.LG', $T, '$DAY', $T, 0),
       (4, '2611.00004', 'Protein folding with diffusion', 'Diffusion models fold proteins.',
        '[]', 'cs.LG', $T, '$DAY', $T, 90),
       (5, '2611.00005', 'Galaxy surveys and dark matter', 'Telescopes count galaxies.',
        '[]', 'cs.LG', $T, '$DAY', $T, 50);
     INSERT INTO paper_categories SELECT categories, id FROM papers;" || fail "seeding"
votes() { sql "SELECT paper_id || ':' || vote || ':' || source FROM votes ORDER BY paper_id" | tr '\n' ' '; }

# the sent digest: both links under every paper, in both parts
PAPERBOY_NOW=$NOW expect_rc 0 pb send --list ml --date $DAY
msg=$(ls "$TMP"/mail/new/* | head -n1)
[ -f "$msg" ] || fail "no digest in the maildir"
/usr/bin/python3 - "$msg" >"$TMP/links" <<'PYEOF' || fail "vote links in the digest"
import email, email.policy, re, sys
msg = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
html = msg.get_body(("html",)).get_content()
text = msg.get_body(("plain",)).get_content()
n = len(re.findall(r">#\d+", html))
assert n == 4, "papers in the HTML: %d" % n
for kind in ("more", "less"):
    h = re.findall(r'href="(http://127\.0\.0\.1:1/%s/[A-Za-z0-9_-]+)"' % kind, html)
    t = re.findall(r"%s like this: (http://127\.0\.0\.1:1/%s/[A-Za-z0-9_-]+)" % (kind.capitalize(), kind), text)
    assert len(h) == n and len(set(h)) == n, (kind, h)
    assert h == t, "the text and the HTML part link the same papers in the same order"
    assert ("%s like this</a>" % kind.capitalize()) in html
# per paper: its title, then its more and less links (one token each)
for block in re.split(r">#\d+", html)[1:]:
    title = re.search(r"<h2[^>]*>(?:<a [^>]*>)?([^<]+)", block).group(1)
    more = re.search(r'href="http://127\.0\.0\.1:1(/more/[^"]+)"', block).group(1)
    less = re.search(r'href="http://127\.0\.0\.1:1(/less/[^"]+)"', block).group(1)
    assert more[6:] == less[6:]
    print("%s\t%s\t%s" % (title[:20], more, less))
PYEOF
kv_more=$(awk -F'\t' '/^Evicting keys/ {print $2}' "$TMP/links")
robots_less=$(awk -F'\t' '/^Trending robots/ {print $3}' "$TMP/links")
[ -n "$kv_more" ] && [ -n "$robots_less" ] || fail "links per paper: $(cat "$TMP/links")"

web_start

# GET shows the paper and records nothing (also twice, also HEAD)
http GET "$kv_more"
expect_code 200 "GET the more link"
assert_contains "$BODY" "Evicting keys and values" "the paper's title"
assert_contains "$BODY" "Ada Lovelace" "its authors"
assert_contains "$BODY" "More like this" "the choice"
assert_contains "$BODY" 'id="vote" data-auto="1"' "the form the script posts"
assert_contains "$BODY" "method=\"post\" action=\"$kv_more\"" "posts to the same URL"
assert_contains "$(header Content-Security-Policy)" "script-src 'self'" "no inline script"
http GET "$kv_more"
http HEAD "$kv_more" -I
assert_eq "$(votes)" "" "votes after GET and HEAD"

# POST records it; the answer has no form to post again
http POST "$kv_more" --data ''
expect_code 200 "POST the more link"
assert_contains "$BODY" "Recorded" "the answer"
assert_not_contains "$BODY" 'data-auto' "no second automatic post"
assert_eq "$(votes)" "3:1:mail " "the vote"
http POST "$robots_less" --data ''
expect_code 200 "POST the less link"
assert_eq "$(votes)" "2:-1:mail 3:1:mail " "votes"
# a GET now says it is recorded, and offers no automatic post
http GET "$kv_more"
assert_contains "$BODY" "Recorded" "recorded already"
assert_not_contains "$BODY" 'data-auto' "no automatic post once recorded"

# a link minted as compose mints it works too (an older paper); the next
# digest's why line names the paper voted for from the mail
vote_token() { # SUB PAPER [ISSUED]
    /usr/bin/python3 - "$WEB_SECRET" "$1" "$2" "${3:-$NOW}" <<'PYEOF'
import base64, hashlib, hmac, struct, sys
secret, sub, paper, issued = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
key = hmac.new(secret.encode(), b"paperboy token key v1", hashlib.sha256).digest()
body = b"r" + struct.pack(">qqq", sub, paper, issued)
print(base64.urlsafe_b64encode(body + hmac.new(key, body, hashlib.sha256).digest()).decode().rstrip("="))
PYEOF
}
assert_eq "$(vote_token 1 3)" "${kv_more#/more/}" "the token format"
http POST "/more/$(vote_token 1 1)" --data ''
expect_code 200 "POST a vote on the older paper"
# (the next day's digest: the day's is frozen)
T2=$((T + 86400))
sql "INSERT INTO papers (id, arxiv_id, title, abstract, authors, categories,
       first_seen_at, first_seen_day, updated_at, hf_upvotes)
     VALUES
       (6, '2611.00006', 'Quantized KV cache eviction for serving long context models',
        'We evict and quantize cached keys and values to compress the KV cache of long context inference.',
        '[]', 'cs.LG', $T2, '2026-11-28', $T2, 0),
       (7, '2611.00007', 'More trending robots on sand', 'A robot walks on sand.',
        '[]', 'cs.LG', $T2, '2026-11-28', $T2, 300);
     INSERT INTO paper_categories SELECT categories, id FROM papers WHERE id > 5;" || fail "seeding day 2"
PAPERBOY_NOW=$((NOW + 86400)) expect_rc 0 pb digest preview ada@example.org --list ml --date 2026-11-28
first=$(grep -m1 -E '^ *1\. ' <<<"$OUT")
assert_contains "$first" "Quantized KV cache eviction" "the liked vocabulary first"
assert_contains "$OUT" "(like \"Evicting keys and values: a smaller KV cache" "why line: the paper voted from the mail"
assert_contains "$OUT" "which you liked" "why line"

# bad links: forged 400, another kind 400, unknown paper 404, a token
# older than the subscription's row 404
tok=${kv_more#/more/}
c=${tok:20:1}; [ "$c" = A ] && c=B || c=A
http GET "/more/${tok:0:20}$c${tok:21}"
expect_code 400 "a forged token"
assert_contains "$BODY" "not valid"
http POST "/less/${tok:0:20}$c${tok:21}" --data ''
expect_code 400 "a forged token, POST"
http GET "/more/$(token p 1)"
expect_code 400 "a preferences token at /more/"
http GET "/more/$(vote_token 1 999)"
expect_code 404 "a paper that does not exist"
http GET "/more/$(vote_token 1 3 999)"
expect_code 404 "a token issued before the subscription"
http GET "/more/$(vote_token 1 3 $((T - 1)))"
expect_code 404 "a token issued before the paper's row"
http PUT "$kv_more"
expect_code 405 "PUT"
assert_eq "$(votes)" "1:1:mail 2:-1:mail 3:1:mail " "nothing changed by bad links"

# the preferences page lists the votes, changes, removes and adds them
P="/preferences/$(token p 1)"
http GET "$P"
expect_code 200 "preferences"
assert_contains "$BODY" 'id="votes"'
assert_contains "$BODY" "Trending robots walk on ice"
assert_contains "$BODY" "GoldFinch"
assert_eq "$(grep -c 'value="vote_remove"' <<<"$BODY")" 3 "one remove button per vote"
http POST "$P" --data 'action=vote_less&paper=1'
expect_code 200 "change a vote"
assert_contains "$BODY" "Vote changed."
assert_eq "$(votes)" "1:-1:preferences 2:-1:mail 3:1:mail " "changed"
http POST "$P" --data 'action=vote_remove&paper=2'
assert_contains "$BODY" "Vote removed."
assert_eq "$(votes)" "1:-1:preferences 3:1:mail " "removed"
http POST "$P" --data 'action=vote_remove&paper=4'
assert_contains "$BODY" "not on this page" "a vote the subscription does not hold"
http POST "$P" --data 'action=vote_more&paper=x'
assert_contains "$BODY" "not on this page" "a bad paper id"
assert_eq "$(votes)" "1:-1:preferences 3:1:mail " "nothing changed by bad requests"
# papers like these: ids and URLs; one bad entry stores nothing; a paper
# not in the database is named and asked of the scheduler
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2611.00004 not-an-id'
assert_contains "$BODY" "&#39;not-an-id&#39; is not an arXiv id" "bad id"
assert_contains "$BODY" ">2611.00004 not-an-id</textarea>" "the refused text is in the form again"
assert_contains "$BODY" "at most 20 at a time" "the hint names the limit"
assert_eq "$(votes)" "1:-1:preferences 3:1:mail " "nothing stored for a bad id"
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2611.00004, https://arxiv.org/abs/2611.00005v2 2612.99999'
expect_code 200 "like papers"
assert_contains "$BODY" "Added 2 papers you like."
assert_contains "$BODY" "Fetching from arXiv: 2612.99999. They count from your next digest once fetched."
assert_eq "$(votes)" "1:-1:preferences 3:1:mail 4:1:preferences 5:1:preferences " "liked by id and URL"
assert_eq "$(sql "SELECT count(*) FROM papers WHERE arxiv_id = '2612.99999'")" 0 "the web fetches nothing"
assert_eq "$(sql "SELECT count(*) FROM vote_requests WHERE arxiv_id = '2612.99999' AND subscription_id = 1")" 1 \
    "the scheduler is asked to fetch it (it-97 follows it there)"
# the other preferences still save (the votes' forms do not touch them)
http POST "$P" --data 'action=save&keywords=kv+cache&max_papers=3&timezone='
expect_code 200 "save preferences"
assert_eq "$(sql 'SELECT keywords FROM subscriptions WHERE id = 1')" "kv cache"
assert_eq "$(votes)" "1:-1:preferences 3:1:mail 4:1:preferences 5:1:preferences " "saving keeps the votes"

# the most votes kept (200): a new one is refused with a page, not a
# server error; a vote held already can still be turned
sql "WITH RECURSIVE k(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM k WHERE i < 295)
     INSERT INTO papers (id, arxiv_id, title, abstract, authors, categories, first_seen_at, first_seen_day, updated_at)
       SELECT i, '2601.' || printf('%05d', i), 'Filler ' || i, '', '[]', 'cs.LG', $OLD, '2026-08-29', $OLD FROM k;
     INSERT INTO votes (subscription_id, paper_id, vote, source, created_at)
       SELECT 1, id, 1, 'cli', 1 FROM papers WHERE id >= 100;" || fail "seeding votes"
assert_eq "$(sql 'SELECT count(*) FROM votes')" 200 "votes held"
http POST "$robots_less" --data ''
expect_code 400 "a vote over the cap"
assert_contains "$BODY" "Too many votes"
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2611.00002'
assert_contains "$BODY" "keeps at most 200 votes" "liking over the cap"
assert_eq "$(sql 'SELECT count(*) FROM votes')" 200 "nothing added over the cap"
http POST "/less/${kv_more#/more/}" --data ''
expect_code 200 "turning a vote held already"
assert_eq "$(sql 'SELECT vote FROM votes WHERE paper_id = 3')" "-1" "turned"

# a removed subscription: its links are a 404 and record nothing
expect_rc 0 pb subscriber rm ada@example.org
http GET "$kv_more"
expect_code 404 "GET for a removed subscription"
http POST "$kv_more" --data ''
expect_code 404 "POST for a removed subscription"
assert_eq "$(votes)" "" "no votes for a removed subscription"
web_stop
pass
