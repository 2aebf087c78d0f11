/* SPDX-License-Identifier: MIT */
/* test_str - number parsing, durations, UTF-8, days */
#include <stdlib.h>

#include "check.h"
#include "str.h"

int
main(void)
{
    static const struct {
        const char *s;
        long min, max;
        int rc;
        long v;
    } longs[] = {
        {"42", 0, 100, 0, 42},
        {"-1", 0, 100, -1, 0},
        {"101", 0, 100, -1, 0},
        {"", 0, 100, -1, 0},
        {" 4", 0, 100, -1, 0},
        {"4x", 0, 100, -1, 0},
        {"99999999999999999999", 0, 100, -1, 0},
    };
    static const struct {
        const char *s;
        int rc;
        long secs;
    } durs[] = {
        {"90", 0, 90},     {"90s", 0, 90},    {"15m", 0, 900}, {"2h", 0, 7200},
        {"2d", 0, 172800}, {"1w", 0, 604800}, {"", -1, 0},     {"d", -1, 0},
        {"-5m", -1, 0},    {"5y", -1, 0},
    };
    static const struct {
        const char *s;
        size_t n;
        int ok;
    } utf8[] = {
        {"plain", 5, 1},
        {"N\xc3\x9cWA", 5, 1},
        {"\xc3", 1, 0},             /* truncated */
        {"\xc0\xaf", 2, 0},         /* overlong */
        {"\xed\xa0\x80", 3, 0},     /* surrogate */
        {"\xf4\x90\x80\x80", 4, 0}, /* > U+10FFFF */
        {"\xf0\x9f\x93\xb0", 4, 1}, /* newspaper emoji */
    };
    static const struct {
        const char *s;
        int rc;
    } days[] = {
        {"2026-11-28", 0},  {"2028-02-29", 0}, {"2026-02-29", -1},
        {"2026-13-01", -1}, {"2026-1-01", -1}, {"20261128", -1},
        {"2026-04-31", -1}, {"2000-02-29", 0}, {"2100-02-29", -1},
    };
    long v;
    time_t t;
    char out[16];

    for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
        v = 0;
        CHECK_INT_EQ(str_to_long(longs[i].s, longs[i].min, longs[i].max, &v),
                     longs[i].rc);
        if (longs[i].rc == 0)
            CHECK_INT_EQ(v, longs[i].v);
    }
    for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
        v = 0;
        CHECK_INT_EQ(str_to_duration(durs[i].s, &v), durs[i].rc);
        if (durs[i].rc == 0)
            CHECK_INT_EQ(v, durs[i].secs);
    }
    for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++)
        CHECK_INT_EQ(str_utf8_valid(utf8[i].s, utf8[i].n), utf8[i].ok);
    for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
        CHECK_INT_EQ(str_day_to_time(days[i].s, &t), days[i].rc);

    CHECK_INT_EQ(str_day_to_time("2026-11-28", &t), 0);
    CHECK_INT_EQ(t, 1795824000);
    str_format_day(t + 86399, out, sizeof(out));
    CHECK_STR_EQ(out, "2026-11-28");

    static const char *const names[] = {"queued", "sent", "sent"};
    CHECK_INT_EQ(str_index(names, 3, "queued"), 0);
    CHECK_INT_EQ(str_index(names, 3, "sent"), 1);
    CHECK_INT_EQ(str_index(names, 3, "Sent"), -1);
    CHECK_INT_EQ(str_index(names, 3, ""), -1);
    CHECK_INT_EQ(str_index(names, 0, "queued"), -1);

    /* FNV-1a 64 from the project's offset basis (str.h), so that the
     * static files' ETags stay what they were */
    CHECK(str_hash("", 0) == 0x14650fb0739d0383ULL);
    CHECK(str_hash("a", 1) == 0x44bd8ad473cd9906ULL);
    CHECK(str_hash("foobar", 6) == 0x88fad7c0a8ff07f2ULL);

    static const unsigned char be[8] = {0xff, 0xff, 0xff, 0xff,
                                        0xff, 0xff, 0xff, 0xfe};
    static const unsigned char be1[8] = {0x01, 0x02, 0x03, 0x04,
                                         0x05, 0x06, 0x07, 0x08};
    CHECK(str_get_be64(be) == -2);
    CHECK(str_get_be64(be1) == 0x0102030405060708LL);

    CHECK_INT_EQ(str_has_ctl("ok", 2), 0);
    CHECK_INT_EQ(str_has_ctl("a\r\nb", 4), 1);
    CHECK_INT_EQ(str_copy(out, 4, "abcdef"), -1);
    CHECK_STR_EQ(out, "abc");

    setenv("PAPERBOY_NOW", "1795824000", 1);
    CHECK_INT_EQ(str_now(), 1795824000);
    unsetenv("PAPERBOY_NOW");
    CHECK(str_now() > 1795824000 - 86400 * 365 * 10);
    return CHECK_DONE();
}
