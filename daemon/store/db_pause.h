/* SPDX-License-Identifier: MIT */
/*
 * db_pause - lists whose delivery is held (list_pauses): the bounce and
 * complaint guard pauses a list, `paperboy list resume NAME` continues it,
 * /healthz names the paused lists (db_pause_each).
 *
 * A paused list's mail stays queued: the delivery workers' claim skips
 * it (outbox.c joins list_pauses), and db_pause_set() moves its digests' due
 * times DB_PAUSE_SHIFT seconds ahead so a claim does not even read them;
 * db_pause_clear() moves them back.
 *
 * Contract: 0 on success, -1 with err.  Strings handed to the callback are
 * borrowed for the call.
 */
#ifndef PAPERBOY_DB_PAUSE_H
#define PAPERBOY_DB_PAUSE_H

#include <stdint.h>

#include "db.h"
#include "err.h"

#define DB_PAUSE_SHIFT ((int64_t)1 << 40) /* seconds, ~35,000 years */
#define DB_PAUSE_REASON_MAX 200           /* bytes of a reason with NUL */

/* db_pause_set - pause list_id because of the mailing of day, for
 * reason (truncated).  *added (may be NULL) is 0 when nothing changed:
 * the list is paused already (its first reason is kept), or was paused
 * for this same day and resumed since (an operator has seen that
 * mailing). */
int db_pause_set(struct db *db, int64_t list_id, const char *day,
                 const char *reason, int64_t now, int *added, struct err *err);
/* db_pause_settled - *settled 1 when db_pause_set(list_id, day) would
 * change nothing (the list is paused, or was paused for day and resumed),
 * so the guard need not count the mailing */
int db_pause_settled(struct db *db, int64_t list_id, const char *day,
                     int *settled, struct err *err);
/* db_pause_clear - resume list_id at now; *removed (may be NULL) 0 when
 * it was not paused */
int db_pause_clear(struct db *db, int64_t list_id, int64_t now, int *removed,
                   struct err *err);

/* db_pause_get - list_id's current pause: 0 paused (reason, at most
 * DB_PAUSE_REASON_MAX bytes, and paused_at written), 1 not paused (out
 * untouched), -1 */
int db_pause_get(struct db *db, int64_t list_id,
                 char reason[DB_PAUSE_REASON_MAX], int64_t *paused_at,
                 struct err *err);

typedef int (*db_pause_cb)(void *arg, const char *list_name, const char *reason,
                           int64_t paused_at);
/* db_pause_each - fn once per list paused now, by name; a callback returning
 * -1 stops the walk (db_pause_each then returns -1) */
int db_pause_each(struct db *db, db_pause_cb fn, void *arg, struct err *err);

#endif
