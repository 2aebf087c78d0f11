/* SPDX-License-Identifier: MIT */
/*
 * http_token - the pages behind signed links: /confirm/TOKEN,
 * /preferences/TOKEN, /unsubscribe/TOKEN and /d/TOKEN (the votes' part of
 * the preferences page is http_votes.c's).
 *
 * A GET never changes anything: mail scanners fetch every link in a
 * message, so confirming and unsubscribing take a POST from the button
 * the GET page shows.  The one exception to "POST shows a page" is RFC
 * 8058 one-click unsubscription: a POST whose body is
 * "List-Unsubscribe=One-Click" unsubscribes and answers 200 with an empty
 * body.  A token that is forged, truncated, tampered with, meant for
 * another page or expired gets a 400 page that says so in plain words
 * (token_check's message) and links back to the form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "db_digest.h"
#include "db_list.h"
#include "db_sub.h"
#include "http_int.h"
#include "log.h"
#include "plan.h"
#include "str.h"
#include "subs.h"

/* http_bad_token - the 400 page for a link that does not verify */
static enum MHD_Result
http_bad_token(struct http_req *r, const char *why)
{
    return http_error_page(r, MHD_HTTP_BAD_REQUEST, "This link does not work",
                           why);
}

/* http_token_sub - verify tok for purpose and load its subscription
 * (http_int.h) */
int
http_token_sub(struct http_req *r, const char *tok, enum token_purpose purpose,
               struct db **dbp, struct db_subscription *sub, int64_t *issued_at,
               enum MHD_Result *ret)
{
    struct err err;
    int64_t id;
    struct db *db;
    int found;

    err_init(&err);
    if (token_check(r->h->key, tok, purpose, r->now, &id, issued_at, &err) ==
        -1) {
        *ret = http_bad_token(r, err.msg);
        return -1;
    }
    if ((db = http_db(r, &err)) == NULL ||
        (found = db_sub_get(db, id, sub, &err)) == -1) {
        *ret = http_fail(r, &err, "token page");
        return -1;
    }
    /* a token older than its row was made for a row that is gone: ids
     * are never reused (schema 009), and this holds even if one were */
    if (found == 1 || *issued_at < sub->created_at) {
        *ret = http_error_page(
            r, MHD_HTTP_NOT_FOUND, "Subscription not found",
            "This subscription no longer exists. You can subscribe again "
            "from the form.");
        return -1;
    }
    *dbp = db;
    return 0;
}

/* http_sub_root - a page root with the subscription's public values */
static struct tmpl_obj *
http_sub_root(struct http_req *r, const char *title,
              const struct db_subscription *sub, const char *tok)
{
    struct tmpl_obj *root = http_root(r, title);
    char t[TOKEN_MAX];

    tmpl_set(root, "email", sub->email);
    tmpl_set(root, "list_name", sub->list_name);
    tmpl_set(root, "token", tok);
    token_make(r->h->key, TOKEN_PREFERENCES, sub->id, r->now, t);
    tmpl_setf(root, "preferences_url", "%s/preferences/%s", r->cfg->base_url,
              t);
    tmpl_setf(root, "data_url", "%s/data/%s", r->cfg->base_url, t);
    tmpl_setf(root, "erase_url", "%s/erase/%s", r->cfg->base_url, t);
    token_make(r->h->key, TOKEN_UNSUBSCRIBE, sub->id, r->now, t);
    tmpl_setf(root, "unsubscribe_url", "%s/unsubscribe/%s", r->cfg->base_url,
              t);
    {
        char feed[512];
        http_feed_url(r, sub, feed, sizeof(feed));
        tmpl_set(root, "feed_url", feed);
    }
    return root;
}

/* http_list_title - the title of the subscription's list into root */
static void
http_list_title(struct db *db, const struct db_subscription *sub,
                struct tmpl_obj *root)
{
    struct db_list l;
    struct err err;

    err_init(&err);
    if (db_list_get_id(db, sub->list_id, &l, &err) == 0 && l.title[0])
        tmpl_set(root, "list_title", l.title);
    else
        tmpl_set(root, "list_title", sub->list_name);
}

/* http_sub_titled - http_sub_root with the list's title: the root of
 * every page about one subscription but the preferences form (whose
 * http_prefs_fill sets the title) */
static struct tmpl_obj *
http_sub_titled(struct http_req *r, struct db *db, const char *title,
                const struct db_subscription *sub, const char *tok)
{
    struct tmpl_obj *root = http_sub_root(r, title, sub, tok);

    http_list_title(db, sub, root);
    return root;
}

/* http_unsubscribed - the "Unsubscribed" page; from_preferences says the
 * reader came by a preferences link to a subscription already ended */
static enum MHD_Result
http_unsubscribed(struct http_req *r, struct db *db,
                  const struct db_subscription *sub, const char *tok,
                  int from_preferences)
{
    struct tmpl_obj *root = http_sub_titled(r, db, "Unsubscribed", sub, tok);

    if (from_preferences)
        tmpl_set_bool(root, "from_preferences", 1);
    return http_render(r, MHD_HTTP_OK, HTTP_T_UNSUBSCRIBED, root);
}

/* http_first_digest - root's "first_digest": when the next mailing of
 * sub's zone goes (plan.h's first-digest rule, from now: a revisited link
 * names the next one); left out when the zone cannot be loaded */
static void
http_first_digest(const struct http_req *r, const struct db_subscription *sub,
                  struct tmpl_obj *root)
{
    char when[128];
    struct err err;

    err_init(&err);
    if (plan_first_digest(r->cfg, sub->timezone, r->now,
                          sub->cadence == DB_SUB_WEEKLY ? sub->weekday : -1,
                          when, sizeof(when), &err) == 0)
        tmpl_set(root, "first_digest", when);
    if (sub->cadence == DB_SUB_WEEKLY)
        tmpl_setf(root, "weekly_day", "%c%s",
                  db_sub_weekday_name(sub->weekday)[0] - 'a' + 'A',
                  db_sub_weekday_name(sub->weekday) + 1);
    else
        log_warn("web: subscription=%lld: %s", (long long)sub->id, err.msg);
}

enum MHD_Result
http_page_confirm(struct http_req *r, const char *tok)
{
    struct db_subscription sub;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    int64_t issued;

    err_init(&err);
    if (http_token_sub(r, tok, TOKEN_CONFIRM, &db, &sub, &issued, &ret) == -1)
        return ret;
    if (sub_confirm_fresh(&sub, issued, &err) == -1)
        return http_bad_token(r, err.msg);
    if (r->method == HTTP_M_POST && sub.status != DB_SUB_CONFIRMED) {
        pthread_mutex_lock(&r->h->write_lock);
        int rc = sub_confirm(db, sub.id, r->now, &err);
        pthread_mutex_unlock(&r->h->write_lock);
        if (rc == -1)
            return http_fail(r, &err, "confirm");
        log_info("web: subscription=%lld confirmed", (long long)sub.id);
        sub.status = DB_SUB_CONFIRMED;
    }
    if (sub.status == DB_SUB_CONFIRMED) {
        root = http_sub_titled(r, db, "Subscription confirmed", &sub, tok);
        http_first_digest(r, &sub, root);
        return http_render(r, MHD_HTTP_OK, HTTP_T_CONFIRMED, root);
    }
    root = http_sub_titled(r, db, "Confirm your subscription", &sub, tok);
    return http_render(r, MHD_HTTP_OK, HTTP_T_CONFIRM, root);
}

/* http_unsubscribe_now - sub_unsubscribe() under the web's write lock */
static int
http_unsubscribe_now(struct http_req *r, struct db *db, int64_t id,
                     struct err *err)
{
    int rc;

    pthread_mutex_lock(&r->h->write_lock);
    rc = sub_unsubscribe(db, id, r->now, err);
    pthread_mutex_unlock(&r->h->write_lock);
    if (rc == 0)
        log_info("web: subscription=%lld unsubscribed", (long long)id);
    return rc;
}

/* http_is_one_click - the RFC 8058 body, urlencoded or multipart */
static int
http_is_one_click(const struct http_req *r)
{
    const char *v = http_form_get(&r->form, "List-Unsubscribe");
    const char *body = buf_str(&r->body);

    if (v && strcmp(v, "One-Click") == 0)
        return 1;
    return strstr(body, "name=\"List-Unsubscribe\"") != NULL &&
           strstr(body, "One-Click") != NULL;
}

enum MHD_Result
http_page_unsubscribe(struct http_req *r, const char *tok)
{
    struct db_subscription sub;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    int64_t issued;

    err_init(&err);
    if (http_token_sub(r, tok, TOKEN_UNSUBSCRIBE, &db, &sub, &issued, &ret) ==
        -1)
        return ret;
    if (r->method == HTTP_M_POST) {
        int one_click = http_is_one_click(r);
        if (sub.status != DB_SUB_UNSUBSCRIBED &&
            http_unsubscribe_now(r, db, sub.id, &err) == -1)
            return http_fail(r, &err, "unsubscribe");
        if (one_click) {
            struct buf empty;
            buf_init(&empty, 16);
            return http_send(r, MHD_HTTP_OK, "text/plain; charset=utf-8",
                             &empty);
        }
        sub.status = DB_SUB_UNSUBSCRIBED;
    }
    if (sub.status == DB_SUB_UNSUBSCRIBED)
        return http_unsubscribed(r, db, &sub, tok, 0);
    root = http_sub_titled(r, db, "Unsubscribe", &sub, tok);
    return http_render(r, MHD_HTTP_OK, HTTP_T_UNSUBSCRIBE, root);
}

/* http_zones_fill - the time zone choice: "zones" (the system's, with
 * tz_name selected; a stored name not among them, such as a legacy alias,
 * is offered first so that saving keeps it), the server's zone, and
 * "zone_auto" when the reader has no zone of their own, so that app.js
 * may pre-select the browser's */
static void
http_zones_fill(const struct http_req *r, const char *tz_name,
                struct tmpl_obj *root)
{
    const struct tz_names *z = &r->gen->zones;
    struct tmpl_obj *it;

    tmpl_set_bool(root, "has_zones", z->n > 0);
    tmpl_set(root, "server_zone", r->cfg->timezone);
    tmpl_setf(root, "send_at", "%02d:%02d", r->cfg->send_hour,
              r->cfg->send_minute);
    tmpl_set_bool(root, "zone_auto", *tz_name == '\0');
    tmpl_set_list(root, "zones");
    if (*tz_name && !tz_names_has(z, tz_name)) {
        it = tmpl_add_item(root, "zones");
        tmpl_set(it, "name", tz_name);
        tmpl_set_bool(it, "selected", 1);
    }
    for (size_t i = 0; i < z->n; i++) {
        it = tmpl_add_item(root, "zones");
        tmpl_set(it, "name", z->names[i]);
        tmpl_set_bool(it, "selected", strcmp(z->names[i], tz_name) == 0);
    }
}

/* http_prefs_fill - the preferences form: values and the list's
 * categories with the chosen ones checked */
static void
http_prefs_fill(const struct http_req *r, struct db *db,
                const struct db_subscription *sub, const char *keywords,
                const char *categories, const char *max_papers,
                const char *tz_name, enum db_sub_cadence cadence, int weekday,
                int paused, struct tmpl_obj *root)
{
    struct db_list l;
    struct err err;

    err_init(&err);
    http_cadence_fill(root, cadence, weekday);
    tmpl_set(root, "keywords", keywords);
    tmpl_set(root, "max_papers", max_papers);
    tmpl_set(root, "timezone", tz_name);
    http_zones_fill(r, tz_name, root);
    tmpl_set_bool(root, "paused", paused);
    tmpl_set_bool(root, "confirmed", sub->status == DB_SUB_CONFIRMED);
    tmpl_set_list(root, "categories");
    if (db_list_get_id(db, sub->list_id, &l, &err) == 0) {
        tmpl_set(root, "list_title", l.title[0] ? l.title : l.name);
        http_categories_fill(r, root, l.categories, categories);
    } else {
        tmpl_set(root, "list_title", sub->list_name);
    }
}

/* http_prefs_stored - the preferences page with the stored values (mp is
 * sub's max_papers as text) and the votes */
static enum MHD_Result
http_prefs_stored(struct http_req *r, struct db *db,
                  const struct db_subscription *sub, const char *mp,
                  struct tmpl_obj *root)
{
    http_prefs_fill(r, db, sub, sub->keywords, sub->categories, mp,
                    sub->timezone, sub->cadence, sub->weekday, sub->paused,
                    root);
    http_votes_prefs_fill(db, sub, root);
    return http_render(r, MHD_HTTP_OK, HTTP_T_PREFERENCES, root);
}

/* http_prefs_save - validate and store the posted preferences; field
 * errors go into root, and *bad says there were some */
static int
http_prefs_save(struct http_req *r, struct db *db,
                const struct db_subscription *sub, const char *keywords,
                const char *categories, const char *max_papers,
                const char *tz_name, const char *cadence, const char *weekday,
                int paused, struct tmpl_obj *root, int *bad, struct err *err)
{
    struct db_sub_prefs p;
    enum db_sub_cadence c = DB_SUB_CADENCE_UNSET;
    int d = DB_SUB_NO_WEEKDAY;
    struct db_list l;
    struct err ferr;
    int n = 0, rc, found;

    *bad = 0;
    err_init(&ferr);
    if (subs_check_keywords(keywords, &ferr) == -1) {
        tmpl_set(root, "keywords_error", ferr.msg);
        *bad = 1;
    }
    /* the subscribe form's rule: only the list's own categories */
    if ((found = db_list_get_id(db, sub->list_id, &l, err)) != 0) {
        if (found == 1)
            err_set(err, ERR_TEMP, "the subscription's list vanished");
        return -1;
    }
    err_init(&ferr);
    if (subs_check_categories(&l, categories, &ferr) == -1) {
        tmpl_set(root, "categories_error", ferr.msg);
        *bad = 1;
    }
    err_init(&ferr);
    if (subs_check_max_papers(max_papers, &n, &ferr) == -1) {
        tmpl_set(root, "max_papers_error", ferr.msg);
        *bad = 1;
    } else if (n == 0) { /* this form always has the field */
        tmpl_set(root, "max_papers_error", "Please give a number of papers.");
        *bad = 1;
    }
    err_init(&ferr);
    if (subs_check_timezone(tz_name, &ferr) == -1) {
        tmpl_set(root, "timezone_error", ferr.msg);
        *bad = 1;
    }
    err_init(&ferr);
    if (subs_check_schedule(cadence, weekday, &c, &d, &ferr) == -1) {
        tmpl_set(root, "cadence_error", ferr.msg);
        *bad = 1;
    }
    if (*bad) {
        tmpl_set_bool(root, "has_errors", 1);
        return 0;
    }
    memset(&p, 0, sizeof(p));
    p.keywords = keywords;
    p.categories = categories;
    p.max_papers = n;
    p.timezone = tz_name;
    p.cadence = c; /* not posted (an older page): left as it is */
    p.weekday = d;
    pthread_mutex_lock(&r->h->write_lock);
    rc = sub_set_prefs(db, sub->id, &p, paused, r->now, err);
    pthread_mutex_unlock(&r->h->write_lock);
    return rc;
}

enum MHD_Result
http_page_preferences(struct http_req *r, const char *tok)
{
    struct db_subscription sub;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    int64_t issued;
    char mp[16];
    struct buf cats;

    err_init(&err);
    if (http_token_sub(r, tok, TOKEN_PREFERENCES, &db, &sub, &issued, &ret) ==
        -1)
        return ret;
    if (sub.status == DB_SUB_UNSUBSCRIBED || sub.status == DB_SUB_BOUNCED)
        return http_unsubscribed(r, db, &sub, tok, 1);
    root = http_sub_root(r, "Your preferences", &sub, tok);
    snprintf(mp, sizeof(mp), "%d", sub.max_papers);
    if (r->method != HTTP_M_POST)
        return http_prefs_stored(r, db, &sub, mp, root);

    /* POST: leave, or save */
    {
        const char *action = http_form_get(&r->form, "action");
        const char *kw = http_form_get(&r->form, "keywords");
        const char *mpv = http_form_get(&r->form, "max_papers");
        const char *tz = http_form_get(&r->form, "timezone");
        const char *cad = http_form_get(&r->form, "cadence");
        const char *wd = http_form_get(&r->form, "weekday");
        enum db_sub_cadence show_c = sub.cadence;
        int show_d = sub.weekday;
        int paused = http_form_get(&r->form, "paused") != NULL;
        int bad = 0;

        if (action && strcmp(action, "leave") == 0) {
            if (http_unsubscribe_now(r, db, sub.id, &err) == -1)
                return http_fail(r, &err, "preferences");
            return http_unsubscribed(r, db, &sub, tok, 0);
        }
        if (action && str_has_prefix(action, "vote_")) { /* http_votes.c */
            if (http_votes_prefs_post(r, db, &sub, action, root, &err) == -1)
                return http_fail(r, &err, "preferences");
            return http_prefs_stored(r, db, &sub, mp, root);
        }
        buf_init(&cats, DB_SUB_CATEGORIES_MAX * 2);
        for (size_t i = 0; i < r->form.n; i++) {
            if (strcmp(r->form.fields[i].name, "categories") != 0 ||
                r->form.fields[i].value_len == 0)
                continue;
            if (cats.len)
                buf_addc(&cats, ',');
            buf_adds(&cats, r->form.fields[i].value);
        }
        if (kw == NULL)
            kw = "";
        if (mpv == NULL)
            mpv = "";
        if (tz == NULL)
            tz = "";
        if (cats.failed) {
            buf_reset(&cats);
            tmpl_set(root, "categories_error", "Too many categories.");
            tmpl_set_bool(root, "has_errors", 1);
            bad = 1;
        }
        if (!bad && http_prefs_save(r, db, &sub, kw, buf_str(&cats), mpv, tz,
                                    cad, wd, paused, root, &bad, &err) == -1) {
            buf_release(&cats);
            return http_fail(r, &err, "preferences");
        }
        /* the page shows what was posted where it is valid */
        if (subs_check_cadence(cad, &show_c, NULL) == -1 ||
            show_c == DB_SUB_CADENCE_UNSET)
            show_c = sub.cadence;
        if (subs_check_weekday(wd, &show_d, NULL) == -1 ||
            show_d == DB_SUB_NO_WEEKDAY)
            show_d = sub.weekday;
        http_prefs_fill(r, db, &sub, kw, buf_str(&cats), mpv, tz, show_c,
                        show_d, paused, root);
        http_votes_prefs_fill(db, &sub, root);
        buf_release(&cats);
        if (!bad)
            tmpl_set_bool(root, "saved", 1);
        return http_render(r, bad ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK,
                           HTTP_T_PREFERENCES, root);
    }
}

enum MHD_Result
http_page_digest(struct http_req *r, const char *tok)
{
    struct http_slot *s = r->slot;
    struct err err;
    struct db_digest_row row;
    struct buf b;
    int64_t id, issued;
    struct db *db;
    int found;

    err_init(&err);
    if (token_check(r->h->key, tok, TOKEN_VIEW, r->now, &id, &issued, &err) ==
        -1)
        return http_bad_token(r, err.msg);
    if ((db = http_db(r, &err)) == NULL)
        return http_fail(r, &err, "digest page");
    /* view tokens carry the digest's created_at: an older one was made
     * for a digest that is gone */
    found = db_digest_get(db, id, &row, &err);
    if (found == -1)
        return http_fail(r, &err, "digest page");
    if (found == 1 || issued < row.created_at)
        return http_error_page(r, MHD_HTTP_NOT_FOUND, "Digest not found",
                               "This digest no longer exists.");
    if (s->compose == NULL) {
        if (compose_new(r->cfg, r->h->key, &s->compose, &err) == -1)
            return http_fail(r, &err, "digest page");
        s->compose_gen = r->gen->id;
    }
    buf_init(&b, HTTP_PAGE_MAX * 4);
    if (compose_digest_page(s->compose, db, id, &b, &err) == -1) {
        buf_release(&b);
        if (err.kind == ERR_TEMP)
            return http_fail(r, &err, "digest page");
        return http_error_page(r, MHD_HTTP_NOT_FOUND, "Digest not found",
                               "This digest no longer exists.");
    }
    { /* the mail's inline styles, allowed by hash (http_view.c) */
        struct buf csp;
        buf_init(&csp, 16384);
        if (http_view_policy(buf_str(&b), b.len, &csp) == 0)
            r->csp = buf_detach(&csp);
        else
            log_warn("web: digest page: too many distinct inline styles "
                     "to allow; served with the site's policy");
        buf_release(&csp);
    }
    return http_send(r, MHD_HTTP_OK, "text/html; charset=utf-8", &b);
}
