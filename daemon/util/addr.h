/* SPDX-License-Identifier: MIT */
/*
 * addr - email address validation and normalisation for subscribers.
 *
 * The rules are the practical subset of RFC 5321/5322 that a mailing list
 * needs: exactly one '@'; a local part of 1..64 bytes and a whole address
 * of at most 254 bytes (RFC 5321 4.5.3.1); no spaces, control characters
 * or quotes; a domain with at least one dot made of LDH labels of 1..63
 * bytes.  Internationalised domains (bücher.example) are converted to
 * their ASCII form (xn--bcher-kva.example) with libidn2, so one mailbox
 * is always stored one way.  The domain is lower-cased; the local part is
 * kept as typed (the database compares it case-insensitively).  It uses
 * libidn2.
 */
#ifndef PAPERBOY_ADDR_H
#define PAPERBOY_ADDR_H

#include <stddef.h>

#include "err.h"

#define ADDR_LOCAL_MAX 64 /* RFC 5321 4.5.3.1.1 */
#define ADDR_MAX 254      /* RFC 5321 4.5.3.1.3 path limit minus <> */
#define ADDR_SIZE 255     /* buffer size for a normalised address */

/*
 * addr_normalize - validate in (UTF-8, surrounding whitespace ignored) and
 * write the normalised address to out (size >= ADDR_SIZE is always
 * enough).  On failure returns -1 and err (ERR_PERM) holds a reason in
 * plain words, e.g. "the local part is longer than 64 characters"; out is
 * untouched.
 */
int addr_normalize(const char *in, char *out, size_t size, struct err *err);

/* addr_is_loopback - 1 if host is an address in 127.0.0.0/8, ::1, or the
 * name "localhost" (any case); a name that only starts like an address
 * ("127.evil.example") is not */
int addr_is_loopback(const char *host);

#endif
