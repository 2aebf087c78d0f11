/* SPDX-License-Identifier: MIT */
/*
 * cli_run - `paperboy run [--list NAME] [--date YYYY-MM-DD]`: one collect
 * and send cycle in the foreground, for people who prefer cron to the
 * daemon.  It collects each list (or one), freezes and queues the day's
 * digests for every subscription whatever its time zone, and delivers
 * what is due, the way `paperboy send` does: the delivery workers start
 * first and take each batch of digests as soon as it is committed, so
 * freezing and sending overlap; then it waits until the outbox has
 * nothing more due.  The jobs
 * are recorded in sched_runs like the daemon's, and every step is
 * idempotent, so running it twice on a day sends nothing twice.  It takes
 * the same one-instance lock as serve.  Exit status 1 when any step
 * failed (a collect whose sources all failed, a send, delivery not
 * starting or stopped with mail still queued, a mail deferred or
 * failed).  SIGINT/SIGTERM stop it as they stop `paperboy send`: no new
 * source, batch or message is started, the downloads in flight are cut,
 * the messages in flight finish and are recorded, the summary ends in
 * "; interrupted" and the exit status is 130 (1 when something also
 * failed for real); a job cut short is not recorded in sched_runs, so
 * the next run does the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "compose.h"
#include "daemon.h"
#include "db_list.h"
#include "db_sched.h"
#include "deliver.h"
#include "log.h"
#include "outbox.h"
#include "schedule.h"
#include "str.h"
#include "token.h"
#include "tz.h"

#define RUN_USAGE "paperboy run [--list NAME] [--date YYYY-MM-DD]"
#define RUN_DELIVER_MAX_MS (3600 * 1000) /* give up waiting after an hour */

/* set by SIGINT/SIGTERM (cli_catch_stop): take no new work */
static const volatile sig_atomic_t *run_stop;

/* run_help - the --help text */
static void
run_help(void)
{
    printf("usage: " RUN_USAGE "\n"
           "\n"
           "One collect-and-send cycle, for cron: collect the sources of "
           "every list (or\n"
           "NAME), freeze and queue the day's digests, deliver, and exit.\n"
           "\n"
           "Options:\n"
           "  --list NAME        only this list\n"
           "  --date YYYY-MM-DD  the digest day (default: today in "
           "[schedule] timezone)\n"
           "\n"
           "Example crontab line (06:00 every day):\n"
           "  0 6 * * * paperboy -c /etc/paperboy/paperboy.ini run\n"
           "\n"
           "Ctrl-C (SIGINT) or SIGTERM stops taking new work (a collect "
           "is cut at once,\n"
           "downloads included), finishes the messages in flight and prints "
           "the summary;\n"
           "the rest stays queued for the next run.\n"
           "\n"
           "Exit status: 0 all done, 1 something failed (see stderr), 2 "
           "usage error,\n"
           "130 when stopped by a signal.\n");
}

/* run_today - today's date in the [schedule] time zone */
static int
run_today(const struct config *cfg, char day[SCHED_DAY_MAX])
{
    struct tz *tz = NULL;
    struct err err;

    err_init(&err);
    if (tz_load(cfg->timezone, &tz, &err) == -1) {
        cli_fail("%s", err.msg);
        return -1;
    }
    sched_local_day(tz, daemon_now(), day);
    tz_free(tz);
    return 0;
}

/* run_unsent - mails still waiting in the outbox (queued or deferred);
 * -1 when they cannot be counted */
static int64_t
run_unsent(struct db *db)
{
    int64_t counts[OUTBOX_NSTATE];
    struct err err;

    err_init(&err);
    if (outbox_counts(db, counts, &err) == -1)
        return -1;
    return counts[OUTBOX_QUEUED] + counts[OUTBOX_SENDING] +
           counts[OUTBOX_DEFERRED];
}

/* run_committed - a batch of digests is queued: wake the workers (and
 * say, at debug level, how far delivery is meanwhile) */
static void
run_committed(void *arg)
{
    struct deliver *d = arg;
    struct deliver_stats st;

    deliver_wake(d);
    deliver_stats(d, &st);
    log_debug("run: a batch of digests is queued; %lld delivered so far",
              (long long)st.delivered);
}

/* run_deliver_start - start the delivery workers before freezing, as
 * `paperboy send` does, so that each batch of digests goes out as soon as
 * it is committed; NULL when they cannot start (the reason is printed) */
static struct deliver *
run_deliver_start(const struct config *cfg, const struct token_key *key)
{
    struct deliver *d = NULL;
    struct err err;

    err_init(&err);
    if (deliver_start(cfg, key, DELIVER_FOREGROUND | DELIVER_FEEDING, &d,
                      &err) == -1) {
        cli_fail("deliver: %s", err.msg);
        return NULL;
    }
    return d;
}

/* run_deliver - queueing is over: wait until the workers delivered what
 * is due, then stop them; -1 if anything was deferred or failed,
 * delivery stopped on a session error (the SMTP server unreachable), or a
 * result could not be stored */
static int
run_deliver(struct db *db, struct deliver *d)
{
    int64_t unsent;
    struct deliver_stats st;
    struct timespec pause = {0, 50 * 1000 * 1000};
    int waited = 0;

    deliver_fed(d);
    while (!deliver_done(d) && waited < RUN_DELIVER_MAX_MS) {
        if (*run_stop) {
            fprintf(stderr, "paperboy run: stopping, finishing the messages "
                            "in flight\n");
            break;
        }
        nanosleep(&pause, NULL);
        waited += 50;
    }
    deliver_finish(d, &st); /* bounded: the counters after the workers
                               ended, the messages in flight recorded */
    unsent = run_unsent(db);
    printf("deliver: %lld delivered, %lld deferred, %lld bounced, %lld "
           "failed, %lld not sent%s\n",
           (long long)st.delivered, (long long)st.deferred,
           (long long)st.bounced, (long long)st.failed,
           (long long)(unsent > 0 ? unsent : 0),
           *run_stop ? "; interrupted" : "");
    if (st.error[0]) {
        cli_fail("deliver: delivery stopped: %s; %lld mails are still "
                 "queued ('paperboy outbox' lists them)",
                 st.error, (long long)(unsent > 0 ? unsent : 0));
        return -1;
    }
    if (st.deferred > 0 || st.failed > 0) {
        cli_fail("deliver: %lld mails deferred or failed (see the log; "
                 "'paperboy outbox' lists them)",
                 (long long)(st.deferred + st.failed));
        return -1;
    }
    if (st.unstored > 0) {
        cli_fail("deliver: %lld results could not be stored (see the log); "
                 "the accepted mails are marked sent at the next start",
                 (long long)st.unstored);
        return -1;
    }
    return 0;
}

/* run_say_stopped - after SIGINT/SIGTERM: what is left for later */
static void
run_say_stopped(struct db *db)
{
    int64_t left = run_unsent(db);

    fflush(stdout);
    if (left < 0)
        fprintf(stderr, "paperboy run: interrupted by a signal; what was "
                        "delivered is recorded, the rest stays queued\n");
    else
        fprintf(stderr,
                "paperboy run: interrupted by a signal; what was delivered "
                "is recorded, %lld messages stay queued for the next run "
                "(and what was not queued yet is queued then)\n",
                (long long)left);
}

int
cmd_run(struct cli *cli, int argc, char **argv)
{
    const char *list = NULL, *date = NULL;
    struct db_sched_zone *zones = NULL;
    struct compose *compose = NULL;
    struct deliver *d = NULL;
    struct token_key key;
    struct db *db;
    struct err err;
    struct tm tm;
    size_t nz = 0;
    char day[SCHED_DAY_MAX];
    int lock_fd = -1, rc = CLI_FAIL, failed = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            run_help();
            return CLI_OK;
        } else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
            list = argv[++i];
        } else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc) {
            date = argv[++i];
        } else if (strncmp(argv[i], "--list=", 7) == 0) {
            list = argv[i] + 7;
        } else if (strncmp(argv[i], "--date=", 7) == 0) {
            date = argv[i] + 7;
        } else {
            return cli_usage_error(argv[0], RUN_USAGE,
                                   "unexpected argument "
                                   "'%s'",
                                   argv[i]);
        }
    }
    if (date != NULL && str_parse_day(date, &tm) == -1)
        return cli_usage_error(argv[0], RUN_USAGE,
                               "'%s' is not a date YYYY-MM-DD", date);
    if (date != NULL)
        str_copy(day, sizeof(day), date);
    else if (run_today(cli->cfg, day) == -1)
        return CLI_FAIL;

    err_init(&err);
    if (daemon_lock(cli->cfg->db_path, &lock_fd, &err) == -1)
        return cli_fail("%s; the daemon collects and sends by itself", err.msg);
    if ((db = cli_db(cli)) == NULL)
        goto out;
    run_stop = cli_catch_stop();
    if (list != NULL) {
        struct db_list l;
        int found = db_list_get(db, list, &l, &err);
        if (found == -1) {
            cli_fail("%s", err.msg);
            goto out;
        }
        if (found == 1) {
            cli_fail("no list '%s' (see 'paperboy list')", list);
            goto out;
        }
    }
    if (db_sched_zones(db, list, &zones, &nz, &err) == -1) {
        cli_fail("%s", err.msg);
        goto out;
    }
    if (nz == 0) {
        cli_fail("there are no lists (add one with 'paperboy list add')");
        goto out;
    }

    /* 1. collect each list (zones[] has a "" row per list) */
    for (size_t i = 0; i < nz; i++) {
        int64_t newp = 0;
        if (zones[i].zone[0] != '\0')
            continue;
        if (*run_stop)
            break;
        err_init(&err);
        if (daemon_collect_list(db, cli->cfg, zones[i].list_id,
                                zones[i].list_name, day, str_now(), run_stop,
                                &newp, &err) == -1) {
            if (*run_stop) {
                fflush(stdout);
                fprintf(stderr,
                        "paperboy run: collect list=%s day=%s cut short by "
                        "the stop; what was stored is kept, it runs again "
                        "at the next run\n",
                        zones[i].list_name, day);
                break;
            }
            fprintf(stderr, "paperboy: collect list=%s: %s\n",
                    zones[i].list_name, err.msg);
            failed = 1;
            continue;
        }
        printf("collect: list=%s day=%s new=%lld\n", zones[i].list_name, day,
               (long long)newp);
    }

    if (*run_stop)
        goto stopped;

    /* 2. freeze and queue the day's digests, every zone at once, while
     * the workers deliver each committed batch (send's pipelined pass) */
    if (token_key_load(cli->cfg, &key, &err) == -1 ||
        compose_new(cli->cfg, &key, &compose, &err) == -1) {
        cli_fail("%s", err.msg);
        goto out;
    }
    fflush(stdout);
    if ((d = run_deliver_start(cli->cfg, &key)) == NULL)
        failed = 1; /* the digests are still queued, for the next run */
    for (size_t i = 0; i < nz; i++) {
        struct send_counts sc;
        if (zones[i].zone[0] != '\0')
            continue;
        if (*run_stop)
            break;
        err_init(&err);
        if (daemon_send_list(db, cli->cfg, compose, zones[i].list_id,
                             zones[i].list_name, NULL, day, 0, str_now(),
                             run_stop, d ? run_committed : NULL, d, &sc,
                             &err) == -1) {
            fprintf(stderr, "paperboy: send list=%s: %s\n", zones[i].list_name,
                    err.msg);
            failed = 1;
            continue;
        }
        printf("send: list=%s day=%s subscriptions=%lld queued=%lld "
               "empty=%lld already=%lld\n",
               zones[i].list_name, day, (long long)sc.considered,
               (long long)sc.queued, (long long)sc.empty,
               (long long)sc.already);
        if (sc.stopped)
            fprintf(stderr,
                    "paperboy run: list=%s stopped while queueing; "
                    "the next run queues the rest\n",
                    zones[i].list_name);
    }

    /* 3. the rest of the delivery in the foreground */
    fflush(stdout);
    if (d != NULL) {
        struct deliver *dd = d;
        d = NULL;
        if (run_deliver(db, dd) == -1)
            failed = 1;
    }
stopped:
    if (*run_stop)
        run_say_stopped(db);
    /* stopped by a signal: 130, like send and collect, unless something
     * failed beyond what stopping leaves queued */
    rc = failed ? CLI_FAIL : *run_stop ? CLI_STOPPED : CLI_OK;
out:
    if (d != NULL) { /* stopped before queueing ended: stop the workers */
        deliver_fed(d);
        deliver_finish(d, NULL);
    }
    compose_free(compose);
    free(zones);
    daemon_unlock(lock_fd);
    return rc;
}
