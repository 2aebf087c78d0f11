/* SPDX-License-Identifier: MIT */
/*
 * authors - a paper's author list (the JSON array of names that
 * papers.authors holds) as one line for people: the mail, the web's
 * sample, the archive pages and the Atom feed all show it this way.
 * Layer: util (cJSON only).
 */
#ifndef PAPERBOY_AUTHORS_H
#define PAPERBOY_AUTHORS_H

#include "buf.h"

/*
 * authors_format - append the names of a JSON array to out as "A, B and
 * C", or "A, B, C, D, E et al." when there are more than max (white space
 * in a name collapsed, items that are not strings skipped).  Text that is
 * not a JSON array is appended with its white space collapsed.
 */
void authors_format(const char *json, int max, struct buf *out);

#endif
