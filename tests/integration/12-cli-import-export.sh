#!/bin/bash
# SPDX-License-Identifier: MIT
# 12-cli-import-export: `paperboy subscriber import|export`: a listmonk
# export, a BOM + CRLF file, bad rows reported as "line N: reason" and
# skipped, re-import changes nothing, export -> import -> export is
# byte-for-byte identical in a fresh database, batches of many rows,
# standard input, a row that unsubscribes drops the queued mail, and the
# refusals (no email column, empty file, unknown list, missing file).
. "$(dirname "$0")/lib.sh"

json() { # json EXPR: evaluate a Python expression on j = json of $OUT
    printf '%s' "$OUT" | /usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}
nsubs() {
    pb subscriber ls --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

# --- a listmonk subscriber export: extra columns ignored, attributes is
# JSON with doubled quotes (once with a line break inside), a name with a
# comma, blocklisted addresses refused
cat >"$TMP/listmonk.csv" <<'CSV'
uuid,email,name,attributes,status,created_at,updated_at
5e2c1d0a-8c1b-4e1b-9b0a-0c1d2e3f4a5b,ada@example.org,Ada Lovelace,"{""city"": ""London"", ""tags"": [""math""]}",enabled,2024-01-02 10:00:00.123456+00,2024-01-03 11:00:00+00
6f3d2e1b-9d2c-5f2c-0c1b-1d2e3f4a5b6c,Grace@Example.ORG,"Hopper, Grace",{},enabled,2024-02-02 10:00:00+00,2024-02-02 10:00:00+00
7a4e3f2c-0e3d-6a3d-1d2c-2e3f4a5b6c7d,spam@example.org,Spammer,{},blocklisted,2024-02-02 10:00:00+00,2024-02-02 10:00:00+00
8b5f4a3d-1f4e-7b4e-2e3d-3f4a5b6c7d8e,edsger@example.org,Edsger Dijkstra,"{""note"": ""two
lines""}",enabled,2024-03-02 10:00:00+00,2024-03-02 10:00:00+00
9c6a5b4e-2a5f-8c5f-3f4e-4a5b6c7d8e9f,not-an-address,Nobody,{},enabled,2024-03-02 10:00:00+00,2024-03-02 10:00:00+00
CSV
expect_rc 1 pb subscriber import "$TMP/listmonk.csv" --list trending --confirmed
assert_contains "$OUT" "imported 3, updated 0, unchanged 0, skipped 2"
assert_contains "$ERR" "line 4: status 'blocklisted'"
assert_contains "$ERR" "line 7: invalid address 'not-an-address': the address has no @"
expect_rc 0 pb subscriber ls --json
assert_eq "$(json 'sorted((s["email"], s["name"], s["status"]) for s in j)')" \
    "[('Grace@example.org', 'Hopper, Grace', 'confirmed'), ('ada@example.org', 'Ada Lovelace', 'confirmed'), ('edsger@example.org', 'Edsger Dijkstra', 'confirmed')]"

# importing the same file again changes nothing
pb subscriber export >"$TMP/before.csv"
expect_rc 1 pb subscriber import "$TMP/listmonk.csv" --list trending --confirmed
assert_contains "$OUT" "imported 0, updated 0, unchanged 3, skipped 2"
pb subscriber export >"$TMP/after.csv"
cmp -s "$TMP/before.csv" "$TMP/after.csv" || fail "re-import changed the export"

# --- BOM, CRLF, upper-case header, keywords column, quoted fields
printf '\357\273\277Email,NAME,Keywords\r\nbob@example.org,Bob,"kv cache, ""flash attention"""\r\ncarol@bücher.example,,distillation\r\n\r\n' >"$TMP/bom.csv"
expect_rc 0 pb subscriber import "$TMP/bom.csv" --list trending
assert_contains "$OUT" "imported 2, updated 0, unchanged 0, skipped 0"
assert_eq "$ERR" "" "stderr of a clean import"
expect_rc 0 pb subscriber show bob@example.org --json
assert_eq "$(json 'j["name"]')" Bob
assert_eq "$(json 'j["subscriptions"][0]["keywords"]')" 'kv cache, "flash attention"'
assert_eq "$(json 'j["subscriptions"][0]["status"]')" pending
expect_rc 0 pb subscriber show carol@xn--bcher-kva.example --json
assert_eq "$(json 'j["subscriptions"][0]["keywords"]')" distillation
# changed keywords count as updated; --confirmed confirms pending rows
printf 'email,keywords\nbob@example.org,speculative decoding\n' >"$TMP/upd.csv"
expect_rc 0 pb subscriber import "$TMP/upd.csv" --list trending --confirmed
assert_contains "$OUT" "imported 0, updated 1, unchanged 0, skipped 0"
expect_rc 0 pb subscriber show bob@example.org --json
assert_eq "$(json 'j["subscriptions"][0]["keywords"]')" "speculative decoding"
assert_eq "$(json 'j["subscriptions"][0]["status"]')" confirmed

# --- bad rows: reported with the line each record starts on, skipped;
# the good rows around them are imported
{
    printf 'email,name,keywords,max_papers,timezone,categories\n' # 1
    printf 'good1@example.org,One,,,,\n'                           # 2
    printf 'bad@@example.org,Two,,,,\n'                            # 3
    printf '"multi\nline@example.org",Three,,,,\n'                 # 4-5
    printf 'good2@example.org,"Four, Jr.",,,,\n'                   # 6
    printf 'nl@example.org,"Two\nlines",,,,\n'                     # 7-8
    printf 'kw@example.org,,"a\tb",,,\n'                           # 9
    printf 'big@example.org,,,51,,\n'                              # 10
    printf 'tz@example.org,,,,Mars/Base,\n'                        # 11
    printf 'cat@example.org,,,,,"cs.LG, cs.CL"\n'                  # 12
    printf 'quote@example.org,Fi"ve,,,,\n'                         # 13
    printf 'good3@example.org,,,7,Europe/Berlin,cs.CL\n'           # 14
    printf '%s@example.org,,,,,\n' "$(printf 'l%.0s' $(seq 65))"   # 15
    printf ',,,,,\n'                                               # 16
    printf '"unterminated@example.org,x\n'                         # 17
    printf 'never@example.org,,,,,\n'                              # 18
} >"$TMP/bad.csv"
expect_rc 1 pb subscriber import "$TMP/bad.csv" --list trending
assert_contains "$ERR" "line 3: invalid address 'bad@@example.org': the address has more than one @"
assert_contains "$ERR" "line 4: invalid address 'multi?line@example.org': the address contains a control character"
assert_contains "$ERR" "line 7: the name is not allowed to contain control characters"
assert_contains "$ERR" "line 9: the keywords are not allowed to contain control characters"
assert_contains "$ERR" "line 10: max_papers '51' is not a number from 1 to 50"
assert_contains "$ERR" "line 11: 'Mars/Base' is not a known time zone"
assert_contains "$ERR" "line 12: ' cs.CL' is not an arXiv category"
assert_contains "$ERR" "line 13: a quote inside an unquoted field"
assert_contains "$ERR" "line 15: invalid address"
assert_contains "$ERR" "the local part is longer than 64 characters"
assert_contains "$ERR" "line 16: invalid address '': the address is empty"
assert_contains "$ERR" "line 17: a quoted field is not closed before the end of the file"
assert_not_contains "$ERR" "line 2:"
assert_not_contains "$ERR" "line 6:"
assert_not_contains "$ERR" "line 14:"
assert_contains "$OUT" "imported 3, updated 0, unchanged 0, skipped 11"
expect_rc 0 pb subscriber show good2@example.org --json
assert_eq "$(json 'j["name"]')" "Four, Jr."
expect_rc 0 pb subscriber show good3@example.org --json
assert_eq "$(json '(j["subscriptions"][0]["max_papers"], j["subscriptions"][0]["timezone"], j["subscriptions"][0]["categories"])')" \
    "(7, 'Europe/Berlin', 'cs.CL')"
for a in nl kw big tz cat quote never; do
    expect_rc 1 pb subscriber show "$a@example.org"
done

# --- refusals: nothing written
count=$(nsubs)
printf 'mail,name\nx@example.org,X\n' >"$TMP/noemail.csv"
expect_rc 1 pb subscriber import "$TMP/noemail.csv" --list trending
assert_contains "$ERR" "line 1: the header has no 'email' column"
: >"$TMP/empty.csv"
expect_rc 1 pb subscriber import "$TMP/empty.csv" --list trending
assert_contains "$ERR" "the file is empty"
expect_rc 1 pb subscriber import "$TMP/missing.csv" --list trending
assert_contains "$ERR" "cannot open '$TMP/missing.csv'"
expect_rc 1 pb subscriber import "$TMP/bom.csv" --list nosuch
assert_contains "$ERR" "no list named 'nosuch'"
expect_rc 2 pb subscriber import "$TMP/bom.csv"
assert_contains "$ERR" "--list NAME is required"
expect_rc 2 pb subscriber import --list trending
expect_rc 2 pb subscriber export extra
expect_rc 1 pb subscriber export --list nosuch
assert_eq "$(nsubs)" "$count" "subscriptions after refused imports"

# --- standard input
printf 'email\nstdin@example.org\n' | pb subscriber import - --list trending >"$TMP/out" 2>&1 ||
    fail "import from stdin: $(cat "$TMP/out")"
assert_contains "$(cat "$TMP/out")" "imported 1"

# --- export -> import -> export is lossless (fresh database)
expect_rc 0 pb list add lab --categories cs.LG
cat >"$TMP/rich.csv" <<'CSV'
email,name,status,keywords,categories,max_papers,timezone,created_at
ann@example.org,"Ann, PhD",confirmed,"kv cache, ""flash attention"", -rl",cs.LG,25,Europe/Berlin,2025-01-02T03:04:05Z
ben@xn--bcher-kva.example,Bén Ünïcode,unsubscribed,,,10,,2025-02-03T04:05:06Z
cy@example.org," spaced ",pending,"multi word, another",cs.LG,1,America/New_York,2025-03-04T05:06:07Z
dee@example.org,Dee O'Neil,bounced,=1+2,,50,UTC,2025-04-05T06:07:08Z
CSV
expect_rc 0 pb subscriber import "$TMP/rich.csv" --list lab
assert_contains "$OUT" "imported 4, updated 0, unchanged 0, skipped 0"
pb subscriber export --list lab >"$TMP/export1.csv" || fail "export"
head -1 "$TMP/export1.csv" | tr -d '\r' | grep -qx 'email,name,list,status,keywords,categories,max_papers,timezone,created_at,cadence,weekday,votes' ||
    fail "export header: $(head -1 "$TMP/export1.csv")"
assert_eq "$(grep -c . "$TMP/export1.csv")" 5 "export lines (header and 4 rows)"
assert_contains "$(cat "$TMP/export1.csv")" 'ann@example.org,"Ann, PhD",lab,confirmed,"kv cache, ""flash attention"", -rl",cs.LG,25,Europe/Berlin,2025-01-02T03:04:05Z'
assert_contains "$(cat "$TMP/export1.csv")" "ben@xn--bcher-kva.example,Bén Ünïcode,lab,unsubscribed"

CFG2=$TMP/second.ini
printf '[database]\npath = %s/db2\n' "$TMP" >"$CFG2"
"$PAPERBOY" -c "$CFG2" list add lab --categories cs.LG >/dev/null || fail "list add in db2"
expect_rc 0 "$PAPERBOY" -c "$CFG2" subscriber import "$TMP/export1.csv" --list lab
assert_contains "$OUT" "imported 4, updated 0, unchanged 0, skipped 0"
"$PAPERBOY" -c "$CFG2" subscriber export --list lab >"$TMP/export2.csv" || fail "export db2"
cmp "$TMP/export1.csv" "$TMP/export2.csv" >&2 || fail "export -> import -> export differs"
# and importing the export into the database it came from changes nothing
expect_rc 0 pb subscriber import "$TMP/export1.csv" --list lab
assert_contains "$OUT" "imported 0, updated 0, unchanged 4, skipped 0"
# an import never revives an unsubscribed or bounced subscription
expect_rc 0 pb subscriber import "$TMP/export1.csv" --list lab --confirmed
assert_contains "$OUT" "updated 1, unchanged 3"
expect_rc 0 pb subscriber ls --list lab --json
assert_eq "$(json 'sorted((s["email"], s["status"]) for s in j)')" \
    "[('ann@example.org', 'confirmed'), ('ben@xn--bcher-kva.example', 'unsubscribed'), ('cy@example.org', 'confirmed'), ('dee@example.org', 'bounced')]"

# --- votes: a column of "more:ID less:ID", newest first; import restores
# those on papers in its database and names the others; a bad cell skips
# the row; importing again changes nothing
paper_sql="INSERT INTO papers (arxiv_id, title, abstract, authors, categories,
   first_seen_at, first_seen_day, updated_at) VALUES
   ('2611.00001', 'One', '', '[]', 'cs.LG', 1, '2025-01-01', 1),
   ('2611.00002', 'Two', '', '[]', 'cs.LG', 1, '2025-01-01', 1)"
sql "$paper_sql" || fail "papers"
sqlite3 "$TMP/db2" "$paper_sql" || fail "papers in db2"
sqlite3 "$TMP/db2" "DELETE FROM papers WHERE arxiv_id = '2611.00002'"
sql "INSERT INTO votes (subscription_id, paper_id, vote, source, created_at)
     SELECT s.id, p.id, CASE p.arxiv_id WHEN '2611.00001' THEN 1 ELSE -1 END, 'mail',
            CASE p.arxiv_id WHEN '2611.00001' THEN 10 ELSE 20 END
     FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id, papers p
     WHERE u.email = 'ann@example.org' AND s.list_id = (SELECT id FROM lists WHERE name = 'lab')" ||
    fail "votes"
pb subscriber export --list lab >"$TMP/votes.csv" || fail "export with votes"
assert_contains "$(cat "$TMP/votes.csv")" "Europe/Berlin,2025-01-02T03:04:05Z,daily,,less:2611.00002 more:2611.00001" "the votes cell"
assert_contains "$(cat "$TMP/votes.csv")" "America/New_York,2025-03-04T05:06:07Z," "an empty votes cell"
expect_rc 0 "$PAPERBOY" -c "$CFG2" subscriber import "$TMP/votes.csv" --list lab
assert_contains "$OUT" "skipped 0, votes restored 1"
assert_contains "$ERR" "line 2: votes: 1 paper not in the database, not restored (\`paperboy subscriber like\` fetches them): 2611.00002"
assert_eq "$(sqlite3 "$TMP/db2" "SELECT p.arxiv_id || ':' || v.vote || ':' || v.source FROM votes v JOIN papers p ON p.id = v.paper_id")" \
    "2611.00001:1:cli" "the vote restored in db2"
expect_rc 0 "$PAPERBOY" -c "$CFG2" subscriber import "$TMP/votes.csv" --list lab
assert_not_contains "$OUT" "votes restored" "importing again restores nothing"
expect_rc 0 pb subscriber import "$TMP/votes.csv" --list lab
assert_contains "$OUT" "unchanged 4, skipped 0"
assert_not_contains "$OUT" "votes restored" "the votes as stored: nothing to restore"
assert_eq "$(sql "SELECT group_concat(source) FROM votes")" "mail,mail" "votes kept as they were"
printf 'email,votes\nbad@example.org,more:2611.00001 maybe:2611.00002\nbad2@example.org,less:not-an-id\n' >"$TMP/badvotes.csv"
expect_rc 1 pb subscriber import "$TMP/badvotes.csv" --list lab
assert_contains "$ERR" "line 2: votes: 'maybe:2611.00002' is not more:ARXIV_ID or less:ARXIV_ID"
assert_contains "$ERR" "line 3: votes: 'not-an-id' is not an arXiv id"
assert_contains "$OUT" "imported 0, updated 0, unchanged 0, skipped 2"

# --- categories outside the list: the web form's rule; the row is skipped
printf 'email,categories\nfar@example.org,cs.CL\nfoo@example.org,"cs.LG,q-bio.QM"\n' >"$TMP/foreign.csv"
expect_rc 1 pb subscriber import "$TMP/foreign.csv" --list lab
assert_contains "$ERR" "line 2: 'cs.CL' is not a category of the list 'lab'"
assert_contains "$ERR" "line 3: 'q-bio.QM' is not a category of the list 'lab'"
assert_contains "$OUT" "imported 0, updated 0, unchanged 0, skipped 2"

# --- formulas: the export neutralises them, import gives them back, --raw
# exports them as stored; an exclusion keyword ('-rl') stays an exclusion
cat >"$TMP/formula.csv" <<'CSV'
email,name,keywords
f1@example.org,=cmd|' /C calc'!A0,"=cmd|' /C calc'!A0"
f2@example.org,@SUM(A1),"+HYPERLINK(""http://evil.example"",""x"")"
f3@example.org,Three,"-rl, kv cache"
f4@example.org,Plain,"kv cache, -rl"
CSV
expect_rc 0 pb subscriber import "$TMP/formula.csv" --list lab
assert_contains "$OUT" "imported 4, updated 0, unchanged 0, skipped 0"
# a value that already starts with an apostrophe and a formula character
expect_rc 0 pb subscriber add f5@example.org --list lab --name "'=quoted" --keywords "-x, y"
stored() { "$PAPERBOY" -c "$1" subscriber ls --list lab --json | /usr/bin/python3 -c '
import json, sys
for s in sorted(json.load(sys.stdin), key=lambda s: s["email"]):
    if s["email"].startswith("f") and s["email"][1].isdigit():
        print(s["email"], repr(s["name"]), repr(s["keywords"]))'; }
before=$(stored "$CFG")
assert_contains "$before" "f1@example.org \"=cmd|' /C calc'!A0\" \"=cmd|' /C calc'!A0\""
assert_contains "$before" "f3@example.org 'Three' '-rl, kv cache'"
assert_contains "$before" "f5@example.org \"'=quoted\" '-x, y'"
pb subscriber export --list lab >"$TMP/fx.csv" || fail "export"
/usr/bin/python3 - "$TMP/fx.csv" <<'PY' || fail "formula cells in the export"
import csv, sys
rows = {r["email"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
want = {
    "f1@example.org": ("'=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    "f2@example.org": ("'@SUM(A1)", "'+HYPERLINK(\"http://evil.example\",\"x\")"),
    "f3@example.org": ("Three", "'-rl, kv cache"),
    "f5@example.org": ("''=quoted", "'-x, y"),
    "f4@example.org": ("Plain", "kv cache, -rl"),
}
for email, (name, kw) in want.items():
    got = (rows[email]["name"], rows[email]["keywords"])
    if got != (name, kw):
        print(email, got, "want", (name, kw)); sys.exit(1)
for r in rows.values():
    for k, v in r.items():
        if v and v[0] in "=+-@\t\r":
            print("live formula in", k, repr(v)); sys.exit(1)
PY
pb subscriber export --list lab --raw >"$TMP/fx-raw.csv" || fail "export --raw"
assert_contains "$(cat "$TMP/fx-raw.csv")" "f1@example.org,=cmd|' /C calc'!A0,lab,pending,=cmd|' /C calc'!A0,"
assert_contains "$(cat "$TMP/fx-raw.csv")" "f5@example.org,'=quoted,lab,pending,\"-x, y\","
# the round trip into a fresh database gives back every value
CFG3=$TMP/third.ini
printf '[database]\npath = %s/db3\n' "$TMP" >"$CFG3"
"$PAPERBOY" -c "$CFG3" list add lab --categories cs.LG >/dev/null || fail "list add in db3"
sqlite3 "$TMP/db3" "$paper_sql" || fail "papers in db3" # ann's votes come back too
expect_rc 0 "$PAPERBOY" -c "$CFG3" subscriber import "$TMP/fx.csv" --list lab
assert_eq "$(stored "$CFG3")" "$before" "values after export -> import"
"$PAPERBOY" -c "$CFG3" subscriber export --list lab >"$TMP/fx2.csv" || fail "export db3"
cmp "$TMP/fx.csv" "$TMP/fx2.csv" >&2 || fail "formula export -> import -> export differs"

# --- an import that unsubscribes a subscription drops its queued mail,
# as the web's unsubscribe does (one rule: subs.h); sent mail stays
printf 'email\nleaver@example.org\n' >"$TMP/leaver.csv"
expect_rc 0 pb subscriber import "$TMP/leaver.csv" --list lab --confirmed
lid=$(sql "SELECT s.id FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = 'leaver@example.org'")
[ -n "$lid" ] || fail "leaver not imported"
for st in queued deferred sent; do
    sql "INSERT INTO outbox (kind, subscription_id, rcpt, message_id, issued_at, state, created_at, next_attempt_at) VALUES ('digest', $lid, 'leaver@example.org', '<$st.$lid@example.org>', 1, '$st', 1, 1)"
done
printf 'email,status\nleaver@example.org,unsubscribed\n' >"$TMP/leaver.csv"
expect_rc 0 pb subscriber import "$TMP/leaver.csv" --list lab
assert_contains "$OUT" "imported 0, updated 1, unchanged 0, skipped 0"
assert_eq "$(sql "SELECT status FROM subscriptions WHERE id = $lid")" unsubscribed
assert_eq "$(sql "SELECT group_concat(state) FROM outbox WHERE subscription_id = $lid")" sent \
    "queued and deferred mail of an unsubscribed import row"

# --- many rows: batched transactions, all imported, then unchanged
/usr/bin/python3 - "$TMP/many.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("email,name,keywords\n")
    for i in range(2500):
        f.write(f"user{i}@example.net,User {i},\"topic {i % 17}, other\"\n")
PY
expect_rc 0 pb subscriber import "$TMP/many.csv" --list lab
assert_contains "$OUT" "imported 2500, updated 0, unchanged 0, skipped 0"
expect_rc 0 pb subscriber import "$TMP/many.csv" --list lab
assert_contains "$OUT" "imported 0, updated 0, unchanged 2500, skipped 0"
expect_rc 0 pb stats --json
assert_eq "$(json 'j["subscriptions"]["pending"] >= 2500')" True
pass
