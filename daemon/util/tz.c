/* SPDX-License-Identifier: MIT */
/*
 * tz - a reader of TZif files and POSIX TZ rules (see tz.h).
 *
 * The file gives a sorted table of transition instants, each naming a
 * local time type (UTC offset, DST flag, abbreviation).  Instants before
 * the first transition use type 0; instants at or after the last use the
 * footer's POSIX TZ string when there is one (RFC 8536, section 3.3).
 * Local-to-UTC conversion works by finding every UTC offset that could
 * apply near the wall-clock time and keeping those that are consistent;
 * none means the time fell in a gap, two mean a fold.
 */
#include "tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "xalloc.h"

#define TZ_FILE_MAX (1024 * 1024) /* real files are < 100 KiB */
#define TZ_TRANS_MAX 100000       /* sanity cap on the table */
#define TZ_WINDOW (30 * 3600)     /* > any UTC offset (|off| <= 26 h) */
#define TZ_OFFSETS_MAX (256 + 2)  /* the table's types and the footer's two */

struct tz_type {
    int32_t utoff; /* seconds east of UTC */
    int is_dst;    /* 1 for daylight saving time */
    char abbr[16]; /* designation, "" if none */
};

/* One end of a POSIX DST rule. */
struct tz_rule {
    char kind;    /* 'M' month.week.day, 'J' 1..365 sans Feb 29, 'N' 0..365 */
    int month;    /* 1..12 for 'M' */
    int week;     /* 1..5 for 'M' (5 = last) */
    int wday;     /* 0..6 for 'M' (0 = Sunday) */
    int n;        /* day number for 'J' and 'N' */
    int32_t time; /* seconds after local midnight, -167 h..167 h */
};

/* The footer: "STDoff[DST[off][,start[/time],end[/time]]]". */
struct tz_posix {
    int valid;                 /* 0: no footer, use the table alone */
    int has_dst;               /* 0: std all year */
    struct tz_type std;        /* standard time */
    struct tz_type dst;        /* daylight saving time */
    struct tz_rule start, end; /* DST starts (in std), ends (in dst) */
};

struct tz {
    char name[TZ_NAME_MAX];
    size_t ntrans;      /* entries in trans and idx */
    int64_t *trans;     /* transition instants, ascending */
    unsigned char *idx; /* type index for each transition */
    size_t ntypes;      /* entries in types, >= 1 */
    struct tz_type *types;
    struct tz_posix posix;
};

/* tz_floor_div - floor(a / b) for b > 0 */
static int64_t
tz_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b) < 0)
        q--;
    return q;
}

int64_t
tz_days_from_civil(int64_t y, int m, int d)
{
    /* Howard Hinnant's algorithm, proleptic Gregorian */
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = tz_floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = tz_floor_div(z, 146097);
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* tz_leap - 1 for a Gregorian leap year */
static int
tz_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
tz_days_in_month(int64_t y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return dim[m - 1] + (m == 2 && tz_leap(y));
}

/* tz_weekday - 0 = Sunday for days since the epoch (a Thursday) */
static int
tz_weekday(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* tz_rule_local - the rule's instant in year y as local seconds */
static int64_t
tz_rule_local(const struct tz_rule *r, int64_t y)
{
    int64_t days = tz_days_from_civil(y, 1, 1);

    if (r->kind == 'J') {
        days += r->n - 1;
        if (tz_leap(y) && r->n >= 60)
            days++;
    } else if (r->kind == 'N') {
        days += r->n;
    } else {
        int64_t first = tz_days_from_civil(y, r->month, 1);
        int delta = (r->wday - tz_weekday(first) + 7) % 7;
        int mday = 1 + delta + (r->week - 1) * 7;
        int dim = tz_days_in_month(y, r->month);
        while (mday > dim)
            mday -= 7;
        days = first + mday - 1;
    }
    return days * 86400 + r->time;
}

/* tz_posix_type - the footer's type in effect at unix time t */
static const struct tz_type *
tz_posix_type(const struct tz_posix *p, int64_t t)
{
    int64_t y, start, end;
    int m, d;

    if (!p->has_dst)
        return &p->std;
    tz_civil_from_days(tz_floor_div(t + p->std.utoff, 86400), &y, &m, &d);
    start = tz_rule_local(&p->start, y) - p->std.utoff;
    end = tz_rule_local(&p->end, y) - p->dst.utoff;
    if (start < end)
        return (t >= start && t < end) ? &p->dst : &p->std;
    /* southern hemisphere: DST spans the new year */
    return (t >= end && t < start) ? &p->std : &p->dst;
}

/* tz_type_at - the local time type in effect at unix time t */
static const struct tz_type *
tz_type_at(const struct tz *tz, int64_t t)
{
    size_t lo, hi;

    if (tz->ntrans == 0)
        return tz->posix.valid ? tz_posix_type(&tz->posix, t) : &tz->types[0];
    if (t < tz->trans[0])
        return &tz->types[0];
    if (t >= tz->trans[tz->ntrans - 1] && tz->posix.valid)
        return tz_posix_type(&tz->posix, t);
    /* largest i with trans[i] <= t */
    lo = 0;
    hi = tz->ntrans;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &tz->types[tz->idx[lo]];
}

void
tz_utc_to_local(const struct tz *tz, int64_t t, struct tz_local *out)
{
    const struct tz_type *ty = tz_type_at(tz, t);
    int64_t local = t + ty->utoff;
    int64_t days = tz_floor_div(local, 86400);
    int64_t secs = local - days * 86400;
    int64_t y;

    memset(out, 0, sizeof(*out));
    tz_civil_from_days(days, &y, &out->month, &out->day);
    out->year = (int)y;
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    out->wday = tz_weekday(days);
    out->yday = (int)(days - tz_days_from_civil(y, 1, 1));
    out->utoff = ty->utoff;
    out->is_dst = ty->is_dst;
    memcpy(out->abbr, ty->abbr, sizeof(out->abbr));
}

/* tz_offset_at - seconds east of UTC at unix time t */
static int32_t
tz_offset_at(const struct tz *tz, int64_t t)
{
    return tz_type_at(tz, t)->utoff;
}

/* tz_add_offset - add o to the small set s[*n] unless present or full */
static int
tz_add_offset(int32_t *s, size_t *n, size_t cap, int32_t o)
{
    for (size_t i = 0; i < *n; i++)
        if (s[i] == o)
            return 0;
    if (*n == cap)
        return 0;
    s[(*n)++] = o;
    return 1;
}

/*
 * tz_offsets_near - every UTC offset in effect at some instant of
 * [local - TZ_WINDOW, local + TZ_WINDOW] into offs (room for
 * TZ_OFFSETS_MAX); returns how many.  An instant t whose wall clock reads
 * local has t = local - offset(t) inside that window, so its offset is in
 * the set however close together the transitions are.
 */
static size_t
tz_offsets_near(const struct tz *tz, int64_t local, int32_t *offs)
{
    int64_t lo = local - TZ_WINDOW, hi = local + TZ_WINDOW;
    size_t n = 0, a = 0, b = tz->ntrans;

    tz_add_offset(offs, &n, TZ_OFFSETS_MAX, tz_offset_at(tz, lo));
    while (a < b) { /* a = the first transition after lo */
        size_t mid = a + (b - a) / 2;
        if (tz->trans[mid] <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    for (; a < tz->ntrans && tz->trans[a] <= hi; a++)
        tz_add_offset(offs, &n, TZ_OFFSETS_MAX, tz->types[tz->idx[a]].utoff);
    if (tz->posix.valid &&
        (tz->ntrans == 0 || hi >= tz->trans[tz->ntrans - 1])) {
        tz_add_offset(offs, &n, TZ_OFFSETS_MAX, tz->posix.std.utoff);
        if (tz->posix.has_dst)
            tz_add_offset(offs, &n, TZ_OFFSETS_MAX, tz->posix.dst.utoff);
    }
    return n;
}

int
tz_local_to_utc(const struct tz *tz, int year, int month, int day, int hour,
                int minute, int64_t *out, enum tz_match *match)
{
    int32_t offs[TZ_OFFSETS_MAX];
    size_t noffs;
    int64_t local, best = 0, lo, hi;
    int ncand = 0;
    int32_t omin, omax;

    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > tz_days_in_month(year, month) || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59)
        return -1;
    local = tz_days_from_civil(year, month, day) * 86400 + hour * 3600 +
            minute * 60;
    noffs = tz_offsets_near(tz, local, offs);

    /* consistent candidates: at local - o the offset really is o */
    omin = omax = offs[0];
    for (size_t i = 0; i < noffs; i++) {
        int64_t t = local - offs[i];
        if (offs[i] < omin)
            omin = offs[i];
        if (offs[i] > omax)
            omax = offs[i];
        if (tz_offset_at(tz, t) != offs[i])
            continue;
        if (ncand == 0 || t < best)
            best = t;
        ncand++;
    }
    if (ncand > 0) {
        *out = best;
        if (match)
            *match = ncand == 1 ? TZ_MATCH_UNIQUE : TZ_MATCH_FOLD;
        return 0;
    }

    /*
     * A gap: the wall clock jumped over this time.  The local time
     * g(t) = t + offset(t) is below it at local - omax and above it at
     * local - omin; the first instant with g(t) >= local is the moment
     * the clock jumped, i.e. the first valid time after the gap.
     */
    lo = local - omax;
    hi = local - omin;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (mid + tz_offset_at(tz, mid) >= local)
            hi = mid;
        else
            lo = mid;
    }
    *out = hi;
    if (match)
        *match = TZ_MATCH_GAP;
    return 0;
}

/* tz_parse_name - a POSIX zone abbreviation: letters, or <...> */
static const char *
tz_parse_name(const char *s, char *out, size_t size)
{
    size_t n = 0;

    if (*s == '<') {
        s++;
        while (*s && *s != '>') {
            if (!isalnum((unsigned char)*s) && *s != '+' && *s != '-')
                return NULL;
            if (n + 1 < size)
                out[n++] = *s;
            s++;
        }
        if (*s != '>')
            return NULL;
        s++;
    } else {
        while (isalpha((unsigned char)*s)) {
            if (n + 1 < size)
                out[n++] = *s;
            s++;
        }
    }
    out[n] = '\0';
    return n >= 1 ? s : NULL;
}

/* tz_parse_hms - [+-]h[h[h]][:mm[:ss]] to seconds, hours <= max_h */
static const char *
tz_parse_hms(const char *s, int max_h, int32_t *out)
{
    int sign = 1;
    long h = 0, m = 0, sec = 0;
    int digits = 0;

    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    while (isdigit((unsigned char)*s) && digits < 3) {
        h = h * 10 + (*s++ - '0');
        digits++;
    }
    if (digits == 0 || h > max_h)
        return NULL;
    if (*s == ':') {
        s++;
        if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
            return NULL;
        m = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
        if (*s == ':') {
            s++;
            if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
                return NULL;
            sec = (s[0] - '0') * 10 + (s[1] - '0');
            s += 2;
        }
        if (m > 59 || sec > 59)
            return NULL;
    }
    *out = (int32_t)(sign * (h * 3600 + m * 60 + sec));
    return s;
}

/* tz_parse_num - 1..3 digit number in [min,max] */
static const char *
tz_parse_num(const char *s, int min, int max, int *out)
{
    int v = 0, digits = 0;

    while (isdigit((unsigned char)*s) && digits < 3) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (digits == 0 || v < min || v > max)
        return NULL;
    *out = v;
    return s;
}

/* tz_parse_rule - "Mm.w.d", "Jn" or "n", then an optional "/time" */
static const char *
tz_parse_rule(const char *s, struct tz_rule *r)
{
    memset(r, 0, sizeof(*r));
    if (*s == 'M') {
        r->kind = 'M';
        s = tz_parse_num(s + 1, 1, 12, &r->month);
        if (s == NULL || *s != '.')
            return NULL;
        s = tz_parse_num(s + 1, 1, 5, &r->week);
        if (s == NULL || *s != '.')
            return NULL;
        s = tz_parse_num(s + 1, 0, 6, &r->wday);
    } else if (*s == 'J') {
        r->kind = 'J';
        s = tz_parse_num(s + 1, 1, 365, &r->n);
    } else {
        r->kind = 'N';
        s = tz_parse_num(s, 0, 365, &r->n);
    }
    if (s == NULL)
        return NULL;
    r->time = 2 * 3600;
    if (*s == '/')
        s = tz_parse_hms(s + 1, 167, &r->time);
    return s;
}

/* tz_parse_posix - the footer string; 0 or -1 */
static int
tz_parse_posix(const char *s, struct tz_posix *p)
{
    int32_t off;

    memset(p, 0, sizeof(*p));
    if ((s = tz_parse_name(s, p->std.abbr, sizeof(p->std.abbr))) == NULL)
        return -1;
    if ((s = tz_parse_hms(s, 24, &off)) == NULL)
        return -1;
    p->std.utoff = -off; /* POSIX offsets count west of Greenwich */
    p->valid = 1;
    if (*s == '\0')
        return 0;
    if ((s = tz_parse_name(s, p->dst.abbr, sizeof(p->dst.abbr))) == NULL)
        return -1;
    p->has_dst = 1;
    p->dst.is_dst = 1;
    p->dst.utoff = p->std.utoff + 3600;
    if (*s != ',' && *s != '\0') {
        if ((s = tz_parse_hms(s, 24, &off)) == NULL)
            return -1;
        p->dst.utoff = -off;
    }
    if (*s == '\0') {
        /* no rule given: the US rules, as glibc assumes */
        p->start = (struct tz_rule){'M', 3, 2, 0, 0, 2 * 3600};
        p->end = (struct tz_rule){'M', 11, 1, 0, 0, 2 * 3600};
        return 0;
    }
    if (*s != ',' || (s = tz_parse_rule(s + 1, &p->start)) == NULL)
        return -1;
    if (*s != ',' || (s = tz_parse_rule(s + 1, &p->end)) == NULL)
        return -1;
    return *s == '\0' ? 0 : -1;
}

/* tz_be32 - big-endian 32-bit signed value */
static int32_t
tz_be32(const unsigned char *p)
{
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
                     ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

/* TZif header counts, in file order */
struct tz_counts {
    size_t isut, isstd, leap, time, type, chars;
};

/* tz_header - check the magic and read the six counts at p */
static int
tz_header(const unsigned char *p, size_t avail, struct tz_counts *c)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = (uint32_t)tz_be32(p + 20);
    c->isstd = (uint32_t)tz_be32(p + 24);
    c->leap = (uint32_t)tz_be32(p + 28);
    c->time = (uint32_t)tz_be32(p + 32);
    c->type = (uint32_t)tz_be32(p + 36);
    c->chars = (uint32_t)tz_be32(p + 40);
    if (c->time > TZ_TRANS_MAX || c->type < 1 || c->type > 256 ||
        c->chars > 4096 || c->leap > 10000 || c->isut > 256 || c->isstd > 256)
        return -1;
    return 0;
}

/* tz_block_size - bytes of the data block after a header */
static size_t
tz_block_size(const struct tz_counts *c, size_t timesize)
{
    return c->time * timesize + c->time + c->type * 6 + c->chars +
           c->leap * (timesize + 4) + c->isstd + c->isut;
}

/* tz_parse_file - fill tz from the n bytes of a TZif file */
static int
tz_parse_file(struct tz *tz, const unsigned char *data, size_t n,
              struct err *err)
{
    struct tz_counts c;
    const unsigned char *p = data;
    size_t timesize = 4, size;
    int version;

    if (tz_header(p, n, &c) == -1)
        goto bad;
    version = p[4];
    size = tz_block_size(&c, 4);
    if (44 + size > n)
        goto bad;
    if (version >= '2') {
        /* skip the 32-bit data; use the 64-bit header and block */
        p += 44 + size;
        if (tz_header(p, n - (size_t)(p - data), &c) == -1)
            goto bad;
        timesize = 8;
        size = tz_block_size(&c, 8);
        if (44 + size > n - (size_t)(p - data))
            goto bad;
    }
    if (c.leap > 0) {
        err_set(err, ERR_PERM,
                "time zone '%s': leap-second zones are not supported",
                tz->name);
        return -1;
    }
    p += 44;
    tz->ntrans = c.time;
    tz->trans = xcalloc(c.time ? c.time : 1, sizeof(*tz->trans));
    tz->idx = xcalloc(c.time ? c.time : 1, 1);
    for (size_t i = 0; i < c.time; i++) {
        tz->trans[i] = timesize == 8 ? str_get_be64(p) : tz_be32(p);
        p += timesize;
        if (i > 0 && tz->trans[i] <= tz->trans[i - 1])
            goto bad;
    }
    for (size_t i = 0; i < c.time; i++) {
        tz->idx[i] = *p++;
        if (tz->idx[i] >= c.type)
            goto bad;
    }
    tz->ntypes = c.type;
    tz->types = xcalloc(c.type, sizeof(*tz->types));
    {
        const unsigned char *chars = p + c.type * 6;
        for (size_t i = 0; i < c.type; i++, p += 6) {
            size_t di = p[5], k = 0;
            tz->types[i].utoff = tz_be32(p);
            tz->types[i].is_dst = p[4] != 0;
            if (tz->types[i].utoff < -26 * 3600 ||
                tz->types[i].utoff > 26 * 3600 || (di >= c.chars && c.chars))
                goto bad;
            while (di < c.chars && chars[di] != '\0' &&
                   k + 1 < sizeof(tz->types[i].abbr))
                tz->types[i].abbr[k++] = (char)chars[di++];
        }
        p = chars + c.chars + c.isstd + c.isut;
    }
    /* the footer: "\nTZ-string\n" (version 2+) */
    if (version >= '2' && (size_t)(p - data) < n && *p == '\n') {
        const unsigned char *end =
            memchr(p + 1, '\n', n - (size_t)(p + 1 - data));
        if (end != NULL && end > p + 1) {
            char footer[128];
            size_t len = (size_t)(end - p - 1);
            if (len >= sizeof(footer))
                goto bad;
            memcpy(footer, p + 1, len);
            footer[len] = '\0';
            if (tz_parse_posix(footer, &tz->posix) == -1) {
                err_set(err, ERR_PERM, "time zone '%s': unsupported rule '%s'",
                        tz->name, footer);
                return -1;
            }
        }
    }
    return 0;
bad:
    err_set(err, ERR_PERM, "time zone '%s': malformed TZif file", tz->name);
    return -1;
}

int
tz_parse(const char *name, const void *data, size_t n, struct tz **out,
         struct err *err)
{
    struct tz *tz = xcalloc(1, sizeof(*tz));

    snprintf(tz->name, sizeof(tz->name), "%s", name);
    if (tz_parse_file(tz, data, n, err) == -1) {
        tz_free(tz);
        return -1;
    }
    *out = tz;
    return 0;
}

/* tz_name_ok - an IANA-looking name that cannot escape the directory */
static int
tz_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' ||
        strstr(name, "..") != NULL)
        return 0;
    for (const char *s = name; *s; s++)
        if (!isalnum((unsigned char)*s) && strchr("/_+-", *s) == NULL)
            return 0;
    return 1;
}

struct tz *
tz_utc(void)
{
    struct tz *tz = xcalloc(1, sizeof(*tz));

    memcpy(tz->name, "UTC", 4);
    tz->ntypes = 1;
    tz->types = xcalloc(1, sizeof(*tz->types));
    memcpy(tz->types[0].abbr, "UTC", 4);
    return tz;
}

int
tz_load(const char *name, struct tz **out, struct err *err)
{
    unsigned char *data = NULL;
    char path[1024];
    const char *dir = getenv("TZDIR");
    FILE *fp = NULL;
    size_t n;
    int rc = -1;

    if (name == NULL || *name == '\0' || strcmp(name, "UTC") == 0) {
        *out = tz_utc();
        return 0;
    }
    if (!tz_name_ok(name)) {
        err_set(err, ERR_PERM, "'%s' is not a time zone name", name);
        return -1;
    }
    if (dir == NULL || *dir == '\0')
        dir = "/usr/share/zoneinfo";
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        err_set(err, ERR_PERM, "time zone '%s': path too long", name);
        return -1;
    }
    fp = fopen(path, "rb");
    if (fp == NULL) {
        err_set(err, ERR_PERM, "unknown time zone '%s' (no %s)", name, path);
        goto out;
    }
    data = xmalloc(TZ_FILE_MAX);
    n = fread(data, 1, TZ_FILE_MAX, fp);
    if (ferror(fp) || n == TZ_FILE_MAX) {
        err_set(err, ERR_PERM, "time zone '%s': cannot read %s", name, path);
        goto out;
    }
    rc = tz_parse(name, data, n, out, err);
out:
    if (fp != NULL)
        fclose(fp);
    free(data);
    return rc;
}

void
tz_free(struct tz *tz)
{
    if (tz == NULL)
        return;
    free(tz->trans);
    free(tz->idx);
    free(tz->types);
    free(tz);
}

const char *
tz_name(const struct tz *tz)
{
    return tz->name;
}
