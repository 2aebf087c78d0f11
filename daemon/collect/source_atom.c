/* SPDX-License-Identifier: MIT */
/*
 * source_atom - the arXiv query API's Atom 1.0 (export.arxiv.org/api/query),
 * and the Atom variant of the listing feed (rss.arxiv.org/atom/<cat>).
 *
 * Per entry: id "http://arxiv.org/abs/<id>v<N>" (or "oai:arXiv.org:..."),
 * title, summary, published (v1 submission), category/@term (repeated),
 * arxiv:primary_category/@term, arxiv:comment, arxiv:journal_ref,
 * arxiv:doi, author/name; the listing variant adds arxiv:announce_type and
 * dc:creator and prefixes summary with "arXiv:... Announce Type: ...".
 * Feed level: opensearch:totalResults, startIndex, itemsPerPage for
 * paging.  The API reports errors as a feed with one entry whose id is
 * ".../api/errors#..." and whose summary says why; that is an error here.
 * Element order is not relied upon.
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "source_xml.h"
#include "str.h"
#include "xalloc.h"

/* The fields of the entry being read, raw (entities already decoded). */
struct atom_entry {
    char *id, *title, *summary, *published, *comment, *journal_ref, *doi;
    char *announce, *creator, *primary;
    struct strlist categories; /* category/@term in document order */
    struct strlist authors;    /* author/name in document order */
};

struct atom_state {
    struct source_feed *feed;
    int root_ok;         /* root is an Atom <feed> */
    int in_entry;        /* inside <entry> */
    int in_author;       /* inside <entry><author> */
    char api_error[256]; /* summary of an API error entry, or "" */
    struct atom_entry e; /* the entry being read */
};

/* atom_entry_clear - free and zero the raw fields */
static void
atom_entry_clear(struct atom_entry *e)
{
    free(e->id);
    free(e->title);
    free(e->summary);
    free(e->published);
    free(e->comment);
    free(e->journal_ref);
    free(e->doi);
    free(e->announce);
    free(e->creator);
    free(e->primary);
    strlist_release(&e->categories);
    strlist_release(&e->authors);
    memset(e, 0, sizeof(*e));
    strlist_init(&e->categories);
    strlist_init(&e->authors);
}

/* atom_start - element opened */
static void
atom_start(struct source_xml *x, const char *name, const char **attrs)
{
    struct atom_state *st = x->ud;
    const char *term;

    if (x->depth == 1) {
        if (strcmp(name, NS_ATOM "feed") != 0) {
            source_xml_stop(x, "not an Atom feed (root element is not "
                               "<feed> in the Atom namespace)");
            return;
        }
        st->root_ok = 1;
        return;
    }
    if (strcmp(name, NS_ATOM "entry") == 0) {
        if (st->in_entry) {
            source_xml_stop(x, "nested <entry>");
            return;
        }
        if (st->feed->entries >= SOURCE_MAX_ENTRIES) {
            source_xml_stop(x, "too many entries");
            return;
        }
        st->in_entry = 1;
        atom_entry_clear(&st->e);
        return;
    }
    if (!st->in_entry)
        return;
    if (strcmp(name, NS_ATOM "author") == 0) {
        st->in_author = 1;
    } else if (strcmp(name, NS_ATOM "category") == 0) {
        term = source_xml_attr(attrs, "term");
        if (term && *term)
            strlist_add(&st->e.categories, term);
    } else if (strcmp(name, NS_ARXIV "primary_category") == 0) {
        term = source_xml_attr(attrs, "term");
        if (term && *term) {
            free(st->e.primary);
            st->e.primary = xstrdup(term);
        }
    }
}

/* atom_entry_finish - turn the raw entry into a paper, or skip it */
static void
atom_entry_finish(struct atom_state *st)
{
    struct atom_entry *e = &st->e;
    struct source_feed *f = st->feed;
    struct paper *p;
    char *title;
    const char *sum = e->summary ? e->summary : "", *abs;
    int64_t t;

    if (e->id && strstr(e->id, "/api/errors")) {
        char *why = normalise_field(e->summary, 0);
        str_copy(st->api_error, sizeof(st->api_error),
                 why ? why : "unspecified error");
        free(why);
        return;
    }
    f->entries++;
    title = normalise_text(e->title ? e->title : "",
                           e->title ? strlen(e->title) : 0, NORM_TEX);
    p = paper_list_push(&f->papers);
    if (e->id == NULL || paper_arxiv_id(e->id, p->arxiv_id, sizeof(p->arxiv_id),
                                        &p->version) == -1) {
        source_feed_warn(f, "entry %zu ('%.80s'): no arXiv id", f->entries,
                         title);
        goto skip;
    }
    if (*title == '\0') {
        source_feed_warn(f, "entry %zu (%s): no title", f->entries,
                         p->arxiv_id);
        goto skip;
    }
    p->title = title;
    title = NULL;
    /* the listing variant prefixes the summary like the RSS description */
    abs = strstr(sum, "Abstract:");
    if (abs != NULL && strstr(sum, "Announce Type:") != NULL &&
        strstr(sum, "Announce Type:") < abs) {
        const char *a = strstr(sum, "Announce Type:") + 14;
        size_t k = 0;
        while (*a == ' ')
            a++;
        while (k + 1 < sizeof(p->announce_type) &&
               ((a[k] >= 'a' && a[k] <= 'z') || a[k] == '-'))
            k++;
        memcpy(p->announce_type, a, k);
        p->announce_type[k] = '\0';
        sum = abs + 9;
    }
    p->abstract = normalise_text(sum, strlen(sum), NORM_STRIP_TAGS | NORM_TEX);
    if (e->announce) {
        char *a = normalise_text(e->announce, strlen(e->announce), 0);
        if (*a && strlen(a) < sizeof(p->announce_type))
            memcpy(p->announce_type, a, strlen(a) + 1);
        free(a);
    }
    for (size_t i = 0; i < e->authors.n; i++) {
        char *a =
            normalise_text(e->authors.v[i], strlen(e->authors.v[i]), NORM_TEX);
        if (*a)
            strlist_add(&p->authors, a);
        free(a);
    }
    if (p->authors.n == 0 && e->creator)
        source_split_authors(e->creator, &p->authors);
    if (e->primary) {
        char *c = normalise_text(e->primary, strlen(e->primary), 0);
        if (*c)
            strlist_add_unique(&p->categories, c);
        free(c);
    }
    for (size_t i = 0; i < e->categories.n; i++) {
        char *c =
            normalise_text(e->categories.v[i], strlen(e->categories.v[i]), 0);
        if (*c)
            strlist_add_unique(&p->categories, c);
        free(c);
    }
    p->comment = normalise_field(e->comment, NORM_TEX);
    p->journal_ref = normalise_field(e->journal_ref, NORM_TEX);
    p->doi = normalise_field(e->doi, 0);
    if (e->published && normalise_iso8601_time(e->published, &t) == 0) {
        p->published_at = t;
        /* the listing variant's <published> is the announcement date */
        p->published_exact = p->announce_type[0] == '\0';
    }
    p->in_arxiv = 1;
    if (p->version == 0)
        p->version = 1;
    return;
skip:
    f->invalid++;
    paper_list_pop(&f->papers);
    free(title);
}

/* atom_long - parse a feed-level number, -1 if malformed */
static long
atom_long(const struct buf *text)
{
    char tmp[32];
    long v;

    if (str_copy(tmp, sizeof(tmp), buf_str(text)) == -1)
        return -1;
    if (str_to_long(str_trim(tmp), 0, 1000000000L, &v) == -1)
        return -1;
    return v;
}

/* atom_end - element closed */
static void
atom_end(struct source_xml *x, const char *name)
{
    struct atom_state *st = x->ud;
    struct atom_entry *e = &st->e;

    if (!st->in_entry) {
        if (x->depth != 2)
            return;
        if (strcmp(name, NS_OPENSEARCH "totalResults") == 0)
            st->feed->total_results = atom_long(&x->text);
        else if (strcmp(name, NS_OPENSEARCH "startIndex") == 0)
            st->feed->start_index = atom_long(&x->text);
        else if (strcmp(name, NS_OPENSEARCH "itemsPerPage") == 0)
            st->feed->items_per_page = atom_long(&x->text);
        return;
    }
    if (strcmp(name, NS_ATOM "entry") == 0) {
        atom_entry_finish(st);
        atom_entry_clear(e);
        st->in_entry = 0;
        st->in_author = 0;
    } else if (strcmp(name, NS_ATOM "author") == 0) {
        st->in_author = 0;
    } else if (st->in_author) {
        if (x->depth == 4 && strcmp(name, NS_ATOM "name") == 0)
            strlist_add(&e->authors, buf_str(&x->text));
    } else if (x->depth != 3) {
        return; /* only direct children of <entry> (feed/entry/x) */
    } else if (strcmp(name, NS_ATOM "id") == 0) {
        source_xml_set(&e->id, &x->text);
    } else if (strcmp(name, NS_ATOM "title") == 0) {
        source_xml_set(&e->title, &x->text);
    } else if (strcmp(name, NS_ATOM "summary") == 0) {
        source_xml_set(&e->summary, &x->text);
    } else if (strcmp(name, NS_ATOM "published") == 0) {
        source_xml_set(&e->published, &x->text);
    } else if (strcmp(name, NS_ARXIV "comment") == 0) {
        source_xml_set(&e->comment, &x->text);
    } else if (strcmp(name, NS_ARXIV "journal_ref") == 0) {
        source_xml_set(&e->journal_ref, &x->text);
    } else if (strcmp(name, NS_ARXIV "doi") == 0) {
        source_xml_set(&e->doi, &x->text);
    } else if (strcmp(name, NS_ARXIV "announce_type") == 0) {
        source_xml_set(&e->announce, &x->text);
    } else if (strcmp(name, NS_DC "creator") == 0) {
        source_xml_set(&e->creator, &x->text);
    }
}

/* atom_sniff - an Atom <feed near the start */
static int
atom_sniff(const char *data, size_t len)
{
    return source_xml_sniff(data, len, "<feed");
}

/* atom_parse - see source.h */
static int
atom_parse(const char *data, size_t len, struct source_feed *out,
           struct err *err)
{
    struct atom_state st;
    struct source_xml x;
    int rc;

    memset(&st, 0, sizeof(st));
    strlist_init(&st.e.categories);
    strlist_init(&st.e.authors);
    st.feed = out;
    memset(&x, 0, sizeof(x));
    x.ud = &st;
    x.start = atom_start;
    x.end = atom_end;
    rc = source_xml_parse(&x, data, len, "Atom", err);
    atom_entry_clear(&st.e);
    if (rc == -1)
        return -1;
    if (!st.root_ok) {
        err_set(err, ERR_PERM, "Atom: no <feed> root element");
        return -1;
    }
    if (st.api_error[0] != '\0') {
        out->api_error = 1;
        err_set(err, ERR_PERM, "arXiv API error: %s", st.api_error);
        return -1;
    }
    return source_feed_finish(out, "Atom", err);
}

const struct source_ops source_atom_ops = {
    .name = "atom",
    .sniff = atom_sniff,
    .parse = atom_parse,
};
