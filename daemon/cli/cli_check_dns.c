/* SPDX-License-Identifier: MIT */
/*
 * cli_check_dns - `paperboy check-dns [--domain D] [--server IP[:PORT]]
 * [--json]`: the DNS self-check (dns_check.h) printed as one line per
 * record, ok / warn / fail with what to publish, or as JSON.  Exit 1 when
 * any check fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "dns_check.h"
#include "str.h"

#define CHECK_DNS_USAGE                                                        \
    "paperboy check-dns [--domain DOMAIN] [--server IP[:PORT]] [--json]"

/* check_dns_help - the --help text */
static void
check_dns_help(void)
{
    printf("usage: " CHECK_DNS_USAGE "\n"
           "\n"
           "Look up the DNS records mailbox providers check for the From "
           "domain and say\n"
           "for each whether it is right (ok), worth fixing (warn) or will "
           "get mail\n"
           "refused or junked (fail), with what to publish: MX, SPF (and "
           "whether it\n"
           "authorises [smtp] url's relay), each [dkim] selector's key (and "
           "whether it is\n"
           "the configured key), DMARC (policy and alignment), and the PTR "
           "of [smtp] helo\n"
           "when a local MTA delivers directly.\n"
           "\n"
           "Options:\n"
           "  --domain DOMAIN     check DOMAIN instead of the domain of "
           "[smtp] from\n"
           "  --server IP[:PORT]  ask this DNS server (default: the system "
           "resolver)\n"
           "  --json              print the results as JSON\n"
           "\n"
           "Exit status: 0 nothing failed, 1 a check failed, 2 usage "
           "error.\n");
}

/* check_dns_json - the report as JSON on stdout */
static void
check_dns_json(const struct dns_report *r, int failed)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    char *s;

    cJSON_AddStringToObject(root, "domain", r->domain);
    cJSON_AddBoolToObject(root, "ok", !failed);
    for (int i = 0; i < r->n; i++) {
        const struct dns_item *it = &r->item[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "check", it->check);
        cJSON_AddStringToObject(o, "status", dns_status_name(it->status));
        cJSON_AddStringToObject(o, "name", it->name);
        cJSON_AddStringToObject(o, "detail", it->detail);
        cJSON_AddStringToObject(o, "fix", it->fix);
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObject(root, "checks", arr);
    s = cJSON_Print(root);
    if (s != NULL)
        printf("%s\n", s);
    free(s);
    cJSON_Delete(root);
}

int
cmd_check_dns(struct cli *cli, int argc, char **argv)
{
    const char *domain = NULL, *server = NULL, *pos[1];
    int json = 0, npos = 0, rc, failed = 0;
    const struct cli_opt opts[] = {{"--domain", &domain, NULL},
                                   {"--server", &server, NULL},
                                   {"--json", NULL, &json},
                                   {NULL, NULL, NULL}};
    struct dns_check_opts o;
    struct dns_report *r;
    struct err err;

    if (cli_wants_help(argc, argv)) {
        check_dns_help();
        return CLI_OK;
    }
    rc = cli_parse_args("check-dns", CHECK_DNS_USAGE, argc, argv, opts, pos, 0,
                        &npos);
    if (rc != CLI_OK)
        return rc;
    memset(&o, 0, sizeof(o));
    o.domain = domain;
    o.server = server;
    o.timeout_s = 3;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return cli_fail("check-dns: out of memory");
    err_init(&err);
    if (dns_check_run(cli->cfg, &o, r, &err) == -1) {
        free(r);
        return err.kind == ERR_PERM && strstr(err.msg, "--server")
                   ? cli_usage_error("check-dns", CHECK_DNS_USAGE, "%s",
                                     err.msg)
                   : cli_fail("%s", err.msg);
    }
    for (int i = 0; i < r->n; i++)
        failed |= r->item[i].status == DNS_FAIL;
    if (json) {
        check_dns_json(r, failed);
    } else {
        printf("check-dns: %s\n", r->domain);
        for (int i = 0; i < r->n; i++) {
            const struct dns_item *it = &r->item[i];
            printf("%-4s  %-10s %s: %s\n", dns_status_name(it->status),
                   it->check, it->name, it->detail);
            if (it->fix[0] != '\0')
                printf("      publish: %s\n", it->fix);
        }
    }
    free(r);
    return failed ? CLI_FAIL : CLI_OK;
}
