/* SPDX-License-Identifier: MIT */
/*
 * query - keywords to a safe FTS5 MATCH expression (see query.h).
 *
 * The parser walks the keywords once.  Commas outside quotes end a term;
 * inside a term, "quoted text" is one phrase and every other run of
 * non-space bytes is one word; a word that starts with '-' (or a term
 * that does) is an exclusion.  Each phrase and word is emitted as an FTS5
 * string, so the only FTS5 operators in the output are the AND, OR, NOT
 * and parentheses written here.
 */
#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "str.h"
#include "xalloc.h"

#define QUERY_EXPR_MAX (64 * 1024) /* bytes; 500 input bytes never get near */

/* One term being built: its display text and its FTS5 expression. */
struct query_build {
    struct buf text;
    struct buf match;
    int pieces;                      /* phrases and words in match */
    char *phrase[QUERY_MAX_PHRASES]; /* each piece as an FTS5 string */
    char *word[QUERY_MAX_PHRASES];   /* each piece as typed */
    unsigned char quoted[QUERY_MAX_PHRASES];
};

/* query_token_char - 1 if the FTS5 unicode61 tokenizer may keep byte c */
static int
query_token_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* query_has_token - 1 if s[0..n) holds at least one token byte */
static int
query_has_token(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (query_token_char((unsigned char)s[i]))
            return 1;
    return 0;
}

void
query_fts_quote(struct buf *out, const char *s, size_t n)
{
    buf_addc(out, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            buf_addc(out, '"');
        buf_addc(out, s[i]);
    }
    buf_addc(out, '"');
}

/* query_is_space - ASCII blank */
static int
query_is_space(char c)
{
    return c == ' ' || c == '\t';
}

int
query_validate_keywords(const char *s, size_t n, struct err *err)
{
    size_t terms = 0;
    int in_quote = 0, in_term = 0;

    if (db_sub_check_keywords_len(s, n, err) == -1)
        return -1;
    /* count terms the way query_parse() will: comma-separated, and each
     * "-word" inside a term is a term of its own */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {
            if (!in_quote && !in_term)
                terms++;
            in_term = 1;
            in_quote = !in_quote;
        } else if (in_quote) {
            continue;
        } else if (c == ',') {
            in_term = 0;
        } else if (c == '-' &&
                   (i == 0 || query_is_space(s[i - 1]) || s[i - 1] == ',')) {
            terms++;
            in_term = 1;
        } else if (!query_is_space(c) && !in_term) {
            terms++;
            in_term = 1;
        }
    }
    if (terms > QUERY_MAX_TERMS) {
        err_set(err, ERR_PERM, "too many keywords (%zu, at most %d)", terms,
                QUERY_MAX_TERMS);
        return -1;
    }
    return 0;
}

/* query_add_term - append b's term to the array (dropping duplicates and
 * terms with nothing FTS5 can match) and reset b */
static void
query_add_term(struct query_term **arr, size_t *n, struct query_build *b)
{
    const char *text = buf_str(&b->text);

    if (b->pieces > 0 && b->text.len > 0) {
        int dup = 0;
        for (size_t i = 0; i < *n; i++)
            if (str_eq_nocase((*arr)[i].text, text))
                dup = 1;
        if (!dup) {
            *arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
            (*arr)[*n].text = xstrdup(text);
            if (b->pieces > 1) {
                struct buf m;
                buf_init(&m, QUERY_EXPR_MAX);
                buf_addc(&m, '(');
                buf_add(&m, b->match.data, b->match.len);
                buf_addc(&m, ')');
                (*arr)[*n].match = xstrdup(buf_str(&m));
                buf_release(&m);
            } else {
                (*arr)[*n].match = xstrdup(buf_str(&b->match));
            }
            (*arr)[*n].nphrases = (size_t)b->pieces;
            (*arr)[*n].phrases = xcalloc((size_t)b->pieces, sizeof(char *));
            (*arr)[*n].words = xcalloc((size_t)b->pieces, sizeof(char *));
            (*arr)[*n].quoted = xcalloc((size_t)b->pieces, 1);
            for (int k = 0; k < b->pieces; k++) {
                (*arr)[*n].phrases[k] = b->phrase[k];
                (*arr)[*n].words[k] = b->word[k];
                (*arr)[*n].quoted[k] = b->quoted[k];
                b->phrase[k] = NULL;
                b->word[k] = NULL;
            }
            (*n)++;
        }
    }
    for (int k = 0; k < b->pieces; k++) {
        free(b->phrase[k]);
        free(b->word[k]);
        b->phrase[k] = NULL;
        b->word[k] = NULL;
    }
    buf_reset(&b->text);
    buf_reset(&b->match);
    b->pieces = 0;
}

/* query_add_piece - add a word or (quoted) phrase to term b */
static void
query_add_piece(struct query_build *b, const char *s, size_t n, int quoted)
{
    if (n == 0)
        return;
    /* display text: words separated by one space, quotes dropped */
    for (size_t i = 0; i < n; i++) {
        if (query_is_space(s[i])) {
            if (b->text.len > 0 && b->text.data[b->text.len - 1] != ' ')
                buf_addc(&b->text, ' ');
        } else if (s[i] != '"') {
            if (i == 0 && b->text.len > 0 &&
                b->text.data[b->text.len - 1] != ' ')
                buf_addc(&b->text, ' ');
            buf_addc(&b->text, s[i]);
        }
    }
    while (b->text.len > 0 && b->text.data[b->text.len - 1] == ' ')
        buf_truncate(&b->text, b->text.len - 1);
    if (!query_has_token(s, n) || b->pieces == QUERY_MAX_PHRASES)
        return;
    if (b->pieces > 0)
        buf_adds(&b->match, " AND ");
    {
        struct buf one;
        buf_init(&one, QUERY_EXPR_MAX);
        query_fts_quote(&one, s, n);
        buf_add(&b->match, one.data, one.len);
        b->phrase[b->pieces] = buf_detach(&one);
        buf_release(&one);
    }
    b->word[b->pieces] = xstrndup(s, n);
    b->quoted[b->pieces] = (unsigned char)(quoted != 0);
    b->pieces++;
}

/* query_join - "(a OR b OR c)" of the terms' expressions into out */
static void
query_join(struct buf *out, const struct query_term *t, size_t n)
{
    if (n > 1)
        buf_addc(out, '(');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            buf_adds(out, " OR ");
        buf_adds(out, t[i].match);
    }
    if (n > 1)
        buf_addc(out, ')');
}

int
query_parse(const char *keywords, struct query *q, struct err *err)
{
    struct query out;
    struct query_build pos, neg, *cur;
    size_t n = strlen(keywords), i = 0;
    int rc = -1;

    memset(&out, 0, sizeof(out));
    buf_init(&pos.text, QUERY_EXPR_MAX);
    buf_init(&pos.match, QUERY_EXPR_MAX);
    buf_init(&neg.text, QUERY_EXPR_MAX);
    buf_init(&neg.match, QUERY_EXPR_MAX);
    pos.pieces = neg.pieces = 0;
    memset(pos.phrase, 0, sizeof(pos.phrase));
    memset(neg.phrase, 0, sizeof(neg.phrase));
    memset(pos.word, 0, sizeof(pos.word));
    memset(neg.word, 0, sizeof(neg.word));
    if (query_validate_keywords(keywords, n, err) == -1)
        goto out;

    while (i < n) {
        /* one comma-separated term */
        int term_negated = 0, first = 1;
        while (i < n && keywords[i] != ',') {
            size_t start;
            if (query_is_space(keywords[i])) {
                i++;
                continue;
            }
            if (keywords[i] == '-' && first) {
                term_negated = 1;
                i++;
                first = 0;
                continue;
            }
            cur = term_negated ? &neg : &pos;
            if (keywords[i] == '"') {
                /* a phrase, up to the closing quote or the end */
                start = ++i;
                while (i < n && keywords[i] != '"')
                    i++;
                query_add_piece(cur, keywords + start, i - start, 1);
                if (i < n)
                    i++;
            } else if (keywords[i] == '-' && !term_negated) {
                /* "-word" inside a term: an exclusion of its own */
                start = ++i;
                if (i < n && keywords[i] == '"') {
                    start = ++i;
                    while (i < n && keywords[i] != '"')
                        i++;
                    query_add_piece(&neg, keywords + start, i - start, 1);
                    if (i < n)
                        i++;
                } else {
                    while (i < n && !query_is_space(keywords[i]) &&
                           keywords[i] != ',' && keywords[i] != '"')
                        i++;
                    query_add_piece(&neg, keywords + start, i - start, 0);
                }
                query_add_term(&out.excluded, &out.nexcluded, &neg);
            } else {
                start = i;
                while (i < n && !query_is_space(keywords[i]) &&
                       keywords[i] != ',' && keywords[i] != '"')
                    i++;
                query_add_piece(cur, keywords + start, i - start, 0);
            }
            first = 0;
        }
        query_add_term(&out.terms, &out.nterms, &pos);
        query_add_term(&out.excluded, &out.nexcluded, &neg);
        if (i < n)
            i++; /* the comma */
    }

    if (out.nterms > 0) {
        struct buf m;
        buf_init(&m, QUERY_EXPR_MAX);
        query_join(&m, out.terms, out.nterms);
        if (out.nexcluded > 0) {
            buf_adds(&m, " NOT ");
            query_join(&m, out.excluded, out.nexcluded);
        }
        out.match = xstrdup(buf_str(&m));
        buf_release(&m);
    }
    if (out.nexcluded > 0) {
        struct buf m;
        buf_init(&m, QUERY_EXPR_MAX);
        query_join(&m, out.excluded, out.nexcluded);
        out.exclude = xstrdup(buf_str(&m));
        buf_release(&m);
    }
    *q = out;
    memset(&out, 0, sizeof(out));
    rc = 0;
out:
    query_release(&out);
    for (int k = 0; k < QUERY_MAX_PHRASES; k++) {
        free(pos.phrase[k]);
        free(neg.phrase[k]);
        free(pos.word[k]);
        free(neg.word[k]);
    }
    buf_release(&pos.text);
    buf_release(&pos.match);
    buf_release(&neg.text);
    buf_release(&neg.match);
    return rc;
}

void
query_release(struct query *q)
{
    for (size_t i = 0; i < q->nterms; i++) {
        free(q->terms[i].text);
        free(q->terms[i].match);
        for (size_t k = 0; k < q->terms[i].nphrases; k++) {
            free(q->terms[i].phrases[k]);
            free(q->terms[i].words[k]);
        }
        free(q->terms[i].phrases);
        free(q->terms[i].words);
        free(q->terms[i].quoted);
    }
    for (size_t i = 0; i < q->nexcluded; i++) {
        free(q->excluded[i].text);
        free(q->excluded[i].match);
        for (size_t k = 0; k < q->excluded[i].nphrases; k++) {
            free(q->excluded[i].phrases[k]);
            free(q->excluded[i].words[k]);
        }
        free(q->excluded[i].phrases);
        free(q->excluded[i].words);
        free(q->excluded[i].quoted);
    }
    free(q->terms);
    free(q->excluded);
    free(q->match);
    free(q->exclude);
    memset(q, 0, sizeof(*q));
}
