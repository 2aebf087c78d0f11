/* SPDX-License-Identifier: MIT */
/*
 * normalise - clean display text, canonical ids, dates and links (see
 * normalise.h).  Each text rule is one pass over a struct buf; the passes
 * are simple enough to check by eye and fast enough for 2,000-entry feeds.
 */
#include "normalise.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "paper.h"
#include "str.h"
#include "xalloc.h"

#define NORM_REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* norm_put_cp - append code point cp as UTF-8 */
static void
norm_put_cp(struct buf *b, unsigned cp)
{
    char u[4];

    if (cp < 0x80) {
        u[0] = (char)cp;
        buf_add(b, u, 1);
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        buf_add(b, u, 2);
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        buf_add(b, u, 4);
    }
}

/* norm_utf8_seq - length of the well-formed UTF-8 sequence at s (at most n
 * bytes) and its code point, or 0 if it is not well-formed (RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF) */
static size_t
norm_utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0], v;
    size_t len;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
        (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
        return 0;
    *cp = v;
    return len;
}

/* norm_repair - pass 1: repair UTF-8, controls become spaces, NUL goes */
static void
norm_repair(struct buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned cp;
        size_t len, run = i;
        /* fast path: a run of printable ASCII (and tab, LF, CR) */
        while (run < n && ((u[run] >= 0x20 && u[run] < 0x7F) ||
                           u[run] == '\t' || u[run] == '\n' || u[run] == '\r'))
            run++;
        if (run > i) {
            buf_add(out, s + i, run - i);
            i = run;
            continue;
        }
        len = norm_utf8_seq(u + i, n - i, &cp);
        if (len == 0) {
            buf_adds(out, NORM_REPLACEMENT);
            i++;
            continue;
        }
        if (cp == 0) {
            /* dropped */
        } else if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
                   cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            buf_addc(out, ' ');
        } else {
            buf_add(out, s + i, len);
        }
        i += len;
    }
}

char *
normalise_utf8_repair(const char *s, size_t n)
{
    struct buf b;
    char *r;

    buf_init(&b, BUF_UNLIMITED);
    norm_repair(&b, s, n);
    r = buf_detach(&b);
    return r ? r : xstrdup("");
}

/* norm_is_alpha - ASCII letter */
static int
norm_is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* norm_is_space - ASCII whitespace */
static int
norm_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* norm_inline_tag - 1 for tags that sit inside a word (<i>, <sub>...) */
static int
norm_inline_tag(const char *t, size_t n)
{
    static const char *const inl[] = {
        "i",  "b", "em", "strong", "sub", "sup",  "a",    "span", "code",
        "tt", "u", "s",  "small",  "big", "font", "abbr", NULL};
    size_t k = 0;

    if (n > 0 && t[0] == '/') {
        t++;
        n--;
    }
    while (k < n && norm_is_alpha((unsigned char)t[k]))
        k++;
    for (int i = 0; inl[i]; i++)
        if (strlen(inl[i]) == k && strncasecmp(inl[i], t, k) == 0)
            return 1;
    return 0;
}

/* norm_copy_until - copy s[i..n) to out up to the next c after s[i] (in
 * one go: the passes copy plain text between the bytes they rewrite);
 * returns the index of that c, or n */
static size_t
norm_copy_until(struct buf *out, const char *s, size_t n, size_t i, char c)
{
    const char *p = memchr(s + i + 1, c, n - i - 1);
    size_t end = p ? (size_t)(p - s) : n;

    buf_add(out, s + i, end - i);
    return end;
}

/* norm_strip_tags - pass 2: drop HTML tags and comments */
static void
norm_strip_tags(struct buf *out, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        if (s[i] == '<' && i + 1 < n &&
            (norm_is_alpha((unsigned char)s[i + 1]) || s[i + 1] == '/' ||
             s[i + 1] == '!' || s[i + 1] == '?')) {
            const char *end;
            size_t skip;
            if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
                end = memmem(s + i + 4, n - i - 4, "-->", 3);
                if (end != NULL) {
                    i = (size_t)(end - s) + 3;
                    continue;
                }
            }
            end = memchr(s + i, '>', n - i);
            if (end == NULL) {
                buf_add(out, s + i, n - i);
                return;
            }
            skip = (size_t)(end - s) + 1;
            if (!norm_inline_tag(s + i + 1, skip - i - 2))
                buf_addc(out, ' ');
            i = skip;
            continue;
        }
        i = norm_copy_until(out, s, n, i, '<');
    }
}

struct norm_entity {
    const char *name;
    unsigned cp;
};

static const struct norm_entity norm_entities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},
    {"quot", '"'},     {"apos", '\''},     {"nbsp", ' '},
    {"ndash", 0x2013}, {"mdash", 0x2014},  {"hellip", 0x2026},
    {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C},
    {"rdquo", 0x201D}, {"copy", 0xA9},     {"reg", 0xAE},
    {"deg", 0xB0},     {"times", 0xD7},    {"plusmn", 0xB1},
    {"eacute", 0xE9},  {"egrave", 0xE8},   {"aacute", 0xE1},
    {"uuml", 0xFC},    {"ouml", 0xF6},     {"auml", 0xE4},
    {"Uuml", 0xDC},    {"Ouml", 0xD6},     {"Auml", 0xC4},
    {"szlig", 0xDF},   {"ccedil", 0xE7},   {"ntilde", 0xF1},
    {"alpha", 0x3B1},  {"beta", 0x3B2},    {"gamma", 0x3B3},
    {"delta", 0x3B4},  {"epsilon", 0x3B5}, {"lambda", 0x3BB},
    {"mu", 0x3BC},     {"pi", 0x3C0},      {"sigma", 0x3C3},
    {"le", 0x2264},    {"ge", 0x2265},     {"rarr", 0x2192},
    {NULL, 0},
};

/* norm_entity_at - decode the entity at s[0]=='&'; returns its length or 0 */
static size_t
norm_entity_at(const char *s, size_t n, unsigned *cp)
{
    size_t k = 1;
    unsigned long v = 0;

    if (n >= 3 && s[1] == '#') {
        int hex = (s[2] == 'x' || s[2] == 'X');
        k = hex ? 3 : 2;
        size_t start = k;
        while (k < n && k < start + 8) {
            int c = (unsigned char)s[k], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            else
                break;
            v = v * (hex ? 16u : 10u) + (unsigned)d;
            k++;
        }
        if (k == start || k >= n || s[k] != ';')
            return 0;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            v = 0xFFFD;
        *cp = (unsigned)v;
        return k + 1;
    }
    while (k < n && k < 12 && norm_is_alpha((unsigned char)s[k]))
        k++;
    if (k == 1 || k >= n || s[k] != ';')
        return 0;
    for (const struct norm_entity *e = norm_entities; e->name; e++)
        if (strlen(e->name) == k - 1 && memcmp(e->name, s + 1, k - 1) == 0) {
            *cp = e->cp;
            return k + 1;
        }
    return 0;
}

/* norm_entities_pass - pass 3: decode HTML entities once */
static void
norm_entities_pass(struct buf *out, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned cp;
        size_t len;
        if (s[i] == '&' && (len = norm_entity_at(s + i, n - i, &cp)) > 0) {
            if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
                buf_addc(out, ' ');
            else
                norm_put_cp(out, cp);
            i += len;
            continue;
        }
        i = norm_copy_until(out, s, n, i, '&');
    }
}

struct norm_accent {
    char accent; /* the TeX accent command character */
    char base;   /* the ASCII letter it applies to */
    unsigned cp; /* the precomposed character */
};

static const struct norm_accent norm_accents[] = {
    {'`', 'A', 0xC0},   {'`', 'E', 0xC8},   {'`', 'I', 0xCC},
    {'`', 'O', 0xD2},   {'`', 'U', 0xD9},   {'`', 'a', 0xE0},
    {'`', 'e', 0xE8},   {'`', 'i', 0xEC},   {'`', 'o', 0xF2},
    {'`', 'u', 0xF9},   {'\'', 'A', 0xC1},  {'\'', 'E', 0xC9},
    {'\'', 'I', 0xCD},  {'\'', 'O', 0xD3},  {'\'', 'U', 0xDA},
    {'\'', 'Y', 0xDD},  {'\'', 'a', 0xE1},  {'\'', 'e', 0xE9},
    {'\'', 'i', 0xED},  {'\'', 'o', 0xF3},  {'\'', 'u', 0xFA},
    {'\'', 'y', 0xFD},  {'\'', 'C', 0x106}, {'\'', 'c', 0x107},
    {'\'', 'N', 0x143}, {'\'', 'n', 0x144}, {'\'', 'S', 0x15A},
    {'\'', 's', 0x15B}, {'\'', 'Z', 0x179}, {'\'', 'z', 0x17A},
    {'^', 'A', 0xC2},   {'^', 'E', 0xCA},   {'^', 'I', 0xCE},
    {'^', 'O', 0xD4},   {'^', 'U', 0xDB},   {'^', 'a', 0xE2},
    {'^', 'e', 0xEA},   {'^', 'i', 0xEE},   {'^', 'o', 0xF4},
    {'^', 'u', 0xFB},   {'~', 'A', 0xC3},   {'~', 'N', 0xD1},
    {'~', 'O', 0xD5},   {'~', 'a', 0xE3},   {'~', 'n', 0xF1},
    {'~', 'o', 0xF5},   {'"', 'A', 0xC4},   {'"', 'E', 0xCB},
    {'"', 'I', 0xCF},   {'"', 'O', 0xD6},   {'"', 'U', 0xDC},
    {'"', 'a', 0xE4},   {'"', 'e', 0xEB},   {'"', 'i', 0xEF},
    {'"', 'o', 0xF6},   {'"', 'u', 0xFC},   {'"', 'y', 0xFF},
    {'"', 'Y', 0x178},  {'=', 'a', 0x101},  {'=', 'e', 0x113},
    {'=', 'i', 0x12B},  {'=', 'o', 0x14D},  {'=', 'u', 0x16B},
    {'=', 'A', 0x100},  {'=', 'E', 0x112},  {'=', 'I', 0x12A},
    {'=', 'O', 0x14C},  {'=', 'U', 0x16A},  {'c', 'C', 0xC7},
    {'c', 'c', 0xE7},   {'c', 'S', 0x15E},  {'c', 's', 0x15F},
    {'v', 'C', 0x10C},  {'v', 'c', 0x10D},  {'v', 'S', 0x160},
    {'v', 's', 0x161},  {'v', 'Z', 0x17D},  {'v', 'z', 0x17E},
    {'v', 'R', 0x158},  {'v', 'r', 0x159},  {'v', 'E', 0x11A},
    {'v', 'e', 0x11B},  {0, 0, 0},
};

/* norm_accent_lookup - precomposed character for accent+base, or 0 */
static unsigned
norm_accent_lookup(char accent, char base)
{
    for (const struct norm_accent *a = norm_accents; a->accent; a++)
        if (a->accent == accent && a->base == base)
            return a->cp;
    return 0;
}

struct norm_letter {
    const char *cmd; /* command name after the backslash */
    unsigned cp;
};

static const struct norm_letter norm_letters[] = {
    {"ss", 0xDF}, {"o", 0xF8},  {"O", 0xD8},   {"aa", 0xE5},  {"AA", 0xC5},
    {"ae", 0xE6}, {"AE", 0xC6}, {"oe", 0x153}, {"OE", 0x152}, {"l", 0x142},
    {"L", 0x141}, {"i", 'i'},   {NULL, 0},
};

/* norm_tex_at - decode a TeX accent or escape at s[0]=='\\'; returns the
 * bytes consumed (0: not one we handle) and the code point */
static size_t
norm_tex_at(const char *s, size_t n, unsigned *cp)
{
    char a;
    size_t k;

    if (n < 2)
        return 0;
    a = s[1];
    if (a == '&' || a == '%' || a == '$' || a == '#' || a == '_') {
        *cp = (unsigned char)a;
        return 2;
    }
    if (a == '"' || a == '\'' || a == '`' || a == '^' || a == '~' || a == '=') {
        k = 2;
    } else if ((a == 'c' || a == 'v') && n > 2 &&
               (s[2] == '{' || s[2] == ' ')) {
        k = 2;
        if (s[2] == ' ')
            k = 3;
    } else if (norm_is_alpha((unsigned char)a)) {
        /* a letter command such as \ss or \o, ended by a non-letter */
        k = 1;
        while (k < n && norm_is_alpha((unsigned char)s[k]))
            k++;
        for (const struct norm_letter *l = norm_letters; l->cmd; l++)
            if (strlen(l->cmd) == k - 1 && memcmp(l->cmd, s + 1, k - 1) == 0 &&
                l->cp != 'i') {
                *cp = l->cp;
                if (k < n && s[k] == ' ')
                    k++; /* "\ss " : the space ends the command */
                return k;
            }
        return 0;
    } else {
        return 0;
    }
    /* the argument: X, {X}, \i or {\i} */
    if (k < n && s[k] == '{') {
        if (k + 2 < n && s[k + 2] == '}' &&
            norm_is_alpha((unsigned char)s[k + 1])) {
            *cp = norm_accent_lookup(a, s[k + 1]);
            return *cp ? k + 3 : 0;
        }
        if (k + 3 < n && s[k + 1] == '\\' && s[k + 2] == 'i' &&
            s[k + 3] == '}') {
            *cp = norm_accent_lookup(a, 'i');
            return *cp ? k + 4 : 0;
        }
        return 0;
    }
    if (k + 1 < n && s[k] == '\\' && s[k + 1] == 'i' &&
        (k + 2 == n || !norm_is_alpha((unsigned char)s[k + 2]))) {
        *cp = norm_accent_lookup(a, 'i');
        return *cp ? k + 2 : 0;
    }
    if (k < n && norm_is_alpha((unsigned char)s[k])) {
        *cp = norm_accent_lookup(a, s[k]);
        return *cp ? k + 1 : 0;
    }
    return 0;
}

/* norm_tex - pass 4: TeX accents and escapes; "{\"U}" loses its braces */
static void
norm_tex(struct buf *out, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned cp;
        size_t len;
        if (s[i] == '{' && i + 1 < n && s[i + 1] == '\\' &&
            (len = norm_tex_at(s + i + 1, n - i - 1, &cp)) > 0 &&
            i + 1 + len < n && s[i + 1 + len] == '}') {
            norm_put_cp(out, cp);
            i += len + 2;
            continue;
        }
        if (s[i] == '\\' && (len = norm_tex_at(s + i, n - i, &cp)) > 0) {
            norm_put_cp(out, cp);
            i += len;
            continue;
        }
        {
            /* copy up to the next '\\' or '{' in one go */
            size_t end = i + 1;
            while (end < n && s[end] != '\\' && s[end] != '{')
                end++;
            buf_add(out, s + i, end - i);
            i = end;
        }
    }
}

/* norm_collapse - pass 5: whitespace runs to one space, trimmed, capped */
static void
norm_collapse(struct buf *out, const char *s, size_t n)
{
    int pending = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (norm_is_space(c) ||
            (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)) {
            if (c == 0xC2)
                i++;
            pending = out->len > 0;
            continue;
        }
        if (pending) {
            buf_addc(out, ' ');
            pending = 0;
        }
        {
            /* copy the run of non-space bytes in one go */
            size_t end = i + 1;
            while (end < n && !norm_is_space((unsigned char)s[end]) &&
                   (unsigned char)s[end] != 0xC2)
                end++;
            buf_add(out, s + i, end - i);
            i = end - 1;
        }
    }
}

char *
normalise_text(const char *s, size_t n, int flags)
{
    struct buf a, b, *in = &a, *out = &b, *t;
    char *r;

    buf_init(&a, BUF_UNLIMITED);
    buf_init(&b, BUF_UNLIMITED);
    norm_repair(in, s, n);
    if (flags & NORM_STRIP_TAGS) {
        norm_strip_tags(out, in->data ? in->data : "", in->len);
        t = in, in = out, out = t;
        buf_reset(out);
    }
    if (flags & NORM_ENTITIES) {
        norm_entities_pass(out, in->data ? in->data : "", in->len);
        t = in, in = out, out = t;
        buf_reset(out);
    }
    if (flags & NORM_TEX) {
        norm_tex(out, in->data ? in->data : "", in->len);
        t = in, in = out, out = t;
        buf_reset(out);
    }
    norm_collapse(out, in->data ? in->data : "", in->len);
    if (out->len > PAPER_FIELD_MAX) {
        size_t cut = PAPER_FIELD_MAX;
        while (cut > 0 && ((unsigned char)out->data[cut] & 0xC0) == 0x80)
            cut--;
        buf_truncate(out, cut);
    }
    r = buf_detach(out);
    buf_release(in);
    buf_release(out);
    return r ? r : xstrdup("");
}

int
normalise_url_ok(const char *s)
{
    const char *host;
    size_t n = strlen(s);

    if (n > 2048)
        return 0;
    if (strncasecmp(s, "https://", 8) == 0)
        host = s + 8;
    else if (strncasecmp(s, "http://", 7) == 0)
        host = s + 7;
    else
        return 0;
    if (*host == '\0' || *host == '/')
        return 0;
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7F || *c == '"' || *c == '<' ||
            *c == '>' || *c == '\\')
            return 0;
    return 1;
}

/* norm_num - parse exactly k digits at *s into *out and advance */
static int
norm_num(const char **s, size_t k, int *out)
{
    int v = 0;
    for (size_t i = 0; i < k; i++) {
        if ((*s)[i] < '0' || (*s)[i] > '9')
            return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += k;
    *out = v;
    return 0;
}

/* norm_timegm - struct tm fields to unix seconds after range checks */
static int
norm_timegm(int y, int mon, int d, int h, int mi, int sec, int64_t *out)
{
    struct tm tm;

    if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || d < 1 || d > 31 ||
        h > 23 || mi > 59 || sec > 60)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return 0;
}

int
normalise_rfc822_time(const char *s, int64_t *out)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
                                         "May", "Jun", "Jul", "Aug",
                                         "Sep", "Oct", "Nov", "Dec"};
    int d, mon = 0, y, h, mi, sec = 0, off = 0;
    size_t k;
    int64_t t;

    while (*s == ' ')
        s++;
    if (norm_is_alpha((unsigned char)*s)) {
        const char *comma = strchr(s, ',');
        if (comma == NULL || comma - s > 10)
            return -1;
        s = comma + 1;
    }
    while (*s == ' ')
        s++;
    k = str_digits(s);
    if (k < 1 || k > 2 || norm_num(&s, k, &d) == -1 || *s++ != ' ')
        return -1;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(s, months[i], 3) == 0)
            mon = i + 1;
    if (mon == 0 || s[3] != ' ')
        return -1;
    s += 4;
    if (norm_num(&s, 4, &y) == -1 || *s++ != ' ')
        return -1;
    if (norm_num(&s, 2, &h) == -1 || *s++ != ':' || norm_num(&s, 2, &mi))
        return -1;
    if (*s == ':' && (s++, norm_num(&s, 2, &sec) == -1))
        return -1;
    while (*s == ' ')
        s++;
    if (*s == '+' || *s == '-') {
        int oh, om, sign = *s == '-' ? -1 : 1;
        s++;
        if (norm_num(&s, 2, &oh) == -1 || norm_num(&s, 2, &om) == -1)
            return -1;
        off = sign * (oh * 3600 + om * 60);
    } else if (*s != '\0' && strcmp(s, "GMT") != 0 && strcmp(s, "UT") != 0 &&
               strcmp(s, "UTC") != 0 && strcmp(s, "Z") != 0) {
        return -1;
    }
    if (norm_timegm(y, mon, d, h, mi, sec, &t) == -1)
        return -1;
    *out = t - off;
    return 0;
}

int
normalise_iso8601_time(const char *s, int64_t *out)
{
    int y, mon, d, h = 0, mi = 0, sec = 0, off = 0;
    int64_t t;

    while (*s == ' ')
        s++;
    if (norm_num(&s, 4, &y) == -1 || *s++ != '-' || norm_num(&s, 2, &mon) ||
        *s++ != '-' || norm_num(&s, 2, &d))
        return -1;
    if (*s == 'T' || *s == ' ') {
        s++;
        if (norm_num(&s, 2, &h) == -1 || *s++ != ':' || norm_num(&s, 2, &mi))
            return -1;
        if (*s == ':' && (s++, norm_num(&s, 2, &sec) == -1))
            return -1;
        if (*s == '.') {
            s++;
            if (str_digits(s) == 0)
                return -1;
            s += str_digits(s);
        }
        if (*s == 'Z') {
            s++;
        } else if (*s == '+' || *s == '-') {
            int oh, om, sign = *s == '-' ? -1 : 1;
            s++;
            if (norm_num(&s, 2, &oh) == -1)
                return -1;
            if (*s == ':')
                s++;
            if (norm_num(&s, 2, &om) == -1)
                return -1;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*s != '\0')
        return -1;
    if (norm_timegm(y, mon, d, h, mi, sec, &t) == -1)
        return -1;
    *out = t - off;
    return 0;
}

char *
normalise_field(const char *s, int flags)
{
    char *r;

    if (s == NULL)
        return NULL;
    r = normalise_text(s, strlen(s), flags);
    if (*r == '\0') {
        free(r);
        return NULL;
    }
    return r;
}
