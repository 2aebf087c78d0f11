/* SPDX-License-Identifier: MIT */
/*
 * fetch_helper - run fetch_all()'s transfers in the paperboy-fetch
 * program (daemon/fetch/), a short-lived child linked to libcurl, so that
 * paperboy itself never maps libcurl and what it drags in (OpenSSL's
 * libcrypto, loaded through libssh2, pins itself and would stay ~3 MB in
 * serve after the first collect).  The child's stdin and stdout are one
 * end of a socket pair; the protocol is fetch_wire.h's.  Internal to the
 * fetch module family.
 */
#ifndef PAPERBOY_FETCH_HELPER_H
#define PAPERBOY_FETCH_HELPER_H

#include <stddef.h>

#include "err.h"
#include "fetch.h"

#define FETCH_HELPER_NAME "paperboy-fetch"

/*
 * fetch_helper_find - the helper's path into out: FETCH_HELPER_NAME
 * beside the running program (a build tree), else the install layout
 * relative to it (PAPERBOY_FETCH_HELPER_REL, "../libexec/paperboy/..."
 * from bindir), else the install path PAPERBOY_FETCH_HELPER (CMake sets
 * both from libexecdir).  -1 (ERR_TEMP, err names the three places) when
 * none can be run.
 */
int fetch_helper_find(char *out, size_t size, struct err *err);

/*
 * fetch_helper_all - fetch_all() through a child running exe.  A child
 * that cannot start, dies or answers garbage fails every request with
 * ERR_TEMP and the reason.  When o->stop is set the child is killed and
 * reaped and every request fails as stopped (fetch_all() in fetch.h).
 */
int fetch_helper_all(const char *exe, struct fetch_req *reqs, size_t n,
                     const struct fetch_opts *o);

/* fetch_helper_stopped - fail the n requests as cut short by the stop
 * flag (stopped set, ERR_TEMP, "stopped before it was done"), after
 * elapsed_ms */
void fetch_helper_stopped(struct fetch_req *reqs, size_t n, long elapsed_ms);

#endif
