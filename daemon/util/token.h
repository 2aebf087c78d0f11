/* SPDX-License-Identifier: MIT */
/*
 * token - signed, self-contained tokens for links in mail and on pages.
 *
 * A token is base64url(purpose | id | value | HMAC-SHA256(secret, the
 * three)), so no table of tokens is needed.  `id` is a subscription id
 * (confirm, unsubscribe, preferences) or a digest id (view); `value` is
 * the issue time in unix seconds.  A pair token (TOKEN_VOTE) carries a
 * second id between the two.  Verification recomputes the MAC and
 * compares it in constant time, then checks the purpose and the expiry.
 * The secret comes from [web] secret, or from [web] secret_file, which is
 * created with 32 random bytes and mode 0600 on first use.  Tokens are
 * never logged.  Uses libsodium.
 */
#ifndef PAPERBOY_TOKEN_H
#define PAPERBOY_TOKEN_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

enum token_purpose {
    TOKEN_CONFIRM = 'c',     /* expires after TOKEN_CONFIRM_TTL */
    TOKEN_UNSUBSCRIBE = 'u', /* never expires */
    TOKEN_PREFERENCES = 'p', /* never expires */
    TOKEN_VIEW = 'v',        /* id is a digest id; never expires */
    TOKEN_FEED = 'f',        /* a subscription's private Atom feed; never
                                expires */
    TOKEN_VOTE = 'r',        /* a pair token (token_make_pair): a
                                subscription id and a paper id, for "more
                                / less like this"; never expires */
};

#define TOKEN_CONFIRM_TTL (7 * 86400) /* seconds */
#define TOKEN_MAX 96                  /* bytes, including the NUL */

struct token_key {
    unsigned char key[32]; /* HMAC key derived from the secret */
    /* HMAC state with the key already absorbed (the inner and outer
     * padded key blocks), copied per MAC: two SHA-256 blocks fewer for
     * every token; set by token_key_from_string */
    crypto_auth_hmacsha256_state keyed;
    int keyed_ok;
};

/* token_key_load - derive the key from the config's secret, creating the
 * secret file if needed.  -1 with err if it cannot be read or created. */
int token_key_load(const struct config *cfg, struct token_key *out,
                   struct err *err);

/* token_key_from_string - derive a key from a given secret (tests) */
void token_key_from_string(const char *secret, struct token_key *out);

/* token_make - write a NUL-terminated token (< TOKEN_MAX bytes) to out */
void token_make(const struct token_key *k, enum token_purpose purpose,
                int64_t id, int64_t issued_at, char out[TOKEN_MAX]);

/*
 * token_check - verify tok for purpose at time now.  On success writes id
 * and issued_at.  On failure err says why, in words fit for a page:
 * malformed, forged or tampered, wrong kind of link, or expired.
 */
int token_check(const struct token_key *k, const char *tok,
                enum token_purpose purpose, int64_t now, int64_t *id,
                int64_t *issued_at, struct err *err);

/*
 * token_make_pair, token_check_pair - the same for a purpose that names
 * two rows (TOKEN_VOTE: the subscription, then the paper).  A pair token
 * is longer than a one-id token, so neither kind verifies as the other.
 * token_check_pair writes id, id2 and issued_at only on success.
 */
void token_make_pair(const struct token_key *k, enum token_purpose purpose,
                     int64_t id, int64_t id2, int64_t issued_at,
                     char out[TOKEN_MAX]);
int token_check_pair(const struct token_key *k, const char *tok,
                     enum token_purpose purpose, int64_t *id, int64_t *id2,
                     int64_t *issued_at, struct err *err);

/* token_mac_hex - first n hex digits of HMAC(key, data), for ids that
 * must be stable and unguessable (Message-IDs).  out holds n+1 bytes. */
void token_mac_hex(const struct token_key *k, const void *data, size_t len,
                   char *out, size_t n);

#endif
