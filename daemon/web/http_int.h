/* SPDX-License-Identifier: MIT */
/*
 * http_int - what the parts of the web module share (http.c: server and
 * request plumbing; http_static.c: static files; http_pages.c: the form
 * pages; http_token.c: the pages behind signed links; http_public.c:
 * archive, feed and metrics; http_health.c: /healthz and the health
 * gauges; http_manage.c: "manage my subscription"; http_feed.c: the
 * private feeds; http_view.c: the policy of "view in browser";
 * http_guard.c: the per-client connection limit and the request
 * deadline).  Private to http*.c: the only header besides http_form.h that
 * includes <microhttpd.h>.
 */
#ifndef PAPERBOY_HTTP_INT_H
#define PAPERBOY_HTTP_INT_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "addr.h"
#include "buf.h"
#include "catnames.h"
#include "config.h"
#include "db.h"
#include "db_sub.h"
#include "http.h"
#include "http_form.h"
#include "tmpl.h"
#include "token.h"
#include "tz_names.h"

#define HTTP_PAGE_MAX (1024 * 1024) /* bytes of one rendered page */
#define HTTP_URI_MAX 2048           /* bytes of a request target */
#define HTTP_RETRY_AFTER_BUSY 5     /* seconds to wait after a 503 */
#define HTTP_INDEX_CACHE_MS 5000    /* GET / is rendered at most this often */
#define HTTP_RATE_SLOTS 4096        /* clients remembered by the limiter */
#define HTTP_CLIENT_KEY 48          /* bytes of a client key, with its NUL */

/* Page templates, loaded per config generation. */
enum http_tmpl {
    HTTP_T_INDEX,
    HTTP_T_SAMPLE,
    HTTP_T_SUBSCRIBED,
    HTTP_T_CONFIRM,
    HTTP_T_CONFIRMED,
    HTTP_T_PREFERENCES,
    HTTP_T_UNSUBSCRIBE,
    HTTP_T_UNSUBSCRIBED,
    HTTP_T_ERROR,
    HTTP_T_ARCHIVE,
    HTTP_T_FEED,
    HTTP_T_MANAGE,
    HTTP_T_MYFEED,
    HTTP_T_VOTE,
    HTTP_T_ERASE,
    HTTP_T_COUNT
};

/* Routes, for the request counters in /metrics. */
enum http_route {
    HTTP_R_INDEX,
    HTTP_R_SAMPLE,
    HTTP_R_SUBSCRIBE,
    HTTP_R_CONFIRM,
    HTTP_R_PREFERENCES,
    HTTP_R_UNSUBSCRIBE,
    HTTP_R_DIGEST,
    HTTP_R_ARCHIVE,
    HTTP_R_FEED,
    HTTP_R_HEALTHZ,
    HTTP_R_METRICS,
    HTTP_R_STATIC,
    HTTP_R_MANAGE,
    HTTP_R_MYFEED,
    HTTP_R_VOTE,
    HTTP_R_OTHER,
    HTTP_R_COUNT
};

/* Status codes counted one by one; the rest go to "other". */
#define HTTP_STATUS_LIST                                                       \
    X(200) X(204) X(304) X(400) X(404) X(405) X(413) X(414) X(429) X(500) X(503)
enum http_status_idx {
#define X(c) HTTP_S_##c,
    HTTP_STATUS_LIST
#undef X
        HTTP_S_OTHER,
    HTTP_S_COUNT
};

/* One file of web/static, held in memory with its response. */
struct http_static {
    char *name;                /* "style.css" */
    struct MHD_Response *resp; /* 200 response, reused for every request */
    char etag[24];             /* "\"<16 hex>\"" */
};

/* A trusted proxy: an address and a prefix length. */
struct http_proxy {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order */
    int bits;               /* prefix length */
};

/* Everything that comes from one config: swapped whole by reload. */
struct http_gen {
    const struct config *cfg;     /* borrowed from the caller */
    uint64_t id;                  /* generation number */
    int refs;                     /* requests using it (under h->lock) */
    struct tmpl *t[HTTP_T_COUNT]; /* compiled page templates */
    struct http_static *statics;  /* sorted by name */
    size_t nstatic;
    struct http_proxy *proxies;
    size_t nproxies;
    struct catnames *cats; /* arXiv category names (catnames.h) */
    struct tz_names zones; /* the zones offered on /preferences; may be
                              empty when the system has no zone tables */
    struct MHD_Response *index_resp; /* cached GET / (under http.lock) */
    int64_t index_at;                /* monotonic ms when rendered */
};

struct compose;
struct http_guard;

/* One sign-up handed to the writer thread (http_write.c). */
struct http_job {
    struct MHD_Connection *conn; /* suspended until the job is done */
    struct http_gen *gen;        /* referenced until the job is written */
    char email[ADDR_SIZE];       /* normalised */
    int64_t list_id;
    char *list_title; /* owned; for the answer page */
    char *keywords;   /* owned; "" = none */
    char *categories; /* owned; "" = the list's */
    int max_papers;
    enum db_sub_cadence cadence; /* DB_SUB_CADENCE_UNSET: not posted */
    int weekday;                 /* weekly: 0 = Sunday .. 6 */
    int64_t now;
    int64_t answer_at_ms; /* monotonic: resumed no sooner (answer floor) */
    /* the result, set by the writer before it resumes the connection */
    atomic_int done;
    int rc;     /* 0 stored, -1 failed (err) */
    int queued; /* a confirmation mail was queued */
    struct err err;
    struct http_job *next; /* queue link */
};

/* What a request handler borrows: its own db connection and arena. */
struct http_slot {
    struct db *db;           /* opened on first use */
    struct compose *compose; /* for /d/TOKEN, made on first use */
    uint64_t compose_gen;    /* generation compose was made for */
    struct tmpl_data *data;  /* template data, reset per request */
    struct http_slot *next;  /* free list */
    struct http_slot *all;   /* every slot, for http_stop */
};

/* Per-client token bucket for POST /subscribe. */
struct http_rate_entry {
    char client[48]; /* numeric address; "" = free */
    double tokens;   /* requests left, refilled continuously */
    int64_t last_ms; /* monotonic ms of the last update */
};

struct http {
    struct MHD_Daemon *mhd;
    int port;                    /* bound port */
    const struct token_key *key; /* borrowed */
    void (*wake)(void *);
    void *wake_arg;
    /* the daemon's side of /healthz (http_set_health); read only once
     * health_set is 1 */
    void (*health)(void *, struct http_daemon_state *);
    void *health_arg;
    atomic_int health_set;
    /* the scheduler's wake-up (http_set_kick); read only once kick_set
     * is 1 */
    void (*kick)(void *);
    void *kick_arg;
    atomic_int kick_set;
    pthread_mutex_t lock; /* gen, slots */
    pthread_cond_t cond;  /* signalled when gen refs drop */
    struct http_gen *gen;
    uint64_t next_gen;
    struct http_slot *free_slots;
    struct http_slot *all_slots;
    pthread_mutex_t write_lock; /* one web write transaction at a time */
    pthread_mutex_t rate_lock;
    struct http_rate_entry *rate; /* HTTP_RATE_SLOTS entries */
    _Atomic uint64_t hits[HTTP_R_COUNT][HTTP_S_COUNT];
    int64_t started_at;       /* unix seconds */
    atomic_int inflight;      /* requests begun and not completed */
    struct http_guard *guard; /* per-client limit, deadline (http_guard.c) */
    /* the sign-up writer (http_write.c) */
    pthread_mutex_t wq_lock;
    pthread_cond_t wq_cond;
    struct http_job *wq_head, **wq_tail; /* jobs waiting for a batch */
    int wq_stop, wq_running;
    pthread_t wq_thread;
    struct db *wdb; /* the writer's connection */
    char *db_path;  /* for the checkpointer's connection */
    int busy_timeout_ms;
    _Atomic int wal_frames; /* WAL size after the writer's last commit */
    pthread_cond_t ck_cond; /* under wq_lock: checkpoint wanted/stop */
    int ck_wanted, ck_stop, ck_running;
    pthread_t ck_thread;
    _Atomic uint64_t wq_batches; /* transactions committed */
    _Atomic uint64_t wq_jobs;    /* sign-ups they carried */
};

enum http_method { HTTP_M_GET, HTTP_M_HEAD, HTTP_M_POST, HTTP_M_OTHER };

/* One request, from the URI log callback to the completion callback. */
struct http_req {
    struct http *h;
    struct MHD_Connection *conn;
    char *uri;   /* raw request target, as sent */
    int started; /* the access handler has seen it */
    enum http_method method;
    struct buf body; /* request body, capped at HTTP_BODY_MAX */
    int too_big;     /* body went over the cap */
    /* set while the handler runs */
    struct http_gen *gen;
    struct http_slot *slot;
    const struct config *cfg;     /* gen->cfg */
    struct buf path;              /* decoded path */
    struct http_form query;       /* decoded query string */
    struct http_form form;        /* decoded body (POST) */
    char client[HTTP_CLIENT_KEY]; /* client key (http_client_key) */
    int64_t now;                  /* str_now() at dispatch */
    enum http_route route;
    /* response extras */
    int retry_after;         /* seconds; 0 = no header */
    const char *allow;       /* Allow header for 405, or NULL */
    const char *cache;       /* Cache-Control, default "no-store" */
    struct http_job *job;    /* POST /subscribe handed to the writer */
    char *csp;               /* owned: this answer's own policy, or NULL */
    const char *disposition; /* Content-Disposition (a literal), or NULL */
};

/* ---- http.c ---- */

/* http_send - send body (consumed) with status and content type; the
 * security headers are always added.  Returns an MHD result. */
enum MHD_Result http_send(struct http_req *r, unsigned status,
                          const char *ctype, struct buf *body);
/* http_send_text - a short plain-text answer */
enum MHD_Result http_send_text(struct http_req *r, unsigned status,
                               const char *text);
/* http_render - render template t with root and send it as text/html */
enum MHD_Result http_render(struct http_req *r, unsigned status,
                            enum http_tmpl t, struct tmpl_obj *root);
/* http_error_page - the error page: a title, an explanation, a link back
 * to the form */
enum MHD_Result http_error_page(struct http_req *r, unsigned status,
                                const char *title, const char *msg);
/* http_fail - answer for a failed operation: 503 + Retry-After when
 * err is ERR_TEMP (database busy), else 500; logs it */
enum MHD_Result http_fail(struct http_req *r, const struct err *err,
                          const char *what);
/* http_root - a fresh template root with the values every page uses */
struct tmpl_obj *http_root(struct http_req *r, const char *title);
/* http_db - the slot's database, opened on first use; NULL with err */
struct db *http_db(struct http_req *r, struct err *err);
/* http_add_security - the headers every response carries */
void http_add_security(struct MHD_Response *resp);
/* http_monotonic_ms - CLOCK_MONOTONIC in milliseconds */
int64_t http_monotonic_ms(void);
/* http_count - record one answer in the metrics */
void http_count(struct http *h, enum http_route route, unsigned status);
/* http_gen_unref - drop a reference on generation g (taken under h->lock
 * by http_gen_ref) */
struct http_gen *http_gen_ref(struct http *h, struct http_gen *g);
void http_gen_unref(struct http *h, struct http_gen *g);

/* http_sockaddr_bytes - the address bytes of sa into out; IPv4-mapped
 * IPv6 comes back as IPv4.  Returns AF_INET, AF_INET6, or 0 if unknown. */
int http_sockaddr_bytes(const struct sockaddr *sa, unsigned char out[16]);
/* http_is_trusted - 1 if (family, addr) is one of g's trusted proxies */
int http_is_trusted(const struct http_gen *g, int family,
                    const unsigned char *addr);
/* http_client_key - the key one client is counted under, for the rate
 * limit and the connection limit: an IPv4 address ("192.0.2.7"), or the
 * /64 an IPv6 address is in ("2001:db8:1:2::/64"), since one host usually
 * holds a whole /64.  An IPv4-mapped IPv6 address counts as IPv4.  addr
 * holds 4 bytes (AF_INET) or 16 (AF_INET6). */
void http_client_key(int family, const unsigned char *addr, char *out,
                     size_t size);

/* ---- http_guard.c ---- */

/* http_guard_start - the counters and the reaper thread, before the
 * daemon starts; http_guard_free (after MHD_stop_daemon) ends them */
int http_guard_start(struct http *h, const struct config *cfg, struct err *err);
void http_guard_stop(struct http *h);
void http_guard_free(struct http *h);
/* http_guard_accept - the accept policy: MHD_NO when the peer holds its
 * limit of connections already */
enum MHD_Result http_guard_accept(void *cls, const struct sockaddr *sa,
                                  socklen_t len);
/* http_guard_notify - libmicrohttpd's connection notification */
void http_guard_notify(void *cls, struct MHD_Connection *conn, void **ctx,
                       enum MHD_ConnectionNotificationCode code);
/* http_guard_proxied - 1 if conn comes from a trusted proxy */
int http_guard_proxied(struct MHD_Connection *conn);
/* http_guard_forwarded - count the request now on conn (from a trusted
 * proxy) for the forwarded client key until it is done; -1 when that
 * client holds its limit already (answer 429 and take nothing) */
int http_guard_forwarded(struct http *h, struct MHD_Connection *conn,
                         const char *key);
/* http_guard_request_in - the access handler has the whole request: its
 * deadline no longer applies */
void http_guard_request_in(struct http *h, struct MHD_Connection *conn);
/* http_guard_done - the request is over: the next one's deadline starts */
void http_guard_done(struct http *h, struct MHD_Connection *conn);
/* for /metrics: connections refused at the per-client limit, and cut at
 * the request deadline */
uint64_t http_guard_refused(const struct http *h);
uint64_t http_guard_timed_out(const struct http *h);

/* ---- http_write.c ---- */

/* http_write_start - start the writer and checkpointer threads */
int http_write_start(struct http *h, const struct config *cfg, struct err *err);
/* http_hold_until - sleep until the monotonic time until_ms (str_mono_ms):
 * the answer floor of the forms whose timing must not tell a known address
 * from an unknown one ([web] subscribe_answer_ms) */
void http_hold_until(int64_t until_ms);
/* http_write_submit - suspend j->conn and queue j; -1 (nothing done) when
 * the writer is stopping: answer at once instead */
int http_write_submit(struct http *h, struct http_job *j);
/* http_write_stop - let the writer finish every queued job, then join it */
void http_write_stop(struct http *h);
void http_job_free(struct http_job *j);

/* ---- http_static.c ---- */

/* http_static_load - read every regular file of dir into gen */
int http_static_load(struct http_gen *g, const char *dir, struct err *err);
void http_static_free(struct http_gen *g);
/* http_static_serve - GET /static/NAME */
enum MHD_Result http_static_serve(struct http_req *r, const char *name);

/* ---- http_pages.c ---- */
enum MHD_Result http_page_index(struct http_req *r);
enum MHD_Result http_page_sample(struct http_req *r);
enum MHD_Result http_page_subscribe(struct http_req *r);
/* http_page_subscribed - the answer once the writer has stored r->job */
enum MHD_Result http_page_subscribed(struct http_req *r);
/* http_categories_fill - one item of root's "categories" per category
 * of list_categories ("cs.LG,cs.CL"), each with "name", "title" (arXiv's
 * name for it, when the taxonomy has one) and "checked" (one of
 * checked's) */
void http_categories_fill(const struct http_req *r, struct tmpl_obj *root,
                          const char *list_categories, const char *checked);
/* http_cadence_fill - root's "weekly" (the weekly choice is checked) and
 * "weekdays" (Monday first, each with "value" "monday"..., "label"
 * "Monday"... and "selected": weekday, else Monday) for the cadence
 * partial (cadence.html) */
void http_cadence_fill(struct tmpl_obj *root, enum db_sub_cadence cadence,
                       int weekday);
/* http_rate_take - 0 when client may post now, else the seconds to wait */
int http_rate_take(struct http *h, const char *client, int per_minute);

/* ---- http_token.c ---- */
enum MHD_Result http_page_confirm(struct http_req *r, const char *tok);
enum MHD_Result http_page_preferences(struct http_req *r, const char *tok);
enum MHD_Result http_page_unsubscribe(struct http_req *r, const char *tok);
enum MHD_Result http_page_digest(struct http_req *r, const char *tok);
struct db_subscription;
/* http_token_sub - verify tok for purpose and load its subscription into
 * sub; 0 when the page may go on, else -1 with the answer sent (400 for a
 * bad token, 404 for a subscription that is gone) and held in *ret */
int http_token_sub(struct http_req *r, const char *tok,
                   enum token_purpose purpose, struct db **dbp,
                   struct db_subscription *sub, int64_t *issued_at,
                   enum MHD_Result *ret);

/* ---- http_mydata.c ---- */
/* http_page_mydata - GET /data/TOKEN (a preferences token): the
 * subscriber's data as a JSON attachment (db_export_subscriber()) */
enum MHD_Result http_page_mydata(struct http_req *r, const char *tok);
/* http_page_erase - /erase/TOKEN: GET asks, POST with confirm=erase
 * deletes everything (sub_erase()) */
enum MHD_Result http_page_erase(struct http_req *r, const char *tok);

/* ---- http_manage.c ---- */
/* http_page_manage - GET /manage: the form; POST /manage: mail the
 * address its links (same answer for every valid address) */
enum MHD_Result http_page_manage(struct http_req *r);

/* ---- http_feed.c ---- */
struct db_subscription;
/* http_page_myfeed - GET /f/TOKEN: a subscription's private Atom feed */
enum MHD_Result http_page_myfeed(struct http_req *r, const char *tok);
/* http_feed_url - the private feed's URL of sub (the same at every call) */
void http_feed_url(struct http_req *r, const struct db_subscription *sub,
                   char *out, size_t size);

/* ---- http_votes.c ---- */
/* http_page_vote - GET (the page, nothing recorded) or POST (record) of
 * /more/TOKEN (vote 1) and /less/TOKEN (vote -1) */
enum MHD_Result http_page_vote(struct http_req *r, const char *tok, int vote);
/* http_votes_prefs_fill - sub's votes into root's "votes" list */
void http_votes_prefs_fill(struct db *db, const struct db_subscription *sub,
                           struct tmpl_obj *root);
/* http_votes_prefs_post - a preferences POST whose action starts with
 * "vote_": change, remove or add votes; what the reader must fix goes
 * into root ("votes_error"), -1 with err only on a server fault */
int http_votes_prefs_post(struct http_req *r, struct db *db,
                          const struct db_subscription *sub, const char *action,
                          struct tmpl_obj *root, struct err *err);

/* ---- http_view.c ---- */

/* http_view_policy - append to out the Content-Security-Policy of a
 * "view in browser" page: the site's, with the SHA-256 of each distinct
 * style attribute value of html allowed ('unsafe-hashes').  -1 when the
 * page has too many distinct values or out overflowed: send the site's
 * policy instead. */
int http_view_policy(const char *html, size_t len, struct buf *out);

/* ---- http_public.c ---- */
enum MHD_Result http_page_archive(struct http_req *r, const char *list,
                                  const char *day);
enum MHD_Result http_page_feed(struct http_req *r, const char *list);
enum MHD_Result http_page_metrics(struct http_req *r);

/* ---- http_health.c ---- */
enum MHD_Result http_page_healthz(struct http_req *r);
/* http_health_metrics - append the health gauges to b; -1 when the
 * database cannot be read (the gauges say so; the caller adds no
 * database figures) */
int http_health_metrics(struct http_req *r, struct buf *b);

#endif
