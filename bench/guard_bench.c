/* SPDX-License-Identifier: MIT */
/*
 * guard_bench - what the bounce guard costs a large mailing's delivery.
 *
 * Builds a database with one list of SUBS confirmed subscriptions, each
 * with a frozen digest of one day queued in the outbox (not timed), then,
 * timed, runs the delivery workers' storage loop without SMTP: each turn
 * stores the previous claim's results and claims the next CLAIM rows in
 * one transaction (outbox_record_claim), every 100th row refused at RCPT
 * (1 % hard bounces, below the default 5 % limit: nothing pauses).
 * Prints the wall and CPU time of the loop, the time spent in
 * transactions whose batch held a bounce, and whether the list paused.
 *
 *   guard_bench [-n SUBS] [-c CLAIM] [-d DIR]
 *
 * Run it through bench/guard, which builds it against the core library.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "outbox.h"

static double
mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, const struct err *err)
{
    fprintf(stderr, "guard_bench: %s: %s\n", what, err->msg);
    exit(1);
}

int
main(int argc, char **argv)
{
    long subs = 100000, claim = 64;
    const char *dir = "/tmp";
    char path[512], q[1024];
    struct config *cfg;
    struct db *db;
    struct err err;
    struct outbox_row *rows;
    struct outbox_result *res;
    size_t n = 0, nres = 0;
    int64_t now = (int64_t)time(NULL), seq = 0, bounced = 0;
    double t0, c0, tb = 0, wall;
    int opt;

    while ((opt = getopt(argc, argv, "n:c:d:")) != -1) {
        if (opt == 'n')
            subs = atol(optarg);
        else if (opt == 'c')
            claim = atol(optarg);
        else if (opt == 'd')
            dir = optarg;
        else {
            fprintf(stderr,
                    "usage: guard_bench [-n SUBS] [-c CLAIM] [-d DIR]\n");
            return 2;
        }
    }
    err_init(&err);
    cfg = config_defaults();
    snprintf(path, sizeof(path), "%s/guard_bench.db", dir);
    unlink(path);
    if (db_open(path, 5000, &db, &err) == -1)
        die("db_open", &err);
    snprintf(q, sizeof(q),
             "BEGIN;"
             "INSERT INTO lists (name, title, categories, created_at) "
             " VALUES ('big', 'Big', 'cs.LG', 1);"
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
             " WHERE i < %ld) INSERT INTO subscribers (email, created_at) "
             " SELECT 'r' || i || '@example.org', 1 FROM n;"
             "INSERT INTO subscriptions (subscriber_id, list_id, status, "
             " created_at, updated_at, confirmed_at) SELECT id, (SELECT id "
             " FROM lists WHERE name = 'big'), 'confirmed', 1, 1, 1 "
             " FROM subscribers;"
             "INSERT INTO digests (subscription_id, day, created_at) "
             " SELECT id, '2026-12-01', 1 FROM subscriptions;"
             "INSERT INTO outbox (kind, priority, subscription_id, digest_id, "
             " rcpt, message_id, issued_at, state, created_at, "
             " next_attempt_at) SELECT 'digest', 1, d.subscription_id, d.id, "
             " 'x@example.org', '<d.' || d.id || '@bench>', 1, 'queued', 1, 1 "
             " FROM digests d;"
             "COMMIT;",
             subs);
    if (db_exec(db, q, &err) == -1)
        die("seeding", &err);
    rows = calloc((size_t)claim, sizeof(*rows));
    res = calloc((size_t)claim, sizeof(*res));
    if (rows == NULL || res == NULL)
        return 1;
    t0 = mono();
    c0 = cpu();
    for (;;) {
        int held = 0;
        double t;
        for (size_t i = 0; i < nres; i++)
            held |= res[i].outcome == OUTBOX_BOUNCE;
        t = mono();
        if (outbox_record_claim(db, cfg, res, nres, NULL, now, rows,
                                (size_t)claim, &n, NULL, &err) == -1)
            die("record and claim", &err);
        if (held)
            tb += mono() - t;
        if (n == 0)
            break;
        memset(res, 0, (size_t)claim * sizeof(*res));
        for (size_t i = 0; i < n; i++) {
            res[i].id = rows[i].id;
            res[i].at = now = (int64_t)time(NULL);
            res[i].outcome = ++seq % 100 == 37 ? OUTBOX_BOUNCE : OUTBOX_OK;
            res[i].unknown_user = 1;
            bounced += res[i].outcome == OUTBOX_BOUNCE;
            snprintf(res[i].reply, sizeof(res[i].reply), "%s",
                     res[i].outcome == OUTBOX_BOUNCE ? "550 5.1.1 unknown"
                                                     : "250 ok");
        }
        nres = n;
    }
    wall = mono() - t0;
    {
        int64_t paused = 0;
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db_handle(db),
                               "SELECT count(*) FROM list_pauses", -1, &st,
                               NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            paused = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        printf("RESULT subs=%ld claim=%ld bounced=%" PRId64
               " wall_s=%.2f cpu_s=%.2f bounce_batches_s=%.2f paused=%" PRId64
               "\n",
               subs, claim, bounced, wall, cpu() - c0, tb, paused);
    }
    db_close(db);
    unlink(path);
    config_free(cfg);
    free(rows);
    free(res);
    return 0;
}
