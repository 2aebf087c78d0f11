/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv - the CSV reader on arbitrary bytes, with small caps so the
 * too-long paths are reached.  Every call must end (no endless loop on a
 * fatal error) and a refused record must say why; every field must be
 * NUL-terminated inside the record and within the cap.  And what is read
 * writes back to the same fields: each record written with
 * csv_add_field() reads again as exactly one record with identical
 * fields and then the end of input, and written with csv_add_cell() (the
 * export's formula guard) gives each field back through csv_cell_value().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz_check.h"

/* fuzz_csv_reread - write rec with add (csv_add_field or csv_add_cell),
 * read it back and compare field by field through unwrap */
static void
fuzz_csv_reread(const struct csv_record *rec,
                void (*add)(struct buf *, const char *, int),
                const char *(*unwrap)(const char *))
{
    struct csv_reader r;
    struct csv_record again;
    struct buf out;
    struct err err;

    buf_init(&out, BUF_UNLIMITED);
    for (size_t i = 0; i < rec->n; i++)
        add(&out, csv_field(rec, i), i == 0);
    csv_end_record(&out);
    csv_reader_init_mem(&r, out.data, out.len);
    csv_record_init(&again);
    FUZZ_REQUIRE(csv_read(&r, &again, &err) == 1 && again.n == rec->n,
                 "a written record does not read back as one record with "
                 "as many fields");
    for (size_t i = 0; i < rec->n; i++)
        FUZZ_REQUIRE(strcmp(csv_field(rec, i), unwrap(csv_field(&again, i))) ==
                         0,
                     "a field does not survive write and read");
    FUZZ_REQUIRE(csv_read(&r, &again, &err) == 0,
                 "a written record reads back as more than one");
    csv_record_release(&again);
    buf_release(&out);
}

/* fuzz_same - the identity, for csv_add_field() */
static const char *
fuzz_same(const char *s)
{
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_reader r;
    struct csv_record rec;
    struct err err;
    int rc;

    csv_reader_init_mem(&r, (const char *)data, size);
    r.field_max = 64;
    r.record_max = 256;
    r.fields_max = 8;
    csv_record_init(&rec);
    for (size_t guard = 0; guard <= size + 1; guard++) {
        err_init(&err);
        rc = csv_read(&r, &rec, &err);
        FUZZ_REQUIRE(guard < size + 1 || rc == 0 || r.fatal,
                     "more records than bytes: the reader does not end");
        if (rc == 0)
            break;
        if (rc == -1) {
            FUZZ_REQUIRE(err.msg[0] != '\0', "a refusal that does not say why");
            if (r.fatal)
                break;
            continue;
        }
        FUZZ_REQUIRE(rec.n >= 1 && rec.n <= 8, "a field count over the cap");
        for (size_t i = 0; i < rec.n; i++)
            FUZZ_REQUIRE(strlen(csv_field(&rec, i)) <= 64,
                         "a field over the cap");
        if (rec.n == 1 && csv_field(&rec, 0)[0] == '\0')
            continue; /* "" alone writes an empty line, skipped on purpose */
        /* fields with NUL bytes were refused, so the text round-trips */
        fuzz_csv_reread(&rec, csv_add_field, fuzz_same);
        fuzz_csv_reread(&rec, csv_add_cell, csv_cell_value);
    }
    csv_record_release(&rec);
    return 0;
}
