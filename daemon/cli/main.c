/* SPDX-License-Identifier: MIT */
/*
 * main - the paperboy program: global options, then one git-style
 * command.  It loads the config before any command runs, so a bad config
 * stops the program before anything is created or changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "dkim.h"
#include "log.h"

struct main_command {
    const char *name;
    int (*run)(struct cli *cli, int argc, char **argv);
    int needs_config; /* 0: the command loads the config itself */
    const char *summary;
};

static const struct main_command main_commands[] = {
    {"serve", cmd_serve, 1, "run the daemon: web, scheduler and delivery"},
    {"run", cmd_run, 1, "one collect-and-send cycle, for cron"},
    {"collect", cmd_collect, 1, "fetch new papers from arXiv and Hugging Face"},
    {"papers", cmd_papers, 1, "list, search and show stored papers"},
    {"digest", cmd_digest, 1, "preview a subscriber's digest"},
    {"send", cmd_send, 1, "freeze due digests into the outbox and deliver"},
    {"outbox", cmd_outbox, 1, "inspect, retry and purge queued mail"},
    {"list", cmd_list, 1, "add, list and remove mailing lists"},
    {"subscriber", cmd_subscriber, 1,
     "add, remove, show, import and export subscribers"},
    {"stats", cmd_stats, 1, "counts of lists, subscribers, papers and mail"},
    {"check-config", cmd_check_config, 0, "validate a config file"},
    {"check-dns", cmd_check_dns, 1, "check SPF, DKIM, DMARC and MX in DNS"},
    {"dkim", cmd_dkim, 0, "generate a DKIM key and its DNS record"},
    {"bounces", cmd_bounces, 1,
     "read the bounce mailbox; check or lift suppressions"},
};

#define NCOMMANDS (sizeof(main_commands) / sizeof(main_commands[0]))

/* main_usage - the top-level --help */
static void
main_usage(FILE *fp)
{
    fprintf(fp,
            "usage: paperboy [-c FILE] [--log-level LEVEL] COMMAND [ARGS...]\n"
            "\n"
            "Paperboy emails researchers a personalised digest of the day's "
            "trending papers.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-13s %s\n", main_commands[i].name,
                main_commands[i].summary);
    fprintf(fp,
            "\n"
            "Options:\n"
            "  -c, --config FILE    INI config (default: $PAPERBOY_CONFIG, "
            "else built-in\n"
            "                       defaults: data/paperboy.db, maildir "
            "delivery, web on\n"
            "                       127.0.0.1:8080)\n"
            "  --log-level LEVEL    error, warn, info (default) or debug\n"
            "  -h, --help           this help; 'paperboy COMMAND --help' for "
            "a command\n"
            "  -V, --version        print the version\n"
            "\n"
            "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int
main(int argc, char **argv)
{
    struct cli cli;
    const struct main_command *cmd = NULL;
    const char *opt_c = NULL, *opt_level = NULL;
    struct err err;
    enum log_level level;
    int i, rc;

    memset(&cli, 0, sizeof(cli));
    db_global_init();
    if (getenv("JOURNAL_STREAM") != NULL)
        log_set_journal(1);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (++i == argc) {
                fprintf(stderr, "paperboy: %s needs a FILE\n", a);
                return CLI_USAGE;
            }
            opt_c = argv[i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            opt_c = a + 9;
        } else if (strcmp(a, "--log-level") == 0) {
            if (++i == argc) {
                fprintf(stderr, "paperboy: --log-level needs a LEVEL\n");
                return CLI_USAGE;
            }
            opt_level = argv[i];
        } else if (strncmp(a, "--log-level=", 12) == 0) {
            opt_level = a + 12;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            main_usage(stdout);
            return CLI_OK;
        } else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("paperboy %s\n", PAPERBOY_VERSION);
            return CLI_OK;
        } else if (a[0] == '-') {
            fprintf(stderr, "paperboy: unknown option '%s'\n", a);
            main_usage(stderr);
            return CLI_USAGE;
        } else {
            break;
        }
    }
    if (i == argc) {
        main_usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 < argc) {
            /* "paperboy help CMD" is "paperboy CMD --help" */
            static char help[] = "--help";
            argv[i] = argv[i + 1];
            argv[i + 1] = help;
        } else {
            main_usage(stdout);
            return CLI_OK;
        }
    }
    for (size_t k = 0; k < NCOMMANDS; k++)
        if (strcmp(argv[i], main_commands[k].name) == 0)
            cmd = &main_commands[k];
    if (cmd == NULL) {
        fprintf(stderr, "paperboy: unknown command '%s'\n", argv[i]);
        main_usage(stderr);
        return CLI_USAGE;
    }
    if (opt_level != NULL) {
        if (log_parse_level(opt_level, &level) == -1) {
            fprintf(stderr,
                    "paperboy: --log-level: '%s' is not one of error, warn, "
                    "info, debug\n",
                    opt_level);
            return CLI_USAGE;
        }
        log_set_level(level);
    }
    cli.config_path = config_resolve_path(opt_c);
    if (cmd->needs_config && !cli_wants_help(argc - i, argv + i)) {
        err_init(&err);
        cli.cfg = config_load(cli.config_path, &err);
        if (cli.cfg == NULL)
            return cli_fail("%s", err.msg);
        /* a DKIM key that cannot sign stops every command, as a bad
         * config does, before anything is sent */
        if (dkim_check_config(cli.cfg, &err) == -1) {
            config_free(cli.cfg);
            return cli_fail("%s: %s",
                            cli.config_path ? cli.config_path : "defaults",
                            err.msg);
        }
        if (opt_level == NULL &&
            log_parse_level(cli.cfg->log_level, &level) == 0)
            log_set_level(level);
    }
    rc = cmd->run(&cli, argc - i, argv + i);
    db_close(cli.db);
    config_free(cli.cfg);
    return rc;
}
