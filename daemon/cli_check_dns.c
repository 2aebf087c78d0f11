#include "cli.h"
int
cmd_check_dns(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    return CLI_FAIL;
}
