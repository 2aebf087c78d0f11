/* SPDX-License-Identifier: MIT */
/*
 * http - the libmicrohttpd server: start, stop and reload, the request
 * lifecycle, routing and the responses every page shares (see http.h).
 *
 * Lifecycle of a request: the URI log callback allocates a struct
 * http_req holding the raw request target (libmicrohttpd would hand the
 * handler an already unescaped path, and its unescaping is lenient); the
 * access handler collects the body up to HTTP_BODY_MAX, then routes; the
 * completion callback frees the request.  While a handler runs it holds a
 * reference on the config generation and borrows a slot (database
 * connection, template arena), both returned before the handler returns.
 *
 * Security headers go on every response this module builds.  Nothing
 * here logs a request target, since it may hold a token.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "db_web.h"
#include "http_int.h"
#include "log.h"
#include "str.h"
#include "xalloc.h"

#define HTTP_CSP                                                               \
    "default-src 'self'; script-src 'self'; style-src 'self'; "                \
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "          \
    "form-action 'self'"

static const char *const http_tmpl_files[HTTP_T_COUNT] = {
    [HTTP_T_INDEX] = "index.html",
    [HTTP_T_SAMPLE] = "sample.html",
    [HTTP_T_SUBSCRIBED] = "subscribed.html",
    [HTTP_T_CONFIRM] = "page_confirm.html",
    [HTTP_T_CONFIRMED] = "page_confirmed.html",
    [HTTP_T_PREFERENCES] = "preferences.html",
    [HTTP_T_UNSUBSCRIBE] = "unsubscribe.html",
    [HTTP_T_UNSUBSCRIBED] = "unsubscribed.html",
    [HTTP_T_ERROR] = "error.html",
    [HTTP_T_ARCHIVE] = "archive.html",
    [HTTP_T_FEED] = "feed.atom",
    [HTTP_T_MANAGE] = "manage_page.html",
    [HTTP_T_ERASE] = "erase.html",
    [HTTP_T_MYFEED] = "feed_private.atom",
    [HTTP_T_VOTE] = "vote.html",
};

int64_t
http_monotonic_ms(void)
{
    return str_mono_ms();
}

/* http_status_index - the metrics column of a status code */
static enum http_status_idx
http_status_index(unsigned status)
{
    switch (status) {
#define X(c)                                                                   \
    case c:                                                                    \
        return HTTP_S_##c;
        HTTP_STATUS_LIST
#undef X
    default:
        return HTTP_S_OTHER;
    }
}

void
http_count(struct http *h, enum http_route route, unsigned status)
{
    atomic_fetch_add_explicit(&h->hits[route][http_status_index(status)], 1,
                              memory_order_relaxed);
}

/* http_add_headers - the security headers, with policy as the CSP */
static void
http_add_headers(struct MHD_Response *resp, const char *policy)
{
    MHD_add_response_header(resp, "Content-Security-Policy", policy);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
}

void
http_add_security(struct MHD_Response *resp)
{
    http_add_headers(resp, HTTP_CSP);
}

/* ---- generations: templates, static files, proxies ---- */

/* http_proxy_parse - "10.0.0.1", "::1" or "10.0.0.0/8" into p */
static int
http_proxy_parse(const char *s, struct http_proxy *p)
{
    char ip[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    long bits = -1;

    if (n == 0 || n >= sizeof(ip))
        return -1;
    memcpy(ip, s, n);
    ip[n] = '\0';
    memset(p, 0, sizeof(*p));
    if (inet_pton(AF_INET, ip, p->addr) == 1) {
        p->family = AF_INET;
        p->bits = 32;
    } else if (inet_pton(AF_INET6, ip, p->addr) == 1) {
        p->family = AF_INET6;
        p->bits = 128;
    } else {
        return -1;
    }
    if (slash) {
        if (str_to_long(slash + 1, 0, p->bits, &bits) == -1)
            return -1;
        p->bits = (int)bits;
    }
    return 0;
}

/* http_proxies_load - parse [web] trusted_proxies into g */
static int
http_proxies_load(struct http_gen *g, const char *csv, struct err *err)
{
    char *copy = xstrdup(csv ? csv : ""), *save = NULL;
    int rc = -1;

    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *t = str_trim(tok);
        if (*t == '\0')
            continue;
        g->proxies =
            xrealloc(g->proxies, (g->nproxies + 1) * sizeof(*g->proxies));
        if (http_proxy_parse(t, &g->proxies[g->nproxies]) == -1) {
            err_set(err, ERR_PERM,
                    "[web] trusted_proxies: '%s' is not an IP address or "
                    "ADDRESS/BITS",
                    t);
            goto out;
        }
        g->nproxies++;
    }
    rc = 0;
out:
    free(copy);
    return rc;
}

/* http_gen_free - release a generation nobody uses any more */
static void
http_gen_free(struct http_gen *g)
{
    if (g == NULL)
        return;
    for (int i = 0; i < HTTP_T_COUNT; i++)
        tmpl_free(g->t[i]);
    http_static_free(g);
    catnames_free(g->cats);
    tz_names_release(&g->zones);
    free(g->proxies);
    if (g->index_resp)
        MHD_destroy_response(g->index_resp);
    free(g);
}

/* http_gen_new - templates, static files and proxies for cfg */
static int
http_gen_new(const struct config *cfg, uint64_t id, struct http_gen **out,
             struct err *err)
{
    struct http_gen *g = xcalloc(1, sizeof(*g));
    char path[4096];

    g->cfg = cfg;
    g->id = id;
    for (int i = 0; i < HTTP_T_COUNT; i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), "templates/%s", http_tmpl_files[i]);
        if (config_web_path(cfg, rel, path, sizeof(path)) == -1) {
            err_set(err, ERR_PERM, "template path too long");
            goto fail;
        }
        if (tmpl_load(path, &g->t[i], err) == -1) {
            err_prefix(err, "template '%s'", path);
            goto fail;
        }
    }
    if (config_web_path(cfg, "static", path, sizeof(path)) == -1 ||
        http_static_load(g, path, err) == -1)
        goto fail;
    if (http_proxies_load(g, cfg->trusted_proxies, err) == -1)
        goto fail;
    if (config_web_path(cfg, CATNAMES_FILE, path, sizeof(path)) == -1 ||
        catnames_load(path, &g->cats, err) == -1)
        goto fail;
    if (tz_names_load(&g->zones, err) == -1) /* a text field then */
        log_warn("web: no zone list, /preferences offers no zones: %s",
                 err->msg);
    *out = g;
    return 0;
fail:
    http_gen_free(g);
    return -1;
}

/* http_acquire - take a reference on the current generation and a slot */
static void
http_acquire(struct http_req *r)
{
    struct http *h = r->h;
    struct http_slot *s;

    pthread_mutex_lock(&h->lock);
    r->gen = h->gen;
    r->gen->refs++;
    s = h->free_slots;
    if (s) {
        h->free_slots = s->next;
    } else {
        s = xcalloc(1, sizeof(*s));
        s->data = tmpl_data_new();
        s->all = h->all_slots;
        h->all_slots = s;
    }
    pthread_mutex_unlock(&h->lock);
    s->next = NULL;
    r->slot = s;
    r->cfg = r->gen->cfg;
    if (s->compose && s->compose_gen != r->gen->id) {
        compose_free(s->compose);
        s->compose = NULL;
    }
    tmpl_data_reset(s->data);
}

struct http_gen *
http_gen_ref(struct http *h, struct http_gen *g)
{
    pthread_mutex_lock(&h->lock);
    g->refs++;
    pthread_mutex_unlock(&h->lock);
    return g;
}

void
http_gen_unref(struct http *h, struct http_gen *g)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    if (--g->refs == 0 && g != h->gen)
        pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
}

/* http_release - give the slot and the generation reference back */
static void
http_release(struct http_req *r)
{
    struct http *h = r->h;

    if (r->gen == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    r->slot->next = h->free_slots;
    h->free_slots = r->slot;
    if (--r->gen->refs == 0 && r->gen != h->gen)
        pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    r->gen = NULL;
    r->slot = NULL;
    r->cfg = NULL;
}

struct db *
http_db(struct http_req *r, struct err *err)
{
    struct http_slot *s = r->slot;

    if (s->db == NULL) {
        if (db_open(r->cfg->db_path, r->cfg->busy_timeout_ms, &s->db, err) ==
            -1)
            return NULL;
        db_web_tune(s->db, r->cfg->busy_timeout_ms);
    }
    return s->db;
}

/* ---- responses ---- */

enum MHD_Result
http_send(struct http_req *r, unsigned status, const char *ctype,
          struct buf *body)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len = body->len;
    char *data;
    char num[32];

    if (body->failed) {
        buf_release(body);
        buf_init(body, 256);
        buf_adds(body, "the answer was too large\n");
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        ctype = "text/plain; charset=utf-8";
        len = body->len;
    }
    data = buf_detach(body);
    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(data);
        return MHD_NO;
    }
    http_add_headers(resp, r->csp ? r->csp : HTTP_CSP);
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            r->cache ? r->cache : "no-store");
    if (r->retry_after > 0) {
        snprintf(num, sizeof(num), "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    if (r->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->disposition)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                r->disposition);
    ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    http_count(r->h, r->route, status);
    return ret;
}

enum MHD_Result
http_send_text(struct http_req *r, unsigned status, const char *text)
{
    struct buf b;

    buf_init(&b, 4096);
    buf_adds(&b, text);
    return http_send(r, status, "text/plain; charset=utf-8", &b);
}

struct tmpl_obj *
http_root(struct http_req *r, const char *title)
{
    struct tmpl_obj *root = tmpl_data_root(r->slot->data);

    const char *base = r->cfg->base_url, *path = strstr(base, "://");
    size_t plen;

    /* links inside our own pages are root-relative, prefixed with the path
     * of base_url, so they work on any host name and port */
    path = path ? strchr(path + 3, '/') : NULL;
    plen = path ? strlen(path) : 0;
    while (plen && path[plen - 1] == '/')
        plen--;
    tmpl_set(root, "base_url", base);
    tmpl_setn(root, "prefix", path ? path : "", plen);
    tmpl_set(root, "title", title);
    tmpl_set(root, "version", PAPERBOY_VERSION);
    return root;
}

enum MHD_Result
http_render(struct http_req *r, unsigned status, enum http_tmpl t,
            struct tmpl_obj *root)
{
    struct buf b;
    struct err err;

    err_init(&err);
    buf_init(&b, HTTP_PAGE_MAX);
    if (tmpl_render(r->gen->t[t], root, &b, &err) == -1) {
        log_err("web: rendering %s: %s", http_tmpl_files[t], err.msg);
        buf_release(&b);
        return http_send_text(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "internal error\n");
    }
    return http_send(r, status,
                     t == HTTP_T_FEED || t == HTTP_T_MYFEED
                         ? "application/atom+xml; charset=utf-8"
                         : "text/html; charset=utf-8",
                     &b);
}

enum MHD_Result
http_error_page(struct http_req *r, unsigned status, const char *title,
                const char *msg)
{
    struct tmpl_obj *root;

    if (r->slot == NULL) {
        struct buf b;
        buf_init(&b, 4096);
        buf_addf(&b, "%s: %s\n", title, msg);
        return http_send(r, status, "text/plain; charset=utf-8", &b);
    }
    root = http_root(r, title);
    tmpl_set(root, "message", msg);
    tmpl_setf(root, "status", "%u", status);
    return http_render(r, status, HTTP_T_ERROR, root);
}

enum MHD_Result
http_fail(struct http_req *r, const struct err *err, const char *what)
{
    if (err->kind == ERR_TEMP) {
        log_warn("web: %s: %s (answered 503)", what, err->msg);
        r->retry_after = HTTP_RETRY_AFTER_BUSY;
        return http_error_page(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                               "Busy, please try again",
                               "The server is busy right now. Please try "
                               "again in a few seconds.");
    }
    log_err("web: %s: %s", what, err->msg);
    return http_error_page(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
                           "Something went wrong",
                           "The server could not complete this request. "
                           "Please try again later.");
}

/* ---- client address ---- */

int
http_sockaddr_bytes(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
               4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a =
            &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(out, a->s6_addr + 12, 4);
            return AF_INET;
        }
        memcpy(out, a->s6_addr, 16);
        return AF_INET6;
    }
    return 0;
}

int
http_is_trusted(const struct http_gen *g, int family, const unsigned char *addr)
{
    for (size_t i = 0; i < g->nproxies; i++) {
        const struct http_proxy *p = &g->proxies[i];
        int full = p->bits / 8, rest = p->bits % 8;
        if (p->family != family)
            continue;
        if (memcmp(p->addr, addr, (size_t)full) != 0)
            continue;
        if (rest) {
            unsigned char mask = (unsigned char)(0xff << (8 - rest));
            if ((p->addr[full] & mask) != (addr[full] & mask))
                continue;
        }
        return 1;
    }
    return 0;
}

void
http_client_key(int family, const unsigned char *addr, char *out, size_t size)
{
    struct in6_addr a;
    char ip[INET6_ADDRSTRLEN];
    const char *ok;

    if (family == AF_INET6)
        memcpy(&a, addr, 16);
    if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a)) {
        family = AF_INET;
        addr = a.s6_addr + 12;
    }
    if (family == AF_INET) {
        ok = inet_ntop(AF_INET, addr, ip, sizeof(ip));
        str_copy(out, size, ok ? ip : "unknown");
        return;
    }
    memset(a.s6_addr + 8, 0, 8); /* the /64 */
    ok = inet_ntop(AF_INET6, &a, ip, sizeof(ip));
    snprintf(out, size, "%s/64", ok ? ip : "unknown");
}

/* The X-Forwarded-For lines of one request, the last HTTP_XFF_LINES of
 * them in the order they came: proxies append their own line, so those
 * that count are at the end. */
#define HTTP_XFF_LINES 32
struct http_xff {
    const char *line[HTTP_XFF_LINES]; /* borrowed from libmicrohttpd */
    size_t n;
};

/* http_xff_collect - libmicrohttpd's header iterator: keep each
 * X-Forwarded-For line */
static enum MHD_Result
http_xff_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                 const char *value)
{
    struct http_xff *x = cls;

    (void)kind;
    if (key == NULL || value == NULL || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    if (x->n == HTTP_XFF_LINES) {
        memmove(x->line, x->line + 1,
                (HTTP_XFF_LINES - 1) * sizeof(x->line[0]));
        x->n--;
    }
    x->line[x->n++] = value;
    return MHD_YES;
}

/* http_xff_entry - one X-Forwarded-For entry s[0..n) into (family, addr):
 * 1 when it is a trusted proxy (read on to its left), 0 when it is not
 * (the client), -1 when it is no address */
static int
http_xff_entry(const struct http_gen *g, const char *s, size_t n, int *family,
               unsigned char addr[16])
{
    char ip[64];
    struct sockaddr_in6 sa6;

    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof(ip))
        return -1;
    memcpy(ip, s, n);
    ip[n] = '\0';
    memset(&sa6, 0, sizeof(sa6));
    if (inet_pton(AF_INET, ip, addr) == 1) {
        *family = AF_INET;
    } else if (inet_pton(AF_INET6, ip, &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        *family =
            http_sockaddr_bytes((const struct sockaddr *)(void *)&sa6, addr);
    } else {
        return -1;
    }
    return http_is_trusted(g, *family, addr);
}

/* http_client_find - the client's address into addr, returning its family
 * (0 if unknown): the peer, or, when the peer is a trusted proxy, the
 * rightmost X-Forwarded-For entry that is not one.  Every X-Forwarded-For
 * line, in order, is one comma-separated list.  An entry that is no
 * address ends the walk at the last address we could trust. */
static int
http_client_find(const struct http_gen *g, struct MHD_Connection *conn,
                 unsigned char addr[16])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    int family = http_sockaddr_bytes(ci ? ci->client_addr : NULL, addr);
    struct http_xff x = {{NULL}, 0};

    if (family == 0 || g->nproxies == 0 || !http_is_trusted(g, family, addr))
        return family;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, http_xff_collect, &x);
    for (size_t i = x.n; i-- > 0;) {
        const char *line = x.line[i];
        for (const char *end = line + strlen(line); end > line;) {
            const char *start = end;
            unsigned char a[16];
            int fam = 0, rc;

            while (start > line && start[-1] != ',')
                start--;
            rc = http_xff_entry(g, start, (size_t)(end - start), &fam, a);
            if (rc == -1)
                return family;
            family = fam;
            memcpy(addr, a, 16);
            if (rc == 0)
                return family;
            end = start > line ? start - 1 : line;
        }
    }
    return family;
}

/* http_client_addr - r->client: the key of the client (http_client_find) */
static void
http_client_addr(struct http_req *r)
{
    unsigned char addr[16];
    int family = http_client_find(r->gen, r->conn, addr);

    if (family == 0)
        str_copy(r->client, sizeof(r->client), "unknown");
    else
        http_client_key(family, addr, r->client, sizeof(r->client));
}

/* http_forwarded_take - count the request a trusted proxy brings on conn
 * for its forwarded client; -1 when that client is at its limit */
static int
http_forwarded_take(struct http *h, struct MHD_Connection *conn)
{
    struct http_gen *g;
    unsigned char addr[16];
    char key[HTTP_CLIENT_KEY];
    int family;

    pthread_mutex_lock(&h->lock);
    g = h->gen;
    g->refs++;
    pthread_mutex_unlock(&h->lock);
    family = http_client_find(g, conn, addr);
    http_gen_unref(h, g);
    if (family == 0)
        return 0;
    http_client_key(family, addr, key, sizeof(key));
    return http_guard_forwarded(h, conn, key);
}

/* ---- routing ---- */

/* http_token_ok - 1 if s looks like a token: base64url, < TOKEN_MAX */
static int
http_token_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= TOKEN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* http_method_ok - 405 unless the method is one of those allowed
 * (GET implies HEAD); returns 1 when the request may go on */
static int
http_method_ok(struct http_req *r, int post_ok, int get_ok)
{
    if ((r->method == HTTP_M_GET || r->method == HTTP_M_HEAD) && get_ok)
        return 1;
    if (r->method == HTTP_M_POST && post_ok)
        return 1;
    r->allow = post_ok && get_ok ? "GET, HEAD, POST"
               : post_ok         ? "POST"
                                 : "GET, HEAD";
    return 0;
}

/* http_token_route - route /PREFIX/TOKEN pages */
static enum MHD_Result
http_token_route(struct http_req *r, const char *tok, int post_ok,
                 enum MHD_Result (*fn)(struct http_req *, const char *))
{
    if (!http_method_ok(r, post_ok, 1))
        return http_error_page(r, MHD_HTTP_METHOD_NOT_ALLOWED,
                               "Method not allowed",
                               "This page does not accept that method.");
    if (!http_token_ok(tok))
        return http_error_page(
            r, MHD_HTTP_BAD_REQUEST, "This link does not work",
            "This link is incomplete or damaged. Copy the whole link from "
            "the email, or start again from the form.");
    return fn(r, tok);
}

/* http_page_vote_more, http_page_vote_less - http_page_vote's two
 * directions, in http_token_route's shape */
static enum MHD_Result
http_page_vote_more(struct http_req *r, const char *tok)
{
    return http_page_vote(r, tok, 1);
}

static enum MHD_Result
http_page_vote_less(struct http_req *r, const char *tok)
{
    return http_page_vote(r, tok, -1);
}

/* http_route - decode the target and call the page */
static enum MHD_Result
http_route(struct http_req *r)
{
    const char *uri = r->uri, *q = strchr(uri, '?');
    size_t plen = q ? (size_t)(q - uri) : strlen(uri);
    const char *path;
    struct err err;

    err_init(&err);
    if (strlen(uri) > HTTP_URI_MAX)
        return http_error_page(r, MHD_HTTP_URI_TOO_LONG, "Address too long",
                               "The address of this request is too long.");
    if (plen == 0 || uri[0] != '/' ||
        http_pct_decode(uri, plen, 0, &r->path, &err) == -1 ||
        (q && http_form_parse(&r->query, q + 1, strlen(q + 1), &err) == -1))
        return http_error_page(r, MHD_HTTP_BAD_REQUEST, "Bad request",
                               err.msg[0] ? err.msg
                                          : "The address is malformed.");
    if (r->method == HTTP_M_POST && !r->too_big &&
        http_form_parse(&r->form, buf_str(&r->body), r->body.len, &err) == -1 &&
        !str_has_prefix(r->path.data, "/unsubscribe/"))
        return http_error_page(r, MHD_HTTP_BAD_REQUEST, "Bad request", err.msg);
    path = buf_str(&r->path);

    if (strcmp(path, "/") == 0) {
        r->route = HTTP_R_INDEX;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        return http_page_index(r);
    }
    if (strcmp(path, "/sample") == 0) {
        r->route = HTTP_R_SAMPLE;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        return http_page_sample(r);
    }
    if (strcmp(path, "/manage") == 0) {
        r->route = HTTP_R_MANAGE;
        if (!http_method_ok(r, 1, 1))
            goto not_allowed;
        return http_page_manage(r);
    }
    if (strcmp(path, "/subscribe") == 0) {
        r->route = HTTP_R_SUBSCRIBE;
        if (!http_method_ok(r, 1, 0))
            goto not_allowed;
        return http_page_subscribe(r);
    }
    if (str_has_prefix(path, "/confirm/")) {
        r->route = HTTP_R_CONFIRM;
        return http_token_route(r, path + strlen("/confirm/"), 1,
                                http_page_confirm);
    }
    if (str_has_prefix(path, "/preferences/")) {
        r->route = HTTP_R_PREFERENCES;
        return http_token_route(r, path + strlen("/preferences/"), 1,
                                http_page_preferences);
    }
    /* a reader's own data, behind the preferences token (counted as
     * preferences pages) */
    if (str_has_prefix(path, "/data/")) {
        r->route = HTTP_R_PREFERENCES;
        return http_token_route(r, path + strlen("/data/"), 0,
                                http_page_mydata);
    }
    if (str_has_prefix(path, "/erase/")) {
        r->route = HTTP_R_PREFERENCES;
        return http_token_route(r, path + strlen("/erase/"), 1,
                                http_page_erase);
    }
    if (str_has_prefix(path, "/unsubscribe/")) {
        r->route = HTTP_R_UNSUBSCRIBE;
        return http_token_route(r, path + strlen("/unsubscribe/"), 1,
                                http_page_unsubscribe);
    }
    if (str_has_prefix(path, "/d/")) {
        r->route = HTTP_R_DIGEST;
        return http_token_route(r, path + strlen("/d/"), 0, http_page_digest);
    }
    if (str_has_prefix(path, "/more/") || str_has_prefix(path, "/less/")) {
        r->route = HTTP_R_VOTE;
        return http_token_route(r, path + strlen("/more/"), 1,
                                path[1] == 'm' ? http_page_vote_more
                                               : http_page_vote_less);
    }
    if (str_has_prefix(path, "/f/")) {
        r->route = HTTP_R_MYFEED;
        return http_token_route(r, path + strlen("/f/"), 0, http_page_myfeed);
    }
    if (str_has_prefix(path, "/static/")) {
        r->route = HTTP_R_STATIC;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        return http_static_serve(r, path + strlen("/static/"));
    }
    if (str_has_prefix(path, "/archive/")) {
        const char *list = path + strlen("/archive/");
        const char *slash = strchr(list, '/');
        char name[128];
        r->route = HTTP_R_ARCHIVE;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        if (slash && (size_t)(slash - list) < sizeof(name)) {
            memcpy(name, list, (size_t)(slash - list));
            name[slash - list] = '\0';
            return http_page_archive(r, name, slash + 1);
        }
        if (slash == NULL && strlen(list) < sizeof(name))
            return http_page_archive(r, list, "");
        goto not_found;
    }
    if (str_has_prefix(path, "/feed/")) {
        const char *name = path + strlen("/feed/");
        size_t n = strlen(name);
        char list[128];
        r->route = HTTP_R_FEED;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        if (n <= 5 || n - 5 >= sizeof(list) ||
            strcmp(name + n - 5, ".atom") != 0)
            goto not_found;
        memcpy(list, name, n - 5);
        list[n - 5] = '\0';
        return http_page_feed(r, list);
    }
    if (strcmp(path, "/healthz") == 0) {
        r->route = HTTP_R_HEALTHZ;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        return http_page_healthz(r);
    }
    if (strcmp(path, "/metrics") == 0) {
        r->route = HTTP_R_METRICS;
        if (!http_method_ok(r, 0, 1))
            goto not_allowed;
        return http_page_metrics(r);
    }
    if (strcmp(path, "/favicon.ico") == 0) {
        /* what a browser asks for on a page without <link rel=icon> (the
         * digest page, which is the mail's HTML): the SVG icon, by its
         * content type, which browsers go by */
        r->route = HTTP_R_STATIC;
        return http_static_serve(r, "favicon.svg");
    }
not_found:
    return http_error_page(r, MHD_HTTP_NOT_FOUND, "Page not found",
                           "There is no page at this address.");
not_allowed:
    return http_error_page(r, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
                           "This page does not accept that method.");
}

/* ---- libmicrohttpd callbacks ---- */

/*
 * GET / is the page everyone loads: it is answered from a cached response
 * without allocating anything.  Its requests carry one of these markers
 * instead of a struct http_req: [0] before the handler's first call, [1]
 * after it.
 */
static char http_index_marker[2];

/* http_req_new - a request record for the raw target uri */
static struct http_req *
http_req_new(struct http *h, const char *uri, struct MHD_Connection *conn)
{
    struct http_req *r = xcalloc(1, sizeof(*r));

    r->h = h;
    r->conn = conn;
    r->uri = xstrndup(uri ? uri : "/", HTTP_URI_MAX + 1);
    r->route = HTTP_R_OTHER;
    buf_init(&r->body, HTTP_BODY_MAX);
    buf_init(&r->path, HTTP_URI_MAX);
    http_form_init(&r->query);
    http_form_init(&r->form);
    return r;
}

/* http_is_marker - 1 if p is one of the GET / markers */
static int
http_is_marker(const void *p)
{
    return p == (const void *)&http_index_marker[0] ||
           p == (const void *)&http_index_marker[1];
}

/* http_uri_cb - first sight of a request: keep the raw target */
static void *
http_uri_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct http *h = cls;

    atomic_fetch_add(&h->inflight, 1);
    if (uri && uri[0] == '/' && uri[1] == '\0')
        return &http_index_marker[0];
    return http_req_new(h, uri, conn);
}

/* http_completed_cb - the request is over: free it */
static void
http_completed_cb(void *cls, struct MHD_Connection *conn, void **req_cls,
                  enum MHD_RequestTerminationCode toe)
{
    struct http_req *r = *req_cls;

    (void)toe;
    http_guard_done(cls, conn);
    if (r == NULL)
        return;
    atomic_fetch_sub(&((struct http *)cls)->inflight, 1);
    *req_cls = NULL;
    if (http_is_marker(r))
        return;
    buf_release(&r->body);
    buf_release(&r->path);
    http_form_release(&r->query);
    http_form_release(&r->form);
    http_job_free(r->job);
    free(r->csp);
    free(r->uri);
    free(r);
    *req_cls = NULL;
}

/* http_index_cached - the fast path for GET /: queue the cached page
 * without borrowing a slot; 0 when there is no fresh copy */
static int
http_index_cached(struct http *h, struct MHD_Connection *conn,
                  enum MHD_Result *ret)
{
    int64_t now = http_monotonic_ms();
    struct http_gen *g;
    int hit = 0;

    pthread_mutex_lock(&h->lock);
    g = h->gen;
    if (g->index_resp && now - g->index_at < HTTP_INDEX_CACHE_MS) {
        *ret = MHD_queue_response(conn, MHD_HTTP_OK, g->index_resp);
        hit = 1;
    }
    pthread_mutex_unlock(&h->lock);
    if (hit)
        http_count(h, HTTP_R_INDEX, MHD_HTTP_OK);
    return hit;
}

/* http_too_many - 429 at the first call of a request whose forwarded
 * client holds its limit of connections already */
static enum MHD_Result
http_too_many(struct http *h, struct MHD_Connection *conn, void **req_cls)
{
    struct http_req *r = *req_cls;

    if (r == NULL)
        atomic_fetch_add(&h->inflight, 1);
    if (r == NULL || http_is_marker(r))
        *req_cls = r = http_req_new(h, "/", conn);
    r->started = 1;
    r->retry_after = HTTP_RETRY_AFTER_BUSY;
    return http_send_text(r, MHD_HTTP_TOO_MANY_REQUESTS,
                          "too many connections from your address\n");
}

/* http_handler - libmicrohttpd's access handler */
static enum MHD_Result
http_handler(void *cls, struct MHD_Connection *conn, const char *url,
             const char *method, const char *version, const char *upload_data,
             size_t *upload_data_size, void **req_cls)
{
    struct http *h = cls;
    struct http_req *r = *req_cls;
    enum MHD_Result ret;
    int first = r == NULL || (void *)r == (void *)&http_index_marker[0] ||
                (!http_is_marker(r) && !r->started);

    (void)url;
    (void)version;
    if (first && http_guard_proxied(conn) && http_forwarded_take(h, conn) == -1)
        return http_too_many(h, conn, req_cls);
    if (!first && *upload_data_size == 0)
        http_guard_request_in(h, conn);
    if (http_is_marker(r)) {
        int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
        if (get && (void *)r == (void *)&http_index_marker[0]) {
            *req_cls = &http_index_marker[1]; /* answer on the next call */
            return MHD_YES;
        }
        if (get && http_index_cached(cls, conn, &ret))
            return ret;
        /* not cached yet, or another method: the ordinary path */
        *req_cls = r = http_req_new(cls, "/", conn);
        if (get) { /* its first call is over already */
            r->started = 1;
            r->method = strcmp(method, "GET") == 0 ? HTTP_M_GET : HTTP_M_HEAD;
        }
    }
    if (r == NULL) { /* no URI callback: cannot happen, but be safe */
        atomic_fetch_add(&((struct http *)cls)->inflight, 1);
        *req_cls = r = http_req_new(cls, "/", conn);
    }
    if (!r->started) {
        const char *cl;
        long len;

        r->started = 1;
        if (strcmp(method, "GET") == 0)
            r->method = HTTP_M_GET;
        else if (strcmp(method, "HEAD") == 0)
            r->method = HTTP_M_HEAD;
        else if (strcmp(method, "POST") == 0)
            r->method = HTTP_M_POST;
        else
            r->method = HTTP_M_OTHER;
        cl = r->method == HTTP_M_GET || r->method == HTTP_M_HEAD
                 ? NULL
                 : MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                               MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && (str_to_long(cl, 0, HTTP_BODY_MAX, &len) == -1)) {
            r->too_big = 1;
            return http_send_text(r, MHD_HTTP_CONTENT_TOO_LARGE,
                                  "request body too large (16 KB at most)\n");
        }
        /* answer on the next call: libmicrohttpd closes the connection
         * after a response queued before it has read the whole request */
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!r->too_big) {
            buf_add(&r->body, upload_data, *upload_data_size);
            if (r->body.failed)
                r->too_big = 1;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->too_big)
        return http_send_text(r, MHD_HTTP_CONTENT_TOO_LARGE,
                              "request body too large (16 KB at most)\n");
    if (r->method == HTTP_M_OTHER) {
        r->allow = "GET, HEAD, POST";
        return http_send_text(r, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "method not allowed\n");
    }
    http_acquire(r);
    if (r->job) { /* resumed: the writer has stored the sign-up */
        ret = http_page_subscribed(r);
    } else {
        r->now = str_now();
        http_client_addr(r);
        ret = http_route(r);
    }
    http_release(r);
    return ret;
}

/* http_mhd_log - libmicrohttpd's own messages */
static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    log_debug("web: libmicrohttpd: %s", msg);
}

/* ---- start, reload, stop ---- */

/* http_listen_addr - [web] listen as a sockaddr */
static int
http_listen_addr(const struct config *cfg, struct sockaddr_storage *ss, int *v6,
                 struct err *err)
{
    struct addrinfo hints, *ai = NULL;
    char port[16];
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%d", cfg->web_port);
    rc = getaddrinfo(cfg->web_host && *cfg->web_host ? cfg->web_host : NULL,
                     port, &hints, &ai);
    if (rc != 0 || ai == NULL) {
        err_set(err, ERR_PERM, "cannot resolve [web] listen '%s': %s",
                cfg->web_listen, gai_strerror(rc));
        return -1;
    }
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    return 0;
}

int
http_start(const struct config *cfg, const struct token_key *key,
           void (*wake)(void *), void *wake_arg, struct http **out,
           struct err *err)
{
    struct http *h = xcalloc(1, sizeof(*h));
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *di;
    unsigned int flags;
    int v6 = 0;
    char host[INET6_ADDRSTRLEN];

    h->key = key;
    h->wake = wake;
    h->wake_arg = wake_arg;
    h->started_at = str_now();
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->cond, NULL);
    pthread_mutex_init(&h->write_lock, NULL);
    pthread_mutex_init(&h->rate_lock, NULL);
    h->rate = xcalloc(HTTP_RATE_SLOTS, sizeof(*h->rate));
    if (http_gen_new(cfg, ++h->next_gen, &h->gen, err) == -1)
        goto fail;
    if (http_listen_addr(cfg, &ss, &v6, err) == -1)
        goto fail;
    if (http_write_start(h, cfg, err) == -1)
        goto fail;
    if (http_guard_start(h, cfg, err) == -1)
        goto fail;
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
            MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
            (v6 ? MHD_USE_IPv6 : 0);
    h->mhd = MHD_start_daemon(
        flags, (uint16_t)cfg->web_port, http_guard_accept, h, http_handler, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->web_threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->web_max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->web_timeout,
        MHD_OPTION_URI_LOG_CALLBACK, http_uri_cb, h,
        MHD_OPTION_NOTIFY_COMPLETED, http_completed_cb, h,
        MHD_OPTION_NOTIFY_CONNECTION, http_guard_notify, h,
        MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, h, MHD_OPTION_END);
    if (h->mhd == NULL) {
        err_set(err, ERR_PERM, "cannot listen on %s: %s", cfg->web_listen,
                errno ? strerror(errno) : "libmicrohttpd refused to start");
        goto fail;
    }
    di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : cfg->web_port;
    str_copy(host, sizeof(host), cfg->web_host ? cfg->web_host : "");
    if (v6)
        log_info("web: listening on http://[%s]:%d", host, h->port);
    else
        log_info("web: listening on http://%s:%d", host, h->port);
    *out = h;
    return 0;
fail:
    http_stop(h);
    return -1;
}

void
http_set_kick(struct http *h, void (*kick)(void *arg), void *arg)
{
    h->kick = kick;
    h->kick_arg = arg;
    atomic_store_explicit(&h->kick_set, 1, memory_order_release);
}

int
http_port(const struct http *h)
{
    return h ? h->port : 0;
}

int
http_reload(struct http *h, const struct config *cfg, struct err *err)
{
    struct http_gen *g = NULL, *old;
    const struct config *oc = h->gen->cfg;

    if (http_gen_new(cfg, h->next_gen + 1, &g, err) == -1)
        return -1;
    if (strcmp(oc->web_listen, cfg->web_listen) != 0 ||
        oc->web_threads != cfg->web_threads ||
        oc->web_max_connections != cfg->web_max_connections ||
        oc->web_timeout != cfg->web_timeout ||
        oc->web_request_deadline != cfg->web_request_deadline ||
        oc->web_per_client != cfg->web_per_client ||
        strcmp(oc->db_path, cfg->db_path) != 0)
        log_warn("web: [web] listen, threads, max_connections, "
                 "max_connections_per_client, timeout, request_deadline and "
                 "[database] path take effect after a restart");
    pthread_mutex_lock(&h->lock);
    h->next_gen++;
    old = h->gen;
    h->gen = g;
    while (old->refs > 0)
        pthread_cond_wait(&h->cond, &h->lock);
    /* free slots made for the old config drop what depends on it */
    for (struct http_slot *s = h->free_slots; s; s = s->next) {
        if (s->compose && s->compose_gen == old->id) {
            compose_free(s->compose);
            s->compose = NULL;
        }
    }
    pthread_mutex_unlock(&h->lock);
    http_gen_free(old);
    log_info("web: configuration reloaded");
    return 0;
}

void
http_stop(struct http *h)
{
    if (h == NULL)
        return;
    if (h->mhd) {
        MHD_socket s = MHD_quiesce_daemon(h->mhd);
        int64_t deadline = http_monotonic_ms() + 5000;
        /* let requests in progress finish, for five seconds at most;
         * idle keep-alive connections are simply closed */
        while (http_monotonic_ms() < deadline && atomic_load(&h->inflight) > 0)
            usleep(20 * 1000);
        /* libmicrohttpd must not be stopped with a connection suspended:
         * the writer finishes and resumes every job first; a sign-up that
         * arrives after this is answered 503 at once */
        http_write_stop(h);
        http_guard_stop(h);
        MHD_stop_daemon(h->mhd);
        if (s != MHD_INVALID_SOCKET)
            close(s);
    }
    http_write_stop(h); /* when libmicrohttpd never started */
    http_guard_free(h);
    for (struct http_slot *s = h->all_slots, *next; s; s = next) {
        next = s->all;
        compose_free(s->compose);
        db_close(s->db);
        tmpl_data_free(s->data);
        free(s);
    }
    http_gen_free(h->gen);
    free(h->rate);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->write_lock);
    pthread_mutex_destroy(&h->rate_lock);
    free(h);
}
