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
