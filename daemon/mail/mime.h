/* SPDX-License-Identifier: MIT */
/*
 * mime - the part of a mail that Paperboy writes itself: header fields
 * given as finished values (one writer, which refuses CR, LF and every
 * other control character), RFC 2047 encoded words for the values that
 * are not plain ASCII, and the MIME entity (RFC 2045/2046): a
 * multipart/alternative body of UTF-8 text parts, quoted-printable
 * (qp.h), with CRLF line ends.
 *
 * The RFC 5322 fields that need address syntax, a date or folding (Date,
 * From, To, Message-ID, Subject) are not written here: compose.c has
 * libetpan write them (mailimf_fields_write_mem), then appends what this
 * module writes.  That is the seam: libetpan's output ends with those
 * fields, ours starts with the next header line and ends the message.
 *
 * Functions return 0, or -1 with err (ERR_PERM) before writing anything.
 * Output is appended to a struct buf whose max caps the message: one that
 * reaches it is marked failed (buf_check()) and the caller discards it.
 */
#ifndef PAPERBOY_MIME_H
#define PAPERBOY_MIME_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "qp.h"

#define MIME_LINE_MAX 998  /* octets per header line, RFC 5322 2.1.1 */
#define MIME_VALUE_MAX 900 /* octets per value handed to a header writer */

/* mime_value_ok - 0 if v may go into a header: no control character
 * (CR and LF included) and at most MIME_VALUE_MAX octets; else -1 with
 * err naming what ("the subject") */
int mime_value_ok(const char *what, const char *v, struct err *err);

/* mime_header - append "name: value" CRLF, unfolded; -1 if the value
 * has a control character (CR, LF, ...) or the line would pass
 * MIME_LINE_MAX octets */
int mime_header(struct buf *out, const char *name, const char *value,
                struct err *err);

/* mime_encode_words - append s as it goes into a header value:
 * unchanged when it is printable ASCII without "=?", else RFC 2047
 * "=?UTF-8?B?...?=" words of at most 52 characters (30 bytes of text
 * each, split between UTF-8 characters), separated by spaces so that a
 * writer may fold between them */
void mime_encode_words(const char *s, struct buf *out);

/* One text part of a multipart/alternative: "text/SUBTYPE" in UTF-8. */
struct mime_text {
    const char *subtype; /* "plain", "html" */
    const char *data;    /* the rendered text, not encoded */
    size_t len;
};

/* mime_alternative - append MIME-Version, the multipart/alternative
 * Content-Type and, after the blank line that ends the header, the
 * parts in order, each quoted-printable (qp_encode), then the closing
 * delimiter.  boundary: 1 to 70 characters of letters, digits and "=_.-",
 * starting "=_" (it then cannot occur in quoted-printable text: '=' there is
 * always followed by a hex digit or a line break) */
int mime_alternative(struct buf *out, const char *boundary,
                     const struct mime_text *parts, size_t n, struct err *err);

#endif
