#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 84-serve-pause-hand-back: a `serve` worker paused on a full disk (as in
# it.47) holds a claim; one of its subscribers unsubscribes during the
# pause.  When space is back the worker hands the rest of its claim back
# instead of sending it: the rows are claimed again, the one whose
# subscription left is dropped, and everyone else gets exactly one
# message.  Needs root to mount a small tmpfs; skipped (77) otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"
. "$(dirname "$0")/web_lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs for the full disk"
N=40
DAY=2026-11-20
FS=$TMP/fs
mkdir "$FS"
mount -t tmpfs -o size=8m,mode=0700 tmpfs "$FS" 2>"$TMP/mount.err" ||
    skip "cannot mount a tmpfs: $(cat "$TMP/mount.err")"
HOLD=
trap '[ -n "$HOLD" ] && kill $HOLD; web_stop; smtp_stop; umount "$FS" 2>/dev/null; lib_cleanup' EXIT

seed_papers $DAY
seed_subs $N r
smtp_start sink
sed -i "\|^root = $SRC_DIR/web\$|d" "$CFG" # smtp_lib's; web_config sets it
web_config
mv "$TMP/db" "$FS/db"
sed -i "s|^path = .*|path = $FS/db|" "$CFG"
dbq() { sqlite3 -batch "$FS/db" "$1"; }
cfg_add "[smtp]"
cfg_add "url = smtp://127.0.0.1:1"
cfg_add "starttls = off"
cfg_add "connections = 1"
pb send --date $DAY >/dev/null 2>&1 || true
assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE state = 'queued'")" $N "rows queued"
# the day's mailing is done for yesterday, today and tomorrow: the
# scheduler has nothing to collect or queue while the test runs
for d in -1 0 1; do
    day=$(date -u -d "$d day" +%F)
    dbq "INSERT INTO sched_runs (list_id, job, day, zone, done_at)
         SELECT id, j, '$day', '', 1 FROM lists, (SELECT 'collect' AS j UNION SELECT 'send')"
done
dbq "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
sed -i "s|^url = smtp://127.0.0.1:1\$|url = smtp://127.0.0.1:$SMTP_PORT|" "$CFG"

# a connection that keeps a WAL of a few reusable frames (see it.46)
disk_hold_wal
disk_fill 0

# --- full: the worker claims, then pauses
web_start
for i in $(seq 1 100); do
    http GET /healthz
    case "$BODY" in *delivery_paused*) break ;; esac
    sleep 0.1
done
assert_contains "$BODY" '"delivery_paused"' "/healthz on the full disk"
claimed=$(dbq "SELECT count(*) FROM outbox WHERE state = 'sending'")
[ "$claimed" -ge 2 ] || fail "the paused worker holds no claim ($claimed)"
# the last of its claim leaves (the web would drop only queued rows)
gone=$(dbq "SELECT rcpt FROM outbox WHERE state = 'sending' ORDER BY id DESC LIMIT 1")
dbq "UPDATE subscriptions SET status = 'unsubscribed' WHERE id =
     (SELECT subscription_id FROM outbox WHERE rcpt = '$gone')" ||
    fail "cannot unsubscribe on the full disk"
sleep 1.5
assert_eq "$(msg_count "$TMP/sink")" 0 "messages sent while paused"

# --- space is back: the claim goes back to the queue and is claimed again
kill $HOLD
wait $HOLD 2>/dev/null
HOLD=
rm -f "$FS/fill"
for i in $(seq 1 150); do
    [ "$(dbq "SELECT count(*) FROM outbox WHERE state != 'sent'")" = 0 ] && break
    sleep 0.1
done
sleep 0.5
web_stop
assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE state != 'sent'")" 0 "rows not sent"
assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE rcpt = '$gone'")" 0 \
    "the row of the subscription that left"
msgids "$TMP/sink" >"$TMP/ids"
assert_not_contains "$(cat "$TMP/ids")" "$gone " "the messages at the server"
assert_eq "$(cut -d' ' -f1 "$TMP/ids" | sort -u | wc -l)" $((N - 1)) "subscribers who got their digest"
assert_eq "$(wc -l <"$TMP/ids")" $((N - 1)) "messages at the server"
grep -q "results are recorded again" "$TMP/serve.log" || fail "the resume is not logged"
pass
