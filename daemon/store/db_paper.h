/* SPDX-License-Identifier: MIT */
/*
 * db_paper - storing collected papers, and the collector's bookkeeping
 * tables (fetch_state for conditional GET, collect_runs for history).
 *
 * One row per arXiv id: a paper seen in an arXiv feed and on Hugging Face
 * carries both sets of fields.  first_seen_at/first_seen_day keep the
 * first sighting.  arXiv data (title, abstract, authors, categories) wins
 * over HF data; a higher version replaces the text; HF signals (upvotes,
 * comments, GitHub, AI summary) are refreshed on every sighting.  The FTS
 * index follows through the schema's triggers and paper_categories is
 * kept here.  Callers group a source's upserts in one transaction
 * (db_begin/db_commit) so a failed source leaves nothing behind.
 *
 * Contract: 0 on success, -1 with err filled; lookups return 1 for "not
 * found".  Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DB_PAPER_H
#define PAPERBOY_DB_PAPER_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "paper.h"

enum db_paper_outcome {
    DB_PAPER_NEW = 0,       /* inserted */
    DB_PAPER_UPDATED = 1,   /* a stored field changed */
    DB_PAPER_UNCHANGED = 2, /* already stored exactly like this */
};

/*
 * db_paper_upsert - insert or merge p.  now is the collection time (unix
 * seconds) and today its UTC day for first_seen_*; hf_day is the HF
 * daily-papers day when p comes from HF (else ignored).
 */
int db_paper_upsert(struct db *db, const struct paper *p, int64_t now,
                    const char *today, const char *hf_day,
                    enum db_paper_outcome *out, struct err *err);

/*
 * db_paper_store - db_paper_upsert() for n papers at once, outs[i] the
 * outcome of v[i].  New papers are inserted with one statement at the end:
 * FTS5 flushes its pending index at every statement savepoint and the
 * schema's insert trigger makes each single-row INSERT open one, so row by
 * row costs several times more.  Run it inside the caller's transaction; on
 * failure the caller rolls back.
 */
int db_paper_store(struct db *db, const struct paper *const *v, size_t n,
                   int64_t now, const char *today, const char *hf_day,
                   enum db_paper_outcome *outs, struct err *err);

/*
 * db_paper_tune - best-effort connection settings for bulk storing: a
 * 16 MiB page cache (a day's papers and their FTS pages stay in memory
 * instead of spilling to the WAL mid-transaction) and temp tables in
 * memory (db_paper_store's staging table).  Call it outside a
 * transaction, before the first db_paper_store() on the connection.
 * Errors are ignored: it changes speed only, never results.
 */
void db_paper_tune(struct db *db);

/* A stored paper, for display.  Strings owned; NULL when SQL NULL. */
struct db_paper_row {
    int64_t id;
    char arxiv_id[PAPER_ID_MAX];
    int version;
    char *title, *abstract;
    char *authors;    /* JSON array */
    char *categories; /* "cs.LG,cs.AI", primary first */
    char *comment, *journal_ref, *doi, *announce_type;
    int64_t published_at;  /* 0 = unknown */
    int64_t first_seen_at; /* unix seconds */
    char first_seen_day[16];
    int in_arxiv;
    char *hf_day;
    int64_t hf_upvotes, hf_comments;
    char *github_repo;
    int64_t github_stars; /* -1 = unknown */
    char *project_page, *ai_summary;
    char *ai_keywords; /* JSON array or NULL */
};

void db_paper_row_release(struct db_paper_row *r);

/* db_paper_get - by canonical arXiv id; 0 found, 1 not found, -1 error */
int db_paper_get(struct db *db, const char *arxiv_id, struct db_paper_row *out,
                 struct err *err);

/* db_paper_get_id - by row id; 0 found, 1 not found, -1 error */
int db_paper_get_id(struct db *db, int64_t id, struct db_paper_row *out,
                    struct err *err);

/* Called once per paper; 0 to go on, -1 to stop with err set. */
typedef int (*db_paper_cb)(const struct db_paper_row *r, void *arg,
                           struct err *err);

/*
 * db_paper_each - papers first seen on or after since (NULL: all), newest
 * first.  categories ("cs.LG,cs.CL" or NULL for all) restricts to papers
 * in one of them; with include_hf, papers on HF daily papers also pass.
 * At most limit rows (0: no limit).
 */
int db_paper_each(struct db *db, const char *since, const char *categories,
                  int include_hf, long limit, db_paper_cb cb, void *arg,
                  struct err *err);

/* db_paper_count - number of stored papers */
int db_paper_count(struct db *db, int64_t *out, struct err *err);

/* db_papers_version - into *v a number that changes whenever a paper row
 * is inserted, changed or deleted (schema 110) */
int db_papers_version(struct db *db, int64_t *v, struct err *err);

/* fetch_state: conditional GET validators per URL.  *etag and *lm are
 * set to owned strings or NULL; caller frees. */
int db_paper_fetch_state_get(struct db *db, const char *url, char **etag,
                             char **lm, struct err *err);
/* db_paper_fetch_state_ok - remember validators after a good fetch; NULL
 * validators keep the old ones only when not_modified */
int db_paper_fetch_state_ok(struct db *db, const char *url, const char *etag,
                            const char *lm, int not_modified, int64_t now,
                            struct err *err);
/* db_paper_fetch_state_error - record the last error for url */
int db_paper_fetch_state_error(struct db *db, const char *url, const char *msg,
                               struct err *err);

/* One collect_runs row. */
struct db_paper_run {
    const char *source;  /* "arxiv-rss:cs.LG", "hf-daily", "arxiv-api:cs.LG" */
    const char *day;     /* the day collected, YYYY-MM-DD */
    int64_t started_at;  /* unix seconds */
    int64_t finished_at; /* unix seconds; 0: did not finish (NULL) */
    int ok;              /* 1: the source succeeded */
    long fetched, new_, updated, skipped, failed; /* entry counts */
    long duration_ms;                             /* wall time */
    const char *error;                            /* NULL when ok */
};

/* db_paper_run_add - insert a collect_runs row */
int db_paper_run_add(struct db *db, const struct db_paper_run *r,
                     struct err *err);

#endif
