/* SPDX-License-Identifier: MIT */
/*
 * fetch_helper - run fetch_all()'s transfers in a short-lived child
 * process, so a long-running daemon never maps libcurl and what it drags
 * in (OpenSSL's libcrypto, loaded through libssh2, pins itself and would
 * stay ~3 MB after the first collect).  Used once fetch_set_helper() named
 * the program; see fetch.h.
 *
 * The child is the same program started as "PROGRAM __fetch", its stdin
 * and stdout one end of a socket pair: it reads the options and requests
 * to end of input, runs fetch_all_here(), writes the results and exits.  Both
 * ends use one plain format: a number is "<decimal>;", a string
 * "<length>:<bytes>" ("-1:" for NULL). Internal to the fetch module family.
 */
#ifndef PAPERBOY_FETCH_HELPER_H
#define PAPERBOY_FETCH_HELPER_H

#include <stddef.h>

#include "fetch.h"

/* fetch_all_here - fetch_all() in this process (fetch.c) */
int fetch_all_here(struct fetch_req *reqs, size_t n,
                   const struct fetch_opts *o);

/*
 * fetch_helper_all - fetch_all() through a child running exe.  A child
 * that cannot start, dies or answers garbage fails every request with
 * ERR_TEMP and the reason.
 */
int fetch_helper_all(const char *exe, struct fetch_req *reqs, size_t n,
                     const struct fetch_opts *o);

#endif
