#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 52-web-reload: SIGHUP re-reads the templates and static files (a new
# page is served at once, even though GET / is cached), and a broken
# template is refused while the running pages stay up.  Requests keep
# being answered while the reload happens.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

cp -r "$SRC_DIR/web" "$TMP/web"
web_config
sed -i "s|^root = .*|root = $TMP/web|" "$CFG"
web_start

http GET /
expect_code 200 "GET / before reload"
assert_contains "$BODY" "Trending papers in your inbox"
etag=$(curl -s -D - -o /dev/null "$BASE/static/style.css" | tr -d '\r' | sed -n 's/^ETag: //Ip')

# load while reloading: a background loop of requests must all succeed
( for i in $(seq 1 200); do
      c=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/?keywords=x$i") || c=000
      [ "$c" = 200 ] || echo "request $i: $c"
  done >"$TMP/load.out" ) &
loader=$!

sed -i 's|Trending papers in your inbox|Fresh papers every morning|' "$TMP/web/templates/index.html"
printf '\n/* reloaded */\n' >>"$TMP/web/static/style.css"
kill -HUP "$SERVE_PID"
for i in $(seq 1 50); do
    grep -q "web: configuration reloaded" "$TMP/serve.log" && break
    sleep 0.1
done
grep -q "web: configuration reloaded" "$TMP/serve.log" || fail "no reload logged"
http GET /
expect_code 200 "GET / after reload"
assert_contains "$BODY" "Fresh papers every morning" "new template served"
http GET /static/style.css
assert_contains "$BODY" "/* reloaded */" "new static file served"
[ "$(header ETag)" != "$etag" ] || fail "ETag unchanged after the file changed"

# a broken template: refused, the running pages stay
printf '{{#unclosed}}\n' >>"$TMP/web/templates/error.html"
kill -HUP "$SERVE_PID"
for i in $(seq 1 50); do
    [ "$(grep -c 'reload' "$TMP/serve.log")" -ge 2 ] && break
    sleep 0.1
done
sleep 0.3
http GET /nope
expect_code 404 "error page after a refused reload"
assert_contains "$BODY" "Page not found"
http GET /
assert_contains "$BODY" "Fresh papers every morning" "previous templates still in use"

wait "$loader"
[ ! -s "$TMP/load.out" ] || fail "requests failed during reloads: $(head -3 "$TMP/load.out")"
web_stop
pass
