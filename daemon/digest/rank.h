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
 * it lies in (0, 1]; w is [digest] trending_weight.  `papers search`, the
 * web form's sample and the digests all rank through rank_index.
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
    double bm25;           /* relevance (rank_index.h), higher is better;
                              0 = no match */
    double score;          /* filled by rank_score() */
    uint32_t matched;      /* bit i: query term i matched this paper */
    double prof; /* the reader's profile's share of bm25 (rank_index.h);
                    0 without a profile */
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

struct rank_index;

/*
 * rank_index_open - an empty rank_index (rank_index.h) with the acronym
 * table web/acronyms.txt (found as config_web_path() finds templates) and
 * [digest] title_weight.  -1 with err if the table cannot be read.
 */
int rank_index_open(const struct config *cfg, struct rank_index **ix,
                    struct err *err);

/*
 * rank_index_papers - index the papers whose ids are ids[0..n) (sorted,
 * increasing), reading their text from db.  Ids of no paper are skipped.
 */
int rank_index_papers(struct db *db, struct rank_index *ix, const int64_t *ids,
                      size_t n, struct err *err);

/*
 * rank_candidates - fill bm25 and matched for the candidates that match
 * q and drop those that do not (or that match an exclusion); n is updated.
 * With no terms in q, only exclusions are applied.  The candidates must be
 * sorted by id.  Builds a rank_index of the candidates themselves (their
 * idf is over them); digest.c keeps one index per list window instead.
 */
int rank_candidates(struct db *db, const struct config *cfg,
                    const struct query *q, struct rank_cand *c, size_t *n,
                    struct err *err);

/*
 * rank_day_matches - the live sample of the web form: the papers of day
 * in scope that match q, ranked as rank_candidates() ranks (bm25 holds
 * the relevance), best first, at most limit, passed to fn.
 */
struct db_web_scope;
struct db_web_paper;
int rank_day_matches(struct db *db, const struct config *cfg,
                     const struct db_web_scope *scope, const char *day,
                     const struct query *q, size_t limit,
                     int (*fn)(void *arg, const struct db_web_paper *p),
                     void *arg, struct err *err);

/* rank_why - "matched: kv cache, distillation · 87 upvotes" (or
 * "trending · 87 upvotes"; the upvotes part only when > 0) into out */
struct buf;
void rank_why(const struct query *q, const struct rank_cand *c,
              struct buf *out);

/* rank_why_reader - rank_why(), and when liked is not NULL (the title of
 * the liked paper c is most like) `like "TITLE…", which you liked` after
 * the matched terms: `matched: kv cache · like "GoldFinch: …", which you
 * liked · 87 upvotes` */
void rank_why_reader(const struct query *q, const struct rank_cand *c,
                     const char *liked, struct buf *out);

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
