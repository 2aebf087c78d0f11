/* SPDX-License-Identifier: MIT */
/*
 * http_feed - a subscription's private Atom feed (RFC 4287) of its
 * digests: GET /f/TOKEN, one entry per digest (newest first, at most
 * HTTP_MYFEED_MAX), linking to the digest's "view in browser" page.
 *
 * The token is a TOKEN_FEED token for the subscription, issued at the
 * row's created_at, so the URL shown on the preferences page is the same
 * at every visit; like every token it is HMAC-signed and compared in
 * constant time, and one issued before the row's created_at is refused
 * (it was made for a row that is gone).  An unsubscribed or bounced
 * subscription's feed answers 404.  The public list feeds
 * (http_public.c) never show anything of a subscription.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db_digest.h"
#include "db_sub.h"
#include "http_int.h"
#include "render.h"
#include "str.h"

#define HTTP_MYFEED_MAX 30 /* digests in a private feed */

/* What http_feed_entry fills. */
struct http_feed_ctx {
    struct http_req *r;
    struct db *db;
    struct tmpl_obj *root;
    const char *list_title;
    int64_t newest;
    struct buf titles; /* the entry's papers, reused */
    int n;             /* papers of the current entry */
    struct err *err;
};

/* http_feed_paper - db_digest_items callback: "1. Title" lines */
static int
http_feed_paper(void *arg, const struct db_digest_paper *p)
{
    struct http_feed_ctx *c = arg;

    if (c->titles.len)
        buf_addc(&c->titles, '\n');
    buf_addf(&c->titles, "%d. %s", p->rank, p->title);
    c->n++;
    return 0;
}

/* http_feed_entry - db_digest_recent callback: one digest as an entry */
static int
http_feed_entry(void *arg, const struct db_digest_row *d)
{
    struct http_feed_ctx *c = arg;
    struct tmpl_obj *it;
    char tok[TOKEN_MAX], ts[32], day[64];

    buf_reset(&c->titles);
    c->n = 0;
    if (db_digest_items(c->db, d->id, http_feed_paper, c, c->err) == -1)
        return -1;
    it = tmpl_add_item(c->root, "entries");
    render_day_long(d->day, day, sizeof(day));
    tmpl_setf(it, "entry_title", "%s: %d paper%s for %s", c->list_title, c->n,
              c->n == 1 ? "" : "s", day);
    /* the view token of the digest as the mail has it: the same URL */
    token_make(c->r->h->key, TOKEN_VIEW, d->id, d->created_at, tok);
    tmpl_setf(it, "view_url", "%s/d/%s", c->r->cfg->base_url, tok);
    str_format_iso(d->created_at, ts, sizeof(ts));
    tmpl_set(it, "updated", ts);
    tmpl_set(it, "summary", buf_str(&c->titles));
    if (d->created_at > c->newest)
        c->newest = d->created_at;
    return 0;
}

void
http_feed_url(struct http_req *r, const struct db_subscription *sub, char *out,
              size_t size)
{
    char tok[TOKEN_MAX];

    token_make(r->h->key, TOKEN_FEED, sub->id, sub->created_at, tok);
    snprintf(out, size, "%s/f/%s", r->cfg->base_url, tok);
}

enum MHD_Result
http_page_myfeed(struct http_req *r, const char *tok)
{
    struct db_subscription sub;
    struct db_digest_sub ds;
    struct http_feed_ctx c;
    struct db *db;
    struct err err;
    int64_t id, issued;
    char url[512], ts[32];
    enum MHD_Result ret;
    int found;

    err_init(&err);
    if (token_check(r->h->key, tok, TOKEN_FEED, r->now, &id, &issued, &err) ==
        -1)
        return http_error_page(r, MHD_HTTP_BAD_REQUEST,
                               "This link does not work", err.msg);
    if ((db = http_db(r, &err)) == NULL ||
        (found = db_sub_get(db, id, &sub, &err)) == -1)
        return http_fail(r, &err, "private feed");
    /* older than its row: made for a row that is gone */
    if (found == 1 || issued < sub.created_at ||
        sub.status == DB_SUB_UNSUBSCRIBED || sub.status == DB_SUB_BOUNCED)
        return http_error_page(r, MHD_HTTP_NOT_FOUND, "Feed not found",
                               "This feed no longer exists.");
    if (db_digest_sub_load(db, sub.id, &ds, &err) == -1)
        return http_fail(r, &err, "private feed");
    memset(&c, 0, sizeof(c));
    c.r = r;
    c.db = db;
    c.err = &err;
    c.list_title = ds.list_title[0] ? ds.list_title : ds.list_name;
    c.root = http_root(r, c.list_title);
    buf_init(&c.titles, 64 * 1024);
    http_feed_url(r, &sub, url, sizeof(url));
    tmpl_set(c.root, "feed_url", url);
    tmpl_set(c.root, "list_title", c.list_title);
    tmpl_set_list(c.root, "entries");
    if (db_digest_recent(db, sub.id, HTTP_MYFEED_MAX, http_feed_entry, &c,
                         &err) == -1) {
        buf_release(&c.titles);
        return http_fail(r, &err, "private feed");
    }
    buf_release(&c.titles);
    str_format_iso(c.newest ? c.newest : sub.created_at, ts, sizeof(ts));
    tmpl_set(c.root, "updated", ts);
    r->cache = "private, max-age=300";
    ret = http_render(r, MHD_HTTP_OK, HTTP_T_MYFEED, c.root);
    return ret;
}
