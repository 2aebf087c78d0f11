/* SPDX-License-Identifier: MIT */
/*
 * rank - order papers for a reader: relevance to the keywords blended
 * with the trending signal.
 *
 *   score = relevance + w * log1p(upvotes)
 *
 * relevance is rank_index.h's score of the keywords (BM25F over
 * normalised terms, acronyms and their expansions, proximity, coverage of
 * each interest), divided by the best relevance among the candidates so
 * it lies in (0, 1]; w is [digest] trending_weight.  Without keywords
 * the order is trending: upvotes, then most recent, then lowest id.
 * Pure functions, tested as such: no database, no files, no clock.
 * Finding and reading the papers to rank is rank_papers.h's.
 */
#ifndef PAPERBOY_RANK_H
#define PAPERBOY_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

/* One paper being ranked. */
struct rank_cand {
    int64_t id;            /* papers.id */
    int64_t first_seen_at; /* unix seconds, for trending ties */
    int upvotes;           /* papers.hf_upvotes */
    double bm25;           /* relevance (rank_index.h), higher is better;
                              0 = no match */
    double score;          /* filled by rank_score() */
    uint32_t matched;      /* bit i: query term i matched this paper */
    double prof; /* the reader's profile's share of bm25 (rank_index.h);
                    0 without a profile */
};

/*
 * rank_score - score and sort c[0..n) in place, best first.  With
 * by_relevance, relevance is bm25 normalised by the largest bm25 in c (as
 * it is when none is positive: a "less like this" penalty) and blended
 * with w*log1p(upvotes); ties go to upvotes, recency, then id.
 * Without, the order is trending (upvotes, recency, id) and score is
 * log1p(upvotes).
 */
void rank_score(struct rank_cand *c, size_t n, int by_relevance, double w);

/* rank_top - rank_score(), but only c[0..k) is guaranteed to be the k
 * best in order (a selection, not a full sort); the rest is unordered */
void rank_top(struct rank_cand *c, size_t n, int by_relevance, double w,
              size_t k);

/* rank_why - "matched: kv cache, distillation · 87 upvotes" (or
 * "trending · 87 upvotes" when nothing matched, "new" when nothing matched
 * and nobody upvoted it; the upvotes part only when > 0) into out */
struct buf;
void rank_why(const struct query *q, const struct rank_cand *c,
              struct buf *out);

/* rank_why_reader - rank_why(), and when liked is not NULL (the title of
 * the liked paper c is most like) `like "TITLE…", which you liked` after
 * the matched terms: `matched: kv cache · like "GoldFinch: …", which you
 * liked · 87 upvotes` */
void rank_why_reader(const struct query *q, const struct rank_cand *c,
                     const char *liked, struct buf *out);

#endif
