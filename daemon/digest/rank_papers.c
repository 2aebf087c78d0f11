/* SPDX-License-Identifier: MIT */
/*
 * rank_papers - ranking the papers of the store (see rank_papers.h): reads
 * their text from db_digest.c (or db_web.c for the web sample) once per
 * index, builds a rank_index over them and orders them with rank.c.  The
 * scoring itself is rank.c's and rank_index.c's.
 */
#include "rank_papers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db_digest.h"
#include "db_web.h"
#include "rank_index.h"
#include "str.h"
#include "xalloc.h"

#define RANK_DAY_MAX 100000 /* papers of one day read for the web sample */

int
rank_index_open(const struct config *cfg, struct rank_index **ix,
                struct err *err)
{
    char path[4096];

    if (config_web_path(cfg, "acronyms.txt", path, sizeof(path)) == -1) {
        err_set(err, ERR_PERM, "rank: web directory path too long");
        return -1;
    }
    return rank_index_new(path, cfg->title_weight, ix, err);
}

/* What rank_on_text needs. */
struct rank_fill {
    struct rank_index *ix;
    const int64_t *ids; /* sorted; NULL = every paper */
    size_t n, at;
};

/* rank_on_text - index one paper if it is one of the wanted ids */
static int
rank_on_text(void *arg, const struct db_digest_text *t)
{
    struct rank_fill *f = arg;

    if (f->ids != NULL) {
        while (f->at < f->n && f->ids[f->at] < t->id)
            f->at++;
        if (f->at == f->n || f->ids[f->at] != t->id)
            return 0;
    }
    rank_index_add(f->ix, t->id, t->title, t->abstract);
    return 0;
}

int
rank_index_papers(struct db *db, struct rank_index *ix, const int64_t *ids,
                  size_t n, struct err *err)
{
    struct rank_fill f = {ix, ids, n, 0};

    if (n == 0)
        return 0;
    return db_digest_texts(db, ids[0], ids[n - 1], rank_on_text, &f, err);
}

int
rank_candidates(struct db *db, const struct config *cfg, const struct query *q,
                struct rank_cand *c, size_t *n, struct err *err)
{
    struct rank_index *ix = NULL;
    int64_t *ids = NULL;
    int rc = -1;

    if (*n == 0 || (q->nterms == 0 && q->nexcluded == 0))
        return 0;
    if (rank_index_open(cfg, &ix, err) == -1)
        return -1;
    ids = xmalloc(*n * sizeof(*ids));
    for (size_t i = 0; i < *n; i++)
        ids[i] = c[i].id;
    if (rank_index_papers(db, ix, ids, *n, err) == -1)
        goto out;
    rank_index_score(ix, q, c, n);
    rc = 0;
out:
    free(ids);
    rank_index_free(ix);
    return rc;
}

/* A day's papers for the web sample, kept whole until they are ranked. */
struct rank_day {
    struct db_web_paper *p;
    size_t n, cap;
};

/* rank_on_day_paper - keep a copy of one paper */
static int
rank_on_day_paper(void *arg, const struct db_web_paper *p)
{
    struct rank_day *d = arg;
    struct db_web_paper *c;

    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->p = xrealloc(d->p, d->cap * sizeof(*d->p));
    }
    c = &d->p[d->n++];
    *c = *p;
    c->arxiv_id = xstrdup(p->arxiv_id);
    c->title = xstrdup(p->title);
    c->abstract = xstrdup(p->abstract ? p->abstract : "");
    c->authors = xstrdup(p->authors ? p->authors : "[]");
    c->categories = xstrdup(p->categories ? p->categories : "");
    c->day = xstrdup(p->day ? p->day : "");
    return 0;
}

/* rank_cmp_web - qsort: by id */
static int
rank_cmp_web(const void *pa, const void *pb)
{
    const struct db_web_paper *a = pa, *b = pb;

    return a->id < b->id ? -1 : a->id > b->id;
}

/* rank_cmp_cand_bm25 - qsort: best relevance first, then id */
static int
rank_cmp_cand_bm25(const void *pa, const void *pb)
{
    const struct rank_cand *a = pa, *b = pb;

    if (a->bm25 != b->bm25)
        return a->bm25 > b->bm25 ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

int
rank_day_matches(struct db *db, const struct config *cfg,
                 const struct db_web_scope *scope, const char *day,
                 const struct query *q, size_t limit,
                 int (*fn)(void *arg, const struct db_web_paper *p), void *arg,
                 struct err *err)
{
    struct rank_day d = {NULL, 0, 0};
    struct rank_index *ix = NULL;
    struct rank_cand *c = NULL;
    size_t n;
    int rc = -1;

    if (db_web_day_papers(db, scope, day, RANK_DAY_MAX, rank_on_day_paper, &d,
                          err) == -1)
        goto out;
    if (d.n > 1)
        qsort(d.p, d.n, sizeof(*d.p), rank_cmp_web);
    if (rank_index_open(cfg, &ix, err) == -1)
        goto out;
    c = xcalloc(d.n ? d.n : 1, sizeof(*c));
    for (size_t i = 0; i < d.n; i++) {
        rank_index_add(ix, d.p[i].id, d.p[i].title, d.p[i].abstract);
        c[i].id = d.p[i].id;
    }
    n = d.n;
    rank_index_score(ix, q, c, &n);
    if (n > 1)
        qsort(c, n, sizeof(*c), rank_cmp_cand_bm25);
    for (size_t i = 0; i < n && i < limit; i++) {
        struct db_web_paper *p = bsearch(&(struct db_web_paper){.id = c[i].id},
                                         d.p, d.n, sizeof(*d.p), rank_cmp_web);
        if (p == NULL)
            continue;
        p->bm25 = c[i].bm25;
        if (fn(arg, p) != 0)
            break;
    }
    rc = 0;
out:
    for (size_t i = 0; i < d.n; i++) {
        free((char *)d.p[i].arxiv_id);
        free((char *)d.p[i].title);
        free((char *)d.p[i].abstract);
        free((char *)d.p[i].authors);
        free((char *)d.p[i].categories);
        free((char *)d.p[i].day);
    }
    free(d.p);
    free(c);
    rank_index_free(ix);
    return rc;
}

/* Every paper of a search: the index and the candidates. */
struct rank_all {
    struct rank_index *ix;
    struct rank_cand *c;
    size_t n, cap;
};

/* rank_on_any_text - index a paper and make it a candidate */
static int
rank_on_any_text(void *arg, const struct db_digest_text *t)
{
    struct rank_all *a = arg;

    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->c = xrealloc(a->c, a->cap * sizeof(*a->c));
    }
    memset(&a->c[a->n], 0, sizeof(a->c[0]));
    a->c[a->n].id = t->id;
    a->c[a->n].upvotes = t->upvotes;
    a->c[a->n].first_seen_at = t->first_seen_at;
    a->n++;
    rank_index_add(a->ix, t->id, t->title, t->abstract);
    return 0;
}

/* rank_on_paper - copy arxiv id and title into a hit */
static int
rank_on_paper(void *arg, const struct db_digest_paper *p)
{
    struct rank_hit *h = arg;

    (void)str_copy(h->arxiv_id, sizeof(h->arxiv_id), p->arxiv_id);
    h->title = xstrdup(p->title);
    return 0;
}

int
rank_search(struct db *db, const struct config *cfg, const char *query,
            size_t limit, struct rank_hit **hits, size_t *n, struct err *err)
{
    struct query q;
    struct rank_all all = {NULL, NULL, 0, 0};
    struct rank_hit *h = NULL;
    size_t nh = 0;
    int rc = -1;

    memset(&q, 0, sizeof(q));
    if (query_parse(query, &q, err) == -1)
        goto out;
    if (q.match == NULL) {
        err_set(err, ERR_PERM, "the query has no words to search for");
        goto out;
    }
    if (rank_index_open(cfg, &all.ix, err) == -1 ||
        db_digest_texts(db, INT64_MIN, INT64_MAX, rank_on_any_text, &all,
                        err) == -1)
        goto out;
    rank_index_score(all.ix, &q, all.c, &all.n);
    rank_top(all.c, all.n, 1, cfg->trending_weight, limit);
    nh = all.n < limit ? all.n : limit;
    if (nh > 0) {
        h = xcalloc(nh, sizeof(*h));
        for (size_t i = 0; i < nh; i++) {
            struct buf m;
            int any = 0;
            h[i].paper_id = all.c[i].id;
            h[i].score = all.c[i].score;
            h[i].upvotes = all.c[i].upvotes;
            buf_init(&m, 4096);
            for (size_t t = 0; t < q.nterms && t < 32; t++) {
                if (all.c[i].matched & ((uint32_t)1 << t)) {
                    buf_adds(&m, any ? ", " : "");
                    buf_adds(&m, q.terms[t].text);
                    any = 1;
                }
            }
            h[i].matched = xstrdup(buf_str(&m));
            buf_release(&m);
            if (db_digest_paper(db, h[i].paper_id, rank_on_paper, &h[i], err) !=
                0)
                goto out;
        }
    }
    *hits = h;
    *n = nh;
    h = NULL;
    rc = 0;
out:
    if (h != NULL)
        rank_hits_free(h, nh);
    free(all.c);
    rank_index_free(all.ix);
    query_release(&q);
    return rc;
}

void
rank_hits_free(struct rank_hit *hits, size_t n)
{
    if (hits == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(hits[i].title);
        free(hits[i].matched);
    }
    free(hits);
}
