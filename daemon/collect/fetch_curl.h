/* SPDX-License-Identifier: MIT */
/*
 * fetch_curl - libcurl, loaded with dlopen() only while something fetches.
 *
 * Paperboy does not link libcurl: its dependencies (libssh2, krb5, LDAP,
 * OpenSSL's libcrypto, ...) cost a serve process about 3 MB of memory all
 * day for a collect that runs a few minutes.  fetch_curl_hold() loads the
 * library (soname PAPERBOY_CURL_SONAME, found by CMake from pkg-config's
 * libcurl, or $PAPERBOY_LIBCURL), resolves the functions fetch.c uses and
 * calls curl_global_init(); the last fetch_curl_put() calls
 * curl_global_cleanup() and unloads it again.  Holds nest and may come from
 * any thread.
 *
 * The types and constants still come from <curl/curl.h> (libcurl's -dev
 * package); only the calls go through the table.  Part of the fetch module
 * family: only fetch*.c include this.
 */
#ifndef PAPERBOY_FETCH_CURL_H
#define PAPERBOY_FETCH_CURL_H

#include <curl/curl.h>

#include "err.h"

/* The libcurl functions fetch.c calls, resolved by name. */
struct fetch_curl {
    CURLcode (*global_init)(long flags);
    void (*global_cleanup)(void);
    curl_version_info_data *(*version_info)(CURLversion v);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
    CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *h);
    const char *(*easy_strerror)(CURLcode c);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
    CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
    CURLMcode (*multi_perform)(CURLM *m, int *running);
    CURLMsg *(*multi_info_read)(CURLM *m, int *left);
    CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd extra[],
                            unsigned int n, int timeout_ms, int *numfds);
    CURLMcode (*multi_cleanup)(CURLM *m);
    time_t (*getdate)(const char *s, const time_t *unused);
};

/*
 * fetch_curl_hold - load libcurl if no one holds it yet and take a hold.
 * On success *api is the function table, borrowed until the matching
 * fetch_curl_put().  -1 (ERR_TEMP, err names the library and why) when it
 * cannot be loaded, lacks a function or is older than 7.85.
 */
int fetch_curl_hold(const struct fetch_curl **api, struct err *err);

/* fetch_curl_put - drop a hold; the last one unloads libcurl */
void fetch_curl_put(void);

/* fetch_curl_loaded - 1 while libcurl is loaded (for tests) */
int fetch_curl_loaded(void);

#endif
