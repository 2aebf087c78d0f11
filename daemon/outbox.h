/* SPDX-License-Identifier: MIT */
/*
 * outbox - the durable queue of mail in SQLite (table outbox).
 *
 * State machine: queued -> sending -> sent | deferred | bounced;
 * deferred -> queued when due; deferred past [smtp] give_up_after ->
 * failed; sending rows left by a crash go back to queued at start.
 * Confirmation mails have priority 0 and leave before digests.  Layer 2.
 *
 * (The full API is written by the outbox/SMTP work; the functions below
 * are the ones other modules rely on.)
 */
#ifndef PAPERBOY_OUTBOX_H
#define PAPERBOY_OUTBOX_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"

/*
 * outbox_enqueue_confirm - queue one confirmation mail for a pending
 * subscription at time now, unless one was queued for the same address in
 * the last 24 hours (then *queued = 0 and nothing changes).
 */
int outbox_enqueue_confirm(struct db *db, const struct config *cfg,
                           int64_t subscription_id, int64_t now, int *queued,
                           struct err *err);

/* outbox_drop_pending - delete a subscription's queued/deferred rows (it
 * unsubscribed or bounced); sent rows stay as history */
int outbox_drop_pending(struct db *db, int64_t subscription_id,
                        struct err *err);

/* outbox_depth - rows still to deliver (queued, sending, deferred) */
int outbox_depth(struct db *db, int64_t *out, struct err *err);

#endif
