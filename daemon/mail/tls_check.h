/* SPDX-License-Identifier: MIT */
/*
 * tls_check - the certificate check every TLS session runs after its
 * handshake (libetpan with GnuTLS verifies nothing).
 */
#ifndef PAPERBOY_TLS_CHECK_H
#define PAPERBOY_TLS_CHECK_H

#include <libetpan/libetpan.h>

#include "err.h"

/* tls_check_peer - 0 when the chain stream's peer sent is trusted (the
 * system CAs, or ca_file when not "") and names host; -1 with err (who
 * starts the message: "smtp", "bounces") otherwise */
int tls_check_peer(mailstream *stream, const char *ca_file, const char *host,
                   const char *who, struct err *err);

#endif
