/* SPDX-License-Identifier: MIT */
/*
 * http_form - strict form and percent decoding (see http_form.h).
 *
 * RFC 3986 2.1 defines a percent-encoded octet as '%' HEXDIG HEXDIG;
 * anything else after a '%' is refused rather than guessed at, so what a
 * handler sees is exactly what the client meant or nothing at all.
 */
#include "http_form.h"

#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "xalloc.h"

/* http_hexval - value of one hex digit, or -1 */
static int
http_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
http_pct_decode(const char *s, size_t n, int plus_is_space, struct buf *out,
                struct err *err)
{
    size_t start = out->len;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (n - i < 3 || (hi = http_hexval(s[i + 1])) < 0 ||
                (lo = http_hexval(s[i + 2])) < 0) {
                err_set(err, ERR_PERM, "malformed percent-encoding");
                return -1;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') {
            err_set(err, ERR_PERM, "a NUL byte in the request");
            return -1;
        }
        buf_addc(out, c);
    }
    if (out->failed) {
        err_set(err, ERR_PERM, "a value is too long");
        return -1;
    }
    if (!str_utf8_valid(out->data ? out->data + start : "", out->len - start)) {
        err_set(err, ERR_PERM, "the request is not valid UTF-8");
        return -1;
    }
    return 0;
}

void
http_form_init(struct http_form *f)
{
    memset(f, 0, sizeof(*f));
}

void
http_form_release(struct http_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->fields[i].name);
        free(f->fields[i].value);
    }
    free(f->fields);
    memset(f, 0, sizeof(*f));
}

/* http_form_decode_part - decode one name or value into a fresh string */
static int
http_form_decode_part(const char *s, size_t n, char **out, size_t *outlen,
                      struct err *err)
{
    struct buf b;
    int rc = -1;

    buf_init(&b, HTTP_FORM_MAX_VALUE);
    if (n > HTTP_FORM_MAX_VALUE * 3) {
        err_set(err, ERR_PERM, "a value is too long");
        goto out;
    }
    if (http_pct_decode(s, n, 1, &b, err) == -1)
        goto out;
    *outlen = b.len;
    *out = b.data ? buf_detach(&b) : xstrdup("");
    rc = 0;
out:
    buf_release(&b);
    return rc;
}

int
http_form_parse(struct http_form *f, const char *data, size_t len,
                struct err *err)
{
    size_t i = 0;

    while (i < len) {
        const char *pair = data + i;
        const char *amp = memchr(pair, '&', len - i);
        size_t plen = amp ? (size_t)(amp - pair) : len - i;
        const char *eq = memchr(pair, '=', plen);
        size_t nlen = eq ? (size_t)(eq - pair) : plen;
        struct http_field fld;

        i += plen + 1;
        if (plen == 0)
            continue;
        if (f->n >= HTTP_FORM_MAX_FIELDS) {
            err_set(err, ERR_PERM, "too many form fields");
            return -1;
        }
        memset(&fld, 0, sizeof(fld));
        if (http_form_decode_part(pair, nlen, &fld.name, &fld.name_len, err) ==
            -1)
            return -1;
        if (http_form_decode_part(eq ? eq + 1 : "", eq ? plen - nlen - 1 : 0,
                                  &fld.value, &fld.value_len, err) == -1) {
            free(fld.name);
            return -1;
        }
        if (f->n == f->cap) {
            f->cap = f->cap ? f->cap * 2 : 8;
            f->fields = xrealloc(f->fields, f->cap * sizeof(*f->fields));
        }
        f->fields[f->n++] = fld;
    }
    return 0;
}

const char *
http_form_get(const struct http_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].name, name) == 0)
            return f->fields[i].value;
    return NULL;
}
