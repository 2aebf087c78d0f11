#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 51-web-abuse: the protections of the web side against the real server:
# the per-client rate limit on POST /subscribe (429 + Retry-After, 0 turns
# it off), X-Forwarded-For believed only from [web] trusted_proxies (all
# its lines read as one list), a busy database answering 503 + Retry-After
# (and the server surviving), slow clients timed out, the connection limit,
# the per-client connection limit (by address, and per forwarded client
# behind a trusted proxy), and a burst of concurrent sign-ups through the
# group-committing writer.  54-web-slow-clients is the slow-client attack.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

cfg_add "[database]"
cfg_add "busy_timeout_ms = 300"
web_config
cfg_add "subscribe_per_minute = 3"
cfg_add "timeout = 2"
cfg_add "max_connections = 6"
cfg_add "max_connections_per_client = 3"

post_sub() { # post_sub EMAIL [curl args...]
    local e=$1
    shift
    http POST /subscribe --data-binary "email=$e%40example.org&list=trending" "$@"
}

# ---- rate limit: 3 a minute per client; X-Forwarded-For is not believed
web_start
for i in 1 2 3; do
    post_sub "r$i" -H "X-Forwarded-For: 10.0.0.$i"
    expect_code 200 "post $i within the limit"
done
post_sub r4 -H "X-Forwarded-For: 10.9.9.9"
expect_code 429 "fourth post in a minute (forged X-Forwarded-For ignored)"
ra=$(header Retry-After)
case "$ra" in
'' | *[!0-9]*) fail "429 without a numeric Retry-After ('$ra')" ;;
esac
[ "$ra" -ge 1 ] && [ "$ra" -le 60 ] || fail "Retry-After $ra out of 1..60"
assert_contains "$BODY" "Too many requests"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email = 'r4@example.org'")" "0" \
    "a rate-limited post stores nothing"
# the other pages are not limited
http GET /
expect_code 200 "GET / while limited"

# ---- a busy database: 503 with Retry-After, never a crash
/usr/bin/python3 - "$TMP/db" "$TMP/locked" <<'PYEOF' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(4)
c.execute("ROLLBACK")
PYEOF
locker=$!
for i in $(seq 1 50); do [ -e "$TMP/locked" ] && break; sleep 0.1; done
[ -e "$TMP/locked" ] || fail "could not lock the database"
# a new client address so the rate limit is not what answers
cfg_busy_post() {
    http POST /subscribe --data-binary "email=busy%40example.org&list=trending" --interface 127.0.0.2
}
cfg_busy_post
expect_code 503 "POST /subscribe while the database is locked"
[ -n "$(header Retry-After)" ] || fail "503 without Retry-After"
assert_contains "$BODY" "try again"
wait "$locker"
kill -0 "$SERVE_PID" 2>/dev/null || fail "the server died on a busy database"
cfg_busy_post
expect_code 200 "the same post once the database is free"
web_stop

# ---- trusted proxy: X-Forwarded-For names the client
cfg_add "trusted_proxies = 127.0.0.1, ::1"
web_start
for i in 1 2 3; do
    post_sub "p$i" -H "X-Forwarded-For: 198.51.100.7, 203.0.113.9"
    expect_code 200 "proxied post $i"
done
post_sub p4 -H "X-Forwarded-For: 198.51.100.7, 203.0.113.9"
expect_code 429 "fourth post from the same forwarded client"
post_sub p5 -H "X-Forwarded-For: 203.0.113.10"
expect_code 200 "another forwarded client has its own budget"
# garbage falls back to the proxy's own address: three of them use up the
# budget of 127.0.0.1, which a fourth request from the proxy then lacks
for i in 6 7 8; do
    post_sub "p$i" -H "X-Forwarded-For: not-an-address"
    expect_code 200 "garbage X-Forwarded-For $i"
done
post_sub p9
expect_code 429 "the proxy's own budget was used by the garbage headers"
# X-Forwarded-For over several lines is one list: a first line of the
# client's own choosing does not hide the address the proxy appended
for i in 1 2 3 4 5 6; do
    post_sub "m$i" -H "X-Forwarded-For: 10.1.0.$i" -H "X-Forwarded-For: 203.0.113.77"
    if [ "$i" -le 3 ]; then
        expect_code 200 "two-line X-Forwarded-For post $i"
    else
        expect_code 429 "two-line X-Forwarded-For post $i (fresh first line)"
    fi
done

# behind a trusted proxy, connections are counted per forwarded client:
# the proxy itself may hold more than 3, a forwarded client 3 requests
/usr/bin/python3 - "$BASE" <<'PYEOF' || fail "per-forwarded-client limit"
import socket, sys, time
host, port = sys.argv[1].split("//")[1].split(":")
port = int(port)
def head(xff):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: "
              + xff + b"\r\nContent-Length: 100\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
    return s
def answered(s, wait):
    s.settimeout(wait)
    try:
        return s.recv(200)
    except socket.timeout:
        return None
held = [head(b"198.51.100.20") for i in range(3)]
time.sleep(0.3)
for s in held:
    assert answered(s, 0.05) is None, "a request within the limit was refused"
fourth = head(b"198.51.100.20")
got = answered(fourth, 3)
assert got is not None and b" 429 " in got, got
other = head(b"198.51.100.21")
assert answered(other, 0.3) is None, "another forwarded client was refused"
for s in held + [fourth, other]:
    s.close()
PYEOF

# ---- slow clients are cut off; the connection limit holds
/usr/bin/python3 - "$BASE" <<'PYEOF' || fail "timeouts / connection limit"
import socket, sys, time
host, port = sys.argv[1].split("//")[1].split(":")
port = int(port)

# a client that never finishes its headers is disconnected after [web] timeout
s = socket.create_connection((host, port), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
t0 = time.time()
s.settimeout(8)
try:
    data = s.recv(4096)
except ConnectionResetError:
    data = b""
took = time.time() - t0
assert data == b"" or b"408" in data, data[:100]
assert took < 7, "slow client held the connection %.1f s" % took
s.close()

# at most [web] max_connections connections are served at once: the rest
# wait in the kernel's backlog.  Idle ones are closed after [web] timeout
# (2 s), so 3 s after opening 12 idle connections (from 12 addresses, each
# under the per-client limit) the server has closed those it accepted,
# which must be at least one and at most 6.
def from_addr(i):
    c = socket.socket()
    c.settimeout(5)
    c.bind(("127.0.0.%d" % (30 + i), 0))
    c.connect((host, port))
    return c
socks = [from_addr(i) for i in range(12)]
time.sleep(3.0)
closed = 0
for c in socks:
    c.settimeout(0.05)
    try:
        if c.recv(1) == b"":
            closed += 1
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed += 1
for c in socks:
    c.close()
assert 1 <= closed <= 6, "%d of 12 idle connections served, limit 6" % closed

# one client holds at most [web] max_connections_per_client (3): a fourth
# connection from 127.0.0.3 is closed at once, one from 127.0.0.4 is not
def idle(addr):
    c = socket.socket()
    c.settimeout(5)
    c.bind((addr, 0))
    c.connect((host, port))
    return c
def closed_now(c, wait):
    c.settimeout(wait)
    try:
        return c.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
three = [idle("127.0.0.3") for i in range(3)]
time.sleep(0.2)
fourth = idle("127.0.0.3")
assert closed_now(fourth, 1.0), "a fourth connection from one client was kept"
other = idle("127.0.0.4")
assert not closed_now(other, 0.3), "another client was refused"
assert not any(closed_now(c, 0.01) for c in three), "the first three were cut"
for c in three + [fourth, other]:
    c.close()
PYEOF
sleep 0.3
http GET /healthz
expect_code 200 "still serving after the connection storm"

# ---- 0 turns the limit off
web_stop
sed -i 's/^subscribe_per_minute = 3$/subscribe_per_minute = 0/' "$CFG"
web_start
for i in $(seq 1 8); do
    post_sub "o$i"
    expect_code 200 "post $i with the limit off"
done
web_stop

# ---- concurrent sign-ups: the writer stores many in one transaction;
# every post is answered, every one is stored, and a repeated address
# still gets one confirmation mail (one wins, the rest see it pending)
sed -i -e 's/^max_connections = 6$/max_connections = 128/' \
    -e 's/^max_connections_per_client = 3$/max_connections_per_client = 64/' "$CFG"
# an address already pending with its confirmation queued: a post for it
# in a batch must change nothing, and must not fail the batch
post_sub_pending=pend
web_start
post_sub "$post_sub_pending"
expect_code 200 "the post that makes pend pending"
/usr/bin/python3 - "$BASE" "$TMP/conc.out" <<'PYEOF'
import sys, threading, urllib.request
base, out = sys.argv[1], sys.argv[2]
bodies = (["email=c%d%%40example.org&list=trending&keywords=kv+cache" % i
           for i in range(40)] +
          ["email=same%40example.org&list=trending"] * 8 +
          ["email=pend%40example.org&list=trending"] * 4 +
          ["email=c0%40example.org&list=nosuchlist"])
res = [None] * len(bodies)
start = threading.Barrier(len(bodies))
def post(i):
    req = urllib.request.Request(base + "/subscribe", data=bodies[i].encode(),
                                 method="POST")
    start.wait(timeout=10)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            res[i] = (r.status, "Check your inbox" in r.read().decode())
    except urllib.error.HTTPError as e:
        res[i] = (e.code, False)
    except Exception as e:
        res[i] = (repr(e), False)
ts = [threading.Thread(target=post, args=(i,)) for i in range(len(bodies))]
for t in ts: t.start()
for t in ts: t.join(30)
with open(out, "w") as f:
    for r in res:
        f.write("%s %s\n" % r)
PYEOF
assert_eq "$(head -n 52 "$TMP/conc.out" | sort | uniq -c | sed 's/^ *//')" "52 200 True" \
    "answers to 52 concurrent sign-ups"
assert_eq "$(tail -n 1 "$TMP/conc.out")" "400 False" "a bad post among them"
assert_eq "$(sql "SELECT count(*) FROM subscribers WHERE email LIKE 'c%@example.org'")" 40 \
    "concurrent sign-ups stored"
assert_eq "$(sql "SELECT count(*) FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN subscribers u ON u.id = s.subscriber_id WHERE o.kind = 'confirm' AND u.email LIKE 'c%@example.org'")" 40 \
    "one confirmation each"
assert_eq "$(sql "SELECT count(*) FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email IN ('same@example.org', 'pend@example.org')")" 2 \
    "one confirmation for each repeated address"
http GET /metrics
expect_code 200 "metrics after the burst"
signups=$(printf '%s\n' "$BODY" | awk '$1 == "paperboy_web_signups_total" {print $2}')
batches=$(printf '%s\n' "$BODY" | awk '$1 == "paperboy_web_signup_batches_total" {print $2}')
assert_eq "$signups" 53 "sign-ups the writer handled"
[ -n "$batches" ] && [ "$batches" -ge 2 ] && [ "$batches" -le 53 ] ||
    fail "sign-up batches: '$batches' (want 2..53)"
web_stop
pass
