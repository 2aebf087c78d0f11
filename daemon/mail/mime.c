/* SPDX-License-Identifier: MIT */
/*
 * mime - header fields, RFC 2047 encoded words and the
 * multipart/alternative entity (see mime.h).  The bytes are those libetpan's
 * mailmime_write_mem() wrote for the same message before this module existed
 * (tests/fixtures/compose/ holds them): each field unfolded on one line, the
 * Content-Type's parameters quoted, no preamble or epilogue, a CRLF before each
 * delimiter.
 */
#include "mime.h"

#include <sodium.h>
#include <string.h>

#include "str.h"

#define MIME_WORD_BYTES 30 /* text bytes per RFC 2047 encoded word */

int
mime_value_ok(const char *what, const char *v, struct err *err)
{
    size_t n = strlen(v);

    if (str_has_ctl(v, n) || n > MIME_VALUE_MAX) {
        err_set(err, ERR_PERM,
                "compose: %s has control characters or is too long", what);
        return -1;
    }
    return 0;
}

int
mime_header(struct buf *out, const char *name, const char *value,
            struct err *err)
{
    size_t n = strlen(value);

    if (str_has_ctl(value, n)) {
        err_set(err, ERR_PERM, "compose: %s has control characters", name);
        return -1;
    }
    if (strlen(name) + 2 + n > MIME_LINE_MAX) {
        err_set(err, ERR_PERM, "compose: the %s line is too long", name);
        return -1;
    }
    buf_adds(out, name);
    buf_adds(out, ": ");
    buf_add(out, value, n);
    buf_adds(out, "\r\n");
    return 0;
}

/* mime_boundary_ok - 0 if b is a boundary mime_alternative() accepts */
static int
mime_boundary_ok(const char *b, struct err *err)
{
    size_t n = strlen(b);

    if (n < 3 || n > 70 || strncmp(b, "=_", 2) != 0 ||
        strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789=_.-") != n) {
        err_set(err, ERR_PERM, "compose: bad MIME boundary");
        return -1;
    }
    return 0;
}

int
mime_alternative(struct buf *out, const char *boundary,
                 const struct mime_text *parts, size_t n, struct err *err)
{
    if (mime_boundary_ok(boundary, err) == -1)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strspn(parts[i].subtype, "abcdefghijklmnopqrstuvwxyz") !=
                strlen(parts[i].subtype) ||
            *parts[i].subtype == '\0') {
            err_set(err, ERR_PERM, "compose: bad MIME subtype");
            return -1;
        }
    buf_adds(out, "MIME-Version: 1.0\r\n"
                  "Content-Type: multipart/alternative; boundary=\"");
    buf_adds(out, boundary);
    buf_adds(out, "\"\r\n\r\n");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_adds(out, "\r\n");
        buf_adds(out, "--");
        buf_adds(out, boundary);
        buf_adds(out, "\r\nContent-Type: text/");
        buf_adds(out, parts[i].subtype);
        buf_adds(out, "; charset=\"utf-8\"\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        qp_encode(parts[i].data, parts[i].len, out);
    }
    buf_adds(out, "\r\n--");
    buf_adds(out, boundary);
    buf_adds(out, "--\r\n");
    return 0;
}

/* mime_b64 - append base64 of s[0..n), n <= MIME_WORD_BYTES
 * (libsodium's encoder, as smtp.c's AUTH uses) */
static void
mime_b64(struct buf *out, const unsigned char *s, size_t n)
{
    char b64[sodium_base64_ENCODED_LEN(MIME_WORD_BYTES,
                                       sodium_base64_VARIANT_ORIGINAL)];

    sodium_bin2base64(b64, sizeof(b64), s, n, sodium_base64_VARIANT_ORIGINAL);
    buf_adds(out, b64);
}

/* (52 characters a word: RFC 2047 allows 75, but the first word must fit
 * on the "Subject: " line or libetpan folds before it) */
void
mime_encode_words(const char *s, struct buf *out)
{
    size_t n = strlen(s), i = 0;
    int plain = strstr(s, "=?") == NULL;

    for (size_t k = 0; k < n && plain; k++)
        if ((unsigned char)s[k] >= 0x7f || (unsigned char)s[k] < 0x20)
            plain = 0;
    if (plain) {
        buf_add(out, s, n);
        return;
    }
    while (i < n) {
        size_t len = n - i > MIME_WORD_BYTES ? MIME_WORD_BYTES : n - i;
        /* do not split a UTF-8 sequence */
        while (len > 0 && i + len < n &&
               ((unsigned char)s[i + len] & 0xc0) == 0x80)
            len--;
        if (len == 0)
            len = n - i > MIME_WORD_BYTES ? MIME_WORD_BYTES : n - i;
        if (i > 0)
            buf_addc(out, ' ');
        buf_adds(out, "=?UTF-8?B?");
        mime_b64(out, (const unsigned char *)s + i, len);
        buf_adds(out, "?=");
        i += len;
    }
}
