/* SPDX-License-Identifier: MIT */
/*
 * cli_check_config - placeholder until the command is written.
 */
#include "cli.h"

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    return cli_fail("%s: not implemented yet", argv[0]);
}
