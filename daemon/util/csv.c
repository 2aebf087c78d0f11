/* SPDX-License-Identifier: MIT */
/*
 * csv - RFC 4180 reading and writing (see csv.h).
 *
 * The reader is a small state machine over characters: outside quotes a
 * comma ends a field and CR, LF or CRLF ends the record; a quote is only
 * special at the start of a field, and inside a quoted field "" is one
 * quote and a lone quote closes the field.  A malformed record is read to
 * its end (so the next record starts in the right place) and reported
 * once.
 */
#include "csv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "xalloc.h"

#define CSV_EOF (-1)

/* csv_reader_setup - common initialisation */
static void
csv_reader_setup(struct csv_reader *r)
{
    r->line = 1;
    r->nback = 0;
    r->started = 0;
    r->fatal = 0;
    r->field_max = CSV_FIELD_MAX;
    r->record_max = CSV_RECORD_MAX;
    r->fields_max = CSV_FIELDS_MAX;
}

void
csv_reader_init_mem(struct csv_reader *r, const char *data, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->data = data;
    r->len = len;
    csv_reader_setup(r);
}

void
csv_reader_init_file(struct csv_reader *r, FILE *fp)
{
    memset(r, 0, sizeof(*r));
    r->fp = fp;
    csv_reader_setup(r);
}

/* csv_getc - next byte (pushed-back ones first), or CSV_EOF */
static int
csv_getc(struct csv_reader *r)
{
    int c;

    if (r->nback > 0)
        return r->back[--r->nback];
    if (r->fp != NULL) {
        c = getc(r->fp);
        return c == EOF ? CSV_EOF : c;
    }
    if (r->pos >= r->len)
        return CSV_EOF;
    return (unsigned char)r->data[r->pos++];
}

/* csv_ungetc - push c back (at most 4 deep; EOF may be pushed too) */
static void
csv_ungetc(struct csv_reader *r, int c)
{
    if (r->nback < (int)(sizeof(r->back) / sizeof(r->back[0])))
        r->back[r->nback++] = c;
}

/* csv_skip_bom - drop a UTF-8 byte order mark at the very start */
static void
csv_skip_bom(struct csv_reader *r)
{
    static const int bom[3] = {0xEF, 0xBB, 0xBF};
    int c[3], n;

    r->started = 1;
    for (n = 0; n < 3; n++) {
        c[n] = csv_getc(r);
        if (c[n] != bom[n]) {
            n++;
            break;
        }
    }
    if (n == 3 && c[2] == bom[2])
        return;
    while (n > 0)
        csv_ungetc(r, c[--n]);
}

void
csv_record_init(struct csv_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    buf_init(&rec->text, BUF_UNLIMITED);
}

void
csv_record_release(struct csv_record *rec)
{
    buf_release(&rec->text);
    free(rec->off);
    memset(rec, 0, sizeof(*rec));
}

const char *
csv_field(const struct csv_record *rec, size_t i)
{
    if (i >= rec->n)
        return "";
    return rec->text.data + rec->off[i];
}

/* csv_start_field - open field number rec->n at the end of text */
static void
csv_start_field(struct csv_record *rec)
{
    if (rec->n == rec->cap) {
        rec->cap = rec->cap ? rec->cap * 2 : 16;
        rec->off = xrealloc(rec->off, rec->cap * sizeof(*rec->off));
    }
    rec->off[rec->n++] = rec->text.len;
}

int
csv_read(struct csv_reader *r, struct csv_record *rec, struct err *err)
{
    enum { F_START, F_PLAIN, F_QUOTED, F_QUOTE_IN_QUOTED } st = F_START;
    const char *bad = NULL; /* first problem found in this record */
    size_t field_len = 0, record_len = 0;
    int c;

    if (r->fatal)
        return 0;
    if (!r->started)
        csv_skip_bom(r);
    buf_reset(&rec->text);
    rec->n = 0;

    /* skip empty lines between records */
    for (;;) {
        c = csv_getc(r);
        if (c == '\n') {
            r->line++;
        } else if (c == '\r') {
            int d = csv_getc(r);
            if (d != '\n')
                csv_ungetc(r, d);
            r->line++;
        } else {
            break;
        }
    }
    if (c == CSV_EOF)
        return 0;
    rec->line = r->line;
    csv_start_field(rec);

    for (;; c = csv_getc(r)) {
        if (c == CSV_EOF) {
            if (st == F_QUOTED) {
                r->fatal = 1;
                err_set(err, ERR_PERM,
                        "line %ld: a quoted field is not closed before the "
                        "end of the file",
                        rec->line);
                return -1;
            }
            break;
        }
        if (c == '\0' && bad == NULL)
            bad = "contains a NUL byte";
        if (st == F_QUOTED) {
            if (c == '"') {
                st = F_QUOTE_IN_QUOTED;
                continue;
            }
            if (c == '\n')
                r->line++;
            else if (c == '\r') {
                int d = csv_getc(r);
                if (d != '\n')
                    r->line++;
                csv_ungetc(r, d);
            }
        } else {
            if (st == F_QUOTE_IN_QUOTED) {
                if (c == '"') { /* "" is one quote */
                    st = F_QUOTED;
                    goto add;
                }
                st = F_PLAIN; /* the field's closing quote */
                if (c != ',' && c != '\r' && c != '\n') {
                    if (bad == NULL)
                        bad = "text after the closing quote of a field";
                }
            }
            if (c == ',') {
                buf_addc(&rec->text, '\0');
                if (rec->n >= r->fields_max) {
                    if (bad == NULL)
                        bad = "too many fields";
                } else {
                    csv_start_field(rec);
                }
                field_len = 0;
                st = F_START;
                record_len++;
                continue;
            }
            if (c == '\n' || c == '\r') {
                if (c == '\r') {
                    int d = csv_getc(r);
                    if (d != '\n')
                        csv_ungetc(r, d);
                }
                r->line++;
                break;
            }
            if (st == F_START && c == '"') {
                st = F_QUOTED;
                continue;
            }
            if (c == '"' && bad == NULL)
                bad = "a quote inside an unquoted field (quote the field "
                      "and double the quote)";
            if (st == F_START)
                st = F_PLAIN;
        }
    add:
        field_len++;
        record_len++;
        if (field_len > r->field_max) {
            if (bad == NULL)
                bad = "a field is too long";
            continue;
        }
        if (record_len > r->record_max) {
            if (bad == NULL)
                bad = "the record is too long";
            continue;
        }
        if (rec->n <= r->fields_max)
            buf_addc(&rec->text, (char)c);
    }
    buf_addc(&rec->text, '\0');
    if (bad != NULL) {
        err_set(err, ERR_PERM, "line %ld: %s", rec->line, bad);
        return -1;
    }
    return 1;
}

int
csv_header_index(const struct csv_record *hdr, const char *name)
{
    for (size_t i = 0; i < hdr->n; i++) {
        const char *f = csv_field(hdr, i);
        size_t n;
        while (*f == ' ' || *f == '\t')
            f++;
        n = strlen(f);
        while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
            n--;
        if (n == strlen(name) && strncasecmp(f, name, n) == 0)
            return (int)i;
    }
    return -1;
}

void
csv_add_field(struct buf *b, const char *s, int first)
{
    size_t n = strlen(s);
    /* a field that starts with a UTF-8 BOM is quoted, or a reader would
     * drop those bytes when the field opens the file */
    int quote = n > 0 && (s[0] == ' ' || s[n - 1] == ' ' ||
                          strpbrk(s, ",\"\r\n") != NULL ||
                          (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0));

    if (!first)
        buf_addc(b, ',');
    if (!quote) {
        buf_add(b, s, n);
        return;
    }
    buf_addc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_addc(b, '"');
        buf_addc(b, *p);
    }
    buf_addc(b, '"');
}

/* csv_formula_like - s is, after any apostrophes, a formula trigger; with
 * min_quotes 1 at least one apostrophe must lead */
static int
csv_formula_like(const char *s, size_t min_quotes)
{
    size_t q = strspn(s, "'");

    return q >= min_quotes && s[q] != '\0' && strchr("=+-@\t\r", s[q]) != NULL;
}

void
csv_add_cell(struct buf *b, const char *s, int first)
{
    struct buf cell;

    if (!csv_formula_like(s, 0)) {
        csv_add_field(b, s, first);
        return;
    }
    buf_init(&cell, strlen(s) + 2);
    buf_addc(&cell, '\'');
    buf_adds(&cell, s);
    csv_add_field(b, buf_str(&cell), first);
    buf_release(&cell);
}

const char *
csv_cell_value(const char *s)
{
    return csv_formula_like(s, 1) ? s + 1 : s;
}

void
csv_end_record(struct buf *b)
{
    buf_add(b, "\r\n", 2);
}
