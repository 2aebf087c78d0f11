#!/bin/bash
# SPDX-License-Identifier: MIT
# 61-check-config: `paperboy check-config [--dump] [FILE]`: a good file
# says "FILE: ok" (exit 0); each kind of bad file exits 1 naming the file,
# line and key; FILE defaults to -c, then $PAPERBOY_CONFIG, then the
# built-in defaults; --dump prints every key with the password masked;
# the database is never created.  The packaged config passes, and the
# packaged systemd unit has KillMode=mixed and passes systemd-analyze.
. "$(dirname "$0")/lib.sh"

cd "$TMP" || fail "no temp dir"

# --- the lib.sh config is valid; given as FILE, with -c, via the env
expect_rc 0 "$PAPERBOY" check-config "$CFG"
assert_eq "$OUT" "$CFG: ok"
expect_rc 0 pb check-config
assert_eq "$OUT" "$CFG: ok"
expect_rc 0 env PAPERBOY_CONFIG="$CFG" "$PAPERBOY" check-config
assert_eq "$OUT" "$CFG: ok"
expect_rc 0 "$PAPERBOY" check-config
assert_eq "$OUT" "built-in defaults: ok"
assert_no_file "$TMP/db"
assert_no_file "$TMP/data"

# --- the packaged config is valid too (its web root may not exist here)
sed '/^root = /d' "$SRC_DIR/packaging/paperboy.ini" >"$TMP/packaged.ini"
expect_rc 0 "$PAPERBOY" check-config "$TMP/packaged.ini"

# --- the packaged unit: a stop's SIGTERM goes to serve alone, which ends
# its fetch helper itself (a whole-cgroup SIGTERM made a cut collect a
# failure); systemd-analyze, where there is one, accepts the unit
UNIT=$SRC_DIR/packaging/paperboy.service
assert_eq "$(grep -c '^KillMode=mixed$' "$UNIT")" 1 "KillMode=mixed in the unit"
if command -v systemd-analyze >/dev/null; then
    sed "s#^ExecStart=/usr/local/bin/paperboy#ExecStart=$PAPERBOY#" "$UNIT" >"$TMP/paperboy.service"
    expect_rc 0 systemd-analyze verify --man=no "$TMP/paperboy.service"
fi

# --- bad files: exit 1, the reason with file and line, nothing else
bad() { # bad NAME TEXT EXPECTED-SUBSTRING
    printf '%b\n' "$2" >"$TMP/$1.ini"
    expect_rc 1 "$PAPERBOY" check-config "$TMP/$1.ini"
    assert_contains "$ERR" "$3" "stderr for $1"
    assert_eq "$OUT" "" "stdout for $1"
}
bad unknown_key '[web]\nlisten = 127.0.0.1:8080\nlsten = 1' "$TMP/unknown_key.ini:3: [web] lsten: unknown key"
bad unknown_section '[webb]\nx = 1' "unknown section [webb]"
bad bad_time '[schedule]\nsend_at = 25:00' "send_at"
bad bad_zone '[schedule]\ntimezone = Mars/Olympus_Mons' "not a known IANA time zone"
bad bad_port '[web]\nlisten = 127.0.0.1:99999' "[web] listen"
bad bad_smtp '[smtp]\nurl = ftp://example.org' "unsupported URL"
bad twice '[smtp]\nhelo = a\nhelo = b' "given twice"
bad bad_root "[web]\nroot = $TMP/no/such/dir" "is not a directory"
bad syntax 'this is not ini' "syntax error"
# a malformed secret is never echoed back
bad secret '[smtp]\npassword = hunter2\x01' "[smtp] password: invalid value"
assert_not_contains "$ERR" "hunter2"

expect_rc 1 "$PAPERBOY" check-config "$TMP/missing.ini"
assert_contains "$ERR" "$TMP/missing.ini: cannot open config file"
expect_rc 1 env PAPERBOY_CONFIG="$TMP/bad_time.ini" "$PAPERBOY" check-config
assert_contains "$ERR" "send_at"

# --- usage errors
expect_rc 2 "$PAPERBOY" check-config a.ini b.ini
assert_contains "$ERR" "only one FILE"
expect_rc 2 "$PAPERBOY" check-config --frobnicate
expect_rc 0 "$PAPERBOY" check-config --help
assert_contains "$OUT" "--dump"

# --- a directory as the config is an error for every command, and
# nothing is created (it ran on the built-in defaults: ./data/...)
mkdir "$TMP/confdir"
expect_rc 1 "$PAPERBOY" check-config "$TMP/confdir"
assert_contains "$ERR" "$TMP/confdir: not a config file"
expect_rc 1 "$PAPERBOY" -c "$TMP/confdir" list ls
assert_contains "$ERR" "not a config file"
assert_no_file "$TMP/data"

# --- a line longer than the INI reader's buffer is an error naming the
# line; its tail never becomes a setting (it turned tls_verify off)
# (the first 199 bytes are the comment, the rest reads as a line)
long=$(head -c 197 /dev/zero | tr '\0' y)
printf '[smtp]\n; %stls_verify = no\n' "$long" >"$TMP/long.ini"
expect_rc 1 "$PAPERBOY" check-config "$TMP/long.ini"
assert_contains "$ERR" "$TMP/long.ini:2: line longer than 199 bytes"
printf '[smtp]\nhelo = %s%s\n' "$long" "$long" >"$TMP/longv.ini"
expect_rc 1 "$PAPERBOY" check-config "$TMP/longv.ini"
assert_contains "$ERR" "$TMP/longv.ini:2: line longer than"
# 199 bytes and a newline still fit
printf '[smtp]\n;%s\n' "$(head -c 198 /dev/zero | tr '\0' y)" >"$TMP/fits.ini"
expect_rc 0 "$PAPERBOY" check-config "$TMP/fits.ini"

# --- a NUL byte inside a value is refused, not cut short
printf '[smtp]\nhelo = mail.example.org\0evil\n' >"$TMP/nul.ini"
expect_rc 1 "$PAPERBOY" check-config "$TMP/nul.ini"
assert_contains "$ERR" "$TMP/nul.ini:2: NUL byte"

# --- check-config refuses what serve refuses: a short [web] secret
printf '[web]\nsecret = short\n' >"$TMP/short.ini"
expect_rc 1 "$PAPERBOY" check-config "$TMP/short.ini"
assert_contains "$ERR" "secret must be at least 16 characters"
expect_rc 1 "$PAPERBOY" -c "$TMP/short.ini" serve
assert_contains "$ERR" "secret must be at least 16 characters"

# --- the secret file's directory is created 0700, as the database's is,
# also when the database lives elsewhere
cat >"$TMP/sdir.ini" <<EOF
[database]
path = $TMP/dbdir/pb.db
[delivery]
maildir = $TMP/mail
[web]
secret_file = $TMP/keys/sub/secret
EOF
expect_rc 0 "$PAPERBOY" check-config "$TMP/sdir.ini"
expect_rc 0 "$PAPERBOY" -c "$TMP/sdir.ini" send
assert_file_exists "$TMP/keys/sub/secret"
assert_eq "$(stat -c %a "$TMP/keys/sub")" 700 "mode of the secret's directory"
assert_eq "$(stat -c %a "$TMP/keys/sub/secret")" 600 "mode of the secret file"

# --- --dump: every section, values resolved, the password masked
printf '[smtp]\nurl = smtp://127.0.0.1:2525\npassword = s3cret-Pa55\n[schedule]\nsend_at = 07:15\ntimezone = Asia/Kathmandu\n' >"$TMP/dump.ini"
expect_rc 0 "$PAPERBOY" check-config --dump "$TMP/dump.ini"
for sec in database web smtp delivery sources schedule digest log; do
    assert_contains "$OUT" "[$sec]"
done
assert_contains "$OUT" "send_at = 07:15"
assert_contains "$OUT" "timezone = Asia/Kathmandu"
assert_contains "$OUT" "url = smtp://127.0.0.1:2525"
assert_contains "$OUT" "password = ********"
assert_not_contains "$OUT" "s3cret-Pa55"
# ... and from the environment, still masked
expect_rc 0 env PAPERBOY_SMTP_PASSWORD=env-Pa55 "$PAPERBOY" check-config --dump
assert_contains "$OUT" "password = ********"
assert_not_contains "$OUT" "env-Pa55"
# the dump is itself a valid config
printf '%s\n' "$OUT" | grep -v '^password_file = $' | sed 's/^password = \*\*\*\*\*\*\*\*$/password = x/' >"$TMP/redump.ini"
expect_rc 0 "$PAPERBOY" check-config "$TMP/redump.ini"
assert_no_file "$TMP/data"
pass
