/* SPDX-License-Identifier: MIT */
/*
 * db_stats - the reads behind `paperboy stats`: counts over lists,
 * subscribers, subscriptions, papers, the outbox and collect_runs, and
 * per-day figures for a time range.  It only reads; every value is bound.
 *
 * Contract: 0 on success, -1 with err filled.  Out-parameters are written
 * only on success.
 */
#ifndef PAPERBOY_DB_STATS_H
#define PAPERBOY_DB_STATS_H

#include <stdint.h>

#include "db.h"
#include "db_sub.h"
#include "err.h"

#define DB_STATS_NOUTBOX 6 /* outbox states, in db_stats_outbox_state order */

struct db_stats {
    int64_t lists;
    int64_t subscribers;          /* distinct addresses */
    int64_t subs[DB_SUB_NSTATUS]; /* subscriptions by status */
    int64_t paused;               /* confirmed but paused */
    int64_t papers;
    int64_t papers_hf;                /* seen on HF daily papers */
    char last_paper_day[16];          /* newest first_seen_day, or "" */
    int64_t outbox[DB_STATS_NOUTBOX]; /* by state */
    /* the last run of each source (sources that ran within a week of the
     * newest run, so a category dropped from every list leaves) */
    int64_t collect_at;      /* newest run's start, unix seconds; 0 = never */
    char collect_day[16];    /* the newest run's day */
    int64_t collect_sources; /* sources counted */
    int64_t collect_failed;  /* of them, those whose last run failed (a
                              * run the stop cut did not finish: no) */
    int64_t collect_new, collect_updated; /* papers, over those last runs */
    char failed_sources[512]; /* "arxiv-rss:cs.CV, hf-daily" (cut to fit) */
};

/* db_stats_outbox_state - "queued", "sending", "deferred", "sent",
 * "bounced", "failed" for i in 0..DB_STATS_NOUTBOX-1 */
const char *db_stats_outbox_state(int i);

/* db_stats_read - every count of struct db_stats */
int db_stats_read(struct db *db, struct db_stats *out, struct err *err);

/* One day's figures: events whose time falls in [start, end). */
struct db_stats_day {
    int64_t start, end;   /* unix seconds: the day's bounds in its zone */
    int64_t confirmed;    /* subscriptions confirmed (confirmed_at) */
    int64_t unsubscribed; /* subscriptions left (unsubscribed_at) */
    int64_t sent;         /* digest mails sent (sent_at) */
    int64_t deferred;     /* digest mails now deferred or failed whose last
                             attempt was that day */
    int64_t bounced;      /* digest mails bounced, by their last attempt */
    int64_t papers;       /* papers first seen (first_seen_at) */
};

/* db_stats_day - fill d's counts for [d->start, d->end) */
int db_stats_day(struct db *db, struct db_stats_day *d, struct err *err);

#endif
