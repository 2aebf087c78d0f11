/* SPDX-License-Identifier: MIT */
/*
 * plan - what the next mailing of each list and time zone will be
 * (`paperboy digest plan`): when it goes, to how many subscriptions, how
 * many new papers are in its window and how many subscriptions would get
 * nothing.  It reads the same rows the scheduler does (schedule.h) and
 * freezes each digest inside a transaction it always rolls back, so the
 * figures are those of a real send at the time of asking and the
 * database is left as it was.  It sends nothing and prints nothing.
 *
 * The first-digest rule it shows: a mailing takes the subscriptions
 * confirmed before its scheduled time, even when it goes out late (a
 * catch-up, a new zone, a new list); one confirmed later gets its first
 * digest at the next mailing of its zone (sched_first_send()).  A weekly
 * subscription (schema 060) is in the mailings of its weekday only.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_PLAN_H
#define PAPERBOY_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "db_sched.h"
#include "err.h"
#include "tz.h"

enum plan_state {
    PLAN_SCHEDULED = 0, /* its time is still to come */
    PLAN_DUE = 1,       /* its time has passed and it is not sent: the
                           scheduler sends it at its next pass */
    PLAN_SENT = 2,      /* done (sched_runs) */
    PLAN_MISSED = 3,    /* passed, not sent, and a later day is due: the
                           scheduler never replays it */
};

/* One mailing: a list in a zone on a day. */
struct plan_row {
    char list[65];               /* lists.name */
    char zone[TZ_NAME_MAX];      /* subscriptions.timezone; "" = default */
    char zone_name[TZ_NAME_MAX]; /* the zone it runs in (never "") */
    char day[SCHED_DAY_MAX];     /* the local day of the mailing */
    int64_t at;                  /* its scheduled instant, unix seconds */
    char local[20];              /* at in zone_name: "YYYY-MM-DD HH:MM" */
    enum plan_state state;
    int64_t subscribers;  /* confirmed, not paused, confirmed before at */
    int64_t later;        /* confirmed at or after at: first digest at the
                             zone's next mailing */
    char later_local[20]; /* that next mailing in zone_name, as local */
    int64_t papers;       /* the list's papers first seen since the zone's
                             previous mailing, up to day (collected so far) */
    int64_t papers_week;  /* with weekly subscribers in the mailing: the
                             list's papers first seen since the zone's
                             mailing 7 days before, up to day (a weekly
                             reader's week); else -1 */
    int64_t empty;        /* of subscribers, those whose digest is empty */
    int64_t weekly;       /* of subscribers, weekly ones (their weekday) */
    int64_t other_day;    /* weekly subscriptions whose weekday is another
                             day: not in this mailing, nor in subscribers */
};

/* plan_state_name - "scheduled", "due", "sent" or "missed" */
const char *plan_state_name(enum plan_state s);

/*
 * digest_plan - one row per list (or only list, when not NULL) and zone
 * it is served in, for the next mailing at now or, with day, the mailing
 * of that local day.  *rows is an array the caller frees with free().
 * -1 with err when a list is unknown (ERR_PERM), a zone cannot be loaded
 * or the database fails.
 */
int digest_plan(struct db *db, const struct config *cfg, const char *list,
                const char *day, int64_t now, struct plan_row **rows, size_t *n,
                struct err *err);

/*
 * plan_first_digest - when the first digest of a subscription in zone
 * ("" = [schedule] timezone) confirmed at confirmed_at goes, by the rule
 * above, in that zone: "Tuesday 8 December at 07:00 (Europe/Berlin)"
 * into out.  weekday: a weekly subscription's day (0 = Sunday .. 6), the
 * first mailing on that day; -1 for a daily one.  -1 when the zone
 * cannot be loaded or out is too small.
 */
int plan_first_digest(const struct config *cfg, const char *zone,
                      int64_t confirmed_at, int weekday, char *out, size_t size,
                      struct err *err);

#endif
