/* SPDX-License-Identifier: MIT */
/*
 * db_freeze - the SQL of a freeze pass, read in chunks: the lists a pass
 * covers, a chunk of a list's confirmed subscriptions with what freezing
 * needs (their previous digest, the day's digest if one is frozen), and
 * the papers of the chunk's recent digests.  Each is one query per chunk
 * of subscriptions, found through an index (unit.hot_plans checks the
 * plans), so a pass reads each subscription once and no query runs per
 * subscriber here.  The writes go through db_digest.h and outbox.h.
 *
 * Out-parameters are written only on success; arrays are the caller's to
 * free with free().
 */
#ifndef PAPERBOY_DB_FREEZE_H
#define PAPERBOY_DB_FREEZE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "db_digest.h"
#include "err.h"

/* db_freeze_lists - ids of the lists named list_name (NULL: every list),
 * ascending */
int db_freeze_lists(struct db *db, const char *list_name, int64_t **ids,
                    size_t *n, struct err *err);

/* A subscription of a chunk. */
struct db_freeze_sub {
    struct db_digest_sub sub;
    int64_t prev;      /* created_at of its latest digest before day; 0 none */
    int64_t digest_id; /* its digest of day, already frozen; 0 none */
};

/*
 * db_freeze_subs - up to max confirmed, non-paused subscriptions of list
 * list_id with id > after, ascending, in zone (exact
 * subscriptions.timezone; NULL = any zone), confirmed before
 * confirmed_before when it is > 0, with prev and digest_id for day.
 * A weekly subscription (schema 060) is read only when day is its
 * weekday.  *n < max means the list is done.
 */
int db_freeze_subs(struct db *db, int64_t list_id, const char *zone,
                   int64_t confirmed_before, const char *day, int64_t after,
                   size_t max, struct db_freeze_sub **out, size_t *n,
                   struct err *err);

/* A paper in a subscription's digest. */
struct db_freeze_sent {
    int64_t sub_id;   /* subscriptions.id */
    int64_t paper_id; /* papers.id */
};

/*
 * db_freeze_sent - the papers of the digests of day since_day or later of
 * subscriptions lo..hi (ids), sorted by subscription, then paper.
 */
int db_freeze_sent(struct db *db, int64_t lo, int64_t hi, const char *since_day,
                   struct db_freeze_sent **out, size_t *n, struct err *err);

/*
 * db_freeze_tune - set the connection's page cache to cache_kib KiB (the
 * previous setting, as PRAGMA cache_size gives it, into *old) and keep
 * statement journals in memory.  A pass inserts digest_items rows spread
 * over the whole digest_items_paper index (one insertion point per
 * paper): with SQLite's 2 MB default those pages are read and written
 * back again and again.  db_freeze_untune(db, old) puts the cache back.
 */
int db_freeze_tune(struct db *db, int cache_kib, int64_t *old, struct err *err);
void db_freeze_untune(struct db *db, int64_t old);

#endif
