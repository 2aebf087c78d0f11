/* SPDX-License-Identifier: MIT */
/*
 * qp - quoted-printable (RFC 2045 6.7) encoding of a text part, with
 * CRLF line ends and soft line breaks so that no line passes 76
 * characters; white space before a line break is encoded, so "-- "
 * stays a signature separator.  Why this is not libetpan's encoder, and
 * exactly what is encoded, is at the top of qp.c.
 *
 * qp_encode() appends to a struct buf (whose max caps it; a full buffer
 * sets its failed flag, see buf.h).  A struct qp_lines remembers lines
 * it has encoded twice, so that a digest's lines that are the same for
 * every subscriber are copied, not encoded again; it gives the same
 * bytes as qp_encode().  One per thread: it is not locked.
 */
#ifndef PAPERBOY_QP_H
#define PAPERBOY_QP_H

#include <stddef.h>

#include "buf.h"

/* qp_encode - append s[0..n) quoted-printable to out */
void qp_encode(const char *s, size_t n, struct buf *out);

struct qp_lines;

/* qp_lines_new - an empty table of encoded lines (at most 1 MB of
 * lines; full, it starts again); qp_lines_free(NULL) does nothing */
struct qp_lines *qp_lines_new(void);
void qp_lines_free(struct qp_lines *t);

/* qp_lines_encode - qp_encode(s, n, out), copying the lines t holds and
 * keeping those seen for the second time; t NULL: qp_encode() */
void qp_lines_encode(struct qp_lines *t, const char *s, size_t n,
                     struct buf *out);

/* qp_lines_trim - forget the kept lines (their memory goes back) */
void qp_lines_trim(struct qp_lines *t);

#endif
