/* SPDX-License-Identifier: MIT */
/*
 * backoff - the one retry-delay rule: exponential, doubling from a first
 * delay up to a cap.  A caller names its policy (a struct backoff
 * constant beside the call) and asks for the delay before a given retry;
 * the unit (seconds, milliseconds) is the policy's.  The outbox's
 * deferred mail, the fetcher's retried transfers and the scheduler's
 * failed collects each have one policy.  Pure: no clock, no state.
 * Util layer; uses nothing.
 */
#ifndef PAPERBOY_BACKOFF_H
#define PAPERBOY_BACKOFF_H

#include <stdint.h>

/* A retry policy; first == cap gives a constant delay. */
struct backoff {
    int64_t first; /* delay before retry 1, in the caller's unit; > 0 */
    int64_t cap;   /* no delay exceeds this; >= first */
};

/*
 * backoff_delay - the delay before retry number attempt (1-based):
 * first, 2 first, 4 first, ... never more than cap.  An attempt below 1
 * counts as 1.
 */
int64_t backoff_delay(const struct backoff *p, int64_t attempt);

#endif
