/* SPDX-License-Identifier: MIT */
/*
 * csv - an RFC 4180 reader and writer, for subscriber import and export.
 *
 * The reader takes a memory buffer or a FILE and returns one record at a
 * time: quoted fields, doubled quotes ("") inside them, commas and line
 * breaks inside quotes, CRLF or LF line ends, an optional UTF-8 byte
 * order mark at the start.  Completely empty lines are skipped.  Each
 * record carries the number of the physical line it started on, so
 * errors can say "line 7: ...".  Fields, records and the number of fields
 * are capped; a record that breaks a cap or the quoting rules is
 * reported and skipped, and reading goes on with the next record (except
 * an unterminated quote at the end of input, which is fatal).  The reader
 * does not interpret the bytes (UTF-8 is the caller's business).
 *
 * The writer quotes a field only when it must (comma, quote, CR, LF, or
 * leading/trailing space) and ends records with CRLF.  csv_add_cell()
 * also neutralises what a spreadsheet would run as a formula, and
 * csv_cell_value() undoes that, so export and import lose nothing.
 */
#ifndef PAPERBOY_CSV_H
#define PAPERBOY_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"

#define CSV_FIELD_MAX 8192   /* default cap on one field, bytes */
#define CSV_RECORD_MAX 65536 /* default cap on one record, bytes */
#define CSV_FIELDS_MAX 256   /* default cap on fields per record */

struct csv_reader {
    FILE *fp;          /* source, or NULL for memory */
    const char *data;  /* memory source (borrowed) */
    size_t len, pos;   /* memory source size and read offset */
    long line;         /* current physical line, 1-based */
    int back[4];       /* pushed-back characters (a stack) */
    int nback;         /* how many are in back */
    int started;       /* BOM check done */
    int fatal;         /* set when reading cannot continue */
    size_t field_max;  /* cap on one field, bytes */
    size_t record_max; /* cap on one record, bytes */
    size_t fields_max; /* cap on fields per record */
};

struct csv_record {
    struct buf text; /* the fields, each NUL-terminated, back to back */
    size_t *off;     /* offset of field i in text */
    size_t n, cap;   /* fields used, allocated */
    long line;       /* physical line the record started on */
};

/* csv_reader_init_mem - read len bytes at data (borrowed until done) */
void csv_reader_init_mem(struct csv_reader *r, const char *data, size_t len);
/* csv_reader_init_file - read from fp (borrowed, not closed) */
void csv_reader_init_file(struct csv_reader *r, FILE *fp);

void csv_record_init(struct csv_record *rec);
void csv_record_release(struct csv_record *rec);
/* csv_field - field i of rec ("" when i is out of range).  Borrowed until
 * the next csv_read() into rec. */
const char *csv_field(const struct csv_record *rec, size_t i);

/*
 * csv_read - the next record into rec.  Returns 1 with a record, 0 at the
 * end of input, -1 when the record was malformed or too big: err then
 * says "line N: reason" and rec->line is N.  After -1, call again to go
 * on with the next record, unless r->fatal is set.
 */
int csv_read(struct csv_reader *r, struct csv_record *rec, struct err *err);

/* csv_header_index - index of the field equal to name (ASCII case and
 * surrounding blanks ignored), or -1 */
int csv_header_index(const struct csv_record *hdr, const char *name);

/* csv_add_field - append s as one field, preceded by a comma unless it is
 * the first of its record; quoted when needed */
void csv_add_field(struct buf *b, const char *s, int first);
/*
 * csv_add_cell - csv_add_field() for a cell a spreadsheet may open: a
 * value that starts with = + - @ TAB or CR (OWASP "CSV injection"), after
 * any apostrophes, gets one more apostrophe in front, which spreadsheets
 * show as text.  csv_cell_value() gives the value back.
 */
void csv_add_cell(struct buf *b, const char *s, int first);
/* csv_cell_value - the value csv_add_cell() was given: s without the one
 * apostrophe it added (borrowed: s itself or s + 1) */
const char *csv_cell_value(const char *s);
/* csv_end_record - append the CRLF that ends a record */
void csv_end_record(struct buf *b);

#endif
