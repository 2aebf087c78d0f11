/* SPDX-License-Identifier: MIT */
/*
 * str - small string helpers (see str.h).
 */
#include "str.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
str_to_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
str_to_double(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    double v;

    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min ||
        v > max)
        return -1;
    *out = v;
    return 0;
}

int
str_to_bool(const char *s, int *out)
{
    static const char *const yes[] = {"1", "yes", "true", "on"};
    static const char *const no[] = {"0", "no", "false", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (str_eq_nocase(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (str_eq_nocase(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int
str_to_duration(const char *s, long *out_seconds)
{
    char num[32];
    size_t n = strlen(s);
    long unit = 1, v;

    if (n == 0 || n >= sizeof(num))
        return -1;
    memcpy(num, s, n + 1);
    switch (num[n - 1]) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'w':
        unit = 7 * 86400;
        break;
    default:
        unit = 0;
    }
    if (unit != 0)
        num[n - 1] = '\0';
    else
        unit = 1;
    if (str_to_long(num, 0, 100L * 365 * 86400 / unit, &v) == -1)
        return -1;
    *out_seconds = v * unit;
    return 0;
}

int
str_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (size == 0)
        return -1;
    if (n >= size) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

char *
str_trim(char *s)
{
    char *e;

    while (*s && isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    *e = '\0';
    return s;
}

void
str_lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

int
str_eq_nocase(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

int
str_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

int64_t
str_get_be64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return (int64_t)v;
}

int
str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
str_has_ctl(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 1;
    }
    return 0;
}

int
str_has_c1(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if ((unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] < 0xA0)
            return 1;
    return 0;
}

int
str_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned char c = p[i];
        size_t len;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* overlong forms, surrogates and out-of-range code points */
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

int
str_parse_day(const char *s, struct tm *out)
{
    struct tm tm;
    long y, m, d;
    char part[5];
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return -1;
    memcpy(part, s, 4);
    part[4] = '\0';
    if (str_to_long(part, 1970, 9999, &y) == -1)
        return -1;
    memcpy(part, s + 5, 2);
    part[2] = '\0';
    if (str_to_long(part, 1, 12, &m) == -1)
        return -1;
    memcpy(part, s + 8, 2);
    part[2] = '\0';
    leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (str_to_long(part, 1, mdays[m - 1] + (m == 2 && leap), &d) == -1)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)y - 1900;
    tm.tm_mon = (int)m - 1;
    tm.tm_mday = (int)d;
    *out = tm;
    return 0;
}

void
str_format_day(time_t t, char *out, size_t size)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

void
str_format_iso(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
str_today_utc(char *out, size_t size)
{
    str_format_day((time_t)str_now(), out, size);
}

int
str_day_to_time(const char *day, time_t *out)
{
    struct tm tm;
    if (str_parse_day(day, &tm) == -1)
        return -1;
    *out = timegm(&tm);
    return 0;
}

int64_t
str_now(void)
{
    const char *fake = getenv("PAPERBOY_NOW");
    long v;

    if (fake && str_to_long(fake, 0, 4102444800L, &v) == 0)
        return v;
    return (int64_t)time(NULL);
}

int64_t
str_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

size_t
str_digits(const char *s)
{
    size_t k = 0;

    while (s[k] >= '0' && s[k] <= '9')
        k++;
    return k;
}

const char *
str_weekday_name(int wday)
{
    static const char *const wd[] = {"Sunday",    "Monday",   "Tuesday",
                                     "Wednesday", "Thursday", "Friday",
                                     "Saturday"};

    return wday >= 0 && wday < 7 ? wd[wday] : "?";
}

const char *
str_month_name(int mon)
{
    static const char *const mo[] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};

    return mon >= 0 && mon < 12 ? mo[mon] : "?";
}
