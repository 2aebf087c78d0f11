#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 97-web-like-fetch: "papers like these" on the preferences page for papers
# the server has not collected (daemon/web/http_votes.c stores a request,
# daemon/collect/likes_fetch.c fetches it in the scheduler), against the
# real binary, curl and the local feed server as the arXiv API.  A POST
# with a known id, an id the API knows and one it does not: the page says
# which are fetched; after the scheduler's pass the second is a paper (no
# categories) with the reader's vote and the third is listed as failed
# with its reason; a request whose paper was collected meanwhile is voted
# on without an API call.  A request of another subscription cannot be removed,
# the reader's own can; a bad id or a full request list stores nothing
# (not even the known paper's vote); the API down keeps the request with
# one attempt and a later next_at; SIGTERM while the API stalls ends serve
# at once (the stop flag reaches the fetch); export-data and show list the
# requests, erase removes them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

need "the sqlite3 shell" command -v sqlite3
cd "$SRC_DIR" || fail "no source dir" # templates come from ./web
FIX=${SHARED_DIR:-$SRC_DIR/../shared}/fixtures/feeds
[ -r "$FIX/arxiv_api_sample.xml" ] || fail "no fixtures at $FIX"
start_feed_server "$FIX"
FEED=$BASE
trap 'kill $SERVER 2>/dev/null; web_cleanup' EXIT
web_config
api_url() { sed -i "s#^arxiv_api_url = .*#arxiv_api_url = $1#" "$CFG"; }
api_url "$FEED/api"

expect_rc 0 pb list add ml --categories cs.LG --no-hf
sql "INSERT INTO subscribers (id, email, created_at) VALUES
       (1, 'ada@example.org', 0), (2, 'bob@example.org', 0);
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, keywords,
       max_papers, created_at, updated_at, confirmed_at)
       SELECT 1, 1, id, 'confirmed', '', 5, 1000, 1000, 1000 FROM lists WHERE name = 'ml';
     INSERT INTO subscriptions (id, subscriber_id, list_id, status, keywords,
       max_papers, created_at, updated_at, confirmed_at)
       SELECT 2, 2, id, 'confirmed', '', 5, 1000, 1000, 1000 FROM lists WHERE name = 'ml';
     INSERT INTO vote_requests (id, subscription_id, arxiv_id, created_at, state,
       next_at, last_error)
       VALUES (100, 2, '2612.11111', 1000, 'failed', 1000, 'arXiv does not know this id');" \
    || fail "seeding"
web_seed_papers
# asked for before it was collected: voted on without an API call
sql "INSERT INTO vote_requests (subscription_id, arxiv_id, created_at, next_at)
       VALUES (1, '2611.00003', 1000, 1000)" || fail "seeding a request"
reqs() { sql "SELECT arxiv_id || ':' || state FROM vote_requests WHERE subscription_id = 1 ORDER BY arxiv_id" | tr '\n' ' '; }
wait_sql() { # QUERY WANT WHAT: poll the database, at most 30 s
    local i v=
    for i in $(seq 1 300); do
        v=$(sql "$1")
        [ "$v" = "$2" ] && return 0
        sleep 0.1
    done
    fail "$3: got '$v', want '$2' (serve log: $(tail -5 "$TMP/serve.log"))"
}

web_start
P="/preferences/$(token p 1)"

# serve's first pass settles the request seeded above without the API
wait_sql "SELECT count(*) FROM vote_requests WHERE arxiv_id = '2611.00003'" 0 "the collected paper's request"
assert_eq "$(sql "SELECT v.source || ':' || (SELECT count(*) FROM paper_categories c WHERE c.paper_id = p.id)
                  FROM votes v JOIN papers p ON p.id = v.paper_id WHERE p.arxiv_id = '2611.00003'")" \
    "preferences:1" "voted on the collected paper, its category kept"
assert_not_contains "$(cat "$TMP/requests.log" 2>/dev/null)" "2611.00003" "a paper collected meanwhile is not fetched"

# bad input stores nothing
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2611.15034 not-an-id'
expect_code 200 "a bad id"
assert_contains "$BODY" "&#39;not-an-id&#39; is not an arXiv id" "bad id"
assert_eq "$(reqs)" "" "no request after a bad id"

# a known paper, one the API has, one it does not
http POST "$P" --data-urlencode 'action=vote_like' \
    --data-urlencode 'papers=2611.00001, https://arxiv.org/abs/2611.15034v1 2612.99999 2611.15034'
expect_code 200 "like papers"
assert_contains "$BODY" "Added 1 paper you like."
assert_contains "$BODY" "Fetching from arXiv: 2611.15034, 2612.99999. They count from your next digest once fetched."
assert_eq "$(sql "SELECT source FROM votes v JOIN papers p ON p.id = v.paper_id WHERE p.arxiv_id = '2611.00001'")" \
    "preferences" "the known paper's vote, at once"
# the scheduler (kicked by the web) fetches both in one API call
wait_sql "SELECT count(*) FROM vote_requests WHERE state = 'pending'" 0 "requests settled"
assert_eq "$(grep -c 'id_list=2611.15034,2612.99999' "$TMP/requests.log")" 1 "one API call for both ids"
assert_eq "$(sql "SELECT v.vote || ':' || v.source FROM votes v JOIN papers p ON p.id = v.paper_id
                  WHERE p.arxiv_id = '2611.15034' AND v.subscription_id = 1")" "1:preferences" "the fetched paper's vote"
assert_eq "$(sql "SELECT count(*) FROM paper_categories c JOIN papers p ON p.id = c.paper_id WHERE p.arxiv_id = '2611.15034'")" \
    0 "fetched without categories"
# ... so it is in no list's public pages either, not even those of a list
# without categories (Hugging Face only), whose digests hold only the
# Hugging Face papers
title=$(sql "SELECT title FROM papers WHERE arxiv_id = '2611.15034'")
day=$(sql "SELECT first_seen_day FROM papers WHERE arxiv_id = '2611.15034'")
[ -n "$title" ] && [ -n "$day" ] || fail "the fetched paper's title and day"
expect_rc 0 pb list add hfonly
http GET "/archive/hfonly/$day"
assert_not_contains "$BODY" "$title" "a liked paper in the public archive of a Hugging Face list"
expect_rc 0 pb list rm hfonly --yes
assert_eq "$(reqs)" "2612.99999:failed " "the unknown id failed, the fetched one is gone"
assert_eq "$(sql "SELECT last_error FROM vote_requests WHERE arxiv_id = '2612.99999'")" "arXiv does not know this id"
http GET "$P"
expect_code 200 "preferences"
assert_contains "$BODY" "2612.99999</a>: not added (arXiv does not know this id)"
assert_eq "$(grep -c 'value="vote_request_remove"' <<<"$BODY")" 1 "one remove button per request"
assert_not_contains "$BODY" "2612.11111" "another subscription's request"

# removing: not another subscription's request, and the reader's own
http POST "$P" --data 'action=vote_request_remove&request=100'
assert_contains "$BODY" "That request is not on this page."
http POST "$P" --data 'action=vote_request_remove&request=x'
assert_contains "$BODY" "That request is not on this page."
assert_eq "$(sql 'SELECT count(*) FROM vote_requests WHERE id = 100')" 1 "bob's request kept"
rid=$(sql "SELECT id FROM vote_requests WHERE arxiv_id = '2612.99999'")
http POST "$P" --data "action=vote_request_remove&request=$rid"
assert_contains "$BODY" "Request removed."
assert_eq "$(reqs)" "" "removed"

# a full request list: nothing stored, not even the known paper's vote
sql "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 50)
     INSERT INTO vote_requests (subscription_id, arxiv_id, created_at, state, next_at, last_error)
       SELECT 1, '2601.' || printf('%05d', i), 1000, 'failed', 1000, 'x' FROM k;" || fail "seeding requests"
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2611.00002 2612.88888'
assert_contains "$BODY" "waits for at most 50 papers from arXiv" "over the cap"
assert_eq "$(sql "SELECT count(*) FROM vote_requests WHERE subscription_id = 1")" 50 "no request over the cap"
assert_eq "$(sql "SELECT count(*) FROM votes v JOIN papers p ON p.id = v.paper_id WHERE p.arxiv_id = '2611.00002'")" \
    0 "nothing of a refused form is stored"
sql "DELETE FROM vote_requests WHERE arxiv_id LIKE '2601.%'"
web_stop

# an id arXiv refuses (a five-digit number before 2015: the API answers
# its error entry, and the whole call fails) fails alone; the other id of
# the same form is then asked one by one and voted, no attempt counted
web_start
P="/preferences/$(token p 1)"
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=0801.00001 2611.14921'
assert_contains "$BODY" "Fetching from arXiv: 0801.00001, 2611.14921."
wait_sql "SELECT state FROM vote_requests WHERE arxiv_id = '0801.00001'" failed "the refused id failed"
assert_eq "$(sql "SELECT last_error FROM vote_requests WHERE arxiv_id = '0801.00001'")" "arXiv refused this id"
wait_sql "SELECT count(*) FROM votes v JOIN papers p ON p.id = v.paper_id
          WHERE p.arxiv_id = '2611.14921' AND v.subscription_id = 1" 1 "the other id voted"
assert_eq "$(grep -c 'id_list=0801.00001,2611.14921' "$TMP/requests.log")" 1 "one call for both first"
assert_eq "$(grep -c 'id_list=2611.14921&' "$TMP/requests.log")" 1 "then one for the good id alone"
sql "DELETE FROM vote_requests WHERE arxiv_id = '0801.00001'"
web_stop

# the API down: the request stays, with one attempt and a later next_at;
# the reason says so in a fixed sentence (the error names the call's URL,
# whose ids may be other readers'); the form posted again does not call
# the API again before the backoff
api_url "$FEED/bad/404/api"
web_start
P="/preferences/$(token p 1)"
t0=$(date +%s)
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2612.77777'
assert_contains "$BODY" "Fetching from arXiv: 2612.77777."
wait_sql "SELECT attempts FROM vote_requests WHERE arxiv_id = '2612.77777'" 1 "a failed fetch counted"
assert_eq "$(reqs)" "2612.77777:pending " "kept after a failed fetch"
next=$(sql "SELECT next_at FROM vote_requests WHERE arxiv_id = '2612.77777'")
[ "$next" -ge $((t0 + 60)) ] || fail "next_at $next is not backed off from $t0"
assert_eq "$(sql "SELECT last_error FROM vote_requests WHERE arxiv_id = '2612.77777'")" "arXiv could not be reached"
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2612.77777'
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2612.77777'
sleep 4 # past [sources] api_delay_ms (3 s): a kicked pass could call again
assert_eq "$(grep -c 'bad/404/api?id_list=2612.77777' "$TMP/requests.log")" 1 "no API call before the backoff"
assert_eq "$(sql "SELECT attempts || ':' || next_at FROM vote_requests WHERE arxiv_id = '2612.77777'")" \
    "1:$next" "posting again keeps the backoff"
http GET "$P"
assert_contains "$BODY" "2612.77777</a>: fetching from arXiv (arXiv did not answer yet"
# "delete everything" counts them with the rest of the reader's data
http GET "/erase/$(token p 1)"
assert_contains "$BODY" "and 1 paper(s) waiting for arXiv" "the erase page counts the requests"
web_stop

# SIGTERM while the API stalls: serve ends at once, the request waits
api_url "$FEED/hold/api"
sed -i 's/^timeout = 2$/timeout = 60/' "$CFG"
web_start
P="/preferences/$(token p 1)"
http POST "$P" --data-urlencode 'action=vote_like' --data-urlencode 'papers=2612.66666'
assert_contains "$BODY" "Fetching from arXiv: 2612.66666."
wait_for "$TMP/requests.log" "/hold/api?id_list=2612.66666" 100 || fail "the scheduler did not ask the stalled API"
sleep 0.3
start=$(date +%s%N)
kill -TERM "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
ms=$((($(date +%s%N) - start) / 1000000))
rc=0
wait "$SERVE_PID" 2>/dev/null || rc=$?
SERVE_PID=
assert_eq "$rc" 0 "serve's exit status after SIGTERM"
if grep -Eq 'Sanitizer|runtime error:' "$TMP/serve.log"; then
    cat "$TMP/serve.log" >&2
    fail "the sanitizer reported a problem in serve"
fi
[ "$ms" -le 2500 ] || fail "serve took ${ms} ms to stop while the API stalled"
assert_eq "$(sql "SELECT state || ':' || attempts FROM vote_requests WHERE arxiv_id = '2612.66666'")" \
    "pending:0" "a fetch cut by the stop changes nothing"

# the requests are the subscriber's data: shown, exported, erased
expect_rc 0 pb subscriber show ada@example.org
assert_contains "$OUT" "2612.66666"
expect_rc 0 pb subscriber export-data ada@example.org
/usr/bin/python3 -c 'import json,sys
d = json.loads(sys.argv[1])
r = d["subscriptions"][0]["vote_requests"]
assert sorted(x["arxiv_id"] for x in r) == ["2612.66666", "2612.77777"], r
assert all(x["state"] == "pending" for x in r), r' "$OUT" || fail "export-data vote_requests: $OUT"
expect_rc 0 pb subscriber erase ada@example.org
assert_contains "$OUT" ", 2 papers waiting for arXiv,"
assert_eq "$(sql 'SELECT count(*) FROM vote_requests WHERE subscription_id = 1')" 0 "erase removes the requests"
assert_eq "$(sql 'SELECT count(*) FROM vote_requests')" 1 "the other subscriber's request stays"
pass
