#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 86-weekly-digest: daily or weekly digests (schema 060) over a simulated
# week, delivered to a real SMTP server (aiosmtpd) on loopback.  The clock
# is PAPERBOY_NOW and the day `send --date`, as in 40-send-maildir.
#   - `subscriber add --weekly DAY` / `--daily`, `subscriber set`, `show`
#     (and --json) say the cadence; bad input ("funday", both options)
#     gets a clear error and changes nothing;
#   - `digest plan --date` counts a weekly reader on its day only, and
#     `digest preview` on another day says it would send nothing;
#   - from Friday to the next Friday a daily reader gets one mail a day,
#     a Friday reader exactly two (both Fridays), a Tuesday reader one (on
#     Tuesday); the weekly mail's subject names the week; its first digest
#     holds the last 7 days' papers, the second the 7 days since, and no
#     paper is sent twice;
#   - export writes cadence and weekday, import reads them back (and
#     refuses "funday" on its line), export-data includes them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

D0=2026-11-20 # a Friday
day() { date -u -d "$D0 $1 days" +%F; }
at() { date -u -d "$1 12:00" +%s; } # digests are frozen at noon

for k in $(seq -9 7); do seed_papers "$(day "$k")" 2; done
smtp_start sink
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "starttls = off"
cfg_add "timeout = 5"
BEFORE=$(at "$(day -10)")

# --- the CLI: add, set, show, and bad input that changes nothing
PAPERBOY_NOW=$BEFORE expect_rc 0 pb subscriber add daily@example.org --list trending --confirmed
assert_eq "$OUT" "subscribed daily@example.org to 'trending' (confirmed)" "daily add"
PAPERBOY_NOW=$BEFORE expect_rc 0 pb subscriber add weekly@example.org --list trending --confirmed --weekly Friday
assert_eq "$OUT" "subscribed weekly@example.org to 'trending' (confirmed, weekly on friday)" "weekly add"
PAPERBOY_NOW=$BEFORE expect_rc 0 pb subscriber add tue@example.org --list trending --confirmed --weekly mon
PAPERBOY_NOW=$BEFORE expect_rc 0 pb subscriber set tue@example.org --list trending --weekly tue
assert_eq "$OUT" "tue@example.org on 'trending': weekly on tuesday" "set --weekly"

expect_rc 1 pb subscriber add new@example.org --list trending --weekly funday
assert_contains "$ERR" "'funday' is not a day of the week (monday, tuesday, ... sunday)" "add funday"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'new@example.org'")" 0 "subscriber after a refused add"
expect_rc 1 pb subscriber set weekly@example.org --list trending --weekly funday
assert_contains "$ERR" "'funday' is not a day of the week" "set funday"
expect_rc 2 pb subscriber set weekly@example.org --list trending --weekly fri --daily
assert_contains "$ERR" "--daily and --weekly exclude each other" "both"
expect_rc 2 pb subscriber add new@example.org --list trending --weekly
assert_eq "$(sql "SELECT cadence || ' ' || weekday FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = 'weekly@example.org'")" \
    "weekly 5" "weekly@ after refused changes"

expect_rc 0 pb subscriber show weekly@example.org
assert_contains "$OUT" "weekly on friday" "show"
assert_contains "$OUT" "CADENCE" "show's column"
expect_rc 0 pb subscriber show weekly@example.org --json
assert_eq "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin)["subscriptions"][0]; print(s["cadence"], s["weekday"])')" \
    "weekly friday" "show --json"
expect_rc 0 pb subscriber show daily@example.org --json
assert_eq "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; s=json.load(sys.stdin)["subscriptions"][0]; print(s["cadence"], s["weekday"])')" \
    "daily None" "show --json (daily)"
# room for a whole week of papers (2 a day)
sql "UPDATE subscriptions SET max_papers = 50"

# --- digest plan: who gets mail on which day
plan() { # plan DAY -> "subscribers weekly other_day"
    PAPERBOY_NOW=$BEFORE pb digest plan --date "$1" --json >"$TMP/plan.json" || fail "digest plan --date $1"
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r["subscribers"], r["weekly"], r["weekly_other_day"])' "$TMP/plan.json"
}
assert_eq "$(plan "$D0")" "2 1 1" "plan of Friday"
assert_eq "$(plan "$(day 1)")" "1 0 2" "plan of Saturday"
assert_eq "$(plan "$(day 4)")" "2 1 1" "plan of Tuesday"
PAPERBOY_NOW=$BEFORE expect_rc 0 pb digest plan --date "$(day 1)"
assert_contains "$OUT" "OTHER DAY" "plan's table"
# new papers: the zone's day (since the previous mailing) and, with weekly
# readers in the mailing, their week (since the mailing 7 days before).
# The papers are seen at 06:00, the send time, which both windows take in:
# days 6-7 (4) and days 0-7 (16)
plan_papers() { # plan_papers DAY -> "new_papers new_papers_weekly"
    PAPERBOY_NOW=$BEFORE pb digest plan --date "$1" --json >"$TMP/plan.json" || fail "digest plan --date $1"
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r["new_papers"], r["new_papers_weekly"])' "$TMP/plan.json"
}
assert_eq "$(plan_papers "$(day 7)")" "4 16" "plan's new papers on a weekly day"
assert_eq "$(plan_papers "$(day 1)")" "4 None" "plan's new papers without weekly readers"
PAPERBOY_NOW=$BEFORE expect_rc 0 pb digest plan --date "$(day 7)"
assert_contains "$(printf '%s\n' "$OUT" | head -n1)" "NEW THIS WEEK" "plan's table: the week's column"
assert_contains "$(printf '%s\n' "$OUT" | sed -n 2p)" " 16" "plan's table: the week's figure"

PAPERBOY_NOW=$BEFORE expect_rc 0 pb digest preview weekly@example.org --date "$(day 1)"
assert_contains "$ERR" "the subscription is weekly, on friday: no digest is sent to it on $(day 1)" "preview on another day"
PAPERBOY_NOW=$BEFORE expect_rc 0 pb digest preview weekly@example.org --date "$D0"
assert_not_contains "$ERR" "is weekly" "preview on its day"
assert_contains "$OUT" "Subject: Trending papers: weekly digest" "preview's subject"

# --- a week: Friday D0 to Friday D0+7
mails() { grep -l "^X-Test-Rcpt: $1" "$TMP/sink"/*.eml 2>/dev/null | wc -l; }
for k in $(seq 0 7); do
    d=$(day "$k")
    nd=$(mails daily@) nw=$(mails weekly@) nt=$(mails tue@)
    PAPERBOY_NOW=$(at "$d") expect_rc 0 pb send --date "$d"
    assert_eq "$(($(mails daily@) - nd))" 1 "daily mails on $d"
    want=0
    case $k in 0 | 7) want=1 ;; esac
    assert_eq "$(($(mails weekly@) - nw))" $want "Friday reader's mails on $d"
    want=0
    [ "$k" = 4 ] && want=1
    assert_eq "$(($(mails tue@) - nt))" $want "Tuesday reader's mails on $d"
done
assert_eq "$(mails daily@)" 8 "daily reader's mails in the week"
assert_eq "$(mails weekly@)" 2 "Friday reader's mails in the week"
assert_eq "$(mails tue@)" 1 "Tuesday reader's mails in the week"

# the papers: the first weekly digest the 7 days to D0, the second the 7
# days since, nothing twice
wsub="(SELECT s.id FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = 'weekly@example.org')"
days_of() {
    sql "SELECT count(*) || ' ' || min(p.first_seen_day) || ' ' || max(p.first_seen_day) FROM digests d JOIN digest_items i ON i.digest_id = d.id JOIN papers p ON p.id = i.paper_id WHERE d.subscription_id = $wsub AND d.day = '$1'"
}
assert_eq "$(days_of "$D0")" "14 $(day -6) $D0" "first weekly digest's papers"
assert_eq "$(days_of "$(day 7)")" "14 $(day 1) $(day 7)" "second weekly digest's papers"
assert_eq "$(sql "SELECT count(*) - count(DISTINCT i.paper_id) FROM digests d JOIN digest_items i ON i.digest_id = d.id WHERE d.subscription_id = $wsub")" \
    0 "papers sent twice to the weekly reader"
# the daily reader's first digest: the usual 3 days
dsub="(SELECT s.id FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email = 'daily@example.org')"
assert_eq "$(sql "SELECT count(*) FROM digests d JOIN digest_items i ON i.digest_id = d.id WHERE d.subscription_id = $dsub AND d.day = '$D0'")" \
    6 "daily reader's first digest"

# the weekly mail says so, and names the week
subjects() {
    /usr/bin/python3 - "$1" "$TMP/sink" <<'PYEOF'
import email, email.header, glob, sys
out = []
for f in sorted(glob.glob(sys.argv[2] + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"))
    if (m["X-Test-Rcpt"] or "").strip() == sys.argv[1]:
        s = str(email.header.make_header(email.header.decode_header(m["Subject"])))
        text = ""
        for part in m.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode()
        out.append(s + " | " + text.splitlines()[1])
print("\n".join(sorted(out)))
PYEOF
}
W=$(subjects weekly@example.org)
assert_contains "$W" "Trending papers: weekly digest, 14 papers, 14–20 November 2026 | Weekly digest, 14–20 November 2026" "first weekly subject"
assert_contains "$W" "Trending papers: weekly digest, 14 papers, 21–27 November 2026 | Weekly digest, 21–27 November 2026" "second weekly subject"
assert_not_contains "$(subjects daily@example.org)" "eekly" "daily mails"

# --- export, import, export-data
pb subscriber export --list trending >"$TMP/export.csv" || fail "export"
assert_contains "$(head -1 "$TMP/export.csv" | tr -d '\r')" ",cadence,weekday" "export header"
assert_contains "$(grep '^weekly@' "$TMP/export.csv" | tr -d '\r')" ",weekly,friday" "export row"
assert_contains "$(grep '^daily@' "$TMP/export.csv" | tr -d '\r')" ",daily," "export row (daily)"
CFG2=$TMP/second.ini
printf '[database]\npath = %s/db2\n' "$TMP" >"$CFG2"
expect_rc 0 "$PAPERBOY" -c "$CFG2" subscriber import "$TMP/export.csv" --list trending
assert_contains "$OUT" "imported 3, updated 0, unchanged 0, skipped 0" "import of the export"
"$PAPERBOY" -c "$CFG2" subscriber export --list trending >"$TMP/export2.csv" || fail "export db2"
cmp "$TMP/export.csv" "$TMP/export2.csv" >&2 || fail "export -> import -> export differs"
printf 'email,cadence,weekday\nodd@example.org,weekly,funday\nsat@example.org,weekly,sat\nplain@example.org,,\n' >"$TMP/bad.csv"
expect_rc 1 "$PAPERBOY" -c "$CFG2" subscriber import "$TMP/bad.csv" --list trending
assert_contains "$ERR" "line 2: 'funday' is not a day of the week" "import funday"
assert_contains "$OUT" "imported 2, updated 0, unchanged 0, skipped 1" "import with a bad row"
assert_eq "$(sqlite3 "$TMP/db2" "SELECT b.email || ' ' || s.cadence || ' ' || COALESCE(s.weekday, '-') FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id WHERE b.email IN ('odd@example.org', 'sat@example.org', 'plain@example.org') ORDER BY b.email")" \
    "plain@example.org daily -
sat@example.org weekly 6" "imported cadences"

expect_rc 0 pb subscriber export-data weekly@example.org
assert_eq "$(printf '%s' "$OUT" | /usr/bin/python3 -c 'import json,sys; j=json.load(sys.stdin); s=j["subscriptions"][0]; print(s["cadence"], s["weekday"], sorted(d["period_from"] for d in s["digests"]))')" \
    "weekly friday ['2026-11-14', '2026-11-21']" "export-data"

pass
