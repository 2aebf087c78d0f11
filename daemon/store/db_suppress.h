/* SPDX-License-Identifier: MIT */
/*
 * db_suppress - the one table of addresses never to be mailed or imported
 * again (suppressions, schema/040_bounces.sql): hard bounces, repeated
 * soft bounces, and (later) erased subscribers share it.
 *
 * Rows are keyed by db_suppress_hash(): HMAC-SHA256 under the token key
 * of "s|" and the lower-case normalised address, so the table never holds
 * an address and cannot be searched without the key; a new [web] secret
 * forgets every row (as it invalidates every link).  It does not decide
 * when an address is suppressed (bounces.c does) nor refuse sign-ups (the
 * callers check).
 *
 * Contract: 0 on success, -1 with err; db_suppress_get returns 0 when the
 * address is suppressed, 1 when not.  Out-parameters are written only on
 * success.
 */
#ifndef PAPERBOY_DB_SUPPRESS_H
#define PAPERBOY_DB_SUPPRESS_H

#include <stdint.h>

#include "db.h"
#include "err.h"
#include "token.h"

#define DB_SUPPRESS_HASH 32       /* bytes of a key */
#define DB_SUPPRESS_REASON_MAX 16 /* 'soft_bounces' + NUL */
#define DB_SUPPRESS_DETAIL_MAX 32 /* a status code, bytes with NUL */

/* db_suppress_hash - the key of addr (normalised by addr_normalize();
 * ASCII case is folded here) */
void db_suppress_hash(const struct token_key *k, const char *addr,
                      unsigned char out[DB_SUPPRESS_HASH]);

/* db_suppress_add - suppress the address with this key; reason is one of
 * 'hard_bounce', 'soft_bounces', 'complaint', 'erased', 'manual'; detail
 * (may be "") is truncated to DB_SUPPRESS_DETAIL_MAX.  A key already
 * present keeps its first reason; *added (may be NULL) says whether a row
 * was inserted. */
int db_suppress_add(struct db *db, const unsigned char hash[DB_SUPPRESS_HASH],
                    const char *reason, const char *detail, int64_t now,
                    int *added, struct err *err);

/* db_suppress_get - 0 and the row's reason when suppressed, 1 when not */
int db_suppress_get(struct db *db, const unsigned char hash[DB_SUPPRESS_HASH],
                    char reason[DB_SUPPRESS_REASON_MAX], struct err *err);

/* db_suppress_remove - forget the key; *removed (may be NULL) 0 or 1 */
int db_suppress_remove(struct db *db,
                       const unsigned char hash[DB_SUPPRESS_HASH], int *removed,
                       struct err *err);

/* db_suppress_count - rows in the table */
int db_suppress_count(struct db *db, int64_t *n, struct err *err);

#endif
