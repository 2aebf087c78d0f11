/* SPDX-License-Identifier: MIT */
/*
 * catnames - arXiv category codes and names from the bundled taxonomy
 * file (see catnames.h).  The table is a few hundred rows, so lookups are
 * linear scans and the suggestion is a full edit-distance pass.
 */
#include "catnames.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "str.h"
#include "xalloc.h"

#define CATNAMES_FILE_MAX (64 * 1024)
#define CATNAMES_ROWS_MAX 1000
#define CATNAMES_CODE_MAX 40 /* db_list's longest accepted category */

struct catnames_row {
    const char *code; /* into data */
    size_t len;       /* strlen(code) */
    const char *name; /* into data */
};

struct catnames {
    char *data; /* the file, cut into strings in place */
    struct catnames_row *rows;
    size_t n;
};

/* catnames_line - add one "code TAB name" line (NUL-terminated, no
 * newline); -1 with err naming line number no */
static int
catnames_line(struct catnames *c, char *line, int no, const char *path,
              struct err *err)
{
    char *tab = strchr(line, '\t');
    size_t len;

    if (tab == NULL || tab == line || tab[1] == '\0') {
        err_set(err, ERR_PERM, "%s:%d: expected 'code TAB name'", path, no);
        return -1;
    }
    *tab = '\0';
    len = (size_t)(tab - line);
    for (size_t i = 0; i < len && len <= CATNAMES_CODE_MAX; i++)
        if (!isgraph((unsigned char)line[i]))
            len = CATNAMES_CODE_MAX + 1;
    if (len > CATNAMES_CODE_MAX) {
        err_set(err, ERR_PERM, "%s:%d: bad category code", path, no);
        return -1;
    }
    if (catnames_get(c, line, len) != NULL) {
        err_set(err, ERR_PERM, "%s:%d: category '%s' is listed twice", path, no,
                line);
        return -1;
    }
    if (c->n == CATNAMES_ROWS_MAX) {
        err_set(err, ERR_PERM, "%s: more than %d categories", path,
                CATNAMES_ROWS_MAX);
        return -1;
    }
    c->rows[c->n].code = line;
    c->rows[c->n].len = len;
    c->rows[c->n].name = tab + 1;
    c->n++;
    return 0;
}

int
catnames_load(const char *path, struct catnames **out, struct err *err)
{
    struct catnames *c = xcalloc(1, sizeof(*c));
    size_t len;
    char *line;
    int no = 0;

    if (datafile_read(path, CATNAMES_FILE_MAX, &c->data, &len, err) == -1)
        goto fail;
    if (!str_utf8_valid(c->data, len)) {
        err_set(err, ERR_PERM, "%s: not UTF-8", path);
        goto fail;
    }
    c->rows = xcalloc(CATNAMES_ROWS_MAX, sizeof(*c->rows));
    for (line = c->data; line != NULL && *line;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        no++;
        if (nl != NULL && nl > line && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*line != '#' && *line != '\0' &&
            catnames_line(c, line, no, path, err) == -1)
            goto fail;
        line = nl ? nl + 1 : NULL;
    }
    *out = c;
    return 0;
fail:
    catnames_free(c);
    return -1;
}

void
catnames_free(struct catnames *c)
{
    if (c == NULL)
        return;
    free(c->rows);
    free(c->data);
    free(c);
}

const char *
catnames_get(const struct catnames *c, const char *code, size_t n)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->rows[i].len == n && memcmp(c->rows[i].code, code, n) == 0)
            return c->rows[i].name;
    return NULL;
}

/* catnames_distance - Levenshtein distance of a and b, case ignored;
 * both at most CATNAMES_CODE_MAX bytes */
static size_t
catnames_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t prev[CATNAMES_CODE_MAX + 1], cur[CATNAMES_CODE_MAX + 1];

    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                        tolower((unsigned char)b[j - 1]));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        memcpy(prev, cur, (nb + 1) * sizeof(prev[0]));
    }
    return prev[nb];
}

const char *
catnames_nearest(const struct catnames *c, const char *code, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;

    if (n > CATNAMES_CODE_MAX)
        n = CATNAMES_CODE_MAX;
    for (size_t i = 0; i < c->n; i++) {
        size_t d = catnames_distance(code, n, c->rows[i].code, c->rows[i].len);
        if (d < best_d) {
            best_d = d;
            best = c->rows[i].code;
        }
    }
    return best;
}

int
catnames_check(const struct catnames *c, const char *csv, struct err *err)
{
    const char *p = csv;

    while (*p) {
        size_t n = strcspn(p, ",");
        if (n > 0 && catnames_get(c, p, n) == NULL) {
            const char *near = catnames_nearest(c, p, n);
            int shown = (int)(n > CATNAMES_CODE_MAX ? CATNAMES_CODE_MAX : n);
            if (str_has_ctl(p, n))
                err_set(err, ERR_PERM, "unknown category (control characters)");
            else if (near != NULL)
                err_set(err, ERR_PERM,
                        "unknown category '%.*s'; did you mean '%s'?", shown, p,
                        near);
            else
                err_set(err, ERR_PERM, "unknown category '%.*s'", shown, p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}
