/* SPDX-License-Identifier: MIT */
/*
 * test_vote_requests - store/db_vote_requests.c against the real schema
 * on :memory:: add (a repeat is made pending again, the cap of
 * DB_VOTE_REQUESTS_MAX refuses and stores nothing), remove (only the
 * subscription's own), due (distinct ids, not before next_at, not for a
 * subscription that left, at most max), fulfil (vote stored and request
 * deleted; a subscription whose votes are full fails with the reason),
 * fail, retry (backoff, then failed after the last attempt, reason cut),
 * and the cascade with the subscription.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "db.h"
#include "db_vote_requests.h"
#include "db_votes.h"

/* count - the single integer a query returns */
static long long
count(struct db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;

    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return -2;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* text - the single text a query returns, into out */
static const char *
text(struct db *db, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *st;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static struct db *
setup(void)
{
    struct db *db = NULL;
    struct err err;

    err_init(&err);
    if (db_open(":memory:", 1000, &db, &err) != 0) {
        fprintf(stderr, "db_open: %s\n", err.msg);
        exit(1);
    }
    CHECK_INT_EQ(
        db_exec(db,
                "INSERT INTO lists (id, name, categories, created_at)"
                " VALUES (9, 'mlx', 'cs.LG', 0);"
                "INSERT INTO subscribers (id, email, created_at) VALUES"
                " (1, 'a@example.org', 0), (2, 'b@example.org', 0),"
                " (3, 'c@example.org', 0);"
                "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
                " keywords, max_papers, created_at, updated_at) VALUES"
                " (1, 1, 9, 'confirmed', '', 5, 0, 0),"
                " (2, 2, 9, 'confirmed', '', 5, 0, 0),"
                " (3, 3, 9, 'unsubscribed', '', 5, 0, 0);"
                "INSERT INTO papers (id, arxiv_id, title, abstract, authors,"
                " categories, first_seen_at, first_seen_day, updated_at)"
                " VALUES (7, '2611.15034', 'T', '', '[]', '', 0, '2026-11-27',"
                " 0);",
                &err),
        0);
    if (err.msg[0])
        fprintf(stderr, "setup: %s\n", err.msg);
    return db;
}

/* one listed request, for the each callback */
struct seen {
    int n;
    char ids[8][PAPER_ID_MAX];
    int failed[8];
};

static int
seen_one(void *arg, const struct db_vote_request *r)
{
    struct seen *s = arg;

    if (s->n < 8) {
        snprintf(s->ids[s->n], PAPER_ID_MAX, "%s", r->arxiv_id);
        s->failed[s->n] = r->failed;
    }
    s->n++;
    return 0;
}

static void
test_add_remove_cap(void)
{
    struct db *db = setup();
    struct err err;
    struct seen s = {0};
    char sql[256];

    err_init(&err);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.00001", 1, 100, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.00002", 1, 101, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 2, "2612.00001", 1, 102, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "", 1, 100, &err), -1);
    CHECK_INT_EQ(db_vote_requests_each(db, 1, seen_one, &s, &err), 0);
    CHECK_INT_EQ(s.n, 2);
    CHECK_STR_EQ(s.ids[0], "2612.00001");
    CHECK_STR_EQ(s.ids[1], "2612.00002");
    /* a failed request named again is pending again */
    CHECK_INT_EQ(db_exec(db,
                         "UPDATE vote_requests SET state = 'failed',"
                         " attempts = 3, last_error = 'x' WHERE id = 1",
                         &err),
                 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.00001", 1, 200, &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM vote_requests WHERE id = 1"
                           " AND state = 'pending' AND attempts = 0 AND"
                           " next_at = 200 AND last_error IS NULL"),
                 1);
    /* remove: only the subscription's own; 1 when not its */
    CHECK_INT_EQ(db_vote_requests_remove(db, 2, 1, &err), 1);
    CHECK_INT_EQ(db_vote_requests_remove(db, 1, 1, &err), 0);
    CHECK_INT_EQ(db_vote_requests_remove(db, 1, 1, &err), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM vote_requests"), 2);
    /* the cap: 50 held, a new one is refused and nothing stored; the
     * same id again still fits */
    for (int i = 0; i < DB_VOTE_REQUESTS_MAX - 1; i++) {
        char id[PAPER_ID_MAX];
        snprintf(id, sizeof(id), "2601.%05d", i);
        CHECK_INT_EQ(db_vote_requests_add(db, 1, id, 1, 300, &err), 0);
    }
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM vote_requests"
                           " WHERE subscription_id = 1"),
                 DB_VOTE_REQUESTS_MAX);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.00009", 1, 300, &err), 1);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2601.00000", 1, 300, &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM vote_requests"
                           " WHERE subscription_id = 1"),
                 DB_VOTE_REQUESTS_MAX);
    CHECK_INT_EQ(db_in_txn(db), 0);
    /* the cascade with the subscription */
    snprintf(sql, sizeof(sql), "DELETE FROM subscribers WHERE id = 1");
    CHECK_INT_EQ(db_exec(db, sql, &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM vote_requests"), 1);
    db_close(db);
}

static void
test_due_fulfil_fail(void)
{
    struct db *db = setup();
    char ids[4][PAPER_ID_MAX], buf[256];
    size_t n = 9;
    int voted = -1, full = -1, k = -1;
    struct err err;

    err_init(&err);
    CHECK_INT_EQ(db_vote_requests_due(db, 1000, 4, ids, &n, &err), 0);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2611.15034", 1, 100, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 2, "2611.15034", 1, 110, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.99999", 1, 120, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.00005", 1, 5000, &err), 0);
    CHECK_INT_EQ(db_vote_requests_add(db, 3, "2612.00003", 1, 100, &err), 0);
    /* distinct ids, due only, not for the subscription that left */
    CHECK_INT_EQ(db_vote_requests_due(db, 1000, 4, ids, &n, &err), 0);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(ids[0], "2611.15034");
    CHECK_STR_EQ(ids[1], "2612.99999");
    CHECK_INT_EQ(db_vote_requests_due(db, 1000, 1, ids, &n, &err), 0);
    CHECK_INT_EQ(n, 1);
    /* fulfil: subscription 2 holds DB_VOTES_MAX votes already */
    CHECK_INT_EQ(
        db_exec(db,
                "WITH RECURSIVE k(i) AS (SELECT 100 UNION ALL SELECT i + 1"
                " FROM k WHERE i < 299) INSERT INTO papers (id, arxiv_id,"
                " title, abstract, authors, categories, first_seen_at,"
                " first_seen_day, updated_at) SELECT i, '2501.' || i, 'F', '',"
                " '[]', '', 0, '2026-01-01', 0 FROM k;"
                "INSERT INTO votes (subscription_id, paper_id, vote, source,"
                " created_at) SELECT 2, id, 1, 'cli', 0 FROM papers"
                " WHERE id >= 100;",
                &err),
        0);
    CHECK_INT_EQ(
        db_vote_requests_fulfil(db, "2611.15034", 7, 2000, &voted, &full, &err),
        0);
    CHECK_INT_EQ(voted, 1);
    CHECK_INT_EQ(full, 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM votes WHERE"
                           " subscription_id = 1 AND paper_id = 7 AND vote = 1"
                           " AND source = 'preferences' AND created_at = 2000"),
                 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM vote_requests"
                           " WHERE arxiv_id = '2611.15034'"),
                 1);
    CHECK_CONTAINS(text(db,
                        "SELECT state || ': ' || last_error FROM"
                        " vote_requests WHERE arxiv_id = '2611.15034'",
                        buf, sizeof(buf)),
                   "failed: your subscription keeps at most 200 votes");
    /* fail */
    CHECK_INT_EQ(db_vote_requests_fail(db, "2612.99999", "arXiv does not know",
                                       &k, &err),
                 0);
    CHECK_INT_EQ(k, 1);
    CHECK_STR_EQ(text(db,
                      "SELECT state || ':' || last_error FROM vote_requests"
                      " WHERE arxiv_id = '2612.99999'",
                      buf, sizeof(buf)),
                 "failed:arXiv does not know");
    CHECK_INT_EQ(db_vote_requests_due(db, 1000, 4, ids, &n, &err), 0);
    CHECK_INT_EQ(n, 0);
    db_close(db);
}

static void
test_retry(void)
{
    static const struct backoff policy = {60, 600};
    struct db *db = setup();
    char reason[400], buf[400], ids[2][PAPER_ID_MAX];
    size_t n = 0;
    struct err err;

    err_init(&err);
    memset(reason, 'e', sizeof(reason) - 1);
    reason[sizeof(reason) - 1] = '\0';
    reason[DB_VOTE_REQUEST_ERROR_MAX - 1] = '\xc3'; /* a 2-byte character */
    reason[DB_VOTE_REQUEST_ERROR_MAX] = '\xa9';     /* across the cut */
    CHECK_INT_EQ(db_vote_requests_add(db, 1, "2612.00001", 1, 100, &err), 0);
    CHECK_INT_EQ(db_vote_requests_retry(db, "2612.00001", 1000, &policy, 3,
                                        "down", &err),
                 0);
    CHECK_STR_EQ(text(db,
                      "SELECT state || ':' || attempts || ':' || next_at"
                      " || ':' || last_error FROM vote_requests",
                      buf, sizeof(buf)),
                 "pending:1:1060:down");
    CHECK_INT_EQ(db_vote_requests_due(db, 1059, 2, ids, &n, &err), 0);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(db_vote_requests_due(db, 1060, 2, ids, &n, &err), 0);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(db_vote_requests_retry(db, "2612.00001", 2000, &policy, 3,
                                        "down", &err),
                 0);
    CHECK_STR_EQ(text(db,
                      "SELECT state || ':' || attempts || ':' || next_at"
                      " FROM vote_requests",
                      buf, sizeof(buf)),
                 "pending:2:2120");
    /* the last attempt: failed, with the reason cut on a character */
    CHECK_INT_EQ(db_vote_requests_retry(db, "2612.00001", 3000, &policy, 3,
                                        reason, &err),
                 0);
    CHECK_STR_EQ(text(db, "SELECT state || ':' || attempts FROM vote_requests",
                      buf, sizeof(buf)),
                 "failed:3");
    CHECK_INT_EQ(count(db, "SELECT length(CAST(last_error AS BLOB))"
                           " FROM vote_requests"),
                 DB_VOTE_REQUEST_ERROR_MAX - 1);
    db_close(db);
}

int
main(void)
{
    test_add_remove_cap();
    test_due_fulfil_fail();
    test_retry();
    return CHECK_DONE();
}
