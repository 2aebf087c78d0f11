/* SPDX-License-Identifier: MIT */
/*
 * test_smtp - what smtp.c decides without a server: the envelope sender
 * taken from [smtp] from, URLs it refuses (ERR_PERM) and a refused
 * connection (ERR_TEMP, so the mail is retried).  The protocol itself is
 * tested against real servers in it.41 and it.42.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "smtp.h"
#include "xalloc.h"

/* set_str - replace a config string */
static void
set_str(char **field, const char *v)
{
    free(*field);
    *field = xstrdup(v);
}

static void
test_envelope_from(void)
{
    static const struct {
        const char *from, *want; /* want NULL: refused */
    } cases[] = {
        {"Paperboy <paperboy@example.org>", "paperboy@example.org"},
        {"paperboy@example.org", "paperboy@example.org"},
        {"  pb@example.org", "pb@example.org"},
        {"\"Digest, Daily\" <d@x.example>", "d@x.example"},
        {"Paperboy <no-at-sign>", NULL},
        {"Paperboy <unterminated@example.org", NULL},
        {"Paperboy <>", NULL},
        {"", NULL},
    };
    struct config *cfg = config_defaults();
    char out[256];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_str(&cfg->smtp_from, cases[i].from);
        if (cases[i].want == NULL) {
            CHECK(smtp_envelope_from(cfg, out, sizeof(out)) == -1);
        } else {
            CHECK(smtp_envelope_from(cfg, out, sizeof(out)) == 0);
            CHECK_STR_EQ(out, cases[i].want);
        }
    }
    config_free(cfg);
}

static void
test_open_errors(void)
{
    static const struct {
        const char *url;
        enum err_kind kind;
    } bad[] = {
        {"http://example.org", ERR_PERM},  {"smtp://", ERR_PERM},
        {"smtp://host:0", ERR_PERM},       {"smtp://host:99999", ERR_PERM},
        {"smtp://host:25/path", ERR_PERM}, {"smtp://[::1", ERR_PERM},
        {"smtps://:465", ERR_PERM},
    };
    struct config *cfg = config_defaults();
    struct smtp *s = NULL;
    struct err err;
    char url[64];
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd;

    cfg->smtp_timeout = 2;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        set_str(&cfg->smtp_url, bad[i].url);
        err_init(&err);
        CHECK(smtp_open(cfg, &s, &err) == -1);
        CHECK_INT_EQ(err.kind, bad[i].kind);
        CHECK(s == NULL);
    }
    /* a port nobody listens on: bind one, learn it, close it */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    close(fd);
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(sa.sin_port));
    set_str(&cfg->smtp_url, url);
    err_init(&err);
    CHECK(smtp_open(cfg, &s, &err) == -1);
    CHECK_INT_EQ(err.kind, ERR_TEMP);
    CHECK(strstr(err.msg, "cannot connect") != NULL);
    /* a bad EHLO name never reaches the wire */
    set_str(&cfg->smtp_helo, "two words");
    err_init(&err);
    CHECK(smtp_open(cfg, &s, &err) == -1);
    CHECK_INT_EQ(err.kind, ERR_PERM);
    smtp_close(NULL);
    CHECK_INT_EQ(smtp_fd(NULL), -1);
    config_free(cfg);
}

int
main(void)
{
    test_envelope_from();
    test_open_errors();
    return CHECK_DONE();
}
