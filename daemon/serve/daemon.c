/* SPDX-License-Identifier: MIT */
/*
 * daemon - the serve loop, the scheduler thread, reloads and the
 * one-instance lock (see daemon.h).
 *
 * Signals are blocked in every thread before any thread starts, and the
 * main thread reads them from a signalfd, so no handler ever runs in an
 * async-signal context and libmicrohttpd, libcurl and SQLite threads are
 * never interrupted.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bounces.h"
#include "collect.h"
#include "datafile.h"
#include "db_sched.h"
#include "deliver.h"
#include "fetch.h"
#include "http.h"
#include "likes_fetch.h"
#include "log.h"
#include "schedule.h"
#include "sdnotify.h"
#include "str.h"
#include "token.h"
#include "tz.h"
#include "xalloc.h"

/* A config shared by reference count. */
struct daemon_cfg {
    struct config *cfg;
    int refs;     /* users: the daemon's "current", the web, delivery,
                     a scheduler pass; guarded by daemon.mu */
    unsigned gen; /* 1 for the config serve started with, +1 per reload */
};

struct daemon {
    const char *config_path;        /* re-read on SIGHUP; NULL = defaults */
    pthread_mutex_t mu;             /* guards everything below */
    pthread_cond_t cond;            /* scheduler wake-up (CLOCK_MONOTONIC) */
    struct daemon_cfg *cur;         /* the config in force */
    int stop;                       /* scheduler: exit */
    int kick;                       /* scheduler: run a pass now */
    int sched_running;              /* the scheduler thread has not returned */
    struct deliver *deliver;        /* NULL while delivery restarts */
    struct daemon_cfg *deliver_cfg; /* the config delivery runs on */
    struct daemon_cfg *http_cfg;    /* the config the web runs on */
    struct http *http;
    struct token_key key; /* from the secret at start; fixed */
    /* set with stop (under mu, with an atomic store) and read without
     * the mutex by the scheduler's fetches, which it cuts (fetch_all() in
     * fetch.h) */
    volatile sig_atomic_t fetch_stop;
};

/* One zone file, loaded once per distinct name. */
struct daemon_tz {
    char name[TZ_NAME_MAX];
    struct tz *tz;
};

/* A list whose collect failed: not before retry_at. */
struct daemon_backoff {
    int64_t list_id;
    int64_t retry_at; /* scheduler clock, unix seconds; 0 = now */
    int64_t failures; /* failed collects in a row */
};

/* What the scheduler thread keeps between passes. */
struct daemon_sched {
    struct db *db;
    struct compose *compose;
    struct daemon_cfg *compose_dc; /* the config compose was built on: a
                                      reference, as compose borrows it */
    struct daemon_tz *tzs;         /* cache of loaded zones */
    size_t ntzs;
    struct daemon_backoff *backoff;
    size_t nbackoff;
    int64_t logged_next;   /* the next send time last logged */
    int64_t bounces_at;    /* next read of [bounces] mailbox, unix seconds */
    unsigned bounces_gen;  /* the config generation of the last read */
    int64_t likes_call_ms; /* the last arXiv API call for liked papers,
                              str_mono_ms(); 0 = none yet */
    size_t likes_solo;     /* calls still to make one id at a time */
};

int64_t
daemon_now(void)
{
    const char *off = getenv("PAPERBOY_TIME_OFFSET");
    long v = 0;

    if (off != NULL && *off != '\0' &&
        str_to_long(off, -3650L * 86400, 3650L * 86400, &v) == -1)
        v = 0;
    return str_now() + v;
}

int
daemon_lock(const char *db_path, int *fd, struct err *err)
{
    char path[4096];
    char pid[32];
    int f;

    if (snprintf(path, sizeof(path), "%s.lock", db_path) >= (int)sizeof(path)) {
        err_set(err, ERR_PERM, "database path '%s' is too long", db_path);
        return -1;
    }
    /* a link planted here would have the pid written through it */
    if (datafile_prepare(path, err) == -1)
        return -1;
    f = datafile_open(path, O_RDWR | O_CREAT, 0600, err);
    if (f == -1) {
        err_prefix(err, "lock file");
        return -1;
    }
    if (flock(f, LOCK_EX | LOCK_NB) == -1) {
        int e = errno;
        char other[32] = "";
        ssize_t n = pread(f, other, sizeof(other) - 1, 0);
        other[n > 0 ? n : 0] = '\0';
        other[strcspn(other, "\n")] = '\0';
        close(f);
        if (e == EWOULDBLOCK)
            err_set(err, ERR_TEMP,
                    "another paperboy (pid %s) is already running on "
                    "database '%s' (lock '%s' is held)",
                    other[0] ? other : "?", db_path, path);
        else
            err_set(err, ERR_PERM, "cannot lock '%s': %s", path, strerror(e));
        return -1;
    }
    /* for the message above, in the next instance that tries */
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(f, 0) == 0 && pwrite(f, pid, strlen(pid), 0) < 0)
        (void)0;
    *fd = f;
    return 0;
}

void
daemon_unlock(int fd)
{
    if (fd >= 0)
        close(fd);
}

int
daemon_collect_list(struct db *db, const struct config *cfg, int64_t list_id,
                    const char *list_name, const char *day, int64_t now,
                    const volatile sig_atomic_t *stop, int64_t *new_papers,
                    struct err *err)
{
    struct collect_opts o;
    struct collect_result res;
    int64_t newp = 0;
    int rc = -1;

    memset(&o, 0, sizeof(o));
    memset(&res, 0, sizeof(res));
    o.list = list_name;
    o.date = day;
    o.stop = stop;
    if (collect_run(db, cfg, &o, &res, err) == -1)
        goto out;
    if (fetch_stop_requested(stop)) {
        /* a source may have been cut short: not done, run it again */
        err_set(err, ERR_TEMP, "cut short by the stop");
        goto out;
    }
    for (size_t i = 0; i < res.n; i++) {
        newp += res.v[i].new_;
        if (!res.v[i].ok)
            log_warn("sched: collect list=%s source=%s: %s", list_name,
                     res.v[i].source, res.v[i].err.msg);
    }
    if (res.n > 0 && collect_result_ok(&res) == 0) {
        /* every source failed (network down?): not done, try again */
        err_set(err, ERR_TEMP, "all %zu sources failed", res.n);
        goto out;
    }
    if (db_sched_mark(db, list_id, SCHED_COLLECT, day, "", now, err) == -1)
        goto out;
    if (new_papers != NULL)
        *new_papers = newp;
    rc = 0;
out:
    collect_result_release(&res);
    return rc;
}

int
daemon_send_list(struct db *db, const struct config *cfg,
                 const struct compose *c, int64_t list_id,
                 const char *list_name, const char *zone, const char *day,
                 int64_t due_at, int64_t now, const volatile sig_atomic_t *stop,
                 void (*committed)(void *arg), void *arg,
                 struct send_counts *counts, struct err *err)
{
    struct send_filter filter;
    struct send_counts sc;

    memset(&filter, 0, sizeof(filter));
    filter.list_name = list_name;
    filter.timezone = zone;
    filter.committed = committed;
    filter.arg = arg;
    filter.confirmed_before = due_at;
    filter.stop = stop;
    memset(&sc, 0, sizeof(sc));
    if (send_day(db, cfg, c, &filter, day, now, &sc, err) == -1)
        return -1;
    if (counts != NULL)
        *counts = sc;
    if (sc.stopped) /* the rest is not queued: the job is not done */
        return 0;
    if (db_sched_mark(db, list_id, SCHED_SEND, day, zone ? zone : "", now,
                      err) == -1)
        return -1;
    if (counts != NULL)
        *counts = sc;
    return 0;
}

/* daemon_cfg_new - a shared config with one reference */
static struct daemon_cfg *
daemon_cfg_new(struct config *cfg, unsigned gen)
{
    struct daemon_cfg *dc = xcalloc(1, sizeof(*dc));
    dc->cfg = cfg;
    dc->refs = 1;
    dc->gen = gen;
    return dc;
}

/* daemon_cfg_get - a reference to the config in force */
static struct daemon_cfg *
daemon_cfg_get(struct daemon *d)
{
    struct daemon_cfg *dc;

    pthread_mutex_lock(&d->mu);
    dc = d->cur;
    dc->refs++;
    pthread_mutex_unlock(&d->mu);
    return dc;
}

/* daemon_cfg_ref - one more reference to dc */
static struct daemon_cfg *
daemon_cfg_ref(struct daemon *d, struct daemon_cfg *dc)
{
    pthread_mutex_lock(&d->mu);
    dc->refs++;
    pthread_mutex_unlock(&d->mu);
    return dc;
}

/* daemon_cfg_put - drop a reference; the last one frees the config */
static void
daemon_cfg_put(struct daemon *d, struct daemon_cfg *dc)
{
    int last;

    if (dc == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    last = --dc->refs == 0;
    pthread_mutex_unlock(&d->mu);
    if (last) {
        config_free(dc->cfg);
        free(dc);
    }
}

/* daemon_wake - the web queued a confirmation: nudge the workers */
static void
daemon_wake(void *arg)
{
    struct daemon *d = arg;

    pthread_mutex_lock(&d->mu);
    if (d->deliver != NULL)
        deliver_wake(d->deliver);
    pthread_mutex_unlock(&d->mu);
}

/* daemon_health - /healthz asks: the delivery state and the clock */
static void
daemon_health(void *arg, struct http_daemon_state *out)
{
    struct daemon *d = arg;

    memset(out, 0, sizeof(*out));
    out->now = daemon_now();
    pthread_mutex_lock(&d->mu);
    if (d->deliver != NULL) {
        deliver_stats(d->deliver, &out->delivery);
        out->delivering = 1;
    }
    pthread_mutex_unlock(&d->mu);
}

/* daemon_tz_get - the zone called name from the cache, loading it once;
 * NULL (logged once) when it cannot be loaded */
static const struct tz *
daemon_tz_get(struct daemon_sched *s, const char *name)
{
    struct err err;
    struct tz *tz = NULL;

    for (size_t i = 0; i < s->ntzs; i++)
        if (strcmp(s->tzs[i].name, name) == 0)
            return s->tzs[i].tz;
    err_init(&err);
    if (tz_load(name, &tz, &err) == -1)
        log_warn("sched: %s; its subscribers get the default zone", err.msg);
    s->tzs = xrealloc(s->tzs, (s->ntzs + 1) * sizeof(*s->tzs));
    str_copy(s->tzs[s->ntzs].name, sizeof(s->tzs[0].name), name);
    s->tzs[s->ntzs].tz = tz; /* NULL is cached too: warn once */
    s->ntzs++;
    return tz;
}

/* daemon_backoff_until - when list_id's collect may run again (0 = now) */
static int64_t
daemon_backoff_until(const struct daemon_sched *s, int64_t list_id)
{
    for (size_t i = 0; i < s->nbackoff; i++)
        if (s->backoff[i].list_id == list_id)
            return s->backoff[i].retry_at;
    return 0;
}

/* daemon_backoff_set - remember a failed collect of list_id at now and
 * return the seconds until it may run again (DAEMON_COLLECT_RETRY for its
 * count of failures in a row); failed 0 forgets the list's failures */
static int64_t
daemon_backoff_set(struct daemon_sched *s, int64_t list_id, int failed,
                   int64_t now)
{
    struct daemon_backoff *b = NULL;
    int64_t delay;

    for (size_t i = 0; i < s->nbackoff && b == NULL; i++)
        if (s->backoff[i].list_id == list_id)
            b = &s->backoff[i];
    if (!failed) {
        if (b != NULL)
            b->retry_at = b->failures = 0;
        return 0;
    }
    if (b == NULL) {
        s->backoff =
            xrealloc(s->backoff, (s->nbackoff + 1) * sizeof(*s->backoff));
        b = &s->backoff[s->nbackoff++];
        b->list_id = list_id;
        b->failures = 0;
    }
    b->failures++;
    delay = backoff_delay(&DAEMON_COLLECT_RETRY, b->failures);
    b->retry_at = now + delay;
    return delay;
}

/* daemon_stopped_within - 1 if the scheduler is asked to stop within ms.
 * The stop cuts the fetches (d->fetch_stop), but a signal sent to the
 * whole process group or the service's cgroup reaches the fetch helper
 * as it reaches us, and may end a collect before the main thread has
 * set d->stop: a failed collect waits this long before it is called a
 * failure. */
static int
daemon_stopped_within(struct daemon *d, int ms)
{
    struct timespec until;
    int stop;

    clock_gettime(CLOCK_MONOTONIC, &until); /* d->cond's clock */
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->mu);
    while (!d->stop)
        if (pthread_cond_timedwait(&d->cond, &d->mu, &until) == ETIMEDOUT)
            break;
    stop = d->stop;
    pthread_mutex_unlock(&d->mu);
    return stop;
}

/* daemon_stopping - 1 once SIGTERM asked the scheduler to finish */
static int
daemon_stopping(struct daemon *d)
{
    int stop;

    pthread_mutex_lock(&d->mu);
    stop = d->stop;
    pthread_mutex_unlock(&d->mu);
    return stop;
}

/* daemon_list_name - the name of list_id among zones, or "?" */
static const char *
daemon_list_name(const struct db_sched_zone *z, size_t nz, int64_t list_id)
{
    for (size_t i = 0; i < nz; i++)
        if (z[i].list_id == list_id)
            return z[i].list_name;
    return "?";
}

/* daemon_plan - load zones and runs, and plan at now; what *zones and
 * *plan held before (NULL and zeroed at first) is released first, so a
 * pass plans again after its collects with the same call */
static int
daemon_plan(struct daemon_sched *s, const struct config *cfg, int64_t now,
            struct db_sched_zone **zones, size_t *nz, struct sched_plan *plan,
            struct err *err)
{
    const struct sched_rules rules = {cfg->send_hour, cfg->send_minute};
    struct sched_target *targets = NULL;
    struct sched_run *runs = NULL;
    const struct tz *deftz;
    size_t nruns = 0;
    char since[SCHED_DAY_MAX];
    int rc = -1;

    sched_plan_release(plan);
    free(*zones);
    *zones = NULL;
    *nz = 0;
    deftz = daemon_tz_get(s, cfg->timezone);
    if (deftz == NULL) {
        err_set(err, ERR_PERM, "sched: [schedule] timezone '%s' unusable",
                cfg->timezone);
        return -1;
    }
    if (db_sched_zones(s->db, NULL, zones, nz, err) == -1)
        goto out;
    sched_utc_day(now - 3 * 86400, since);
    if (db_sched_runs(s->db, since, &runs, &nruns, err) == -1)
        goto out;
    targets = xcalloc(*nz ? *nz : 1, sizeof(*targets));
    for (size_t i = 0; i < *nz; i++) {
        const struct tz *tz = NULL;
        if ((*zones)[i].zone[0] != '\0')
            tz = daemon_tz_get(s, (*zones)[i].zone);
        targets[i].list_id = (*zones)[i].list_id;
        targets[i].zone = (*zones)[i].zone;
        targets[i].tz = tz ? tz : deftz;
    }
    sched_plan(now, &rules, targets, *nz, runs, nruns, plan);
    rc = 0;
out:
    free(targets);
    free(runs);
    return rc;
}

/* daemon_bounces - read [bounces] mailbox when its interval is up, at
 * the first pass and after a reload; returns wait, shortened to the next
 * read */
static int64_t
daemon_bounces(struct daemon *d, struct daemon_sched *s,
               const struct daemon_cfg *dc, int64_t now, int64_t wait)
{
    const struct config *cfg = dc->cfg;
    struct bounces_stats st;
    struct err err;
    char line[512];

    if (cfg->bounce_mailbox[0] == '\0' || daemon_stopping(d))
        return wait;
    if (now >= s->bounces_at || s->bounces_gen != dc->gen) {
        s->bounces_gen = dc->gen;
        memset(&st, 0, sizeof(st));
        err_init(&err);
        if (bounces_fetch(s->db, cfg, &d->key, str_now(), &st, &err) == -1)
            log_warn("sched: %s", err.msg);
        bounces_summary(&st, line, sizeof(line));
        if (st.messages > 0)
            log_info("sched: bounces: %s", line);
        s->bounces_at = now + cfg->bounce_interval;
    }
    return s->bounces_at - now < wait ? s->bounces_at - now : wait;
}

/* daemon_collects - run plan's due collects (those not backing off);
 * 1 when one collected, so that the pass plans again */
static int
daemon_collects(struct daemon *d, struct daemon_sched *s,
                const struct config *cfg, const struct sched_plan *plan,
                const struct db_sched_zone *zones, size_t nz, int64_t now)
{
    struct err err;
    int collected = 0;

    for (size_t i = 0; i < plan->njobs && !daemon_stopping(d); i++) {
        const struct sched_job *j = &plan->jobs[i];
        const char *name = daemon_list_name(zones, nz, j->list_id);
        int64_t newp = 0;
        if (j->kind != SCHED_COLLECT ||
            daemon_backoff_until(s, j->list_id) > now)
            continue;
        log_info("sched: collect list=%s day=%s", name, j->day);
        err_init(&err);
        if (daemon_collect_list(s->db, cfg, j->list_id, name, j->day, str_now(),
                                &d->fetch_stop, &newp, &err) == -1) {
            if (daemon_stopped_within(d, 1000)) {
                /* the stop signal ended the fetches too: not a fault */
                log_info("sched: collect list=%s day=%s cut short by the "
                         "stop; it runs again at the next start",
                         name, j->day);
                break;
            }
            log_warn("sched: collect list=%s failed, retry in %llds: %s", name,
                     (long long)daemon_backoff_set(s, j->list_id, 1, now),
                     err.msg);
            continue;
        }
        daemon_backoff_set(s, j->list_id, 0, now);
        log_info("sched: collected list=%s day=%s new=%lld", name, j->day,
                 (long long)newp);
        collected = 1;
    }
    return collected;
}

/* daemon_sends - queue plan's due sends whose collect is done */
static void
daemon_sends(struct daemon *d, struct daemon_sched *s, const struct config *cfg,
             const struct sched_plan *plan, const struct db_sched_zone *zones,
             size_t nz, int64_t now)
{
    struct err err;

    for (size_t i = 0; i < plan->njobs && !daemon_stopping(d); i++) {
        const struct sched_job *j = &plan->jobs[i];
        const char *name = daemon_list_name(zones, nz, j->list_id);
        struct send_counts sc;
        if (j->kind != SCHED_SEND)
            continue;
        if (j->blocked) {
            log_debug("sched: send list=%s zone='%s' day=%s waits for its "
                      "collect",
                      name, j->zone, j->day);
            continue;
        }
        err_init(&err);
        /* j->due_at, even for a catch-up: a subscription confirmed after
         * the mailing's time waits for its zone's next one (paperboy(8)) */
        if (daemon_send_list(s->db, cfg, s->compose, j->list_id, name, j->zone,
                             j->day, j->due_at, str_now(), NULL, daemon_wake, d,
                             &sc, &err) == -1) {
            log_err("sched: send list=%s zone='%s' day=%s: %s", name, j->zone,
                    j->day, err.msg);
            continue;
        }
        log_info("sched: send list=%s zone='%s' day=%s subscriptions=%lld "
                 "queued=%lld empty=%lld already=%lld%s",
                 name, j->zone, j->day, (long long)sc.considered,
                 (long long)sc.queued, (long long)sc.empty,
                 (long long)sc.already,
                 now - j->due_at > DAEMON_TICK * 2 ? " (catch-up)" : "");
        if (sc.queued > 0)
            daemon_wake(d);
    }
}

/* daemon_likes - fetch one batch of the papers readers named on their
 * preferences page (likes_fetch.h); returns wait, shortened when more
 * are due at once */
static int64_t
daemon_likes(struct daemon *d, struct daemon_sched *s, const struct config *cfg,
             int64_t wait)
{
    struct likes_fetch_stats st;
    struct err err;
    int64_t pause = cfg->api_delay_ms, since;

    if (daemon_stopping(d))
        return wait;
    /* arXiv asks for a pause between API calls, whatever woke the pass (a
     * reader's form kicks it) */
    since = str_mono_ms() - s->likes_call_ms;
    if (s->likes_call_ms != 0 && since < pause) {
        int64_t left = (pause - since + 999) / 1000;
        return wait < left ? wait : left;
    }
    err_init(&err);
    if (likes_fetch_due(s->db, cfg, str_now(), s->likes_solo > 0 ? 1 : 0,
                        &d->fetch_stop, &st, &err) == -1) {
        log_warn("sched: liked papers: %s", err.msg);
        return wait;
    }
    if (st.ids > 0) {
        s->likes_call_ms = str_mono_ms();
        if (s->likes_solo > 0)
            s->likes_solo--;
    }
    if (st.split > 0) {
        s->likes_solo = st.split;
        log_warn("sched: liked papers: arXiv refused a call of %zu ids (%s); "
                 "asking them one by one",
                 st.split, st.why.msg);
    } else if (st.refused) {
        log_warn("sched: liked papers: arXiv refused an id: %s", st.why.msg);
    }
    if (st.ids == 0 && st.known == 0)
        return wait;
    if (st.stopped)
        log_info("sched: liked papers: fetch of %zu cut short by the stop; "
                 "they wait for the next start",
                 st.ids);
    else if (st.split > 0 || st.refused)
        ; /* said above */
    else if (st.retried > 0)
        log_warn("sched: liked papers: fetch of %zu failed, retried later: "
                 "%s",
                 st.ids, st.why.msg);
    else
        log_info("sched: liked papers: known=%d fetched=%zu voted=%d "
                 "unknown=%d votes_full=%d",
                 st.known, st.ids, st.voted, st.unknown, st.full);
    if (st.more) {
        int64_t next = pause > 1000 ? (pause + 999) / 1000 : 1;
        if (wait > next)
            wait = next;
    }
    return wait;
}

/* daemon_pass - one scheduler pass on cfg; returns seconds to sleep */
static int64_t
daemon_pass(struct daemon *d, struct daemon_sched *s, struct daemon_cfg *dc)
{
    const struct config *cfg = dc->cfg;
    struct db_sched_zone *zones = NULL;
    struct sched_plan plan;
    size_t nz = 0;
    struct err err;
    int64_t now = daemon_now(), wait = DAEMON_TICK;

    memset(&plan, 0, sizeof(plan));
    err_init(&err);
    if (s->db == NULL &&
        db_open(cfg->db_path, cfg->busy_timeout_ms, &s->db, &err) == -1) {
        log_err("sched: %s", err.msg);
        return DAEMON_TICK;
    }
    if (s->compose == NULL || s->compose_dc != dc) {
        struct compose *c = NULL;
        if (compose_new(cfg, &d->key, &c, &err) == -1) {
            log_err("sched: templates: %s", err.msg);
            if (s->compose == NULL)
                return DAEMON_TICK;
        } else {
            compose_free(s->compose);
            daemon_cfg_put(d, s->compose_dc);
            s->compose = c;
            s->compose_dc = daemon_cfg_ref(d, dc);
        }
    }
    if (daemon_plan(s, cfg, now, &zones, &nz, &plan, &err) == -1) {
        log_err("%s", err.msg);
        goto out;
    }

    /* collects first: a send right after its collect sees fresh papers */
    if (daemon_collects(d, s, cfg, &plan, zones, nz, now)) {
        now = daemon_now();
        if (daemon_plan(s, cfg, now, &zones, &nz, &plan, &err) == -1) {
            log_err("%s", err.msg);
            goto out;
        }
    }
    daemon_sends(d, s, cfg, &plan, zones, nz, now);
    if (plan.next_at != INT64_MAX && plan.next_at != s->logged_next) {
        char when[32];
        time_t t = (time_t)plan.next_at;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        log_info("sched: next send at %s", when);
        sdnotify_sendf("STATUS=serving; next send at %s", when);
        s->logged_next = plan.next_at;
    }
    if (plan.next_at != INT64_MAX && plan.next_at - now < wait)
        wait = plan.next_at - now;
    for (size_t i = 0; i < s->nbackoff; i++)
        if (s->backoff[i].retry_at > now && s->backoff[i].retry_at - now < wait)
            wait = s->backoff[i].retry_at - now;
    wait = daemon_bounces(d, s, dc, now, wait);
    wait = daemon_likes(d, s, cfg, wait);
out:
    sched_plan_release(&plan);
    free(zones);
    return wait < 1 ? 1 : wait;
}

/* daemon_sched_main - the scheduler thread */
static void *
daemon_sched_main(void *arg)
{
    struct daemon *d = arg;
    struct daemon_sched s;

    memset(&s, 0, sizeof(s));
    log_debug("sched: started");
    pthread_mutex_lock(&d->mu);
    while (!d->stop) {
        struct daemon_cfg *dc;
        struct timespec until;
        int64_t wait;

        d->kick = 0;
        pthread_mutex_unlock(&d->mu);
        dc = daemon_cfg_get(d);
        wait = daemon_pass(d, &s, dc);
        daemon_cfg_put(d, dc);
        /* a collect grows this connection's cache (db_paper asks for
         * 16 MiB); the scheduler sleeps now, so give it back */
        db_release_memory(s.db);
        log_debug("sched: next pass in %llds", (long long)wait);
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += (time_t)wait;
        pthread_mutex_lock(&d->mu);
        while (!d->stop && !d->kick)
            if (pthread_cond_timedwait(&d->cond, &d->mu, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&d->mu);
    compose_free(s.compose);
    daemon_cfg_put(d, s.compose_dc);
    db_close(s.db);
    for (size_t i = 0; i < s.ntzs; i++)
        tz_free(s.tzs[i].tz);
    free(s.tzs);
    free(s.backoff);
    pthread_mutex_lock(&d->mu);
    d->sched_running = 0;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
    log_debug("sched: stopped");
    return NULL;
}

/* daemon_kick - make the scheduler run a pass now */
static void
daemon_kick(struct daemon *d)
{
    pthread_mutex_lock(&d->mu);
    d->kick = 1;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->mu);
}

/* daemon_kick_cb - daemon_kick for the web (http_set_kick) */
static void
daemon_kick_cb(void *arg)
{
    daemon_kick(arg);
}

/* daemon_deliver_start - start delivery on dc; on success it holds a
 * reference to dc */
static int
daemon_deliver_start(struct daemon *d, struct daemon_cfg *dc, struct err *err)
{
    struct deliver *dv = NULL;

    if (deliver_start(dc->cfg, &d->key, 0, &dv, err) == -1)
        return -1;
    daemon_cfg_ref(d, dc);
    pthread_mutex_lock(&d->mu);
    d->deliver = dv;
    d->deliver_cfg = dc;
    pthread_mutex_unlock(&d->mu);
    return 0;
}

/* daemon_deliver_stop - stop delivery and drop its config reference */
static void
daemon_deliver_stop(struct daemon *d)
{
    struct deliver *dv;
    struct daemon_cfg *dc;

    pthread_mutex_lock(&d->mu);
    dv = d->deliver;
    dc = d->deliver_cfg;
    d->deliver = NULL;
    d->deliver_cfg = NULL;
    pthread_mutex_unlock(&d->mu);
    deliver_stop(dv);
    daemon_cfg_put(d, dc);
}

/* daemon_same - two config strings are equal */
static int
daemon_same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* daemon_reload - SIGHUP: parse again, swap on success, else keep */
static void
daemon_reload(struct daemon *d)
{
    struct config *cfg = NULL;
    struct daemon_cfg *old, *dc = NULL;
    enum log_level oldlevel, newlevel;
    struct err err;

    err_init(&err);
    log_info("serve: SIGHUP: reloading config '%s'",
             d->config_path ? d->config_path : "(built-in defaults)");
    sdnotify_sendf("RELOADING=1\nSTATUS=reloading config");
    cfg = config_load(d->config_path, &err);
    if (cfg == NULL) {
        log_err("serve: reload refused, keeping the running config: %s",
                err.msg);
        goto out;
    }
    old = daemon_cfg_get(d);
    if (!daemon_same(cfg->db_path, old->cfg->db_path)) {
        log_err("serve: reload refused, keeping the running config: "
                "[database] path changed ('%s' -> '%s'); restart to use "
                "another database",
                old->cfg->db_path, cfg->db_path);
        daemon_cfg_put(d, old);
        config_free(cfg);
        goto out;
    }
    if (!daemon_same(cfg->secret, old->cfg->secret) ||
        !daemon_same(cfg->secret_file, old->cfg->secret_file))
        log_warn("serve: reload: [web] secret changes take effect at the "
                 "next restart");
    dc = daemon_cfg_new(cfg, old->gen + 1);
    if (http_reload(d->http, cfg, &err) == -1) {
        log_err("serve: reload refused, keeping the running config: %s",
                err.msg);
        daemon_cfg_put(d, old);
        daemon_cfg_put(d, dc);
        goto out;
    }
    /* the web runs on the new config now */
    daemon_cfg_ref(d, dc);
    daemon_cfg_put(d, d->http_cfg);
    d->http_cfg = dc;

    /* delivery restarts on it: mail templates and [smtp] settings */
    daemon_deliver_stop(d);
    if (daemon_deliver_start(d, dc, &err) == -1) {
        log_err("serve: reload: delivery keeps the previous settings: %s",
                err.msg);
        err_init(&err);
        if (daemon_deliver_start(d, old, &err) == -1)
            log_err("serve: delivery is stopped: %s", err.msg);
    }

    /* log level follows the config unless --log-level overrode it */
    if (log_parse_level(old->cfg->log_level, &oldlevel) == 0 &&
        oldlevel == log_get_level() &&
        log_parse_level(cfg->log_level, &newlevel) == 0)
        log_set_level(newlevel);

    pthread_mutex_lock(&d->mu);
    d->cur = dc; /* takes over the reference daemon_cfg_new() made */
    pthread_mutex_unlock(&d->mu);
    daemon_cfg_put(d, old); /* ours */
    daemon_cfg_put(d, old); /* the one "cur" held */
    log_info("serve: reloaded config '%s' (generation %u)",
             d->config_path ? d->config_path : "(built-in defaults)", dc->gen);
    daemon_kick(d);
out:
    sdnotify_sendf("READY=1\nSTATUS=serving");
}

/* daemon_signals - block the signals we read from a signalfd, in this
 * thread and every thread created after; ignore SIGPIPE */
static int
daemon_signals(struct err *err)
{
    sigset_t set;
    int fd;

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
        err_set(err, ERR_PERM, "sigprocmask failed");
        return -1;
    }
    fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd == -1)
        err_set(err, ERR_PERM, "signalfd: %s", strerror(errno));
    return fd;
}

/* Idle trimming: what the main loop remembers between its wake-ups. */
struct daemon_trim {
    int64_t at_ms;   /* monotonic ms of the last look */
    int64_t cpu_ns;  /* process CPU time at the last look */
    int64_t work_ns; /* CPU used since the last trim */
};

/* daemon_cpu_ns - CPU time of the whole process, nanoseconds */
static int64_t
daemon_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * daemon_trim_idle - once a second, see how busy the process was; when it
 * has gone quiet (under DAEMON_IDLE_CPU_PERMILLE of a CPU) after doing
 * some work (DAEMON_TRIM_WORK_MS of CPU since the last trim), hand the
 * heap pages that work freed back to the kernel.  glibc keeps them
 * otherwise: a burst of requests, a collect or a send leaves the daemon
 * megabytes larger for the rest of the day.  malloc_trim() walks the
 * arenas, so it is never called while busy or when nothing was freed.
 */
static void
daemon_trim_idle(struct daemon_trim *t, int64_t now_ms)
{
    int64_t cpu, used, wall;

    wall = now_ms - t->at_ms;
    if (wall < 1000)
        return;
    cpu = daemon_cpu_ns();
    used = cpu - t->cpu_ns;
    t->at_ms = now_ms;
    t->cpu_ns = cpu;
    t->work_ns += used;
    if (used * 1000 > wall * 1000000 * DAEMON_IDLE_CPU_PERMILLE ||
        t->work_ns < (int64_t)DAEMON_TRIM_WORK_MS * 1000000)
        return;
    malloc_trim(0);
    t->work_ns = 0;
    t->cpu_ns = daemon_cpu_ns(); /* the trim is not work to trim after */
}

/* daemon_loop - wait for signals and feed the watchdog; returns the
 * signal that asked us to stop */
static int
daemon_loop(struct daemon *d, int sfd)
{
    int64_t wd_ms = sdnotify_watchdog_usec() / 2000, next_wd = 0;
    /* start-up was work: the first quiet second trims what it freed */
    struct daemon_trim trim = {str_mono_ms(), daemon_cpu_ns(), daemon_cpu_ns()};

    if (wd_ms > 0) {
        log_info("serve: watchdog every %lldms", (long long)wd_ms);
        sdnotify_sendf("WATCHDOG=1");
        next_wd = str_mono_ms() + wd_ms;
    }
    for (;;) {
        struct pollfd pfd = {sfd, POLLIN, 0};
        struct signalfd_siginfo si;
        int timeout = 1000;

        if (wd_ms > 0) {
            int64_t left = next_wd - str_mono_ms();
            timeout = left < 0 ? 0 : left > 1000 ? 1000 : (int)left;
        }
        if (poll(&pfd, 1, timeout) == -1 && errno != EINTR) {
            log_warn_errno("serve: poll");
            sleep(1);
        }
        if (wd_ms > 0 && str_mono_ms() >= next_wd) {
            sdnotify_sendf("WATCHDOG=1");
            next_wd = str_mono_ms() + wd_ms;
        }
        daemon_trim_idle(&trim, str_mono_ms());
        while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            switch (si.ssi_signo) {
            case SIGTERM:
            case SIGINT:
                return (int)si.ssi_signo;
            case SIGHUP:
                daemon_reload(d);
                break;
            case SIGUSR1:
                log_info("serve: SIGUSR1: running the scheduler now");
                daemon_kick(d);
                break;
            default:
                break;
            }
        }
    }
}

/* daemon_stop_sched - ask the scheduler to stop and wait until deadline
 * (monotonic ms); 1 if it stopped */
static int
daemon_stop_sched(struct daemon *d, pthread_t th, int64_t deadline)
{
    int stopped;

    pthread_mutex_lock(&d->mu);
    d->stop = 1;
    __atomic_store_n(&d->fetch_stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&d->cond);
    while (d->sched_running) {
        struct timespec ts;
        int64_t left = deadline - str_mono_ms();
        if (left <= 0)
            break;
        /* d->cond uses CLOCK_MONOTONIC */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(left / 1000);
        ts.tv_nsec += (long)(left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d->cond, &d->mu, &ts);
    }
    stopped = !d->sched_running;
    pthread_mutex_unlock(&d->mu);
    if (stopped)
        pthread_join(th, NULL);
    else
        pthread_detach(th);
    return stopped;
}

int
daemon_serve(const char *config_path, struct config *cfg)
{
    struct daemon d;
    struct db *db = NULL;
    struct err err;
    pthread_condattr_t ca;
    pthread_t th;
    int lock_fd = -1, sfd = -1, rc = 1, sched_started = 0, sig = 0;
    int sched_stopped = 1;
    int64_t deadline;

    memset(&d, 0, sizeof(d));
    err_init(&err);
    d.config_path = config_path;
    pthread_mutex_init(&d.mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&d.cond, &ca);
    pthread_condattr_destroy(&ca);
    d.cur = daemon_cfg_new(cfg, 1);
    /* before any thread starts: threads share a few arenas, so pages one
     * frees serve the others and malloc_trim() has less to walk */
    mallopt(M_ARENA_MAX, DAEMON_MALLOC_ARENAS);

    log_info("serve: paperboy %s starting, pid %ld, config '%s', database "
             "'%s'",
             PAPERBOY_VERSION, (long)getpid(),
             config_path ? config_path : "(built-in defaults)", cfg->db_path);
    if (daemon_lock(cfg->db_path, &lock_fd, &err) == -1) {
        log_err("serve: %s", err.msg);
        goto out;
    }
    if ((sfd = daemon_signals(&err)) == -1) {
        log_err("serve: %s", err.msg);
        goto out;
    }
    /* migrate once here, before several threads open the file */
    if (db_open(cfg->db_path, cfg->busy_timeout_ms, &db, &err) == -1) {
        log_err("serve: %s", err.msg);
        goto out;
    }
    db_close(db);
    db = NULL;
    if (token_key_load(cfg, &d.key, &err) == -1) {
        log_err("serve: %s", err.msg);
        goto out;
    }
    if (daemon_deliver_start(&d, d.cur, &err) == -1) {
        log_err("serve: delivery: %s", err.msg);
        goto out;
    }
    if (http_start(cfg, &d.key, daemon_wake, &d, &d.http, &err) == -1) {
        log_err("serve: web: %s", err.msg);
        goto out;
    }
    http_set_health(d.http, daemon_health, &d);
    http_set_kick(d.http, daemon_kick_cb, &d);
    d.http_cfg = daemon_cfg_ref(&d, d.cur);
    d.sched_running = 1;
    if (pthread_create(&th, NULL, daemon_sched_main, &d) != 0) {
        d.sched_running = 0;
        log_err("serve: cannot start the scheduler thread");
        goto out;
    }
    sched_started = 1;
    sched_stopped = 0;
    log_info("serve: ready: web on port %d, %d delivery workers, send_at "
             "%s %s",
             http_port(d.http), cfg->smtp_connections, cfg->send_at,
             cfg->timezone);
    sdnotify_sendf("READY=1\nSTATUS=serving on port %d\nMAINPID=%ld",
                   http_port(d.http), (long)getpid());

    sig = daemon_loop(&d, sfd);
    log_info("serve: %s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* the scheduler hears it first: a collect the signal cut short is
     * then reported as stopped, not as failed */
    pthread_mutex_lock(&d.mu);
    d.stop = 1;
    __atomic_store_n(&d.fetch_stop, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&d.cond);
    pthread_mutex_unlock(&d.mu);
    rc = 0;
out:
    deadline = str_mono_ms() + DAEMON_STOP_MS;
    sdnotify_sendf("STOPPING=1\nSTATUS=stopping");
    /* stop accepting first; requests in progress finish */
    if (d.http != NULL) {
        http_stop(d.http);
        d.http = NULL;
    }
    /* the scheduler finishes its current job; delivery its messages */
    if (sched_started) {
        pthread_mutex_lock(&d.mu);
        d.stop = 1;
        __atomic_store_n(&d.fetch_stop, 1, __ATOMIC_RELAXED);
        pthread_cond_broadcast(&d.cond);
        pthread_mutex_unlock(&d.mu);
    }
    daemon_deliver_stop(&d);
    if (sched_started) {
        sched_stopped = daemon_stop_sched(&d, th, deadline);
        if (!sched_stopped)
            log_warn("serve: the scheduler is still busy; exiting without "
                     "it (its transaction rolls back)");
    }
    daemon_cfg_put(&d, d.http_cfg);
    if (sched_stopped) {
        daemon_cfg_put(&d, d.cur);
        pthread_cond_destroy(&d.cond);
        pthread_mutex_destroy(&d.mu);
    }
    if (sfd >= 0)
        close(sfd);
    daemon_unlock(lock_fd);
    if (rc == 0)
        log_info("serve: stopped");
    if (!sched_stopped) {
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}
