#!/bin/bash
# SPDX-License-Identifier: MIT
# 11-cli-subscribers: `paperboy subscriber add|rm|ls|show`: address
# normalisation (case, IDN), every refused address with its reason and
# nothing written, keywords rules, status words, JSON output, exit codes.
. "$(dirname "$0")/lib.sh"

json() { # json EXPR: evaluate a Python expression on j = json of $OUT
    printf '%s' "$OUT" | /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}
nsubs() { # number of subscriptions in the database
    pb subscriber ls --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

expect_rc 0 pb list add nlp --categories cs.CL

# --- add, with and without --confirmed
expect_rc 0 pb subscriber add ada@example.org --list trending --keywords "KV cache, distillation"
assert_contains "$OUT" "subscribed ada@example.org to 'trending' (pending)"
expect_rc 0 pb subscriber add ada@example.org --list nlp --confirmed --name "Ada Lovelace"
assert_contains "$OUT" "(confirmed)"
# the same mailbox in another case is the same subscriber
expect_rc 0 pb subscriber add ADA@EXAMPLE.ORG --list trending
assert_contains "$OUT" "already subscribed to 'trending' (pending)"
expect_rc 0 pb subscriber add Ada@Example.org --list trending --keywords "flash attention"
assert_contains "$OUT" "keywords updated"
expect_rc 0 pb subscriber show ada@example.org --json
assert_eq "$(json 'j["email"]')" "ada@example.org"
assert_eq "$(json 'sorted((s["list"], s["status"]) for s in j["subscriptions"])')" \
    "[('nlp', 'confirmed'), ('trending', 'pending')]"
assert_eq "$(json '[s["keywords"] for s in j["subscriptions"] if s["list"]=="trending"][0]')" "flash attention"
assert_eq "$(json '[s["confirmed_at"] is not None for s in j["subscriptions"] if s["list"]=="nlp"][0]')" True
assert_eq "$(nsubs)" 2

# --- internationalised domains are stored as punycode, found either way
expect_rc 0 pb subscriber add "leser@bücher.example" --list trending
assert_contains "$OUT" "leser@xn--bcher-kva.example"
expect_rc 0 pb subscriber show "LESER@BÜCHER.example"
assert_contains "$OUT" "leser@xn--bcher-kva.example"
assert_contains "$OUT" "pending"
expect_rc 0 pb subscriber show leser@xn--bcher-kva.example --json
assert_eq "$(json 'j["subscriptions"][0]["status"]')" pending

# --- refused addresses: exit 1, the reason, nothing written
before=$(nsubs)
local65=$(printf 'a%.0s' $(seq 65))
label=$(printf 'b%.0s' $(seq 60))
long="x@$label.$label.$label.$label.org" # 249 characters
long="xxxxxx$long"                      # 255 characters
check_bad() { # check_bad ADDRESS REASON
    expect_rc 1 pb subscriber add "$1" --list trending
    assert_contains "$ERR" "invalid address"
    assert_contains "$ERR" "$2"
}
check_bad "ada" "the address has no @"
check_bad "ada@@example.org" "more than one @"
check_bad "@example.org" "the local part (before the @) is empty"
check_bad "ada@" "the domain (after the @) is empty"
check_bad "$local65@example.org" "the local part is longer than 64 characters"
check_bad "$long" "the address is longer than 254 characters"
check_bad "ada lovelace@example.org" "contains a space"
check_bad "$(printf 'ada\r@example.org')" "control character"
check_bad "$(printf 'ada@example.org\nBcc: x@y.org')" "control character"
check_bad "ada@localhost" "has no dot"
check_bad "ada..x@example.org" "two dots in a row"
check_bad "\"ada\"@example.org" "quoted local parts"
check_bad "Ada <ada@example.org>" "contains a space"
check_bad "<ada@example.org>" "angle brackets"
check_bad "ada@[192.0.2.1]" "address literals"
check_bad "ada@-example.org" "hyphen"
check_bad "ada@192.168.0.1" "ends in a number"
check_bad "ädä@example.org" "plain ASCII"
check_bad "$(printf 'ada@example.org\377')" "not valid UTF-8"
assert_eq "$(nsubs)" "$before" "subscriptions after refused addresses"
# the invalid address is not even looked up for rm or show
expect_rc 1 pb subscriber rm "ada@@example.org"
assert_contains "$ERR" "more than one @"
expect_rc 1 pb subscriber show "nobody"
assert_contains "$ERR" "no @"

# --- keywords and names
expect_rc 1 pb subscriber add kw@example.org --list trending --keywords "$(printf 'a\nb')"
assert_contains "$ERR" "--keywords: the keywords are not allowed to contain control characters"
expect_rc 1 pb subscriber add kw@example.org --list trending --keywords "$(printf 'a\rb')"
expect_rc 1 pb subscriber add kw@example.org --list trending --keywords "$(printf 'a\tb')"
expect_rc 1 pb subscriber add kw@example.org --list trending --keywords "$(printf 'k%.0s' $(seq 501))"
assert_contains "$ERR" "longer than 500 bytes"
expect_rc 1 pb subscriber add kw@example.org --list trending --name "$(printf 'a\nb')"
assert_contains "$ERR" "--name:"
assert_eq "$(nsubs)" "$before" "subscriptions after refused keywords"
expect_rc 0 pb subscriber add kw@example.org --list trending --keywords "$(printf 'k%.0s' $(seq 500))"
expect_rc 0 pb subscriber add "o'brien@example.org" --list trending --keywords "'; DROP TABLE subscribers; --"
expect_rc 0 pb subscriber show "O'Brien@example.org" --json
assert_eq "$(json 'j["subscriptions"][0]["keywords"]')" "'; DROP TABLE subscribers; --"

# --- unknown list, usage errors
expect_rc 1 pb subscriber add zed@example.org --list nosuch
assert_contains "$ERR" "no list named 'nosuch'"
expect_rc 1 pb subscriber add zed@example.org --list "Bad'list"
assert_contains "$ERR" "invalid list name"
expect_rc 2 pb subscriber add zed@example.org
assert_contains "$ERR" "--list NAME is required"
expect_rc 2 pb subscriber add --list trending
assert_contains "$ERR" "missing EMAIL"
expect_rc 2 pb subscriber add zed@example.org --list trending --bogus
assert_contains "$ERR" "unknown option '--bogus'"
expect_rc 2 pb subscriber add zed@example.org --list
expect_rc 2 pb subscriber add zed@example.org --list trending --confirmed=yes
expect_rc 2 pb subscriber
expect_rc 2 pb subscriber frob
expect_rc 2 pb subscriber ls --status sleeping
assert_contains "$ERR" "'sleeping' is not one of pending, confirmed, unsubscribed, bounced"
expect_rc 2 pb subscriber show
expect_rc 2 pb subscriber show a@example.org b@example.org
expect_rc 1 pb subscriber ls --list nosuch

# --- ls with filters, table and JSON
expect_rc 0 pb subscriber ls
assert_contains "$OUT" "EMAIL"
assert_contains "$OUT" "ada@example.org"
assert_contains "$OUT" "flash attention"
expect_rc 0 pb subscriber ls --list nlp --json
assert_eq "$(json '[(s["email"], s["status"]) for s in j]')" "[('ada@example.org', 'confirmed')]"
expect_rc 0 pb subscriber ls --status confirmed --json
assert_eq "$(json 'len(j)')" 1
expect_rc 0 pb subscriber ls --list trending --status pending --json
assert_eq "$(json 'sorted(s["email"] for s in j)')" \
    "['ada@example.org', 'kw@example.org', 'leser@xn--bcher-kva.example', \"o'brien@example.org\"]"
expect_rc 0 pb subscriber ls --status unsubscribed --json
assert_eq "$(json 'j')" "[]"
# the table names each subscription's cadence, as show and --json do
expect_rc 0 pb subscriber add wk@example.org --list nlp --weekly friday
expect_rc 0 pb subscriber ls --list nlp
assert_contains "$(printf '%s\n' "$OUT" | head -n1)" "CADENCE" "ls has a cadence column"
assert_contains "$(printf '%s\n' "$OUT" | grep '^wk@example.org')" "weekly on friday" "a weekly row"
assert_contains "$(printf '%s\n' "$OUT" | grep '^ada@example.org')" "daily" "a daily row"
expect_rc 0 pb subscriber ls --list nlp --json
assert_eq "$(json '[(s["email"], s["cadence"], s["weekday"]) for s in j]')" \
    "[('ada@example.org', 'daily', None), ('wk@example.org', 'weekly', 'friday')]"
expect_rc 0 pb subscriber rm wk@example.org

# --- show, table form
expect_rc 0 pb subscriber show ada@example.org
assert_contains "$OUT" "name:    Ada Lovelace"
assert_contains "$OUT" "confirmed"
assert_contains "$OUT" "pending"
expect_rc 1 pb subscriber show nobody@example.org
assert_contains "$ERR" "no subscriber 'nobody@example.org'"

# --- rm
expect_rc 1 pb subscriber rm nobody@example.org
assert_contains "$ERR" "no subscriber"
expect_rc 1 pb subscriber rm kw@example.org --list nlp
assert_contains "$ERR" "is not subscribed to 'nlp'"
expect_rc 0 pb subscriber rm ADA@example.org --list trending
assert_contains "$OUT" "removed ada@example.org from 'trending'"
expect_rc 0 pb subscriber show ada@example.org --json
assert_eq "$(json '[s["list"] for s in j["subscriptions"]]')" "['nlp']"
# removing the last subscription removes the subscriber
expect_rc 0 pb subscriber rm ada@example.org --list nlp
expect_rc 1 pb subscriber show ada@example.org
expect_rc 0 pb subscriber add bob@example.org --list nlp
expect_rc 0 pb subscriber add bob@example.org --list trending
expect_rc 0 pb subscriber rm bob@example.org
assert_contains "$OUT" "removed bob@example.org and 2 subscriptions"
expect_rc 1 pb subscriber show bob@example.org

# --- a re-added unsubscribed subscription starts pending again
expect_rc 0 pb subscriber add carol@example.org --list nlp --confirmed
sql "UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = 1 WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'carol@example.org')"
expect_rc 0 pb subscriber add carol@example.org --list nlp
assert_contains "$OUT" "subscribed carol@example.org to 'nlp' (pending)"

# --- [digest] max_papers is the default for new subscriptions
cfg_add "[digest]"
cfg_add "max_papers = 7"
expect_rc 0 pb subscriber add seven@example.org --list nlp
expect_rc 0 pb subscriber show seven@example.org --json
assert_eq "$(json 'j["subscriptions"][0]["max_papers"]')" 7
pass
