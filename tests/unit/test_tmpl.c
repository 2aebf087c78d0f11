/* SPDX-License-Identifier: MIT */
/* test_tmpl - the mustache subset: escaping, sections, lists, partials,
 * standalone lines, errors, size cap, arena reuse */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tmpl.h"

/* render - compile src and render it with root; returns a static copy */
static const char *
render(const char *src, int html, struct tmpl_obj *root)
{
    static char out[4096];
    struct tmpl *t = NULL;
    struct err err;
    struct buf b;

    err_init(&err);
    if (tmpl_compile(src, strlen(src), "t", NULL, html, &t, &err) == -1) {
        snprintf(out, sizeof(out), "ERROR: %s", err.msg);
        return out;
    }
    buf_init(&b, sizeof(out) - 1);
    if (tmpl_render(t, root, &b, &err) == -1)
        snprintf(out, sizeof(out), "ERROR: %s", err.msg);
    else
        snprintf(out, sizeof(out), "%s", buf_str(&b));
    buf_release(&b);
    tmpl_free(t);
    return out;
}

/* tmpl_set_proto: an item's own fields first, then its proto's (from
 * another arena), then the enclosing objects; tmpl_copy_fields takes
 * both */
/* test_many_fields - objects of up to 60 fields (past the 24 the slot
 * table indexes, where lookups walk the list): every field is found,
 * set again in place, and a missing name is missing; also through a
 * copy */
static void
test_many_fields(void)
{
    for (int nf = 1; nf <= 60; nf += 7) {
        struct tmpl_data *d = tmpl_data_new();
        struct tmpl_obj *root = tmpl_data_root(d), *copy;
        char name[16], src[64], want[16];

        for (int i = 0; i < nf; i++) {
            snprintf(name, sizeof(name), "f%d", i);
            tmpl_setf(root, name, "old%d", i);
            tmpl_setf(root, name, "v%d", i); /* replaces, no second field */
        }
        copy = tmpl_data_root(d);
        tmpl_copy_fields(copy, root);
        for (int i = 0; i < nf; i++) {
            snprintf(src, sizeof(src), "{{f%d}}", i);
            snprintf(want, sizeof(want), "v%d", i);
            CHECK_STR_EQ(render(src, 1, root), want);
            CHECK_STR_EQ(render(src, 1, copy), want);
        }
        snprintf(src, sizeof(src), "[{{f%d}}]", nf);
        CHECK_STR_EQ(render(src, 1, root), "[]");
        CHECK_STR_EQ(render(src, 1, copy), "[]");
        tmpl_data_free(d);
    }
}

static void
test_proto(void)
{
    static const struct {
        const char *src, *want;
    } cases[] = {
        {"{{#items}}{{a}}{{/items}}", "own"},
        {"{{#items}}{{b}}{{/items}}", "from proto"},
        {"{{#items}}{{c}}{{/items}}", "root"},
        {"{{#items}}{{#l}}[{{x}}]{{/l}}{{/items}}", "[1][2]"},
        {"{{#items}}{{^missing}}none{{/missing}}{{/items}}", "none"},
    };
    struct tmpl_data *d = tmpl_data_new(), *pd = tmpl_data_new();
    struct tmpl_obj *root = tmpl_data_root(d), *proto = tmpl_data_root(pd);
    struct tmpl_obj *item, *copy;

    tmpl_set(proto, "a", "shadowed");
    tmpl_set(proto, "b", "from proto");
    tmpl_set(tmpl_add_item(proto, "l"), "x", "1");
    tmpl_set(tmpl_add_item(proto, "l"), "x", "2");
    tmpl_set(root, "c", "root");
    tmpl_set(root, "b", "not this");
    item = tmpl_add_item(root, "items");
    tmpl_set_proto(item, proto);
    tmpl_set(item, "a", "own");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STR_EQ(render(cases[i].src, 1, root), cases[i].want);
    /* a copy carries both, own fields winning, and no proto */
    copy = tmpl_data_root(d);
    tmpl_copy_fields(copy, item);
    tmpl_set_proto(item, NULL);
    tmpl_copy_fields(item, copy);
    CHECK_STR_EQ(
        render("{{#items}}{{a}} {{b}} {{#l}}{{x}}{{/l}}{{/items}}", 1, root),
        "own from proto 12");
    tmpl_data_free(pd);
    tmpl_data_free(d);
}

int
main(void)
{
    struct tmpl_data *d = tmpl_data_new();
    struct tmpl_obj *root = tmpl_data_root(d), *it;
    char dir[] = "/tmp/pb-tmpl-XXXXXX", path[256];
    struct tmpl *t = NULL;
    struct err err;
    struct buf b;
    FILE *fp;

    tmpl_set(root, "title", "<script>alert(1)</script>");
    tmpl_set(root, "name", "Ada");
    tmpl_set_bool(root, "yes", 1);
    tmpl_set_bool(root, "no", 0);
    tmpl_set(root, "empty", "");
    tmpl_set_list(root, "none");
    it = tmpl_add_item(root, "papers");
    tmpl_set(it, "t", "A & B");
    it = tmpl_add_item(root, "papers");
    tmpl_set(it, "t", "C");
    tmpl_set(it, "name", "inner");

    CHECK_STR_EQ(render("<h1>{{title}}</h1>", 1, root),
                 "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
    CHECK_STR_EQ(render("{{{title}}}", 1, root), "<script>alert(1)</script>");
    CHECK_STR_EQ(render("{{&title}}", 1, root), "<script>alert(1)</script>");
    CHECK_STR_EQ(render("{{title}}", 0, root), "<script>alert(1)</script>");
    CHECK_STR_EQ(render("[{{missing}}]", 1, root), "[]");
    CHECK_STR_EQ(render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}", 1, root), "Y");
    CHECK_STR_EQ(render("{{^no}}not{{/no}}{{^empty}}E{{/empty}}", 1, root),
                 "notE");
    CHECK_STR_EQ(render("{{^none}}no items{{/none}}", 1, root), "no items");
    CHECK_STR_EQ(render("{{#papers}}<{{t}}|{{name}}>{{/papers}}", 1, root),
                 "<A &amp; B|Ada><C|inner>");
    CHECK_STR_EQ(render("{{! a comment }}x{{ name }}", 1, root), "xAda");
    CHECK_STR_EQ(render("{{! every {{value}} is escaped }}x", 1, root), "x");
    CHECK_CONTAINS(render("{{! open {{value }}x", 1, root), "unclosed");
    /* standalone section lines vanish, inline ones keep their text */
    CHECK_STR_EQ(render("a\n{{#papers}}\n- {{t}}\n{{/papers}}\nb\n", 0, root),
                 "a\n- A & B\n- C\nb\n");
    CHECK_STR_EQ(render("a {{#yes}}y{{/yes}} b\n", 0, root), "a y b\n");

    /* compile errors name the problem and the line */
    CHECK_CONTAINS(render("x\n{{#a}}", 1, root), "never closed");
    CHECK_CONTAINS(render("{{/a}}", 1, root), "closes nothing");
    CHECK_CONTAINS(render("{{#a}}{{/b}}", 1, root), "closes {{#a}}");
    CHECK_CONTAINS(render("x\ny {{name", 1, root), "line 2: unclosed");
    CHECK_CONTAINS(render("{{}}", 1, root), "empty tag");

    /* output cap */
    CHECK(tmpl_compile("{{title}}{{title}}", 18, "t", NULL, 1, &t, &err) == 0);
    buf_init(&b, 20);
    CHECK_INT_EQ(tmpl_render(t, root, &b, &err), -1);
    buf_release(&b);
    tmpl_free(t);

    /* partials from files; .txt partial is not escaped */
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/item.html", dir);
    fp = fopen(path, "w");
    fputs("<li>{{t}}</li>", fp);
    fclose(fp);
    snprintf(path, sizeof(path), "%s/main.html", dir);
    fp = fopen(path, "w");
    fputs("<ul>{{#papers}}{{> item.html}}{{/papers}}</ul>", fp);
    fclose(fp);
    CHECK_INT_EQ(tmpl_load(path, &t, &err), 0);
    buf_init(&b, 4096);
    CHECK_INT_EQ(tmpl_render(t, root, &b, &err), 0);
    CHECK_STR_EQ(buf_str(&b), "<ul><li>A &amp; B</li><li>C</li></ul>");
    buf_release(&b);
    tmpl_free(t);
    CHECK_INT_EQ(tmpl_compile("{{> ../etc/passwd}}", 19, "t", dir, 1, &t, &err),
                 -1);
    CHECK_INT_EQ(tmpl_compile("{{> nope.html}}", 15, "t", dir, 1, &t, &err),
                 -1);
    CHECK_CONTAINS(err.msg, "cannot open");
    unlink(path);
    snprintf(path, sizeof(path), "%s/item.html", dir);
    unlink(path);
    rmdir(dir);

    /* reset keeps memory and gives a clean tree */
    for (int i = 0; i < 1000; i++) {
        tmpl_data_reset(d);
        root = tmpl_data_root(d);
        tmpl_setf(root, "n", "%d", i);
    }
    CHECK_STR_EQ(render("{{n}}{{name}}", 1, root), "999");
    tmpl_data_free(d);
    test_proto();
    test_many_fields();
    return CHECK_DONE();
}
