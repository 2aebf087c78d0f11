/* SPDX-License-Identifier: MIT */
/*
 * collect_bench - time the collector's own work on one feed file, in
 * process, the way the anchor (feedparser.parse) is timed: parse +
 * normalise (source_rss), then store + index (db_paper_store in one
 * transaction, FTS5 kept by the schema's triggers) into a fresh database.
 * Opening the database (schema creation) is outside the timed part, like
 * Python's start-up and import are on the other side.
 *
 * Then, as a floor for the store part, the time FTS5 alone takes to index
 * the same rows with the same tokenizer: a 'rebuild' of papers_fts in one
 * transaction (best of RUNS).
 *
 * usage: collect_bench FEED.xml DB_PATH RUNS
 * prints: "parse_s store_s total_s papers fts_s cpu_s fts_cpu_s": the
 * wall times of the best run, then the least CPU time (user + system) of
 * parse + store and of the FTS5 rebuild, which a loaded machine disturbs
 * less than wall time
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "db_paper.h"
#include "source.h"

/* bench_clock - seconds on clock id */
static double
bench_clock(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* bench_cpu - CPU seconds used by this process (user + system) */
static double
bench_cpu(void)
{
    return bench_clock(CLOCK_PROCESS_CPUTIME_ID);
}

/* bench_now - monotonic seconds */
static double
bench_now(void)
{
    return bench_clock(CLOCK_MONOTONIC);
}

int
main(int argc, char **argv)
{
    FILE *fp;
    char *data, path[4096];
    long n;
    int runs;
    double best[3] = {1e9, 1e9, 1e9}, fts = 1e9, cpu = 1e9, fts_cpu = 1e9;
    size_t stored = 0;

    if (argc != 4 || (runs = (int)strtol(argv[3], NULL, 10)) < 1) {
        fprintf(stderr, "usage: collect_bench FEED.xml DB_PATH RUNS\n");
        return 2;
    }
    fp = fopen(argv[1], "rb");
    if (fp == NULL) {
        perror(argv[1]);
        return 1;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    data = malloc((size_t)n);
    if (data == NULL || fread(data, 1, (size_t)n, fp) != (size_t)n)
        return 1;
    fclose(fp);
    for (int r = 0; r < runs; r++) {
        struct source_feed feed;
        struct err err;
        struct db *db = NULL;
        double t0, t1, t2, c0;

        for (const char *sfx = ""; sfx; sfx = *sfx ? NULL : "-wal") {
            snprintf(path, sizeof(path), "%s%s", argv[2], sfx);
            unlink(path);
        }
        snprintf(path, sizeof(path), "%s-shm", argv[2]);
        unlink(path);
        err_init(&err);
        if (db_open(argv[2], 5000, &db, &err) == -1) {
            fprintf(stderr, "collect_bench: %s\n", err.msg);
            return 1;
        }
        db_paper_tune(db); /* as collect_run() does */
        source_feed_init(&feed);
        c0 = bench_cpu();
        t0 = bench_now();
        if (source_rss_ops.parse(data, (size_t)n, &feed, &err) == -1) {
            fprintf(stderr, "collect_bench: %s\n", err.msg);
            return 1;
        }
        t1 = bench_now();
        if (db_begin(db, &err) == -1)
            return 1;
        {
            const struct paper **v = calloc(feed.papers.n, sizeof(*v));
            enum db_paper_outcome *o = calloc(feed.papers.n, sizeof(*o));
            for (size_t i = 0; i < feed.papers.n; i++)
                v[i] = &feed.papers.v[i];
            if (db_paper_store(db, v, feed.papers.n, 1795000000, "2026-11-18",
                               NULL, o, &err) == -1) {
                fprintf(stderr, "collect_bench: %s\n", err.msg);
                return 1;
            }
            stored = 0;
            for (size_t i = 0; i < feed.papers.n; i++)
                stored += o[i] == DB_PAPER_NEW;
            free(v);
            free(o);
        }
        if (db_commit(db, &err) == -1)
            return 1;
        t2 = bench_now();
        if (bench_cpu() - c0 < cpu)
            cpu = bench_cpu() - c0;
        if (t2 - t0 < best[2]) {
            best[0] = t1 - t0;
            best[1] = t2 - t1;
            best[2] = t2 - t0;
        }
        source_feed_release(&feed);
        db_close(db);
    }
    {
        struct err err;
        struct db *db = NULL;

        err_init(&err);
        if (db_open(argv[2], 5000, &db, &err) == -1) {
            fprintf(stderr, "collect_bench: %s\n", err.msg);
            return 1;
        }
        db_paper_tune(db);
        for (int r = 0; r < runs; r++) {
            double c0 = bench_cpu(), t0 = bench_now(), t1;
            if (db_begin(db, &err) == -1 ||
                db_exec(db,
                        "INSERT INTO papers_fts(papers_fts) VALUES('rebuild')",
                        &err) == -1 ||
                db_commit(db, &err) == -1) {
                fprintf(stderr, "collect_bench: %s\n", err.msg);
                return 1;
            }
            t1 = bench_now();
            if (t1 - t0 < fts)
                fts = t1 - t0;
            if (bench_cpu() - c0 < fts_cpu)
                fts_cpu = bench_cpu() - c0;
        }
        db_close(db);
    }
    printf("%.4f %.4f %.4f %zu %.4f %.4f %.4f\n", best[0], best[1], best[2],
           stored, fts, cpu, fts_cpu);
    free(data);
    return 0;
}
