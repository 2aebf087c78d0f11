/* SPDX-License-Identifier: MIT */
/*
 * test_digest_sources - db_digest_failed_sources(): which of a digest's
 * sources the digest says could not be fetched.  A source's outcome is
 * its latest run finished by the digest's time (a later run, failed or
 * fine, changes nothing; a run in the same second counts; an unfinished
 * one does not); HF first, then the categories in the order given; only
 * the daily sources (not a backfill's arxiv-api rows); runs older than
 * three days before the digest do not count.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "db.h"
#include "db_digest.h"

#define T 1795000000LL /* the digest's created_at */

/* exec - run SQL */
static void
exec(struct db *db, const char *sql)
{
    struct err err;

    err_init(&err);
    if (db_exec(db, sql, &err) == -1)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(err.kind == ERR_NONE);
}

/* run - a collect_runs row for source, finished at T + dt (no finish
 * when unfinished), its day that time's UTC day */
static void
run(struct db *db, const char *source, long long dt, int ok, int unfinished)
{
    char sql[512];

    snprintf(sql, sizeof(sql),
             "INSERT INTO collect_runs (source, day, started_at, finished_at,"
             " ok) VALUES ('%s', date(%lld, 'unixepoch'), %lld, %s%lld, %d)",
             source, T + dt, T + dt - 5, unfinished ? "NULL + " : "", T + dt,
             ok);
    exec(db, sql);
}

static int
on_failed(void *arg, const char *category)
{
    struct buf *b = arg;

    if (b->len > 0)
        buf_addc(b, ' ');
    buf_adds(b, *category ? category : "HF");
    return 0;
}

/* failed - the failed sources as "HF cs.CL ..." */
static void
failed(struct db *db, const char *cats, int hf, const char *want)
{
    struct err err;
    struct buf b;

    err_init(&err);
    buf_init(&b, 1024);
    buf_adds(&b, "");
    CHECK_INT_EQ(db_digest_failed_sources(db, cats, hf, T, on_failed, &b, &err),
                 0);
    CHECK_STR_EQ(buf_str(&b), want);
    buf_release(&b);
}

int
main(void)
{
    struct db *db = NULL;
    struct err err;

    err_init(&err);
    CHECK_INT_EQ(db_open(":memory:", 1000, &db, &err), 0);
    if (db == NULL)
        return CHECK_DONE();

    /* no runs: nothing is known to have failed */
    failed(db, "cs.LG,cs.CL", 1, "");

    run(db, "hf-daily", -600, 0, 0);
    run(db, "arxiv-rss:cs.LG", -600, 1, 0);
    run(db, "arxiv-rss:cs.CL", -600, 0, 0);
    failed(db, "cs.LG,cs.CL", 1, "HF cs.CL");
    failed(db, "cs.CL, cs.LG", 0, "cs.CL"); /* no HF in the list */
    failed(db, "cs.LG", 1, "HF");           /* the subscription's filter */

    /* after the digest: a fine cs.CL and a failed cs.LG change nothing */
    run(db, "arxiv-rss:cs.CL", 60, 1, 0);
    run(db, "arxiv-rss:cs.LG", 60, 0, 0);
    failed(db, "cs.LG,cs.CL", 1, "HF cs.CL");

    /* HF fine in the digest's own second; an unfinished cs.CL run and a
     * backfill's failure do not count */
    run(db, "hf-daily", 0, 1, 0);
    run(db, "arxiv-rss:cs.CL", -10, 1, 1);
    run(db, "arxiv-api:cs.LG", -10, 0, 0);
    failed(db, "cs.LG,cs.CL", 1, "cs.CL");

    /* a failure four days old is not today's; three days old still is */
    run(db, "arxiv-rss:cs.CV", -4 * 86400 - 60, 0, 0);
    run(db, "arxiv-rss:cs.AI", -2 * 86400, 0, 0);
    failed(db, "cs.CV,cs.AI", 0, "cs.AI");

    /* categories cannot inject: bytes outside a category are dropped */
    failed(db, "cs.CL'),('x", 0, "cs.CL");

    db_close(db);
    return CHECK_DONE();
}
