/* SPDX-License-Identifier: MIT */
/*
 * fuzz_normalise - the text normaliser, id canonicaliser and date parsers
 * on arbitrary bytes.  The first byte picks the flags.  Output must be
 * valid UTF-8, free of control characters and runs of spaces, and within
 * the size cap; an id that parses must parse again to itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "normalise.h"
#include "paper.h"
#include "str.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char *out, *z, id[PAPER_ID_MAX], id2[PAPER_ID_MAX];
    int flags = 0, v, v2;
    int64_t t;
    size_t n;

    if (size > 0) {
        flags = data[0] & 7;
        s++;
        size--;
    }
    out = normalise_text(s, size, flags);
    n = strlen(out);
    if (!str_utf8_valid(out, n) || n > PAPER_FIELD_MAX)
        abort();
    if (n > 0 && (out[0] == ' ' || out[n - 1] == ' ' || strstr(out, "  ")))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            abort();
    free(out);
    out = normalise_utf8_repair(s, size);
    if (!str_utf8_valid(out, strlen(out)))
        abort();
    free(out);

    z = xstrndup(s, size); /* NUL-terminated view for the string APIs */
    if (normalise_arxiv_id(z, id, sizeof(id), &v) == 0) {
        if (normalise_arxiv_id(id, id2, sizeof(id2), &v2) == -1 ||
            strcmp(id, id2) != 0 || v2 != 0)
            abort();
    }
    (void)normalise_url_ok(z);
    (void)normalise_rfc822_time(z, &t);
    (void)normalise_iso8601_time(z, &t);
    free(z);
    return 0;
}
