/* SPDX-License-Identifier: MIT */
/*
 * cli_collect - `paperboy collect`: run collect_run() in the foreground
 * and print one line per source, with progress on stderr (cli.h).  Exit 0
 * when at least one source succeeded, 1 when every source failed, 2 on a
 * usage error, 130 after SIGINT or SIGTERM, which cut the downloads in
 * flight (collect_opts.stop): what was stored is kept, the sources done
 * are printed, those cut short as STOPPED.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "collect.h"
#include "str.h"

/* collect_progress - the collect_opts progress hook */
static void
collect_progress(void *arg, size_t done, size_t total)
{
    struct cli_progress *p = arg;

    p->total = total;
    cli_progress_step(p, done);
}

static const char collect_usage[] =
    "paperboy collect [--list NAME] [--date YYYY-MM-DD] [--backfill Nd]";

/* collect_help - the --help text */
static void
collect_help(void)
{
    printf("usage: %s\n"
           "\n"
           "Fetch the day's papers for every list (or one list): the arXiv "
           "RSS listing of\n"
           "each category, Hugging Face daily papers when the list includes "
           "them, and with\n"
           "--backfill the arXiv API over the last N days.  Prints one line "
           "per source:\n"
           "entries fetched, papers new, updated and unchanged, entries "
           "skipped (announce\n"
           "type) and failed (invalid), and the time taken.\n"
           "\n"
           "Options:\n"
           "  --list NAME        only the sources of this list\n"
           "  --date YYYY-MM-DD  the Hugging Face day and the backfill end "
           "(default: today, UTC)\n"
           "  --backfill Nd      also query the arXiv API for the last N "
           "days (1-365),\n"
           "                     waiting [sources] api_delay_ms between "
           "calls\n"
           "\n"
           "Progress goes to stderr: a bar on a terminal, else a line every "
           "few seconds.\n"
           "Ctrl-C (SIGINT) or SIGTERM stops at once, downloads in flight "
           "included; what\n"
           "earlier sources stored is kept, a source cut short stores "
           "nothing.\n"
           "\n"
           "Exit status: 0 when at least one source succeeded, 1 when all "
           "failed, 2 usage,\n"
           "130 when stopped by a signal.\n",
           collect_usage);
}

/* collect_parse_days - "7d" or "7" to days */
static int
collect_parse_days(const char *s, int *out)
{
    char tmp[16];
    size_t n = strlen(s);
    long v;

    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, s, n + 1);
    if (tmp[n - 1] == 'd')
        tmp[n - 1] = '\0';
    if (str_to_long(tmp, 1, COLLECT_BACKFILL_MAX, &v) == -1)
        return -1;
    *out = (int)v;
    return 0;
}

int
cmd_collect(struct cli *cli, int argc, char **argv)
{
    struct collect_opts o;
    struct collect_result res;
    struct cli_progress bar;
    struct err err;
    struct db *db;
    int rc;

    if (cli_wants_help(argc, argv)) {
        collect_help();
        return CLI_OK;
    }
    memset(&o, 0, sizeof(o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--list") == 0 || strcmp(a, "--date") == 0 ||
            strcmp(a, "--backfill") == 0) {
            if (i + 1 == argc)
                return cli_usage_error("collect", collect_usage,
                                       "%s needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--list") == 0) {
                o.list = v;
            } else if (strcmp(a, "--date") == 0) {
                struct tm tm;
                if (str_parse_day(v, &tm) == -1)
                    return cli_usage_error("collect", collect_usage,
                                           "--date '%s' is not YYYY-MM-DD", v);
                o.date = v;
            } else if (collect_parse_days(v, &o.backfill_days) == -1) {
                return cli_usage_error("collect", collect_usage,
                                       "--backfill '%s' is not Nd with N in "
                                       "1..%d",
                                       v, COLLECT_BACKFILL_MAX);
            }
        } else {
            return cli_usage_error("collect", collect_usage,
                                   "unexpected argument '%s'", a);
        }
    }
    db = cli_db(cli);
    if (db == NULL)
        return CLI_FAIL;
    err_init(&err);
    o.stop = cli_catch_stop(); /* no new source or page once set */
    o.progress = collect_progress;
    o.progress_arg = &bar;
    cli_progress_start(&bar, "collect: sources", 0);
    rc = collect_run(db, cli->cfg, &o, &res, &err);
    cli_progress_end(&bar);
    if (rc == -1) {
        collect_result_release(&res);
        return cli_fail("collect: %s", err.msg);
    }
    for (size_t i = 0; i < res.n; i++) {
        const struct collect_stat *s = &res.v[i];
        if (!s->ok) {
            printf("%s: %s (%.2f s)\n", s->source,
                   s->stopped ? "STOPPED" : "FAILED",
                   (double)s->duration_ms / 1000.0);
            fflush(stdout);
            fprintf(stderr, "paperboy: collect: %s: %s\n", s->source,
                    s->err.msg);
        } else if (s->not_modified) {
            printf("%s: not modified, fetched 0, new 0, updated 0, skipped 0, "
                   "failed 0 (%.2f s)\n",
                   s->source, (double)s->duration_ms / 1000.0);
        } else {
            printf("%s: fetched %ld, new %ld, updated %ld, unchanged %ld, "
                   "skipped %ld, failed %ld (%.2f s)\n",
                   s->source, s->fetched, s->new_, s->updated, s->unchanged,
                   s->skipped, s->failed, (double)s->duration_ms / 1000.0);
        }
    }
    if (res.n == 0) {
        collect_result_release(&res);
        return cli_fail("collect: the lists name no sources (no categories "
                        "and no Hugging Face)");
    }
    rc = collect_result_ok(&res) > 0 ? CLI_OK : CLI_FAIL;
    if (*o.stop) {
        fflush(stdout);
        fprintf(stderr,
                "paperboy: collect: stopped by a signal after %zu of %zu "
                "sources (%zu stored); what was stored is kept\n",
                res.n, bar.total, collect_result_ok(&res));
        rc = CLI_STOPPED;
    }
    collect_result_release(&res);
    return rc;
}
