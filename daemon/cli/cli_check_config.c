/* SPDX-License-Identifier: MIT */
/*
 * cli_check_config - `paperboy check-config [--dump] [FILE]`: parse and
 * validate a config the way `serve` would, without touching the
 * database, and say "FILE: ok" (exit 0) or print the errors (exit 1).
 * --dump prints the effective config, every key, password masked.
 * main.c does not pre-load the config for this command: a broken file is
 * exactly what it is for.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli.h"
#include "dkim.h"
#include "tz.h"

#define CHECK_CONFIG_USAGE "paperboy check-config [--dump] [FILE]"

/* check_config_help - the --help text */
static void
check_config_help(void)
{
    printf("usage: " CHECK_CONFIG_USAGE "\n"
           "\n"
           "Validate a config file as `paperboy serve` would read it.\n"
           "FILE defaults to -c FILE, then $PAPERBOY_CONFIG, then the "
           "built-in defaults.\n"
           "\n"
           "Options:\n"
           "  --dump   print the effective config (every key, the SMTP "
           "password masked)\n"
           "\n"
           "Exit status: 0 valid, 1 invalid, 2 usage error.\n");
}

/* check_config_warn_from - a warning (not an error) when mail goes out
 * over SMTP from a domain no receiver will accept: localhost, or a name
 * without a dot */
static void
check_config_warn_from(const struct config *cfg, const char *label)
{
    char domain[256];

    if (cfg->smtp_url[0] == '\0')
        return;
    config_from_domain(cfg, domain, sizeof(domain));
    if (strcasecmp(domain, "localhost") == 0 || strchr(domain, '.') == NULL)
        fprintf(stderr,
                "%s: warning: [smtp] from '%s' is at '%s', which mailbox "
                "providers reject or file as spam; use an address at a "
                "domain you publish SPF, DKIM and DMARC for (see "
                "docs/deliverability.md)\n",
                label, cfg->smtp_from, domain);
}

/* check_config_extra - checks beyond parsing: the zone file really
 * loads, an explicit web root exists; -1 with a message printed */
static int
check_config_extra(const struct config *cfg, const char *label)
{
    struct tz *tz = NULL;
    struct err err;
    struct stat st;
    int rc = 0;

    err_init(&err);
    if (tz_load(cfg->timezone, &tz, &err) == -1) {
        fprintf(stderr, "%s: [schedule] timezone: %s\n", label, err.msg);
        rc = -1;
    }
    tz_free(tz);
    if (cfg->web_root[0] != '\0' &&
        (stat(cfg->web_root, &st) == -1 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "%s: [web] root: '%s' is not a directory\n", label,
                cfg->web_root);
        rc = -1;
    }
    if (dkim_check_config(cfg, &err) == -1) {
        fprintf(stderr, "%s: %s\n", label, err.msg);
        rc = -1;
    }
    check_config_warn_from(cfg, label);
    return rc;
}

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
    const char *path = NULL;
    struct config *cfg = NULL;
    struct err err;
    int dump = 0, rc = CLI_FAIL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            check_config_help();
            return CLI_OK;
        } else if (strcmp(argv[i], "--dump") == 0) {
            dump = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error(argv[0], CHECK_CONFIG_USAGE,
                                   "unknown option '%s'", argv[i]);
        } else if (path == NULL) {
            path = argv[i];
        } else {
            return cli_usage_error(argv[0], CHECK_CONFIG_USAGE,
                                   "only one FILE, got '%s' too", argv[i]);
        }
    }
    if (path == NULL)
        path = cli->config_path; /* -c or $PAPERBOY_CONFIG, may be NULL */
    err_init(&err);
    cfg = config_load(path, &err);
    if (cfg == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    if (check_config_extra(cfg, path ? path : "built-in defaults") == -1)
        goto out;
    if (dump)
        config_dump(cfg);
    else
        printf("%s: ok\n", path ? path : "built-in defaults");
    rc = CLI_OK;
out:
    config_free(cfg);
    return rc;
}
