/* SPDX-License-Identifier: MIT */
/*
 * test_fetch - the parts of fetch that need no server: the content-type
 * rule, the User-Agent, and real transfers over file:// (several at
 * once, the size cap, a missing file) through the real paperboy-fetch
 * program, with libcurl never mapped in this process; a helper that
 * fails or answers garbage, and one that is missing (a clear error for
 * each request, nothing fetched); a stop flag set by another thread
 * while the helper waits on a loopback server that never answers (the
 * helper is killed and reaped, every request fails as stopped), one
 * set before the call (no helper started, nor looked for: a missing one
 * is no error then), and a helper killed by
 * SIGTERM just before the flag is set (stopped, not failed); the helper
 * whose parent went away mid-transfer exits at once.  HTTP behaviour
 * (timeouts, 304, Retry-After, retries, stalls) is tested against
 * feed_server.py in tests/integration/2[0-2]-*.sh.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fetch.h"
#include "fetch_wire.h"

struct type_case {
    const char *ct;
    enum fetch_expect expect;
    int ok;
};

static const struct type_case type_cases[] = {
    {"application/rss+xml; charset=utf-8", FETCH_XML, 1},
    {"application/atom+xml", FETCH_XML, 1},
    {"text/xml", FETCH_XML, 1},
    {"Application/XML", FETCH_XML, 1},
    {"", FETCH_XML, 1}, /* file:// has none */
    {"text/html; charset=utf-8", FETCH_XML, 0},
    {"text/plain", FETCH_XML, 0},
    {"application/json", FETCH_XML, 0},
    {"application/json; charset=utf-8", FETCH_JSON, 1},
    {"application/vnd.api+json", FETCH_JSON, 1},
    {"text/html", FETCH_JSON, 0},
    {"application/xml", FETCH_JSON, 0},
    {"text/html", FETCH_ANY, 1},
};

/* curl_mapped - 1 if a libcurl is mapped into this process */
static int
curl_mapped(void)
{
    char line[512];
    int found = 0;
    FILE *fp = fopen("/proc/self/maps", "r");

    if (fp == NULL)
        return -1;
    while (!found && fgets(line, sizeof(line), fp) != NULL)
        found = strstr(line, "/libcurl") != NULL;
    fclose(fp);
    return found;
}

static volatile sig_atomic_t stop_flag;

/* stop_later - another thread (the daemon's main thread) asks to stop
 * 300 ms after the fetch began */
static void *
stop_later(void *arg)
{
    struct timespec ts = {0, 300 * 1000000L};

    (void)arg;
    nanosleep(&ts, NULL);
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
    return NULL;
}

/* mono_ms - CLOCK_MONOTONIC in ms */
static long
mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* silent_server - a loopback listener that takes connections (the
 * kernel's backlog) and never answers; its URL into url */
static int
silent_server(char *url, size_t size)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(lfd >= 0);
    CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(lfd, 16) == 0);
    CHECK(getsockname(lfd, (struct sockaddr *)&sa, &len) == 0);
    snprintf(url, size, "http://127.0.0.1:%d/rss/cs.LG", ntohs(sa.sin_port));
    return lfd;
}

/*
 * fetch_parent_gone_case - paperboy-fetch run by hand on a socketpair,
 * its transfer stuck on a server that never answers; once our end is
 * closed it exits at once with status 1, without cleaning up its
 * transfers or trying to write results nobody reads (which would end
 * it with SIGPIPE)
 */
static void
fetch_parent_gone_case(const struct fetch_opts *o0)
{
    struct timespec settle = {0, 300 * 1000000L};
    struct fetch_opts o = *o0;
    struct fetch_req r;
    struct buf msg;
    char url[64];
    int sv[2], status = 0;
    pid_t pid;
    long t0;
    int lfd = silent_server(url, sizeof(url));

    o.timeout = 10;
    o.stop = NULL;
    fetch_req_init(&r, url, FETCH_XML);
    buf_init(&msg, FETCH_WIRE_JOB_MAX);
    fetch_wire_put_job(&msg, &r, 1, &o);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(sv[1], STDIN_FILENO);
        dup2(sv[1], STDOUT_FILENO);
        execl(PAPERBOY_FETCH_HELPER_BUILT, "paperboy-fetch", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    CHECK_INT_EQ(fetch_wire_send(sv[0], 1, &msg), 0);
    shutdown(sv[0], SHUT_WR);
    nanosleep(&settle, NULL); /* the transfer is connected and waiting */
    CHECK(waitpid(pid, &status, WNOHANG) == 0);
    t0 = mono_ms();
    close(sv[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(mono_ms() - t0 < 2000);
    CHECK(WIFEXITED(status));
    CHECK_INT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status),
                 1);
    buf_release(&msg);
    fetch_req_release(&r);
    close(lfd);
}

/*
 * fetch_stop_cases - a server on loopback that takes the connection (the
 * kernel's backlog) and never answers: the stop flag cuts the fetch long
 * before its 10 s timeout, the helper is reaped (this process has no
 * child left), and every request fails as stopped; with the flag already
 * set nothing is started
 */
static void
fetch_stop_cases(const struct fetch_opts *o0)
{
    struct fetch_opts o = *o0;
    struct fetch_req reqs[2];
    char url[64];
    pthread_t th;
    long t0, ms;
    int lfd = silent_server(url, sizeof(url));

    o.timeout = 10;
    o.stop = &stop_flag;
    stop_flag = 0;

    fetch_req_init(&reqs[0], url, FETCH_XML);
    fetch_req_init(&reqs[1], url, FETCH_XML);
    CHECK(pthread_create(&th, NULL, stop_later, NULL) == 0);
    t0 = mono_ms();
    CHECK_INT_EQ(fetch_all(reqs, 2, &o), -1);
    ms = mono_ms() - t0;
    pthread_join(th, NULL);
    CHECK(ms >= 250 && ms < 2000);
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
    for (int i = 0; i < 2; i++) {
        CHECK_INT_EQ(reqs[i].ok, 0);
        CHECK_INT_EQ(reqs[i].stopped, 1);
        CHECK_INT_EQ(reqs[i].err.kind, ERR_TEMP);
        CHECK_CONTAINS(reqs[i].err.msg, "stopped before it was done");
        CHECK_CONTAINS(reqs[i].err.msg, url);
        fetch_req_release(&reqs[i]);
    }

    /* already stopped: not even a helper that cannot start is tried */
    fetch_set_helper("/nonexistent/paperboy-fetch");
    fetch_req_init(&reqs[0], url, FETCH_XML);
    CHECK_INT_EQ(fetch_all(reqs, 1, &o), -1);
    CHECK_INT_EQ(reqs[0].stopped, 1);
    CHECK_CONTAINS(reqs[0].err.msg, "stopped before it was done");
    fetch_req_release(&reqs[0]);
    fetch_set_helper(PAPERBOY_FETCH_HELPER_BUILT);

    stop_flag = 0;
    close(lfd);
}

/*
 * fetch_stop_signal_cases - a helper that dies of SIGTERM (the stop
 * signal sent to the whole cgroup or process group) before the caller's
 * flag is set: stopped when the flag follows within the grace second, a
 * failure naming the signal when it never comes
 */
static void
fetch_stop_signal_cases(const struct fetch_opts *o0, const char *url)
{
    static const char script[] = "#!/bin/sh\ncat >/dev/null\nkill -TERM $$\n";
    struct fetch_opts o = *o0;
    struct fetch_req r;
    char exe[64];
    pthread_t th;
    long t0, ms;
    int fd;

    snprintf(exe, sizeof(exe), "/tmp/test_fetch_term.XXXXXX");
    fd = mkstemp(exe);
    CHECK(fd >= 0);
    CHECK(write(fd, script, strlen(script)) == (ssize_t)strlen(script));
    fchmod(fd, 0700);
    close(fd);
    fetch_set_helper(exe);
    o.stop = &stop_flag;

    /* the flag comes 300 ms after the helper died */
    stop_flag = 0;
    fetch_req_init(&r, url, FETCH_XML);
    CHECK(pthread_create(&th, NULL, stop_later, NULL) == 0);
    CHECK_INT_EQ(fetch_all(&r, 1, &o), -1);
    pthread_join(th, NULL);
    CHECK_INT_EQ(r.ok, 0);
    CHECK_INT_EQ(r.stopped, 1);
    CHECK_CONTAINS(r.err.msg, "stopped before it was done");
    fetch_req_release(&r);

    /* no flag: a real failure, after the grace second */
    stop_flag = 0;
    fetch_req_init(&r, url, FETCH_XML);
    t0 = mono_ms();
    CHECK_INT_EQ(fetch_all(&r, 1, &o), -1);
    ms = mono_ms() - t0;
    CHECK(ms >= 900 && ms < 5000);
    CHECK_INT_EQ(r.stopped, 0);
    CHECK_CONTAINS(r.err.msg, "fetch helper killed by signal 15");
    fetch_req_release(&r);

    /* no flag at all: a failure at once */
    o.stop = NULL;
    fetch_req_init(&r, url, FETCH_XML);
    t0 = mono_ms();
    CHECK_INT_EQ(fetch_all(&r, 1, &o), -1);
    CHECK(mono_ms() - t0 < 900);
    CHECK_INT_EQ(r.stopped, 0);
    CHECK_CONTAINS(r.err.msg, "fetch helper killed by signal 15");
    fetch_req_release(&r);

    unlink(exe);
    fetch_set_helper(PAPERBOY_FETCH_HELPER_BUILT);
}

/*
 * fetch_three - two good files and a missing one at once: the good ones
 * arrive whole, the missing one fails alone.  With etag (a stale
 * validator, which file:// ignores) the first must also take one attempt.
 */
static void
fetch_three(const char *rss, const char *hf, const char *missing,
            const struct fetch_opts *o, const char *etag)
{
    struct fetch_req reqs[3];

    fetch_req_init(&reqs[0], rss, FETCH_XML);
    fetch_req_init(&reqs[1], hf, FETCH_JSON);
    fetch_req_init(&reqs[2], missing, FETCH_XML);
    reqs[0].etag = etag;
    CHECK_INT_EQ(fetch_all(reqs, 3, o), -1);
    CHECK_INT_EQ(reqs[0].ok, 1);
    if (etag)
        CHECK_INT_EQ(reqs[0].attempts, 1);
    CHECK_INT_EQ(reqs[0].body.len, 20607);
    CHECK(strncmp(buf_str(&reqs[0].body), "<?xml", 5) == 0);
    CHECK_INT_EQ(reqs[1].ok, 1);
    CHECK_INT_EQ(reqs[1].body.len, 42552);
    CHECK_INT_EQ(reqs[2].ok, 0);
    CHECK_INT_EQ(reqs[2].err.kind, ERR_PERM);
    CHECK_CONTAINS(reqs[2].err.msg, "nope.xml");
    CHECK_INT_EQ(reqs[2].body.len, 0);
    for (int i = 0; i < 3; i++)
        fetch_req_release(&reqs[i]);
}

int
main(void)
{
    const char *shared = getenv("SHARED_DIR");
    char rss[1024], hf[1024], missing[1024], ua[300];
    struct fetch_req reqs[3];
    struct fetch_opts o;
    /* a "helper" that reads the request and answers nonsense */
    static const char script[] =
        "#!/bin/sh\ncat >/dev/null\necho 'not an answer'\n";
    char garbage[64];
    int fd;

    for (size_t i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++)
        CHECK_INT_EQ(fetch_type_ok(type_cases[i].ct, type_cases[i].expect),
                     type_cases[i].ok);

    fetch_user_agent("ops@example.org", ua, sizeof(ua));
    CHECK(strncmp(ua, "paperboy/", 9) == 0);
    CHECK_CONTAINS(ua, " (+ops@example.org)");
    fetch_user_agent("", ua, sizeof(ua));
    CHECK(strchr(ua, '(') == NULL);
    fetch_user_agent("evil\r\nX-Injected: 1", ua, sizeof(ua));
    CHECK(strchr(ua, '\n') == NULL && strchr(ua, '\r') == NULL);

    snprintf(rss, sizeof(rss), "file://%s/fixtures/feeds/arxiv_rss_cs_LG.xml",
             shared ? shared : "../shared");
    snprintf(hf, sizeof(hf), "file://%s/fixtures/feeds/hf_daily_papers.json",
             shared ? shared : "../shared");
    snprintf(missing, sizeof(missing), "file://%s/fixtures/feeds/nope.xml",
             shared ? shared : "../shared");

    /* the helper the build made (fetch_all() would look beside this
     * test program, in tests/) */
    fetch_set_helper(PAPERBOY_FETCH_HELPER_BUILT);
    CHECK_INT_EQ(curl_mapped(), 0);

    /* three at once: two good files and a missing one */
    fetch_opts_default(&o);
    o.timeout = 10;
    fetch_three(rss, hf, missing, &o, NULL);

    /* the size cap: a clear error naming the URL, no body kept */
    o.max_bytes = 4096;
    fetch_req_init(&reqs[0], rss, FETCH_XML);
    CHECK_INT_EQ(fetch_all(reqs, 1, &o), -1);
    CHECK_INT_EQ(reqs[0].ok, 0);
    CHECK_INT_EQ(reqs[0].err.kind, ERR_PERM);
    CHECK_CONTAINS(reqs[0].err.msg, "larger than max_bytes (4096 bytes)");
    CHECK_CONTAINS(reqs[0].err.msg, "arxiv_rss_cs_LG.xml");
    CHECK_INT_EQ(reqs[0].attempts, 1); /* not retried */
    fetch_req_release(&reqs[0]);

    /* unsupported scheme and a control character in the URL */
    fetch_req_init(&reqs[0], "ftp://example.org/feed.xml", FETCH_XML);
    fetch_req_init(&reqs[1], "http://127.0.0.1/\r\nX: 1", FETCH_XML);
    CHECK_INT_EQ(fetch_all(reqs, 2, &o), -1);
    CHECK_INT_EQ(reqs[0].ok, 0);
    CHECK_INT_EQ(reqs[0].err.kind, ERR_PERM);
    CHECK_INT_EQ(reqs[1].ok, 0);
    CHECK_CONTAINS(reqs[1].err.msg, "bad URL");
    fetch_req_release(&reqs[0]);
    fetch_req_release(&reqs[1]);

    CHECK_INT_EQ(fetch_all(NULL, 0, &o), 0);

    /* the same results again, with a stale validator; nothing was ever
     * loaded here */
    o.max_bytes = 32L * 1024 * 1024;
    fetch_three(rss, hf, missing, &o, "\"abc\"");
    CHECK_INT_EQ(curl_mapped(), 0);

    fetch_stop_cases(&o);
    fetch_parent_gone_case(&o);
    fetch_stop_signal_cases(&o, rss);
    CHECK_INT_EQ(curl_mapped(), 0);

    /* a helper that fails or talks nonsense: ERR_TEMP for each request */
    snprintf(garbage, sizeof(garbage), "/tmp/test_fetch_helper.XXXXXX");
    fd = mkstemp(garbage);
    CHECK(fd >= 0);
    CHECK(write(fd, script, strlen(script)) == (ssize_t)strlen(script));
    fchmod(fd, 0700);
    close(fd);
    {
        const struct {
            const char *exe;
            const char *msg;
        } bad[] = {
            {"/bin/false", "fetch helper failed (status 1)"},
            {garbage, "fetch helper: malformed answer"},
        };
        for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
            fetch_set_helper(bad[k].exe);
            fetch_req_init(&reqs[0], rss, FETCH_XML);
            fetch_req_init(&reqs[1], hf, FETCH_JSON);
            CHECK_INT_EQ(fetch_all(reqs, 2, &o), -1);
            for (int i = 0; i < 2; i++) {
                CHECK_INT_EQ(reqs[i].ok, 0);
                CHECK_INT_EQ(reqs[i].err.kind, ERR_TEMP);
                CHECK_CONTAINS(reqs[i].err.msg, bad[k].msg);
                CHECK_CONTAINS(reqs[i].err.msg, reqs[i].url);
                CHECK_INT_EQ(reqs[i].body.len, 0);
                fetch_req_release(&reqs[i]);
            }
        }
    }
    unlink(garbage);

    /* the helper does not see the SMTP password: a "helper" that writes
     * its environment down */
    {
        static const char envscript[] = "#!/bin/sh\nenv >\"$0.env\"\nexit 1\n";
        char envfile[80], line[512];
        int seen_pw = 0, seen_other = 0;
        FILE *fp;

        snprintf(garbage, sizeof(garbage), "/tmp/test_fetch_env.XXXXXX");
        fd = mkstemp(garbage);
        CHECK(fd >= 0);
        CHECK(write(fd, envscript, strlen(envscript)) ==
              (ssize_t)strlen(envscript));
        fchmod(fd, 0700);
        close(fd);
        setenv("PAPERBOY_SMTP_PASSWORD", "hunter2-not-for-the-fetcher", 1);
        setenv("PAPERBOY_FETCH_ENV_PROBE", "kept", 1);
        fetch_set_helper(garbage);
        fetch_req_init(&reqs[0], rss, FETCH_XML);
        CHECK_INT_EQ(fetch_all(reqs, 1, &o), -1);
        fetch_req_release(&reqs[0]);
        snprintf(envfile, sizeof(envfile), "%s.env", garbage);
        fp = fopen(envfile, "r");
        CHECK(fp != NULL);
        while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
            seen_pw |= strstr(line, "hunter2") != NULL;
            seen_other |= strstr(line, "PAPERBOY_FETCH_ENV_PROBE=kept") != NULL;
        }
        if (fp != NULL)
            fclose(fp);
        CHECK_INT_EQ(seen_pw, 0);
        CHECK_INT_EQ(seen_other, 1);
        unsetenv("PAPERBOY_SMTP_PASSWORD");
        unsetenv("PAPERBOY_FETCH_ENV_PROBE");
        unlink(envfile);
        unlink(garbage);
    }

    /* a helper that is not there at all: a clear error for each request,
     * nothing fetched in this process */
    fetch_set_helper("/nonexistent/paperboy-fetch");
    o.max_bytes = 32L * 1024 * 1024;
    fetch_req_init(&reqs[0], rss, FETCH_XML);
    CHECK_INT_EQ(fetch_all(reqs, 1, &o), -1);
    CHECK_INT_EQ(reqs[0].ok, 0);
    CHECK_INT_EQ(reqs[0].err.kind, ERR_TEMP);
    CHECK_CONTAINS(reqs[0].err.msg, "cannot start the fetch helper");
    CHECK_CONTAINS(reqs[0].err.msg, "/nonexistent/paperboy-fetch");
    CHECK_INT_EQ(reqs[0].body.len, 0);
    fetch_req_release(&reqs[0]);
    CHECK_INT_EQ(curl_mapped(), 0);
    fetch_set_helper(NULL);

    /* no override, and no paperboy-fetch beside this test program nor
     * installed: with the stop flag already set that is no error, the
     * request is stopped (no helper looked for, no fetch_state error) */
    o.stop = &stop_flag;
    stop_flag = 1;
    fetch_req_init(&reqs[0], rss, FETCH_XML);
    CHECK_INT_EQ(fetch_all(reqs, 1, &o), -1);
    CHECK_INT_EQ(reqs[0].ok, 0);
    CHECK_INT_EQ(reqs[0].stopped, 1);
    CHECK_CONTAINS(reqs[0].err.msg, "stopped before it was done");
    fetch_req_release(&reqs[0]);
    stop_flag = 0;
    o.stop = NULL;
    return CHECK_DONE();
}
