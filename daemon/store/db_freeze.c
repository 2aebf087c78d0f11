/* SPDX-License-Identifier: MIT */
/*
 * db_freeze - chunked reads for a freeze pass (see db_freeze.h).
 *
 * A chunk is a range of subscription ids walked in the order of the index
 * subscriptions_list_status (list_id, status, then rowid), so "the next
 * max after id X" is one index range, however many subscriptions there
 * are.
 */
#include "db_freeze.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "str.h"
#include "xalloc.h"

int
db_freeze_lists(struct db *db, const char *list_name, int64_t **ids, size_t *n,
                struct err *err)
{
    static const char sql[] =
        "SELECT id FROM lists WHERE ?1 IS NULL OR name = ?1 ORDER BY id";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    if (list_name != NULL)
        sqlite3_bind_text(st, 1, list_name, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 1);
    return db_step_ids(db, st, "listing lists", ids, n, err);
}

/* db_freeze_text - column i as a string ("" for NULL) copied into out */
static void
db_freeze_text(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const unsigned char *s = sqlite3_column_text(st, i);

    (void)str_copy(out, size, s ? (const char *)s : "");
}

/* The lists row is read once per chunk row: lists are few and small. */
static const char SQL_SUBS[] =
    "SELECT s.id, s.list_id, s.status, b.email, b.name, s.keywords,"
    " s.categories, s.max_papers, COALESCE(s.last_digest_day, ''),"
    " COALESCE(s.confirm_sent_at, 0), l.name, l.title, l.categories,"
    " l.include_hf, l.include_replacements,"
    " (SELECT d.created_at FROM digests d WHERE d.subscription_id = s.id"
    "  AND d.day < ?3 ORDER BY d.day DESC LIMIT 1),"
    " (SELECT d.id FROM digests d WHERE d.subscription_id = s.id"
    "  AND d.day = ?3),"
    " s.cadence = 'weekly', COALESCE(s.weekday, -1)"
    " FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id"
    " JOIN lists l ON l.id = s.list_id"
    " WHERE s.list_id = ?1 AND s.status = 'confirmed' AND s.id > ?2"
    " AND s.paused = 0 AND (?4 IS NULL OR s.timezone = ?4)"
    " AND (?6 = 0 OR s.confirmed_at < ?6)"
    /* a weekly subscription only on its weekday (schema 060: 0 = Sunday,
     * as strftime's %w numbers day's weekday) */
    " AND (s.cadence = 'daily' OR s.weekday = CAST(strftime('%w', ?3) AS"
    " INTEGER))"
    " ORDER BY s.id LIMIT ?5";

/* db_freeze_row - one row of SQL_SUBS into f */
static void
db_freeze_row(sqlite3_stmt *st, struct db_freeze_sub *f)
{
    struct db_digest_sub *s = &f->sub;

    memset(f, 0, sizeof(*f));
    s->id = sqlite3_column_int64(st, 0);
    s->list_id = sqlite3_column_int64(st, 1);
    db_freeze_text(st, 2, s->status, sizeof(s->status));
    db_freeze_text(st, 3, s->email, sizeof(s->email));
    db_freeze_text(st, 4, s->name, sizeof(s->name));
    db_freeze_text(st, 5, s->keywords, sizeof(s->keywords));
    db_freeze_text(st, 6, s->categories, sizeof(s->categories));
    s->max_papers = sqlite3_column_int(st, 7);
    if (s->max_papers < 1 || s->max_papers > 50)
        s->max_papers = 10;
    db_freeze_text(st, 8, s->last_digest_day, sizeof(s->last_digest_day));
    s->confirm_sent_at = sqlite3_column_int64(st, 9);
    db_freeze_text(st, 10, s->list_name, sizeof(s->list_name));
    db_freeze_text(st, 11, s->list_title, sizeof(s->list_title));
    db_freeze_text(st, 12, s->list_categories, sizeof(s->list_categories));
    s->include_hf = sqlite3_column_int(st, 13);
    s->include_replacements = sqlite3_column_int(st, 14);
    f->prev = sqlite3_column_int64(st, 15);
    f->digest_id = sqlite3_column_int64(st, 16);
    s->weekly = sqlite3_column_int(st, 17);
    s->weekday = sqlite3_column_int(st, 18);
}

int
db_freeze_subs(struct db *db, int64_t list_id, const char *zone,
               int64_t confirmed_before, const char *day, int64_t after,
               size_t max, struct db_freeze_sub **out, size_t *n,
               struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SUBS, err);
    struct db_freeze_sub *v = NULL;
    size_t nv = 0;
    int rc;

    if (st == NULL)
        return -1;
    v = xmalloc((max ? max : 1) * sizeof(*v));
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_text(st, 3, day, -1, SQLITE_TRANSIENT);
    if (zone != NULL)
        sqlite3_bind_text(st, 4, zone, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)max);
    sqlite3_bind_int64(st, 6, confirmed_before > 0 ? confirmed_before : 0);
    while (nv < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        db_freeze_row(st, &v[nv++]);
    if (nv == max)
        rc = SQLITE_DONE;
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return db_fail(db, err, "reading subscriptions to freeze");
    }
    *out = v;
    *n = nv;
    return 0;
}

/* digests by UNIQUE (subscription_id, day), then digest_items by its
 * primary key (digest_id, rank) */
static const char SQL_SENT[] =
    "SELECT d.subscription_id, di.paper_id FROM digests d"
    " JOIN digest_items di ON di.digest_id = d.id"
    " WHERE d.subscription_id BETWEEN ?1 AND ?2 AND d.day >= ?3"
    " ORDER BY d.subscription_id, di.paper_id";

int
db_freeze_sent(struct db *db, int64_t lo, int64_t hi, const char *since_day,
               struct db_freeze_sent **out, size_t *n, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SENT, err);
    struct db_freeze_sent *v = NULL;
    size_t nv = 0, cap = 0;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    sqlite3_bind_text(st, 3, since_day, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nv == cap) {
            cap = cap ? cap * 2 : 256;
            v = xrealloc(v, cap * sizeof(*v));
        }
        v[nv].sub_id = sqlite3_column_int64(st, 0);
        v[nv++].paper_id = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return db_fail(db, err, "reading papers already sent");
    }
    *out = v;
    *n = nv;
    return 0;
}

int
db_freeze_tune(struct db *db, int cache_kib, int64_t *old, struct err *err)
{
    sqlite3_stmt *st = NULL;
    char sql[64];
    int64_t v = -2000;

    if (sqlite3_prepare_v2(db_handle(db), "PRAGMA cache_size", -1, &st, NULL) !=
        SQLITE_OK)
        return db_fail(db, err, "reading cache_size");
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    (void)snprintf(sql, sizeof(sql),
                   "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -%d",
                   cache_kib);
    if (db_exec(db, sql, err) == -1)
        return -1;
    *old = v;
    return 0;
}

void
db_freeze_untune(struct db *db, int64_t old)
{
    char sql[64];

    (void)snprintf(sql, sizeof(sql), "PRAGMA cache_size = %lld",
                   (long long)old);
    (void)db_exec(db, sql, NULL);
}
