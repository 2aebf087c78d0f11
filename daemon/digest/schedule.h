/* SPDX-License-Identifier: MIT */
/*
 * sched (schedule.h) - what is due: a pure function of the time now, the
 * schedule in the config and the runs already done.  No I/O, no clock, no
 * database; the daemon (daemon.c) and `paperboy run` feed it and act on the
 * plan.
 *
 * The rules:
 *   - Each list sends once a day at [schedule] send_at.  A "target" is a
 *     list and a time zone: the [schedule] timezone (zone "") and every
 *     distinct zone its subscriptions chose.  The send of target (L, Z)
 *     for local day D is due at send_at on D in Z; a time skipped by a
 *     spring-forward change means the first instant after the gap, a time
 *     that happens twice means its first occurrence (tz.h).
 *   - Only the latest due day counts: after downtime the missed send is
 *     made once when the daemon starts (catch-up), older missed days are
 *     not replayed, and a send recorded in sched_runs (list, 'send', day,
 *     zone) is never made again.
 *   - Collection runs ahead of the first send it serves: a send due at
 *     instant T needs the list's collect keyed by T's UTC date, which is
 *     due with the earliest such send.  So a list collects about once per
 *     UTC day however many zones it serves, and a send made right after
 *     its collect sees fresh papers.  A send waits for its collect
 *     (blocked) for at most SCHED_COLLECT_WAIT seconds; after that it goes
 *     out with whatever papers are there.
 *   - Whether an empty day sends anything is not decided here: digest
 *     freezing returns no digest when nothing new matched and [digest]
 *     when_empty = skip.
 * It uses tz.
 */
#ifndef PAPERBOY_SCHED_H
#define PAPERBOY_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "db_sched.h" /* enum sched_kind, struct sched_run */
#include "tz.h"

#define SCHED_COLLECT_WAIT 3600 /* seconds a send waits for its collect */

/* One list in one zone. */
struct sched_target {
    int64_t list_id;
    const char *zone;    /* "" = [schedule] timezone, else an IANA name */
    const struct tz *tz; /* that zone, loaded; borrowed */
};

/* One job that is due now. */
struct sched_job {
    enum sched_kind kind;
    int64_t list_id;
    char day[SCHED_DAY_MAX]; /* send: local day in zone; collect: UTC day */
    char zone[TZ_NAME_MAX];  /* send: the target's zone; collect: "" */
    int64_t due_at;          /* unix seconds the job became due */
    int blocked;             /* send only: its collect is not done yet and
                                SCHED_COLLECT_WAIT has not passed */
    char collect_day[SCHED_DAY_MAX]; /* send only: the collect it needs */
};

struct sched_plan {
    struct sched_job *jobs; /* collects first, then sends, each by due_at */
    size_t njobs;
    int64_t next_at; /* earliest send instant after now over all targets */
};

/* The schedule itself. */
struct sched_rules {
    int send_hour;   /* 0..23, [schedule] send_at */
    int send_minute; /* 0..59 */
};

/*
 * sched_plan - the jobs due at now for targets, given the runs done.
 * Pass every run of the last few days (runs older than now - 3 days are
 * never consulted).  Fills out; release with sched_plan_release().
 */
void sched_plan(int64_t now, const struct sched_rules *rules,
                const struct sched_target *targets, size_t ntargets,
                const struct sched_run *runs, size_t nruns,
                struct sched_plan *out);

/* sched_plan_release - free the job array; out may be reused */
void sched_plan_release(struct sched_plan *p);

/*
 * sched_last_send - the latest send instant <= now in tz: *due_at and its
 * local day ("YYYY-MM-DD").  sched_next_send - the first one > now.
 */
void sched_last_send(const struct tz *tz, const struct sched_rules *rules,
                     int64_t now, int64_t *due_at, char day[SCHED_DAY_MAX]);
void sched_next_send(const struct tz *tz, const struct sched_rules *rules,
                     int64_t now, int64_t *due_at, char day[SCHED_DAY_MAX]);

/* sched_send_of_day - the send instant of local day ("YYYY-MM-DD") in tz;
 * -1 when day is not a date */
int sched_send_of_day(const struct tz *tz, const struct sched_rules *rules,
                      const char *day, int64_t *due_at);

/*
 * sched_first_send - the first digest of a subscription confirmed at
 * confirmed_at in tz: the first send instant after it (the rule: a
 * mailing takes the subscriptions confirmed before its time, even when
 * it goes out late; send_filter.confirmed_before).
 */
void sched_first_send(const struct tz *tz, const struct sched_rules *rules,
                      int64_t confirmed_at, int64_t *due_at,
                      char day[SCHED_DAY_MAX]);

/* sched_utc_day - the UTC date of unix time t as "YYYY-MM-DD" */
void sched_utc_day(int64_t t, char day[SCHED_DAY_MAX]);

/* sched_local_day - the date in tz at unix time t as "YYYY-MM-DD" */
void sched_local_day(const struct tz *tz, int64_t t, char day[SCHED_DAY_MAX]);

#endif
