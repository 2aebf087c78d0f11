/* SPDX-License-Identifier: MIT */
/*
 * digest - freeze a subscription's papers for a day (see digest.h).
 *
 * The candidate window: papers first seen after the subscription's
 * previous digest was frozen (at most DIGEST_MAX_DAYS before day, or
 * DIGEST_MAX_DAYS_WEEKLY for a weekly subscription), or,
 * for a first digest, papers first seen on day or the DIGEST_FIRST_DAYS
 * days before it (DIGEST_FIRST_DAYS_WEEKLY for a weekly subscription,
 * whose digest is only frozen on its weekday: db_freeze_subs); in both cases no
 * later than day (first_seen_day <= day) and never a paper already in one of
 * its digests.  The list's part of the selection (categories, HF, replacements,
 * the widest window of the cadence) is one query whose result a struct
 * digest_batch keeps for the next subscription of the same list, day and
 * cadence (a daily reader's window and ranking never depend on whether
 * weekly readers are frozen beside it); the subscription's own part
 * (its window, categories, papers already sent) is applied in C.  Keywords rank
 * and filter; without keywords the order is trending.  When keywords match
 * nothing, [digest] when_empty decides between sending nothing and the
 * trending top.  Exclusions always apply.
 */
#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db_digest.h"
#include "db_votes.h"
#include "log.h"
#include "query.h"
#include "rank_papers.h"
#include "rank_index.h"
#include "str.h"
#include "xalloc.h"

#define DIGEST_FIRST_DAYS 2        /* first digest: day and the 2 days before */
#define DIGEST_FIRST_DAYS_WEEKLY 6 /* a first weekly one: the last 7 days */
/* A week and a day: a mailing before 00:00 UTC (07:00 in Tokyo is 22:00 UTC
 * the day before) froze its digest before its day's start, so a week back
 * from that start would skip the papers seen in between. */
#define DIGEST_MAX_DAYS 8
/* A weekly digest reaches back to its previous one even when a weekday
 * was missed (the daemon down that day, the list paused): two weeks and
 * the same day as above.  Longer gaps lose the older papers. */
#define DIGEST_MAX_DAYS_WEEKLY 15
#define DIGEST_WHY_MAX 1024 /* bytes of one "why" line */

/* The reader's votes (db_votes.h) and the profile made of them. */
struct digest_reader {
    struct rank_vote *v; /* titles and abstracts owned */
    size_t n, cap;
    struct rank_profile *p; /* made against the batch's index */
};

/* digest_on_vote - keep one vote with its paper's text */
static int
digest_on_vote(void *arg, const struct db_vote *v)
{
    struct digest_reader *r = arg;

    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
    }
    r->v[r->n].paper_id = v->paper_id;
    r->v[r->n].vote = v->vote;
    r->v[r->n].title = xstrdup(v->title);
    r->v[r->n].abstract = xstrdup(v->abstract);
    r->n++;
    return 0;
}

/* digest_reader_release - free the votes and the profile */
static void
digest_reader_release(struct digest_reader *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free((char *)r->v[i].title);
        free((char *)r->v[i].abstract);
    }
    free(r->v);
    rank_profile_free(r->p);
    memset(r, 0, sizeof(*r));
}

static int digest_mark_period(struct db *db, const struct db_digest_sub *sub,
                              const char *day, int64_t id, struct err *err);

/* digest_write - store the top of c as a digest set and the digests row
 * naming it; *digest_id set.  The items go in as one statement: every
 * statement in a transaction that has touched the FTS5 table costs a
 * virtual-table savepoint. */
static int
digest_write(struct db *db, const struct db_digest_sub *sub, const char *day,
             const struct query *q, const struct digest_reader *rd,
             struct rank_index *ix, const struct rank_cand *c, size_t n,
             int64_t *digest_id, struct err *err)
{
    size_t m = n < (size_t)sub->max_papers ? n : (size_t)sub->max_papers;
    struct buf why, json;
    int64_t id, set;
    int rc = -1;

    buf_init(&why, DIGEST_WHY_MAX);
    buf_init(&json, 64 * 1024);
    buf_addc(&json, '[');
    for (size_t i = 0; i < m; i++) {
        int near = rd->p != NULL && ix != NULL
                       ? rank_profile_nearest(ix, rd->p, c[i].id, c[i].prof)
                       : -1;
        buf_reset(&why);
        rank_why_reader(q, &c[i], near >= 0 ? rd->v[near].title : NULL, &why);
        char num[64];
        int k = snprintf(num, sizeof(num), "%lld,%.9g", (long long)c[i].id,
                         c[i].score);
        buf_adds(&json, i ? ",[" : "[");
        buf_add(&json, num, k > 0 && (size_t)k < sizeof(num) ? (size_t)k : 0);
        buf_adds(&json, ",\"");
        buf_add_json(&json, why.data ? why.data : "", why.len);
        buf_adds(&json, "\"]");
    }
    buf_addc(&json, ']');
    if (buf_check(&json, err) == -1 || db_digest_set_new(db, &set, err) == -1 ||
        db_digest_set_items_add(db, set, buf_str(&json), err) == -1 ||
        db_digest_insert(db, sub->id, day, str_now(), set, (int)m, &id, err) ==
            -1)
        goto out;
    if (digest_mark_period(db, sub, day, id, err) == -1 ||
        db_digest_set_last_day(db, sub->id, day, err) == -1)
        goto out;
    *digest_id = id;
    rc = 0;
out:
    buf_release(&why);
    buf_release(&json);
    return rc;
}

/* The list window's index, built on first use (see digest_batch), and
 * the reader's votes. */
struct digest_rank {
    struct digest_batch *b;
    struct digest_reader *rd;
};

static int digest_index(struct digest_batch *b, struct db *db,
                        const struct config *cfg, struct err *err);
static struct rank_index *digest_batch_index(struct digest_batch *b);

/* digest_rank_some - rank_index_score() against the window's index */
static int
digest_rank_some(struct db *db, const struct config *cfg, const struct query *q,
                 const struct digest_rank *dr, struct rank_cand *c, size_t *n,
                 struct err *err)
{
    struct rank_index *ix;

    if (q->nterms == 0 && q->nexcluded == 0 && dr->rd->n == 0)
        return 0;
    if (digest_index(dr->b, db, cfg, err) == -1)
        return -1;
    ix = digest_batch_index(dr->b);
    if (dr->rd->n > 0 && dr->rd->p == NULL)
        dr->rd->p = rank_profile_new(ix, dr->rd->v, dr->rd->n);
    rank_index_score_reader(ix, q, dr->rd->p, c, n);
    return 0;
}

/* digest_choose - rank the candidates into c/n (best first); *n = 0 when
 * nothing should be sent */
static int
digest_choose(struct db *db, const struct config *cfg, const struct query *q,
              const struct digest_rank *dr, size_t k, struct rank_cand *c,
              size_t *n, struct rank_cand **copybuf, size_t *copycap,
              struct err *err)
{
    struct rank_cand *copy = NULL;
    size_t ncopy = *n;
    /* ranked by relevance: keywords, or papers the reader voted on (with
     * dislikes alone, trending less what is like them) */
    int rel = q->nterms > 0 || dr->rd->n > 0;
    int rc = -1;

    if (*n == 0)
        return 0;
    if (rel && cfg->when_empty == CONFIG_EMPTY_TRENDING) {
        if (*copycap < *n) {
            free(*copybuf);
            *copybuf = xmalloc(*n * sizeof(*c));
            *copycap = *n;
        }
        copy = *copybuf;
        memcpy(copy, c, *n * sizeof(*c));
    }
    if (digest_rank_some(db, cfg, q, dr, c, n, err) == -1)
        goto out;
    if (rel && *n > 0) {
        rank_top(c, *n, 1, rank_profile_trend(dr->rd->p, cfg->trending_weight),
                 k);
    } else if (rel && copy != NULL) {
        /* nothing matched: the trending top, exclusions still apply */
        struct query ex = *q;
        struct digest_reader none;
        struct digest_rank exr = {dr->b, &none};
        memset(&none, 0, sizeof(none));
        ex.nterms = 0;
        ex.match = NULL;
        memcpy(c, copy, ncopy * sizeof(*c));
        *n = ncopy;
        if (digest_rank_some(db, cfg, &ex, &exr, c, n, err) == -1)
            goto out;
        rank_top(c, *n, 0, 0, k);
    } else if (!rel) {
        rank_top(c, *n, 0, 0, k);
    }
    rc = 0;
out:
    return rc;
}

/* The list's window of candidates, kept between calls of a batch. */
struct digest_batch {
    int valid;
    unsigned gen; /* bumped each time the window is loaded */
    int64_t list_id;
    char list_categories[520];
    int include_hf, include_replacements;
    char day[11];
    int64_t from;             /* the window's first first_seen_at */
    struct db_digest_cand *c; /* sorted by id */
    size_t n;
    struct rank_index *ix; /* the terms of c, built when first needed */
    /* work arrays of a subscription, kept for the next one: allocating
     * and freeing ~100 KB per digest made malloc trim and grow the heap */
    struct rank_cand *v, *copy;
    size_t vcap, copycap;
};

struct digest_batch *
digest_batch_new(void)
{
    return xcalloc(1, sizeof(struct digest_batch));
}

void
digest_batch_free(struct digest_batch *b)
{
    if (b == NULL)
        return;
    db_digest_cands_free(b->c, b->n);
    rank_index_free(b->ix);
    free(b->v);
    free(b->copy);
    free(b);
}

/* digest_list_window - the list's candidates of the widest window of a
 * cadence (first seen at from or later: digest_oldest), from b when it
 * holds that same window */
static int
digest_list_window(struct digest_batch *b, struct db *db,
                   const struct db_digest_sub *sub, const char *day,
                   int64_t from, struct err *err)
{
    if (b->valid && b->list_id == sub->list_id &&
        strcmp(b->list_categories, sub->list_categories) == 0 &&
        b->include_hf == sub->include_hf &&
        b->include_replacements == sub->include_replacements &&
        strcmp(b->day, day) == 0 && b->from == from)
        return 0;
    db_digest_cands_free(b->c, b->n);
    rank_index_free(b->ix);
    b->ix = NULL;
    b->c = NULL;
    b->n = 0;
    b->valid = 0;
    if (db_digest_list_candidates(db, sub, from, day, &b->c, &b->n, err) == -1)
        return -1;
    b->valid = 1;
    b->gen++;
    b->list_id = sub->list_id;
    (void)str_copy(b->list_categories, sizeof(b->list_categories),
                   sub->list_categories);
    b->include_hf = sub->include_hf;
    b->include_replacements = sub->include_replacements;
    (void)str_copy(b->day, sizeof(b->day), day);
    b->from = from;
    return 0;
}

/* digest_index - b->ix: the window's papers indexed once, for every
 * subscription of the batch (their idf is over the list's window) */
static int
digest_index(struct digest_batch *b, struct db *db, const struct config *cfg,
             struct err *err)
{
    int64_t *ids;
    int rc;

    if (b->ix != NULL)
        return 0;
    if (rank_index_open(cfg, &b->ix, err) == -1)
        return -1;
    ids = xmalloc((b->n ? b->n : 1) * sizeof(*ids));
    for (size_t i = 0; i < b->n; i++)
        ids[i] = b->c[i].id;
    rc = rank_index_papers(db, b->ix, ids, b->n, err);
    free(ids);
    if (rc == -1) {
        rank_index_free(b->ix);
        b->ix = NULL;
    }
    return rc;
}

/* digest_batch_index - the batch's index (built by digest_index) */
static struct rank_index *
digest_batch_index(struct digest_batch *b)
{
    return b->ix;
}

/* digest_has_cat - 1 if the comma list cats holds cat (len n) */
static int
digest_has_cat(const char *cats, const char *cat, size_t n)
{
    const char *p = cats;

    while (*p) {
        size_t k;
        while (*p == ',' || *p == ' ')
            p++;
        k = strcspn(p, ", ");
        if (k == n && strncmp(p, cat, n) == 0)
            return 1;
        p += k;
    }
    return 0;
}

/* digest_cats_meet - 1 if the comma lists a and b share a category */
static int
digest_cats_meet(const char *a, const char *b)
{
    while (*a) {
        size_t k;
        while (*a == ',' || *a == ' ')
            a++;
        k = strcspn(a, ", ");
        if (k > 0 && digest_has_cat(b, a, k))
            return 1;
        a += k;
    }
    return 0;
}

/* digest_was_sent - 1 if id is in the sorted ids */
static int
digest_was_sent(const int64_t *ids, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] == id)
            return 1;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* digest_sent_since_day - the first day whose digests can hold a paper
 * first seen at since or later */
static void
digest_sent_since_day(int64_t since, char *out, size_t size)
{
    /* a digest holding a paper first seen at t is of a day >= t's day
     * minus one (subscriber zones reach UTC-12); two days to be safe */
    str_format_day((time_t)(since - 2 * 86400), out, size);
}

/* digest_cand_ok - 1 if window paper p is a candidate for sub from since
 * on (its categories; sent is not looked at here) */
static int
digest_cand_ok(const struct db_digest_cand *p, const struct db_digest_sub *sub,
               int64_t since)
{
    if (p->first_seen_at < since)
        return 0;
    return !*sub->categories ||
           digest_cats_meet(sub->categories, p->categories);
}

/* digest_candidates_from - digest_candidates() with the papers already
 * sent given (sorted ids) */
static void
digest_candidates_from(struct digest_batch *b, const struct db_digest_sub *sub,
                       int64_t since, const int64_t *sent, size_t nsent,
                       struct rank_cand **c, size_t *n)
{
    size_t nv = 0;
    struct rank_cand *v;

    /* (not calloc: the window can be thousands of papers, and only the
     * kept entries are written, each whole) */
    if (b->vcap < (b->n ? b->n : 1)) {
        free(b->v);
        b->vcap = b->n ? b->n : 1;
        b->v = xmalloc(b->vcap * sizeof(*b->v));
    }
    v = b->v;
    for (size_t i = 0; i < b->n; i++) {
        const struct db_digest_cand *p = &b->c[i];
        if (!digest_cand_ok(p, sub, since))
            continue;
        if (digest_was_sent(sent, nsent, p->id))
            continue;
        memset(&v[nv], 0, sizeof(v[nv]));
        v[nv].id = p->id;
        v[nv].first_seen_at = p->first_seen_at;
        v[nv].upvotes = p->upvotes;
        nv++;
    }
    *c = v;
    *n = nv;
}

/* digest_candidates - this subscription's candidates out of the list's
 * window: first seen since `since`, in its own categories when set, never
 * sent to it.  *c is b's work array, valid until the next call. */
static int
digest_candidates(struct digest_batch *b, struct db *db,
                  const struct db_digest_sub *sub, int64_t since,
                  struct rank_cand **c, size_t *n, struct err *err)
{
    int64_t *sent = NULL;
    size_t nsent = 0;
    char since_day[16];

    digest_sent_since_day(since, since_day, sizeof(since_day));
    if (db_digest_sent(db, sub->id, since_day, &sent, &nsent, err) == -1)
        return -1;
    digest_candidates_from(b, sub, since, sent, nsent, c, n);
    free(sent);
    return 0;
}

/* digest_day_start - *day0 = day 00:00 UTC; -1 on a malformed day */
static int
digest_day_start(const char *day, int64_t *day0_out, struct err *err)
{
    struct tm tm;
    time_t day0;

    if (strlen(day) != 10 || str_parse_day(day, &tm) == -1 ||
        str_day_to_time(day, &day0) == -1) {
        err_set(err, ERR_PERM, "digest: bad day '%s' (want YYYY-MM-DD)", day);
        return -1;
    }
    *day0_out = (int64_t)day0;
    return 0;
}

/* digest_oldest - the start of the widest window of a day (day0: its
 * 00:00 UTC) for a daily or a weekly subscription */
static int64_t
digest_oldest(int64_t day0, int weekly)
{
    return day0 - (weekly ? DIGEST_MAX_DAYS_WEEKLY : DIGEST_MAX_DAYS) * 86400;
}

/* digest_since - the first first_seen_at of a subscription's window of
 * the day starting at day0, from its previous digest's created_at (prev,
 * 0 = none); weekly: a first digest reaches back a week, not
 * DIGEST_FIRST_DAYS, and a later one two weeks and a day, not one */
static int64_t
digest_since(int64_t day0, int64_t prev, int weekly)
{
    int64_t oldest = digest_oldest(day0, weekly);

    if (prev > 0)
        return prev + 1 > oldest ? prev + 1 : oldest;
    return day0 -
           (weekly ? DIGEST_FIRST_DAYS_WEEKLY : DIGEST_FIRST_DAYS) * 86400;
}

int
digest_sent_day(const char *day, int64_t prev, int weekly, char *out,
                size_t size, struct err *err)
{
    int64_t day0;

    if (digest_day_start(day, &day0, err) == -1)
        return -1;
    digest_sent_since_day(digest_since(day0, prev, weekly), out, size);
    return 0;
}

int
digest_weekday_of(const char *day)
{
    struct tm tm;
    time_t t;

    if (strlen(day) != 10 || str_day_to_time(day, &t) == -1 ||
        gmtime_r(&t, &tm) == NULL)
        return -1;
    return tm.tm_wday;
}

int
digest_period_from(const char *last_day, const char *day, char *out,
                   size_t size, struct err *err)
{
    time_t day0, from;

    if (strlen(day) != 10 || str_day_to_time(day, &day0) == -1) {
        err_set(err, ERR_PERM, "digest: bad day '%s' (want YYYY-MM-DD)", day);
        return -1;
    }
    from = day0 - (DIGEST_WEEK_DAYS - 1) * 86400; /* none: a first digest */
    if (last_day != NULL && strlen(last_day) == 10 &&
        strcmp(last_day, day) < 0) {
        time_t last;
        if (str_day_to_time(last_day, &last) == 0) {
            /* the window's first day (digest_oldest) at the earliest */
            from = day0 - DIGEST_MAX_DAYS_WEEKLY * 86400;
            if (last + 86400 > from)
                from = last + 86400;
        }
    }
    str_format_day(from, out, size);
    return 0;
}

/* digest_mark_period - a weekly sub's new digest id of day records the
 * period it covers (schema 060); a daily one's nothing */
static int
digest_mark_period(struct db *db, const struct db_digest_sub *sub,
                   const char *day, int64_t id, struct err *err)
{
    char from[16];

    if (!sub->weekly || id == 0)
        return 0;
    if (digest_period_from(sub->last_digest_day, day, from, sizeof(from),
                           err) == -1)
        return -1;
    return db_digest_set_period(db, id, from, err);
}

int
digest_freeze(struct db *db, const struct config *cfg, int64_t subscription_id,
              const char *day, int64_t *digest_id, struct err *err)
{
    struct digest_batch *b = digest_batch_new();
    int rc;

    rc = digest_freeze_batch(b, db, cfg, subscription_id, day, digest_id, err);
    digest_batch_free(b);
    return rc;
}

int
digest_freeze_batch(struct digest_batch *batch, struct db *db,
                    const struct config *cfg, int64_t subscription_id,
                    const char *day, int64_t *digest_id, struct err *err)
{
    struct db_digest_sub sub;
    struct digest_rank dr;
    struct digest_reader rd;
    struct query q;
    struct rank_cand *c = NULL;
    size_t n = 0;
    int64_t id = 0, prev = 0, since, day0;
    int own_txn = 0, rc = -1, found;

    memset(&q, 0, sizeof(q));
    memset(&rd, 0, sizeof(rd));
    if (digest_day_start(day, &day0, err) == -1)
        return -1;
    if (!db_in_txn(db)) {
        if (db_begin(db, err) == -1)
            return -1;
        own_txn = 1;
    }
    found = db_digest_find(db, subscription_id, day, &id, err);
    if (found == -1)
        goto out;
    if (found == 0) {
        rc = 0; /* already frozen: idempotent */
        goto out;
    }
    if (db_digest_sub_load(db, subscription_id, &sub, err) != 0)
        goto out;
    if (query_parse(sub.keywords, &q, err) == -1) {
        err_prefix(err, "digest: subscription %lld keywords",
                   (long long)subscription_id);
        goto out;
    }
    if (db_digest_prev(db, subscription_id, day, &prev, err) == -1)
        goto out;
    since = digest_since(day0, prev, sub.weekly);
    if (digest_list_window(batch, db, &sub, day,
                           digest_oldest(day0, sub.weekly), err) == -1 ||
        digest_candidates(batch, db, &sub, since, &c, &n, err) == -1)
        goto out;
    if (db_votes_each(db, subscription_id, digest_on_vote, &rd, err) == -1)
        goto out;
    dr.b = batch;
    dr.rd = &rd;
    if (digest_choose(db, cfg, &q, &dr, (size_t)sub.max_papers, c, &n,
                      &batch->copy, &batch->copycap, err) == -1)
        goto out;
    if (n > 0 &&
        digest_write(db, &sub, day, &q, &rd, batch->ix, c, n, &id, err) == -1)
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
    query_release(&q);
    digest_reader_release(&rd);
    return rc;
}

/*
 * The freeze pass.  A profile is everything the ranking reads of one
 * subscription: its keywords, its categories, where its window starts
 * (as the number of the list's papers first seen before it) and which of
 * its candidates it was already sent.  Subscriptions with the same
 * profile get the same ranking, so it is computed once and kept as the
 * list of its best papers.  Anything the ranking reads per
 * subscription must go into the key (digest_pass_key: the votes do), or
 * two readers would share a digest they should not.
 */
#define DIGEST_PROFILES_MAX 32768 /* profiles kept; then emptied */
/* A profile is ranked for at least this many papers, so that readers of
 * it who ask for 5, 10 or 20 share one ranking (ranking scores every
 * candidate whatever k is; only the kept items grow with it). */
#define DIGEST_PASS_K 20

/* One paper of a ranked profile, as digest_items stores it. */
struct digest_item {
    int64_t id;   /* papers.id */
    double score; /* as stored: rounded to 9 digits like digest_write's */
    size_t why;   /* its "why" line: offset in the profile's whys */
};

struct digest_profile {
    char *key; /* owned; keylen bytes, may hold NULs */
    size_t keylen;
    uint64_t hash;             /* FNV-1a of key */
    struct digest_item *items; /* owned: best first */
    char *whys;     /* owned: the items' "why" lines, each NUL-terminated (one
                       block: a profile is two allocations, not one per item) */
    size_t n;       /* papers ranked and kept */
    size_t k;       /* papers asked for; n < k: every candidate is kept */
    int64_t set_id; /* digest_sets row, 0 = not written yet */
    size_t set_n;   /* items[0..set_n) are in it */
    int set_live;   /* set_id seen to exist in this chunk's transaction */
};

/* A list's window of one cadence and the profiles ranked against it. */
struct digest_win {
    struct digest_batch *b;
    unsigned gen;                /* b->gen the profiles were ranked against */
    int64_t *seen_at;            /* the window's first_seen_at, ascending */
    struct digest_profile **tab; /* open addressing, 2 * DIGEST_PROFILES_MAX */
    size_t count;                /* profiles in tab */
};

/* w[0] daily readers' window, w[1] weekly readers' (wider: a weekly
 * reader's profiles are never shared with a daily one's) */
struct digest_pass {
    struct digest_win w[2];
    struct buf key, why, whys;
    int64_t *relevant; /* work array: sent ids that are candidates */
    size_t relcap;
};

#define DIGEST_TAB_SIZE (2 * DIGEST_PROFILES_MAX)

struct digest_pass *
digest_pass_new(void)
{
    struct digest_pass *p = xcalloc(1, sizeof(*p));

    for (size_t i = 0; i < 2; i++) {
        p->w[i].b = digest_batch_new();
        p->w[i].tab = xcalloc(DIGEST_TAB_SIZE, sizeof(*p->w[i].tab));
    }
    buf_init(&p->key, 64 * 1024);
    buf_init(&p->why, DIGEST_WHY_MAX);
    buf_init(&p->whys, 64 * DIGEST_WHY_MAX);
    return p;
}

/* digest_profile_free - free one cached profile */
static void
digest_profile_free(struct digest_profile *e)
{
    if (e == NULL)
        return;
    free(e->key);
    free(e->whys);
    free(e->items);
    free(e);
}

/* digest_win_clear - forget every profile of w */
static void
digest_win_clear(struct digest_win *w)
{
    for (size_t i = 0; i < DIGEST_TAB_SIZE; i++) {
        digest_profile_free(w->tab[i]);
        w->tab[i] = NULL;
    }
    w->count = 0;
}

void
digest_pass_free(struct digest_pass *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < 2; i++) {
        digest_win_clear(&p->w[i]);
        free(p->w[i].tab);
        free(p->w[i].seen_at);
        digest_batch_free(p->w[i].b);
    }
    free(p->relevant);
    buf_release(&p->key);
    buf_release(&p->why);
    buf_release(&p->whys);
    free(p);
}

/* digest_i64_cmp - qsort order of int64_t */
static int
digest_i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* digest_pass_window - *out = the list's window of sub's cadence (from
 * its first first_seen_at); a new window forgets the profiles ranked
 * against the old one of that cadence.  The other cadence's stay: they
 * may be handed out for this chunk (a window of a cadence is reloaded
 * only for a new list or day, so its old profiles are not). */
static int
digest_pass_window(struct digest_pass *p, struct db *db,
                   const struct db_digest_sub *sub, const char *day,
                   int64_t from, struct digest_win **out, struct err *err)
{
    struct digest_win *w = &p->w[sub->weekly ? 1 : 0];
    struct digest_batch *b = w->b;

    if (digest_list_window(b, db, sub, day, from, err) == -1)
        return -1;
    *out = w;
    if (w->gen == b->gen && w->seen_at != NULL)
        return 0;
    digest_win_clear(w);
    free(w->seen_at);
    w->seen_at = xmalloc((b->n ? b->n : 1) * sizeof(*w->seen_at));
    for (size_t i = 0; i < b->n; i++)
        w->seen_at[i] = b->c[i].first_seen_at;
    qsort(w->seen_at, b->n, sizeof(*w->seen_at), digest_i64_cmp);
    w->gen = b->gen;
    return 0;
}

/* digest_window_find - the window paper with id, or NULL (b->c is sorted
 * by id) */
static const struct db_digest_cand *
digest_window_find(const struct digest_batch *b, int64_t id)
{
    size_t lo = 0, hi = b->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->c[mid].id == id)
            return &b->c[mid];
        if (b->c[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* digest_pass_key - sub's profile (with its votes, rd) in window w into
 * p->key; p->relevant[0..*nrel) the papers sent to it that would
 * otherwise be candidates */
static void
digest_pass_key(struct digest_pass *p, const struct digest_win *w,
                const struct db_digest_sub *sub, const struct digest_reader *rd,
                int64_t since, const int64_t *sent, size_t nsent, size_t *nrel)
{
    size_t lo = 0, hi = w->b->n, nr = 0;
    char num[32];

    while (lo < hi) { /* papers of the window first seen before since */
        size_t mid = lo + (hi - lo) / 2;
        if (w->seen_at[mid] < since)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (p->relcap < nsent) {
        free(p->relevant);
        p->relcap = nsent;
        p->relevant = xmalloc(nsent * sizeof(*p->relevant));
    }
    for (size_t i = 0; i < nsent; i++) {
        const struct db_digest_cand *c = digest_window_find(w->b, sent[i]);
        if (c != NULL && digest_cand_ok(c, sub, since))
            p->relevant[nr++] = sent[i];
    }
    buf_reset(&p->key);
    buf_adds(&p->key, sub->keywords);
    buf_addc(&p->key, '\x1f');
    buf_adds(&p->key, sub->categories);
    (void)snprintf(num, sizeof(num), "\x1f%zu", lo);
    buf_adds(&p->key, num);
    for (size_t i = 0; i < nr; i++) {
        (void)snprintf(num, sizeof(num), ",%lld", (long long)p->relevant[i]);
        buf_adds(&p->key, num);
    }
    /* the reader's votes steer the ranking: part of the profile */
    buf_addc(&p->key, '\x1f');
    for (size_t i = 0; i < rd->n; i++) {
        (void)snprintf(num, sizeof(num), ",%lld:%d",
                       (long long)rd->v[i].paper_id, rd->v[i].vote);
        buf_adds(&p->key, num);
    }
    *nrel = nr;
}

/* digest_hash - FNV-1a, 64 bits */
static uint64_t
digest_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

/* digest_pass_slot - the slot of key in w's table (holding it, or empty) */
static size_t
digest_pass_slot(const struct digest_win *w, const char *key, size_t len,
                 uint64_t h)
{
    size_t i = (size_t)(h % DIGEST_TAB_SIZE);

    while (w->tab[i] != NULL &&
           !(w->tab[i]->hash == h && w->tab[i]->keylen == len &&
             memcmp(w->tab[i]->key, key, len) == 0))
        i = (i + 1) % DIGEST_TAB_SIZE;
    return i;
}

/* digest_pass_rank - rank sub's profile in window w for the best k papers
 * into a new profile (the ranking: digest_choose, as digest_freeze does);
 * 1 with err when its keywords do not parse */
static int
digest_pass_rank(struct digest_pass *p, struct digest_win *w, struct db *db,
                 const struct config *cfg, const struct db_digest_sub *sub,
                 struct digest_reader *rd, int64_t since, size_t nrel, size_t k,
                 struct digest_profile **out, struct err *err)
{
    struct digest_batch *b = w->b;
    struct digest_profile *e = NULL;
    struct digest_rank dr;
    struct rank_cand *c = NULL;
    struct query q;
    size_t n = 0;
    int rc = -1;

    memset(&q, 0, sizeof(q));
    if (query_parse(sub->keywords, &q, err) == -1) {
        err_prefix(err, "digest: subscription %lld keywords",
                   (long long)sub->id);
        rc = 1;
        goto out;
    }
    if (nrel > 1)
        qsort(p->relevant, nrel, sizeof(*p->relevant), digest_i64_cmp);
    digest_candidates_from(b, sub, since, p->relevant, nrel, &c, &n);
    dr.b = b;
    dr.rd = rd;
    if (digest_choose(db, cfg, &q, &dr, k, c, &n, &b->copy, &b->copycap, err) ==
        -1)
        goto out;
    e = xcalloc(1, sizeof(*e));
    e->k = k;
    e->n = n < k ? n : k;
    e->items = xcalloc(e->n ? e->n : 1, sizeof(*e->items));
    buf_reset(&p->whys);
    for (size_t i = 0; i < e->n; i++) {
        char num[64];
        int near = rd->p != NULL && b->ix != NULL
                       ? rank_profile_nearest(b->ix, rd->p, c[i].id, c[i].prof)
                       : -1;
        buf_reset(&p->why);
        rank_why_reader(&q, &c[i], near >= 0 ? rd->v[near].title : NULL,
                        &p->why);
        /* the score as digest_write's JSON ("%.9g") stores it */
        (void)snprintf(num, sizeof(num), "%.9g", c[i].score);
        e->items[i].id = c[i].id;
        e->items[i].score = strtod(num, NULL);
        e->items[i].why = p->whys.len;
        buf_add(&p->whys, buf_str(&p->why), p->why.len + 1);
    }
    if (buf_check(&p->whys, err) == -1) { /* k <= 50 lines of <= 1 KB fit */
        digest_profile_free(e);
        goto out;
    }
    e->whys = xmalloc(p->whys.len ? p->whys.len : 1);
    memcpy(e->whys, p->whys.data ? p->whys.data : "", p->whys.len);
    *out = e;
    rc = 0;
out:
    query_release(&q);
    return rc;
}

/* digest_pass_set - e's first m items in its digest set: the set is made
 * on first use and grown when a reader asks for more than it holds (the
 * ranking is one total order, so a longer list keeps the head already
 * written) */
static int
digest_pass_set(struct db *db, struct digest_profile *e, size_t m,
                struct err *err)
{
    /* a set made in an earlier chunk's transaction may have gone since
     * (its only reader erased, the digests_set_gc trigger): looked up once
     * per chunk, in the write transaction, so it cannot go before the
     * digest naming it is inserted; ids are never reused (schema 080) */
    if (e->set_id != 0 && !e->set_live) {
        int live = 0;
        if (db_digest_set_live(db, e->set_id, &live, err) == -1)
            return -1;
        if (!live) {
            e->set_id = 0;
            e->set_n = 0;
        }
    }
    if (e->set_id == 0) {
        if (db_digest_set_new(db, &e->set_id, err) == -1)
            return -1;
        e->set_n = 0;
    }
    e->set_live = 1;
    /* one single-row INSERT per item: SQLite needs neither a statement
     * journal nor an ephemeral table for it, which an INSERT ... SELECT
     * FROM json_each() costs (the pass's transaction writes no FTS5
     * table, so there is no virtual-table savepoint to save) */
    for (; e->set_n < m; e->set_n++) {
        const struct digest_item *it = &e->items[e->set_n];
        if (db_digest_set_item_add(db, e->set_id, (int)e->set_n + 1, it->id,
                                   it->score, e->whys + it->why, err) == -1)
            return -1;
    }
    return 0;
}

/* digest_pass_write - the digest row of sub naming profile e's set (its
 * best max_papers); *digest_id 0 when e ranked nothing */
static int
digest_pass_write(struct db *db, const struct db_digest_sub *sub,
                  const char *day, struct digest_profile *e, int64_t *digest_id,
                  struct err *err)
{
    size_t m = e->n < (size_t)sub->max_papers ? e->n : (size_t)sub->max_papers;
    int64_t id;

    int rc;

    *digest_id = 0;
    if (m == 0)
        return 0;
    /* a concurrent freeze (paperboy send beside the daemon's scheduled
     * one) may have made it since the plan: then that one is queued (the
     * set stays for the profile's other readers; one no digest names, made
     * for this reader alone, is deleted: it holds their "why" lines) */
    if (digest_pass_set(db, e, m, err) == -1)
        return -1;
    rc = db_digest_insert_new(db, sub->id, day, str_now(), e->set_id, (int)m,
                              &id, err);
    if (rc == -1)
        return -1;
    if (rc == 1) {
        int dropped = 0;
        if (db_digest_set_drop_unnamed(db, e->set_id, &dropped, err) == -1)
            return -1;
        if (dropped) {
            e->set_id = 0;
            e->set_n = 0;
        }
        *digest_id = id;
        return 0;
    }
    if (db_digest_set_last_day(db, sub->id, day, err) == -1)
        return -1;
    *digest_id = id;
    return 0;
}

void
digest_pass_rollback(struct digest_pass *p)
{
    for (size_t j = 0; j < 2; j++)
        for (size_t i = 0; i < DIGEST_TAB_SIZE; i++)
            if (p->w[j].tab[i] != NULL) {
                p->w[j].tab[i]->set_id = 0;
                p->w[j].tab[i]->set_n = 0;
                p->w[j].tab[i]->set_live = 0;
            }
}

void
digest_pass_chunk(struct digest_pass *p, size_t n)
{
    for (size_t j = 0; j < 2; j++) {
        if (p->w[j].count + n > DIGEST_PROFILES_MAX) {
            digest_win_clear(&p->w[j]);
            continue;
        }
        /* a new chunk is a new transaction: each kept set is looked up
         * again before its first use in it (digest_pass_set) */
        for (size_t i = 0; i < DIGEST_TAB_SIZE; i++)
            if (p->w[j].tab[i] != NULL)
                p->w[j].tab[i]->set_live = 0;
    }
}

int
digest_pass_plan(struct digest_pass *p, struct db *db, const struct config *cfg,
                 const struct db_digest_sub *sub, int64_t prev,
                 const int64_t *sent, size_t nsent, int voted, const char *day,
                 struct digest_profile **out, struct err *err)
{
    struct digest_profile *e, *fresh = NULL;
    struct digest_reader rd;
    struct digest_win *w = NULL;
    int64_t day0, since;
    size_t nrel = 0, slot, k;
    uint64_t h;
    int x;

    memset(&rd, 0, sizeof(rd));
    if (digest_day_start(day, &day0, err) == -1)
        return -1;
    since = digest_since(day0, prev, sub->weekly);
    if (digest_pass_window(p, db, sub, day, digest_oldest(day0, sub->weekly),
                           &w, err) == -1 ||
        (voted && db_votes_each(db, sub->id, digest_on_vote, &rd, err) == -1)) {
        digest_reader_release(&rd);
        return -1;
    }
    digest_pass_key(p, w, sub, &rd, since, sent, nsent, &nrel);
    h = digest_hash(p->key.data, p->key.len);
    slot = digest_pass_slot(w, p->key.data, p->key.len, h);
    e = w->tab[slot];
    k = (size_t)sub->max_papers > DIGEST_PASS_K ? (size_t)sub->max_papers
                                                : DIGEST_PASS_K;
    if (e != NULL && (e->n < e->k || e->k >= (size_t)sub->max_papers)) {
        digest_reader_release(&rd);
        *out = e;
        return 0;
    }
    x = digest_pass_rank(p, w, db, cfg, sub, &rd, since, nrel, k, &fresh, err);
    digest_reader_release(&rd);
    if (x != 0)
        return x;
    if (e != NULL) {
        /* a reader asks for more papers than were kept: the longer list
         * replaces the shorter in place (its head is the same ranking),
         * so profiles handed out for this chunk stay valid */
        free(e->whys);
        free(e->items);
        e->whys = fresh->whys;
        e->items = fresh->items;
        e->n = fresh->n;
        e->k = fresh->k;
        /* e->set_id stays: the written items are the head of this list */
        free(fresh);
        *out = e;
        return 0;
    }
    if (w->count >= DIGEST_TAB_SIZE - 1)
        BUG("digest: profile table full (%zu)", w->count);
    fresh->keylen = p->key.len;
    fresh->key = xmalloc(p->key.len + 1);
    memcpy(fresh->key, p->key.data, p->key.len + 1);
    fresh->hash = h;
    w->tab[slot] = fresh;
    w->count++;
    *out = fresh;
    return 0;
}

int
digest_pass_store(struct db *db, const struct db_digest_sub *sub,
                  const char *day, struct digest_profile *prof,
                  int64_t *digest_id, struct err *err)
{
    int64_t id = 0;

    if (digest_pass_write(db, sub, day, prof, &id, err) == -1 ||
        digest_mark_period(db, sub, day, id, err) == -1)
        return -1;
    *digest_id = id;
    return 0;
}
