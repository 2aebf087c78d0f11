/* SPDX-License-Identifier: MIT */
/*
 * test_tz - the TZif reader against fixed cases (DST in both directions,
 * half-hour and 45-minute offsets, leap days, the date line) and against
 * glibc's localtime_r()/mktime() over many instants, including years past
 * the file's table where the footer's POSIX rule applies.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tz.h"

static const char *const zones[] = {
    "Europe/Berlin",     "America/New_York",   "Australia/Lord_Howe",
    "Pacific/Chatham",   "Asia/Kathmandu",     "Pacific/Kiritimati",
    "Pacific/Pago_Pago", "Pacific/Apia",       "America/Sao_Paulo",
    "Africa/Casablanca", "Europe/Dublin",      "America/Santiago",
    "Asia/Tehran",       "Australia/Adelaide", "America/St_Johns",
    "Europe/London",     "Antarctica/Troll",   "UTC",
};

/* utc - unix time of a UTC date and time */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
    return tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

struct local_case {
    const char *zone;
    int y, mo, d, h, mi; /* wall clock */
    int64_t want;        /* expected unix time */
    enum tz_match match;
};

/* test_fixed - hand-checked conversions, both directions */
static void
test_fixed(void)
{
    const struct local_case cases[] = {
        /* spring forward 02:00 -> 03:00: 02:30 does not exist */
        {"Europe/Berlin", 2026, 3, 29, 2, 30, utc(2026, 3, 29, 1, 0),
         TZ_MATCH_GAP},
        {"Europe/Berlin", 2026, 3, 29, 1, 59, utc(2026, 3, 29, 0, 59),
         TZ_MATCH_UNIQUE},
        {"Europe/Berlin", 2026, 3, 29, 3, 0, utc(2026, 3, 29, 1, 0),
         TZ_MATCH_UNIQUE},
        /* fall back 03:00 -> 02:00: 02:30 happens twice, take CEST */
        {"Europe/Berlin", 2026, 10, 25, 2, 30, utc(2026, 10, 25, 0, 30),
         TZ_MATCH_FOLD},
        {"Europe/Berlin", 2026, 10, 25, 6, 0, utc(2026, 10, 25, 5, 0),
         TZ_MATCH_UNIQUE},
        {"America/New_York", 2026, 3, 8, 2, 30, utc(2026, 3, 8, 7, 0),
         TZ_MATCH_GAP},
        {"America/New_York", 2026, 11, 1, 1, 30, utc(2026, 11, 1, 5, 30),
         TZ_MATCH_FOLD},
        {"America/New_York", 2026, 11, 1, 6, 0, utc(2026, 11, 1, 11, 0),
         TZ_MATCH_UNIQUE},
        /* Lord Howe: +10:30, half an hour of DST (02:00 -> 02:30) */
        {"Australia/Lord_Howe", 2026, 10, 4, 2, 15, utc(2026, 10, 3, 15, 30),
         TZ_MATCH_GAP},
        {"Australia/Lord_Howe", 2026, 4, 5, 1, 45, utc(2026, 4, 4, 14, 45),
         TZ_MATCH_FOLD},
        {"Australia/Lord_Howe", 2026, 7, 1, 6, 0, utc(2026, 6, 30, 19, 30),
         TZ_MATCH_UNIQUE},
        /* Chatham: +12:45 / +13:45, changes at 02:45 / 03:45 */
        {"Pacific/Chatham", 2026, 9, 27, 3, 0, utc(2026, 9, 26, 14, 0),
         TZ_MATCH_GAP},
        {"Pacific/Chatham", 2026, 4, 5, 3, 0, utc(2026, 4, 4, 13, 15),
         TZ_MATCH_FOLD},
        /* Kathmandu +05:45 on a leap day */
        {"Asia/Kathmandu", 2028, 2, 29, 6, 0, utc(2028, 2, 29, 0, 15),
         TZ_MATCH_UNIQUE},
        /* the date line: +14 and -11 */
        {"Pacific/Kiritimati", 2026, 1, 1, 6, 0, utc(2025, 12, 31, 16, 0),
         TZ_MATCH_UNIQUE},
        {"Pacific/Pago_Pago", 2026, 1, 1, 6, 0, utc(2026, 1, 1, 17, 0),
         TZ_MATCH_UNIQUE},
        /* Samoa skipped 2011-12-30 entirely (-10 -> +14) */
        {"Pacific/Apia", 2011, 12, 30, 6, 0, utc(2011, 12, 30, 10, 0),
         TZ_MATCH_GAP},
        /* far past the table: the footer rule */
        {"Europe/Berlin", 2100, 7, 1, 12, 0, utc(2100, 7, 1, 10, 0),
         TZ_MATCH_UNIQUE},
        {"America/New_York", 2200, 3, 9, 2, 30, utc(2200, 3, 9, 7, 0),
         TZ_MATCH_GAP},
        {"UTC", 2028, 2, 29, 23, 59, utc(2028, 2, 29, 23, 59), TZ_MATCH_UNIQUE},
    };
    struct err err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct local_case *c = &cases[i];
        struct tz *tz = NULL;
        int64_t got = 0;
        enum tz_match m = TZ_MATCH_UNIQUE;
        struct tz_local lt;

        err_init(&err);
        CHECK(tz_load(c->zone, &tz, &err) == 0);
        if (tz == NULL) {
            fprintf(stderr, "%s: %s\n", c->zone, err.msg);
            continue;
        }
        CHECK_INT_EQ(
            tz_local_to_utc(tz, c->y, c->mo, c->d, c->h, c->mi, &got, &m), 0);
        if (got != c->want || m != c->match)
            fprintf(stderr, "case %zu %s %04d-%02d-%02d %02d:%02d\n", i,
                    c->zone, c->y, c->mo, c->d, c->h, c->mi);
        CHECK_INT_EQ(got, c->want);
        CHECK_INT_EQ(m, c->match);
        /* and back: a unique or folded time reads the same wall clock */
        if (c->match != TZ_MATCH_GAP) {
            tz_utc_to_local(tz, got, &lt);
            CHECK_INT_EQ(lt.year, c->y);
            CHECK_INT_EQ(lt.month, c->mo);
            CHECK_INT_EQ(lt.day, c->d);
            CHECK_INT_EQ(lt.hour, c->h);
            CHECK_INT_EQ(lt.minute, c->mi);
        }
        tz_free(tz);
    }
}

/* test_edges - bad input, abbreviations, date line dates */
static void
test_edges(void)
{
    struct tz *tz = NULL, *k = NULL, *p = NULL;
    struct tz_local a, b;
    struct err err;
    int64_t t;

    err_init(&err);
    CHECK(tz_load("../../etc/passwd", &tz, &err) == -1);
    CHECK(tz == NULL);
    CHECK(tz_load("/etc/localtime", &tz, &err) == -1);
    CHECK(tz_load("Mars/Olympus_Mons", &tz, &err) == -1);
    CHECK_CONTAINS(err.msg, "Mars/Olympus_Mons");
    CHECK(tz_load("Europe/Berlin;rm", &tz, &err) == -1);
    /* leap-second zones are refused: right/UTC (in Debian 12's tzdata;
     * later releases move it to tzdata-legacy, and then it is not found),
     * and any TZif with a leap record, here one made by hand */
    CHECK(tz_load("right/UTC", &tz, &err) == -1);
    CHECK(tz == NULL);
    {
        unsigned char leap[44 + 6 + 4 + 8] = "TZif";
        leap[28 + 3] = 1; /* leapcnt */
        leap[36 + 3] = 1; /* typecnt: one type, UTC */
        leap[40 + 3] = 4; /* charcnt: "UTC" */
        memcpy(leap + 44 + 6, "UTC", 4);
        err_init(&err);
        CHECK(tz_parse("leap", leap, sizeof(leap), &tz, &err) == -1);
        CHECK(tz == NULL);
        CHECK_CONTAINS(err.msg, "leap-second zones are not supported");
    }

    CHECK(tz_load("America/New_York", &tz, &err) == 0);
    CHECK(tz_local_to_utc(tz, 2027, 2, 29, 6, 0, &t, NULL) == -1);
    CHECK(tz_local_to_utc(tz, 2028, 2, 29, 6, 0, &t, NULL) == 0);
    CHECK(tz_local_to_utc(tz, 2028, 13, 1, 6, 0, &t, NULL) == -1);
    CHECK(tz_local_to_utc(tz, 2028, 1, 1, 24, 0, &t, NULL) == -1);
    CHECK(tz_local_to_utc(tz, 2028, 1, 1, 6, 60, &t, NULL) == -1);
    tz_utc_to_local(tz, utc(2026, 7, 4, 16, 0), &a);
    CHECK_STR_EQ(a.abbr, "EDT");
    CHECK_INT_EQ(a.is_dst, 1);
    CHECK_INT_EQ(a.utoff, -4 * 3600);
    CHECK_INT_EQ(a.hour, 12);
    CHECK_INT_EQ(a.wday, 6);
    CHECK_STR_EQ(tz_name(tz), "America/New_York");
    tz_free(tz);

    /* one instant, three calendar days */
    CHECK(tz_load("Pacific/Kiritimati", &k, &err) == 0);
    CHECK(tz_load("Pacific/Pago_Pago", &p, &err) == 0);
    t = utc(2026, 6, 15, 10, 30);
    tz_utc_to_local(k, t, &a);
    tz_utc_to_local(p, t, &b);
    CHECK_INT_EQ(a.day, 16);
    CHECK_INT_EQ(a.hour, 0);
    CHECK_INT_EQ(b.day, 14);
    CHECK_INT_EQ(b.hour, 23);
    CHECK_INT_EQ(a.utoff - b.utoff, 25 * 3600);
    /* new year arrives first in Kiritimati */
    tz_utc_to_local(k, utc(2027, 12, 31, 10, 0), &a);
    CHECK_INT_EQ(a.year, 2028);
    CHECK_INT_EQ(a.yday, 0);
    tz_free(k);
    tz_free(p);

    tz = tz_utc();
    tz_utc_to_local(tz, utc(2028, 2, 29, 12, 0), &a);
    CHECK_INT_EQ(a.month, 2);
    CHECK_INT_EQ(a.day, 29);
    CHECK_INT_EQ(a.yday, 59);
    tz_free(tz);
}

/* same_tm - our local time equals glibc's */
static int
same_tm(const struct tz_local *a, const struct tm *b)
{
    return a->year == b->tm_year + 1900 && a->month == b->tm_mon + 1 &&
           a->day == b->tm_mday && a->hour == b->tm_hour &&
           a->minute == b->tm_min && a->second == b->tm_sec &&
           a->wday == b->tm_wday && a->yday == b->tm_yday &&
           a->utoff == b->tm_gmtoff && a->is_dst == (b->tm_isdst > 0);
}

/* compare_zone - tz against glibc with TZ=tzenv over [from,to) */
static void
compare_zone(const struct tz *tz, const char *tzenv, int64_t from, int64_t to,
             int64_t step)
{
    long mismatches = 0, samples = 0;

    setenv("TZ", tzenv, 1);
    tzset();
    for (int64_t t = from; t < to; t += step) {
        time_t tt = (time_t)t;
        struct tm g;
        struct tz_local l, back;
        int64_t r;
        enum tz_match m;

        samples++;
        if (localtime_r(&tt, &g) == NULL)
            continue;
        tz_utc_to_local(tz, t, &l);
        if (!same_tm(&l, &g)) {
            if (mismatches++ < 5)
                fprintf(stderr,
                        "%s t=%lld: ours %04d-%02d-%02d %02d:%02d:%02d "
                        "off=%d dst=%d, glibc %04d-%02d-%02d %02d:%02d:%02d "
                        "off=%ld dst=%d\n",
                        tzenv, (long long)t, l.year, l.month, l.day, l.hour,
                        l.minute, l.second, l.utoff, l.is_dst, g.tm_year + 1900,
                        g.tm_mon + 1, g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec,
                        g.tm_gmtoff, g.tm_isdst);
            continue;
        }
        if (l.second != 0 || l.year < 1 || l.year > 9999)
            continue;
        /* back again: same wall clock, and the first such instant */
        if (tz_local_to_utc(tz, l.year, l.month, l.day, l.hour, l.minute, &r,
                            &m) == -1 ||
            m == TZ_MATCH_GAP || r > t) {
            if (mismatches++ < 5)
                fprintf(stderr, "%s t=%lld: local_to_utc gave %lld (%d)\n",
                        tzenv, (long long)t, (long long)r, (int)m);
            continue;
        }
        tz_utc_to_local(tz, r, &back);
        if (back.hour != l.hour || back.minute != l.minute ||
            back.day != l.day) {
            mismatches++;
            continue;
        }
        if (m == TZ_MATCH_UNIQUE) {
            struct tm q = g;
            q.tm_isdst = -1;
            if (r != t || mktime(&q) != tt) {
                if (mismatches++ < 5)
                    fprintf(stderr, "%s t=%lld: unique gave %lld\n", tzenv,
                            (long long)t, (long long)r);
            }
        }
    }
    if (mismatches)
        fprintf(stderr, "%s: %ld of %ld samples differ\n", tzenv, mismatches,
                samples);
    CHECK_INT_EQ(mismatches, 0);
}

/* test_glibc - every zone against glibc, minute-aligned and odd steps */
static void
test_glibc(void)
{
    struct err err;

    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        struct tz *tz = NULL;
        err_init(&err);
        if (tz_load(zones[i], &tz, &err) == -1) {
            fprintf(stderr, "%s\n", err.msg);
            CHECK(0);
            continue;
        }
        /* 1901..2150 in steps of 11 days and a bit (hits odd seconds) */
        compare_zone(tz, zones[i], -2145916800LL, 5680281600LL,
                     11 * 86400 + 3607);
        /* 2020..2040 on the minute, every 331 minutes: DST edges */
        compare_zone(tz, zones[i], utc(2020, 1, 1, 0, 0), utc(2040, 1, 1, 0, 0),
                     331 * 60);
        tz_free(tz);
    }
}

/* write_tzif - a version 2 file with one type, no transitions, and
 * footer as its rule: the footer then governs every instant */
static int
write_tzif(const char *path, const char *footer)
{
    unsigned char hdr[44], data[10];
    FILE *fp = fopen(path, "wb");

    if (fp == NULL)
        return -1;
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, "TZif2", 5);
    hdr[39] = 1; /* typecnt */
    hdr[43] = 4; /* charcnt */
    memset(data, 0, sizeof(data));
    memcpy(data + 6, "LMT", 4);
    for (int pass = 0; pass < 2; pass++) {
        fwrite(hdr, 1, sizeof(hdr), fp);
        fwrite(data, 1, sizeof(data), fp);
    }
    fprintf(fp, "\n%s\n", footer);
    return fclose(fp) == 0 ? 0 : -1;
}

/* test_footer - POSIX rules of every kind against glibc */
static void
test_footer(void)
{
    static const char *const rules[] = {
        "CET-1CEST,M3.5.0,M10.5.0/3",
        "EST5EDT,M3.2.0,M11.1.0",
        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
        "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
        "XXX3YYY,J60/2,J300/2",
        "XXX-5YYY,59/1:30,300/23",
        "IST-1GMT0,M10.5.0,M3.5.0/1",
        "<+0545>-5:45",
        "EST5EDT",
    };
    char dir[] = "/tmp/test_tz.XXXXXX";
    char path[256];
    struct err err;

    if (mkdtemp(dir) == NULL) {
        CHECK(0);
        return;
    }
    setenv("TZDIR", dir, 1);
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        struct tz *tz = NULL;
        snprintf(path, sizeof(path), "%s/Test_%zu", dir, i);
        CHECK(write_tzif(path, rules[i]) == 0);
        snprintf(path, sizeof(path), "Test_%zu", i);
        err_init(&err);
        CHECK(tz_load(path, &tz, &err) == 0);
        if (tz == NULL) {
            fprintf(stderr, "%s: %s\n", rules[i], err.msg);
            continue;
        }
        compare_zone(tz, rules[i], utc(2020, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0),
                     41 * 60);
        tz_free(tz);
        snprintf(path, sizeof(path), "%s/Test_%zu", dir, i);
        unlink(path);
    }
    /* DST ends on Feb 28 at 23:00 (the end rule at 167 h) and starts again
     * 23 hours later: 22:00..22:59 happens twice, the second time in a
     * standard-time stretch shorter than a day, and 21:xx on Mar 1 never */
    snprintf(path, sizeof(path), "%s/Short_std", dir);
    CHECK(write_tzif(path, "XXX3YYY,J61/-03,052/167") == 0);
    {
        struct tz *tz = NULL;
        enum tz_match m = TZ_MATCH_GAP;
        int64_t t = 0;
        err_init(&err);
        CHECK(tz_load("Short_std", &tz, &err) == 0);
        if (tz != NULL) {
            CHECK(tz_local_to_utc(tz, 2027, 2, 28, 22, 30, &t, &m) == 0);
            CHECK_INT_EQ(m, TZ_MATCH_FOLD);
            CHECK_INT_EQ(t, utc(2027, 3, 1, 0, 30));
            CHECK(tz_local_to_utc(tz, 2027, 3, 1, 12, 0, &t, &m) == 0);
            CHECK_INT_EQ(m, TZ_MATCH_UNIQUE);
            CHECK_INT_EQ(t, utc(2027, 3, 1, 15, 0));
            CHECK(tz_local_to_utc(tz, 2027, 3, 1, 21, 30, &t, &m) == 0);
            CHECK_INT_EQ(m, TZ_MATCH_GAP);
            CHECK_INT_EQ(t, utc(2027, 3, 2, 0, 0));
        }
        tz_free(tz);
        unlink(path);
    }
    /* a garbage file is an error, not a crash */
    snprintf(path, sizeof(path), "%s/Bad", dir);
    {
        FILE *fp = fopen(path, "wb");
        struct tz *tz = NULL;
        if (fp != NULL) {
            fputs("TZif2 this is not a zone file", fp);
            fclose(fp);
        }
        err_init(&err);
        CHECK(tz_load("Bad", &tz, &err) == -1);
        CHECK_CONTAINS(err.msg, "malformed");
        unlink(path);
    }
    rmdir(dir);
    unsetenv("TZDIR");
}

int
main(void)
{
    test_fixed();
    test_edges();
    test_glibc();
    test_footer();
    return CHECK_DONE();
}
