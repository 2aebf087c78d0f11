#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 55-browser: the end-to-end reader journey in headless Debian chromium
# (tests/browser/e2e.mjs, playwright-core): form, live sample, subscribe,
# the confirmation mail received by a real SMTP server (aiosmtpd), confirm,
# preferences, "manage my subscription" (its mail), unsubscribe, 320 px
# layout, "view in browser" under its
# policy at 390 and 1280 px, "more like this" from it (the page's script
# records the vote), simulated link scanners running the vote page's
# script hidden, unfocused or briefly (nothing recorded), "download my data" and "delete everything" for a
# second reader, no JavaScript (the vote page's button).  Screenshots go
# to tests/browser/screenshots/ (gitignored).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

BROWSER_DIR=$SRC_DIR/tests/browser
need node command -v node
need /usr/bin/chromium test -x /usr/bin/chromium
need playwright-core test -d "$BROWSER_DIR/node_modules/playwright-core"
need python3-aiosmtpd /usr/bin/python3 -c 'import aiosmtpd'
# chromium under a sanitizer build adds nothing and is slow: the C side
# is covered by 50/51 there
if grep -q '^ENABLE_ASAN_UBSAN:BOOL=ON' "${BUILD_DIR:-/nonexistent}/CMakeCache.txt" 2>/dev/null; then
    skip "browser test not run in sanitizer builds"
fi

# the real SMTP server
mkdir -p "$TMP/smtp"
/usr/bin/python3 "$SRC_DIR/tests/integration/servers/smtp_server.py" --dir "$TMP/smtp" \
    >"$TMP/smtp.port" 2>"$TMP/smtp.log" &
SMTP_PID=$!
for i in $(seq 1 100); do
    [ -s "$TMP/smtp.port" ] && break
    sleep 0.1
done
smtp_port=$(head -n1 "$TMP/smtp.port")
[ -n "$smtp_port" ] || fail "smtp_server.py did not start: $(cat "$TMP/smtp.log")"

# base_url must name the port the browser uses, so pick a free one first
web_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >>"$CFG" <<CFGEOF
[smtp]
url = smtp://127.0.0.1:$smtp_port
starttls = off
CFGEOF
WEB_BASE_URL=http://127.0.0.1:$web_port web_config
sed -i "s/^listen = 127.0.0.1:0$/listen = 127.0.0.1:$web_port/" "$CFG"
cfg_add "subscribe_per_minute = 0"

browser_cleanup() {
    kill "$SMTP_PID" 2>/dev/null || true
    web_cleanup
}
trap browser_cleanup EXIT

web_start
web_seed_papers
assert_eq "$BASE" "http://127.0.0.1:$web_port" "server on the chosen port"

# a confirmed reader with a frozen digest of the seeded papers, for the
# "view in browser" page
sql "INSERT INTO subscribers (email, created_at) VALUES ('viewer@example.org', 1);
     INSERT INTO subscriptions (subscriber_id, list_id, status, keywords, created_at, updated_at, confirmed_at)
       VALUES (last_insert_rowid(), (SELECT id FROM lists WHERE name = 'trending'), 'confirmed', 'kv cache', 1, 1, 1);
     INSERT INTO digests (subscription_id, day, created_at)
       VALUES (last_insert_rowid(), date('now'), strftime('%s','now'));
     INSERT INTO digest_items (digest_id, rank, paper_id, score, why)
       SELECT (SELECT max(id) FROM digests), id, id, 1.0, 'matched: kv cache'
       FROM papers ORDER BY id;" || fail "seeding a digest"
VIEW_URL=$BASE/d/$(token v "$(sql "SELECT max(id) FROM digests")")
PREFS_URL=$BASE/preferences/$(token p "$(sql "SELECT s.id FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'viewer@example.org'")")

rm -rf "$BROWSER_DIR/screenshots"
(cd "$BROWSER_DIR" && BASE=$BASE MAIL_DIR=$TMP/smtp SHOTS=$BROWSER_DIR/screenshots VIEW_URL=$VIEW_URL PREFS_URL=$PREFS_URL \
    timeout 180 node e2e.mjs) >"$TMP/e2e.out" 2>&1
rc=$?
cat "$TMP/e2e.out"
[ "$rc" = 0 ] || fail "e2e.mjs failed (exit $rc)"

# what the browser did is in the database
assert_eq "$(sql "SELECT s.status||'|'||s.paused||'|'||s.timezone||'|'||s.max_papers||'|'||s.cadence||'|'||s.weekday FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'reader@example.org'")" \
    "unsubscribed|1|Europe/Berlin|12|weekly|4" "the journey left its rows"
assert_eq "$(sql "SELECT status FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'nojs@example.org'")" \
    "pending" "subscribing without JavaScript"
# the digest page's votes: "more" on the first paper by the script, "less"
# on the second by the button without JavaScript, none on the third (the
# simulated scanners' hidden, unfocused and quickly closed pages)
assert_eq "$(sql "SELECT p.arxiv_id||'|'||v.vote||'|'||v.source FROM votes v JOIN papers p ON p.id = v.paper_id ORDER BY p.arxiv_id")" \
    "2611.00001|1|mail
2611.00002|-1|mail" "the votes from the digest page"
# "delete everything": the second reader's rows are gone, and only the
# keyed hash of its address is left, as the one suppression row
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'eraser@example.org'")" \
    "0" "the erased reader is gone"
assert_eq "$(sql "SELECT count(*) FROM subscriptions WHERE subscriber_id NOT IN (SELECT id FROM subscribers)")" \
    "0" "no subscription left without its reader"
assert_eq "$(sql "SELECT count(*)||'|'||group_concat(reason)||'|'||group_concat(length(addr_hash)) FROM suppressions")" \
    "1|erased|32" "one suppression row, the erased address's hash"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email IN ('reader@example.org', 'viewer@example.org')")" \
    "2" "erasing the second reader left the others"
web_stop
pass
