/* SPDX-License-Identifier: MIT */
/*
 * outbox - the durable queue of mail in SQLite (table outbox).
 *
 * State machine: queued -> sending -> sent | deferred | bounced | failed;
 * deferred -> sending again when next_attempt_at is due; a temporary
 * failure later than [smtp] give_up_after after the row was made (or
 * retried) -> failed; sending rows left by a crash go back to queued at
 * start (outbox_recover).  Confirmation mails have priority 0 and leave
 * before digests.  A row is only ever claimed while its subscription can
 * receive it (confirmed and not paused for a digest, pending for a
 * confirmation); otherwise it is deleted at claim time, like
 * outbox_drop_pending() does when a subscription leaves.
 *
 * Bodies are not stored: a row names a frozen digest (or a confirmation
 * issued at issued_at) and its Message-ID, fixed when the row is made, so
 * rendering it again gives the same message.
 *
 * Time is always passed in (now, unix seconds UTC); nothing here reads the
 * clock, so tests drive the schedule.  Every value is bound.  Functions
 * return 0 or -1 with err; out-parameters are written only on success.
 */
#ifndef PAPERBOY_OUTBOX_H
#define PAPERBOY_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "backoff.h"
#include "config.h"
#include "db.h"
#include "err.h"

/* deferred mail waits 60, 120, 240, ... seconds, at most an hour */
#define OUTBOX_RETRY ((struct backoff){60, 3600})
#define OUTBOX_CONFIRM_GAP 86400 /* one confirmation per address per day */
#define OUTBOX_REPLY_MAX 256     /* stored reply line, bytes with NUL */
#define OUTBOX_MSGID_MAX 256     /* Message-ID, bytes with NUL */
#define OUTBOX_LEASE 3600        /* seconds another process's claim holds */
#define OUTBOX_LEASE_CHECK 60    /* look for expired claims this often */

enum outbox_kind {
    OUTBOX_CONFIRM = 0, /* double opt-in mail, priority 0 */
    OUTBOX_DIGEST = 1,  /* a frozen digest, priority 1 */
    OUTBOX_MANAGE = 2,  /* "manage my subscription" links, priority 0 */
};

/* outbox_kind_name - "confirm", "digest" or "manage" */
const char *outbox_kind_name(enum outbox_kind k);

enum outbox_state {
    OUTBOX_QUEUED = 0,
    OUTBOX_SENDING = 1,
    OUTBOX_DEFERRED = 2,
    OUTBOX_SENT = 3,
    OUTBOX_BOUNCED = 4,
    OUTBOX_FAILED = 5,
};
#define OUTBOX_NSTATE 6

/* One outbox row. */
struct outbox_row {
    int64_t id;
    enum outbox_kind kind;
    enum outbox_state state;
    int64_t subscription_id;
    int64_t digest_id; /* 0 for a confirmation */
    char rcpt[256];    /* envelope recipient */
    char message_id[OUTBOX_MSGID_MAX];
    int64_t issued_at;                 /* baked into tokens and Date */
    int attempts;                      /* claims so far */
    int64_t created_at;                /* unix seconds, UTC */
    int64_t next_attempt_at;           /* due time, unix seconds */
    int64_t claimed_at;                /* 0 = never */
    int64_t sent_at;                   /* 0 = not sent */
    char last_reply[OUTBOX_REPLY_MAX]; /* server reply or failure, or "" */
};

/* The outcome of one delivery attempt, for outbox_record(). */
enum outbox_outcome {
    OUTBOX_OK = 0,      /* 2xx: sent */
    OUTBOX_TEMP = 1,    /* 4xx, connection lost: deferred or failed */
    OUTBOX_BOUNCE = 2,  /* 5xx at RCPT: bounced, counts a hard bounce */
    OUTBOX_PERM = 3,    /* other permanent failure: failed */
    OUTBOX_UNCLAIM = 4, /* not attempted (stopping): back to queued */
};

struct outbox_result {
    int64_t id; /* outbox row */
    enum outbox_outcome outcome;
    int unknown_user;             /* BOUNCE with 5.1.1 / user unknown */
    int64_t at;                   /* when the reply came, unix seconds */
    char reply[OUTBOX_REPLY_MAX]; /* server reply line or reason */
};

/* outbox_state_name - "queued", "sending", ...; outbox_state_parse - the
 * inverse, 0 or -1 */
const char *outbox_state_name(enum outbox_state s);
int outbox_state_parse(const char *s, enum outbox_state *out);

/*
 * outbox_enqueue_confirm - queue one confirmation mail for a pending
 * subscription at time now, unless one was queued for the same address in
 * the last 24 hours (then *queued = 0 and nothing changes).  Stamps
 * subscriptions.confirm_sent_at.  Its Message-ID is
 * "<c.SUB.NOW@domain-of-from>".  Runs in the caller's transaction if one
 * is open.  A subscription that is not pending is an ERR_PERM error.
 */
int outbox_enqueue_confirm(struct db *db, const struct config *cfg,
                           int64_t subscription_id, int64_t now, int *queued,
                           struct err *err);

/*
 * outbox_enqueue_manage - queue one "manage my subscription" mail to the
 * subscriber with this (normalised) address at time now, unless the
 * address has no pending or confirmed subscription, or such a mail was
 * queued for it in the last OUTBOX_CONFIRM_GAP seconds (then *queued = 0
 * and nothing changes; the caller answers the same either way).  The row
 * points at the address's newest pending or confirmed subscription; the
 * mail lists them all.  Stamps subscribers.manage_sent_at.  Its
 * Message-ID is "<m.SUB.NOW@domain-of-from>".  Runs in the caller's
 * transaction if one is open.
 */
int outbox_enqueue_manage(struct db *db, const struct config *cfg,
                          const char *email, int64_t now, int *queued,
                          struct err *err);

/*
 * outbox_enqueue_digest - queue frozen digest digest_id (of its
 * subscription) with message_id, unless a row for that digest exists
 * (then *queued = 0).  Runs in the caller's transaction if one is open.
 */
int outbox_enqueue_digest(struct db *db, int64_t digest_id,
                          const char *message_id, int64_t now, int *queued,
                          struct err *err);

/* outbox_drop_pending - delete a subscription's queued/deferred rows (it
 * unsubscribed or bounced); sent rows stay as history */
int outbox_drop_pending(struct db *db, int64_t subscription_id,
                        struct err *err);

/* outbox_depth - rows still to deliver (queued, sending, deferred) */
int outbox_depth(struct db *db, int64_t *out, struct err *err);

/* outbox_recover - rows left in 'sending' (by a crash) back to 'queued';
 * *n (may be NULL) is how many */
int outbox_recover(struct db *db, int64_t *n, struct err *err);

/* outbox_mark_sent - journal replay: row id was accepted at sent_at with
 * reply; only a row still in 'sending' changes.  In the caller's
 * transaction if one is open. */
int outbox_mark_sent(struct db *db, int64_t id, int64_t sent_at,
                     const char *reply, struct err *err);

/*
 * outbox_claim - in one transaction, delete due rows whose subscription
 * can no longer receive them (*dropped counts them, may be NULL) and
 * claim up to max due rows (queued or deferred, next_attempt_at <= now),
 * confirmations first, then oldest due: state 'sending', claimed_at =
 * now, attempts + 1.  rows[0..*n) receives them.  Rows claimed more
 * than OUTBOX_LEASE seconds ago by an earlier process (one that died
 * without outbox_recover() after it) are made due again; claims this
 * process made since its first claim never are, however old (a paused or
 * slow worker still holds them): looked for at most every
 * OUTBOX_LEASE_CHECK seconds (per process) while claims come back full,
 * and at once when a claim would come back short.
 */
int outbox_claim(struct db *db, int64_t now, struct outbox_row *rows,
                 size_t max, size_t *n, int64_t *dropped, struct err *err);

/*
 * outbox_record - store n results in one transaction: OK -> sent
 * (sent_at, reply); TEMP -> deferred with next_attempt_at = at +
 * OUTBOX_RETRY's delay, or failed when at is past give_up_after since
 * the row was made or retried; BOUNCE -> bounced, the subscription's
 * hard_bounces + 1, and the subscription suspended (status 'bounced', its
 * pending rows dropped) once it reaches [smtp] bounce_limit_unknown_user
 * (for unknown_user) or [smtp] bounce_limit; PERM -> failed; UNCLAIM ->
 * queued as it was.  Only rows in 'sending' change.  *suspended (may be
 * NULL) counts subscriptions suspended.  When the batch bounced a digest,
 * the guard (db_bounce_guard) judges each mailing it bounced mail of, in
 * the same transaction: a list past [bounces] pause_hard_rate pauses
 * before its next claim.
 */
int outbox_record(struct db *db, const struct config *cfg,
                  const struct outbox_result *res, size_t n, int *suspended,
                  struct err *err);

/*
 * outbox_record_claim - outbox_record() of res[0..nres) and then
 * outbox_claim() of up to max rows, in one transaction: a delivery worker
 * stores its results with its next claim, so that there is one commit
 * where there were two (each commit empties the other workers' SQLite
 * page caches).  Either may be empty (nres 0, max 0; with max > 0, rows
 * and n are required).  On failure nothing is stored or claimed.
 * Suspensions are logged, and counted in *suspended, only once the
 * transaction has committed.
 */
int outbox_record_claim(struct db *db, const struct config *cfg,
                        const struct outbox_result *res, size_t nres,
                        int *suspended, int64_t now, struct outbox_row *rows,
                        size_t max, size_t *n, int64_t *dropped,
                        struct err *err);

/* outbox_get - one row by id; 0 found, 1 no such row, -1 error */
int outbox_get(struct db *db, int64_t id, struct outbox_row *out,
               struct err *err);

/* Called once per row by outbox_each(); return 0 to go on, -1 to stop. */
typedef int (*outbox_cb)(const struct outbox_row *row, void *arg,
                         struct err *err);

/* outbox_each - visit rows, newest first; state -1 = every state; limit
 * 0 = no limit */
int outbox_each(struct db *db, int state, size_t limit, outbox_cb cb, void *arg,
                struct err *err);

/* outbox_counts - rows per state, counts[OUTBOX_NSTATE] */
int outbox_counts(struct db *db, int64_t counts[OUTBOX_NSTATE],
                  struct err *err);

/*
 * outbox_retry - re-queue row id (deferred, failed or bounced) or, with
 * id 0, every deferred and failed row: state 'queued', due now, attempts
 * 0, retried_at = now.  *n is how many rows changed.
 */
int outbox_retry(struct db *db, int64_t id, int64_t now, int64_t *n,
                 struct err *err);

/* outbox_purge - delete finished rows (sent, bounced, failed) made before
 * t; *n is how many */
int outbox_purge(struct db *db, int64_t before, int64_t *n, struct err *err);

/* A frozen digest to queue, with the Message-ID it is sent under. */
struct outbox_digest {
    int64_t digest_id;
    char message_id[OUTBOX_MSGID_MAX];
};

/*
 * outbox_enqueue_digests - outbox_enqueue_digest() for v[0..n) in one
 * statement (a freeze pass queues a chunk of digests at once: one
 * statement journal and one plan for the chunk instead of one per
 * digest).  *queued is how many rows were added; a digest that already
 * has a row is left alone.  Every Message-ID is checked first; a bad one
 * queues nothing.  Runs in the caller's transaction if one is open.
 */
int outbox_enqueue_digests(struct db *db, const struct outbox_digest *v,
                           size_t n, int64_t now, int64_t *queued,
                           struct err *err);

#endif
