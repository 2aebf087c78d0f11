/* SPDX-License-Identifier: MIT */
/*
 * test_query - the keyword parser: terms, phrases, exclusions,
 * punctuation, validation, and above all that nothing a user types is
 * FTS5 syntax: every generated expression is run against a real FTS5
 * table (the real schema) and must neither fail nor act as an operator.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "db.h"
#include "db_digest.h"
#include "query.h"

/* Parsed form of one input. */
struct parse_case {
    const char *in;
    const char *match;   /* expected expression, NULL = none */
    const char *exclude; /* expected exclusion expression, NULL = none */
    size_t nterms;
    const char *term0; /* display text of the first term */
};

static const struct parse_case parse_cases[] = {
    {"distillation", "\"distillation\"", NULL, 1, "distillation"},
    {"kv cache", "(\"kv\" AND \"cache\")", NULL, 1, "kv cache"},
    {"kv cache, \"flash attention\", -rl",
     "((\"kv\" AND \"cache\") OR \"flash attention\") NOT \"rl\"", "\"rl\"", 2,
     "kv cache"},
    {"  Distillation ,  ,quantization  ",
     "(\"Distillation\" OR \"quantization\")", NULL, 2, "Distillation"},
    {"-\"reinforcement learning\", -rlhf", NULL,
     "(\"reinforcement learning\" OR \"rlhf\")", 0, NULL},
    {"llm -survey", "\"llm\" NOT \"survey\"", "\"survey\"", 1, "llm"},
    {"pre-training", "\"pre-training\"", NULL, 1, "pre-training"},
    {"a, A, a", "\"a\"", NULL, 1, "a"},
    {"\"unbalanced phrase", "\"unbalanced phrase\"", NULL, 1,
     "unbalanced phrase"},
    {"say \"\"hi\"\"", "(\"say\" AND \"hi\")", NULL, 1, "say hi"},
    {"NEAR(a b)", "(\"NEAR(a\" AND \"b)\")", NULL, 1, "NEAR(a b)"},
    {"foo*", "\"foo*\"", NULL, 1, "foo*"},
    {"title:kv", "\"title:kv\"", NULL, 1, "title:kv"},
    {"x\"y", "(\"x\" AND \"y\")", NULL, 1, "x y"},
    {"", NULL, NULL, 0, NULL},
    {",,, - , \"\" , ***", NULL, NULL, 0, NULL},
};

/* Inputs that must never make MATCH fail (FTS5 syntax, SQL, junk), and
 * how many of the four papers in test_fts() each must match: operators
 * are words, so only the plain words in them count. */
static const struct {
    const char *in;
    int want;
} hostile[] = {
    {"NEAR(kv cache, 2)", 0},
    {"kv*", 1},
    {"^kv", 1},
    {"title:kv", 0},
    {"{title abstract}:kv", 0},
    {"- title : kv", 0},
    {"kv AND", 0},
    {"OR", 0},
    {"AND, OR, NOT, NEAR", 2},
    {"\"", 0},
    {"\"\"\"", 0},
    {"(", 0},
    {")", 0},
    {"((kv))", 1},
    {"kv + cache", 1},
    {"'; DROP TABLE papers; --", 0},
    {"\\\"kv\\\"", 1},
    {"kv NOT", 0},
    {"--", 0},
    {"-", 0},
    {"-\"", 0},
    {"distill* NEAR/3 kv", 0},
    {"col:\"x\" OR y*", 0},
    {"\xc3\xa9t\xc3\xa9, \xe2\x80\x94, \xe6\xb3\xa8\xe6\x84\x8f\xe5\x8a\x9b",
     0},
    {"a\"b\"c\"d", 0},
    {"rowid:1", 0},
    {"papers_fts", 0},
    {"*", 0},
    {":", 0},
    {"^", 0},
    {"%", 0},
    {"~!@#$%^&*()_+{}|:<>?`-=[]\\;',./", 0},
};

/* Count rows an expression matches in papers_fts; -1 on error. */
static int
count_matches(struct db *db, const char *expr)
{
    sqlite3_stmt *st = NULL;
    int n = 0, rc;

    if (sqlite3_prepare_v2(db_handle(db),
                           "SELECT rowid FROM papers_fts WHERE papers_fts "
                           "MATCH ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        n++;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? n : -1;
}

/* add_paper - one row in papers (the trigger fills papers_fts) */
static void
add_paper(struct db *db, const char *id, const char *title,
          const char *abstract)
{
    sqlite3_stmt *st = NULL;

    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "INSERT INTO papers (arxiv_id, title, abstract,"
                             " first_seen_at, first_seen_day, updated_at)"
                             " VALUES (?1, ?2, ?3, 0, '2026-01-01', 0)",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, abstract, -1, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
}

/* matches - parse kw and count papers its match expression hits */
static int
matches(struct db *db, const char *kw)
{
    struct query q;
    struct err err;
    int n;

    if (query_parse(kw, &q, &err) == -1)
        return -2;
    n = q.match ? count_matches(db, q.match) : 0;
    query_release(&q);
    return n;
}

static void
test_parse(void)
{
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *pc = &parse_cases[i];
        struct query q;
        struct err err;
        err_init(&err);
        CHECK(query_parse(pc->in, &q, &err) == 0);
        if (pc->match)
            CHECK_STR_EQ(q.match, pc->match);
        else
            CHECK(q.match == NULL);
        if (pc->exclude)
            CHECK_STR_EQ(q.exclude, pc->exclude);
        else
            CHECK(q.exclude == NULL);
        CHECK_INT_EQ(q.nterms, pc->nterms);
        if (pc->term0 && q.nterms > 0)
            CHECK_STR_EQ(q.terms[0].text, pc->term0);
        query_release(&q);
    }
}

static void
test_validate(void)
{
    struct err err;
    char big[QUERY_MAX_BYTES + 2];
    struct buf many;
    struct query q;

    err_init(&err);
    CHECK(query_validate_keywords("kv cache, llm", 13, &err) == 0);
    CHECK(query_validate_keywords("kv\r\nBcc: x@y", 12, &err) == -1);
    CHECK_CONTAINS(err.msg, "control characters");
    CHECK(query_validate_keywords("kv\ncache", 8, &err) == -1);
    CHECK(query_validate_keywords("kv\tcache", 8, &err) == -1);
    CHECK(query_validate_keywords("kv\x7f", 3, &err) == -1);
    CHECK(query_validate_keywords("kv\x01", 3, &err) == -1);
    CHECK(query_validate_keywords("\xff\xfe", 2, &err) == -1);
    CHECK_CONTAINS(err.msg, "UTF-8");
    memset(big, 'a', sizeof(big));
    CHECK(query_validate_keywords(big, QUERY_MAX_BYTES, &err) == 0);
    CHECK(query_validate_keywords(big, QUERY_MAX_BYTES + 1, &err) == -1);
    CHECK_CONTAINS(err.msg, "too long");

    buf_init(&many, 4096);
    for (int i = 0; i < QUERY_MAX_TERMS; i++)
        buf_addf(&many, "%st%d", i ? ", " : "", i);
    CHECK(query_validate_keywords(many.data, many.len, &err) == 0);
    CHECK(query_parse(many.data, &q, &err) == 0);
    CHECK_INT_EQ(q.nterms, QUERY_MAX_TERMS);
    query_release(&q);
    buf_adds(&many, ", -x");
    CHECK(query_validate_keywords(many.data, many.len, &err) == -1);
    CHECK_CONTAINS(err.msg, "too many");
    CHECK(query_parse(many.data, &q, &err) == -1);
    buf_release(&many);
    /* "-word" inside a term counts as a term of its own */
    CHECK(query_validate_keywords("a -b -c -d -e -f -g -h -i -j -k -l -m -n "
                                  "-o -p -q -r -s -t -u",
                                  62, &err) == -1);
    /* the parser refuses what the validator refuses */
    CHECK(query_parse("kv\r\ncache", &q, &err) == -1);
}

static void
test_fts(void)
{
    struct db *db = NULL;
    struct err err;

    err_init(&err);
    CHECK(db_open(":memory:", 1000, &db, &err) == 0);
    if (db == NULL)
        return;
    add_paper(db, "1", "Knowledge Distillation for KV Cache Compression",
              "We distill a large model; the key-value cache shrinks.");
    add_paper(db, "2", "Flash Attention on GPUs",
              "An IO-aware exact attention algorithm with reinforcement "
              "learning tuning.");
    add_paper(db, "3", "Near-duplicate detection",
              "Title: near duplicates, a study of caches.");
    add_paper(db, "4", "Pre-training at scale",
              "pretraining and pre-training of transformers");

    /* stemming: distillation meets distill */
    CHECK_INT_EQ(matches(db, "distillation"), 1);
    CHECK_INT_EQ(matches(db, "distilling"), 1);
    /* unquoted words: all, any order; phrase: adjacent */
    CHECK_INT_EQ(matches(db, "cache kv"), 1);
    CHECK_INT_EQ(matches(db, "\"cache kv\""), 0);
    CHECK_INT_EQ(matches(db, "\"kv cache\""), 1);
    /* OR between terms, NOT for exclusions */
    CHECK_INT_EQ(matches(db, "attention, distillation"), 2);
    CHECK_INT_EQ(matches(db, "attention, distillation, -reinforcement"), 1);
    CHECK_INT_EQ(matches(db, "attention -\"reinforcement learning\""), 0);
    /* punctuation goes to the tokenizer */
    CHECK_INT_EQ(matches(db, "pre-training"), 1);
    CHECK_INT_EQ(matches(db, "key-value"), 1);
    /* operators typed by a user are words */
    CHECK_INT_EQ(matches(db, "NEAR(kv cache)"), 0);
    CHECK_INT_EQ(matches(db, "title:near"), 1); /* "title near" adjacent */
    CHECK_INT_EQ(matches(db, "title:distillation"), 0); /* no column filter */
    CHECK_INT_EQ(matches(db, "distill*"), 1);    /* no prefix query: stem */
    CHECK_INT_EQ(matches(db, "dist*"), 0);       /* would match as prefix */
    CHECK_INT_EQ(matches(db, "kv OR flash"), 0); /* OR is a word here */
    CHECK_INT_EQ(matches(db, "kv AND cache"), 0);

    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        int n = matches(db, hostile[i].in);
        if (n != hostile[i].want)
            fprintf(stderr, "hostile input: %s\n", hostile[i].in);
        CHECK_INT_EQ(n, hostile[i].want);
    }
    /* random printable junk: parse and run thousands of them */
    {
        unsigned seed = 12345;
        int bad = 0;
        for (int k = 0; k < 3000; k++) {
            char s[64];
            size_t len = (size_t)(k % 60) + 1;
            struct query q;
            for (size_t j = 0; j < len; j++) {
                seed = seed * 1103515245u + 12345u;
                s[j] = (char)(' ' + (seed >> 16) % 95);
            }
            s[len] = '\0';
            if (query_parse(s, &q, &err) == -1)
                continue; /* too many terms: refused cleanly */
            if (q.match && count_matches(db, q.match) < 0)
                bad++;
            if (q.exclude && count_matches(db, q.exclude) < 0)
                bad++;
            for (size_t t = 0; t < q.nterms; t++)
                if (count_matches(db, q.terms[t].match) < 0)
                    bad++;
            query_release(&q);
        }
        CHECK_INT_EQ(bad, 0);
    }
    /* the table is intact after all of it */
    CHECK_INT_EQ(count_matches(db, "\"attention\""), 1);
    db_close(db);
}

int
main(void)
{
    test_parse();
    test_validate();
    test_fts();
    return CHECK_DONE();
}
