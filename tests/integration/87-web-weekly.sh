#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 87-web-weekly: daily or weekly on the web (schema 060), against the real
# `paperboy serve`, the clock fixed with PAPERBOY_NOW (Monday 7 December
# 2026, 08:00 in Berlin, after its 07:00 mailing).
#   - the form offers "Every day" (checked) or "Once a week, on" a day;
#     a sign-up with weekly and Friday is stored pending with them, a
#     plain one daily; "funday" or weekly without a day get the field's
#     error (400) and store nothing;
#   - the confirmed page says "every Friday" and names the first Friday
#     mailing ("Friday 11 December at 07:00 (Europe/Berlin)");
#   - /preferences shows the choice, saves a change to daily and back to
#     weekly on Sunday; "funday" is refused and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

NOW=1796626800 # 2026-12-07 08:00 Europe/Berlin (a Monday)
cfg_add "[schedule]"
cfg_add "send_at = 07:00"
cfg_add "timezone = Europe/Berlin"
web_config
web_start PAPERBOY_NOW=$NOW

row() { # row EMAIL -> "status cadence weekday"
    sql "SELECT b.status || ' ' || b.cadence || ' ' || COALESCE(b.weekday, '-') FROM subscriptions b JOIN subscribers s ON s.id = b.subscriber_id WHERE s.email = '$1'"
}

# --- the form
http GET /
expect_code 200 "GET /"
assert_contains "$BODY" '<input type="radio" name="cadence" value="daily" checked>' "daily checked by default"
assert_contains "$BODY" '<input type="radio" name="cadence" value="weekly">' "weekly offered"
assert_contains "$BODY" '<select id="weekday" name="weekday" aria-label="Day of the weekly digest">' "the day's select"
assert_contains "$BODY" '<option value="friday">Friday</option>' "Friday offered"

http POST /subscribe --data-urlencode "email=bad@example.org" --data-urlencode "cadence=weekly" \
    --data-urlencode "weekday=funday"
expect_code 400 "weekday funday"
assert_contains "$BODY" "&#39;funday&#39; is not a day of the week" "funday's error"
assert_contains "$BODY" 'id="cadence-error"' "the error is the cadence field's"
http POST /subscribe --data-urlencode "email=bad@example.org" --data-urlencode "cadence=weekly"
expect_code 400 "weekly without a day"
assert_contains "$BODY" "choose the day of your weekly digest" "no day's error"
http POST /subscribe --data-urlencode "email=bad@example.org" --data-urlencode "cadence=<b>monthly</b>" \
    --data-urlencode "weekday=friday"
expect_code 400 "cadence monthly"
assert_contains "$BODY" "the cadence &#39;&lt;b&gt;monthly&lt;/b&gt;&#39; is not daily or weekly" "escaped error"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'bad@example.org'")" 0 "nothing stored for refused sign-ups"

http POST /subscribe --data-urlencode "email=fri@example.org" --data-urlencode "cadence=weekly" \
    --data-urlencode "weekday=friday"
expect_code 200 "weekly sign-up"
assert_eq "$(row fri@example.org)" "pending weekly 5" "weekly sign-up stored"
http POST /subscribe --data-urlencode "email=day@example.org" --data-urlencode "cadence=daily" \
    --data-urlencode "weekday=friday"
expect_code 200 "daily sign-up"
assert_eq "$(row day@example.org)" "pending daily -" "daily sign-up stored (the day ignored)"

# --- the confirmed page
FRI=$(sql "SELECT b.id FROM subscriptions b JOIN subscribers s ON s.id = b.subscriber_id WHERE s.email = 'fri@example.org'")
http POST "/confirm/$(token c "$FRI" "$NOW")"
expect_code 200 "confirm"
assert_contains "$BODY" 'every <strong id="weekly-day">Friday</strong>' "the confirmed page says weekly"
assert_contains "$BODY" '<strong id="first-digest">Friday 11 December at 07:00 (Europe/Berlin)</strong>' "first weekly digest"
DAY=$(sql "SELECT b.id FROM subscriptions b JOIN subscribers s ON s.id = b.subscriber_id WHERE s.email = 'day@example.org'")
http POST "/confirm/$(token c "$DAY" "$NOW")"
assert_contains "$BODY" '<strong id="first-digest">Tuesday 8 December at 07:00 (Europe/Berlin)</strong>' "first daily digest"
assert_not_contains "$BODY" 'weekly-day' "a daily reader is not told weekly"

# --- /preferences
ptok=$(token p "$FRI" "$NOW")
http GET "/preferences/$ptok"
expect_code 200 "GET /preferences"
assert_contains "$BODY" '<input type="radio" name="cadence" value="weekly" checked>' "weekly checked"
assert_contains "$BODY" '<option value="friday" selected>Friday</option>' "Friday selected"
save() { # save CADENCE WEEKDAY
    http POST "/preferences/$ptok" --data-urlencode "action=save" --data-urlencode "keywords=" \
        --data-urlencode "max_papers=10" --data-urlencode "timezone=" \
        --data-urlencode "cadence=$1" --data-urlencode "weekday=$2"
}
save daily friday
expect_code 200 "save daily"
assert_eq "$(row fri@example.org)" "confirmed daily -" "saved daily"
assert_contains "$BODY" '<input type="radio" name="cadence" value="daily" checked>' "daily checked after saving"
save weekly sunday
expect_code 200 "save weekly sunday"
assert_eq "$(row fri@example.org)" "confirmed weekly 0" "saved weekly on Sunday"
assert_contains "$BODY" '<option value="sunday" selected>Sunday</option>' "Sunday selected"
save weekly funday
expect_code 400 "save funday"
assert_contains "$BODY" 'id="cadence-error"' "funday refused on /preferences"
assert_eq "$(row fri@example.org)" "confirmed weekly 0" "nothing changed by a refused save"
# a page without the field (from before this version) leaves the cadence
http POST "/preferences/$ptok" --data-urlencode "action=save" --data-urlencode "keywords=kv cache" \
    --data-urlencode "max_papers=10" --data-urlencode "timezone="
expect_code 200 "save without cadence"
assert_eq "$(row fri@example.org)" "confirmed weekly 0" "cadence kept when not posted"

web_stop
pass
