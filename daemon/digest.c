/* SPDX-License-Identifier: MIT */
/*
 * digest - freeze a subscription's papers for a day (see digest.h).
 *
 * The candidate window: papers first seen after the subscription's
 * previous digest was frozen (at most DIGEST_MAX_DAYS before day), or,
 * for a first digest, papers first seen on day or the DIGEST_FIRST_DAYS
 * days before it; in both cases no later than day (first_seen_day <= day)
 * and never a paper already in one of its digests.  The list's part of
 * the selection (categories, HF, replacements, the widest window) is one
 * query whose result a struct digest_batch keeps for the next
 * subscription of the same list and day; the subscription's own part
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
#include "log.h"
#include "query.h"
#include "rank.h"
#include "str.h"
#include "xalloc.h"

#define DIGEST_FIRST_DAYS 2 /* first digest: day and the 2 days before */
#define DIGEST_MAX_DAYS 7   /* never reach further back than a week */
#define DIGEST_WHY_MAX 1024 /* bytes of one "why" line */

/* digest_write - store the top of c as digest rows; *digest_id set.
 * The items go in as one statement: every statement in a transaction
 * that has touched the FTS5 table costs a virtual-table savepoint. */
static int
digest_write(struct db *db, const struct db_digest_sub *sub, const char *day,
             const struct query *q, const struct rank_cand *c, size_t n,
             int64_t *digest_id, struct err *err)
{
    struct buf why, json;
    int64_t id;
    int rc = -1;

    buf_init(&why, DIGEST_WHY_MAX);
    buf_init(&json, 64 * 1024);
    if (db_digest_insert(db, sub->id, day, str_now(), &id, err) == -1)
        goto out;
    buf_addc(&json, '[');
    for (size_t i = 0; i < n && i < (size_t)sub->max_papers; i++) {
        buf_reset(&why);
        rank_why(q, &c[i], &why);
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
    if (buf_check(&json, err) == -1 ||
        db_digest_items_add(db, id, buf_str(&json), err) == -1)
        goto out;
    if (db_digest_set_last_day(db, sub->id, day, err) == -1)
        goto out;
    *digest_id = id;
    rc = 0;
out:
    buf_release(&why);
    buf_release(&json);
    return rc;
}

/* The phrase cache and the id range it covers (the list's window). */
struct digest_rank {
    struct rank_cache *rc;
    int64_t lo, hi;
};

/* digest_rank_some - rank_candidates_cached() over the window */
static int
digest_rank_some(struct db *db, const struct config *cfg, const struct query *q,
                 const struct digest_rank *dr, struct rank_cand *c, size_t *n,
                 struct err *err)
{
    return rank_candidates_cached(db, cfg, q, dr->rc, dr->lo, dr->hi, c, n,
                                  err);
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
    int rc = -1;

    if (*n == 0)
        return 0;
    if (q->nterms > 0 && cfg->when_empty == CONFIG_EMPTY_TRENDING) {
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
    if (q->nterms > 0 && *n > 0) {
        rank_top(c, *n, 1, cfg->trending_weight, k);
    } else if (q->nterms > 0 && copy != NULL) {
        /* nothing matched: the trending top, exclusions still apply */
        struct query ex = *q;
        ex.nterms = 0;
        ex.match = NULL;
        memcpy(c, copy, ncopy * sizeof(*c));
        *n = ncopy;
        if (digest_rank_some(db, cfg, &ex, dr, c, n, err) == -1)
            goto out;
        rank_top(c, *n, 0, 0, k);
    } else if (q->nterms == 0) {
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
    struct db_digest_cand *c; /* sorted by id */
    size_t n;
    struct rank_cache *rc; /* FTS5 hits per phrase over c's id range */
    /* work arrays of a subscription, kept for the next one: allocating
     * and freeing ~100 KB per digest made malloc trim and grow the heap */
    struct rank_cand *v, *copy;
    size_t vcap, copycap;
};

struct digest_batch *
digest_batch_new(void)
{
    struct digest_batch *b = xcalloc(1, sizeof(*b));

    b->rc = rank_cache_new();
    return b;
}

void
digest_batch_free(struct digest_batch *b)
{
    if (b == NULL)
        return;
    db_digest_cands_free(b->c, b->n);
    rank_cache_free(b->rc);
    free(b->v);
    free(b->copy);
    free(b);
}

/* digest_list_window - the list's candidates of the widest window (from
 * DIGEST_MAX_DAYS before day), from b when it holds them */
static int
digest_list_window(struct digest_batch *b, struct db *db,
                   const struct db_digest_sub *sub, const char *day,
                   int64_t from, struct err *err)
{
    if (b->valid && b->list_id == sub->list_id &&
        strcmp(b->list_categories, sub->list_categories) == 0 &&
        b->include_hf == sub->include_hf &&
        b->include_replacements == sub->include_replacements &&
        strcmp(b->day, day) == 0)
        return 0;
    db_digest_cands_free(b->c, b->n);
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
    return 0;
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

/* digest_day_start - *oldest = the start of day's widest window
 * (DIGEST_MAX_DAYS before day 00:00 UTC); -1 on a malformed day */
static int
digest_day_start(const char *day, int64_t *oldest, struct err *err)
{
    struct tm tm;
    time_t day0;

    if (strlen(day) != 10 || str_parse_day(day, &tm) == -1 ||
        str_day_to_time(day, &day0) == -1) {
        err_set(err, ERR_PERM, "digest: bad day '%s' (want YYYY-MM-DD)", day);
        return -1;
    }
    *oldest = (int64_t)day0 - DIGEST_MAX_DAYS * 86400;
    return 0;
}

/* digest_since - the first first_seen_at of a subscription's window, from
 * its previous digest's created_at (prev, 0 = none) */
static int64_t
digest_since(int64_t oldest, int64_t prev)
{
    int64_t day0 = oldest + DIGEST_MAX_DAYS * 86400;

    if (prev > 0)
        return prev + 1 > oldest ? prev + 1 : oldest;
    return day0 - DIGEST_FIRST_DAYS * 86400;
}

int
digest_sent_day(const char *day, int64_t prev, char *out, size_t size,
                struct err *err)
{
    int64_t oldest;

    if (digest_day_start(day, &oldest, err) == -1)
        return -1;
    digest_sent_since_day(digest_since(oldest, prev), out, size);
    return 0;
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
    struct query q;
    struct rank_cand *c = NULL;
    size_t n = 0;
    int64_t id = 0, prev = 0, since, oldest;
    int own_txn = 0, rc = -1;

    memset(&q, 0, sizeof(q));
    if (digest_day_start(day, &oldest, err) == -1)
        return -1;
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
    if (query_parse(sub.keywords, &q, err) == -1) {
        err_prefix(err, "digest: subscription %lld keywords",
                   (long long)subscription_id);
        goto out;
    }
    if (db_digest_prev(db, subscription_id, day, &prev, err) == -1)
        goto out;
    since = digest_since(oldest, prev);
    if (digest_list_window(batch, db, &sub, day, oldest, err) == -1 ||
        digest_candidates(batch, db, &sub, since, &c, &n, err) == -1)
        goto out;
    dr.rc = batch->rc;
    dr.lo = batch->n ? batch->c[0].id : 0;
    dr.hi = batch->n ? batch->c[batch->n - 1].id : 0;
    if (digest_choose(db, cfg, &q, &dr, (size_t)sub.max_papers, c, &n,
                      &batch->copy, &batch->copycap, err) == -1)
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
    query_release(&q);
    return rc;
}

/*
 * The freeze pass.  A profile is everything the ranking reads of one
 * subscription: its keywords, its categories, where its window starts
 * (as the number of the list's papers first seen before it) and which of
 * its candidates it was already sent.  Subscriptions with the same
 * profile get the same ranking, so it is computed once and kept as the
 * list of its best papers.  Anything the ranking comes to
 * read per subscription (votes, liked papers) must go into the key
 * (digest_pass_key), or two readers would share a digest they should not.
 */
#define DIGEST_PROFILES_MAX 16384 /* profiles kept; then emptied */

/* One paper of a ranked profile, as digest_items stores it. */
struct digest_item {
    int64_t id;   /* papers.id */
    double score; /* as stored: rounded to 9 digits like digest_write's */
    char *why;    /* owned: the "why" line */
};

struct digest_profile {
    char *key; /* owned; keylen bytes, may hold NULs */
    size_t keylen;
    uint64_t hash;             /* FNV-1a of key */
    struct digest_item *items; /* owned: best first */
    size_t n;                  /* papers ranked and kept */
    size_t k; /* papers asked for; n < k: every candidate is kept */
};

struct digest_pass {
    struct digest_batch *b;
    unsigned gen;                /* b->gen the profiles were ranked against */
    int64_t *seen_at;            /* the window's first_seen_at, ascending */
    struct digest_profile **tab; /* open addressing, 2 * DIGEST_PROFILES_MAX */
    size_t count;                /* profiles in tab */
    struct buf key, why;
    int64_t *relevant; /* work array: sent ids that are candidates */
    size_t relcap;
};

#define DIGEST_TAB_SIZE (2 * DIGEST_PROFILES_MAX)

struct digest_pass *
digest_pass_new(void)
{
    struct digest_pass *p = xcalloc(1, sizeof(*p));

    p->b = digest_batch_new();
    p->tab = xcalloc(DIGEST_TAB_SIZE, sizeof(*p->tab));
    buf_init(&p->key, 64 * 1024);
    buf_init(&p->why, DIGEST_WHY_MAX);
    return p;
}

/* digest_profile_free - free one cached profile */
static void
digest_profile_free(struct digest_profile *e)
{
    if (e == NULL)
        return;
    free(e->key);
    for (size_t i = 0; i < e->n; i++)
        free(e->items[i].why);
    free(e->items);
    free(e);
}

/* digest_pass_clear - forget every profile */
static void
digest_pass_clear(struct digest_pass *p)
{
    for (size_t i = 0; i < DIGEST_TAB_SIZE; i++) {
        digest_profile_free(p->tab[i]);
        p->tab[i] = NULL;
    }
    p->count = 0;
}

void
digest_pass_free(struct digest_pass *p)
{
    if (p == NULL)
        return;
    digest_pass_clear(p);
    free(p->tab);
    free(p->seen_at);
    free(p->relevant);
    buf_release(&p->key);
    buf_release(&p->why);
    digest_batch_free(p->b);
    free(p);
}

/* digest_i64_cmp - qsort order of int64_t */
static int
digest_i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* digest_pass_window - the list's window for sub; a new window forgets
 * the profiles ranked against the old one */
static int
digest_pass_window(struct digest_pass *p, struct db *db,
                   const struct db_digest_sub *sub, const char *day,
                   int64_t oldest, struct err *err)
{
    struct digest_batch *b = p->b;

    if (digest_list_window(b, db, sub, day, oldest, err) == -1)
        return -1;
    if (p->gen == b->gen && p->seen_at != NULL)
        return 0;
    digest_pass_clear(p);
    free(p->seen_at);
    p->seen_at = xmalloc((b->n ? b->n : 1) * sizeof(*p->seen_at));
    for (size_t i = 0; i < b->n; i++)
        p->seen_at[i] = b->c[i].first_seen_at;
    qsort(p->seen_at, b->n, sizeof(*p->seen_at), digest_i64_cmp);
    p->gen = b->gen;
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

/* digest_pass_key - sub's profile into p->key; p->relevant[0..*nrel) the
 * papers sent to it that would otherwise be candidates */
static void
digest_pass_key(struct digest_pass *p, const struct db_digest_sub *sub,
                int64_t since, const int64_t *sent, size_t nsent, size_t *nrel)
{
    size_t lo = 0, hi = p->b->n, nr = 0;
    char num[32];

    while (lo < hi) { /* papers of the window first seen before since */
        size_t mid = lo + (hi - lo) / 2;
        if (p->seen_at[mid] < since)
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
        const struct db_digest_cand *c = digest_window_find(p->b, sent[i]);
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

/* digest_pass_slot - the table slot of key (holding it, or empty) */
static size_t
digest_pass_slot(const struct digest_pass *p, const char *key, size_t len,
                 uint64_t h)
{
    size_t i = (size_t)(h % DIGEST_TAB_SIZE);

    while (p->tab[i] != NULL &&
           !(p->tab[i]->hash == h && p->tab[i]->keylen == len &&
             memcmp(p->tab[i]->key, key, len) == 0))
        i = (i + 1) % DIGEST_TAB_SIZE;
    return i;
}

/* digest_pass_rank - rank sub's profile for the best k papers into a new
 * profile (the ranking: digest_choose, as digest_freeze does); 1 with
 * err when its keywords do not parse */
static int
digest_pass_rank(struct digest_pass *p, struct db *db, const struct config *cfg,
                 const struct db_digest_sub *sub, int64_t since, size_t nrel,
                 size_t k, struct digest_profile **out, struct err *err)
{
    struct digest_batch *b = p->b;
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
    dr.rc = b->rc;
    dr.lo = b->n ? b->c[0].id : 0;
    dr.hi = b->n ? b->c[b->n - 1].id : 0;
    if (digest_choose(db, cfg, &q, &dr, k, c, &n, &b->copy, &b->copycap, err) ==
        -1)
        goto out;
    e = xcalloc(1, sizeof(*e));
    e->k = k;
    e->n = n < k ? n : k;
    e->items = xcalloc(e->n ? e->n : 1, sizeof(*e->items));
    for (size_t i = 0; i < e->n; i++) {
        char num[64];
        buf_reset(&p->why);
        rank_why(&q, &c[i], &p->why);
        /* the score as digest_write's JSON ("%.9g") stores it */
        (void)snprintf(num, sizeof(num), "%.9g", c[i].score);
        e->items[i].id = c[i].id;
        e->items[i].score = strtod(num, NULL);
        e->items[i].why = xstrdup(buf_str(&p->why));
    }
    *out = e;
    rc = 0;
out:
    query_release(&q);
    return rc;
}

/* digest_pass_write - the digest rows of sub from profile e (its best
 * max_papers); *digest_id 0 when e ranked nothing */
static int
digest_pass_write(struct db *db, const struct db_digest_sub *sub,
                  const char *day, const struct digest_profile *e,
                  int64_t *digest_id, struct err *err)
{
    size_t m = e->n < (size_t)sub->max_papers ? e->n : (size_t)sub->max_papers;
    int64_t id;

    *digest_id = 0;
    if (m == 0)
        return 0;
    if (db_digest_insert(db, sub->id, day, str_now(), &id, err) == -1)
        return -1;
    /* one single-row INSERT per item: SQLite needs neither a statement
     * journal nor an ephemeral table for it, which an INSERT ... SELECT
     * FROM json_each() costs per digest (the pass's transaction writes no
     * FTS5 table, so there is no virtual-table savepoint to save) */
    for (size_t i = 0; i < m; i++)
        if (db_digest_item_add(db, id, (int)i + 1, e->items[i].id,
                               e->items[i].score, e->items[i].why, err) == -1)
            return -1;
    if (db_digest_set_last_day(db, sub->id, day, err) == -1)
        return -1;
    *digest_id = id;
    return 0;
}

void
digest_pass_chunk(struct digest_pass *p, size_t n)
{
    if (p->count + n > DIGEST_PROFILES_MAX)
        digest_pass_clear(p);
}

int
digest_pass_plan(struct digest_pass *p, struct db *db, const struct config *cfg,
                 const struct db_digest_sub *sub, int64_t prev,
                 const int64_t *sent, size_t nsent, const char *day,
                 const struct digest_profile **out, struct err *err)
{
    struct digest_profile *e, *fresh = NULL;
    int64_t oldest, since;
    size_t nrel = 0, slot;
    uint64_t h;
    int x;

    if (digest_day_start(day, &oldest, err) == -1)
        return -1;
    since = digest_since(oldest, prev);
    if (digest_pass_window(p, db, sub, day, oldest, err) == -1)
        return -1;
    digest_pass_key(p, sub, since, sent, nsent, &nrel);
    h = digest_hash(p->key.data, p->key.len);
    slot = digest_pass_slot(p, p->key.data, p->key.len, h);
    e = p->tab[slot];
    if (e != NULL && (e->n < e->k || e->k >= (size_t)sub->max_papers)) {
        *out = e;
        return 0;
    }
    x = digest_pass_rank(p, db, cfg, sub, since, nrel, (size_t)sub->max_papers,
                         &fresh, err);
    if (x != 0)
        return x;
    if (e != NULL) {
        /* a reader asks for more papers than were kept: the longer list
         * replaces the shorter in place (its head is the same ranking),
         * so profiles handed out for this chunk stay valid */
        for (size_t i = 0; i < e->n; i++)
            free(e->items[i].why);
        free(e->items);
        e->items = fresh->items;
        e->n = fresh->n;
        e->k = fresh->k;
        free(fresh);
        *out = e;
        return 0;
    }
    if (p->count >= DIGEST_TAB_SIZE - 1)
        BUG("digest: profile table full (%zu)", p->count);
    fresh->keylen = p->key.len;
    fresh->key = xmalloc(p->key.len + 1);
    memcpy(fresh->key, p->key.data, p->key.len + 1);
    fresh->hash = h;
    p->tab[slot] = fresh;
    p->count++;
    *out = fresh;
    return 0;
}

int
digest_pass_store(struct db *db, const struct db_digest_sub *sub,
                  const char *day, const struct digest_profile *prof,
                  int64_t *digest_id, struct err *err)
{
    int64_t id = 0;

    if (digest_pass_write(db, sub, day, prof, &id, err) == -1)
        return -1;
    *digest_id = id;
    return 0;
}
