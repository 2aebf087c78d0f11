/* SPDX-License-Identifier: MIT */
/*
 * test_qp - quoted-printable against libetpan's decoder as the oracle:
 * fixed adversarial bodies (empty, "-- " signature lines, lines of 74 to
 * 78 characters, white space before line breaks and at the end, '=' at
 * the soft-break column, 8-bit UTF-8, lone CR and LF, "From " and "."
 * at line starts, runs across the encoder's 1 KiB blocks) and 20,000
 * random ones from a seeded generator.  For each: libetpan decodes the
 * encoding to the input with every line break as CRLF; every output line
 * ends in CRLF and has at most 76 characters, printable ASCII or tab, no
 * white space before its end, no input line starts with "F" or ".".  Also that
 * libetpan's own encoder still doubles the space of "-- \n" (why qp.c exists).
 */
#include <libetpan/libetpan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "qp.h"

static int failures; /* inputs that failed, to stop printing after a few */

/* canon - s with each line break ("\n", or "\r\n") as CRLF */
static void
canon(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            buf_addc(out, '\r');
        buf_addc(out, s[i]);
    }
}

/* lines_ok - 0 if every line of q ends in CRLF (the last may end the
 * text), is at most 76 characters of printable ASCII or tab and has no
 * white space before its end, and no line of the input starts with 'F'
 * or '.' (a line after a soft break may: see qp.c) */
static int
lines_ok(const char *q, size_t n, char *why, size_t why_size)
{
    size_t start = 0;
    int soft = 0; /* the line before ended in a soft break */

    for (size_t i = 0; i <= n; i++) {
        size_t len;
        if (i < n && q[i] != '\r' && q[i] != '\n') {
            unsigned char ch = (unsigned char)q[i];
            if ((ch < 32 && ch != '\t') || ch >= 127) {
                snprintf(why, why_size, "byte 0x%02x at %zu", ch, i);
                return -1;
            }
            continue;
        }
        if (i < n && (q[i] == '\n' || i + 1 >= n || q[i + 1] != '\n')) {
            snprintf(why, why_size, "bare CR or LF at %zu", i);
            return -1;
        }
        len = i - start;
        if (len > 76) {
            snprintf(why, why_size, "line of %zu characters at %zu", len,
                     start);
            return -1;
        }
        if (len > 0 && (q[i - 1] == ' ' || q[i - 1] == '\t')) {
            snprintf(why, why_size, "white space before a line end at %zu",
                     i - 1);
            return -1;
        }
        if (len > 0 && !soft && (q[start] == 'F' || q[start] == '.')) {
            snprintf(why, why_size, "line starts with '%c' at %zu", q[start],
                     start);
            return -1;
        }
        soft = len > 0 && q[i - 1] == '=';
        i++; /* the LF */
        start = i + 1;
    }
    return 0;
}

/* check_one - every property above for s[0..n) */
static void
check_one(const char *s, size_t n)
{
    struct buf q, want;
    char *dec = NULL, why[128] = "";
    size_t idx = 0, dec_len = 0;
    int ok = 1;

    buf_init(&q, BUF_UNLIMITED);
    buf_init(&want, BUF_UNLIMITED);
    qp_encode(s, n, &q);
    canon(s, n, &want);
    if (lines_ok(q.data ? q.data : "", q.len, why, sizeof(why)) == -1)
        ok = 0;
    if (mailmime_part_parse(q.data ? q.data : "", q.len, &idx,
                            MAILMIME_MECHANISM_QUOTED_PRINTABLE, &dec,
                            &dec_len) != MAILIMF_NO_ERROR) {
        snprintf(why, sizeof(why), "libetpan cannot decode it");
        ok = 0;
    } else if (dec_len != want.len ||
               (dec_len > 0 && memcmp(dec, want.data, dec_len) != 0)) {
        snprintf(why, sizeof(why), "decodes to %zu bytes, not %zu", dec_len,
                 want.len);
        ok = 0;
    }
    CHECK(ok);
    if (!ok && failures++ < 5) {
        fprintf(stderr, "input of %zu bytes: %s\n  in:", n, why);
        for (size_t i = 0; i < n && i < 200; i++)
            fprintf(stderr, " %02x", (unsigned char)s[i]);
        fprintf(stderr, "\n  out: %.*s\n", (int)(q.len < 400 ? q.len : 400),
                q.data ? q.data : "");
    }
    if (dec != NULL)
        mmap_string_unref(dec);
    buf_release(&q);
    buf_release(&want);
}

/* check_str - check_one() of a C string */
static void
check_str(const char *s)
{
    check_one(s, strlen(s));
}

/* fixed - the adversarial bodies */
static void
fixed(void)
{
    static const char *const ws[] = {" ", "\t", "  ", " \t"};
    static const char *const ends[] = {"", "\n", "\r\n", "x", "\r", "\r\r\n"};
    char line[2048];

    check_one("", 0);
    check_str("-- \n");
    check_str("-- \r\n");
    check_str("-- ");
    check_str("text\n\n-- \nPaperboy at https://example.org\n");
    check_str("From the editors\nFrom\n.\n..\n.x\nF\n");
    check_str("a = b ==\n=\n=3D\n=\r\n");
    check_str("caf\xc3\xa9 \xe6\xb3\xa8\xe6\x84\x8f\xe5\x8a\x9b \xf0\x9f\x93"
              "\xb0\n");
    check_str("lone\rCR\rin a line\r");
    check_str("\n\n\r\n\r\r\n\n");
    check_str("\x01\x7f\x80\xff\t\x0b\x0c\x1b");
    check_one("nul\0byte\n", 9);
    /* lines of 70..80 characters, plain, then ending in white space or
     * '=' or a non-ASCII byte, followed by every kind of line end */
    for (size_t len = 70; len <= 80; len++) {
        for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
            memset(line, 'a', len);
            snprintf(line + len, sizeof(line) - len, "%s", ends[e]);
            check_str(line);
            for (size_t w = 0; w < sizeof(ws) / sizeof(ws[0]); w++) {
                size_t k = strlen(ws[w]);
                memset(line, 'b', len);
                memcpy(line + len - k, ws[w], k);
                snprintf(line + len, sizeof(line) - len, "%s", ends[e]);
                check_str(line);
            }
            memset(line, 'c', len);
            line[len - 1] = '=';
            snprintf(line + len, sizeof(line) - len, "%s", ends[e]);
            check_str(line);
            memset(line, 'd', len);
            line[len - 2] = '\xc3';
            line[len - 1] = '\xa9';
            snprintf(line + len, sizeof(line) - len, "%s", ends[e]);
            check_str(line);
        }
    }
    /* white space and a line break at every offset around the encoder's
     * 1 KiB blocks */
    for (size_t at = 1010; at <= 1030; at++) {
        memset(line, 'e', sizeof(line));
        for (size_t k = 60; k < at; k += 61)
            line[k] = '\n';
        line[at] = ' ';
        line[at + 1] = '\n';
        check_one(line, at + 2);
        check_one(line, at + 1);
    }
}

/* rnd - xorshift64 */
static uint64_t
rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* random_bodies - n inputs drawn from the bytes that matter, in runs */
static void
random_bodies(int n, uint64_t seed)
{
    static const char alphabet[] = " \t\r\n=F.-aZ~\xc3\xa9\x7f";
    char s[4096];

    for (int k = 0; k < n; k++) {
        size_t len = (size_t)(rnd(&seed) % (k % 10 == 0 ? 4000 : 300));
        for (size_t i = 0; i < len; i++) {
            uint64_t r = rnd(&seed);
            if (r % 4 == 0) /* any byte */
                s[i] = (char)(r >> 8);
            else if (r % 4 == 1) /* plain text, for long lines */
                s[i] = 'p';
            else
                s[i] = alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
        }
        check_one(s, len);
    }
}

/* libetpan_still_doubles - libetpan 1.9.4 writes "-- \n" as "-- =20",
 * which decodes to two spaces: the reason qp.c exists */
static void
libetpan_still_doubles(void)
{
    MMAPString *mm = mmap_string_new("");
    const char *sig = "-- \n";
    char *dec = NULL;
    size_t idx = 0, dec_len = 0;
    int col = 0;

    CHECK(mm != NULL);
    if (mm == NULL)
        return;
    CHECK(mailmime_quoted_printable_write_mem(mm, &col, 1, sig, strlen(sig)) ==
          MAILIMF_NO_ERROR);
    CHECK(mailmime_part_parse(mm->str, mm->len, &idx,
                              MAILMIME_MECHANISM_QUOTED_PRINTABLE, &dec,
                              &dec_len) == MAILIMF_NO_ERROR);
    if (dec != NULL) {
        /* if this fails, libetpan's encoder was fixed: see qp.c */
        CHECK(dec_len == 6 && memcmp(dec, "--  \r\n", 6) == 0);
        mmap_string_unref(dec);
    }
    mmap_string_free(mm);
}

int
main(void)
{
    uint64_t seed = 0x5eed0f0b5c0ffee1ull;

    if (getenv("QP_SEED") != NULL)
        seed = strtoull(getenv("QP_SEED"), NULL, 0);
    libetpan_still_doubles();
    fixed();
    random_bodies(20000, seed);
    return CHECK_DONE();
}
