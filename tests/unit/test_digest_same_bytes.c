/* SPDX-License-Identifier: MIT */
/*
 * test_digest_same_bytes - the digest message is the same bytes whichever
 * path makes it, as the speed work must keep it: tmpl_copy_fields()
 * copies (the source may go away), render_paper() is render_paper_fixed()
 * + render_paper_vary(), compose's paper cache gives the same bytes warm
 * as cold, tiny or off, notices a changed paper, and the quoted-printable
 * parts decode to exactly the rendered text and HTML (white space before
 * line breaks, long lines, '=' and non-ASCII, parts longer than the
 * encoder's 1 KiB blocks), checked by Python's email package.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "db_digest.h"
#include "digest.h"
#include "render.h"
#include "tmpl.h"
#include "token.h"
#include "xalloc.h"

#define DAY "2026-11-27"

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

/* render - t over root into a fresh string (caller frees) */
static char *
render(const char *src, int html, const struct tmpl_obj *root)
{
    struct tmpl *t = NULL;
    struct err err;
    struct buf b;

    err_init(&err);
    buf_init(&b, 1 << 20);
    CHECK(tmpl_compile(src, strlen(src), "t", NULL, html, &t, &err) == 0);
    if (t != NULL)
        CHECK(tmpl_render(t, root, &b, &err) == 0);
    tmpl_free(t);
    buf_adds(&b, "");
    return buf_detach(&b);
}

static void
test_copy_fields(void)
{
    const char *src = "{{a}}|{{#b}}B{{/b}}|{{#l}}[{{x}}{{a}}]{{/l}}|"
                      "{{^e}}empty{{/e}}|{{h}}";
    struct tmpl_data *d1 = tmpl_data_new(), *d2 = tmpl_data_new();
    struct tmpl_obj *s = tmpl_data_root(d1), *dst = tmpl_data_root(d2), *it;
    char *want, *got;

    tmpl_set(s, "a", "one");
    tmpl_set_bool(s, "b", 1);
    it = tmpl_add_item(s, "l");
    tmpl_set(it, "x", "x1");
    it = tmpl_add_item(s, "l");
    tmpl_set(it, "x", "x2");
    tmpl_set(it, "a", "inner");
    tmpl_set_list(s, "e");
    tmpl_set(s, "h", "<&>");
    want = render(src, 1, s);
    CHECK_STR_EQ(want, "one|B|[x1one][x2inner]|empty|&lt;&amp;&gt;");

    tmpl_set(dst, "a", "overwritten");
    tmpl_set(dst, "keep", "kept");
    tmpl_copy_fields(dst, s);
    /* the source's memory is reused: dst must hold its own copies */
    tmpl_data_reset(d1);
    s = tmpl_data_root(d1);
    tmpl_set(s, "a", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    tmpl_set(s, "x", "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY");
    got = render(src, 1, dst);
    CHECK_STR_EQ(got, want);
    free(got);
    got = render("{{keep}}", 1, dst);
    CHECK_STR_EQ(got, "kept");
    free(got);
    free(want);
    tmpl_data_free(d1);
    tmpl_data_free(d2);
}

static void
test_render_split(void)
{
    static const char src[] =
        "{{rank}} {{arxiv_id}} {{title}} {{title_txt}} {{abs_url}} "
        "{{pdf_url}} {{hf_url}} {{code_url}} {{project_url}} {{authors}} "
        "{{authors_txt}} {{categories}} {{upvotes}} {{upvotes_label}} "
        "{{summary}} {{summary_txt}} {{why}}";
    struct db_digest_paper p;
    struct tmpl_data *d = tmpl_data_new();
    struct tmpl_obj *a, *b;
    struct buf s1, s2;
    char *ra, *rb;

    buf_init(&s1, 1 << 20);
    buf_init(&s2, 1 << 20);
    memset(&p, 0, sizeof(p));
    p.id = 5;
    p.rank = 3;
    p.why = "matched: attention \xc2\xb7 4 upvotes";
    p.arxiv_id = "2611.00005";
    p.title = "  A   title\twith  <odd>   spacing ";
    p.abstract = "First sentence here.  Second one, e.g. this.   Third.";
    p.authors = "[\"Ada Lovelace\",\"Alan  Turing\"]";
    p.categories = "cs.LG,stat.ML";
    p.hf_day = DAY;
    p.upvotes = 4;
    p.github_repo = "https://github.com/o/r";
    p.project_page = "javascript:alert(1)";
    p.ai_summary = "";
    a = tmpl_data_root(d);
    render_paper(a, &p, &s1, &s2);
    b = tmpl_data_root(d);
    render_paper_fixed(b, &p, &s1, &s2);
    render_paper_vary(b, &p, &s1);
    ra = render(src, 0, a);
    rb = render(src, 0, b);
    CHECK_STR_EQ(ra, rb);
    CHECK_CONTAINS(ra, "3 2611.00005 A title with <odd> spacing");
    CHECK_CONTAINS(ra, "matched: attention");
    free(ra);
    free(rb);
    buf_release(&s1);
    buf_release(&s2);
    tmpl_data_free(d);
}

/* seed - a list, a subscriber, papers whose text stresses the QP encoder */
static void
seed(struct db *db)
{
    exec(db, "INSERT INTO lists (id, name, title, categories, created_at)"
             " VALUES (2, 'perf', 'Perf list', 'cs.LG', 0);"
             "INSERT INTO subscribers (id, email, created_at)"
             " VALUES (1, 'reader@example.org', 0);"
             "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
             " keywords, max_papers, created_at, updated_at)"
             " VALUES (1, 1, 2, 'confirmed', '', 20, 0, 0);");
    for (int i = 1; i <= 14; i++) {
        sqlite3_stmt *st = NULL;
        struct buf abs, title;
        buf_init(&abs, 1 << 16);
        buf_init(&title, 1 << 16);
        buf_addf(&title, "From %d. F=ma .%s", i, i % 2 ? " trailing " : "");
        for (int k = 0; k < 8 + i * 3; k++)
            buf_addf(&abs,
                     "%sWord%d=x caf\xc3\xa9 "
                     "Averylongwordwithoutanyspaceatallthatgoesonandonandon%d "
                     "\t.",
                     k % 5 == 0 ? "F" : "", k, i);
        CHECK(sqlite3_prepare_v2(
                  db_handle(db),
                  "INSERT INTO papers (id, arxiv_id, title, abstract, authors,"
                  " categories, first_seen_at, first_seen_day, updated_at,"
                  " hf_upvotes, hf_day)"
                  " VALUES (?1, printf('2611.%05d', ?1), ?2, ?3,"
                  " '[\"A B\",\"C D\"]', 'cs.LG', 1795740000, '2026-11-27', 0,"
                  " ?1, '2026-11-27')",
                  -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, buf_str(&title), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, buf_str(&abs), -1, SQLITE_TRANSIENT);
        CHECK(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_finalize(st);
        buf_release(&abs);
        buf_release(&title);
    }
    exec(db, "INSERT INTO paper_categories SELECT 'cs.LG', id FROM papers");
}

/* write_file - b to path */
static void
write_file(const char *path, const struct buf *b)
{
    FILE *fp = fopen(path, "wb");

    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    fwrite(b->data, 1, b->len, fp);
    fclose(fp);
}

/* qp_decodes_to - 1 if the message's text and HTML parts decode (strict
 * Python email package) to exactly text and html, LF as CRLF */
static int
qp_decodes_to(const struct buf *msg, const struct buf *text,
              const struct buf *html)
{
    char dir[] = "/tmp/pb-digest-same-XXXXXX", path[256], cmd[2048];
    static const char py[] =
        "import sys,email,email.policy\n"
        "d=sys.argv[1]\n"
        "m=email.message_from_bytes(open(d+'/m','rb').read(),"
        "policy=email.policy.strict)\n"
        "parts={p.get_content_type():p for p in m.walk()}\n"
        "for k,f in (('text/plain','t'),('text/html','h')):\n"
        "  p=parts[k]\n"
        "  assert p['Content-Transfer-Encoding']=='quoted-printable'\n"
        "  raw=p.get_payload(decode=False)\n"
        "  for line in raw.split('\\r\\n'):\n"
        "    assert len(line)<=76, line\n"
        "    assert not line.endswith((' ','\\t')), repr(line)\n"
        "    assert not line.startswith(('From ','.')), repr(line)\n"
        "  got=p.get_payload(decode=True)\n"
        "  want=open(d+'/'+f,'rb').read().replace(b'\\n',b'\\r\\n')\n"
        "  assert got==want, (k, got[:200], want[:200])\n";
    int rc;

    if (mkdtemp(dir) == NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/m", dir);
    write_file(path, msg);
    snprintf(path, sizeof(path), "%s/t", dir);
    write_file(path, text);
    snprintf(path, sizeof(path), "%s/h", dir);
    write_file(path, html);
    snprintf(path, sizeof(path), "%s/c.py", dir);
    {
        FILE *fp = fopen(path, "w");
        if (fp == NULL)
            return 0;
        fputs(py, fp);
        fclose(fp);
    }
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/c.py %s", dir, dir);
    rc = system(cmd);
    if (rc == 0) {
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        (void)system(cmd);
    } else {
        fprintf(stderr, "qp check failed, files kept in %s\n", dir);
    }
    return rc == 0;
}

static void
test_compose_cache(void)
{
    struct config *cfg = config_defaults();
    struct token_key key;
    struct compose *c = NULL, *c2 = NULL;
    struct db *db = NULL;
    struct err err;
    struct buf m1, m2, subj, text, html;
    char mid[256];
    int64_t id = 0;

    err_init(&err);
    buf_init(&m1, 8 << 20);
    buf_init(&m2, 8 << 20);
    buf_init(&subj, 4096);
    buf_init(&text, 8 << 20);
    buf_init(&html, 8 << 20);
    free(cfg->base_url);
    cfg->base_url = xstrdup("https://papers.example.org");
    token_key_from_string("perf-test", &key);
    CHECK(db_open(":memory:", 1000, &db, &err) == 0);
    seed(db);
    setenv("PAPERBOY_NOW", "1795759200", 1);
    CHECK(digest_freeze(db, cfg, 1, DAY, &id, &err) == 0);
    CHECK(compose_new(cfg, &key, &c, &err) == 0);
    CHECK(compose_new(cfg, &key, &c2, &err) == 0);
    if (c == NULL || c2 == NULL || id == 0) {
        fprintf(stderr, "%s\n", err.msg);
        goto out;
    }
    compose_message_id_digest(c, 1, DAY, mid, sizeof(mid));

    /* cold, then warm: the same bytes */
    CHECK(compose_digest_message(c, db, id, mid, &m1, &err) == 0);
    CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
    CHECK(m1.len == m2.len && memcmp(m1.data, m2.data, m1.len) == 0);
    CHECK(compose_digest_parts(c2, db, id, &subj, &text, &html, &err) == 0);
    CHECK(text.len > 2048 && html.len > 2048);
    CHECK(qp_decodes_to(&m1, &text, &html));

    /* a paper changes: the warm cache must not serve the old fields */
    exec(db, "UPDATE papers SET title = 'Renamed <paper>',"
             " abstract = 'A new abstract.' WHERE id = 3");
    buf_reset(&m2);
    CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
    CHECK(m1.len != m2.len || memcmp(m1.data, m2.data, m1.len) != 0);
    CHECK_CONTAINS(buf_str(&m2), "Renamed &lt;paper&gt;");
    CHECK_CONTAINS(buf_str(&m2), "A new abstract.");
    /* and a compose that never saw the old row makes the same message */
    buf_reset(&m1);
    CHECK(compose_digest_message(c2, db, id, mid, &m1, &err) == 0);
    CHECK(m1.len == m2.len && memcmp(m1.data, m2.data, m1.len) == 0);
    buf_reset(&subj);
    buf_reset(&text);
    buf_reset(&html);
    CHECK(compose_digest_parts(c2, db, id, &subj, &text, &html, &err) == 0);
    CHECK(qp_decodes_to(&m2, &text, &html));
    /* a cache too small for one paper (emptied at every paper) and none */
    compose_set_cache_bytes(c2, 1);
    buf_reset(&m1);
    CHECK(compose_digest_message(c2, db, id, mid, &m1, &err) == 0);
    CHECK(m1.len == m2.len && memcmp(m1.data, m2.data, m1.len) == 0);
    compose_set_cache_bytes(c2, 0);
    buf_reset(&m1);
    CHECK(compose_digest_message(c2, db, id, mid, &m1, &err) == 0);
    CHECK(m1.len == m2.len && memcmp(m1.data, m2.data, m1.len) == 0);
out:
    compose_free(c);
    compose_free(c2);
    db_close(db);
    config_free(cfg);
    buf_release(&m1);
    buf_release(&m2);
    buf_release(&subj);
    buf_release(&text);
    buf_release(&html);
}

int
main(void)
{
    test_copy_fields();
    test_render_split();
    test_compose_cache();
    return CHECK_DONE();
}
