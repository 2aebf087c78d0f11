/* SPDX-License-Identifier: MIT */
/*
 * db_export - everything the database holds about one subscriber, as the
 * JSON document "download my data" and `subscriber export-data` give out,
 * and the row counts `subscriber erase` reports.
 *
 * The document is built by SQLite's JSON functions in one query (so
 * every string is escaped by the library that stores it), and holds: the
 * address, name and creation time; each subscription with its list,
 * status and preferences; its votes (liked papers are vote 1) and
 * vote requests (papers named on the preferences page, not fetched yet); every
 * digest with its day, when it was made and sent, and its papers in rank
 * order.  Times are ISO 8601 UTC.  It does not decide who may read it
 * (web/ checks the token, cli/ is the operator) nor delete anything
 * (subs/ erases).  Layer: store.
 *
 * Contract: 0 on success, 1 when there is no subscriber with this
 * address (out untouched), -1 with err on failure.
 */
#ifndef PAPERBOY_DB_EXPORT_H
#define PAPERBOY_DB_EXPORT_H

#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "err.h"

#define DB_EXPORT_MAX (64u << 20) /* bytes of one document */

/* db_export_subscriber - the JSON document of the subscriber with this
 * normalised address (case-insensitive), exported at now, appended to
 * out; ERR_PERM when it exceeds out's limit */
int db_export_subscriber(struct db *db, const char *email, int64_t now,
                         struct buf *out, struct err *err);

/* Rows that belong to one subscriber, by table. */
struct db_export_counts {
    int64_t subscriptions; /* subscriptions rows */
    int64_t digests;       /* digests of those subscriptions */
    int64_t digest_items;  /* papers in those digests */
    int64_t votes;         /* votes of those subscriptions */
    int64_t vote_requests; /* their papers waiting for arXiv */
    int64_t outbox;        /* queued and sent mail rows */
};

/* db_export_counts - how many rows of each table belong to subscriber
 * subscriber_id (a subscribers.id) */
int db_export_counts(struct db *db, int64_t subscriber_id,
                     struct db_export_counts *out, struct err *err);

#endif
