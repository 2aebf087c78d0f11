/* SPDX-License-Identifier: MIT */
/*
 * http - the public web side: subscribe form, confirmation, preferences,
 * one-click unsubscribe, the digest in a browser, archives, Atom feeds,
 * health and metrics.
 *
 * libmicrohttpd runs the server with its own epoll thread pool
 * ([web] threads workers, [web] max_connections, [web] timeout); a client
 * holds at most [web] max_connections_per_client connections and must send
 * each request within [web] request_deadline (http_guard.c).  Each
 * worker that handles a request borrows a slot holding its own database
 * connection, opened lazily, so the web side shares no memory with the
 * scheduler or the delivery workers: they meet only in rows.  Every link
 * the pages carry starts with [web] base_url.  X-Forwarded-For is believed
 * only from [web] trusted_proxies.  Request bodies are capped at
 * HTTP_BODY_MAX bytes (413 beyond).  A busy database answers 503 with
 * Retry-After.  Pages come from <web_root>/templates and static files from
 * <web_root>/static (both read when the server starts and on reload).
 *
 * Only http*.c include <microhttpd.h>; nothing of it leaks out of this
 * header.
 *
 * Contract: 0 on success, -1 with err filled on failure.  Out-parameters
 * are written only on success.
 */
#ifndef PAPERBOY_HTTP_H
#define PAPERBOY_HTTP_H

#include <stdint.h>

#include "config.h"
#include "deliver.h"
#include "err.h"
#include "token.h"

#define HTTP_BODY_MAX (16 * 1024) /* bytes of request body; more is 413 */

struct http;

/*
 * http_start - listen on [web] listen and serve until http_stop().
 * cfg and key are borrowed: the caller keeps them alive until http_stop()
 * returns, or (cfg) until the http_reload() that replaces it returns.
 * wake(wake_arg) is called (from a web thread, without locks held) after a
 * confirmation mail was queued, so delivery can start at once; wake may be
 * NULL.  When the configured port is 0 the kernel picks one: read it with
 * http_port().  Logs "web: listening on http://HOST:PORT".
 */
int http_start(const struct config *cfg, const struct token_key *key,
               void (*wake)(void *), void *wake_arg, struct http **out,
               struct err *err);

/* What only the daemon knows, for /healthz and /metrics. */
struct http_daemon_state {
    int64_t now;                   /* the clock health ages are judged by */
    int delivering;                /* delivery workers are running */
    struct deliver_stats delivery; /* their counters, when delivering */
};

/*
 * http_set_health - from now on /healthz and /metrics also ask
 * state(arg, out) (from a web thread, without the web's locks held) for
 * the delivery state: paused workers, an unreachable relay.  Call at
 * most once, after http_start(); state must work until http_stop().
 */
void http_set_health(struct http *h,
                     void (*state)(void *arg, struct http_daemon_state *out),
                     void *arg);

/*
 * http_set_kick - from now on the web calls kick(arg) (from a web thread,
 * without the web's locks held) after it stored work for the scheduler:
 * a paper named on the preferences page that is to be fetched.  Call at
 * most once, after http_start(); kick must work until http_stop().
 */
void http_set_kick(struct http *h, void (*kick)(void *arg), void *arg);

/* http_port - the TCP port actually bound (useful after port 0) */
int http_port(const struct http *h);

/*
 * http_reload - use cfg from now on (templates and static files are read
 * again).  The listen address, thread count and connection limits cannot
 * change without a restart; a change there is logged and ignored.
 * Returns once no request uses the previous config any more, so the
 * caller may free it then.  On failure (e.g. a broken template) the old
 * config stays in use and err says why.
 */
int http_reload(struct http *h, const struct config *cfg, struct err *err);

/*
 * http_stop - stop accepting, let requests in progress finish, close the
 * per-thread database connections and free h.  NULL is fine.
 */
void http_stop(struct http *h);

#endif
