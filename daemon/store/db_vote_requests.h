/* SPDX-License-Identifier: MIT */
/*
 * db_vote_requests - the vote_requests table (schema/120_vote_requests.sql):
 * "papers like these" named on the preferences page that are not in the
 * database yet.  The web adds them; the scheduler takes the due ones
 * (db_vote_requests_due), fetches them (collect/likes_fetch.c) and then
 * turns each into a vote (db_vote_requests_fulfil), a failure the reader
 * sees (db_vote_requests_fail) or a later try (db_vote_requests_retry).
 * The SQL only: who may add or remove a request is the caller's check
 * (the preferences token).  A subscription holds at most
 * DB_VOTE_REQUESTS_MAX requests, pending and failed together.
 *
 * Out-parameters are written only on success; "not found" is 1.
 */
#ifndef PAPERBOY_DB_VOTE_REQUESTS_H
#define PAPERBOY_DB_VOTE_REQUESTS_H

#include <stddef.h>
#include <stdint.h>

#include "backoff.h"
#include "db.h"
#include "err.h"
#include "paper.h"

#define DB_VOTE_REQUESTS_MAX 50       /* requests of one subscription */
#define DB_VOTE_REQUEST_ERROR_MAX 200 /* bytes of a failure's reason kept */

/* One request, as listed. */
struct db_vote_request {
    int64_t id;
    int64_t subscription_id;
    const char *arxiv_id;   /* canonical; borrowed during the callback */
    int vote;               /* 1 (or -1) */
    int64_t created_at;     /* unix seconds */
    int failed;             /* 1: given up; reason in last_error */
    int attempts;           /* failed fetches so far */
    int64_t next_at;        /* not fetched before (pending) */
    const char *last_error; /* borrowed likewise; "" if none */
};

/*
 * db_vote_requests_add - ask for arxiv_id (canonical) to become sub_id's
 * vote once fetched.  A request for the same paper is made pending again
 * (attempts 0, due now, its reason cleared).  0 stored; 1 when sub_id
 * holds DB_VOTE_REQUESTS_MAX other requests already (nothing stored, err
 * untouched); -1 with err.  The count and the insert run in one
 * transaction (the caller's, if it holds one).
 */
int db_vote_requests_add(struct db *db, int64_t sub_id, const char *arxiv_id,
                         int vote, int64_t now, struct err *err);

/* db_vote_requests_remove - delete request id if it is sub_id's: 0
 * removed, 1 no such request of sub_id (nothing changed) */
int db_vote_requests_remove(struct db *db, int64_t sub_id, int64_t id,
                            struct err *err);

/* db_vote_requests_each - call fn for each request of sub_id, oldest
 * first; a non-zero return from fn stops (not an error) */
int db_vote_requests_each(struct db *db, int64_t sub_id,
                          int (*fn)(void *arg, const struct db_vote_request *r),
                          void *arg, struct err *err);

/*
 * db_vote_requests_due - the distinct arXiv ids (at most max, into
 * ids[0..*n)) of pending requests due at now whose subscription is
 * pending or confirmed, the longest waiting first.  *n is 0 when none.
 */
int db_vote_requests_due(struct db *db, int64_t now, size_t max,
                         char (*ids)[PAPER_ID_MAX], size_t *n, struct err *err);

/*
 * db_vote_requests_fulfil - arxiv_id is stored as paper_id: each pending
 * request for it becomes its subscription's vote (source 'preferences')
 * and is deleted, or, when that subscription holds DB_VOTES_MAX votes
 * already, is failed with that reason.  One transaction (the caller's,
 * if it holds one).  *voted and *full (either may be NULL) get how many
 * of each.
 */
int db_vote_requests_fulfil(struct db *db, const char *arxiv_id,
                            int64_t paper_id, int64_t now, int *voted,
                            int *full, struct err *err);

/* db_vote_requests_fail - every pending request for arxiv_id fails with
 * reason (cut to DB_VOTE_REQUEST_ERROR_MAX bytes); *n (may be NULL) gets
 * how many */
int db_vote_requests_fail(struct db *db, const char *arxiv_id,
                          const char *reason, int *n, struct err *err);

/*
 * db_vote_requests_retry - a fetch of arxiv_id failed with reason: each
 * pending request for it counts one more attempt and waits
 * backoff_delay(policy, attempts) seconds from now; one that reaches
 * max_attempts fails with the reason instead.  One transaction.
 */
int db_vote_requests_retry(struct db *db, const char *arxiv_id, int64_t now,
                           const struct backoff *policy, int max_attempts,
                           const char *reason, struct err *err);

#endif
