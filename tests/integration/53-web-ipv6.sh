#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 53-web-ipv6: [web] listen = [::1]:0 serves over IPv6, logs its address
# as http://[::1]:PORT, sees the client as ::1 (trusted proxies match IPv6
# prefixes), counts an IPv6 client per /64 for the rate limit, and a
# listen address that cannot be bound fails cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

ip -6 addr show lo 2>/dev/null | grep -q '::1' || skip "no IPv6 loopback"
web_config
sed -i 's/^listen = 127.0.0.1:0$/listen = [::1]:0/' "$CFG"
cfg_add "subscribe_per_minute = 1"
cfg_add "trusted_proxies = ::1/128"

: >"$TMP/serve.log"
"$PAPERBOY" -c "$CFG" serve >"$TMP/serve.out" 2>"$TMP/serve.log" &
SERVE_PID=$!
port=
for i in $(seq 1 100); do
    port=$(sed -n 's/.*web: listening on http:\/\/\[::1\]:\([0-9]*\).*/\1/p' "$TMP/serve.log" | head -n1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || fail "no 'web: listening on http://[::1]:PORT' line: $(cat "$TMP/serve.log")"
BASE="http://[::1]:$port"

http GET /healthz
expect_code 200 "healthz over IPv6"
assert_contains "$BODY" '"database":true'
# ::1 is a trusted proxy, so X-Forwarded-For picks the budget
http POST /subscribe --data-binary 'email=v6a%40example.org' -H 'X-Forwarded-For: 2001:db8::7'
expect_code 200 "first post for 2001:db8::7"
http POST /subscribe --data-binary 'email=v6b%40example.org' -H 'X-Forwarded-For: 2001:db8::7'
expect_code 429 "second post for 2001:db8::7 (limit 1)"
http POST /subscribe --data-binary 'email=v6c%40example.org' -H 'X-Forwarded-For: 2001:db8:0:1::8'
expect_code 200 "an IPv6 client in another /64"
# an IPv6 client is its /64: other addresses in 2001:db8:0:1::/64 share
# its budget, whatever their lower 64 bits
for i in 1 2 3 4 5 6; do
    http POST /subscribe --data-binary "email=v6d$i%40example.org" \
        -H "X-Forwarded-For: 2001:db8:0:1:$i:ffff:abcd:$i"
    expect_code 429 "address $i in the same /64"
done
http POST /subscribe --data-binary 'email=v6e%40example.org' -H 'X-Forwarded-For: 2001:db8:0:2::1'
expect_code 200 "the next /64 has its own budget"
web_stop

# an address this host does not have: a clear error, exit status 1
sed -i 's/^listen = \[::1\]:0$/listen = 192.0.2.1:8080/' "$CFG"
expect_rc 1 "$PAPERBOY" -c "$CFG" serve
assert_contains "$ERR" "192.0.2.1:8080"
pass
