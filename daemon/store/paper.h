/* SPDX-License-Identifier: MIT */
/*
 * paper - one normalised paper as the feed parsers produce it and the
 * database stores it, plus the small growable lists that carry papers and
 * string lists between the parsers, the collector and db_paper.
 *
 * A paper owns all its strings (heap, freed by paper_release()).  Optional
 * text fields are NULL when the source did not give them.  The helpers are
 * implemented in paper.c.  No library dependencies.
 */
#ifndef PAPERBOY_PAPER_H
#define PAPERBOY_PAPER_H

#include <stddef.h>
#include <stdint.h>

#define PAPER_ID_MAX 48       /* "hep-ex/0307015", "2611.15034": short */
#define PAPER_FIELD_MAX 65536 /* bytes per text field after normalising */
#define PAPER_LIST_MAX 1000   /* authors, categories or keywords per paper */

/* A growable list of owned strings. */
struct strlist {
    char **v;   /* owned strings */
    size_t n;   /* number used */
    size_t cap; /* number allocated */
};

void strlist_init(struct strlist *l);
/* strlist_add - append a copy of s (ignored past PAPER_LIST_MAX) */
void strlist_add(struct strlist *l, const char *s);
/* strlist_add_unique - append a copy of s unless already present */
void strlist_add_unique(struct strlist *l, const char *s);
/* strlist_has - 1 if s is in the list */
int strlist_has(const struct strlist *l, const char *s);
void strlist_release(struct strlist *l);

struct paper {
    char arxiv_id[PAPER_ID_MAX]; /* canonical, no version: "2611.15034" */
    int version;                 /* N of vN; 0 when the source did not say */
    char *title;                 /* whitespace collapsed, TeX accents done */
    char *abstract;              /* "" when absent */
    struct strlist authors;      /* names in document order, trimmed */
    struct strlist categories;   /* primary first, deduplicated */
    char *comment;               /* arxiv:comment, or NULL */
    char *journal_ref;           /* arxiv:journal_ref, or NULL */
    char *doi;                   /* arxiv:doi, or NULL */
    char announce_type[16];      /* new|cross|replace|replace-cross or "" */
    int64_t published_at;        /* unix seconds UTC, 0 = unknown */
    int published_exact;         /* 1: v1 submission time (API, HF);
                                    0: announcement date (RSS) */
    int in_arxiv;                /* 1: came from an arXiv feed */

    /* Hugging Face daily papers (has_hf = 1) */
    int has_hf;                 /* 1: came from HF daily papers */
    int64_t hf_upvotes;         /* paper.upvotes */
    int64_t hf_comments;        /* numComments */
    char *github_repo;          /* http(s) URL or NULL */
    int64_t github_stars;       /* -1 when absent */
    char *project_page;         /* http(s) URL or NULL */
    char *ai_summary;           /* one-line TL;DR or NULL */
    struct strlist ai_keywords; /* may be empty */
};

/* paper_init - an empty paper (github_stars -1) */
void paper_init(struct paper *p);
/* paper_release - free every owned field; p may be reused after init */
void paper_release(struct paper *p);

/* A growable list of papers, owned. */
struct paper_list {
    struct paper *v; /* papers, owned */
    size_t n;        /* number used */
    size_t cap;      /* number allocated */
};

void paper_list_init(struct paper_list *l);
/* paper_list_push - append an initialised paper; borrowed pointer valid
 * until the next push or release */
struct paper *paper_list_push(struct paper_list *l);
/* paper_list_pop - drop (and release) the last paper */
void paper_list_pop(struct paper_list *l);
void paper_list_release(struct paper_list *l);

/*
 * paper_arxiv_id - canonical id of s into id (size >= PAPER_ID_MAX), the N
 * of a trailing "vN" into *version (0 if none); -1 if s is not an arXiv id.
 * Accepts "2611.15034v2", "arXiv:2611.15034", "hep-th/9901001", the OAI
 * form, and the URLs of arXiv's abs/, pdf/ (".pdf" or not) and html/ pages
 * and of Hugging Face's papers/ page (a trailing "/", "?query" or
 * "#fragment" allowed).
 */
int paper_arxiv_id(const char *s, char *id, size_t size, int *version);

#endif
