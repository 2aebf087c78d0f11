# SPDX-License-Identifier: MIT
#
# lib.sh - shared helpers for tests/integration/NN-*.sh.  Source it first:
#
#     . "$(dirname "$0")/lib.sh"
#
# It sets `set -u`, makes a private temp dir $TMP (removed on exit, kept
# when KEEP_TMP=1), writes a minimal config $CFG pointing the database at
# $TMP/db (extend it with `cfg_add`), and defines:
#
#   pb ARGS...               run "$PAPERBOY" -c "$CFG" ARGS...
#   fail MSG                 print "FAIL: MSG" (plus test name) and exit 1
#   skip MSG                 print "SKIP: MSG" and exit 77
#   expect_rc N CMD...       run CMD, fail unless its exit status is N;
#                            its stdout is left in $OUT, stderr in $ERR
#   assert_contains HAY NEEDLE [WHAT]      fail unless NEEDLE occurs in HAY
#   assert_not_contains HAY NEEDLE [WHAT]  fail if NEEDLE occurs in HAY
#   assert_eq GOT WANT [WHAT]              fail unless the strings are equal
#   assert_file_exists PATH / assert_no_file PATH
#   cfg_add TEXT             append TEXT (INI lines) to $CFG
#   sql SQL                  run SQL on $TMP/db with the sqlite3 shell
#   need WHAT TEST...        fail unless TEST (a command) succeeds: for a
#                            tool scripts/install-deps.sh --test installs,
#                            whose absence is a broken install, not a skip
#   pass                     print "PASS: <test>" and exit 0
#   wait_for FILE PATTERN [TENTHS]  0 once grep finds PATTERN in FILE,
#                            1 after TENTHS tenths of a second (100)
#   nmail                    messages in the maildir $TMP/mail
#   sched_setup SEND_AT ZONE a scheduler test: the shared feed fixtures
#                            in $TMP/feeds as the file:// sources, [web]
#                            on a free port, [schedule] send_at and
#                            timezone; a serve left running ($SPID) is
#                            killed on exit
#   sched_serve LOG CLOCK    start serve (debug log to LOG) with its clock
#                            at unix time CLOCK; sets SPID once it is ready
#   sched_stop               SIGTERM serve; fail unless it exits 0
#
# Environment (set by ctest): PAPERBOY (binary), SRC_DIR, BUILD_DIR,
# SHARED_DIR.  When PAPERBOY is unset it falls back to
# $BUILD_DIR/paperboy or ./build/paperboy.  Keep this interface stable:
# several test scripts depend on it.

set -u

TEST_NAME=$(basename "$0" .sh)
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -z "${PAPERBOY:-}" ]; then
    if [ -n "${BUILD_DIR:-}" ]; then
        PAPERBOY=$BUILD_DIR/paperboy
    else
        PAPERBOY=$SRC_DIR/build/paperboy
    fi
fi
[ -x "$PAPERBOY" ] || { echo "FAIL: $TEST_NAME: no binary at $PAPERBOY" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pb-$TEST_NAME.XXXXXX")
lib_cleanup() {
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

CFG=$TMP/paperboy.ini
cat >"$CFG" <<CFGEOF
[database]
path = $TMP/db

[delivery]
maildir = $TMP/mail

[web]
secret_file = $TMP/secret
CFGEOF

export PAPERBOY_NO_PROGRESS=1
unset PAPERBOY_CONFIG PAPERBOY_SMTP_PASSWORD PAPERBOY_BOUNCES_PASSWORD 2>/dev/null || true

OUT=
ERR=

fail() {
    echo "FAIL: $TEST_NAME: $*" >&2
    if [ -n "$OUT$ERR" ]; then
        echo "--- last stdout:" >&2
        printf '%s\n' "$OUT" >&2
        echo "--- last stderr:" >&2
        printf '%s\n' "$ERR" >&2
    fi
    exit 1
}

skip() {
    echo "SKIP: $TEST_NAME: $*" >&2
    exit 77
}

pass() {
    echo "PASS: $TEST_NAME"
    exit 0
}

pb() {
    "$PAPERBOY" -c "$CFG" "$@"
}

cfg_add() {
    printf '%s\n' "$*" >>"$CFG"
}

expect_rc() {
    local want=$1 rc=0
    shift
    "$@" >"$TMP/.out" 2>"$TMP/.err" || rc=$?
    OUT=$(cat "$TMP/.out")
    ERR=$(cat "$TMP/.err")
    if [ "$rc" != "$want" ]; then
        fail "expected exit $want, got $rc from: $*"
    fi
}

assert_contains() {
    case "$1" in
    *"$2"*) ;;
    *) fail "${3:-output} does not contain '$2'" ;;
    esac
}

assert_not_contains() {
    case "$1" in
    *"$2"*) fail "${3:-output} unexpectedly contains '$2'" ;;
    *) ;;
    esac
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-value}: got '$1', want '$2'"
}

assert_file_exists() {
    [ -e "$1" ] || fail "expected file $1 to exist"
}

assert_no_file() {
    [ ! -e "$1" ] || fail "expected no file at $1"
}

need() {
    local what=$1
    shift
    "$@" >/dev/null 2>&1 ||
        fail "$what is missing (scripts/install-deps.sh --test installs it)"
}

# sql runs inside $(...), where a failure would only end the subshell:
# check once, here, for every test
need "the sqlite3 shell" command -v sqlite3

sql() {
    sqlite3 -batch -noheader "$TMP/db" "$1"
}

# start_feed_server FIXTURE_DIR - run servers/feed_server.py on an ephemeral
# loopback port (killed on exit) and set SERVER (its pid), PORT and BASE
# (http://127.0.0.1:PORT); requests are logged to $TMP/requests.log
start_feed_server() {
    /usr/bin/python3 "$SRC_DIR/tests/integration/servers/feed_server.py" \
        --fixtures "$1" --log "$TMP/requests.log" >"$TMP/port" 2>"$TMP/server.err" &
    SERVER=$!
    trap 'kill $SERVER 2>/dev/null; lib_cleanup' EXIT
    for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    PORT=$(head -1 "$TMP/port")
    [ -n "$PORT" ] || fail "feed server did not start: $(cat "$TMP/server.err")"
    BASE=http://127.0.0.1:$PORT
}

wait_for() {
    local i
    for i in $(seq 1 "${3:-100}"); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

nmail() { find "$TMP/mail/new" "$TMP/mail/cur" -type f 2>/dev/null | wc -l; }

SPID=
sched_cleanup() {
    [ -n "$SPID" ] && kill -KILL "$SPID" 2>/dev/null
    lib_cleanup
}

sched_setup() {
    local fix=${SHARED_DIR:-$SRC_DIR/../shared}/fixtures/feeds c
    [ -r "$fix/arxiv_rss_cs_LG.xml" ] || fail "fixtures missing in $fix"
    trap sched_cleanup EXIT
    mkdir -p "$TMP/feeds"
    for c in cs.LG cs.CL cs.CV cs.AI; do cp "$fix/arxiv_rss_cs_LG.xml" "$TMP/feeds/$c"; done
    cp "$fix/hf_daily_papers.json" "$TMP/feeds/hf"
    cfg_add "[web]"
    cfg_add "listen = 127.0.0.1:0"
    cfg_add "root = $SRC_DIR/web"
    cfg_add "[sources]"
    cfg_add "arxiv_rss_url = file://$TMP/feeds/"
    cfg_add "arxiv_api_url = file://$TMP/feeds/api"
    cfg_add "hf_daily_url = file://$TMP/feeds/hf"
    cfg_add "[schedule]"
    cfg_add "send_at = $1"
    cfg_add "timezone = $2"
}

sched_serve() {
    : >"$1"
    PAPERBOY_TIME_OFFSET=$(($2 - $(date +%s))) \
        "$PAPERBOY" -c "$CFG" --log-level debug serve 2>"$1" &
    SPID=$!
    wait_for "$1" "serve: ready" || { cat "$1" >&2; fail "serve did not start"; }
}

sched_stop() {
    kill -TERM "$SPID"
    wait "$SPID" || fail "serve exited non-zero"
    SPID=
}
