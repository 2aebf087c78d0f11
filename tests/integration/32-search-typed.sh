#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 32-search-typed - keywords typed the way people type them, through the
# real binary: the 119 seed papers are collected with `paperboy collect`
# from an arXiv RSS feed built from seed_papers.txt (as bench/collect
# builds it), then `paperboy papers search` is asked what a new user
# types.  Unquoted words are a soft query: "vision language model
# grounding" finds the vision-language papers although none holds all
# four words; acronyms meet their expansions ("LLM quantisation" finds
# GPTQ, "MoE" finds "Mixture-of-Experts"), and so do acronyms a paper
# defines ("sparse quantum walkers (SQWs)", two papers added to the
# feed); quotes still force a phrase.
. "$(dirname "$0")/lib.sh"

SEED=$SHARED_DIR/fixtures/seed_papers.txt
[ -r "$SEED" ] || fail "no seed papers at $SEED"
cd "$SRC_DIR" || fail "no source dir" # web/acronyms.txt comes from ./web

mkdir -p "$TMP/feeds"
/usr/bin/python3 - "$SEED" "$TMP/feeds/cs.LG" <<'PY' || fail "building the feed"
import sys
from xml.sax.saxutils import escape
lines = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")][2:]
if lines[0].startswith("Subscribe"):
    lines[0] = lines[0][len("Subscribe"):]
pairs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
# an acronym no table knows, defined in one abstract and used bare in another
pairs.append(("Sparse quantum walkers on graphs",
              "We introduce sparse quantum walkers (SQWs), random walks whose "
              "amplitudes stay sparse on large graphs."))
pairs.append(("Faster sampling", "We sample SQWs twice as fast as before."))
out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">\n<channel>\n'
       '<title>cs.LG updates on arXiv.org</title>\n<link>http://rss.arxiv.org/rss/cs.LG</link>\n'
       '<description>cs.LG</description>\n<pubDate>Wed, 18 Nov 2026 00:00:00 -0500</pubDate>\n']
for n, (title, abstract) in enumerate(pairs):
    aid = "2611.%05d" % (10000 + n)
    out.append("<item>\n<title>%s</title>\n<link>https://arxiv.org/abs/%s</link>\n"
               "<description>arXiv:%sv1 Announce Type: new \nAbstract: %s</description>\n"
               "<guid isPermaLink=\"false\">oai:arXiv.org:%sv1</guid>\n<category>cs.LG</category>\n"
               "<pubDate>Wed, 18 Nov 2026 00:00:00 -0500</pubDate>\n"
               "<arxiv:announce_type>new</arxiv:announce_type>\n"
               "<dc:creator>A. Author</dc:creator>\n</item>\n"
               % (escape(title), aid, aid, escape(abstract), aid))
out.append("</channel>\n</rss>\n")
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
echo '[]' >"$TMP/feeds/hf" # an empty Hugging Face day: nothing leaves the machine
cfg_add "[sources]
arxiv_rss_url = file://$TMP/feeds/
hf_daily_url = file://$TMP/feeds/hf"
export PAPERBOY_NOW=1794981600 # 2026-11-18 06:00 UTC

expect_rc 0 pb list rm trending --yes
expect_rc 0 pb list add ml --categories cs.LG
expect_rc 0 timeout 120 "$PAPERBOY" -c "$CFG" collect --date 2026-11-18
assert_not_contains "$OUT$ERR" "FAILED" "collect: every source local and fine"
n=$(sql 'SELECT count(*) FROM papers')
[ "$n" -ge 100 ] || fail "collect stored only $n papers"

# the issue's example: 0 hits before, several vision-language papers now
expect_rc 0 pb papers search --limit 10 "vision language model grounding"
hits=$(printf '%s\n' "$OUT" | grep -c .)
[ "$hits" -ge 5 ] || fail "'vision language model grounding': $hits hits"
vl=0
for t in "Distilled Dual-Encoder Model for Vision-Language" \
    "Improving fine-grained understanding in image-text" \
    "Universal Adversarial Perturbations for Vision-Language" \
    "Approximated Prompt Tuning for Vision-Language" \
    "Parameter and Computation Efficient Transfer Learning for Vision-Language" \
    "MAPL: Parameter-Efficient Adaptation" \
    "SimVLG" "Inverse-LLaVA" "MMInference" "Prompt Pre-Training with Twenty-Thousand"; do
    case "$OUT" in *"$t"*) vl=$((vl + 1)) ;; esac
done
[ "$vl" -ge 5 ] || fail "only $vl vision-language papers in the top 10"

# an acronym and British spelling meet the expansion and American spelling
expect_rc 0 pb papers search --limit 5 "LLM quantisation"
assert_contains "$OUT" "GPTQ" "'LLM quantisation'"
expect_rc 0 pb papers search --limit 3 "MoE"
assert_contains "$OUT" "Mixture-of-Expert" "'MoE'"
# hyphenation: pretraining / pre-training / pre training are one word
expect_rc 0 pb papers search --limit 3 "continual pretraining"
assert_contains "$OUT" "Efficient Continual Pre-training" "'continual pretraining'"

# an acronym a paper defines ("sparse quantum walkers (SQWs)") meets its
# expansion both ways, in papers that use only one of the two
expect_rc 0 pb papers search --limit 5 "SQW"
assert_contains "$OUT" "Sparse quantum walkers on graphs" "'SQW'"
assert_contains "$OUT" "Faster sampling" "'SQW'"
expect_rc 0 pb papers search --limit 5 "sparse quantum walker"
assert_contains "$OUT" "Faster sampling" "'sparse quantum walker' finds the paper saying SQWs"

# quotes still force a phrase; a leading minus still excludes
expect_rc 0 pb papers search --limit 50 '"kv cache"'
hits=$(printf '%s\n' "$OUT" | grep -c .)
[ "$hits" -ge 2 ] && [ "$hits" -le 8 ] || fail "'\"kv cache\"': $hits hits"
expect_rc 0 pb papers search --limit 50 'kv cache, -pyramid'
assert_not_contains "$OUT" "PyramidInfer" "an excluded paper"
expect_rc 1 pb papers search "$(printf 'kv\ncache')"
pass
