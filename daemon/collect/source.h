/* SPDX-License-Identifier: MIT */
/*
 * source - feed formats behind a table of functions.
 *
 * Each format (arXiv RSS 2.0, arXiv API Atom, Hugging Face daily papers
 * JSON) is a struct source_ops in its own source_<name>.c.  parse() turns
 * one fetched document into normalised papers (paper.h).  It never touches
 * the network or the database.  An entry that lacks a required field (id,
 * title) is skipped with a warning naming the entry; the rest of the
 * document still counts.  A document that is not the format at all
 * (truncated, not XML, a DOCTYPE or entity declaration, JSON of the wrong
 * shape, or entries none of which is usable) is an ERR_PERM error.
 *
 * The XML parsers use expat and refuse any DOCTYPE or entity declaration,
 * so an entity-expansion bomb stops at its first declaration.
 * Expat and cJSON stay inside source_*.c.
 *
 * Out-parameters: parse() appends to out even on failure; the caller
 * releases out either way.
 */
#ifndef PAPERBOY_SOURCE_H
#define PAPERBOY_SOURCE_H

#include <stddef.h>

#include "err.h"
#include "paper.h"

#define SOURCE_MAX_ENTRIES 30000 /* the arXiv API's own ceiling */
#define SOURCE_MAX_WARNINGS 20   /* warnings kept per document */

/* What one parsed document yielded. */
struct source_feed {
    struct paper_list papers; /* usable entries, in document order */
    struct strlist warnings;  /* "entry 3 ('Title'): no arXiv id", capped */
    size_t entries;           /* entries seen in the document */
    size_t invalid;           /* entries skipped for a missing/bad field */
    long total_results;       /* opensearch:totalResults; -1 if absent */
    long start_index;         /* opensearch:startIndex; -1 if absent */
    long items_per_page;      /* opensearch:itemsPerPage; -1 if absent */
    int api_error;            /* 1: the arXiv API answered its error entry
                                 (an id or query it refuses); parse -1 */
};

struct source_ops {
    const char *name; /* "rss", "atom", "hf" */
    /* sniff - 1 if the document looks like this format */
    int (*sniff)(const char *data, size_t len);
    /* parse - see the top of this file */
    int (*parse)(const char *data, size_t len, struct source_feed *out,
                 struct err *err);
};

extern const struct source_ops source_rss_ops;  /* source_rss.c */
extern const struct source_ops source_atom_ops; /* source_atom.c */
extern const struct source_ops source_hf_ops;   /* source_hf.c */

/* source_lookup - the ops called name, or NULL */
const struct source_ops *source_lookup(const char *name);

void source_feed_init(struct source_feed *f);
void source_feed_release(struct source_feed *f);

/* source_feed_warn - record a skipped entry (kept up to the cap) */
void source_feed_warn(struct source_feed *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* source_feed_finish - the common end-of-document check: entries were
 * present but none was usable means the document has the wrong shape */
int source_feed_finish(struct source_feed *f, const char *what,
                       struct err *err);

/* source_split_authors - split "A, B and C" into trimmed names */
void source_split_authors(const char *s, struct strlist *out);

#endif
