/* SPDX-License-Identifier: MIT */
/*
 * http_manage - "manage my subscription": GET /manage is a form that
 * takes an address; POST /manage queues a mail to that address with the
 * preferences and unsubscribe links of its subscriptions
 * (outbox_enqueue_manage) and answers the same page whether the address
 * is known, unknown, unsubscribed or was sent one already today, so the
 * page tells nobody who subscribes.  Limits, as for confirmations: one
 * mail per address per 24 hours (the outbox), and the per-client bucket
 * of POST /subscribe ([web] subscribe_per_minute, shared with it).  Its
 * timing tells nothing either: the "check your inbox" answer comes no
 * sooner than [web] subscribe_answer_ms after the request reached the
 * handler, as POST /subscribe's does (queueing a mail for a known address
 * takes longer than finding none).  The handler's thread sleeps for it:
 * the per-client bucket bounds how many threads one client can hold so.
 * It does not change any subscription.
 */
#include <string.h>

#include "http_int.h"
#include "log.h"
#include "outbox.h"
#include "str.h"

#define HTTP_MANAGE_EMAIL_MAX 320 /* bytes typed into the email field */

/* http_manage_form - the form, with a field error when err_msg is set */
static enum MHD_Result
http_manage_form(struct http_req *r, unsigned status, const char *email,
                 const char *err_msg)
{
    struct tmpl_obj *root = http_root(r, "Manage your subscription");

    tmpl_set(root, "email", email);
    if (err_msg)
        tmpl_set(root, "email_error", err_msg);
    return http_render(r, status, HTTP_T_MANAGE, root);
}

/* http_manage_sent - the one answer every valid address gets, rendered
 * no sooner than the monotonic time answer_at_ms */
static enum MHD_Result
http_manage_sent(struct http_req *r, const char *email, int64_t answer_at_ms)
{
    struct tmpl_obj *root = http_root(r, "Check your inbox");

    http_hold_until(answer_at_ms);

    tmpl_set(root, "email", email);
    tmpl_set_bool(root, "sent", 1);
    return http_render(r, MHD_HTTP_OK, HTTP_T_MANAGE, root);
}

enum MHD_Result
http_page_manage(struct http_req *r)
{
    const char *in, *hp;
    char email[ADDR_SIZE], msg[512];
    struct db *db;
    struct err err;
    int queued = 0, rc;
    int64_t answer_at_ms = str_mono_ms() + r->cfg->subscribe_answer_ms;

    if (r->method != HTTP_M_POST)
        return http_manage_form(r, MHD_HTTP_OK, "", NULL);
    err_init(&err);
    if (r->cfg->subscribe_per_minute > 0) {
        int wait =
            http_rate_take(r->h, r->client, r->cfg->subscribe_per_minute);
        if (wait > 0) {
            r->retry_after = wait;
            return http_error_page(
                r, MHD_HTTP_TOO_MANY_REQUESTS, "Too many requests",
                "You sent this form too often. Please wait a minute and try "
                "again.");
        }
    }
    in = http_form_get(&r->form, "email");
    if (in == NULL || *in == '\0')
        return http_manage_form(r, MHD_HTTP_BAD_REQUEST, "",
                                "Please enter your email address.");
    if (strlen(in) > HTTP_MANAGE_EMAIL_MAX || str_has_ctl(in, strlen(in)))
        return http_manage_form(r, MHD_HTTP_BAD_REQUEST, "",
                                "This does not look like an email address.");
    if (addr_normalize(in, email, sizeof(email), &err) == -1) {
        snprintf(msg, sizeof(msg),
                 "This does not look like an email address: %s.", err.msg);
        return http_manage_form(r, MHD_HTTP_BAD_REQUEST, in, msg);
    }
    hp = http_form_get(&r->form, "website");
    if (hp && *hp) {
        log_info("web: manage: honeypot filled, ignored");
        return http_manage_sent(r, email, answer_at_ms);
    }
    if ((db = http_db(r, &err)) == NULL)
        return http_fail(r, &err, "manage");
    pthread_mutex_lock(&r->h->write_lock);
    rc = outbox_enqueue_manage(db, r->cfg, email, r->now, &queued, &err);
    pthread_mutex_unlock(&r->h->write_lock);
    if (rc == -1)
        return http_fail(r, &err, "manage");
    if (queued && r->h->wake)
        r->h->wake(r->h->wake_arg);
    return http_manage_sent(r, email, answer_at_ms);
}
