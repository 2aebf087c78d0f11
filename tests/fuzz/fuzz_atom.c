/* SPDX-License-Identifier: MIT */
/*
 * fuzz_atom - the arXiv API Atom parser on arbitrary bytes: it must return 0 or
 * -1, never crash, leak or read out of bounds, and every paper it returns must
 * have a canonical id and a title.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct source_feed f;
    struct err err;

    source_feed_init(&f);
    err_init(&err);
    (void)source_atom_ops.sniff((const char *)data, size);
    if (source_atom_ops.parse((const char *)data, size, &f, &err) == 0) {
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
