/* SPDX-License-Identifier: MIT */
/*
 * source - the table of feed formats and the parsed-document container.
 */
#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "xalloc.h"

const struct source_ops *
source_lookup(const char *name)
{
    static const struct source_ops *const all[] = {
        &source_rss_ops, &source_atom_ops, &source_hf_ops, NULL};

    for (int i = 0; all[i]; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}

void
source_feed_init(struct source_feed *f)
{
    paper_list_init(&f->papers);
    strlist_init(&f->warnings);
    f->entries = 0;
    f->invalid = 0;
    f->total_results = -1;
    f->start_index = -1;
    f->items_per_page = -1;
    f->api_error = 0;
}

void
source_feed_release(struct source_feed *f)
{
    paper_list_release(&f->papers);
    strlist_release(&f->warnings);
    source_feed_init(f);
}

void
source_feed_warn(struct source_feed *f, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (f->warnings.n >= SOURCE_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    strlist_add(&f->warnings, line);
}

int
source_feed_finish(struct source_feed *f, const char *what, struct err *err)
{
    if (f->entries > 0 && f->papers.n == 0) {
        err_set(err, ERR_PERM, "%s: none of the %zu entries is usable (%s)",
                what, f->entries,
                f->warnings.n ? f->warnings.v[0] : "wrong shape");
        return -1;
    }
    return 0;
}

/* source_add_author - trim and normalise one name, add it if non-empty */
static void
source_add_author(struct strlist *out, const char *s, size_t n)
{
    char *name = normalise_text(s, n, NORM_TEX);

    if (*name != '\0')
        strlist_add(out, name);
    free(name);
}

void
source_split_authors(const char *s, struct strlist *out)
{
    const char *p = s;

    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        /* "A and B" in the last segment */
        const char *and = NULL;
        for (size_t i = 0; i + 5 <= n; i++)
            if (memcmp(p + i, " and ", 5) == 0)
                and = p + i;
        if (and != NULL && comma == NULL) {
            source_add_author(out, p, (size_t)(and-p));
            source_add_author(out, and+5, n - (size_t)(and-p) - 5);
        } else if (n >= 4 && strncmp(p, " and ", 5) == 0) {
            source_add_author(out, p + 5, n - 5);
        } else if (n >= 4 && strncmp(p, "and ", 4) == 0 && p != s) {
            source_add_author(out, p + 4, n - 4);
        } else {
            source_add_author(out, p, n);
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
}
