/* SPDX-License-Identifier: MIT */
/*
 * db_votes - SQL of the votes table (see db_votes.h).
 */
#include "db_votes.h"
#include "xalloc.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdlib.h>

static const char *const db_vote_source_names[] = {"mail", "preferences",
                                                   "cli"};

static const char SQL_COUNT[] =
    "SELECT count(*), max(paper_id = ?2) FROM votes WHERE subscription_id = ?1";
static const char SQL_SET[] =
    "INSERT INTO votes (subscription_id, paper_id, vote, source, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (subscription_id, paper_id)"
    " DO UPDATE SET vote = excluded.vote, source = excluded.source,"
    " created_at = excluded.created_at";
static const char SQL_DEL[] =
    "DELETE FROM votes WHERE subscription_id = ?1 AND paper_id = ?2";

/* db_votes_count - how many votes sub_id holds, and whether one is on
 * paper_id */
static int
db_votes_count(struct db *db, int64_t sub_id, int64_t paper_id, int *n,
               int *has, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_COUNT, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_int64(st, 2, paper_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        db_fail(db, err, "counting votes");
        sqlite3_reset(st);
        return -1;
    }
    *n = sqlite3_column_int(st, 0);
    *has = sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    return 0;
}

int
db_votes_set(struct db *db, int64_t sub_id, int64_t paper_id, int vote,
             enum db_vote_source source, int64_t now, struct err *err)
{
    sqlite3_stmt *st;
    int n, has;

    if (vote == 0) {
        if ((st = db_stmt(db, SQL_DEL, err)) == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, sub_id);
        sqlite3_bind_int64(st, 2, paper_id);
    } else {
        if (db_votes_count(db, sub_id, paper_id, &n, &has, err) == -1)
            return -1;
        if (!has && n >= DB_VOTES_MAX) {
            err_set(err, ERR_PERM,
                    "this subscription holds %d votes already (the most "
                    "kept); take some back first",
                    DB_VOTES_MAX);
            return -1;
        }
        if ((st = db_stmt(db, SQL_SET, err)) == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, sub_id);
        sqlite3_bind_int64(st, 2, paper_id);
        sqlite3_bind_int(st, 3, vote > 0 ? 1 : -1);
        sqlite3_bind_text(st, 4, db_vote_source_names[source], -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, now);
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(db, err, "storing a vote");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

int
db_votes_fits(struct db *db, int64_t sub_id, int64_t paper_id, int *fits,
              struct err *err)
{
    int n, has;

    if (db_votes_count(db, sub_id, paper_id, &n, &has, err) == -1)
        return -1;
    *fits = has || n < DB_VOTES_MAX;
    return 0;
}

static const char SQL_CLEAR[] =
    "DELETE FROM votes WHERE subscription_id = ?1 AND (?2 = 0 OR vote = ?2)";

int
db_votes_clear(struct db *db, int64_t sub_id, int vote, int *n, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_CLEAR, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_int(st, 2, vote > 0 ? 1 : vote < 0 ? -1 : 0);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_fail(db, err, "removing votes");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    *n = db_changes(db);
    return 0;
}

static const char SQL_GET[] =
    "SELECT vote FROM votes WHERE subscription_id = ?1 AND paper_id = ?2";

int
db_votes_get(struct db *db, int64_t sub_id, int64_t paper_id, int *vote,
             struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_GET, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_int64(st, 2, paper_id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        db_fail(db, err, "reading a vote");
        sqlite3_reset(st);
        return -1;
    }
    *vote = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    return 0;
}

static const char SQL_EACH[] =
    "SELECT v.paper_id, v.vote, v.source, v.created_at, p.arxiv_id, p.title,"
    " coalesce(p.abstract, '') FROM votes v JOIN papers p ON p.id = v.paper_id"
    " WHERE v.subscription_id = ?1 ORDER BY v.created_at DESC, v.paper_id";

int
db_votes_each(struct db *db, int64_t sub_id,
              int (*fn)(void *arg, const struct db_vote *v), void *arg,
              struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_EACH, err);
    struct db_vote v;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *s;
        v.paper_id = sqlite3_column_int64(st, 0);
        v.vote = sqlite3_column_int(st, 1);
        s = sqlite3_column_text(st, 2);
        v.source = s ? (const char *)s : "";
        v.created_at = sqlite3_column_int64(st, 3);
        s = sqlite3_column_text(st, 4);
        v.arxiv_id = s ? (const char *)s : "";
        s = sqlite3_column_text(st, 5);
        v.title = s ? (const char *)s : "";
        s = sqlite3_column_text(st, 6);
        v.abstract = s ? (const char *)s : "";
        if (fn(arg, &v) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "reading votes");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

static const char SQL_VOTERS[] =
    "SELECT DISTINCT subscription_id FROM votes"
    " WHERE subscription_id BETWEEN ?1 AND ?2 ORDER BY subscription_id";

int
db_votes_voters(struct db *db, int64_t lo, int64_t hi, int64_t **ids, size_t *n,
                struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_VOTERS, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    return db_step_ids(db, st, "listing the readers who voted", ids, n, err);
}
