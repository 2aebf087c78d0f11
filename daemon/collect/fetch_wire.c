/* SPDX-License-Identifier: MIT */
/*
 * fetch_wire - the fetch helper's protocol, both ends (see fetch_wire.h):
 * encoding and decoding a job and its results, and moving a whole
 * message over a descriptor.  Knows nothing about HTTP or processes.
 */
#include "fetch_wire.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "str.h"
#include "xalloc.h"

/* A reader over a received message. */
struct fetch_wire {
    const char *p; /* next byte */
    size_t left;   /* bytes after p */
    int bad;       /* set at the first malformed value; sticky */
};

/* fetch_wire_long - append the number v */
static void
fetch_wire_long(struct buf *b, long v)
{
    buf_addf(b, "%ld;", v);
}

/* fetch_wire_mem - append n bytes at p */
static void
fetch_wire_mem(struct buf *b, const char *p, size_t n)
{
    buf_addf(b, "%zu:", n);
    buf_add(b, p, n);
}

/* fetch_wire_str - append the string s, or NULL */
static void
fetch_wire_str(struct buf *b, const char *s)
{
    if (s == NULL)
        buf_adds(b, "-1:");
    else
        fetch_wire_mem(b, s, strlen(s));
}

/* fetch_wire_num - read a decimal ended by sep */
static long
fetch_wire_num(struct fetch_wire *w, char sep)
{
    char tmp[32];
    size_t k = 0;
    long v;

    if (w->bad)
        return 0;
    while (k < w->left && k < sizeof(tmp) - 1 && w->p[k] != sep) {
        tmp[k] = w->p[k];
        k++;
    }
    tmp[k] = '\0';
    if (k == w->left || w->p[k] != sep ||
        str_to_long(tmp, -1, LONG_MAX, &v) == -1) {
        w->bad = 1;
        return 0;
    }
    w->p += k + 1;
    w->left -= k + 1;
    return v;
}

/* fetch_wire_get_long - read a number */
static long
fetch_wire_get_long(struct fetch_wire *w)
{
    return fetch_wire_num(w, ';');
}

/* fetch_wire_get_mem - read bytes: borrowed from the message, *n long;
 * NULL for a NULL string or a malformed one */
static const char *
fetch_wire_get_mem(struct fetch_wire *w, size_t *n)
{
    long len = fetch_wire_num(w, ':');
    const char *p;

    *n = 0;
    if (w->bad || len == -1)
        return NULL;
    if ((unsigned long)len > w->left) {
        w->bad = 1;
        return NULL;
    }
    p = w->p;
    w->p += len;
    w->left -= (size_t)len;
    *n = (size_t)len;
    return p;
}

/* fetch_wire_get_str - read a string; caller frees; NULL for NULL (or a
 * string with a NUL inside, which marks the message bad) */
static char *
fetch_wire_get_str(struct fetch_wire *w)
{
    size_t n;
    const char *p = fetch_wire_get_mem(w, &n);

    if (p == NULL)
        return NULL;
    if (memchr(p, '\0', n) != NULL) {
        w->bad = 1;
        return NULL;
    }
    return xstrndup(p, n);
}

/* fetch_helper_write - write all of b to fd (a socket when sock: no
 * SIGPIPE if the other end is gone); 0 or -1 (errno) */
int
fetch_wire_send(int fd, int sock, const struct buf *b)
{
    const char *p = b->data;
    size_t left = b->len;

    while (left > 0) {
        ssize_t k = sock ? send(fd, p, left, MSG_NOSIGNAL) : write(fd, p, left);
        if (k == -1 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        left -= (size_t)k;
    }
    return 0;
}

/* fetch_wire_recv - read fd to EOF into b (fetch_wire.h) */
int
fetch_wire_recv(int fd, struct buf *b, const volatile sig_atomic_t *stop)
{
    char chunk[65536];
    struct pollfd p = {fd, POLLIN, 0};

    for (;;) {
        ssize_t k;
        int ready;

        if (fetch_stop_requested(stop))
            return 1;
        ready = poll(&p, 1, stop != NULL ? FETCH_STOP_POLL_MS : -1);
        if (ready == -1 && errno != EINTR)
            return -1;
        if (ready <= 0)
            continue; /* a timeout or a signal: look at the flag again */
        k = read(fd, chunk, sizeof(chunk));
        if (k == -1 && errno == EINTR)
            continue;
        if (k == -1)
            return -1;
        if (k == 0)
            return b->failed ? -1 : 0;
        buf_add(b, chunk, (size_t)k);
        if (b->failed)
            return -1;
    }
}

void
fetch_wire_put_job(struct buf *b, const struct fetch_req *reqs, size_t n,
                   const struct fetch_opts *o)
{
    fetch_wire_long(b, o->connect_timeout);
    fetch_wire_long(b, o->timeout);
    fetch_wire_long(b, o->max_bytes);
    fetch_wire_long(b, o->retry_after_cap);
    fetch_wire_str(b, o->contact);
    fetch_wire_long(b, (long)n);
    for (size_t i = 0; i < n; i++) {
        fetch_wire_long(b, (long)reqs[i].expect);
        fetch_wire_str(b, reqs[i].url);
        fetch_wire_str(b, reqs[i].etag);
        fetch_wire_str(b, reqs[i].last_modified);
    }
}

int
fetch_wire_get_job(const struct buf *msg, struct fetch_wire_job *job)
{
    struct fetch_wire w = {msg->data, msg->len, 0};
    size_t n;

    memset(job, 0, sizeof(*job));
    if (msg->len == 0)
        return -1;
    fetch_opts_default(&job->o);
    job->o.connect_timeout = fetch_wire_get_long(&w);
    job->o.timeout = fetch_wire_get_long(&w);
    job->o.max_bytes = fetch_wire_get_long(&w);
    job->o.retry_after_cap = fetch_wire_get_long(&w);
    job->contact = fetch_wire_get_str(&w);
    job->o.contact = job->contact ? job->contact : "";
    n = (size_t)fetch_wire_get_long(&w);
    if (w.bad || n == 0 || n > FETCH_WIRE_JOB_MAX / 16)
        return -1;
    job->reqs = xcalloc(n, sizeof(*job->reqs));
    job->strs = xcalloc(3 * n, sizeof(*job->strs));
    job->n = n;
    for (size_t i = 0; i < n; i++) {
        long expect = fetch_wire_get_long(&w);
        char **s = job->strs + 3 * i;
        s[0] = fetch_wire_get_str(&w);
        s[1] = fetch_wire_get_str(&w);
        s[2] = fetch_wire_get_str(&w);
        fetch_req_init(&job->reqs[i], s[0] ? s[0] : "",
                       expect == FETCH_JSON  ? FETCH_JSON
                       : expect == FETCH_XML ? FETCH_XML
                                             : FETCH_ANY);
        job->reqs[i].etag = s[1];
        job->reqs[i].last_modified = s[2];
    }
    return w.bad || w.left != 0 ? -1 : 0;
}

void
fetch_wire_job_release(struct fetch_wire_job *job)
{
    for (size_t i = 0; i < job->n; i++) {
        fetch_req_release(&job->reqs[i]);
        free(job->strs[3 * i]);
        free(job->strs[3 * i + 1]);
        free(job->strs[3 * i + 2]);
    }
    free(job->reqs);
    free(job->strs);
    free(job->contact);
    memset(job, 0, sizeof(*job));
}

void
fetch_wire_put_results(struct buf *b, const struct fetch_req *reqs, size_t n)
{
    fetch_wire_long(b, (long)n);
    for (size_t i = 0; i < n; i++) {
        const struct fetch_req *r = &reqs[i];
        fetch_wire_long(b, r->ok);
        fetch_wire_long(b, r->not_modified);
        fetch_wire_long(b, r->status);
        fetch_wire_long(b, r->attempts);
        fetch_wire_long(b, r->elapsed_ms);
        fetch_wire_long(b, (long)r->err.kind);
        fetch_wire_str(b, r->err.msg);
        fetch_wire_str(b, r->content_type);
        fetch_wire_str(b, r->new_etag);
        fetch_wire_str(b, r->new_last_modified);
        fetch_wire_mem(b, r->body.data ? r->body.data : "", r->body.len);
    }
}

int
fetch_wire_get_results(const struct buf *ans, struct fetch_req *reqs, size_t n)
{
    struct fetch_wire w = {ans->data, ans->len, 0};

    if ((size_t)fetch_wire_get_long(&w) != n || w.bad)
        return -1;
    for (size_t i = 0; i < n && !w.bad; i++) {
        struct fetch_req *r = &reqs[i];
        const char *body;
        size_t len;
        char *s;

        r->ok = fetch_wire_get_long(&w) == 1;
        r->not_modified = fetch_wire_get_long(&w) == 1;
        r->status = fetch_wire_get_long(&w);
        r->attempts = (int)fetch_wire_get_long(&w);
        r->elapsed_ms = fetch_wire_get_long(&w);
        err_init(&r->err);
        r->err.kind = (enum err_kind)fetch_wire_get_long(&w);
        s = fetch_wire_get_str(&w);
        str_copy(r->err.msg, sizeof(r->err.msg), s ? s : "");
        free(s);
        s = fetch_wire_get_str(&w);
        str_copy(r->content_type, sizeof(r->content_type), s ? s : "");
        free(s);
        free(r->new_etag);
        r->new_etag = fetch_wire_get_str(&w);
        free(r->new_last_modified);
        r->new_last_modified = fetch_wire_get_str(&w);
        buf_reset(&r->body);
        body = fetch_wire_get_mem(&w, &len);
        if (body != NULL)
            buf_add(&r->body, body, len);
    }
    return w.bad || w.left != 0 ? -1 : 0;
}
