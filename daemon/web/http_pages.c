/* SPDX-License-Identifier: MIT */
/*
 * http_pages - the subscribe form (GET /), its live sample (GET /sample,
 * also rendered into GET /?keywords=... for browsers without JavaScript)
 * and POST /subscribe.
 *
 * POST /subscribe answers the same "check your inbox" page whether the
 * address was new, pending, confirmed or unsubscribed, so the form cannot
 * be used to learn who is subscribed; only a pending (or formerly
 * unsubscribed) subscription gets a confirmation mail, at most one per
 * address per 24 hours (outbox_enqueue_confirm).  A confirmed
 * subscription is never changed from here: preferences need the signed
 * link.  The honeypot field "website" is invisible to people; a bot that
 * fills it gets the same page and nothing happens.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "authors.h"
#include "db_list.h"
#include "db_sub.h"
#include "db_web.h"
#include "http_int.h"
#include "log.h"
#include "query.h"
#include "rank_papers.h"
#include "str.h"
#include "subs.h"
#include "xalloc.h"

#define HTTP_LISTS_MAX 64     /* lists shown on the form */
#define HTTP_SAMPLE_POOL 200  /* matches considered for the sample */
#define HTTP_SAMPLE_AUTHORS 3 /* names shown before "et al." */

/* The lists, loaded for one request. */
struct http_lists {
    struct db_list *v;
    size_t n;
};

/* http_lists_add - db_list_each callback */
static int
http_lists_add(const struct db_list *l, void *arg, struct err *err)
{
    struct http_lists *ls = arg;

    (void)err;
    if (ls->n >= HTTP_LISTS_MAX)
        return 0;
    ls->v = xrealloc(ls->v, (ls->n + 1) * sizeof(*ls->v));
    ls->v[ls->n++] = *l;
    return 0;
}

/* http_lists_find - the list named name, or the first when name is NULL
 * or "" and there is only one; NULL if none */
static const struct db_list *
http_lists_find(const struct http_lists *ls, const char *name)
{
    if (name == NULL || *name == '\0')
        return ls->n >= 1 ? &ls->v[0] : NULL;
    for (size_t i = 0; i < ls->n; i++)
        if (strcmp(ls->v[i].name, name) == 0)
            return &ls->v[i];
    return NULL;
}

/* http_lists_default - the list the form starts with: [web]
 * default_list when it exists, else the first by name; NULL if none */
static const struct db_list *
http_lists_default(const struct http_lists *ls, const struct config *cfg)
{
    const struct db_list *l = NULL;

    if (cfg->default_list != NULL && *cfg->default_list != '\0')
        l = http_lists_find(ls, cfg->default_list);
    return l != NULL ? l : http_lists_find(ls, NULL);
}

/* One sample candidate, copied out of the row. */
struct http_cand {
    int64_t id;
    char *arxiv_id, *title, *authors;
    int upvotes;
    int64_t first_seen_at;
    double bm25, score;
};

struct http_cands {
    struct http_cand *v;
    size_t n;
};

/* http_cands_add - db_web callback: keep a copy of the row */
static int
http_cands_add(void *arg, const struct db_web_paper *p)
{
    struct http_cands *cs = arg;
    struct http_cand *c;

    cs->v = xrealloc(cs->v, (cs->n + 1) * sizeof(*cs->v));
    c = &cs->v[cs->n++];
    c->id = p->id;
    c->arxiv_id = xstrdup(p->arxiv_id);
    c->title = xstrdup(p->title);
    c->authors = xstrdup(p->authors);
    c->upvotes = p->upvotes;
    c->first_seen_at = p->first_seen_at;
    c->bm25 = p->bm25;
    c->score = 0;
    return 0;
}

static void
http_cands_free(struct http_cands *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->v[i].arxiv_id);
        free(cs->v[i].title);
        free(cs->v[i].authors);
    }
    free(cs->v);
}

/* http_cand_cmp - best score first, then upvotes, newest, lowest id */
static int
http_cand_cmp(const void *a, const void *b)
{
    const struct http_cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->upvotes != y->upvotes)
        return x->upvotes > y->upvotes ? -1 : 1;
    if (x->first_seen_at != y->first_seen_at)
        return x->first_seen_at > y->first_seen_at ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * http_sample_fill - the live sample: the list's latest day, ranked for
 * keywords the way a digest ranks (relevance normalised to (0,1] plus
 * trending_weight * log1p(upvotes)), or trending without keywords.
 */
static int
http_sample_fill(struct http_req *r, struct db *db, const struct db_list *l,
                 const char *keywords, int max_papers, struct tmpl_obj *root,
                 struct err *err)
{
    struct db_web_scope scope = {l->categories, l->include_hf};
    struct http_cands cs = {NULL, 0};
    struct query q;
    char day[11];
    double best = 0;
    int rc = -1, found;

    memset(&q, 0, sizeof(q));
    tmpl_set(root, "sample_list", l->title[0] ? l->title : l->name);
    found = db_web_latest_day(db, &scope, day, err);
    if (found == -1)
        goto out;
    if (found == 1) {
        tmpl_set_bool(root, "sample_nothing_yet", 1);
        rc = 0;
        goto out;
    }
    tmpl_set(root, "sample_day", day);
    tmpl_set(root, "sample_keywords", keywords);
    if (keywords && *keywords && subs_check_keywords(keywords, err) == 0 &&
        query_parse(keywords, &q, err) == 0 && q.match) {
        if (rank_day_matches(db, r->cfg, &scope, day, &q, HTTP_SAMPLE_POOL,
                             http_cands_add, &cs, err) == -1) {
            if (err->kind == ERR_TEMP)
                goto out;
            cs.n = 0; /* an expression FTS5 refused: show nothing */
        }
        for (size_t i = 0; i < cs.n; i++)
            if (cs.v[i].bm25 > best)
                best = cs.v[i].bm25;
        for (size_t i = 0; i < cs.n; i++)
            cs.v[i].score =
                (best > 0 ? cs.v[i].bm25 / best : 0) +
                r->cfg->trending_weight *
                    log1p(cs.v[i].upvotes > 0 ? cs.v[i].upvotes : 0);
        tmpl_set_bool(root, "sample_matched", 1);
    } else {
        if (db_web_day_papers(db, &scope, day, (size_t)max_papers,
                              http_cands_add, &cs, err) == -1)
            goto out;
        for (size_t i = 0; i < cs.n; i++)
            cs.v[i].score = log1p(cs.v[i].upvotes > 0 ? cs.v[i].upvotes : 0);
        tmpl_set_bool(root, "sample_trending", 1);
    }
    err_init(err);
    if (cs.n > 1)
        qsort(cs.v, cs.n, sizeof(*cs.v), http_cand_cmp);
    tmpl_set_list(root, "sample_papers");
    for (size_t i = 0; i < cs.n && i < (size_t)max_papers; i++) {
        struct tmpl_obj *it = tmpl_add_item(root, "sample_papers");
        struct buf au;
        buf_init(&au, 1024);
        authors_format(cs.v[i].authors, HTTP_SAMPLE_AUTHORS, &au);
        tmpl_set(it, "title", cs.v[i].title);
        tmpl_set(it, "arxiv_id", cs.v[i].arxiv_id);
        tmpl_set(it, "authors", buf_str(&au));
        if (cs.v[i].upvotes > 0)
            tmpl_setf(it, "upvotes", "%d", cs.v[i].upvotes);
        tmpl_setf(it, "rank", "%zu", i + 1);
        buf_release(&au);
    }
    tmpl_set_bool(root, "sample_has", cs.n > 0);
    tmpl_setf(root, "sample_count", "%zu",
              cs.n < (size_t)max_papers ? cs.n : (size_t)max_papers);
    rc = 0;
out:
    query_release(&q);
    http_cands_free(&cs);
    return rc;
}

/* The form as typed, with one error message per field. */
struct http_sub_form {
    const char *email, *list, *keywords, *max_papers;
    const char *cadence, *weekday; /* as posted, NULL when absent */
    struct buf categories;         /* "cs.LG,cs.CL" as checked */
    const char *err_email, *err_list, *err_keywords, *err_categories,
        *err_max_papers, *err_cadence;
    int max_papers_n;
};

void
http_cadence_fill(struct tmpl_obj *root, enum db_sub_cadence cadence,
                  int weekday)
{
    if (weekday < 0 || weekday > 6)
        weekday = 1; /* Monday, shown while daily is chosen */
    tmpl_set_bool(root, "weekly", cadence == DB_SUB_WEEKLY);
    tmpl_set_list(root, "weekdays");
    for (int i = 1; i <= 7; i++) {
        struct tmpl_obj *it = tmpl_add_item(root, "weekdays");
        const char *name = db_sub_weekday_name(i % 7);
        tmpl_set(it, "value", name);
        tmpl_setf(it, "label", "%c%s", name[0] - 'a' + 'A', name + 1);
        tmpl_set_bool(it, "selected", i % 7 == weekday);
    }
}

/* http_form_cadence - the cadence the form shows: what was posted when it
 * is valid, else daily (the error says why) */
static void
http_form_cadence(const struct http_sub_form *f, struct tmpl_obj *root)
{
    enum db_sub_cadence c = DB_SUB_DAILY;
    int d = DB_SUB_NO_WEEKDAY;

    if (subs_check_cadence(f->cadence, &c, NULL) == -1)
        c = DB_SUB_DAILY;
    if (subs_check_weekday(f->weekday, &d, NULL) == -1)
        d = DB_SUB_NO_WEEKDAY;
    http_cadence_fill(root, c, d);
}

/* http_form_fill - put the form (values, errors, lists, categories) and
 * the sample into root */
static int
http_form_fill(struct http_req *r, struct db *db, const struct http_lists *ls,
               const struct http_sub_form *f, struct tmpl_obj *root,
               struct err *err)
{
    const struct db_list *sel =
        f->list && *f->list ? http_lists_find(ls, f->list) : NULL;
    int maxp = f->max_papers_n > 0 ? f->max_papers_n : r->cfg->max_papers;

    if (sel == NULL)
        sel = http_lists_default(ls, r->cfg);
    tmpl_set(root, "email", f->email ? f->email : "");
    tmpl_set(root, "keywords", f->keywords ? f->keywords : "");
    if (f->max_papers && *f->max_papers)
        tmpl_set(root, "max_papers", f->max_papers);
    else
        tmpl_setf(root, "max_papers", "%d", r->cfg->max_papers);
    tmpl_set_bool(root, "several_lists", ls->n > 1);
    tmpl_set_list(root, "lists");
    for (size_t i = 0; i < ls->n; i++) {
        struct tmpl_obj *it = tmpl_add_item(root, "lists");
        tmpl_set(it, "name", ls->v[i].name);
        tmpl_set(it, "title",
                 ls->v[i].title[0] ? ls->v[i].title : ls->v[i].name);
        tmpl_set(it, "description", ls->v[i].description);
        tmpl_set_bool(it, "selected", &ls->v[i] == sel);
    }
    tmpl_set_list(root, "categories");
    if (sel) {
        tmpl_set(root, "list_name", sel->name);
        tmpl_set(root, "list_title", sel->title[0] ? sel->title : sel->name);
        tmpl_set(root, "list_description", sel->description);
        http_categories_fill(r, root, sel->categories, buf_str(&f->categories));
    }
    if (f->err_email)
        tmpl_set(root, "email_error", f->err_email);
    if (f->err_list)
        tmpl_set(root, "list_error", f->err_list);
    if (f->err_keywords)
        tmpl_set(root, "keywords_error", f->err_keywords);
    if (f->err_categories)
        tmpl_set(root, "categories_error", f->err_categories);
    if (f->err_max_papers)
        tmpl_set(root, "max_papers_error", f->err_max_papers);
    http_form_cadence(f, root);
    if (f->err_cadence)
        tmpl_set(root, "cadence_error", f->err_cadence);
    if (f->err_email || f->err_list || f->err_keywords || f->err_categories ||
        f->err_max_papers || f->err_cadence)
        tmpl_set_bool(root, "has_errors", 1);
    if (sel == NULL) {
        tmpl_set_bool(root, "sample_nothing_yet", 1);
        return 0;
    }
    if (maxp < 1 || maxp > DB_SUB_MAX_PAPERS_MAX)
        maxp = r->cfg->max_papers;
    return http_sample_fill(r, db, sel, f->err_keywords ? "" : f->keywords,
                            maxp, root, err);
}

void
http_categories_fill(const struct http_req *r, struct tmpl_obj *root,
                     const char *list_categories, const char *checked)
{
    for (const char *p = list_categories; *p;) {
        size_t n = strcspn(p, ",");
        struct tmpl_obj *it = tmpl_add_item(root, "categories");
        const char *title = catnames_get(r->gen->cats, p, n);
        tmpl_setn(it, "name", p, n);
        if (title != NULL)
            tmpl_set(it, "title", title);
        tmpl_set_bool(it, "checked", db_list_categories_has(checked, p, n));
        p += n + (p[n] == ',');
    }
}

/* http_form_from - read the fields of form into f (no validation) */
static void
http_form_from(const struct http_form *form, struct http_sub_form *f)
{
    memset(f, 0, sizeof(*f));
    buf_init(&f->categories, DB_SUB_CATEGORIES_MAX * 2);
    f->email = http_form_get(form, "email");
    f->list = http_form_get(form, "list");
    f->keywords = http_form_get(form, "keywords");
    f->max_papers = http_form_get(form, "max_papers");
    f->cadence = http_form_get(form, "cadence");
    f->weekday = http_form_get(form, "weekday");
    for (size_t i = 0; i < form->n; i++) {
        if (strcmp(form->fields[i].name, "categories") != 0 ||
            form->fields[i].value_len == 0)
            continue;
        if (f->categories.len)
            buf_addc(&f->categories, ',');
        buf_adds(&f->categories, form->fields[i].value);
    }
    if (subs_check_max_papers(f->max_papers, &f->max_papers_n, NULL) == -1)
        f->max_papers_n = 0; /* the sample shows the default meanwhile */
}

/* http_lists_load - every list (at most HTTP_LISTS_MAX) */
static int
http_lists_load(struct db *db, struct http_lists *ls, struct err *err)
{
    ls->v = NULL;
    ls->n = 0;
    return db_list_each(db, http_lists_add, ls, err);
}

/* http_index_render - the form page into a buffer */
static int
http_index_render(struct http_req *r, const struct http_form *values,
                  struct buf *out, struct err *err)
{
    struct http_lists ls = {NULL, 0};
    struct http_sub_form f;
    struct tmpl_obj *root;
    struct db *db;
    int rc = -1;

    http_form_from(values, &f);
    if ((db = http_db(r, err)) == NULL || http_lists_load(db, &ls, err) == -1)
        goto out;
    if (f.keywords && subs_check_keywords(f.keywords, err) == -1)
        f.err_keywords = err->msg;
    root = http_root(r, "Subscribe");
    if (http_form_fill(r, db, &ls, &f, root, err) == -1)
        goto out;
    rc = tmpl_render(r->gen->t[HTTP_T_INDEX], root, out, err);
out:
    buf_release(&f.categories);
    free(ls.v);
    return rc;
}

enum MHD_Result
http_page_index(struct http_req *r)
{
    struct http_gen *g = r->gen;
    int cacheable = strcmp(r->uri, "/") == 0;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    struct err err;
    struct buf b;
    char *data;
    size_t len;

    if (cacheable) {
        int64_t now = http_monotonic_ms();
        pthread_mutex_lock(&r->h->lock);
        resp = g->index_resp;
        if (resp && now - g->index_at < HTTP_INDEX_CACHE_MS) {
            ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
            pthread_mutex_unlock(&r->h->lock);
            http_count(r->h, r->route, MHD_HTTP_OK);
            return ret;
        }
        pthread_mutex_unlock(&r->h->lock);
    }
    err_init(&err);
    buf_init(&b, HTTP_PAGE_MAX);
    if (http_index_render(r, &r->query, &b, &err) == -1) {
        buf_release(&b);
        return http_fail(r, &err, "index");
    }
    if (!cacheable)
        return http_send(r, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
    if (b.failed) {
        buf_release(&b);
        return http_send_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "internal error\n");
    }
    len = b.len;
    data = buf_detach(&b);
    resp = MHD_create_response_from_buffer_with_free_callback(len, data, free);
    if (resp == NULL) {
        free(data);
        return MHD_NO;
    }
    http_add_security(resp);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/html; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    http_count(r->h, r->route, MHD_HTTP_OK);
    pthread_mutex_lock(&r->h->lock);
    if (g->index_resp)
        MHD_destroy_response(g->index_resp);
    g->index_resp = resp; /* our reference moves into the cache */
    g->index_at = http_monotonic_ms();
    pthread_mutex_unlock(&r->h->lock);
    return ret;
}

enum MHD_Result
http_page_sample(struct http_req *r)
{
    struct http_lists ls = {NULL, 0};
    struct http_sub_form f;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    const struct db_list *l;

    err_init(&err);
    http_form_from(&r->query, &f);
    root = http_root(r, "Sample");
    if ((db = http_db(r, &err)) == NULL ||
        http_lists_load(db, &ls, &err) == -1) {
        ret = http_fail(r, &err, "sample");
        goto out;
    }
    l = f.list && *f.list ? http_lists_find(&ls, f.list)
                          : http_lists_default(&ls, r->cfg);
    if (l == NULL) {
        tmpl_set_bool(root, "sample_nothing_yet", 1);
    } else {
        if (f.keywords && subs_check_keywords(f.keywords, &err) == -1) {
            tmpl_set(root, "sample_error", err.msg);
            f.keywords = "";
            err_init(&err);
        }
        if (http_sample_fill(r, db, l, f.keywords,
                             f.max_papers_n ? f.max_papers_n
                                            : r->cfg->max_papers,
                             root, &err) == -1) {
            ret = http_fail(r, &err, "sample");
            goto out;
        }
    }
    ret = http_render(r, MHD_HTTP_OK, HTTP_T_SAMPLE, root);
out:
    buf_release(&f.categories);
    free(ls.v);
    return ret;
}

int
http_rate_take(struct http *h, const char *client, int per_minute)
{
    uint64_t hash = 1469598103934665603ULL;
    struct http_rate_entry *e = NULL, *oldest = NULL;
    int64_t now = http_monotonic_ms();
    double rate = per_minute / 60000.0; /* tokens per millisecond */
    int wait = 0;

    for (const char *p = client; *p; p++) {
        hash ^= (unsigned char)*p;
        hash *= 1099511628211ULL;
    }
    pthread_mutex_lock(&h->rate_lock);
    for (int i = 0; i < 8; i++) {
        struct http_rate_entry *c =
            &h->rate[(hash + (uint64_t)i) % HTTP_RATE_SLOTS];
        if (strcmp(c->client, client) == 0) {
            e = c;
            break;
        }
        if (oldest == NULL || c->client[0] == '\0' ||
            (oldest->client[0] != '\0' && c->last_ms < oldest->last_ms))
            oldest = c;
    }
    if (e == NULL) {
        e = oldest;
        str_copy(e->client, sizeof(e->client), client);
        e->tokens = per_minute;
        e->last_ms = now;
    }
    e->tokens += (double)(now - e->last_ms) * rate;
    if (e->tokens > per_minute)
        e->tokens = per_minute;
    e->last_ms = now;
    if (e->tokens >= 1.0)
        e->tokens -= 1.0;
    else
        wait = (int)ceil((1.0 - e->tokens) / rate / 1000.0);
    pthread_mutex_unlock(&h->rate_lock);
    return wait < 0 ? 1 : wait;
}

/* http_subscribe_queue - hand the checked sign-up to the writer thread
 * (http_write.c) and suspend the connection; the handler runs again when
 * the writer is done and answers with http_page_subscribed() */
static enum MHD_Result
http_subscribe_queue(struct http_req *r, const char *email,
                     const struct db_list *l, const struct db_sub_prefs *p)
{
    struct http_job *j = xcalloc(1, sizeof(*j));

    j->conn = r->conn;
    j->gen = http_gen_ref(r->h, r->gen);
    str_copy(j->email, sizeof(j->email), email);
    j->list_id = l->id;
    j->list_title = xstrdup(l->title[0] ? l->title : l->name);
    j->keywords = xstrdup(p->keywords ? p->keywords : "");
    j->categories = xstrdup(p->categories ? p->categories : "");
    j->max_papers = p->max_papers;
    j->cadence = p->cadence;
    j->weekday = p->weekday;
    j->now = r->now;
    err_init(&j->err);
    if (http_write_submit(r->h, j) == -1) {
        http_gen_unref(r->h, j->gen);
        http_job_free(j);
        r->retry_after = HTTP_RETRY_AFTER_BUSY;
        return http_error_page(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                               "Please try again",
                               "The server is restarting. Please send the "
                               "form again in a few seconds.");
    }
    r->job = j;
    return MHD_YES; /* suspended: no answer yet */
}

enum MHD_Result
http_page_subscribed(struct http_req *r)
{
    const struct http_job *j = r->job;
    struct tmpl_obj *root;

    if (!atomic_load(&j->done)) { /* libmicrohttpd never does this */
        struct err err;
        err_init(&err);
        err_set(&err, ERR_TEMP, "sign-up not stored yet");
        return http_fail(r, &err, "subscribe");
    }
    if (j->rc == -1)
        return http_fail(r, &j->err, "subscribe");
    root = http_root(r, "Check your inbox");
    tmpl_set(root, "email", j->email);
    tmpl_set(root, "list_title", j->list_title);
    return http_render(r, MHD_HTTP_OK, HTTP_T_SUBSCRIBED, root);
}

enum MHD_Result
http_page_subscribe(struct http_req *r)
{
    struct http_lists ls = {NULL, 0};
    struct http_sub_form f;
    struct db_sub_prefs prefs;
    struct tmpl_obj *root;
    const struct db_list *l = NULL;
    struct db_list lst;
    char email[ADDR_SIZE];
    char email_err[512], list_err[512], kw_err[512], cat_err[512], mp_err[512],
        cad_err[512]; /* struct err's msg, kept per field */
    enum db_sub_cadence cadence = DB_SUB_CADENCE_UNSET;
    int weekday = DB_SUB_NO_WEEKDAY;
    const char *hp;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    int found, mp = 0;

    err_init(&err);
    http_form_from(&r->form, &f);
    if (r->cfg->subscribe_per_minute > 0) {
        int wait =
            http_rate_take(r->h, r->client, r->cfg->subscribe_per_minute);
        if (wait > 0) {
            r->retry_after = wait;
            ret = http_error_page(
                r, MHD_HTTP_TOO_MANY_REQUESTS, "Too many requests",
                "You sent this form too often. Please wait a minute and try "
                "again.");
            goto done;
        }
    }
    if ((db = http_db(r, &err)) == NULL ||
        http_lists_load(db, &ls, &err) == -1) {
        ret = http_fail(r, &err, "subscribe");
        goto done;
    }
    hp = http_form_get(&r->form, "website");
    if (hp && *hp) {
        log_info("web: subscribe: honeypot filled, ignored");
        root = http_root(r, "Check your inbox");
        tmpl_set(root, "email", f.email ? f.email : "");
        ret = http_render(r, MHD_HTTP_OK, HTTP_T_SUBSCRIBED, root);
        goto done;
    }

    /* validate every field (subs.h), keeping one message per field */
    if (subs_check_email(f.email, email, sizeof(email), &err) == -1) {
        str_copy(email_err, sizeof(email_err), err.msg);
        f.err_email = email_err;
    }
    err_init(&err);
    found = subs_check_list(db, f.list && *f.list ? f.list : NULL, &lst, &err);
    if (found == -1) {
        ret = http_fail(r, &err, "subscribe");
        goto done;
    }
    if (found == 1) {
        str_copy(list_err, sizeof(list_err), err.msg);
        f.err_list = list_err;
    } else {
        l = &lst;
    }
    err_init(&err);
    if (f.keywords && subs_check_keywords(f.keywords, &err) == -1) {
        str_copy(kw_err, sizeof(kw_err), err.msg);
        f.err_keywords = kw_err;
    }
    err_init(&err);
    if (l && f.categories.len) {
        if (f.categories.failed)
            f.err_categories = "Too many categories.";
        else if (subs_check_categories(l, buf_str(&f.categories), &err) == -1) {
            str_copy(cat_err, sizeof(cat_err), err.msg);
            f.err_categories = cat_err;
        }
    }
    err_init(&err);
    if (subs_check_max_papers(f.max_papers, &mp, &err) == -1) {
        str_copy(mp_err, sizeof(mp_err), err.msg);
        f.err_max_papers = mp_err;
    }
    err_init(&err);
    if (subs_check_schedule(f.cadence, f.weekday, &cadence, &weekday, &err) ==
        -1) {
        str_copy(cad_err, sizeof(cad_err), err.msg);
        f.err_cadence = cad_err;
    }
    if (f.err_email || f.err_list || f.err_keywords || f.err_categories ||
        f.err_max_papers || f.err_cadence) {
        root = http_root(r, "Subscribe");
        if (http_form_fill(r, db, &ls, &f, root, &err) == -1) {
            ret = http_fail(r, &err, "subscribe");
            goto done;
        }
        ret = http_render(r, MHD_HTTP_BAD_REQUEST, HTTP_T_INDEX, root);
        goto done;
    }

    memset(&prefs, 0, sizeof(prefs));
    prefs.keywords = f.keywords ? f.keywords : "";
    prefs.categories = buf_str(&f.categories);
    prefs.max_papers = f.max_papers_n ? f.max_papers_n : r->cfg->max_papers;
    prefs.cadence = cadence;
    prefs.weekday = weekday;
    ret = http_subscribe_queue(r, email, l, &prefs);
done:
    buf_release(&f.categories);
    free(ls.v);
    return ret;
}
