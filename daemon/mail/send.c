/* SPDX-License-Identifier: MIT */
/*
 * send - freeze and queue a day's digests in one pass (see send.h).
 *
 * For each list, the subscriptions are read SEND_BATCH at a time in id
 * order (db_freeze_subs), with the papers of their recent digests
 * (db_freeze_sent).  Each chunk is ranked first, outside any transaction
 * (digest_pass_plan, which ranks each distinct profile once), then
 * frozen and queued in one transaction, and filter->committed is told, so that
 * delivery can start on it while the next chunk is frozen.  A subscription
 * whose keywords do not parse is skipped (nothing of it is written); a database
 * error rolls back the chunk and ends the run.  What was committed stays, and a
 * rerun continues where it stopped: a digest frozen but not queued is queued,
 * one queued is not queued again.
 */
#include "send.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db_freeze.h"
#include "digest.h"
#include "log.h"
#include "db_votes.h"
#include "outbox.h"
#include "xalloc.h"

#define SEND_LOG_MAX 10      /* failures logged one by one per run */
#define SEND_CACHE_KIB 16384 /* page cache during a pass (db_freeze_tune) */

/* A run's state, shared by its chunks. */
struct send_run {
    struct db *db;
    const struct config *cfg;
    const struct compose *c;
    const struct send_filter *f;
    const char *day;
    int64_t now;
    struct digest_pass *pass;
    struct send_counts k;
    int64_t *sent; /* work array: one subscription's sent papers */
    size_t sentcap;
    struct outbox_digest *q; /* the chunk's digests to queue */
    size_t nq;
};

/* send_stopping - 1 once the filter's stop flag is set */
static int
send_stopping(const struct send_run *r)
{
    return r->f && r->f->stop && *r->f->stop;
}

/* send_queue - queue r->q[0..r->nq) in one statement (idempotent per
 * digest) */
static int
send_queue(struct send_run *r, struct err *err)
{
    int64_t queued = 0;

    if (outbox_enqueue_digests(r->db, r->q, r->nq, r->now, &queued, err) == -1)
        return -1;
    r->k.queued += queued;
    r->k.already += (int64_t)r->nq - queued;
    r->nq = 0;
    return 0;
}

/* send_plan - rank subs[0..n) (outside the write transaction):
 * prof[i] for those to freeze, NULL for those frozen already or skipped
 * (skip[i] = 1, logged); *done = how many were looked at before a stop */
static int
send_plan(struct send_run *r, const struct db_freeze_sub *subs, size_t n,
          const struct db_freeze_sent *sent, size_t nsent,
          const int64_t *voters, size_t nvoters, struct digest_profile **prof,
          char *skip, size_t *done, struct err *err)
{
    size_t j = 0, v = 0, i;

    digest_pass_chunk(r->pass, n);
    for (i = 0; i < n; i++) {
        size_t m = 0;
        struct err e;
        int x;
        prof[i] = NULL;
        skip[i] = 0;
        if (send_stopping(r)) {
            r->k.stopped = 1;
            break;
        }
        if (subs[i].digest_id != 0)
            continue;
        while (j < nsent && sent[j].sub_id < subs[i].sub.id)
            j++;
        while (j < nsent && sent[j].sub_id == subs[i].sub.id) {
            if (m == r->sentcap) {
                r->sentcap = r->sentcap ? 2 * r->sentcap : 64;
                r->sent = xrealloc(r->sent, r->sentcap * sizeof(*r->sent));
            }
            r->sent[m++] = sent[j++].paper_id;
        }
        while (v < nvoters && voters[v] < subs[i].sub.id)
            v++;
        err_init(&e);
        x = digest_pass_plan(
            r->pass, r->db, r->cfg, &subs[i].sub, subs[i].prev, r->sent, m,
            v < nvoters && voters[v] == subs[i].sub.id, r->day, &prof[i], &e);
        if (x == -1) {
            *err = e;
            return -1;
        }
        if (x == 1) {
            skip[i] = 1;
            if (r->k.failed++ < SEND_LOG_MAX)
                log_warn("send: subscription=%" PRId64 " day=%s skipped: %s",
                         subs[i].sub.id, r->day, e.msg);
        }
    }
    *done = i;
    return 0;
}

/* send_write - freeze and queue subs[0..n) as planned, in the open
 * transaction */
static int
send_write(struct send_run *r, const struct db_freeze_sub *subs, size_t n,
           struct digest_profile *const *prof, const char *skip,
           struct err *err)
{
    r->nq = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t digest_id = subs[i].digest_id;
        if (skip[i])
            continue;
        if (digest_id == 0 && digest_pass_store(r->db, &subs[i].sub, r->day,
                                                prof[i], &digest_id, err) == -1)
            return -1;
        if (digest_id == 0) {
            r->k.empty++;
            continue;
        }
        r->q[r->nq].digest_id = digest_id;
        compose_message_id_digest(r->c, subs[i].sub.id, r->day,
                                  r->q[r->nq].message_id,
                                  sizeof(r->q[r->nq].message_id));
        r->nq++;
    }
    return send_queue(r, err);
}

/* send_min_sent_day - the earliest day any of subs[0..n) needs its sent
 * papers from */
static int
send_min_sent_day(const struct send_run *r, const struct db_freeze_sub *subs,
                  size_t n, char *out, size_t size, struct err *err)
{
    char d[16];

    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (subs[i].digest_id != 0)
            continue;
        if (digest_sent_day(r->day, subs[i].prev, subs[i].sub.weekly, d,
                            sizeof(d), err) == -1)
            return -1;
        if (out[0] == '\0' || strcmp(d, out) < 0)
            (void)snprintf(out, size, "%s", d);
    }
    if (out[0] == '\0')
        (void)snprintf(out, size, "9999-12-31"); /* nothing to freeze */
    return 0;
}

/* send_list - the pass over one list */
static int
send_list(struct send_run *r, int64_t list_id, struct err *err)
{
    struct db_freeze_sub *subs = NULL;
    struct db_freeze_sent *sent = NULL;
    struct digest_profile **prof = NULL;
    int64_t *voters = NULL;
    char *skip = NULL;
    size_t n = 0, nsent = 0, nvoters = 0, done = 0;
    int64_t after = 0;
    char since_day[16];
    int rc = -1;

    for (;;) {
        if (send_stopping(r)) {
            r->k.stopped = 1;
            break;
        }
        if (db_freeze_subs(r->db, list_id, r->f ? r->f->timezone : NULL,
                           r->f ? r->f->confirmed_before : 0, r->day, after,
                           SEND_BATCH, &subs, &n, err) == -1)
            goto out;
        if (n == 0)
            break;
        if (send_min_sent_day(r, subs, n, since_day, sizeof(since_day), err) ==
                -1 ||
            db_freeze_sent(r->db, subs[0].sub.id, subs[n - 1].sub.id, since_day,
                           &sent, &nsent, err) == -1 ||
            db_votes_voters(r->db, subs[0].sub.id, subs[n - 1].sub.id, &voters,
                            &nvoters, err) == -1)
            goto out;
        prof = xrealloc(prof, n * sizeof(*prof));
        skip = xrealloc(skip, n);
        if (send_plan(r, subs, n, sent, nsent, voters, nvoters, prof, skip,
                      &done, err) == -1)
            goto out;
        if (db_begin(r->db, err) == -1)
            goto out;
        if (send_write(r, subs, done, prof, skip, err) == -1 ||
            db_commit(r->db, err) == -1) {
            db_rollback(r->db);
            digest_pass_rollback(r->pass);
            goto out;
        }
        r->k.considered += (int64_t)done;
        if (r->f && r->f->committed)
            r->f->committed(r->f->arg);
        after = subs[n - 1].sub.id;
        free(subs);
        free(sent);
        free(voters);
        subs = NULL;
        sent = NULL;
        voters = NULL;
        if (n < SEND_BATCH || r->k.stopped)
            break;
    }
    rc = 0;
out:
    free(subs);
    free(sent);
    free(voters);
    free(prof);
    free(skip);
    return rc;
}

int
send_day(struct db *db, const struct config *cfg, const struct compose *c,
         const struct send_filter *filter, const char *day, int64_t now,
         struct send_counts *out, struct err *err)
{
    struct send_run r;
    int64_t *lists = NULL;
    size_t nlists = 0;
    int64_t cache = 0;
    int rc = -1, tuned = 0;

    memset(&r, 0, sizeof(r));
    r.db = db;
    r.cfg = cfg;
    r.c = c;
    r.f = filter;
    r.day = day;
    r.now = now;
    if (db_freeze_lists(db, filter ? filter->list_name : NULL, &lists, &nlists,
                        err) == -1)
        return -1;
    if (db_freeze_tune(db, SEND_CACHE_KIB, &cache, err) == -1)
        goto out;
    tuned = 1;
    r.pass = digest_pass_new();
    r.q = xmalloc(SEND_BATCH * sizeof(*r.q));
    for (size_t i = 0; i < nlists && !r.k.stopped; i++)
        if (send_list(&r, lists[i], err) == -1)
            goto out;
    if (r.k.failed > SEND_LOG_MAX)
        log_warn("send: %" PRId64 " more subscriptions skipped for day=%s",
                 r.k.failed - SEND_LOG_MAX, day);
    *out = r.k;
    rc = 0;
out:
    if (tuned)
        db_freeze_untune(db, cache);
    digest_pass_free(r.pass);
    free(r.sent);
    free(r.q);
    free(lists);
    return rc;
}
