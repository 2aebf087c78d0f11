/* SPDX-License-Identifier: MIT */
/*
 * qp - quoted-printable (RFC 2045 6.7) for the mail's text parts (see
 * qp.h).  It encodes; it does not decode (the tests decode with
 * libetpan) and knows nothing of MIME headers (mime.c).
 *
 * Why not libetpan's encoder (mailmime_quoted_printable_write, 1.9.4):
 * white space before a line break is written twice, once as it is and
 * once encoded: the signature separator "-- \n" becomes "-- =20\r\n",
 * which decodes to "--  " (two spaces), so mail readers no longer see a
 * signature.  It also encodes punctuation that RFC 2045 lets through
 * ('!', '"', '#', '$', '@', '[', '\\', ']', '^', '`', '{', '|', '}', '~',
 * '?', '_'), making the parts longer, and it is slower than the
 * word-at-a-time loop below.  tests/unit/test_qp.c feeds that input to
 * libetpan and checks the defect is still there, so that an upgrade that
 * fixes it is noticed.
 *
 * Every output line ends in CRLF and has at most 76 characters, the
 * soft break's '=' included.  Encoded: '=', control characters other
 * than tab, DEL and bytes >= 0x80; a space or tab before a line break or
 * at the end of the input; an 'F' or '.' that starts a line ("From "
 * mangling, SMTP's lone dot; a line that starts after a soft break may
 * begin with either, as it always has: smtp.c dot-stuffs every line).
 * A line break in the input is "\n" or "\r\n"; a CR not followed by LF
 * is encoded as =0D.  Decoding gives the input back with every line
 * break as CRLF.
 */
#include "qp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* qp_class - 0 for a byte written as it is inside a line
 * (printable ASCII other than '=', 'F' and '.', and white space, which
 * qp_space_fix() encodes after the fact before a line break).
 * A constant: every delivery worker reads it, none may write it. */
static const unsigned char qp_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, /* 0x20 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x50 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 0x70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xa0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xb0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xc0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xd0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xe0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xf0 */
};

#define QP_BLOCK 1024 /* input bytes per chunk: 3.2x fits below */

/* qp_word_mask - 0 if none of the 8 bytes in x is a control,
 * DEL, non-ASCII or '='; else bit 7 of the lowest such byte is the lowest
 * bit set (bit tricks: for any byte of v that is zero, bit 7 is set in
 * (v - 0x01..) & ~v & 0x80..; a borrow can flag bytes above a true one,
 * never below) */
static inline uint64_t
qp_word_mask(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
    uint64_t lt32 = (x - ones * 0x20) & ~x & high;
    uint64_t eq7f = ((x ^ (ones * 0x7f)) - ones) & ~(x ^ (ones * 0x7f)) & high;
    uint64_t eqeq = ((x ^ (ones * '=')) - ones) & ~(x ^ (ones * '=')) & high;

    return (x & high) | lt32 | eq7f | eqeq;
}

/* qp_space_fix - the byte before a line break was white space,
 * written as it is at o - 1, ending column col: encode it instead, as the
 * line's last character (o points into a chunk with room); the column is
 * then qp_space_col(col) */
static char *
qp_space_fix(char *o, size_t col)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned ch = (unsigned char)o[-1];

    o--;
    if (col - 1 + 3 > 75) {
        *o++ = '=';
        *o++ = '\r';
        *o++ = '\n';
    }
    *o++ = '=';
    *o++ = hex[ch >> 4];
    *o++ = hex[ch & 15];
    return o;
}

/* qp_space_col - the column after qp_space_fix() */
static size_t
qp_space_col(size_t col)
{
    return col - 1 + 3 > 75 ? 3 : col - 1 + 3;
}

void
qp_encode(const char *s, size_t n, struct buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    const unsigned char *cls = qp_class;
    char chunk[4 * QP_BLOCK];
    char *o = chunk;
    size_t col = 0, i = 0;

    /* white space is written as it is and encoded again when a line
     * break follows; so that it is still in the chunk then, the chunk's
     * last byte is kept back when the chunk is flushed */
    while (i < n) {
        /* at most 3 bytes out per byte in, plus a soft break per 25 */
        size_t stop = n - i > QP_BLOCK ? i + QP_BLOCK : n;
        for (; i < stop; i++) {
            unsigned ch;
            int enc;
            /* eight plain bytes at once inside a line ('F' and '.' are
             * plain past its start; white space is fixed after the fact
             * as below) */
            if (col > 0 && col + 8 <= 75 && i + 8 <= stop) {
                uint64_t x;
                memcpy(&x, u + i, 8);
                uint64_t m = qp_word_mask(x);
                if (m == 0) {
                    memcpy(o, &x, 8);
                    o += 8;
                    col += 8;
                    i += 7;
                    continue;
                }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                {
                    /* the plain bytes before the first one that is not
                     * (the chunk has room for all 8) */
                    size_t k = (size_t)__builtin_ctzll(m) >> 3;
                    memcpy(o, &x, 8);
                    o += k;
                    col += k;
                    i += k;
                }
#endif
            }
            ch = u[i];
            if (__builtin_expect(cls[ch] == 0 && col < 75, 1)) {
                *o++ = (char)ch;
                col++;
                continue;
            }
            if (ch == '\r' && i + 1 < n && u[i + 1] == '\n') {
                if (i > 0 && (u[i - 1] == ' ' || u[i - 1] == '\t') &&
                    o > chunk && o[-1] == (char)u[i - 1]) {
                    o = qp_space_fix(o, col);
                    col = qp_space_col(col);
                }
                continue;
            }
            if (ch == '\n') {
                if (i > 0 && (u[i - 1] == ' ' || u[i - 1] == '\t') &&
                    o > chunk && o[-1] == (char)u[i - 1]) {
                    o = qp_space_fix(o, col);
                    col = qp_space_col(col);
                }
                *o++ = '\r';
                *o++ = '\n';
                col = 0;
                continue;
            }
            if (ch == ' ' || ch == '\t') {
                /* (here col is 75) before a line break encoded; a space
                 * before a lone CR goes out as it is */
                enc = i + 1 == n || u[i + 1] == '\n' ||
                      (u[i + 1] == '\r' && i + 2 < n && u[i + 2] == '\n');
            } else if (ch == 'F' || ch == '.') {
                enc = col == 0; /* "From " and a lone "." at a line start */
            } else {
                enc = ch < 32 || ch >= 127 || ch == '=';
            }
            if (col + (enc ? 3 : 1) > 75) {
                *o++ = '=';
                *o++ = '\r';
                *o++ = '\n';
                col = 0;
            }
            if (enc) {
                *o++ = '=';
                *o++ = hex[ch >> 4];
                *o++ = hex[ch & 15];
                col += 3;
            } else {
                *o++ = (char)ch;
                col++;
            }
        }
        if (i == n) {
            /* white space at the very end is before a line break too */
            if ((u[n - 1] == ' ' || u[n - 1] == '\t') && o > chunk &&
                o[-1] == (char)u[n - 1]) {
                o = qp_space_fix(o, col);
                col = qp_space_col(col);
            }
            break;
        }
        if (o > chunk + 1) {
            buf_add(out, chunk, (size_t)(o - chunk) - 1);
            chunk[0] = o[-1];
            o = chunk + 1;
        }
    }
    buf_add(out, chunk, (size_t)(o - chunk));
}
