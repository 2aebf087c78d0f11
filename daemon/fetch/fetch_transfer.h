/* SPDX-License-Identifier: MIT */
/*
 * fetch_transfer - the transfers behind fetch_all() (fetch.h), on
 * libcurl's multi interface, as the paperboy-fetch program runs them.
 * The caller has called curl_global_init().  Layer: the helper program
 * only; nothing in paperboy links it.
 */
#ifndef PAPERBOY_FETCH_TRANSFER_H
#define PAPERBOY_FETCH_TRANSFER_H

#include <stddef.h>

#include "fetch.h"

/*
 * fetch_transfer_all - perform the n requests, in parallel across hosts,
 * and fill their out fields (the rules are fetch.h's).  0 when every
 * request is ok, -1 when at least one failed (see each req's err).
 * parent_fd (-1: none) is the socket to paperboy: once paperboy has
 * closed its end (it died, or stopped waiting) while transfers are not
 * done, the process _exit()s at once with FETCH_TRANSFER_ABANDONED,
 * nothing cleaned up: nobody reads the results.
 */
#define FETCH_TRANSFER_ABANDONED 1
int fetch_transfer_all(struct fetch_req *reqs, size_t n,
                       const struct fetch_opts *o, int parent_fd);

#endif
