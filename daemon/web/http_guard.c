/* SPDX-License-Identifier: MIT */
/*
 * http_guard - what keeps slow or greedy clients from taking the web
 * server: a limit on the connections one client holds at once ([web]
 * max_connections_per_client; a client is an IPv4 address or an IPv6 /64,
 * see http_client_key()) and a deadline for reading each request's head
 * and body ([web] request_deadline) that trickled bytes do not extend.
 *
 * libmicrohttpd's own per-IP limit compares whole addresses and its
 * timeout is an idle timer every byte resets, so neither does this job.
 * Here the accept policy callback refuses a client at its limit, the
 * connection notifications keep the count, and a reaper thread shuts down
 * (shutdown(2)) the socket of a connection whose request is not in by its
 * deadline; libmicrohttpd then reads the end of the stream and closes the
 * connection itself.  The deadline runs from the moment a connection is
 * accepted or its previous response is done until the access handler has
 * the whole request, so an idle keep-alive connection is cut after the
 * deadline too.  Connections from [web] trusted_proxies are not counted
 * by their address: each request they carry is counted for the forwarded
 * client instead, while it is read and answered.
 *
 * Invariant: a connection's entry is unlinked (under g->lock) in the
 * CLOSED notification, which libmicrohttpd sends before it closes the
 * socket, so the reaper never shuts down a descriptor another connection
 * has reused.  The accept policy only checks the count; the STARTED
 * notification takes it, so a connection libmicrohttpd fails to set up
 * after the check costs nothing (several worker threads may each let one
 * connection past the check at the same moment: the limit may be passed by
 * fewer than [web] threads connections).
 *
 * Does not: limit the request rate (http_rate_take), nor cut a client that
 * reads its response slowly ([web] timeout does).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "http_int.h"
#include "log.h"
#include "str.h"
#include "xalloc.h"

#define HTTP_GUARD_TICK_MIN_MS 50  /* shortest reaper period */
#define HTTP_GUARD_TICK_MAX_MS 250 /* longest (bounds a deadline overrun) */
#define HTTP_GUARD_FD_SPARE 64     /* descriptors besides the connections */

/* One open connection (libmicrohttpd's socket context). */
struct http_conn {
    int fd;                        /* its socket */
    int64_t since_ms;              /* monotonic ms its current wait began */
    int waiting;                   /* 1 while a request is being read */
    int shut;                      /* the reaper has shut it down */
    char key[HTTP_CLIENT_KEY];     /* counted client; "" = trusted proxy */
    char fwd[HTTP_CLIENT_KEY];     /* forwarded client counted for the
                                      request in progress; "" = none */
    struct http_conn *prev, *next; /* g->conns */
};

/* How many connections (or proxied requests) one client has open. */
struct http_client_count {
    char key[HTTP_CLIENT_KEY];
    int n;                          /* > 0 while the entry exists */
    struct http_client_count *next; /* bucket chain */
};

struct http_guard {
    struct http *h;
    pthread_mutex_t lock;    /* everything below but the atomics */
    pthread_cond_t cond;     /* wakes the reaper to stop */
    struct http_conn *conns; /* every open connection */
    struct http_client_count **buckets;
    size_t nbuckets;     /* a power of two */
    int per_client;      /* [web] max_connections_per_client */
    int64_t deadline_ms; /* [web] request_deadline */
    int64_t tick_ms;     /* reaper period */
    int stop, running;
    pthread_t reaper;
    _Atomic uint64_t refused;   /* connections refused at the limit */
    _Atomic uint64_t timed_out; /* connections cut at the deadline */
};

/* http_guard_bucket - the chain head for key */
static struct http_client_count **
http_guard_bucket(struct http_guard *g, const char *key)
{
    uint64_t hash = 1469598103934665603ULL;

    for (const char *p = key; *p; p++) {
        hash ^= (unsigned char)*p;
        hash *= 1099511628211ULL;
    }
    return &g->buckets[hash & (g->nbuckets - 1)];
}

/* http_guard_count - connections key holds now (under g->lock) */
static int
http_guard_count(struct http_guard *g, const char *key)
{
    for (struct http_client_count *c = *http_guard_bucket(g, key); c;
         c = c->next)
        if (strcmp(c->key, key) == 0)
            return c->n;
    return 0;
}

/* http_guard_add - add delta (+1 or -1) to key's count (under g->lock) */
static void
http_guard_add(struct http_guard *g, const char *key, int delta)
{
    struct http_client_count **head = http_guard_bucket(g, key), **pp, *c;

    for (pp = head; (c = *pp) != NULL; pp = &c->next)
        if (strcmp(c->key, key) == 0)
            break;
    if (c == NULL) {
        if (delta < 0)
            BUG("http_guard: client '%s' released more than it took", key);
        c = xcalloc(1, sizeof(*c));
        str_copy(c->key, sizeof(c->key), key);
        c->next = *head;
        *head = c;
        pp = head;
    }
    c->n += delta;
    if (c->n == 0) {
        *pp = c->next;
        free(c);
    }
}

/* http_guard_peer_key - the counted key of a peer: "" when it is a trusted
 * proxy (its requests are counted per forwarded client instead) */
static void
http_guard_peer_key(struct http *h, const struct sockaddr *sa,
                    char key[HTTP_CLIENT_KEY])
{
    unsigned char addr[16];
    int family = http_sockaddr_bytes(sa, addr);
    int trusted;

    key[0] = '\0';
    if (family == 0) {
        str_copy(key, HTTP_CLIENT_KEY, "unknown");
        return;
    }
    pthread_mutex_lock(&h->lock);
    trusted = http_is_trusted(h->gen, family, addr);
    pthread_mutex_unlock(&h->lock);
    if (!trusted)
        http_client_key(family, addr, key, HTTP_CLIENT_KEY);
}

/* http_guard_conn - the guard's record of conn, or NULL */
static struct http_conn *
http_guard_conn(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

enum MHD_Result
http_guard_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
    struct http *h = cls;
    struct http_guard *g = h->guard;
    char key[HTTP_CLIENT_KEY];
    int n;

    (void)len;
    http_guard_peer_key(h, sa, key);
    if (key[0] == '\0')
        return MHD_YES;
    pthread_mutex_lock(&g->lock);
    n = http_guard_count(g, key);
    pthread_mutex_unlock(&g->lock);
    if (n < g->per_client)
        return MHD_YES;
    atomic_fetch_add_explicit(&g->refused, 1, memory_order_relaxed);
    log_debug("web: client %s holds %d connections, refused another", key, n);
    return MHD_NO;
}

/* http_guard_started - a new connection: count it, start its clock */
static void
http_guard_started(struct http_guard *g, struct MHD_Connection *conn,
                   void **ctx)
{
    struct http_conn *c = xcalloc(1, sizeof(*c));
    const union MHD_ConnectionInfo *ci;

    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    c->fd = ci ? ci->connect_fd : -1;
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    http_guard_peer_key(g->h, ci ? ci->client_addr : NULL, c->key);
    c->since_ms = http_monotonic_ms();
    c->waiting = 1;
    pthread_mutex_lock(&g->lock);
    if (c->key[0])
        http_guard_add(g, c->key, 1);
    c->next = g->conns;
    if (g->conns)
        g->conns->prev = c;
    g->conns = c;
    pthread_mutex_unlock(&g->lock);
    *ctx = c;
}

/* http_guard_closed - the connection is gone: forget it */
static void
http_guard_closed(struct http_guard *g, void **ctx)
{
    struct http_conn *c = *ctx;

    if (c == NULL)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->key[0])
        http_guard_add(g, c->key, -1);
    if (c->fwd[0])
        http_guard_add(g, c->fwd, -1);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&g->lock);
    free(c);
    *ctx = NULL;
}

void
http_guard_notify(void *cls, struct MHD_Connection *conn, void **ctx,
                  enum MHD_ConnectionNotificationCode code)
{
    struct http *h = cls;

    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        http_guard_started(h->guard, conn, ctx);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        http_guard_closed(h->guard, ctx);
}

int
http_guard_proxied(struct MHD_Connection *conn)
{
    struct http_conn *c = http_guard_conn(conn);
    return c != NULL && c->key[0] == '\0';
}

int
http_guard_forwarded(struct http *h, struct MHD_Connection *conn,
                     const char *key)
{
    struct http_guard *g = h->guard;
    struct http_conn *c = http_guard_conn(conn);
    int rc = 0;

    if (c == NULL)
        return 0;
    pthread_mutex_lock(&g->lock);
    if (c->fwd[0]) { /* a request on this connection is counted already */
        rc = 0;
    } else if (http_guard_count(g, key) >= g->per_client) {
        rc = -1;
    } else {
        str_copy(c->fwd, sizeof(c->fwd), key);
        http_guard_add(g, c->fwd, 1);
    }
    pthread_mutex_unlock(&g->lock);
    if (rc == -1) {
        atomic_fetch_add_explicit(&g->refused, 1, memory_order_relaxed);
        log_debug("web: forwarded client %s is at its connection limit", key);
    }
    return rc;
}

void
http_guard_request_in(struct http *h, struct MHD_Connection *conn)
{
    struct http_conn *c = http_guard_conn(conn);

    if (c == NULL)
        return;
    pthread_mutex_lock(&h->guard->lock);
    c->waiting = 0;
    pthread_mutex_unlock(&h->guard->lock);
}

void
http_guard_done(struct http *h, struct MHD_Connection *conn)
{
    struct http_guard *g = h->guard;
    struct http_conn *c = http_guard_conn(conn);

    if (c == NULL)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->fwd[0]) {
        http_guard_add(g, c->fwd, -1);
        c->fwd[0] = '\0';
    }
    c->since_ms = http_monotonic_ms();
    c->waiting = 1;
    pthread_mutex_unlock(&g->lock);
}

/* http_guard_reap - shut down every connection past its deadline (under
 * g->lock) */
static void
http_guard_reap(struct http_guard *g)
{
    int64_t now = http_monotonic_ms();

    for (struct http_conn *c = g->conns; c; c = c->next) {
        if (!c->waiting || c->shut || c->fd < 0 ||
            now - c->since_ms < g->deadline_ms)
            continue;
        /* libmicrohttpd sees the end of the stream and closes it */
        if (shutdown(c->fd, SHUT_RDWR) == -1 && errno != ENOTCONN)
            log_warn_errno("web: cannot shut down a connection past its "
                           "deadline");
        c->shut = 1;
        atomic_fetch_add_explicit(&g->timed_out, 1, memory_order_relaxed);
    }
}

/* http_guard_main - the reaper thread */
static void *
http_guard_main(void *arg)
{
    struct http_guard *g = arg;

    pthread_mutex_lock(&g->lock);
    while (!g->stop) {
        struct timespec ts;
        http_guard_reap(g);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += g->tick_ms / 1000;
        ts.tv_nsec += (long)(g->tick_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* http_guard_fd_limit - raise the soft descriptor limit so the pool fits;
 * a warning when the hard limit does not allow it */
static void
http_guard_fd_limit(int max_connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)max_connections + HTTP_GUARD_FD_SPARE;

    if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want
                      ? want
                      : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < want)
        log_warn("web: [web] max_connections %d needs %llu file descriptors, "
                 "the limit is %llu",
                 max_connections, (unsigned long long)want,
                 (unsigned long long)rl.rlim_cur);
}

int
http_guard_start(struct http *h, const struct config *cfg, struct err *err)
{
    struct http_guard *g = xcalloc(1, sizeof(*g));
    pthread_condattr_t ca;
    int rc;

    g->h = h;
    g->per_client = cfg->web_per_client;
    g->deadline_ms = (int64_t)cfg->web_request_deadline * 1000;
    g->tick_ms = g->deadline_ms / 4;
    if (g->tick_ms < HTTP_GUARD_TICK_MIN_MS)
        g->tick_ms = HTTP_GUARD_TICK_MIN_MS;
    if (g->tick_ms > HTTP_GUARD_TICK_MAX_MS)
        g->tick_ms = HTTP_GUARD_TICK_MAX_MS;
    g->nbuckets = 64;
    while (g->nbuckets < (size_t)cfg->web_max_connections)
        g->nbuckets *= 2;
    g->buckets = xcalloc(g->nbuckets, sizeof(*g->buckets));
    pthread_mutex_init(&g->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cond, &ca);
    pthread_condattr_destroy(&ca);
    h->guard = g;
    http_guard_fd_limit(cfg->web_max_connections);
    rc = pthread_create(&g->reaper, NULL, http_guard_main, g);
    if (rc != 0) {
        err_set(err, ERR_PERM, "cannot start the web reaper thread: %s",
                strerror(rc));
        return -1;
    }
    g->running = 1;
    return 0;
}

void
http_guard_stop(struct http *h)
{
    struct http_guard *g = h->guard;

    if (g == NULL)
        return;
    if (g->running) {
        pthread_mutex_lock(&g->lock);
        g->stop = 1;
        pthread_cond_signal(&g->cond);
        pthread_mutex_unlock(&g->lock);
        pthread_join(g->reaper, NULL);
        g->running = 0;
    }
}

void
http_guard_free(struct http *h)
{
    struct http_guard *g = h->guard;

    if (g == NULL)
        return;
    http_guard_stop(h);
    /* libmicrohttpd has closed every connection: nothing is left */
    for (struct http_conn *c = g->conns, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    for (size_t i = 0; i < g->nbuckets; i++)
        for (struct http_client_count *c = g->buckets[i], *next; c; c = next) {
            next = c->next;
            free(c);
        }
    free(g->buckets);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
    free(g);
    h->guard = NULL;
}

uint64_t
http_guard_refused(const struct http *h)
{
    return h->guard ? atomic_load(&h->guard->refused) : 0;
}

uint64_t
http_guard_timed_out(const struct http *h)
{
    return h->guard ? atomic_load(&h->guard->timed_out) : 0;
}
