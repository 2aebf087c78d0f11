/* SPDX-License-Identifier: MIT */
/*
 * source_hf - Hugging Face daily papers (GET /api/daily_papers?date=...).
 *
 * The document is a JSON array; each item is an object whose "paper"
 * object carries id (arXiv id, no version), title, summary, authors[].name,
 * publishedAt (arXiv date), upvotes, and the optional githubRepo,
 * githubStars, projectPage, ai_summary and ai_keywords.  numComments is on
 * the item itself.  Absent and null are the same.  Links are kept only if
 * they are http(s).  Anything but an array is the wrong shape.
 */
#include "source.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "str.h"
#include "xalloc.h"

/* hf_str - the string member name of obj, or NULL (absent, null, other) */
static const char *
hf_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* hf_int - the integer member name of obj, or def */
static int64_t
hf_int(const cJSON *obj, const char *name, int64_t def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    double d;

    if (!cJSON_IsNumber(v))
        return def;
    d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d > 1e15)
        return def;
    return (int64_t)d;
}

/* hf_text - normalised copy of a JSON string member, NULL if absent/empty */
static char *
hf_text(const cJSON *obj, const char *name, int flags)
{
    return normalise_field(hf_str(obj, name), flags);
}

/* hf_url - copy of a member if it is an http(s) URL, else NULL */
static char *
hf_url(const cJSON *obj, const char *name)
{
    const char *s = hf_str(obj, name);

    if (s == NULL || !normalise_url_ok(s) || !str_utf8_valid(s, strlen(s)))
        return NULL;
    return xstrdup(s);
}

/* hf_item - one array element to a paper, or a warning */
static void
hf_item(const cJSON *item, struct source_feed *f)
{
    const cJSON *paper, *authors, *a, *kw;
    const char *id, *s;
    struct paper *p;
    int64_t t;
    const int text = NORM_STRIP_TAGS | NORM_ENTITIES | NORM_TEX;

    f->entries++;
    paper = cJSON_GetObjectItemCaseSensitive(item, "paper");
    if (!cJSON_IsObject(item) || !cJSON_IsObject(paper)) {
        f->invalid++;
        source_feed_warn(f, "item %zu: no \"paper\" object", f->entries);
        return;
    }
    p = paper_list_push(&f->papers);
    id = hf_str(paper, "id");
    if (id == NULL || paper_arxiv_id(id, p->arxiv_id, sizeof(p->arxiv_id),
                                     &p->version) == -1) {
        s = hf_str(paper, "title");
        source_feed_warn(f, "item %zu ('%.80s'): no arXiv id", f->entries,
                         s ? s : "");
        goto skip;
    }
    p->title = hf_text(paper, "title", text);
    if (p->title == NULL)
        p->title = hf_text(item, "title", text);
    if (p->title == NULL) {
        source_feed_warn(f, "item %zu (%s): no title", f->entries, p->arxiv_id);
        goto skip;
    }
    p->abstract = hf_text(paper, "summary", text);
    if (p->abstract == NULL)
        p->abstract = hf_text(item, "summary", text);
    if (p->abstract == NULL)
        p->abstract = xstrdup("");
    authors = cJSON_GetObjectItemCaseSensitive(paper, "authors");
    if (!cJSON_IsArray(authors))
        authors = NULL;
    cJSON_ArrayForEach(a, authors)
    {
        char *name = hf_text(a, "name", NORM_ENTITIES | NORM_TEX);
        if (name)
            strlist_add(&p->authors, name);
        free(name);
    }
    s = hf_str(paper, "publishedAt");
    if (s && normalise_iso8601_time(s, &t) == 0) {
        p->published_at = t;
        p->published_exact = 1;
    }
    p->has_hf = 1;
    p->hf_upvotes = hf_int(paper, "upvotes", 0);
    p->hf_comments = hf_int(item, "numComments", 0);
    p->github_repo = hf_url(paper, "githubRepo");
    p->github_stars = hf_int(paper, "githubStars", -1);
    p->project_page = hf_url(paper, "projectPage");
    p->ai_summary = hf_text(paper, "ai_summary", text);
    kw = cJSON_GetObjectItemCaseSensitive(paper, "ai_keywords");
    if (!cJSON_IsArray(kw))
        kw = NULL;
    cJSON_ArrayForEach(a, kw)
    {
        if (cJSON_IsString(a)) {
            char *k = normalise_text(a->valuestring, strlen(a->valuestring),
                                     NORM_ENTITIES | NORM_TEX);
            if (*k)
                strlist_add_unique(&p->ai_keywords, k);
            free(k);
        }
    }
    return;
skip:
    f->invalid++;
    paper_list_pop(&f->papers);
}

/* hf_sniff - a JSON array */
static int
hf_sniff(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' ||
                       data[i] == '\t'))
        i++;
    return i < len && data[i] == '[';
}

/* hf_parse - see source.h */
static int
hf_parse(const char *data, size_t len, struct source_feed *out, struct err *err)
{
    cJSON *root, *item;
    const char *at = NULL;
    int rc = -1;

    root = cJSON_ParseWithLengthOpts(data, len, &at, 0);
    if (root == NULL) {
        long off = -1;
        if (at != NULL && at >= data && at <= data + len)
            off = (long)(at - data);
        err_set(err, ERR_PERM, "HF JSON: invalid JSON near byte %ld", off);
        return -1;
    }
    if (!cJSON_IsArray(root)) {
        err_set(err, ERR_PERM,
                "HF JSON: wrong shape: expected an array of papers, got %s",
                cJSON_IsObject(root) ? "an object" : "a scalar");
        goto out;
    }
    cJSON_ArrayForEach(item, root)
    {
        if (out->entries >= SOURCE_MAX_ENTRIES)
            break;
        hf_item(item, out);
    }
    rc = source_feed_finish(out, "HF JSON", err);
out:
    cJSON_Delete(root);
    return rc;
}

const struct source_ops source_hf_ops = {
    .name = "hf",
    .sniff = hf_sniff,
    .parse = hf_parse,
};
