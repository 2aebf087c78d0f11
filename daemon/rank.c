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

void
rank_score(struct rank_cand *c, size_t n, int by_relevance, double w)
{
    double best = 0;

    for (size_t i = 0; i < n; i++)
        if (c[i].bm25 > best)
            best = c[i].bm25;
    for (size_t i = 0; i < n; i++) {
        double trend = log1p(c[i].upvotes > 0 ? (double)c[i].upvotes : 0.0);
        if (by_relevance)
            c[i].score = (best > 0 ? c[i].bm25 / best : 0) + w * trend;
        else
            c[i].score = trend;
    }
    if (n > 1)
        qsort(c, n, sizeof(*c), rank_cmp_score);
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

int
rank_candidates(struct db *db, const struct config *cfg, const struct query *q,
                struct rank_cand *c, size_t *n, struct err *err)
{
    struct rank_walk w;
    size_t kept = 0;
    int64_t lo, hi;

    if (*n == 0)
        return 0;
    lo = c[0].id;
    hi = c[*n - 1].id;
    for (size_t i = 0; i < *n; i++)
        c[i].bm25 = 0, c[i].matched = 0;
    w.c = c;
    w.n = *n;
    if (q->match != NULL) {
        /* the whole query (with its NOT) decides who stays and the bm25 */
        w.bit = 0;
        w.mark = 1;
        if (db_digest_match(db, q->match, cfg->title_weight, lo, hi,
                            rank_on_match, &w, err) == -1)
            return -1;
        for (size_t i = 0; i < *n; i++)
            if (c[i].bm25 > 0)
                c[kept++] = c[i];
        *n = kept;
        w.n = kept;
        if (kept == 0)
            return 0;
        lo = c[0].id;
        hi = c[kept - 1].id;
        /* which terms matched which paper, for the "why" line */
        for (size_t t = 0; t < q->nterms && t < 32; t++) {
            w.bit = (uint32_t)1 << t;
            w.mark = 0;
            if (db_digest_match(db, q->terms[t].match, cfg->title_weight, lo,
                                hi, rank_on_match, &w, err) == -1)
                return -1;
        }
    } else if (q->exclude != NULL) {
        /* exclusions only: drop what they match, keep the rest */
        w.bit = 0;
        w.mark = 0;
        if (db_digest_match(db, q->exclude, cfg->title_weight, lo, hi,
                            rank_on_match, &w, err) == -1)
            return -1;
        for (size_t i = 0; i < *n; i++)
            if (c[i].bm25 == 0)
                c[kept++] = c[i];
        *n = kept;
    }
    return 0;
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
