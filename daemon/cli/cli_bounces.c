/* SPDX-License-Identifier: MIT */
/*
 * cli_bounces - `paperboy bounces fetch|check|unsuppress`:
 *
 *     paperboy bounces fetch               read [bounces] mailbox once
 *     paperboy bounces check ADDRESS       is the address suppressed?
 *     paperboy bounces unsuppress ADDRESS  let it be mailed and imported
 *
 * What a bounce or complaint does is bounces.c's; this file only runs it
 * and prints what it did.
 */
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "bounces.h"
#include "cli.h"
#include "db_suppress.h"
#include "str.h"
#include "token.h"

#define BOUNCES_USAGE                                                          \
    "paperboy bounces fetch\n"                                                 \
    "       paperboy bounces check ADDRESS\n"                                  \
    "       paperboy bounces unsuppress ADDRESS"

/* bounces_help - the --help text */
static void
bounces_help(void)
{
    printf("usage: " BOUNCES_USAGE "\n"
           "\n"
           "bounces fetch        read the bounce mailbox ([bounces] mailbox) "
           "once: each\n"
           "                     delivery status notification or spam "
           "complaint is matched\n"
           "                     to its subscription (VERP address, else "
           "Message-ID),\n"
           "                     recorded, acted on, and then deleted; "
           "other mail is left.\n"
           "                     A permanent failure suppresses the address; "
           "[bounces]\n"
           "                     soft_limit temporary ones within soft_window "
           "do too; a\n"
           "                     complaint unsubscribes.  A mailing past "
           "[bounces]\n"
           "                     pause_hard_rate or pause_complaint_rate "
           "pauses its list\n"
           "                     ('paperboy list resume NAME').\n"
           "bounces check ADDR   say whether ADDR is suppressed, and why\n"
           "bounces unsuppress ADDR\n"
           "                     remove ADDR from the suppression table "
           "(its subscriptions\n"
           "                     stay bounced until it subscribes again)\n"
           "\n"
           "Exit status: 0 success (check: suppressed), 1 failure (check: "
           "not\n"
           "suppressed), 2 usage error.\n");
}

/* bounces_fetch_cmd - `bounces fetch` */
static int
bounces_fetch_cmd(struct cli *cli, int argc, char **argv)
{
    const struct cli_opt opts[] = {{NULL, NULL, NULL}};
    struct bounces_stats st;
    struct token_key key;
    struct err err;
    struct db *db;
    char line[512];
    int npos = 0, rc;

    if ((rc = cli_parse_args("bounces fetch", BOUNCES_USAGE, argc, argv, opts,
                             NULL, 0, &npos)) != CLI_OK)
        return rc;
    if (cli->cfg->bounce_mailbox[0] == '\0')
        return cli_fail("bounces: no [bounces] mailbox configured");
    if ((db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    err_init(&err);
    if (token_key_load(cli->cfg, &key, &err) == -1)
        return cli_fail("%s", err.msg);
    memset(&st, 0, sizeof(st));
    rc = bounces_fetch(db, cli->cfg, &key, str_now(), &st, &err);
    bounces_summary(&st, line, sizeof(line));
    printf("%s\n", line);
    return rc == 0 ? CLI_OK : cli_fail("%s", err.msg);
}

/* bounces_addr - ADDRESS of `check` and `unsuppress`, normalised, and its
 * key */
static int
bounces_addr(struct cli *cli, const char *cmd, int argc, char **argv,
             unsigned char h[DB_SUPPRESS_HASH], char *addr, size_t size,
             struct db **db)
{
    const char *arg;
    struct token_key key;
    struct err err;
    int rc;

    rc = cli_parse_one(cmd, BOUNCES_USAGE, argc, argv, "ADDRESS", &arg);
    if (rc != CLI_OK)
        return rc;
    err_init(&err);
    if (addr_normalize(arg, addr, size, &err) == -1)
        return cli_fail("%s", err.msg);
    if ((*db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    if (token_key_load(cli->cfg, &key, &err) == -1)
        return cli_fail("%s", err.msg);
    db_suppress_hash(&key, addr, h);
    return CLI_OK;
}

/* bounces_check_cmd - `bounces check ADDRESS` */
static int
bounces_check_cmd(struct cli *cli, int argc, char **argv)
{
    unsigned char h[DB_SUPPRESS_HASH];
    char addr[ADDR_SIZE], why[DB_SUPPRESS_REASON_MAX];
    struct err err;
    struct db *db = NULL;
    int rc;

    if ((rc = bounces_addr(cli, "bounces check", argc, argv, h, addr,
                           sizeof(addr), &db)) != CLI_OK)
        return rc;
    err_init(&err);
    rc = db_suppress_get(db, h, why, &err);
    if (rc == -1)
        return cli_fail("%s", err.msg);
    if (rc == 1) {
        printf("%s is not suppressed\n", addr);
        return CLI_FAIL;
    }
    printf("%s is suppressed (%s)\n", addr, why);
    return CLI_OK;
}

/* bounces_unsuppress_cmd - `bounces unsuppress ADDRESS` */
static int
bounces_unsuppress_cmd(struct cli *cli, int argc, char **argv)
{
    unsigned char h[DB_SUPPRESS_HASH];
    char addr[ADDR_SIZE];
    struct err err;
    struct db *db = NULL;
    int rc, removed = 0;

    if ((rc = bounces_addr(cli, "bounces unsuppress", argc, argv, h, addr,
                           sizeof(addr), &db)) != CLI_OK)
        return rc;
    err_init(&err);
    if (db_suppress_remove(db, h, &removed, &err) == -1)
        return cli_fail("%s", err.msg);
    printf(removed ? "%s is no longer suppressed\n" : "%s was not suppressed\n",
           addr);
    return CLI_OK;
}

int
cmd_bounces(struct cli *cli, int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        bounces_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("bounces", BOUNCES_USAGE, "missing subcommand");
    if (strcmp(argv[1], "fetch") == 0)
        return bounces_fetch_cmd(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return bounces_check_cmd(cli, argc - 1, argv + 1);
    if (strcmp(argv[1], "unsuppress") == 0)
        return bounces_unsuppress_cmd(cli, argc - 1, argv + 1);
    return cli_usage_error("bounces", BOUNCES_USAGE, "unknown subcommand '%s'",
                           argv[1]);
}
