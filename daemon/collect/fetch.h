/* SPDX-License-Identifier: MIT */
/*
 * fetch - fetch several URLs at once with libcurl's multi interface.
 *
 * Different hosts are fetched in parallel, one connection per host at a
 * time (arXiv asks for that).  Each transfer has a connect timeout, a total
 * timeout, stall detection (less than 1 byte/s for FETCH_STALL_SECONDS or
 * half the total timeout, whichever is shorter), a size cap counted on the
 * decoded body (so a compression bomb stops at the cap too), compressed
 * transfer (Accept-Encoding with every codec libcurl has), and the
 * User-Agent "paperboy/VERSION (+contact)".  Conditional GET: pass the
 * ETag and Last-Modified remembered for the URL; a 304 reply is success
 * with not_modified set and an empty body.
 *
 * Retries: timeouts, stalls, connection failures and 5xx are retried up to
 * FETCH_MAX_RETRIES times with exponential backoff (base 1 s, or
 * $PAPERBOY_FETCH_BACKOFF_MS for tests); 429 and 503 wait for Retry-After
 * (seconds or an HTTP date) capped at retry_after_cap seconds.  Other 4xx
 * are permanent.
 *
 * Content type: the reply's Content-Type must fit the expected kind
 * (XML: application/xml, text/xml or any "+xml" type; JSON:
 * application/json or any "+json" type); text/html and others are an error
 * (arXiv and HF answer outages and blocks with HTML pages). file:// URLs have
 * no content type and are accepted.
 *
 * The transfers run in a separate small program, paperboy-fetch
 * (daemon/fetch/, the only code linked to libcurl), started for each
 * fetch_all() and gone when it returns: the daemon and the CLI never map
 * libcurl or the libraries it pulls in.  A helper that is missing, dies
 * or answers garbage fails every request with ERR_TEMP and the reason.
 * The caller's stop flag (fetch_opts.stop) ends it at once; it also ends
 * when its parent dies.
 *
 * Only daemon/fetch/ includes <curl/curl.h>.
 */
#ifndef PAPERBOY_FETCH_H
#define PAPERBOY_FETCH_H

#include <signal.h>
#include <stddef.h>

#include "backoff.h"
#include "buf.h"
#include "err.h"

#define FETCH_MAX_RETRIES 3
/* retried transfers wait 1, 2, 4 s (milliseconds; the cap is the delay
 * a fourth retry would have) */
#define FETCH_RETRY ((struct backoff){1000, 1000 << FETCH_MAX_RETRIES})
#define FETCH_STALL_SECONDS 30
#define FETCH_RETRY_AFTER_CAP 60 /* seconds; default cap for Retry-After */

enum fetch_expect {
    FETCH_ANY = 0,  /* no content-type check */
    FETCH_XML = 1,  /* RSS, Atom */
    FETCH_JSON = 2, /* HF daily papers */
};

struct fetch_opts {
    long connect_timeout; /* seconds */
    long timeout;         /* seconds, whole transfer */
    long max_bytes;       /* decoded body cap, bytes */
    long retry_after_cap; /* seconds; longer Retry-After is cut to this */
    const char *contact;  /* operator contact for the User-Agent, or "" */
    /* the caller's stop flag, or NULL; stays in this process (the helper
     * never sees it): see fetch_all() */
    const volatile sig_atomic_t *stop;
};

/* One request and, after fetch_all(), its result. */
struct fetch_req {
    /* in */
    const char *url;           /* borrowed; http, https or file */
    enum fetch_expect expect;  /* content-type check */
    const char *etag;          /* borrowed; previous ETag or NULL */
    const char *last_modified; /* borrowed; previous Last-Modified or NULL */

    /* out */
    int ok;                  /* 1: body (or not_modified) is good */
    int not_modified;        /* 1: HTTP 304 */
    long status;             /* HTTP status of the last attempt (0 file/none) */
    int attempts;            /* 1 + retries made */
    struct buf body;         /* the response body (decoded), when ok */
    char *new_etag;          /* ETag of the reply or NULL; owned */
    char *new_last_modified; /* Last-Modified of the reply or NULL; owned */
    char content_type[128];  /* as received, "" if none */
    long elapsed_ms;         /* wall time over all attempts */
    int stopped;             /* 1: cut short by the stop flag (!ok) */
    struct err err;          /* why, when !ok; names the URL */
};

/* fetch_opts_default - timeouts from the config's defaults (60 s, 15 s,
 * 32 MiB, 60 s), no contact, no stop flag */
void fetch_opts_default(struct fetch_opts *o);

/* fetch_req_init - zero a request for url; fetch_req_release frees the
 * outputs */
void fetch_req_init(struct fetch_req *r, const char *url,
                    enum fetch_expect expect);
void fetch_req_release(struct fetch_req *r);

#define FETCH_STOP_POLL_MS 100  /* how often fetch_all() looks at stop */
#define FETCH_STOP_KILL_MS 1000 /* SIGTERM, then SIGKILL after this */

/* fetch_stop_requested - 1 once *stop (NULL: never) is non-zero; an
 * atomic load, for a flag a signal handler or another thread sets */
static inline int
fetch_stop_requested(const volatile sig_atomic_t *stop)
{
    return stop != NULL && __atomic_load_n(stop, __ATOMIC_RELAXED) != 0;
}

/*
 * fetch_all - perform the n requests, in parallel across hosts, and fill
 * their out fields.  Returns 0 when every request is ok, -1 when at least
 * one failed (see each req's err); never fails as a whole otherwise.
 *
 * Stopping: when o->stop is set and *o->stop becomes non-zero (read with
 * an atomic load, so another thread may set it with an atomic store),
 * fetch_all() notices within FETCH_STOP_POLL_MS (at once when a signal
 * handler set it and interrupted the wait), stops the helper (SIGTERM,
 * SIGKILL after FETCH_STOP_KILL_MS), reaps it, and fails every request
 * with stopped set, ERR_TEMP and "stopped before it was done": the
 * helper answers only once all its transfers are over, so none of their
 * results is kept.  With *o->stop already set no helper is started.
 * A helper killed by SIGTERM or SIGINT (the stop signal sent to the
 * whole process group or cgroup) while *o->stop is set, or becomes set
 * within 1 s, also counts as stopped, not as a failure.
 */
int fetch_all(struct fetch_req *reqs, size_t n, const struct fetch_opts *o);

/*
 * fetch_set_helper - run later fetch_all() calls through the program exe
 * (borrowed for good) instead of the paperboy-fetch that fetch_all()
 * finds itself (beside the running program, else where cmake --install
 * puts it); NULL goes back to finding it.  For tests; call before threads
 * start.
 */
void fetch_set_helper(const char *exe);

/* fetch_user_agent - "paperboy/VERSION (+contact)" into out */
void fetch_user_agent(const char *contact, char *out, size_t size);

/* fetch_type_ok - 1 if content type ct fits expect ("" fits anything) */
int fetch_type_ok(const char *ct, enum fetch_expect expect);

#endif
