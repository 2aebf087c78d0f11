/* SPDX-License-Identifier: MIT */
/*
 * db_pause - paused lists (see db_pause.h).  Every value is bound.
 */
#include "db_pause.h"

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

/* db_pause_shift - move the list's due digests by delta seconds: ahead
 * (delta > 0) those not moved yet, back (delta < 0) those moved */
static int
db_pause_shift(struct db *db, int64_t list_id, int64_t delta, struct err *err)
{
    static const char sql[] =
        "UPDATE outbox SET next_attempt_at = next_attempt_at + ?2 "
        "WHERE state IN ('queued', 'deferred') AND kind = 'digest' "
        " AND subscription_id IN (SELECT id FROM subscriptions "
        "  WHERE list_id = ?1) "
        " AND CASE WHEN ?2 > 0 THEN next_attempt_at < ?3 "
        "  ELSE next_attempt_at >= ?3 END";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_int64(st, 2, delta);
    sqlite3_bind_int64(st, 3, DB_PAUSE_SHIFT);
    return db_step_done(db, st, "holding a list's mail", err);
}

int
db_pause_set(struct db *db, int64_t list_id, const char *day,
             const char *reason, int64_t now, int *added, struct err *err)
{
    /* a new row, or a resumed one for another mailing paused again */
    static const char sql[] =
        "INSERT INTO list_pauses (list_id, day, reason, paused_at) "
        "VALUES (?1, ?2, substr(?3, 1, ?5), ?4) "
        "ON CONFLICT (list_id) DO UPDATE SET day = excluded.day, "
        " reason = excluded.reason, paused_at = excluded.paused_at, "
        " resumed_at = NULL "
        "WHERE resumed_at IS NOT NULL AND day <> excluded.day";
    static const char sql_active[] =
        "SELECT 1 FROM list_pauses WHERE list_id = ?1 AND resumed_at IS NULL";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int n, active;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int(st, 5, DB_PAUSE_REASON_MAX - 1);
    if (db_step_done(db, st, "pausing a list", err) == -1)
        return -1;
    n = db_changes(db);
    if ((st = db_stmt(db, sql_active, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    active = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_reset(st);
    /* rows queued since an earlier pause are moved too */
    if (active && db_pause_shift(db, list_id, DB_PAUSE_SHIFT, err) == -1)
        return -1;
    if (added)
        *added = n > 0;
    return 0;
}

int
db_pause_settled(struct db *db, int64_t list_id, const char *day, int *settled,
                 struct err *err)
{
    static const char sql[] = "SELECT 1 FROM list_pauses WHERE list_id = ?1 "
                              "AND (resumed_at IS NULL OR day = ?2)";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading a pause");
    *settled = rc == SQLITE_ROW;
    return 0;
}

int
db_pause_clear(struct db *db, int64_t list_id, int64_t now, int *removed,
               struct err *err)
{
    static const char sql[] = "UPDATE list_pauses SET resumed_at = ?2 "
                              "WHERE list_id = ?1 AND resumed_at IS NULL";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int n;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "resuming a list", err) == -1)
        return -1;
    n = db_changes(db);
    if (db_pause_shift(db, list_id, -DB_PAUSE_SHIFT, err) == -1)
        return -1;
    if (removed)
        *removed = n > 0;
    return 0;
}

int
db_pause_get(struct db *db, int64_t list_id, char reason[DB_PAUSE_REASON_MAX],
             int64_t *paused_at, struct err *err)
{
    static const char sql[] = "SELECT reason, paused_at FROM list_pauses "
                              "WHERE list_id = ?1 AND resumed_at IS NULL";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    const unsigned char *why;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 1 : db_fail(db, err, "reading a pause");
    }
    why = sqlite3_column_text(st, 0);
    snprintf(reason, DB_PAUSE_REASON_MAX, "%s", why ? (const char *)why : "");
    *paused_at = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

int
db_pause_each(struct db *db, db_pause_cb fn, void *arg, struct err *err)
{
    static const char sql[] =
        "SELECT l.name, p.reason, p.paused_at FROM list_pauses p "
        "JOIN lists l ON l.id = p.list_id WHERE p.resumed_at IS NULL "
        "ORDER BY l.name";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        const unsigned char *why = sqlite3_column_text(st, 1);
        if (fn(arg, name ? (const char *)name : "",
               why ? (const char *)why : "",
               sqlite3_column_int64(st, 2)) == -1) {
            sqlite3_reset(st);
            return -1;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "reading paused lists");
    return 0;
}
