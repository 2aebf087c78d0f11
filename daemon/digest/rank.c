/* SPDX-License-Identifier: MIT */
/*
 * rank - scoring and ordering of papers (see rank.h).
 *
 * FTS5's bm25() is negative, better matches more negative; db_digest
 * hands us -bm25() so that bigger is better everywhere here.  Dividing by
 * the best candidate's value makes the blend weight mean the same on a
 * day with long abstracts as on a day with short ones.
 */
#include "rank.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db_digest.h"
#include "str.h"
#include "xalloc.h"

/* rank_cmp_trending - upvotes, then most recent, then lowest id */
static int
rank_cmp_trending(const struct rank_cand *a, const struct rank_cand *b)
{
    if (a->upvotes != b->upvotes)
        return a->upvotes > b->upvotes ? -1 : 1;
    if (a->first_seen_at != b->first_seen_at)
        return a->first_seen_at > b->first_seen_at ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return 0;
}

/* rank_cmp_score - qsort: best score first, ties in trending order */
static int
rank_cmp_score(const void *pa, const void *pb)
{
    const struct rank_cand *a = pa, *b = pb;

    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return rank_cmp_trending(a, b);
}

/* rank_cmp_id - qsort: by id */
static int
rank_cmp_id(const void *pa, const void *pb)
{
    const struct rank_cand *a = pa, *b = pb;

    return a->id < b->id ? -1 : a->id > b->id;
}

static double rank_log1p_table[4096]; /* log1p(i), filled once */
static pthread_once_t rank_log1p_once = PTHREAD_ONCE_INIT;

/* rank_log1p_init - fill the table */
static void
rank_log1p_init(void)
{
    for (int i = 0; i < 4096; i++)
        rank_log1p_table[i] = log1p((double)i);
}

/* rank_log1p - log1p(upvotes) (0 for negative), from a table for the
 * usual small counts: 100,000 subscriptions rank the same papers */
static double
rank_log1p(int upvotes)
{
    if (upvotes <= 0)
        return 0;
    if (upvotes >= 4096)
        return log1p((double)upvotes);
    pthread_once(&rank_log1p_once, rank_log1p_init);
    return rank_log1p_table[upvotes];
}

/* rank_compute - fill score: normalised bm25 + w*log1p(upvotes), or the
 * trending log1p(upvotes) */
static void
rank_compute(struct rank_cand *c, size_t n, int by_relevance, double w)
{
    double best = 0;

    for (size_t i = 0; i < n; i++)
        if (c[i].bm25 > best)
            best = c[i].bm25;
    for (size_t i = 0; i < n; i++) {
        double trend = rank_log1p(c[i].upvotes);
        if (by_relevance)
            c[i].score = (best > 0 ? c[i].bm25 / best : 0) + w * trend;
        else
            c[i].score = trend;
    }
}

void
rank_score(struct rank_cand *c, size_t n, int by_relevance, double w)
{
    rank_compute(c, n, by_relevance, w);
    if (n > 1)
        qsort(c, n, sizeof(*c), rank_cmp_score);
}

/* rank_swap - exchange two candidates */
static void
rank_swap(struct rank_cand *a, struct rank_cand *b)
{
    struct rank_cand t = *a;

    *a = *b;
    *b = t;
}

void
rank_top(struct rank_cand *c, size_t n, int by_relevance, double w, size_t k)
{
    size_t lo = 0, hi = n;

    if (k >= n || n < 64) {
        rank_score(c, n, by_relevance, w);
        return;
    }
    rank_compute(c, n, by_relevance, w);
    /* quickselect: move the k best to the front (Hoare partitions on the
     * same order rank_cmp_score sorts by) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2, store = lo;
        rank_swap(&c[mid], &c[hi - 1]);
        for (size_t i = lo; i + 1 < hi; i++)
            if (rank_cmp_score(&c[i], &c[hi - 1]) < 0)
                rank_swap(&c[i], &c[store++]);
        rank_swap(&c[store], &c[hi - 1]);
        if (store == k)
            break;
        if (store < k)
            lo = store + 1;
        else
            hi = store;
    }
    qsort(c, k, sizeof(*c), rank_cmp_score);
}

/* rank_find - the candidate with id in c[0..n) sorted by id, or NULL */
static struct rank_cand *
rank_find(struct rank_cand *c, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c[mid].id == id)
            return &c[mid];
        if (c[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* What the match callbacks need. */
struct rank_walk {
    struct rank_cand *c; /* sorted by id */
    size_t n;
    uint32_t bit; /* term bit to set, or 0 */
    int mark;     /* 1: set bm25 (combined query) */
};

/* rank_on_match - record one FTS5 hit on the matching candidate */
static int
rank_on_match(void *arg, const struct db_digest_match *m)
{
    struct rank_walk *w = arg;
    struct rank_cand *c = rank_find(w->c, w->n, m->id);

    if (c == NULL)
        return 0;
    if (w->mark)
        c->bm25 = m->bm25 > 1e-9 ? m->bm25 : 1e-9; /* matched: never 0 */
    c->matched |= w->bit;
    if (w->bit == 0 && !w->mark)
        c->bm25 = -1; /* excluded */
    return 0;
}

/*
 * The phrase cache.  FTS5's bm25() of a query is a sum over the query's
 * phrases of a per-phrase term (IDF times a saturated, length-normalised
 * frequency; the IDF depends only on the phrase), and FTS5 reports a
 * phrase's hits on a row only when the AND group holding it matches
 * there, so the bm25 of
 *   (t1 OR t2 ...) NOT (x1 ...)
 * on a row equals the sum, over the terms t that match the row (all
 * their phrases present), of the single-phrase bm25 values of t's
 * phrases.  Querying each phrase once and
 * caching its hits lets thousands of subscriptions that share words cost
 * one FTS5 query per distinct phrase instead of several per subscription.
 * test_rank checks the sum against FTS5's own bm25 of the whole query.
 */
#define RANK_CACHE_SLOTS 8192 /* power of two */
#define RANK_CACHE_MAX 6000   /* entries before the cache is emptied */

struct rank_phrase_hit {
    int64_t id;
    double bm25; /* -bm25() of the phrase alone */
};

struct rank_cache_entry {
    char *phrase;                 /* NULL = empty slot */
    struct rank_phrase_hit *hits; /* sorted by id */
    size_t n;
};

struct rank_cache {
    struct rank_cache_entry slot[RANK_CACHE_SLOTS];
    size_t used;
    int64_t lo, hi;      /* id range the hits cover */
    double title_weight; /* the weight they were computed with */
};

struct rank_cache *
rank_cache_new(void)
{
    struct rank_cache *rc = xcalloc(1, sizeof(*rc));

    rc->lo = 1;
    rc->hi = 0; /* empty range: nothing cached yet */
    return rc;
}

/* rank_cache_clear - drop every entry */
static void
rank_cache_clear(struct rank_cache *rc)
{
    for (size_t i = 0; i < RANK_CACHE_SLOTS; i++) {
        free(rc->slot[i].phrase);
        free(rc->slot[i].hits);
        rc->slot[i].phrase = NULL;
        rc->slot[i].hits = NULL;
        rc->slot[i].n = 0;
    }
    rc->used = 0;
}

void
rank_cache_free(struct rank_cache *rc)
{
    if (rc == NULL)
        return;
    rank_cache_clear(rc);
    free(rc);
}

/* Collects the hits of one phrase. */
struct rank_phrase_collect {
    struct rank_phrase_hit *h;
    size_t n, cap;
};

/* rank_on_phrase - append one hit */
static int
rank_on_phrase(void *arg, const struct db_digest_match *m)
{
    struct rank_phrase_collect *pc = arg;

    if (pc->n == pc->cap) {
        pc->cap = pc->cap ? pc->cap * 2 : 16;
        pc->h = xrealloc(pc->h, pc->cap * sizeof(*pc->h));
    }
    pc->h[pc->n].id = m->id;
    pc->h[pc->n].bm25 = m->bm25;
    pc->n++;
    return 0;
}

/* rank_cmp_hit - qsort: by id */
static int
rank_cmp_hit(const void *pa, const void *pb)
{
    const struct rank_phrase_hit *a = pa, *b = pb;

    return a->id < b->id ? -1 : a->id > b->id;
}

/* rank_phrase_hits - the cached hits of phrase, querying FTS5 on a miss */
static int
rank_phrase_hits(struct db *db, const struct config *cfg, struct rank_cache *rc,
                 const char *phrase, const struct rank_cache_entry **out,
                 struct err *err)
{
    uint32_t h = 2166136261u;
    size_t i;
    struct rank_phrase_collect pc = {NULL, 0, 0};

    for (const char *p = phrase; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    for (i = h & (RANK_CACHE_SLOTS - 1); rc->slot[i].phrase != NULL;
         i = (i + 1) & (RANK_CACHE_SLOTS - 1)) {
        if (strcmp(rc->slot[i].phrase, phrase) == 0) {
            *out = &rc->slot[i];
            return 0;
        }
    }
    if (rc->used >= RANK_CACHE_MAX) {
        rank_cache_clear(rc);
        i = h & (RANK_CACHE_SLOTS - 1);
    }
    if (db_digest_phrase(db, phrase, cfg->title_weight, rc->lo, rc->hi,
                         rank_on_phrase, &pc, err) == -1) {
        free(pc.h);
        return -1;
    }
    if (pc.n > 1)
        qsort(pc.h, pc.n, sizeof(*pc.h), rank_cmp_hit);
    rc->slot[i].phrase = xstrdup(phrase);
    rc->slot[i].hits = pc.h;
    rc->slot[i].n = pc.n;
    rc->used++;
    *out = &rc->slot[i];
    return 0;
}

/* rank_term_rows - cnt[k] = how many of term t's phrases row c[k] holds;
 * with sum, the phrases' bm25 is added to sum[k].  at[id - lo] is the
 * index of the candidate with that id, or -1. */
static int
rank_term_rows(struct db *db, const struct config *cfg, struct rank_cache *rc,
               const struct query_term *t, const int *at, int64_t lo,
               int64_t hi, size_t n, int *cnt, double *sum, struct err *err)
{
    memset(cnt, 0, n * sizeof(*cnt));
    for (size_t k = 0; k < t->nphrases; k++) {
        const struct rank_cache_entry *e;
        if (rank_phrase_hits(db, cfg, rc, t->phrases[k], &e, err) == -1)
            return -1;
        for (size_t j = 0; j < e->n; j++) {
            int64_t id = e->hits[j].id;
            int x;
            if (id < lo || id > hi)
                continue;
            x = at[id - lo];
            if (x < 0)
                continue;
            cnt[x]++;
            if (sum != NULL)
                sum[x] += e->hits[j].bm25;
        }
    }
    return 0;
}

int
rank_candidates_cached(struct db *db, const struct config *cfg,
                       const struct query *q, struct rank_cache *rc, int64_t lo,
                       int64_t hi, struct rank_cand *c, size_t *n,
                       struct err *err)
{
    int *cnt = NULL, *at = NULL, rcode = -1;
    int64_t first, last;
    size_t span;
    double *sum = NULL, *tsum = NULL;
    unsigned char *drop = NULL;
    size_t kept = 0;

    if (*n == 0 || (q->nterms == 0 && q->nexcluded == 0))
        return 0;
    if (c[0].id < lo || c[*n - 1].id > hi) {
        err_set(err, ERR_PERM, "rank: candidates outside the cached range");
        return -1;
    }
    if (rc->lo != lo || rc->hi != hi || rc->title_weight != cfg->title_weight) {
        rank_cache_clear(rc);
        rc->lo = lo;
        rc->hi = hi;
        rc->title_weight = cfg->title_weight;
    }
    /* id -> candidate index over the candidates' own span */
    span = (size_t)(c[*n - 1].id - c[0].id) + 1;
    at = xmalloc(span * sizeof(*at));
    memset(at, 0xff, span * sizeof(*at));
    for (size_t i = 0; i < *n; i++)
        at[c[i].id - c[0].id] = (int)i;
    first = c[0].id;
    last = c[*n - 1].id;
    cnt = xcalloc(*n, sizeof(*cnt));
    sum = xcalloc(*n, sizeof(*sum));
    tsum = xcalloc(*n, sizeof(*tsum));
    drop = xcalloc(*n, 1);
    for (size_t i = 0; i < *n; i++)
        c[i].bm25 = 0, c[i].matched = 0;
    for (size_t t = 0; t < q->nterms; t++) {
        memset(tsum, 0, *n * sizeof(*tsum));
        if (rank_term_rows(db, cfg, rc, &q->terms[t], at, first, last, *n, cnt,
                           tsum, err) == -1)
            goto out;
        for (size_t i = 0; i < *n; i++) {
            if ((size_t)cnt[i] != q->terms[t].nphrases)
                continue;
            sum[i] += tsum[i]; /* only terms that match count */
            if (t < 32)
                c[i].matched |= (uint32_t)1 << t;
        }
    }
    for (size_t x = 0; x < q->nexcluded; x++) {
        if (rank_term_rows(db, cfg, rc, &q->excluded[x], at, first, last, *n,
                           cnt, NULL, err) == -1)
            goto out;
        for (size_t i = 0; i < *n; i++)
            if ((size_t)cnt[i] == q->excluded[x].nphrases)
                drop[i] = 1;
    }
    for (size_t i = 0; i < *n; i++) {
        if (drop[i] || (q->nterms > 0 && c[i].matched == 0))
            continue;
        c[kept] = c[i];
        c[kept].bm25 = q->nterms > 0 ? (sum[i] > 1e-9 ? sum[i] : 1e-9) : 0;
        kept++;
    }
    *n = kept;
    rcode = 0;
out:
    free(at);
    free(cnt);
    free(sum);
    free(tsum);
    free(drop);
    return rcode;
}

int
rank_candidates(struct db *db, const struct config *cfg, const struct query *q,
                struct rank_cand *c, size_t *n, struct err *err)
{
    struct rank_cache *rc;
    int r;

    if (*n == 0)
        return 0;
    rc = rank_cache_new();
    r = rank_candidates_cached(db, cfg, q, rc, c[0].id, c[*n - 1].id, c, n,
                               err);
    rank_cache_free(rc);
    return r;
}

void
rank_why(const struct query *q, const struct rank_cand *c, struct buf *out)
{
    int any = 0;

    for (size_t t = 0; t < q->nterms && t < 32; t++) {
        if (!(c->matched & ((uint32_t)1 << t)))
            continue;
        buf_adds(out, any ? ", " : "matched: ");
        buf_adds(out, q->terms[t].text);
        any = 1;
    }
    if (!any)
        buf_adds(out, "trending");
    if (c->upvotes > 0)
        buf_addf(out, " \xc2\xb7 %d upvote%s", c->upvotes,
                 c->upvotes == 1 ? "" : "s");
}

/* Collects every match of a search. */
struct rank_collect {
    struct rank_cand *c;
    size_t n, cap;
};

/* rank_on_search - append one hit to the collection */
static int
rank_on_search(void *arg, const struct db_digest_match *m)
{
    struct rank_collect *col = arg;

    if (col->n == col->cap) {
        col->cap = col->cap ? col->cap * 2 : 64;
        col->c = xrealloc(col->c, col->cap * sizeof(*col->c));
    }
    memset(&col->c[col->n], 0, sizeof(col->c[0]));
    col->c[col->n].id = m->id;
    col->c[col->n].bm25 = m->bm25 > 1e-9 ? m->bm25 : 1e-9;
    col->c[col->n].upvotes = m->upvotes;
    col->c[col->n].first_seen_at = m->first_seen_at;
    col->n++;
    return 0;
}

/* rank_on_paper - copy arxiv id and title into a hit */
static int
rank_on_paper(void *arg, const struct db_digest_paper *p)
{
    struct rank_hit *h = arg;

    (void)str_copy(h->arxiv_id, sizeof(h->arxiv_id), p->arxiv_id);
    h->title = xstrdup(p->title);
    return 0;
}

int
rank_search(struct db *db, const struct config *cfg, const char *query,
            size_t limit, struct rank_hit **hits, size_t *n, struct err *err)
{
    struct query q;
    struct rank_collect col = {NULL, 0, 0};
    struct rank_hit *h = NULL;
    size_t nh = 0;
    int rc = -1;

    memset(&q, 0, sizeof(q));
    if (query_parse(query, &q, err) == -1)
        goto out;
    if (q.match == NULL) {
        err_set(err, ERR_PERM, "the query has no words to search for");
        goto out;
    }
    if (db_digest_match(db, q.match, cfg->title_weight, INT64_MIN, INT64_MAX,
                        rank_on_search, &col, err) == -1)
        goto out;
    rank_score(col.c, col.n, 1, cfg->trending_weight);
    nh = col.n < limit ? col.n : limit;
    if (nh > 0) {
        struct rank_walk w;
        /* matched terms for the shown hits only */
        qsort(col.c, nh, sizeof(*col.c), rank_cmp_id);
        w.c = col.c;
        w.n = nh;
        w.mark = 0;
        for (size_t t = 0; t < q.nterms && t < 32; t++) {
            w.bit = (uint32_t)1 << t;
            if (db_digest_match(db, q.terms[t].match, cfg->title_weight,
                                col.c[0].id, col.c[nh - 1].id, rank_on_match,
                                &w, err) == -1)
                goto out;
        }
        qsort(col.c, nh, sizeof(*col.c), rank_cmp_score);
        h = xcalloc(nh, sizeof(*h));
        for (size_t i = 0; i < nh; i++) {
            struct buf m;
            int any = 0;
            h[i].paper_id = col.c[i].id;
            h[i].score = col.c[i].score;
            h[i].upvotes = col.c[i].upvotes;
            buf_init(&m, 4096);
            for (size_t t = 0; t < q.nterms && t < 32; t++) {
                if (col.c[i].matched & ((uint32_t)1 << t)) {
                    buf_adds(&m, any ? ", " : "");
                    buf_adds(&m, q.terms[t].text);
                    any = 1;
                }
            }
            h[i].matched = xstrdup(buf_str(&m));
            buf_release(&m);
            if (db_digest_paper(db, h[i].paper_id, rank_on_paper, &h[i], err) ==
                -1)
                goto out;
        }
    }
    *hits = h;
    *n = nh;
    h = NULL;
    rc = 0;
out:
    if (h != NULL)
        rank_hits_free(h, nh);
    free(col.c);
    query_release(&q);
    return rc;
}

void
rank_hits_free(struct rank_hit *hits, size_t n)
{
    if (hits == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(hits[i].title);
        free(hits[i].matched);
    }
    free(hits);
}
