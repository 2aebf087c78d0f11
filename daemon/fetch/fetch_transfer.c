/* SPDX-License-Identifier: MIT */
/*
 * fetch_transfer - the transfers of paperboy-fetch: parallel HTTP(S)/file
 * fetching on libcurl's multi interface (the rules are fetch.h's).  The
 * loop is ours rather than libcurl's host queue so that a transfer's
 * timeout starts when it really starts, and so retries can wait
 * (Retry-After, backoff) without blocking the other hosts.  Runs only in
 * the helper program; nothing else links libcurl.
 */
#include "fetch_transfer.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "backoff.h"
#include "str.h"
#include "xalloc.h"

enum fetch_state {
    FETCH_WAITING = 0, /* not started, or waiting to retry */
    FETCH_RUNNING = 1, /* in the multi handle */
    FETCH_DONE = 2,    /* finished, ok or not */
};

/* Per-request transfer state. */
struct fetch_xfer {
    struct fetch_req *r;
    const struct fetch_opts *o;
    CURL *h;                 /* the easy handle while running */
    struct curl_slist *hdrs; /* request headers while running */
    enum fetch_state state;
    int64_t not_before_ms; /* monotonic ms before which not to start */
    int64_t started_ms;    /* monotonic ms of the first attempt */
    int too_big;           /* the write callback hit max_bytes */
    long retry_after;      /* seconds from Retry-After, -1 if none */
    char host[256];        /* scheme://host:port, for one-per-host */
    char errbuf[CURL_ERROR_SIZE];
};

/* fetch_write - body callback: append, or stop at the size cap */
static size_t
fetch_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct fetch_xfer *x = ud;
    size_t n = size * nmemb;

    if (x->r->body.len + n > (size_t)x->o->max_bytes) {
        x->too_big = 1;
        return 0; /* CURLE_WRITE_ERROR */
    }
    buf_add(&x->r->body, p, n);
    return n;
}

/* fetch_header_value - copy the value of "Name: value\r\n" if name matches */
static char *
fetch_header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    const char *v, *end;

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    v = line + k + 1;
    end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    if (end == v || end - v > 512 || str_has_ctl(v, (size_t)(end - v)))
        return NULL;
    return xstrndup(v, (size_t)(end - v));
}

/* fetch_header - header callback: remember ETag, Last-Modified and
 * Retry-After of the final response */
static size_t
fetch_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct fetch_xfer *x = ud;
    size_t n = size * nmemb;
    char *v;

    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or 100): forget the old one */
        free(x->r->new_etag);
        free(x->r->new_last_modified);
        x->r->new_etag = NULL;
        x->r->new_last_modified = NULL;
        x->retry_after = -1;
        return n;
    }
    if ((v = fetch_header_value(p, n, "ETag")) != NULL) {
        free(x->r->new_etag);
        x->r->new_etag = v;
    } else if ((v = fetch_header_value(p, n, "Last-Modified")) != NULL) {
        free(x->r->new_last_modified);
        x->r->new_last_modified = v;
    } else if ((v = fetch_header_value(p, n, "Retry-After")) != NULL) {
        long secs;
        if (str_to_long(v, 0, 86400L * 365, &secs) == 0) {
            x->retry_after = secs;
        } else {
            time_t when = curl_getdate(v, NULL);
            time_t now = time(NULL);
            if (when != (time_t)-1)
                x->retry_after = when > now ? (long)(when - now) : 0;
        }
        free(v);
    }
    return n;
}

/* fetch_host_key - "scheme://host[:port]" of url, for one-per-host */
static void
fetch_host_key(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    size_t n;

    if (p == NULL) {
        str_copy(out, size, url);
        return;
    }
    p += 3;
    n = (size_t)(p - url) + strcspn(p, "/?#");
    if (n >= size)
        n = size - 1;
    memcpy(out, url, n);
    out[n] = '\0';
    str_lower(out);
}

/* fetch_start - set up an easy handle for x and add it to multi */
static int
fetch_start(CURLM *multi, struct fetch_xfer *x)
{
    const struct fetch_opts *o = x->o;
    struct fetch_req *r = x->r;
    char ua[300], line[700];
    long stall;

    x->h = curl_easy_init();
    if (x->h == NULL)
        return -1;
    buf_reset(&r->body);
    x->too_big = 0;
    x->retry_after = -1;
    x->errbuf[0] = '\0';
    fetch_user_agent(o->contact, ua, sizeof(ua));
    stall = o->timeout / 2;
    if (stall > FETCH_STALL_SECONDS)
        stall = FETCH_STALL_SECONDS;
    if (stall < 1)
        stall = 1;
    curl_easy_setopt(x->h, CURLOPT_URL, r->url);
    curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(x->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(x->h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
    curl_easy_setopt(x->h, CURLOPT_TIMEOUT, o->timeout);
    curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_TIME, stall);
    curl_easy_setopt(x->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(x->h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(x->h, CURLOPT_USERAGENT, ua);
    curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, fetch_header);
    curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
    x->hdrs = curl_slist_append(
        NULL, r->expect == FETCH_JSON
                  ? "Accept: application/json"
                  : "Accept: application/atom+xml, application/rss+xml, "
                    "application/xml;q=0.9, text/xml;q=0.8");
    if (r->etag && *r->etag && !str_has_ctl(r->etag, strlen(r->etag)) &&
        strlen(r->etag) < 512) {
        snprintf(line, sizeof(line), "If-None-Match: %s", r->etag);
        x->hdrs = curl_slist_append(x->hdrs, line);
    }
    if (r->last_modified && *r->last_modified &&
        !str_has_ctl(r->last_modified, strlen(r->last_modified)) &&
        strlen(r->last_modified) < 512) {
        snprintf(line, sizeof(line), "If-Modified-Since: %s", r->last_modified);
        x->hdrs = curl_slist_append(x->hdrs, line);
    }
    curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
    if (curl_multi_add_handle(multi, x->h) != CURLM_OK) {
        curl_easy_cleanup(x->h);
        x->h = NULL;
        curl_slist_free_all(x->hdrs);
        x->hdrs = NULL;
        return -1;
    }
    r->attempts++;
    x->state = FETCH_RUNNING;
    return 0;
}

/* fetch_backoff_ms - delay before retry number n (1-based): FETCH_RETRY,
 * whose first delay $PAPERBOY_FETCH_BACKOFF_MS replaces (tests) */
static int64_t
fetch_backoff_ms(int n)
{
    const char *env = getenv("PAPERBOY_FETCH_BACKOFF_MS");
    struct backoff p = FETCH_RETRY;
    long first;

    if (env != NULL && str_to_long(env, 0, 60000, &first) == 0) {
        p.first = first;
        p.cap = first << FETCH_MAX_RETRIES;
    }
    return backoff_delay(&p, n);
}

/* fetch_retryable_curl - a curl error worth another attempt */
static int
fetch_retryable_curl(CURLcode c)
{
    return c == CURLE_OPERATION_TIMEDOUT || c == CURLE_COULDNT_CONNECT ||
           c == CURLE_COULDNT_RESOLVE_HOST || c == CURLE_RECV_ERROR ||
           c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING ||
           c == CURLE_PARTIAL_FILE || c == CURLE_HTTP2 ||
           c == CURLE_HTTP2_STREAM;
}

/* fetch_finish - judge one finished attempt: done, or schedule a retry */
static void
fetch_finish(CURLM *multi, struct fetch_xfer *x, CURLcode res)
{
    struct fetch_req *r = x->r;
    const char *ct = NULL;
    long status = 0;
    int retry = 0;
    int64_t delay = 0;

    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(x->h, CURLINFO_CONTENT_TYPE, &ct);
    r->status = status;
    str_copy(r->content_type, sizeof(r->content_type), ct ? ct : "");
    err_init(&r->err);
    if (x->too_big || res == CURLE_FILESIZE_EXCEEDED) {
        err_set(&r->err, ERR_PERM,
                "'%s': response larger than max_bytes (%ld bytes), aborted",
                r->url, x->o->max_bytes);
    } else if (res != CURLE_OK) {
        const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(res);
        char detail[CURL_ERROR_SIZE + 64];
        if (res == CURLE_OPERATION_TIMEDOUT && r->body.len > 0) {
            /* the low-speed check or the total timeout fired mid-body */
            snprintf(detail, sizeof(detail), "transfer stalled mid-body: %s",
                     why);
            why = detail;
        }
        retry = fetch_retryable_curl(res);
        err_set(&r->err,
                res == CURLE_FILE_COULDNT_READ_FILE ||
                        res == CURLE_UNSUPPORTED_PROTOCOL ||
                        res == CURLE_URL_MALFORMAT ||
                        res == CURLE_TOO_MANY_REDIRECTS
                    ? ERR_PERM
                    : ERR_TEMP,
                "'%s': %s", r->url, why);
        delay = fetch_backoff_ms(r->attempts);
    } else if (status == 304) {
        r->ok = 1;
        r->not_modified = 1;
        buf_reset(&r->body);
    } else if (status == 0 || (status >= 200 && status < 300)) {
        if (!fetch_type_ok(r->content_type, r->expect))
            err_set(&r->err, ERR_PERM,
                    "'%s': unexpected content type '%s' (expected %s)", r->url,
                    r->content_type, r->expect == FETCH_JSON ? "JSON" : "XML");
        else
            r->ok = 1;
    } else if (status == 429 || status == 503) {
        retry = 1;
        err_set(&r->err, ERR_TEMP, "'%s': HTTP %ld%s", r->url, status,
                x->retry_after >= 0 ? " (Retry-After)" : "");
        if (x->retry_after >= 0)
            delay = (int64_t)(x->retry_after < x->o->retry_after_cap
                                  ? x->retry_after
                                  : x->o->retry_after_cap) *
                    1000;
        else
            delay = fetch_backoff_ms(r->attempts);
    } else if (status >= 500) {
        retry = 1;
        err_set(&r->err, ERR_TEMP, "'%s': HTTP %ld", r->url, status);
        delay = fetch_backoff_ms(r->attempts);
    } else {
        err_set(&r->err, ERR_PERM, "'%s': HTTP %ld", r->url, status);
    }
    curl_multi_remove_handle(multi, x->h);
    curl_easy_cleanup(x->h);
    x->h = NULL;
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    if (!r->ok && retry && r->attempts <= FETCH_MAX_RETRIES) {
        x->state = FETCH_WAITING;
        x->not_before_ms = str_mono_ms() + delay;
        return;
    }
    if (!r->ok) {
        buf_reset(&r->body);
        if (r->attempts > 1) {
            size_t k = strlen(r->err.msg);
            snprintf(r->err.msg + k, sizeof(r->err.msg) - k,
                     " (after %d attempts)", r->attempts);
        }
    }
    r->elapsed_ms = (long)(str_mono_ms() - x->started_ms);
    x->state = FETCH_DONE;
}

/* fetch_host_busy - 1 if another transfer to the same host is running */
static int
fetch_host_busy(const struct fetch_xfer *xs, size_t n, size_t me)
{
    for (size_t i = 0; i < n; i++)
        if (i != me && xs[i].state == FETCH_RUNNING &&
            strcmp(xs[i].host, xs[me].host) == 0)
            return 1;
    return 0;
}

/* fetch_parent_gone - 1 once the other end of the socket fd is closed:
 * paperboy died (or gave up) and nobody will read the results.  Asked
 * for no event, poll() still reports the hang-up; the EOF that
 * paperboy's shutdown(SHUT_WR) after the job left is not one. */
static int
fetch_parent_gone(int fd)
{
    struct pollfd p = {fd, 0, 0};

    return fd >= 0 && poll(&p, 1, 0) == 1 &&
           (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int
fetch_transfer_all(struct fetch_req *reqs, size_t n, const struct fetch_opts *o,
                   int parent_fd)
{
    struct curl_waitfd watch = {parent_fd, 0, 0};
    struct fetch_xfer *xs;
    CURLM *multi;
    size_t done = 0;
    int rc = 0;

    if (n == 0)
        return 0;
    xs = xcalloc(n, sizeof(*xs));
    multi = curl_multi_init();
    if (multi == NULL) {
        for (size_t i = 0; i < n; i++)
            err_set(&reqs[i].err, ERR_TEMP, "'%s': cannot start libcurl",
                    reqs[i].url);
        free(xs);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        xs[i].r = &reqs[i];
        xs[i].o = o;
        xs[i].started_ms = str_mono_ms();
        fetch_host_key(reqs[i].url, xs[i].host, sizeof(xs[i].host));
        reqs[i].ok = 0;
        reqs[i].not_modified = 0;
        reqs[i].attempts = 0;
        if (str_has_ctl(reqs[i].url, strlen(reqs[i].url)) ||
            strchr(reqs[i].url, ' ') != NULL) {
            err_set(&reqs[i].err, ERR_PERM, "'%s': bad URL", reqs[i].url);
            xs[i].state = FETCH_DONE;
            done++;
        }
    }
    while (done < n) {
        int64_t now = str_mono_ms(), wait = 1000;
        int running = 0;
        CURLMsg *msg;
        int left;

        for (size_t i = 0; i < n; i++) {
            if (xs[i].state != FETCH_WAITING)
                continue;
            if (xs[i].not_before_ms > now) {
                if (xs[i].not_before_ms - now < wait)
                    wait = xs[i].not_before_ms - now;
                continue;
            }
            if (fetch_host_busy(xs, n, i))
                continue;
            if (fetch_start(multi, &xs[i]) == -1) {
                err_set(&reqs[i].err, ERR_TEMP, "'%s': cannot start transfer",
                        reqs[i].url);
                xs[i].state = FETCH_DONE;
                done++;
            }
        }
        curl_multi_perform(multi, &running);
        while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
            struct fetch_xfer *x = NULL;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            if (x == NULL)
                continue;
            fetch_finish(multi, x, msg->data.result);
            if (x->state == FETCH_DONE)
                done++;
            wait = 0; /* something may start now */
        }
        if (done < n && wait > 0)
            curl_multi_poll(multi, &watch, parent_fd >= 0 ? 1 : 0, (int)wait,
                            NULL);
        /* paperboy is gone and nobody reads the results: exit at once,
         * without cleaning up (curl_easy_cleanup() can wait for a
         * threaded DNS lookup to end) */
        if (done < n && fetch_parent_gone(parent_fd))
            _exit(FETCH_TRANSFER_ABANDONED);
    }
    for (size_t i = 0; i < n; i++)
        if (!reqs[i].ok)
            rc = -1;
    curl_multi_cleanup(multi);
    free(xs);
    return rc;
}
