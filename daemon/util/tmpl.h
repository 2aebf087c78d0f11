/* SPDX-License-Identifier: MIT */
/*
 * tmpl - a small mustache subset for pages and mails that an operator can
 * edit without recompiling.
 *
 * Syntax:
 *   {{name}}            the value, HTML-escaped (in *.txt templates: as is)
 *   {{{name}}} {{&name}} the value, raw: only for values the code built
 *   {{#name}}..{{/name}} a list: once per item; a bool/string: if truthy
 *   {{^name}}..{{/name}} if missing, false, empty string or empty list
 *   {{! comment}}       nothing
 *   {{> file}}          another template from the same directory, inlined
 *                       when the template is loaded
 * Names are looked up in the current item, then in the enclosing ones.
 *
 * Templates are compiled once into a node list (tmpl_load) and rendered
 * many times into a caller's struct buf, which caps the size.  Data is a
 * tree of objects built in a struct tmpl_data arena, which tmpl_data_reset
 * empties without freeing: rendering thousands of digests allocates
 * nothing per paper once the arena has grown.
 */
#ifndef PAPERBOY_TMPL_H
#define PAPERBOY_TMPL_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

struct tmpl;
struct tmpl_data;
struct tmpl_obj;

/* tmpl_load - compile the file at path (partials from its directory).
 * Caller frees with tmpl_free(). */
int tmpl_load(const char *path, struct tmpl **out, struct err *err);
/* tmpl_compile - compile from memory; dir resolves partials (may be NULL),
 * html selects escaping for {{name}} */
int tmpl_compile(const char *src, size_t len, const char *name, const char *dir,
                 int html, struct tmpl **out, struct err *err);
void tmpl_free(struct tmpl *t);

/* tmpl_render - render with root as the top-level object; appends to out */
int tmpl_render(const struct tmpl *t, const struct tmpl_obj *root,
                struct buf *out, struct err *err);

/* The data tree.  All strings are copied into the arena. */
struct tmpl_data *tmpl_data_new(void);
void tmpl_data_free(struct tmpl_data *d);
/* tmpl_data_reset - forget every object, keep the memory */
void tmpl_data_reset(struct tmpl_data *d);
/* tmpl_data_root - a new empty top-level object */
struct tmpl_obj *tmpl_data_root(struct tmpl_data *d);

void tmpl_set(struct tmpl_obj *o, const char *key, const char *value);
void tmpl_setn(struct tmpl_obj *o, const char *key, const char *value,
               size_t n);
void tmpl_setf(struct tmpl_obj *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tmpl_set_bool(struct tmpl_obj *o, const char *key, int value);
/* tmpl_add_item - append a new object to the list named key (created on
 * first use) and return it */
struct tmpl_obj *tmpl_add_item(struct tmpl_obj *o, const char *key);
/* tmpl_set_list - make key an empty list (so {{^key}} is true) */
void tmpl_set_list(struct tmpl_obj *o, const char *key);
/* tmpl_copy_fields - set every field of src on dst as tmpl_set*() would
 * (strings copied into dst's arena, lists copied item by item; with a
 * proto, its fields too, src's own winning); src may belong to another
 * struct tmpl_data */
void tmpl_copy_fields(struct tmpl_obj *dst, const struct tmpl_obj *src);
/* tmpl_set_proto - names o does not have are looked up in proto (its own
 * fields only, one level), which is borrowed: it must stay valid, and
 * unchanged, while o is rendered; it may belong to another struct
 * tmpl_data.  Instead of tmpl_copy_fields() when proto outlives o. */
void tmpl_set_proto(struct tmpl_obj *o, const struct tmpl_obj *proto);

#endif
