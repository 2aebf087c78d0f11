/* SPDX-License-Identifier: MIT */
/*
 * dkim_keycache - parse each configured DKIM private key once per process
 * instead of once per signature (why, and the numbers: dkim_keycache.c).
 *
 * While a key is registered, libopendkim's parse of exactly those PEM
 * bytes is answered with the key parsed at registration; every other
 * parse goes to OpenSSL unchanged.  Registration counts references, so
 * each signer adds its keys and drops them when freed.  Thread-safe.
 */
#ifndef PAPERBOY_DKIM_KEYCACHE_H
#define PAPERBOY_DKIM_KEYCACHE_H

/* dkim_keycache_add - parse pem once and answer libopendkim's parses of
 * it from then on; 0, or -1 when it is not cached (not a key OpenSSL
 * reads, or the table is full): libopendkim then parses it per signature
 * as it would without this module, and reports what it finds. */
int dkim_keycache_add(const char *pem);

/* dkim_keycache_drop - one reference fewer to pem (as added); the last
 * one frees the parsed key.  A pem that is not cached is ignored. */
void dkim_keycache_drop(const char *pem);

/* dkim_keycache_hits - how many parses the cache has answered in this
 * process (for the tests and the benchmark) */
unsigned long dkim_keycache_hits(void);

#endif
