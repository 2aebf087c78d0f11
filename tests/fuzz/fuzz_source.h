/* SPDX-License-Identifier: MIT */
/*
 * fuzz_source.h - the body shared by the feed parser fuzz targets
 * (fuzz_rss, fuzz_atom, fuzz_hf): run one parser on arbitrary bytes.  It
 * must return 0 or -1, never crash, leak or read out of bounds, and a
 * failure must say why.  Every paper it puts in out (on failure too, as
 * the same code built it) must be storable as it is:
 * a canonical arXiv id (non-empty, and paper_arxiv_id() gives it back
 * unchanged with no version), a non-empty title, and every text field,
 * author, category and keyword valid UTF-8 with no control character.
 */
#ifndef PAPERBOY_FUZZ_SOURCE_H
#define PAPERBOY_FUZZ_SOURCE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "normalise.h"
#include "paper.h"
#include "source.h"

/* fuzz_list_clean - every string of l passes fuzz_text_clean() */
static int
fuzz_list_clean(const struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (!fuzz_text_clean(l->v[i]))
            return 0;
    return 1;
}

/* fuzz_paper_check - the storable-paper property (see the top) */
static void
fuzz_paper_check(const struct paper *p)
{
    char id[PAPER_ID_MAX];
    int v;

    FUZZ_REQUIRE(p->arxiv_id[0] != '\0', "a paper without an id");
    FUZZ_REQUIRE(paper_arxiv_id(p->arxiv_id, id, sizeof(id), &v) == 0 &&
                     strcmp(id, p->arxiv_id) == 0 && v == 0,
                 "a paper id that is not canonical");
    FUZZ_REQUIRE(p->title != NULL && p->title[0] != '\0',
                 "a paper without a title");
    FUZZ_REQUIRE(
        fuzz_text_clean(p->arxiv_id) && fuzz_text_clean(p->title) &&
            fuzz_text_clean(p->abstract) && fuzz_text_clean(p->comment) &&
            fuzz_text_clean(p->journal_ref) && fuzz_text_clean(p->doi) &&
            fuzz_text_clean(p->announce_type) &&
            fuzz_text_clean(p->github_repo) &&
            fuzz_text_clean(p->project_page) && fuzz_text_clean(p->ai_summary),
        "a paper field with invalid UTF-8 or a control character");
    FUZZ_REQUIRE(fuzz_list_clean(&p->authors) &&
                     fuzz_list_clean(&p->categories) &&
                     fuzz_list_clean(&p->ai_keywords),
                 "an author, category or keyword with invalid UTF-8 or a "
                 "control character");
}

/* fuzz_source_run - one input through ops; aborts on a broken contract */
static int
fuzz_source_run(const struct source_ops *ops, const uint8_t *data, size_t size)
{
    struct source_feed f;
    struct err err;

    source_feed_init(&f);
    err_init(&err);
    (void)ops->sniff((const char *)data, size);
    if (ops->parse((const char *)data, size, &f, &err) == -1)
        FUZZ_REQUIRE(err.msg[0] != '\0', "a failure that does not say why");
    for (size_t i = 0; i < f.papers.n; i++)
        fuzz_paper_check(&f.papers.v[i]);
    source_feed_release(&f);
    return 0;
}

#endif
