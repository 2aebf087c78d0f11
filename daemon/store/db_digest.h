/* SPDX-License-Identifier: MIT */
/*
 * db_digest - the SQL behind digests: a subscription with its list, the
 * day's candidate papers, FTS5 matches with bm25, and the digests and
 * digest_items rows.  rank.c, digest.c, compose.c and cli_digest.c call
 * these; only this file talks to SQLite for them.
 *
 * Contract: 0 on success, -1 with err filled on failure.  Lookups
 * (db_digest_sub_load, db_digest_sub_find, db_digest_find, db_digest_prev,
 * db_digest_get, db_digest_paper) return 0 when found, 1 when there is no such
 * row (out untouched; err names the missing row, ERR_PERM, for a caller to whom
 * that is a failure), -1 on error.  Out-parameters are written only on
 * success.  Strings handed to callbacks are borrowed and valid only
 * during the call.
 */
#ifndef PAPERBOY_DB_DIGEST_H
#define PAPERBOY_DB_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_sub.h"
#include "err.h"

/* A subscription with what digests need from its subscriber and list. */
struct db_digest_sub {
    int64_t id;
    int64_t list_id;
    char status[16]; /* pending|confirmed|unsubscribed|bounced */
    char email[256]; /* subscriber's address */
    char name[201];  /* subscriber's display name or "" */
    char keywords[DB_SUB_KEYWORDS_MAX]; /* as typed; "" = none */
    char categories[520];      /* the subscription's filter; "" = none */
    int max_papers;            /* 1..50 */
    char last_digest_day[11];  /* "YYYY-MM-DD" or "" */
    int64_t confirm_sent_at;   /* 0 = never */
    char list_name[65];        /* lists.name */
    char list_title[256];      /* lists.title ("" falls back to name) */
    char list_categories[520]; /* 'cs.LG,cs.CL' */
    int include_hf;            /* 1: papers on HF daily belong to it */
    int include_replacements;  /* 1: replaced papers count as new */
    int weekly;  /* 1: mailed once a week (subscriptions.cadence) */
    int weekday; /* weekly: 0 = Sunday .. 6 = Saturday; else -1 */
};

/* db_digest_sub_load - a subscription by id; 0/1/-1 */
int db_digest_sub_load(struct db *db, int64_t sub_id, struct db_digest_sub *out,
                       struct err *err);

/* db_digest_sub_find - the subscription of email (any case) to list_name,
 * or to its only list when list_name is NULL; 1 when there is none, -1
 * ERR_PERM when there are several and no list was named */
int db_digest_sub_find(struct db *db, const char *email, const char *list_name,
                       int64_t *sub_id, struct err *err);

/* db_digest_find - the digest of sub for day; 0/1/-1 */
int db_digest_find(struct db *db, int64_t sub_id, const char *day,
                   int64_t *digest_id, struct err *err);

/* db_digest_prev - created_at of sub's latest digest before day; 0/1/-1 */
int db_digest_prev(struct db *db, int64_t sub_id, const char *day,
                   int64_t *created_at, struct err *err);

/* A paper of the list's window. */
struct db_digest_cand {
    int64_t id;            /* papers.id */
    int64_t first_seen_at; /* unix seconds */
    int upvotes;           /* papers.hf_upvotes */
    char *categories;      /* owned: papers.categories, 'cs.LG,stat.ML' */
};

/*
 * db_digest_list_candidates - papers first seen in [since, end of day]
 * (first_seen_day <= day) that belong to the subscription's list (a list
 * category, or on HF daily papers when the list includes HF), without
 * replacements unless the list takes them.  Sorted by id.  The
 * subscription's own filters are not applied here (see digest.c), so one
 * result serves every subscription of the list.  Caller frees with
 * db_digest_cands_free().
 */
int db_digest_list_candidates(struct db *db, const struct db_digest_sub *sub,
                              int64_t since, const char *day,
                              struct db_digest_cand **c, size_t *n,
                              struct err *err);
void db_digest_cands_free(struct db_digest_cand *c, size_t n);

/* db_digest_sent - ids (sorted) of the papers in sub's digests of
 * since_day or later.  Caller frees *ids with free(). */
int db_digest_sent(struct db *db, int64_t sub_id, const char *since_day,
                   int64_t **ids, size_t *n, struct err *err);

/* One FTS5 match. */
struct db_digest_match {
    int64_t id;            /* papers.id */
    double bm25;           /* -bm25(papers_fts, title_weight, 1.0) */
    int upvotes;           /* papers.hf_upvotes */
    int64_t first_seen_at; /* unix seconds */
};

/*
 * db_digest_match - call fn for every paper with id in [min_id, max_id]
 * that matches the FTS5 expression (built by query.h).  fn returns 0 to
 * go on.  An expression FTS5 refuses is an ERR_PERM error.
 */
int db_digest_match(struct db *db, const char *match, double title_weight,
                    int64_t min_id, int64_t max_id,
                    int (*fn)(void *arg, const struct db_digest_match *m),
                    void *arg, struct err *err);

/* db_digest_phrase - like db_digest_match without the join to papers
 * (only id and bm25 are set): for one phrase at a time */
int db_digest_phrase(struct db *db, const char *match, double title_weight,
                     int64_t min_id, int64_t max_id,
                     int (*fn)(void *arg, const struct db_digest_match *m),
                     void *arg, struct err *err);

/* A paper's text, for the ranking's in-memory index. */
struct db_digest_text {
    int64_t id;            /* papers.id */
    const char *title;     /* borrowed, never NULL */
    const char *abstract;  /* borrowed, never NULL ("" if none) */
    int upvotes;           /* papers.hf_upvotes */
    int64_t first_seen_at; /* unix seconds */
};

/* db_digest_texts - call fn for every paper with id in [min_id, max_id],
 * by id; fn returns 0 to go on */
int db_digest_texts(struct db *db, int64_t min_id, int64_t max_id,
                    int (*fn)(void *arg, const struct db_digest_text *t),
                    void *arg, struct err *err);

/*
 * A digest's papers are a prefix of a ranking stored once (schema 070):
 * db_digest_set_new() makes an empty set, db_digest_set_item_add() or
 * db_digest_set_items_add() fill it, and each digest that shares the
 * ranking names the set and how many of its first items are its own.
 * The digest_items view reads them as before.
 */
/* db_digest_set_new - a new, empty digest_sets row */
int db_digest_set_new(struct db *db, int64_t *set_id, struct err *err);
/* db_digest_set_live - *live 1 when set_id is a digest_sets row (a set
 * goes with the last digest naming it; schema 080 never reuses its id) */
int db_digest_set_live(struct db *db, int64_t set_id, int *live,
                       struct err *err);
/* db_digest_set_drop_unnamed - delete set_id (and its items) when no digest
 * names it; *dropped 1 when it did */
int db_digest_set_drop_unnamed(struct db *db, int64_t set_id, int *dropped,
                               struct err *err);
/* db_digest_set_item_add - one item (rank 1-based) of set_id */
int db_digest_set_item_add(struct db *db, int64_t set_id, int rank,
                           int64_t paper_id, double score, const char *why,
                           struct err *err);
/* db_digest_set_items_add - all items of set_id in one statement: json is
 * [[paper_id, score, "why"], ...] in rank order (rank 1 first) */
int db_digest_set_items_add(struct db *db, int64_t set_id, const char *json,
                            struct err *err);
/* db_digest_insert - a new digests row whose papers are the first items
 * of set_id */
int db_digest_insert(struct db *db, int64_t sub_id, const char *day,
                     int64_t created_at, int64_t set_id, int items,
                     int64_t *digest_id, struct err *err);
/* db_digest_insert_new - db_digest_insert, unless (sub_id, day) has a
 * digest already (another process froze it first): then 1 with *digest_id
 * that row's id, and nothing written */
int db_digest_insert_new(struct db *db, int64_t sub_id, const char *day,
                         int64_t created_at, int64_t set_id, int items,
                         int64_t *digest_id, struct err *err);
/* db_digest_set_period - digests.period_from = from ("YYYY-MM-DD"): the
 * first day a weekly digest covers (schema 060) */
int db_digest_set_period(struct db *db, int64_t digest_id, const char *from,
                         struct err *err);
/* db_digest_set_last_day - subscriptions.last_digest_day = day */
int db_digest_set_last_day(struct db *db, int64_t sub_id, const char *day,
                           struct err *err);

/* A frozen digest. */
struct db_digest_row {
    int64_t id;
    int64_t sub_id;
    char day[11];         /* "YYYY-MM-DD" */
    int64_t created_at;   /* unix seconds; Date header and token time */
    char period_from[11]; /* weekly: first day covered; "" for daily */
};

/* db_digest_get - a frozen digest by id; 0/1/-1 */
int db_digest_get(struct db *db, int64_t digest_id, struct db_digest_row *out,
                  struct err *err);

/* A paper as a digest shows it.  All strings borrowed, never NULL. */
struct db_digest_paper {
    int64_t id;
    int rank; /* 1-based; 0 outside a digest */
    double score;
    const char *why; /* digest_items.why */
    const char *arxiv_id;
    const char *title;
    const char *abstract;
    const char *authors;    /* JSON array of names */
    const char *categories; /* 'cs.LG,stat.ML' */
    const char *hf_day;     /* "" if never on HF daily papers */
    int upvotes;
    const char *github_repo;  /* URL or "" */
    const char *project_page; /* URL or "" */
    const char *ai_summary;   /* or "" */
};

/* db_digest_recent - call fn for sub_id's latest digests, newest day
 * first, at most limit; fn may run other queries and returns 0 to go on,
 * or -1 to stop, which db_digest_recent returns (the error is fn's) */
int db_digest_recent(struct db *db, int64_t sub_id, int limit,
                     int (*fn)(void *arg, const struct db_digest_row *d),
                     void *arg, struct err *err);

/* db_digest_items - call fn for each paper of digest_id in rank order */
int db_digest_items(struct db *db, int64_t digest_id,
                    int (*fn)(void *arg, const struct db_digest_paper *p),
                    void *arg, struct err *err);

/* db_digest_item_refs - call fn for each paper of digest_id in rank
 * order with only id, rank, score and why set (the paper's other fields
 * NULL: the caller has them, or asks db_digest_paper); fn may run other
 * queries */
int db_digest_item_refs(struct db *db, int64_t digest_id,
                        int (*fn)(void *arg, const struct db_digest_paper *p),
                        void *arg, struct err *err);

/* db_digest_paper - call fn once for paper id (rank 0, why ""); 1 when
 * there is no such paper (fn not called) */
int db_digest_paper(struct db *db, int64_t paper_id,
                    int (*fn)(void *arg, const struct db_digest_paper *p),
                    void *arg, struct err *err);

/*
 * db_digest_failed_sources - call fn for each source of a digest whose
 * latest collection run finished by `at` (the digest's created_at, so a
 * re-render reads the same rows) failed: "" for Hugging Face daily papers
 * (when include_hf), then each arXiv category of the CSV categories whose
 * RSS listing failed, in CSV order.  Runs older than three days before
 * `at` do not count; a source with no run counts as fine.  fn returns 0
 * to go on.
 */
int db_digest_failed_sources(struct db *db, const char *categories,
                             int include_hf, int64_t at,
                             int (*fn)(void *arg, const char *category),
                             void *arg, struct err *err);

#endif
