/* SPDX-License-Identifier: MIT */
/*
 * test_source - the three feed parsers on the shared fixtures (exact ids,
 * versions, titles, authors, categories, announce types, HF signals) and
 * on malformed documents (truncated, not XML, entity bomb, wrong shape).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "source.h"

/* read_fixture - whole file $SHARED_DIR/fixtures/feeds/<name>; exits */
static char *
read_fixture(const char *name, size_t *len)
{
    const char *dir = getenv("SHARED_DIR");
    char path[1024];
    FILE *fp;
    char *data;
    long n;

    snprintf(path, sizeof(path), "%s/fixtures/feeds/%s",
             dir ? dir : "../shared", name);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        perror(path);
        exit(1);
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    if (fread(data, 1, (size_t)n, fp) != (size_t)n)
        exit(1);
    data[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return data;
}

/* find - the paper with arxiv id, or NULL */
static const struct paper *
find(const struct source_feed *f, const char *id)
{
    for (size_t i = 0; i < f->papers.n; i++)
        if (strcmp(f->papers.v[i].arxiv_id, id) == 0)
            return &f->papers.v[i];
    return NULL;
}

/* join - categories or authors joined with "," into a static buffer */
static const char *
join(const struct strlist *l)
{
    static char out[2048];
    size_t n = 0;

    out[0] = '\0';
    for (size_t i = 0; i < l->n; i++)
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", i ? "," : "",
                              l->v[i]);
    return out;
}

static void
test_rss(void)
{
    size_t len;
    char *data = read_fixture("arxiv_rss_cs_LG.xml", &len);
    struct source_feed f;
    struct err err;
    const struct paper *p;

    source_feed_init(&f);
    err_init(&err);
    CHECK(source_rss_ops.sniff(data, len));
    CHECK(!source_hf_ops.sniff(data, len));
    CHECK_INT_EQ(source_rss_ops.parse(data, len, &f, &err), 0);
    CHECK_INT_EQ(f.entries, 9);
    CHECK_INT_EQ(f.papers.n, 9);
    CHECK_INT_EQ(f.invalid, 0);

    p = find(&f, "2611.14512");
    CHECK(p != NULL);
    if (p) {
        CHECK_STR_EQ(p->title, "Stacking Your Transformers: A Closer Look at "
                               "Model Growth for Efficient LLM Pre-Training");
        CHECK_INT_EQ(p->version, 1);
        CHECK_STR_EQ(p->announce_type, "new");
        CHECK_STR_EQ(join(&p->categories), "cs.LG,cs.AI,cs.CL");
        CHECK_INT_EQ(p->authors.n, 6);
        CHECK_STR_EQ(p->authors.v[0], "Rafael Quintero");
        CHECK_STR_EQ(p->authors.v[5], "Kwame Asante");
        CHECK(strncmp(p->abstract, "LLMs are computationally", 24) == 0);
        CHECK_CONTAINS(p->abstract, "54.6% speedup");
        CHECK_CONTAINS(p->abstract, "G_{stack}");
        CHECK(strstr(p->abstract, "Announce Type") == NULL);
        CHECK_INT_EQ(p->published_at, 1794978000LL);
        CHECK_INT_EQ(p->in_arxiv, 1);
        CHECK_INT_EQ(p->has_hf, 0);
    }
    p = find(&f, "2611.14377");
    CHECK(p != NULL);
    if (p) {
        CHECK(strncmp(p->title, "N\xC3\x9CWA: Visual", 13) == 0);
        CHECK_CONTAINS(p->abstract, "called N\xC3\x9CWA that");
        CHECK_STR_EQ(p->announce_type, "cross");
        CHECK_STR_EQ(join(&p->categories), "cs.CV,cs.AI,cs.LG,cs.MM");
        CHECK_STR_EQ(p->authors.v[3], "S\xC3\xB8ren \xC3\x98lgaard");
    }
    p = find(&f, "2611.14790");
    CHECK(p != NULL);
    if (p) {
        CHECK_CONTAINS(p->abstract, "Hematoxylin-Eosin (H&E) stained");
        CHECK_CONTAINS(p->abstract, "mainly on H&E-stained");
        CHECK(strstr(p->abstract, "&amp;") == NULL);
        CHECK_STR_EQ(join(&p->categories), "eess.IV,cs.CV,cs.LG,q-bio.QM");
    }
    p = find(&f, "2611.14655");
    CHECK(p != NULL);
    if (p)
        CHECK_CONTAINS(p->abstract, "(<10 RTX3090 hours)");
    p = find(&f, "2611.14203");
    CHECK(p != NULL);
    if (p)
        CHECK_CONTAINS(p->abstract, "has $O(n)$ time");
    p = find(&f, "2611.08817");
    CHECK(p != NULL);
    if (p) {
        CHECK_INT_EQ(p->version, 2);
        CHECK_STR_EQ(p->announce_type, "replace");
        CHECK_STR_EQ(p->doi, "10.5555/tmlr.2026.0412");
        CHECK_STR_EQ(p->journal_ref,
                     "Transactions on Machine Learning Research, 11/2026");
    }
    p = find(&f, "2610.21456");
    CHECK(p != NULL);
    if (p) {
        CHECK_INT_EQ(p->version, 3);
        CHECK_STR_EQ(p->announce_type, "replace-cross");
    }
    p = find(&f, "2611.14921");
    if (p) {
        CHECK_STR_EQ(join(&p->categories), "cs.LG");
        CHECK_STR_EQ(p->authors.v[3], "Camille Lef\xC3\xA8vre");
    }
    source_feed_release(&f);
    free(data);
}

static void
test_atom(void)
{
    size_t len;
    char *data = read_fixture("arxiv_api_sample.xml", &len);
    struct source_feed f;
    struct err err;
    const struct paper *p;

    source_feed_init(&f);
    err_init(&err);
    CHECK(source_atom_ops.sniff(data, len));
    CHECK_INT_EQ(source_atom_ops.parse(data, len, &f, &err), 0);
    CHECK_INT_EQ(f.papers.n, 8);
    CHECK_INT_EQ(f.total_results, 243196);
    CHECK_INT_EQ(f.start_index, 0);
    CHECK_INT_EQ(f.items_per_page, 8);

    p = find(&f, "2611.14512");
    CHECK(p != NULL);
    if (p) {
        /* the hard-wrapped legacy title */
        CHECK_STR_EQ(p->title, "Stacking Your Transformers: A Closer Look at "
                               "Model Growth for Efficient LLM Pre-Training");
        CHECK(strncmp(p->abstract,
                      "LLMs are computationally expensive to "
                      "pre-train due to their large scale. Model "
                      "growth emerges",
                      83) == 0);
        CHECK(p->abstract[strlen(p->abstract) - 1] != ' ');
        CHECK_STR_EQ(p->comment,
                     "NeurIPS 2026 camera-ready; 24 pages, 14 figures");
        CHECK_STR_EQ(p->announce_type, "");
    }
    p = find(&f, "2611.14921");
    CHECK(p != NULL);
    if (p) {
        CHECK_STR_EQ(p->authors.v[0], "Elias Varga"); /* " Elias Varga" */
        CHECK_INT_EQ(p->authors.n, 4);
        CHECK_STR_EQ(p->comment, "17 pages, 6 figures, 9 tables");
    }
    p = find(&f, "2611.14790");
    if (p) /* primary first, deduplicated */
        CHECK_STR_EQ(join(&p->categories), "eess.IV,cs.CV,cs.LG,q-bio.QM");
    p = find(&f, "2611.14655");
    CHECK(p != NULL);
    if (p) {
        CHECK_STR_EQ(join(&p->categories), "cs.CV,cs.LG,eess.IV");
        CHECK(p->comment == NULL);
        CHECK_STR_EQ(join(&p->authors),
                     "Julia Brandt,Tom\xC3\xA1s Iglesias,Nadia Haddad");
    }
    p = find(&f, "2611.08817");
    CHECK(p != NULL);
    if (p) {
        CHECK_INT_EQ(p->version, 2);
        CHECK_STR_EQ(p->doi, "10.5555/tmlr.2026.0412");
        CHECK_STR_EQ(p->journal_ref,
                     "Transactions on Machine Learning Research, 11/2026");
        CHECK_STR_EQ(join(&p->categories), "cs.LG,cs.AI,math.OC");
    }
    p = find(&f, "2611.15034");
    CHECK(p != NULL);
    if (p) {
        CHECK_INT_EQ(p->published_at, 1794933669LL);
        CHECK_INT_EQ(p->published_exact, 1);
    }
    p = find(&f, "2611.14377");
    CHECK(p != NULL);
    if (p)
        CHECK_CONTAINS(p->title, "N\xC3\x9CWA");
    source_feed_release(&f);
    free(data);
}

static void
test_hf(void)
{
    size_t len;
    char *data = read_fixture("hf_daily_papers.json", &len);
    struct source_feed f;
    struct err err;
    const struct paper *p;

    source_feed_init(&f);
    err_init(&err);
    CHECK(source_hf_ops.sniff(data, len));
    CHECK_INT_EQ(source_hf_ops.parse(data, len, &f, &err), 0);
    CHECK_INT_EQ(f.papers.n, 8);
    p = find(&f, "2611.15034");
    CHECK(p != NULL);
    if (p) {
        CHECK_INT_EQ(p->hf_upvotes, 87);
        CHECK_INT_EQ(p->has_hf, 1);
        CHECK_STR_EQ(p->github_repo,
                     "https://github.com/example-lab/sleep-time-compute");
        CHECK_INT_EQ(p->github_stars, 214);
        CHECK_CONTAINS(p->ai_summary, "Sleep-time compute lets LLMs");
        CHECK_INT_EQ(p->ai_keywords.n, 7);
        CHECK_STR_EQ(p->ai_keywords.v[0], "sleep-time compute");
        CHECK_STR_EQ(p->authors.v[0], "Grace Whitfield");
        CHECK_INT_EQ(p->authors.n, 5);
        /* paper.publishedAt, not the shifted top-level one */
        CHECK_INT_EQ(p->published_at, 1794933669LL);
        CHECK_INT_EQ(p->in_arxiv, 0);
    }
    p = find(&f, "2611.13877");
    CHECK(p != NULL);
    if (p) {
        CHECK(p->ai_summary == NULL);
        CHECK_INT_EQ(p->ai_keywords.n, 0);
        CHECK(p->github_repo == NULL);
        CHECK_INT_EQ(p->github_stars, -1);
        CHECK(strchr(p->abstract, '\n') == NULL);
        CHECK_INT_EQ(p->hf_upvotes, 2);
    }
    p = find(&f, "2611.14377");
    CHECK(p != NULL);
    if (p) {
        CHECK(strncmp(p->title, "N\xC3\x9CWA:", 6) == 0);
        CHECK_CONTAINS(p->abstract, "called N\xC3\x9CWA that");
        CHECK_STR_EQ(p->project_page, "https://nuwa-example.github.io/");
    }
    p = find(&f, "2611.14790");
    CHECK(p != NULL);
    if (p)
        CHECK_CONTAINS(p->abstract, "(H&E)");
    source_feed_release(&f);
    free(data);
}

struct bad_case {
    const struct source_ops *ops;
    const char *doc;
    const char *want; /* substring of the error */
};

static const struct bad_case bad_cases[] = {
    {&source_rss_ops,
     "<?xml version='1.0'?><rss version='2.0'><channel><item>"
     "<title>x</ti",
     "not well-formed"},
    {&source_rss_ops, "this is not XML at all", "not well-formed"},
    {&source_rss_ops, "", "not well-formed"},
    {&source_rss_ops, "<html><body>blocked</body></html>", "not an RSS feed"},
    {&source_rss_ops,
     "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
     "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
     "]>\n<rss><channel><item><title>&lol2;</title></item></channel></rss>",
     "DOCTYPE"},
    {&source_atom_ops,
     "<?xml version=\"1.0\"?><!DOCTYPE feed SYSTEM \"http://x/\"><feed/>",
     "DOCTYPE"},
    {&source_atom_ops, "<feed xmlns='http://www.w3.org/2005/Atom'><entry>",
     "not well-formed"},
    {&source_atom_ops, "<rss/>", "not an Atom feed"},
    {&source_atom_ops,
     "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>"
     "http://arxiv.org/api/errors#incorrect_id</id><title>Error</title>"
     "<summary>incorrect id format</summary></entry></feed>",
     "arXiv API error: incorrect id format"},
    {&source_rss_ops,
     "<rss><channel><item><title>no id</title></item></channel></rss>",
     "none of the 1 entries"},
    {&source_hf_ops, "[{\"paper\": {\"id\": \"2611.1", "invalid JSON"},
    {&source_hf_ops, "{\"error\": \"Invalid date\"}", "wrong shape"},
    {&source_hf_ops, "\"just a string\"", "wrong shape"},
    {&source_hf_ops, "[1, 2, 3]", "none of the 3 entries"},
    {&source_hf_ops, "[{\"paper\": {\"id\": \"not an id\", \"title\": \"x\"}}]",
     "none of the 1 entries"},
    {&source_hf_ops, "", "invalid JSON"},
};

static void
test_bad(void)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct source_feed f;
        struct err err;
        source_feed_init(&f);
        err_init(&err);
        CHECK_INT_EQ(c->ops->parse(c->doc, strlen(c->doc), &f, &err), -1);
        CHECK_INT_EQ(err.kind, ERR_PERM);
        CHECK_CONTAINS(err.msg, c->want);
        /* only the API's own error entry says the ids are refused */
        CHECK_INT_EQ(f.api_error, strstr(c->want, "arXiv API error") != NULL);
        source_feed_release(&f);
    }
}

static void
test_partial(void)
{
    /* one good item and one without an id: the good one counts */
    const char *doc =
        "<rss><channel>"
        "<item><title>Good</title><guid>oai:arXiv.org:2611.00001v1</guid>"
        "<description>arXiv:2611.00001v1 Announce Type: new \nAbstract: "
        "Hello</description></item>"
        "<item><title>Bad</title></item>"
        "</channel></rss>";
    const char *empty = "<?xml version='1.0'?><rss version='2.0'><channel>"
                        "<title>cs.LG</title></channel></rss>";
    struct source_feed f;
    struct err err;

    source_feed_init(&f);
    err_init(&err);
    CHECK_INT_EQ(source_rss_ops.parse(doc, strlen(doc), &f, &err), 0);
    CHECK_INT_EQ(f.papers.n, 1);
    CHECK_INT_EQ(f.invalid, 1);
    CHECK_INT_EQ(f.warnings.n, 1);
    if (f.warnings.n)
        CHECK_CONTAINS(f.warnings.v[0], "item 2 ('Bad'): no arXiv id");
    if (f.papers.n)
        CHECK_STR_EQ(f.papers.v[0].abstract, "Hello");
    source_feed_release(&f);

    /* an empty feed (weekend) is fine */
    source_feed_init(&f);
    CHECK_INT_EQ(source_rss_ops.parse(empty, strlen(empty), &f, &err), 0);
    CHECK_INT_EQ(f.papers.n, 0);
    source_feed_release(&f);
    source_feed_init(&f);
    CHECK_INT_EQ(source_hf_ops.parse("[]", 2, &f, &err), 0);
    CHECK_INT_EQ(f.papers.n, 0);
    source_feed_release(&f);

    CHECK(source_lookup("rss") == &source_rss_ops);
    CHECK(source_lookup("atom") == &source_atom_ops);
    CHECK(source_lookup("hf") == &source_hf_ops);
    CHECK(source_lookup("nope") == NULL);
}

int
main(void)
{
    test_rss();
    test_atom();
    test_hf();
    test_bad();
    test_partial();
    return CHECK_DONE();
}
