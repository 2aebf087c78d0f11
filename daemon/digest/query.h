/* SPDX-License-Identifier: MIT */
/*
 * query - a subscriber's keywords turned into a safe FTS5 MATCH expression.
 *
 * Keyword syntax (what a subscriber types):
 *   kv cache, "flash attention", distillation, -reinforcement
 * Terms are separated by commas.  An unquoted term of several words
 * matches papers holding all of them in any order; a "quoted phrase"
 * matches the words next to each other; a term starting with '-' is
 * excluded.  Terms are joined with OR; exclusions are applied with NOT.
 *
 * Every word that reaches FTS5 is wrapped in double quotes (embedded
 * quotes doubled), so nothing a user types is FTS5 syntax: NEAR(, *, :,
 * ^, AND/OR/NOT, column filters and unbalanced quotes all become plain
 * words, and no input makes MATCH fail.  Punctuation is left to the FTS5
 * tokenizer, which splits on it ("pre-training" is the phrase
 * "pre training").  No SQLite here, only strings.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_QUERY_H
#define PAPERBOY_QUERY_H

#include <stddef.h>

#include "db_sub.h"
#include "err.h"

/* keywords longer than this are refused: the one size, db_sub.h's */
#define QUERY_MAX_BYTES (DB_SUB_KEYWORDS_MAX - 1)
#define QUERY_MAX_TERMS 20   /* terms + exclusions */
#define QUERY_MAX_PHRASES 16 /* words and phrases in one term */

struct query_term {
    char *text;      /* as shown in the "why" line: trimmed, spaces collapsed */
    char *match;     /* this term alone as a safe FTS5 expression */
    char **phrases;  /* its words and phrases, each one FTS5 string; the
                        term matches where all of them do */
    size_t nphrases; /* >= 1 */
    char **words;    /* the same pieces as typed, without quotes */
    unsigned char *quoted; /* quoted[k]: words[k] was a "quoted phrase" */
};

struct query {
    struct query_term *terms; /* positive terms, in the order typed */
    size_t nterms;
    struct query_term *excluded; /* "-term"s, without the '-' */
    size_t nexcluded;
    char *match;   /* (t1 OR t2 ...) NOT (x1 OR ...); NULL if no terms */
    char *exclude; /* (x1 OR x2 ...); NULL if no exclusions */
};

/*
 * query_validate_keywords - the keyword rule (subs_check_keywords() is
 * how the web and the CLI apply it): -1 with a message fit to show the
 * user if s holds CR, LF or another control character, is not UTF-8, is
 * longer than QUERY_MAX_BYTES (db_sub_check_keywords_len(), whose words
 * these are) or has more than QUERY_MAX_TERMS terms.
 */
int query_validate_keywords(const char *s, size_t n, struct err *err);

/*
 * query_parse - parse keywords into q (caller releases with
 * query_release()).  Keywords that are empty or hold only punctuation
 * give a query with no terms (match NULL).  Fails only on input that
 * query_validate_keywords() refuses.
 */
int query_parse(const char *keywords, struct query *q, struct err *err);
void query_release(struct query *q);

/* query_fts_quote - append s (n bytes) to out as one FTS5 string:
 * "..." with embedded double quotes doubled */
struct buf;
void query_fts_quote(struct buf *out, const char *s, size_t n);

#endif
