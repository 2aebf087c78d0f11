#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 58-web-signup-timing: the time POST /subscribe takes does not tell
# whether an address is known (issue 12, item 6).  Against the real
# `paperboy serve`, 150 rounds each post, in a shuffled order, a new
# address, a pending one, a confirmed one and an unsubscribed one (made
# unsubscribed again before every round through its one-click link).  The
# median time of each kind must be within 20% of the new address's.
# Medians of interleaved samples keep a loaded machine from tilting one
# kind; a round's order is shuffled so no kind always follows another.
# (Fails with [web] subscribe_answer_ms = 0: a new address then takes
# about twice as long as a known one.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

web_config
cfg_add "subscribe_per_minute = 0"
web_start

for who in pending confirmed unsubscribed; do
    http POST /subscribe --data-binary "email=$who%40example.org&keywords=kv+cache"
    expect_code 200 "subscribe $who"
done
sql "UPDATE subscriptions SET status = 'confirmed', confirmed_at = created_at
     WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = 'confirmed@example.org')"
UNSUB_ID=$(sql "SELECT s.id FROM subscriptions s JOIN subscribers u ON u.id = s.subscriber_id WHERE u.email = 'unsubscribed@example.org'")
UNSUB_TOK=$(token u "$UNSUB_ID" "$(($(date +%s) + 5))")

/usr/bin/python3 - "$BASE" "$UNSUB_TOK" "${ROUNDS:-150}" >"$TMP/timing" 2>&1 <<'PYEOF'
import http.client, random, statistics, sys, time, urllib.parse
base, unsub_tok, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port

def post(path, body):
    c = http.client.HTTPConnection(host, port, timeout=10)
    c.connect()
    t0 = time.perf_counter()
    c.request("POST", path, body=body,
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    data = r.read()
    t = time.perf_counter() - t0
    c.close()
    return r.status, data, t

kinds = ["new", "pending", "confirmed", "unsubscribed"]
times = {k: [] for k in kinds}
pages = {}
rnd = random.Random(12)
for i in range(rounds + 10):
    st, _, _ = post("/unsubscribe/" + unsub_tok, "List-Unsubscribe=One-Click")
    if st != 200:
        print("one-click unsubscribe: HTTP", st); sys.exit(1)
    order = kinds[:]
    rnd.shuffle(order)
    for k in order:
        email = "new%d@example.org" % i if k == "new" else k + "@example.org"
        body = urllib.parse.urlencode({"email": email, "keywords": "kv cache"})
        st, data, t = post("/subscribe", body)
        if st != 200:
            print(k, "HTTP", st); sys.exit(1)
        if i >= 10:  # the first rounds warm caches and are not counted
            times[k].append(t)
        pages[k] = data.replace(email.encode(), b"EMAIL")
med = {k: statistics.median(v) for k, v in times.items()}
for k in kinds:
    print("%-12s median %.3f ms" % (k, med[k] * 1000))
bad = [k for k in kinds[1:] if abs(med[k] - med["new"]) > 0.2 * med["new"]]
if len(set(pages.values())) != 1:
    print("the pages differ between kinds of address"); sys.exit(1)
if bad:
    print("median differs by more than 20% from a new address:", ", ".join(bad))
    sys.exit(1)
PYEOF
rc=$?
cat "$TMP/timing"
[ "$rc" = 0 ] || fail "sign-up time tells a known address: $(tail -n1 "$TMP/timing")"
web_stop
pass
