#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 47-serve-disk-full: `serve` on a full disk whose WAL still has reusable
# frames (the database would take results, the delivery journal cannot
# take a line).  Its worker pauses instead of sending, /healthz says
# degraded with "delivery_paused" and the code "store_error" (the cause
# is in the log, not in the public answer), /metrics shows
# paperboy_delivery_paused 1; once space is back the worker resumes by
# itself within seconds: every subscriber gets exactly one message and
# health is ok again.  Needs root to mount a small tmpfs; skipped (77)
# otherwise.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/smtp_lib.sh"
. "$(dirname "$0")/web_lib.sh"

N=40
DAY=2026-11-20
disk_mount
trap '[ -n "$HOLD" ] && kill $HOLD; web_stop; smtp_stop; umount "$FS" 2>/dev/null; lib_cleanup' EXIT

seed_papers $DAY
seed_subs $N r
smtp_start sink
sed -i "\|^root = $SRC_DIR/web\$|d" "$CFG" # smtp_lib's; web_config sets it
web_config
disk_queue $N $DAY
# the day's mailing is done for yesterday, today and tomorrow: the
# scheduler has nothing to collect or queue while the test runs
for d in -1 0 1; do
    day=$(date -u -d "$d day" +%F)
    dbq "INSERT INTO sched_runs (list_id, job, day, zone, done_at)
         SELECT id, j, '$day', '', 1 FROM lists, (SELECT 'collect' AS j UNION SELECT 'send')"
done
disk_relay_up

disk_hold_wal
disk_fill 0

# --- full: the worker pauses, and health says so
web_start
for i in $(seq 1 100); do
    http GET /healthz
    case "$BODY" in *delivery_paused*) break ;; esac
    sleep 0.1
done
printf '%s' "$BODY" | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "degraded", h
assert [x["reason"] for x in h["reasons"]] == ["delivery_paused"], h
assert h["delivery"]["paused"] == 1, h
# a code, not the error text (paths), in the public answer
assert h["delivery"]["paused_reason"] == "store_error", h
assert "No space" not in json.dumps(h) and "/" not in json.dumps(h["reasons"]), h
' || fail "/healthz while paused: $BODY"
expect_code 200 "/healthz while paused"
http GET /metrics
for want in "paperboy_delivery_paused 1" \
    'paperboy_health_reason{reason="delivery_paused"} 1' "paperboy_health_status 1"; do
    printf '%s\n' "$BODY" | grep -qxF "$want" || fail "/metrics lacks '$want'"
done
sleep 1.5
assert_eq "$(msg_count "$TMP/sink")" 0 "messages sent while paused"
grep "cannot record delivery results" "$TMP/serve.log" | grep -q "No space left on device" ||
    fail "the log does not name the cause: $(tail -3 "$TMP/serve.log")"

# --- space is back: the worker resumes on its own, health is ok again
kill $HOLD
wait $HOLD 2>/dev/null
HOLD=
rm -f "$FS/fill"
for i in $(seq 1 150); do
    [ "$(msg_count "$TMP/sink")" -ge $N ] && break
    sleep 0.1
done
for i in $(seq 1 50); do
    [ "$(dbq "SELECT count(*) FROM outbox WHERE state != 'sent'")" = 0 ] && break
    sleep 0.1
done
http GET /healthz
printf '%s' "$BODY" | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
assert h["status"] == "ok" and h["reasons"] == [], h
assert h["delivery"]["paused"] == 0, h
' || fail "/healthz after space came back: $BODY"
http GET /metrics
printf '%s\n' "$BODY" | grep -qxF "paperboy_delivery_paused 0" || fail "/metrics still paused"
web_stop
assert_eq "$(dbq "SELECT count(*) FROM outbox WHERE state != 'sent'")" 0 "rows not sent"
msgids "$TMP/sink" >"$TMP/ids"
assert_eq "$(cut -d' ' -f1 "$TMP/ids" | sort -u | wc -l)" $N "subscribers who got their digest"
assert_eq "$(wc -l <"$TMP/ids")" $N "messages at the server"
pass
