#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 79-my-data: a reader's own data (issue 16, readers 3).
# `subscriber export-data` prints everything stored about an address as
# JSON (checked with Python's json: the address, each subscription with
# its preferences, votes and digests with their papers in rank order and
# dates, and nothing of another subscriber); the preferences page links
# to the same document at GET /data/TOKEN, served as an attachment; GET
# /erase/TOKEN only asks, a POST without the confirmation changes
# nothing, the confirmed POST deletes the subscriber with its
# subscriptions, digests, digest items, votes and outbox rows (each table
# counted) and leaves exactly one suppression row, the keyed hash of the
# address with reason 'erased'; every old link then answers 404.
# `subscriber erase` does the same from the CLI and prints what it
# removed; a later `subscriber import` skips the address with a message,
# and `--force` imports it and says so, per row and in the summary.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
web_start
web_seed_papers

now=$(date +%s)
# reader: two paused subscriptions (paused: the scheduler mails neither
# while the test runs), two digests, votes, a sent and a deferred mail;
# other: one subscription with a digest and a vote, which must survive
sql "INSERT INTO lists (name, title, created_at) VALUES ('ml', 'Machine learning', 1);
     INSERT INTO subscribers (id, email, name, created_at) VALUES
       (1, 'reader@example.org', 'Ada Reader', $now - 86400),
       (2, 'other@example.org', '', $now - 86400);
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, paused,
       keywords, categories, max_papers, timezone, created_at, updated_at,
       confirmed_at) VALUES
       (1, 1, (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 1,
        'kv cache, \"flash attention\"', '', 7, 'Europe/Berlin',
        $now - 86400, $now - 86400, $now - 86000),
       (2, 1, (SELECT id FROM lists WHERE name = 'ml'), 'confirmed', 1,
        '', '', 10, '', $now - 86400, $now - 86400, $now - 86000),
       (3, 2, (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 1,
        '', '', 10, '', $now - 86400, $now - 86400, $now - 86000);
     INSERT INTO digests (id, subscription_id, day, created_at) VALUES
       (1, 1, '2026-11-01', $now - 7200), (2, 1, '2026-11-02', $now - 3600),
       (3, 3, '2026-11-02', $now - 3600);
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
       SELECT 1, 4 - id, id, 1.0, 'why ' || id FROM papers;
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
       SELECT 2, id, id, 1.0, '' FROM papers WHERE id <= 2;
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
       VALUES (3, 1, 3, 1.0, '');
     INSERT INTO votes (subscription_id, paper_id, vote, source, created_at) VALUES
       (1, 1, 1, 'mail', $now - 100), (1, 2, -1, 'preferences', $now - 50),
       (3, 1, 1, 'cli', $now - 10);
     INSERT INTO outbox (kind, priority, subscription_id, digest_id, rcpt,
       message_id, issued_at, state, created_at, next_attempt_at, sent_at) VALUES
       ('digest', 1, 1, 1, 'reader@example.org', '<m1@test>', $now - 7200,
        'sent', $now - 7200, $now - 7200, 1794000000),
       ('digest', 1, 1, 2, 'reader@example.org', '<m2@test>', $now - 3600,
        'deferred', $now - 3600, $now + 86400, NULL),
       ('digest', 1, 3, 3, 'other@example.org', '<m3@test>', $now - 3600,
        'sent', $now - 3600, $now - 3600, $now - 3000);" || fail "seeding"

# ---- the CLI's export ----
expect_rc 0 pb subscriber export-data READER@example.org
printf '%s' "$OUT" >"$TMP/cli.json"
/usr/bin/python3 - "$TMP/cli.json" <<'PYEOF' || fail "export-data JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "paperboy-export-1", d["format"]
assert d["email"] == "reader@example.org" and d["name"] == "Ada Reader", d
assert d["exported_at"].endswith("Z") and "T" in d["exported_at"], d
subs = d["subscriptions"]
assert [s["list"] for s in subs] == ["ml", "trending"], subs
ml, tr = subs
assert tr["keywords"] == 'kv cache, "flash attention"', tr["keywords"]
assert tr["max_papers"] == 7 and tr["timezone"] == "Europe/Berlin", tr
assert tr["status"] == "confirmed" and tr["paused"] is True, tr
assert tr["unsubscribed_at"] is None and tr["confirmed_at"].endswith("Z")
votes = [(v["arxiv_id"], v["vote"], v["source"]) for v in tr["votes"]]
assert votes == [("2611.00001", 1, "mail"), ("2611.00002", -1, "preferences")], votes
days = [g["day"] for g in tr["digests"]]
assert days == ["2026-11-01", "2026-11-02"], days
first = tr["digests"][0]
assert [p["arxiv_id"] for p in first["papers"]] == ["2611.00003", "2611.00002", "2611.00001"], first
assert [p["rank"] for p in first["papers"]] == [1, 2, 3], first
assert first["papers"][1]["title"] == 'Diffusion <b>models</b> & "GANs" <script>x()</script>'
assert first["papers"][0]["why"] == "why 3"
assert first["sent_at"] == "2026-11-06T21:20:00Z", first["sent_at"]
assert tr["digests"][1]["sent_at"] is None, tr["digests"][1]
assert len(tr["digests"][1]["papers"]) == 2
assert ml["votes"] == [] and ml["digests"] == [], ml
assert "other@example.org" not in open(sys.argv[1]).read()
PYEOF
expect_rc 1 pb subscriber export-data nobody@example.org
assert_contains "$ERR" "no subscriber 'nobody@example.org'"
expect_rc 1 pb subscriber export-data 'not an address'
assert_contains "$ERR" "invalid address"
expect_rc 2 pb subscriber export-data

# ---- the web: the link, the download ----
p1=$(token p 1)
p2=$(token p 2)
http GET "/preferences/$p1"
expect_code 200 "preferences"
assert_contains "$BODY" "href=\"/data/$p1\" id=\"data-download\"" "download link"
assert_contains "$BODY" "href=\"/erase/$p1\" id=\"data-erase\"" "delete link"
http GET "/data/$p1"
expect_code 200 "GET /data"
assert_contains "$(header Content-Type)" "application/json"
assert_eq "$(header Content-Disposition)" 'attachment; filename="paperboy-data.json"' "Content-Disposition"
assert_eq "$(header Cache-Control)" "no-store" "Cache-Control"
printf '%s' "$BODY" >"$TMP/web.json"
/usr/bin/python3 - "$TMP/cli.json" "$TMP/web.json" <<'PYEOF' || fail "the download is not the CLI's document"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
a.pop("exported_at"); b.pop("exported_at")
assert a == b, (a, b)
PYEOF
http POST "/data/$p1"
expect_code 405 "POST /data"
http GET "/data/$(token u 1)"
expect_code 400 "an unsubscribe token on /data"
c=${p1:40:1}; n=A; [ "$c" = A ] && n=B
http GET "/data/${p1:0:40}$n${p1:41}"
expect_code 400 "a forged token on /data"

# leaving a list: the page offers the same two links
http POST "/unsubscribe/$(token u 2)"
expect_code 200 "unsubscribe from ml"
dl=$(printf '%s' "$BODY" | sed -n 's/.*href="\([^"]*\)" id="data-download".*/\1/p')
er=$(printf '%s' "$BODY" | sed -n 's/.*href="\([^"]*\)" id="data-erase".*/\1/p')
assert_contains "$dl" "/data/" "download link after unsubscribing"
assert_contains "$er" "/erase/" "delete link after unsubscribing"
http GET "/data/${dl##*/data/}"
expect_code 200 "the unsubscribed page's download link"
assert_contains "$BODY" '"list":"ml","list_title":"Machine learning","status":"unsubscribed"'

# ---- the web: delete everything ----
tables="subscribers subscriptions digests digest_items votes outbox suppressions"
counts() {
    local t out=
    for t in $tables; do out="$out $t=$(sql "SELECT count(*) FROM $t")"; done
    echo "${out# }"
}
before=$(counts)
assert_eq "$before" "subscribers=2 subscriptions=3 digests=3 digest_items=6 votes=3 outbox=3 suppressions=0" "seeded rows"
http GET "/erase/$p1"
expect_code 200 "GET /erase asks"
assert_contains "$BODY" "Delete everything?"
assert_contains "$BODY" "2 subscription(s), 2 digest(s) and 2 vote(s)"
assert_contains "$BODY" 'name="confirm" value="erase"'
assert_eq "$(counts)" "$before" "rows after GET /erase"
http POST "/erase/$p1" --data 'confirm=no'
expect_code 400 "POST /erase without the confirmation"
assert_contains "$BODY" "Delete everything?"
assert_eq "$(counts)" "$before" "rows after an unconfirmed POST"

old_links="/preferences/$p1 /preferences/$p2 /unsubscribe/$(token u 1) /data/$p1
/data/$p2 /erase/$p1 /erase/$p2 /d/$(token v 1 $((now - 7200))) /d/$(token v 2 $((now - 3600)))
/f/$(token f 1 $((now - 86400))) /confirm/$(token c 1 $now)"
for u in $old_links; do
    http GET "$u"
    case "$CODE" in 200) ;; *) fail "before erase: $u answers $CODE" ;; esac
done

http POST "/erase/$p1" --data 'confirm=erase'
expect_code 200 "POST /erase"
assert_contains "$BODY" "Everything deleted"
assert_eq "$(counts)" "subscribers=1 subscriptions=1 digests=1 digest_items=1 votes=1 outbox=1 suppressions=1" "rows after erase"
assert_eq "$(sql "SELECT count(*) FROM subscriptions WHERE subscriber_id = 2")" 1 "the other subscriber's subscription"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE rcpt LIKE 'reader%'")" 0 "reader's outbox rows"
assert_eq "$(sql "SELECT reason FROM suppressions")" "erased" "suppression reason"
assert_eq "$(sql "SELECT count(*) FROM suppressions WHERE CAST(addr_hash AS TEXT) LIKE '%reader%' OR detail LIKE '%reader%'")" 0 "no address kept"
hash=$(/usr/bin/python3 - "$WEB_SECRET" reader@example.org <<'PYEOF'
import hashlib, hmac, sys
key = hmac.new(sys.argv[1].encode(), b"paperboy token key v1", hashlib.sha256).digest()
print(hmac.new(key, b"s|" + sys.argv[2].encode(), hashlib.sha256).hexdigest().upper())
PYEOF
)
assert_eq "$(sql "SELECT hex(addr_hash) FROM suppressions")" "$hash" "the kept row is the keyed hash of the address"
assert_not_contains "$(cat "$TMP/serve.log")" "reader@example.org" "the log"
for u in $old_links; do
    http GET "$u"
    [ "$CODE" = 404 ] || fail "after erase: $u answers $CODE, want 404"
done
http POST "/erase/$p1" --data 'confirm=erase'
expect_code 404 "a second erase"
web_stop

# ---- the CLI: erase ----
expect_rc 0 pb subscriber erase other@example.org
assert_contains "$OUT" "erased other@example.org: 1 subscriber, 1 subscriptions, 1 digests (1 papers listed), 1 votes, 0 papers waiting for arXiv, 1 outbox messages"
assert_contains "$OUT" "kept: a keyed hash of the address in the suppression table (reason erased)"
assert_eq "$(counts)" "subscribers=0 subscriptions=0 digests=0 digest_items=0 votes=0 outbox=0 suppressions=2" "rows after the CLI erase"
expect_rc 1 pb subscriber erase other@example.org
assert_contains "$ERR" "no subscriber 'other@example.org'"
expect_rc 2 pb subscriber erase
assert_eq "$(counts)" "subscribers=0 subscriptions=0 digests=0 digest_items=0 votes=0 outbox=0 suppressions=2" "rows after bad input"

# ---- import skips erased addresses unless forced ----
printf 'email,name\nREADER@example.org,Ada\nnew@example.org,New\n' >"$TMP/in.csv"
expect_rc 1 pb subscriber import "$TMP/in.csv" --list trending
assert_contains "$ERR" "line 2: address suppressed (erased): not imported (--force overrides)"
assert_contains "$OUT" "imported 1, updated 0, unchanged 0, skipped 1"
assert_eq "$(sql "SELECT group_concat(email) FROM subscribers")" "new@example.org" "imported addresses"
expect_rc 0 pb subscriber import "$TMP/in.csv" --list trending --force
assert_contains "$ERR" "line 2: address suppressed (erased): imported anyway (--force), suppression lifted"
assert_contains "$OUT" "imported 1, updated 0, unchanged 1, skipped 0, suppression overridden by --force 1"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'reader@example.org'")" 1 "forced import"
assert_eq "$(sql "SELECT count(*) FROM suppressions")" 1 "the forced address's suppression is lifted, the other stays"
expect_rc 0 pb subscriber import "$TMP/in.csv" --list trending
assert_not_contains "$ERR" "suppressed" "a second import"

pass
