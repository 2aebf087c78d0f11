/* SPDX-License-Identifier: MIT */
/*
 * cli_stats - `paperboy stats [--json]`: one screen of counts.
 *
 * Lists, subscribers (distinct addresses) and subscriptions by status,
 * papers stored, mail in the outbox by state, and the last collection.
 * It only reads, with plain SQL over tables other modules own (papers,
 * outbox, collect_runs), which is why this command, unlike the others,
 * talks to SQLite directly.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "cli.h"
#include "db_sub.h"

#define STATS_USAGE "paperboy stats [--json]"

static const char *const stats_outbox_states[] = {
    "queued", "sending", "deferred", "sent", "bounced", "failed"};
#define STATS_NOUTBOX 6

struct stats {
    int64_t lists;
    int64_t subscribers;          /* distinct addresses */
    int64_t subs[DB_SUB_NSTATUS]; /* subscriptions by status */
    int64_t paused;               /* confirmed but paused */
    int64_t papers;
    int64_t papers_hf;             /* seen on HF daily papers */
    char last_paper_day[16];       /* newest first_seen_day, or "" */
    int64_t outbox[STATS_NOUTBOX]; /* by state */
    int64_t collect_at;            /* last collection start, 0 = never */
    char collect_day[16];          /* its day */
    int64_t collect_sources, collect_failed, collect_new, collect_updated;
};

/* stats_int - the first column of a one-row query as an integer */
static int
stats_int(struct db *db, const char *sql, int64_t *out, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading statistics");
    return 0;
}

/* stats_text - the first column of a one-row query as text ("" if NULL) */
static int
stats_text(struct db *db, const char *sql, char *out, size_t size,
           struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    out[0] = '\0';
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading statistics");
    return 0;
}

/* stats_collect - gather everything */
static int
stats_collect(struct db *db, struct stats *s, struct err *err)
{
    static const char outbox_sql[] =
        "SELECT state, count(*) FROM outbox GROUP BY state";
    static const char last_sql[] = "SELECT started_at, day FROM collect_runs "
                                   "ORDER BY started_at DESC, id DESC LIMIT 1";
    static const char day_sql[] =
        "SELECT count(*), coalesce(sum(ok = 0), 0), coalesce(sum(new), 0), "
        "coalesce(sum(updated), 0) FROM collect_runs WHERE day = ?1";
    sqlite3_stmt *st;
    int rc;

    memset(s, 0, sizeof(*s));
    if (stats_int(db, "SELECT count(*) FROM lists", &s->lists, err) == -1 ||
        stats_int(db, "SELECT count(*) FROM subscribers", &s->subscribers,
                  err) == -1 ||
        db_sub_count_by_status(db, 0, s->subs, err) == -1 ||
        stats_int(db,
                  "SELECT count(*) FROM subscriptions "
                  "WHERE status = 'confirmed' AND paused = 1",
                  &s->paused, err) == -1 ||
        stats_int(db, "SELECT count(*) FROM papers", &s->papers, err) == -1 ||
        stats_int(db, "SELECT count(*) FROM papers WHERE hf_day IS NOT NULL",
                  &s->papers_hf, err) == -1 ||
        stats_text(db, "SELECT max(first_seen_day) FROM papers",
                   s->last_paper_day, sizeof(s->last_paper_day), err) == -1)
        return -1;
    if ((st = db_stmt(db, outbox_sql, err)) == NULL)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *state = sqlite3_column_text(st, 0);
        for (int i = 0; state && i < STATS_NOUTBOX; i++)
            if (strcmp((const char *)state, stats_outbox_states[i]) == 0)
                s->outbox[i] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "reading the outbox");
    if ((st = db_stmt(db, last_sql, err)) == NULL)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->collect_at = sqlite3_column_int64(st, 0);
        snprintf(s->collect_day, sizeof(s->collect_day), "%s",
                 sqlite3_column_text(st, 1)
                     ? (const char *)sqlite3_column_text(st, 1)
                     : "");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading collection runs");
    if (s->collect_at == 0)
        return 0;
    if ((st = db_stmt(db, day_sql, err)) == NULL)
        return -1;
    sqlite3_bind_text(st, 1, s->collect_day, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->collect_sources = sqlite3_column_int64(st, 0);
        s->collect_failed = sqlite3_column_int64(st, 1);
        s->collect_new = sqlite3_column_int64(st, 2);
        s->collect_updated = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "reading collection runs");
    return 0;
}

/* stats_print_json - the numbers as one JSON object */
static void
stats_print_json(const struct stats *s)
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
    for (int i = 0; i < STATS_NOUTBOX; i++)
        cJSON_AddNumberToObject(out, stats_outbox_states[i],
                                (double)s->outbox[i]);
    if (s->collect_at) {
        col = cJSON_AddObjectToObject(o, "last_collection");
        cJSON_AddNumberToObject(col, "started_at", (double)s->collect_at);
        cJSON_AddStringToObject(col, "day", s->collect_day);
        cJSON_AddNumberToObject(col, "sources", (double)s->collect_sources);
        cJSON_AddNumberToObject(col, "failed", (double)s->collect_failed);
        cJSON_AddNumberToObject(col, "new", (double)s->collect_new);
        cJSON_AddNumberToObject(col, "updated", (double)s->collect_updated);
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
stats_print_text(const struct stats *s)
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
    for (int i = 0; i < STATS_NOUTBOX; i++)
        printf(" %lld %s%s", (long long)s->outbox[i], stats_outbox_states[i],
               i + 1 < STATS_NOUTBOX ? "," : "\n");
    if (s->collect_at == 0) {
        printf("last collection: never\n");
        return;
    }
    printf("last collection: %s UTC (day %s): %lld sources, %lld failed, "
           "%lld new, %lld updated\n",
           cli_format_time(s->collect_at, when, sizeof(when)), s->collect_day,
           (long long)s->collect_sources, (long long)s->collect_failed,
           (long long)s->collect_new, (long long)s->collect_updated);
}

int
cmd_stats(struct cli *cli, int argc, char **argv)
{
    struct stats s;
    struct err err;
    struct db *db;
    int json = 0;

    if (cli_wants_help(argc, argv)) {
        printf("usage: " STATS_USAGE "\n"
               "\n"
               "Print counts: lists, subscribers, subscriptions by status\n"
               "(pending, confirmed, unsubscribed, bounced; paused ones\n"
               "separately), papers stored, mail in the outbox by state\n"
               "(queued, sending, deferred, sent, bounced, failed) and the\n"
               "last collection run with its day's totals.\n"
               "\n"
               "  --json    print one JSON object instead\n"
               "\n"
               "Example:\n"
               "  paperboy stats --json\n"
               "\n"
               "Exit status: 0 success, 1 failure, 2 usage error.\n");
        return CLI_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return cli_usage_error("stats", STATS_USAGE, "%s '%s'",
                                   argv[i][0] == '-' ? "unknown option"
                                                     : "unexpected argument",
                                   argv[i]);
    }
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (stats_collect(db, &s, &err) == -1)
        return cli_fail("%s", err.msg);
    if (json)
        stats_print_json(&s);
    else
        stats_print_text(&s);
    return CLI_OK;
}
