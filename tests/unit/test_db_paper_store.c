/* SPDX-License-Identifier: MIT */
/*
 * test_db_paper_store - db_paper_store() batches on a real schema: new
 * papers get the ids SQLite would give them (also after a gap from a
 * deleted paper), their categories land on the right ids, a paper seen
 * twice in one batch is stored then updated, the FTS index passes
 * FTS5's integrity-check and finds new and changed titles, and a rolled
 * back batch leaves neither rows nor index entries behind; more category
 * rows than one multi-row INSERT takes all land.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "db_paper.h"

/* mk - a paper with id, version, title, abstract and categories ("a,b") */
static void
mk(struct paper *p, const char *id, int version, const char *title,
   const char *abstract, const char *cats)
{
    paper_init(p);
    snprintf(p->arxiv_id, sizeof(p->arxiv_id), "%s", id);
    p->version = version;
    p->in_arxiv = 1;
    snprintf(p->announce_type, sizeof(p->announce_type), "new");
    p->title = strdup(title);
    p->abstract = strdup(abstract);
    strlist_add(&p->authors, "Ada Lovelace");
    while (cats && *cats) {
        char c[32];
        size_t n = strcspn(cats, ",");
        memcpy(c, cats, n);
        c[n] = '\0';
        strlist_add(&p->categories, c);
        cats += n + (cats[n] == ',');
    }
}

/* q_int - the integer a one-value query returns; -1 on error */
static long long
q_int(struct db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;

    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* q_text - the text a one-value query returns, in out ("" if none) */
static void
q_text(struct db *db, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *st;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* store - db_paper_store() of n papers in one transaction */
static int
store(struct db *db, struct paper *ps, size_t n, enum db_paper_outcome *o,
      int commit)
{
    const struct paper *v[8];
    struct err err;

    err_init(&err);
    for (size_t i = 0; i < n; i++)
        v[i] = &ps[i];
    if (db_begin(db, &err) == -1)
        return -1;
    if (db_paper_store(db, v, n, 5000, "2026-11-28", NULL, o, &err) == -1) {
        fprintf(stderr, "store: %s\n", err.msg);
        db_rollback(db);
        return -1;
    }
    if (!commit) {
        db_rollback(db);
        return 0;
    }
    return db_commit(db, &err);
}

/* fts_ok - FTS5 integrity-check against the papers table */
static int
fts_ok(struct db *db)
{
    return sqlite3_exec(db_handle(db),
                        "INSERT INTO papers_fts(papers_fts, rank) "
                        "VALUES ('integrity-check', 1)",
                        NULL, NULL, NULL) == SQLITE_OK;
}

int
main(void)
{
    struct db *db = NULL;
    struct err err;
    struct paper ps[4];
    enum db_paper_outcome o[4];
    char s[256];

    err_init(&err);
    if (db_open(":memory:", 1000, &db, &err) == -1) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    db_paper_tune(db);
    CHECK_INT_EQ(q_int(db, "PRAGMA temp_store"), 2);
    CHECK_INT_EQ(q_int(db, "PRAGMA cache_size"), -16384);

    /* 1. three new papers in one batch: ids 1..3, categories on them */
    mk(&ps[0], "2611.00001", 1, "Sparse attention for long context",
       "We prune keys.", "cs.LG,cs.CL");
    mk(&ps[1], "2611.00002", 1, "Diffusion for proteins", "We fold.",
       "q-bio.BM");
    mk(&ps[2], "2611.00003", 1, "Retrieval with graphs", "We walk graphs.",
       "cs.IR,cs.LG,cs.AI");
    CHECK_INT_EQ(store(db, ps, 3, o, 1), 0);
    CHECK_INT_EQ(o[0], DB_PAPER_NEW);
    CHECK_INT_EQ(o[2], DB_PAPER_NEW);
    for (int i = 0; i < 3; i++)
        paper_release(&ps[i]);
    CHECK_INT_EQ(q_int(db, "SELECT id FROM papers WHERE arxiv_id = "
                           "'2611.00003'"),
                 3);
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM paper_categories"), 6);
    q_text(db,
           "SELECT group_concat(category, ',') FROM (SELECT category FROM "
           "paper_categories WHERE paper_id = 3 ORDER BY category)",
           s, sizeof(s));
    CHECK_STR_EQ(s, "cs.AI,cs.IR,cs.LG");
    CHECK(fts_ok(db));

    /* 2. a gap: the last paper deleted, so SQLite would reuse id 3 */
    CHECK_INT_EQ(sqlite3_exec(db_handle(db), "DELETE FROM papers WHERE id = 3",
                              NULL, NULL, NULL),
                 SQLITE_OK);

    /* 3. new D, a newer version of A, D again (v2), new E */
    mk(&ps[0], "2611.00004", 1, "Quantum error correction", "We correct.",
       "quant-ph");
    mk(&ps[1], "2611.00001", 2, "Sparse attention, revisited",
       "We prune fewer keys.", "cs.LG");
    mk(&ps[2], "2611.00004", 2, "Quantum error correction at scale",
       "We correct more.", "quant-ph,cs.IT");
    mk(&ps[3], "2611.00005", 1, "Tokenizers considered", "We split words.",
       "cs.CL");
    CHECK_INT_EQ(store(db, ps, 4, o, 1), 0);
    CHECK_INT_EQ(o[0], DB_PAPER_NEW);
    CHECK_INT_EQ(o[1], DB_PAPER_UPDATED);
    CHECK_INT_EQ(o[2], DB_PAPER_UPDATED);
    CHECK_INT_EQ(o[3], DB_PAPER_NEW);
    for (int i = 0; i < 4; i++)
        paper_release(&ps[i]);
    CHECK_INT_EQ(q_int(db, "SELECT id FROM papers WHERE arxiv_id = "
                           "'2611.00004'"),
                 3);
    CHECK_INT_EQ(q_int(db, "SELECT id FROM papers WHERE arxiv_id = "
                           "'2611.00005'"),
                 4);
    q_text(db,
           "SELECT title || '|' || version FROM papers WHERE arxiv_id = "
           "'2611.00004'",
           s, sizeof(s));
    CHECK_STR_EQ(s, "Quantum error correction at scale|2");
    /* paper_categories matches papers.categories on every row */
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM paper_categories c "
                           "JOIN papers p ON p.id = c.paper_id WHERE "
                           "instr(',' || p.categories || ',', ',' || "
                           "c.category || ',') = 0"),
                 0);
    /* A: cs.LG; B: 1; D: 2; E: 1 (the deleted paper's went with it) */
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM paper_categories"), 5);
    q_text(db,
           "SELECT group_concat(category, ',') FROM (SELECT category FROM "
           "paper_categories WHERE paper_id = 3 ORDER BY category)",
           s, sizeof(s));
    CHECK_STR_EQ(s, "cs.IT,quant-ph");
    CHECK(fts_ok(db));
    CHECK_INT_EQ(q_int(db, "SELECT rowid FROM papers_fts WHERE papers_fts "
                           "MATCH 'scale'"),
                 3);
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM papers_fts WHERE "
                           "papers_fts MATCH 'revisited'"),
                 1);
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM papers_fts WHERE "
                           "papers_fts MATCH 'graphs'"),
                 0);
    /* porter stemming: "tokenizer" finds "Tokenizers" */
    CHECK_INT_EQ(q_int(db, "SELECT rowid FROM papers_fts WHERE papers_fts "
                           "MATCH 'tokenizer'"),
                 4);

    /* 4. a rolled back batch leaves nothing, in papers or in the index */
    mk(&ps[0], "2611.00006", 1, "Ephemeral results", "Gone.", "cs.LG");
    CHECK_INT_EQ(store(db, ps, 1, o, 0), 0);
    paper_release(&ps[0]);
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM papers"), 4);
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM papers_fts WHERE "
                           "papers_fts MATCH 'ephemeral'"),
                 0);
    CHECK(fts_ok(db));

    /* 5. and the next batch still gets the right id */
    mk(&ps[0], "2611.00007", 1, "Durable results", "Kept.", "cs.DB");
    CHECK_INT_EQ(store(db, ps, 1, o, 1), 0);
    paper_release(&ps[0]);
    CHECK_INT_EQ(q_int(db, "SELECT paper_id FROM paper_categories WHERE "
                           "category = 'cs.DB'"),
                 5);
    CHECK(fts_ok(db));

    /* 6. more category rows than one multi-row INSERT takes (32): 14
     * papers x 3 categories; paper 11's straddle the first statement's end */
    {
        struct paper big[14];
        const struct paper *bv[14];
        enum db_paper_outcome bo[14];
        char id[16], title[64];

        for (int i = 0; i < 14; i++) {
            snprintf(id, sizeof(id), "2612.%05d", i + 1);
            snprintf(title, sizeof(title), "Batch paper %d", i + 1);
            mk(&big[i], id, 1, title, "Many categories.",
               i % 2 ? "cs.LG,stat.ML,math.OC" : "cs.CV,cs.LG,eess.IV");
            bv[i] = &big[i];
        }
        CHECK_INT_EQ(db_begin(db, &err), 0);
        CHECK_INT_EQ(
            db_paper_store(db, bv, 14, 6000, "2026-11-28", NULL, bo, &err), 0);
        CHECK_INT_EQ(db_commit(db, &err), 0);
        for (int i = 0; i < 14; i++)
            paper_release(&big[i]);
    }
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM paper_categories c JOIN "
                           "papers p ON p.id = c.paper_id WHERE p.arxiv_id "
                           "LIKE '2612.%'"),
                 42);
    q_text(db,
           "SELECT group_concat(category, ',') FROM (SELECT category FROM "
           "paper_categories c JOIN papers p ON p.id = c.paper_id WHERE "
           "p.arxiv_id = '2612.00011' ORDER BY category)",
           s, sizeof(s));
    CHECK_STR_EQ(s, "cs.CV,cs.LG,eess.IV");
    CHECK_INT_EQ(q_int(db, "SELECT count(*) FROM paper_categories c "
                           "JOIN papers p ON p.id = c.paper_id WHERE "
                           "instr(',' || p.categories || ',', ',' || "
                           "c.category || ',') = 0"),
                 0);
    CHECK(fts_ok(db));

    db_close(db);
    return CHECK_DONE();
}
