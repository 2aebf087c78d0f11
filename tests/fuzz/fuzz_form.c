/* SPDX-License-Identifier: MIT */
/*
 * fuzz_form - the form and percent decoder of http_form.c on arbitrary
 * bytes.  What http_form.h promises of an accepted input: at most
 * HTTP_FORM_MAX_FIELDS fields, each name and value at most
 * HTTP_FORM_MAX_VALUE bytes, valid UTF-8, no NUL (the lengths agree with
 * strlen).  And it round-trips: the fields percent-encoded again with
 * buf_add_url() (the encoder the links use) and joined with '=' and '&'
 * decode to the same fields in the same order; http_pct_decode() output
 * encoded again decodes to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz_check.h"
#include "http_form.h"
#include "str.h"

/* fuzz_form_bounded - the caps and the text promise of one field */
static void
fuzz_form_bounded(const struct http_field *f)
{
    FUZZ_REQUIRE(f->name_len <= HTTP_FORM_MAX_VALUE &&
                     f->value_len <= HTTP_FORM_MAX_VALUE,
                 "a decoded name or value over the cap");
    FUZZ_REQUIRE(strlen(f->name) == f->name_len &&
                     strlen(f->value) == f->value_len,
                 "a NUL inside a decoded name or value");
    FUZZ_REQUIRE(str_utf8_valid(f->name, f->name_len) &&
                     str_utf8_valid(f->value, f->value_len),
                 "a decoded name or value that is not UTF-8");
}

/* fuzz_form_round_trip - encode f and decode it again: the same fields */
static void
fuzz_form_round_trip(const struct http_form *f)
{
    struct http_form g;
    struct err err;
    struct buf enc;

    buf_init(&enc, BUF_UNLIMITED);
    for (size_t i = 0; i < f->n; i++) {
        if (i > 0)
            buf_addc(&enc, '&');
        buf_add_url(&enc, f->fields[i].name, f->fields[i].name_len);
        buf_addc(&enc, '=');
        buf_add_url(&enc, f->fields[i].value, f->fields[i].value_len);
    }
    http_form_init(&g);
    FUZZ_REQUIRE(http_form_parse(&g, enc.data ? enc.data : "", enc.len, &err) ==
                         0 &&
                     g.n == f->n,
                 "an encoded form does not decode to as many fields");
    for (size_t i = 0; i < f->n; i++)
        FUZZ_REQUIRE(strcmp(f->fields[i].name, g.fields[i].name) == 0 &&
                         strcmp(f->fields[i].value, g.fields[i].value) == 0,
                     "a field does not survive encode and decode");
    http_form_release(&g);
    buf_release(&enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_form f;
    struct err err;
    struct buf b, enc, again;

    http_form_init(&f);
    err_init(&err);
    if (http_form_parse(&f, (const char *)data, size, &err) == 0) {
        FUZZ_REQUIRE(f.n <= HTTP_FORM_MAX_FIELDS, "too many fields accepted");
        for (size_t i = 0; i < f.n; i++)
            fuzz_form_bounded(&f.fields[i]);
        fuzz_form_round_trip(&f);
    } else {
        FUZZ_REQUIRE(err.msg[0] != '\0', "a refusal that does not say why");
    }
    http_form_release(&f);

    buf_init(&b, 1 << 16);
    buf_init(&enc, BUF_UNLIMITED);
    buf_init(&again, BUF_UNLIMITED);
    if (http_pct_decode((const char *)data, size, 0, &b, &err) == 0) {
        FUZZ_REQUIRE(strlen(buf_str(&b)) == b.len &&
                         str_utf8_valid(buf_str(&b), b.len),
                     "a decoded path with a NUL or invalid UTF-8");
        buf_add_url(&enc, buf_str(&b), b.len);
        FUZZ_REQUIRE(http_pct_decode(buf_str(&enc), enc.len, 0, &again, &err) ==
                             0 &&
                         strcmp(buf_str(&again), buf_str(&b)) == 0,
                     "a decoded path does not survive encode and decode");
    }
    buf_release(&again);
    buf_release(&enc);
    buf_release(&b);
    return 0;
}
