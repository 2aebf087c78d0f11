#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 41-smtp-tls: delivery over SMTP to aiosmtpd with STARTTLS + AUTH, exactly
# once per message; implicit TLS (smtps://); starttls = require refuses a
# server without STARTTLS; an untrusted certificate is refused unless
# [smtp] ca_file names it; a wrong password fails without sending.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"

DAY=2026-11-20
seed_papers $DAY
seed_subs 25 reader
gen_cert "$TMP"

cfg_add "[smtp]"
cfg_add "from = Paperboy <digest@paperboy.test>"
cfg_add "helo = pb.test.example"
cfg_add "username = alice"
cfg_add "timeout = 10"
cfg_add "connections = 3"
BASE_CFG=$(cat "$CFG")

set_smtp() { # url, extra lines...
    printf '%s\n' "$BASE_CFG" >"$CFG"
    local l
    for l in "$@"; do cfg_add "$l"; done
}

# --- 1. untrusted self-signed certificate: refused, nothing sent ---------
smtp_start tls --cert "$TMP/cert.pem" --key "$TMP/key.pem" --starttls --auth alice:s3cret --no-pipelining
set_smtp "url = smtp://127.0.0.1:$SMTP_PORT" "starttls = require"
export PAPERBOY_SMTP_PASSWORD=s3cret
expect_rc 1 pb send --date $DAY
assert_contains "$ERR" "certificate" "stderr of send with an untrusted cert"
assert_eq "$(msg_count "$TMP/tls")" 0 "messages sent to an untrusted server"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state='sent'")" 0 "sent rows"

# --- 2. with ca_file: STARTTLS + AUTH, every message exactly once --------
set_smtp "url = smtp://127.0.0.1:$SMTP_PORT" "starttls = require" "ca_file = $TMP/cert.pem"
expect_rc 0 pb send --date $DAY
assert_contains "$OUT" "delivered 25" "summary"
assert_eq "$(msg_count "$TMP/tls")" 25 "messages received"
assert_eq "$(sql "SELECT count(*) FROM outbox WHERE state='sent'")" 25 "sent rows"
# every subscriber once, with the Message-ID stored in the outbox
msgids "$TMP/tls" >"$TMP/got"
sql "SELECT rcpt || ' ' || message_id FROM outbox ORDER BY 1" | sort >"$TMP/want"
diff "$TMP/want" "$TMP/got" >/dev/null || fail "received Message-IDs differ from the outbox: $(diff "$TMP/want" "$TMP/got" | head -5)"
assert_eq "$(cut -d' ' -f1 "$TMP/got" | sort -u | wc -l)" 25 "distinct recipients"
f=$(ls "$TMP"/tls/*.eml | head -n1)
assert_contains "$(cat "$f")" "X-Test-TLS: yes" "trace of TLS"
assert_contains "$(cat "$f")" "X-Test-Auth: alice" "trace of AUTH"
assert_contains "$(cat "$f")" "X-Test-Ehlo: pb.test.example" "EHLO name"
assert_contains "$(sql "SELECT last_reply FROM outbox LIMIT 1")" "250 2.0.0 Ok: queued as" "stored reply"
# running again sends nothing new
expect_rc 0 pb send --date $DAY
assert_contains "$OUT" "queued 0, delivered 0" "second send"
assert_eq "$(msg_count "$TMP/tls")" 25 "messages after a second send"

# --- 3. wrong password: refused, nothing sent, rows stay queued ---------
seed_subs 2 late
PAPERBOY_SMTP_PASSWORD=wrong expect_rc 1 pb send --date $DAY
assert_contains "$ERR" "authentication failed" "stderr with a wrong password"
assert_eq "$(msg_count "$TMP/tls")" 25 "messages after a failed AUTH"
smtp_stop

# --- 4. starttls = require against a server without STARTTLS ------------
smtp_start plain --auth alice:s3cret
set_smtp "url = smtp://127.0.0.1:$SMTP_PORT" "starttls = require" "ca_file = $TMP/cert.pem"
expect_rc 1 pb send --date $DAY
assert_contains "$ERR" "does not offer STARTTLS" "stderr for require without STARTTLS"
assert_eq "$(msg_count "$TMP/plain")" 0 "messages sent in clear text"
# starttls = off with a username: the password is never sent in clear
set_smtp "url = smtp://127.0.0.1:$SMTP_PORT" "starttls = off"
expect_rc 1 pb send --date $DAY
assert_contains "$ERR" "without TLS" "stderr for AUTH without TLS"
assert_eq "$(msg_count "$TMP/plain")" 0 "messages after a clear-text refusal"
smtp_stop

# --- 5. smtps:// implicit TLS --------------------------------------------
smtp_start smtps --cert "$TMP/cert.pem" --key "$TMP/key.pem" --smtps --auth alice:s3cret
set_smtp "url = smtps://127.0.0.1:$SMTP_PORT" "ca_file = $TMP/cert.pem"
expect_rc 0 pb send --date $DAY
assert_contains "$OUT" "delivered 2" "smtps summary"
assert_eq "$(msg_count "$TMP/smtps")" 2 "messages over smtps"
assert_contains "$(cat "$TMP"/smtps/*.eml)" "X-Test-TLS: yes" "smtps trace"
# and the host name is checked: 'localhost' is in the certificate, a
# wrong name is not
smtp_stop
smtp_start smtps2 --cert "$TMP/cert.pem" --key "$TMP/key.pem" --smtps --auth alice:s3cret
seed_subs 1 other
set_smtp "url = smtps://localhost:$SMTP_PORT" "ca_file = $TMP/cert.pem"
expect_rc 0 pb send --date $DAY
assert_eq "$(msg_count "$TMP/smtps2")" 1 "smtps to localhost"
smtp_stop

# --- 6. AUTH LOGIN when the server does not offer PLAIN ------------------
smtp_start login --cert "$TMP/cert.pem" --key "$TMP/key.pem" --starttls --auth alice:s3cret --no-plain
seed_subs 1 login
set_smtp "url = smtp://127.0.0.1:$SMTP_PORT" "starttls = require" "ca_file = $TMP/cert.pem"
expect_rc 0 pb send --date $DAY
assert_eq "$(msg_count "$TMP/login")" 1 "messages after AUTH LOGIN"
assert_contains "$(cat "$TMP"/login/*.eml)" "X-Test-Auth: alice" "AUTH LOGIN trace"
pass
