#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 74-web-archive-days: the archive's day pages.  A paper without
# categories (or authors) shows no stray "·"; an empty day says so
# without "top 0 papers"; "←" and "→" go to the nearest day that has
# papers, skipping the empty ones, and the oldest day has no "←".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
web_start

d0=$(date -u +%F)
d5=$(date -u -d '5 days ago' +%F)
d9=$(date -u -d '9 days ago' +%F)
d2=$(date -u -d '2 days ago' +%F)
d7=$(date -u -d '7 days ago' +%F)
sql "
INSERT INTO papers (arxiv_id, title, abstract, authors, categories,
                    first_seen_at, first_seen_day, updated_at, in_arxiv,
                    hf_day, hf_upvotes)
VALUES
 ('2611.10001', 'Today with categories', 'a', '[\"Ada Lovelace\"]', 'cs.LG',
  strftime('%s','now'), '$d0', strftime('%s','now'), 1, '$d0', 3),
 ('2611.10002', 'No categories here', 'b', '[\"Grace Hopper\"]', '',
  strftime('%s','now'), '$d5', strftime('%s','now'), 0, '$d5', 5),
 ('2611.10003', 'Neither authors nor categories', 'c', '[]', '',
  strftime('%s','now'), '$d9', strftime('%s','now'), 0, '$d9', 0);
INSERT INTO paper_categories (category, paper_id)
 SELECT 'cs.LG', id FROM papers WHERE arxiv_id = '2611.10001';
" || fail "could not seed papers"

# a day with papers: "←" skips the four empty days before it
http GET "/archive/trending/$d0"
expect_code 200 "archive today"
assert_contains "$BODY" "The day's top 1 paper by trending" "count on a day with one paper"
assert_contains "$BODY" "/archive/trending/$d5\" rel=\"prev\"" "← skips the empty days"
assert_not_contains "$BODY" 'rel="next"' "→ after the last day with papers"

# an empty day: no "top 0", arrows to the nearest days with papers
http GET "/archive/trending/$d2"
expect_code 200 "archive on an empty day"
assert_not_contains "$BODY" "top 0" "empty day"
assert_contains "$BODY" "No papers were collected for this list on $d2"
assert_contains "$BODY" "/archive/trending/$d5\" rel=\"prev\"" "← from an empty day"
assert_contains "$BODY" "/archive/trending/$d0\" rel=\"next\"" "→ from an empty day"

# a paper without categories: "authors · ▲ 5", nothing doubled
http GET "/archive/trending/$d5"
expect_code 200 "archive with a paper without categories"
assert_contains "$BODY" '<span class="meta">Grace Hopper · <span class="votes"' "meta without categories"
assert_not_contains "$BODY" "· ·" "doubled separator"
assert_contains "$BODY" "/archive/trending/$d9\" rel=\"prev\""
assert_contains "$BODY" "/archive/trending/$d0\" rel=\"next\"" "→ skips the empty days"

# neither authors nor categories nor votes: an empty meta line; the
# oldest day has no "←"
http GET "/archive/trending/$d9"
expect_code 200 "archive: oldest day"
assert_contains "$BODY" '<span class="meta"></span>' "meta of a paper with nothing to show"
assert_not_contains "$BODY" 'rel="prev"' "← before the first day with papers"
http GET "/archive/trending/$d7"
assert_contains "$BODY" "/archive/trending/$d9\" rel=\"prev\"" "← from an empty day to the oldest"

web_stop
pass
