#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 78-web-zones-categories: time zones and categories people understand,
# against the real `paperboy serve` (issue 16, readers 5 and 6).
#   - /preferences offers the system's IANA zones in a <select>, the
#     server's zone named ("Server default (Europe/Berlin)"), the
#     reader's own zone selected, and a zone saved from it is stored;
#   - the form and /preferences show arXiv's names of the categories
#     ("Machine Learning" beside cs.LG), from web/arxiv-categories.tsv;
#   - the confirmed page names the first digest's day and hour in the
#     reader's zone, by the scheduler's first-digest rule (the expected
#     text is computed here with Python's zoneinfo, the clock fixed with
#     PAPERBOY_NOW: Monday 7 December 2026, 08:00 in Berlin);
#   - `list add --categories` refuses a category arXiv does not have,
#     suggesting the nearest one, and adds nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

[ -r /usr/share/zoneinfo/zone1970.tab ] || fail "tzdata's zone1970.tab is missing (scripts/install-deps.sh installs tzdata)"

# --- list add: unknown categories are refused with a suggestion
expect_rc 1 pb list add bio --categories q-bio.XX
assert_contains "$ERR" "unknown category 'q-bio.XX'; did you mean 'q-bio." "q-bio.XX refused"
expect_rc 1 pb list add bio --categories cs.LG,q-bio.QX
assert_contains "$ERR" "unknown category 'q-bio.QX'; did you mean 'q-bio.QM'?" "q-bio.QX refused"
expect_rc 1 pb list add bio --categories cs.lg
assert_contains "$ERR" "did you mean 'cs.LG'?" "case suggestion"
expect_rc 0 pb list ls
assert_not_contains "$OUT" "bio" "a refused list is not added"
expect_rc 0 pb list add bio --categories q-bio.QM,stat.ML,hep-ex,astro-ph.CO,cond-mat.mes-hall
expect_rc 0 pb list ls
assert_contains "$OUT" "bio" "known categories are accepted"
expect_rc 0 pb list ls --json
assert_eq "$(/usr/bin/python3 -c 'import json,sys; l=[x for x in json.load(sys.stdin) if x["name"]=="bio"][0]; print(l["category_names"]["q-bio.QM"], "|", l["category_names"]["cond-mat.mes-hall"])' <<<"$OUT")" \
    "Quantitative Methods | Mesoscale and Nanoscale Physics" "list ls --json names the categories"

NOW=1796626800 # 2026-12-07 08:00 Europe/Berlin, after its 07:00 mailing
cfg_add "[schedule]"
cfg_add "send_at = 07:00"
cfg_add "timezone = Europe/Berlin"
web_config
web_start PAPERBOY_NOW=$NOW

# three pending subscriptions: the server's zone, New York, a legacy alias
sql "INSERT INTO subscribers (email, created_at) VALUES ('ada@example.org', 1), ('bob@example.org', 1), ('cy@example.org', 1);
     INSERT INTO subscriptions (subscriber_id, list_id, status, timezone, created_at, updated_at, pending_at)
       SELECT s.id, (SELECT id FROM lists WHERE name = 'trending'), 'pending',
              CASE s.email WHEN 'bob@example.org' THEN 'America/New_York'
                           WHEN 'cy@example.org' THEN 'US/Pacific' ELSE '' END,
              $((NOW - 60)), $((NOW - 60)), $((NOW - 60))
       FROM subscribers s;" || fail "seeding subscriptions"
sub_id() { sql "SELECT b.id FROM subscriptions b JOIN subscribers s ON s.id = b.subscriber_id WHERE s.email = '$1'"; }
ADA=$(sub_id ada@example.org)
BOB=$(sub_id bob@example.org)
CY=$(sub_id cy@example.org)

# the expected first digests, by the rule: the first send_at after NOW in
# the reader's zone
expected() { # expected ZONE
    /usr/bin/python3 - "$NOW" "$1" <<'PYEOF'
import datetime, sys, zoneinfo
now, name = int(sys.argv[1]), sys.argv[2]
z = zoneinfo.ZoneInfo(name)
d = datetime.datetime.fromtimestamp(now, z).date()
while True:
    at = datetime.datetime(d.year, d.month, d.day, 7, 0, tzinfo=z)
    if at.timestamp() > now:
        break
    d += datetime.timedelta(days=1)
print(f"{at:%A} {at.day} {at:%B} at {at:%H:%M} ({name})")
PYEOF
}

# --- the form: category names beside the codes
http GET /
expect_code 200 "GET /"
assert_contains "$BODY" '<span>Machine Learning <span class="code">cs.LG</span></span>' "cs.LG's name on the form"
assert_contains "$BODY" 'Computation and Language <span class="code">cs.CL</span>' "cs.CL's name on the form"

# --- the confirmed page names the day and hour
for who in "$ADA Europe/Berlin" "$BOB America/New_York"; do
    set -- $who
    want=$(expected "$2")
    ctok=$(token c "$1" "$NOW")
    http POST "/confirm/$ctok"
    expect_code 200 "POST /confirm ($2)"
    assert_contains "$BODY" "You are subscribed" "confirmed ($2)"
    assert_contains "$BODY" "<strong id=\"first-digest\">$want</strong>" "first digest ($2)"
done
# the expectation itself: Berlin's 07:00 has passed, New York's has not
assert_eq "$(expected Europe/Berlin)" "Tuesday 8 December at 07:00 (Europe/Berlin)" "Berlin's next mailing"
assert_eq "$(expected America/New_York)" "Monday 7 December at 07:00 (America/New_York)" "New York's next mailing"

# --- /preferences: the zone choice
ptok=$(token p "$ADA" "$NOW")
http GET "/preferences/$ptok"
expect_code 200 "GET /preferences (ada)"
assert_contains "$BODY" '<select id="timezone" name="timezone" data-auto="1"' "a select, pre-selectable by script"
assert_contains "$BODY" '<option value="" selected>Server default (Europe/Berlin)</option>' "the server's zone named"
assert_contains "$BODY" '<option>Europe/Berlin</option>' "Europe/Berlin offered"
assert_contains "$BODY" '<option>Asia/Tokyo</option>' "Asia/Tokyo offered"
assert_contains "$BODY" '<option>UTC</option>' "UTC offered"
assert_not_contains "$BODY" '<option>US/Pacific</option>' "legacy aliases not offered"
assert_contains "$BODY" '<span>Machine Learning <span class="code">cs.LG</span></span>' "cs.LG's name on /preferences"
n=$(printf '%s' "$BODY" | grep -c '^ *<option>')
[ "$n" -gt 300 ] || fail "only $n zones offered"

ptok=$(token p "$BOB" "$NOW")
http GET "/preferences/$ptok"
assert_contains "$BODY" '<option selected>America/New_York</option>' "bob's zone selected"
assert_not_contains "$BODY" 'data-auto' "a reader's own zone is not replaced by script"
assert_contains "$BODY" '<option value="">Server default (Europe/Berlin)</option>' "default not selected for bob"

ptok=$(token p "$CY" "$NOW")
http GET "/preferences/$ptok"
assert_contains "$BODY" '<option selected>US/Pacific</option>' "a stored legacy zone stays selectable"

# saving a zone from the list stores it; a bad one is refused, nothing lost
ptok=$(token p "$ADA" "$NOW")
http POST "/preferences/$ptok" --data-urlencode "action=save" --data-urlencode "keywords=" \
    --data-urlencode "max_papers=10" --data-urlencode "timezone=Asia/Tokyo"
expect_code 200 "save Asia/Tokyo"
assert_eq "$(sql "SELECT timezone FROM subscriptions WHERE id = $ADA")" "Asia/Tokyo" "stored zone"
assert_contains "$BODY" '<option selected>Asia/Tokyo</option>' "saved zone selected"
http POST "/preferences/$ptok" --data-urlencode "action=save" --data-urlencode "keywords=" \
    --data-urlencode "max_papers=10" --data-urlencode "timezone=Mars/Olympus"
assert_contains "$BODY" 'id="timezone-error"' "a zone that does not exist is refused"
assert_eq "$(sql "SELECT timezone FROM subscriptions WHERE id = $ADA")" "Asia/Tokyo" "zone kept after a refused save"

web_stop
pass
