/* SPDX-License-Identifier: MIT */
/*
 * tz - IANA time zones read straight from /usr/share/zoneinfo (TZif,
 * RFC 8536), so converting between UTC and a subscriber's local time is
 * thread-safe and never touches the process-wide TZ that glibc's
 * localtime()/mktime() use.
 *
 * tz_load() reads the 64-bit (version 2+) section of the file, or the
 * 32-bit one of a version 1 file, and the POSIX TZ string in the footer,
 * which governs every instant after the last transition in the table
 * (slim files rely on it for all recent years).  Footer rules of the forms
 * Mm.w.d, Jn and n with optional /time (RFC 8536 allows -167..167 hours)
 * are understood.  Zones with leap seconds ("right/...") are refused.
 * "UTC", "Etc/UTC" and "" need no file.  $TZDIR overrides the directory,
 * like glibc.
 *
 * A loaded struct tz is immutable: share it between threads freely.
 * It uses only libc.
 *
 * Contract: 0 on success, -1 with err filled; out-parameters are written
 * only on success.
 */
#ifndef PAPERBOY_TZ_H
#define PAPERBOY_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define TZ_NAME_MAX 65 /* IANA name + NUL, like DB_SUB_TIMEZONE_MAX */

struct tz;

/* A broken-down local time. */
struct tz_local {
    int year;      /* e.g. 2028 */
    int month;     /* 1..12 */
    int day;       /* 1..31 */
    int hour;      /* 0..23 */
    int minute;    /* 0..59 */
    int second;    /* 0..59 */
    int wday;      /* 0 = Sunday .. 6 */
    int yday;      /* 0..365 */
    int32_t utoff; /* seconds east of UTC in effect */
    int is_dst;    /* 1 while daylight saving time is in effect */
    char abbr[16]; /* "CEST", "+0545"; may be "" */
};

/* How tz_local_to_utc() resolved a wall-clock time. */
enum tz_match {
    TZ_MATCH_UNIQUE = 0, /* the time happened exactly once */
    TZ_MATCH_GAP = 1,    /* skipped (spring forward): the first instant
                            after the gap is returned */
    TZ_MATCH_FOLD = 2,   /* happened twice (fall back): the first
                            occurrence is returned */
};

/*
 * tz_load - read zone name ("Europe/Berlin").  Names are checked: only
 * A-Za-z0-9/_+-, no "..", no leading '/', at most 64 bytes.  Caller frees
 * with tz_free().
 */
int tz_load(const char *name, struct tz **out, struct err *err);

/* tz_parse - a zone from the n bytes of a TZif file (what tz_load() does
 * after reading it); name is only for messages and tz_name().  Any bytes
 * are safe to pass: malformed input is an error, never a crash. */
int tz_parse(const char *name, const void *data, size_t n, struct tz **out,
             struct err *err);

/* tz_utc - a zone that is UTC; caller frees with tz_free() */
struct tz *tz_utc(void);

/* tz_free - release; NULL is fine */
void tz_free(struct tz *tz);

/* tz_name - the name given to tz_load().  Borrowed, valid until tz_free */
const char *tz_name(const struct tz *tz);

/* tz_utc_to_local - the local time at unix time t (any int64 in range of
 * years -9999..9999) */
void tz_utc_to_local(const struct tz *tz, int64_t t, struct tz_local *out);

/*
 * tz_local_to_utc - the unix time at which the wall clock in tz reads
 * year-month-day hour:minute:00.  A time skipped by a spring-forward
 * change gives the first valid instant after the gap (02:30 on a day
 * 02:00 -> 03:00 gives 03:00); a time that occurs twice gives the first
 * occurrence.  match (may be NULL) says which.  -1 when a field is out of
 * range (month 1..12, day 1..days in month, hour 0..23, minute 0..59,
 * year 1..9999).
 */
int tz_local_to_utc(const struct tz *tz, int year, int month, int day, int hour,
                    int minute, int64_t *out, enum tz_match *match);

/* tz_days_from_civil - days since 1970-01-01 of a proleptic Gregorian
 * date (no range check) */
int64_t tz_days_from_civil(int64_t y, int m, int d);

/* tz_civil_from_days - the inverse of tz_days_from_civil */
void tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* tz_days_in_month - 28..31 */
int tz_days_in_month(int64_t y, int m);

#endif
