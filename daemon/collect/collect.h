/* SPDX-License-Identifier: MIT */
/*
 * collect - one collection run: fetch every source the lists need, parse,
 * normalise and store the papers, and report per-source figures.
 *
 * Sources per run, deduplicated by URL across lists:
 *   - "arxiv-rss:<cat>": [sources] arxiv_rss_url + <cat>, for each category
 *     of each list; announce types new and cross are stored, replace and
 *     replace-cross only when a list has include_replacements;
 *   - "hf-daily": [sources] hf_daily_url?date=DAY when a list has
 *     include_hf;
 *   - "arxiv-api:<cat>" with a backfill: the arXiv API over the last N
 *     days (submittedDate), paged with start/max_results, with at least
 *     [sources] api_delay_ms between calls.
 * The daily sources are fetched in parallel (one connection per host).
 * Each source is stored in one transaction with its fetch_state and a
 * collect_runs row, so a failing source leaves the database as it was and
 * the others still count.  Nothing is printed (warnings go to the log);
 * the caller reports the figures.  The scheduler and the CLI both call
 * collect_run().
 */
#ifndef PAPERBOY_COLLECT_H
#define PAPERBOY_COLLECT_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "db.h"
#include "err.h"

#define COLLECT_API_PAGE 500     /* max_results per arXiv API call */
#define COLLECT_API_MAX_PAGES 60 /* 30,000 results: the API's ceiling */
#define COLLECT_BACKFILL_MAX 365 /* days */

struct collect_opts {
    const char *list;  /* only this list, or NULL for every list */
    const char *date;  /* "YYYY-MM-DD": HF day and backfill end; NULL=today */
    int backfill_days; /* > 0: also backfill via the arXiv API */
    /* called after the daily sources and after each backfill category
     * with the sources done and planned; may be NULL */
    void (*progress)(void *arg, size_t done, size_t total);
    void *progress_arg;
    /* when set and *stop becomes non-zero (a signal handler's flag, or
     * another thread's set with an atomic store), no new source or API
     * page is started, the pause between API calls ends and the fetches
     * in flight are cut within a fraction of a second (fetch_all()); the
     * sources done are stored and in res, those cut short fail with
     * stopped set and store nothing; may be NULL */
    const volatile sig_atomic_t *stop;
};

/* The outcome of one source. */
struct collect_stat {
    char source[96];  /* "arxiv-rss:cs.LG", "hf-daily", "arxiv-api:cs.LG" */
    char url[1024];   /* the (first) URL fetched */
    int ok;           /* 1: fetched, parsed and stored */
    int stopped;      /* 1: cut short by collect_opts.stop (!ok) */
    int not_modified; /* 1: HTTP 304, nothing new */
    int calls;        /* HTTP requests made (API pages) */
    long fetched;     /* entries in the document(s) */
    long new_;        /* papers inserted */
    long updated;     /* papers whose stored fields changed */
    long unchanged;   /* papers already stored like this */
    long skipped;     /* entries left out by policy (announce type) */
    long failed;      /* entries skipped as invalid (no id, no title) */
    long duration_ms; /* wall time of fetch + store */
    struct err err;   /* why, when !ok */
};

struct collect_result {
    struct collect_stat *v; /* one per source, in run order; owned */
    size_t n;
};

/*
 * collect_run - collect for the lists selected by o (see above).  -1 with
 * err only when the run could not start (unknown list, no lists, bad
 * date, database error); failures of single sources are in res.  res is
 * filled in either case and released with collect_result_release().
 */
int collect_run(struct db *db, const struct config *cfg,
                const struct collect_opts *o, struct collect_result *res,
                struct err *err);

/* collect_result_ok - number of sources that succeeded */
size_t collect_result_ok(const struct collect_result *res);

void collect_result_release(struct collect_result *res);

/*
 * collect_papers - fetch the papers ids[0..n) (canonical arXiv ids, at
 * most COLLECT_IDS_MAX) from the arXiv API (id_list, the source backfill
 * uses) and store them, for votes on papers not collected yet.  They are
 * stored without their categories, so they join no list's window: a
 * year-old paper someone liked is not news for the others.  *stored gets
 * how many were new or updated.  -1 with err when the API cannot be
 * reached or its answer not parsed or stored; *refused (may be NULL) is
 * then 1 when the API answered its error entry (an id it refuses, e.g.
 * "incorrect id format"): the ids are at fault, not the connection (any
 * other answer that does not parse is 0: it may be a proxy's page).  stop (may
 * be NULL) is collect_opts.stop: when *stop becomes non-zero the fetch is cut
 * within a fraction of a second and collect_papers returns -1, nothing stored.
 */
#define COLLECT_IDS_MAX 50
int collect_papers(struct db *db, const struct config *cfg,
                   const char *const *ids, size_t n,
                   const volatile sig_atomic_t *stop, size_t *stored,
                   int *refused, struct err *err);

#endif
