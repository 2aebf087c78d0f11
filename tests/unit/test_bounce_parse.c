/* SPDX-License-Identifier: MIT */
/*
 * test_bounce_parse - every sample in tests/fixtures/bounces/ parsed:
 * whether it is a report, its format, the first recipient's kind, status
 * and address, and the clues for matching (the VERP candidate, the
 * original Message-ID).  Plus what must not be a report.
 */
#include <stdlib.h>
#include <string.h>

#include "bounce_parse.h"
#include "check.h"

struct bp_case {
    const char *file;
    int report;         /* bounce_parse() returns 0 */
    const char *format; /* when a report */
    size_t nrcpt;
    enum bounce_kind kind; /* of rcpt[0] */
    const char *status;    /* of rcpt[0] */
    int verp;              /* "@verp@" among the candidates */
    int msgid;             /* "<@MSGID@>" found */
};

static const struct bp_case cases[] = {
    {"postfix-hard.eml", 1, "dsn", 1, BOUNCE_HARD, "5.1.1", 1, 1},
    {"postfix-soft.eml", 1, "dsn", 1, BOUNCE_SOFT, "4.4.1", 1, 1},
    {"postfix-delay.eml", 1, "dsn", 1, BOUNCE_SOFT, "4.4.1", 1, 1},
    {"postfix-delivered.eml", 1, "dsn", 0, BOUNCE_NONE, NULL, 1, 1},
    /* no Status field: the code in Diagnostic-Code */
    {"gmail-hard.eml", 1, "dsn", 1, BOUNCE_HARD, "5.1.1", 1, 1},
    /* a base64-encoded delivery-status part, a 3-digit detail */
    {"o365-base64.eml", 1, "dsn", 1, BOUNCE_HARD, "5.1.10", 1, 1},
    {"msgid-only.eml", 1, "dsn", 1, BOUNCE_HARD, "5.1.1", 0, 1},
    {"arf-abuse.eml", 1, "arf", 1, BOUNCE_COMPLAINT, "abuse", 1, 1},
    {"arf-not-spam.eml", 1, "arf", 0, BOUNCE_NONE, NULL, 1, 1},
    {"jmrp.eml", 1, "jmrp", 1, BOUNCE_COMPLAINT, "abuse", 1, 1},
    {"qmail.eml", 1, "qmail", 1, BOUNCE_HARD, "5.1.1", 1, 0},
    {"yahoo-old.eml", 1, "qmail", 1, BOUNCE_HARD, "5.0.0", 1, 0},
    {"exim.eml", 1, "exim", 1, BOUNCE_HARD, "5.1.1", 1, 0},
    {"autoreply.eml", 0, NULL, 0, BOUNCE_NONE, NULL, 0, 0},
    {"truncated.eml", 0, NULL, 0, BOUNCE_NONE, NULL, 0, 0},
};

/* bp_read - the whole fixture; caller frees */
static char *
bp_read(const char *name, size_t *len)
{
    char path[512];
    FILE *fp;
    char *buf;
    long n;

    snprintf(path, sizeof(path), "tests/fixtures/bounces/%s", name);
    fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

/* bp_has_verp - "@verp@" among the candidate addresses */
static int
bp_has_verp(const struct bounce_report *r)
{
    for (size_t i = 0; i < r->naddr; i++)
        if (strcmp(r->addr[i], "@verp@") == 0)
            return 1;
    return 0;
}

static void
test_fixtures(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct bp_case *c = &cases[i];
        struct bounce_report r;
        size_t len = 0;
        char *msg = bp_read(c->file, &len);
        int rc;

        fprintf(stderr, "case %s\n", c->file);
        CHECK(msg != NULL);
        if (msg == NULL)
            continue;
        memset(&r, 0, sizeof(r));
        rc = bounce_parse(msg, len, &r);
        CHECK_INT_EQ(rc, c->report ? 0 : 1);
        if (rc == 0 && c->report) {
            CHECK_STR_EQ(r.format, c->format);
            CHECK_INT_EQ(r.nrcpt, c->nrcpt);
            if (c->nrcpt > 0) {
                CHECK_INT_EQ(r.rcpt[0].kind, c->kind);
                CHECK_STR_EQ(r.rcpt[0].status, c->status);
                CHECK_STR_EQ(r.rcpt[0].addr, "@rcpt@");
            }
            CHECK_INT_EQ(bp_has_verp(&r), c->verp);
            CHECK_INT_EQ(strcmp(r.msgid, "<@MSGID@>") == 0, c->msgid);
        }
        free(msg);
    }
}

/* Not reports, and input that must not crash or be believed. */
static void
test_bad_input(void)
{
    static const char *const bad[] = {
        "",
        "Subject: hi\n\nhello\n",
        /* a delivery-status part with no recipient block */
        "From: MAILER-DAEMON@x.example\nMIME-Version: 1.0\nContent-Type: "
        "multipart/report; boundary=b\n\n--b\nContent-Type: "
        "message/delivery-status\n\nReporting-MTA: dns; x\n\n--b--\n",
        /* plain text that quotes the qmail sentence, not from a daemon */
        "From: someone@example.net\n\nThis is the qmail-send program\n"
        "<a@b.example>:\n550 no\n",
        /* control characters in an address are not taken */
        "From: MAILER-DAEMON@x.example\nMIME-Version: 1.0\nContent-Type: "
        "multipart/report; boundary=b\n\n--b\nContent-Type: "
        "message/delivery-status\n\nReporting-MTA: dns; x\n\n"
        "Final-Recipient: rfc822; a\x01@b.example\nAction: failed\n"
        "Status: 5.1.1\n\n--b--\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct bounce_report r;
        int rc;
        memset(&r, 0, sizeof(r));
        rc = bounce_parse(bad[i], strlen(bad[i]), &r);
        if (i < 4) {
            CHECK_INT_EQ(rc, 1);
        } else {
            CHECK_INT_EQ(rc, 0);
            CHECK_INT_EQ(r.nrcpt, 1);
            CHECK_STR_EQ(r.rcpt[0].addr, "");
        }
    }
    /* over the cap: not parsed at all */
    {
        struct bounce_report r;
        CHECK_INT_EQ(bounce_parse("x", BOUNCE_MSG_MAX + 1, &r), 1);
    }
}

int
main(void)
{
    test_fixtures();
    test_bad_input();
    return CHECK_DONE();
}
