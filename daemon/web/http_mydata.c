/* SPDX-License-Identifier: MIT */
/*
 * http_mydata - a reader's own data, behind the preferences token:
 * GET /data/TOKEN downloads everything stored about the subscriber as a
 * JSON attachment (db_export_subscriber(), the same document as
 * `subscriber export-data`), and /erase/TOKEN deletes it (sub_erase(),
 * as `subscriber erase`): a GET only shows what would go and a button;
 * the POST from that button (with confirm=erase) erases.  Both act on
 * the subscriber (the address), not only the subscription the token
 * names.  Afterwards every old link finds no row and answers 404.
 */
#include <string.h>

#include "db_export.h"
#include "db_sub.h"
#include "http_int.h"
#include "log.h"
#include "subs.h"

enum MHD_Result
http_page_mydata(struct http_req *r, const char *tok)
{
    struct db_subscription sub;
    enum MHD_Result ret;
    struct err err;
    struct db *db;
    struct buf b;
    int64_t issued;
    int rc;

    if (http_token_sub(r, tok, TOKEN_PREFERENCES, &db, &sub, &issued, &ret) ==
        -1)
        return ret;
    err_init(&err);
    buf_init(&b, DB_EXPORT_MAX);
    rc = db_export_subscriber(db, sub.email, r->now, &b, &err);
    if (rc != 0) {
        buf_release(&b);
        if (rc == 1)
            err_set(&err, ERR_TEMP, "subscriber of subscription=%lld vanished",
                    (long long)sub.id);
        return http_fail(r, &err, "data download");
    }
    r->disposition = "attachment; filename=\"paperboy-data.json\"";
    return http_send(r, MHD_HTTP_OK, "application/json; charset=utf-8", &b);
}

/* http_erase_ask - the confirmation page: what would be deleted */
static enum MHD_Result
http_erase_ask(struct http_req *r, struct db *db,
               const struct db_subscription *sub, const char *tok,
               unsigned status)
{
    struct db_export_counts n;
    struct tmpl_obj *root;
    struct err err;

    err_init(&err);
    if (db_export_counts(db, sub->subscriber_id, &n, &err) == -1)
        return http_fail(r, &err, "erase page");
    root = http_root(r, "Delete everything");
    tmpl_set(root, "email", sub->email);
    tmpl_set(root, "token", tok);
    tmpl_setf(root, "subscriptions", "%lld", (long long)n.subscriptions);
    tmpl_setf(root, "digests", "%lld", (long long)n.digests);
    tmpl_setf(root, "votes", "%lld", (long long)n.votes);
    if (n.vote_requests > 0)
        tmpl_setf(root, "vote_requests", "%lld", (long long)n.vote_requests);
    return http_render(r, status, HTTP_T_ERASE, root);
}

enum MHD_Result
http_page_erase(struct http_req *r, const char *tok)
{
    struct db_subscription sub;
    struct subs_erased res;
    struct tmpl_obj *root;
    enum MHD_Result ret;
    const char *confirm;
    struct err err;
    struct db *db;
    int64_t issued;
    int rc;

    if (http_token_sub(r, tok, TOKEN_PREFERENCES, &db, &sub, &issued, &ret) ==
        -1)
        return ret;
    confirm = http_form_get(&r->form, "confirm");
    if (r->method != HTTP_M_POST)
        return http_erase_ask(r, db, &sub, tok, MHD_HTTP_OK);
    if (confirm == NULL || strcmp(confirm, "erase") != 0)
        return http_erase_ask(r, db, &sub, tok, MHD_HTTP_BAD_REQUEST);
    err_init(&err);
    pthread_mutex_lock(&r->h->write_lock);
    rc = sub_erase(db, r->h->key, sub.email, r->now, &res, &err);
    pthread_mutex_unlock(&r->h->write_lock);
    if (rc == -1)
        return http_fail(r, &err, "erase");
    if (rc == 0) /* no address in the log: it is what was erased */
        log_info("web: subscriber=%lld erased (%lld subscriptions)",
                 (long long)sub.subscriber_id,
                 (long long)res.rows.subscriptions);
    root = http_root(r, "Everything deleted");
    tmpl_set(root, "email", sub.email);
    tmpl_set_bool(root, "erased", 1);
    return http_render(r, MHD_HTTP_OK, HTTP_T_ERASE, root);
}
