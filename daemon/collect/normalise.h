/* SPDX-License-Identifier: MIT */
/*
 * normalise - turn the text the sources deliver into clean display text,
 * and their identifiers, dates and links into canonical form.
 *
 * Text rules, applied in this order by normalise_text():
 *   1. invalid UTF-8 is repaired (each bad byte becomes U+FFFD) and control
 *      characters other than whitespace are dropped;
 *   2. NORM_STRIP_TAGS removes HTML tags ("<" followed by a letter, "/",
 *      "!" or "?", up to ">"); a lone "<" as in "(<10 hours)" stays;
 *   3. NORM_ENTITIES decodes HTML entities once (&amp; &lt; &#233; ...).
 *      Do not pass it for XML sources: expat has already decoded them, and
 *      decoding again would turn a literal "&amp;lt;" into "<";
 *   4. NORM_TEX turns simple TeX accents into characters (N\"UWA -> NÜWA,
 *      \'e \`e \^o \~n \c{c} ...) and unescapes \& \% \$ \# \_; math such
 *      as $O(n)$ or G_{stack} is left as it is, which reads fine;
 *   5. runs of whitespace become one space, leading/trailing trimmed.
 * Output is capped at PAPER_FIELD_MAX bytes (cut on a character boundary).
 *
 * Identifiers: paper_arxiv_id() (paper.h) accepts "2611.15034v2",
 * "http(s)://arxiv.org/abs/...", "oai:arXiv.org:...", "arXiv:..." and
 * old-style "hep-ex/0307015v1", and splits off the version.
 * It uses only libc.  Out-parameters are written only on success.
 */
#ifndef PAPERBOY_NORMALISE_H
#define PAPERBOY_NORMALISE_H

#include <stddef.h>
#include <stdint.h>

enum normalise_flags {
    NORM_STRIP_TAGS = 1 << 0, /* remove HTML tags */
    NORM_ENTITIES = 1 << 1,   /* decode HTML entities (once) */
    NORM_TEX = 1 << 2,        /* TeX accents and \& \% \$ escapes */
};

/* normalise_text - the n bytes of s cleaned per flags (see above).  Caller
 * frees with free().  Never fails; "" for empty input. */
char *normalise_text(const char *s, size_t n, int flags);
/* normalise_field - normalise_text() of the string s, or NULL when s is
 * NULL or cleans to "" (an absent optional field).  Caller frees. */
char *normalise_field(const char *s, int flags);

/* normalise_utf8_repair - copy of the n bytes with invalid sequences
 * replaced by U+FFFD and NUL bytes dropped.  Caller frees. */
char *normalise_utf8_repair(const char *s, size_t n);

/* normalise_url - 1 if s is an http:// or https:// URL without spaces or
 * control characters (never javascript: or data:), else 0 */
int normalise_url_ok(const char *s);

/* normalise_rfc822_time - "Wed, 18 Nov 2026 00:00:00 -0500" to unix
 * seconds; -1 if malformed */
int normalise_rfc822_time(const char *s, int64_t *out);

/* normalise_iso8601_time - "2026-11-17T16:41:09Z" or with ".000Z" or
 * "+01:00" to unix seconds; -1 if malformed */
int normalise_iso8601_time(const char *s, int64_t *out);

#endif
