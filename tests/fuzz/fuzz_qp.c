/* SPDX-License-Identifier: MIT */
/*
 * fuzz_qp - quoted-printable on arbitrary bytes, with libetpan's decoder
 * as the oracle.  The properties:
 *
 *  1. libetpan decodes qp_encode(x) to x with every line break ("\n" or
 *     "\r\n") as CRLF.
 *  2. Every output line ends in CRLF (the last may end the text) and has
 *     at most 76 characters, all printable ASCII or tab, and none ends in
 *     white space.
 */
#include <libetpan/libetpan.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fuzz_check.h"
#include "qp.h"

/* fuzz_canon - s with each line break as CRLF */
static void
fuzz_canon(const char *s, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            buf_addc(out, '\r');
        buf_addc(out, s[i]);
    }
}

/* fuzz_lines - property 2 on q[0..n) */
static void
fuzz_lines(const char *q, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)q[i];
        if (ch == '\r') {
            FUZZ_REQUIRE(i + 1 < n && q[i + 1] == '\n', "a bare CR");
            FUZZ_REQUIRE(i - start <= 76, "a line over 76 characters");
            FUZZ_REQUIRE(i == start || (q[i - 1] != ' ' && q[i - 1] != '\t'),
                         "white space before a line end");
            start = i + 2;
            i++;
            continue;
        }
        FUZZ_REQUIRE(ch != '\n', "a bare LF");
        FUZZ_REQUIRE((ch >= 32 && ch < 127) || ch == '\t',
                     "a byte that is not printable ASCII");
    }
    FUZZ_REQUIRE(n - start <= 76, "a last line over 76 characters");
    FUZZ_REQUIRE(n == start || (q[n - 1] != ' ' && q[n - 1] != '\t'),
                 "white space at the end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct buf q, want;
    char *dec = NULL;
    size_t idx = 0, dec_len = 0;

    buf_init(&q, BUF_UNLIMITED);
    buf_init(&want, BUF_UNLIMITED);
    qp_encode(s, size, &q);
    fuzz_canon(s, size, &want);
    FUZZ_REQUIRE(mailmime_part_parse(q.data ? q.data : "", q.len, &idx,
                                     MAILMIME_MECHANISM_QUOTED_PRINTABLE, &dec,
                                     &dec_len) == MAILIMF_NO_ERROR,
                 "libetpan cannot decode the encoding");
    FUZZ_REQUIRE(dec_len == want.len &&
                     (dec_len == 0 || memcmp(dec, want.data, dec_len) == 0),
                 "the encoding does not decode to the input");
    mmap_string_unref(dec);
    fuzz_lines(q.data ? q.data : "", q.len);
    buf_release(&q);
    buf_release(&want);
    return 0;
}
