/* SPDX-License-Identifier: MIT */
/*
 * cli_dkim - `paperboy dkim keygen --domain D --selector S [--ed25519]
 * [--key FILE]`: write a new DKIM private key (mode 0600, never over an
 * existing file or through a link) and print the DNS TXT record that
 * publishes it and the [dkim] lines that use it.  The config is not
 * loaded: a key is made before the config names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "dkim.h"
#include "str.h"

#define DKIM_USAGE                                                             \
    "paperboy dkim keygen --domain DOMAIN --selector SELECTOR [--ed25519] "    \
    "[--key FILE]"

/* cli_dkim_help - the --help text */
static void
cli_dkim_help(void)
{
    printf("usage: " DKIM_USAGE "\n"
           "\n"
           "Generate a DKIM signing key and print the DNS TXT record to "
           "publish.\n"
           "\n"
           "Options:\n"
           "  --domain DOMAIN      the signing domain (d=), normally the "
           "domain of [smtp] from\n"
           "  --selector SELECTOR  the selector (s=): the record goes at "
           "SELECTOR._domainkey.DOMAIN\n"
           "  --ed25519            an Ed25519 key (RFC 8463) instead of RSA "
           "2048; publish both\n"
           "                       and set [dkim] key_file and "
           "ed25519_key_file to sign twice\n"
           "  --key FILE           where the private key goes (default "
           "data/dkim-SELECTOR.key);\n"
           "                       an existing file is never overwritten\n"
           "\n"
           "Exit status: 0 written, 1 failure, 2 usage error.\n");
}

/* cli_dkim_name_ok - a DNS label or name: letters, digits, '-', '.' */
static int
cli_dkim_name_ok(const char *s, int dots)
{
    size_t n = strlen(s);

    if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              (dots && *s == '.')))
            return 0;
    return 1;
}

/* cli_dkim_write - pem into a new file at path, mode 0600 */
static int
cli_dkim_write(const char *path, const char *pem)
{
    size_t n = strlen(pem);
    int fd;

    /* O_EXCL: never over an existing file, and (with O_CREAT) never
     * through a symbolic link, dangling or not */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -1) {
        if (errno == EEXIST)
            return cli_fail("dkim keygen: '%s' exists; not overwriting it "
                            "(remove it or give --key)",
                            path);
        return cli_fail("dkim keygen: cannot create '%s': %s", path,
                        strerror(errno));
    }
    if (fchmod(fd, 0600) == -1 || write(fd, pem, n) != (ssize_t)n ||
        fsync(fd) == -1) {
        int e = errno;
        close(fd);
        (void)unlink(path);
        return cli_fail("dkim keygen: cannot write '%s': %s", path,
                        strerror(e));
    }
    if (close(fd) == -1) {
        (void)unlink(path);
        return cli_fail("dkim keygen: cannot write '%s'", path);
    }
    return CLI_OK;
}

/* cli_dkim_print_record - the TXT record in zone-file syntax, split into
 * strings of at most 255 bytes (RFC 1035 3.3.14) */
static void
cli_dkim_print_record(const char *selector, const char *domain, const char *txt)
{
    size_t n = strlen(txt);

    printf("%s._domainkey.%s. IN TXT (", selector, domain);
    for (size_t i = 0; i < n; i += 250)
        printf(" \"%.*s\"", (int)(n - i > 250 ? 250 : n - i), txt + i);
    printf(" )\n");
}

/* cli_dkim_keygen - the keygen subcommand */
static int
cli_dkim_keygen(int argc, char **argv)
{
    const char *domain = NULL, *selector = NULL, *key = NULL, *pos[1];
    int ed = 0, npos = 0, rc;
    const struct cli_opt opts[] = {{"--domain", &domain, NULL},
                                   {"--selector", &selector, NULL},
                                   {"--key", &key, NULL},
                                   {"--ed25519", NULL, &ed},
                                   {NULL, NULL, NULL}};
    char path[1024];
    char *pem = NULL;
    struct buf txt;
    struct err err;
    struct stat st;

    rc = cli_parse_args("dkim keygen", DKIM_USAGE, argc, argv, opts, pos, 0,
                        &npos);
    if (rc != CLI_OK)
        return rc;
    if (domain == NULL || selector == NULL)
        return cli_usage_error("dkim keygen", DKIM_USAGE,
                               "--domain and --selector are required");
    if (!cli_dkim_name_ok(domain, 1) || strchr(domain, '.') == NULL)
        return cli_usage_error("dkim keygen", DKIM_USAGE,
                               "'%s' is not a domain name", domain);
    if (!cli_dkim_name_ok(selector, 1) || strlen(selector) > 63)
        return cli_usage_error("dkim keygen", DKIM_USAGE,
                               "'%s' is not a selector (letters, digits, "
                               "'-', '_', '.')",
                               selector);
    if (key == NULL) {
        /* the default lives beside the default database and secret */
        if (stat("data", &st) == -1 && mkdir("data", 0700) == -1)
            return cli_fail("dkim keygen: cannot create 'data': %s",
                            strerror(errno));
        snprintf(path, sizeof(path), "data/dkim-%s.key", selector);
        key = path;
    }
    err_init(&err);
    buf_init(&txt, 4096);
    if (dkim_keygen(ed ? DKIM_ALG_ED25519 : DKIM_ALG_RSA, &pem, &err) == -1 ||
        dkim_key_record(pem, NULL, &txt, &err) == -1) {
        rc = cli_fail("dkim keygen: %s", err.msg);
        goto out;
    }
    rc = cli_dkim_write(key, pem);
    if (rc != CLI_OK)
        goto out;
    printf("wrote %s (%s, mode 0600)\n\n"
           "Publish this DNS record:\n",
           key, ed ? "Ed25519" : "RSA 2048");
    cli_dkim_print_record(selector, domain, buf_str(&txt));
    printf("\nand sign with it (config file):\n"
           "[dkim]\n"
           "domain = %s\n"
           "%s = %s\n"
           "%s = %s\n",
           domain, ed ? "ed25519_selector" : "selector", selector,
           ed ? "ed25519_key_file" : "key_file", key);
out:
    if (pem != NULL) {
        explicit_bzero(pem, strlen(pem));
        free(pem);
    }
    buf_release(&txt);
    return rc;
}

int
cmd_dkim(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "--help") == 0) {
        cli_dkim_help();
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "keygen") == 0) {
        if (cli_wants_help(argc - 1, argv + 1)) {
            cli_dkim_help();
            return CLI_OK;
        }
        return cli_dkim_keygen(argc - 1, argv + 1);
    }
    return cli_usage_error("dkim", DKIM_USAGE, "unknown subcommand '%s'",
                           argv[1]);
}
