/* SPDX-License-Identifier: MIT */
/*
 * cli_digest - `paperboy digest preview`: print the digest a subscriber
 * would get, without sending or recording anything.
 *
 *     paperboy digest preview EMAIL [--list NAME] [--date YYYY-MM-DD]
 *                                   [--format text|html|eml]
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

#include "cli.h"
#include "compose.h"
#include "db_digest.h"
#include "digest.h"
#include "str.h"
#include "token.h"

#define DIGEST_USAGE                                                           \
    "paperboy digest preview EMAIL [--list NAME] [--date YYYY-MM-DD] "         \
    "[--format text|html|eml]"
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
           "  --date YYYY-MM-DD  the digest's day (default: today, UTC)\n"
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
           "said on stderr), 1 failure, 2 usage error.\n");
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
        str_format_day((time_t)str_now(), day, sizeof(day));
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
    return cli_usage_error("digest", DIGEST_USAGE, "unknown subcommand '%s'",
                           argv[1]);
}
