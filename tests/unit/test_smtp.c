/* SPDX-License-Identifier: MIT */
/*
 * test_smtp - what smtp.c decides without a server: the envelope sender
 * taken from [smtp] from, URLs it refuses (ERR_PERM) and a refused
 * connection (ERR_TEMP, so the mail is retried), and the DATA encoding
 * (smtp_stuff: CRLF line ends, dot-stuffing, the final dot).  The
 * protocol itself is tested against real servers in it.41 and it.42.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
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

static void
test_stuff(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"", ".\r\n"},
        {"a\r\nb\r\n", "a\r\nb\r\n.\r\n"},
        {"a\r\nb", "a\r\nb\r\n.\r\n"},       /* no final line end */
        {"a\nb\n", "a\r\nb\r\n.\r\n"},       /* lone LF */
        {"a\rb\r", "a\r\nb\r\n.\r\n"},       /* lone CR */
        {"a\r\r\nb", "a\r\n\r\nb\r\n.\r\n"}, /* CR then CRLF */
        {".\r\n", "..\r\n.\r\n"},            /* a lone dot line */
        {".a\r\n..b\r\nc.\r\n", "..a\r\n...b\r\nc.\r\n.\r\n"},
        {"a\n.b\r.c", "a\r\n..b\r\n..c\r\n.\r\n"},
        {"\r\n.\r\n", "\r\n..\r\n.\r\n"},
    };
    struct buf out;

    buf_init(&out, 1u << 20);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        smtp_stuff(cases[i].in, strlen(cases[i].in), &out);
        CHECK_STR_EQ(buf_str(&out), cases[i].want);
    }
    /* a NUL byte is data, not an end */
    smtp_stuff("a\0b\r\n", 5, &out);
    CHECK_INT_EQ(out.len, 8);
    CHECK(memcmp(out.data, "a\0b\r\n.\r\n", 8) == 0);
    /* a long message of 1000 lines, every line dotted */
    {
        struct buf big;
        buf_init(&big, 1u << 20);
        for (int i = 0; i < 1000; i++)
            buf_adds(&big,
                     ".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                     "xxxxxxxxxxxxxxxxxxx\r\n");
        smtp_stuff(big.data, big.len, &out);
        CHECK_INT_EQ(out.len, big.len + 1000 + 3);
        CHECK(memcmp(out.data + out.len - 5, "\r\n.\r\n", 5) == 0);
        /* without the dots it goes through as it is */
        for (size_t i = 0; i < big.len; i++)
            if (big.data[i] == '.')
                big.data[i] = 'y';
        smtp_stuff(big.data, big.len, &out);
        CHECK_INT_EQ(out.len, big.len + 3);
        CHECK(memcmp(out.data, big.data, big.len) == 0);
        /* one dot in the middle of it takes the slow path */
        big.data[big.len / 1000 * 500] = '.';
        smtp_stuff(big.data, big.len, &out);
        CHECK_INT_EQ(out.len, big.len + 4);
        CHECK(memcmp(out.data + big.len / 1000 * 500, "..x", 3) == 0);
        buf_release(&big);
    }
    buf_release(&out);
}

int
main(void)
{
    test_stuff();
    test_envelope_from();
    test_open_errors();
    return CHECK_DONE();
}
