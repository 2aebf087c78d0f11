#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 89-web-vote-race: a subscription one vote short of the most kept
# (DB_VOTES_MAX, 200) gets many "more like this" POSTs at once, for
# different papers, against the real `paperboy serve` with 8 threads.
# Exactly one is recorded; every other answers 400 "Too many votes"; none
# is a server error (the room check runs inside the write transaction,
# http_votes.c).  Then the preferences page's "papers like these" at the
# limit says so, and stores nothing.  (Failed before the fix: the check
# ran before the write lock, so racing votes got a 500.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

cd "$SRC_DIR" || fail "no source dir"
NOW=$(date +%s)
T=$((NOW - 3600))
web_config
cfg_add "threads = 8"
cfg_add "max_connections_per_client = 64"
cfg_add "max_connections = 256"

expect_rc 0 pb list add ml --categories cs.LG --no-hf
sql "INSERT INTO subscribers (id, email, created_at) VALUES (1, 'ada@example.org', 0);
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, keywords,
       max_papers, created_at, updated_at, confirmed_at)
       SELECT 1, 1, id, 'confirmed', '', 5, 1000, 1000, 1000 FROM lists WHERE name = 'ml';
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 260)
     INSERT INTO papers (id, arxiv_id, title, abstract, authors, categories,
       first_seen_at, first_seen_day, updated_at, hf_upvotes)
       SELECT i, printf('2611.%05d', i), 'Paper ' || i, 'About ' || i, '[]',
              'cs.LG', $T, date($T, 'unixepoch'), $T, 0 FROM n;
     INSERT INTO paper_categories SELECT categories, id FROM papers;" || fail "seeding"
web_start

/usr/bin/python3 - "$BASE" "$WEB_SECRET" "$NOW" "$TMP/db" >"$TMP/race" 2>&1 <<'PYEOF'
import base64, hashlib, hmac, http.client, sqlite3, struct, sys, threading, urllib.parse
base, secret, now, dbp = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlsplit(base)
key = hmac.new(secret.encode(), b"paperboy token key v1", hashlib.sha256).digest()
def tok(sub, paper):
    body = b"r" + struct.pack(">qqq", sub, paper, now)
    return base64.urlsafe_b64encode(body + hmac.new(key, body, hashlib.sha256).digest()).decode().rstrip("=")
def reset():
    db = sqlite3.connect(dbp, timeout=10)
    db.execute("DELETE FROM votes")
    db.executemany("INSERT INTO votes (subscription_id, paper_id, vote, source, created_at) VALUES (1, ?, 1, 'cli', 1)",
                   [(i,) for i in range(1, 200)])
    db.commit(); db.close()
def count():
    db = sqlite3.connect(dbp, timeout=10)
    n = db.execute("SELECT count(*) FROM votes WHERE subscription_id = 1").fetchone()[0]
    db.close(); return n
K, ROUNDS = 16, 12
for rnd in range(ROUNDS):
    reset()
    conns = []
    for i in range(K):
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=20); c.connect(); conns.append(c)
    bar = threading.Barrier(K)
    res = [None] * K
    def go(i):
        c = conns[i]
        bar.wait()
        c.request("POST", "/more/" + tok(1, 200 + i), body=b"",
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse(); res[i] = (r.status, r.read()); c.close()
    th = [threading.Thread(target=go, args=(i,)) for i in range(K)]
    for t in th: t.start()
    for t in th: t.join()
    codes = sorted(s for s, _ in res)
    ok = codes.count(200); full = [b for s, b in res if s == 400]
    if 500 in codes or ok != 1 or len(full) != K - 1 or count() != 200:
        print("round %d: codes %s, votes %d" % (rnd, codes, count())); sys.exit(1)
    if not all(b"Too many votes" in b for b in full):
        print("round %d: a 400 without 'Too many votes'" % rnd); sys.exit(1)
print("%d rounds of %d racing votes: one recorded each time" % (ROUNDS, K))
PYEOF
rc=$?
cat "$TMP/race"
[ "$rc" = 0 ] || fail "racing votes: $(tail -n1 "$TMP/race")"
grep -q "error" "$TMP/serve.log" && fail "serve logged an error: $(grep error "$TMP/serve.log" | head -n3)"

# at the limit, "papers like these" says so and adds nothing
P="/preferences/$(token p 1)"
before=$(sql "SELECT count(*) FROM votes")
http POST "$P" --data-urlencode "action=vote_like" --data-urlencode "papers=2611.00250"
expect_code 200 "papers like these at the limit"
assert_contains "$BODY" "keeps at most 200 votes"
assert_eq "$(sql "SELECT count(*) FROM votes")" "$before" "nothing added at the limit"
web_stop
pass
