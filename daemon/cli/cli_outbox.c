/* SPDX-License-Identifier: MIT */
/*
 * cli_outbox - `paperboy outbox ls|retry|purge`: look at and repair the
 * mail queue (outbox.h).
 *
 *   outbox ls [--status S] [--limit N] [--json]   newest first
 *   outbox retry ID | --all      re-queue (deferred/failed; bounced by ID)
 *   outbox purge --before YYYY-MM-DD   delete finished rows made before
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "outbox.h"
#include "str.h"

#define OUTBOX_USAGE                                                           \
    "paperboy outbox ls [--status S] [--limit N] [--json]\n"                   \
    "       paperboy outbox retry ID | --all\n"                                \
    "       paperboy outbox purge --before YYYY-MM-DD"

struct outbox_ls {
    struct cli_table table;
    int json;
    size_t n;
};

/* outbox_ls_row - one row into the table or as a JSON object */
static int
outbox_ls_row(const struct outbox_row *r, void *arg, struct err *err)
{
    struct outbox_ls *ls = arg;
    char id[24], att[16], next[32], sent[32], sub[24];
    const char *cells[8];

    (void)err;
    if (ls->json) {
        printf("%s{\"id\":%" PRId64 ",\"kind\":\"%s\",\"state\":\"%s\","
               "\"subscription_id\":%" PRId64 ",\"digest_id\":%" PRId64
               ",\"rcpt\":",
               ls->n ? ",\n" : "", r->id, outbox_kind_name(r->kind),
               outbox_state_name(r->state), r->subscription_id, r->digest_id);
        cli_json_str(stdout, r->rcpt);
        printf(",\"message_id\":");
        cli_json_str(stdout, r->message_id);
        printf(",\"attempts\":%d,\"created_at\":%" PRId64
               ",\"next_attempt_at\":%" PRId64 ",\"sent_at\":%" PRId64
               ",\"last_reply\":",
               r->attempts, r->created_at, r->next_attempt_at, r->sent_at);
        cli_json_str(stdout, r->last_reply);
        printf("}");
    } else {
        snprintf(id, sizeof(id), "%" PRId64, r->id);
        snprintf(sub, sizeof(sub), "%" PRId64, r->subscription_id);
        snprintf(att, sizeof(att), "%d", r->attempts);
        cli_format_time(r->state == OUTBOX_SENT ? 0 : r->next_attempt_at, next,
                        sizeof(next));
        cli_format_time(r->sent_at, sent, sizeof(sent));
        cells[0] = id;
        cells[1] = outbox_kind_name(r->kind);
        cells[2] = outbox_state_name(r->state);
        cells[3] = r->rcpt;
        cells[4] = att;
        cells[5] = r->state == OUTBOX_SENT ? sent : next;
        cells[6] = r->last_reply;
        cells[7] = r->message_id;
        cli_table_add(&ls->table, cells);
    }
    ls->n++;
    return 0;
}

/* outbox_cmd_ls - outbox ls */
static int
outbox_cmd_ls(struct cli *cli, int argc, char **argv)
{
    static const char *head[] = {"ID",         "KIND",      "STATE",
                                 "RCPT",       "ATTEMPTS",  "NEXT/SENT",
                                 "LAST REPLY", "MESSAGE-ID"};
    struct outbox_ls ls;
    enum outbox_state s;
    int state = -1, rc;
    long limit = 100;
    struct err err;

    memset(&ls, 0, sizeof(ls));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
            if (outbox_state_parse(argv[++i], &s) == -1)
                return cli_usage_error(
                    "outbox", OUTBOX_USAGE,
                    "--status '%s' is not one of queued, sending, deferred, "
                    "sent, bounced, failed",
                    argv[i]);
            state = (int)s;
        } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (str_to_long(argv[++i], 0, 100000000, &limit) == -1)
                return cli_usage_error("outbox", OUTBOX_USAGE,
                                       "--limit '%s' is not a number", argv[i]);
        } else if (strcmp(argv[i], "--json") == 0) {
            ls.json = 1;
        } else {
            return cli_usage_error("outbox", OUTBOX_USAGE, "unexpected '%s'",
                                   argv[i]);
        }
    }
    if (cli_db(cli) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (ls.json)
        printf("[");
    else
        cli_table_init(&ls.table, 8, head);
    rc = outbox_each(cli->db, state, (size_t)limit, outbox_ls_row, &ls, &err);
    if (ls.json) {
        printf("]\n");
    } else {
        if (rc == 0)
            cli_table_print(&ls.table, stdout);
        cli_table_release(&ls.table);
    }
    if (rc == -1)
        return cli_fail("%s", err.msg);
    return CLI_OK;
}

/* outbox_cmd_retry - outbox retry ID | --all */
static int
outbox_cmd_retry(struct cli *cli, int argc, char **argv)
{
    struct outbox_row row;
    struct err err;
    long id = 0;
    int64_t n = 0;
    int r;

    if (argc != 2)
        return cli_usage_error("outbox", OUTBOX_USAGE,
                               "retry needs an ID or --all");
    if (strcmp(argv[1], "--all") != 0 &&
        str_to_long(argv[1], 1, INT64_MAX, &id) == -1)
        return cli_usage_error("outbox", OUTBOX_USAGE,
                               "'%s' is not an outbox ID", argv[1]);
    if (cli_db(cli) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (id > 0) {
        r = outbox_get(cli->db, id, &row, &err);
        if (r == -1)
            return cli_fail("%s", err.msg);
        if (r == 1)
            return cli_fail("no outbox row %ld", id);
    }
    if (outbox_retry(cli->db, id, str_now(), &n, &err) == -1)
        return cli_fail("%s", err.msg);
    if (id > 0 && n == 0)
        return cli_fail("outbox row %ld is %s; only deferred, failed and "
                        "bounced rows can be retried",
                        id, outbox_state_name(row.state));
    printf("re-queued %lld\n", (long long)n);
    return CLI_OK;
}

/* outbox_cmd_purge - outbox purge --before YYYY-MM-DD */
static int
outbox_cmd_purge(struct cli *cli, int argc, char **argv)
{
    struct err err;
    time_t before;
    int64_t n = 0;

    if (argc != 3 || strcmp(argv[1], "--before") != 0)
        return cli_usage_error("outbox", OUTBOX_USAGE,
                               "purge needs --before YYYY-MM-DD");
    if (str_day_to_time(argv[2], &before) == -1)
        return cli_usage_error("outbox", OUTBOX_USAGE,
                               "'%s' is not a date YYYY-MM-DD", argv[2]);
    if (cli_db(cli) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (outbox_purge(cli->db, (int64_t)before, &n, &err) == -1)
        return cli_fail("%s", err.msg);
    printf("purged %lld\n", (long long)n);
    return CLI_OK;
}

int
cmd_outbox(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        if (argc < 2)
            return cli_usage_error("outbox", OUTBOX_USAGE, "missing action");
        printf("usage: %s\n\n"
               "ls     list the outbox, newest first (default limit 100, "
               "0 = all)\n"
               "retry  re-queue a deferred, failed or bounced row now, or "
               "every deferred\n       and failed row with --all; the "
               "give-up time starts again\n"
               "purge  delete sent, bounced and failed rows made before the "
               "date (UTC)\n",
               OUTBOX_USAGE);
        return CLI_OK;
    }
    if (strcmp(argv[1], "ls") == 0)
        return outbox_cmd_ls(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "retry") == 0)
        return outbox_cmd_retry(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "purge") == 0)
        return outbox_cmd_purge(cli, argc - 1, argv + 1);
    return cli_usage_error("outbox", OUTBOX_USAGE, "unknown action '%s'",
                           argv[1]);
}
