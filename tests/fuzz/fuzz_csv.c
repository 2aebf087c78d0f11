/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv - the CSV reader on arbitrary bytes, with small caps so the
 * too-long paths are reached: every call must end (no endless loop on a
 * fatal error), every field must be NUL-terminated inside the record, and
 * what a record holds is written back and must read again the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_reader r, r2;
    struct csv_record rec, again;
    struct buf out;
    struct err err;
    int rc;

    csv_reader_init_mem(&r, (const char *)data, size);
    r.field_max = 64;
    r.record_max = 256;
    r.fields_max = 8;
    csv_record_init(&rec);
    csv_record_init(&again);
    buf_init(&out, BUF_UNLIMITED);
    for (size_t guard = 0; guard <= size + 1; guard++) {
        rc = csv_read(&r, &rec, &err);
        if (rc == 0 || (rc == -1 && r.fatal))
            break;
        if (rc == -1)
            continue;
        buf_reset(&out);
        for (size_t i = 0; i < rec.n; i++) {
            const char *f = csv_field(&rec, i);
            if (strlen(f) > 64)
                abort();
            csv_add_field(&out, f, i == 0);
        }
        csv_end_record(&out);
        /* fields with NUL bytes were refused, so the text round-trips */
        csv_reader_init_mem(&r2, out.data, out.len);
        if (rec.n == 1 && csv_field(&rec, 0)[0] == '\0')
            continue; /* an empty line: skipped on purpose */
        if (csv_read(&r2, &again, &err) != 1 || again.n != rec.n)
            abort();
        for (size_t i = 0; i < rec.n; i++)
            if (strcmp(csv_field(&rec, i), csv_field(&again, i)) != 0)
                abort();
    }
    buf_release(&out);
    csv_record_release(&rec);
    csv_record_release(&again);
    return 0;
}
