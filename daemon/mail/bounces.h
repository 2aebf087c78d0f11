/* SPDX-License-Identifier: MIT */
/*
 * bounces - what a bounce or complaint does: read the bounce mailbox
 * (bounce_mailbox.c), parse each message (bounce_parse.c), find the
 * subscription it is about, record it, act, and only then delete it.
 *
 * Matching: each address the report was sent to (and an ARF's
 * Original-Mail-From, the original's Return-Path) is tried as a VERP
 * address (verp_parse: the MAC must match, and the subscription must have
 * been created at or before the address's issue time); else the
 * original's Message-ID, as an outbox row or, for a purged row, as the
 * Message-ID compose.c derives from the token key (its MAC checked).
 *
 * Effects, in one transaction per message with the report's rows in
 * bounce_events (keyed by the message's SHA-256, so a message processed
 * twice, after a crash between the commit and the delete, counts once):
 *   - a permanent failure (5.x.x) suppresses the address (db_suppress) and
 *     suspends all its subscriptions (status bounced, queued mail dropped);
 *   - a temporary failure counts; [bounces] soft_limit of them within
 *     soft_window suspend and suppress the address likewise;
 *   - a complaint unsubscribes the subscription the mail was for, as the
 *     web's unsubscribe link does (db_sub_set_status + outbox_drop_pending;
 *     the subs module takes this over), and is counted;
 *   - the guard: when the mailing's (list, day) hard bounces pass [bounces]
 *     pause_hard_rate or its complaints pause_complaint_rate percent of
 *     what was sent, with at least pause_min_messages sent, the list is
 *     paused (db_pause) until `paperboy list resume NAME`.
 * Messages that are not reports are left in the mailbox.
 *
 * Contract: 0 on success, -1 with err; a failure stops the pass, and what
 * was not committed stays in the mailbox for the next.
 */
#ifndef PAPERBOY_BOUNCES_H
#define PAPERBOY_BOUNCES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "token.h"

/* What a pass did (added to, never reset, by the functions below). */
struct bounces_stats {
    int messages;     /* messages looked at */
    int hard;         /* permanent failures recorded */
    int soft;         /* temporary failures recorded */
    int complaints;   /* complaints recorded */
    int unmatched;    /* reports naming no subscription of ours */
    int repeated;     /* reports recorded before (processed twice) */
    int suppressed;   /* addresses newly suppressed */
    int suspended;    /* subscriptions set to bounced */
    int unsubscribed; /* subscriptions unsubscribed by complaints */
    int paused;       /* lists paused by the guard */
    int ignored;      /* not reports: left in the mailbox */
    int too_big;      /* over BOUNCE_MSG_MAX: left in the mailbox */
    int deleted;      /* removed from the mailbox */
};

/* bounces_process - one message; *report is 1 when it was a report (its
 * result committed: the caller may delete it), 0 when not */
int bounces_process(struct db *db, const struct config *cfg,
                    const struct token_key *key, const char *msg, size_t len,
                    int64_t now, struct bounces_stats *st, int *report,
                    struct err *err);

/* bounces_fetch - one pass over [bounces] mailbox */
int bounces_fetch(struct db *db, const struct config *cfg,
                  const struct token_key *key, int64_t now,
                  struct bounces_stats *st, struct err *err);

/* bounces_summary - one line saying what st counts, into out */
void bounces_summary(const struct bounces_stats *st, char *out, size_t size);

#endif
