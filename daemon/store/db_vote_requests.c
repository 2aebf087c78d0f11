/* SPDX-License-Identifier: MIT */
/*
 * db_vote_requests - SQL of the vote_requests table (see
 * db_vote_requests.h).  Every value is bound; the writes that read
 * before they write (the cap, the fulfilment) run in one transaction.
 */
#include "db_vote_requests.h"
#include "db_votes.h"
#include "xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_COUNT[] =
    "SELECT count(*) FROM vote_requests"
    " WHERE subscription_id = ?1 AND arxiv_id <> ?2";
static const char SQL_ADD[] =
    "INSERT INTO vote_requests (subscription_id, arxiv_id, vote, created_at,"
    " state, attempts, next_at, last_error)"
    " VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?4, NULL)"
    " ON CONFLICT (subscription_id, arxiv_id) DO UPDATE SET"
    " vote = excluded.vote, state = 'pending', attempts = 0,"
    " next_at = excluded.next_at, last_error = NULL"
    /* asking again for a paper still waiting changes nothing (not its
     * backoff: a form posted again must not hurry the API calls); one
     * that failed is asked again from the start */
    " WHERE vote_requests.state = 'failed'";

/* vr_add - db_vote_requests_add inside its transaction (1: full) */
static int
vr_add(struct db *db, int64_t sub_id, const char *arxiv_id, int vote,
       int64_t now, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_COUNT, err);
    int64_t held = 0;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, arxiv_id, -1, SQLITE_STATIC);
    if (db_step_int64(db, st, &held, "counting vote requests", err) == -1)
        return -1;
    if (held >= DB_VOTE_REQUESTS_MAX)
        return 1;
    if ((st = db_stmt(db, SQL_ADD, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, arxiv_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, vote < 0 ? -1 : 1);
    sqlite3_bind_int64(st, 4, now);
    return db_step_done(db, st, "storing a vote request", err);
}

int
db_vote_requests_add(struct db *db, int64_t sub_id, const char *arxiv_id,
                     int vote, int64_t now, struct err *err)
{
    int own, rc;

    if (arxiv_id[0] == '\0' || strlen(arxiv_id) >= PAPER_ID_MAX) {
        err_set(err, ERR_PERM, "not an arXiv id");
        return -1;
    }
    if (db_own_begin(db, &own, err) == -1)
        return -1;
    rc = vr_add(db, sub_id, arxiv_id, vote, now, err);
    if (rc == 1) /* nothing written */
        return db_own_end(db, own, 0, err) == -1 ? -1 : 1;
    return db_own_end(db, own, rc, err);
}

static const char SQL_REMOVE[] =
    "DELETE FROM vote_requests WHERE id = ?1 AND subscription_id = ?2";

int
db_vote_requests_remove(struct db *db, int64_t sub_id, int64_t id,
                        struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_REMOVE, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, sub_id);
    if (db_step_done(db, st, "removing a vote request", err) == -1)
        return -1;
    return db_changes(db) > 0 ? 0 : 1;
}

static const char SQL_EACH[] =
    "SELECT id, subscription_id, arxiv_id, vote, created_at,"
    " state = 'failed', attempts, next_at, coalesce(last_error, '')"
    " FROM vote_requests WHERE subscription_id = ?1 ORDER BY created_at, id";

int
db_vote_requests_each(struct db *db, int64_t sub_id,
                      int (*fn)(void *arg, const struct db_vote_request *r),
                      void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_EACH, err);
    struct db_vote_request r;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *s;
        r.id = sqlite3_column_int64(st, 0);
        r.subscription_id = sqlite3_column_int64(st, 1);
        s = sqlite3_column_text(st, 2);
        r.arxiv_id = s ? (const char *)s : "";
        r.vote = sqlite3_column_int(st, 3);
        r.created_at = sqlite3_column_int64(st, 4);
        r.failed = sqlite3_column_int(st, 5);
        r.attempts = sqlite3_column_int(st, 6);
        r.next_at = sqlite3_column_int64(st, 7);
        s = sqlite3_column_text(st, 8);
        r.last_error = s ? (const char *)s : "";
        if (fn(arg, &r) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "reading vote requests");
    return 0;
}

static const char SQL_DUE[] =
    "SELECT r.arxiv_id FROM vote_requests r"
    " JOIN subscriptions s ON s.id = r.subscription_id"
    " WHERE r.state = 'pending' AND r.next_at <= ?1"
    " AND s.status IN ('pending', 'confirmed')"
    " GROUP BY r.arxiv_id ORDER BY min(r.next_at), r.arxiv_id LIMIT ?2";

int
db_vote_requests_due(struct db *db, int64_t now, size_t max,
                     char (*ids)[PAPER_ID_MAX], size_t *n, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_DUE, err);
    size_t k = 0;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < max) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        size_t len = s ? strlen((const char *)s) : 0;
        if (len == 0 || len >= PAPER_ID_MAX)
            continue; /* the schema's CHECK keeps these out */
        memcpy(ids[k++], s, len + 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(db, err, "listing due vote requests");
    *n = k;
    return 0;
}

/* A pending request, read before it is changed. */
struct vr_row {
    int64_t id, sub_id;
    int vote, attempts;
};

static const char SQL_PENDING[] =
    "SELECT id, subscription_id, vote, attempts FROM vote_requests"
    " WHERE arxiv_id = ?1 AND state = 'pending' ORDER BY id";

/* vr_pending - the pending requests for arxiv_id into *rows (malloc'd;
 * NULL when none) */
static int
vr_pending(struct db *db, const char *arxiv_id, struct vr_row **rows, size_t *n,
           struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_PENDING, err);
    struct vr_row *v = NULL;
    size_t k = 0, cap = 0;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, arxiv_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            v = xrealloc(v, cap * sizeof(*v));
        }
        v[k].id = sqlite3_column_int64(st, 0);
        v[k].sub_id = sqlite3_column_int64(st, 1);
        v[k].vote = sqlite3_column_int(st, 2);
        v[k].attempts = sqlite3_column_int(st, 3);
        k++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return db_fail(db, err, "reading vote requests");
    }
    *rows = v;
    *n = k;
    return 0;
}

static const char SQL_DELETE[] = "DELETE FROM vote_requests WHERE id = ?1";
static const char SQL_SET_FAILED[] =
    "UPDATE vote_requests SET state = 'failed', last_error = ?2 WHERE id = ?1";
static const char SQL_SET_RETRY[] =
    "UPDATE vote_requests SET attempts = ?2, next_at = ?3, last_error = ?4"
    " WHERE id = ?1";

/* vr_reason - reason cut to DB_VOTE_REQUEST_ERROR_MAX bytes on a UTF-8
 * character boundary, into out (that size + 1) */
static const char *
vr_reason(const char *reason, char *out)
{
    size_t len = strlen(reason);

    if (len > DB_VOTE_REQUEST_ERROR_MAX) {
        len = DB_VOTE_REQUEST_ERROR_MAX;
        while (len > 0 && ((unsigned char)reason[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(out, reason, len);
    out[len] = '\0';
    return out;
}

/* vr_set_failed - request id fails with reason */
static int
vr_set_failed(struct db *db, int64_t id, const char *reason, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SET_FAILED, err);
    char cut[DB_VOTE_REQUEST_ERROR_MAX + 1];

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, vr_reason(reason, cut), -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "failing a vote request", err);
}

/* vr_fulfil - db_vote_requests_fulfil inside its transaction */
static int
vr_fulfil(struct db *db, const char *arxiv_id, int64_t paper_id, int64_t now,
          int *voted, int *full, struct err *err)
{
    struct vr_row *v = NULL;
    size_t n = 0;
    int rc = 0;

    if (vr_pending(db, arxiv_id, &v, &n, err) == -1)
        return -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_stmt *st;
        int fits;
        if ((rc = db_votes_fits(db, v[i].sub_id, paper_id, &fits, err)) != 0)
            break;
        if (!fits) {
            char why[128];
            snprintf(why, sizeof(why),
                     "your subscription keeps at most %d votes: remove "
                     "some, then name this paper again",
                     DB_VOTES_MAX);
            rc = vr_set_failed(db, v[i].id, why, err);
            ++*full;
            continue;
        }
        rc = db_votes_set(db, v[i].sub_id, paper_id, v[i].vote,
                          DB_VOTE_PREFERENCES, now, err);
        if (rc == 0 && (st = db_stmt(db, SQL_DELETE, err)) == NULL)
            rc = -1;
        if (rc == 0) {
            sqlite3_bind_int64(st, 1, v[i].id);
            rc = db_step_done(db, st, "removing a vote request", err);
        }
        if (rc == 0)
            ++*voted;
    }
    free(v);
    return rc;
}

int
db_vote_requests_fulfil(struct db *db, const char *arxiv_id, int64_t paper_id,
                        int64_t now, int *voted, int *full, struct err *err)
{
    int own, rc, nv = 0, nf = 0;

    if (db_own_begin(db, &own, err) == -1)
        return -1;
    rc = vr_fulfil(db, arxiv_id, paper_id, now, &nv, &nf, err);
    if ((rc = db_own_end(db, own, rc, err)) == 0) {
        if (voted)
            *voted = nv;
        if (full)
            *full = nf;
    }
    return rc;
}

/* vr_fail_all - db_vote_requests_fail inside its transaction */
static int
vr_fail_all(struct db *db, const char *arxiv_id, const char *reason, int *n,
            struct err *err)
{
    struct vr_row *v = NULL;
    size_t k = 0;
    int rc = 0;

    if (vr_pending(db, arxiv_id, &v, &k, err) == -1)
        return -1;
    for (size_t i = 0; i < k && rc == 0; i++)
        rc = vr_set_failed(db, v[i].id, reason, err);
    free(v);
    *n = (int)k;
    return rc;
}

int
db_vote_requests_fail(struct db *db, const char *arxiv_id, const char *reason,
                      int *n, struct err *err)
{
    int own, rc, k = 0;

    if (db_own_begin(db, &own, err) == -1)
        return -1;
    rc = vr_fail_all(db, arxiv_id, reason, &k, err);
    if ((rc = db_own_end(db, own, rc, err)) == 0 && n)
        *n = k;
    return rc;
}

/* vr_retry - db_vote_requests_retry inside its transaction */
static int
vr_retry(struct db *db, const char *arxiv_id, int64_t now,
         const struct backoff *policy, int max_attempts, const char *reason,
         struct err *err)
{
    char cut[DB_VOTE_REQUEST_ERROR_MAX + 1];
    struct vr_row *v = NULL;
    size_t k = 0;
    int rc = 0;

    if (vr_pending(db, arxiv_id, &v, &k, err) == -1)
        return -1;
    vr_reason(reason, cut);
    for (size_t i = 0; i < k && rc == 0; i++) {
        int a = v[i].attempts + 1;
        sqlite3_stmt *st;
        if (a >= max_attempts) {
            rc = vr_set_failed(db, v[i].id, cut, err);
            if (rc == 0 && (st = db_stmt(db, SQL_SET_RETRY, err)) == NULL)
                rc = -1;
        } else if ((st = db_stmt(db, SQL_SET_RETRY, err)) == NULL) {
            rc = -1;
        }
        if (rc != 0)
            break;
        sqlite3_bind_int64(st, 1, v[i].id);
        sqlite3_bind_int(st, 2, a);
        sqlite3_bind_int64(st, 3, now + backoff_delay(policy, a));
        sqlite3_bind_text(st, 4, cut, -1, SQLITE_STATIC);
        rc = db_step_done(db, st, "delaying a vote request", err);
    }
    free(v);
    return rc;
}

int
db_vote_requests_retry(struct db *db, const char *arxiv_id, int64_t now,
                       const struct backoff *policy, int max_attempts,
                       const char *reason, struct err *err)
{
    int own, rc;

    if (db_own_begin(db, &own, err) == -1)
        return -1;
    rc = vr_retry(db, arxiv_id, now, policy, max_attempts, reason, err);
    return db_own_end(db, own, rc, err);
}
