#!/bin/bash
# SPDX-License-Identifier: MIT
#
# 33-subscriber-like - `paperboy subscriber like` against the real binary:
# a reader with no keywords likes an older paper on KV caches, and
# `digest preview` then ranks the window's KV cache paper first with the
# why line naming the liked paper (and so does the digest `send` mails);
# --less, --clear, a bad id (usage error,
# nothing stored), `subscriber show` (text and --json) lists the votes, a
# paper not collected yet is fetched from the arXiv API (feed_server.py)
# and stored without categories, and removing the subscriber removes its
# votes.

. "$(dirname "$0")/lib.sh"

cd "$SRC_DIR" || fail "no source dir"   # templates come from ./web
export PAPERBOY_NOW=1795759200          # 2026-11-27 06:00 UTC
DAY=2026-11-27
T=1795740000                            # 2026-11-27 00:40 UTC
OLD=$((T - 90 * 86400))
FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_api_sample.xml" ] || fail "no fixtures at $FIX"
need "the sqlite3 shell" command -v sqlite3
start_feed_server "$FIX"
cfg_add "[sources]
arxiv_api_url = $BASE/api
timeout = 10"

expect_rc 0 pb list add ml --categories cs.LG --no-hf
sql "INSERT INTO subscribers (id, email, created_at) VALUES (1, 'ada@example.org', 0);
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, keywords,
       max_papers, created_at, updated_at)
       SELECT 1, 1, id, 'confirmed', '', 3, 0, 0 FROM lists WHERE name = 'ml';
     INSERT INTO papers (id, arxiv_id, title, abstract, authors, categories,
       first_seen_at, first_seen_day, updated_at, hf_upvotes)
     VALUES
       (1, '2608.00001', 'GoldFinch: High Performance RWKV/Transformer Hybrid with Linear Pre-Fill and Extreme KV-Cache Compression',
        'We compress the key value cache of transformer inference. The KV cache grows with context; eviction and quantization of cached keys and values cut memory.',
        '[]', 'cs.LG', $OLD, '2026-08-29', $OLD, 0),
       (2, '2611.00002', 'Trending robots walk on ice', 'A robot policy for walking on slippery ice, trained with reinforcement learning.',
        '[]', 'cs.LG', $T, '$DAY', $T, 400),
       (3, '2611.00003', 'Evicting keys and values: a smaller KV cache for long context inference',
        'Cached keys and values dominate memory in long context inference; we evict and quantize them to compress the cache.',
        '[]', 'cs.LG', $T, '$DAY', $T, 0),
       (4, '2611.00004', 'Protein folding with diffusion', 'Diffusion models fold proteins.',
        '[]', 'cs.LG', $T, '$DAY', $T, 90),
       (5, '2611.00005', 'Galaxy surveys and dark matter', 'Telescopes count galaxies.',
        '[]', 'cs.LG', $T, '$DAY', $T, 50);
     INSERT INTO paper_categories SELECT categories, id FROM papers;"

# before: no keywords, trending order
expect_rc 0 pb digest preview ada@example.org --list ml --date $DAY
first=$(grep -m1 -E '^ *1\. ' <<<"$OUT")
assert_contains "$first" "Trending robots" "trending first without votes"

# bad input: a usage error and nothing stored
expect_rc 2 pb subscriber like ada@example.org --list ml not-an-id 2608.00001
assert_contains "$ERR" "'not-an-id' is not an arXiv id or URL"
expect_rc 2 pb subscriber like ada@example.org 2608.00001
expect_rc 1 pb subscriber like bob@example.org --list ml 2608.00001
assert_eq "$(sql 'SELECT count(*) FROM votes')" 0 "votes after bad input"

# like the old KV cache paper (by URL, with a version)
expect_rc 0 pb subscriber like ada@example.org --list ml https://arxiv.org/abs/2608.00001v2
assert_contains "$OUT" "liked 2608.00001"
assert_eq "$(sql 'SELECT paper_id, vote, source FROM votes')" "1|1|cli" "stored vote"
# the PDF and Hugging Face links a digest prints name the same paper
expect_rc 0 pb subscriber like ada@example.org --list ml https://arxiv.org/pdf/2608.00001v2.pdf
assert_contains "$OUT" "liked 2608.00001"
expect_rc 0 pb subscriber like ada@example.org --list ml https://huggingface.co/papers/2608.00001
assert_eq "$(sql 'SELECT paper_id, vote, source FROM votes')" "1|1|cli" "one vote after three links"
expect_rc 0 pb digest preview ada@example.org --list ml --date $DAY
first=$(grep -m1 -E '^ *1\. ' <<<"$OUT")
assert_contains "$first" "Evicting keys and values" "the liked vocabulary first"
assert_contains "$OUT" "like \"GoldFinch: High Performance RWKV/Transformer" "why line"
assert_contains "$OUT" "which you liked" "why line"
assert_not_contains "$OUT" "GoldFinch: High Performance RWKV/Transformer Hybrid with" "the liked paper itself is not sent"

# --less on the robots paper; show lists both
expect_rc 0 pb subscriber like ada@example.org --list ml --less 2611.00002
expect_rc 0 pb subscriber show ada@example.org
assert_contains "$OUT" "votes (ml):"
assert_contains "$OUT" "less  2611.00002"
assert_contains "$OUT" "more  2608.00001"
expect_rc 0 pb subscriber show ada@example.org --json
/usr/bin/python3 -c 'import json,sys
d = json.loads(sys.argv[1])
v = d["subscriptions"][0]["votes"]
assert sorted((x["arxiv_id"], x["vote"]) for x in v) == [("2608.00001", "more"), ("2611.00002", "less")], v' "$OUT" \
    || fail "show --json votes: $OUT"
expect_rc 0 pb digest preview ada@example.org --list ml --date $DAY
assert_not_contains "$OUT" "Trending robots" "a disliked paper is not sent"

# a paper not collected yet comes from the arXiv API, without categories
expect_rc 0 pb subscriber like ada@example.org --list ml 2611.15034
assert_contains "$(cat "$TMP/requests.log")" "id_list=2611.15034"
assert_eq "$(sql "SELECT count(*) FROM papers p JOIN votes v ON v.paper_id = p.id WHERE p.arxiv_id = '2611.15034'")" 1 "fetched and voted"
assert_eq "$(sql "SELECT count(*) FROM paper_categories c JOIN papers p ON p.id = c.paper_id WHERE p.arxiv_id = '2611.15034'")" 0 "no categories"

# --clear one, then all
expect_rc 0 pb subscriber like ada@example.org --list ml --clear 2611.00002
assert_eq "$(sql 'SELECT count(*) FROM votes')" 2 "after clearing one"
expect_rc 0 pb subscriber like ada@example.org --list ml --clear
assert_contains "$OUT" "removed 2 votes"
expect_rc 0 pb subscriber like ada@example.org --list ml 2608.00001

# `send` freezes through the pass (each distinct profile ranked once): the
# votes are part of the profile there too, so the mail ranks as preview did
expect_rc 0 pb send --list ml --date $DAY
mail=$(cat "$TMP"/mail/new/* 2>/dev/null | tr -d '\r' | sed -e ':a' -e '/=$/N; s/=\n//; ta')
assert_contains "$mail" "which you liked" "why line in the sent digest"
kv=$(printf '%s\n' "$mail" | grep -n "Evicting keys and values" | head -1 | cut -d: -f1)
robots=$(printf '%s\n' "$mail" | grep -n "Trending robots" | head -1 | cut -d: -f1)
[ -n "$kv" ] || fail "the liked vocabulary's paper is not in the sent digest"
[ -z "$robots" ] || [ "$kv" -lt "$robots" ] || fail "the liked vocabulary's paper is not first in the sent digest"

# "less like this" alone (no keywords, no likes): the trending order, but
# the paper like the disliked one falls to the end (it is not dropped)
sql "INSERT INTO papers (arxiv_id, title, abstract, authors, categories,
       first_seen_at, first_seen_day, updated_at, hf_upvotes)
     VALUES ('2608.00006', 'Legged robots walking on slippery ice',
       'A robot policy for walking on ice, trained with reinforcement learning in simulation.',
       '[]', 'cs.LG', $OLD, '2026-08-29', $OLD, 0);"
expect_rc 0 pb subscriber add bob@example.org --list ml --confirmed
expect_rc 0 pb digest preview bob@example.org --list ml --date $DAY
first=$(grep -m1 -E '^ *1\. ' <<<"$OUT")
assert_contains "$first" "Trending robots" "bob: trending first"
expect_rc 0 pb subscriber like bob@example.org --list ml --less 2608.00006
expect_rc 0 pb digest preview bob@example.org --list ml --date $DAY
first=$(grep -m1 -E '^ *1\. ' <<<"$OUT")
last=$(grep -E '^ *[0-9]+\. ' <<<"$OUT" | tail -1)
assert_contains "$first" "Protein folding" "bob: the next trending paper first after the dislike"
assert_contains "$last" "Trending robots" "bob: the paper like the disliked one last"
expect_rc 0 pb subscriber rm bob@example.org

# the votes go with the subscriber
expect_rc 0 pb subscriber rm ada@example.org
assert_eq "$(sql 'SELECT count(*) FROM votes')" 0 "votes after rm"
pass
