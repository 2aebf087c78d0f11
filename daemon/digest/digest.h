/* SPDX-License-Identifier: MIT */
/*
 * digest - choose and freeze a subscription's papers for one day.
 *
 * digest_freeze() ranks the candidates (papers first seen since this
 * subscription's last digest, never sent to it before, filtered by its
 * list and categories) against its keywords blended with the trending
 * signal (see rank.h), and stores the result as rows in digests and
 * digest_items.  It is idempotent: UNIQUE(subscription_id, day) makes a
 * second call for the same day return the digest already frozen.  It does
 * not touch the outbox and does not render anything.  Layer 2.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DIGEST_H
#define PAPERBOY_DIGEST_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"

/*
 * digest_freeze - freeze subscription_id's digest for day ("YYYY-MM-DD").
 * *digest_id is the digest's row id, or 0 when there was nothing to send
 * (no candidate matched and [digest] when_empty = skip).  Runs in the
 * caller's transaction if one is open, else in its own.
 */
int digest_freeze(struct db *db, const struct config *cfg,
                  int64_t subscription_id, const char *day, int64_t *digest_id,
                  struct err *err);

/*
 * A batch freezes many subscriptions of a day one after the other (the
 * scheduler's send job, bench/digest): it keeps the list's candidate
 * papers between calls, so each subscription costs only its own queries.
 * The caller promises that papers do not change while the batch is used
 * (collect before, not during); a new day or another list reloads them.
 */
struct digest_batch;

/* digest_batch_new - an empty batch; caller frees with digest_batch_free */
struct digest_batch *digest_batch_new(void);
void digest_batch_free(struct digest_batch *b);

/* digest_freeze_batch - digest_freeze() using and filling batch b */
int digest_freeze_batch(struct digest_batch *b, struct db *db,
                        const struct config *cfg, int64_t subscription_id,
                        const char *day, int64_t *digest_id, struct err *err);

#endif
