/* SPDX-License-Identifier: MIT */
/*
 * tz_names - the zone list for the preferences page (see tz_names.h).
 * The .tab files are tab-separated: country code(s), coordinates, zone
 * name, optional comment; '#' starts a comment line (tzfile(5) and the
 * tables' own headers).
 */
#include "tz_names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "xalloc.h"

#define TZ_NAMES_FILE_MAX (1024 * 1024)
#define TZ_NAMES_MAX 2000

/* tz_names_cmp - qsort order of two char * */
static int
tz_names_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* tz_names_add_file - add the third column of each line of a .tab file;
 * -1 when it cannot be read */
static int
tz_names_add_file(const char *path, struct tz_names *z, struct err *err)
{
    char *data = NULL, *line;
    size_t len;

    if (datafile_read(path, TZ_NAMES_FILE_MAX, &data, &len, err) == -1)
        return -1;
    for (line = data; line != NULL && *line;) {
        char *nl = strchr(line, '\n');
        char *f1, *f2, *end;
        if (nl != NULL)
            *nl = '\0';
        if (*line != '#' && (f1 = strchr(line, '\t')) != NULL &&
            (f2 = strchr(f1 + 1, '\t')) != NULL && z->n < TZ_NAMES_MAX) {
            f2++;
            end = f2 + strcspn(f2, "\t\r");
            if (end > f2 && end - f2 < 65)
                z->names[z->n++] = xstrndup(f2, (size_t)(end - f2));
        }
        line = nl ? nl + 1 : NULL;
    }
    free(data);
    return 0;
}

int
tz_names_load(struct tz_names *out, struct err *err)
{
    static const char *const files[] = {"zone1970.tab", "zone.tab"};
    const char *dir = getenv("TZDIR");
    struct tz_names z = {NULL, 0};
    char path[4096];
    int read_one = 0;
    size_t w = 0;

    if (dir == NULL || *dir == '\0')
        dir = "/usr/share/zoneinfo";
    z.names = xcalloc(TZ_NAMES_MAX + 1, sizeof(*z.names));
    z.names[z.n++] = xstrdup("UTC");
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct err ferr;
        int n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        err_init(&ferr);
        if (n > 0 && (size_t)n < sizeof(path) &&
            tz_names_add_file(path, &z, &ferr) == 0)
            read_one = 1;
        else
            *err = ferr;
    }
    if (!read_one) {
        tz_names_release(&z);
        return -1;
    }
    qsort(z.names, z.n, sizeof(*z.names), tz_names_cmp);
    for (size_t r = 0; r < z.n; r++) {
        if (w > 0 && strcmp(z.names[w - 1], z.names[r]) == 0)
            free(z.names[r]);
        else
            z.names[w++] = z.names[r];
    }
    z.n = w;
    *out = z;
    return 0;
}

int
tz_names_has(const struct tz_names *z, const char *name)
{
    return bsearch(&name, z->names, z->n, sizeof(*z->names), tz_names_cmp) !=
           NULL;
}

void
tz_names_release(struct tz_names *z)
{
    for (size_t i = 0; i < z->n; i++)
        free(z->names[i]);
    free(z->names);
    z->names = NULL;
    z->n = 0;
}
