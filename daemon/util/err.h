/* SPDX-License-Identifier: MIT */
/*
 * err - the reason a function failed, filled in by the callee, read by the
 * caller.  A function that can fail returns 0 or -1 and, on -1, has written
 * a message and a kind here.  ERR_TEMP means "try again later" (HTTP 503,
 * SQLITE_BUSY, SMTP 4xx); ERR_PERM means "this will not get better" (bad
 * feed, SMTP 5xx, bad input).
 */
#ifndef PAPERBOY_ERR_H
#define PAPERBOY_ERR_H

enum err_kind {
    ERR_NONE = 0,
    ERR_TEMP = 1, /* retry later */
    ERR_PERM = 2, /* give up */
};

struct err {
    enum err_kind kind;
    char msg[512];
};

/* err_init - clear an err before use */
void err_init(struct err *err);

/* err_set - record kind and a printf-style message; err may be NULL */
void err_set(struct err *err, enum err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* err_prefix - prepend "prefix: " to an existing message */
void err_prefix(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
