/* SPDX-License-Identifier: MIT */
/*
 * buf - a growable byte string with a hard size limit.
 *
 * Contents are always NUL-terminated once anything was added.  The first
 * append that would exceed the limit sets a sticky `failed` flag and the
 * append is dropped, so a whole document can be built and checked once
 * with buf_check().  Allocation failure exits (xalloc).
 */
#ifndef PAPERBOY_BUF_H
#define PAPERBOY_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "err.h"

struct buf {
    char *data; /* NUL-terminated once anything is added; read via buf_str() */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard limit given to buf_init(), in bytes */
    int failed; /* set by the first append that would exceed max; sticky */
};

#define BUF_UNLIMITED ((size_t)-1 / 2)

/* buf_init - empty buffer that may grow to max bytes */
void buf_init(struct buf *b, size_t max);
/* buf_release - free the storage; b may be reused after buf_init() */
void buf_release(struct buf *b);
/* buf_reset - empty the buffer, keep storage, clear failed */
void buf_reset(struct buf *b);
/* buf_truncate - shorten to len bytes (len <= b->len) */
void buf_truncate(struct buf *b, size_t len);

void buf_add(struct buf *b, const void *p, size_t n);

/* buf_put - buf_add(), the same result, with the usual case (the room is
 * already allocated) inline: for loops that append many short pieces,
 * such as the template renderer (~800 appends per digest) */
static inline void
buf_put(struct buf *b, const void *p, size_t n)
{
    if (!b->failed && n > 0 && b->cap - b->len > n && b->max - b->len >= n) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    buf_add(b, p, n);
}
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* buf_add_html - append n bytes with & < > " ' escaped as entities */
void buf_add_html(struct buf *b, const char *s, size_t n);
/* buf_add_url - append n bytes percent-encoded (RFC 3986 unreserved kept) */
void buf_add_url(struct buf *b, const char *s, size_t n);
/* buf_add_json - append n bytes as a JSON string body, without the quotes */
void buf_add_json(struct buf *b, const char *s, size_t n);

/* buf_str - the contents; "" when empty.  Borrowed. */
const char *buf_str(const struct buf *b);
/* buf_check - -1 with a message in err if an append was dropped */
int buf_check(const struct buf *b, struct err *err);
/* buf_detach - hand the string to the caller (frees with free()); NULL if
 * failed.  The buffer is left empty. */
char *buf_detach(struct buf *b);

#endif
