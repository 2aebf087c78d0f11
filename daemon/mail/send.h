/* SPDX-License-Identifier: MIT */
/*
 * send - freeze and queue one day's digests.
 *
 * send_day() walks the confirmed, non-paused subscriptions that match a
 * filter, list by list, freezes each one's digest for the day (a
 * digest_pass: each distinct profile is ranked once) and queues it in the
 * outbox with a Message-ID fixed now, in transactions of SEND_BATCH
 * subscriptions; after each commit it calls filter->committed, so that
 * delivery can start on the first digests while the rest are frozen.  It is
 * idempotent: a digest already queued for that subscription and day is not
 * queued again, so running it twice for the same day queues nothing new.  It
 * does not deliver and prints nothing; the scheduler calls it per list and
 * zone, `paperboy send` once.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_SEND_H
#define PAPERBOY_SEND_H

#include <signal.h>
#include <stdint.h>

#include "compose.h"
#include "config.h"
#include "db.h"
#include "err.h"

#define SEND_BATCH 1000 /* subscriptions per transaction */

/* Which subscriptions send_day() considers; NULL fields match all. */
struct send_filter {
    const char *list_name;             /* lists.name, or NULL for every list */
    const char *timezone;              /* exact subscriptions.timezone ("" = the
                                          [schedule] default zone), or NULL = any */
    const volatile sig_atomic_t *stop; /* when set and *stop becomes
                              non-zero, commit what is done and return
                              (counts.stopped = 1); may be NULL */
    void (*committed)(void *arg);      /* after each committed transaction
                                          (new rows are visible to other
                                          connections); may be NULL */
    void *arg;                         /* for committed */
    int64_t confirmed_before; /* > 0: only subscriptions confirmed before
                                 this instant (unix seconds): a scheduled
                                 mailing passes its own time, so whoever
                                 confirms later waits for the next one */
};

struct send_counts {
    int64_t considered; /* confirmed, non-paused subscriptions matched */
    int64_t queued;     /* new outbox rows */
    int64_t already;    /* digest for that day was already queued */
    int64_t empty;      /* nothing to send (digest_freeze gave 0) */
    int64_t failed;     /* digest_freeze refused it (logged, skipped) */
    int stopped;        /* filter->stop ended the run early */
};

/*
 * send_day - freeze and queue day's digests ("YYYY-MM-DD") for the
 * subscriptions matching filter (NULL = all).  c provides Message-IDs
 * (compose_message_id_digest); it is borrowed.  A subscription whose
 * keywords do not parse is skipped and counted in failed.  Any other
 * failure rolls back only the current batch; earlier batches stay
 * queued, and a rerun finishes the job.
 */
int send_day(struct db *db, const struct config *cfg, const struct compose *c,
             const struct send_filter *filter, const char *day, int64_t now,
             struct send_counts *out, struct err *err);

#endif
