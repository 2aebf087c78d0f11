/* SPDX-License-Identifier: MIT */
/*
 * db_sched - sched_runs and the zones each list is served in (see
 * db_sched.h).  Every value is bound.
 */
#include "db_sched.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "str.h"
#include "xalloc.h"

const char *
sched_kind_name(enum sched_kind k)
{
    return k == SCHED_COLLECT ? "collect" : "send";
}

/* db_sched_text - copy a text column into a fixed array */
static void
db_sched_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    str_copy(dst, size, s ? (const char *)s : "");
}

int
db_sched_zones(struct db *db, const char *list_name, struct db_sched_zone **out,
               size_t *n, struct err *err)
{
    static const char sql[] =
        "SELECT l.id, l.name, '' FROM lists l"
        " WHERE ?1 IS NULL OR l.name = ?1"
        " UNION"
        " SELECT l.id, l.name, s.timezone FROM lists l"
        " JOIN subscriptions s ON s.list_id = l.id"
        " WHERE (?1 IS NULL OR l.name = ?1) AND s.status = 'confirmed'"
        " AND s.paused = 0 AND s.timezone <> ''"
        " ORDER BY 2, 3";
    struct db_sched_zone *v = NULL;
    size_t len = 0, cap = 0;
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    if (list_name != NULL)
        sqlite3_bind_text(st, 1, list_name, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            v = xrealloc(v, cap * sizeof(*v));
        }
        memset(&v[len], 0, sizeof(v[0]));
        v[len].list_id = sqlite3_column_int64(st, 0);
        db_sched_text(v[len].list_name, sizeof(v[len].list_name), st, 1);
        db_sched_text(v[len].zone, sizeof(v[len].zone), st, 2);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        sqlite3_reset(st);
        return db_fail(db, err, "sched: zones");
    }
    sqlite3_reset(st);
    *out = v;
    *n = len;
    return 0;
}

int
db_sched_subs(struct db *db, int64_t list_id, const char *zone,
              struct db_sched_sub **out, size_t *n, struct err *err)
{
    static const char sql[] =
        "SELECT id, coalesce(confirmed_at, 0), coalesce(weekday, -1)"
        " FROM subscriptions"
        " WHERE list_id = ?1 AND timezone = ?2 AND status = 'confirmed'"
        " AND paused = 0 ORDER BY id";
    struct db_sched_sub *v = NULL;
    size_t len = 0, cap = 0;
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_text(st, 2, zone, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? cap * 2 : 64;
            v = xrealloc(v, cap * sizeof(*v));
        }
        v[len].id = sqlite3_column_int64(st, 0);
        v[len].confirmed_at = sqlite3_column_int64(st, 1);
        v[len].weekday = sqlite3_column_int(st, 2);
        len++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return db_fail(db, err, "sched: subscriptions of a zone");
    }
    *out = v;
    *n = len;
    return 0;
}

int
db_sched_runs(struct db *db, const char *since, struct sched_run **out,
              size_t *n, struct err *err)
{
    static const char sql[] = "SELECT list_id, job, day, zone FROM sched_runs"
                              " WHERE day >= ?1";
    struct sched_run *v = NULL;
    size_t len = 0, cap = 0;
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *job = sqlite3_column_text(st, 1);
        if (len == cap) {
            cap = cap ? cap * 2 : 32;
            v = xrealloc(v, cap * sizeof(*v));
        }
        memset(&v[len], 0, sizeof(v[0]));
        v[len].list_id = sqlite3_column_int64(st, 0);
        v[len].kind = job && strcmp((const char *)job, "collect") == 0
                          ? SCHED_COLLECT
                          : SCHED_SEND;
        db_sched_text(v[len].day, sizeof(v[len].day), st, 2);
        db_sched_text(v[len].zone, sizeof(v[len].zone), st, 3);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        sqlite3_reset(st);
        return db_fail(db, err, "sched: runs");
    }
    sqlite3_reset(st);
    *out = v;
    *n = len;
    return 0;
}

int
db_sched_mark(struct db *db, int64_t list_id, enum sched_kind kind,
              const char *day, const char *zone, int64_t now, struct err *err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO sched_runs (list_id, job, day, zone, done_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_text(st, 2, sched_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, zone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    return db_step_done(db, st, "sched: mark run", err);
}
