/* SPDX-License-Identifier: MIT */
/*
 * rank - scoring and ordering of papers (see rank.h).  Pure: no I/O.
 *
 * Relevance comes from rank_index.c, bigger is better.  Dividing by the
 * best candidate's value makes the blend weight mean the same on a day
 * with long abstracts as on a day with short ones.  Reading the papers to
 * rank is rank_papers.c's.
 */
#include "rank.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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

/* rank_compute - fill score: normalised bm25 + w*log1p(upvotes) (bm25
 * as it is when none is positive: only penalties, which the best cannot
 * scale), or the trending log1p(upvotes) */
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
            c[i].score = (best > 0 ? c[i].bm25 / best : c[i].bm25) + w * trend;
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

#define RANK_WHY_TITLE 48 /* bytes of a liked paper's title in "why" */

/* rank_why_title - title cut to RANK_WHY_TITLE bytes at a character
 * boundary, "…" when cut */
static void
rank_why_title(const char *title, struct buf *out)
{
    size_t n = strlen(title);

    if (n <= RANK_WHY_TITLE) {
        buf_adds(out, title);
        return;
    }
    n = RANK_WHY_TITLE;
    while (n > 0 && ((unsigned char)title[n] & 0xc0) == 0x80)
        n--;
    while (n > 0 && title[n - 1] == ' ')
        n--;
    buf_add(out, title, n);
    buf_adds(out, "\xe2\x80\xa6");
}

void
rank_why_reader(const struct query *q, const struct rank_cand *c,
                const char *liked, struct buf *out)
{
    int any = 0;

    for (size_t t = 0; t < q->nterms && t < 32; t++) {
        if (!(c->matched & ((uint32_t)1 << t)))
            continue;
        buf_adds(out, any ? ", " : "matched: ");
        buf_adds(out, q->terms[t].text);
        any = 1;
    }
    if (liked != NULL) {
        buf_adds(out, any ? " \xc2\xb7 like \"" : "like \"");
        rank_why_title(liked, out);
        buf_adds(out, "\", which you liked");
        any = 1;
    }
    if (!any) /* a paper nobody upvoted is not trending, only new */
        buf_adds(out, c->upvotes > 0 ? "trending" : "new");
    if (c->upvotes > 0)
        buf_addf(out, " \xc2\xb7 %d upvote%s", c->upvotes,
                 c->upvotes == 1 ? "" : "s");
}

void
rank_why(const struct query *q, const struct rank_cand *c, struct buf *out)
{
    rank_why_reader(q, c, NULL, out);
}
