/* SPDX-License-Identifier: MIT */
/*
 * test_db_paper - the merge rules of db_paper_upsert() on a real schema in
 * :memory: (HF then arXiv on one row, versions, unchanged sightings,
 * first_seen kept, categories), the listing filters, fetch_state and
 * rollback leaving nothing behind.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "db.h"
#include "db_paper.h"

/* mk - a paper with id, version, title and categories ("a,b") */
static void
mk(struct paper *p, const char *id, int version, const char *title,
   const char *cats)
{
    paper_init(p);
    snprintf(p->arxiv_id, sizeof(p->arxiv_id), "%s", id);
    p->version = version;
    p->title = strdup(title);
    p->abstract = strdup("An abstract about kv cache compression.");
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

struct count_arg {
    int n;
};

/* count_cb - count rows */
static int
count_cb(const struct db_paper_row *r, void *arg, struct err *err)
{
    (void)r;
    (void)err;
    ((struct count_arg *)arg)->n++;
    return 0;
}

/* count - papers matching the filters */
static int
count(struct db *db, const char *since, const char *cats, int hf)
{
    struct count_arg a = {0};
    struct err err;
    err_init(&err);
    CHECK_INT_EQ(db_paper_each(db, since, cats, hf, 0, count_cb, &a, &err), 0);
    return a.n;
}

int
main(void)
{
    struct db *db = NULL;
    struct err err;
    struct paper p;
    struct db_paper_row r;
    enum db_paper_outcome o;
    char *etag = NULL, *lm = NULL;

    err_init(&err);
    if (db_open(":memory:", 1000, &db, &err) == -1) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }

    /* 1. first seen on HF: new, not in arXiv yet */
    mk(&p, "2611.13877", 0, "PyramidInfer (HF title)", NULL);
    p.has_hf = 1;
    p.hf_upvotes = 2;
    p.github_stars = 10;
    CHECK_INT_EQ(
        db_paper_upsert(db, &p, 1000, "2026-11-18", "2026-11-18", &o, &err), 0);
    CHECK_INT_EQ(o, DB_PAPER_NEW);
    paper_release(&p);

    /* 2. then in the arXiv feed: the same row, arXiv text wins */
    mk(&p, "2611.13877", 1, "PyramidInfer: Pyramid KV Cache Compression",
       "cs.CL,cs.LG");
    p.in_arxiv = 1;
    snprintf(p.announce_type, sizeof(p.announce_type), "new");
    CHECK_INT_EQ(db_paper_upsert(db, &p, 2000, "2026-11-19", NULL, &o, &err),
                 0);
    CHECK_INT_EQ(o, DB_PAPER_UPDATED);
    /* 3. the same sighting again: unchanged */
    CHECK_INT_EQ(db_paper_upsert(db, &p, 3000, "2026-11-19", NULL, &o, &err),
                 0);
    CHECK_INT_EQ(o, DB_PAPER_UNCHANGED);
    paper_release(&p);

    CHECK_INT_EQ(db_paper_get(db, "2611.13877", &r, &err), 0);
    CHECK_STR_EQ(r.title, "PyramidInfer: Pyramid KV Cache Compression");
    CHECK_INT_EQ(r.in_arxiv, 1);
    CHECK_INT_EQ(r.hf_upvotes, 2);
    CHECK_INT_EQ(r.github_stars, 10);
    CHECK_INT_EQ(r.first_seen_at, 1000);
    CHECK_STR_EQ(r.first_seen_day, "2026-11-18");
    CHECK_STR_EQ(r.categories, "cs.CL,cs.LG");
    CHECK_STR_EQ(r.authors, "[\"Ada Lovelace\"]");
    CHECK_STR_EQ(r.announce_type, "new");
    db_paper_row_release(&r);

    /* 4. v2 replaces the text and the categories; v1 later does not */
    mk(&p, "2611.13877", 2, "PyramidInfer v2", "cs.LG");
    p.in_arxiv = 1;
    snprintf(p.announce_type, sizeof(p.announce_type), "replace");
    CHECK_INT_EQ(db_paper_upsert(db, &p, 4000, "2026-11-20", NULL, &o, &err),
                 0);
    CHECK_INT_EQ(o, DB_PAPER_UPDATED);
    paper_release(&p);
    mk(&p, "2611.13877", 1, "PyramidInfer: old", "cs.CL,cs.LG");
    p.in_arxiv = 1;
    CHECK_INT_EQ(db_paper_upsert(db, &p, 5000, "2026-11-21", NULL, &o, &err),
                 0);
    CHECK_INT_EQ(o, DB_PAPER_UNCHANGED);
    paper_release(&p);
    CHECK_INT_EQ(db_paper_get(db, "2611.13877", &r, &err), 0);
    CHECK_INT_EQ(r.version, 2);
    CHECK_STR_EQ(r.title, "PyramidInfer v2");
    CHECK_STR_EQ(r.announce_type, "replace");
    CHECK_INT_EQ(r.first_seen_at, 1000);
    db_paper_row_release(&r);
    CHECK_INT_EQ(count(db, NULL, "cs.CL", 0), 0); /* categories followed */
    CHECK_INT_EQ(count(db, NULL, "cs.LG", 0), 1);

    /* 5. HF again with more upvotes: updated, title stays arXiv's */
    mk(&p, "2611.13877", 0, "PyramidInfer (HF title)", NULL);
    p.has_hf = 1;
    p.hf_upvotes = 40;
    p.ai_summary = strdup("A TL;DR.");
    CHECK_INT_EQ(
        db_paper_upsert(db, &p, 6000, "2026-11-22", "2026-11-22", &o, &err), 0);
    CHECK_INT_EQ(o, DB_PAPER_UPDATED);
    paper_release(&p);
    CHECK_INT_EQ(db_paper_get(db, "2611.13877", &r, &err), 0);
    CHECK_STR_EQ(r.title, "PyramidInfer v2");
    CHECK_INT_EQ(r.hf_upvotes, 40);
    CHECK_STR_EQ(r.hf_day, "2026-11-22");
    CHECK_STR_EQ(r.ai_summary, "A TL;DR.");
    db_paper_row_release(&r);

    /* listing filters */
    mk(&p, "2611.00001", 1, "Other", "math.OC");
    p.in_arxiv = 1;
    CHECK_INT_EQ(db_paper_upsert(db, &p, 7000, "2026-11-23", NULL, &o, &err),
                 0);
    paper_release(&p);
    CHECK_INT_EQ(count(db, NULL, NULL, 0), 2);
    CHECK_INT_EQ(count(db, "2026-11-23", NULL, 0), 1);
    CHECK_INT_EQ(count(db, NULL, "cs.CV", 1), 1); /* via HF */
    CHECK_INT_EQ(count(db, NULL, "cs.CV,math.OC", 0), 1);
    CHECK_INT_EQ(db_paper_get(db, "2611.99999", &r, &err), 1);

    /* a rolled-back transaction leaves nothing */
    CHECK_INT_EQ(db_begin(db, &err), 0);
    mk(&p, "2611.00002", 1, "Rolled back", "cs.LG");
    p.in_arxiv = 1;
    CHECK_INT_EQ(db_paper_upsert(db, &p, 8000, "2026-11-24", NULL, &o, &err),
                 0);
    paper_release(&p);
    db_rollback(db);
    CHECK_INT_EQ(count(db, NULL, NULL, 0), 2);

    /* fetch_state: validators kept on 304, replaced on 200 */
    CHECK_INT_EQ(db_paper_fetch_state_get(db, "http://x/", &etag, &lm, &err),
                 0);
    CHECK(etag == NULL && lm == NULL);
    CHECK_INT_EQ(
        db_paper_fetch_state_ok(db, "http://x/", "\"e1\"", "Wed", 0, 1, &err),
        0);
    CHECK_INT_EQ(
        db_paper_fetch_state_ok(db, "http://x/", NULL, NULL, 1, 2, &err), 0);
    CHECK_INT_EQ(db_paper_fetch_state_get(db, "http://x/", &etag, &lm, &err),
                 0);
    CHECK_STR_EQ(etag, "\"e1\"");
    CHECK_STR_EQ(lm, "Wed");
    free(etag);
    free(lm);
    CHECK_INT_EQ(db_paper_fetch_state_error(db, "http://x/", "HTTP 500", &err),
                 0);
    CHECK_INT_EQ(
        db_paper_fetch_state_ok(db, "http://x/", NULL, NULL, 0, 3, &err), 0);
    CHECK_INT_EQ(db_paper_fetch_state_get(db, "http://x/", &etag, &lm, &err),
                 0);
    CHECK(etag == NULL && lm == NULL);

    db_close(db);
    return CHECK_DONE();
}
