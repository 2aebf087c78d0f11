/* SPDX-License-Identifier: MIT */
/*
 * source_rss - the arXiv RSS 2.0 listing (rss.arxiv.org/rss/<cat>).
 *
 * Per item: guid "oai:arXiv.org:<id>v<N>" (else the last segment of
 * link), title, description "arXiv:<id>v<N> Announce Type: <t> \nAbstract:
 * <abstract>", category (repeated, primary first), pubDate (announcement
 * date, RFC 822), arxiv:announce_type, dc:creator ("A, B, C"), and the
 * optional arxiv:DOI and arxiv:journal_reference.  A channel without items
 * is a normal empty feed (weekends, holidays).
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "source_xml.h"
#include "xalloc.h"

/* The fields of the item being read, raw (entities already decoded). */
struct rss_item {
    char *title, *link, *description, *guid, *pub_date, *announce;
    char *creator, *doi, *journal_ref;
    struct strlist categories;
};

struct rss_state {
    struct source_feed *feed;
    int root_ok;          /* root element was <rss> */
    int in_item;          /* inside <item> */
    struct rss_item item; /* the item being read */
};

/* rss_item_clear - free and zero the raw fields */
static void
rss_item_clear(struct rss_item *it)
{
    free(it->title);
    free(it->link);
    free(it->description);
    free(it->guid);
    free(it->pub_date);
    free(it->announce);
    free(it->creator);
    free(it->doi);
    free(it->journal_ref);
    strlist_release(&it->categories);
    memset(it, 0, sizeof(*it));
    strlist_init(&it->categories);
}

/* rss_start - element opened */
static void
rss_start(struct source_xml *x, const char *name, const char **attrs)
{
    struct rss_state *st = x->ud;

    (void)attrs;
    if (x->depth == 1) {
        if (strcmp(name, "rss") != 0) {
            source_xml_stop(x, "not an RSS feed (root element is not <rss>)");
            return;
        }
        st->root_ok = 1;
    }
    if (strcmp(name, "item") == 0) {
        if (st->in_item) {
            source_xml_stop(x, "nested <item>");
            return;
        }
        if (st->feed->entries >= SOURCE_MAX_ENTRIES) {
            source_xml_stop(x, "too many items");
            return;
        }
        st->in_item = 1;
        rss_item_clear(&st->item);
    }
}

/* rss_announce_from - "Announce Type: new" inside a description prefix */
static void
rss_announce_from(const char *prefix, size_t n, char *out, size_t size)
{
    const char *p = memmem(prefix, n, "Announce Type:", 14);
    size_t k = 0;

    if (p == NULL)
        return;
    p += 14;
    while (*p == ' ')
        p++;
    while (k + 1 < size && ((p[k] >= 'a' && p[k] <= 'z') || p[k] == '-'))
        k++;
    memcpy(out, p, k);
    out[k] = '\0';
}

/* rss_item_finish - turn the raw item into a paper, or skip it */
static void
rss_item_finish(struct rss_state *st)
{
    struct rss_item *it = &st->item;
    struct source_feed *f = st->feed;
    struct paper *p;
    const char *desc = it->description ? it->description : "";
    const char *abs, *idsrc = NULL;
    char *title, *idtmp = NULL;
    int64_t t;

    f->entries++;
    title = normalise_text(it->title ? it->title : "",
                           it->title ? strlen(it->title) : 0, NORM_TEX);
    p = paper_list_push(&f->papers);
    /* the id: guid, else the link's last segment, else the description */
    if (it->guid && strstr(it->guid, "arXiv.org:"))
        idsrc = it->guid;
    else if (it->link && strrchr(it->link, '/'))
        idsrc = it->link;
    if (idsrc == NULL || paper_arxiv_id(idsrc, p->arxiv_id, sizeof(p->arxiv_id),
                                        &p->version) == -1) {
        const char *a = strstr(desc, "arXiv:");
        size_t n = a ? strcspn(a, " \t\n") : 0;
        if (a != NULL)
            idtmp = xstrndup(a, n);
        if (idtmp == NULL ||
            paper_arxiv_id(idtmp, p->arxiv_id, sizeof(p->arxiv_id),
                           &p->version) == -1) {
            source_feed_warn(f, "item %zu ('%.80s'): no arXiv id", f->entries,
                             title);
            goto skip;
        }
    }
    if (*title == '\0') {
        source_feed_warn(f, "item %zu (%s): no title", f->entries, p->arxiv_id);
        goto skip;
    }
    p->title = title;
    title = NULL;
    /* the abstract follows "Abstract: "; what precedes it is metadata */
    abs = strstr(desc, "Abstract:");
    if (abs != NULL) {
        if (p->version == 0) {
            const char *a = strstr(desc, "arXiv:");
            char id[PAPER_ID_MAX];
            if (a != NULL && a < abs) {
                char *tmp = xstrndup(a, strcspn(a, " \t\n"));
                int v;
                if (paper_arxiv_id(tmp, id, sizeof(id), &v) == 0 &&
                    strcmp(id, p->arxiv_id) == 0)
                    p->version = v;
                free(tmp);
            }
        }
        rss_announce_from(desc, (size_t)(abs - desc), p->announce_type,
                          sizeof(p->announce_type));
        abs += 9;
    } else {
        abs = desc;
    }
    p->abstract = normalise_text(abs, strlen(abs), NORM_STRIP_TAGS | NORM_TEX);
    if (it->announce) {
        char *a = normalise_text(it->announce, strlen(it->announce), 0);
        if (*a && strlen(a) < sizeof(p->announce_type))
            memcpy(p->announce_type, a, strlen(a) + 1);
        free(a);
    }
    if (it->creator)
        source_split_authors(it->creator, &p->authors);
    for (size_t i = 0; i < it->categories.n; i++) {
        char *c =
            normalise_text(it->categories.v[i], strlen(it->categories.v[i]), 0);
        if (*c)
            strlist_add_unique(&p->categories, c);
        free(c);
    }
    if (it->doi)
        p->doi = normalise_text(it->doi, strlen(it->doi), 0);
    if (it->journal_ref)
        p->journal_ref =
            normalise_text(it->journal_ref, strlen(it->journal_ref), NORM_TEX);
    if (it->pub_date && normalise_rfc822_time(it->pub_date, &t) == 0)
        p->published_at = t;
    p->published_exact = 0;
    p->in_arxiv = 1;
    if (p->version == 0)
        p->version = 1;
    free(idtmp);
    return;
skip:
    f->invalid++;
    paper_list_pop(&f->papers);
    free(title);
    free(idtmp);
}

/* rss_end - element closed */
static void
rss_end(struct source_xml *x, const char *name)
{
    struct rss_state *st = x->ud;
    struct rss_item *it = &st->item;

    if (!st->in_item)
        return;
    if (strcmp(name, "item") == 0) {
        rss_item_finish(st);
        rss_item_clear(it);
        st->in_item = 0;
    } else if (x->depth != 4) {
        return; /* only direct children of <item> (rss/channel/item/x) */
    } else if (strcmp(name, "title") == 0) {
        source_xml_set(&it->title, &x->text);
    } else if (strcmp(name, "link") == 0) {
        source_xml_set(&it->link, &x->text);
    } else if (strcmp(name, "description") == 0) {
        source_xml_set(&it->description, &x->text);
    } else if (strcmp(name, "guid") == 0) {
        source_xml_set(&it->guid, &x->text);
    } else if (strcmp(name, "pubDate") == 0) {
        source_xml_set(&it->pub_date, &x->text);
    } else if (strcmp(name, "category") == 0) {
        strlist_add(&it->categories, buf_str(&x->text));
    } else if (strcmp(name, NS_ARXIV "announce_type") == 0) {
        source_xml_set(&it->announce, &x->text);
    } else if (strcmp(name, NS_DC "creator") == 0) {
        source_xml_set(&it->creator, &x->text);
    } else if (strcmp(name, NS_ARXIV "DOI") == 0) {
        source_xml_set(&it->doi, &x->text);
    } else if (strcmp(name, NS_ARXIV "journal_reference") == 0) {
        source_xml_set(&it->journal_ref, &x->text);
    }
}

/* rss_sniff - an <rss root near the start */
static int
rss_sniff(const char *data, size_t len)
{
    return source_xml_sniff(data, len, "<rss");
}

/* rss_parse - see source.h */
static int
rss_parse(const char *data, size_t len, struct source_feed *out,
          struct err *err)
{
    struct rss_state st;
    struct source_xml x;
    int rc;

    memset(&st, 0, sizeof(st));
    strlist_init(&st.item.categories);
    st.feed = out;
    memset(&x, 0, sizeof(x));
    x.ud = &st;
    x.start = rss_start;
    x.end = rss_end;
    rc = source_xml_parse(&x, data, len, "RSS", err);
    rss_item_clear(&st.item);
    if (rc == -1)
        return -1;
    if (!st.root_ok) {
        err_set(err, ERR_PERM, "RSS: no <rss> root element");
        return -1;
    }
    return source_feed_finish(out, "RSS", err);
}

const struct source_ops source_rss_ops = {
    .name = "rss",
    .sniff = rss_sniff,
    .parse = rss_parse,
};
