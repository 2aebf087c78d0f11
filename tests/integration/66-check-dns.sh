#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 66-check-dns: `paperboy check-dns` against a local authoritative DNS
# server (dnspython on loopback, nothing asked of the internet) that serves
# the records `paperboy dkim keygen` printed: a domain set up right (all
# ok, exit 0), one with every record broken (MX, SPF not authorising the
# relay, the wrong DKIM key, a missing one, no DMARC: fail lines with what
# to publish, exit 1), one with warnings only (exit 0), the PTR of a local
# MTA, --json, a server that does not answer, and bad options.
. "$(dirname "$0")/lib.sh"

need python3-dnspython /usr/bin/python3 -c 'import dns.zone'
K=$TMP/keys
mkdir -m 700 "$K"
rec() { # the "NAME IN TXT ( ... )" line keygen printed
    printf '%s\n' "$1" | grep ' IN TXT ('
}
expect_rc 0 "$PAPERBOY" dkim keygen --domain good.example --selector rsa1 --key "$K/rsa.key"
RSA=$(rec "$OUT")
expect_rc 0 "$PAPERBOY" dkim keygen --domain good.example --selector ed1 --ed25519 --key "$K/ed.key"
ED=$(rec "$OUT")
expect_rc 0 "$PAPERBOY" dkim keygen --domain bad.example --selector rsa1 --key "$K/other.key"
OTHER=$(rec "$OUT")

ZONE=$TMP/zone
cat >"$ZONE" <<ZEOF
\$TTL 300
good.example. IN MX 10 mx.good.example.
mx.good.example. IN A 192.0.2.25
good.example. IN TXT "v=spf1 include:_spf.good.example -all"
good.example. IN TXT "google-site-verification=abc"
_spf.good.example. IN TXT "v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all"
relay.good.example. IN A 192.0.2.10
_dmarc.good.example. IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.example"
$RSA
$ED
bad.example. IN TXT "v=spf1 ip4:198.51.100.1 -all"
$OTHER
warn.example. IN MX 10 mx.good.example.
warn.example. IN TXT "v=spf1 ip4:203.0.113.0/24 ?all"
_dmarc.warn.example. IN TXT "v=DMARC1; p=none"
mta.good.example. IN A 192.0.2.30
30.2.0.192.in-addr.arpa. IN PTR mta.good.example.
mta2.good.example. IN A 192.0.2.31
ZEOF
/usr/bin/python3 "$SRC_DIR/tests/integration/servers/dns_server.py" "$ZONE" \
    --log "$TMP/dns.log" >"$TMP/dns.port" 2>"$TMP/dns.err" &
DNS_PID=$!
trap 'kill $DNS_PID 2>/dev/null; wait $DNS_PID 2>/dev/null; lib_cleanup' EXIT
for i in $(seq 1 100); do
    PORT=$(head -n1 "$TMP/dns.port" 2>/dev/null)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || fail "dns server did not start: $(cat "$TMP/dns.err")"
S=127.0.0.1:$PORT

cfg_add "[smtp]"
cfg_add "url = smtp://relay.good.example:587"
cfg_add "from = Paperboy <news@good.example>"
cfg_add "[dkim]"
cfg_add "selector = rsa1"
cfg_add "key_file = $K/rsa.key"
cfg_add "ed25519_selector = ed1"
cfg_add "ed25519_key_file = $K/ed.key"

# ---- everything right
expect_rc 0 pb check-dns --server $S
good=$OUT
printf '%s\n' "$good"
for c in "ok    mx         good.example: 10 mx.good.example" \
    "ok    spf        good.example: v=spf1 include:_spf.good.example -all (authorises the relay relay.good.example)" \
    "ok    dkim rsa1  rsa1._domainkey.good.example: k=rsa key matches" \
    "ok    dkim ed1   ed1._domainkey.good.example: k=ed25519 key matches" \
    "ok    dmarc      _dmarc.good.example: v=DMARC1; p=reject; rua=mailto:dmarc@good.example: policy reject; aligned: DKIM and SPF"; do
    assert_contains "$good" "$c" "good domain"
done
assert_not_contains "$good" "fail" "good domain"
assert_not_contains "$good" "warn" "good domain"
assert_contains "$(cat "$TMP/dns.log")" "rsa1._domainkey.good.example. TXT" "the question reached the test server"

# ---- everything broken: each named, with what to publish; exit 1
expect_rc 1 pb check-dns --server $S --domain bad.example
bad=$OUT
printf '%s\n' "$bad"
assert_contains "$bad" "fail  mx         bad.example: no MX and no address" "no MX"
assert_contains "$bad" "fail  spf        bad.example: v=spf1 ip4:198.51.100.1 -all does not authorise the relay relay.good.example (192.0.2.10): fail" "SPF"
assert_contains "$bad" "publish: add ip4:192.0.2.10" "SPF fix"
assert_contains "$bad" "fail  dkim rsa1  rsa1._domainkey.bad.example: the published k=rsa key is not the configured rsa key" "wrong key"
assert_contains "$(printf "%s\n" "$bad" | grep "publish: rsa1._domainkey")" "\" \"" "a long record split into strings"
assert_contains "$bad" "fail  dkim ed1   ed1._domainkey.bad.example: no DKIM key record" "missing key"
assert_contains "$bad" "publish: ed1._domainkey.bad.example. IN TXT ( \"v=DKIM1; k=ed25519; p=" "the record to publish"
assert_contains "$bad" "fail  dmarc      _dmarc.bad.example: no DMARC record" "no DMARC"
assert_contains "$bad" "publish: _dmarc.bad.example. IN TXT \"v=DMARC1; p=none;" "DMARC fix"

# ---- --json
expect_rc 1 pb check-dns --server $S --domain bad.example --json
printf '%s' "$OUT" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
got = {c["check"]: c["status"] for c in r["checks"]}
want = {"mx": "fail", "spf": "fail", "dkim rsa1": "fail", "dkim ed1": "fail", "dmarc": "fail"}
assert r["domain"] == "bad.example" and r["ok"] is False, r
assert got == want, got
assert all(c["fix"] for c in r["checks"]), r' || fail "check-dns --json: $OUT"
expect_rc 0 pb check-dns --server $S --json
printf '%s' "$OUT" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["ok"] is True and {c["status"] for c in r["checks"]} == {"ok"}, r' || fail "good --json: $OUT"

# ---- warnings only: unsigned, SPF neutral for the relay, p=none; exit 0
sed -i '/^\[dkim\]/,$d' "$CFG"
expect_rc 0 pb check-dns --server $S --domain warn.example
assert_contains "$OUT" "warn  spf        warn.example: v=spf1 ip4:203.0.113.0/24 ?all does not authorise the relay relay.good.example (192.0.2.10): neutral" "neutral SPF"
assert_contains "$OUT" "warn  dkim       warn.example: [dkim] is not set" "unsigned"
assert_contains "$OUT" "ok    dmarc      _dmarc.warn.example: v=DMARC1; p=none: policy none; aligned: SPF" "p=none"

# ---- a local MTA delivers directly: PTR of [smtp] helo
sed -i 's|^url = .*|url = smtp://127.0.0.1:25\nhelo = mta.good.example|' "$CFG"
expect_rc 0 pb check-dns --server $S
assert_contains "$OUT" "ok    ptr        mta.good.example: mta.good.example: forward-confirmed reverse DNS" "PTR"
sed -i 's/^helo = .*/helo = mta2.good.example/' "$CFG"
expect_rc 1 pb check-dns --server $S
assert_contains "$OUT" "fail  ptr        mta2.good.example: 192.0.2.31 has no PTR naming mta2.good.example" "no PTR"

# ---- a server that does not answer: a failure, quickly
dead=$(/usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
t0=$(date +%s)
expect_rc 1 pb check-dns --server 127.0.0.1:$dead
assert_contains "$OUT" "fail  resolver" "no answer"
[ $(($(date +%s) - t0)) -le 15 ] || fail "check-dns took more than 15 s with a dead server"

# ---- bad options
expect_rc 2 pb check-dns --server not-an-ip
expect_rc 2 pb check-dns --server 127.0.0.1:99999
expect_rc 1 pb check-dns --server $S --domain 'a b'
expect_rc 2 pb check-dns --bogus

pass
