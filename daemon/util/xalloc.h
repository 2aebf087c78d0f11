/* SPDX-License-Identifier: MIT */
/*
 * xalloc - allocation that succeeds or never returns.
 *
 * Out of memory is not a condition this daemon can recover from in any
 * useful way, so these wrappers log and exit instead of making every caller
 * check.  It depends on nothing but libc.
 */
#ifndef PAPERBOY_XALLOC_H
#define PAPERBOY_XALLOC_H

#include <stddef.h>

/* xmalloc - malloc(n); exits on failure. Caller frees with free(). */
void *xmalloc(size_t n);
/* xcalloc - calloc(n, size) with overflow check; exits on failure. */
void *xcalloc(size_t n, size_t size);
/* xrealloc - realloc(p, n); exits on failure. */
void *xrealloc(void *p, size_t n);
/* xstrdup - strdup(s); exits on failure. Caller frees with free(). */
char *xstrdup(const char *s);
/* xstrndup - copy at most n bytes of s and NUL-terminate. */
char *xstrndup(const char *s, size_t n);

#endif
