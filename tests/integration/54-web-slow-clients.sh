#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 54-web-slow-clients: slow clients cannot take the web server.  500
# sockets from 127.0.0.1 and 200 from 127.0.0.2..127.0.0.21 (10 each) open
# a request and trickle one header line every 2 s, reconnecting whenever
# the server closes them; meanwhile a fresh client (127.0.0.250) asks for
# /healthz and GET / four times a second for 25 s, and every answer must
# come within 1 s.  What holds them off: [web] max_connections_per_client
# (16 by default, so 127.0.0.1 gets 16 of the 256 connections) and [web]
# request_deadline (3 s here: trickled bytes do not extend it, the idle
# [web] timeout of 30 s would; a body trickled byte by byte is cut at it
# too).  /metrics counts both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
cfg_add "request_deadline = 3"
cfg_add "timeout = 30"

cat >"$TMP/slow.py" <<'PYEOF'
import resource, selectors, socket, sys, time

host, port = sys.argv[2], int(sys.argv[3])


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < need:
        print("only %d file descriptors allowed, need %d" % (hard, need))
        sys.exit(77)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def attack(duration):
    """700 slow sockets; print the most held open for over 1 s at once"""
    raise_fd_limit(2048)
    sources = ["127.0.0.1"] * 500
    for i in range(2, 22):
        sources += ["127.0.0.%d" % i] * 10
    sel = selectors.DefaultSelector()
    state = {}  # socket -> [source, next trickle time]
    pending = [(0.0, src) for src in sources]  # (reconnect at, source)
    end = time.monotonic() + duration
    most = 0
    reopened = 0
    while time.monotonic() < end:
        now = time.monotonic()
        later = []
        for at, src in pending:
            if at > now:
                later.append((at, src))
                continue
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind((src, 0))
                s.connect_ex((host, port))
            except OSError:
                s.close()
                later.append((now + 1.0, src))
                continue
            sel.register(s, selectors.EVENT_READ)
            state[s] = [src, now + 0.2, False, now]
        pending = later
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data:
                continue  # an error answer: the close follows
            sel.unregister(s)
            src = state.pop(s)[0]
            s.close()
            reopened += 1
            pending.append((time.monotonic() + 2.0, src))
        now = time.monotonic()
        for s, st in list(state.items()):
            if st[1] > now:
                continue
            line = b"X-Slow: 1\r\n" if st[2] else b"GET / HTTP/1.1\r\nHost: x\r\n"
            try:
                s.send(line)
                st[2] = True
            except OSError:
                pass
            st[1] = now + 2.0
        most = max(most, sum(1 for st in state.values() if now - st[3] > 1.0))
    print("attack: %d sockets held at most, %d closed by the server"
          % (most, reopened))


def trickle(duration):
    """a body sent one byte every 0.5 s is cut at the deadline (3 s)"""
    s = socket.create_connection((host, port), timeout=10)
    s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n\r\n")
    t0 = time.monotonic()
    s.settimeout(0.5)
    while time.monotonic() - t0 < duration:
        try:
            s.send(b"e")
            if s.recv(100) == b"":
                break
        except socket.timeout:
            continue
        except OSError:
            break
    took = time.monotonic() - t0
    print("trickle: cut after %.1f s" % took)
    sys.exit(0 if 2.5 <= took <= 5.0 else 1)


def probe(duration):
    """fresh client: every request answered within 1 s"""
    end = time.monotonic() + duration
    n = bad = 0
    worst = 0.0
    paths = ["/healthz", "/"]
    while time.monotonic() < end:
        path = paths[n % 2]
        t0 = time.monotonic()
        status = None
        s = socket.socket()
        try:
            s.settimeout(1.0)
            s.bind(("127.0.0.250", 0))
            s.connect((host, port))
            s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                      % path.encode())
            head = s.recv(64)
            status = head.split(b" ")[1] if head else b"EOF"
        except OSError as e:
            status = str(e).encode()
        finally:
            s.close()
        took = time.monotonic() - t0
        worst = max(worst, took)
        n += 1
        if status != b"200" or took >= 1.0:
            bad += 1
            print("probe %d: %s answered %s after %.2f s"
                  % (n, path, status.decode(errors="replace"), took))
        time.sleep(0.25)
    print("probe: %d requests, %d late or failed, slowest %.3f s"
          % (n, bad, worst))
    sys.exit(1 if bad or n < 50 else 0)


{"attack": attack, "probe": probe, "trickle": trickle}[sys.argv[1]](float(sys.argv[4]))
PYEOF

/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.250", 0))' \
    2>/dev/null || skip "cannot bind to 127.0.0.250"

web_start
port=${BASE##*:}
/usr/bin/python3 "$TMP/slow.py" trickle 127.0.0.1 "$port" 10 >"$TMP/trickle.out" 2>&1 ||
    fail "a trickled body was not cut at the deadline: $(cat "$TMP/trickle.out")"
/usr/bin/python3 "$TMP/slow.py" attack 127.0.0.1 "$port" 30 >"$TMP/attack.out" 2>&1 &
attacker=$!
sleep 2 # the sockets are open and the first deadline has not passed
rc=0
/usr/bin/python3 "$TMP/slow.py" probe 127.0.0.1 "$port" 25 >"$TMP/probe.out" 2>&1 || rc=$?
wait "$attacker" || { arc=$?; [ "$arc" = 77 ] && skip "$(cat "$TMP/attack.out")"; \
    fail "attacker failed ($arc): $(cat "$TMP/attack.out")"; }
cat "$TMP/attack.out" "$TMP/probe.out" >&2
[ "$rc" = 0 ] || fail "a fresh client was not answered within 1 s under attack"
most=$(sed -n 's/^attack: \([0-9]*\) sockets held at most.*/\1/p' "$TMP/attack.out")
[ "${most:-0}" -ge 200 ] || fail "the attack held only ${most:-0} sockets open"

http GET /metrics
expect_code 200 "metrics after the attack"
refused=$(printf '%s\n' "$BODY" | sed -n 's/^paperboy_web_connections_refused_total \([0-9]*\)$/\1/p')
cut=$(printf '%s\n' "$BODY" | sed -n 's/^paperboy_web_request_deadline_total \([0-9]*\)$/\1/p')
[ "${refused:-0}" -gt 0 ] || fail "no connection refused at the per-client limit"
[ "${cut:-0}" -gt 0 ] || fail "no connection cut at the request deadline"
web_stop
pass
