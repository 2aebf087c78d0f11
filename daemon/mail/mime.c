/* SPDX-License-Identifier: MIT */
/*
 * mime - header fields and the multipart/alternative entity (see
 * mime.h).  The bytes are those libetpan's mailmime_write_mem() wrote for
 * the same message before this module existed (tests/fixtures/compose/
 * holds them): each field unfolded on one line, the Content-Type's
 * parameters quoted, no preamble or epilogue, a CRLF before each
 * delimiter.
 */
#include "mime.h"

#include <string.h>

#include "str.h"

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
                 const struct mime_text *parts, size_t n, struct qp_lines *t,
                 struct err *err)
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
        qp_lines_encode(t, parts[i].data, parts[i].len, out);
    }
    buf_adds(out, "\r\n--");
    buf_adds(out, boundary);
    buf_adds(out, "--\r\n");
    return 0;
}
