/* SPDX-License-Identifier: MIT */
/*
 * fuzz_form - the form and percent decoder of http_form.c: no input may
 * crash it, and whatever it accepts must be valid UTF-8 with no NUL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http_form.h"
#include "str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_form f;
    struct err err;
    struct buf b;

    http_form_init(&f);
    err_init(&err);
    if (http_form_parse(&f, (const char *)data, size, &err) == 0) {
        for (size_t i = 0; i < f.n; i++) {
            if (!str_utf8_valid(f.fields[i].value, f.fields[i].value_len) ||
                strlen(f.fields[i].value) != f.fields[i].value_len ||
                strlen(f.fields[i].name) != f.fields[i].name_len)
                abort();
        }
    }
    http_form_release(&f);

    buf_init(&b, 1 << 16);
    if (http_pct_decode((const char *)data, size, 0, &b, &err) == 0 &&
        strlen(buf_str(&b)) != b.len)
        abort();
    buf_release(&b);
    return 0;
}
