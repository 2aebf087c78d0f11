# SPDX-License-Identifier: MIT
#
# smtp_lib.sh - helpers for the delivery tests (4N-*.sh).  Source after
# lib.sh.  Defines:
#
#   seed_papers DAY [N]        N papers (default 12) first seen on DAY
#   seed_subs N PREFIX [STATUS] N subscriptions to 'trending' with
#                              addresses PREFIX<i>@example.org (sqlite3)
#   gen_cert DIR               self-signed cert for localhost/127.0.0.1:
#                              DIR/cert.pem DIR/key.pem
#   smtp_start NAME ARGS...    start servers/smtp_server.py saving to
#                              $TMP/NAME; sets SMTP_PORT and SMTP_PID
#   smtp_stop                  stop every server started
#   msg_count DIR              messages saved in DIR
#   msgids DIR                 "rcpt message-id" lines, sorted
#
# For a disk that fills up (it.46, it.47):
#   disk_mount                 as root (else skip, 77) an 8 MiB tmpfs at
#                              $FS; sets HOLD= (see disk_hold_wal)
#   disk_queue N DAY           move the database into $FS (dbq SQL runs SQL
#                              there), queue DAY's digests with the relay
#                              down and check that N rows are queued
#   disk_relay_up              checkpoint the WAL and point [smtp] at the
#                              running server ($SMTP_PORT)
#   disk_hold_wal              a connection that keeps the database open
#                              with a WAL of a few reusable frames (written,
#                              then checkpointed), so commits go on after
#                              the disk is full until those frames are used
#                              up; HOLD is its pid
#   disk_fill KIB              fill $FS, leaving about KIB KiB

SMTP_PIDS=""

smtp_stop() {
    local p
    for p in $SMTP_PIDS; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    SMTP_PIDS=""
}
trap 'smtp_stop; lib_cleanup' EXIT

need /usr/bin/python3 test -x /usr/bin/python3
need python3-aiosmtpd /usr/bin/python3 -c 'import aiosmtpd'

cfg_add "[web]"
cfg_add "root = $SRC_DIR/web"

seed_papers() {
    local day=$1 n=${2:-12} t
    "$PAPERBOY" -c "$CFG" list ls >/dev/null 2>&1 # creates/migrates the db
    t=$(date -u -d "$day 06:00" +%s)
    {
        echo "BEGIN;"
        for i in $(seq 1 "$n"); do
            echo "INSERT INTO papers (arxiv_id, title, abstract, authors, categories, first_seen_at, first_seen_day, updated_at, in_arxiv, hf_day, hf_upvotes) VALUES ('$(date -u -d "$day" +%y%m).$(date -u -d "$day" +%d)$(printf %03d "$i")', 'Paper $i on attention', 'We study attention, number $i.', '[\"A. Author\"]', 'cs.LG', $t, '$day', $t, 1, '$day', $i);"
            echo "INSERT INTO paper_categories VALUES ('cs.LG', last_insert_rowid());"
        done
        echo "COMMIT;"
    } | sqlite3 -batch "$TMP/db" || fail "seeding papers"
}

seed_subs() {
    local n=$1 prefix=$2 status=${3:-confirmed}
    "$PAPERBOY" -c "$CFG" list ls >/dev/null 2>&1 # creates/migrates the db
    {
        echo "BEGIN;"
        for i in $(seq 1 "$n"); do
            echo "INSERT INTO subscribers (email, created_at) VALUES ('$prefix$i@example.org', 1);"
            echo "INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at) VALUES (last_insert_rowid(), (SELECT id FROM lists WHERE name='trending'), '$status', 1, 1, 1);"
        done
        echo "COMMIT;"
    } | sqlite3 -batch "$TMP/db" || fail "seeding subscribers"
}

gen_cert() {
    need openssl command -v openssl
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null ||
        fail "openssl could not make a certificate"
}

smtp_start() {
    local name=$1 i
    shift
    mkdir -p "$TMP/$name"
    rm -f "$TMP/$name.port"
    /usr/bin/python3 "$SRC_DIR/tests/integration/servers/smtp_server.py" \
        --dir "$TMP/$name" "$@" >"$TMP/$name.port" 2>"$TMP/$name.log" &
    SMTP_PID=$!
    SMTP_PIDS="$SMTP_PIDS $SMTP_PID"
    for i in $(seq 1 100); do
        SMTP_PORT=$(head -n1 "$TMP/$name.port" 2>/dev/null)
        [ -n "$SMTP_PORT" ] && return 0
        sleep 0.1
    done
    cat "$TMP/$name.log" >&2
    fail "smtp server $name did not start"
}

msg_count() {
    find "$1" -maxdepth 1 -name '*.eml' | wc -l
}

msgids() {
    local f
    for f in "$1"/*.eml; do
        [ -e "$f" ] || continue
        printf '%s %s\n' \
            "$(sed -n 's/^X-Test-Rcpt: //p' "$f" | tr -d '\r' | head -n1)" \
            "$(grep -i -m1 '^Message-ID:' "$f" | sed 's/^[^:]*: *//' | tr -d '\r')"
    done | sort
}

disk_mount() {
    [ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs for the full disk"
    FS=$TMP/fs
    HOLD=
    mkdir "$FS"
    mount -t tmpfs -o size=8m,mode=0700 tmpfs "$FS" 2>"$TMP/mount.err" ||
        skip "cannot mount a tmpfs: $(cat "$TMP/mount.err")"
}

dbq() { sqlite3 -batch "$FS/db" "$1"; }

disk_queue() {
    mv "$TMP/db" "$FS/db"
    sed -i "s|^path = .*|path = $FS/db|" "$CFG"
    cfg_add "[smtp]"
    cfg_add "url = smtp://127.0.0.1:1"
    cfg_add "starttls = off"
    cfg_add "connections = 1"
    pb send --date "$2" >/dev/null 2>&1 || true
    assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE state = 'queued'")" "$1" "rows queued"
}

disk_relay_up() {
    dbq "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    sed -i "s|^url = smtp://127.0.0.1:1\$|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"
}

disk_hold_wal() {
    local i
    rm -f "$TMP/held"
    /usr/bin/python3 - "$FS/db" "$TMP/held" <<'PYEOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN")
c.execute("CREATE TABLE pad (x BLOB)")
for i in range(5):
    c.execute("INSERT INTO pad VALUES (randomblob(7000))")
c.execute("COMMIT")
c.execute("DROP TABLE pad")
busy, frames, done = c.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
assert busy == 0 and frames == done > 0, (busy, frames, done)
open(sys.argv[2], "w").close()
while True:
    time.sleep(1)
PYEOF
    HOLD=$!
    for i in $(seq 1 100); do [ -e "$TMP/held" ] && return; sleep 0.05; done
    fail "the WAL holder did not start"
}

disk_fill() {
    rm -f "$FS/fill"
    dd if=/dev/zero of="$FS/fill" bs=4k 2>/dev/null || true
    [ "$1" = 0 ] || truncate -s "-$1K" "$FS/fill"
}
