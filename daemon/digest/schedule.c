/* SPDX-License-Identifier: MIT */
/*
 * sched - the scheduling rules as a pure function (see schedule.h).
 * The file is not called sched.c/sched.h: -Idaemon would make that header
 * shadow libc's <sched.h>, which <pthread.h> includes.
 *
 * Everything here is arithmetic on the arguments: the same now, rules,
 * targets and runs always give the same plan, which is what lets the unit
 * test walk a simulated clock across DST changes and downtime.
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

/* sched_format_day - "YYYY-MM-DD" */
static void
sched_format_day(int64_t y, int m, int d, char day[SCHED_DAY_MAX])
{
    snprintf(day, SCHED_DAY_MAX, "%04d-%02d-%02d", (int)y, m, d);
}

void
sched_utc_day(int64_t t, char day[SCHED_DAY_MAX])
{
    int64_t days = t / 86400, y;
    int m, d;

    if (t % 86400 < 0)
        days--;
    tz_civil_from_days(days, &y, &m, &d);
    sched_format_day(y, m, d, day);
}

void
sched_local_day(const struct tz *tz, int64_t t, char day[SCHED_DAY_MAX])
{
    struct tz_local lt;

    tz_utc_to_local(tz, t, &lt);
    sched_format_day(lt.year, lt.month, lt.day, day);
}

/* sched_send_on - the send instant on local date days (since the epoch) */
static int64_t
sched_send_on(const struct tz *tz, const struct sched_rules *r, int64_t days,
              char day[SCHED_DAY_MAX])
{
    int64_t y, t = 0;
    int m, d;

    tz_civil_from_days(days, &y, &m, &d);
    sched_format_day(y, m, d, day);
    if (tz_local_to_utc(tz, (int)y, m, d, r->send_hour, r->send_minute, &t,
                        NULL) == -1)
        BUG("sched: bad send time %02d:%02d on %s", r->send_hour,
            r->send_minute, day);
    return t;
}

/* sched_today - days since the epoch of the local date at now */
static int64_t
sched_today(const struct tz *tz, int64_t now)
{
    struct tz_local lt;

    tz_utc_to_local(tz, now, &lt);
    return tz_days_from_civil(lt.year, lt.month, lt.day);
}

void
sched_last_send(const struct tz *tz, const struct sched_rules *rules,
                int64_t now, int64_t *due_at, char day[SCHED_DAY_MAX])
{
    int64_t days = sched_today(tz, now);
    int64_t t = sched_send_on(tz, rules, days, day);

    /* a zone that skipped a whole day (Samoa 2011) may need two steps */
    for (int i = 0; i < 3 && t > now; i++)
        t = sched_send_on(tz, rules, --days, day);
    *due_at = t;
}

void
sched_next_send(const struct tz *tz, const struct sched_rules *rules,
                int64_t now, int64_t *due_at, char day[SCHED_DAY_MAX])
{
    int64_t days = sched_today(tz, now);
    int64_t t = sched_send_on(tz, rules, days, day);

    for (int i = 0; i < 3 && t <= now; i++)
        t = sched_send_on(tz, rules, ++days, day);
    *due_at = t;
}

int
sched_send_of_day(const struct tz *tz, const struct sched_rules *rules,
                  const char *day, int64_t *due_at)
{
    int y, m, d;
    char end;

    if (strlen(day) != 10 ||
        sscanf(day, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 ||
        tz_local_to_utc(tz, y, m, d, rules->send_hour, rules->send_minute,
                        due_at, NULL) == -1)
        return -1;
    return 0;
}

void
sched_first_send(const struct tz *tz, const struct sched_rules *rules,
                 int64_t confirmed_at, int64_t *due_at, char day[SCHED_DAY_MAX])
{
    sched_next_send(tz, rules, confirmed_at, due_at, day);
}

/* sched_done - 1 if runs hold (list, kind, day, zone) */
static int
sched_done(const struct sched_run *runs, size_t nruns, int64_t list_id,
           enum sched_kind kind, const char *day, const char *zone)
{
    for (size_t i = 0; i < nruns; i++)
        if (runs[i].list_id == list_id && runs[i].kind == kind &&
            strcmp(runs[i].day, day) == 0 && strcmp(runs[i].zone, zone) == 0)
            return 1;
    return 0;
}

/* sched_add - append a zeroed job to the plan */
static struct sched_job *
sched_add(struct sched_plan *p, size_t *cap)
{
    if (p->njobs == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        p->jobs = xrealloc(p->jobs, *cap * sizeof(*p->jobs));
    }
    memset(&p->jobs[p->njobs], 0, sizeof(p->jobs[0]));
    return &p->jobs[p->njobs++];
}

/* sched_cmp - collects before sends, then by due time, list and zone */
static int
sched_cmp(const void *a, const void *b)
{
    const struct sched_job *x = a, *y = b;

    if (x->kind != y->kind)
        return x->kind == SCHED_COLLECT ? -1 : 1;
    if (x->due_at != y->due_at)
        return x->due_at < y->due_at ? -1 : 1;
    if (x->list_id != y->list_id)
        return x->list_id < y->list_id ? -1 : 1;
    return strcmp(x->zone, y->zone);
}

void
sched_plan(int64_t now, const struct sched_rules *rules,
           const struct sched_target *targets, size_t ntargets,
           const struct sched_run *runs, size_t nruns, struct sched_plan *out)
{
    size_t cap = 0, nsends;

    memset(out, 0, sizeof(*out));
    out->next_at = INT64_MAX;
    for (size_t i = 0; i < ntargets; i++) {
        const struct sched_target *tg = &targets[i];
        const char *zone = tg->zone ? tg->zone : "";
        char day[SCHED_DAY_MAX];
        int64_t due, next;
        struct sched_job *j;

        sched_next_send(tg->tz, rules, now, &next, day);
        if (next < out->next_at)
            out->next_at = next;
        sched_last_send(tg->tz, rules, now, &due, day);
        if (sched_done(runs, nruns, tg->list_id, SCHED_SEND, day, zone))
            continue;
        j = sched_add(out, &cap);
        j->kind = SCHED_SEND;
        j->list_id = tg->list_id;
        memcpy(j->day, day, sizeof(j->day));
        snprintf(j->zone, sizeof(j->zone), "%s", zone);
        j->due_at = due;
        sched_utc_day(due, j->collect_day);
    }

    /* the collects the due sends need, one per list and UTC day */
    nsends = out->njobs;
    for (size_t i = 0; i < nsends; i++) {
        struct sched_job *s = &out->jobs[i], *c = NULL;
        int64_t list_id = s->list_id;
        char cday[SCHED_DAY_MAX];
        int64_t due = s->due_at;

        if (sched_done(runs, nruns, list_id, SCHED_COLLECT, s->collect_day, ""))
            continue;
        s->blocked = now - s->due_at < SCHED_COLLECT_WAIT;
        memcpy(cday, s->collect_day, sizeof(cday));
        for (size_t k = nsends; k < out->njobs; k++)
            if (out->jobs[k].list_id == list_id &&
                strcmp(out->jobs[k].day, cday) == 0)
                c = &out->jobs[k];
        if (c == NULL) {
            c = sched_add(out, &cap); /* may move the array: s is stale */
            c->kind = SCHED_COLLECT;
            c->list_id = list_id;
            memcpy(c->day, cday, sizeof(c->day));
            c->due_at = due;
        } else if (due < c->due_at) {
            c->due_at = due;
        }
    }
    if (out->njobs > 1)
        qsort(out->jobs, out->njobs, sizeof(out->jobs[0]), sched_cmp);
}

void
sched_plan_release(struct sched_plan *p)
{
    free(p->jobs);
    memset(p, 0, sizeof(*p));
}
