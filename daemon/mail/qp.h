/* SPDX-License-Identifier: MIT */
/*
 * qp - quoted-printable (RFC 2045 6.7) encoding of a text part, with
 * CRLF line ends and soft line breaks so that no line passes 76
 * characters; white space before a line break is encoded, so "-- "
 * stays a signature separator.  Why this is not libetpan's encoder, and
 * exactly what is encoded, is at the top of qp.c.
 *
 * qp_encode() appends to a struct buf (whose max caps it; a full buffer
 * sets its failed flag, see buf.h).  There is no table of lines
 * already encoded: one was tried, and on a day of a few hundred papers
 * read by many subscribers its hashing, probing and comparing cost more
 * than encoding again (bench/README.md, "send end to end").
 */
#ifndef PAPERBOY_QP_H
#define PAPERBOY_QP_H

#include <stddef.h>

#include "buf.h"

/* qp_encode - append s[0..n) quoted-printable to out */
void qp_encode(const char *s, size_t n, struct buf *out);

#endif
