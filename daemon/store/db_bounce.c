/* SPDX-License-Identifier: MIT */
/*
 * db_bounce - bounce reports in the database (see db_bounce.h).  Every
 * value is bound.
 */
#include "db_bounce.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db_sub.h"
#include "outbox.h"
#include "str.h"
#include "xalloc.h"

/* the columns db_bounce_read() reads, from s (subscriptions), sr
 * (subscribers) and d (digests, may be NULL) */
#define DB_BOUNCE_COLS                                                         \
    "SELECT s.id, s.subscriber_id, s.list_id, s.created_at, s.status, "        \
    " sr.email, d.day "

/* db_bounce_read - one row of DB_BOUNCE_COLS from st, stepped; 0/1/-1 */
static int
db_bounce_read(struct db *db, sqlite3_stmt *st, struct db_bounce_target *out,
               struct err *err)
{
    const unsigned char *t;
    int rc = sqlite3_step(st);

    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 1 : db_fail(db, err, "finding a bounce");
    }
    memset(out, 0, sizeof(*out));
    out->subscription_id = sqlite3_column_int64(st, 0);
    out->subscriber_id = sqlite3_column_int64(st, 1);
    out->list_id = sqlite3_column_int64(st, 2);
    out->created_at = sqlite3_column_int64(st, 3);
    t = sqlite3_column_text(st, 4);
    str_copy(out->status, sizeof(out->status), t ? (const char *)t : "");
    t = sqlite3_column_text(st, 5);
    str_copy(out->email, sizeof(out->email), t ? (const char *)t : "");
    t = sqlite3_column_text(st, 6);
    str_copy(out->day, sizeof(out->day), t ? (const char *)t : "");
    sqlite3_reset(st);
    return 0;
}

int
db_bounce_find_issued(struct db *db, int64_t sub_id, int64_t issued_at,
                      struct db_bounce_target *out, struct err *err)
{
    static const char sql[] = DB_BOUNCE_COLS
        "FROM subscriptions s JOIN subscribers sr ON sr.id = s.subscriber_id "
        "LEFT JOIN outbox o ON o.subscription_id = s.id AND o.issued_at = ?2 "
        "LEFT JOIN digests d ON d.id = o.digest_id "
        "WHERE s.id = ?1 ORDER BY o.digest_id IS NULL LIMIT 1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_int64(st, 2, issued_at);
    return db_bounce_read(db, st, out, err);
}

int
db_bounce_find_msgid(struct db *db, const char *msgid,
                     struct db_bounce_target *out, struct err *err)
{
    static const char sql[] = DB_BOUNCE_COLS
        "FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id "
        "JOIN subscribers sr ON sr.id = s.subscriber_id "
        "LEFT JOIN digests d ON d.id = o.digest_id "
        "WHERE o.message_id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
    return db_bounce_read(db, st, out, err);
}

int
db_bounce_find_digest(struct db *db, int64_t sub_id, const char *day,
                      struct db_bounce_target *out, struct err *err)
{
    static const char sql[] = DB_BOUNCE_COLS
        "FROM digests d JOIN subscriptions s ON s.id = d.subscription_id "
        "JOIN subscribers sr ON sr.id = s.subscriber_id "
        "WHERE d.subscription_id = ?1 AND d.day = ?2";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
    return db_bounce_read(db, st, out, err);
}

int
db_bounce_record(struct db *db, const struct db_bounce_event *ev, int64_t now,
                 int *inserted, struct err *err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO bounce_events (msg_key, rcpt_no, kind, status, "
        " format, subscriber_id, subscription_id, list_id, day, at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    const struct db_bounce_target *t = ev->tgt;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_blob(st, 1, ev->msg_key, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, ev->rcpt_no);
    sqlite3_bind_text(st, 3, ev->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->status ? ev->status : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ev->format ? ev->format : "", -1, SQLITE_STATIC);
    if (t != NULL) {
        sqlite3_bind_int64(st, 6, t->subscriber_id);
        sqlite3_bind_int64(st, 7, t->subscription_id);
        sqlite3_bind_int64(st, 8, t->list_id);
        if (t->day[0] != '\0')
            sqlite3_bind_text(st, 9, t->day, -1, SQLITE_STATIC);
    }
    sqlite3_bind_int64(st, 10, now);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "recording a bounce");
    *inserted = db_changes(db) > 0;
    return 0;
}

int
db_bounce_soft_count(struct db *db, int64_t subscriber_id, int64_t since,
                     int64_t *n, struct err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM bounce_events WHERE subscriber_id = ?1 "
        " AND kind = 'soft' AND at >= ?2";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscriber_id);
    sqlite3_bind_int64(st, 2, since);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "counting soft bounces");
    }
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int
db_bounce_suspend(struct db *db, int64_t subscriber_id, int64_t now, int *n,
                  struct err *err)
{
    static const char sql[] =
        "SELECT id FROM subscriptions WHERE subscriber_id = ?1 "
        " AND status IN ('pending', 'confirmed') ORDER BY id";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int64_t *ids = NULL;
    size_t len = 0, cap = 0;
    int rc = -1, step;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscriber_id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8;
            ids = xrealloc(ids, cap * sizeof(*ids));
        }
        ids[len++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        db_fail(db, err, "reading subscriptions");
        goto out;
    }
    /* the same two steps as the synchronous suspension in outbox.c */
    for (size_t i = 0; i < len; i++)
        if (db_sub_set_status(db, ids[i], DB_SUB_BOUNCED, now, err) == -1 ||
            outbox_drop_pending(db, ids[i], err) == -1)
            goto out;
    if (n)
        *n = (int)len;
    rc = 0;
out:
    free(ids);
    return rc;
}

/* A list's subscriptions, each one's digest of the day by UNIQUE
 * (subscription_id, day), then its few outbox rows by the subscription
 * index: one walk counts both what went out and what bounced. */
int
db_bounce_mailing(struct db *db, int64_t list_id, const char *day,
                  struct db_mailing *out, struct err *err)
{
    static const char sql[] =
        "SELECT m.sent, m.bounced, "
        " (SELECT count(*) FROM bounce_events "
        "   WHERE list_id = ?1 AND day = ?2 AND kind = 'hard'), "
        " (SELECT count(*) FROM bounce_events "
        "   WHERE list_id = ?1 AND day = ?2 AND kind = 'complaint') "
        "FROM (SELECT count(*) AS sent, "
        "  coalesce(sum(o.state = 'bounced'), 0) AS bounced "
        "  FROM subscriptions s "
        "  JOIN digests d ON d.subscription_id = s.id AND d.day = ?2 "
        "  JOIN outbox o ON o.subscription_id = s.id AND o.digest_id = d.id "
        "  WHERE s.list_id = ?1 AND o.state IN ('sent', 'bounced')) m";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "counting a mailing");
    }
    out->sent = sqlite3_column_int64(st, 0);
    out->hard = sqlite3_column_int64(st, 1) + sqlite3_column_int64(st, 2);
    out->complaints = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    return 0;
}

int
db_bounce_guard(struct db *db, const struct config *cfg, int64_t list_id,
                const char *day, int64_t now, int *paused,
                char why[DB_PAUSE_REASON_MAX], struct err *err)
{
    return db_bounce_guard_seen(db, cfg, list_id, day, now, paused, why, NULL,
                                err);
}

int
db_bounce_guard_seen(struct db *db, const struct config *cfg, int64_t list_id,
                     const char *day, int64_t now, int *paused,
                     char why[DB_PAUSE_REASON_MAX], struct db_mailing *seen,
                     struct err *err)
{
    struct db_mailing m;
    int settled = 0;

    *paused = 0;
    if (seen != NULL)
        seen->sent = -1;
    if (day == NULL || day[0] == '\0')
        return 0;
    /* counting a large mailing costs; skip it when the verdict is moot */
    if (db_pause_settled(db, list_id, day, &settled, err) == -1)
        return -1;
    if (settled)
        return 0;
    if (db_bounce_mailing(db, list_id, day, &m, err) == -1)
        return -1;
    if (seen != NULL)
        *seen = m;
    if (m.sent < cfg->bounce_pause_min || m.sent == 0)
        return 0;
    if (cfg->bounce_pause_hard > 0 &&
        (double)m.hard * 100.0 > cfg->bounce_pause_hard * (double)m.sent)
        snprintf(why, DB_PAUSE_REASON_MAX,
                 "hard bounces %.2f%% of the %s mailing (%" PRId64
                 " of %" PRId64 ") passed %g%%",
                 100.0 * (double)m.hard / (double)m.sent, day, m.hard, m.sent,
                 cfg->bounce_pause_hard);
    else if (cfg->bounce_pause_complaint > 0 &&
             (double)m.complaints * 100.0 >
                 cfg->bounce_pause_complaint * (double)m.sent)
        snprintf(why, DB_PAUSE_REASON_MAX,
                 "complaints %.2f%% of the %s mailing (%" PRId64 " of %" PRId64
                 ") passed %g%%",
                 100.0 * (double)m.complaints / (double)m.sent, day,
                 m.complaints, m.sent, cfg->bounce_pause_complaint);
    else
        return 0;
    return db_pause_set(db, list_id, day, why, now, paused, err);
}

int
db_bounce_totals(struct db *db, int64_t since, int64_t out[4], struct err *err)
{
    static const char sql[] = "SELECT count(*) FILTER (WHERE kind = 'hard'), "
                              " count(*) FILTER (WHERE kind = 'soft'), "
                              " count(*) FILTER (WHERE kind = 'complaint'), "
                              " count(*) FILTER (WHERE kind = 'unmatched') "
                              "FROM bounce_events WHERE at >= ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, since);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "counting bounces");
    }
    for (int i = 0; i < 4; i++)
        out[i] = sqlite3_column_int64(st, i);
    sqlite3_reset(st);
    return 0;
}
