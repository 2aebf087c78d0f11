/* SPDX-License-Identifier: MIT */
/*
 * fuzz_query - keywords from the web form and the CLI: query_parse() must
 * accept or refuse cleanly, and every expression it builds must run on a
 * real FTS5 table (the schema's) without an error; a failure aborts.  The
 * same bytes also go through the render helpers that handle paper text
 * (summary trimming, wrapping, author lists), which must keep UTF-8 whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authors.h"
#include "buf.h"
#include "db.h"
#include "db_digest.h"
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

    if (expr != NULL && db_digest_phrase(fuzz_db, expr, 3.0, 0, INT64_MAX,
                                         fuzz_no_op, NULL, &err) == -1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = xstrndup((const char *)data, size);
    struct query q;
    struct err err;
    struct buf b;

    if (fuzz_db == NULL) {
        err_init(&err);
        if (db_open(":memory:", 1000, &fuzz_db, &err) == -1 ||
            db_exec(fuzz_db,
                    "INSERT INTO papers (arxiv_id, title, abstract,"
                    " first_seen_at, first_seen_day, updated_at) VALUES"
                    " ('1', 'KV cache distillation', 'near title: x', 0,"
                    " '2026-01-01', 0)",
                    &err) == -1)
            abort();
    }
    if (query_parse(s, &q, &err) == 0) {
        /* what parses was valid input */
        if (query_validate_keywords(s, strlen(s), &err) == -1)
            abort();
        fuzz_run(q.match);
        fuzz_run(q.exclude);
        for (size_t i = 0; i < q.nterms; i++) {
            fuzz_run(q.terms[i].match);
            for (size_t k = 0; k < q.terms[i].nphrases; k++)
                fuzz_run(q.terms[i].phrases[k]);
        }
        query_release(&q);
    }

    buf_init(&b, 1 << 20);
    render_trim_summary(s, 100, &b);
    if (b.len > 0 && str_utf8_valid(s, strlen(s)) &&
        !str_utf8_valid(b.data, b.len))
        abort(); /* trimming split a character */
    buf_reset(&b);
    render_wrap(s, 72, 4, "    ", &b);
    buf_reset(&b);
    authors_format(s, 5, &b);
    buf_release(&b);
    free(s);
    return 0;
}
