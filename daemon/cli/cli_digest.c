/* SPDX-License-Identifier: MIT */
/*
 * cli_digest - `paperboy digest preview`: print the digest a subscriber
 * would get, without sending or recording anything; `paperboy digest
 * plan`: the next mailing of each list and zone (plan.h).
 *
 *     paperboy digest preview EMAIL [--list NAME] [--date YYYY-MM-DD]
 *                                   [--format text|html|eml]
 *     paperboy digest plan [--list NAME] [--date YYYY-MM-DD] [--json]
 *
 * The digest is frozen inside a transaction that is always rolled back,
 * so the ranking, the candidate window and "never resend" are exactly
 * those of a real send, and the database is left as it was.  A digest
 * already frozen for that day is shown as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "compose.h"
#include "daemon.h"
#include "db_digest.h"
#include "digest.h"
#include "plan.h"
#include "str.h"
#include "token.h"

#define DIGEST_USAGE                                                           \
    "paperboy digest preview EMAIL [--list NAME] [--date YYYY-MM-DD] "         \
    "[--format text|html|eml]\n"                                               \
    "       paperboy digest plan [--list NAME] [--date YYYY-MM-DD] [--json]"
#define DIGEST_OUT_MAX (16 * 1024 * 1024) /* bytes of one preview */

/* digest_help - the full help text on stdout */
static void
digest_help(void)
{
    printf("usage: " DIGEST_USAGE "\n"
           "\n"
           "Print the digest EMAIL would receive, without sending it and\n"
           "without recording anything: the papers are chosen and ranked\n"
           "exactly as for a real send (new since the last digest, never\n"
           "sent before, keywords and categories applied), inside a\n"
           "transaction that is rolled back.\n"
           "\n"
           "  EMAIL              the subscriber's address\n"
           "  --list NAME        which subscription, when EMAIL has several\n"
           "  --date YYYY-MM-DD  the digest's day (default: today in\n"
           "                     [schedule] timezone, as for send)\n"
           "  --format F         text (default): subject and plain-text part\n"
           "                     html: the HTML part\n"
           "                     eml:  the whole MIME message, as sent\n"
           "\n"
           "Examples:\n"
           "  paperboy digest preview ada@example.org\n"
           "  paperboy digest preview ada@example.org --list nlp "
           "--date 2026-11-27 --format eml > d.eml\n"
           "\n"
           "Exit status: 0 success (also when nothing would be sent, which is\n"
           "said on stderr), 1 failure, 2 usage error.\n"
           "\n"
           "digest plan: for each list and time zone it is served in, the\n"
           "next mailing (or, with --date, the mailing of that local day):\n"
           "its time, its state (scheduled, due: the daemon sends it at its\n"
           "next pass, sent, missed), the subscriptions it goes to (confirmed\n"
           "before its time), those confirmed later (their first digest is\n"
           "the zone's next mailing), the list's new papers in its window\n"
           "collected so far, and how many subscriptions would get nothing.\n"
           "WEEKLY counts the weekly subscriptions among them (this is their\n"
           "day); OTHER DAY the weekly ones whose day is another, which this\n"
           "mailing leaves out.\n"
           "Nothing is sent or recorded.\n"
           "\n"
           "  --list NAME        only this list\n"
           "  --date YYYY-MM-DD  the mailing of this day in each zone\n"
           "  --json             one JSON array instead of the table\n");
}

/* digest_key - the token key; when no secret exists yet, a throw-away key
 * so that a preview never creates the secret file */
static int
digest_key(const struct config *cfg, struct token_key *key, struct err *err)
{
    struct stat st;

    if ((cfg->secret == NULL || *cfg->secret == '\0') &&
        stat(cfg->secret_file, &st) == -1) {
        fprintf(stderr,
                "paperboy: note: no secret yet (%s): the links in "
                "this preview will not work\n",
                cfg->secret_file);
        token_key_from_string("paperboy-preview", key);
        return 0;
    }
    return token_key_load(cfg, key, err);
}

/* digest_preview - the preview subcommand */
static int
digest_preview(struct cli *cli, int argc, char **argv)
{
    const char *email = NULL, *list = NULL, *date = NULL, *format = "text";
    char day[16], mid[320];
    struct token_key key;
    struct compose *c = NULL;
    struct db_digest_sub sub;
    struct db *db;
    struct buf out, subject;
    struct err err;
    struct tm tm;
    int64_t sub_id = 0, digest_id = 0;
    int rc = CLI_FAIL, in_txn = 0;

    for (int i = 1; i < argc; i++) {
        const char **slot = NULL;
        if (strcmp(argv[i], "--list") == 0)
            slot = &list;
        else if (strcmp(argv[i], "--date") == 0)
            slot = &date;
        else if (strcmp(argv[i], "--format") == 0)
            slot = &format;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_usage_error("digest", DIGEST_USAGE,
                                   "unknown option '%s'", argv[i]);
        else if (email == NULL) {
            email = argv[i];
            continue;
        } else
            return cli_usage_error("digest", DIGEST_USAGE,
                                   "unexpected argument '%s'", argv[i]);
        if (i + 1 >= argc)
            return cli_usage_error("digest", DIGEST_USAGE, "%s needs a value",
                                   argv[i]);
        *slot = argv[++i];
    }
    if (email == NULL)
        return cli_usage_error("digest", DIGEST_USAGE, "EMAIL is missing");
    if (strcmp(format, "text") != 0 && strcmp(format, "html") != 0 &&
        strcmp(format, "eml") != 0)
        return cli_usage_error("digest", DIGEST_USAGE,
                               "--format must be text, html or eml, not '%s'",
                               format);
    if (date != NULL) {
        if (strlen(date) != 10 || str_parse_day(date, &tm) == -1)
            return cli_usage_error("digest", DIGEST_USAGE,
                                   "--date must be YYYY-MM-DD, not '%s'", date);
        (void)str_copy(day, sizeof(day), date);
    } else {
        cli_today(cli->cfg, day, sizeof(day));
    }

    err_init(&err);
    buf_init(&out, DIGEST_OUT_MAX);
    buf_init(&subject, 4096);
    db = cli_db(cli);
    if (db == NULL)
        goto out;
    if (db_digest_sub_find(db, email, list, &sub_id, &err) != 0 ||
        db_digest_sub_load(db, sub_id, &sub, &err) != 0 ||
        digest_key(cli->cfg, &key, &err) == -1 ||
        compose_new(cli->cfg, &key, &c, &err) == -1) {
        cli_fail("%s", err.msg);
        goto out;
    }
    if (strcmp(sub.status, "confirmed") != 0)
        fprintf(stderr,
                "paperboy: note: the subscription is %s: no digest would be "
                "sent to it\n",
                sub.status);
    if (sub.weekly && digest_weekday_of(day) != sub.weekday)
        fprintf(stderr,
                "paperboy: note: the subscription is weekly, on %s: no digest "
                "is sent to it on %s; this is what it would hold\n",
                db_sub_weekday_name(sub.weekday), day);
    if (db_begin(db, &err) == -1) {
        cli_fail("%s", err.msg);
        goto out;
    }
    in_txn = 1;
    if (digest_freeze(db, cli->cfg, sub_id, day, &digest_id, &err) == -1) {
        cli_fail("%s", err.msg);
        goto out;
    }
    if (digest_id == 0) {
        fprintf(stderr,
                "paperboy: nothing to send to %s (list %s) on %s: no new "
                "paper matches (when_empty = skip)\n",
                sub.email, sub.list_name, day);
        rc = CLI_OK;
        goto out;
    }
    if (strcmp(format, "eml") == 0) {
        compose_message_id_digest(c, sub_id, day, mid, sizeof(mid));
        if (compose_digest_message(c, db, digest_id, mid, &out, &err) == -1) {
            cli_fail("%s", err.msg);
            goto out;
        }
    } else if (strcmp(format, "html") == 0) {
        if (compose_digest_parts(c, db, digest_id, &subject, NULL, &out,
                                 &err) == -1) {
            cli_fail("%s", err.msg);
            goto out;
        }
    } else {
        struct buf text;
        buf_init(&text, DIGEST_OUT_MAX);
        if (compose_digest_parts(c, db, digest_id, &subject, &text, NULL,
                                 &err) == -1) {
            buf_release(&text);
            cli_fail("%s", err.msg);
            goto out;
        }
        buf_addf(&out, "Subject: %s\nTo: %s\n\n", buf_str(&subject), sub.email);
        buf_add(&out, buf_str(&text), text.len);
        buf_release(&text);
    }
    if (fwrite(buf_str(&out), 1, out.len, stdout) != out.len ||
        fflush(stdout) != 0) {
        cli_fail("digest: cannot write the preview");
        goto out;
    }
    rc = CLI_OK;
out:
    if (in_txn)
        db_rollback(db);
    compose_free(c);
    buf_release(&out);
    buf_release(&subject);
    return rc;
}

/* digest_plan_json - the rows as a JSON array */
static cJSON *
digest_plan_json(const struct plan_row *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();

    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "list", v[i].list);
        cJSON_AddStringToObject(o, "zone", v[i].zone_name);
        cJSON_AddBoolToObject(o, "default_zone", v[i].zone[0] == '\0');
        cJSON_AddStringToObject(o, "day", v[i].day);
        cJSON_AddNumberToObject(o, "at", (double)v[i].at);
        cJSON_AddStringToObject(o, "local_time", v[i].local);
        cJSON_AddStringToObject(o, "state", plan_state_name(v[i].state));
        cJSON_AddNumberToObject(o, "subscribers", (double)v[i].subscribers);
        cJSON_AddNumberToObject(o, "empty", (double)v[i].empty);
        cJSON_AddNumberToObject(o, "weekly", (double)v[i].weekly);
        cJSON_AddNumberToObject(o, "weekly_other_day", (double)v[i].other_day);
        cJSON_AddNumberToObject(o, "later", (double)v[i].later);
        cJSON_AddStringToObject(o, "later_first_digest", v[i].later_local);
        cJSON_AddNumberToObject(o, "new_papers", (double)v[i].papers);
        if (v[i].papers_week >= 0)
            cJSON_AddNumberToObject(o, "new_papers_weekly",
                                    (double)v[i].papers_week);
        else
            cJSON_AddNullToObject(o, "new_papers_weekly");
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

/* digest_plan_cmd - the plan subcommand */
static int
digest_plan_cmd(struct cli *cli, int argc, char **argv)
{
    static const char *head[] = {"LIST",      "ZONE",         "LOCAL TIME",
                                 "STATE",     "SUBSCRIBERS",  "EMPTY",
                                 "LATER",     "NEW PAPERS",   "WEEKLY",
                                 "OTHER DAY", "NEW THIS WEEK"};
    const char *list = NULL, *date = NULL, *pos[1];
    int json = 0, npos = 0;
    const struct cli_opt opts[] = {{"--list", &list, NULL},
                                   {"--date", &date, NULL},
                                   {"--json", NULL, &json},
                                   {NULL, NULL, NULL}};
    struct plan_row *v = NULL;
    struct cli_table t;
    struct tm tm;
    struct err err;
    size_t n = 0;
    cJSON *j = NULL;

    if (cli_parse_args("digest", DIGEST_USAGE, argc, argv, opts, pos, 0,
                       &npos) != CLI_OK)
        return CLI_USAGE;
    if (date != NULL && (strlen(date) != 10 || str_parse_day(date, &tm) == -1))
        return cli_usage_error("digest", DIGEST_USAGE,
                               "--date must be YYYY-MM-DD, not '%s'", date);
    if (cli_db(cli) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (digest_plan(cli->db, cli->cfg, list, date, daemon_now(), &v, &n,
                    &err) == -1)
        return cli_fail("digest plan: %s", err.msg);
    cli_table_init(&t, 11, head);
    for (size_t i = 0; i < n; i++) {
        char zone[TZ_NAME_MAX + 12], sub[24], empty[24], later[24], pap[24],
            wk[24], other[24], week[24];
        const char *row[11];
        snprintf(zone, sizeof(zone), "%s%s", v[i].zone_name,
                 v[i].zone[0] ? "" : " (default)");
        snprintf(sub, sizeof(sub), "%lld", (long long)v[i].subscribers);
        snprintf(empty, sizeof(empty), "%lld", (long long)v[i].empty);
        snprintf(later, sizeof(later), "%lld", (long long)v[i].later);
        snprintf(pap, sizeof(pap), "%lld", (long long)v[i].papers);
        snprintf(wk, sizeof(wk), "%lld", (long long)v[i].weekly);
        snprintf(other, sizeof(other), "%lld", (long long)v[i].other_day);
        row[0] = v[i].list;
        row[1] = zone;
        row[2] = v[i].local;
        row[3] = plan_state_name(v[i].state);
        row[4] = sub;
        row[5] = empty;
        row[6] = later;
        row[7] = pap;
        row[8] = wk;
        row[9] = other;
        if (v[i].papers_week >= 0)
            snprintf(week, sizeof(week), "%lld", (long long)v[i].papers_week);
        else
            snprintf(week, sizeof(week), "-");
        row[10] = week;
        cli_table_add(&t, row);
    }
    if (json)
        j = digest_plan_json(v, n);
    cli_print_listing(j, &t);
    cJSON_Delete(j);
    cli_table_release(&t);
    free(v);
    return CLI_OK;
}

int
cmd_digest(struct cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("digest", DIGEST_USAGE, "what to do is missing");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        cli_wants_help(argc, argv)) {
        digest_help();
        return CLI_OK;
    }
    if (strcmp(argv[1], "preview") == 0)
        return digest_preview(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "plan") == 0)
        return digest_plan_cmd(cli, argc - 1, argv + 1);
    return cli_usage_error("digest", DIGEST_USAGE, "unknown subcommand '%s'",
                           argv[1]);
}
