/* SPDX-License-Identifier: MIT */
/*
 * check.h - a tiny test harness: CHECK macros print file:line and count
 * failures; CHECK_DONE() prints "N passed, N failed" and returns the
 * exit status.  Each unit test is a main() running a table of cases.
 */
#ifndef PAPERBOY_CHECK_H
#define PAPERBOY_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (cond) {                                                            \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
        }                                                                      \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                     \
    do {                                                                       \
        long long check_a = (long long)(a), check_b = (long long)(b);          \
        if (check_a == check_b) {                                              \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__,       \
                    __LINE__, #a, #b, check_a, check_b);                       \
        }                                                                      \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                     \
    do {                                                                       \
        const char *check_a = (a), *check_b = (b);                             \
        if (check_a && check_b && strcmp(check_a, check_b) == 0) {             \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__,   \
                    __LINE__, #a, #b, check_a ? check_a : "(null)",            \
                    check_b ? check_b : "(null)");                             \
        }                                                                      \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                            \
    do {                                                                       \
        const char *check_h = (hay), *check_n = (needle);                      \
        if (check_h && strstr(check_h, check_n)) {                             \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: \"%s\" not found in %s\n", __FILE__,       \
                    __LINE__, check_n, #hay);                                  \
        }                                                                      \
    } while (0)

#define CHECK_DONE()                                                           \
    (printf("%d passed, %d failed\n", check_passed, check_failed),             \
     check_failed ? 1 : 0)

#endif
