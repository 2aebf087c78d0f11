/* SPDX-License-Identifier: MIT */
/*
 * send - freeze and queue a day's digests in batches (see send.h).
 *
 * The subscription ids are read first, then handled SEND_BATCH at a time,
 * each batch in one transaction and each subscription inside a SAVEPOINT,
 * so one subscription that digest_freeze() refuses is skipped without
 * losing the others.  A busy database (ERR_TEMP) stops the run; what was
 * committed stays, and a rerun continues where it stopped.
 */
#include "send.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "digest.h"
#include "log.h"
#include "outbox.h"
#include "xalloc.h"

#define SEND_LOG_MAX 10 /* failures logged one by one per run */

/* send_ids - the matching subscription ids, ascending; caller frees */
static int
send_ids(struct db *db, const struct send_filter *f, int64_t **out, size_t *n,
         struct err *err)
{
    static const char sql[] =
        "SELECT s.id FROM subscriptions s JOIN lists l ON l.id = s.list_id "
        "WHERE s.status = 'confirmed' AND s.paused = 0 "
        "AND (?1 IS NULL OR l.name = ?1) AND (?2 IS NULL OR s.timezone = ?2) "
        "AND (?3 IS NULL OR s.confirmed_at < ?3) "
        "ORDER BY s.id";
    sqlite3_stmt *st = NULL;
    int64_t *ids = NULL;
    size_t len = 0, cap = 0;
    int step;

    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "listing subscriptions");
    if (f && f->list_name)
        sqlite3_bind_text(st, 1, f->list_name, -1, SQLITE_TRANSIENT);
    if (f && f->timezone)
        sqlite3_bind_text(st, 2, f->timezone, -1, SQLITE_TRANSIENT);
    if (f && f->confirmed_before > 0)
        sqlite3_bind_int64(st, 3, f->confirmed_before);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 256;
            ids = xrealloc(ids, cap * sizeof(*ids));
        }
        ids[len++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        free(ids);
        return db_fail(db, err, "listing subscriptions");
    }
    *out = ids;
    *n = len;
    return 0;
}

/* send_one - freeze and queue one subscription (inside a savepoint) */
static int
send_one(struct db *db, const struct config *cfg, const struct compose *c,
         int64_t sub, const char *day, int64_t now, struct send_counts *k,
         struct err *err)
{
    char msgid[OUTBOX_MSGID_MAX];
    int64_t digest_id = 0;
    int queued = 0;

    if (db_exec(db, "SAVEPOINT send_one", err) == -1)
        return -1;
    if (digest_freeze(db, cfg, sub, day, &digest_id, err) == -1)
        goto undo;
    if (digest_id == 0) {
        k->empty++;
    } else {
        compose_message_id_digest(c, sub, day, msgid, sizeof(msgid));
        if (outbox_enqueue_digest(db, digest_id, msgid, now, &queued, err) ==
            -1)
            goto undo;
        if (queued)
            k->queued++;
        else
            k->already++;
    }
    return db_exec(db, "RELEASE send_one", err);
undo:
    (void)db_exec(db, "ROLLBACK TO send_one", NULL);
    (void)db_exec(db, "RELEASE send_one", NULL);
    return -1;
}

int
send_day(struct db *db, const struct config *cfg, const struct compose *c,
         const struct send_filter *filter, const char *day, int64_t now,
         struct send_counts *out, struct err *err)
{
    struct send_counts k;
    int64_t *ids = NULL;
    size_t n = 0, i = 0;
    int rc = -1;

    memset(&k, 0, sizeof(k));
    if (send_ids(db, filter, &ids, &n, err) == -1)
        return -1;
    k.considered = (int64_t)n;
    while (i < n) {
        size_t end = i + SEND_BATCH < n ? i + SEND_BATCH : n;
        if (db_begin(db, err) == -1)
            goto out;
        for (; i < end; i++) {
            struct err e;
            if (filter && filter->stop && *filter->stop) {
                k.stopped = 1;
                end = i;
                n = i; /* commit this batch, then leave */
                break;
            }
            err_init(&e);
            if (send_one(db, cfg, c, ids[i], day, now, &k, &e) == 0)
                continue;
            if (e.kind == ERR_TEMP) {
                *err = e;
                db_rollback(db);
                goto out;
            }
            /* one line per failure, but not thousands of them */
            if (k.failed++ < SEND_LOG_MAX)
                log_warn("send: subscription=%" PRId64 " day=%s skipped: %s",
                         ids[i], day, e.msg);
        }
        if (db_commit(db, err) == -1) {
            db_rollback(db);
            goto out;
        }
    }
    if (k.failed > SEND_LOG_MAX)
        log_warn("send: %" PRId64 " more subscriptions skipped for day=%s",
                 k.failed - SEND_LOG_MAX, day);
    *out = k;
    rc = 0;
out:
    free(ids);
    return rc;
}
