#!/bin/bash
# SPDX-License-Identifier: MIT
#
# 30-digest-preview - `paperboy digest preview` against the real binary:
# ranking with keywords and exclusions, the three formats (the .eml is
# checked by tests/unit/check_eml.py in strict mode), escaping of a hostile
# title, usage errors, and above all that a preview records nothing.

. "$(dirname "$0")/lib.sh"

cd "$SRC_DIR" || fail "no source dir"   # templates come from ./web
export PAPERBOY_NOW=1795759200          # 2026-11-27 06:00 UTC
DAY=2026-11-27
T=1795740000                            # 2026-11-27 00:40 UTC

# the database, created by a first (failing) preview
expect_rc 1 pb digest preview nobody@example.org --date $DAY
assert_contains "$ERR" "no subscription"

sql "INSERT INTO lists (id, name, title, categories, include_hf, created_at)
     VALUES (2, 'ml', 'ML daily', 'cs.LG,cs.CL', 1, 0);
     INSERT INTO subscribers (id, email, created_at) VALUES
       (1, 'ada@example.org', 0), (2, 'bob@example.org', 0);
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, keywords,
       max_papers, created_at, updated_at) VALUES
       (1, 1, 2, 'confirmed', 'kv cache, distillation, -reinforcement', 10, 0, 0),
       (2, 2, 2, 'confirmed', 'quantum chromodynamics', 10, 0, 0),
       (3, 2, 1, 'pending', '', 10, 0, 0);
     INSERT INTO papers (id, arxiv_id, title, abstract, authors, categories,
       first_seen_at, first_seen_day, updated_at, hf_upvotes, hf_day, github_repo)
     VALUES
       (1, '2611.00001', 'PyramidInfer: Pyramid KV Cache Compression',
        'We compress the KV cache. It works.', '[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\"]',
        'cs.LG', $T, '$DAY', $T, 87, '$DAY', 'https://github.com/org/pyramid'),
       (2, '2611.00002', 'MiniPLM: Knowledge Distillation for Pre-Training',
        'Distilling small students.', '[\"Ann\"]', 'cs.CL', $T, '$DAY', $T, 0, NULL, NULL),
       (3, '2611.00003', 'Reinforcement learning over a KV cache',
        'Excluded by -reinforcement.', '[]', 'cs.LG', $T, '$DAY', $T, 500, NULL, NULL),
       (4, '2611.00004', '<script>alert(1)</script> distillation',
        'Hostile title.', '[]', 'cs.LG', $T, '$DAY', $T, 1, NULL, NULL),
       (5, '2611.00005', 'Old KV cache paper', 'Too old.', '[]', 'cs.LG',
        $T - 864000, '2026-11-17', $T, 0, NULL, NULL);
     INSERT INTO paper_categories SELECT categories, id FROM papers;"

# text: subject, order, why lines, links, footer
expect_rc 0 pb digest preview ada@example.org --date $DAY
assert_contains "$OUT" "Subject: ML daily: 3 papers for Friday, 27 November 2026"
assert_contains "$OUT" ". PyramidInfer: Pyramid KV Cache Compression"
assert_contains "$OUT" "(matched: kv cache · 87 upvotes)"
assert_contains "$OUT" "A, B, C, D, E et al."
assert_contains "$OUT" "https://huggingface.co/papers/2611.00001"
assert_contains "$OUT" "https://github.com/org/pyramid"
assert_contains "$OUT" "(matched: distillation)"
assert_contains "$OUT" "Unsubscribe:        http://localhost:8080/unsubscribe/"
assert_not_contains "$OUT" "Reinforcement learning over" "excluded paper"
assert_not_contains "$OUT" "Old KV cache paper" "paper outside the window"
[ -e "$TMP/secret" ] && fail "a preview created the secret file"

# without --date: today in [schedule] timezone, the day `send` takes, not
# UTC's (06:00 UTC on the 27th is 22:00 on the 26th in Los Angeles)
cp "$CFG" "$TMP/cfg.utc"
cfg_add "[schedule]"
cfg_add "timezone = America/Los_Angeles"
expect_rc 0 pb digest preview ada@example.org --format eml
assert_contains "$ERR" "on 2026-11-26: no new paper" "preview's default day in the zone"
assert_not_contains "$OUT$ERR" "27 November 2026" "preview's default day is not UTC's"
cp "$TMP/cfg.utc" "$CFG"
expect_rc 0 pb digest preview ada@example.org
assert_contains "$OUT" "Friday, 27 November 2026" "preview's default day in UTC"

# html: the hostile title is text
expect_rc 0 pb digest preview ada@example.org --date $DAY --format html
assert_contains "$OUT" "<html"
assert_contains "$OUT" "&lt;script&gt;alert(1)&lt;/script&gt; distillation"
assert_not_contains "$OUT" "<script>" "html"

# eml: a standards-clean message, the same bytes twice
expect_rc 0 pb digest preview ada@example.org --date $DAY --format eml
pb digest preview ada@example.org --date $DAY --format eml >"$TMP/a.eml" || fail "eml"
pb digest preview ada@example.org --date $DAY --format eml >"$TMP/b.eml" || fail "eml"
cmp -s "$TMP/a.eml" "$TMP/b.eml" || fail "two previews of the same day differ"
/usr/bin/python3 "$SRC_DIR/tests/unit/check_eml.py" "$TMP/a.eml" --kind digest \
    --to ada@example.org \
    --subject "ML daily: 3 papers for Friday, 27 November 2026" \
    --contains "PyramidInfer" >"$TMP/check.out" 2>&1 ||
    { cat "$TMP/check.out" >&2; fail "check_eml.py rejected the message"; }

# nothing was recorded
assert_eq "$(sql 'SELECT count(*) FROM digests')" 0 "digests after previews"
assert_eq "$(sql 'SELECT count(*) FROM digest_items')" 0 "digest_items"
assert_eq "$(sql "SELECT COALESCE(last_digest_day, '-') FROM subscriptions WHERE id = 1")" - \
    "last_digest_day"

# nothing matches: exit 0, said on stderr, nothing printed
expect_rc 0 pb digest preview bob@example.org --list ml --date $DAY
assert_contains "$ERR" "nothing to send"
assert_eq "$OUT" "" "stdout when nothing matches"

# a pending subscription is previewed with a note
expect_rc 0 pb digest preview bob@example.org --list trending --date $DAY
assert_contains "$ERR" "pending"

# usage and lookup errors
expect_rc 0 pb digest --help
assert_contains "$OUT" "usage: paperboy digest preview"
expect_rc 0 pb digest preview --help
expect_rc 2 pb digest
expect_rc 2 pb digest frobnicate
expect_rc 2 pb digest preview
expect_rc 2 pb digest preview ada@example.org --date 27/11/2026
assert_contains "$ERR" "YYYY-MM-DD"
expect_rc 2 pb digest preview ada@example.org --format pdf
expect_rc 2 pb digest preview ada@example.org --date
expect_rc 2 pb digest preview ada@example.org --bogus
expect_rc 1 pb digest preview bob@example.org --date $DAY
assert_contains "$ERR" "several lists"
expect_rc 1 pb digest preview ada@example.org --list nope --date $DAY
assert_contains "$ERR" "no subscription to list 'nope'"

# a frozen digest is shown as frozen, and still not changed by a preview
sql "INSERT INTO digests (id, subscription_id, day, created_at) VALUES (7, 1, '$DAY', $PAPERBOY_NOW);
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
     VALUES (7, 1, 2, 1.0, 'matched: distillation');"
expect_rc 0 pb digest preview ada@example.org --date $DAY
assert_contains "$OUT" "1 paper for"
assert_not_contains "$OUT" "PyramidInfer"
assert_eq "$(sql 'SELECT count(*) FROM digest_items')" 1 "digest_items after preview"

pass
