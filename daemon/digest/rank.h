/* SPDX-License-Identifier: MIT */
/*
 * rank - order papers for a reader: relevance to the keywords blended
 * with the trending signal.
 *
 *   score = relevance + w * log1p(upvotes)
 *
 * relevance is -bm25(papers_fts, title_weight, 1.0) of the query built by
 * query.h (porter stemming comes from the FTS5 tokenizer), divided by the
 * best relevance among the candidates so it lies in (0, 1]; w is
 * [digest] trending_weight and title_weight is [digest] title_weight.
 * Only papers that match the keywords are ranked when there are keywords.
 * Without keywords the order is trending: upvotes, then most recent,
 * then lowest id.  The SQL lives in db_digest.c; this module holds the
 * scoring, which is a pure function and tested as one.  Layer 2.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_RANK_H
#define PAPERBOY_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "query.h"

/* One paper being ranked. */
struct rank_cand {
    int64_t id;            /* papers.id */
    int64_t first_seen_at; /* unix seconds, for trending ties */
    int upvotes;           /* papers.hf_upvotes */
    double bm25;           /* -bm25(): higher is better; 0 = no match */
    double score;          /* filled by rank_score() */
    uint32_t matched;      /* bit i: query term i matched this paper */
};

/*
 * rank_score - score and sort c[0..n) in place, best first.  With
 * by_relevance, relevance is bm25 normalised by the largest bm25 in c and
 * blended with w*log1p(upvotes); ties go to upvotes, recency, then id.
 * Without, the order is trending (upvotes, recency, id) and score is
 * log1p(upvotes).
 */
void rank_score(struct rank_cand *c, size_t n, int by_relevance, double w);

/* rank_top - rank_score(), but only c[0..k) is guaranteed to be the k
 * best in order (a selection, not a full sort); the rest is unordered */
void rank_top(struct rank_cand *c, size_t n, int by_relevance, double w,
              size_t k);

/*
 * rank_candidates - fill bm25 and matched for the candidates that match
 * q and drop those that do not (or that match an exclusion); n is updated.
 * With no terms in q, only exclusions are applied.  The candidates must be
 * sorted by id.  Uses [digest] title_weight.
 */
int rank_candidates(struct db *db, const struct config *cfg,
                    const struct query *q, struct rank_cand *c, size_t *n,
                    struct err *err);

/*
 * A cache of FTS5 hits per phrase over a range of paper ids, for ranking
 * many subscriptions against the same papers (see rank.c for why the sum
 * of per-phrase bm25 values is exactly FTS5's bm25 of the whole query).
 * Valid while the papers do not change; the owner (digest_batch) drops it
 * when the range changes.  Caller frees with rank_cache_free().
 */
struct rank_cache;
struct rank_cache *rank_cache_new(void);
void rank_cache_free(struct rank_cache *rc);

/*
 * rank_candidates_cached - rank_candidates() with hits taken from (and
 * added to) rc, which covers ids [lo, hi]; every candidate must lie in
 * that range.  A different range or title weight empties rc first.
 */
int rank_candidates_cached(struct db *db, const struct config *cfg,
                           const struct query *q, struct rank_cache *rc,
                           int64_t lo, int64_t hi, struct rank_cand *c,
                           size_t *n, struct err *err);

/* rank_why - "matched: kv cache, distillation · 87 upvotes" (or
 * "trending · 87 upvotes"; the upvotes part only when > 0) into out */
struct buf;
void rank_why(const struct query *q, const struct rank_cand *c,
              struct buf *out);

/* A search result for `paperboy papers search`. */
struct rank_hit {
    int64_t paper_id;
    char arxiv_id[32]; /* "2501.01234" */
    char *title;       /* owned */
    double score;
    int upvotes;
    char *matched; /* owned: "kv cache, distillation" ("" if none) */
};

/*
 * rank_search - search every paper for query (keyword syntax of query.h)
 * and return the best `limit` hits ranked as a digest would rank them.
 * *hits is NULL and *n 0 when nothing matches.  Caller frees with
 * rank_hits_free().  -1 with err for keywords that query_validate_keywords
 * refuses or a database error.
 */
int rank_search(struct db *db, const struct config *cfg, const char *query,
                size_t limit, struct rank_hit **hits, size_t *n,
                struct err *err);
void rank_hits_free(struct rank_hit *hits, size_t n);

#endif
