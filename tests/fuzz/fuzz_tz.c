/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tz - the TZif reader and its POSIX footer parser on arbitrary
 * bytes, then conversions both ways with whatever zone came out.
 */
#include <stddef.h>
#include <stdint.h>

#include "tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t times[] = {-4102444800LL, -2208988800LL, 0,
                                    1000000000LL,  1774746000LL,  2147483647LL,
                                    4102444800LL,  7258118400LL};
    struct tz *tz = NULL;
    struct err err;

    err_init(&err);
    if (tz_parse("fuzz", data, size, &tz, &err) == -1)
        return 0;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        struct tz_local lt;
        int64_t t;
        tz_utc_to_local(tz, times[i], &lt);
        if (lt.year >= 1 && lt.year <= 9999)
            tz_local_to_utc(tz, lt.year, lt.month, lt.day, lt.hour, lt.minute,
                            &t, NULL);
    }
    {
        int64_t t;
        tz_local_to_utc(tz, 2026, 3, 29, 2, 30, &t, NULL);
        tz_local_to_utc(tz, 2028, 2, 29, 6, 0, &t, NULL);
    }
    tz_free(tz);
    return 0;
}
