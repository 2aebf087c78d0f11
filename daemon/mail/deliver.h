/* SPDX-License-Identifier: MIT */
/*
 * deliver - the delivery workers: [smtp] connections threads that claim
 * due outbox rows, render them (compose.h), hand them to SMTP (smtp.h) or
 * to the maildir (maildir.h) and record the results.
 *
 * Each worker owns its own struct db, struct compose and SMTP session,
 * and reuses the session for many messages.  Workers share only an
 * optional rate limit ([smtp] rate_per_second), a wake-up condition and
 * counters.  The outbox rows are the only source of truth: a worker that
 * dies leaves rows in 'sending', and the next deliver_start() puts them
 * back to 'queued'.
 *
 * Crash safety.  Results are written to SQLite in batches: with the
 * worker's next claim, in the same transaction, or after DELIVER_FLUSH_MS
 * or DELIVER_BATCH results, whichever comes first.  So that a kill -9 between
 * a 250 reply and the batch commit does not send those messages again,
 * each worker appends "id sent_at reply" to a small journal file
 * (<db>-sent<N>, write(2) without fsync: it survives the death of the
 * process) as soon as the server accepted a message; deliver_start()
 * replays the journals before it re-queues rows left in 'sending'.  Only
 * the message each session had in flight at the kill can go out twice,
 * and it carries the same Message-ID.  The journal's disk space is
 * reserved ahead (fallocate), and a worker sends a message only while its
 * journal has room for the line: a worker that can record results neither
 * in SQLite nor in the journal stops (the foreground run ends with the
 * cause in deliver_stats.error; the daemon's worker waits, counted in
 * deliver_stats.paused, retries every second, then hands its claim
 * back); so does a daemon worker whose claim fails.  A claim is never
 * taken back from this process, however long it is held (outbox.h).  One
 * process delivers at a time: deliver_start() takes an exclusive lock on
 * <db>-deliver.lock.
 *
 * Threads: deliver_start() returns at once; deliver_wake() may be called
 * from any thread (the web after queueing a confirmation); deliver_stop()
 * from the thread that started.
 */
#ifndef PAPERBOY_DELIVER_H
#define PAPERBOY_DELIVER_H

#include <stdint.h>

#include "config.h"
#include "err.h"
#include "token.h"

#define DELIVER_BATCH 128     /* results per SQLite transaction, at most */
#define DELIVER_FLUSH_MS 1000 /* and at least this often while sending */
#define DELIVER_STOP_MS 10000 /* deliver_stop() returns within this */

struct deliver;

enum deliver_flags {
    /* workers exit once nothing is due (paperboy send); without it they
     * wait for deliver_wake() or poll every second (the daemon) */
    DELIVER_FOREGROUND = 1 << 0,
    /* with DELIVER_FOREGROUND: something is still queueing (paperboy
     * send freezing while it delivers), so workers that find nothing due
     * wait for deliver_wake() instead of exiting, until deliver_fed() */
    DELIVER_FEEDING = 1 << 1,
};

/* Counters since deliver_start(), summed over the workers. */
struct deliver_stats {
    int64_t delivered;     /* accepted by the server / written to the maildir */
    int64_t deferred;      /* temporary failure, will be retried */
    int64_t bounced;       /* 5xx at RCPT */
    int64_t failed;        /* gave up, or a permanent non-RCPT failure */
    int64_t dropped;       /* not sent: subscription no longer eligible */
    int64_t unstored;      /* results SQLite refused, counted as the workers
                              end: their rows stay 'sending', the accepted
                              ones are in the journals for the next start */
    int running;           /* workers still running */
    int workers;           /* workers started ([smtp] connections) */
    int paused;            /* daemon workers waiting for a result store to
                              work again (database and journal both refuse),
                              or for their claims to work again */
    char store_error[256]; /* why they wait, or "" (for the log: it may
                              name hosts and paths) */
    char paused_code[16];  /* the same as a code: "store_error" (results
                              cannot be recorded), "claim_error" (claims
                              fail), or "" */
    int64_t smtp_down_since; /* unix seconds (str_now) of the first failed
                                SMTP session since the last one that
                                opened, or 0 */
    char smtp_error[256];    /* the latest such failure, or "" */
    char error[256];         /* the session error that stopped a foreground
                                run, or "" */
};

/*
 * deliver_start - lock the delivery, replay journals, re-queue rows left
 * in 'sending', then start cfg->smtp_connections workers.  cfg and key
 * are borrowed and must outlive deliver_stop().  Fails with ERR_TEMP only
 * when another process holds the delivery lock (the daemon is running);
 * every other failure (bad [smtp] url or from, unusable maildir, database
 * error during recovery) is ERR_PERM.  Sets SIGPIPE to SIG_IGN for the process
 * (a peer that closes a session must not kill it).  On success the caller must
 * call deliver_stop().
 */
int deliver_start(const struct config *cfg, const struct token_key *key,
                  int flags, struct deliver **out, struct err *err);

/* deliver_wake - something was queued: idle workers look now */
void deliver_wake(struct deliver *d);

/* deliver_fed - nothing more will be queued (DELIVER_FEEDING): foreground
 * workers exit once nothing is due */
void deliver_fed(struct deliver *d);

/* deliver_stats - a snapshot of the counters */
void deliver_stats(struct deliver *d, struct deliver_stats *out);

/* deliver_done - 1 when every worker has exited (foreground mode: the
 * queue has nothing due) */
int deliver_done(struct deliver *d);

/*
 * deliver_stop - stop claiming, finish the messages in flight, put
 * claimed but unsent rows back, flush results, join the workers and free
 * d.  Returns within DELIVER_STOP_MS: a session still blocked after that
 * is shut down (its message is recorded as deferred).  NULL is fine.
 */
void deliver_stop(struct deliver *d);

/* deliver_finish - deliver_stop() that also reports the final counters
 * in *out (may be NULL) */
void deliver_finish(struct deliver *d, struct deliver_stats *out);

#endif
