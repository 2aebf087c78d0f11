/* SPDX-License-Identifier: MIT */
/*
 * http_form - strict decoding of application/x-www-form-urlencoded data
 * (request bodies and query strings) and of percent-encoded URL paths.
 *
 * Stricter than libmicrohttpd's own decoder on purpose: a '%' not
 * followed by two hex digits, a decoded NUL byte or a value that is not
 * well-formed UTF-8 makes the whole input malformed (the caller answers
 * 400), instead of being passed on half-decoded.  Control characters such
 * as CR and LF are kept: each field's own validation refuses them with a
 * message next to the field.  No libmicrohttpd types here, so the decoder
 * is a pure function and a fuzz target.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_HTTP_FORM_H
#define PAPERBOY_HTTP_FORM_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define HTTP_FORM_MAX_FIELDS 64  /* name=value pairs per form */
#define HTTP_FORM_MAX_VALUE 4096 /* decoded bytes per name or value */

struct http_field {
    char *name;      /* decoded, NUL-terminated */
    char *value;     /* decoded, NUL-terminated */
    size_t name_len; /* bytes, without the NUL */
    size_t value_len;
};

struct http_form {
    struct http_field *fields; /* in the order sent */
    size_t n, cap;
};

/* http_form_init - an empty form; http_form_release frees one */
void http_form_init(struct http_form *f);
void http_form_release(struct http_form *f);

/*
 * http_form_parse - decode "a=1&b=x+y%21" (len bytes, no NUL needed) and
 * append the fields to f.  '+' is a space.  Empty pairs ("a=1&&b=2") are
 * skipped; a pair without '=' has an empty value.  -1 with a reason in
 * err (ERR_PERM) on malformed percent-encoding, invalid UTF-8, a NUL,
 * more than HTTP_FORM_MAX_FIELDS pairs or a part longer than
 * HTTP_FORM_MAX_VALUE; f then holds whatever was decoded before.
 */
int http_form_parse(struct http_form *f, const char *data, size_t len,
                    struct err *err);

/* http_form_get - the first value of name, or NULL.  Borrowed. */
const char *http_form_get(const struct http_form *f, const char *name);

/*
 * http_pct_decode - percent-decode n bytes of s into out ('+' is a space
 * when plus_is_space).  -1 with err on a bad escape, a NUL or invalid
 * UTF-8.
 */
int http_pct_decode(const char *s, size_t n, int plus_is_space, struct buf *out,
                    struct err *err);

#endif
