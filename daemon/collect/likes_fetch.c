/* SPDX-License-Identifier: MIT */
/*
 * likes_fetch - the scheduler's fetch of requested liked papers (see
 * likes_fetch.h).
 */
#include <stdio.h>
#include <string.h>

#include "backoff.h"
#include "collect.h"
#include "db_paper.h"
#include "db_vote_requests.h"
#include "fetch.h"
#include "likes_fetch.h"

const struct backoff likes_fetch_backoff = {60, 12 * 3600};

/* likes_vote - id, now in papers as paper_id: its requesters' votes (or
 * failures, when their votes are full) */
static int
likes_vote(struct db *db, const char *id, int64_t paper_id, int64_t now,
           struct likes_fetch_stats *st, struct err *err)
{
    int voted = 0, full = 0;

    if (db_vote_requests_fulfil(db, id, paper_id, now, &voted, &full, err) ==
        -1)
        return -1;
    st->voted += voted;
    st->full += full;
    return 0;
}

/* likes_each - for each of ids[0..*n): the ones in papers are voted on
 * (likes_vote); the others fail as unknown (after a fetch: keep 0) or
 * stay in ids, order kept (before it: keep 1), *n their count */
static int
likes_each(struct db *db, char (*ids)[PAPER_ID_MAX], size_t *n, int keep,
           int64_t now, struct likes_fetch_stats *st, struct err *err)
{
    size_t k = 0;

    for (size_t i = 0; i < *n; i++) {
        struct db_paper_row row;
        int found = db_paper_get(db, ids[i], &row, err), rc, nf = 0;
        if (found == -1)
            return -1;
        if (found == 1 && keep) {
            if (k != i)
                memcpy(ids[k], ids[i], PAPER_ID_MAX);
            k++;
            continue;
        }
        if (found == 1) {
            if (db_vote_requests_fail(db, ids[i], LIKES_FETCH_UNKNOWN, &nf,
                                      err) == -1)
                return -1;
            st->unknown++;
            continue;
        }
        rc = likes_vote(db, ids[i], row.id, now, st, err);
        db_paper_row_release(&row);
        if (rc == -1)
            return -1;
        st->known += keep;
    }
    *n = k;
    return 0;
}

int
likes_fetch_due(struct db *db, const struct config *cfg, int64_t now,
                size_t max, const volatile sig_atomic_t *stop,
                struct likes_fetch_stats *st, struct err *err)
{
    char ids[COLLECT_IDS_MAX][PAPER_ID_MAX];
    const char *idp[COLLECT_IDS_MAX];
    size_t n = 0, stored = 0;
    int refused = 0;

    memset(st, 0, sizeof(*st));
    err_init(&st->why);
    if (max == 0 || max > COLLECT_IDS_MAX)
        max = COLLECT_IDS_MAX;
    if (db_vote_requests_due(db, now, max, ids, &n, err) == -1)
        return -1;
    if (n == 0)
        return 0;
    st->more = n == max;
    /* a paper collected since it was asked for needs no API call */
    if (likes_each(db, ids, &n, 1, now, st, err) == -1)
        return -1;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        idp[i] = ids[i];
    st->ids = n;
    if (collect_papers(db, cfg, idp, n, stop, &stored, &refused, &st->why) == 0)
        return likes_each(db, ids, &n, 0, now, st, err);
    if (fetch_stop_requested(stop)) {
        st->stopped = 1;
        st->more = 0;
        return 0;
    }
    if (refused && n > 1) {
        /* one id the API refuses fails the whole call: ask again one by
         * one, nothing counted against the others */
        st->split = n;
        st->more = 1;
        return 0;
    }
    if (refused) {
        int k = 0;
        if (db_vote_requests_fail(db, ids[0], LIKES_FETCH_REFUSED, &k, err) ==
            -1)
            return -1;
        st->refused = 1;
        st->more = 1;
        return 0;
    }
    /* the reason a reader sees is a fixed sentence: the error names the
     * call's URL, whose ids are other readers' too (the log has it) */
    for (size_t i = 0; i < n; i++)
        if (db_vote_requests_retry(db, ids[i], now, &likes_fetch_backoff,
                                   LIKES_FETCH_ATTEMPTS, LIKES_FETCH_FAILED,
                                   err) == -1)
            return -1;
    st->retried = (int)n;
    st->more = 0;
    return 0;
}
