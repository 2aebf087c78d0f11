/* SPDX-License-Identifier: MIT */
/*
 * http_health - GET /healthz and the health gauges of /metrics: one
 * verdict from the database's rows and the daemon's delivery state.
 *
 *   failing   the database cannot be read (503 with Retry-After)
 *   degraded  any of: every source failed at the latest collection pass,
 *             the SMTP relay unreachable for over HTTP_HEALTH_SMTP_S,
 *             the oldest mail still to deliver older than
 *             HTTP_HEALTH_QUEUE_S, delivery paused because results cannot
 *             be stored or claims made, a delivery worker exited (200,
 *             with the reasons)
 *   ok        none of these (200)
 *
 * /healthz is public, so it says what is wrong in reason codes and
 * sentences of its own, never in the text of an error (an SMTP error
 * names the relay, a store or database error a path): that text is in
 * the daemon's log, where the delivery workers put it, and a database
 * error is logged here at most once a minute.  /metrics has only codes
 * and numbers too.
 *
 * Ages are judged by the daemon's clock (http_set_health), so the test
 * hook that moves the scheduler's clock moves them too.  Without a daemon
 * state (the web alone) only the database's facts count.  Nothing here
 * writes.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "db_pause.h"
#include "db_web.h"
#include "http_int.h"
#include "http_pauses.h"
#include "log.h"
#include "outbox.h"
#include "str.h"

#define HTTP_HEALTH_SMTP_S 900   /* relay unreachable: degraded after */
#define HTTP_HEALTH_QUEUE_S 3600 /* oldest queued mail: degraded after */
#define HTTP_HEALTH_LOG_S 60     /* a database error is logged this often */

enum http_health_reason {
    HTTP_H_SOURCES, /* every source failed at the latest pass */
    HTTP_H_SMTP,    /* relay unreachable too long */
    HTTP_H_QUEUE,   /* oldest queued mail too old */
    HTTP_H_PAUSED,  /* delivery paused: results cannot be stored */
    HTTP_H_LISTS,   /* a list paused by the bounce and complaint guard */
    HTTP_H_STOPPED, /* delivery workers that exited (running < workers) */
    HTTP_H_NREASONS,
};

static const char *const http_health_names[HTTP_H_NREASONS] = {
    [HTTP_H_SOURCES] = "sources_failed", [HTTP_H_SMTP] = "smtp_unreachable",
    [HTTP_H_QUEUE] = "queue_stale",      [HTTP_H_PAUSED] = "delivery_paused",
    [HTTP_H_LISTS] = "list_paused",      [HTTP_H_STOPPED] = "delivery_stopped",
};

/* The facts and the verdict. */
struct http_health {
    int db_ok;
    struct err err;        /* why the database cannot be read */
    int collected;         /* 0: run and pass hold the latest */
    struct db_web_run run; /* latest collect_runs row */
    struct db_web_pass pass;
    struct db *db;           /* the request's connection, when db_ok */
    int64_t paused_lists;    /* lists the guard paused */
    char paused_list[64];    /* the first of them, by name */
    char paused_reason[256]; /* and why */
    int64_t depth;           /* mails still to deliver */
    int64_t oldest;          /* created_at of the oldest of them, or 0 */
    struct http_daemon_state st;
    int have_state; /* st came from the daemon */
    int64_t now;
    int reason[HTTP_H_NREASONS];
    const char *status; /* "ok", "degraded", "failing" */
    int level;          /* 0, 1, 2 */
};

void
http_set_health(struct http *h,
                void (*state)(void *arg, struct http_daemon_state *out),
                void *arg)
{
    h->health = state;
    h->health_arg = arg;
    atomic_store_explicit(&h->health_set, 1, memory_order_release);
}

/* http_health_on_pause - db_pause_each callback: count, keep the first */
static int
http_health_on_pause(void *arg, const char *list, const char *reason,
                     int64_t paused_at)
{
    struct http_health *f = arg;

    (void)paused_at;
    if (f->paused_lists++ == 0) {
        str_copy(f->paused_list, sizeof(f->paused_list), list);
        str_copy(f->paused_reason, sizeof(f->paused_reason), reason);
    }
    return 0;
}

/* http_health_facts - read the database and ask the daemon */
static void
http_health_facts(struct http_req *r, struct http_health *f)
{
    struct db *db;
    int found = 1;

    memset(f, 0, sizeof(*f));
    err_init(&f->err);
    f->now = r->now;
    if (atomic_load_explicit(&r->h->health_set, memory_order_acquire)) {
        r->h->health(r->h->health_arg, &f->st);
        f->have_state = 1;
        f->now = f->st.now;
    }
    f->db_ok = (db = http_db(r, &f->err)) != NULL &&
               db_web_ping(db, &f->err) == 0 &&
               (found = db_web_last_collection(db, &f->run, &f->err)) != -1 &&
               (found == 1 || db_web_last_pass(db, &f->pass, &f->err) != -1) &&
               outbox_depth(db, &f->depth, &f->err) == 0 &&
               db_web_oldest_queued(db, &f->oldest, &f->err) == 0 &&
               db_pause_each(db, http_health_on_pause, f, &f->err) == 0;
    f->collected = f->db_ok && found == 0;
    f->db = f->db_ok ? db : NULL;
}

/* http_health_judge - the reasons and the status from the facts */
static void
http_health_judge(struct http_health *f)
{
    const struct deliver_stats *dv = &f->st.delivery;
    int any = 0;

    f->reason[HTTP_H_SOURCES] = f->collected && f->pass.sources > 0 &&
                                f->pass.failed == f->pass.sources;
    f->reason[HTTP_H_QUEUE] =
        f->db_ok && f->oldest > 0 && f->now - f->oldest > HTTP_HEALTH_QUEUE_S;
    f->reason[HTTP_H_SMTP] = f->st.delivering && dv->smtp_down_since > 0 &&
                             f->now - dv->smtp_down_since > HTTP_HEALTH_SMTP_S;
    f->reason[HTTP_H_PAUSED] = f->st.delivering && dv->paused > 0;
    f->reason[HTTP_H_LISTS] = f->db_ok && f->paused_lists > 0;
    f->reason[HTTP_H_STOPPED] = f->st.delivering && dv->running < dv->workers;
    for (int i = 0; i < HTTP_H_NREASONS; i++)
        any |= f->reason[i];
    f->level = !f->db_ok ? 2 : any ? 1 : 0;
    f->status = f->level == 2 ? "failing" : f->level == 1 ? "degraded" : "ok";
}

/* http_health_age - seconds since t by the health clock, 0 for t = 0 */
static int64_t
http_health_age(const struct http_health *f, int64_t t)
{
    return t > 0 && f->now > t ? f->now - t : 0;
}

/* http_health_detail - the sentence for reason i into b (JSON-escaped) */
static void
http_health_detail(const struct http_health *f, int i, struct buf *b)
{
    const struct deliver_stats *dv = &f->st.delivery;
    char s[512];

    switch (i) {
    case HTTP_H_SOURCES:
        snprintf(s, sizeof(s),
                 "all %" PRId64 " sources failed at the latest "
                 "collection",
                 f->pass.sources);
        break;
    case HTTP_H_SMTP:
        snprintf(s, sizeof(s),
                 "SMTP unreachable for %" PRId64 " minutes (the log says why)",
                 http_health_age(f, dv->smtp_down_since) / 60);
        break;
    case HTTP_H_QUEUE:
        snprintf(s, sizeof(s),
                 "the oldest queued mail is %" PRId64 " minutes old",
                 http_health_age(f, f->oldest) / 60);
        break;
    case HTTP_H_LISTS:
        snprintf(s, sizeof(s),
                 "%" PRId64 " list%s paused: %s: %s ('paperboy list resume "
                 "%s' continues it)",
                 f->paused_lists, f->paused_lists == 1 ? "" : "s",
                 f->paused_list, f->paused_reason, f->paused_list);
        break;
    case HTTP_H_STOPPED:
        snprintf(s, sizeof(s),
                 "%d of %d delivery workers have stopped (the log says why; "
                 "a reload or restart starts them again)",
                 dv->workers - dv->running, dv->workers);
        break;
    default:
        snprintf(s, sizeof(s), "delivery paused: %s (the log says why)",
                 strcmp(dv->paused_code, "claim_error") == 0
                     ? "claims fail"
                     : "results can be recorded nowhere");
        break;
    }
    buf_add_json(b, s, strlen(s));
}

/* http_health_log_db - the database error behind "failing", for the
 * log only, at most every HTTP_HEALTH_LOG_S seconds */
static void
http_health_log_db(const struct http_health *f)
{
    static _Atomic int64_t logged_at;
    int64_t last = atomic_load(&logged_at);

    if (f->now - last < HTTP_HEALTH_LOG_S && f->now >= last)
        return;
    if (atomic_compare_exchange_strong(&logged_at, &last, f->now))
        log_warn("healthz: the database cannot be read: %s", f->err.msg);
}

enum MHD_Result
http_page_healthz(struct http_req *r)
{
    struct http_health f;
    const struct deliver_stats *dv = &f.st.delivery;
    struct buf b;
    const char *sep = "";

    http_health_facts(r, &f);
    http_health_judge(&f);
    buf_init(&b, 8192);
    buf_addf(&b, "{\"status\":\"%s\",\"reasons\":[", f.status);
    for (int i = 0; i < HTTP_H_NREASONS; i++) {
        if (!f.reason[i])
            continue;
        buf_addf(&b, "%s{\"reason\":\"%s\",\"detail\":\"", sep,
                 http_health_names[i]);
        http_health_detail(&f, i, &b);
        buf_adds(&b, "\"}");
        sep = ",";
    }
    buf_addf(&b, "],\"database\":%s", f.db_ok ? "true" : "false");
    if (f.collected) {
        buf_adds(&b, ",\"last_collection\":{\"source\":\"");
        buf_add_json(&b, f.run.source, strlen(f.run.source));
        buf_addf(&b,
                 "\",\"day\":\"%s\",\"started_at\":%" PRId64
                 ",\"finished_at\":%" PRId64 ",\"finished\":%s"
                 ",\"ok\":%s,\"duration_ms\":%" PRId64 ",\"sources\":%" PRId64
                 ",\"failed\":%" PRId64 "}",
                 f.run.day, f.run.started_at, f.run.finished_at,
                 f.run.finished_at != 0 ? "true" : "false",
                 f.run.ok ? "true" : "false", f.run.duration_ms, f.pass.sources,
                 f.pass.failed);
    } else {
        buf_adds(&b, ",\"last_collection\":null");
    }
    if (f.db_ok) {
        buf_addf(&b,
                 ",\"outbox_depth\":%" PRId64
                 ",\"oldest_queued_age_seconds\":%" PRId64,
                 f.depth, http_health_age(&f, f.oldest));
        http_healthz_pauses(f.db, &b); /* the bounce guard's paused lists */
    } else {
        http_health_log_db(&f);
        buf_adds(&b, ",\"error\":\"database_unreadable\"");
    }
    if (f.st.delivering) {
        buf_addf(&b,
                 ",\"delivery\":{\"workers\":%d,\"running\":%d,"
                 "\"paused\":%d,\"paused_reason\":\"",
                 dv->workers, dv->running, dv->paused);
        buf_adds(&b, dv->paused > 0 ? dv->paused_code : "");
        buf_addf(&b,
                 "\",\"smtp_unreachable_seconds\":%" PRId64
                 ",\"smtp_error\":\"%s\"}",
                 http_health_age(&f, dv->smtp_down_since),
                 dv->smtp_down_since > 0 ? "smtp_unreachable" : "");
    }
    buf_addf(&b, ",\"uptime_seconds\":%" PRId64 "}\n",
             r->now - r->h->started_at);
    if (!f.db_ok)
        r->retry_after = HTTP_RETRY_AFTER_BUSY;
    return http_send(r, f.db_ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
                     "application/json", &b);
}

int
http_health_metrics(struct http_req *r, struct buf *b)
{
    struct http_health f;
    const struct deliver_stats *dv = &f.st.delivery;

    http_health_facts(r, &f);
    http_health_judge(&f);
    buf_addf(b,
             "# HELP paperboy_health_status What /healthz says: 0 ok, 1 "
             "degraded, 2 failing.\n"
             "# TYPE paperboy_health_status gauge\n"
             "paperboy_health_status %d\n"
             "# HELP paperboy_health_reason 1 while a reason for degraded "
             "holds.\n"
             "# TYPE paperboy_health_reason gauge\n",
             f.level);
    for (int i = 0; i < HTTP_H_NREASONS; i++)
        buf_addf(b, "paperboy_health_reason{reason=\"%s\"} %d\n",
                 http_health_names[i], f.reason[i]);
    buf_addf(b,
             "# HELP paperboy_database_readable 1 when the database answers "
             "a read.\n"
             "# TYPE paperboy_database_readable gauge\n"
             "paperboy_database_readable %d\n"
             "# HELP paperboy_collect_last_pass_sources Sources in the "
             "latest collection pass.\n"
             "# TYPE paperboy_collect_last_pass_sources gauge\n"
             "paperboy_collect_last_pass_sources %" PRId64 "\n"
             "# HELP paperboy_collect_last_pass_failed Of them, failed.\n"
             "# TYPE paperboy_collect_last_pass_failed gauge\n"
             "paperboy_collect_last_pass_failed %" PRId64 "\n"
             "# HELP paperboy_outbox_oldest_age_seconds Age of the oldest "
             "mail still to deliver (0: none).\n"
             "# TYPE paperboy_outbox_oldest_age_seconds gauge\n"
             "paperboy_outbox_oldest_age_seconds %" PRId64 "\n"
             "# HELP paperboy_smtp_unreachable_seconds How long the relay "
             "has refused sessions (0: reachable).\n"
             "# TYPE paperboy_smtp_unreachable_seconds gauge\n"
             "paperboy_smtp_unreachable_seconds %" PRId64 "\n"
             "# HELP paperboy_delivery_paused Delivery workers paused "
             "because results can be stored nowhere.\n"
             "# TYPE paperboy_delivery_paused gauge\n"
             "paperboy_delivery_paused %d\n"
             "# HELP paperboy_delivery_workers Delivery workers started "
             "([smtp] connections).\n"
             "# TYPE paperboy_delivery_workers gauge\n"
             "paperboy_delivery_workers %d\n"
             "# HELP paperboy_delivery_workers_running Of them, still "
             "running.\n"
             "# TYPE paperboy_delivery_workers_running gauge\n"
             "paperboy_delivery_workers_running %d\n",
             f.db_ok, f.collected ? f.pass.sources : 0,
             f.collected ? f.pass.failed : 0, http_health_age(&f, f.oldest),
             f.st.delivering ? http_health_age(&f, dv->smtp_down_since) : 0,
             f.st.delivering ? dv->paused : 0,
             f.st.delivering ? dv->workers : 0,
             f.st.delivering ? dv->running : 0);
    return f.db_ok ? 0 : -1;
}
