/* SPDX-License-Identifier: MIT */
/*
 * str - small string helpers: checked number parsing, bounded copies,
 * trimming, case-insensitive compares, UTF-8 validation, time formatting.
 * It uses only libc.
 */
#ifndef PAPERBOY_STR_H
#define PAPERBOY_STR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* str_to_long - parse a whole base-10 string in [min,max]; 0 or -1 */
int str_to_long(const char *s, long min, long max, long *out);
/* str_to_double - parse a whole string as a finite double in [min,max] */
int str_to_double(const char *s, double min, double max, double *out);
/* str_to_bool - yes/no/true/false/on/off/1/0; 0 or -1 */
int str_to_bool(const char *s, int *out);
/* str_to_duration - "90", "90s", "15m", "2h", "2d", "1w" to seconds */
int str_to_duration(const char *s, long *out_seconds);

/* str_copy - bounded copy, always NUL-terminates; -1 if truncated */
int str_copy(char *dst, size_t size, const char *src);
/* str_trim - strip leading and trailing ASCII whitespace in place */
char *str_trim(char *s);
/* str_lower - ASCII lower-case in place */
void str_lower(char *s);
/* str_eq_nocase - ASCII case-insensitive equality */
int str_eq_nocase(const char *a, const char *b);
/* str_index - the index of the first of names[0..n-1] equal to s (case
 * matters), or -1: the one parser of every enum's name table */
int str_index(const char *const *names, size_t n, const char *s);
/* str_hash - FNV-1a, 64 bits, of the n bytes at p: the project's one
 * non-cryptographic hash (ETags, hash tables; fold it for 32 bits).  Its
 * offset basis is 1469598103934665603, not FNV's 14695981039346656037
 * (a digit short since the first ETag): the same spread, and the ETags
 * served stay the same.  Inline: template lookups call it per field. */
static inline uint64_t
str_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}
/* str_get_be64 - the big-endian 64-bit value at p (TZif files, tokens) */
int64_t str_get_be64(const unsigned char *p);
/* str_has_prefix - 1 if s starts with prefix */
int str_has_prefix(const char *s, const char *prefix);
/* str_has_ctl - 1 if any of the n bytes is an ASCII control char (incl.
 * CR, LF, TAB and DEL) */
int str_has_ctl(const char *s, size_t n);
/* str_has_c1 - 1 if the n bytes of UTF-8 hold a C1 control character
 * (U+0080..U+009F, encoded C2 80..C2 9F), which str_has_ctl() does not
 * see */
int str_has_c1(const char *s, size_t n);
/* str_utf8_valid - 1 if the n bytes are well-formed UTF-8 */
int str_utf8_valid(const char *s, size_t n);

/* str_parse_day - "YYYY-MM-DD" into a struct tm (date fields only) */
int str_parse_day(const char *s, struct tm *out);
/* str_format_day - unix seconds to "YYYY-MM-DD" in UTC; buf >= 11 bytes */
void str_format_day(time_t t, char *out, size_t size);
/* str_format_iso - unix seconds to RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ"
 * (Atom dates, CSV export); out >= 21 bytes */
void str_format_iso(int64_t t, char *out, size_t size);
/* str_today_utc - today's date in UTC as "YYYY-MM-DD" */
void str_today_utc(char *out, size_t size);
/* str_day_to_time - "YYYY-MM-DD" to unix seconds at 00:00 UTC; 0 or -1 */
int str_day_to_time(const char *day, time_t *out);

/* str_now - unix seconds; honours PAPERBOY_NOW (tests drive time) */
int64_t str_now(void);
/* str_mono_ms - CLOCK_MONOTONIC in milliseconds: for intervals and
 * deadlines, never moved by PAPERBOY_NOW or a change of the wall clock */
int64_t str_mono_ms(void);

/* str_digits - the number of ASCII digits at the start of s */
size_t str_digits(const char *s);

/* str_weekday_name, str_month_name - English names ("Sunday" for 0,
 * "January" for 0, as struct tm counts); "?" out of range */
const char *str_weekday_name(int wday);
const char *str_month_name(int mon);

#endif
