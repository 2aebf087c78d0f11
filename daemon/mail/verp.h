/* SPDX-License-Identifier: MIT */
/*
 * verp - per-message envelope senders (VERP) that name the subscription a
 * bounce is about: bounces+SUB-ISSUED-MAC@DOMAIN.
 *
 * SUB is the subscription id and ISSUED the outbox row's issued_at (unix
 * seconds, also in the message's tokens and Date), both decimal; MAC is
 * the first 16 hex digits of HMAC-SHA256 under the token key (token.c)
 * over "b|SUB|ISSUED", a purpose prefix no other MAC uses.  Digits and
 * lower-case hex only, so a bounce that comes back case-folded still
 * parses; at most 55 characters before the '@' (RFC 5321 allows 64).
 * A later bounce reader calls verp_parse() on the address a DSN was sent
 * to, then takes the subscription only if it was created at or before
 * ISSUED (SQLite may reuse the id of a deleted row; a newer row with the
 * same id is not the one mailed).  It does not read mailboxes.
 */
#ifndef PAPERBOY_VERP_H
#define PAPERBOY_VERP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "token.h"

#define VERP_LOCAL "bounces" /* the local part before '+' */
#define VERP_MAX 320         /* bytes of an address, with the NUL */

/* verp_address - the envelope sender for (sub_id, issued_at) at domain
 * into out; -1 if it does not fit or domain is empty */
int verp_address(const struct token_key *k, int64_t sub_id, int64_t issued_at,
                 const char *domain, char *out, size_t size);

/* verp_parse - the subscription and issue time an address made by
 * verp_address() names (any letter case, with or without <>); -1 with err
 * when it is not one, or its MAC does not match (compared in constant
 * time) */
int verp_parse(const struct token_key *k, const char *addr, int64_t *sub_id,
               int64_t *issued_at, struct err *err);

#endif
