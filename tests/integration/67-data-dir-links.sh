#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 67-data-dir-links: the files beside the database (the database, its
# lock, the secret, the delivery journals) are never opened through a
# symbolic link, a data directory other users can write is refused
# (unless it is sticky and ours), and an existing database or secret
# readable by others gets a warning.
. "$(dirname "$0")/lib.sh"

D=$TMP/d
mkdir -m 0700 "$D"
cat >"$CFG" <<EOF
[database]
path = $D/pb.db
[delivery]
maildir = $TMP/mail
[web]
listen = 127.0.0.1:0
secret_file = $D/secret
EOF

# --- a planted lock-file link: serve refuses, the target is untouched
echo precious >"$TMP/target"
ln -s "$TMP/target" "$D/pb.db.lock"
expect_rc 1 timeout 20 "$PAPERBOY" -c "$CFG" serve
assert_contains "$ERR" "pb.db.lock' is a symbolic link"
assert_eq "$(cat "$TMP/target")" precious "the link's target"
rm "$D/pb.db.lock"

# --- a dangling link as the database: refused, nothing created
rm -f "$D/pb.db"
ln -s "$TMP/nowhere.db" "$D/pb.db"
expect_rc 1 pb list ls
assert_contains "$ERR" "pb.db' is a symbolic link"
assert_no_file "$TMP/nowhere.db"
# ... and a link to a real database
rm "$D/pb.db"
cp "$SRC_DIR/tests/integration/lib.sh" "$TMP/real.db"
ln -s "$TMP/real.db" "$D/pb.db"
expect_rc 1 pb list ls
assert_contains "$ERR" "symbolic link"
cmp -s "$TMP/real.db" "$SRC_DIR/tests/integration/lib.sh" || fail "the linked file changed"
rm "$D/pb.db"

# --- a link as the secret file: refused, whether or not it dangles
ln -s "$TMP/nosecret" "$D/secret"
expect_rc 1 pb send
assert_contains "$ERR" "secret' is a symbolic link"
assert_no_file "$TMP/nosecret"
rm "$D/secret"

# --- a delivery journal planted as a link: send refuses to replay it
expect_rc 0 pb list ls
ln -s "$TMP/target" "$D/pb.db-sent0"
expect_rc 1 pb send
assert_contains "$ERR" "pb.db-sent0' is a symbolic link"
assert_eq "$(cat "$TMP/target")" precious "the journal link's target"
rm "$D/pb.db-sent0"

# --- a data directory others can write is refused; sticky and ours is not
chmod 0777 "$D"
expect_rc 1 pb list ls
assert_contains "$ERR" "directory '$D' is writable by other users"
chmod 1777 "$D"
expect_rc 0 pb list ls
chmod 0700 "$D"
# the secret's directory is checked too
mkdir -m 0777 "$TMP/open"
cfg_add "secret_file = $TMP/open/secret" # a second key: replace the line
sed -i "s|^secret_file = $D/secret\$||" "$CFG"
expect_rc 1 pb send
assert_contains "$ERR" "directory '$TMP/open' is writable by other users"
assert_no_file "$TMP/open/secret"
sed -i "s|^secret_file = $TMP/open/secret\$|secret_file = $D/secret|" "$CFG"

# --- an existing database or secret readable by others: a warning
expect_rc 0 pb send
expect_rc 0 pb list ls
assert_not_contains "$ERR" "readable by other users"
chmod 0644 "$D/pb.db" "$D/secret"
expect_rc 0 pb list ls
assert_contains "$ERR" "database '$D/pb.db' is readable by other users (mode 0644)"
expect_rc 0 pb send
assert_contains "$ERR" "secret file '$D/secret' is readable by other users"
pass
