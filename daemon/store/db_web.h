/* SPDX-License-Identifier: MIT */
/*
 * db_web - the queries only the web side needs: health and metrics
 * figures, and the public views of papers (a list's day for the archive,
 * the feed and the live sample on the subscribe form).  Nothing here
 * reads or returns personal data.  Subscriber and subscription queries
 * live in db_sub.c.
 *
 * Contract: 0 on success, -1 with err filled on failure; lookups return 1
 * when there is no such row.  Strings handed to callbacks are borrowed
 * and valid only during the call.  Out-parameters are written only on
 * success.
 */
#ifndef PAPERBOY_DB_WEB_H
#define PAPERBOY_DB_WEB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/*
 * db_web_tune - give a web connection a fine-grained busy handler: while
 * another connection (a delivery worker, the scheduler) holds the write
 * lock, retry every 100 microseconds at first, then every millisecond, for
 * at most timeout_ms in all.  SQLite's own handler sleeps up to 100 ms at
 * a time, which is what a form submission would then wait.  Also raises
 * the connection's WAL autocheckpoint to 10000 pages, so checkpoints are
 * normally made by the background connections, not inside a request.
 */
void db_web_tune(struct db *db, int timeout_ms);

/*
 * db_web_wal_watch - the sign-up writer's connection never checkpoints
 * inside a commit (a checkpoint there held a batch and its waiters);
 * instead, after each commit, *frames holds the WAL's size in frames, so
 * the web's checkpointer thread knows when to run db_web_checkpoint().
 */
void db_web_wal_watch(struct db *db, _Atomic int *frames);
/* db_web_checkpoint - a PASSIVE checkpoint: copies what no reader still
 * needs back into the database, never waits for or blocks a writer */
int db_web_checkpoint(struct db *db, struct err *err);

/* db_web_ping - a trivial query on the file itself (the connection's
 * page cache is dropped first): is the database readable at all */
int db_web_ping(struct db *db, struct err *err);

/* One row of collect_runs. */
struct db_web_run {
    char source[64];     /* 'arxiv-rss:cs.LG', 'hf-daily' */
    char day[11];        /* collection day */
    int64_t started_at;  /* unix seconds */
    int64_t finished_at; /* unix seconds, 0 = still running */
    int ok;              /* 1: succeeded */
    int64_t duration_ms; /* milliseconds */
};

/* db_web_last_collection - the latest collect_runs row; 0/1/-1 */
int db_web_last_collection(struct db *db, struct db_web_run *out,
                           struct err *err);

/* The latest collection pass: the newest collect_runs rows that share
 * their started_at (collect_run() stamps every source of a pass with the
 * time the pass started), up to a source seen twice (two passes in the
 * same second); at most DB_WEB_PASS_MAX sources. */
#define DB_WEB_PASS_MAX 128
struct db_web_pass {
    int64_t started_at; /* unix seconds */
    int64_t sources;    /* rows of the pass */
    int64_t failed;     /* of which finished and not ok (a source the stop
                         * cut short did not finish) */
};

/* db_web_last_pass - the latest pass; 0/1 (nothing collected yet)/-1 */
int db_web_last_pass(struct db *db, struct db_web_pass *out, struct err *err);

/* db_web_oldest_queued - *out = created_at of the oldest mail still to
 * deliver (queued, sending or deferred), 0 when there is none */
int db_web_oldest_queued(struct db *db, int64_t *out, struct err *err);

/* Collection figures per source, for /metrics. */
struct db_web_source {
    const char *source;
    int64_t runs;             /* rows */
    int64_t failures;         /* rows with ok = 0 and finished */
    int64_t duration_ms_sum;  /* over every row */
    int64_t last_duration_ms; /* of the latest row */
    int64_t last_finished_at; /* unix seconds of the latest row, or 0 */
};

/* db_web_collect_stats - fn once per source, by name */
int db_web_collect_stats(struct db *db,
                         int (*fn)(void *arg, const struct db_web_source *s),
                         void *arg, struct err *err);

/* db_web_outbox_counts - fn(kind, state, count) for every non-empty
 * (kind, state) pair of the outbox */
int db_web_outbox_counts(struct db *db,
                         int (*fn)(void *arg, const char *kind,
                                   const char *state, int64_t n),
                         void *arg, struct err *err);

/* A paper as the public pages show it. */
struct db_web_paper {
    int64_t id;
    const char *arxiv_id;
    const char *title;
    const char *abstract;
    const char *authors;    /* JSON array of names */
    const char *categories; /* 'cs.LG,stat.ML' */
    const char *day;        /* first_seen_day */
    int upvotes;            /* hf_upvotes */
    int64_t first_seen_at;  /* unix seconds */
    double bm25;            /* -bm25() for matches, else 0 */
};

/* Which papers belong to a list (lists.categories, lists.include_hf). */
struct db_web_scope {
    const char *categories; /* 'cs.LG,cs.CL'; "" = every category */
    int include_hf;         /* papers on HF daily papers belong too */
};

/* db_web_latest_day - the newest first_seen_day among the list's papers,
 * into day[11]; 1 when the list has no papers yet */
int db_web_latest_day(struct db *db, const struct db_web_scope *scope,
                      char day[11], struct err *err);

/* db_web_near_day - the list's nearest day with papers before day (dir
 * < 0) or after it (dir > 0), into out[11]; 1 when there is none */
int db_web_near_day(struct db *db, const struct db_web_scope *scope,
                    const char *day, int dir, char out[11], struct err *err);

/*
 * db_web_day_papers - the list's papers first seen on day, trending first
 * (upvotes, then newest, then id), at most limit; fn returns 0 to go on.
 */
int db_web_day_papers(struct db *db, const struct db_web_scope *scope,
                      const char *day, size_t limit,
                      int (*fn)(void *arg, const struct db_web_paper *p),
                      void *arg, struct err *err);

/*
 * db_web_recent_papers - the list's papers first seen on or after since
 * (a day), newest day first and trending within a day, at most limit.
 */
int db_web_recent_papers(struct db *db, const struct db_web_scope *scope,
                         const char *since, size_t limit,
                         int (*fn)(void *arg, const struct db_web_paper *p),
                         void *arg, struct err *err);

/*
 * db_web_day_matches - the list's papers of day that match the FTS5
 * expression (built by query.h), with bm25 filled, at most limit, best
 * bm25 first.  An expression FTS5 refuses is ERR_PERM.
 */
int db_web_day_matches(struct db *db, const struct db_web_scope *scope,
                       const char *day, const char *match, double title_weight,
                       size_t limit,
                       int (*fn)(void *arg, const struct db_web_paper *p),
                       void *arg, struct err *err);

#endif
