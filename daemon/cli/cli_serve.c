/* SPDX-License-Identifier: MIT */
/*
 * cli_serve - `paperboy serve`: the daemon in the foreground, logging to
 * stderr, for a terminal or a service manager (see daemon.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"

#define SERVE_USAGE "paperboy [-c FILE] [--log-level LEVEL] serve"

int
cmd_serve(struct cli *cli, int argc, char **argv)
{
    struct config *cfg;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf(
                "usage: " SERVE_USAGE "\n"
                "\n"
                "Run the daemon in the foreground: the web server, the "
                "scheduler (collect and\n"
                "send at [schedule] send_at in each subscriber's time zone) "
                "and the delivery\n"
                "workers.  Logs go to stderr.\n"
                "\n"
                "Signals:\n"
                "  SIGTERM, SIGINT  stop accepting, finish work in progress, "
                "exit 0\n"
                "  SIGHUP           reload the config and templates (a bad "
                "config is refused\n"
                "                   and the running one kept)\n"
                "  SIGUSR1          run the scheduler now\n"
                "\n"
                "Only one serve (or run) may use a database at a time.\n"
                "Exit status: 0 after a clean stop, 1 if it could not "
                "start.\n");
            return CLI_OK;
        }
        return cli_usage_error(argv[0], SERVE_USAGE, "unexpected argument '%s'",
                               argv[i]);
    }
    cfg = cli->cfg;
    cli->cfg = NULL; /* the daemon owns it now */
    return daemon_serve(cli->config_path, cfg);
}
