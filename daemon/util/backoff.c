/* SPDX-License-Identifier: MIT */
/*
 * backoff - exponential retry delays under a cap (see backoff.h).  Does
 * not sleep or read a clock: callers add the delay to their own time.
 */
#include "backoff.h"

int64_t
backoff_delay(const struct backoff *p, int64_t attempt)
{
    int64_t d = p->first;

    /* a doubling past the cap stops at the cap, so d never overflows */
    for (int64_t i = 1; i < attempt && d > 0 && d < p->cap; i++)
        d = d > p->cap / 2 ? p->cap : d * 2;
    return d > p->cap ? p->cap : d;
}
