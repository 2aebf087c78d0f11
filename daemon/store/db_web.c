/* SPDX-License-Identifier: MIT */
/*
 * db_web - SQL for the public pages, health and metrics (see db_web.h).
 *
 * A paper belongs to a list when one of its rows in paper_categories is
 * among the list's categories, or, for lists that take Hugging Face daily
 * papers, when it was on HF daily papers.  The list's categories travel
 * as one bound string and are matched with instr() on ",cat," so no SQL
 * is ever built from values.
 */
#include "db_web.h"

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "str.h"

/* The membership test shared by the paper queries: ?1 categories, ?2
 * include_hf; as the digest's window (db_digest.c): a list without
 * categories (Hugging Face only) holds the Hugging Face papers, not every
 * paper, so a paper stored without categories (a reader's liked paper
 * fetched from the API) is in no list. */
#define DB_WEB_IN_LIST                                                         \
    "(EXISTS (SELECT 1 FROM paper_categories pc"                               \
    " WHERE pc.paper_id = p.id"                                                \
    " AND instr(',' || ?1 || ',', ',' || pc.category || ',') > 0)"             \
    " OR (?2 AND p.hf_day IS NOT NULL))"

#define DB_WEB_PAPER_COLS                                                      \
    "p.id, p.arxiv_id, p.title, p.abstract, p.authors, p.categories,"          \
    " p.first_seen_day, p.hf_upvotes, p.first_seen_at"

/* db_web_text - column i as a string, "" for NULL */
static const char *
db_web_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* db_web_busy - sqlite3_busy_handler callback; arg is the timeout in ms */
static int
db_web_busy(void *arg, int n)
{
    long timeout_us = (long)(intptr_t)arg * 1000L;
    long waited_us = n < 50 ? n * 100L : 5000L + (long)(n - 50) * 1000L;

    if (waited_us >= timeout_us)
        return 0; /* give up: the caller sees SQLITE_BUSY */
    usleep(n < 50 ? 100 : 1000);
    return 1;
}

void
db_web_tune(struct db *db, int timeout_ms)
{
    /* a WAL checkpoint runs in the commit that crosses the threshold and
     * costs milliseconds; leave the usual ones (1000 pages) to the
     * background connections (delivery, scheduler) and only step in as a
     * fallback when nothing else has checkpointed for a long time */
    sqlite3_exec(db_handle(db), "PRAGMA wal_autocheckpoint = 10000", NULL, NULL,
                 NULL);
    sqlite3_busy_handler(db_handle(db), db_web_busy,
                         (void *)(intptr_t)timeout_ms);
}

/* db_web_wal_hook - sqlite3_wal_hook callback: remember the WAL's size */
static int
db_web_wal_hook(void *arg, sqlite3 *conn, const char *name, int frames)
{
    (void)conn;
    (void)name;
    atomic_store((_Atomic int *)arg, frames);
    return SQLITE_OK;
}

void
db_web_wal_watch(struct db *db, _Atomic int *frames)
{
    /* replaces the autocheckpoint, which is itself a WAL hook */
    sqlite3_wal_hook(db_handle(db), db_web_wal_hook, (void *)frames);
}

int
db_web_checkpoint(struct db *db, struct err *err)
{
    int rc = sqlite3_wal_checkpoint_v2(db_handle(db), NULL,
                                       SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return db_fail(db, err, "checkpoint");
    return 0;
}

int
db_web_ping(struct db *db, struct err *err)
{
    sqlite3_stmt *st;
    int rc;

    /* read from the file, not from pages cached before it broke: in WAL
     * mode SQLite keeps a connection's cache while the WAL is unchanged,
     * so a zeroed or replaced file would still answer */
    sqlite3_db_release_memory(db_handle(db));
    if ((st = db_stmt(db, "SELECT count(*) FROM lists", err)) == NULL)
        return -1;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "ping");
    sqlite3_reset(st);
    return 0;
}

int
db_web_last_collection(struct db *db, struct db_web_run *out, struct err *err)
{
    sqlite3_stmt *st = db_stmt(
        db,
        "SELECT source, day, started_at, coalesce(finished_at, 0), ok,"
        " duration_ms FROM collect_runs ORDER BY started_at DESC, id DESC"
        " LIMIT 1",
        err);
    int rc;

    if (st == NULL)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 1;
    }
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "last collection");
    memset(out, 0, sizeof(*out));
    str_copy(out->source, sizeof(out->source), db_web_text(st, 0));
    str_copy(out->day, sizeof(out->day), db_web_text(st, 1));
    out->started_at = sqlite3_column_int64(st, 2);
    out->finished_at = sqlite3_column_int64(st, 3);
    out->ok = sqlite3_column_int(st, 4);
    out->duration_ms = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    return 0;
}

int
db_web_last_pass(struct db *db, struct db_web_pass *out, struct err *err)
{
    /* newest first: the pass is the rows that share the newest row's
     * started_at, up to a source seen twice (another pass that started
     * in the same second) */
    sqlite3_stmt *st = db_stmt(db,
                               "SELECT source, started_at,"
                               " ok = 0 AND finished_at IS NOT NULL"
                               " FROM collect_runs"
                               " ORDER BY id DESC LIMIT ?1",
                               err);
    char seen[DB_WEB_PASS_MAX][64];
    struct db_web_pass p = {0, 0, 0};
    int rc = SQLITE_DONE, dup = 0;

    if (st == NULL)
        return -1;
    sqlite3_bind_int(st, 1, DB_WEB_PASS_MAX);
    while (!dup && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *src = db_web_text(st, 0);
        int64_t at = sqlite3_column_int64(st, 1);
        if (p.sources > 0 && at != p.started_at)
            break;
        for (int64_t i = 0; i < p.sources && !dup; i++)
            dup = strncmp(seen[i], src, sizeof(seen[i]) - 1) == 0;
        if (dup)
            break;
        str_copy(seen[p.sources], sizeof(seen[0]), src);
        p.started_at = at;
        p.failed += sqlite3_column_int(st, 2);
        p.sources++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "last collection pass");
    sqlite3_reset(st);
    if (p.sources == 0)
        return 1;
    *out = p;
    return 0;
}

int
db_web_oldest_queued(struct db *db, int64_t *out, struct err *err)
{
    sqlite3_stmt *st =
        db_stmt(db,
                "SELECT coalesce(min(created_at), 0) FROM outbox"
                " WHERE state IN ('queued','sending','deferred')",
                err);

    if (st == NULL)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW)
        return db_fail(db, err, "oldest queued mail");
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int
db_web_collect_stats(struct db *db,
                     int (*fn)(void *arg, const struct db_web_source *s),
                     void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(
        db,
        "SELECT r.source, count(*),"
        " sum(r.ok = 0 AND r.finished_at IS NOT NULL), sum(r.duration_ms),"
        " (SELECT l.duration_ms FROM collect_runs l WHERE l.source = r.source"
        "  ORDER BY l.started_at DESC, l.id DESC LIMIT 1),"
        " coalesce(max(r.finished_at), 0)"
        " FROM collect_runs r GROUP BY r.source ORDER BY r.source",
        err);
    int rc;

    if (st == NULL)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_web_source s;
        s.source = db_web_text(st, 0);
        s.runs = sqlite3_column_int64(st, 1);
        s.failures = sqlite3_column_int64(st, 2);
        s.duration_ms_sum = sqlite3_column_int64(st, 3);
        s.last_duration_ms = sqlite3_column_int64(st, 4);
        s.last_finished_at = sqlite3_column_int64(st, 5);
        if (fn(arg, &s) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "collect stats");
    sqlite3_reset(st);
    return 0;
}

int
db_web_outbox_counts(struct db *db,
                     int (*fn)(void *arg, const char *kind, const char *state,
                               int64_t n),
                     void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db,
                               "SELECT kind, state, count(*) FROM outbox"
                               " GROUP BY kind, state ORDER BY kind, state",
                               err);
    int rc;

    if (st == NULL)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fn(arg, db_web_text(st, 0), db_web_text(st, 1),
               sqlite3_column_int64(st, 2)) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "outbox counts");
    sqlite3_reset(st);
    return 0;
}

/* db_web_bind_scope - bind a list's scope as ?1 (categories) and ?2
 * (include_hf), day as ?3 unless it is NULL and limit as ?4 unless it
 * is negative; the strings must outlive the statement's use */
static void
db_web_bind_scope(sqlite3_stmt *st, const struct db_web_scope *scope,
                  const char *day, int64_t limit)
{
    sqlite3_bind_text(st, 1, scope->categories, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, scope->include_hf);
    if (day != NULL)
        sqlite3_bind_text(st, 3, day, -1, SQLITE_STATIC);
    if (limit >= 0)
        sqlite3_bind_int64(st, 4, limit);
}

/* db_web_step_day - step st, an aggregate of one day column: 0 with the
 * day in out, 1 when it is NULL (out untouched), -1 on failure */
static int
db_web_step_day(struct db *db, sqlite3_stmt *st, char out[11], const char *what,
                struct err *err)
{
    int rc = sqlite3_step(st);

    if (rc != SQLITE_ROW)
        return db_fail(db, err, what);
    if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
        sqlite3_reset(st);
        return 1;
    }
    str_copy(out, 11, db_web_text(st, 0));
    sqlite3_reset(st);
    return 0;
}

int
db_web_latest_day(struct db *db, const struct db_web_scope *scope, char day[11],
                  struct err *err)
{
    sqlite3_stmt *st = db_stmt(db,
                               "SELECT max(p.first_seen_day) FROM papers p"
                               " WHERE " DB_WEB_IN_LIST,
                               err);

    if (st == NULL)
        return -1;
    db_web_bind_scope(st, scope, NULL, -1);
    return db_web_step_day(db, st, day, "latest day", err);
}

int
db_web_near_day(struct db *db, const struct db_web_scope *scope,
                const char *day, int dir, char out[11], struct err *err)
{
    /* two statements rather than one with the comparison chosen by a
     * parameter: each stays a plain aggregate over the list's papers */
    sqlite3_stmt *st =
        dir < 0 ? db_stmt(db,
                          "SELECT max(p.first_seen_day) FROM papers p"
                          " WHERE p.first_seen_day < ?3 AND " DB_WEB_IN_LIST,
                          err)
                : db_stmt(db,
                          "SELECT min(p.first_seen_day) FROM papers p"
                          " WHERE p.first_seen_day > ?3 AND " DB_WEB_IN_LIST,
                          err);

    if (st == NULL)
        return -1;
    db_web_bind_scope(st, scope, day, -1);
    return db_web_step_day(db, st, out, "nearest day", err);
}

/* db_web_each_paper - step st, calling fn with each row (paper columns
 * first, bm25 at column bm25_col or -1) */
static int
db_web_each_paper(struct db *db, sqlite3_stmt *st, int bm25_col,
                  int (*fn)(void *arg, const struct db_web_paper *p), void *arg,
                  struct err *err, const char *what)
{
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct db_web_paper p;
        p.id = sqlite3_column_int64(st, 0);
        p.arxiv_id = db_web_text(st, 1);
        p.title = db_web_text(st, 2);
        p.abstract = db_web_text(st, 3);
        p.authors = db_web_text(st, 4);
        p.categories = db_web_text(st, 5);
        p.day = db_web_text(st, 6);
        p.upvotes = sqlite3_column_int(st, 7);
        p.first_seen_at = sqlite3_column_int64(st, 8);
        p.bm25 = bm25_col >= 0 ? sqlite3_column_double(st, bm25_col) : 0.0;
        if (fn(arg, &p) != 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        int erc = db_fail(db, err, what);
        sqlite3_reset(st);
        return erc;
    }
    sqlite3_reset(st);
    return 0;
}

int
db_web_day_papers(struct db *db, const struct db_web_scope *scope,
                  const char *day, size_t limit,
                  int (*fn)(void *arg, const struct db_web_paper *p), void *arg,
                  struct err *err)
{
    sqlite3_stmt *st = db_stmt(
        db,
        "SELECT " DB_WEB_PAPER_COLS " FROM papers p"
        " WHERE p.first_seen_day = ?3 AND " DB_WEB_IN_LIST
        " ORDER BY p.hf_upvotes DESC, p.first_seen_at DESC, p.id LIMIT ?4",
        err);

    if (st == NULL)
        return -1;
    db_web_bind_scope(st, scope, day, (int64_t)limit);
    return db_web_each_paper(db, st, -1, fn, arg, err, "day papers");
}

int
db_web_recent_papers(struct db *db, const struct db_web_scope *scope,
                     const char *since, size_t limit,
                     int (*fn)(void *arg, const struct db_web_paper *p),
                     void *arg, struct err *err)
{
    sqlite3_stmt *st =
        db_stmt(db,
                "SELECT " DB_WEB_PAPER_COLS " FROM papers p"
                " WHERE p.first_seen_day >= ?3 AND " DB_WEB_IN_LIST
                " ORDER BY p.first_seen_day DESC, p.hf_upvotes DESC,"
                " p.first_seen_at DESC, p.id LIMIT ?4",
                err);

    if (st == NULL)
        return -1;
    db_web_bind_scope(st, scope, since, (int64_t)limit);
    return db_web_each_paper(db, st, -1, fn, arg, err, "recent papers");
}

int
db_web_day_matches(struct db *db, const struct db_web_scope *scope,
                   const char *day, const char *match, double title_weight,
                   size_t limit,
                   int (*fn)(void *arg, const struct db_web_paper *p),
                   void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(
        db,
        "SELECT " DB_WEB_PAPER_COLS ", -bm25(papers_fts, ?6, 1.0) AS rel"
        " FROM papers_fts JOIN papers p ON p.id = papers_fts.rowid"
        " WHERE papers_fts MATCH ?5 AND p.first_seen_day = ?3"
        " AND " DB_WEB_IN_LIST " ORDER BY rel DESC, p.id LIMIT ?4",
        err);
    int rc;

    if (st == NULL)
        return -1;
    db_web_bind_scope(st, scope, day, (int64_t)limit);
    sqlite3_bind_text(st, 5, match, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 6, title_weight);
    rc = db_web_each_paper(db, st, 9, fn, arg, err, "sample search");
    if (rc == -1 && err->kind != ERR_TEMP)
        err->kind = ERR_PERM;
    return rc;
}
