#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 91-signup-suppressed: the sign-up form and `subscriber add` read the
# suppression table by import's rule (sub_suppressed, daemon/subs).
# Against the real `paperboy serve` and its maildir:
#   - an address suppressed after a hard bounce signs up on the form: the
#     same page as any address, nothing stored, no confirmation mail;
#     `subscriber add` refuses it and says why; after `bounces unsuppress`
#     the form sends it a confirmation again;
#   - an address whose owner erased their data signs up again on the form:
#     a confirmation mail goes (the click is consent); `add` refuses it.
# (Before: the form stored a pending subscription for the hard-bounced
# address and mailed it a confirmation.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need "the sqlite3 shell" command -v sqlite3
web_config
cfg_add "subscribe_per_minute = 0"
web_start

# the hard bounce's row, keyed as db_suppress_hash() keys it
hash=$(/usr/bin/python3 - "$WEB_SECRET" hard@example.org <<'PYEOF'
import hashlib, hmac, sys
key = hmac.new(sys.argv[1].encode(), b"paperboy token key v1", hashlib.sha256).digest()
print(hmac.new(key, b"s|" + sys.argv[2].lower().encode(), hashlib.sha256).hexdigest())
PYEOF
)
sql "INSERT INTO suppressions (addr_hash, reason, detail, created_at)
     VALUES (x'$hash', 'hard_bounce', '5.1.1', 1)" || fail "seeding the suppression"
expect_rc 0 pb bounces check HARD@example.org
assert_contains "$OUT" "suppressed (hard_bounce)" "the seeded row is the address's"

# erased@ subscribes, then erases everything
expect_rc 0 pb subscriber add erased@example.org --list trending --confirmed
expect_rc 0 pb subscriber erase erased@example.org
expect_rc 0 pb bounces check erased@example.org

mails_to() { grep -il "^To: $1" "$TMP"/mail/new/* "$TMP"/mail/cur/* 2>/dev/null | wc -l; }

http POST /subscribe --data-urlencode 'email=new@example.org' --data-urlencode 'keywords=kv cache'
expect_code 200 "a new address"
page=${BODY//new@example.org/ADDR}
http POST /subscribe --data-urlencode 'email=Hard@Example.org' --data-urlencode 'keywords=kv cache'
expect_code 200 "a hard-bounced address"
assert_eq "${BODY//Hard@example.org/ADDR}" "$page" "the same page for a suppressed address (any case)"
http POST /subscribe --data-urlencode 'email=erased@example.org' --data-urlencode 'keywords=kv cache'
expect_code 200 "an erased address"
assert_eq "${BODY//erased@example.org/ADDR}" "$page" "the same page for an erased address"
wait_mail 2
sleep 0.5
assert_eq "$(mails_to new@example.org)" 1 "the new address's confirmation"
assert_eq "$(mails_to erased@example.org)" 1 "the erased address signs up again by double opt-in"
assert_eq "$(mails_to hard@example.org)" 0 "no confirmation to a hard-bounced address"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE lower(email) = 'hard@example.org'")" 0 \
    "nothing stored for the hard-bounced address"
assert_eq "$(sql "SELECT s.status FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id
                  WHERE u.email = 'erased@example.org'")" pending "the erased address is pending again"
grep -q "sign-up of a suppressed address" "$TMP/serve.log" || fail "no log line for the suppressed sign-up"
grep -q "hard@example.org" "$TMP/serve.log" && fail "the log names the suppressed address"

# the administrator's add: refused with the reason, nothing stored
expect_rc 1 pb subscriber add hard@example.org --list trending
assert_contains "$ERR" "hard@example.org is suppressed (hard_bounce)" "add refuses a bounced address"
assert_contains "$ERR" "paperboy bounces unsuppress hard@example.org" "add says what lifts it"
expect_rc 1 pb subscriber add erased@example.org --list trending
assert_contains "$ERR" "is suppressed (erased)" "add refuses an erased address"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE lower(email) = 'hard@example.org'")" 0 \
    "add stored nothing"

# lifted: the form mails it again
expect_rc 0 pb bounces unsuppress hard@example.org
http POST /subscribe --data-urlencode 'email=hard@example.org' --data-urlencode 'keywords=kv cache'
expect_code 200 "the address after unsuppress"
wait_mail 3
assert_eq "$(mails_to hard@example.org)" 1 "a confirmation once unsuppressed"
web_stop
pass
