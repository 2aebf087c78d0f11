/* SPDX-License-Identifier: MIT */
/*
 * guard_pace - when a delivery batch's RCPT bounces have the guard
 * (db_bounce_guard) judge their mailing.  Judging counts the whole
 * mailing (about 40 ms at 100,000 subscriptions) inside the batch's write
 * transaction; judging at every batch that holds a bounce made a 100k
 * mailing with 1 % bounces spend ~15 s so.  This module remembers, per
 * process and per mailing (database, list, day), the figures of the last
 * judgement and the bounces since, and says whether judging now can
 * change anything.  The database is its file, not the connection: the
 * delivery workers, each with its own connection, count into one entry,
 * so the bounces since are every worker's (a per-connection count left
 * out the other workers' and could let a list send past the limit).
 *
 *   - a mailing not seen, or whose last judgement counted nothing (the
 *     verdict was settled) or fewer than [bounces] pause_min_messages
 *     messages: judge (it is cheap then, or the minimum may be passed);
 *   - a second or more since the last judgement: judge (bounce reports
 *     counted by bounces.c, and bounces another process stored,
 *     meanwhile are not in the bound below);
 *   - else judge only when (hard + k) / (sent + k), k the RCPT bounces
 *     this process stored since, passes pause_hard_rate: that bounds the
 *     mailing's hard rate now from above (each bounce adds one to both,
 *     every other message one to sent), so a batch skipped here is one
 *     whose judgement could not have paused the list, unless another
 *     process stored bounces within the second; those are judged by the
 *     second rule or the last batch.  The complaint rate only falls
 *     between reports, and each report is judged where it is read.
 *
 * And guard_pace_pending() names the mailings with bounces not yet
 * judged, so that the last batch (a short claim, or results stored
 * without a claim) judges them: the verdict in the end is the one
 * judging every batch gives.  It does not run the guard or read the
 * database (only the connection's file name).  The state is advisory: a
 * transaction rolled back leaves it counting bounces that are not stored,
 * which only makes it judge sooner.
 */
#ifndef PAPERBOY_GUARD_PACE_H
#define PAPERBOY_GUARD_PACE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "db_bounce.h"

/* A mailing the pace names. */
struct guard_pace_key {
    int64_t list_id;
    char day[11];
};

/* guard_pace_due - note k RCPT bounces of (db's database, list_id, day)
 * at now; 1 when it is to be judged now, else 0 */
int guard_pace_due(struct db *db, const struct config *cfg, int64_t list_id,
                   const char *day, int k, int64_t now);

/* guard_pace_judged - it was judged at now; seen holds the figures the
 * guard counted, or sent -1 when it counted none */
void guard_pace_judged(struct db *db, int64_t list_id, const char *day,
                       const struct db_mailing *seen, int64_t now);

/* guard_pace_pending - up to max mailings of db's database with bounces
 * not judged yet (by any connection) into out; how many */
size_t guard_pace_pending(struct db *db, struct guard_pace_key *out,
                          size_t max);

#endif
