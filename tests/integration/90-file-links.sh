#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 90-file-links: every file paperboy reads whole is opened without
# following a symbolic link and without waiting on a FIFO
# (datafile_read): a template, a static file, [smtp] and [bounces]
# password_file, [dkim] key_file.  A link is refused with an error that
# names the file and says it is a link; a FIFO is refused at once as not
# a regular file (a reload is not held, the server goes on answering).
# (Before: templates, static files and password files were fopen()ed: a
# link was followed, and a FIFO blocked the start or the reload.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web_lib.sh"

cp -r "$SRC_DIR/web" "$TMP/web"
web_config
sed -i "s|^root = .*|root = $TMP/web|" "$CFG"

# serve does not start: a symlinked page template
mv "$TMP/web/templates/index.html" "$TMP/index.html"
ln -s "$TMP/index.html" "$TMP/web/templates/index.html"
expect_rc 1 timeout 10 "$PAPERBOY" -c "$CFG" serve
assert_contains "$ERR" "index.html' is a symbolic link: refusing to follow it" "symlinked template"
rm "$TMP/web/templates/index.html"
cp "$TMP/index.html" "$TMP/web/templates/index.html"

# a symlinked static file
mv "$TMP/web/static/app.js" "$TMP/app.js"
ln -s "$TMP/app.js" "$TMP/web/static/app.js"
expect_rc 1 timeout 10 "$PAPERBOY" -c "$CFG" serve
assert_contains "$ERR" "static file: '$TMP/web/static/app.js' is a symbolic link" "symlinked static file"
rm "$TMP/web/static/app.js"
cp "$TMP/app.js" "$TMP/web/static/app.js"

# running: a FIFO appears among the static files, then among the
# templates; each reload is refused at once and the pages stay up
web_start
mkfifo "$TMP/web/static/extra.js"
kill -HUP "$SERVE_PID"
for i in $(seq 1 50); do
    grep -q "reload refused" "$TMP/serve.log" && break
    sleep 0.1
done
grep -q "reload refused.*extra.js' is not a regular file" "$TMP/serve.log" ||
    fail "a FIFO among the static files: no refusal logged: $(tail -n3 "$TMP/serve.log")"
http GET /static/app.js
expect_code 200 "static file after a refused reload"
http GET /static/extra.js
expect_code 404 "the FIFO is not served"
rm "$TMP/web/static/extra.js"
mv "$TMP/web/templates/error.html" "$TMP/error.html"
mkfifo "$TMP/web/templates/error.html"
kill -HUP "$SERVE_PID"
for i in $(seq 1 50); do
    [ "$(grep -c 'reload refused' "$TMP/serve.log")" -ge 2 ] && break
    sleep 0.1
done
grep -q "reload refused.*error.html' is not a regular file" "$TMP/serve.log" ||
    fail "a FIFO as a template: no refusal logged: $(tail -n3 "$TMP/serve.log")"
http GET /nope
expect_code 404 "error page after a refused reload"
assert_contains "$BODY" "Page not found"
rm "$TMP/web/templates/error.html"
mv "$TMP/error.html" "$TMP/web/templates/error.html"
web_stop

# password files: a link and a FIFO, for [smtp] and [bounces]
printf 'Pa55\n' >"$TMP/pass"
chmod 600 "$TMP/pass"
ln -s "$TMP/pass" "$TMP/pass-link"
mkfifo "$TMP/pass-fifo"
cp "$CFG" "$TMP/base.ini"
for sec in smtp bounces; do
    extra=
    [ "$sec" = bounces ] && extra="mailbox = maildir:$TMP/bounces"
    for f in pass-link pass-fifo; do
        cp "$TMP/base.ini" "$CFG"
        cfg_add "[$sec]"
        [ -n "$extra" ] && cfg_add "$extra"
        cfg_add "password_file = $TMP/$f"
        expect_rc 1 timeout 10 "$PAPERBOY" -c "$CFG" check-config
        case $f in
        pass-link) want="[$sec] password_file: '$TMP/pass-link' is a symbolic link: refusing to follow it" ;;
        pass-fifo) want="[$sec] password_file: '$TMP/pass-fifo' is not a regular file" ;;
        esac
        assert_contains "$ERR" "$want" "[$sec] $f"
        assert_not_contains "$ERR" "Pa55" "the password is not printed"
    done
    cp "$TMP/base.ini" "$CFG"
    cfg_add "[$sec]"
    [ -n "$extra" ] && cfg_add "$extra"
    cfg_add "password_file = $TMP/pass"
    expect_rc 0 timeout 10 "$PAPERBOY" -c "$CFG" check-config
done

# a FIFO as the DKIM key
cp "$TMP/base.ini" "$CFG"
mkfifo "$TMP/dkim-fifo"
cfg_add "[dkim]"
cfg_add "selector = s1"
cfg_add "key_file = $TMP/dkim-fifo"
expect_rc 1 timeout 10 "$PAPERBOY" -c "$CFG" check-config
assert_contains "$ERR" "is not a regular file" "a FIFO as the DKIM key"
pass
