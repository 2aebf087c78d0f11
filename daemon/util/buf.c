/* SPDX-License-Identifier: MIT */
/*
 * buf - bounded growable strings (see buf.h).
 */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static char buf_empty[1];

void
buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->failed = 0;
}

void
buf_release(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void
buf_reset(struct buf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->data)
        b->data[0] = '\0';
}

void
buf_truncate(struct buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

/* buf_grow - make room for n more bytes plus the NUL; 0 or -1 if over max */
static int
buf_grow(struct buf *b, size_t n)
{
    size_t need;

    if (b->failed)
        return -1;
    if (n > b->max || b->len > b->max - n) {
        b->failed = 1;
        return -1;
    }
    need = b->len + n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    return 0;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
    if (buf_grow(b, n) == -1)
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
    buf_add(b, &c, 1);
}

void
buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || buf_grow(b, (size_t)n) == -1)
        return;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(b, fmt, ap);
    va_end(ap);
}

/* buf_html_entity - what buf_add_html() writes for each byte it
 * replaces; NULL for a byte it copies.  The one table of HTML escaping:
 * the template renderer escapes through buf_add_html() too. */
static const char *const buf_html_entity[256] = {
    ['&'] = "&amp;",  ['<'] = "&lt;",   ['>'] = "&gt;",
    ['"'] = "&quot;", ['\''] = "&#39;",
};

void
buf_add_html(struct buf *b, const char *s, size_t n)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        const char *e = buf_html_entity[(unsigned char)s[i]];
        if (e == NULL)
            continue;
        buf_put(b, s + start, i - start);
        buf_adds(b, e);
        start = i + 1;
    }
    buf_put(b, s + start, n - start);
}

void
buf_add_url(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            buf_addc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 3);
        }
    }
}

void
buf_add_json(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            buf_adds(b, "\\\"");
            break;
        case '\\':
            buf_adds(b, "\\\\");
            break;
        case '\n':
            buf_adds(b, "\\n");
            break;
        case '\r':
            buf_adds(b, "\\r");
            break;
        case '\t':
            buf_adds(b, "\\t");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_addf(b, "\\u%04x", c);
            else if (c == '<')
                buf_adds(b, "\\u003c"); /* safe inside <script> too */
            else
                buf_addc(b, (char)c);
        }
    }
}

const char *
buf_str(const struct buf *b)
{
    return b->data ? b->data : buf_empty;
}

int
buf_check(const struct buf *b, struct err *err)
{
    if (!b->failed)
        return 0;
    err_set(err, ERR_PERM, "output exceeds the limit of %zu bytes", b->max);
    return -1;
}

char *
buf_detach(struct buf *b)
{
    char *s;

    if (b->failed) {
        buf_release(b);
        return NULL;
    }
    s = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}
