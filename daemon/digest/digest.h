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
 * not touch the outbox and does not render anything.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DIGEST_H
#define PAPERBOY_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "db_digest.h"
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
 * (collect before, not during); a new day, another list or the other
 * cadence (a weekly window reaches further back) reloads them, so keep a
 * batch per cadence when they alternate (digest plan does).
 */
struct digest_batch;

/* digest_batch_new - an empty batch; caller frees with digest_batch_free */
struct digest_batch *digest_batch_new(void);
void digest_batch_free(struct digest_batch *b);

/* digest_freeze_batch - digest_freeze() using and filling batch b */
int digest_freeze_batch(struct digest_batch *b, struct db *db,
                        const struct config *cfg, int64_t subscription_id,
                        const char *day, int64_t *digest_id, struct err *err);

/*
 * A pass freezes a day's digests for many subscriptions of a list in one
 * go (send_day): it keeps the list's candidate papers, and ranks each
 * distinct profile once (same list, keywords, categories, window and
 * papers already sent: the same ranking), keeping the result for the
 * next subscription with that profile.  The same promise as a batch:
 * papers do not change while the pass is used.  Caller frees with
 * digest_pass_free().
 */
struct digest_pass;
struct digest_pass *digest_pass_new(void);
void digest_pass_free(struct digest_pass *p);

/* A profile ranked by a pass: borrowed, valid until the next
 * digest_pass_chunk() or digest_pass_free().  Its ranking is written once,
 * as a digest set, by the first digest_pass_store() that uses it; the
 * digests of the other subscriptions with that profile name the set. */
struct digest_profile;

/* digest_pass_chunk - n subscriptions are about to be planned and then
 * stored in one new transaction: profiles handed out before may be
 * forgotten now, and not before the next call (n at most 8192); the sets of
 * those kept are looked up again at their first store in it (one may have
 * gone with its last digest meanwhile) */
void digest_pass_chunk(struct digest_pass *p, size_t n);

/*
 * digest_pass_plan - the ranking of sub's digest of day, as
 * digest_freeze() would make it, from the pass's profiles or ranked now.
 * prev is the created_at of its latest digest before day (0 = none);
 * sent[0..nsent) are the ids (sorted) of the papers in its digests of day
 * digest_sent_day() or later; voted is 0 when the reader has no votes
 * (db_votes_voters), so that they are not looked up.  It only reads: call it
 * outside the write transaction (a transaction that has read the FTS5 table
 * pays a virtual-table savepoint on every later statement).  Returns 1 with err
 * when its keywords do not parse (skip it); -1 on a malformed day or a
 * database error.
 */
int digest_pass_plan(struct digest_pass *p, struct db *db,
                     const struct config *cfg, const struct db_digest_sub *sub,
                     int64_t prev, const int64_t *sent, size_t nsent, int voted,
                     const char *day, struct digest_profile **out,
                     struct err *err);

/*
 * digest_pass_store - write sub's digest of day from prof (its best
 * max_papers) in the caller's transaction; the caller has checked that no
 * digest of day exists yet.  The first store of a profile writes its
 * ranking as a digest set; later ones only the digests row naming it.
 * *digest_id is 0 when there is nothing to send.  -1 on a database error,
 * which may leave rows written (roll the transaction back, then call
 * digest_pass_rollback).
 */
int digest_pass_store(struct db *db, const struct db_digest_sub *sub,
                      const char *day, struct digest_profile *prof,
                      int64_t *digest_id, struct err *err);

/* digest_pass_rollback - the transaction of the last stores was rolled
 * back: forget the sets the profiles were written as, so that the next
 * store writes them again */
void digest_pass_rollback(struct digest_pass *p);

/* digest_sent_day - the first day ("YYYY-MM-DD") whose digests can hold
 * a paper of the window of a subscription (weekly: 1 for a weekly one)
 * whose previous digest was made at prev (0 = none); -1 on a malformed
 * day */
int digest_sent_day(const char *day, int64_t prev, int weekly, char *out,
                    size_t size, struct err *err);

/* digest_weekday_of - the weekday of day ("YYYY-MM-DD"): 0 = Sunday ..
 * 6, as subscriptions.weekday counts; -1 when day does not parse */
int digest_weekday_of(const char *day);

#define DIGEST_WEEK_DAYS 7 /* days a weekly digest covers: a first one */

/*
 * digest_period_from - the first day a weekly digest of day covers: the
 * day after the subscription's last digest (last_day), but not before
 * the first day of its window (15 days before day: a missed weekday's
 * papers come the week after); DIGEST_WEEK_DAYS - 1 days before day when
 * there is none (last_day "" or NULL) or it is not before day.
 * "YYYY-MM-DD" into out; -1 on a malformed day.
 */
int digest_period_from(const char *last_day, const char *day, char *out,
                       size_t size, struct err *err);

#endif
