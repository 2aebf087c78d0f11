/* SPDX-License-Identifier: MIT */
/*
 * fuzz_source.h - the body shared by the feed parser fuzz targets
 * (fuzz_rss, fuzz_atom, fuzz_hf): run one parser on arbitrary bytes.  It
 * must return 0 or -1, never crash, leak or read out of bounds; every paper
 * it returns must have a canonical id and a title, and a failure must say
 * why.
 */
#ifndef PAPERBOY_FUZZ_SOURCE_H
#define PAPERBOY_FUZZ_SOURCE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

/* fuzz_source_run - one input through ops; aborts on a broken contract */
static int
fuzz_source_run(const struct source_ops *ops, const uint8_t *data, size_t size)
{
    struct source_feed f;
    struct err err;

    source_feed_init(&f);
    err_init(&err);
    (void)ops->sniff((const char *)data, size);
    if (ops->parse((const char *)data, size, &f, &err) == 0) {
        for (size_t i = 0; i < f.papers.n; i++) {
            const struct paper *p = &f.papers.v[i];
            if (p->arxiv_id[0] == '\0' || p->title == NULL ||
                p->title[0] == '\0')
                abort();
        }
    } else if (err.msg[0] == '\0') {
        abort(); /* a failure always says why */
    }
    source_feed_release(&f);
    return 0;
}

#endif
