/* SPDX-License-Identifier: MIT */
/*
 * db_paper - papers, paper_categories, fetch_state and collect_runs (see
 * db_paper.h).  The merge of a new sighting into a stored paper is done in
 * C on a struct of column values, so the rules read in one place
 * (db_paper_merge) and "unchanged" is an exact comparison.
 */
#include "db_paper.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "str.h"
#include "xalloc.h"

/* The stored columns of one paper that a sighting can change. */
struct db_paper_vals {
    int64_t version;
    char *title, *abstract, *authors, *categories;
    char *comment, *journal_ref, *doi, *announce_type;
    int64_t published_at; /* 0 = NULL */
    int64_t in_arxiv;
    char *hf_day;
    int64_t hf_upvotes, hf_comments;
    char *github_repo;
    int64_t github_stars; /* -1 = NULL */
    char *project_page, *ai_summary, *ai_keywords;
};

/* dbp_vals_release - free the strings of v */
static void
dbp_vals_release(struct db_paper_vals *v)
{
    free(v->title);
    free(v->abstract);
    free(v->authors);
    free(v->categories);
    free(v->comment);
    free(v->journal_ref);
    free(v->doi);
    free(v->announce_type);
    free(v->hf_day);
    free(v->github_repo);
    free(v->project_page);
    free(v->ai_summary);
    free(v->ai_keywords);
    memset(v, 0, sizeof(*v));
}

/* dbp_dup - owned copy of s or NULL */
static char *
dbp_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* dbp_set - replace *dst with a copy of s */
static void
dbp_set(char **dst, const char *s)
{
    char *c = dbp_dup(s);
    free(*dst);
    *dst = c;
}

/* dbp_col - owned copy of a text column or NULL */
static char *
dbp_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? xstrdup((const char *)t) : NULL;
}

/* dbp_json_list - a string list as a JSON array; caller frees */
static char *
dbp_json_list(const struct strlist *l)
{
    struct buf b;
    char *r;

    buf_init(&b, BUF_UNLIMITED);
    buf_addc(&b, '[');
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            buf_addc(&b, ',');
        buf_addc(&b, '"');
        buf_add_json(&b, l->v[i], strlen(l->v[i]));
        buf_addc(&b, '"');
    }
    buf_addc(&b, ']');
    r = buf_detach(&b);
    return r ? r : xstrdup("[]");
}

/* dbp_csv - a string list joined with ","; caller frees */
static char *
dbp_csv(const struct strlist *l)
{
    struct buf b;
    char *r;

    buf_init(&b, BUF_UNLIMITED);
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            buf_addc(&b, ',');
        buf_adds(&b, l->v[i]);
    }
    r = buf_detach(&b);
    return r ? r : xstrdup("");
}

/* dbp_eq - string equality with NULL == NULL */
static int
dbp_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* dbp_same - 1 if every column of a equals b's */
static int
dbp_same(const struct db_paper_vals *a, const struct db_paper_vals *b)
{
    return a->version == b->version && dbp_eq(a->title, b->title) &&
           dbp_eq(a->abstract, b->abstract) && dbp_eq(a->authors, b->authors) &&
           dbp_eq(a->categories, b->categories) &&
           dbp_eq(a->comment, b->comment) &&
           dbp_eq(a->journal_ref, b->journal_ref) && dbp_eq(a->doi, b->doi) &&
           dbp_eq(a->announce_type, b->announce_type) &&
           a->published_at == b->published_at && a->in_arxiv == b->in_arxiv &&
           dbp_eq(a->hf_day, b->hf_day) && a->hf_upvotes == b->hf_upvotes &&
           a->hf_comments == b->hf_comments &&
           dbp_eq(a->github_repo, b->github_repo) &&
           a->github_stars == b->github_stars &&
           dbp_eq(a->project_page, b->project_page) &&
           dbp_eq(a->ai_summary, b->ai_summary) &&
           dbp_eq(a->ai_keywords, b->ai_keywords);
}

/* dbp_text_fields - take title, abstract, authors from p */
static void
dbp_text_fields(struct db_paper_vals *v, const struct paper *p)
{
    char *json;

    dbp_set(&v->title, p->title);
    if (p->abstract && *p->abstract)
        dbp_set(&v->abstract, p->abstract);
    else if (v->abstract == NULL)
        dbp_set(&v->abstract, "");
    if (p->authors.n > 0) {
        json = dbp_json_list(&p->authors);
        free(v->authors);
        v->authors = json;
    } else if (v->authors == NULL) {
        dbp_set(&v->authors, "[]");
    }
}

/*
 * db_paper_merge - the merge rules: fold sighting p into v (the stored
 * values, or all-empty for a new paper).
 */
static void
db_paper_merge(struct db_paper_vals *v, const struct paper *p,
               const char *hf_day, int is_new)
{
    if (p->in_arxiv) {
        int newer = p->version >= v->version;
        int later = p->version > v->version;
        if (is_new || !v->in_arxiv || newer) {
            dbp_text_fields(v, p);
            if (p->categories.n > 0) {
                char *csv = dbp_csv(&p->categories);
                free(v->categories);
                v->categories = csv;
            }
        }
        if (p->comment)
            dbp_set(&v->comment, p->comment);
        if (p->journal_ref)
            dbp_set(&v->journal_ref, p->journal_ref);
        if (p->doi)
            dbp_set(&v->doi, p->doi);
        /* the first sighting of a version names how it was announced */
        if (p->announce_type[0] && (v->announce_type == NULL || later))
            dbp_set(&v->announce_type, p->announce_type);
        if (later)
            v->version = p->version;
        v->in_arxiv = 1;
    }
    if (p->has_hf) {
        if (is_new || !v->in_arxiv)
            dbp_text_fields(v, p);
        if (v->version == 0)
            v->version = p->version > 0 ? p->version : 1;
        dbp_set(&v->hf_day, hf_day);
        v->hf_upvotes = p->hf_upvotes;
        v->hf_comments = p->hf_comments;
        if (p->github_repo)
            dbp_set(&v->github_repo, p->github_repo);
        if (p->github_stars >= 0)
            v->github_stars = p->github_stars;
        if (p->project_page)
            dbp_set(&v->project_page, p->project_page);
        if (p->ai_summary)
            dbp_set(&v->ai_summary, p->ai_summary);
        if (p->ai_keywords.n > 0) {
            char *json = dbp_json_list(&p->ai_keywords);
            free(v->ai_keywords);
            v->ai_keywords = json;
        }
    }
    if (p->published_at > 0 && (p->published_exact || v->published_at == 0))
        v->published_at = p->published_at;
    if (v->categories == NULL)
        v->categories = xstrdup("");
    if (v->version == 0)
        v->version = 1;
}

/* dbp_bind_text - bind s or NULL */
static int
dbp_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT)
             : sqlite3_bind_null(st, i);
}

/* dbp_bind_vals - bind v to parameters ?2..?20 in column order */
static int
dbp_bind_vals(sqlite3_stmt *st, const struct db_paper_vals *v)
{
    int rc = SQLITE_OK;

    rc |= sqlite3_bind_int64(st, 2, v->version);
    rc |= dbp_bind_text(st, 3, v->title);
    rc |= dbp_bind_text(st, 4, v->abstract);
    rc |= dbp_bind_text(st, 5, v->authors);
    rc |= dbp_bind_text(st, 6, v->categories);
    rc |= dbp_bind_text(st, 7, v->comment);
    rc |= dbp_bind_text(st, 8, v->journal_ref);
    rc |= dbp_bind_text(st, 9, v->doi);
    rc |= dbp_bind_text(st, 10, v->announce_type);
    rc |= v->published_at > 0 ? sqlite3_bind_int64(st, 11, v->published_at)
                              : sqlite3_bind_null(st, 11);
    rc |= sqlite3_bind_int64(st, 12, v->in_arxiv);
    rc |= dbp_bind_text(st, 13, v->hf_day);
    rc |= sqlite3_bind_int64(st, 14, v->hf_upvotes);
    rc |= sqlite3_bind_int64(st, 15, v->hf_comments);
    rc |= dbp_bind_text(st, 16, v->github_repo);
    rc |= v->github_stars >= 0 ? sqlite3_bind_int64(st, 17, v->github_stars)
                               : sqlite3_bind_null(st, 17);
    rc |= dbp_bind_text(st, 18, v->project_page);
    rc |= dbp_bind_text(st, 19, v->ai_summary);
    rc |= dbp_bind_text(st, 20, v->ai_keywords);
    return rc == SQLITE_OK ? 0 : -1;
}

/* dbp_categories - make paper_categories match the csv list */
static int
dbp_categories(struct db *db, int64_t id, const char *csv, int is_new,
               struct err *err)
{
    static const char del_sql[] =
        "DELETE FROM paper_categories WHERE paper_id = ?1";
    static const char ins_sql[] =
        "INSERT OR IGNORE INTO paper_categories (category, paper_id) "
        "VALUES (?1, ?2)";
    sqlite3_stmt *st;
    const char *p = csv;

    if (!is_new) {
        /* uses paper_categories_paper (schema 002), not a table scan */
        st = db_stmt(db, del_sql, err);
        if (st == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_reset(st);
            return db_fail(db, err, "clearing paper categories");
        }
        sqlite3_reset(st);
    }
    while (p && *p) {
        size_t n = strcspn(p, ",");
        if (n > 0) {
            st = db_stmt(db, ins_sql, err);
            if (st == NULL)
                return -1;
            sqlite3_bind_text(st, 1, p, (int)n, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, id);
            if (sqlite3_step(st) != SQLITE_DONE)
                return db_fail(db, err, "storing paper categories");
            sqlite3_reset(st);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* The staging table: new papers of one store call are inserted into
 * papers with ONE statement at the end.  FTS5 flushes its pending index at
 * every statement savepoint, and the schema's insert trigger makes each
 * single-row INSERT open one, so row-by-row inserts cost several times
 * more.
 * Staged rows get ids base + seq (base = max(id) when they are flushed),
 * exactly the ids SQLite would assign, so their categories go straight
 * into paper_categories without a join back on arxiv_id. */
static const char dbp_stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS db_paper_stage ("
    " seq INTEGER PRIMARY KEY, arxiv_id TEXT NOT NULL UNIQUE, version, "
    " title, abstract, authors, categories, comment, journal_ref, doi, "
    " announce_type, published_at, in_arxiv, hf_day, hf_upvotes, "
    " hf_comments, github_repo, github_stars, project_page, ai_summary, "
    " ai_keywords, first_seen_at, first_seen_day, updated_at);"
    "DELETE FROM temp.db_paper_stage;";

/* The categories (csv) of the staged papers, index seq - 1. */
struct dbp_batch {
    char **cats;
    size_t n, cap;
};

/* dbp_batch_release - free the staged categories */
static void
dbp_batch_release(struct dbp_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->cats[i]);
    free(b->cats);
    memset(b, 0, sizeof(*b));
}

/* DBP_CAT_ROWS (category, paper_id) pairs per INSERT: one multi-row
 * statement costs less than as many single-row ones. */
#define DBP_CAT_ROWS 32
#define DBP_R1 "(?,?)"
#define DBP_R2 DBP_R1 "," DBP_R1
#define DBP_R4 DBP_R2 "," DBP_R2
#define DBP_R8 DBP_R4 "," DBP_R4
#define DBP_R16 DBP_R8 "," DBP_R8
#define DBP_R32 DBP_R16 "," DBP_R16 /* DBP_CAT_ROWS rows */

/* dbp_flush_categories - paper_categories rows of the staged papers, which
 * have ids base + 1 .. base + b->n */
static int
dbp_flush_categories(struct db *db, const struct dbp_batch *b, int64_t base,
                     struct err *err)
{
    static const char many_sql[] = "INSERT OR IGNORE INTO paper_categories "
                                   "(category, paper_id) VALUES " DBP_R32;
    static const char one_sql[] = "INSERT OR IGNORE INTO paper_categories "
                                  "(category, paper_id) VALUES (?1, ?2)";
    struct {
        const char *s;
        int n;
        int64_t id;
    } *v = NULL;
    size_t n = 0, cap = 0, i = 0;
    sqlite3_stmt *st;
    int rc = -1;

    for (size_t k = 0; k < b->n; k++) {
        for (const char *p = b->cats[k]; *p;) {
            size_t len = strcspn(p, ",");
            if (len > 0) {
                if (n == cap) {
                    cap = cap ? 2 * cap : 256;
                    v = xrealloc(v, cap * sizeof(*v));
                }
                v[n].s = p;
                v[n].n = (int)len;
                v[n].id = base + 1 + (int64_t)k;
                n++;
            }
            p += len;
            if (*p == ',')
                p++;
        }
    }
    for (; n - i >= DBP_CAT_ROWS; i += DBP_CAT_ROWS) {
        if ((st = db_stmt(db, many_sql, err)) == NULL)
            goto out;
        int bad = sqlite3_bind_parameter_count(st) != 2 * DBP_CAT_ROWS;
        for (int k = 0; k < DBP_CAT_ROWS && !bad; k++)
            bad = sqlite3_bind_text(st, 2 * k + 1, v[i + k].s, v[i + k].n,
                                    SQLITE_STATIC) != SQLITE_OK ||
                  sqlite3_bind_int64(st, 2 * k + 2, v[i + k].id) != SQLITE_OK;
        if (bad) {
            db_fail(db, err, "binding paper categories");
            goto out;
        }
        if (db_step_done(db, st, "storing paper categories", err) == -1)
            goto out;
    }
    for (; i < n; i++) {
        if ((st = db_stmt(db, one_sql, err)) == NULL)
            goto out;
        sqlite3_bind_text(st, 1, v[i].s, v[i].n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, v[i].id);
        if (db_step_done(db, st, "storing paper categories", err) == -1)
            goto out;
    }
    rc = 0;
out:
    free(v);
    return rc;
}

/* dbp_flush - move the staged papers into papers and paper_categories */
static int
dbp_flush(struct db *db, struct dbp_batch *b, struct err *err)
{
    static const char max_sql[] = "SELECT coalesce(max(id), 0) FROM papers";
    static const char ins_sql[] =
        "INSERT INTO papers (id, arxiv_id, version, title, abstract, authors, "
        "categories, comment, journal_ref, doi, announce_type, published_at, "
        "in_arxiv, hf_day, hf_upvotes, hf_comments, github_repo, "
        "github_stars, project_page, ai_summary, ai_keywords, first_seen_at, "
        "first_seen_day, updated_at) SELECT ?1 + seq, arxiv_id, version, "
        "title, abstract, authors, categories, comment, journal_ref, doi, "
        "announce_type, published_at, in_arxiv, hf_day, hf_upvotes, "
        "hf_comments, github_repo, github_stars, project_page, ai_summary, "
        "ai_keywords, first_seen_at, first_seen_day, updated_at "
        "FROM temp.db_paper_stage ORDER BY seq";
    static const char clear_sql[] = "DELETE FROM temp.db_paper_stage";
    sqlite3_stmt *st;
    int64_t base;
    int rc = -1;

    if (b->n == 0)
        return 0;
    st = db_stmt(db, max_sql, err);
    if (st == NULL)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        db_fail(db, err, "reading paper ids");
        goto out;
    }
    base = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (base > INT64_MAX - (int64_t)b->n) {
        err_set(err, ERR_PERM, "paper ids exhausted");
        goto out;
    }
    st = db_stmt(db, ins_sql, err);
    if (st == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, base);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_reset(st);
        db_fail(db, err, "inserting papers");
        goto out;
    }
    sqlite3_reset(st);
    if (dbp_flush_categories(db, b, base, err) == -1)
        goto out;
    rc = db_exec(db, clear_sql, err);
out:
    dbp_batch_release(b);
    return rc;
}

/* dbp_stage - stage a new paper (values nv) and remember its categories */
static int
dbp_stage(struct db *db, struct dbp_batch *b, const char *arxiv_id,
          const struct db_paper_vals *nv, int64_t now, const char *today,
          struct err *err)
{
    static const char ins_sql[] =
        "INSERT INTO temp.db_paper_stage (seq, arxiv_id, version, title, "
        "abstract, authors, categories, comment, journal_ref, doi, "
        "announce_type, published_at, in_arxiv, hf_day, hf_upvotes, "
        "hf_comments, github_repo, github_stars, project_page, ai_summary, "
        "ai_keywords, first_seen_at, first_seen_day, updated_at) VALUES (?23, "
        "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
        "?16, ?17, ?18, ?19, ?20, ?21, ?22, ?21)";
    sqlite3_stmt *st = db_stmt(db, ins_sql, err);

    if (st == NULL)
        return -1;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->cats = xrealloc(b->cats, b->cap * sizeof(*b->cats));
    }
    sqlite3_bind_text(st, 1, arxiv_id, -1, SQLITE_TRANSIENT);
    if (dbp_bind_vals(st, nv) == -1 ||
        sqlite3_bind_int64(st, 21, now) != SQLITE_OK ||
        sqlite3_bind_text(st, 22, today, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
        sqlite3_bind_int64(st, 23, (int64_t)b->n + 1) != SQLITE_OK) {
        sqlite3_reset(st);
        return db_fail(db, err, "binding a paper");
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_reset(st);
        return db_fail(db, err, "staging a paper");
    }
    sqlite3_reset(st);
    b->cats[b->n++] = xstrdup(nv->categories ? nv->categories : "");
    return 0;
}

/* dbp_staged - 1 if arxiv_id is staged, 0 if not, -1 on error */
static int
dbp_staged(struct db *db, const char *arxiv_id, struct err *err)
{
    static const char sql[] =
        "SELECT 1 FROM temp.db_paper_stage WHERE arxiv_id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int step;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, arxiv_id, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return 1;
    if (step == SQLITE_DONE)
        return 0;
    return db_fail(db, err, "reading staged papers");
}

/* dbp_upsert_one - merge p into its stored row, or stage it as new */
static int
dbp_upsert_one(struct db *db, struct dbp_batch *b, const struct paper *p,
               int64_t now, const char *today, const char *hf_day,
               enum db_paper_outcome *out, struct err *err)
{
    static const char sel_sql[] =
        "SELECT id, version, title, abstract, authors, categories, comment, "
        "journal_ref, doi, announce_type, published_at, in_arxiv, hf_day, "
        "hf_upvotes, hf_comments, github_repo, github_stars, project_page, "
        "ai_summary, ai_keywords FROM papers WHERE arxiv_id = ?1";
    /* title and abstract are set only when they change (upd_text_sql):
     * the FTS trigger fires on any UPDATE that sets them.  ?3 and ?4
     * appear here only so dbp_bind_vals() can bind every value. */
    static const char upd_sql[] =
        "UPDATE papers SET version = ?2, authors = ?5, categories = ?6, "
        "comment = ?7, journal_ref = ?8, doi = ?9, announce_type = ?10, "
        "published_at = ?11, in_arxiv = ?12, hf_day = ?13, hf_upvotes = ?14, "
        "hf_comments = ?15, github_repo = ?16, github_stars = ?17, "
        "project_page = ?18, ai_summary = ?19, ai_keywords = ?20, "
        "updated_at = ?21 WHERE id = ?1 AND ?3 IS NOT NULL AND ?4 IS NOT NULL";
    static const char upd_text_sql[] =
        "UPDATE papers SET title = ?2, abstract = ?3 WHERE id = ?1";
    struct db_paper_vals old, nv;
    sqlite3_stmt *st;
    int64_t id = 0;
    int found = 0, rc = -1, step, staged;

    memset(&old, 0, sizeof(old));
    memset(&nv, 0, sizeof(nv));
    old.github_stars = -1;
    if (p->title == NULL || p->arxiv_id[0] == '\0') {
        err_set(err, ERR_PERM, "paper without id or title");
        return -1;
    }
    /* seen earlier in this same batch: store that one first */
    staged = dbp_staged(db, p->arxiv_id, err);
    if (staged == -1 || (staged == 1 && dbp_flush(db, b, err) == -1))
        return -1;
    st = db_stmt(db, sel_sql, err);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, p->arxiv_id, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        found = 1;
        id = sqlite3_column_int64(st, 0);
        old.version = sqlite3_column_int64(st, 1);
        old.title = dbp_col(st, 2);
        old.abstract = dbp_col(st, 3);
        old.authors = dbp_col(st, 4);
        old.categories = dbp_col(st, 5);
        old.comment = dbp_col(st, 6);
        old.journal_ref = dbp_col(st, 7);
        old.doi = dbp_col(st, 8);
        old.announce_type = dbp_col(st, 9);
        old.published_at = sqlite3_column_int64(st, 10);
        old.in_arxiv = sqlite3_column_int64(st, 11);
        old.hf_day = dbp_col(st, 12);
        old.hf_upvotes = sqlite3_column_int64(st, 13);
        old.hf_comments = sqlite3_column_int64(st, 14);
        old.github_repo = dbp_col(st, 15);
        old.github_stars = sqlite3_column_type(st, 16) == SQLITE_NULL
                               ? -1
                               : sqlite3_column_int64(st, 16);
        old.project_page = dbp_col(st, 17);
        old.ai_summary = dbp_col(st, 18);
        old.ai_keywords = dbp_col(st, 19);
    } else if (step != SQLITE_DONE) {
        sqlite3_reset(st);
        db_fail(db, err, "reading a paper");
        goto out;
    }
    sqlite3_reset(st);

    /* nv starts as a copy of old, then the sighting is folded in */
    nv = old;
    nv.title = dbp_dup(old.title);
    nv.abstract = dbp_dup(old.abstract);
    nv.authors = dbp_dup(old.authors);
    nv.categories = dbp_dup(old.categories);
    nv.comment = dbp_dup(old.comment);
    nv.journal_ref = dbp_dup(old.journal_ref);
    nv.doi = dbp_dup(old.doi);
    nv.announce_type = dbp_dup(old.announce_type);
    nv.hf_day = dbp_dup(old.hf_day);
    nv.github_repo = dbp_dup(old.github_repo);
    nv.project_page = dbp_dup(old.project_page);
    nv.ai_summary = dbp_dup(old.ai_summary);
    nv.ai_keywords = dbp_dup(old.ai_keywords);
    db_paper_merge(&nv, p, hf_day, !found);

    if (!found) {
        if (dbp_stage(db, b, p->arxiv_id, &nv, now, today, err) == -1)
            goto out;
        *out = DB_PAPER_NEW;
        rc = 0;
        goto out;
    }
    if (dbp_same(&old, &nv)) {
        *out = DB_PAPER_UNCHANGED;
        rc = 0;
        goto out;
    }
    st = db_stmt(db, upd_sql, err);
    if (st == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (dbp_bind_vals(st, &nv) == -1 ||
        sqlite3_bind_int64(st, 21, now) != SQLITE_OK) {
        sqlite3_reset(st);
        db_fail(db, err, "binding a paper");
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_reset(st);
        db_fail(db, err, "updating a paper");
        goto out;
    }
    sqlite3_reset(st);
    if (!dbp_eq(old.title, nv.title) || !dbp_eq(old.abstract, nv.abstract)) {
        st = db_stmt(db, upd_text_sql, err);
        if (st == NULL)
            goto out;
        sqlite3_bind_int64(st, 1, id);
        dbp_bind_text(st, 2, nv.title);
        dbp_bind_text(st, 3, nv.abstract);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_reset(st);
            db_fail(db, err, "updating a paper");
            goto out;
        }
        sqlite3_reset(st);
    }
    if (!dbp_eq(old.categories, nv.categories) &&
        dbp_categories(db, id, nv.categories, 0, err) == -1)
        goto out;
    *out = DB_PAPER_UPDATED;
    rc = 0;
out:
    dbp_vals_release(&old);
    dbp_vals_release(&nv);
    return rc;
}

void
db_paper_tune(struct db *db)
{
    (void)db_exec(db, "PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;",
                  NULL);
}

int
db_paper_store(struct db *db, const struct paper *const *v, size_t n,
               int64_t now, const char *today, const char *hf_day,
               enum db_paper_outcome *outs, struct err *err)
{
    struct dbp_batch b;

    memset(&b, 0, sizeof(b));
    if (db_exec(db, dbp_stage_sql, err) == -1)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (dbp_upsert_one(db, &b, v[i], now, today, hf_day, &outs[i], err) ==
            -1) {
            err_prefix(err, "storing %s", v[i]->arxiv_id);
            dbp_batch_release(&b);
            return -1;
        }
    return dbp_flush(db, &b, err);
}

int
db_paper_upsert(struct db *db, const struct paper *p, int64_t now,
                const char *today, const char *hf_day,
                enum db_paper_outcome *out, struct err *err)
{
    enum db_paper_outcome o;

    if (db_paper_store(db, &p, 1, now, today, hf_day, &o, err) == -1)
        return -1;
    *out = o;
    return 0;
}

void
db_paper_row_release(struct db_paper_row *r)
{
    free(r->title);
    free(r->abstract);
    free(r->authors);
    free(r->categories);
    free(r->comment);
    free(r->journal_ref);
    free(r->doi);
    free(r->announce_type);
    free(r->hf_day);
    free(r->github_repo);
    free(r->project_page);
    free(r->ai_summary);
    free(r->ai_keywords);
    memset(r, 0, sizeof(*r));
}

#define DBP_ROW_COLS                                                           \
    "p.id, p.arxiv_id, p.version, p.title, p.abstract, p.authors, "            \
    "p.categories, p.comment, p.journal_ref, p.doi, p.announce_type, "         \
    "p.published_at, p.first_seen_at, p.first_seen_day, p.in_arxiv, "          \
    "p.hf_day, p.hf_upvotes, p.hf_comments, p.github_repo, p.github_stars, "   \
    "p.project_page, p.ai_summary, p.ai_keywords"

/* dbp_row - read a DBP_ROW_COLS row into r */
static void
dbp_row(sqlite3_stmt *st, struct db_paper_row *r)
{
    const unsigned char *t;

    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    t = sqlite3_column_text(st, 1);
    str_copy(r->arxiv_id, sizeof(r->arxiv_id), t ? (const char *)t : "");
    r->version = sqlite3_column_int(st, 2);
    r->title = dbp_col(st, 3);
    r->abstract = dbp_col(st, 4);
    r->authors = dbp_col(st, 5);
    r->categories = dbp_col(st, 6);
    r->comment = dbp_col(st, 7);
    r->journal_ref = dbp_col(st, 8);
    r->doi = dbp_col(st, 9);
    r->announce_type = dbp_col(st, 10);
    r->published_at = sqlite3_column_int64(st, 11);
    r->first_seen_at = sqlite3_column_int64(st, 12);
    t = sqlite3_column_text(st, 13);
    str_copy(r->first_seen_day, sizeof(r->first_seen_day),
             t ? (const char *)t : "");
    r->in_arxiv = sqlite3_column_int(st, 14);
    r->hf_day = dbp_col(st, 15);
    r->hf_upvotes = sqlite3_column_int64(st, 16);
    r->hf_comments = sqlite3_column_int64(st, 17);
    r->github_repo = dbp_col(st, 18);
    r->github_stars = sqlite3_column_type(st, 19) == SQLITE_NULL
                          ? -1
                          : sqlite3_column_int64(st, 19);
    r->project_page = dbp_col(st, 20);
    r->ai_summary = dbp_col(st, 21);
    r->ai_keywords = dbp_col(st, 22);
}

/* dbp_get - step a one-paper lookup (bound) into out: db_step_row's
 * contract */
static int
dbp_get(struct db *db, sqlite3_stmt *st, struct db_paper_row *out,
        struct err *err)
{
    int rc = db_step_row(db, st, "reading a paper", err);

    if (rc == 0) {
        dbp_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int
db_paper_get(struct db *db, const char *arxiv_id, struct db_paper_row *out,
             struct err *err)
{
    static const char sql[] =
        "SELECT " DBP_ROW_COLS " FROM papers p WHERE p.arxiv_id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, arxiv_id, -1, SQLITE_TRANSIENT);
    return dbp_get(db, st, out, err);
}

int
db_paper_get_id(struct db *db, int64_t id, struct db_paper_row *out,
                struct err *err)
{
    static const char sql[] =
        "SELECT " DBP_ROW_COLS " FROM papers p WHERE p.id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    return dbp_get(db, st, out, err);
}

int
db_paper_each(struct db *db, const char *since, const char *categories,
              int include_hf, long limit, db_paper_cb cb, void *arg,
              struct err *err)
{
    static const char sql[] =
        "SELECT " DBP_ROW_COLS " FROM papers p "
        "WHERE (?1 IS NULL OR p.first_seen_day >= ?1) "
        "AND (?2 IS NULL OR EXISTS (SELECT 1 FROM paper_categories c "
        "     WHERE c.paper_id = p.id "
        "     AND instr(',' || ?2 || ',', ',' || c.category || ',') > 0) "
        "  OR (?3 AND p.hf_day IS NOT NULL)) "
        "ORDER BY p.first_seen_at DESC, p.hf_upvotes DESC, p.id DESC "
        "LIMIT ?4";
    sqlite3_stmt *st;
    struct db_paper_row r;
    int step, rc = 0;

    /* the statement is finalized privately so callbacks may use db_stmt */
    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "listing papers");
    dbp_bind_text(st, 1, since);
    dbp_bind_text(st, 2, categories);
    sqlite3_bind_int(st, 3, include_hf ? 1 : 0);
    sqlite3_bind_int64(st, 4, limit > 0 ? limit : -1);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        dbp_row(st, &r);
        rc = cb(&r, arg, err);
        db_paper_row_release(&r);
        if (rc == -1)
            break;
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_fail(db, err, "listing papers");
    sqlite3_finalize(st);
    return rc;
}

int
db_paper_count(struct db *db, int64_t *out, struct err *err)
{
    static const char sql[] = "SELECT count(*) FROM papers";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    /* count(*) always has its row: 0 or -1 */
    return db_step_int64(db, st, out, "counting papers", err);
}

int
db_paper_fetch_state_get(struct db *db, const char *url, char **etag, char **lm,
                         struct err *err)
{
    static const char sql[] =
        "SELECT etag, last_modified FROM fetch_state WHERE url = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int step;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *etag = dbp_col(st, 0);
        *lm = dbp_col(st, 1);
    } else if (step == SQLITE_DONE) {
        *etag = NULL;
        *lm = NULL;
    } else {
        sqlite3_reset(st);
        return db_fail(db, err, "reading fetch state");
    }
    sqlite3_reset(st);
    return 0;
}

int
db_paper_fetch_state_ok(struct db *db, const char *url, const char *etag,
                        const char *lm, int not_modified, int64_t now,
                        struct err *err)
{
    static const char sql[] =
        "INSERT INTO fetch_state (url, etag, last_modified, last_ok_at, "
        "last_error) VALUES (?1, ?2, ?3, ?4, NULL) "
        "ON CONFLICT (url) DO UPDATE SET "
        "etag = CASE WHEN ?5 THEN coalesce(?2, etag) ELSE ?2 END, "
        "last_modified = CASE WHEN ?5 THEN coalesce(?3, last_modified) "
        "ELSE ?3 END, last_ok_at = ?4, last_error = NULL";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
    dbp_bind_text(st, 2, etag);
    dbp_bind_text(st, 3, lm);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int(st, 5, not_modified ? 1 : 0);
    return db_step_done(db, st, "saving fetch state", err);
}

int
db_paper_fetch_state_error(struct db *db, const char *url, const char *msg,
                           struct err *err)
{
    static const char sql[] =
        "INSERT INTO fetch_state (url, last_error) VALUES (?1, ?2) "
        "ON CONFLICT (url) DO UPDATE SET last_error = ?2";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, msg, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "saving fetch state", err);
}

int
db_paper_run_add(struct db *db, const struct db_paper_run *r, struct err *err)
{
    static const char sql[] =
        "INSERT INTO collect_runs (source, day, started_at, finished_at, ok, "
        "fetched, new, updated, skipped, failed, duration_ms, error) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, r->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, r->day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, r->started_at);
    if (r->finished_at != 0)
        sqlite3_bind_int64(st, 4, r->finished_at);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int(st, 5, r->ok ? 1 : 0);
    sqlite3_bind_int64(st, 6, r->fetched);
    sqlite3_bind_int64(st, 7, r->new_);
    sqlite3_bind_int64(st, 8, r->updated);
    sqlite3_bind_int64(st, 9, r->skipped);
    sqlite3_bind_int64(st, 10, r->failed);
    sqlite3_bind_int64(st, 11, r->duration_ms);
    dbp_bind_text(st, 12, r->error);
    return db_step_done(db, st, "recording a collect run", err);
}

static const char SQL_PAPERS_VERSION[] =
    "SELECT v FROM papers_version WHERE id = 1";

int
db_papers_version(struct db *db, int64_t *v, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_PAPERS_VERSION, err);
    int rc;

    if (st == NULL)
        return -1;
    rc = sqlite3_step(st);
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "reading the papers' version");
    return 0;
}
