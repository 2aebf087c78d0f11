/* SPDX-License-Identifier: MIT */
/*
 * authors - a paper's author list as one line (see authors.h).
 */
#include "authors.h"

#include <cjson/cJSON.h>
#include <string.h>

/* authors_is_space - ASCII white space (' ', \t, \n, \v, \f, \r) */
static int
authors_is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* authors_collapse - s with white space runs as one space, trimmed */
static void
authors_collapse(const char *s, struct buf *out)
{
    int first = 1;

    for (;;) {
        size_t n;
        while (authors_is_space(*s))
            s++;
        if (*s == '\0')
            return;
        for (n = 0; s[n] && !authors_is_space(s[n]); n++)
            ;
        if (!first)
            buf_addc(out, ' ');
        buf_add(out, s, n);
        s += n;
        first = 0;
    }
}

void
authors_format(const char *json, int max, struct buf *out)
{
    cJSON *a = cJSON_Parse(json);
    int n, shown;

    if (a == NULL || !cJSON_IsArray(a)) {
        cJSON_Delete(a);
        authors_collapse(json, out);
        return;
    }
    n = cJSON_GetArraySize(a);
    shown = n > max ? max : n;
    for (int i = 0; i < shown; i++) {
        const cJSON *it = cJSON_GetArrayItem(a, i);
        if (!cJSON_IsString(it))
            continue;
        if (i > 0)
            buf_adds(out, (i == shown - 1 && n <= max) ? " and " : ", ");
        authors_collapse(it->valuestring, out);
    }
    if (n > max)
        buf_adds(out, " et al.");
    cJSON_Delete(a);
}
