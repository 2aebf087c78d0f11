/* SPDX-License-Identifier: MIT */
/*
 * db_sched - the scheduler's rows: which jobs ran (table sched_runs) and
 * which time zones each list must be served in.  The job kinds and struct
 * sched_run are declared here, with the table they describe; the planner
 * (schedule.h) reads them.
 *
 * Contract: 0 on success, -1 with err filled.  Out-parameters are written
 * only on success.
 */
#ifndef PAPERBOY_DB_SCHED_H
#define PAPERBOY_DB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "tz.h"

#define SCHED_DAY_MAX 11 /* "YYYY-MM-DD" + NUL */

enum sched_kind {
    SCHED_COLLECT = 0, /* fetch the list's sources */
    SCHED_SEND = 1,    /* freeze and queue the digests of one zone */
};

/* sched_kind_name - "collect" or "send" (the sched_runs.job value) */
const char *sched_kind_name(enum sched_kind k);

/* One row of sched_runs: a job done. */
struct sched_run {
    int64_t list_id;
    enum sched_kind kind;
    char day[SCHED_DAY_MAX];
    char zone[TZ_NAME_MAX]; /* "" for collect and for the default zone */
};

/* A list and a zone it is served in ("" = [schedule] timezone). */
struct db_sched_zone {
    int64_t list_id;
    char list_name[65];
    char zone[TZ_NAME_MAX];
};

/*
 * db_sched_zones - every list with zone "", plus each distinct non-empty
 * subscriptions.timezone of its confirmed, non-paused subscriptions,
 * ordered by list name and zone.  *out is an array the caller frees with
 * free(); *n its length.  list_name (NULL = all) restricts to one list.
 */
int db_sched_zones(struct db *db, const char *list_name,
                   struct db_sched_zone **out, size_t *n, struct err *err);

/* A confirmed, non-paused subscription of one list and zone. */
struct db_sched_sub {
    int64_t id;
    int64_t confirmed_at; /* unix seconds */
    int weekday;          /* weekly (schema 060): 0 = Sunday .. 6; daily: -1 */
};

/*
 * db_sched_subs - the confirmed, non-paused subscriptions of list_id whose
 * subscriptions.timezone is zone ("" = the default zone), by id.  *out is
 * an array the caller frees with free(); *n its length.
 */
int db_sched_subs(struct db *db, int64_t list_id, const char *zone,
                  struct db_sched_sub **out, size_t *n, struct err *err);

/* db_sched_runs - the runs with day >= since ("YYYY-MM-DD"); caller frees
 * *out with free() */
int db_sched_runs(struct db *db, const char *since, struct sched_run **out,
                  size_t *n, struct err *err);

/* db_sched_mark - record a job as done at now (a second mark of the same
 * job is a no-op) */
int db_sched_mark(struct db *db, int64_t list_id, enum sched_kind kind,
                  const char *day, const char *zone, int64_t now,
                  struct err *err);

#endif
