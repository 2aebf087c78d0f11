/* SPDX-License-Identifier: MIT */
/*
 * plan - the next mailing of each list and zone (see plan.h).
 *
 * Which mailing is "next" follows sched_plan(): the latest send instant
 * that has passed, while it is not recorded in sched_runs, else the next
 * one.  Digests are frozen PLAN_CHUNK subscriptions per transaction, each
 * rolled back, so a large list does not hold the write lock for long.
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_digest.h"
#include "db_list.h"
#include "digest.h"
#include "schedule.h"
#include "str.h"
#include "xalloc.h"

#define PLAN_CHUNK 200 /* subscriptions frozen per rolled-back transaction */

const char *
plan_state_name(enum plan_state s)
{
    static const char *const names[] = {"scheduled", "due", "sent", "missed"};
    return (unsigned)s < 4 ? names[s] : "?";
}

/* plan_done - 1 if runs hold the send of (list_id, day, zone) */
static int
plan_done(const struct sched_run *runs, size_t nruns, int64_t list_id,
          const char *day, const char *zone)
{
    for (size_t i = 0; i < nruns; i++)
        if (runs[i].list_id == list_id && runs[i].kind == SCHED_SEND &&
            strcmp(runs[i].day, day) == 0 && strcmp(runs[i].zone, zone) == 0)
            return 1;
    return 0;
}

/* plan_when - the mailing of row r (at, day, state) at now or on day */
static int
plan_when(struct plan_row *r, int64_t list_id, const struct tz *tz,
          const struct sched_rules *rules, const char *day, int64_t now,
          const struct sched_run *runs, size_t nruns, struct err *err)
{
    int64_t last;
    char lday[SCHED_DAY_MAX];

    sched_last_send(tz, rules, now, &last, lday);
    if (day == NULL) {
        if (!plan_done(runs, nruns, list_id, lday, r->zone)) {
            r->at = last;
            memcpy(r->day, lday, sizeof(r->day));
            r->state = PLAN_DUE;
        } else {
            sched_next_send(tz, rules, now, &r->at, r->day);
            r->state = PLAN_SCHEDULED;
        }
        return 0;
    }
    if (sched_send_of_day(tz, rules, day, &r->at) == -1) {
        err_set(err, ERR_PERM, "bad day '%s' (want YYYY-MM-DD)", day);
        return -1;
    }
    str_copy(r->day, sizeof(r->day), day);
    if (plan_done(runs, nruns, list_id, day, r->zone))
        r->state = PLAN_SENT;
    else if (r->at > now)
        r->state = PLAN_SCHEDULED;
    else
        r->state = strcmp(day, lday) == 0 ? PLAN_DUE : PLAN_MISSED;
    return 0;
}

/* plan_count - the list's papers first seen after since, up to day */
static int
plan_count(struct db *db, const struct db_list *l, int64_t since,
           const char *day, int64_t *out, struct err *err)
{
    struct db_digest_sub sub;
    struct db_digest_cand *c = NULL;
    size_t n = 0;

    memset(&sub, 0, sizeof(sub));
    sub.list_id = l->id;
    str_copy(sub.list_name, sizeof(sub.list_name), l->name);
    str_copy(sub.list_categories, sizeof(sub.list_categories), l->categories);
    sub.include_hf = l->include_hf;
    sub.include_replacements = l->include_replacements;
    if (db_digest_list_candidates(db, &sub, since, day, &c, &n, err) == -1)
        return -1;
    db_digest_cands_free(c, n);
    *out = (int64_t)n;
    return 0;
}

/* plan_papers - the list's papers first seen in the row's window */
static int
plan_papers(struct db *db, const struct db_list *l, struct plan_row *r,
            const struct tz *tz, const struct sched_rules *rules,
            struct err *err)
{
    char pday[SCHED_DAY_MAX];
    int64_t prev;

    sched_last_send(tz, rules, r->at - 1, &prev, pday);
    return plan_count(db, l, prev, r->day, &r->papers, err);
}

/* plan_papers_week - with weekly subscribers in the row: the list's
 * papers first seen since the zone's mailing of the day 7 days before
 * (a weekly reader's previous digest), else -1 */
static int
plan_papers_week(struct db *db, const struct db_list *l, struct plan_row *r,
                 const struct tz *tz, const struct sched_rules *rules,
                 struct err *err)
{
    char wday[SCHED_DAY_MAX];
    int64_t prev;
    time_t day0;

    r->papers_week = -1;
    if (r->weekly == 0)
        return 0;
    if (str_day_to_time(r->day, &day0) == -1) {
        err_set(err, ERR_PERM, "bad day '%s' (want YYYY-MM-DD)", r->day);
        return -1;
    }
    str_format_day(day0 - DIGEST_WEEK_DAYS * 86400, wday, sizeof(wday));
    if (sched_send_of_day(tz, rules, wday, &prev) == -1) {
        err_set(err, ERR_PERM, "bad day '%s'", wday);
        return -1;
    }
    return plan_count(db, l, prev, r->day, &r->papers_week, err);
}

/* plan_subs - count the row's subscriptions and freeze theirs (rolled
 * back) to count the empty ones; a weekly one on another weekday is
 * counted apart and not frozen (db_freeze_subs skips it the same way) */
static int
plan_subs(struct db *db, const struct config *cfg, int64_t list_id,
          struct plan_row *r, struct err *err)
{
    struct db_sched_sub *subs = NULL;
    struct digest_batch *b[2] = {NULL, NULL}; /* daily, weekly: their windows */
    size_t n = 0, i = 0, done = 0;
    int rc = -1, wday = digest_weekday_of(r->day);

    if (db_sched_subs(db, list_id, r->zone, &subs, &n, err) == -1)
        return -1;
    b[0] = digest_batch_new();
    b[1] = digest_batch_new();
    while (i < n) {
        if (db_begin(db, err) == -1)
            goto out;
        for (done = 0; i < n && done < PLAN_CHUNK; i++) {
            int64_t id = 0;
            if (subs[i].weekday >= 0 && subs[i].weekday != wday) {
                r->other_day++;
                continue;
            }
            if (subs[i].confirmed_at >= r->at) {
                r->later++;
                continue;
            }
            r->subscribers++;
            r->weekly += subs[i].weekday >= 0;
            done++;
            if (digest_freeze_batch(b[subs[i].weekday >= 0], db, cfg,
                                    subs[i].id, r->day, &id, err) == -1) {
                db_rollback(db);
                goto out;
            }
            if (id == 0)
                r->empty++;
        }
        db_rollback(db);
    }
    rc = 0;
out:
    digest_batch_free(b[0]);
    digest_batch_free(b[1]);
    free(subs);
    return rc;
}

/* plan_local - t in tz as "YYYY-MM-DD HH:MM" */
static void
plan_local(const struct tz *tz, int64_t t, char *out, size_t size)
{
    struct tz_local lt;

    tz_utc_to_local(tz, t, &lt);
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day,
             lt.hour, lt.minute);
}

/* plan_row_fill - one row for zone z */
static int
plan_row_fill(struct db *db, const struct config *cfg,
              const struct db_sched_zone *z, const char *day, int64_t now,
              const struct sched_run *runs, size_t nruns, struct plan_row *r,
              struct err *err)
{
    const struct sched_rules rules = {cfg->send_hour, cfg->send_minute};
    struct tz *tz = NULL;
    struct db_list l;
    char nday[SCHED_DAY_MAX];
    int64_t next;
    int found, rc = -1;

    memset(r, 0, sizeof(*r));
    str_copy(r->list, sizeof(r->list), z->list_name);
    str_copy(r->zone, sizeof(r->zone), z->zone);
    str_copy(r->zone_name, sizeof(r->zone_name),
             z->zone[0] ? z->zone : cfg->timezone);
    if (tz_load(r->zone_name, &tz, err) == -1)
        return -1;
    found = db_list_get(db, z->list_name, &l, err);
    if (found == 1)
        err_set(err, ERR_PERM, "no list named '%s'", z->list_name);
    if (found != 0)
        goto out;
    if (plan_when(r, z->list_id, tz, &rules, day, now, runs, nruns, err) ==
            -1 ||
        plan_papers(db, &l, r, tz, &rules, err) == -1 ||
        plan_subs(db, cfg, z->list_id, r, err) == -1 ||
        plan_papers_week(db, &l, r, tz, &rules, err) == -1)
        goto out;
    plan_local(tz, r->at, r->local, sizeof(r->local));
    sched_first_send(tz, &rules, r->at, &next, nday);
    plan_local(tz, next, r->later_local, sizeof(r->later_local));
    rc = 0;
out:
    tz_free(tz);
    return rc;
}

int
digest_plan(struct db *db, const struct config *cfg, const char *list,
            const char *day, int64_t now, struct plan_row **rows, size_t *n,
            struct err *err)
{
    struct db_sched_zone *zones = NULL;
    struct sched_run *runs = NULL;
    struct plan_row *v = NULL;
    size_t nz = 0, nruns = 0;
    char since[SCHED_DAY_MAX];
    int rc = -1;

    if (list != NULL) {
        struct db_list l;
        int found = db_list_get(db, list, &l, err);
        if (found == 1)
            err_set(err, ERR_PERM, "no list named '%s'", list);
        if (found != 0)
            return -1;
    }
    if (db_sched_zones(db, list, &zones, &nz, err) == -1)
        return -1;
    /* the runs that can matter: from two days before the mailing's day */
    sched_utc_day(now - 3 * 86400, since);
    if (day != NULL && strcmp(day, since) < 0)
        str_copy(since, sizeof(since), day);
    if (db_sched_runs(db, since, &runs, &nruns, err) == -1)
        goto out;
    v = xcalloc(nz ? nz : 1, sizeof(*v));
    for (size_t i = 0; i < nz; i++)
        if (plan_row_fill(db, cfg, &zones[i], day, now, runs, nruns, &v[i],
                          err) == -1)
            goto out;
    *rows = v;
    *n = nz;
    v = NULL;
    rc = 0;
out:
    free(v);
    free(runs);
    free(zones);
    return rc;
}

int
plan_first_digest(const struct config *cfg, const char *zone,
                  int64_t confirmed_at, int weekday, char *out, size_t size,
                  struct err *err)
{
    const struct sched_rules rules = {cfg->send_hour, cfg->send_minute};
    const char *name = zone != NULL && *zone ? zone : cfg->timezone;
    struct tz *tz = NULL;
    struct tz_local lt;
    char day[SCHED_DAY_MAX];
    int64_t at;
    int n;

    if (tz_load(name, &tz, err) == -1)
        return -1;
    sched_first_send(tz, &rules, confirmed_at, &at, day);
    tz_utc_to_local(tz, at, &lt);
    /* a weekly subscription: the first mailing on its day (a week of
     * mailings holds one, whatever the zone's clock changes do) */
    for (int i = 0; i < 8 && weekday >= 0 && lt.wday % 7 != weekday; i++) {
        sched_next_send(tz, &rules, at, &at, day);
        tz_utc_to_local(tz, at, &lt);
    }
    tz_free(tz);
    n = snprintf(out, size, "%s %d %s at %02d:%02d (%s)",
                 str_weekday_name(lt.wday % 7), lt.day,
                 str_month_name((lt.month - 1) % 12), lt.hour, lt.minute, name);
    if (n < 0 || (size_t)n >= size) {
        err_set(err, ERR_PERM, "plan: first-digest text too long");
        return -1;
    }
    return 0;
}
