/* SPDX-License-Identifier: MIT */
/*
 * test_http_form - the strict form/percent decoder: a table of inputs,
 * each either decoded to an expected "name=value|..." dump or refused.
 */
#include <string.h>

#include "buf.h"
#include "check.h"
#include "http_form.h"

struct form_case {
    const char *in;
    int ok;           /* 1: parses, 0: refused */
    const char *dump; /* fields as "n=v|n=v" when ok */
};

static const struct form_case cases[] = {
    {"", 1, ""},
    {"a=1", 1, "a=1"},
    {"a=1&b=x+y%21", 1, "a=1|b=x y!"},
    {"&&a&=&b==c", 1, "a=|=|b==c"},
    {"email=a%40b.example", 1, "email=a@b.example"},
    {"k=%C3%A9t%C3%A9", 1, "k=\xc3\xa9t\xc3\xa9"},
    {"k=%0D%0A", 1, "k=\r\n"},
    {"k=%3Cscript%3E", 1, "k=<script>"},
    {"List-Unsubscribe=One-Click", 1, "List-Unsubscribe=One-Click"},
    {"k=%zz", 0, NULL},
    {"k=%4", 0, NULL},
    {"k=%", 0, NULL},
    {"k%=1", 0, NULL},
    {"k=%00", 0, NULL},
    {"k=%C3%28", 0, NULL},
    {"k=%FF", 0, NULL},
    {"k=\xc3", 0, NULL},
};

/* form_dump - the fields as "n=v|n=v" */
static void
form_dump(const struct http_form *f, struct buf *out)
{
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            buf_addc(out, '|');
        buf_adds(out, f->fields[i].name);
        buf_addc(out, '=');
        buf_adds(out, f->fields[i].value);
    }
}

int
main(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct http_form f;
        struct err err;
        struct buf b;
        int rc;

        http_form_init(&f);
        err_init(&err);
        buf_init(&b, 4096);
        rc = http_form_parse(&f, cases[i].in, strlen(cases[i].in), &err);
        CHECK_INT_EQ(rc, cases[i].ok ? 0 : -1);
        if (rc == 0 && cases[i].ok) {
            form_dump(&f, &b);
            CHECK_STR_EQ(buf_str(&b), cases[i].dump);
        }
        if (rc == -1)
            CHECK(err.msg[0] != '\0');
        buf_release(&b);
        http_form_release(&f);
    }

    /* too many fields and oversize values are refused */
    {
        struct http_form f;
        struct err err;
        struct buf in;

        buf_init(&in, BUF_UNLIMITED);
        for (int i = 0; i <= HTTP_FORM_MAX_FIELDS; i++)
            buf_adds(&in, "a=1&");
        http_form_init(&f);
        CHECK_INT_EQ(http_form_parse(&f, in.data, in.len, &err), -1);
        http_form_release(&f);
        buf_reset(&in);
        buf_adds(&in, "a=");
        for (int i = 0; i <= HTTP_FORM_MAX_VALUE; i++)
            buf_addc(&in, 'x');
        http_form_init(&f);
        CHECK_INT_EQ(http_form_parse(&f, in.data, in.len, &err), -1);
        http_form_release(&f);
        buf_release(&in);
    }

    /* http_form_get returns the first value */
    {
        struct http_form f;
        struct err err;
        http_form_init(&f);
        CHECK_INT_EQ(http_form_parse(&f, "a=1&a=2&b=", 10, &err), 0);
        CHECK_STR_EQ(http_form_get(&f, "a"), "1");
        CHECK_STR_EQ(http_form_get(&f, "b"), "");
        CHECK(http_form_get(&f, "c") == NULL);
        http_form_release(&f);
    }
    return CHECK_DONE();
}
