#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 68-digest-size: the largest digest a subscriber can get (50 papers, each
# with the longest title, author list, summary and links we render) keeps
# its HTML part under 100 KB as sent, so Gmail does not clip it and the
# unsubscribe link stays visible; the mail then carries fewer papers and
# links the rest in the browser; a normal digest carries all its papers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

D1=2026-11-20
"$PAPERBOY" -c "$CFG" list ls >/dev/null 2>&1
t=$(date -u -d "$D1 06:00" +%s)
long_title=$(printf 'A very long title about attention and transformers %.0s' $(seq 1 5))
long_abs=$(printf 'We study attention in large language models at scale and report results. %.0s' $(seq 1 40))
authors='["Alexandra Bartholomew-Featherstonehaugh","Maximilian Konstantin von Hohenzollern","Anastasia Papadopoulou-Georgiou","Bartholomew Christopherson","Wilhelmina Oppenheimer-Vanderbilt","Sixth Author","Seventh Author"]'
{
    echo "BEGIN;"
    for i in $(seq 1 60); do
        echo "INSERT INTO papers (arxiv_id, title, abstract, authors, categories, first_seen_at, first_seen_day, updated_at, in_arxiv, hf_day, hf_upvotes, github_repo, project_page) VALUES ('2611.$(printf %05d "$i")', '$long_title $i', '$long_abs', '$authors', 'cs.LG,cs.CL,cs.AI,stat.ML', $t, '$D1', $t, 1, '$D1', $((1000 + i)), 'https://github.com/some-organisation-name/a-long-repository-name-$i', 'https://some-project-page.example.org/projects/a-long-project-name-$i/');"
        echo "INSERT INTO paper_categories VALUES ('cs.LG', last_insert_rowid());"
    done
    echo "COMMIT;"
} | sqlite3 -batch "$TMP/db" || fail "seeding papers"
seed_subs 1 big
seed_subs 1 small
sql "UPDATE subscriptions SET max_papers = 50 WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'big1@example.org')"
sql "UPDATE subscriptions SET max_papers = 5 WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'small1@example.org')"

PAPERBOY_NOW=$(date -u -d "$D1 12:00" +%s) expect_rc 0 pb send --date $D1
assert_contains "$OUT" "delivered 2" "send"
assert_eq "$(sql "SELECT count(*) FROM digest_items di JOIN digests d ON d.id = di.digest_id JOIN subscriptions s ON s.id = d.subscription_id JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'big1@example.org'")" 50 "papers in the big digest"
big=$(grep -l '^To: big1@example.org' "$TMP"/mail/new/*)
small=$(grep -l '^To: small1@example.org' "$TMP"/mail/new/*)
check() { # FILE PAPERS_MIN PAPERS_MAX MORE(yes|no)
    /usr/bin/python3 - "$@" <<'PYEOF'
import email, email.policy, re, sys
path, lo, hi, more = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
raw = open(path, "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
html = msg.get_body(("html",))
text = msg.get_body(("plain",))
encoded = html.get_payload(decode=False)
decoded = html.get_content()
n = len(re.findall(r">#\d+", decoded))
problems = []
if len(encoded.encode()) >= 100 * 1024:
    problems.append("HTML part as sent is %d bytes" % len(encoded.encode()))
if len(decoded.encode()) >= 100 * 1024:
    problems.append("HTML decoded is %d bytes" % len(decoded.encode()))
if not lo <= n <= hi:
    problems.append("%d papers, want %d..%d" % (n, lo, hi))
if "/unsubscribe/" not in decoded[-3000:]:
    problems.append("no unsubscribe link at the end of the HTML")
has_more = "more papers in the browser" in decoded and "/d/" in decoded
if has_more != (more == "yes") or (more == "yes") != ("more papers in the browser" in text.get_content()):
    problems.append("more-papers line: %s in HTML" % has_more)
print("%s: %d papers, html %d bytes sent, %d decoded" % (path, n, len(encoded.encode()), len(decoded.encode())))
if problems:
    print("; ".join(problems))
    sys.exit(1)
PYEOF
}
expect_rc 0 check "$big" 20 49 yes
echo "$OUT"
expect_rc 0 check "$small" 5 5 no
pass
