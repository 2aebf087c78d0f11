#!/bin/bash
# SPDX-License-Identifier: MIT
# 10-cli-lists: `paperboy list add|ls|rm`, help texts, exit codes, config
# errors (exit 1 naming FILE:LINE and the key, no database created) and
# `paperboy stats`, against a temporary database.
. "$(dirname "$0")/lib.sh"

json() { # json EXPR: evaluate a Python expression on j = json of $OUT
    printf '%s' "$OUT" | /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

# --- help: every command answers --help on stdout with status 0, even
# without a usable config
for c in "list --help" "list add --help" "list ls -h" "subscriber --help" \
         "subscriber import --help" "stats --help"; do
    # shellcheck disable=SC2086
    expect_rc 0 pb $c
    assert_contains "$OUT" "usage:" "help of '$c'"
    assert_contains "$OUT" "Example" "help of '$c'"
done
expect_rc 0 pb list --help
for opt in --title --description --categories --hf --no-hf --json --yes; do
    assert_contains "$OUT" "$opt" "list help"
done
expect_rc 0 "$PAPERBOY" -c /nonexistent.ini list --help
assert_no_file "$TMP/db"

# --- usage errors: exit 2
expect_rc 2 pb list
assert_contains "$ERR" "missing subcommand"
expect_rc 2 pb list frobnicate
assert_contains "$ERR" "unknown subcommand 'frobnicate'"
expect_rc 2 pb list add
assert_contains "$ERR" "missing list NAME"
expect_rc 2 pb list add nlp --bogus
assert_contains "$ERR" "unknown option '--bogus'"
assert_contains "$ERR" "Try 'paperboy list add --help'"
expect_rc 2 pb list add nlp --title
assert_contains "$ERR" "--title needs a value"
expect_rc 2 pb list add nlp --hf --no-hf
expect_rc 2 pb list add nlp extra
assert_contains "$ERR" "unexpected argument 'extra'"
expect_rc 2 pb list ls extra
expect_rc 2 pb list ls --json=yes
expect_rc 2 pb list rm
expect_rc 2 pb stats --bogus

# --- the seeded list
expect_rc 0 pb list ls
assert_contains "$OUT" "trending"
assert_contains "$OUT" "cs.LG,cs.CL,cs.CV,cs.AI"
assert_eq "$(stat -c %a "$TMP/db")" 600 "database file mode"
expect_rc 0 pb list ls --json
assert_eq "$(json '[l["name"] for l in j]')" "['trending']" "lists"
assert_eq "$(json 'j[0]["include_hf"]')" "True" "trending include_hf"

# --- add
expect_rc 0 pb list add nlp --title "NLP daily" --categories cs.CL,cs.IR --no-hf
assert_contains "$OUT" "added list 'nlp'"
expect_rc 0 pb list add stats-ml --categories stat.ML,q-bio.QM,hep-ex,astro-ph.CO
expect_rc 0 pb list add hf_only --hf
expect_rc 0 pb list add 0day --title "Zero day" --description "Short text." --categories=cs.CR
expect_rc 0 pb list ls --json
assert_eq "$(json '[l["name"] for l in j]')" "['0day', 'hf_only', 'nlp', 'stats-ml', 'trending']"
assert_eq "$(json '[l for l in j if l["name"]=="nlp"][0]["include_hf"]')" False
assert_eq "$(json '[l for l in j if l["name"]=="nlp"][0]["title"]')" "NLP daily"
assert_eq "$(json '[l for l in j if l["name"]=="nlp"][0]["categories"]')" "cs.CL,cs.IR"
assert_eq "$(json '[l for l in j if l["name"]=="hf_only"][0]["title"]')" "hf_only"
assert_eq "$(json '[l for l in j if l["name"]=="0day"][0]["description"]')" "Short text."
expect_rc 0 pb list ls
assert_contains "$OUT" "NLP daily"
assert_contains "$OUT" "NAME"

# --- bad input: exit 1 with the reason, nothing written
n_before=$(pb list ls --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
long=$(printf 'a%.0s' $(seq 65))
for bad in "Bad" "a b" "x;y" "x'; DROP TABLE lists;--" "ümlaut" "$long" "a.b"; do
    expect_rc 1 pb list add "$bad" --categories cs.LG
    assert_contains "$ERR" "list name"
done
expect_rc 1 pb list add "" --categories cs.LG
assert_contains "$ERR" "the list name is empty"
for bad in "cs.LG, cs.CL" "cs..LG" "CS.LG" "cs.LG," ",cs.LG" "cs.LG;x" "1cs"; do
    expect_rc 1 pb list add good --categories "$bad"
    assert_contains "$ERR" "--categories:"
done
expect_rc 1 pb list add good --categories cs.LG,cs.LG
assert_contains "$ERR" "given twice"
expect_rc 1 pb list add good --no-hf
assert_contains "$ERR" "would collect nothing"
expect_rc 1 pb list add good --categories cs.LG --title "$(printf 'a\tb')"
assert_contains "$ERR" "control characters"
expect_rc 1 pb list add nlp --categories cs.LG
assert_contains "$ERR" "list 'nlp' already exists"
n_after=$(pb list ls --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
assert_eq "$n_after" "$n_before" "lists after refused adds"

# --- rm
expect_rc 1 pb list rm nosuch
assert_contains "$ERR" "no list named 'nosuch'"
expect_rc 1 pb list rm "Bad"
expect_rc 0 pb list rm hf_only
assert_contains "$OUT" "removed list 'hf_only'"
expect_rc 0 pb subscriber add ada@example.org --list nlp --confirmed
expect_rc 0 pb subscriber add bob@example.org --list nlp
expect_rc 1 pb list rm nlp
assert_contains "$ERR" "list 'nlp' has 2 subscriptions (1 confirmed)"
assert_contains "$ERR" "--yes"
expect_rc 0 pb list ls
assert_contains "$OUT" "nlp"
expect_rc 0 pb list rm nlp --yes
assert_contains "$OUT" "removed list 'nlp' and 2 subscriptions"
expect_rc 0 pb list ls --json
assert_eq "$(json '"nlp" in [l["name"] for l in j]')" False
expect_rc 0 pb subscriber ls --json
assert_eq "$(json 'len(j)')" 0 "subscriptions left after rm --yes"

# --- stats
expect_rc 0 pb subscriber add carol@example.org --list trending --confirmed
expect_rc 0 pb subscriber add dave@example.org --list trending
expect_rc 0 pb stats
assert_contains "$OUT" "lists:"
assert_contains "$OUT" "1 confirmed"
assert_contains "$OUT" "last collection: never"
expect_rc 0 pb stats --json
assert_eq "$(json 'j["lists"]')" 3
assert_eq "$(json 'j["subscriptions"]["confirmed"]')" 1
assert_eq "$(json 'j["subscriptions"]["pending"]')" 1
assert_eq "$(json 'j["outbox"]["queued"]')" 0
assert_eq "$(json 'j["last_collection"]')" None
assert_eq "$(json 'j["papers"]')" 0
# rows other modules write: papers, outbox, collection runs
sql "INSERT INTO papers (arxiv_id, title, first_seen_at, first_seen_day, updated_at, hf_day) VALUES ('2401.00001', 'A', 1, '2026-11-27', 1, '2026-11-27'), ('2401.00002', 'B', 1, '2026-11-28', 1, NULL);
INSERT INTO outbox (kind, subscription_id, rcpt, message_id, issued_at, state, created_at, next_attempt_at) SELECT 'digest', id, 'c@example.org', 'm' || id, 1, 'sent', 1, 1 FROM subscriptions;
UPDATE outbox SET state = 'deferred' WHERE id = (SELECT min(id) FROM outbox);
INSERT INTO collect_runs (source, day, started_at, finished_at, ok, new, updated) VALUES ('arxiv-rss:cs.LG', '2026-11-27', 100, 110, 1, 5, 1), ('arxiv-rss:cs.LG', '2026-11-28', 200, 210, 1, 7, 2), ('hf-daily', '2026-11-28', 201, 211, 0, 0, 0);
UPDATE subscriptions SET paused = 1 WHERE status = 'confirmed'"
expect_rc 0 pb stats --json
assert_eq "$(json '(j["papers"], j["papers_hf"], j["last_paper_day"])')" "(2, 1, '2026-11-28')"
assert_eq "$(json '(j["outbox"]["sent"], j["outbox"]["deferred"], j["outbox"]["queued"])')" "(1, 1, 0)"
assert_eq "$(json 'j["subscriptions"]["paused"]')" 1
assert_eq "$(json '[j["last_collection"][k] for k in ("started_at", "day", "sources", "failed", "new", "updated")]')" \
    "[201, '2026-11-28', 2, 1, 7, 2]"
expect_rc 0 pb stats
assert_contains "$OUT" "1 confirmed (1 paused)"
assert_contains "$OUT" "papers:         2 (1 from Hugging Face), newest day 2026-11-28"
assert_contains "$OUT" "1 deferred, 1 sent"
assert_contains "$OUT" "(day 2026-11-28): 2 sources, 1 failed, 7 new, 2 updated"
assert_contains "$OUT" "failed sources:  hf-daily"
# a retry that worked: the last run of each source counts, not the day's sum
sql "INSERT INTO collect_runs (source, day, started_at, finished_at, ok, new, updated) VALUES ('hf-daily', '2026-11-28', 300, 310, 1, 3, 0)"
expect_rc 0 pb stats --json
assert_eq "$(json '[j["last_collection"][k] for k in ("started_at", "sources", "failed", "new", "failed_sources")]')" \
    "[300, 2, 0, 10, []]"
expect_rc 0 pb stats
assert_contains "$OUT" "(day 2026-11-28): 2 sources, 0 failed, 10 new, 2 updated"
assert_not_contains "$OUT" "failed sources"
# --days: per day in [schedule] timezone, plain numbers off a terminal
now=$(date +%s)
sql "UPDATE subscriptions SET confirmed_at = $now WHERE status = 'confirmed';
UPDATE outbox SET sent_at = $now WHERE state = 'sent';
UPDATE outbox SET claimed_at = $now WHERE state = 'deferred';
UPDATE papers SET first_seen_at = $now - 86400 WHERE arxiv_id = '2401.00001'"
PAPERBOY_NOW=$now expect_rc 0 pb stats --days 14 --json
assert_eq "$(json 'len(j["days"])')" 14
assert_eq "$(json '[j["days"][-1][k] for k in ("confirmed", "unsubscribed", "sent", "deferred", "bounced", "papers")]')" "[1, 0, 1, 1, 0, 0]"
assert_eq "$(json 'j["days"][-2]["papers"]')" 1
assert_eq "$(json 'sum(d["sent"] for d in j["days"][:-1])')" 0
PAPERBOY_NOW=$now expect_rc 0 pb stats --days 3
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 4 "--days 3 lines (head + 3)"
assert_contains "$OUT" "DAY         CONFIRMED  UNSUBSCRIBED  SENT  DEFERRED  BOUNCED  PAPERS"
assert_not_contains "$OUT" "█" "plain output off a terminal"
# on a terminal (a pty from script(1)): the chart, then the numbers
need "script (util-linux)" command -v script
OUT=$(PAPERBOY_NOW=$now script -qec "$PAPERBOY -c $CFG stats --days 14" /dev/null)
assert_contains "$OUT" "digests sent" "the chart"
assert_contains "$OUT" "█" "the chart's bars"
assert_contains "$OUT" "total 1, max 1" "the chart's totals"
expect_rc 2 pb stats --days 0
expect_rc 2 pb stats --days 367
expect_rc 2 pb stats --days x

# --- config errors: exit 1, FILE:LINE: [section] key, no database made
bad_cfg() { # bad_cfg TEXT WANT
    local f=$TMP/bad.ini
    printf '[database]\npath = %s/never.db\n%s\n' "$TMP" "$1" >"$f"
    expect_rc 1 "$PAPERBOY" -c "$f" list ls
    assert_contains "$ERR" "$f:$2"
    assert_no_file "$TMP/never.db"
}
bad_cfg "busy_timeout_ms = soon" "3: [database] busy_timeout_ms"
bad_cfg "colour = red" "3: [database] colour: unknown key"
bad_cfg "[nope]
x = 1" "3: unknown section [nope]"
bad_cfg "[schedule]
timezone = Mars/Base" "4: [schedule] timezone"
bad_cfg "[smtp]
password = s3cr3t$(printf '\001')x" "4: [smtp] password"
assert_not_contains "$ERR" "s3cr3t"
expect_rc 1 "$PAPERBOY" -c "$TMP/missing.ini" list ls
assert_contains "$ERR" "missing.ini"
pass
