/* SPDX-License-Identifier: MIT */
/*
 * test_render - summary trimming, author shortening, wrapping, URL
 * checks, and escaping through the real templates: a paper titled
 * <script>alert(1)</script> and keywords holding <script> render as text.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "authors.h"
#include "buf.h"
#include "check.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "render.h"
#include "token.h"

/* A trimming case. */
struct trim_case {
    const char *in;
    size_t cap;
    const char *out;
};

static const struct trim_case trim_cases[] = {
    {"Short.", 600, "Short."},
    {"  Spaces \n\t collapse   here.  ", 600, "Spaces collapse here."},
    {"First sentence is here. Second sentence is longer than the cap.", 40,
     "First sentence is here."},
    {"We study this, e.g. cats. Then we stop somewhere much later on.", 40,
     "We study this, e.g. cats."},
    {"No sentence end at all in this rather long piece of text", 30,
     "No sentence end at all in this\xe2\x80\xa6"},
    {"Tiny. Then one very long sentence without any end in sight at all", 40,
     "Tiny. Then one very long sentence\xe2\x80\xa6"},
    {"Ends with a number 3.5 and more. Rest goes on and on and on.", 40,
     "Ends with a number 3.5 and more."},
    {"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 5,
     "\xc3\xa9\xc3\xa9\xe2\x80\xa6"},
};

/* An authors case. */
struct authors_case {
    const char *json;
    const char *out;
};

static const struct authors_case authors_cases[] = {
    {"[\"Ada Lovelace\"]", "Ada Lovelace"},
    {"[\"A\",\"B\"]", "A and B"},
    {"[\"A\",\"B\",\"C\"]", "A, B and C"},
    {"[\"A\",\"B\",\"C\",\"D\",\"E\"]", "A, B, C, D and E"},
    {"[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\"]", "A, B, C, D, E et al."},
    {"[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\",\"H\"]",
     "A, B, C, D, E et al."},
    {"[]", ""},
    {"not json", "not json"},
    {"[\"  Spaced \\n Name \"]", "Spaced Name"},
};

static void
test_trim(void)
{
    struct buf b;

    buf_init(&b, 1 << 20);
    for (size_t i = 0; i < sizeof(trim_cases) / sizeof(trim_cases[0]); i++) {
        buf_reset(&b);
        render_trim_summary(trim_cases[i].in, trim_cases[i].cap, &b);
        CHECK_STR_EQ(buf_str(&b), trim_cases[i].out);
    }
    /* a long real abstract: cut at a sentence, within the cap */
    {
        struct buf in;
        buf_init(&in, 1 << 20);
        for (int i = 0; i < 40; i++)
            buf_addf(&in, "Sentence number %d says something useful. ", i);
        buf_reset(&b);
        render_trim_summary(buf_str(&in), RENDER_SUMMARY_MAX, &b);
        CHECK(b.len <= RENDER_SUMMARY_MAX);
        CHECK(b.len > RENDER_SUMMARY_MAX / 2);
        CHECK(b.data[b.len - 1] == '.');
        buf_release(&in);
    }
    buf_release(&b);
}

static void
test_authors(void)
{
    struct buf b;

    buf_init(&b, 4096);
    for (size_t i = 0; i < sizeof(authors_cases) / sizeof(authors_cases[0]);
         i++) {
        buf_reset(&b);
        authors_format(authors_cases[i].json, RENDER_AUTHORS_MAX, &b);
        CHECK_STR_EQ(buf_str(&b), authors_cases[i].out);
    }
    buf_release(&b);
}

static void
test_wrap(void)
{
    struct buf b;
    const char *s = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
                    "sed do eiusmod tempor incididunt ut labore et dolore "
                    "magna aliqua. https://example.org/a/very/long/url/that/"
                    "cannot/be/broken/anywhere/at/all/because/it/is/a/link "
                    "\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 end";
    const char *line;

    buf_init(&b, 4096);
    render_wrap(s, 72, 4, "    ", &b);
    line = buf_str(&b);
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (memmem(line, n, "://", 3) == NULL)
            CHECK(n + (line == buf_str(&b) ? 4 : 0) <= 72);
        line += n + (nl ? 1 : 0);
    }
    CHECK_CONTAINS(buf_str(&b), "\n    https://example.org/a/very/long/url/");
    CHECK(strstr(buf_str(&b),
                 "\n    \xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 end") != NULL ||
          strstr(buf_str(&b), "link \xc3\xa9t\xc3\xa9") != NULL);
    buf_release(&b);
}

static void
test_checks(void)
{
    char day[64];

    CHECK(render_arxiv_id_ok("2611.01234"));
    CHECK(render_arxiv_id_ok("hep-ex/0307015"));
    CHECK(!render_arxiv_id_ok("../etc/passwd"));
    CHECK(!render_arxiv_id_ok("2611.0\"><script>"));
    CHECK(!render_arxiv_id_ok(""));
    CHECK(render_url_ok("https://github.com/org/repo"));
    CHECK(!render_url_ok("javascript:alert(1)"));
    CHECK(!render_url_ok("https://x.org/\"onmouseover=\"x"));
    CHECK(!render_url_ok("https://x.org/a b"));
    CHECK(!render_url_ok("https://x.org/\r\nX: y"));
    render_day_long("2026-11-28", day, sizeof(day));
    CHECK_STR_EQ(day, "Saturday, 28 November 2026");
    render_day_long("garbage", day, sizeof(day));
    CHECK_STR_EQ(day, "garbage");
}

/* exec - run SQL */
static void
exec(struct db *db, const char *sql)
{
    struct err err;

    err_init(&err);
    if (db_exec(db, sql, &err) == -1)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(err.kind == ERR_NONE);
}

static void
test_escaping(void)
{
    struct config *cfg = config_defaults();
    struct token_key key;
    struct compose *c = NULL;
    struct db *db = NULL;
    struct err err;
    struct buf subject, text, html;
    int64_t id = 0;

    err_init(&err);
    token_key_from_string("render-test", &key);
    buf_init(&subject, 4096);
    buf_init(&text, 1 << 20);
    buf_init(&html, 1 << 20);
    CHECK(db_open(":memory:", 1000, &db, &err) == 0);
    exec(db,
         "INSERT INTO lists (id, name, title, categories, created_at)"
         " VALUES (2, 'ml', 'ML <b>daily</b>', 'cs.LG', 0);"
         "INSERT INTO subscribers (id, email, created_at)"
         " VALUES (1, 'reader@example.org', 0);"
         "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
         " keywords, created_at, updated_at)"
         " VALUES (1, 1, 2, 'confirmed', '<script>, \"alert\"', 0, 0);"
         "INSERT INTO papers (id, arxiv_id, title, abstract, authors,"
         " categories, first_seen_at, first_seen_day, updated_at, hf_upvotes,"
         " hf_day, github_repo, project_page)"
         " VALUES (1, '2611.00001', '<script>alert(1)</script>',"
         " 'An abstract with <img src=x onerror=alert(2)> in it. More.',"
         " '[\"<b>Eve</b>\",\"B\",\"C\",\"D\",\"E\",\"F\"]', 'cs.LG',"
         " 1795740000, '2026-11-27', 0, 12, '2026-11-27',"
         " 'https://github.com/org/repo', 'javascript:alert(3)');"
         "INSERT INTO paper_categories VALUES ('cs.LG', 1);");
    setenv("PAPERBOY_NOW", "1795759200", 1);
    CHECK(digest_freeze(db, cfg, 1, "2026-11-27", &id, &err) == 0);
    CHECK(id > 0);
    if (compose_new(cfg, &key, &c, &err) == -1)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(c != NULL);
    if (c != NULL && id > 0) {
        CHECK(compose_digest_parts(c, db, id, &subject, &text, &html, &err) ==
              0);
        /* nothing the title, abstract, authors or keywords hold is markup */
        CHECK(strstr(buf_str(&html), "<script") == NULL);
        CHECK(strstr(buf_str(&html), "<img") == NULL);
        CHECK(strstr(buf_str(&html), "<b>") == NULL);
        CHECK_CONTAINS(buf_str(&html),
                       "&lt;script&gt;alert(1)&lt;/script&gt;</a>");
        CHECK_CONTAINS(buf_str(&html), "&lt;img src=x onerror=alert(2)&gt;");
        CHECK_CONTAINS(buf_str(&html),
                       "&lt;b&gt;Eve&lt;/b&gt;, B, C, D, E et al.");
        /* the why line shows the keywords, escaped */
        CHECK_CONTAINS(buf_str(&html), "matched: &lt;script&gt;, alert");
        CHECK_CONTAINS(buf_str(&html), "ML &lt;b&gt;daily&lt;/b&gt;");
        /* links: abstract, PDF, HF, code; the javascript: page is dropped */
        CHECK_CONTAINS(buf_str(&html),
                       "href=\"https://arxiv.org/abs/2611.00001\"");
        CHECK_CONTAINS(buf_str(&html),
                       "href=\"https://arxiv.org/pdf/2611.00001\"");
        CHECK_CONTAINS(buf_str(&html),
                       "href=\"https://huggingface.co/papers/2611.00001\"");
        CHECK_CONTAINS(buf_str(&html), "href=\"https://github.com/org/repo\"");
        CHECK(strstr(buf_str(&html), "javascript:") == NULL);
        CHECK_CONTAINS(buf_str(&html), "12 upvotes");
        CHECK_CONTAINS(buf_str(&html), "/unsubscribe/");
        CHECK_CONTAINS(buf_str(&html), "/preferences/");
        CHECK_CONTAINS(buf_str(&html), "/d/");
        CHECK_CONTAINS(buf_str(&html), "Friday, 27 November 2026");
        /* the text part is text: nothing escaped, summary cut */
        CHECK_CONTAINS(buf_str(&text), "1. <script>alert(1)</script>");
        CHECK_CONTAINS(buf_str(&text), "An abstract with <img");
        CHECK_CONTAINS(buf_str(&text), "Unsubscribe:");
        CHECK_STR_EQ(buf_str(&subject),
                     "ML <b>daily</b>: 1 paper for Friday, 27 November 2026");
        /* the browser page has no "view in browser" link */
        buf_reset(&html);
        CHECK(compose_digest_page(c, db, id, &html, &err) == 0);
        CHECK(strstr(buf_str(&html), "View in browser") == NULL);
        CHECK(strstr(buf_str(&html), "<script") == NULL);
        /* unknown digest */
        buf_reset(&html);
        CHECK(compose_digest_page(c, db, 999, &html, &err) == -1);
    }
    compose_free(c);
    buf_release(&subject);
    buf_release(&text);
    buf_release(&html);
    db_close(db);
    config_free(cfg);
}

int
main(void)
{
    test_trim();
    test_authors();
    test_wrap();
    test_checks();
    test_escaping();
    return CHECK_DONE();
}
