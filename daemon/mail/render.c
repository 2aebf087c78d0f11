/* SPDX-License-Identifier: MIT */
/*
 * render - paper fields for the digest templates (see render.h).
 */
#include "render.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authors.h"
#include "str.h"

#define RENDER_ELLIPSIS "\xe2\x80\xa6" /* U+2026 */

/* render_space - 1 for ASCII white space (' ', \t, \n, \v, \f, \r) */
static const unsigned char render_space[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1};

/* render_is_space - ASCII white space */
static inline int
render_is_space(char c)
{
    return render_space[(unsigned char)c];
}

/* render_collapse_max - s with white space runs as one space, trimmed,
 * stopping once more than max bytes were added.  The usual way: s is
 * appended as it is and collapsed in place (the result is never longer);
 * word by word only when s itself would not fit under out's cap. */
static void
render_collapse_max(const char *s, size_t max, struct buf *out)
{
    size_t start = out->len, n = strlen(s);

    if (!out->failed && n < out->max && out->len + n < out->max) {
        char *d, *w;
        const char *r, *end;
        buf_add(out, s, n);
        if (out->failed)
            return;
        d = out->data + start;
        w = d;
        r = d;
        end = d + n;
        while (r < end && (size_t)(w - d) <= max) {
            while (r < end && render_space[(unsigned char)*r])
                r++;
            if (r == end)
                break;
            if (w > d)
                *w++ = ' ';
            while (r < end && !render_space[(unsigned char)*r])
                *w++ = *r++;
        }
        buf_truncate(out, start + (size_t)(w - d));
        return;
    }
    while (*s && out->len - start <= max && !out->failed) {
        const char *w;
        while (*s && render_is_space(*s))
            s++;
        if (*s == '\0')
            break;
        w = s;
        while (*s && !render_is_space(*s))
            s++;
        if (out->len > start)
            buf_addc(out, ' ');
        buf_add(out, w, (size_t)(s - w));
    }
}

/* render_collapse - s with white space runs as one space, trimmed */
static void
render_collapse(const char *s, struct buf *out)
{
    render_collapse_max(s, (size_t)-1, out);
}

void
render_trim_summary(const char *s, size_t cap, struct buf *out)
{
    size_t start = out->len, n, cut = 0;
    const char *t;

    /* collapsing stops a little past cap: the rest is cut anyway */
    render_collapse_max(s, cap + 1, out);
    if (out->failed)
        return;
    n = out->len - start;
    if (n <= cap)
        return;
    t = out->data + start;
    /* the last sentence end within cap, not too early */
    for (size_t i = cap / 3; i + 1 < n && i < cap; i++) {
        if ((t[i] == '.' || t[i] == '?' || t[i] == '!') && t[i + 1] == ' ') {
            /* not "e.g. " / "et al. ": the word before must be 3+ letters
             * or end in a closing bracket */
            size_t w = i;
            while (w > 0 && t[w - 1] != ' ')
                w--;
            if (i - w >= 3 || (i > 0 && (t[i - 1] == ')' || t[i - 1] == ']')))
                if (!(i - w == 3 && strncmp(t + w, "e.g", 3) == 0) &&
                    !(i - w == 3 && strncmp(t + w, "i.e", 3) == 0))
                    cut = i + 1;
        }
    }
    if (cut > 0) {
        buf_truncate(out, start + cut);
        return;
    }
    /* the last whole word, then an ellipsis */
    cut = cap;
    while (cut > 0 && t[cut] != ' ')
        cut--;
    if (cut == 0) { /* one huge word: cut on a character boundary */
        cut = cap;
        while (cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
            cut--;
    }
    while (cut > 0 && (t[cut - 1] == ',' || t[cut - 1] == ';' ||
                       t[cut - 1] == ':' || t[cut - 1] == ' '))
        cut--;
    buf_truncate(out, start + cut);
    buf_adds(out, RENDER_ELLIPSIS);
}

/* render_cols - display columns of s[0..n) (UTF-8 characters) */
static size_t
render_cols(const char *s, size_t n)
{
    size_t c = 0;

    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

void
render_wrap(const char *s, size_t width, size_t first_col, const char *indent,
            struct buf *out)
{
    size_t indn = strlen(indent);
    size_t col = first_col, ind = render_cols(indent, indn);
    char chunk[2048];
    size_t k = 0;
    int line_empty = 1;

    /* words are gathered in chunk and appended a chunk at a time */
    while (*s) {
        const char *w;
        size_t n, cols = 0;
        while (render_space[(unsigned char)*s])
            s++;
        if (*s == '\0')
            break;
        w = s;
        while (*s && !render_space[(unsigned char)*s]) {
            cols += ((unsigned char)*s & 0xc0) != 0x80;
            s++;
        }
        n = (size_t)(s - w);
        if (k + n + indn + 2 > sizeof(chunk)) {
            buf_add(out, chunk, k);
            k = 0;
        }
        if (!line_empty && col + 1 + cols > width) {
            if (indn + 1 > sizeof(chunk) - k) {
                buf_add(out, chunk, k);
                k = 0;
            }
            if (indn + 1 <= sizeof(chunk)) {
                chunk[k++] = '\n';
                memcpy(chunk + k, indent, indn);
                k += indn;
            } else {
                buf_addc(out, '\n');
                buf_add(out, indent, indn);
            }
            col = ind;
            line_empty = 1;
        }
        if (!line_empty) {
            if (k == sizeof(chunk)) {
                buf_add(out, chunk, k);
                k = 0;
            }
            chunk[k++] = ' ';
            col++;
        }
        if (n <= sizeof(chunk) - k) {
            memcpy(chunk + k, w, n);
            k += n;
        } else {
            buf_add(out, chunk, k);
            k = 0;
            buf_add(out, w, n);
        }
        col += cols;
        line_empty = 0;
    }
    buf_add(out, chunk, k);
}

void
render_day_long(const char *day, char *out, size_t size)
{
    struct tm tm;
    time_t t;

    if (str_parse_day(day, &tm) == -1 || str_day_to_time(day, &t) == -1 ||
        gmtime_r(&t, &tm) == NULL) {
        (void)str_copy(out, size, day);
        return;
    }
    snprintf(out, size, "%s, %d %s %d", str_weekday_name(tm.tm_wday),
             tm.tm_mday, str_month_name(tm.tm_mon), tm.tm_year + 1900);
}

void
render_period_long(const char *from, const char *to, char *out, size_t size)
{
    struct tm a, b;
    time_t ta, tb;

    if (str_day_to_time(from, &ta) == -1 || str_day_to_time(to, &tb) == -1 ||
        gmtime_r(&ta, &a) == NULL || gmtime_r(&tb, &b) == NULL) {
        snprintf(out, size, "%s to %s", from, to);
        return;
    }
    if (ta == tb)
        snprintf(out, size, "%d %s %d", b.tm_mday, str_month_name(b.tm_mon),
                 b.tm_year + 1900);
    else if (a.tm_year != b.tm_year)
        snprintf(out, size, "%d %s %d \xe2\x80\x93 %d %s %d", a.tm_mday,
                 str_month_name(a.tm_mon), a.tm_year + 1900, b.tm_mday,
                 str_month_name(b.tm_mon), b.tm_year + 1900);
    else if (a.tm_mon != b.tm_mon)
        snprintf(out, size, "%d %s \xe2\x80\x93 %d %s %d", a.tm_mday,
                 str_month_name(a.tm_mon), b.tm_mday, str_month_name(b.tm_mon),
                 b.tm_year + 1900);
    else
        snprintf(out, size, "%d\xe2\x80\x93%d %s %d", a.tm_mday, b.tm_mday,
                 str_month_name(b.tm_mon), b.tm_year + 1900);
}

int
render_arxiv_id_ok(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '/'))
            return 0;
    }
    return strstr(id, "..") == NULL;
}

int
render_url_ok(const char *s)
{
    size_t n = strlen(s);

    if (!str_has_prefix(s, "https://") && !str_has_prefix(s, "http://"))
        return 0;
    if (n > 2000 || str_has_ctl(s, n))
        return 0;
    return strpbrk(s, " \"'<>\\`") == NULL;
}

/* render_set_buf - set key to the scratch buffer's contents, then empty it */
static void
render_set_buf(struct tmpl_obj *item, const char *key, struct buf *b)
{
    tmpl_setn(item, key, buf_str(b), b->len);
    buf_reset(b);
}

/* render_set_url - key = prefix + id (no printf: this runs 20,000 times a
 * second) */
static void
render_set_url(struct tmpl_obj *item, const char *key, const char *prefix,
               const char *id, struct buf *scratch)
{
    buf_adds(scratch, prefix);
    buf_adds(scratch, id);
    render_set_buf(item, key, scratch);
}

/* render_set_int - key = n in decimal, plus an optional suffix */
static void
render_set_int(struct tmpl_obj *item, const char *key, int n,
               const char *suffix, struct buf *scratch)
{
    char d[16];
    size_t k = sizeof(d);
    unsigned v = n < 0 ? 0u - (unsigned)n : (unsigned)n;

    do {
        d[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && k > 1);
    if (n < 0)
        d[--k] = '-';
    buf_add(scratch, d + k, sizeof(d) - k);
    buf_adds(scratch, suffix);
    render_set_buf(item, key, scratch);
}

void
render_paper(struct tmpl_obj *item, const struct db_digest_paper *p,
             struct buf *scratch, struct buf *scratch2)
{
    render_paper_vary(item, p, scratch);
    render_paper_fixed(item, p, scratch, scratch2);
}

void
render_paper_vary(struct tmpl_obj *item, const struct db_digest_paper *p,
                  struct buf *scratch)
{
    buf_reset(scratch);
    render_set_int(item, "rank", p->rank, "", scratch);
    tmpl_set(item, "why", p->why);
}

void
render_paper_fixed(struct tmpl_obj *item, const struct db_digest_paper *p,
                   struct buf *scratch, struct buf *scratch2)
{
    int id_ok = render_arxiv_id_ok(p->arxiv_id);
    const char *summary = *p->abstract ? p->abstract : p->ai_summary;

    buf_reset(scratch);
    buf_reset(scratch2);
    tmpl_set(item, "arxiv_id", p->arxiv_id);
    /* the collapsed title stays at the start of scratch while its
     * wrapped form is built after it */
    render_collapse(p->title, scratch);
    tmpl_setn(item, "title", buf_str(scratch), scratch->len);
    render_wrap(buf_str(scratch), RENDER_TEXT_WIDTH, 4, "    ", scratch2);
    render_set_buf(item, "title_txt", scratch2);
    buf_reset(scratch);

    if (id_ok) {
        render_set_url(item, "abs_url", "https://arxiv.org/abs/", p->arxiv_id,
                       scratch);
        render_set_url(item, "pdf_url", "https://arxiv.org/pdf/", p->arxiv_id,
                       scratch);
    } else {
        tmpl_set(item, "abs_url", "");
        tmpl_set(item, "pdf_url", "");
    }
    if (id_ok && (*p->hf_day || p->upvotes > 0))
        render_set_url(item, "hf_url", "https://huggingface.co/papers/",
                       p->arxiv_id, scratch);
    else
        tmpl_set(item, "hf_url", "");
    tmpl_set(item, "code_url",
             render_url_ok(p->github_repo) ? p->github_repo : "");
    tmpl_set(item, "project_url",
             render_url_ok(p->project_page) ? p->project_page : "");

    authors_format(p->authors, RENDER_AUTHORS_MAX, scratch);
    tmpl_setn(item, "authors", buf_str(scratch), scratch->len);
    render_wrap(buf_str(scratch), RENDER_TEXT_WIDTH, 4, "    ", scratch2);
    render_set_buf(item, "authors_txt", scratch2);
    buf_reset(scratch);

    /* 'cs.LG,stat.ML' -> 'cs.LG, stat.ML' */
    for (const char *c = p->categories; *c; c++) {
        if (*c == ',')
            buf_adds(scratch, ", ");
        else if (!render_is_space(*c))
            buf_addc(scratch, *c);
    }
    render_set_buf(item, "categories", scratch);

    if (p->upvotes > 0) {
        render_set_int(item, "upvotes", p->upvotes, "", scratch);
        render_set_int(item, "upvotes_label", p->upvotes,
                       p->upvotes == 1 ? " upvote" : " upvotes", scratch);
    } else {
        tmpl_set(item, "upvotes", "");
        tmpl_set(item, "upvotes_label", "");
    }

    render_trim_summary(summary, RENDER_SUMMARY_MAX, scratch);
    tmpl_setn(item, "summary", buf_str(scratch), scratch->len);
    buf_adds(scratch2, "    ");
    render_wrap(buf_str(scratch), RENDER_TEXT_WIDTH, 4, "    ", scratch2);
    render_set_buf(item, "summary_txt", scratch2);
    buf_reset(scratch);
}
