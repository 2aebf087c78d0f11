/* SPDX-License-Identifier: MIT */
/*
 * test_normalise - text cleaning, arXiv ids, URLs and dates, table-driven.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "normalise.h"
#include "paper.h"

struct text_case {
    const char *in;
    int flags;
    const char *want;
};

static const struct text_case text_cases[] = {
    /* whitespace: arXiv wraps titles and indents summaries */
    {"Stacking Your Transformers: for Efficient LLM\n  Pre-Training", 0,
     "Stacking Your Transformers: for Efficient LLM Pre-Training"},
    {"  LLMs are\nexpensive.\n", 0, "LLMs are expensive."},
    {"\t a \r\n b \t", 0, "a b"},
    {"", 0, ""},
    {"   ", 0, ""},
    /* TeX accents and escapes */
    {"N\\\"UWA: Visual Synthesis", NORM_TEX, "N\xC3\x9CWA: Visual Synthesis"},
    {"Fran\\c{c}ois and Fran\\c cois", NORM_TEX,
     "Fran\xC3\xA7ois and Fran\xC3\xA7ois"},
    {"caf\\'e, \\`a la, h\\^otel, se\\~nor, {\\\"o}l", NORM_TEX,
     "caf\xC3\xA9, \xC3\xA0 la, h\xC3\xB4tel, se\xC3\xB1or, \xC3\xB6l"},
    {"\\\"{U}ber na\\\"{\\i}ve", NORM_TEX,
     "\xC3\x9C"
     "ber na\xC3\xAFve"},
    {"Stra\\ss e, \\o re", NORM_TEX,
     "Stra\xC3\x9F"
     "e, \xC3\xB8re"},
    {"H\\&E, 54.6\\% and \\$5", NORM_TEX, "H&E, 54.6% and $5"},
    /* math stays readable */
    {"has $O(n)$ time and G_{stack}", NORM_TEX,
     "has $O(n)$ time and G_{stack}"},
    {"\\cite{x} \\alpha", NORM_TEX, "\\cite{x} \\alpha"},
    {"without flag N\\\"UWA", 0, "without flag N\\\"UWA"},
    /* HTML stripping keeps a lone '<' */
    {"a <b>bold</b> move<br/>next", NORM_STRIP_TAGS, "a bold move next"},
    {"efficient (<10 RTX3090 hours)", NORM_STRIP_TAGS,
     "efficient (<10 RTX3090 hours)"},
    {"x <!-- hidden --> y", NORM_STRIP_TAGS, "x y"},
    {"unterminated <a href", NORM_STRIP_TAGS, "unterminated <a href"},
    {"<script>alert(1)</script>ok", NORM_STRIP_TAGS, "alert(1) ok"},
    /* entities decoded once, only when asked */
    {"H&amp;E &lt;10 &#233;t&#xE9;", NORM_ENTITIES,
     "H&E <10 \xC3\xA9t\xC3\xA9"},
    {"&amp;lt; stays &lt;", NORM_ENTITIES, "&lt; stays <"},
    {"Sieve-&-Swap & co", NORM_ENTITIES, "Sieve-&-Swap & co"},
    {"H&amp;E", 0, "H&amp;E"},
    {"&#0; &#xD800; &#99999999;", NORM_ENTITIES,
     "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD"},
    /* invalid UTF-8 repaired, controls dropped */
    {"bad \xFF byte", 0, "bad \xEF\xBF\xBD byte"},
    {"over\xC0\xAFlong", 0, "over\xEF\xBF\xBD\xEF\xBF\xBDlong"},
    {"cut \xE2\x82", 0, "cut \xEF\xBF\xBD\xEF\xBF\xBD"},
    {"bell\x07here", 0, "bell here"},
    {"S\xC3\xB8ren \xC3\x98lgaard", 0, "S\xC3\xB8ren \xC3\x98lgaard"},
    {"nbsp\xC2\xA0here", 0, "nbsp here"},
};

struct id_case {
    const char *in;
    int ok;
    const char *id;
    int version;
};

static const struct id_case id_cases[] = {
    {"2611.15034", 1, "2611.15034", 0},
    {"2611.15034v1", 1, "2611.15034", 1},
    {"http://arxiv.org/abs/2611.08817v2", 1, "2611.08817", 2},
    {"https://arxiv.org/abs/2611.14512", 1, "2611.14512", 0},
    {"oai:arXiv.org:2610.21456v3", 1, "2610.21456", 3},
    {"arXiv:2611.14921v12", 1, "2611.14921", 12},
    {"hep-ex/0307015", 1, "hep-ex/0307015", 0},
    {"http://arxiv.org/abs/hep-ex/0307015v1", 1, "hep-ex/0307015", 1},
    {"math.GT/0309136v2", 1, "math.GT/0309136", 2},
    {"0704.0001", 1, "0704.0001", 0},
    {" 2611.15034v1\n", 1, "2611.15034", 1},
    {"", 0, NULL, 0},
    {"2611.150", 0, NULL, 0},
    {"2611.150345", 0, NULL, 0},
    {"2611.15034v", 0, NULL, 0},
    {"2611.15034x", 0, NULL, 0},
    {"javascript:alert(1)", 0, NULL, 0},
    {"hep-ex/030701", 0, NULL, 0},
    {"http://arxiv.org/api/errors#x", 0, NULL, 0},
    /* the links a digest prints, and Hugging Face's page */
    {"https://arxiv.org/pdf/2608.00001v2", 1, "2608.00001", 2},
    {"https://arxiv.org/pdf/2608.00001v1.pdf", 1, "2608.00001", 1},
    {"https://arxiv.org/pdf/2608.00001.PDF", 1, "2608.00001", 0},
    {"https://arxiv.org/html/2608.00001v3", 1, "2608.00001", 3},
    {"https://arxiv.org/abs/2608.00001/", 1, "2608.00001", 0},
    {"https://arxiv.org/abs/2608.00001?context=cs", 1, "2608.00001", 0},
    {"https://arxiv.org/abs/2608.00001v2#S3", 1, "2608.00001", 2},
    {"https://www.arxiv.org/pdf/hep-th/9901001v1", 1, "hep-th/9901001", 1},
    {"https://huggingface.co/papers/2608.00001", 1, "2608.00001", 0},
    {"https://hf.co/papers/2608.00001", 1, "2608.00001", 0},
    {"https://arxiv.org/pdf/2608.00001.pdfx", 0, NULL, 0},
    {"https://arxiv.org/abs/2608.00001//", 0, NULL, 0},
    {"2608.00001?x", 0, NULL, 0},
    {"2608.00001.pdf", 0, NULL, 0},
    {"https://huggingface.co/models/2608.00001", 0, NULL, 0},
    /* a month that is none, an archive arXiv never had */
    {"2613.00001", 0, NULL, 0},
    {"2600.00001", 0, NULL, 0},
    {"foo/1234567", 0, NULL, 0},
    {"hep-th/9913001", 0, NULL, 0},
    {"cs.AI/0101001", 1, "cs.AI/0101001", 0},
    {"q-bio/0701001v1", 1, "q-bio/0701001", 1},
};

struct url_case {
    const char *in;
    int ok;
};

static const struct url_case url_cases[] = {
    {"https://github.com/example-lab/sleep-time-compute", 1},
    {"http://example.org/", 1},
    {"HTTPS://EXAMPLE.ORG/x", 1},
    {"javascript:alert(1)", 0},
    {"data:text/html,hi", 0},
    {"ftp://x.org/", 0},
    {"https://", 0},
    {"https://a.org/x y", 0},
    {"https://a.org/\"><script>", 0},
    {"//evil.org", 0},
};

struct time_case {
    const char *in;
    int rfc822; /* 1: RFC 822, 0: ISO 8601 */
    int ok;
    long long want;
};

static const struct time_case time_cases[] = {
    {"Wed, 18 Nov 2026 00:00:00 -0500", 1, 1, 1794978000LL},
    {"Wed, 18 Nov 2026 05:00:14 +0000", 1, 1, 1794978014LL},
    {"18 Nov 2026 05:00:00 GMT", 1, 1, 1794978000LL},
    {"Wed, 18 Foo 2026 05:00:00 GMT", 1, 0, 0},
    {"yesterday", 1, 0, 0},
    {"2026-11-17T16:41:09Z", 0, 1, 1794933669LL},
    {"2026-11-17T16:41:09.000Z", 0, 1, 1794933669LL},
    {"2026-11-17T17:41:09+01:00", 0, 1, 1794933669LL},
    {"2026-11-17", 0, 1, 1794873600LL},
    {"2026-13-17T16:41:09Z", 0, 0, 0},
    {"2026-11-17T16:41:09Zjunk", 0, 0, 0},
};

int
main(void)
{
    for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
        const struct text_case *c = &text_cases[i];
        char *got = normalise_text(c->in, strlen(c->in), c->flags);
        CHECK_STR_EQ(got, c->want);
        free(got);
    }
    /* embedded NUL bytes are dropped, not a terminator */
    {
        char *got = normalise_text("a\0b", 3, 0);
        CHECK_STR_EQ(got, "ab");
        free(got);
    }
    /* the output is capped at 64 KiB on a character boundary */
    {
        size_t n = 70000;
        char *big = malloc(n * 2);
        for (size_t i = 0; i < n; i++) {
            big[2 * i] = (char)0xC3;
            big[2 * i + 1] = (char)0xA9;
        }
        char *got = normalise_text(big, n * 2, 0);
        CHECK(strlen(got) <= 65536);
        CHECK(strlen(got) % 2 == 0);
        free(got);
        free(big);
    }
    for (size_t i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
        const struct id_case *c = &id_cases[i];
        char id[48];
        int v = -1;
        int rc = paper_arxiv_id(c->in, id, sizeof(id), &v);
        CHECK_INT_EQ(rc == 0, c->ok);
        if (rc == 0 && c->ok) {
            CHECK_STR_EQ(id, c->id);
            CHECK_INT_EQ(v, c->version);
        }
    }
    for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++)
        CHECK_INT_EQ(normalise_url_ok(url_cases[i].in), url_cases[i].ok);
    for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
        const struct time_case *c = &time_cases[i];
        int64_t t = 0;
        int rc = c->rfc822 ? normalise_rfc822_time(c->in, &t)
                           : normalise_iso8601_time(c->in, &t);
        if ((rc == 0) != c->ok)
            fprintf(stderr, "time case '%s'\n", c->in);
        CHECK_INT_EQ(rc == 0, c->ok);
        if (rc == 0 && c->ok)
            CHECK_INT_EQ(t, c->want);
    }
    {
        int64_t a = 0, b = 0;
        CHECK_INT_EQ(normalise_iso8601_time("2026-11-17T16:41:09Z", &a), 0);
        CHECK_INT_EQ(normalise_iso8601_time("2026-11-17T16:41:09.000Z", &b), 0);
        CHECK_INT_EQ(a, b);
    }
    {
        char *r = normalise_utf8_repair("ok\xFFok", 5);
        CHECK_STR_EQ(r, "ok\xEF\xBF\xBDok");
        free(r);
    }
    return CHECK_DONE();
}
