/* SPDX-License-Identifier: MIT */
/*
 * paper - the paper and string-list helpers declared in paper.h: init,
 * append and release.  Nothing here parses or stores a paper.
 */
#include "paper.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "str.h"
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

/* paper_is_space - ASCII whitespace */
static int
paper_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* paper_strip_prefix - advance *s past prefix (ASCII case-insensitive) */
static int
paper_strip_prefix(const char **s, const char *prefix)
{
    size_t n = strlen(prefix);

    if (strncasecmp(*s, prefix, n) == 0) {
        *s += n;
        return 1;
    }
    return 0;
}

/* paper_month_ok - the two digits at s are a month, 01 to 12 */
static int
paper_month_ok(const char *s)
{
    int m = (s[0] - '0') * 10 + (s[1] - '0');

    return m >= 1 && m <= 12;
}

/* paper_old_archive - s[0..n) is an archive of arXiv's identifiers before
 * April 2007 ("hep-th/9901001"); the API refuses any other name with an
 * error that would fail a whole batch of ids */
static int
paper_old_archive(const char *s, size_t n)
{
    static const char *const archives[] = {
        "acc-phys", "adap-org", "alg-geom", "ao-sci",  "astro-ph", "atom-ph",
        "bayes-an", "chao-dyn", "chem-ph",  "cmp-lg",  "comp-gas", "cond-mat",
        "cs",       "dg-ga",    "funct-an", "gr-qc",   "hep-ex",   "hep-lat",
        "hep-ph",   "hep-th",   "math",     "math-ph", "mtrl-th",  "nlin",
        "nucl-ex",  "nucl-th",  "patt-sol", "physics", "plasm-ph", "q-alg",
        "q-bio",    "quant-ph", "solv-int", "supr-con"};

    for (size_t i = 0; i < sizeof(archives) / sizeof(archives[0]); i++)
        if (strlen(archives[i]) == n && memcmp(archives[i], s, n) == 0)
            return 1;
    return 0;
}

int
paper_arxiv_id(const char *s, char *id, size_t size, int *version)
{
    const char *p, *end;
    size_t k, idlen;
    int v = 0, url = 0;

    while (*s && paper_is_space((unsigned char)*s))
        s++;
    if (!paper_strip_prefix(&s, "https://"))
        paper_strip_prefix(&s, "http://");
    if (!paper_strip_prefix(&s, "www."))
        paper_strip_prefix(&s, "export.");
    /* the page, PDF and HTML links a digest or arXiv prints, and Hugging
     * Face's page of the paper */
    url = paper_strip_prefix(&s, "arxiv.org/abs/") ||
          paper_strip_prefix(&s, "arxiv.org/pdf/") ||
          paper_strip_prefix(&s, "arxiv.org/html/") ||
          paper_strip_prefix(&s, "huggingface.co/papers/") ||
          paper_strip_prefix(&s, "hf.co/papers/");
    if (!url && !paper_strip_prefix(&s, "oai:arXiv.org:"))
        paper_strip_prefix(&s, "arXiv:");
    p = s;
    k = str_digits(p);
    if (k == 4 && p[4] == '.') {
        /* new style: YYMM.NNNN or YYMM.NNNNN */
        size_t m = str_digits(p + 5);
        if (m < 4 || m > 5 || !paper_month_ok(p + 2))
            return -1;
        end = p + 5 + m;
    } else {
        /* old style: archive[.XX]/YYMMNNN */
        const char *q = p;
        while ((*q >= 'a' && *q <= 'z') || *q == '-')
            q++;
        if (!paper_old_archive(p, (size_t)(q - p)))
            return -1;
        if (*q == '.' && q[1] >= 'A' && q[1] <= 'Z' && q[2] >= 'A' &&
            q[2] <= 'Z')
            q += 3;
        if (*q != '/' || str_digits(q + 1) != 7 || !paper_month_ok(q + 3))
            return -1;
        end = q + 8;
    }
    idlen = (size_t)(end - p);
    if (*end == 'v') {
        size_t m = str_digits(end + 1);
        if (m == 0 || m > 4)
            return -1;
        for (size_t i = 0; i < m; i++)
            v = v * 10 + (end[1 + i] - '0');
        end += 1 + m;
    }
    if (url) { /* "….pdf", a trailing "/", "?query" or "#fragment" */
        paper_strip_prefix(&end, ".pdf");
        if (*end == '/')
            end++;
        if (*end == '?' || *end == '#')
            end += strcspn(end, " \t\r\n");
    }
    while (*end && paper_is_space((unsigned char)*end))
        end++;
    if (*end != '\0' || idlen + 1 > size || idlen >= PAPER_ID_MAX)
        return -1;
    memcpy(id, p, idlen);
    id[idlen] = '\0';
    *version = v;
    return 0;
}
