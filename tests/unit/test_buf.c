/* SPDX-License-Identifier: MIT */
/* test_buf - bounded buffers: limits, escaping, detach */
#include <stdlib.h>

#include "buf.h"
#include "check.h"

/* buf_put gives what buf_add gives: the same bytes, length and failure,
 * whether the room is there already or not, up to and past max */
static void
test_put(void)
{
    static const struct {
        size_t max;
        size_t piece; /* bytes per append */
        int n;        /* appends */
    } cases[] = {{64, 1, 100}, {64, 7, 20},   {1000, 63, 20},
                 {63, 63, 2},  {64, 0, 3},    {4096, 200, 10},
                 {10, 11, 1},  {100, 100, 1}, {BUF_UNLIMITED, 500, 40}};
    char piece[512];

    for (size_t i = 0; i < sizeof(piece); i++)
        piece[i] = (char)('a' + i % 26);
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct buf a, p;
        buf_init(&a, cases[k].max);
        buf_init(&p, cases[k].max);
        for (int i = 0; i < cases[k].n; i++) {
            buf_add(&a, piece + i % 7, cases[k].piece);
            buf_put(&p, piece + i % 7, cases[k].piece);
            CHECK_INT_EQ(p.len, a.len);
            CHECK_INT_EQ(p.failed, a.failed);
        }
        CHECK_STR_EQ(buf_str(&p), buf_str(&a));
        buf_release(&a);
        buf_release(&p);
    }
}

int
main(void)
{
    static const struct {
        const char *in, *html;
    } html_cases[] = {
        {"plain", "plain"},
        {"<script>alert('x')</script>",
         "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"},
        {"a & b \"c\"", "a &amp; b &quot;c&quot;"},
        {"\xc3\xa9&\xff<", "\xc3\xa9&amp;\xff&lt;"}, /* bytes >= 0x80 copied */
        {"", ""},
    };
    struct buf b;

    test_put();
    struct err err;
    char *s;

    for (size_t i = 0; i < sizeof(html_cases) / sizeof(html_cases[0]); i++) {
        buf_init(&b, 1024);
        buf_add_html(&b, html_cases[i].in, strlen(html_cases[i].in));
        CHECK_STR_EQ(buf_str(&b), html_cases[i].html);
        buf_release(&b);
    }

    /* the limit: the append that would exceed it is dropped, and sticky */
    buf_init(&b, 8);
    buf_adds(&b, "1234");
    buf_adds(&b, "5678");
    CHECK_INT_EQ(b.len, 8);
    CHECK_INT_EQ(b.failed, 0);
    buf_addc(&b, '9');
    CHECK_INT_EQ(b.failed, 1);
    CHECK_STR_EQ(buf_str(&b), "12345678");
    err_init(&err);
    CHECK_INT_EQ(buf_check(&b, &err), -1);
    CHECK_CONTAINS(err.msg, "limit");
    CHECK(buf_detach(&b) == NULL);
    buf_release(&b);

    buf_init(&b, BUF_UNLIMITED);
    CHECK_STR_EQ(buf_str(&b), "");
    buf_addf(&b, "%d-%s", 42, "x");
    buf_add_url(&b, "a b&c/é", strlen("a b&c/é"));
    CHECK_STR_EQ(buf_str(&b), "42-xa%20b%26c%2F%C3%A9");
    buf_reset(&b);
    buf_add_json(&b, "q\"\\\n<\x01", 6);
    CHECK_STR_EQ(buf_str(&b), "q\\\"\\\\\\n\\u003c\\u0001");
    s = buf_detach(&b);
    CHECK(s != NULL);
    free(s);
    buf_release(&b);

    /* growth over many appends keeps content intact */
    buf_init(&b, BUF_UNLIMITED);
    for (int i = 0; i < 10000; i++)
        buf_addc(&b, (char)('a' + i % 26));
    CHECK_INT_EQ(b.len, 10000);
    CHECK(b.data[9999] == (char)('a' + 9999 % 26));
    CHECK(b.data[10000] == '\0');
    buf_release(&b);
    return CHECK_DONE();
}
