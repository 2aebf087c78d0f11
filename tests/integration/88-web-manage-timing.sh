#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 88-web-manage-timing: the time POST /manage takes does not tell whether
# an address is subscribed.  Against the real `paperboy serve`, 150
# rounds each post, in a shuffled order, an unknown address (a new one
# each round), a subscribed one that gets its mail now (a new one each
# round), a subscribed one mailed already today, and an unsubscribed one.
# The median time of each kind must be within 20% of the unknown
# address's, and the pages the same.  Interleaved medians, as in it.58.
# (Failed before POST /manage had [web] subscribe_answer_ms's floor: a
# subscribed address took 0.62 ms, an unknown one 0.44 ms.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

ROUNDS=${ROUNDS:-150}
web_config
cfg_add "subscribe_per_minute = 0"
web_start

sql "INSERT INTO subscribers (email, created_at) VALUES ('known@example.org', 1), ('gone@example.org', 1);
     WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $ROUNDS + 10)
     INSERT INTO subscribers (email, created_at) SELECT 'fresh' || i || '@example.org', 1 FROM n;
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, confirmed_at)
       SELECT s.id, l.id, 'confirmed', 1, 1, 1 FROM subscribers s, lists l
       WHERE l.name = 'trending' AND s.email <> 'gone@example.org';
     INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at, unsubscribed_at)
       SELECT s.id, l.id, 'unsubscribed', 1, 1, 1 FROM subscribers s, lists l
       WHERE l.name = 'trending' AND s.email = 'gone@example.org';" || fail "seeding"
http POST /manage --data-urlencode 'email=known@example.org'
expect_code 200 "POST /manage (known, first)"

/usr/bin/python3 - "$BASE" "$ROUNDS" >"$TMP/timing" 2>&1 <<'PYEOF'
import http.client, random, statistics, sys, time, urllib.parse
base, rounds = sys.argv[1], int(sys.argv[2])
u = urllib.parse.urlsplit(base)

def post(body):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.connect()
    t0 = time.perf_counter()
    c.request("POST", "/manage", body=body,
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    data = r.read()
    t = time.perf_counter() - t0
    c.close()
    return r.status, data, t

kinds = ["unknown", "fresh", "known", "unsubscribed"]
times = {k: [] for k in kinds}
pages = {}
rnd = random.Random(88)
for i in range(rounds + 10):
    order = kinds[:]
    rnd.shuffle(order)
    for k in order:
        email = {"unknown": "nobody%d@example.org" % i, "fresh": "fresh%d@example.org" % i,
                 "known": "known@example.org", "unsubscribed": "gone@example.org"}[k]
        st, data, t = post(urllib.parse.urlencode({"email": email}))
        if st != 200:
            print(k, "HTTP", st); sys.exit(1)
        if i >= 10:  # the first rounds warm caches and are not counted
            times[k].append(t)
        pages[k] = data.replace(email.encode(), b"EMAIL")
med = {k: statistics.median(v) for k, v in times.items()}
for k in kinds:
    print("%-12s median %.3f ms" % (k, med[k] * 1000))
if len(set(pages.values())) != 1:
    print("the pages differ between kinds of address"); sys.exit(1)
bad = [k for k in kinds[1:] if abs(med[k] - med["unknown"]) > 0.2 * med["unknown"]]
if bad:
    print("median differs by more than 20% from an unknown address:", ", ".join(bad))
    sys.exit(1)
PYEOF
rc=$?
cat "$TMP/timing"
[ "$rc" = 0 ] || fail "POST /manage's time tells a subscribed address: $(tail -n1 "$TMP/timing")"
# the fresh addresses did get their mail queued (the slow path was taken)
n=$(sql "SELECT count(*) FROM outbox WHERE kind = 'manage'")
[ "$n" -ge "$((ROUNDS + 10))" ] || fail "only $n manage mails queued"
web_stop
pass
