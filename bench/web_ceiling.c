/* SPDX-License-Identifier: MIT */
/*
 * web_ceiling - the smallest libmicrohttpd server that answers every
 * request with the same bytes from memory, with the flags and thread pool
 * paperboy uses.  bench/web compiles it with `cc -lmicrohttpd` and uses
 * it as the library's own ceiling on this machine.
 *
 * usage: web_ceiling FILE THREADS   (prints the port on stdout)
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *resp;

/* handler - answer on the second call, as paperboy does (keep-alive) */
static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
        const char *method, const char *version, const char *data, size_t *size,
        void **req)
{
    static int first;

    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)data;
    if (*req == NULL) {
        *req = &first;
        return MHD_YES;
    }
    *size = 0;
    return MHD_queue_response(c, MHD_HTTP_OK, resp);
}

int
main(int argc, char **argv)
{
    struct MHD_Daemon *d;
    FILE *fp;
    char *body;
    long n;
    sigset_t set;
    int sig;

    if (argc != 3 || (fp = fopen(argv[1], "rb")) == NULL)
        return 2;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    body = malloc((size_t)n);
    if (body == NULL || fread(body, 1, (size_t)n, fp) != (size_t)n)
        return 2;
    fclose(fp);
    resp = MHD_create_response_from_buffer((size_t)n, body,
                                           MHD_RESPMEM_PERSISTENT);
    /* the same header lines paperboy sends, so the bytes on the wire match */
    MHD_add_response_header(
        resp, "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC, 0, NULL,
        NULL, handler, NULL, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)strtoul(argv[2], NULL, 10), MHD_OPTION_CONNECTION_LIMIT,
        256U, MHD_OPTION_END);
    if (d == NULL)
        return 1;
    printf("%u\n", MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
    fflush(stdout);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(resp);
    free(body);
    return 0;
}
