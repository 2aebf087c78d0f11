/* SPDX-License-Identifier: MIT */
/*
 * compose - turn frozen rows into what a reader sees: a digest or a
 * confirmation mail as a complete RFC 5322 message (multipart/alternative,
 * quoted-printable, CRLF: libetpan writes the RFC 5322 fields, mime.h the
 * rest), or a digest as an HTML page for "view in browser".
 *
 * A struct compose holds the compiled templates from web/templates and a
 * reusable data arena; each thread that renders owns one.  Messages are a
 * pure function of the rows, the config and the key, so rendering the same
 * outbox row twice gives the same bytes and the same Message-ID.
 *
 * Out-parameters are written only on success; output is appended to the
 * caller's struct buf, whose max caps the size.
 */
#ifndef PAPERBOY_COMPOSE_H
#define PAPERBOY_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "err.h"
#include "token.h"

struct compose;

/* compose_new - load templates; caller frees with compose_free() */
int compose_new(const struct config *cfg, const struct token_key *key,
                struct compose **out, struct err *err);
void compose_free(struct compose *c);

/* compose_message_id_digest - "<d.SUB.DAY.MAC@domain>" (stable) */
void compose_message_id_digest(const struct compose *c, int64_t sub_id,
                               const char *day, char *out, size_t size);
/* compose_message_id_confirm - "<c.SUB.ISSUED.MAC@domain>" */
void compose_message_id_confirm(const struct compose *c, int64_t sub_id,
                                int64_t issued_at, char *out, size_t size);

/* compose_digest_message - the whole digest mail for digest_id */
int compose_digest_message(struct compose *c, struct db *db, int64_t digest_id,
                           const char *message_id, struct buf *out,
                           struct err *err);
/* compose_confirm_message - the double opt-in mail; issued_at goes into
 * the confirmation token and the Date header */
int compose_confirm_message(struct compose *c, struct db *db,
                            int64_t subscription_id, int64_t issued_at,
                            const char *message_id, struct buf *out,
                            struct err *err);
/* compose_manage_message - "manage my subscription": the preferences and
 * unsubscribe links of every pending or confirmed subscription of the
 * address of subscription_id as they are when it is composed, tokens
 * issued at issued_at or, for a subscription made later, at its
 * created_at (so every link in it opens) */
int compose_manage_message(struct compose *c, struct db *db,
                           int64_t subscription_id, int64_t issued_at,
                           const char *message_id, struct buf *out,
                           struct err *err);
/* compose_digest_page - the digest as a standalone HTML page (/d/TOKEN) */
int compose_digest_page(struct compose *c, struct db *db, int64_t digest_id,
                        struct buf *out, struct err *err);

/* Additions (digest helper). */

/* compose_digest_parts - the digest's subject and rendered text and HTML
 * parts, without the MIME wrapping (preview, tests); text or html may be
 * NULL to skip it */
int compose_digest_parts(struct compose *c, struct db *db, int64_t digest_id,
                         struct buf *subject, struct buf *text,
                         struct buf *html, struct err *err);

/* compose_set_cache_bytes - cap the memory a compose spends remembering
 * papers it has rendered (reused, byte for byte, when the same paper with
 * the same fields comes again); default 8 MB, enough for a day of ~2,000
 * papers; 0 turns the cache off.  Empties the cache. */
void compose_set_cache_bytes(struct compose *c, size_t bytes);

/* compose_trim - forget the cached papers (a delivery worker with nothing
 * to do gives their memory back) */
void compose_trim(struct compose *c);

/*
 * compose_snapshot - the caller has opened a read snapshot (db_snap.h)
 * on the database it passes to the compose_*_message() calls that
 * follow, until its next compose_snapshot(); papers_version is
 * db_papers_version() read in it.  Within one snapshot, the answers of
 * queries that do not depend on the message (which of a digest's
 * sources failed) are kept and reused; while papers_version stays the
 * same, across snapshots, a paper whose rendered fields were once found
 * equal to its row is not read again.  A compose whose caller never calls
 * it reads everything every time.
 */
void compose_snapshot(struct compose *c, int64_t papers_version);

#endif
