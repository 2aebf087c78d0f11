#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 77-digest-source-failed - a digest that goes out without a source says
# so at its foot, in both parts: `paperboy run` against the local feed
# server with Hugging Face answering 404, then (another database) with
# one arXiv category answering 404, each delivering to a maildir whose
# message is decoded (quoted-printable, HTML entities) and read; the
# view-in-browser page says the same after a later, successful
# collection; a day with every source fine has no such line.
. "$(dirname "$0")/lib.sh"

FIX=$SHARED_DIR/fixtures/feeds
[ -r "$FIX/arxiv_rss_cs_LG.xml" ] || fail "no fixtures at $FIX"

start_feed_server "$FIX"
export PAPERBOY_FETCH_BACKOFF_MS=100

HF_LINE="Hugging Face's trending papers could not be fetched today"
CL_LINE="arXiv's cs.CL listing could not be fetched today"
LG_LINE="arXiv's cs.LG listing could not be fetched today"

# the delivered message's text and HTML parts, decoded, into $1.txt and
# $1.html (HTML entities resolved); fails unless there is exactly one
# message with both parts
decode_parts() {
    /usr/bin/python3 - "$1" "$2" <<'PY' || fail "decoding the digest in $2"
import email, email.policy, html, pathlib, sys
out, maildir = sys.argv[1], pathlib.Path(sys.argv[2])
files = [p for d in ("new", "cur") for p in (maildir / d).glob("*")]
if len(files) != 1:
    sys.exit("expected one message, found %d" % len(files))
msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
parts = {p.get_content_type(): p for p in msg.walk()}
for ctype, ext in (("text/plain", "txt"), ("text/html", "html")):
    p = parts.get(ctype)
    if p is None:
        sys.exit("no %s part" % ctype)
    if p["Content-Transfer-Encoding"].lower() != "quoted-printable":
        sys.exit("%s is not quoted-printable" % ctype)
    text = p.get_content()
    if ext == "html":
        text = html.unescape(text)
    pathlib.Path(out + "." + ext).write_text(text)
PY
}

# scenario NAME RSS_BASE HF_URL - a database and maildir of its own, a
# list of cs.LG and cs.CL with HF, one confirmed reader, one `run`
scenario() {
    local name=$1 rss=$2 hf=$3 cfg=$TMP/$1.ini
    sed "s#$TMP/db#$TMP/$name.db#; s#$TMP/mail#$TMP/$name.mail#" "$CFG" >"$cfg"
    printf '[web]\nroot = %s/web\nlisten = 127.0.0.1:0\n[sources]\narxiv_rss_url = %s\nhf_daily_url = %s\ntimeout = 10\n' \
        "$SRC_DIR" "$rss" "$hf" >>"$cfg"
    expect_rc 0 "$PAPERBOY" -c "$cfg" list add ml --categories cs.LG,cs.CL --hf
    expect_rc 0 "$PAPERBOY" -c "$cfg" subscriber add ada@example.org --list ml --confirmed
    expect_rc 0 timeout 120 "$PAPERBOY" -c "$cfg" run --list ml
    assert_contains "$OUT" "1 delivered" "$name: run"
    decode_parts "$TMP/$name" "$TMP/$name.mail"
    TXT=$(cat "$TMP/$name.txt")
    HTML=$(cat "$TMP/$name.html")
}

# --- Hugging Face down: the line in both parts, at the foot (after the
# last paper, before the footer), and no arXiv line
scenario hfdown "$BASE/rss/" "$BASE/bad/404/hf"
assert_contains "$TXT" "$HF_LINE" "text part, HF down"
assert_contains "$HTML" "$HF_LINE" "HTML part, HF down"
assert_not_contains "$TXT" "$CL_LINE" "text part, HF down"
assert_not_contains "$TXT" "$LG_LINE" "text part, HF down"
assert_eq "$(grep -c "could not be fetched" "$TMP/hfdown.txt")" 1 "lines, HF down"
foot=${TXT#*"$HF_LINE"}
assert_contains "$foot" "Unsubscribe:" "the line above the footer"
assert_not_contains "$foot" "arxiv.org/abs/" "no paper below the line"
foot=${HTML#*"$HF_LINE"}
assert_contains "$foot" ">Unsubscribe<" "the HTML line above the footer"

# --- one arXiv category unreachable: its line, HF's not
scenario cldown "$BASE/rssfail/cs.CL/" "$BASE/hf"
assert_contains "$TXT" "$CL_LINE" "text part, cs.CL down"
assert_contains "$HTML" "$CL_LINE" "HTML part, cs.CL down"
assert_not_contains "$TXT" "$HF_LINE" "text part, cs.CL down"
assert_not_contains "$HTML" "$LG_LINE" "HTML part, cs.CL down"

# --- the view-in-browser page, rendered later, after a collection in
# which cs.CL was fine again: the same line (the page reads the runs
# finished before the digest was made, not the latest)
# (times are in seconds: a run that finishes in the digest's second
# counts as before it, hence the pause)
sed -i "s#rssfail/cs.CL/#rss/#" "$TMP/cldown.ini"
sleep 1
expect_rc 0 timeout 120 "$PAPERBOY" -c "$TMP/cldown.ini" collect --list ml
view=$(grep -o '/d/[A-Za-z0-9_=-]*' "$TMP/cldown.txt" | head -1)
[ -n "$view" ] || fail "no view-in-browser link in the text part"
"$PAPERBOY" -c "$TMP/cldown.ini" serve 2>"$TMP/serve.log" &
SERVE_PID=$!
trap 'kill $SERVE_PID $SERVER 2>/dev/null; lib_cleanup' EXIT
for _ in $(seq 100); do
    grep -q "web: listening on" "$TMP/serve.log" && break
    sleep 0.1
done
web=$(grep -o 'listening on http://[0-9.:]*' "$TMP/serve.log" | head -1)
[ -n "$web" ] || fail "serve did not start: $(cat "$TMP/serve.log")"
page=$(curl -sf "${web#listening on }$view") || fail "GET $view failed"
page=$(printf '%s' "$page" | /usr/bin/python3 -c 'import html,sys; print(html.unescape(sys.stdin.read()))')
assert_contains "$page" "$CL_LINE" "the view-in-browser page"
assert_not_contains "$page" "$HF_LINE" "the view-in-browser page"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited non-zero: $(cat "$TMP/serve.log")"

# --- every source fine: no such line in either part
scenario allok "$BASE/rss/" "$BASE/hf"
assert_not_contains "$TXT" "could not be fetched" "text part, all fine"
assert_not_contains "$HTML" "could not be fetched" "HTML part, all fine"

pass
