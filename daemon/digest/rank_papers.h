/* SPDX-License-Identifier: MIT */
/*
 * rank_papers - rank the papers of the store for a reader: `papers
 * search`, the web form's sample and the digests' candidates.  Reads the
 * papers' text (db_digest.h, db_web.h), indexes it (rank_index.h) and
 * orders it with rank.h's pure scoring.  Only papers that match the
 * keywords are ranked when there are keywords.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_RANK_PAPERS_H
#define PAPERBOY_RANK_PAPERS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "query.h"
#include "rank.h"

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
