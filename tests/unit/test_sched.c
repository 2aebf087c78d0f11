/* SPDX-License-Identifier: MIT */
/*
 * test_sched - the scheduling rules, by walking a simulated clock minute
 * by minute across DST changes, leap days, the date line and downtime,
 * "doing" every job the plan returns and recording it as a run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "schedule.h"
#include "xalloc.h"

/* utc - unix time of a UTC date and time */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
    return tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* A simulated database: the runs done and the sends made. */
struct world {
    struct sched_run *runs;
    size_t nruns, cap;
    struct sched_job sent[512]; /* send jobs done, with when in due_at */
    int64_t sent_at[512];
    size_t nsent;
    int ncollect;
    int collect_fails; /* 1: collects "fail" and are never recorded */
};

/* world_add_run - record a job as done */
static void
world_add_run(struct world *w, const struct sched_job *j)
{
    if (w->nruns == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->runs = xrealloc(w->runs, w->cap * sizeof(*w->runs));
    }
    memset(&w->runs[w->nruns], 0, sizeof(w->runs[0]));
    w->runs[w->nruns].list_id = j->list_id;
    w->runs[w->nruns].kind = j->kind;
    memcpy(w->runs[w->nruns].day, j->day, SCHED_DAY_MAX);
    memcpy(w->runs[w->nruns].zone, j->zone, TZ_NAME_MAX);
    w->nruns++;
}

/* world_tick - plan at now and do what is due, like the daemon's loop */
static void
world_tick(struct world *w, int64_t now, const struct sched_rules *r,
           const struct sched_target *t, size_t nt)
{
    struct sched_plan p;

    sched_plan(now, r, t, nt, w->runs, w->nruns, &p);
    for (size_t i = 0; i < p.njobs; i++) {
        const struct sched_job *j = &p.jobs[i];
        CHECK(j->due_at <= now);
        if (j->kind == SCHED_COLLECT) {
            w->ncollect++;
            if (!w->collect_fails)
                world_add_run(w, j);
            continue;
        }
        /* the daemon plans again after collecting; so does this loop */
    }
    sched_plan_release(&p);
    sched_plan(now, r, t, nt, w->runs, w->nruns, &p);
    for (size_t i = 0; i < p.njobs; i++) {
        const struct sched_job *j = &p.jobs[i];
        if (j->kind != SCHED_SEND || j->blocked)
            continue;
        CHECK(w->nsent < 512);
        if (w->nsent < 512) {
            w->sent[w->nsent] = *j;
            w->sent_at[w->nsent++] = now;
        }
        world_add_run(w, j);
    }
    CHECK(p.next_at > now);
    sched_plan_release(&p);
}

/* world_run - tick every step seconds over [from, to) */
static void
world_run(struct world *w, int64_t from, int64_t to, int64_t step,
          const struct sched_rules *r, const struct sched_target *t, size_t nt)
{
    for (int64_t now = from; now < to; now += step)
        world_tick(w, now, r, t, nt);
}

/* world_prime - a daemon that was running before from: every send due
 * by then is recorded as done, without counting it */
static void
world_prime(struct world *w, int64_t from, const struct sched_rules *r,
            const struct sched_target *t, size_t nt)
{
    struct sched_plan p;

    sched_plan(from, r, t, nt, w->runs, w->nruns, &p);
    for (size_t i = 0; i < p.njobs; i++)
        world_add_run(w, &p.jobs[i]);
    sched_plan_release(&p);
}

/* world_free - release the runs */
static void
world_free(struct world *w)
{
    free(w->runs);
}

/* find_send - index of the send for (zone, day), or -1; counts them */
static int
find_send(const struct world *w, const char *zone, const char *day, int *n)
{
    int found = -1;
    *n = 0;
    for (size_t i = 0; i < w->nsent; i++)
        if (strcmp(w->sent[i].zone, zone) == 0 &&
            strcmp(w->sent[i].day, day) == 0) {
            if (found < 0)
                found = (int)i;
            (*n)++;
        }
    return found;
}

/* load - a zone or die trying */
static struct tz *
load(const char *name)
{
    struct tz *tz = NULL;
    struct err err;

    err_init(&err);
    if (tz_load(name, &tz, &err) == -1) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    return tz;
}

struct dst_case {
    const char *zone;
    int hour, minute; /* send_at */
    const char *day;  /* the day to look at */
    int64_t want;     /* when its send goes out (unix) */
};

/* test_dst - one send per day across DST changes, at the right instant */
static void
test_dst(void)
{
    const struct dst_case cases[] = {
        /* Berlin spring forward 2026-03-29 02:00 -> 03:00 */
        {"Europe/Berlin", 6, 0, "2026-03-28", utc(2026, 3, 28, 5, 0)},
        {"Europe/Berlin", 6, 0, "2026-03-29", utc(2026, 3, 29, 4, 0)},
        {"Europe/Berlin", 6, 0, "2026-03-30", utc(2026, 3, 30, 4, 0)},
        /* send_at inside the gap: 02:30 becomes 03:00 CEST */
        {"Europe/Berlin", 2, 30, "2026-03-29", utc(2026, 3, 29, 1, 0)},
        {"Europe/Berlin", 2, 30, "2026-03-30", utc(2026, 3, 30, 0, 30)},
        /* fall back 2026-10-25: 02:30 happens twice, sent once (first) */
        {"Europe/Berlin", 2, 30, "2026-10-25", utc(2026, 10, 25, 0, 30)},
        {"Europe/Berlin", 2, 30, "2026-10-26", utc(2026, 10, 26, 1, 30)},
        {"America/New_York", 2, 30, "2026-03-08", utc(2026, 3, 8, 7, 0)},
        {"America/New_York", 1, 30, "2026-11-01", utc(2026, 11, 1, 5, 30)},
        {"America/New_York", 6, 0, "2026-11-01", utc(2026, 11, 1, 11, 0)},
        {"America/New_York", 6, 0, "2026-10-31", utc(2026, 10, 31, 10, 0)},
        /* Lord Howe: half-hour DST, 02:00 -> 02:30 on 2026-10-04 */
        {"Australia/Lord_Howe", 2, 15, "2026-10-04", utc(2026, 10, 3, 15, 30)},
        {"Australia/Lord_Howe", 6, 0, "2026-10-04", utc(2026, 10, 3, 19, 0)},
        {"Australia/Lord_Howe", 6, 0, "2026-10-03", utc(2026, 10, 2, 19, 30)},
        /* Chatham +12:45 -> +13:45 on 2026-09-27 at 02:45 */
        {"Pacific/Chatham", 3, 0, "2026-09-27", utc(2026, 9, 26, 14, 0)},
        {"Pacific/Chatham", 6, 0, "2026-09-26", utc(2026, 9, 25, 17, 15)},
        {"Pacific/Chatham", 6, 0, "2026-09-27", utc(2026, 9, 26, 16, 15)},
        /* Kathmandu +05:45 on a leap day */
        {"Asia/Kathmandu", 6, 0, "2028-02-29", utc(2028, 2, 29, 0, 15)},
        {"UTC", 6, 0, "2028-02-29", utc(2028, 2, 29, 6, 0)},
        {"UTC", 6, 0, "2028-03-01", utc(2028, 3, 1, 6, 0)},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct dst_case *c = &cases[i];
        struct tz *tz = load(c->zone);
        struct sched_rules r = {c->hour, c->minute};
        struct sched_target t = {1, "", tz};
        struct world w;
        int n = 0, k;

        memset(&w, 0, sizeof(w));
        /* two days either side of the send, minute by minute */
        world_prime(&w, c->want - 2 * 86400 - 60, &r, &t, 1);
        world_run(&w, c->want - 2 * 86400, c->want + 2 * 86400, 60, &r, &t, 1);
        k = find_send(&w, "", c->day, &n);
        if (n != 1 || k < 0 || w.sent_at[k] != c->want)
            fprintf(stderr, "case %zu: %s %02d:%02d %s: %d sends, at %lld\n", i,
                    c->zone, c->hour, c->minute, c->day, n,
                    k >= 0 ? (long long)w.sent_at[k] : -1LL);
        CHECK_INT_EQ(n, 1);
        if (k >= 0) {
            CHECK_INT_EQ(w.sent_at[k], c->want);
            CHECK_INT_EQ(w.sent[k].due_at, c->want);
        }
        /* four days (give or take a DST hour): one send each, all on
         * different days */
        CHECK(w.nsent >= 3 && w.nsent <= 5);
        for (size_t a = 0; a < w.nsent; a++)
            for (size_t b = a + 1; b < w.nsent; b++)
                CHECK(strcmp(w.sent[a].day, w.sent[b].day) != 0);
        world_free(&w);
        tz_free(tz);
    }
}

/* test_catch_up - downtime: the latest missed day once, never twice */
static void
test_catch_up(void)
{
    struct tz *tz = load("Europe/Berlin");
    struct sched_rules r = {6, 0};
    struct sched_target t = {7, "", tz};
    struct sched_plan p;
    struct world w;
    int n;

    memset(&w, 0, sizeof(w));
    /* running normally on 2026-06-01 (06:00 CEST = 04:00 UTC) */
    world_prime(&w, utc(2026, 5, 31, 23, 59), &r, &t, 1);
    world_run(&w, utc(2026, 6, 1, 0, 0), utc(2026, 6, 1, 12, 0), 60, &r, &t, 1);
    CHECK_INT_EQ(w.nsent, 1);
    CHECK(find_send(&w, "", "2026-06-01", &n) >= 0 && n == 1);
    /* down from 12:00 on June 1st until 10:00 UTC on June 4th */
    world_tick(&w, utc(2026, 6, 4, 10, 0), &r, &t, 1);
    CHECK_INT_EQ(w.nsent, 2);
    CHECK_STR_EQ(w.sent[1].day, "2026-06-04");
    CHECK(find_send(&w, "", "2026-06-02", &n) < 0);
    CHECK(find_send(&w, "", "2026-06-03", &n) < 0);
    /* a restart a minute later (same runs) sends nothing */
    sched_plan(utc(2026, 6, 4, 10, 1), &r, &t, 1, w.runs, w.nruns, &p);
    CHECK_INT_EQ(p.njobs, 0);
    CHECK_INT_EQ(p.next_at, utc(2026, 6, 5, 4, 0));
    sched_plan_release(&p);

    /* down over the send time, back before the next: catch up at once */
    world_tick(&w, utc(2026, 6, 6, 3, 0), &r, &t, 1);
    CHECK_INT_EQ(w.nsent, 3);
    CHECK_STR_EQ(w.sent[2].day, "2026-06-05");
    CHECK_INT_EQ(w.sent_at[2], utc(2026, 6, 6, 3, 0));
    /* and the regular send still happens at 06:00 */
    world_run(&w, utc(2026, 6, 6, 3, 1), utc(2026, 6, 6, 8, 0), 60, &r, &t, 1);
    CHECK_INT_EQ(w.nsent, 4);
    CHECK_STR_EQ(w.sent[3].day, "2026-06-06");
    CHECK_INT_EQ(w.sent_at[3], utc(2026, 6, 6, 4, 0));
    /* many restarts in a row: never a second send for a day */
    for (int i = 0; i < 50; i++)
        world_tick(&w, utc(2026, 6, 6, 8, i), &r, &t, 1);
    CHECK_INT_EQ(w.nsent, 4);
    world_free(&w);
    tz_free(tz);
}

/* test_collect - one collect per list and UTC day, ahead of the sends */
static void
test_collect(void)
{
    struct tz *ber = load("Europe/Berlin"), *ny = load("America/New_York");
    struct tz *kir = load("Pacific/Kiritimati"),
              *pago = load("Pacific/Pago_Pago");
    struct sched_rules r = {6, 0};
    struct sched_target t[] = {
        {1, "", ber},
        {1, "America/New_York", ny},
        {2, "Pacific/Kiritimati", kir},
        {2, "Pacific/Pago_Pago", pago},
    };
    struct sched_plan p;
    struct world w;
    int n, k;

    memset(&w, 0, sizeof(w));
    /* first tick at Berlin's send: the collect comes first, the send is
     * blocked until it is done */
    sched_plan(utc(2026, 1, 14, 5, 0), &r, t, 4, NULL, 0, &p);
    CHECK(p.njobs >= 2);
    CHECK_INT_EQ(p.jobs[0].kind, SCHED_COLLECT);
    CHECK_INT_EQ(p.jobs[p.njobs - 1].kind, SCHED_SEND);
    for (size_t i = 0; i < p.njobs; i++)
        if (p.jobs[i].kind == SCHED_SEND && p.jobs[i].zone[0] == '\0') {
            CHECK_STR_EQ(p.jobs[i].day, "2026-01-14");
            CHECK_INT_EQ(p.jobs[i].blocked, 1);
        } else if (p.jobs[i].kind == SCHED_SEND) {
            /* overdue catch-ups do not wait for their collect */
            CHECK_INT_EQ(p.jobs[i].blocked, 0);
        }
    sched_plan_release(&p);

    world_run(&w, utc(2026, 1, 14, 0, 0), utc(2026, 1, 17, 0, 0), 60, &r, t, 4);
    /* three UTC days, two lists: one collect per list and UTC day (the
     * first tick also catches up the previous day's sends) */
    CHECK(w.ncollect >= 6 && w.ncollect <= 8);
    k = find_send(&w, "", "2026-01-15", &n);
    CHECK(k >= 0 && n == 1);
    if (k >= 0)
        CHECK_INT_EQ(w.sent_at[k], utc(2026, 1, 15, 5, 0));
    k = find_send(&w, "America/New_York", "2026-01-15", &n);
    CHECK(k >= 0 && n == 1);
    if (k >= 0)
        CHECK_INT_EQ(w.sent_at[k], utc(2026, 1, 15, 11, 0));
    /* across the date line: Kiritimati's 16th and Pago Pago's 15th go out
     * an hour apart on the same UTC day and share a collect */
    k = find_send(&w, "Pacific/Kiritimati", "2026-01-16", &n);
    CHECK(k >= 0 && n == 1);
    if (k >= 0) {
        CHECK_INT_EQ(w.sent_at[k], utc(2026, 1, 15, 16, 0));
        CHECK_STR_EQ(w.sent[k].collect_day, "2026-01-15");
    }
    k = find_send(&w, "Pacific/Pago_Pago", "2026-01-15", &n);
    CHECK(k >= 0 && n == 1);
    if (k >= 0) {
        CHECK_INT_EQ(w.sent_at[k], utc(2026, 1, 15, 17, 0));
        CHECK_STR_EQ(w.sent[k].collect_day, "2026-01-15");
    }
    world_free(&w);

    /* collection keeps failing: the send waits SCHED_COLLECT_WAIT, then
     * goes out with what is there */
    memset(&w, 0, sizeof(w));
    w.collect_fails = 1;
    world_run(&w, utc(2026, 1, 14, 4, 0), utc(2026, 1, 14, 8, 0), 60, &r, t, 1);
    CHECK_INT_EQ(w.nsent, 2); /* the 13th caught up (overdue), the 14th */
    k = find_send(&w, "", "2026-01-14", &n);
    CHECK(k >= 0 && n == 1);
    if (k >= 0)
        CHECK_INT_EQ(w.sent_at[k], utc(2026, 1, 14, 5, 0) + SCHED_COLLECT_WAIT);
    CHECK(w.ncollect > 10); /* it kept trying */
    world_free(&w);

    tz_free(ber);
    tz_free(ny);
    tz_free(kir);
    tz_free(pago);
}

/* test_days - day helpers at the edges */
static void
test_days(void)
{
    struct tz *kir = load("Pacific/Kiritimati");
    struct tz *pago = load("Pacific/Pago_Pago");
    struct sched_rules r = {6, 0};
    char day[SCHED_DAY_MAX];
    int64_t t;

    sched_utc_day(utc(2028, 2, 29, 23, 59), day);
    CHECK_STR_EQ(day, "2028-02-29");
    sched_utc_day(-1, day);
    CHECK_STR_EQ(day, "1969-12-31");
    sched_local_day(kir, utc(2027, 12, 31, 10, 0), day);
    CHECK_STR_EQ(day, "2028-01-01");
    sched_local_day(pago, utc(2028, 1, 1, 10, 0), day);
    CHECK_STR_EQ(day, "2027-12-31");
    sched_next_send(kir, &r, utc(2028, 2, 28, 16, 0), &t, day);
    CHECK_STR_EQ(day, "2028-03-01");
    CHECK_INT_EQ(t, utc(2028, 2, 29, 16, 0));
    sched_last_send(pago, &r, utc(2028, 3, 1, 16, 59), &t, day);
    CHECK_STR_EQ(day, "2028-02-29");
    CHECK_INT_EQ(t, utc(2028, 2, 29, 17, 0));
    CHECK_STR_EQ(sched_kind_name(SCHED_COLLECT), "collect");
    CHECK_STR_EQ(sched_kind_name(SCHED_SEND), "send");
    tz_free(kir);
    tz_free(pago);
}

/* test_first_send - the first-digest rule: the first send instant after
 * the confirmation (one confirmed exactly at a send waits for the next),
 * and the send instant of a given local day */
static void
test_first_send(void)
{
    const struct sched_rules r = {6, 0};
    struct tz *tokyo = load("Asia/Tokyo"), *berlin = load("Europe/Berlin");
    const struct {
        struct tz *tz;
        int64_t confirmed_at, want;
        const char *day;
    } cases[] = {
        /* Tokyo 06:00 is 21:00 UTC the day before */
        {tokyo, utc(2026, 6, 1, 20, 59), utc(2026, 6, 1, 21, 0), "2026-06-02"},
        {tokyo, utc(2026, 6, 1, 21, 0), utc(2026, 6, 2, 21, 0), "2026-06-03"},
        {tokyo, utc(2026, 6, 1, 21, 30), utc(2026, 6, 2, 21, 0), "2026-06-03"},
        /* Berlin, the night of the spring-forward change */
        {berlin, utc(2026, 3, 28, 5, 1), utc(2026, 3, 29, 4, 0), "2026-03-29"},
    };
    int64_t t = 0;
    char day[SCHED_DAY_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sched_first_send(cases[i].tz, &r, cases[i].confirmed_at, &t, day);
        CHECK_INT_EQ(t, cases[i].want);
        CHECK_STR_EQ(day, cases[i].day);
        CHECK_INT_EQ(sched_send_of_day(cases[i].tz, &r, cases[i].day, &t), 0);
        CHECK_INT_EQ(t, cases[i].want);
    }
    CHECK_INT_EQ(sched_send_of_day(tokyo, &r, "2026-02-30", &t), -1);
    CHECK_INT_EQ(sched_send_of_day(tokyo, &r, "2026-6-1", &t), -1);
    CHECK_INT_EQ(sched_send_of_day(tokyo, &r, "2026-06-01x", &t), -1);
    tz_free(tokyo);
    tz_free(berlin);
}

int
main(void)
{
    test_first_send();
    test_dst();
    test_catch_up();
    test_collect();
    test_days();
    return CHECK_DONE();
}
