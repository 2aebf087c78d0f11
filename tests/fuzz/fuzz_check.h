/* SPDX-License-Identifier: MIT */
/*
 * fuzz_check.h - how a fuzz target states a property: FUZZ_REQUIRE(cond,
 * what) prints "file:line: property violated: what" and aborts, so
 * libFuzzer keeps the input and the corpus replay under ctest fails.
 * fuzz_text_clean() is the property every stored text field promises:
 * well-formed UTF-8 without C0, DEL or C1 control characters.
 */
#ifndef PAPERBOY_FUZZ_CHECK_H
#define PAPERBOY_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

#define FUZZ_REQUIRE(cond, what)                                               \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__,        \
                    __LINE__, (what));                                         \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* fuzz_text_clean - 1 if s is valid UTF-8 with no control character
 * (U+0000..U+001F, U+007F, U+0080..U+009F); NULL counts as clean */
static inline int
fuzz_text_clean(const char *s)
{
    size_t n;

    if (s == NULL)
        return 1;
    n = strlen(s);
    if (!str_utf8_valid(s, n) || str_has_ctl(s, n))
        return 0;
    for (size_t i = 0; i + 1 < n; i++) /* C1 is C2 80..C2 9F in UTF-8 */
        if ((unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] < 0xA0)
            return 0;
    return 1;
}

#endif
