/* SPDX-License-Identifier: MIT */
/*
 * cli_send - `paperboy send [--list NAME] [--date YYYY-MM-DD]`.
 *
 * Freezes and queues the day's digests (send_day) and delivers
 * everything due in the outbox in the foreground with the same workers
 * the daemon runs (deliver.h), with a progress bar on a terminal and a
 * summary line.  The workers start first and take each batch of digests
 * as soon as it is committed, so freezing and sending overlap.  SIGINT/SIGTERM
 * stop taking new work; messages in flight finish and the command exits within
 * 10 seconds; the summary then ends in "; interrupted", stderr says how many
 * messages stay queued, and the exit status is 130, as for collect and
 * import (1 when something also failed for real: a failed message, a
 * result not stored, a digest not frozen, a delivery error).
 * When the daemon holds the delivery lock, the digests are queued and left
 * to it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "compose.h"
#include "db_list.h"
#include "deliver.h"
#include "outbox.h"
#include "send.h"
#include "str.h"
#include "token.h"
#include "tz.h"

#define SEND_USAGE "paperboy send [--list NAME] [--date YYYY-MM-DD]"

/* set by SIGINT/SIGTERM (cli_catch_stop): take no new work */
static const volatile sig_atomic_t *send_stop;

/* send_committed - a batch of digests is queued: wake the workers */
static void
send_committed(void *arg)
{
    deliver_wake(arg);
}

/* send_start - start the workers before freezing, so that they deliver
 * each batch as it is committed; *d stays NULL when the daemon holds the
 * delivery lock (*busy) */
static int
send_start(struct cli *cli, const struct token_key *key, struct deliver **d,
           int *busy, struct err *err)
{
    *d = NULL;
    if (deliver_start(cli->cfg, key, DELIVER_FOREGROUND | DELIVER_FEEDING, d,
                      err) == -1) {
        if (err->kind == ERR_TEMP) {
            *busy = 1;
            err_init(err);
            return 0;
        }
        return -1;
    }
    return 0;
}

/* send_deliver - queueing is over: run the workers until nothing is due
 * or a signal, then stop them (bounded) and free d */
static int
send_deliver(struct cli *cli, struct deliver *d, struct deliver_stats *st,
             struct err *err)
{
    struct cli_progress bar;
    int64_t depth = 0;

    deliver_fed(d);
    deliver_stats(d, st);
    if (outbox_depth(cli->db, &depth, err) == -1) {
        deliver_finish(d, st);
        return -1;
    }
    cli_progress_start(&bar, "delivering",
                       (size_t)(depth + st->delivered + st->deferred +
                                st->bounced + st->failed));
    while (!deliver_done(d)) {
        struct timespec ts = {0, 100 * 1000000L};
        if (*send_stop) {
            fprintf(stderr, "paperboy send: stopping, finishing the "
                            "messages in flight\n");
            break;
        }
        nanosleep(&ts, NULL);
        deliver_stats(d, st);
        cli_progress_step(&bar, (size_t)(st->delivered + st->deferred +
                                         st->bounced + st->failed));
    }
    deliver_finish(d, st); /* bounded: returns within DELIVER_STOP_MS */
    cli_progress_end(&bar);
    return 0;
}

/* send_say_stopped - after SIGINT/SIGTERM: what is left for later */
static void
send_say_stopped(struct cli *cli)
{
    int64_t left = 0;
    struct err err;

    err_init(&err);
    fflush(stdout);
    if (outbox_depth(cli->db, &left, &err) == -1)
        fprintf(stderr, "paperboy send: interrupted by a signal; what was "
                        "delivered is recorded, the rest stays queued\n");
    else
        fprintf(stderr,
                "paperboy send: interrupted by a signal; what was delivered "
                "is recorded, %lld messages stay queued for the next send "
                "or the daemon\n",
                (long long)left);
}

int
cmd_send(struct cli *cli, int argc, char **argv)
{
    const char *list = NULL, *date = NULL;
    char day[16];
    struct send_filter filter = {NULL, NULL, NULL, NULL, NULL, 0};
    struct send_counts counts;
    struct deliver_stats st;
    struct token_key key;
    struct compose *c = NULL;
    struct deliver *d = NULL;
    struct db_list l;
    struct tm tm;
    struct err err, derr;
    int busy = 0, dfail = 0, rc = CLI_FAIL;

    if (cli_wants_help(argc, argv)) {
        printf("usage: %s\n\n"
               "Freeze and queue the digests of every confirmed subscription "
               "due on the date\n(default: today in [schedule] timezone), "
               "then deliver everything due in the\noutbox.  Running it again "
               "for the same date queues nothing new.\n\n"
               "  --list NAME       only this list\n"
               "  --date YYYY-MM-DD the digest day\n\n"
               "Ctrl-C (SIGINT) or SIGTERM stops taking new work, finishes "
               "the messages in\nflight and prints the summary; the rest "
               "stays queued.  Exit status 0 when\neverything due went "
               "out, 1 when something was deferred or failed, 130 when\n"
               "the run was stopped by a signal.\n",
               SEND_USAGE);
        return CLI_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0 && i + 1 < argc)
            list = argv[++i];
        else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
            date = argv[++i];
        else
            return cli_usage_error("send", SEND_USAGE, "unexpected '%s'",
                                   argv[i]);
    }
    if (date && str_parse_day(date, &tm) == -1)
        return cli_usage_error("send", SEND_USAGE,
                               "--date '%s' is not YYYY-MM-DD", date);
    if (date)
        (void)str_copy(day, sizeof(day), date);
    else
        cli_today(cli->cfg, day, sizeof(day));
    if (cli_db(cli) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (list) {
        if (cli_get_list(cli->db, list, &l) != CLI_OK)
            return CLI_FAIL;
        filter.list_name = list;
    }
    if (token_key_load(cli->cfg, &key, &err) == -1 ||
        compose_new(cli->cfg, &key, &c, &err) == -1)
        return cli_fail("%s", err.msg);
    send_stop = cli_catch_stop();
    filter.stop = send_stop;

    memset(&st, 0, sizeof(st));
    /* delivery that cannot start (an unusable maildir, a bad [smtp] from)
     * is reported once the digests are queued, as they were before */
    err_init(&derr);
    if (send_start(cli, &key, &d, &busy, &derr) == -1)
        dfail = 1;
    filter.committed = d ? send_committed : NULL;
    filter.arg = d;
    if (send_day(cli->db, cli->cfg, c, &filter, day, str_now(), &counts,
                 &err) == -1) {
        cli_fail("queueing digests for %s: %s", day, err.msg);
        goto out;
    }
    if (dfail) {
        cli_fail("%s", derr.msg);
        goto out;
    }
    if (d != NULL) {
        struct deliver *dd = d;
        d = NULL;
        if (send_deliver(cli, dd, &st, &err) == -1) {
            cli_fail("%s", err.msg);
            goto out;
        }
    }
    printf("%s: queued %lld, delivered %lld, deferred %lld, bounced %lld", day,
           (long long)counts.queued, (long long)st.delivered,
           (long long)st.deferred, (long long)st.bounced);
    if (st.failed)
        printf(", failed %lld", (long long)st.failed);
    if (counts.already)
        printf(" (%lld already queued before)", (long long)counts.already);
    printf("%s\n", *send_stop ? "; interrupted" : "");
    if (busy)
        printf("another paperboy process is delivering; it will send "
               "what was queued\n");
    if (st.error[0])
        fprintf(stderr, "paperboy send: delivery stopped: %s\n", st.error);
    if (st.unstored)
        fprintf(stderr,
                "paperboy send: %lld results could not be stored (see the "
                "log above); the messages the server accepted are in the "
                "journal and are marked sent at the next start, which "
                "queues the others again\n",
                (long long)st.unstored);
    if (counts.stopped)
        fprintf(stderr, "paperboy send: stopped while queueing; run it again "
                        "to queue the rest\n");
    if (*send_stop)
        send_say_stopped(cli);
    if (counts.failed)
        fprintf(stderr,
                "paperboy send: %lld subscriptions could not be frozen "
                "(see the log above)\n",
                (long long)counts.failed);
    /* stopped by a signal: 130, like collect and import, unless something
     * failed beyond what stopping defers (the message in flight) */
    if (st.failed || st.error[0] || st.unstored || counts.failed)
        rc = CLI_FAIL;
    else if (*send_stop)
        rc = CLI_STOPPED;
    else
        rc = st.deferred ? CLI_FAIL : CLI_OK;
out:
    if (d != NULL) { /* queueing failed: stop the workers, bounded */
        deliver_fed(d);
        deliver_finish(d, NULL);
    }
    compose_free(c);
    return rc;
}
