/* SPDX-License-Identifier: MIT */
/*
 * fuzz_normalise - the text normaliser, id canonicaliser and date parsers
 * on arbitrary bytes.  The first byte picks the flags.  normalise_text()
 * output must be valid UTF-8 with no control character (C0, DEL or C1),
 * no leading, trailing or doubled space, and within the size cap;
 * normalise_utf8_repair() output must be valid UTF-8; an id that parses
 * must be non-empty and parse again to itself with no version.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
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
    FUZZ_REQUIRE(fuzz_text_clean(out),
                 "normalised text with invalid UTF-8 or a control character");
    FUZZ_REQUIRE(n <= PAPER_FIELD_MAX, "normalised text over the cap");
    FUZZ_REQUIRE(n == 0 || (out[0] != ' ' && out[n - 1] != ' ' &&
                            strstr(out, "  ") == NULL),
                 "normalised text with a leading, trailing or doubled space");
    free(out);
    out = normalise_utf8_repair(s, size);
    FUZZ_REQUIRE(str_utf8_valid(out, strlen(out)),
                 "repaired text that is not UTF-8");
    free(out);

    z = xstrndup(s, size); /* NUL-terminated view for the string APIs */
    if (paper_arxiv_id(z, id, sizeof(id), &v) == 0)
        FUZZ_REQUIRE(id[0] != '\0' && fuzz_text_clean(id) &&
                         paper_arxiv_id(id, id2, sizeof(id2), &v2) == 0 &&
                         strcmp(id, id2) == 0 && v2 == 0,
                     "a canonical id that does not parse to itself");
    (void)normalise_url_ok(z);
    (void)normalise_rfc822_time(z, &t);
    (void)normalise_iso8601_time(z, &t);
    free(z);
    return 0;
}
