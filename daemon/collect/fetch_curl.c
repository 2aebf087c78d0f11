/* SPDX-License-Identifier: MIT */
/*
 * fetch_curl - load libcurl on demand and unload it when the last user
 * lets go (see fetch_curl.h).  Knows nothing about transfers.
 */
#include "fetch_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifndef PAPERBOY_CURL_SONAME
#define PAPERBOY_CURL_SONAME "libcurl-gnutls.so.4"
#endif

/* CURLOPT_PROTOCOLS_STR and CURLOPT_REDIR_PROTOCOLS_STR */
#define FETCH_CURL_MIN_VERSION 0x075500 /* 7.85.0 */

/*
 * One function to resolve: its name and where it goes in the table.  The
 * sizeof() assignment makes the compiler check our prototype against
 * <curl/curl.h> without referencing the symbol (unevaluated operand).
 */
struct fetch_curl_sym {
    const char *name;
    size_t off;
};

#define FETCH_CURL_SYM(field, fn)                                              \
    {                                                                          \
#fn, offsetof(struct fetch_curl, field) +                              \
                 0 * sizeof(fetch_curl_api.field = fn)                         \
    }

static pthread_mutex_t fetch_curl_mu = PTHREAD_MUTEX_INITIALIZER;
static void *fetch_curl_lib;             /* dlopen() handle while loaded */
static int fetch_curl_holds;             /* guarded by fetch_curl_mu */
static struct fetch_curl fetch_curl_api; /* valid while fetch_curl_lib */

static const struct fetch_curl_sym fetch_curl_syms[] = {
    FETCH_CURL_SYM(global_init, curl_global_init),
    FETCH_CURL_SYM(global_cleanup, curl_global_cleanup),
    FETCH_CURL_SYM(version_info, curl_version_info),
    FETCH_CURL_SYM(easy_init, curl_easy_init),
    FETCH_CURL_SYM(easy_setopt, curl_easy_setopt),
    FETCH_CURL_SYM(easy_getinfo, curl_easy_getinfo),
    FETCH_CURL_SYM(easy_cleanup, curl_easy_cleanup),
    FETCH_CURL_SYM(easy_strerror, curl_easy_strerror),
    FETCH_CURL_SYM(slist_append, curl_slist_append),
    FETCH_CURL_SYM(slist_free_all, curl_slist_free_all),
    FETCH_CURL_SYM(multi_init, curl_multi_init),
    FETCH_CURL_SYM(multi_add_handle, curl_multi_add_handle),
    FETCH_CURL_SYM(multi_remove_handle, curl_multi_remove_handle),
    FETCH_CURL_SYM(multi_perform, curl_multi_perform),
    FETCH_CURL_SYM(multi_info_read, curl_multi_info_read),
    FETCH_CURL_SYM(multi_poll, curl_multi_poll),
    FETCH_CURL_SYM(multi_cleanup, curl_multi_cleanup),
    FETCH_CURL_SYM(getdate, curl_getdate),
};

#define FETCH_CURL_NSYMS (sizeof(fetch_curl_syms) / sizeof(fetch_curl_syms[0]))

/* fetch_curl_load - dlopen, resolve and initialise; mutex held */
static int
fetch_curl_load(struct err *err)
{
    const char *name = getenv("PAPERBOY_LIBCURL");
    curl_version_info_data *v;
    void *lib;

    if (name == NULL || *name == '\0')
        name = PAPERBOY_CURL_SONAME;
    lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        err_set(err, ERR_TEMP,
                "cannot load libcurl '%s' (Debian: apt install "
                "libcurl3-gnutls): %s",
                name, why ? why : "unknown error");
        return -1;
    }
    for (size_t i = 0; i < FETCH_CURL_NSYMS; i++) {
        void *p = dlsym(lib, fetch_curl_syms[i].name);
        if (p == NULL) {
            err_set(err, ERR_TEMP, "libcurl '%s' has no %s()", name,
                    fetch_curl_syms[i].name);
            goto fail;
        }
        /* POSIX: a void * from dlsym() converts to a function pointer */
        memcpy((char *)&fetch_curl_api + fetch_curl_syms[i].off, &p, sizeof(p));
    }
    v = fetch_curl_api.version_info(CURLVERSION_NOW);
    if (v == NULL || v->version_num < FETCH_CURL_MIN_VERSION) {
        err_set(err, ERR_TEMP,
                "libcurl '%s' is version %s, 7.85 or later "
                "is needed",
                name, v && v->version ? v->version : "?");
        goto fail;
    }
    if (fetch_curl_api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(err, ERR_TEMP, "libcurl '%s': curl_global_init failed", name);
        goto fail;
    }
    fetch_curl_lib = lib;
    return 0;
fail:
    memset(&fetch_curl_api, 0, sizeof(fetch_curl_api));
    dlclose(lib);
    return -1;
}

int
fetch_curl_hold(const struct fetch_curl **api, struct err *err)
{
    int rc = 0;

    pthread_mutex_lock(&fetch_curl_mu);
    if (fetch_curl_holds == 0 && fetch_curl_load(err) == -1)
        rc = -1;
    else
        fetch_curl_holds++;
    pthread_mutex_unlock(&fetch_curl_mu);
    if (rc == 0)
        *api = &fetch_curl_api;
    return rc;
}

void
fetch_curl_put(void)
{
    pthread_mutex_lock(&fetch_curl_mu);
    if (fetch_curl_holds > 0 && --fetch_curl_holds == 0) {
        /* every easy and multi handle is gone: fetch_all cleans up first */
        fetch_curl_api.global_cleanup();
        memset(&fetch_curl_api, 0, sizeof(fetch_curl_api));
        dlclose(fetch_curl_lib);
        fetch_curl_lib = NULL;
    }
    pthread_mutex_unlock(&fetch_curl_mu);
}

int
fetch_curl_loaded(void)
{
    int loaded;

    pthread_mutex_lock(&fetch_curl_mu);
    loaded = fetch_curl_lib != NULL;
    pthread_mutex_unlock(&fetch_curl_mu);
    return loaded;
}
