#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 96-relevance-cli - relevance measured the way issue 14's hidden harness
# measures it, through the real binary: `bench/relevance --small` collects
# the 119 seed papers with `paperboy collect` (file:// feeds, nothing
# leaves the machine), scores the typed queries of
# tests/fixtures/relevance through `papers search`, and each judged
# interest as a reader with no keywords who likes its two best papers
# through `digest preview` before and after `subscriber like`.  Asserts
# floors just under the figures of 2026-12-06 (bench/README.md, the same
# as the in-process unit.relevance and unit.reader), so that a change that
# breaks the CLI path (preview ignoring votes, search truncating or
# ranking otherwise) fails here; and that a failing CLI stops the bench
# with a clear message.
. "$(dirname "$0")/lib.sh"

export SHARED_DIR=${SHARED_DIR:-$SRC_DIR/../shared}
BENCH=$SRC_DIR/bench/relevance
[ -x "$BENCH" ] || fail "no $BENCH"
[ -r "$SHARED_DIR/fixtures/seed_papers.txt" ] || fail "no seed papers in $SHARED_DIR"

expect_rc 0 timeout 120 "$BENCH" --small --json --paperboy "$PAPERBOY" --dir "$TMP/rel"
/usr/bin/python3 - "$OUT" <<'PY' || fail "figures below their floors: $OUT"
import json, sys
d = json.loads(sys.argv[1])
q = d["queries"]["typed"]
r = d["readers"][""]
print("typed queries: nDCG@10 %.3f R-precision %.3f; readers (%d): before "
      "%.3f, after 2 best likes %.3f; %.1f s" % (q["ndcg"], q["rprec"],
      r["n"], r["before"], r["best"], d["seconds"]))
assert q["n"] == 24, q
assert q["ndcg"] >= 0.882 and q["rprec"] >= 0.67, q
# 35 of the 41 interests have two judged papers and more left to find
assert r["n"] == 35, r
assert r["before"] <= 0.25 and r["best"] >= 0.77, r
assert r["comma"] >= 0.80 and r["typed"] >= 0.75, r
PY

# a failing CLI stops the bench: exit 1, the command and its status named
expect_rc 1 "$BENCH" --small --json --paperboy /bin/false --dir "$TMP/bad"
assert_contains "$ERR" "bench/relevance: paperboy list rm trending --yes: exit 1"
assert_eq "$OUT" "" "stdout of a failed bench"
pass
