/* SPDX-License-Identifier: MIT */
/*
 * likes_fetch - fulfil "papers like these" that the preferences page
 * could not vote on yet (store/db_vote_requests.h): the scheduler calls
 * likes_fetch_due() each pass; it takes up to COLLECT_IDS_MAX due ids,
 * votes at once on those collected meanwhile (no API call for them),
 * fetches the others in one arXiv API call (collect_papers(), the source
 * backfill uses), then each id now in papers becomes the requesters'
 * vote, an id the API answered without fails with "arXiv does not know
 * this id", and a fetch that failed is tried again later (exponential
 * backoff, LIKES_FETCH_ATTEMPTS at most).  The web never fetches: it
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
    int stopped;    /* 1: the stop flag cut the fetch (nothing changed) */
    int more;       /* 1: more requests may be due now */
    struct err why; /* the fetch's error when retried > 0 */
};

/*
 * likes_fetch_due - one batch of the vote requests due at now (see
 * above).  stop (may be NULL) is the caller's stop flag: a fetch it cuts
 * changes no request.  -1 with err only on a database error; a failed
 * fetch is in st.
 */
int likes_fetch_due(struct db *db, const struct config *cfg, int64_t now,
                    const volatile sig_atomic_t *stop,
                    struct likes_fetch_stats *st, struct err *err);

#endif
