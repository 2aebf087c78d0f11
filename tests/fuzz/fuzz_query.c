/* SPDX-License-Identifier: MIT */
/*
 * fuzz_query - keywords from the web form and the CLI.  What query.h
 * promises: validation and building agree (query_parse() accepts exactly
 * what query_validate_keywords() accepts, and a refusal says why); an
 * accepted query has at most QUERY_MAX_TERMS terms and exclusions, each
 * with a non-empty display text (trimmed, single spaces, no control
 * character), no two the same ignoring case, and 1..QUERY_MAX_PHRASES
 * phrases, each one well-formed FTS5 string ("..." with inner quotes
 * doubled) holding something to match; match is set exactly when there
 * are terms and exclude exactly when there are exclusions; and every
 * expression runs on a real FTS5 table (the schema's) without an error.
 * The same bytes also go through the render helpers that handle paper
 * text (summary trimming, wrapping, author lists), which must keep UTF-8
 * whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authors.h"
#include "buf.h"
#include "db.h"
#include "db_digest.h"
#include "fuzz_check.h"
#include "query.h"
#include "render.h"
#include "str.h"
#include "xalloc.h"

static struct db *fuzz_db;

/* fuzz_no_op - match callback */
static int
fuzz_no_op(void *arg, const struct db_digest_match *m)
{
    (void)arg;
    (void)m;
    return 0;
}

/* fuzz_run - the expression must not fail */
static void
fuzz_run(const char *expr)
{
    struct err err;

    FUZZ_REQUIRE(expr == NULL ||
                     db_digest_phrase(fuzz_db, expr, 3.0, 0, INT64_MAX,
                                      fuzz_no_op, NULL, &err) == 0,
                 "an expression FTS5 refuses");
}

/* fuzz_fts_string - 1 if s is one FTS5 string: "...", every inner quote
 * doubled, with at least one letter or digit (or non-ASCII byte) */
static int
fuzz_fts_string(const char *s)
{
    size_t n = strlen(s);
    int token = 0;

    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return 0;
    for (size_t i = 1; i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' && (i + 2 >= n || s[++i] != '"'))
            return 0; /* a lone quote would end the string early */
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
            (c >= 'A' && c <= 'Z') || c >= 0x80)
            token = 1;
    }
    return token;
}

/* fuzz_terms - the promises about each of the n terms at t */
static void
fuzz_terms(const struct query_term *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *text = t[i].text;
        size_t len = strlen(text);
        FUZZ_REQUIRE(len > 0 && text[0] != ' ' && text[len - 1] != ' ' &&
                         strstr(text, "  ") == NULL && fuzz_text_clean(text),
                     "a term text that is empty, untrimmed or not clean");
        for (size_t k = 0; k < i; k++)
            FUZZ_REQUIRE(!str_eq_nocase(t[k].text, text), "a duplicate term");
        FUZZ_REQUIRE(t[i].nphrases >= 1 && t[i].nphrases <= QUERY_MAX_PHRASES,
                     "a term with no phrase or too many");
        for (size_t k = 0; k < t[i].nphrases; k++)
            FUZZ_REQUIRE(fuzz_fts_string(t[i].phrases[k]),
                         "a phrase that is not one FTS5 string");
        fuzz_run(t[i].match);
        for (size_t k = 0; k < t[i].nphrases; k++)
            fuzz_run(t[i].phrases[k]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xstrndup((const char *)data, size);
    struct query q;
    struct err err;
    struct buf b;
    int valid;

    if (fuzz_db == NULL) {
        err_init(&err);
        if (db_open(":memory:", 1000, &fuzz_db, &err) == -1 ||
            db_exec(fuzz_db,
                    "INSERT INTO papers (arxiv_id, title, abstract,"
                    " first_seen_at, first_seen_day, updated_at) VALUES"
                    " ('1', 'KV cache distillation', 'near title: x', 0,"
                    " '2026-01-01', 0)",
                    &err) == -1)
            abort(); /* not a property: the harness could not start */
    }
    err_init(&err);
    valid = query_validate_keywords(s, strlen(s), &err) == 0;
    FUZZ_REQUIRE(valid || err.msg[0] != '\0',
                 "a refusal that does not say why");
    err_init(&err);
    if (query_parse(s, &q, &err) == 0) {
        FUZZ_REQUIRE(valid, "query_parse() accepts what validation refuses");
        FUZZ_REQUIRE(q.nterms + q.nexcluded <= QUERY_MAX_TERMS,
                     "more terms than QUERY_MAX_TERMS");
        FUZZ_REQUIRE((q.match != NULL) == (q.nterms > 0) &&
                         (q.exclude != NULL) == (q.nexcluded > 0),
                     "match or exclude set when it should not be, or not");
        fuzz_terms(q.terms, q.nterms);
        fuzz_terms(q.excluded, q.nexcluded);
        fuzz_run(q.match);
        fuzz_run(q.exclude);
        query_release(&q);
    } else {
        FUZZ_REQUIRE(!valid, "query_parse() refuses what validation accepts");
        FUZZ_REQUIRE(err.msg[0] != '\0', "a refusal that does not say why");
    }

    buf_init(&b, 1 << 20);
    render_trim_summary(s, 100, &b);
    FUZZ_REQUIRE(b.len == 0 || !str_utf8_valid(s, strlen(s)) ||
                     str_utf8_valid(b.data, b.len),
                 "trimming split a character");
    buf_reset(&b);
    render_wrap(s, 72, 4, "    ", &b);
    buf_reset(&b);
    authors_format(s, 5, &b);
    buf_release(&b);
    free(s);
    return 0;
}
