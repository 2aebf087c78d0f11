/* SPDX-License-Identifier: MIT */
/*
 * fetch_helper - both ends of the out-of-process fetch (see
 * fetch_helper.h): the daemon's side spawns the child and turns its
 * answer back into fetch_req results; the child's side is
 * fetch_helper_main().  Knows nothing about HTTP itself.
 */
#include "fetch_helper.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "str.h"
#include "xalloc.h"

extern char **environ;

#define FETCH_HELPER_REQ_MAX (4L * 1024 * 1024) /* request message, bytes */
#define FETCH_HELPER_SLACK (64L * 1024) /* per-request answer overhead */

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
static int
fetch_helper_write(int fd, int sock, const struct buf *b)
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

/* fetch_helper_read - read fd to EOF into b; 0, or -1 (errno, or b full) */
static int
fetch_helper_read(int fd, struct buf *b)
{
    char chunk[65536];

    for (;;) {
        ssize_t k = read(fd, chunk, sizeof(chunk));
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

/* fetch_helper_spawn - start exe as the helper with stdin and stdout on
 * the socket fd; signals as a new process has them */
static int
fetch_helper_spawn(const char *exe, int fd, pid_t *pid, struct err *err)
{
    static char arg0[] = "paperboy", arg1[] = FETCH_HELPER_ARG;
    char *argv[] = {arg0, arg1, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    int e;

    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE); /* the daemon ignores it */
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGHUP);
    sigaddset(&dfl, SIGUSR1);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigmask(&at, &none); /* serve blocks its signals */
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setflags(&at,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    e = posix_spawn(pid, exe, &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        err_set(err, ERR_TEMP, "cannot start the fetch helper '%s': %s", exe,
                strerror(e));
        return -1;
    }
    return 0;
}

/* fetch_helper_decode - the child's answer into reqs; -1 if malformed */
static int
fetch_helper_decode(const struct buf *ans, struct fetch_req *reqs, size_t n)
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

int
fetch_helper_all(const char *exe, struct fetch_req *reqs, size_t n,
                 const struct fetch_opts *o)
{
    struct buf msg, ans;
    struct err err;
    int sv[2] = {-1, -1}; /* ours, the child's stdin and stdout */
    pid_t pid;
    int rc = -1, status, read_errno = 0;

    buf_init(&msg, FETCH_HELPER_REQ_MAX);
    buf_init(&ans, n * ((size_t)o->max_bytes + FETCH_HELPER_SLACK) +
                       FETCH_HELPER_SLACK);
    err_init(&err);
    fetch_wire_long(&msg, o->connect_timeout);
    fetch_wire_long(&msg, o->timeout);
    fetch_wire_long(&msg, o->max_bytes);
    fetch_wire_long(&msg, o->retry_after_cap);
    fetch_wire_str(&msg, o->contact);
    fetch_wire_long(&msg, (long)n);
    for (size_t i = 0; i < n; i++) {
        fetch_wire_long(&msg, (long)reqs[i].expect);
        fetch_wire_str(&msg, reqs[i].url);
        fetch_wire_str(&msg, reqs[i].etag);
        fetch_wire_str(&msg, reqs[i].last_modified);
    }
    if (buf_check(&msg, &err) == -1)
        goto out;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
        err_set(&err, ERR_TEMP, "fetch helper: socketpair: %s",
                strerror(errno));
        goto out;
    }
    if (fetch_helper_spawn(exe, sv[1], &pid, &err) == -1)
        goto out;
    close(sv[1]);
    sv[1] = -1;
    /* the child reads the whole request (to our shutdown) before it
     * answers; a failed send means it died, which waitpid() reports */
    (void)fetch_helper_write(sv[0], 1, &msg);
    shutdown(sv[0], SHUT_WR);
    if (fetch_helper_read(sv[0], &ans) == -1)
        read_errno = ans.failed ? EMSGSIZE : errno;
    close(sv[0]); /* a child still writing gets EPIPE and ends */
    sv[0] = -1;
    while (waitpid(pid, &status, 0) == -1)
        if (errno != EINTR) {
            status = -1;
            break;
        }
    /* how the child ended says more than what that did to the socket */
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (status != -1 && WIFSIGNALED(status))
            err_set(&err, ERR_TEMP, "fetch helper killed by signal %d",
                    WTERMSIG(status));
        else
            err_set(&err, ERR_TEMP, "fetch helper failed (status %d)",
                    status == -1 ? -1 : WEXITSTATUS(status));
        goto out;
    }
    if (read_errno != 0) {
        err_set(&err, ERR_TEMP, "fetch helper: reading its answer: %s",
                strerror(read_errno));
        goto out;
    }
    if (fetch_helper_decode(&ans, reqs, n) == -1) {
        err_set(&err, ERR_TEMP, "fetch helper: malformed answer");
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < n; i++)
        if (!reqs[i].ok)
            rc = -1;
out:
    if (err.msg[0] != '\0') {
        for (size_t i = 0; i < n; i++) {
            reqs[i].ok = 0;
            reqs[i].not_modified = 0;
            buf_reset(&reqs[i].body);
            err_set(&reqs[i].err, err.kind, "'%s': %s", reqs[i].url, err.msg);
        }
        rc = -1;
    }
    for (int k = 0; k < 2; k++)
        if (sv[k] >= 0)
            close(sv[k]);
    buf_release(&msg);
    buf_release(&ans);
    return rc;
}

int
fetch_helper_main(void)
{
    struct buf msg, ans;
    struct fetch_wire w;
    struct fetch_opts o;
    struct fetch_req *reqs = NULL;
    char **strs = NULL;   /* what reqs borrow: url, etag, last_modified */
    char *contact = NULL; /* what o borrows */
    size_t n = 0, nreqs = 0;
    int rc = 1;

    /* die with the daemon thread that started us; inherit no stray fds */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    close_range(3, ~0U, 0);
    buf_init(&msg, FETCH_HELPER_REQ_MAX);
    buf_init(&ans, BUF_UNLIMITED);
    if (fetch_helper_read(STDIN_FILENO, &msg) == -1 || msg.len == 0)
        goto out;
    w.p = msg.data;
    w.left = msg.len;
    w.bad = 0;
    fetch_opts_default(&o);
    o.connect_timeout = fetch_wire_get_long(&w);
    o.timeout = fetch_wire_get_long(&w);
    o.max_bytes = fetch_wire_get_long(&w);
    o.retry_after_cap = fetch_wire_get_long(&w);
    contact = fetch_wire_get_str(&w);
    o.contact = contact ? contact : "";
    n = (size_t)fetch_wire_get_long(&w);
    if (w.bad || n == 0 || n > FETCH_HELPER_REQ_MAX / 16)
        goto out;
    reqs = xcalloc(n, sizeof(*reqs));
    strs = xcalloc(3 * n, sizeof(*strs));
    nreqs = n;
    for (size_t i = 0; i < n; i++) {
        long expect = fetch_wire_get_long(&w);
        char **s = strs + 3 * i;
        s[0] = fetch_wire_get_str(&w);
        s[1] = fetch_wire_get_str(&w);
        s[2] = fetch_wire_get_str(&w);
        fetch_req_init(&reqs[i], s[0] ? s[0] : "",
                       expect == FETCH_JSON  ? FETCH_JSON
                       : expect == FETCH_XML ? FETCH_XML
                                             : FETCH_ANY);
        reqs[i].etag = s[1];
        reqs[i].last_modified = s[2];
    }
    if (w.bad || w.left != 0)
        goto out;
    (void)fetch_all_here(reqs, n, &o);
    fetch_wire_long(&ans, (long)n);
    for (size_t i = 0; i < n; i++) {
        const struct fetch_req *r = &reqs[i];
        fetch_wire_long(&ans, r->ok);
        fetch_wire_long(&ans, r->not_modified);
        fetch_wire_long(&ans, r->status);
        fetch_wire_long(&ans, r->attempts);
        fetch_wire_long(&ans, r->elapsed_ms);
        fetch_wire_long(&ans, (long)r->err.kind);
        fetch_wire_str(&ans, r->err.msg);
        fetch_wire_str(&ans, r->content_type);
        fetch_wire_str(&ans, r->new_etag);
        fetch_wire_str(&ans, r->new_last_modified);
        fetch_wire_mem(&ans, r->body.data ? r->body.data : "", r->body.len);
    }
    if (!ans.failed && fetch_helper_write(STDOUT_FILENO, 0, &ans) == 0)
        rc = 0;
out:
    for (size_t i = 0; i < nreqs; i++) {
        fetch_req_release(&reqs[i]);
        free(strs[3 * i]);
        free(strs[3 * i + 1]);
        free(strs[3 * i + 2]);
    }
    free(reqs);
    free(strs);
    free(contact);
    buf_release(&msg);
    buf_release(&ans);
    return rc;
}
