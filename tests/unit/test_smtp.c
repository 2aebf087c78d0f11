/* SPDX-License-Identifier: MIT */
/*
 * test_smtp - what smtp.c decides without a server: the envelope sender
 * taken from [smtp] from, URLs it refuses (ERR_PERM) and a refused
 * connection (ERR_TEMP, so the mail is retried), and the DATA encoding
 * (smtp_stuff: CRLF line ends, dot-stuffing, the final dot), and the
 * pipelined steps against a scripted server in a thread (a previous
 * message's result is filled whatever the caller's struct held).  The
 * protocol itself is tested against real servers in it.41 and it.42.
 */
#include <pthread.h>
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
    /* 100,000 random texts of 'a', '.', CR and LF against the rule
     * written out plainly: every line end (CRLF, a lone CR, a lone LF, or
     * none at the end) becomes CRLF, a line starting with '.' gets one
     * more, then ".\r\n" */
    {
        static const char alpha[] = "a.\r\n";
        char in[300];
        struct buf want;
        uint64_t seed = 0x5eedu;

        buf_init(&want, 1u << 20);
        for (int k = 0; k < 100000; k++) {
            size_t n = (size_t)(k % 300), i = 0;
            int ok;
            for (size_t j = 0; j < n; j++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                /* mostly plain runs, so the word-at-a-time loop runs */
                in[j] = (seed >> 60) < 11 ? 'a' : alpha[(seed >> 33) % 4];
            }
            buf_reset(&want);
            while (i < n) {
                if (in[i] == '.')
                    buf_addc(&want, '.');
                while (i < n && in[i] != '\r' && in[i] != '\n')
                    buf_addc(&want, in[i++]);
                buf_adds(&want, "\r\n");
                if (i < n && in[i] == '\r' && i + 1 < n && in[i + 1] == '\n')
                    i += 2;
                else if (i < n)
                    i++;
            }
            buf_adds(&want, ".\r\n");
            smtp_stuff(in, n, &out);
            ok = out.len == want.len &&
                 memcmp(out.data, want.data, out.len) == 0;
            CHECK(ok);
            if (!ok)
                break;
        }
        buf_release(&want);
    }
    buf_release(&out);
}

/* fake_line - one CRLF-ended line from fd into line; -1 at EOF */
static int
fake_line(int fd, char *line, size_t size)
{
    size_t n = 0;
    char c;

    while (recv(fd, &c, 1, 0) == 1) {
        if (n + 1 < size)
            line[n++] = c;
        if (c == '\n') {
            line[n] = '\0';
            return 0;
        }
    }
    return -1;
}

static int
fake_send(int fd, const char *s)
{
    return send(fd, s, strlen(s), 0) == (ssize_t)strlen(s) ? 0 : -1;
}

/* fake_server - one session on the listening socket *arg: offers
 * PIPELINING, accepts every message, answers each command in order */
static void *
fake_server(void *arg)
{
    int lfd = *(int *)arg, fd;
    char line[1024];
    int in_data = 0;

    fd = accept(lfd, NULL, NULL);
    if (fd == -1)
        return NULL;
    fake_send(fd, "220 fake ESMTP\r\n");
    while (fake_line(fd, line, sizeof(line)) == 0) {
        if (in_data) {
            if (strcmp(line, ".\r\n") == 0) {
                in_data = 0;
                fake_send(fd, "250 2.0.0 queued\r\n");
            }
        } else if (strncmp(line, "EHLO", 4) == 0) {
            fake_send(fd, "250-fake\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        } else if (strncmp(line, "DATA", 4) == 0) {
            in_data = 1;
            fake_send(fd, "354 go on\r\n");
        } else if (strncmp(line, "QUIT", 4) == 0) {
            fake_send(fd, "221 bye\r\n");
            break;
        } else {
            fake_send(fd, "250 ok\r\n"); /* RSET, MAIL, RCPT */
        }
    }
    close(fd);
    return NULL;
}

/* test_pipelined_prev - smtp_begin() fills the previous message's
 * result completely: the caller's struct is not expected to be zeroed
 * (leftover session_lost from the stack once made every second message
 * look like a lost session: a reconnect per message, and after SIGTERM
 * a deferred message, it.44 under ASan) */
static void
test_pipelined_prev(void)
{
    static const char msg[] = "Subject: x\r\n\r\nbody\r\n";
    struct config *cfg = config_defaults();
    struct smtp *s = NULL;
    struct smtp_result res, prev;
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    struct err err;
    char url[64];
    pthread_t th;
    int lfd, done = -1;

    lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(lfd, 1) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
    CHECK(pthread_create(&th, NULL, fake_server, &lfd) == 0);
    snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", ntohs(sa.sin_port));
    set_str(&cfg->smtp_url, url);
    cfg->smtp_timeout = 5;
    err_init(&err);
    CHECK(smtp_open(cfg, &s, &err) == 0);
    if (s != NULL) {
        memset(&prev, 0x55, sizeof(prev));
        CHECK(smtp_begin(s, "a@example.org", "b@example.org", sizeof(msg) - 1,
                         &res, &prev, &done) == 0);
        CHECK_INT_EQ(done, 0);
        CHECK(smtp_data(s, msg, sizeof(msg) - 1, &res) == 0);
        CHECK(smtp_pending(s));
        for (int i = 0; i < 3; i++) {
            /* garbage, as an uninitialized local would hold */
            memset(&prev, i == 0 ? 0xff : 0x01, sizeof(prev));
            CHECK(smtp_begin(s, "a@example.org", "c@example.org",
                             sizeof(msg) - 1, &res, &prev, &done) == 0);
            CHECK_INT_EQ(done, 1);
            CHECK_INT_EQ(prev.status, SMTP_SENT);
            CHECK_INT_EQ(prev.code, 250);
            CHECK_INT_EQ(prev.session_lost, 0);
            CHECK_INT_EQ(prev.unsent, 0);
            CHECK_INT_EQ(prev.unknown_user, 0);
            CHECK(strstr(prev.reply, "queued") != NULL);
            CHECK(smtp_data(s, msg, sizeof(msg) - 1, &res) == 0);
        }
        memset(&res, 0xff, sizeof(res));
        CHECK(smtp_finish(s, &res) == 0);
        CHECK_INT_EQ(res.session_lost, 0);
        smtp_close(s);
    }
    shutdown(lfd, SHUT_RDWR); /* wakes accept() if smtp_open failed */
    pthread_join(th, NULL);
    close(lfd);
    config_free(cfg);
}

int
main(void)
{
    test_stuff();
    test_pipelined_prev();
    test_envelope_from();
    test_open_errors();
    return CHECK_DONE();
}
