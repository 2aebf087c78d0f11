/* SPDX-License-Identifier: MIT */
/*
 * likes_fetch - fulfil "papers like these" that the preferences page
 * could not vote on yet (store/db_vote_requests.h): the scheduler calls
 * likes_fetch_due() each pass; it takes up to COLLECT_IDS_MAX due ids,
 * votes at once on those collected meanwhile (no API call for them),
 * fetches the others in one arXiv API call (collect_papers(), the source
 * backfill uses), then each id now in papers becomes the requesters'
 * vote, an id the API answered without fails with "arXiv does not know
 * this id", one the API refuses "arXiv refused this id", and a fetch
 * that failed is tried again later (exponential backoff,
 * LIKES_FETCH_ATTEMPTS at most).  The web never fetches: it
 * only stores the request.  Not here: the requests' SQL (store/) and
 * when a pass runs (serve/daemon.c).
 */
#ifndef PAPERBOY_LIKES_FETCH_H
#define PAPERBOY_LIKES_FETCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"

#define LIKES_FETCH_ATTEMPTS 8 /* failed fetches before a request fails */
#define LIKES_FETCH_UNKNOWN "arXiv does not know this id"
#define LIKES_FETCH_REFUSED "arXiv refused this id"
#define LIKES_FETCH_FAILED "arXiv could not be reached"

/* The retry policy of a failed fetch, in seconds: 1, 2, 4 ... 12 hours. */
extern const struct backoff likes_fetch_backoff;

/* What one pass did. */
struct likes_fetch_stats {
    size_t ids;     /* ids asked of the API */
    int known;      /* ids in papers already: not fetched */
    int voted;      /* requests turned into votes */
    int unknown;    /* ids the API answered without */
    int full;       /* requests failed: their subscription's votes full */
    int retried;    /* ids whose fetch failed and wait */
    size_t split;   /* the API refused this call of split ids (> 1): ask
                       them one by one (max 1) in the next calls */
    int refused;    /* 1: the API refused the one id asked: it failed */
    int stopped;    /* 1: the stop flag cut the fetch (nothing changed) */
    int more;       /* 1: more requests may be due now */
    struct err why; /* the fetch's error when retried > 0 */
};

/*
 * likes_fetch_due - one batch of at most max (1 to COLLECT_IDS_MAX; 0:
 * COLLECT_IDS_MAX) vote requests due at now (see above), in one API call.
 * stop (may be NULL) is the caller's stop flag: a fetch it cuts changes no
 * request.  When the API refuses a call of several ids (its error entry
 * for one of them), nothing changes and st.split asks the caller to call
 * with max 1 for that many calls; a refused single id fails at once
 * (LIKES_FETCH_REFUSED).  Any other failed fetch is retried later
 * (LIKES_FETCH_FAILED: the error itself, which names the call's URL and
 * so other readers' ids, is only in st.why, for the log).  The caller
 * paces the calls ([sources] api_delay_ms).  -1 with err only on a
 * database error.
 */
int likes_fetch_due(struct db *db, const struct config *cfg, int64_t now,
                    size_t max, const volatile sig_atomic_t *stop,
                    struct likes_fetch_stats *st, struct err *err);

#endif
