/* SPDX-License-Identifier: MIT */
/*
 * fetch - the caller's side of fetching (see fetch.h): requests, options,
 * the rules both sides share (User-Agent, content types), and fetch_all(),
 * which hands the transfers to the paperboy-fetch program
 * (fetch_helper.c).  No libcurl here: only daemon/fetch/ links it.
 */
#include "fetch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch_helper.h"
#include "str.h"

/* the helper fetch_set_helper() named; NULL: fetch_helper_find()'s */
static const char *fetch_helper_exe;

void
fetch_opts_default(struct fetch_opts *o)
{
    o->connect_timeout = 15;
    o->timeout = 60;
    o->max_bytes = 32L * 1024 * 1024;
    o->retry_after_cap = FETCH_RETRY_AFTER_CAP;
    o->contact = "";
    o->stop = NULL;
}

void
fetch_req_init(struct fetch_req *r, const char *url, enum fetch_expect expect)
{
    memset(r, 0, sizeof(*r));
    r->url = url;
    r->expect = expect;
    buf_init(&r->body, BUF_UNLIMITED);
    err_init(&r->err);
}

void
fetch_req_release(struct fetch_req *r)
{
    buf_release(&r->body);
    free(r->new_etag);
    free(r->new_last_modified);
    r->new_etag = NULL;
    r->new_last_modified = NULL;
}

void
fetch_user_agent(const char *contact, char *out, size_t size)
{
    if (contact && *contact && !str_has_ctl(contact, strlen(contact)))
        snprintf(out, size, "paperboy/%s (+%s)", PAPERBOY_VERSION, contact);
    else
        snprintf(out, size, "paperboy/%s", PAPERBOY_VERSION);
}

int
fetch_type_ok(const char *ct, enum fetch_expect expect)
{
    char t[128];
    size_t n;

    if (ct == NULL || *ct == '\0' || expect == FETCH_ANY)
        return 1;
    n = strcspn(ct, "; \t");
    if (n >= sizeof(t))
        return 0;
    memcpy(t, ct, n);
    t[n] = '\0';
    str_lower(t);
    if (expect == FETCH_XML)
        return strcmp(t, "application/xml") == 0 ||
               strcmp(t, "text/xml") == 0 ||
               (n > 4 && strcmp(t + n - 4, "+xml") == 0);
    return strcmp(t, "application/json") == 0 || strcmp(t, "text/json") == 0 ||
           (n > 5 && strcmp(t + n - 5, "+json") == 0);
}

void
fetch_set_helper(const char *exe)
{
    fetch_helper_exe = exe;
}

int
fetch_all(struct fetch_req *reqs, size_t n, const struct fetch_opts *o)
{
    char exe[PATH_MAX];
    struct err err;

    if (n == 0)
        return 0;
    if (fetch_stop_requested(o->stop)) {
        /* before looking for the helper: a missing one is no error then */
        fetch_helper_stopped(reqs, n, 0);
        return -1;
    }
    err_init(&err);
    if (fetch_helper_exe != NULL)
        return fetch_helper_all(fetch_helper_exe, reqs, n, o);
    if (fetch_helper_find(exe, sizeof(exe), &err) == -1) {
        for (size_t i = 0; i < n; i++) {
            reqs[i].ok = 0;
            reqs[i].not_modified = 0;
            err_set(&reqs[i].err, err.kind, "'%s': %s", reqs[i].url, err.msg);
        }
        return -1;
    }
    return fetch_helper_all(exe, reqs, n, o);
}
