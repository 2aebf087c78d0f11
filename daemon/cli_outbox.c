/* SPDX-License-Identifier: MIT */
/*
 * cli_outbox - placeholder until the command is written.
 */
#include "cli.h"

int
cmd_outbox(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    return cli_fail("%s: not implemented yet", argv[0]);
}
