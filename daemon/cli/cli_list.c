/* SPDX-License-Identifier: MIT */
/*
 * cli_list - `paperboy list add|ls|rm`: manage mailing lists.
 *
 *     paperboy list add NAME [--title T] [--description D]
 *                            [--categories cs.LG,cs.CL] [--hf | --no-hf]
 *     paperboy list ls [--json]
 *     paperboy list rm NAME [--yes]
 *     paperboy list resume NAME
 *
 * Validation (name, title, categories) lives in db_list so the web side
 * refuses the same things.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catnames.h"
#include "cli.h"
#include "db_list.h"
#include "db_pause.h"
#include "db_sub.h"
#include "str.h"
#include "subs.h"

#define LIST_USAGE                                                             \
    "paperboy list add NAME [--title T] [--description D] "                    \
    "[--categories LIST] [--hf | --no-hf] [--replacements]\n"                  \
    "       paperboy list ls [--json]\n"                                       \
    "       paperboy list rm NAME [--yes]\n"                                   \
    "       paperboy list resume NAME"

/* list_help - the full help text on stdout */
static void
list_help(void)
{
    printf(
        "usage: " LIST_USAGE "\n"
        "\n"
        "Manage the mailing lists people subscribe to.  Each list collects\n"
        "new papers from its arXiv categories and, optionally, the day's\n"
        "Hugging Face trending papers.\n"
        "\n"
        "list add NAME   create a list\n"
        "  NAME                  [a-z0-9][a-z0-9_-]{0,63}, used in URLs and "
        "commands\n"
        "  --title T             the title shown on the subscribe page and "
        "in mail\n"
        "                        (default, and when empty: NAME)\n"
        "  --description D       one paragraph for the subscribe page\n"
        "  --categories LIST     arXiv categories, comma-separated, no "
        "spaces:\n"
        "                        cs.LG,cs.CL  stat.ML  q-bio.QM  hep-ex\n"
        "  --hf                  include Hugging Face daily papers (default)\n"
        "  --no-hf               arXiv categories only\n"
        "  --replacements        also take arXiv's 'replace' and "
        "'replace-cross'\n"
        "                        announcements (new versions of older "
        "papers);\n"
        "                        by default only 'new' and 'cross' are taken\n"
        "\n"
        "list ls         show every list with its subscriber counts and\n"
        "                whether its delivery is paused\n"
        "  --json                print a JSON array instead of a table\n"
        "\n"
        "list rm NAME    delete a list\n"
        "  --yes                 also when it has subscriptions (they are\n"
        "                        deleted with it); without --yes a list with\n"
        "                        subscriptions is refused\n"
        "\n"
        "list resume NAME  deliver a list again that the bounce and "
        "complaint guard\n"
        "                  paused ([bounces] pause_hard_rate, "
        "pause_complaint_rate)\n"
        "\n"
        "Examples:\n"
        "  paperboy list add nlp --title 'NLP daily' --categories "
        "cs.CL,cs.IR --no-hf\n"
        "  paperboy list ls --json\n"
        "  paperboy list rm nlp --yes\n"
        "\n"
        "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

/* list_add - `list add NAME ...` */
static int
list_add(struct cli *cli, int argc, char **argv)
{
    const char *pos[1], *title = NULL, *desc = NULL, *cats = NULL;
    int npos = 0, hf = 0, no_hf = 0, replacements = 0, rc;
    const struct cli_opt opts[] = {
        {"--title", &title, NULL},
        {"--description", &desc, NULL},
        {"--categories", &cats, NULL},
        {"--hf", NULL, &hf},
        {"--no-hf", NULL, &no_hf},
        {"--replacements", NULL, &replacements},
        {NULL, NULL, NULL},
    };
    struct db_list l;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("list add", LIST_USAGE, argc, argv, opts, pos, 1,
                             &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("list add", LIST_USAGE, "missing list NAME");
    if (hf && no_hf)
        return cli_usage_error("list add", LIST_USAGE,
                               "--hf and --no-hf contradict each other");
    err_init(&err);
    memset(&l, 0, sizeof(l));
    if (db_list_check_name(pos[0], &err) == -1)
        return cli_fail("%s", err.msg);
    (void)str_copy(l.name, sizeof(l.name), pos[0]);
    if (title != NULL && db_list_check_title(title, &err) == -1)
        return cli_fail("--title: %s", err.msg);
    (void)str_copy(l.title, sizeof(l.title), title && *title ? title : pos[0]);
    if (desc != NULL) {
        if (str_copy(l.description, sizeof(l.description), desc) == -1)
            return cli_fail("--description: longer than %d bytes",
                            DB_LIST_DESCRIPTION_MAX - 1);
        if (!str_utf8_valid(desc, strlen(desc)) ||
            str_has_ctl(desc, strlen(desc)))
            return cli_fail("--description: must be UTF-8 text without "
                            "control characters");
    }
    if (cats != NULL && subs_check_list_categories(cli->cfg, cats, &err) == -1)
        return cli_fail("--categories: %s", err.msg);
    (void)str_copy(l.categories, sizeof(l.categories), cats ? cats : "");
    l.include_hf = !no_hf;
    l.include_replacements = replacements;
    if (l.categories[0] == '\0' && !l.include_hf)
        return cli_fail("list '%s' would collect nothing: give --categories "
                        "or drop --no-hf",
                        l.name);
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (db_list_create(db, &l, str_now(), NULL, &err) == -1)
        return cli_fail("%s", err.msg);
    printf("added list '%s'\n", l.name);
    return CLI_OK;
}

/* State for list_ls_row. */
struct list_ls {
    struct db *db;
    struct cli_table table;
    cJSON *json;            /* array, or NULL for a table */
    struct catnames *names; /* arXiv's names; NULL when unreadable */
};

/* list_ls_names - the JSON object {code: name} of csv's categories that
 * the taxonomy names */
static cJSON *
list_ls_names(const struct catnames *names, const char *csv)
{
    cJSON *o = cJSON_CreateObject();
    char code[64];

    for (const char *p = csv; names != NULL && *p;) {
        size_t n = strcspn(p, ",");
        const char *name = catnames_get(names, p, n);
        if (name != NULL && n < sizeof(code)) {
            memcpy(code, p, n);
            code[n] = '\0';
            cJSON_AddStringToObject(o, code, name);
        }
        p += n + (p[n] == ',');
    }
    return o;
}

/* list_ls_row - one list into the table or the JSON array */
static int
list_ls_row(const struct db_list *l, void *arg, struct err *err)
{
    struct list_ls *ls = arg;
    int64_t counts[DB_SUB_NSTATUS];
    char created[32], confirmed[24], pending[24], why[DB_PAUSE_REASON_MAX];
    int64_t paused_at = 0;
    int paused;

    if (db_sub_count_by_status(ls->db, l->id, counts, err) == -1 ||
        (paused = db_pause_get(ls->db, l->id, why, &paused_at, err)) == -1)
        return -1;
    paused = paused == 0;
    if (ls->json != NULL) {
        cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", l->name);
        cJSON_AddStringToObject(o, "title", l->title);
        cJSON_AddStringToObject(o, "description", l->description);
        cJSON_AddStringToObject(o, "categories", l->categories);
        cJSON_AddItemToObject(o, "category_names",
                              list_ls_names(ls->names, l->categories));
        cJSON_AddBoolToObject(o, "include_hf", l->include_hf);
        cJSON_AddBoolToObject(o, "include_replacements",
                              l->include_replacements);
        for (int s = 0; s < DB_SUB_NSTATUS; s++)
            cJSON_AddNumberToObject(c,
                                    db_sub_status_name((enum db_sub_status)s),
                                    (double)counts[s]);
        cJSON_AddItemToObject(o, "subscriptions", c);
        cJSON_AddNumberToObject(o, "created_at", (double)l->created_at);
        cJSON_AddBoolToObject(o, "paused", paused);
        if (paused) {
            cJSON_AddStringToObject(o, "paused_reason", why);
            cJSON_AddNumberToObject(o, "paused_at", (double)paused_at);
        }
        cJSON_AddItemToArray(ls->json, o);
        return 0;
    }
    snprintf(confirmed, sizeof(confirmed), "%lld",
             (long long)counts[DB_SUB_CONFIRMED]);
    snprintf(pending, sizeof(pending), "%lld",
             (long long)counts[DB_SUB_PENDING]);
    {
        const char *row[] = {
            l->name,
            l->title,
            l->categories[0] ? l->categories : "-",
            l->include_hf ? "yes" : "no",
            confirmed,
            pending,
            cli_format_time(l->created_at, created, sizeof(created)),
            paused ? "paused" : "-"};
        cli_table_add(&ls->table, row);
    }
    return 0;
}

/* list_ls - `list ls [--json]` */
static int
list_ls(struct cli *cli, int argc, char **argv)
{
    static const char *head[] = {"NAME",    "TITLE",     "CATEGORIES",
                                 "HF",      "CONFIRMED", "PENDING",
                                 "CREATED", "DELIVERY"};
    int json = 0, npos, rc;
    const struct cli_opt opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    struct list_ls ls;
    struct err err;

    if ((rc = cli_parse_args("list ls", LIST_USAGE, argc, argv, opts, NULL, 0,
                             &npos)) != CLI_OK)
        return rc;
    memset(&ls, 0, sizeof(ls));
    if ((ls.db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    cli_table_init(&ls.table, 8, head);
    if (json) {
        char path[4096];
        ls.json = cJSON_CreateArray();
        err_init(&err);
        if (config_web_path(cli->cfg, CATNAMES_FILE, path, sizeof(path)) ==
                -1 ||
            catnames_load(path, &ls.names, &err) == -1)
            fprintf(stderr, "paperboy: no category names: %s\n", err.msg);
    }
    err_init(&err);
    rc = db_list_each(ls.db, list_ls_row, &ls, &err);
    if (rc == 0)
        cli_print_listing(ls.json, &ls.table);
    cJSON_Delete(ls.json);
    catnames_free(ls.names);
    cli_table_release(&ls.table);
    return rc == 0 ? CLI_OK : cli_fail("%s", err.msg);
}

/* list_rm - `list rm NAME [--yes]` */
static int
list_rm(struct cli *cli, int argc, char **argv)
{
    const char *pos[1];
    int yes = 0, npos = 0, rc;
    const struct cli_opt opts[] = {{"--yes", NULL, &yes}, {NULL, NULL, NULL}};
    int64_t counts[DB_SUB_NSTATUS], total = 0;
    struct db_list l;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("list rm", LIST_USAGE, argc, argv, opts, pos, 1,
                             &npos)) != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error("list rm", LIST_USAGE, "missing list NAME");
    err_init(&err);
    if (db_list_check_name(pos[0], &err) == -1)
        return cli_fail("%s", err.msg);
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (cli_get_list(db, pos[0], &l) != CLI_OK)
        return CLI_FAIL;
    if (db_sub_count_by_status(db, l.id, counts, &err) == -1)
        return cli_fail("%s", err.msg);
    for (int s = 0; s < DB_SUB_NSTATUS; s++)
        total += counts[s];
    if (total > 0 && !yes)
        return cli_fail("list '%s' has %lld subscription%s (%lld confirmed); "
                        "add --yes to delete the list and them",
                        l.name, (long long)total, total == 1 ? "" : "s",
                        (long long)counts[DB_SUB_CONFIRMED]);
    if (db_list_delete(db, l.id, &err) == -1)
        return cli_fail("%s", err.msg);
    printf("removed list '%s'", l.name);
    if (total > 0)
        printf(" and %lld subscription%s", (long long)total,
               total == 1 ? "" : "s");
    printf("\n");
    return CLI_OK;
}

/* list_resume - `list resume NAME`: deliver a list the bounce guard
 * paused (db_pause.h) */
static int
list_resume(struct cli *cli, int argc, char **argv)
{
    const char *name;
    int rc, removed = 0;
    struct db_list l;
    struct err err;
    struct db *db;

    rc = cli_parse_one("list resume", LIST_USAGE, argc, argv, "list NAME",
                       &name);
    if (rc != CLI_OK)
        return rc;
    err_init(&err);
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (cli_get_list(db, name, &l) != CLI_OK)
        return CLI_FAIL;
    if (db_begin(db, &err) == -1)
        return cli_fail("%s", err.msg);
    if (db_pause_clear(db, l.id, str_now(), &removed, &err) == -1) {
        db_rollback(db);
        return cli_fail("%s", err.msg);
    }
    if (db_commit(db, &err) == -1)
        return cli_fail("%s", err.msg);
    printf(removed ? "list '%s' resumed\n" : "list '%s' was not paused\n",
           l.name);
    return CLI_OK;
}

int
cmd_list(struct cli *cli, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        list_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("list", LIST_USAGE, "missing subcommand");
    if (strcmp(argv[1], "add") == 0)
        return list_add(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "ls") == 0)
        return list_ls(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "rm") == 0)
        return list_rm(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "resume") == 0)
        return list_resume(cli, argc - 1, argv + 1);
    return cli_usage_error("list", LIST_USAGE, "unknown subcommand '%s'",
                           argv[1]);
}
