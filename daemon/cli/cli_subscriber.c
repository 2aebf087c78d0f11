/* SPDX-License-Identifier: MIT */
/*
 * cli_subscriber - `paperboy subscriber add|rm|ls|show|import|export`.
 *
 * Addresses go through addr_normalize() before anything is looked up or
 * written, so an invalid address is refused with its reason and the
 * database is not touched.  Import reads CSV (csv.c) with a header row,
 * checks every row completely before writing it, reports bad rows as
 * "line N: reason" on stderr and writes good rows in batched
 * transactions; running the same import twice changes nothing.  Export
 * writes CSV that import reads back without loss.  What a value may be
 * and what adding or importing does to a subscription (which status
 * follows which, queued mail dropped when one leaves) are subs.h's
 * rules; this file parses arguments and files and prints.  Layer: cli.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "addr.h"
#include "cli.h"
#include "csv.h"
#include "db_list.h"
#include "db_sub.h"
#include "db_suppress.h"
#include "db_votes.h"
#include "str.h"
#include "subs.h"

#define SUB_USAGE                                                              \
    "paperboy subscriber add EMAIL --list NAME [--name N] "                    \
    "[--keywords K] [--daily | --weekly DAY] [--confirmed]\n"                  \
    "       paperboy subscriber set EMAIL --list NAME [--keywords K] "         \
    "[--daily | --weekly DAY]\n"                                               \
    "       paperboy subscriber rm EMAIL [--list NAME]\n"                      \
    "       paperboy subscriber ls [--list NAME] [--status STATUS] "           \
    "[--json]\n"                                                               \
    "       paperboy subscriber show EMAIL [--json]\n"                         \
    "       paperboy subscriber import FILE.csv --list NAME [--confirmed] "    \
    "[--force]\n"                                                              \
    "       paperboy subscriber export [--list NAME] [--raw]\n"                \
    "       paperboy subscriber like EMAIL --list NAME [--less] [--clear] "    \
    "[ARXIV_ID...]\n"                                                          \
    "       paperboy subscriber export-data EMAIL\n"                           \
    "       paperboy subscriber erase EMAIL"

#define SUB_IMPORT_BATCH 500 /* rows per transaction */

/* the export header; import recognises each of these columns */
static const char *const sub_export_head[] = {
    "email",      "name",     "list",       "status",  "keywords", "categories",
    "max_papers", "timezone", "created_at", "cadence", "weekday",  "votes"};
#define SUB_EXPORT_NCOLS 12

/* sub_help - the full help text on stdout */
static void
sub_help(void)
{
    printf(
        "usage: " SUB_USAGE "\n"
        "\n"
        "Manage subscribers and their subscriptions.  A subscriber is one\n"
        "address; a subscription ties it to a list with a status (pending,\n"
        "confirmed, unsubscribed, bounced) and preferences.  Addresses are\n"
        "normalised: the domain is lower-cased and internationalised\n"
        "domains are stored as punycode; the local part keeps its case but\n"
        "compares case-insensitively (ADA@example.org is ada@example.org).\n"
        "\n"
        "subscriber add EMAIL --list NAME   subscribe EMAIL to list NAME\n"
        "  --list NAME           the list (required)\n"
        "  --name N              the subscriber's name (new subscribers)\n"
        "  --keywords K          what to look for, e.g. \"KV cache, "
        "distillation\"\n"
        "                        (at most 500 bytes, one line)\n"
        "  --daily               a digest every day (the default)\n"
        "  --weekly DAY          one digest a week, on DAY (monday ...\n"
        "                        sunday, or mon ... sun) in the\n"
        "                        subscription's zone: the papers since\n"
        "                        the previous digest, at most 7 days\n"
        "  --confirmed           skip double opt-in: status confirmed now;\n"
        "                        otherwise the subscription is pending and\n"
        "                        receives nothing until confirmed\n"
        "  An address already subscribed keeps its status; the keywords\n"
        "  and cadence given replace its own.\n"
        "\n"
        "subscriber set EMAIL --list NAME   change a subscription\n"
        "  --keywords K, --daily, --weekly DAY   as for add; what is not\n"
        "                        given stays as it is\n"
        "\n"
        "subscriber rm EMAIL              delete the subscriber and all its\n"
        "                                 subscriptions\n"
        "  --list NAME           only the subscription to this list\n"
        "\n"
        "subscriber ls                    list subscriptions\n"
        "  --list NAME           only this list\n"
        "  --status STATUS       only pending, confirmed, unsubscribed or "
        "bounced\n"
        "  --json                print a JSON array instead of a table\n"
        "\n"
        "subscriber show EMAIL            one subscriber with every "
        "subscription\n"
        "  --json                print a JSON object\n"
        "\n"
        "subscriber like EMAIL --list NAME ARXIV_ID...   papers like these:\n"
        "                        the digest ranks papers with their words\n"
        "                        first; ids or arxiv.org URLs; papers not\n"
        "                        collected yet are fetched from the arXiv API\n"
        "  --less                less like these instead\n"
        "  --clear               take back the votes on the papers named,\n"
        "                        or every vote when none is named\n"
        "  (show lists the votes; they go with the subscription)\n"
        "\n"
        "subscriber import FILE.csv --list NAME   add or update from CSV\n"
        "  FILE.csv              UTF-8 CSV (RFC 4180) with a header row;\n"
        "                        '-' reads standard input.  Column 'email'\n"
        "                        is required; 'name', 'keywords',\n"
        "                        'categories', 'max_papers', 'timezone',\n"
        "                        'status', 'created_at', 'cadence' (daily\n"
        "                        or weekly), 'weekday' (monday ... sunday)\n"
        "                        and 'votes' are used when present; other\n"
        "                        columns (listmonk's uuid, attributes,\n"
        "                        ...) are ignored\n"
        "  --list NAME           the list to subscribe everyone to\n"
        "  --confirmed           make new and pending subscriptions "
        "confirmed\n"
        "  Bad rows are reported as 'line N: reason' and skipped; the rest\n"
        "  is imported.  Importing the same file again changes nothing.\n"
        "  Addresses in the suppression table (bounces, erased\n"
        "  subscribers) are skipped with a message.\n"
        "  --force               import suppressed addresses too, lift their\n"
        "                        suppression, and say so for each\n"
        "  Exit status 1 when any row was skipped.\n"
        "\n"
        "subscriber export                write CSV to standard output:\n"
        "  email,name,list,status,keywords,categories,max_papers,timezone,"
        "created_at,\n  cadence,weekday,votes\n"
        "  (votes: 'more:ARXIV_ID less:ARXIV_ID ...', newest first; import\n"
        "  restores those on papers in the database and names the others)\n"
        "  --list NAME           only this list\n"
        "  --raw                 values exactly as stored; without it a\n"
        "                        value that a spreadsheet would run as a\n"
        "                        formula (starting with = + - @, TAB or CR,\n"
        "                        e.g. the exclusion '-rl') gets a leading '\n"
        "                        ('-rl), which import removes again\n"
        "\n"
        "subscriber export-data EMAIL     everything stored about EMAIL as\n"
        "                                 JSON on standard output\n"
        "subscriber erase EMAIL           delete the subscriber, every\n"
        "                                 subscription, digest, vote and\n"
        "                                 mail; asks nothing.  A keyed hash\n"
        "                                 of the address stays in the\n"
        "                                 suppression table (import skips)\n"
        "\n"
        "Examples:\n"
        "  paperboy subscriber add ada@example.org --list trending "
        "--keywords 'KV cache, distillation'\n"
        "  paperboy subscriber ls --list trending --status confirmed\n"
        "  paperboy subscriber show ada@example.org --json\n"
        "  paperboy subscriber import listmonk-export.csv --list trending "
        "--confirmed\n"
        "  paperboy subscriber export --list trending > backup.csv\n"
        "\n"
        "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

/* sub_normalize - subs_check_email with the CLI's exit; CLI_OK/FAIL */
static int
sub_normalize(const char *in, char *out, size_t size)
{
    struct err err;

    err_init(&err);
    if (subs_check_email(in, out, size, &err) == -1)
        return cli_fail("%s", err.msg);
    return CLI_OK;
}

/* sub_get_list - subs_check_list for a named list; prints and returns
 * CLI_FAIL */
static int
sub_get_list(struct db *db, const char *name, struct db_list *out)
{
    struct err err;
    int rc;

    err_init(&err);
    rc = subs_check_list(db, name, out, &err);
    return cli_found(rc, &err, "%s (see 'paperboy list ls')", err.msg);
}

/* sub_find - the subscriber with address email (normalised); prints and
 * returns CLI_FAIL when there is none */
static int
sub_find(struct db *db, const char *email, struct db_subscriber *out)
{
    struct err err;
    int rc;

    err_init(&err);
    rc = db_sub_find(db, email, out, &err);
    return cli_found(rc, &err, "no subscriber '%s'", email);
}

/* sub_get - db_sub_get() where a missing row is an error too */
static int
sub_get(struct db *db, int64_t id, struct db_subscription *out, struct err *err)
{
    int rc = db_sub_get(db, id, out, err);

    if (rc == 1)
        err_set(err, ERR_TEMP, "subscription id=%lld vanished", (long long)id);
    return rc == 0 ? 0 : -1;
}

/* sub_status_word - "confirmed", or "confirmed (paused)" */
static const char *
sub_status_word(const struct db_subscription *s, char *out, size_t size)
{
    snprintf(out, size, "%s%s", db_sub_status_name(s->status),
             s->paused ? " (paused)" : "");
    return out;
}

/* sub_cadence_opts - --daily / --weekly DAY (subs_check_schedule) into
 * p; CLI_OK, or a usage error or CLI_FAIL with the message printed */
static int
sub_cadence_opts(const char *cmd, int daily, const char *weekly,
                 struct db_sub_prefs *p)
{
    struct err err;

    if (daily && weekly != NULL)
        return cli_usage_error(cmd, SUB_USAGE,
                               "--daily and --weekly exclude each other");
    if (!daily && weekly == NULL)
        return CLI_OK;
    err_init(&err);
    if (subs_check_schedule(daily ? "daily" : "weekly", weekly, &p->cadence,
                            &p->weekday, &err) == -1)
        return cli_fail("--weekly: %s", err.msg);
    return CLI_OK;
}

/* sub_schedule_word - "daily", or "weekly on friday" */
static const char *
sub_schedule_word(const struct db_subscription *s, char *out, size_t size)
{
    if (s->cadence == DB_SUB_WEEKLY)
        snprintf(out, size, "weekly on %s", db_sub_weekday_name(s->weekday));
    else
        snprintf(out, size, "daily");
    return out;
}

/* sub_add - `subscriber add EMAIL --list NAME ...` */
static int
sub_add(struct cli *cli, int argc, char **argv)
{
    const char *pos[1], *list = NULL, *kw = NULL, *name = NULL, *weekly = NULL;
    int confirmed = 0, daily = 0, npos = 0, rc;
    const struct cli_opt opts[] = {
        {"--list", &list, NULL},   {"--keywords", &kw, NULL},
        {"--name", &name, NULL},   {"--confirmed", NULL, &confirmed},
        {"--daily", NULL, &daily}, {"--weekly", &weekly, NULL},
        {NULL, NULL, NULL},
    };
    char email[ADDR_SIZE], word[40], when[40];
    struct subs_signup in;
    struct subs_result res;
    struct db_subscription s;
    struct db_list l;
    struct token_key key;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("subscriber add", SUB_USAGE, argc, argv, opts, pos,
                             1, &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("subscriber add", SUB_USAGE, "missing EMAIL");
    if (list == NULL)
        return cli_usage_error("subscriber add", SUB_USAGE,
                               "--list NAME is required");
    if (sub_normalize(pos[0], email, sizeof(email)) != CLI_OK)
        return CLI_FAIL;
    err_init(&err);
    if (kw != NULL && subs_check_keywords(kw, &err) == -1)
        return cli_fail("--keywords: %s", err.msg);
    if (name != NULL && subs_check_name(name, &err) == -1)
        return cli_fail("--name: %s", err.msg);
    memset(&in, 0, sizeof(in));
    if ((rc = sub_cadence_opts("subscriber add", daily, weekly, &in.prefs)) !=
        CLI_OK)
        return rc;
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (sub_get_list(db, list, &l) != CLI_OK)
        return CLI_FAIL;
    in.origin = SUBS_ADD;
    in.email = email;
    in.name = name;
    in.list_id = l.id;
    in.prefs.keywords = kw;
    in.status = -1;
    in.confirmed = confirmed;
    in.key = &key; /* a suppressed address is refused (sub_suppressed) */
    if (token_key_load(cli->cfg, &key, &err) == -1 ||
        sub_signup(db, cli->cfg, &in, str_now(), &res, &err) == -1 ||
        sub_get(db, res.sub_id, &s, &err) == -1)
        return cli_fail("%s", err.msg);
    sub_schedule_word(&s, when, sizeof(when));
    if (res.created)
        printf("subscribed %s to '%s' (%s%s%s)\n", s.email, l.name,
               sub_status_word(&s, word, sizeof(word)),
               s.cadence == DB_SUB_WEEKLY ? ", " : "",
               s.cadence == DB_SUB_WEEKLY ? when : "");
    else
        printf("%s is already subscribed to '%s' (%s%s%s)%s%s\n", s.email,
               l.name, sub_status_word(&s, word, sizeof(word)),
               s.cadence == DB_SUB_WEEKLY ? ", " : "",
               s.cadence == DB_SUB_WEEKLY ? when : "",
               res.prefs_changed && kw ? "; keywords updated" : "",
               res.prefs_changed && in.prefs.cadence ? "; cadence updated"
                                                     : "");
    return CLI_OK;
}

/* sub_set - `subscriber set EMAIL --list NAME [--keywords K] [--daily |
 * --weekly DAY]`: an existing subscription's preferences (sub_set_prefs) */
static int
sub_set(struct cli *cli, int argc, char **argv)
{
    const char *pos[1], *list = NULL, *kw = NULL, *weekly = NULL;
    int daily = 0, npos = 0, rc;
    const struct cli_opt opts[] = {
        {"--list", &list, NULL},   {"--keywords", &kw, NULL},
        {"--daily", NULL, &daily}, {"--weekly", &weekly, NULL},
        {NULL, NULL, NULL},
    };
    char email[ADDR_SIZE], when[40];
    struct db_sub_prefs p;
    struct db_subscription s;
    struct db_list l;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("subscriber set", SUB_USAGE, argc, argv, opts, pos,
                             1, &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("subscriber set", SUB_USAGE, "missing EMAIL");
    if (list == NULL)
        return cli_usage_error("subscriber set", SUB_USAGE,
                               "--list NAME is required");
    if (kw == NULL && !daily && weekly == NULL)
        return cli_usage_error("subscriber set", SUB_USAGE,
                               "nothing to change (--keywords, --daily, "
                               "--weekly DAY)");
    if (sub_normalize(pos[0], email, sizeof(email)) != CLI_OK)
        return CLI_FAIL;
    memset(&p, 0, sizeof(p));
    err_init(&err);
    if (kw != NULL && subs_check_keywords(kw, &err) == -1)
        return cli_fail("--keywords: %s", err.msg);
    p.keywords = kw;
    if ((rc = sub_cadence_opts("subscriber set", daily, weekly, &p)) != CLI_OK)
        return rc;
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (sub_get_list(db, list, &l) != CLI_OK)
        return CLI_FAIL;
    rc = db_sub_get_by_email(db, email, l.name, &s, &err);
    if (rc == 1)
        return cli_fail("%s is not subscribed to '%s'", email, l.name);
    if (rc == -1 || sub_set_prefs(db, s.id, &p, -1, str_now(), &err) == -1 ||
        sub_get(db, s.id, &s, &err) == -1)
        return cli_fail("%s", err.msg);
    printf("%s on '%s': %s\n", s.email, l.name,
           sub_schedule_word(&s, when, sizeof(when)));
    return CLI_OK;
}

/* sub_count_cb - count rows */
static int
sub_count_cb(const struct db_subscription *s, void *arg, struct err *err)
{
    (void)s;
    (void)err;
    (*(int64_t *)arg)++;
    return 0;
}

/* sub_rm - `subscriber rm EMAIL [--list NAME]` */
static int
sub_rm(struct cli *cli, int argc, char **argv)
{
    const char *pos[1], *list = NULL;
    int npos = 0, rc;
    const struct cli_opt opts[] = {{"--list", &list, NULL}, {NULL, NULL, NULL}};
    char email[ADDR_SIZE];
    struct db_subscriber who;
    struct db_subscription s;
    struct db_sub_filter f = {NULL, NULL, -1};
    struct db_list l;
    int64_t left = 0;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("subscriber rm", SUB_USAGE, argc, argv, opts, pos,
                             1, &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("subscriber rm", SUB_USAGE, "missing EMAIL");
    if (sub_normalize(pos[0], email, sizeof(email)) != CLI_OK)
        return CLI_FAIL;
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (list != NULL && sub_get_list(db, list, &l) != CLI_OK)
        return CLI_FAIL;
    if (sub_find(db, email, &who) != CLI_OK)
        return CLI_FAIL;
    err_init(&err);
    f.email = who.email;
    if (db_begin(db, &err) == -1)
        return cli_fail("%s", err.msg);
    if (list != NULL) {
        rc = db_sub_get_by_email(db, who.email, l.name, &s, &err);
        if (rc == 1) {
            db_rollback(db);
            return cli_fail("%s is not subscribed to '%s'", who.email, l.name);
        }
        if (rc == -1 || db_sub_delete(db, s.id, &err) == -1 ||
            db_sub_each(db, &f, sub_count_cb, &left, &err) == -1)
            goto fail;
        if (left == 0 && db_sub_delete_subscriber(db, who.id, &err) == -1)
            goto fail;
        if (db_commit(db, &err) == -1)
            goto fail;
        printf("removed %s from '%s'\n", who.email, l.name);
        return CLI_OK;
    }
    if (db_sub_each(db, &f, sub_count_cb, &left, &err) == -1 ||
        db_sub_delete_subscriber(db, who.id, &err) == -1 ||
        db_commit(db, &err) == -1)
        goto fail;
    printf("removed %s and %lld subscription%s\n", who.email, (long long)left,
           left == 1 ? "" : "s");
    return CLI_OK;
fail:
    db_rollback(db);
    return cli_fail("%s", err.msg);
}

/* sub_json - one subscription as a JSON object (caller owns it) */
static cJSON *
sub_json(const struct db_subscription *s, int with_who)
{
    cJSON *o = cJSON_CreateObject();

    if (with_who) {
        cJSON_AddStringToObject(o, "email", s->email);
        cJSON_AddStringToObject(o, "name", s->name);
    }
    cJSON_AddStringToObject(o, "list", s->list_name);
    cJSON_AddStringToObject(o, "status", db_sub_status_name(s->status));
    cJSON_AddBoolToObject(o, "paused", s->paused);
    cJSON_AddStringToObject(o, "keywords", s->keywords);
    cJSON_AddStringToObject(o, "categories", s->categories);
    cJSON_AddNumberToObject(o, "max_papers", s->max_papers);
    cJSON_AddStringToObject(o, "timezone", s->timezone);
    cJSON_AddStringToObject(o, "cadence", db_sub_cadence_name(s->cadence));
    if (s->cadence == DB_SUB_WEEKLY)
        cJSON_AddStringToObject(o, "weekday", db_sub_weekday_name(s->weekday));
    else
        cJSON_AddNullToObject(o, "weekday");
    cJSON_AddNumberToObject(o, "hard_bounces", s->hard_bounces);
    cJSON_AddNumberToObject(o, "created_at", (double)s->created_at);
    cJSON_AddNumberToObject(o, "updated_at", (double)s->updated_at);
    if (s->confirmed_at)
        cJSON_AddNumberToObject(o, "confirmed_at", (double)s->confirmed_at);
    else
        cJSON_AddNullToObject(o, "confirmed_at");
    if (s->unsubscribed_at)
        cJSON_AddNumberToObject(o, "unsubscribed_at",
                                (double)s->unsubscribed_at);
    else
        cJSON_AddNullToObject(o, "unsubscribed_at");
    return o;
}

/* State shared by the listing callbacks. */
struct sub_ls {
    struct cli_table table;
    cJSON *json;   /* array, or NULL for a table */
    int with_who;  /* 1: ls (email, name columns); 0: show */
    struct db *db; /* show: the votes of each subscription too */
    int64_t *ids;  /* show: the subscriptions listed */
    size_t nids;
};

/* sub_ls_row - one subscription into the table or the JSON array */
static int
sub_ls_row(const struct db_subscription *s, void *arg, struct err *err)
{
    struct sub_ls *ls = arg;
    char created[32], confirmed[32], word[40], max[16], when[40];

    if (ls->json != NULL) {
        cJSON *o = sub_json(s, ls->with_who);
        cJSON_AddItemToArray(ls->json, o);
        if (ls->db != NULL)
            return cli_like_show_json(ls->db, s->id, o, err);
        return 0;
    }
    if (ls->db != NULL) {
        ls->ids = realloc(ls->ids, (ls->nids + 1) * sizeof(*ls->ids));
        if (ls->ids == NULL)
            return -1;
        ls->ids[ls->nids++] = s->id;
    }
    cli_format_time(s->created_at, created, sizeof(created));
    if (ls->with_who) {
        const char *row[] = {
            s->email,     s->name,
            s->list_name, sub_status_word(s, word, sizeof(word)),
            s->keywords,  sub_schedule_word(s, when, sizeof(when)),
            created};
        cli_table_add(&ls->table, row);
    } else {
        const char *row[] = {
            s->list_name,
            sub_status_word(s, word, sizeof(word)),
            s->keywords,
            s->categories[0] ? s->categories : "(list's)",
            (snprintf(max, sizeof(max), "%d", s->max_papers), max),
            sub_schedule_word(s, when, sizeof(when)),
            s->timezone[0] ? s->timezone : "(default)",
            created,
            cli_format_time(s->confirmed_at, confirmed, sizeof(confirmed))};
        cli_table_add(&ls->table, row);
    }
    return 0;
}

/* sub_ls - `subscriber ls [--list NAME] [--status STATUS] [--json]` */
static int
sub_ls(struct cli *cli, int argc, char **argv)
{
    static const char *head[] = {"EMAIL",    "NAME",    "LIST",   "STATUS",
                                 "KEYWORDS", "CADENCE", "CREATED"};
    const char *list = NULL, *status = NULL;
    int json = 0, npos, rc;
    const struct cli_opt opts[] = {{"--list", &list, NULL},
                                   {"--status", &status, NULL},
                                   {"--json", NULL, &json},
                                   {NULL, NULL, NULL}};
    struct db_sub_filter f = {NULL, NULL, -1};
    enum db_sub_status st;
    struct sub_ls ls;
    struct db_list l;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("subscriber ls", SUB_USAGE, argc, argv, opts, NULL,
                             0, &npos)) != CLI_OK)
        return rc;
    if (status != NULL) {
        if (db_sub_status_parse(status, &st) == -1)
            return cli_usage_error(
                "subscriber ls", SUB_USAGE,
                "--status: '%s' is not one of pending, confirmed, "
                "unsubscribed, bounced",
                status);
        f.status = (int)st;
    }
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (list != NULL) {
        if (sub_get_list(db, list, &l) != CLI_OK)
            return CLI_FAIL;
        f.list_name = l.name;
    }
    memset(&ls, 0, sizeof(ls));
    ls.with_who = 1;
    cli_table_init(&ls.table, 7, head);
    if (json)
        ls.json = cJSON_CreateArray();
    err_init(&err);
    rc = db_sub_each(db, &f, sub_ls_row, &ls, &err);
    if (rc == 0)
        cli_print_listing(ls.json, &ls.table);
    cJSON_Delete(ls.json);
    cli_table_release(&ls.table);
    return rc == 0 ? CLI_OK : cli_fail("%s", err.msg);
}

/* sub_show - `subscriber show EMAIL [--json]` */
static int
sub_show(struct cli *cli, int argc, char **argv)
{
    static const char *head[] = {"LIST",       "STATUS",  "KEYWORDS",
                                 "CATEGORIES", "MAX",     "CADENCE",
                                 "TIMEZONE",   "CREATED", "CONFIRMED"};
    const char *pos[1];
    int json = 0, npos = 0, rc;
    const struct cli_opt opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    char email[ADDR_SIZE], created[32];
    struct db_sub_filter f = {NULL, NULL, -1};
    struct db_subscriber who;
    struct sub_ls ls;
    struct err err;
    struct db *db;
    cJSON *obj = NULL;

    if ((rc = cli_parse_args("subscriber show", SUB_USAGE, argc, argv, opts,
                             pos, 1, &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("subscriber show", SUB_USAGE, "missing EMAIL");
    if (sub_normalize(pos[0], email, sizeof(email)) != CLI_OK)
        return CLI_FAIL;
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (sub_find(db, email, &who) != CLI_OK)
        return CLI_FAIL;
    err_init(&err);
    f.email = who.email;
    memset(&ls, 0, sizeof(ls));
    ls.db = db;
    cli_table_init(&ls.table, 9, head);
    if (json) {
        obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "email", who.email);
        cJSON_AddStringToObject(obj, "name", who.name);
        cJSON_AddNumberToObject(obj, "created_at", (double)who.created_at);
        ls.json = cJSON_AddArrayToObject(obj, "subscriptions");
    }
    rc = db_sub_each(db, &f, sub_ls_row, &ls, &err);
    if (rc == 0) {
        if (json) {
            char *s = cJSON_Print(obj);
            printf("%s\n", s);
            free(s);
        } else {
            printf("email:   %s\nname:    %s\ncreated: %s\n\n", who.email,
                   who.name[0] ? who.name : "-",
                   cli_format_time(who.created_at, created, sizeof(created)));
            if (ls.table.nrows == 0)
                printf("no subscriptions\n");
            else
                cli_table_print(&ls.table, stdout);
            for (size_t i = 0; i < ls.nids && rc == 0; i++) {
                struct db_subscription s;
                if ((rc = sub_get(db, ls.ids[i], &s, &err)) == 0)
                    rc = cli_like_show_text(db, s.id, s.list_name, &err);
            }
        }
    }
    free(ls.ids);
    cJSON_Delete(obj);
    cli_table_release(&ls.table);
    return rc == 0 ? CLI_OK : cli_fail("%s", err.msg);
}

/* sub_format_iso - unix seconds as "YYYY-MM-DDTHH:MM:SSZ" */
static void
sub_format_iso(int64_t t, char *out, size_t size)
{
    str_format_iso(t, out, size);
}

/* sub_parse_iso - "YYYY-MM-DDTHH:MM:SSZ" (what export writes); 0 or -1 */
static int
sub_parse_iso(const char *s, int64_t *out)
{
    struct tm tm;
    const char *end;
    time_t t;

    if (strlen(s) != 20)
        return -1;
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    t = timegm(&tm);
    if (t <= 0)
        return -1;
    *out = (int64_t)t;
    return 0;
}

/* The columns of an import file; -1 when absent. */
struct sub_cols {
    int email, name, keywords, categories, max_papers, timezone, status,
        created_at, cadence, weekday, votes;
};

/* Counters of an import. */
struct sub_tally {
    long imported, updated, unchanged, skipped;
    long forced; /* suppressed rows imported with --force */
    long votes;  /* votes restored (the votes column) */
};

/* One validated import row (borrowed strings from the record). */
struct sub_row {
    char email[ADDR_SIZE];
    const char *name; /* NULL = column absent */
    struct db_sub_prefs prefs;
    int status;         /* enum db_sub_status, or -1 = not given */
    int64_t created_at; /* 0 = not given */
    const char *votes;  /* the votes column (cli_like_csv_*), NULL = absent */
};

/* sub_col - field c of rec, or NULL when the column is absent */
static const char *
sub_col(const struct csv_record *rec, int c)
{
    /* an export's neutralised formula cell ('=...) comes back as it was */
    return c < 0 ? NULL : csv_cell_value(csv_field(rec, (size_t)c));
}

/* sub_row_check - validate a record into row; -1 with the reason */
static int
sub_row_check(const struct csv_record *rec, const struct sub_cols *c,
              const struct db_list *l, struct sub_row *row, struct err *err)
{
    const char *v;

    memset(row, 0, sizeof(*row));
    row->status = -1;
    if (subs_check_email(sub_col(rec, c->email), row->email, sizeof(row->email),
                         err) == -1)
        return -1;
    row->name = sub_col(rec, c->name);
    if (row->name && subs_check_name(row->name, err) == -1)
        return -1;
    row->prefs.keywords = sub_col(rec, c->keywords);
    if (row->prefs.keywords &&
        subs_check_keywords(row->prefs.keywords, err) == -1)
        return -1;
    row->prefs.categories = sub_col(rec, c->categories);
    if (row->prefs.categories &&
        subs_check_categories(l, row->prefs.categories, err) == -1)
        return -1;
    if (subs_check_max_papers(sub_col(rec, c->max_papers),
                              &row->prefs.max_papers, err) == -1)
        return -1;
    row->prefs.timezone = sub_col(rec, c->timezone);
    if (row->prefs.timezone &&
        subs_check_timezone(row->prefs.timezone, err) == -1)
        return -1;
    /* without the columns (an older export, listmonk's) nothing is given:
     * a new subscription is daily, an existing one keeps its cadence */
    if (subs_check_schedule(sub_col(rec, c->cadence), sub_col(rec, c->weekday),
                            &row->prefs.cadence, &row->prefs.weekday,
                            err) == -1)
        return -1;
    v = sub_col(rec, c->status);
    if (v && v[0] != '\0') {
        enum db_sub_status st;
        if (db_sub_status_parse(v, &st) == 0)
            row->status = (int)st;
        else if (strcmp(v, "blocklisted") == 0) {
            /* listmonk's word for "never mail this address" */
            err_set(err, ERR_PERM,
                    "status 'blocklisted': blocklisted addresses are not "
                    "imported");
            return -1;
        }
        /* other words (listmonk's "enabled") carry no status: ignored */
    }
    row->votes = sub_col(rec, c->votes);
    if (row->votes && cli_like_csv_check(row->votes, err) == -1)
        return -1;
    v = sub_col(rec, c->created_at);
    if (v && sub_parse_iso(v, &row->created_at) == -1)
        row->created_at = 0; /* other formats (listmonk's): ignored */
    return 0;
}

/* sub_row_suppressed - 1 when row's address may be imported; 0 with the
 * reason in err when it is in the suppression table (db_suppress.h), in
 * the words for force (0 or 1, --force), -1 (ERR_TEMP) on a database
 * error */
static int
sub_row_suppressed(struct db *db, const struct token_key *key,
                   const struct sub_row *row, int force, struct err *err)
{
    char why[DB_SUPPRESS_REASON_MAX];
    int rc;

    rc = sub_suppressed(db, key, SUBS_IMPORT, row->email, why, err);
    if (rc == -1)
        return -1;
    if (rc == 1) {
        err_set(err, ERR_PERM, "address suppressed (%s): %s", why,
                force ? "imported anyway (--force), suppression lifted"
                      : "not imported (--force overrides)");
        return 0;
    }
    return 1;
}

/* sub_row_force - --force on a suppressed row: lift the suppression (in
 * the import's transaction) and say so on stderr */
static int
sub_row_force(struct db *db, const struct token_key *key,
              const struct sub_row *row, long line, struct sub_tally *t,
              struct err *err)
{
    unsigned char h[DB_SUPPRESS_HASH];

    fprintf(stderr, "line %ld: %s\n", line, err->msg);
    db_suppress_hash(key, row->email, h);
    t->forced++;
    err_init(err);
    return db_suppress_remove(db, h, NULL, err);
}

/* sub_row_votes - the row's votes column on subscription sub_id; the
 * papers not in the database (the import fetches nothing) are named on
 * stderr; -1 on a database error */
static int
sub_row_votes(struct db *db, const struct sub_row *row, int64_t sub_id,
              long line, int64_t now, struct sub_tally *t, struct err *err)
{
    struct cli_like_csv v;
    int rc;

    if (row->votes == NULL || row->votes[0] == '\0')
        return 0;
    rc = cli_like_csv_apply(db, sub_id, row->votes, now, &v, err);
    if (rc == 0) {
        t->votes += v.restored;
        if (v.nmissing)
            fprintf(stderr,
                    "line %ld: votes: %d paper%s not in the database, not "
                    "restored (`paperboy subscriber like` fetches them): "
                    "%s\n",
                    line, v.nmissing, v.nmissing == 1 ? "" : "s",
                    buf_str(&v.missing));
        if (v.full)
            fprintf(stderr,
                    "line %ld: votes: the subscription holds %d votes, the "
                    "most kept; the rest not restored\n",
                    line, DB_VOTES_MAX);
    }
    buf_release(&v.missing);
    return rc;
}

/* sub_row_apply - write one validated row (subs.h: SUBS_IMPORT); -1 on
 * a database error */
static int
sub_row_apply(struct db *db, const struct config *cfg, const struct db_list *l,
              const struct sub_row *row, int confirmed, long line, int64_t now,
              struct sub_tally *t, struct err *err)
{
    struct subs_signup in;
    struct subs_result res;

    memset(&in, 0, sizeof(in));
    in.origin = SUBS_IMPORT;
    in.email = row->email;
    in.name = row->name;
    in.list_id = l->id;
    in.prefs = row->prefs;
    in.status = row->status;
    in.confirmed = confirmed;
    in.created_at = row->created_at;
    if (sub_signup(db, cfg, &in, now, &res, err) == -1 ||
        sub_row_votes(db, row, res.sub_id, line, now, t, err) == -1)
        return -1;
    if (res.created)
        t->imported++;
    else if (res.changed)
        t->updated++;
    else
        t->unchanged++;
    return 0;
}

/* sub_import - `subscriber import FILE --list NAME [--confirmed]` */
static int
sub_import(struct cli *cli, int argc, char **argv)
{
    const char *pos[1], *list = NULL;
    int confirmed = 0, force = 0, npos = 0, rc, in_tx = 0, ret = CLI_FAIL;
    const struct cli_opt opts[] = {{"--list", &list, NULL},
                                   {"--confirmed", NULL, &confirmed},
                                   {"--force", NULL, &force},
                                   {NULL, NULL, NULL}};
    struct sub_tally t = {0, 0, 0, 0, 0, 0};
    struct csv_reader r;
    struct csv_record hdr, rec;
    struct cli_progress prog;
    struct sub_cols c;
    struct sub_row row;
    struct db_list l;
    struct stat st;
    struct err err;
    struct token_key key;
    struct db *db;
    FILE *fp = NULL;
    size_t size = 0;
    long batch = 0, last = 0; /* last: the line of the last record handled */
    int64_t now = str_now();
    const volatile sig_atomic_t *stop;

    if ((rc = cli_parse_args("subscriber import", SUB_USAGE, argc, argv, opts,
                             pos, 1, &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("subscriber import", SUB_USAGE,
                               "missing FILE.csv");
    if (list == NULL)
        return cli_usage_error("subscriber import", SUB_USAGE,
                               "--list NAME is required");
    csv_record_init(&hdr);
    csv_record_init(&rec);
    err_init(&err);
    if (strcmp(pos[0], "-") == 0) {
        fp = stdin;
    } else if ((fp = fopen(pos[0], "r")) == NULL) {
        cli_fail("cannot open '%s': %s", pos[0], strerror(errno));
        goto out;
    }
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
        size = (size_t)st.st_size;
    if ((db = cli_db(cli)) == NULL)
        goto out;
    if (sub_get_list(db, list, &l) != CLI_OK)
        goto out;
    if (token_key_load(cli->cfg, &key, &err) == -1) {
        cli_fail("%s", err.msg);
        goto out;
    }
    csv_reader_init_file(&r, fp);
    rc = csv_read(&r, &hdr, &err);
    if (rc == 0) {
        cli_fail("%s: the file is empty (a header row with 'email' is "
                 "needed)",
                 pos[0]);
        goto out;
    }
    if (rc == -1) {
        cli_fail("%s: %s", pos[0], err.msg);
        goto out;
    }
    c.email = csv_header_index(&hdr, "email");
    c.name = csv_header_index(&hdr, "name");
    c.keywords = csv_header_index(&hdr, "keywords");
    c.categories = csv_header_index(&hdr, "categories");
    c.max_papers = csv_header_index(&hdr, "max_papers");
    c.timezone = csv_header_index(&hdr, "timezone");
    c.status = csv_header_index(&hdr, "status");
    c.created_at = csv_header_index(&hdr, "created_at");
    c.cadence = csv_header_index(&hdr, "cadence");
    c.weekday = csv_header_index(&hdr, "weekday");
    c.votes = csv_header_index(&hdr, "votes");
    if (c.email < 0) {
        cli_fail("%s: line %ld: the header has no 'email' column", pos[0],
                 hdr.line);
        goto out;
    }
    cli_progress_start(&prog, "importing (bytes read)", size);
    if (size == 0)
        prog.tty = 0; /* a pipe: no total to show progress against */
    stop = cli_catch_stop();
    for (;;) {
        err_init(&err);
        rc = csv_read(&r, &rec, &err);
        if (*stop) /* the record may be cut short by the signal: drop it */
            break;
        if (rc == 0)
            break;
        last = rec.line;
        if (rc == -1) {
            fprintf(stderr, "%s\n", err.msg);
            t.skipped++;
            if (r.fatal)
                break;
            continue;
        }
        if (sub_row_check(&rec, &c, &l, &row, &err) == -1 ||
            (rc = sub_row_suppressed(db, &key, &row, force, &err)) == -1 ||
            (rc == 0 && !force)) {
            if (err.kind == ERR_TEMP)
                goto db_fail;
            fprintf(stderr, "line %ld: %s\n", rec.line, err.msg);
            t.skipped++;
            continue;
        }
        if (!in_tx) {
            if (db_begin(db, &err) == -1)
                goto db_fail;
            in_tx = 1;
        }
        if (rc == 0 && sub_row_force(db, &key, &row, rec.line, &t, &err) == -1)
            goto db_fail;
        if (sub_row_apply(db, cli->cfg, &l, &row, confirmed, rec.line, now, &t,
                          &err) == -1) {
            err_prefix(&err, "line %ld", rec.line);
            goto db_fail;
        }
        if (++batch == SUB_IMPORT_BATCH) {
            if (db_commit(db, &err) == -1)
                goto db_fail;
            in_tx = 0;
            batch = 0;
        }
        if (size && fp != stdin) {
            long off = ftell(fp);
            if (off > 0)
                cli_progress_step(&prog, (size_t)off);
        }
    }
    if (ferror(fp) && !*stop) {
        cli_progress_end(&prog);
        if (in_tx)
            db_rollback(db);
        cli_fail("%s: read error", pos[0]);
        goto out;
    }
    if (in_tx && db_commit(db, &err) == -1)
        goto db_fail;
    cli_progress_step(&prog, size);
    cli_progress_end(&prog);
    printf("imported %ld, updated %ld, unchanged %ld, skipped %ld", t.imported,
           t.updated, t.unchanged, t.skipped);
    if (t.forced)
        printf(", suppression overridden by --force %ld", t.forced);
    if (t.votes)
        printf(", votes restored %ld", t.votes);
    printf("\n");
    ret = t.skipped ? CLI_FAIL : CLI_OK;
    if (*stop) {
        fflush(stdout);
        fprintf(stderr,
                "paperboy: subscriber import: stopped by a signal after line "
                "%ld: the rows up to it are imported, importing the file "
                "again does the rest\n",
                last);
        ret = CLI_STOPPED;
    }
    goto out;
db_fail:
    cli_progress_end(&prog);
    if (in_tx)
        db_rollback(db);
    cli_fail("%s (rows since the last batch of %d were not imported)", err.msg,
             SUB_IMPORT_BATCH);
out:
    if (fp != NULL && fp != stdin)
        fclose(fp);
    csv_record_release(&hdr);
    csv_record_release(&rec);
    return ret;
}

/* State for sub_export_row. */
struct sub_export {
    struct db *db;
    struct buf line;
    struct buf votes; /* the votes cell */
    int raw;          /* 1: cells as stored, no formula neutralising (--raw) */
    struct cli_progress prog; /* rows written, on stderr */
    size_t n;
};

/* sub_export_row - one subscription as a CSV record on stdout */
static int
sub_export_row(const struct db_subscription *s, void *arg, struct err *err)
{
    struct sub_export *x = arg;
    void (*add)(struct buf *, const char *, int) =
        x->raw ? csv_add_field : csv_add_cell;
    char max[16], created[32];

    snprintf(max, sizeof(max), "%d", s->max_papers);
    sub_format_iso(s->created_at, created, sizeof(created));
    buf_reset(&x->line);
    add(&x->line, s->email, 1);
    add(&x->line, s->name, 0);
    add(&x->line, s->list_name, 0);
    add(&x->line, db_sub_status_name(s->status), 0);
    add(&x->line, s->keywords, 0);
    add(&x->line, s->categories, 0);
    add(&x->line, max, 0);
    add(&x->line, s->timezone, 0);
    add(&x->line, created, 0);
    add(&x->line, db_sub_cadence_name(s->cadence), 0);
    add(&x->line, db_sub_weekday_name(s->weekday), 0);
    if (cli_like_csv_cell(x->db, s->id, &x->votes, err) == -1)
        return -1;
    add(&x->line, buf_str(&x->votes), 0);
    csv_end_record(&x->line);
    if (buf_check(&x->line, err) == -1)
        return -1;
    if (fwrite(x->line.data, 1, x->line.len, stdout) != x->line.len) {
        err_set(err, ERR_PERM, "writing the export: %s", strerror(errno));
        return -1;
    }
    cli_progress_step(&x->prog, ++x->n);
    return 0;
}

/* sub_export - `subscriber export [--list NAME]` */
static int
sub_export(struct cli *cli, int argc, char **argv)
{
    const char *list = NULL;
    int npos, rc;
    struct sub_export x = {.raw = 0};
    const struct cli_opt opts[] = {
        {"--list", &list, NULL}, {"--raw", NULL, &x.raw}, {NULL, NULL, NULL}};
    struct db_sub_filter f = {NULL, NULL, -1};
    struct db_list l = {.id = 0};
    int64_t counts[DB_SUB_NSTATUS], total = 0;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("subscriber export", SUB_USAGE, argc, argv, opts,
                             NULL, 0, &npos)) != CLI_OK)
        return rc;
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (list != NULL) {
        if (sub_get_list(db, list, &l) != CLI_OK)
            return CLI_FAIL;
        f.list_name = l.name;
    }
    x.db = db;
    buf_init(&x.line, CSV_RECORD_MAX);
    buf_init(&x.votes, CSV_FIELD_MAX);
    for (int i = 0; i < SUB_EXPORT_NCOLS; i++)
        csv_add_field(&x.line, sub_export_head[i], i == 0);
    csv_end_record(&x.line);
    fwrite(x.line.data, 1, x.line.len, stdout);
    err_init(&err);
    if (db_sub_count_by_status(db, l.id, counts, &err) == 0)
        for (int i = 0; i < DB_SUB_NSTATUS; i++)
            total += counts[i];
    cli_progress_start(&x.prog, "exporting (rows)", (size_t)total);
    rc = db_sub_each(db, &f, sub_export_row, &x, &err);
    cli_progress_end(&x.prog);
    buf_release(&x.line);
    buf_release(&x.votes);
    if (rc == -1)
        return cli_fail("%s", err.msg);
    if (fflush(stdout) != 0)
        return cli_fail("writing the export: %s", strerror(errno));
    return CLI_OK;
}

int
cmd_subscriber(struct cli *cli, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(struct cli *, int, char **);
    } subs[] = {
        {"add", sub_add},
        {"set", sub_set},
        {"rm", sub_rm},
        {"ls", sub_ls},
        {"show", sub_show},
        {"import", sub_import},
        {"export", sub_export},
        {"like", cli_like},
        {"export-data", cli_export_data},
        {"erase", cli_erase},
    };

    if (cli_wants_help(argc, argv)) {
        sub_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("subscriber", SUB_USAGE, "missing subcommand");
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(cli, argc - 1, argv + 1);
    return cli_usage_error("subscriber", SUB_USAGE, "unknown subcommand '%s'",
                           argv[1]);
}
