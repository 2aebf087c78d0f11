/* SPDX-License-Identifier: MIT */
/*
 * catnames - the arXiv category taxonomy bundled with paperboy
 * (web/arxiv-categories.tsv: "code TAB name" lines, '#' comments): the
 * name of a category for the pages ("cs.LG" -> "Machine Learning"), and
 * the check that refuses a category arXiv does not have, suggesting the
 * nearest known one (edit distance, case ignored).
 *
 * It does not know lists or subscriptions (subs/ applies it) and reads
 * nothing but the file it is given.  A loaded struct catnames is
 * immutable: share it between threads freely.
 *
 * Contract: 0 on success, -1 with err filled; out-parameters are written
 * only on success.
 */
#ifndef PAPERBOY_CATNAMES_H
#define PAPERBOY_CATNAMES_H

#include <stddef.h>

#include "err.h"

#define CATNAMES_FILE "arxiv-categories.tsv" /* under the web directory */

struct catnames;

/* catnames_load - read the taxonomy file at path (at most 64 KiB, 1000
 * lines, opened without following links); caller frees with
 * catnames_free().  A line without a TAB, a code that is not printable
 * ASCII without spaces, or a duplicate code is an error naming the line. */
int catnames_load(const char *path, struct catnames **out, struct err *err);

/* catnames_free - release; NULL is fine */
void catnames_free(struct catnames *c);

/* catnames_get - the name of the n-byte code, or NULL when it is not in
 * the taxonomy (exact, case-sensitive match).  Borrowed, valid until
 * catnames_free() */
const char *catnames_get(const struct catnames *c, const char *code, size_t n);

/* catnames_nearest - the known code with the smallest edit distance to
 * the n-byte code (case ignored; ties go to the first in the file);
 * NULL when the taxonomy is empty.  Borrowed like catnames_get() */
const char *catnames_nearest(const struct catnames *c, const char *code,
                             size_t n);

/* catnames_check - -1 (ERR_PERM) when an item of the comma-separated csv
 * is not in the taxonomy: "unknown category 'q-bio.XX'; did you mean
 * 'q-bio.QM'?".  The syntax of csv is db_list_check_categories()'s job;
 * this only looks each item up. */
int catnames_check(const struct catnames *c, const char *csv, struct err *err);

#endif
