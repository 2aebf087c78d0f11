/* SPDX-License-Identifier: MIT */
/*
 * http_public - pages anyone may read and that hold no personal data:
 * GET /archive/LIST/DATE (a day's top papers by trending), GET
 * /feed/LIST.atom (RFC 4287) and GET /metrics (Prometheus text
 * exposition format 0.0.4; its health gauges come from http_health.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authors.h"
#include "db_list.h"
#include "db_sub.h"
#include "db_web.h"
#include "http_int.h"
#include "http_pauses.h"
#include "log.h"
#include "outbox.h"
#include "str.h"
#include "xalloc.h"

#define HTTP_ARCHIVE_TOP 30    /* papers on an archive page */
#define HTTP_FEED_DAYS 7       /* days an Atom feed covers */
#define HTTP_FEED_MAX 60       /* entries in an Atom feed */
#define HTTP_PUBLIC_AUTHORS 12 /* names shown before "et al." */

/* What the paper callbacks fill. */
struct http_paper_ctx {
    struct tmpl_obj *root;
    const char *list_key; /* "papers" or "entries" */
    size_t n;
    int64_t newest; /* latest first_seen_at seen */
};

/* http_paper_ctx_init - c fills root's (empty) list key */
static void
http_paper_ctx_init(struct http_paper_ctx *c, struct tmpl_obj *root,
                    const char *key)
{
    memset(c, 0, sizeof(*c));
    c->root = root;
    c->list_key = key;
    tmpl_set_list(root, key);
}

/* http_paper_item - db_web callback: one paper as a template item */
static int
http_paper_item(void *arg, const struct db_web_paper *p)
{
    struct http_paper_ctx *c = arg;
    struct tmpl_obj *it = tmpl_add_item(c->root, c->list_key);
    struct buf au;
    char ts[32];

    buf_init(&au, 4096);
    authors_format(p->authors, HTTP_PUBLIC_AUTHORS, &au);
    tmpl_setf(it, "rank", "%zu", ++c->n);
    tmpl_set(it, "arxiv_id", p->arxiv_id);
    tmpl_set(it, "title", p->title);
    tmpl_set(it, "abstract", p->abstract);
    tmpl_set(it, "authors", buf_str(&au));
    tmpl_set(it, "categories", p->categories);
    /* "authors · categories", either left out when empty */
    if (*p->categories) {
        if (au.len)
            buf_adds(&au, " \xc2\xb7 ");
        buf_adds(&au, p->categories);
    }
    tmpl_set(it, "meta", buf_str(&au));
    tmpl_set(it, "day", p->day);
    if (p->upvotes > 0)
        tmpl_setf(it, "upvotes", "%d", p->upvotes);
    str_format_iso(p->first_seen_at, ts, sizeof(ts));
    tmpl_set(it, "updated", ts);
    if (p->first_seen_at > c->newest)
        c->newest = p->first_seen_at;
    buf_release(&au);
    return 0;
}

/* http_list_load - the list named name, and the scope of its papers
 * (pointing into *l); 404 page sent when unknown */
static int
http_list_load(struct http_req *r, struct db **dbp, const char *name,
               struct db_list *l, struct db_web_scope *scope,
               enum MHD_Result *ret)
{
    struct err err;
    struct db *db;
    int found;

    err_init(&err);
    if (db_list_check_name(name, &err) == -1) {
        *ret = http_error_page(r, MHD_HTTP_NOT_FOUND, "List not found",
                               "There is no list with this name.");
        return -1;
    }
    if ((db = http_db(r, &err)) == NULL ||
        (found = db_list_get(db, name, l, &err)) == -1) {
        *ret = http_fail(r, &err, "list");
        return -1;
    }
    if (found == 1) {
        *ret = http_error_page(r, MHD_HTTP_NOT_FOUND, "List not found",
                               "There is no list with this name.");
        return -1;
    }
    scope->categories = l->categories;
    scope->include_hf = l->include_hf;
    *dbp = db;
    return 0;
}

enum MHD_Result
http_page_archive(struct http_req *r, const char *list, const char *day)
{
    struct http_paper_ctx ctx;
    struct db_web_scope scope;
    struct db_list l;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    char latest[11], d[11];
    struct tm tm;
    time_t t;
    int found;

    err_init(&err);
    if (http_list_load(r, &db, list, &l, &scope, &ret) == -1)
        return ret;
    root = http_root(r, "Archive");
    tmpl_set(root, "list_name", l.name);
    tmpl_set(root, "list_title", l.title[0] ? l.title : l.name);
    if (*day == '\0') {
        found = db_web_latest_day(db, &scope, latest, &err);
        if (found == -1)
            return http_fail(r, &err, "archive");
        if (found == 1)
            return http_error_page(r, MHD_HTTP_NOT_FOUND, "Nothing yet",
                                   "No papers have been collected for this "
                                   "list yet.");
        day = latest;
    }
    if (strlen(day) != 10 || str_parse_day(day, &tm) == -1 ||
        str_day_to_time(day, &t) == -1)
        return http_error_page(
            r, MHD_HTTP_NOT_FOUND, "Page not found",
            "Archive pages are at /archive/LIST/YYYY-MM-DD.");
    tmpl_set(root, "day", day);
    /* the arrows skip days without papers (weekends, a failed day): the
     * nearest day with papers on each side, none past the last one */
    if ((found = db_web_near_day(db, &scope, day, -1, d, &err)) == -1)
        return http_fail(r, &err, "archive");
    if (found == 0)
        tmpl_set(root, "prev_day", d);
    if ((found = db_web_near_day(db, &scope, day, 1, d, &err)) == -1)
        return http_fail(r, &err, "archive");
    if (found == 0)
        tmpl_set(root, "next_day", d);
    http_paper_ctx_init(&ctx, root, "papers");
    if (db_web_day_papers(db, &scope, day, HTTP_ARCHIVE_TOP, http_paper_item,
                          &ctx, &err) == -1)
        return http_fail(r, &err, "archive");
    tmpl_setf(root, "count", "%zu", ctx.n);
    if (ctx.n > 0) /* "top 1 paper"; nothing on an empty day */
        tmpl_setf(root, "count_label", "top %zu paper%s", ctx.n,
                  ctx.n == 1 ? "" : "s");
    r->cache = "public, max-age=300";
    return http_render(r, MHD_HTTP_OK, HTTP_T_ARCHIVE, root);
}

enum MHD_Result
http_page_feed(struct http_req *r, const char *list)
{
    struct http_paper_ctx ctx;
    struct db_web_scope scope;
    struct db_list l;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    char since[11], ts[32];

    err_init(&err);
    if (http_list_load(r, &db, list, &l, &scope, &ret) == -1)
        return ret;
    root = http_root(r, l.title[0] ? l.title : l.name);
    tmpl_set(root, "list_name", l.name);
    tmpl_set(root, "list_title", l.title[0] ? l.title : l.name);
    tmpl_set(root, "list_description", l.description);
    str_format_day((time_t)(r->now - HTTP_FEED_DAYS * 86400), since,
                   sizeof(since));
    http_paper_ctx_init(&ctx, root, "entries");
    if (db_web_recent_papers(db, &scope, since, HTTP_FEED_MAX, http_paper_item,
                             &ctx, &err) == -1)
        return http_fail(r, &err, "feed");
    str_format_iso(ctx.newest ? ctx.newest : l.created_at, ts, sizeof(ts));
    tmpl_set(root, "updated", ts);
    r->cache = "public, max-age=300";
    return http_render(r, MHD_HTTP_OK, HTTP_T_FEED, root);
}

/* http_metric_outbox - db_web_outbox_counts callback */
static int
http_metric_outbox(void *arg, const char *kind, const char *state, int64_t n)
{
    struct buf *b = arg;
    buf_addf(b, "paperboy_outbox_messages{kind=\"%s\",state=\"%s\"} %lld\n",
             kind, state, (long long)n);
    return 0;
}

/* http_metric_label - append s as a Prometheus label value */
static void
http_metric_label(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            buf_addc(b, '\\');
        if (*s == '\n') {
            buf_adds(b, "\\n");
            continue;
        }
        buf_addc(b, *s);
    }
}

/* http_metric_collect - db_web_collect_stats callback */
static int
http_metric_collect(void *arg, const struct db_web_source *s)
{
    struct buf *b = arg;
#define LBL(name)                                                              \
    do {                                                                       \
        buf_adds(b, name "{source=\"");                                        \
        http_metric_label(b, s->source);                                       \
        buf_adds(b, "\"} ");                                                   \
    } while (0)
    LBL("paperboy_collect_runs_total");
    buf_addf(b, "%lld\n", (long long)s->runs);
    LBL("paperboy_collect_failures_total");
    buf_addf(b, "%lld\n", (long long)s->failures);
    LBL("paperboy_collect_duration_seconds_sum");
    buf_addf(b, "%.3f\n", (double)s->duration_ms_sum / 1000.0);
    LBL("paperboy_collect_duration_seconds_count");
    buf_addf(b, "%lld\n", (long long)s->runs);
    LBL("paperboy_collect_last_duration_seconds");
    buf_addf(b, "%.3f\n", (double)s->last_duration_ms / 1000.0);
    LBL("paperboy_collect_last_finished_timestamp_seconds");
    buf_addf(b, "%lld\n", (long long)s->last_finished_at);
#undef LBL
    return 0;
}

static const char *const http_route_names[HTTP_R_COUNT] = {
    [HTTP_R_INDEX] = "index",
    [HTTP_R_SAMPLE] = "sample",
    [HTTP_R_SUBSCRIBE] = "subscribe",
    [HTTP_R_CONFIRM] = "confirm",
    [HTTP_R_PREFERENCES] = "preferences",
    [HTTP_R_VOTE] = "vote",
    [HTTP_R_UNSUBSCRIBE] = "unsubscribe",
    [HTTP_R_DIGEST] = "digest",
    [HTTP_R_ARCHIVE] = "archive",
    [HTTP_R_FEED] = "feed",
    [HTTP_R_MANAGE] = "manage",
    [HTTP_R_MYFEED] = "private_feed",
    [HTTP_R_HEALTHZ] = "healthz",
    [HTTP_R_METRICS] = "metrics",
    [HTTP_R_STATIC] = "static",
    [HTTP_R_OTHER] = "other",
};

static const char *const http_status_names[HTTP_S_COUNT] = {
#define X(c) [HTTP_S_##c] = #c,
    HTTP_STATUS_LIST
#undef X
        [HTTP_S_OTHER] = "other",
};

enum MHD_Result
http_page_metrics(struct http_req *r)
{
    int64_t counts[DB_SUB_NSTATUS], depth = 0;
    struct err err;
    struct buf b;
    struct db *db;

    err_init(&err);
    buf_init(&b, HTTP_PAGE_MAX);
    /* an unreadable database: the health gauges alone say so */
    if (http_health_metrics(r, &b) == -1)
        return http_send(r, MHD_HTTP_OK,
                         "text/plain; version=0.0.4; charset=utf-8", &b);
    if ((db = http_db(r, &err)) == NULL ||
        db_sub_count_by_status(db, 0, counts, &err) == -1) {
        buf_release(&b);
        return http_fail(r, &err, "metrics");
    }
    buf_adds(&b, "# HELP paperboy_subscriptions Subscriptions by status.\n"
                 "# TYPE paperboy_subscriptions gauge\n");
    for (int i = 0; i < DB_SUB_NSTATUS; i++)
        buf_addf(&b, "paperboy_subscriptions{status=\"%s\"} %lld\n",
                 db_sub_status_name((enum db_sub_status)i),
                 (long long)counts[i]);
    buf_adds(&b, "# HELP paperboy_outbox_messages Mails in the outbox by kind "
                 "and state (sent = delivered).\n"
                 "# TYPE paperboy_outbox_messages gauge\n");
    if (db_web_outbox_counts(db, http_metric_outbox, &b, &err) == -1)
        goto fail;
    if (outbox_depth(db, &depth, &err) == -1)
        goto fail;
    buf_addf(&b,
             "# HELP paperboy_outbox_depth Mails still to deliver.\n"
             "# TYPE paperboy_outbox_depth gauge\n"
             "paperboy_outbox_depth %lld\n",
             (long long)depth);
    buf_adds(&b,
             "# HELP paperboy_collect_runs_total Collection runs by source.\n"
             "# TYPE paperboy_collect_runs_total counter\n"
             "# HELP paperboy_collect_failures_total Failed collection runs.\n"
             "# TYPE paperboy_collect_failures_total counter\n"
             "# HELP paperboy_collect_duration_seconds Collection durations.\n"
             "# TYPE paperboy_collect_duration_seconds summary\n"
             "# HELP paperboy_collect_last_duration_seconds Duration of the "
             "latest run.\n"
             "# TYPE paperboy_collect_last_duration_seconds gauge\n"
             "# HELP paperboy_collect_last_finished_timestamp_seconds End of "
             "the latest run.\n"
             "# TYPE paperboy_collect_last_finished_timestamp_seconds gauge\n");
    if (db_web_collect_stats(db, http_metric_collect, &b, &err) == -1)
        goto fail;
    buf_adds(&b, "# HELP paperboy_http_requests_total HTTP requests answered "
                 "by route and status.\n"
                 "# TYPE paperboy_http_requests_total counter\n");
    /* count this answer before it is sent, so it shows up */
    http_count(r->h, r->route, MHD_HTTP_OK);
    for (int i = 0; i < HTTP_R_COUNT; i++)
        for (int j = 0; j < HTTP_S_COUNT; j++) {
            uint64_t v =
                atomic_load_explicit(&r->h->hits[i][j], memory_order_relaxed);
            if (v)
                buf_addf(&b,
                         "paperboy_http_requests_total{route=\"%s\","
                         "status=\"%s\"} %llu\n",
                         http_route_names[i], http_status_names[j],
                         (unsigned long long)v);
        }
    buf_addf(&b,
             "# HELP paperboy_web_start_time_seconds When the web server "
             "started.\n"
             "# TYPE paperboy_web_start_time_seconds gauge\n"
             "paperboy_web_start_time_seconds %lld\n"
             "# HELP paperboy_web_signup_batches_total Batches (one "
             "transaction each) the sign-up writer ran.\n"
             "# TYPE paperboy_web_signup_batches_total counter\n"
             "paperboy_web_signup_batches_total %llu\n"
             "# HELP paperboy_web_signups_total Sign-ups those batches "
             "carried.\n"
             "# TYPE paperboy_web_signups_total counter\n"
             "paperboy_web_signups_total %llu\n",
             (long long)r->h->started_at,
             (unsigned long long)atomic_load(&r->h->wq_batches),
             (unsigned long long)atomic_load(&r->h->wq_jobs));
    buf_addf(&b,
             "# HELP paperboy_web_connections_refused_total Connections "
             "and proxied requests refused at [web] "
             "max_connections_per_client.\n"
             "# TYPE paperboy_web_connections_refused_total counter\n"
             "paperboy_web_connections_refused_total %llu\n"
             "# HELP paperboy_web_request_deadline_total Connections closed "
             "because their request was not in by [web] request_deadline.\n"
             "# TYPE paperboy_web_request_deadline_total counter\n"
             "paperboy_web_request_deadline_total %llu\n",
             (unsigned long long)http_guard_refused(r->h),
             (unsigned long long)http_guard_timed_out(r->h));
    {
        /* http_send counts again; undo our early count */
        atomic_fetch_sub_explicit(&r->h->hits[r->route][HTTP_S_200], 1,
                                  memory_order_relaxed);
    }
    return http_send(r, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                     &b);
fail:
    buf_release(&b);
    return http_fail(r, &err, "metrics");
}
