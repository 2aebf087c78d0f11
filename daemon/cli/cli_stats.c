/* SPDX-License-Identifier: MIT */
/*
 * cli_stats - `paperboy stats [--json] [--days N]`: one screen of counts.
 *
 * Without --days: lists, subscribers (distinct addresses) and
 * subscriptions by status, papers stored, mail in the outbox by state,
 * and the last run of each source.  With --days N: per day of the last N
 * in [schedule] timezone, new confirmed subscriptions, unsubscribes,
 * digests sent, deferred and bounced, and papers collected; a bar chart
 * above the numbers when stdout is a terminal, the plain numbers
 * otherwise, a JSON object with --json.  The reads are store/db_stats.c.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "daemon.h"
#include "db_stats.h"
#include "str.h"
#include "tz.h"
#include "xalloc.h"

#define STATS_USAGE "paperboy stats [--json] [--days N]"
#define STATS_DAYS_MAX 366
#define STATS_CHART_MAX 60 /* days drawn as a chart; more: numbers only */
#define STATS_NMETRIC 6

/* stats_print_json - the numbers as one JSON object */
static void
stats_print_json(const struct db_stats *s)
{
    cJSON *o = cJSON_CreateObject(), *subs, *out, *col;
    char *text;

    cJSON_AddNumberToObject(o, "lists", (double)s->lists);
    cJSON_AddNumberToObject(o, "subscribers", (double)s->subscribers);
    subs = cJSON_AddObjectToObject(o, "subscriptions");
    for (int i = 0; i < DB_SUB_NSTATUS; i++)
        cJSON_AddNumberToObject(subs, db_sub_status_name((enum db_sub_status)i),
                                (double)s->subs[i]);
    cJSON_AddNumberToObject(subs, "paused", (double)s->paused);
    cJSON_AddNumberToObject(o, "papers", (double)s->papers);
    cJSON_AddNumberToObject(o, "papers_hf", (double)s->papers_hf);
    if (s->last_paper_day[0])
        cJSON_AddStringToObject(o, "last_paper_day", s->last_paper_day);
    else
        cJSON_AddNullToObject(o, "last_paper_day");
    out = cJSON_AddObjectToObject(o, "outbox");
    for (int i = 0; i < DB_STATS_NOUTBOX; i++)
        cJSON_AddNumberToObject(out, db_stats_outbox_state(i),
                                (double)s->outbox[i]);
    if (s->collect_at) {
        cJSON *failed = cJSON_CreateArray();
        char names[sizeof(s->failed_sources)];
        char *p = names, *comma;
        col = cJSON_AddObjectToObject(o, "last_collection");
        cJSON_AddNumberToObject(col, "started_at", (double)s->collect_at);
        cJSON_AddStringToObject(col, "day", s->collect_day);
        cJSON_AddNumberToObject(col, "sources", (double)s->collect_sources);
        cJSON_AddNumberToObject(col, "failed", (double)s->collect_failed);
        cJSON_AddNumberToObject(col, "new", (double)s->collect_new);
        cJSON_AddNumberToObject(col, "updated", (double)s->collect_updated);
        str_copy(names, sizeof(names), s->failed_sources);
        while (*p) {
            comma = strstr(p, ", ");
            if (comma)
                *comma = '\0';
            cJSON_AddItemToArray(failed, cJSON_CreateString(p));
            p = comma ? comma + 2 : p + strlen(p);
        }
        cJSON_AddItemToObject(col, "failed_sources", failed);
    } else {
        cJSON_AddNullToObject(o, "last_collection");
    }
    text = cJSON_Print(o);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(o);
}

/* stats_print_text - the numbers for a person */
static void
stats_print_text(const struct db_stats *s)
{
    char when[32];

    printf("lists:          %lld\n", (long long)s->lists);
    printf("subscribers:    %lld\n", (long long)s->subscribers);
    printf("subscriptions:  %lld confirmed (%lld paused), %lld pending, "
           "%lld unsubscribed, %lld bounced\n",
           (long long)s->subs[DB_SUB_CONFIRMED], (long long)s->paused,
           (long long)s->subs[DB_SUB_PENDING],
           (long long)s->subs[DB_SUB_UNSUBSCRIBED],
           (long long)s->subs[DB_SUB_BOUNCED]);
    printf("papers:         %lld (%lld from Hugging Face), newest day %s\n",
           (long long)s->papers, (long long)s->papers_hf,
           s->last_paper_day[0] ? s->last_paper_day : "-");
    printf("outbox:        ");
    for (int i = 0; i < DB_STATS_NOUTBOX; i++)
        printf(" %lld %s%s", (long long)s->outbox[i], db_stats_outbox_state(i),
               i + 1 < DB_STATS_NOUTBOX ? "," : "\n");
    if (s->collect_at == 0) {
        printf("last collection: never\n");
        return;
    }
    printf("last collection: %s UTC (day %s): %lld sources, %lld failed, "
           "%lld new, %lld updated (the last run of each source)\n",
           cli_format_time(s->collect_at, when, sizeof(when)), s->collect_day,
           (long long)s->collect_sources, (long long)s->collect_failed,
           (long long)s->collect_new, (long long)s->collect_updated);
    if (s->failed_sources[0])
        printf("failed sources:  %s\n", s->failed_sources);
}

static const char *const stats_metric[STATS_NMETRIC] = {
    "confirmed", "unsubscribed", "sent", "deferred", "bounced", "papers"};
static const char *const stats_metric_title[STATS_NMETRIC] = {
    "new confirmed", "unsubscribes", "digests sent",
    "deferred",      "bounced",      "papers collected"};

/* stats_metric_value - metric m of day d */
static int64_t
stats_metric_value(const struct db_stats_day *d, int m)
{
    const int64_t v[STATS_NMETRIC] = {d->confirmed, d->unsubscribed, d->sent,
                                      d->deferred,  d->bounced,      d->papers};
    return v[m];
}

/* stats_days_read - the figures of the n days ending today in the
 * [schedule] zone, oldest first, with their local dates in names */
static int
stats_days_read(struct db *db, const struct config *cfg, int n,
                struct db_stats_day *v, char (*names)[11], struct err *err)
{
    struct tz *tz = NULL;
    struct tz_local lt;
    int64_t today, y;
    int m, d, rc = -1;

    if (tz_load(cfg->timezone, &tz, err) == -1)
        return -1;
    tz_utc_to_local(tz, daemon_now(), &lt);
    today = tz_days_from_civil(lt.year, lt.month, lt.day);
    for (int i = 0; i < n; i++) {
        int64_t day = today - (n - 1 - i);
        memset(&v[i], 0, sizeof(v[i]));
        tz_civil_from_days(day, &y, &m, &d);
        snprintf(names[i], 11, "%04d-%02d-%02d", (int)y, m, d);
        if (tz_local_to_utc(tz, (int)y, m, d, 0, 0, &v[i].start, NULL) == -1)
            goto out;
        tz_civil_from_days(day + 1, &y, &m, &d);
        if (tz_local_to_utc(tz, (int)y, m, d, 0, 0, &v[i].end, NULL) == -1 ||
            db_stats_day(db, &v[i], err) == -1)
            goto out;
    }
    rc = 0;
out:
    if (rc == -1 && err->msg[0] == '\0')
        err_set(err, ERR_PERM, "stats: a day out of range");
    tz_free(tz);
    return rc;
}

/* stats_chart - one line per metric, one column per day, eighth blocks
 * scaled to the metric's own maximum */
static void
stats_chart(const struct db_stats_day *v, char (*names)[11], int n)
{
    static const char *const bars[] = {" ", "▁", "▂", "▃", "▄",
                                       "▅", "▆", "▇", "█"};

    printf("%-17s %s .. %s\n", "", names[0] + 5, names[n - 1] + 5);
    for (int m = 0; m < STATS_NMETRIC; m++) {
        int64_t max = 0, total = 0;
        for (int i = 0; i < n; i++) {
            int64_t x = stats_metric_value(&v[i], m);
            total += x;
            if (x > max)
                max = x;
        }
        printf("%-17s ", stats_metric_title[m]);
        for (int i = 0; i < n; i++) {
            int64_t x = stats_metric_value(&v[i], m);
            /* any non-zero day shows at least the lowest block */
            int64_t h = max ? (x * 8 + max - 1) / max : 0;
            fputs(bars[h], stdout);
        }
        printf("  total %lld, max %lld\n", (long long)total, (long long)max);
    }
    printf("\n");
}

/* stats_days - the --days output */
static int
stats_days(struct db *db, const struct config *cfg, int n, int json)
{
    struct db_stats_day *v = xcalloc((size_t)n, sizeof(*v));
    char(*names)[11] = xcalloc((size_t)n, sizeof(*names));
    static const char *head[] = {"DAY",   "CONFIRMED", "UNSUBSCRIBED",
                                 "SENT",  "DEFERRED",  "BOUNCED",
                                 "PAPERS"};
    struct cli_table t;
    struct err err;
    cJSON *j = NULL;

    err_init(&err);
    if (stats_days_read(db, cfg, n, v, names, &err) == -1) {
        free(v);
        free(names);
        return cli_fail("%s", err.msg);
    }
    cli_table_init(&t, 7, head);
    if (json) {
        cJSON *a;
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "timezone", cfg->timezone);
        a = cJSON_AddArrayToObject(j, "days");
        for (int i = 0; i < n; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "day", names[i]);
            for (int m = 0; m < STATS_NMETRIC; m++)
                cJSON_AddNumberToObject(o, stats_metric[m],
                                        (double)stats_metric_value(&v[i], m));
            cJSON_AddItemToArray(a, o);
        }
    } else {
        for (int i = 0; i < n; i++) {
            char cells[STATS_NMETRIC][24];
            const char *row[7] = {names[i]};
            for (int m = 0; m < STATS_NMETRIC; m++) {
                snprintf(cells[m], sizeof(cells[m]), "%lld",
                         (long long)stats_metric_value(&v[i], m));
                row[m + 1] = cells[m];
            }
            cli_table_add(&t, row);
        }
        if (isatty(STDOUT_FILENO) && n <= STATS_CHART_MAX)
            stats_chart(v, names, n);
    }
    cli_print_listing(j, &t);
    cJSON_Delete(j);
    cli_table_release(&t);
    free(v);
    free(names);
    return CLI_OK;
}

int
cmd_stats(struct cli *cli, int argc, char **argv)
{
    const char *days = NULL, *pos[1];
    int json = 0, npos = 0;
    const struct cli_opt opts[] = {
        {"--json", NULL, &json}, {"--days", &days, NULL}, {NULL, NULL, NULL}};
    struct db_stats s;
    struct err err;
    struct db *db;
    long ndays = 0;

    if (cli_wants_help(argc, argv)) {
        printf("usage: " STATS_USAGE "\n"
               "\n"
               "Print counts: lists, subscribers, subscriptions by status\n"
               "(pending, confirmed, unsubscribed, bounced; paused ones\n"
               "separately), papers stored, mail in the outbox by state\n"
               "(queued, sending, deferred, sent, bounced, failed) and the\n"
               "last run of each source, naming those that failed.\n"
               "\n"
               "  --json    print one JSON object instead\n"
               "  --days N  per day of the last N (1-366) in [schedule]\n"
               "            timezone: new confirmed subscriptions,\n"
               "            unsubscribes, digests sent, deferred, bounced,\n"
               "            papers collected; a bar chart on a terminal\n"
               "\n"
               "Example:\n"
               "  paperboy stats --days 14\n"
               "\n"
               "Exit status: 0 success, 1 failure, 2 usage error.\n");
        return CLI_OK;
    }
    if (cli_parse_args("stats", STATS_USAGE, argc, argv, opts, pos, 0, &npos) !=
        CLI_OK)
        return CLI_USAGE;
    if (days != NULL && str_to_long(days, 1, STATS_DAYS_MAX, &ndays) == -1)
        return cli_usage_error("stats", STATS_USAGE,
                               "--days '%s' is not a number of days 1-%d", days,
                               STATS_DAYS_MAX);
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (ndays > 0)
        return stats_days(db, cli->cfg, (int)ndays, json);
    err_init(&err);
    if (db_stats_read(db, &s, &err) == -1)
        return cli_fail("%s", err.msg);
    if (json)
        stats_print_json(&s);
    else
        stats_print_text(&s);
    return CLI_OK;
}
