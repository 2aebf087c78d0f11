/* SPDX-License-Identifier: MIT */
/*
 * cli_mydata - a subscriber's own data from the command line:
 * `subscriber export-data EMAIL` (the JSON document of "download my
 * data", db_export_subscriber(), on stdout) and `subscriber erase EMAIL`
 * ("delete everything", sub_erase(); asks nothing and prints what it
 * removed).  The web's /data/TOKEN and /erase/TOKEN call the same two
 * functions.  Layer: cli.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "db_export.h"
#include "str.h"
#include "subs.h"
#include "token.h"

#define MYDATA_USAGE                                                           \
    "paperboy subscriber export-data EMAIL\n"                                  \
    "       paperboy subscriber erase EMAIL"

/* mydata_open - the one EMAIL argument of cmd, normalised into out, and
 * the database; CLI_OK, or the exit status after printing why */
static int
mydata_open(struct cli *cli, const char *cmd, int argc, char **argv, char *out,
            size_t size, struct db **db)
{
    const char *arg;
    struct err err;
    int rc;

    rc = cli_parse_one(cmd, MYDATA_USAGE, argc, argv, "EMAIL", &arg);
    if (rc != CLI_OK)
        return rc;
    err_init(&err);
    if (subs_check_email(arg, out, size, &err) == -1)
        return cli_fail("%s", err.msg);
    if ((*db = cli_db(cli)) == NULL)
        return CLI_FAIL;
    return CLI_OK;
}

int
cli_export_data(struct cli *cli, int argc, char **argv)
{
    char email[ADDR_SIZE];
    struct buf out;
    struct err err;
    struct db *db;
    int rc;

    rc = mydata_open(cli, "subscriber export-data", argc, argv, email,
                     sizeof(email), &db);
    if (rc != CLI_OK)
        return rc;
    err_init(&err);
    buf_init(&out, DB_EXPORT_MAX);
    rc = db_export_subscriber(db, email, str_now(), &out, &err);
    if (rc == 0 && fwrite(buf_str(&out), 1, out.len, stdout) != out.len)
        rc = -1, err_set(&err, ERR_TEMP, "cannot write standard output");
    buf_release(&out);
    return cli_found(rc, &err, "no subscriber '%s'", email);
}

int
cli_erase(struct cli *cli, int argc, char **argv)
{
    char email[ADDR_SIZE];
    struct subs_erased res;
    struct token_key key;
    struct err err;
    struct db *db;
    int rc;

    rc = mydata_open(cli, "subscriber erase", argc, argv, email, sizeof(email),
                     &db);
    if (rc != CLI_OK)
        return rc;
    err_init(&err);
    if (token_key_load(cli->cfg, &key, &err) == -1)
        return cli_fail("%s", err.msg);
    rc = sub_erase(db, &key, email, str_now(), &res, &err);
    if (rc != 0)
        return cli_found(rc, &err, "no subscriber '%s'", email);
    printf("erased %s: 1 subscriber, %lld subscriptions, %lld digests "
           "(%lld papers listed), %lld votes, %lld papers waiting for "
           "arXiv, %lld outbox messages\n",
           email, (long long)res.rows.subscriptions,
           (long long)res.rows.digests, (long long)res.rows.digest_items,
           (long long)res.rows.votes, (long long)res.rows.vote_requests,
           (long long)res.rows.outbox);
    printf("kept: a keyed hash of the address in the suppression table "
           "(reason erased%s); 'subscriber import --force' overrides it\n",
           res.suppressed ? "" : ", already there");
    return CLI_OK;
}
