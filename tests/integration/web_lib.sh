# SPDX-License-Identifier: MIT
#
# web_lib.sh - helpers for the web tests (5x-*.sh), sourced after lib.sh:
#
#   web_config            add the [sources] and [web] settings every web test
#                         uses to $CFG (ephemeral port, templates from SRC_DIR,
#                         a fixed secret, sources that fail fast on loopback);
#                         [web] comes last, so cfg_add can add web keys
#   web_start [ENV=V...]  start `paperboy serve`, wait for its "web: listening
#                         on http://HOST:PORT" line; sets $BASE and $SERVE_PID
#   web_stop              SIGTERM the server and wait for it (bounded); fails
#                         unless it exits 0 with no sanitizer report
#   web_seed_papers       insert three papers first seen today (one with
#                         markup in its title)
#   http METHOD PATH [curl args...]
#                         one request; status in $CODE, headers in $HDRS,
#                         body in $BODY
#   token PURPOSE ID [ISSUED]
#                         mint a token with the test secret (c|u|p|v)
#   wait_mail N           wait until the maildir holds N messages
#
# Only loopback addresses; every loop is bounded.

WEB_SECRET=web-test-secret-0123456789abcdef

web_config() {
    need curl command -v curl
    cfg_add "[sources]"
    cfg_add "arxiv_rss_url = http://127.0.0.1:9/rss/"
    cfg_add "arxiv_api_url = http://127.0.0.1:9/api"
    cfg_add "hf_daily_url = http://127.0.0.1:9/hf"
    cfg_add "timeout = 2"
    cfg_add "connect_timeout = 1"
    cfg_add "[web]"
    cfg_add "listen = 127.0.0.1:0"
    cfg_add "root = $SRC_DIR/web"
    cfg_add "secret = $WEB_SECRET"
    cfg_add "base_url = ${WEB_BASE_URL:-http://127.0.0.1:1}"
}

web_start() {
    local i port=
    : >"$TMP/serve.log"
    env "$@" "$PAPERBOY" -c "$CFG" serve >"$TMP/serve.out" 2>"$TMP/serve.log" &
    SERVE_PID=$!
    for i in $(seq 1 100); do
        port=$(sed -n 's/.*web: listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
            "$TMP/serve.log" | head -n1)
        [ -n "$port" ] && break
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        cat "$TMP/serve.log" >&2
        fail "serve did not log its listening address"
    fi
    BASE=http://127.0.0.1:$port
}

web_stop() {
    local i
    [ -n "${SERVE_PID:-}" ] || return 0
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    for i in $(seq 1 100); do
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$SERVE_PID" 2>/dev/null; then
        kill -KILL "$SERVE_PID" 2>/dev/null || true
        fail "serve did not stop within 10 s of SIGTERM"
    fi
    local rc=0
    wait "$SERVE_PID" 2>/dev/null || rc=$?
    SERVE_PID=
    if grep -Eq 'Sanitizer|runtime error:' "$TMP/serve.log"; then
        cat "$TMP/serve.log" >&2
        fail "the sanitizer reported a problem in serve"
    fi
    [ "$rc" = 0 ] || fail "serve exited with status $rc after SIGTERM"
}

web_cleanup() {
    if [ -n "${SERVE_PID:-}" ]; then
        kill -KILL "$SERVE_PID" 2>/dev/null || true
    fi
    lib_cleanup
}
trap web_cleanup EXIT

web_seed_papers() {
    sql "
INSERT INTO papers (arxiv_id, title, abstract, authors, categories,
                    first_seen_at, first_seen_day, updated_at, in_arxiv,
                    hf_upvotes)
VALUES
 ('2611.00001', 'Fast KV cache compression for long context',
  'We compress the kv cache of transformers by eight times.',
  '[\"Ada Lovelace\",\"Alan Turing\"]', 'cs.LG',
  strftime('%s','now'), date('now'), strftime('%s','now'), 1, 42),
 ('2611.00002', 'Diffusion <b>models</b> & \"GANs\" <script>x()</script>',
  'Diffusion models beat GANs once more.',
  '[\"Grace Hopper\"]', 'cs.CV',
  strftime('%s','now'), date('now'), strftime('%s','now'), 1, 7),
 ('2611.00003', 'Reinforcement learning from human feedback, revisited',
  'Reward models and their failure modes.',
  '[\"Claude Shannon\",\"Kurt Goedel\",\"Emmy Noether\",\"Alonzo Church\"]',
  'cs.AI', strftime('%s','now'), date('now'), strftime('%s','now'), 1, 0);
INSERT INTO paper_categories (category, paper_id)
 SELECT categories, id FROM papers WHERE arxiv_id LIKE '2611.0000%';
" || fail "could not seed papers"
}

CODE=
HDRS=
BODY=
http() {
    local method=$1 path=$2
    shift 2
    CODE=$(curl -sS -g --max-time 10 -o "$TMP/.body" -D "$TMP/.hdrs" \
        -w '%{http_code}' -X "$method" "$@" "$BASE$path") || CODE=000
    HDRS=$(tr -d '\r' <"$TMP/.hdrs" 2>/dev/null)
    BODY=$(cat "$TMP/.body" 2>/dev/null)
}

expect_code() {
    [ "$CODE" = "$1" ] || fail "${2:-request}: HTTP $CODE, want $1; body: $(printf '%s' "$BODY" | head -c 600)"
}

header() {
    printf '%s\n' "$HDRS" | sed -n "s/^$1: //Ip" | tail -n1
}

token() {
    /usr/bin/python3 - "$WEB_SECRET" "$1" "$2" "${3:-$(date +%s)}" <<'PYEOF'
import base64, hashlib, hmac, struct, sys
secret, purpose, ident, issued = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
key = hmac.new(secret.encode(), b"paperboy token key v1", hashlib.sha256).digest()
body = purpose.encode() + struct.pack(">q", ident) + struct.pack(">q", issued)
raw = body + hmac.new(key, body, hashlib.sha256).digest()
print(base64.urlsafe_b64encode(raw).decode().rstrip("="))
PYEOF
}

mail_count() {
    find "$TMP/mail/new" "$TMP/mail/cur" -type f 2>/dev/null | wc -l
}

wait_mail() {
    local i
    for i in $(seq 1 100); do
        [ "$(mail_count)" -ge "$1" ] && return 0
        sleep 0.1
    done
    fail "expected $1 mail(s) in the maildir, found $(mail_count)"
}
