/* SPDX-License-Identifier: MIT */
/*
 * db_bounce - what the bounce reader needs from the database: the
 * subscription a report is about (by VERP's subscription and issue time,
 * by the original Message-ID, or by a digest's subscription and day), a
 * row per recipient of every report processed (bounce_events), the soft
 * bounces of an address within a window, suspending an address's
 * subscriptions, a mailing's figures, and the guard that pauses a list
 * on them (shared by the bounce reader and the delivery workers).
 *
 * It does not parse mail: bounces.c does.  Every value
 * is bound.
 *
 * Contract: 0 on success, -1 with err; lookups (db_bounce_find_*) return 0
 * when found, 1 when not (out untouched).  Out-parameters are written only
 * on success.
 */
#ifndef PAPERBOY_DB_BOUNCE_H
#define PAPERBOY_DB_BOUNCE_H

#include <stdint.h>

#include "config.h"
#include "db.h"
#include "db_pause.h"
#include "err.h"

/* The subscription a report names, and the mailing it was part of. */
struct db_bounce_target {
    int64_t subscription_id;
    int64_t subscriber_id;
    int64_t list_id;
    int64_t created_at; /* the subscription's; unix seconds */
    char status[16];    /* the subscription's status */
    char email[255];    /* the subscriber's normalised address */
    char day[11];       /* the digest's day (the mailing), or "" for a
                           confirmation or a purged row */
};

/* db_bounce_find_issued - subscription sub_id, with the day of its outbox
 * row issued at issued_at when that row still exists */
int db_bounce_find_issued(struct db *db, int64_t sub_id, int64_t issued_at,
                          struct db_bounce_target *out, struct err *err);
/* db_bounce_find_msgid - the outbox row with this Message-ID ("<...>") */
int db_bounce_find_msgid(struct db *db, const char *msgid,
                         struct db_bounce_target *out, struct err *err);
/* db_bounce_find_digest - the digest of sub_id for day */
int db_bounce_find_digest(struct db *db, int64_t sub_id, const char *day,
                          struct db_bounce_target *out, struct err *err);

/* One recipient of one report. */
struct db_bounce_event {
    const unsigned char *msg_key;       /* 32 bytes: SHA-256 of the report */
    int rcpt_no;                        /* 0.. within the report */
    const char *kind;                   /* hard|soft|complaint|unmatched */
    const char *status;                 /* '5.1.1', 'abuse', or "" */
    const char *format;                 /* 'dsn', 'arf', ... */
    const struct db_bounce_target *tgt; /* NULL when unmatched */
};

/* db_bounce_record - insert the event; *inserted is 0 when this (report,
 * recipient) was recorded before, so its effects must not be repeated */
int db_bounce_record(struct db *db, const struct db_bounce_event *ev,
                     int64_t now, int *inserted, struct err *err);

/* db_bounce_soft_count - soft bounces recorded for subscriber since */
int db_bounce_soft_count(struct db *db, int64_t subscriber_id, int64_t since,
                         int64_t *n, struct err *err);

/* db_bounce_suspend - every pending or confirmed subscription of the
 * subscriber set to bounced and its queued mail dropped; *n (may be NULL)
 * how many */
int db_bounce_suspend(struct db *db, int64_t subscriber_id, int64_t now, int *n,
                      struct err *err);

/* A mailing's figures: digests of one list for one day. */
struct db_mailing {
    int64_t sent;       /* outbox rows sent or bounced at RCPT */
    int64_t hard;       /* bounced at RCPT + hard bounce events */
    int64_t complaints; /* complaint events */
};
int db_bounce_mailing(struct db *db, int64_t list_id, const char *day,
                      struct db_mailing *out, struct err *err);

/* db_bounce_guard - pause list_id when its mailing of day is past
 * [bounces] pause_hard_rate or pause_complaint_rate (once it has
 * pause_min_messages); in the caller's transaction.  *paused is 1 when
 * this call paused the list, with the reason in why; 0 otherwise (not
 * past the limits, no day, or db_pause_set() changed nothing). */
int db_bounce_guard(struct db *db, const struct config *cfg, int64_t list_id,
                    const char *day, int64_t now, int *paused,
                    char why[DB_PAUSE_REASON_MAX], struct err *err);

/* db_bounce_guard_seen - db_bounce_guard(), and the figures it counted
 * into *seen (sent -1 when it counted none: no day, or the mailing's
 * pause was already settled) */
int db_bounce_guard_seen(struct db *db, const struct config *cfg,
                         int64_t list_id, const char *day, int64_t now,
                         int *paused, char why[DB_PAUSE_REASON_MAX],
                         struct db_mailing *seen, struct err *err);

/* db_bounce_totals - events by kind since since: hard, soft, complaint,
 * unmatched (for `bounces stats`) */
int db_bounce_totals(struct db *db, int64_t since, int64_t out[4],
                     struct err *err);

#endif
