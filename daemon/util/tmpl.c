/* SPDX-License-Identifier: MIT */
/*
 * tmpl - a mustache subset compiled to a flat node list (see tmpl.h).
 *
 * Compilation turns the source into nodes: text, variable, raw variable,
 * section and inverted section; a section node records the index just past
 * its closing tag, so rendering is a loop over a range with recursion only
 * into sections.  Partials are inlined at compile time.  As in mustache, a
 * section, comment or partial tag alone on its line takes its line with
 * it, so text templates do not fill with blank lines.
 *
 * The data side is an arena: objects, fields and copied strings are
 * bump-allocated from chunks that tmpl_data_reset() rewinds.
 */
#include "tmpl.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "str.h"
#include "xalloc.h"

#define TMPL_MAX_DEPTH 16         /* nesting of sections and partials */
#define TMPL_MAX_SOURCE (1 << 20) /* bytes per template file */

enum tmpl_kind { TN_TEXT, TN_VAR, TN_RAW, TN_SECTION, TN_INVERTED };

struct tmpl_node {
    enum tmpl_kind kind;
    char *text;    /* TN_TEXT: the bytes; otherwise the name */
    size_t len;    /* length of text */
    uint32_t hash; /* names: tmpl_hash() of text */
    size_t end;    /* sections: index of the first node after the close */
    int html;      /* variables: escape for HTML */
};

struct tmpl {
    struct tmpl_node *nodes;
    size_t n, cap;
};

/* ---- data arena ---- */

enum tmpl_vkind { TV_STR, TV_BOOL, TV_LIST };

struct tmpl_field {
    const char *key;
    size_t klen;   /* strlen(key) */
    uint32_t hash; /* tmpl_hash() of key */
    enum tmpl_vkind kind;
    const char *s; /* TV_STR */
    size_t len;
    int b;                  /* TV_BOOL */
    struct tmpl_obj *first; /* TV_LIST */
    struct tmpl_obj *last;
    struct tmpl_field *next;
};

#define TMPL_SLOTS 32     /* a power of two */
#define TMPL_SLOTS_MAX 24 /* fields indexed in slot[] */

struct tmpl_obj {
    struct tmpl_data *d;
    struct tmpl_field *fields;
    /* the fields again, by name hash (open addressing), while at most
     * TMPL_SLOTS_MAX: a lookup probes an array instead of following the
     * list from field to field, each hop a dependent load (the renderer's
     * main cost); past that, overflow is set and the list is walked */
    struct tmpl_field *slot[TMPL_SLOTS];
    unsigned nslots, overflow;
    struct tmpl_obj *next; /* next item in the list holding this object */
    const struct tmpl_obj *proto; /* names not in fields are looked up here */
};

struct tmpl_chunk {
    struct tmpl_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct tmpl_data {
    struct tmpl_chunk *head; /* chunk being filled */
    struct tmpl_chunk *all;  /* every chunk, for reset and free */
};

#define TMPL_CHUNK (64 * 1024)

/* tmpl_alloc - n bytes from the arena, aligned */
static void *
tmpl_alloc(struct tmpl_data *d, size_t n)
{
    struct tmpl_chunk *c;
    size_t align = sizeof(max_align_t);

    n = (n + align - 1) / align * align;
    for (c = d->head; c != NULL; c = c->next) {
        if (c->size - c->used >= n) {
            void *p = (char *)c->data + c->used;
            c->used += n;
            d->head = c;
            return p;
        }
    }
    c = xmalloc(sizeof(*c) + (n > TMPL_CHUNK ? n : TMPL_CHUNK));
    c->size = n > TMPL_CHUNK ? n : TMPL_CHUNK;
    c->used = n;
    c->next = NULL;
    /* append to the end of the chain so reset reuses chunks in order */
    if (d->all == NULL) {
        d->all = c;
    } else {
        struct tmpl_chunk *t = d->all;
        while (t->next)
            t = t->next;
        t->next = c;
    }
    d->head = c;
    return c->data;
}

/* tmpl_strdup - copy n bytes into the arena, NUL-terminated */
static const char *
tmpl_strdup(struct tmpl_data *d, const char *s, size_t n)
{
    char *p = tmpl_alloc(d, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

struct tmpl_data *
tmpl_data_new(void)
{
    return xcalloc(1, sizeof(struct tmpl_data));
}

void
tmpl_data_free(struct tmpl_data *d)
{
    struct tmpl_chunk *c, *next;

    if (d == NULL)
        return;
    for (c = d->all; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(d);
}

void
tmpl_data_reset(struct tmpl_data *d)
{
    for (struct tmpl_chunk *c = d->all; c != NULL; c = c->next)
        c->used = 0;
    d->head = d->all;
}

struct tmpl_obj *
tmpl_data_root(struct tmpl_data *d)
{
    struct tmpl_obj *o = tmpl_alloc(d, sizeof(*o));
    o->d = d;
    o->fields = NULL;
    memset(o->slot, 0, sizeof(o->slot));
    o->nslots = 0;
    o->overflow = 0;
    o->next = NULL;
    o->proto = NULL;
    return o;
}

/* tmpl_hash - str_hash of s[0..n) folded to 32 bits: names are compared
 * by hash and length first, so a lookup rarely calls memcmp on a name
 * that differs */
static uint32_t
tmpl_hash(const char *s, size_t n)
{
    uint64_t h = str_hash(s, n);

    return (uint32_t)(h ^ (h >> 32));
}

/* tmpl_named - 1 if f is named key (len n, hash h) */
static inline int
tmpl_named(const struct tmpl_field *f, const char *key, size_t n, uint32_t h)
{
    return f->hash == h && f->klen == n && memcmp(f->key, key, n) == 0;
}

/* tmpl_field_find - the field of o named key (len n, hash h), or NULL */
static inline struct tmpl_field *
tmpl_field_find(const struct tmpl_obj *o, const char *key, size_t n, uint32_t h)
{
    if (!o->overflow) {
        for (unsigned i = h;; i++) {
            struct tmpl_field *f = o->slot[i & (TMPL_SLOTS - 1)];
            if (f == NULL || tmpl_named(f, key, n, h))
                return f;
        }
    }
    for (struct tmpl_field *f = o->fields; f != NULL; f = f->next)
        if (tmpl_named(f, key, n, h))
            return f;
    return NULL;
}

/* tmpl_field_link - put the new field f (its name not in o) into o */
static void
tmpl_field_link(struct tmpl_obj *o, struct tmpl_field *f)
{
    f->next = o->fields;
    o->fields = f;
    if (o->overflow)
        return;
    if (o->nslots == TMPL_SLOTS_MAX) {
        o->overflow = 1;
        return;
    }
    for (unsigned i = f->hash;; i++)
        if (o->slot[i & (TMPL_SLOTS - 1)] == NULL) {
            o->slot[i & (TMPL_SLOTS - 1)] = f;
            o->nslots++;
            return;
        }
}

/* tmpl_field_get - the field named key, created empty if missing */
static struct tmpl_field *
tmpl_field_get(struct tmpl_obj *o, const char *key)
{
    size_t n = strlen(key);
    uint32_t h = tmpl_hash(key, n);
    struct tmpl_field *f = tmpl_field_find(o, key, n, h);

    if (f != NULL)
        return f;
    f = tmpl_alloc(o->d, sizeof(*f));
    memset(f, 0, sizeof(*f));
    f->key = tmpl_strdup(o->d, key, n);
    f->klen = n;
    f->hash = h;
    tmpl_field_link(o, f);
    return f;
}

void
tmpl_setn(struct tmpl_obj *o, const char *key, const char *value, size_t n)
{
    struct tmpl_field *f = tmpl_field_get(o, key);
    f->kind = TV_STR;
    f->s = tmpl_strdup(o->d, value ? value : "", value ? n : 0);
    f->len = value ? n : 0;
}

void
tmpl_set(struct tmpl_obj *o, const char *key, const char *value)
{
    tmpl_setn(o, key, value, value ? strlen(value) : 0);
}

void
tmpl_setf(struct tmpl_obj *o, const char *key, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof(small)) {
        tmpl_setn(o, key, small, (size_t)n);
    } else {
        char *big = xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        tmpl_setn(o, key, big, (size_t)n);
        free(big);
    }
}

void
tmpl_set_bool(struct tmpl_obj *o, const char *key, int value)
{
    struct tmpl_field *f = tmpl_field_get(o, key);
    f->kind = TV_BOOL;
    f->b = value != 0;
}

void
tmpl_set_list(struct tmpl_obj *o, const char *key)
{
    struct tmpl_field *f = tmpl_field_get(o, key);
    if (f->kind != TV_LIST || f->first == NULL) {
        f->kind = TV_LIST;
        f->first = f->last = NULL;
    }
}

struct tmpl_obj *
tmpl_add_item(struct tmpl_obj *o, const char *key)
{
    struct tmpl_field *f = tmpl_field_get(o, key);
    struct tmpl_obj *item = tmpl_data_root(o->d);

    if (f->kind != TV_LIST) {
        f->kind = TV_LIST;
        f->first = f->last = NULL;
    }
    if (f->last)
        f->last->next = item;
    else
        f->first = item;
    f->last = item;
    return item;
}

void
tmpl_set_proto(struct tmpl_obj *o, const struct tmpl_obj *proto)
{
    o->proto = proto;
}

void
tmpl_copy_fields(struct tmpl_obj *dst, const struct tmpl_obj *src)
{
    /* (names are unique within an object, so the order fields are set in
     * does not change what renders, and into an empty dst each field can
     * go without looking for one of the same name) */
    int fresh;

    if (src->proto != NULL) /* its fields first: src's own shadow them */
        tmpl_copy_fields(dst, src->proto);
    fresh = dst->fields == NULL;

    for (const struct tmpl_field *f = src->fields; f != NULL; f = f->next) {
        struct tmpl_field *g;
        if (fresh) {
            g = tmpl_alloc(dst->d, sizeof(*g));
            memset(g, 0, sizeof(*g));
            g->key = tmpl_strdup(dst->d, f->key, f->klen);
            g->klen = f->klen;
            g->hash = f->hash;
            tmpl_field_link(dst, g);
        } else {
            g = tmpl_field_get(dst, f->key);
        }
        switch (f->kind) {
        case TV_STR:
            g->kind = TV_STR;
            g->s = tmpl_strdup(dst->d, f->s, f->len);
            g->len = f->len;
            break;
        case TV_BOOL:
            g->kind = TV_BOOL;
            g->b = f->b;
            break;
        case TV_LIST:
            g->kind = TV_LIST;
            g->first = g->last = NULL;
            for (const struct tmpl_obj *it = f->first; it; it = it->next) {
                struct tmpl_obj *item = tmpl_data_root(dst->d);
                if (g->last)
                    g->last->next = item;
                else
                    g->first = item;
                g->last = item;
                tmpl_copy_fields(item, it);
            }
            break;
        }
    }
}

/* ---- compiler ---- */

/* tmpl_push - append a node, return its index */
static size_t
tmpl_push(struct tmpl *t, enum tmpl_kind kind, const char *s, size_t n,
          int html)
{
    struct tmpl_node *nd;

    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 32;
        t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
    }
    nd = &t->nodes[t->n];
    nd->kind = kind;
    nd->text = xstrndup(s, n);
    nd->len = n;
    nd->hash = kind == TN_TEXT ? 0 : tmpl_hash(s, n);
    nd->end = 0;
    nd->html = html;
    return t->n++;
}

/* tmpl_line_of - 1-based line number of p in src */
static int
tmpl_line_of(const char *src, const char *p)
{
    int line = 1;
    for (; src < p; src++)
        if (*src == '\n')
            line++;
    return line;
}

/* tmpl_read_file - whole file into a malloc'd string: a regular file of
 * at most TMPL_MAX_SOURCE bytes, never through a symbolic link
 * (datafile_read) */
static char *
tmpl_read_file(const char *path, size_t *len, struct err *err)
{
    char *s = NULL;

    if (datafile_read(path, TMPL_MAX_SOURCE, &s, len, err) == -1)
        return NULL;
    return s;
}

/* tmpl_is_html - templates whose name ends in .txt are not escaped */
static int
tmpl_is_html(const char *name)
{
    size_t n = strlen(name);
    return !(n >= 4 && strcmp(name + n - 4, ".txt") == 0);
}

/* tmpl_comment_end - the "}}" closing a comment that began before p; a
 * comment may mention tags ("Every {{value}} is escaped"), so nested
 * "{{...}}" pairs inside it are skipped */
static const char *
tmpl_comment_end(const char *p, const char *end)
{
    int depth = 0;

    for (; p + 1 < end; p++) {
        if (p[0] == '{' && p[1] == '{') {
            depth++;
            p++;
        } else if (p[0] == '}' && p[1] == '}') {
            if (depth == 0)
                return p;
            depth--;
            p++;
        }
    }
    return NULL;
}

static int tmpl_parse(struct tmpl *t, const char *src, size_t len,
                      const char *name, const char *dir, int html, int depth,
                      struct err *err);

/* tmpl_partial - compile dir/name inline */
static int
tmpl_partial(struct tmpl *t, const char *dir, const char *name, int depth,
             struct err *err)
{
    char path[1024];
    char *src;
    size_t len = 0;
    int rc;

    if (dir == NULL || strstr(name, "..") != NULL || name[0] == '/') {
        err_set(err, ERR_PERM, "partial '%s': not allowed here", name);
        return -1;
    }
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        err_set(err, ERR_PERM, "partial '%s': path too long", name);
        return -1;
    }
    src = tmpl_read_file(path, &len, err);
    if (src == NULL)
        return -1;
    rc = tmpl_parse(t, src, len, name, dir, tmpl_is_html(name), depth + 1, err);
    free(src);
    return rc;
}

/* tmpl_parse - append src's nodes to t */
static int
tmpl_parse(struct tmpl *t, const char *src, size_t len, const char *name,
           const char *dir, int html, int depth, struct err *err)
{
    size_t open_idx[TMPL_MAX_DEPTH];
    int nopen = 0;
    const char *p = src, *end = src + len;

    if (depth > TMPL_MAX_DEPTH) {
        err_set(err, ERR_PERM, "template '%s': partials nested too deeply",
                name);
        return -1;
    }
    while (p < end) {
        const char *tag = memmem(p, (size_t)(end - p), "{{", 2);
        const char *close, *after, *nstart, *nend, *line_start;
        char sigil = 0;
        int triple = 0, standalone;

        if (tag == NULL) {
            tmpl_push(t, TN_TEXT, p, (size_t)(end - p), html);
            break;
        }
        if (tag + 2 < end && tag[2] == '{') {
            triple = 1;
            close = memmem(tag + 3, (size_t)(end - tag - 3), "}}}", 3);
            after = close ? close + 3 : NULL;
            nstart = tag + 3;
        } else if (tag + 2 < end && tag[2] == '!') {
            close = tmpl_comment_end(tag + 3, end);
            after = close ? close + 2 : NULL;
            nstart = tag + 2;
        } else {
            close = memmem(tag + 2, (size_t)(end - tag - 2), "}}", 2);
            after = close ? close + 2 : NULL;
            nstart = tag + 2;
        }
        if (close == NULL) {
            err_set(err, ERR_PERM, "template '%s' line %d: unclosed tag", name,
                    tmpl_line_of(src, tag));
            return -1;
        }
        if (!triple && strchr("#^/!>&", *nstart) != NULL)
            sigil = *nstart++;
        while (nstart < close && (*nstart == ' ' || *nstart == '\t'))
            nstart++;
        nend = close;
        while (nend > nstart && (nend[-1] == ' ' || nend[-1] == '\t'))
            nend--;
        if (sigil != '!' && nend == nstart) {
            err_set(err, ERR_PERM, "template '%s' line %d: empty tag", name,
                    tmpl_line_of(src, tag));
            return -1;
        }

        /* a block tag alone on its line removes the line */
        line_start = tag;
        while (line_start > p &&
               (line_start[-1] == ' ' || line_start[-1] == '\t'))
            line_start--;
        standalone = 0;
        if (sigil && sigil != '&' &&
            (line_start == src || line_start[-1] == '\n')) {
            const char *q = after;
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            if (q == end || *q == '\n' ||
                (*q == '\r' && q + 1 < end && q[1] == '\n')) {
                standalone = 1;
                if (q < end && *q == '\r')
                    q++;
                if (q < end)
                    q++;
                after = q;
            }
        }
        if ((standalone ? line_start : tag) > p)
            tmpl_push(t, TN_TEXT, p,
                      (size_t)((standalone ? line_start : tag) - p), html);

        switch (sigil) {
        case '!':
            break;
        case '>': {
            char pname[256];
            size_t n = (size_t)(nend - nstart);
            if (n >= sizeof(pname)) {
                err_set(err, ERR_PERM, "template '%s': partial name too long",
                        name);
                return -1;
            }
            memcpy(pname, nstart, n);
            pname[n] = '\0';
            if (tmpl_partial(t, dir, pname, depth, err) == -1) {
                err_prefix(err, "template '%s' line %d", name,
                           tmpl_line_of(src, tag));
                return -1;
            }
            break;
        }
        case '#':
        case '^':
            if (nopen == TMPL_MAX_DEPTH) {
                err_set(err, ERR_PERM,
                        "template '%s' line %d: sections nested too deeply",
                        name, tmpl_line_of(src, tag));
                return -1;
            }
            open_idx[nopen++] =
                tmpl_push(t, sigil == '#' ? TN_SECTION : TN_INVERTED, nstart,
                          (size_t)(nend - nstart), html);
            break;
        case '/': {
            struct tmpl_node *o;
            if (nopen == 0) {
                err_set(err, ERR_PERM,
                        "template '%s' line %d: {{/%.*s}} closes nothing", name,
                        tmpl_line_of(src, tag), (int)(nend - nstart), nstart);
                return -1;
            }
            o = &t->nodes[open_idx[nopen - 1]];
            if (o->len != (size_t)(nend - nstart) ||
                memcmp(o->text, nstart, o->len) != 0) {
                err_set(err, ERR_PERM,
                        "template '%s' line %d: {{/%.*s}} closes {{#%s}}", name,
                        tmpl_line_of(src, tag), (int)(nend - nstart), nstart,
                        o->text);
                return -1;
            }
            o->end = t->n;
            nopen--;
            break;
        }
        default:
            tmpl_push(t, (triple || sigil == '&') ? TN_RAW : TN_VAR, nstart,
                      (size_t)(nend - nstart), html);
        }
        p = after;
    }
    if (nopen > 0) {
        err_set(err, ERR_PERM, "template '%s': {{#%s}} is never closed", name,
                t->nodes[open_idx[nopen - 1]].text);
        return -1;
    }
    return 0;
}

int
tmpl_compile(const char *src, size_t len, const char *name, const char *dir,
             int html, struct tmpl **out, struct err *err)
{
    struct tmpl *t = xcalloc(1, sizeof(*t));

    if (tmpl_parse(t, src, len, name, dir, html, 0, err) == -1) {
        tmpl_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

int
tmpl_load(const char *path, struct tmpl **out, struct err *err)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t len = 0;
    char *src;
    int rc;

    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n >= sizeof(dir))
            n = sizeof(dir) - 1;
        memcpy(dir, path, n);
        dir[n] = '\0';
    } else {
        dir[0] = '.';
        dir[1] = '\0';
    }
    src = tmpl_read_file(path, &len, err);
    if (src == NULL)
        return -1;
    rc = tmpl_compile(src, len, base, dir, tmpl_is_html(base), out, err);
    free(src);
    return rc;
}

void
tmpl_free(struct tmpl *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->nodes[i].text);
    free(t->nodes);
    free(t);
}

/* ---- renderer ---- */

/* tmpl_lookup - nd's name in the innermost object that has it */
static const struct tmpl_field *
tmpl_lookup(const struct tmpl_obj *const *stack, int depth,
            const struct tmpl_node *nd)
{
    for (int i = depth - 1; i >= 0; i--) {
        const struct tmpl_field *f =
            tmpl_field_find(stack[i], nd->text, nd->len, nd->hash);
        if (f == NULL && stack[i]->proto != NULL)
            f = tmpl_field_find(stack[i]->proto, nd->text, nd->len, nd->hash);
        if (f != NULL)
            return f;
    }
    return NULL;
}

/* tmpl_truthy - mustache truthiness */
static int
tmpl_truthy(const struct tmpl_field *f)
{
    if (f == NULL)
        return 0;
    switch (f->kind) {
    case TV_STR:
        return f->len > 0;
    case TV_BOOL:
        return f->b;
    case TV_LIST:
        return f->first != NULL;
    }
    return 0;
}

/* tmpl_render_range - render nodes [from, to) */
static void
tmpl_render_range(const struct tmpl *t, size_t from, size_t to,
                  const struct tmpl_obj **stack, int depth, struct buf *out)
{
    size_t i = from;

    while (i < to && !out->failed) {
        const struct tmpl_node *nd = &t->nodes[i];
        const struct tmpl_field *f;

        switch (nd->kind) {
        case TN_TEXT:
            buf_put(out, nd->text, nd->len);
            i++;
            break;
        case TN_VAR:
        case TN_RAW:
            f = tmpl_lookup(stack, depth, nd);
            if (f != NULL && f->kind == TV_STR) {
                if (nd->kind == TN_VAR && nd->html)
                    buf_add_html(out, f->s, f->len);
                else
                    buf_put(out, f->s, f->len);
            }
            i++;
            break;
        case TN_SECTION:
            f = tmpl_lookup(stack, depth, nd);
            if (f != NULL && f->kind == TV_LIST) {
                for (const struct tmpl_obj *it = f->first; it; it = it->next) {
                    if (depth >= 64)
                        break;
                    stack[depth] = it;
                    tmpl_render_range(t, i + 1, nd->end, stack, depth + 1, out);
                }
            } else if (tmpl_truthy(f)) {
                tmpl_render_range(t, i + 1, nd->end, stack, depth, out);
            }
            i = nd->end;
            break;
        case TN_INVERTED:
            f = tmpl_lookup(stack, depth, nd);
            if (!tmpl_truthy(f))
                tmpl_render_range(t, i + 1, nd->end, stack, depth, out);
            i = nd->end;
            break;
        }
    }
}

int
tmpl_render(const struct tmpl *t, const struct tmpl_obj *root, struct buf *out,
            struct err *err)
{
    const struct tmpl_obj *stack[65];

    stack[0] = root;
    tmpl_render_range(t, 0, t->n, stack, 1, out);
    return buf_check(out, err);
}
