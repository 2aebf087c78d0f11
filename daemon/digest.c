/* SPDX-License-Identifier: MIT */
/*
 * digest - freeze a subscription's papers for a day (see digest.h).
 *
 * The candidate window: papers first seen after the subscription's
 * previous digest was frozen (at most DIGEST_MAX_DAYS before day), or,
 * for a first digest, papers first seen on day or the DIGEST_FIRST_DAYS
 * days before it; in both cases no later than day (first_seen_day <= day)
 * and never a paper already in one of its digests.  Keywords rank and
 * filter; without keywords the order is trending.  When keywords match
 * nothing, [digest] when_empty decides between sending nothing and the
 * trending top.  Exclusions always apply.
 */
#include "digest.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db_digest.h"
#include "log.h"
#include "query.h"
#include "rank.h"
#include "str.h"
#include "xalloc.h"

#define DIGEST_FIRST_DAYS 2 /* first digest: day and the 2 days before */
#define DIGEST_MAX_DAYS 7   /* never reach further back than a week */
#define DIGEST_WHY_MAX 1024 /* bytes of one "why" line */

/* digest_write - store the top of c as digest rows; *digest_id set */
static int
digest_write(struct db *db, const struct db_digest_sub *sub, const char *day,
             const struct query *q, const struct rank_cand *c, size_t n,
             int64_t *digest_id, struct err *err)
{
    struct buf why;
    int64_t id;
    int rc = -1;

    buf_init(&why, DIGEST_WHY_MAX);
    if (db_digest_insert(db, sub->id, day, str_now(), &id, err) == -1)
        goto out;
    for (size_t i = 0; i < n && i < (size_t)sub->max_papers; i++) {
        buf_reset(&why);
        rank_why(q, &c[i], &why);
        if (db_digest_item_add(db, id, (int)i + 1, c[i].id, c[i].score,
                               buf_str(&why), err) == -1)
            goto out;
    }
    if (db_digest_set_last_day(db, sub->id, day, err) == -1)
        goto out;
    *digest_id = id;
    rc = 0;
out:
    buf_release(&why);
    return rc;
}

/* digest_choose - rank the candidates into c/n (best first); *n = 0 when
 * nothing should be sent */
static int
digest_choose(struct db *db, const struct config *cfg, const struct query *q,
              struct rank_cand *c, size_t *n, struct err *err)
{
    struct rank_cand *copy = NULL;
    size_t ncopy = *n;
    int rc = -1;

    if (*n == 0)
        return 0;
    if (q->nterms > 0 && cfg->when_empty == CONFIG_EMPTY_TRENDING) {
        copy = xmalloc(*n * sizeof(*c));
        memcpy(copy, c, *n * sizeof(*c));
    }
    if (rank_candidates(db, cfg, q, c, n, err) == -1)
        goto out;
    if (q->nterms > 0 && *n > 0) {
        rank_score(c, *n, 1, cfg->trending_weight);
    } else if (q->nterms > 0 && copy != NULL) {
        /* nothing matched: the trending top, exclusions still apply */
        struct query ex = *q;
        ex.nterms = 0;
        ex.match = NULL;
        memcpy(c, copy, ncopy * sizeof(*c));
        *n = ncopy;
        if (rank_candidates(db, cfg, &ex, c, n, err) == -1)
            goto out;
        rank_score(c, *n, 0, 0);
    } else if (q->nterms == 0) {
        rank_score(c, *n, 0, 0);
    }
    rc = 0;
out:
    free(copy);
    return rc;
}

int
digest_freeze(struct db *db, const struct config *cfg, int64_t subscription_id,
              const char *day, int64_t *digest_id, struct err *err)
{
    struct db_digest_sub sub;
    struct query q;
    struct rank_cand *c = NULL;
    struct tm tm;
    size_t n = 0;
    int64_t id = 0, prev = 0, since;
    time_t day0;
    int own_txn = 0, rc = -1;

    memset(&q, 0, sizeof(q));
    if (strlen(day) != 10 || str_parse_day(day, &tm) == -1 ||
        str_day_to_time(day, &day0) == -1) {
        err_set(err, ERR_PERM, "digest: bad day '%s' (want YYYY-MM-DD)", day);
        return -1;
    }
    if (!db_digest_in_txn(db)) {
        if (db_begin(db, err) == -1)
            return -1;
        own_txn = 1;
    }
    if (db_digest_find(db, subscription_id, day, &id, err) == -1)
        goto out;
    if (id != 0) {
        rc = 0; /* already frozen: idempotent */
        goto out;
    }
    if (db_digest_sub_load(db, subscription_id, &sub, err) == -1)
        goto out;
    if (sub.max_papers < 1)
        sub.max_papers = cfg->max_papers;
    if (query_parse(sub.keywords, &q, err) == -1) {
        err_prefix(err, "digest: subscription %lld keywords",
                   (long long)subscription_id);
        goto out;
    }
    if (db_digest_prev(db, subscription_id, day, &prev, err) == -1)
        goto out;
    if (prev > 0) {
        since = prev + 1;
        if (since < (int64_t)day0 - DIGEST_MAX_DAYS * 86400)
            since = (int64_t)day0 - DIGEST_MAX_DAYS * 86400;
    } else {
        since = (int64_t)day0 - DIGEST_FIRST_DAYS * 86400;
    }
    if (db_digest_candidates(db, &sub, since, day, &c, &n, err) == -1)
        goto out;
    if (digest_choose(db, cfg, &q, c, &n, err) == -1)
        goto out;
    if (n > 0 && digest_write(db, &sub, day, &q, c, n, &id, err) == -1)
        goto out;
    log_debug("digest: sub=%lld day=%s papers=%zu digest=%lld",
              (long long)subscription_id, day,
              n < (size_t)sub.max_papers ? n : (size_t)sub.max_papers,
              (long long)id);
    rc = 0;
out:
    if (own_txn) {
        if (rc == 0 && db_commit(db, err) == -1)
            rc = -1;
        if (rc == -1)
            db_rollback(db);
    }
    if (rc == 0)
        *digest_id = id;
    free(c);
    query_release(&q);
    return rc;
}
