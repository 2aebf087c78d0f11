/* SPDX-License-Identifier: MIT */
/*
 * source_xml - the expat plumbing the XML feed parsers share: namespace
 * aware names ("URI local", or just "local" without a namespace), the text
 * of the element being closed, a depth limit, a per-element size limit,
 * and the refusal of DOCTYPE and entity declarations (so an entity bomb
 * fails at once, before any expansion).  Only source_*.c include this.
 */
#ifndef PAPERBOY_SOURCE_XML_H
#define PAPERBOY_SOURCE_XML_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define SOURCE_XML_MAX_DEPTH 32
#define SOURCE_XML_MAX_TEXT (1024 * 1024) /* bytes of text per element */

/* XML namespaces the arXiv feeds use */
#define NS_ATOM "http://www.w3.org/2005/Atom "
#define NS_ARXIV "http://arxiv.org/schemas/atom "
#define NS_OPENSEARCH "http://a9.com/-/spec/opensearch/1.1/ "
#define NS_DC "http://purl.org/dc/elements/1.1/ "

struct source_xml {
    void *parser;    /* XML_Parser */
    struct buf text; /* character data since the last start tag */
    int depth;       /* current element depth, root = 1 */
    char why[160];   /* our own reason for stopping the parser, or "" */
    void *ud;        /* the format parser's state */
    /* start - an element opened; attrs is name/value pairs, NULL-ended */
    void (*start)(struct source_xml *x, const char *name, const char **attrs);
    /* end - an element closed; its text is in x->text */
    void (*end)(struct source_xml *x, const char *name);
};

/* source_xml_parse - run expat over data, calling start/end; on error
 * "<what>: <reason> at line N" in err (ERR_PERM) */
int source_xml_parse(struct source_xml *x, const char *data, size_t len,
                     const char *what, struct err *err);

/* source_xml_stop - abort parsing from a callback with a reason */
void source_xml_stop(struct source_xml *x, const char *why);

/* source_xml_attr - value of attribute name in attrs, or NULL */
const char *source_xml_attr(const char **attrs, const char *name);

/* source_xml_set - a copy of text into *field, freeing what it held (a
 * repeated element: the last one wins) */
void source_xml_set(char **field, const struct buf *text);

/* source_xml_sniff - 1 if tag ("<feed") stands in the first KiB of data:
 * the sniff of the XML formats */
int source_xml_sniff(const char *data, size_t len, const char *tag);

#endif
