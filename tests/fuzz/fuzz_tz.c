/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tz - the TZif reader and its POSIX footer parser on arbitrary
 * bytes; whatever zone comes out must convert both ways consistently.
 *
 * Probed instants: a fixed list, and instants either side of every change
 * of UTC offset found near them.  Write g(t) = t + offset(t), the wall
 * clock at t in seconds.  The properties:
 *
 *  1. UTC -> local -> UTC.  Let s be the start of the wall-clock minute an
 *     instant falls in (s = t - local(t).second); skip it when the offset
 *     changes inside that minute or the year is outside 1..9999.  The
 *     clock read Y-M-D h:m:00 at s, so tz_local_to_utc(Y-M-D h:m) must
 *     succeed, must not call the time a gap, must return u <= s (the
 *     first occurrence), and u == s when it says the time was unique: in
 *     a fold (fall back) the earlier occurrence is returned, so u < s
 *     happens there and only there.
 *  2. local -> UTC for any wall time W (those of property 1, and W inside
 *     each offset change): a unique or fold answer u reads exactly W
 *     (g(u) == W); a gap answer is the moment the clock jumped over W,
 *     g(u - 1) < W < g(u).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_check.h"
#include "tz.h"

#define FUZZ_DAY 86400

/* fuzz_g - the wall clock at t, in seconds since the local epoch */
static int64_t
fuzz_g(const struct tz *tz, int64_t t)
{
    struct tz_local lt;

    tz_utc_to_local(tz, t, &lt);
    return t + lt.utoff;
}

/* fuzz_wall - ask for wall time w (floored to its minute); property 2.
 * Returns 0 with *u and *m set, or -1 when w is outside years 1..9999. */
static int
fuzz_wall(const struct tz *tz, int64_t w, int64_t *u, enum tz_match *m)
{
    int64_t days = w >= 0 ? w / FUZZ_DAY : -((-w + FUZZ_DAY - 1) / FUZZ_DAY);
    int64_t secs = w - days * FUZZ_DAY, y;
    int month, day;

    w -= secs % 60;
    tz_civil_from_days(days, &y, &month, &day);
    if (y < 1 || y > 9999)
        return -1;
    FUZZ_REQUIRE(tz_local_to_utc(tz, (int)y, month, day, (int)(secs / 3600),
                                 (int)(secs / 60 % 60), u, m) == 0,
                 "a valid wall time refused");
    if (*m == TZ_MATCH_GAP)
        FUZZ_REQUIRE(fuzz_g(tz, *u - 1) < w && w < fuzz_g(tz, *u),
                     "a gap answer that is not where the clock jumped over "
                     "the wall time");
    else
        FUZZ_REQUIRE(fuzz_g(tz, *u) == w,
                     "an answer at which the clock does not read the wall "
                     "time asked for");
    return 0;
}

/* fuzz_round_trip - property 1 at instant t */
static void
fuzz_round_trip(const struct tz *tz, int64_t t)
{
    struct tz_local lt;
    enum tz_match m;
    int64_t u;

    tz_utc_to_local(tz, t, &lt);
    t -= lt.second; /* the start of that wall-clock minute */
    tz_utc_to_local(tz, t, &lt);
    if (lt.second != 0)
        return; /* the offset changed inside the minute */
    if (fuzz_wall(tz, t + lt.utoff, &u, &m) == -1)
        return;
    FUZZ_REQUIRE(m != TZ_MATCH_GAP, "a wall time that happened called a gap");
    FUZZ_REQUIRE(u <= t, "not the first occurrence of the wall time");
    FUZZ_REQUIRE(m == TZ_MATCH_FOLD || u == t,
                 "a unique wall time that does not round-trip");
}

/* fuzz_around - probe both sides of the offset change at T (offsets a
 * before, b after) */
static void
fuzz_around(const struct tz *tz, int64_t T, int32_t a, int32_t b)
{
    static const int64_t near[] = {-3600, -60, -1, 0, 1, 59, 60, 1800, 3600};
    int64_t d = a < b ? (int64_t)b - a : (int64_t)a - b, u;
    enum tz_match m;

    for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
        fuzz_round_trip(tz, T + near[i]);
    fuzz_round_trip(tz, T + d / 2);
    fuzz_round_trip(tz, T + d);
    fuzz_round_trip(tz, T + d + 60);
    /* wall times inside the change: skipped (b > a) or repeated */
    (void)fuzz_wall(tz, T + a + d / 2, &u, &m);
    (void)fuzz_wall(tz, T + b + d / 2, &u, &m);
}

/* fuzz_scan - find offset changes in [from, to] sampled every step, and
 * probe each at the exact second it happens */
static void
fuzz_scan(const struct tz *tz, int64_t from, int64_t to, int64_t step)
{
    struct tz_local lt;
    int64_t prev = from;
    int32_t off;

    tz_utc_to_local(tz, from, &lt);
    off = lt.utoff;
    for (int64_t t = from + step; t <= to; prev = t, t += step) {
        int64_t lo = prev, hi = t;
        tz_utc_to_local(tz, t, &lt);
        if (lt.utoff == off)
            continue;
        /* offset(lo) == off, offset(hi) != off: narrow to one second */
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            struct tz_local ml;
            tz_utc_to_local(tz, mid, &ml);
            if (ml.utoff == off)
                lo = mid;
            else
                hi = mid;
        }
        tz_utc_to_local(tz, hi, &lt);
        fuzz_around(tz, hi, off, lt.utoff);
        tz_utc_to_local(tz, t, &lt);
        off = lt.utoff;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t times[] = {-4102444800LL, -2208988800LL, 0,
                                    1000000000LL,  1774746000LL,  2147483647LL,
                                    4102444800LL,  7258118400LL};
    struct tz *tz = NULL;
    struct err err;
    int64_t u;
    enum tz_match m;

    err_init(&err);
    if (tz_parse("fuzz", data, size, &tz, &err) == -1) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "a failure that does not say why");
        return 0;
    }
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        fuzz_round_trip(tz, times[i]);
        fuzz_scan(tz, times[i] - 2 * FUZZ_DAY, times[i] + 2 * FUZZ_DAY, 3600);
        fuzz_scan(tz, times[i] - 366 * FUZZ_DAY, times[i] + 366 * FUZZ_DAY,
                  7 * FUZZ_DAY);
    }
    /* 02:30 on the EU spring-forward day; a leap day */
    (void)fuzz_wall(tz, tz_days_from_civil(2026, 3, 29) * FUZZ_DAY + 9000, &u,
                    &m);
    (void)fuzz_wall(tz, tz_days_from_civil(2028, 2, 29) * FUZZ_DAY + 21600, &u,
                    &m);
    tz_free(tz);
    return 0;
}
