#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 65-dkim: `paperboy dkim keygen` writes 0600 keys (never over a file,
# never through a link) and prints their TXT records; with [dkim] set,
# every digest and confirmation that reaches a real SMTP server (aiosmtpd)
# or the maildir carries an rsa-sha256 and an ed25519-sha256 signature
# that dkimpy verifies with the keys served the way DNS would, covering
# From (over-signed), List-Id, List-Unsubscribe(-Post) and Feedback-ID;
# changing one signed header, or adding a second From, breaks it.  The
# envelope sender is bounces+SUB-ISSUED-MAC@[bounces] return_path_domain.
# A missing, linked or wrong-kind key stops every command before mail
# goes out.  check-config warns about a From at localhost over SMTP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

need python3-dkim /usr/bin/python3 -c 'import dkim, nacl'
VERIFY="/usr/bin/python3 $SRC_DIR/tests/integration/servers/dkim_verify.py"
D1=2026-11-20
at() { date -u -d "$1 12:00" +%s; }

# ---- keygen
K=$TMP/keys
mkdir -m 700 "$K"
expect_rc 0 "$PAPERBOY" dkim keygen --domain example.org --selector rsa1 --key "$K/rsa.key"
rsa_out=$OUT
expect_rc 0 "$PAPERBOY" dkim keygen --domain example.org --selector ed1 --ed25519 --key "$K/ed.key"
ed_out=$OUT
assert_eq "$(stat -c %a "$K/rsa.key" "$K/ed.key" | sort -u)" 600 "key modes"
assert_contains "$(cat "$K/rsa.key")" "-----BEGIN PRIVATE KEY-----" "PEM key"
before=$(sha256sum <"$K/rsa.key")
expect_rc 1 "$PAPERBOY" dkim keygen --domain example.org --selector rsa1 --key "$K/rsa.key"
assert_contains "$ERR" "exists; not overwriting" "second keygen"
assert_eq "$(sha256sum <"$K/rsa.key")" "$before" "the key is unchanged"
ln -s "$K/elsewhere.key" "$K/link.key"
expect_rc 1 "$PAPERBOY" dkim keygen --domain example.org --selector x --key "$K/link.key"
assert_no_file "$K/elsewhere.key"
expect_rc 2 "$PAPERBOY" dkim keygen --domain example.org
expect_rc 2 "$PAPERBOY" dkim keygen --domain 'exa mple.org' --selector s
# the printed record: NAME IN TXT ( "..." "..." ), strings joined
record() {
    printf '%s\n' "$1" | /usr/bin/python3 -c '
import re, sys
for line in sys.stdin:
    m = re.match(r"(\S+) IN TXT \((.*)\)$", line.strip())
    if m:
        print("%s=%s" % (m.group(1), "".join(re.findall(r"\"([^\"]*)\"", m.group(2)))))'
}
RSA_REC=$(record "$rsa_out")
ED_REC=$(record "$ed_out")
assert_contains "$RSA_REC" "rsa1._domainkey.example.org.=v=DKIM1; k=rsa; p=MII" "rsa record"
assert_contains "$ED_REC" "ed1._domainkey.example.org.=v=DKIM1; k=ed25519; p=" "ed25519 record"

# ---- signed mail over SMTP: digests and a confirmation
seed_papers $D1
seed_subs 3 a
seed_subs 1 p pending
psub=$(sql "SELECT s.id FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'p1@example.org'")
smtp_start sink
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
cfg_add "from = Paperboy <news@example.org>"
cfg_add "[dkim]"
cfg_add "domain = example.org"
cfg_add "selector = rsa1"
cfg_add "key_file = $K/rsa.key"
cfg_add "ed25519_selector = ed1"
cfg_add "ed25519_key_file = $K/ed.key"
cfg_add "[bounces]"
cfg_add "return_path_domain = bounce.example.org"
expect_rc 0 pb check-config
now=$(at $D1)
sql "INSERT INTO outbox (kind, priority, subscription_id, rcpt, message_id, issued_at, created_at, next_attempt_at) VALUES ('confirm', 0, $psub, 'p1@example.org', '<c.$psub.$now.test@example.org>', $now, $now, $now)"
PAPERBOY_NOW=$now expect_rc 0 pb send --date $D1
assert_contains "$OUT" "queued 3, delivered 4" "send summary"
assert_eq "$(msg_count "$TMP/sink")" 4 "messages at the server (3 digests, 1 confirmation)"
common=from,to,subject,date,message-id,mime-version,content-type,list-id,feedback-id
digests=$(grep -L '^Subject: Confirm' "$TMP"/sink/*.eml)
confirm=$(grep -l '^Subject: Confirm' "$TMP"/sink/*.eml)
[ -n "$confirm" ] || fail "no confirmation mail"
expect_rc 0 $VERIFY --record "$RSA_REC" --record "$ED_REC" \
    --algos ed25519-sha256,rsa-sha256 \
    --headers $common,list-unsubscribe,list-unsubscribe-post \
    --oversigned from,list-unsubscribe,list-unsubscribe-post $digests
expect_rc 0 $VERIFY --record "$RSA_REC" --record "$ED_REC" \
    --algos ed25519-sha256,rsa-sha256 --headers $common --oversigned from "$confirm"
one=$(printf '%s\n' $digests | head -n1)
assert_contains "$(cat "$one")" "Feedback-ID: $D1:trending:digest:example.org" "Feedback-ID"
assert_contains "$(cat "$confirm")" "Feedback-ID: confirm:trending:confirm:example.org" "Feedback-ID of a confirmation"

# one signed header changed, or a From added on the way: both fail
sed 's/^Subject: /Subject: Re: /' "$one" >"$TMP/subject.eml"
sed 's/^List-Unsubscribe-Post: .*/List-Unsubscribe-Post: nothing/' "$one" >"$TMP/post.eml"
sed '0,/^From: /s//From: Mallory <m@evil.example>\r\nFrom: /' "$one" >"$TMP/from.eml"
assert_eq "$(grep -c '^From: ' "$TMP/from.eml")" 2 "the forged message has two From"
expect_rc 0 $VERIFY --expect-fail --record "$RSA_REC" --record "$ED_REC" \
    "$TMP/subject.eml" "$TMP/post.eml" "$TMP/from.eml"
# (and the verifier is not blind: the same check passes the original)
expect_rc 1 $VERIFY --expect-fail --record "$RSA_REC" --record "$ED_REC" "$one"
# a key DNS does not have: no pass
expect_rc 1 $VERIFY --record "$RSA_REC" --algos ed25519-sha256,rsa-sha256 "$one"

# VERP: the envelope sender names the subscription and the issue time
for f in "$TMP"/sink/*.eml; do
    rcpt=$(sed -n 's/^X-Test-Rcpt: //p' "$f" | tr -d '\r')
    mf=$(sed -n 's/^X-Test-Mail-From: //p' "$f" | tr -d '\r')
    row=$(sql "SELECT subscription_id||'-'||issued_at FROM outbox WHERE rcpt = '$rcpt'")
    case "$mf" in
    bounces+"$row"-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]@bounce.example.org) ;;
    *) fail "envelope sender of $rcpt is '$mf', want bounces+$row-MAC@bounce.example.org" ;;
    esac
done

# ---- the maildir gets signed mail too (RSA only here)
sed -i '/^url = smtp/d; /^ed25519_/d' "$CFG"
seed_subs 1 m
PAPERBOY_NOW=$now expect_rc 0 pb send --date $D1
assert_contains "$OUT" "delivered 1" "maildir send"
mf=$(ls "$TMP"/mail/new/*)
expect_rc 0 $VERIFY --record "$RSA_REC" --algos rsa-sha256 --headers $common --oversigned from $mf

# ---- a key that cannot sign stops every command, before anything is sent
sent=$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")
seed_subs 1 late
cp "$CFG" "$TMP/good.ini"
sed -i "s|^key_file = .*|key_file = $K/missing.key|" "$CFG"
expect_rc 1 pb send --date $D1
assert_contains "$ERR" "[dkim] key_file: cannot open '$K/missing.key'" "missing key"
expect_rc 1 pb check-config
assert_contains "$ERR" "missing.key" "check-config names the key"
ln -s "$K/rsa.key" "$K/rsa-link.key"
sed -i "s|^key_file = .*|key_file = $K/rsa-link.key|" "$CFG"
expect_rc 1 pb list ls
assert_contains "$ERR" "'$K/rsa-link.key' is a symbolic link: refusing to follow it" "a linked key is refused"
sed -i "s|^key_file = .*|key_file = $K/ed.key|" "$CFG"
expect_rc 1 pb send --date $D1
assert_contains "$ERR" "is an Ed25519 key" "wrong kind of key"
printf 'garbage\n' >"$K/bad.key"
sed -i "s|^key_file = .*|key_file = $K/bad.key|" "$CFG"
expect_rc 1 pb check-config
assert_contains "$ERR" "holds no PEM private key" "not a key"
sed -i '/^selector = /d' "$CFG"
sed -i "s|^key_file = .*|key_file = $K/rsa.key|" "$CFG"
expect_rc 1 pb check-config
assert_contains "$ERR" "selector and key_file go together" "key without selector"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" "$sent" "nothing sent with a broken key"
assert_eq "$(ls "$TMP"/mail/new | wc -l)" 1 "no new maildir file"

# ---- a return path that is not a domain is a config error
cp "$TMP/good.ini" "$CFG"
sed -i 's/^return_path_domain = .*/return_path_domain = bounces@example.org/' "$CFG"
expect_rc 1 pb check-config
assert_contains "$ERR" "[bounces] return_path_domain: 'bounces@example.org' is not a domain name" "bad return path"

# ---- check-config: a From no receiver accepts, over SMTP
cp "$TMP/good.ini" "$CFG"
sed -i '/^\[dkim\]/,$d' "$CFG"
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:$SMTP_PORT"
expect_rc 0 pb check-config
assert_not_contains "$ERR" "warning" "news@example.org over SMTP"
sed -i 's/^from = .*/from = Paperboy <paperboy@localhost>/' "$CFG"
expect_rc 0 pb check-config
assert_contains "$ERR" "warning: [smtp] from 'Paperboy <paperboy@localhost>' is at 'localhost'" "localhost warned"
sed -i 's/^from = .*/from = news@intranet/' "$CFG"
expect_rc 0 pb check-config
assert_contains "$ERR" "is at 'intranet'" "a domain without a dot warned"
sed -i '/^url = smtp/d' "$CFG"
expect_rc 0 pb check-config
assert_not_contains "$ERR" "warning" "maildir delivery is not warned"

pass
