/* SPDX-License-Identifier: MIT */
/*
 * terms - words of paper text and of keywords reduced to index terms, and
 * the table of equivalent spellings (acronyms and their expansions).
 *
 * A term is a word lower-cased, with British spelling turned American
 * (-isation, -our, -tre, -ogue, ...), an acronym's plural "s" dropped
 * ("LLMs"), then stemmed by the Snowball English stemmer (libstemmer), so
 * "models"/"model", "quantisation"/"quantization" and
 * "labelled"/"labeling" meet.  Hyphen compounds are reported word by word
 * with a flag, so callers can also index the joined form
 * ("pre-training" = "pre" "training" and "pretraining").
 *
 * The synonym table holds groups of equivalent term sequences ("llm" =
 * "larg languag model"): read from a plain file an operator edits
 * (web/acronyms.txt) and learned from text that defines an acronym
 * ("large language models (LLMs)", found with the Schwartz-Hearst
 * algorithm).  No SQLite and no I/O here besides reading that file.
 * Not thread-safe: one struct terms per thread.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_TERMS_H
#define PAPERBOY_TERMS_H

#include <stddef.h>

#include "err.h"

#define TERMS_WORD_MAX 64 /* bytes of one term; longer words are cut */
#define TERMS_SEQ_MAX 8   /* words in one synonym sequence */

struct terms;

/* terms_new - a stemmer and an empty synonym table; free with
 * terms_free() (NULL does nothing) */
struct terms *terms_new(void);
void terms_free(struct terms *t);

/*
 * terms_word - the term of word w (n bytes, as written) into out
 * (TERMS_WORD_MAX bytes).  Returns its length; 0 when w has no letter or
 * digit.  Pure given t's stemmer.
 */
size_t terms_word(struct terms *t, const char *w, size_t n, char *out);

/*
 * terms_surface - the word w (n bytes) as typed, only lower-cased, in
 * American spelling and with a plural folded ("networks" -> "network",
 * "adaptive" stays "adaptive" where terms_word() gives "adapt"), into out
 * (TERMS_WORD_MAX bytes).  Returns its length; 0 when w has no letter or
 * digit.  For matching the form typed above other forms of its stem.
 */
size_t terms_surface(const char *w, size_t n, char *out);

/* terms_word_forms - terms_word() into out and terms_surface() into
 * surface (TERMS_WORD_MAX bytes each) at once; returns the term's length
 * (0: no letter or digit, nothing written) */
size_t terms_word_forms(struct terms *t, const char *w, size_t n, char *out,
                        char *surface);

enum terms_flags {
    TERMS_HYPHEN = 1 << 0, /* the word is followed by '-' and another word */
    TERMS_BREAK = 1 << 1,  /* punctuation (.,;:!?()[]) before this word */
    TERMS_PAREN = 1 << 2,  /* the word alone in parentheses: "(LLMs)" */
};

/*
 * terms_split - call fn for each word of text (runs of ASCII letters and
 * digits and non-ASCII bytes), with enum terms_flags.  w is borrowed and
 * not NUL-terminated.
 */
void terms_split(const char *text,
                 void (*fn)(void *arg, const char *w, size_t n, int flags),
                 void *arg);

/*
 * terms_syn_add - make the term sequences a and b (terms joined by single
 * spaces, as terms_word() writes them) equivalent: they join the same
 * group.  Sequences longer than TERMS_SEQ_MAX terms are ignored.
 */
void terms_syn_add(struct terms *t, const char *a, const char *b);

/*
 * terms_syn_load - read a synonym file: one group per line, spellings
 * separated by '=' or '|' ("LLM = large language model"), '#' starts a
 * comment.  Every spelling goes through terms_word().  -1 with err if the
 * file cannot be read; a missing file is not an error (returns 0).
 */
int terms_syn_load(struct terms *t, const char *path, struct err *err);

/*
 * terms_syn_learn - look at a word of running text (from terms_split(),
 * in order) for an acronym definition: a word in parentheses whose
 * letters match the initials of the words just before it.  Found ones
 * are added with terms_syn_add().
 */
void terms_syn_learn(struct terms *t, const char *w, size_t n, int flags);

/* terms_syn_reset - forget the words terms_syn_learn() has seen (call
 * between documents) */
void terms_syn_reset(struct terms *t);

/*
 * terms_syn_group - the group of the sequence s ("larg languag model"),
 * or -1.  *members and *nmembers give the group's sequences (borrowed,
 * valid until the next terms_syn_add()).
 */
int terms_syn_group(const struct terms *t, const char *s,
                    const char *const **members, size_t *nmembers);

/* terms_syn_longest - the most words a sequence of the table has */
size_t terms_syn_longest(const struct terms *t);

#endif
