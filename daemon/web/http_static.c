/* SPDX-License-Identifier: MIT */
/*
 * http_static - the files of web/static, read into memory when the server
 * starts or reloads and answered from there.
 *
 * A request names a file; it is looked up by exact name among the files
 * that were loaded, so no request ever reaches the file system and no
 * path ("..", "/", "%2e%2e") can escape the directory.  The files
 * directly in the directory whose names are [A-Za-z0-9._-] and do not
 * start with '.' are loaded, each a regular file of at most
 * HTTP_STATIC_MAX bytes opened without following a link (datafile_read);
 * one that is not (a link, a FIFO, a directory) fails the load, so a
 * start or reload says which.
 * Responses carry a strong ETag (a hash of the bytes) and may be cached
 * for an hour; If-None-Match answers 304.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datafile.h"
#include "http_int.h"
#include "log.h"
#include "str.h"
#include "xalloc.h"

#define HTTP_STATIC_MAX (2 * 1024 * 1024) /* bytes per static file */
#define HTTP_STATIC_FILES 256             /* files per directory */

/* http_static_type - the Content-Type for a file name */
static const char *
http_static_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".html", "text/html; charset=utf-8"},
        {".json", "application/json"},
    };
    const char *dot = strrchr(name, '.');

    for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

/* http_static_name_ok - a name we are willing to serve */
static int
http_static_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 100 || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* http_static_cmp - qsort/bsearch order by name */
static int
http_static_cmp(const void *a, const void *b)
{
    return strcmp(((const struct http_static *)a)->name,
                  ((const struct http_static *)b)->name);
}

int
http_static_load(struct http_gen *g, const char *dir, struct err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL) {
        err_set(err, ERR_PERM, "cannot open static directory '%s'", dir);
        return -1;
    }
    while ((de = readdir(d)) != NULL && g->nstatic < HTTP_STATIC_FILES) {
        char path[4096];
        struct http_static *s;
        size_t len = 0;
        char *data;

        if (!http_static_name_ok(de->d_name))
            continue;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
            sizeof(path))
            continue;
        /* a link, FIFO or other non-file here is an error, not skipped:
         * the operator sees why a file is missing */
        if (datafile_read(path, HTTP_STATIC_MAX, &data, &len, err) == -1) {
            err_prefix(err, "static file");
            closedir(d);
            return -1;
        }
        g->statics =
            xrealloc(g->statics, (g->nstatic + 1) * sizeof(*g->statics));
        s = &g->statics[g->nstatic];
        s->name = xstrdup(de->d_name);
        snprintf(s->etag, sizeof(s->etag), "\"%016llx\"",
                 (unsigned long long)str_hash(data, len));
        s->resp =
            MHD_create_response_from_buffer_with_free_callback(len, data, free);
        if (s->resp == NULL) {
            free(data);
            free(s->name);
            continue;
        }
        http_add_security(s->resp);
        MHD_add_response_header(s->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                http_static_type(s->name));
        MHD_add_response_header(s->resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                "public, max-age=3600");
        MHD_add_response_header(s->resp, MHD_HTTP_HEADER_ETAG, s->etag);
        g->nstatic++;
    }
    closedir(d);
    if (g->nstatic > 1)
        qsort(g->statics, g->nstatic, sizeof(*g->statics), http_static_cmp);
    return 0;
}

void
http_static_free(struct http_gen *g)
{
    for (size_t i = 0; i < g->nstatic; i++) {
        MHD_destroy_response(g->statics[i].resp);
        free(g->statics[i].name);
    }
    free(g->statics);
    g->statics = NULL;
    g->nstatic = 0;
}

enum MHD_Result
http_static_serve(struct http_req *r, const char *name)
{
    struct http_static key, *s = NULL;
    const char *inm;
    enum MHD_Result ret;

    key.name = (char *)name;
    if (http_static_name_ok(name))
        s = bsearch(&key, r->gen->statics, r->gen->nstatic,
                    sizeof(*r->gen->statics), http_static_cmp);
    if (s == NULL)
        return http_error_page(r, MHD_HTTP_NOT_FOUND, "Page not found",
                               "There is no file at this address.");
    inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && strstr(inm, s->etag)) {
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (resp == NULL)
            return MHD_NO;
        http_add_security(resp);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, s->etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                                "public, max-age=3600");
        ret = MHD_queue_response(r->conn, MHD_HTTP_NOT_MODIFIED, resp);
        MHD_destroy_response(resp);
        http_count(r->h, r->route, MHD_HTTP_NOT_MODIFIED);
        return ret;
    }
    ret = MHD_queue_response(r->conn, MHD_HTTP_OK, s->resp);
    http_count(r->h, r->route, MHD_HTTP_OK);
    return ret;
}
