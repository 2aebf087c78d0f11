/* SPDX-License-Identifier: MIT */
/*
 * render - what a digest shows of a paper, as template data: the title,
 * links (abstract, PDF, Hugging Face, code), authors shortened after
 * RENDER_AUTHORS_MAX, categories, upvotes, the "why" line, and the
 * summary trimmed at a sentence boundary; plus the plain-text helpers
 * (word wrap at RENDER_TEXT_WIDTH columns) that a text template cannot
 * do itself.  Pure functions over strings: no SQL, no mail.  Escaping is
 * the template engine's job ({{name}} is HTML-escaped in .html files);
 * URLs are built only from checked parts.
 */
#ifndef PAPERBOY_RENDER_H
#define PAPERBOY_RENDER_H

#include <stddef.h>

#include "buf.h"
#include "db_digest.h"
#include "tmpl.h"

#define RENDER_SUMMARY_MAX 600 /* bytes of summary shown per paper */
#define RENDER_AUTHORS_MAX 5   /* more authors become "et al." */
#define RENDER_TEXT_WIDTH 72   /* columns of the plain-text part */

/*
 * render_trim_summary - append s with runs of white space collapsed; if
 * longer than cap bytes, cut after the last sentence end (". ", "? ",
 * "! ") that leaves at least cap/3 bytes, else after the last whole word
 * with "…" added.  Never splits a UTF-8 sequence.
 */
void render_trim_summary(const char *s, size_t cap, struct buf *out);

/*
 * render_wrap - append s word-wrapped at width columns (counted in UTF-8
 * characters); first_col is the column the first line starts at, and
 * every further line starts with indent.  A word longer than a line (a
 * URL) gets a line of its own and is never broken.
 */
void render_wrap(const char *s, size_t width, size_t first_col,
                 const char *indent, struct buf *out);

/* render_day_long - "2026-11-28" as "Saturday, 28 November 2026" (English,
 * independent of the locale); the day itself if it does not parse */
void render_day_long(const char *day, char *out, size_t size);

/* render_period_long - the days from..to ("YYYY-MM-DD") as "21–27
 * November 2026", "28 November – 4 December 2026" or "29 December 2026
 * – 4 January 2027" (UTF-8 en dash); "FROM to TO" if they do not parse */
void render_period_long(const char *from, const char *to, char *out,
                        size_t size);

/* render_arxiv_id_ok - 1 if id is safe to put in an arxiv.org URL */
int render_arxiv_id_ok(const char *id);

/* render_url_ok - 1 if s is an http(s) URL without spaces, quotes, angle
 * brackets or control characters (safe for href and for plain text) */
int render_url_ok(const char *s);

/*
 * render_paper - set the fields of one paper on item: rank, arxiv_id,
 * title, title_txt, abs_url, pdf_url, hf_url, code_url, project_url,
 * authors, authors_txt, categories, upvotes, upvotes_label, summary,
 * summary_txt, why (every key is set, "" when unknown, so a template
 * never sees an outer value of the same name).  scratch and scratch2 are
 * two distinct work buffers, reused (emptied here).
 */
void render_paper(struct tmpl_obj *item, const struct db_digest_paper *p,
                  struct buf *scratch, struct buf *scratch2);

/* render_paper_fixed - the fields of render_paper() that depend on the
 * paper alone (all but rank and why), so that they can be cached */
void render_paper_fixed(struct tmpl_obj *item, const struct db_digest_paper *p,
                        struct buf *scratch, struct buf *scratch2);
/* render_paper_vary - the rest: rank and why */
void render_paper_vary(struct tmpl_obj *item, const struct db_digest_paper *p,
                       struct buf *scratch);

#endif
