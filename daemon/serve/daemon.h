/* SPDX-License-Identifier: MIT */
/*
 * daemon - `paperboy serve`: the web server, the scheduler and the
 * delivery workers in one process, and the pieces `paperboy run` shares
 * with it.
 *
 * Threads: the main thread owns the signals (a signalfd: SIGTERM and
 * SIGINT stop, SIGHUP reloads, SIGUSR1 runs the scheduler now) and talks
 * to the service manager (sdnotify.h); libmicrohttpd's threads serve the
 * web (http.h); one scheduler thread wakes every DAEMON_TICK seconds, at
 * the next send time, or when told, and runs the collects and sends that
 * sched_plan() says are due; [smtp] connections delivery workers
 * (deliver.h) drain the outbox.  Each thread has its own struct db; they
 * meet only in rows.  A collect's transfers run in a short-lived child,
 * the paperboy-fetch program (fetch.h), so libcurl is never mapped in
 * serve.
 *
 * Memory (issue #6): at most DAEMON_MALLOC_ARENAS malloc arenas; once the
 * process goes quiet after some work the main thread calls malloc_trim();
 * the scheduler's connection drops its page cache after each pass.
 *
 * The config is immutable.  SIGHUP parses the file again; a config that
 * does not validate is refused (logged) and the old one stays.  A good
 * one is handed to the web (http_reload: templates re-read, connections
 * kept), the delivery workers are restarted on it (mail templates and
 * [smtp] settings), and the scheduler picks it up on its next pass.  Each
 * user holds a reference, and a config is freed when its last user lets
 * go.
 *
 * One instance per database: an exclusive flock() on "<db path>.lock",
 * taken by serve and by run.
 *
 * Test hook: $PAPERBOY_TIME_OFFSET (seconds, may be negative) is added to
 * the clock the scheduler decides by, so a test can put "now" just before
 * a send time without waiting for it.  Rows are still stamped with the
 * real time.
 */
#ifndef PAPERBOY_DAEMON_H
#define PAPERBOY_DAEMON_H

#include <stdint.h>

#include "backoff.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "send.h"

#define DAEMON_TICK 30 /* seconds between scheduler passes, at most */
/* after SIGTERM, how long a busy scheduler is waited for (milliseconds) */
#define DAEMON_STOP_MS 6000
/* a failed collect reruns after 300 s, however often it failed */
#define DAEMON_COLLECT_RETRY ((struct backoff){300, 300})
/* memory (issue #6): glibc malloc arenas, at most; one per thread is the
 * default, and each keeps its own free pages */
#define DAEMON_MALLOC_ARENAS 2
/* quiet: under this share of one CPU, in thousandths, over a second */
#define DAEMON_IDLE_CPU_PERMILLE 20
/* trim the heap once quiet after at least this much CPU work (ms) */
#define DAEMON_TRIM_WORK_MS 20

/*
 * daemon_serve - run `paperboy serve` until SIGTERM or SIGINT.  Takes
 * ownership of cfg (loaded from config_path, which SIGHUP reads again;
 * NULL = built-in defaults).  Returns the exit status: 0 after a clean
 * stop, 1 when it could not start (the reason is logged).
 */
int daemon_serve(const char *config_path, struct config *cfg);

/*
 * daemon_lock - take the one-instance lock "<db_path>.lock" (created
 * 0600).  -1 with err "another paperboy ... is running" when held; on
 * success *fd is the lock, released by daemon_unlock() or at exit.
 */
int daemon_lock(const char *db_path, int *fd, struct err *err);
void daemon_unlock(int fd);

/* daemon_now - the scheduler's clock: str_now() + $PAPERBOY_TIME_OFFSET */
int64_t daemon_now(void);

/*
 * daemon_collect_list - collect the sources of one list for the
 * scheduler's day and, on success, record (list, 'collect', day) in
 * sched_runs.  *new_papers (may be NULL) is how many papers were new.
 * stop (may be NULL) is collect_opts.stop: once *stop is set no new source
 * starts, the fetches in flight are cut, and the collect returns -1
 * (ERR_TEMP "cut short by the stop") without recording the job, so that
 * it runs again.
 */
int daemon_collect_list(struct db *db, const struct config *cfg,
                        int64_t list_id, const char *list_name, const char *day,
                        int64_t now, const volatile sig_atomic_t *stop,
                        int64_t *new_papers, struct err *err);

/*
 * daemon_send_list - freeze and queue day's digests of one list for the
 * subscriptions in zone (exact subscriptions.timezone, "" = the default
 * zone; NULL = every zone) and, on success, record (list, 'send', day,
 * zone) in sched_runs (zone NULL is recorded as "").  due_at > 0 is the
 * mailing's scheduled instant: only subscriptions confirmed before it are
 * mailed (the first-digest rule, paperboy(8)); 0 = everyone confirmed now.
 * committed(arg), if not NULL, runs after each committed batch
 * (send_filter.committed), so the delivery workers start on it while the
 * rest is frozen.  stop (may be NULL) is send_filter.stop: once *stop is
 * set, what is frozen stays queued, counts->stopped is 1 and the job is
 * not recorded in sched_runs (a later run queues the rest).
 */
int daemon_send_list(struct db *db, const struct config *cfg,
                     const struct compose *c, int64_t list_id,
                     const char *list_name, const char *zone, const char *day,
                     int64_t due_at, int64_t now,
                     const volatile sig_atomic_t *stop,
                     void (*committed)(void *arg), void *arg,
                     struct send_counts *counts, struct err *err);

#endif
