#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 73-bounces: asynchronous bounces and complaints.  Digests go out over
# SMTP (aiosmtpd) with VERP envelope senders; the project's samples of
# DSNs (Postfix, Gmail, Exchange Online, qmail, Yahoo, Exim) and complaints
# (ARF, Microsoft JMRP) are addressed to those senders and put into a real
# Dovecot on loopback, read over IMAP, then POP3, and from a maildir by
# `paperboy bounces fetch`.  A 5.x.x suppresses at once, three 4.x.x
# suspend, a complaint unsubscribes; a message processed twice (a crash
# between the commit and the delete) counts once; what is not a report
# stays in the mailbox; the guard pauses the list and `list resume`
# continues it; `subscriber import` skips suppressed addresses; serve
# reads the mailbox on its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

need dovecot test -x /usr/sbin/dovecot
FIX=$SRC_DIR/tests/fixtures/bounces
D1=2026-11-20
D2=2026-11-21
at() { date -u -d "$1 12:00" +%s; }
py() { /usr/bin/python3 "$@"; }
freeport() {
    py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- a throwaway Dovecot: passwd-file user, maildir under $TMP
DV=$TMP/dovecot
mkdir -p "$DV/run" "$DV/state" "$DV/mail"
chmod 755 "$TMP" "$DV"
if [ "$(id -u)" = 0 ]; then
    mail_uid=$(id -u nobody) mail_gid=$(id -g nobody)
    chown -R nobody "$DV/mail"
    users=""
else
    mail_uid=$(id -u) mail_gid=$(id -g)
    users="default_login_user = $(id -un)
default_internal_user = $(id -un)"
fi
IMAP_PORT=$(freeport)
POP_PORT=$(freeport)
IMAPS_PORT=$(freeport)
POPS_PORT=$(freeport)
gen_cert "$DV"
chmod 644 "$DV/key.pem"
echo "bob:{PLAIN}mailbox-pass-1234" >"$DV/passwd"
cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
instance_name = pb-$$
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <$DV/cert.pem
ssl_key = <$DV/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
$users
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DV/passwd
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$DV/home/%u
}
mail_location = maildir:$DV/mail/%u
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POPS_PORT
  }
}
service anvil {
  chroot =
}
EOF
/usr/sbin/dovecot -c "$DV/dovecot.conf" 2>"$DV/start.err" ||
    skip "dovecot does not start here: $(cat "$DV/start.err")"
DV_PID=$(cat "$DV/run/master.pid")
# dv_stop - stop this Dovecot and wait for it to be gone
dv_stop() {
    kill "$DV_PID" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$DV_PID" 2>/dev/null || return 0
        sleep 0.1
    done
}
trap 'dv_stop; smtp_stop; lib_cleanup' EXIT
for _ in $(seq 50); do
    py -c "import socket; socket.create_connection(('127.0.0.1', $IMAP_PORT), 1)" 2>/dev/null && break
    sleep 0.1
done

# imap_put FILE... - APPEND each file to bob's INBOX
imap_put() {
    py - "$IMAP_PORT" "$@" <<'EOF' || fail "IMAP APPEND failed"
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("bob", "mailbox-pass-1234")
for f in sys.argv[2:]:
    m.append("INBOX", None, None, open(f, "rb").read())
m.logout()
EOF
}
# imap_count - messages in bob's INBOX, and how many are unseen
imap_count() {
    py - "$IMAP_PORT" <<'EOF'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("bob", "mailbox-pass-1234")
n = int(m.select("INBOX")[1][0])
u = len(m.search(None, "UNSEEN")[1][0].split())
print(n, u)
m.logout()
EOF
}

# ---- 30 digests over SMTP, each with its VERP envelope sender
seed_papers $D1
seed_papers $D2
seed_subs 30 a
smtp_start sink
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "from = Paperboy <news@example.org>"
cfg_add "[bounces]"
cfg_add "return_path_domain = example.org"
cfg_add "mailbox = imap://bob@127.0.0.1:$IMAP_PORT/INBOX"
cfg_add "password_file = $TMP/mbpass"
cfg_add "pause_min_messages = 10"
echo "mailbox-pass-1234" >"$TMP/mbpass"
expect_rc 0 pb check-config
PAPERBOY_NOW=$(at $D1) expect_rc 0 pb send --date $D1
assert_contains "$OUT" "delivered 30" "first mailing"
for f in "$TMP"/sink/*.eml; do
    rcpt=$(sed -n 's/^X-Test-Rcpt: //p' "$f" | tr -d '\r')
    printf '%s %s %s\n' "$rcpt" \
        "$(sed -n 's/^X-Test-Mail-From: //p' "$f" | tr -d '\r')" \
        "$(grep -i -m1 '^Message-ID:' "$f" | sed 's/^[^:]*: *//' | tr -d '\r')"
done >"$TMP/sent"
verp() { awk -v r="$1" '$1 == r { print $2 }' "$TMP/sent"; }
mid() { awk -v r="$1" '$1 == r { print $3 }' "$TMP/sent"; }
# bounce FIXTURE N [SALT] - the sample about a<N>@example.org in $TMP/b/
mkdir -p "$TMP/b"
bounce() {
    local r=a$2@example.org out=$TMP/b/$1-$2${3:+-$3}
    [ -n "$(verp "$r")" ] || fail "no mail to $r was sent"
    sed -e "s|@VERP@|$(verp "$r")|g" -e "s|@RCPT@|$r|g" \
        -e "s|@MSGID@|$(mid "$r")|g" "$FIX/$1.eml" >"$out"
    [ -n "${3:-}" ] && sed -i "0,/^Subject: /s//X-Salt: $3\nSubject: /" "$out"
    echo "$out"
}
status_of() { sql "SELECT s.status FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'a$1@example.org'"; }
events() { sql "SELECT count(*) FROM bounce_events"; }

# ---- bad input first: a wrong password, a mailbox that is not there
echo "wrong" >"$TMP/mbpass"
imap_put "$(bounce postfix-hard 1)"
expect_rc 1 pb bounces fetch
assert_contains "$ERR" "IMAP login as 'bob' refused" "wrong password"
assert_not_contains "$ERR$OUT" "wrong" "the password is never printed"
assert_eq "$(imap_count)" "1 1" "nothing read with a refused login"
echo "mailbox-pass-1234" >"$TMP/mbpass"
sed -i "s|^mailbox = .*|mailbox = imap://bob@127.0.0.1:$(freeport)|" "$CFG"
expect_rc 1 pb bounces fetch
assert_contains "$ERR" "cannot connect to 127.0.0.1" "closed port"
sed -i "s|^mailbox = .*|mailbox = imap://bob@mail.example.org|" "$CFG"
expect_rc 1 pb bounces fetch
assert_contains "$ERR" "clear-text imap:// and pop3:// only on a loopback host" "clear text refused"
# a name that only starts like a loopback address is not one
sed -i "s|^mailbox = .*|mailbox = imap://bob@127.evil.example|" "$CFG"
expect_rc 1 pb bounces fetch
assert_contains "$ERR" "clear-text imap:// and pop3:// only on a loopback host" "127.evil.example is not loopback"
sed -i "s|^mailbox = .*|mailbox = http://bob@127.0.0.1|" "$CFG"
expect_rc 1 pb check-config
assert_contains "$ERR" "[bounces] mailbox: 'http://bob@127.0.0.1' is not" "bad scheme"
sed -i "s|^mailbox = .*|mailbox = imap://bob@127.0.0.1:$IMAP_PORT/INBOX|" "$CFG"

# ---- IMAP: hard (VERP, and Message-ID only), soft, complaint, not reports
imap_put "$(bounce gmail-hard 2)" "$(bounce arf-abuse 3)" \
    "$(bounce msgid-only 4)" "$(bounce autoreply 5)" "$(bounce truncated 5)" \
    "$(bounce postfix-soft 6)" "$(bounce postfix-delay 6)" \
    "$(bounce postfix-delivered 7)" "$(bounce arf-not-spam 7)"
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "10 messages: 3 hard, 2 soft, 1 complaints, 0 unmatched, 0 already recorded" "IMAP pass"
assert_contains "$OUT" "3 addresses suppressed, 3 subscriptions suspended, 1 unsubscribed, 1 lists paused" "IMAP effects"
assert_contains "$OUT" "8 deleted, 2 left (2 not reports" "IMAP mailbox"
assert_eq "$(status_of 1)$(status_of 2)$(status_of 4)" "bouncedbouncedbounced" "hard bounces suspend"
assert_eq "$(status_of 3)" unsubscribed "a complaint unsubscribes"
assert_eq "$(status_of 6)$(status_of 7)" confirmedconfirmed "two soft bounces, a delivery report and not-spam change nothing"
assert_eq "$(imap_count)" "2 0" "the auto-reply and the damaged DSN stay, seen"
assert_eq "$(sql "SELECT reason FROM suppressions ORDER BY 1 LIMIT 1")" hard_bounce "suppression reason"
assert_eq "$(sql "SELECT count(*) FROM suppressions WHERE length(addr_hash) = 32")" 3 "keyed hashes, no addresses"
assert_eq "$(sql "SELECT count(*) FROM suppressions WHERE detail LIKE '%@%'")" 0 "no address in the table"
# two hard bounces of 30 (6.7%) passed 5%: the list is paused
assert_contains "$(sql "SELECT reason FROM list_pauses")" "hard bounces 6.67% of the $D1 mailing (2 of 30) passed 5%" "pause reason"

# a second pass finds nothing new
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "0 messages" "nothing unseen"

# ---- processed twice (as after a crash between commit and delete)
n=$(events)
imap_put "$TMP/b/postfix-hard-1" "$TMP/b/arf-abuse-3" "$TMP/b/postfix-soft-6"
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "3 messages: 0 hard, 0 soft, 0 complaints, 0 unmatched, 3 already recorded" "repeat pass"
assert_contains "$OUT" "3 deleted" "repeats are deleted"
assert_eq "$(events)" "$n" "no event counted twice"
assert_eq "$(status_of 6)" confirmed "the repeated soft bounce is not a third"

# ---- POP3: qmail, Exim, JMRP, Exchange (base64), and a third soft bounce
sed -i "s|^mailbox = .*|mailbox = pop3://bob@127.0.0.1:$POP_PORT|" "$CFG"
imap_put "$(bounce qmail 8)" "$(bounce exim 9)" "$(bounce jmrp 10)" \
    "$(bounce o365-base64 11)" "$(bounce postfix-soft 6 third)"
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "7 messages: 3 hard, 1 soft, 1 complaints" "POP3 pass"
assert_contains "$OUT" "5 deleted, 2 left (2 not reports" "POP3 leaves what is not a report"
assert_eq "$(status_of 8)$(status_of 9)$(status_of 11)" "bouncedbouncedbounced" "qmail, Exim, Exchange"
assert_eq "$(status_of 10)" unsubscribed "JMRP complaint"
assert_eq "$(status_of 6)" bounced "three soft bounces within 14 days suspend"
assert_eq "$(sql "SELECT count(*) FROM suppressions WHERE reason = 'soft_bounces'")" 1 "soft suppression"
assert_eq "$(imap_count | cut -d' ' -f1)" 2 "POP3 deleted only the reports"

# ---- maildir: Yahoo's old format; a message over the cap stays
MD=$TMP/bmd
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
cp "$(bounce yahoo-old 12)" "$MD/new/1.yahoo"
head -c 1100000 /dev/zero | tr '\0' 'x' >"$MD/new/2.big"
sed -i "s|^mailbox = .*|mailbox = maildir:$MD|" "$CFG"
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "2 messages: 1 hard" "maildir pass"
assert_contains "$OUT" "1 deleted, 1 left (0 not reports, 1 too big)" "maildir leaves the big one"
assert_eq "$(status_of 12)" bounced "Yahoo's plain-text bounce"
assert_eq "$(find "$MD/new" "$MD/cur" -type f | wc -l)" 1 "only the big message remains"

# ---- imaps:// and pop3s://: the certificate is checked ([smtp] ca_file)
sed -i "s|^mailbox = .*|mailbox = imaps://bob@127.0.0.1:$IMAPS_PORT/INBOX|" "$CFG"
expect_rc 1 pb bounces fetch
assert_contains "$ERR" "bounces: TLS certificate of 127.0.0.1 rejected" "imaps: untrusted certificate"
assert_eq "$(imap_count | cut -d' ' -f1)" 2 "nothing read over an untrusted TLS session"
sed -i "s|^url = smtp://.*|&\nca_file = $DV/cert.pem|" "$CFG"
imap_put "$(bounce postfix-hard 14)"
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "1 messages: 1 hard" "imaps pass"
assert_eq "$(status_of 14)" bounced "bounce read over imaps"
sed -i "s|^mailbox = .*|mailbox = pop3s://bob@localhost:$POPS_PORT|" "$CFG"
imap_put "$(bounce arf-abuse 15)"
expect_rc 0 pb bounces fetch
assert_contains "$OUT" "3 messages: 0 hard, 0 soft, 1 complaints" "pop3s pass"
assert_eq "$(status_of 15)" unsubscribed "complaint read over pop3s"

# ---- the guard: the paused list's next mailing waits for `list resume`
PAPERBOY_NOW=$(at $D2) expect_rc 0 pb send --date $D2
assert_eq "$(sql "SELECT count(*) FROM outbox o JOIN digests d ON d.id = o.digest_id WHERE d.day = '$D2' AND o.state = 'sent'")" 0 "a paused list sends nothing"
queued=$(sql "SELECT count(*) FROM outbox o JOIN digests d ON d.id = o.digest_id WHERE d.day = '$D2' AND o.state = 'queued'")
[ "$queued" -gt 0 ] || fail "the paused mailing was not kept queued"
expect_rc 0 pb list resume trending
assert_contains "$OUT" "list 'trending' resumed" "resume"
assert_eq "$(sql "SELECT count(*) FROM list_pauses WHERE resumed_at IS NULL")" 0 "no pause left"
PAPERBOY_NOW=$(at $D2) expect_rc 0 pb send --date $D2
assert_eq "$(sql "SELECT count(*) FROM outbox o JOIN digests d ON d.id = o.digest_id WHERE d.day = '$D2' AND o.state = 'sent'")" "$queued" "the held mailing goes out after resume"
expect_rc 0 pb list resume trending
assert_contains "$OUT" "was not paused" "resume twice"

# ---- suppression: check, import, unsuppress
expect_rc 0 pb bounces check A1@Example.org
assert_contains "$OUT" "is suppressed (hard_bounce)" "check"
expect_rc 1 pb bounces check a5@example.org
printf 'email,name\na1@example.org,One\nz1@example.org,Zed\n' >"$TMP/import.csv"
expect_rc 1 pb subscriber import "$TMP/import.csv" --list trending
assert_contains "$ERR" "line 2: address suppressed (hard_bounce): not imported (--force overrides)" "import skips"
assert_contains "$OUT" "imported 1, updated 0, unchanged 0, skipped 1" "import summary"
expect_rc 0 pb bounces unsuppress a1@example.org
expect_rc 1 pb bounces check a1@example.org

# ---- serve reads the mailbox on its own; a late bounce of the resumed
# mailing does not pause the list again, one of the next mailing does,
# and /healthz says why
need curl command -v curl
late=$(bounce postfix-hard 16)
grep -l "^Message-I[Dd]: <d\.[0-9]*\.$D2\." "$TMP"/sink/*.eml >"$TMP/d2files" ||
    fail "no $D2 mail in the sink"
while read -r f; do
    printf '%s %s %s\n' "$(sed -n 's/^X-Test-Rcpt: //p' "$f" | tr -d '\r')" \
        "$(sed -n 's/^X-Test-Mail-From: //p' "$f" | tr -d '\r')" \
        "$(grep -i -m1 '^Message-ID:' "$f" | sed 's/^[^:]*: *//' | tr -d '\r')"
done <"$TMP/d2files" >"$TMP/sent"
sed -i "s|^mailbox = .*|mailbox = imap://bob@127.0.0.1:$IMAP_PORT/INBOX|" "$CFG"
cfg_add "[web]"
cfg_add "listen = 127.0.0.1:0"
imap_put "$late"
"$PAPERBOY" -c "$CFG" serve >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVE=$!
for _ in $(seq 100); do
    [ "$(status_of 16)" = bounced ] && break
    sleep 0.1
done
assert_eq "$(status_of 16)" bounced "serve processed the mailbox"
assert_eq "$(sql "SELECT count(*) FROM list_pauses WHERE resumed_at IS NULL")" 0 "a late report of a resumed mailing does not pause again"
imap_put "$(bounce postfix-hard 13)"
kill -HUP "$SERVE" # a reload re-plans at once (the next read is 15 min away)
for _ in $(seq 100); do
    [ "$(status_of 13)" = bounced ] && break
    sleep 0.1
done
WEB=$(sed -n 's|.*listening on \(http://[^ ]*\).*|\1|p' "$TMP/serve.err" | head -n1)
health=$(curl -s "$WEB/healthz")
kill "$SERVE"
wait "$SERVE" || true
assert_eq "$(status_of 13)" bounced "serve processed the second report"
assert_contains "$(cat "$TMP/serve.err")" "sched: bounces: 1 messages: 1 hard" "serve logs what it did"
assert_contains "$health" '"paused_lists":[{"list":"trending","reason":"hard bounces' "/healthz names the paused list"
assert_contains "$health" '"status":"degraded"' "a paused list makes /healthz degraded"
assert_contains "$health" '"reason":"list_paused"' "a paused list makes /healthz degraded"
assert_contains "$health" "of the $D2 mailing" "/healthz says which mailing"
pass
