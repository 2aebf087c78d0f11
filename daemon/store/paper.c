/* SPDX-License-Identifier: MIT */
/*
 * paper - the paper and string-list helpers declared in paper.h: init,
 * append and release.  Nothing here parses or stores a paper.
 */
#include "paper.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
strlist_init(struct strlist *l)
{
    l->v = NULL;
    l->n = 0;
    l->cap = 0;
}

void
strlist_add(struct strlist *l, const char *s)
{
    if (l->n >= PAPER_LIST_MAX)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = xstrdup(s);
}

int
strlist_has(const struct strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

void
strlist_add_unique(struct strlist *l, const char *s)
{
    if (!strlist_has(l, s))
        strlist_add(l, s);
}

void
strlist_release(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    strlist_init(l);
}

void
paper_init(struct paper *p)
{
    memset(p, 0, sizeof(*p));
    strlist_init(&p->authors);
    strlist_init(&p->categories);
    strlist_init(&p->ai_keywords);
    p->github_stars = -1;
}

void
paper_release(struct paper *p)
{
    free(p->title);
    free(p->abstract);
    free(p->comment);
    free(p->journal_ref);
    free(p->doi);
    free(p->github_repo);
    free(p->project_page);
    free(p->ai_summary);
    strlist_release(&p->authors);
    strlist_release(&p->categories);
    strlist_release(&p->ai_keywords);
    paper_init(p);
}

void
paper_list_init(struct paper_list *l)
{
    l->v = NULL;
    l->n = 0;
    l->cap = 0;
}

struct paper *
paper_list_push(struct paper_list *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    paper_init(&l->v[l->n]);
    return &l->v[l->n++];
}

void
paper_list_pop(struct paper_list *l)
{
    if (l->n > 0)
        paper_release(&l->v[--l->n]);
}

void
paper_list_release(struct paper_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        paper_release(&l->v[i]);
    free(l->v);
    paper_list_init(l);
}
