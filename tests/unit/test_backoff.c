/* SPDX-License-Identifier: MIT */
/*
 * test_backoff - the retry-delay rule: doubling from the first delay,
 * capped, a constant policy, attempts below 1, and huge attempt counts
 * that must not overflow.
 */
#include <stdint.h>

#include "backoff.h"
#include "check.h"

int
main(void)
{
    static const struct backoff doubling = {60, 3600};
    static const struct backoff constant = {300, 300};
    static const struct backoff big = {1000, INT64_MAX};
    static const struct {
        const struct backoff *p;
        int64_t attempt;
        int64_t want;
    } cases[] = {
        {&doubling, 1, 60},
        {&doubling, 2, 120},
        {&doubling, 3, 240},
        {&doubling, 6, 1920},
        {&doubling, 7, 3600},
        {&doubling, 1000, 3600},
        {&doubling, 0, 60},
        {&doubling, -5, 60},
        {&constant, 1, 300},
        {&constant, 9, 300},
        {&big, 4, 8000},
        {&big, 80, INT64_MAX},
        {&doubling, INT64_MAX, 3600},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INT_EQ(backoff_delay(cases[i].p, cases[i].attempt),
                     cases[i].want);
    return CHECK_DONE();
}
