/* SPDX-License-Identifier: MIT */
/*
 * fetch_helper - the caller's side of the out-of-process fetch (see
 * fetch_helper.h): find the paperboy-fetch program, start it, send the
 * job and turn its answer back into fetch_req results.  Knows nothing
 * about HTTP; the protocol is fetch_wire.c's.
 */
#include "fetch_helper.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fetch_wire.h"
#include "str.h"
#include "xalloc.h"

extern char **environ;

#ifndef PAPERBOY_FETCH_HELPER
#define PAPERBOY_FETCH_HELPER "/usr/local/libexec/paperboy/" FETCH_HELPER_NAME
#endif
/* how long a helper killed by SIGTERM or SIGINT waits for the caller's
 * stop flag before its death counts as a failure */
#define FETCH_STOP_GRACE_MS 1000

#ifndef PAPERBOY_FETCH_HELPER_REL
#define PAPERBOY_FETCH_HELPER_REL "../libexec/paperboy/" FETCH_HELPER_NAME
#endif

/* fetch_helper_try - copy path into out if it can be run; 0 or -1 */
static int
fetch_helper_try(const char *path, char *out, size_t size)
{
    return access(path, X_OK) == 0 ? str_copy(out, size, path) : -1;
}

int
fetch_helper_find(char *out, size_t size, struct err *err)
{
    char self[PATH_MAX], dir[PATH_MAX], path[2 * PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);

    str_copy(dir, sizeof(dir), "(no /proc/self/exe)");
    if (k > 0) {
        self[k] = '\0';
        str_copy(dir, sizeof(dir), dirname(self));
        /* beside this program (a build tree), then the install layout
         * relative to it (a prefix moved as a whole) */
        snprintf(path, sizeof(path), "%s/%s", dir, FETCH_HELPER_NAME);
        if (fetch_helper_try(path, out, size) == 0)
            return 0;
        snprintf(path, sizeof(path), "%s/%s", dir, PAPERBOY_FETCH_HELPER_REL);
        if (fetch_helper_try(path, out, size) == 0)
            return 0;
    }
    if (fetch_helper_try(PAPERBOY_FETCH_HELPER, out, size) == 0)
        return 0;
    err_set(err, ERR_TEMP,
            "fetch helper %s not found: none of '%s/%s', '%s/%s' and '%s' "
            "can be run (cmake --install puts it in the last place)",
            FETCH_HELPER_NAME, dir, FETCH_HELPER_NAME, dir,
            PAPERBOY_FETCH_HELPER_REL, PAPERBOY_FETCH_HELPER);
    return -1;
}

/* fetch_helper_env - environ without the variables the helper must not
 * see (the SMTP password); caller frees the array, not the strings */
static char **
fetch_helper_env(void)
{
    static const char hidden[] = "PAPERBOY_SMTP_PASSWORD=";
    size_t n = 0, k = 0;
    char **env;

    while (environ[n] != NULL)
        n++;
    env = xcalloc(n + 1, sizeof(*env));
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], hidden, sizeof(hidden) - 1) != 0)
            env[k++] = environ[i];
    return env;
}

/* fetch_helper_spawn - start exe as the helper with stdin and stdout on
 * the socket fd; signals as a new process has them */
static int
fetch_helper_spawn(const char *exe, int fd, pid_t *pid, struct err *err)
{
    static char arg0[] = FETCH_HELPER_NAME;
    char *argv[] = {arg0, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    char **env;
    int e;

    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE); /* the daemon ignores it */
    sigaddset(&dfl, SIGTERM);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGHUP);
    sigaddset(&dfl, SIGUSR1);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
    posix_spawnattr_init(&at);
    posix_spawnattr_setsigmask(&at, &none); /* serve blocks its signals */
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setflags(&at,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    env = fetch_helper_env();
    e = posix_spawn(pid, exe, &fa, &at, argv, env);
    free(env);
    posix_spawnattr_destroy(&at);
    posix_spawn_file_actions_destroy(&fa);
    if (e != 0) {
        err_set(err, ERR_TEMP, "cannot start the fetch helper '%s': %s", exe,
                strerror(e));
        return -1;
    }
    return 0;
}

/* fetch_helper_wait - reap pid into *status (-1 when waitpid fails) */
static void
fetch_helper_wait(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) == -1)
        if (errno != EINTR) {
            *status = -1;
            return;
        }
}

/* fetch_helper_kill - the caller was asked to stop: end the helper and
 * its transfers (SIGTERM; SIGKILL if it is still there after
 * FETCH_STOP_KILL_MS) and reap it, so no zombie and no orphan is left */
static void
fetch_helper_kill(pid_t pid)
{
    struct timespec tick = {0, 10 * 1000000L};
    int status;

    kill(pid, SIGTERM);
    for (int ms = 0; ms < FETCH_STOP_KILL_MS; ms += 10) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r == -1 && errno != EINTR))
            return;
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    fetch_helper_wait(pid, &status);
}

/* fetch_helper_stop_within - 1 if *stop (NULL: never) is set now or
 * within ms.  A stop signal sent to the process group (Ctrl-C) or the
 * service's cgroup reaches the helper as it reaches us, and the helper
 * may die of it before our handler (or serve's main thread) has set
 * the flag. */
static int
fetch_helper_stop_within(const volatile sig_atomic_t *stop, int ms)
{
    struct timespec tick = {0, 10 * 1000000L};

    if (stop == NULL)
        return 0;
    for (int t = 0; t < ms; t += 10) {
        if (fetch_stop_requested(stop))
            return 1;
        nanosleep(&tick, NULL);
    }
    return fetch_stop_requested(stop);
}

/* fetch_helper_stopped - fetch_helper.h */
void
fetch_helper_stopped(struct fetch_req *reqs, size_t n, long elapsed_ms)
{
    for (size_t i = 0; i < n; i++) {
        reqs[i].elapsed_ms = elapsed_ms;
        reqs[i].ok = 0;
        reqs[i].not_modified = 0;
        reqs[i].stopped = 1;
        buf_reset(&reqs[i].body);
        err_set(&reqs[i].err, ERR_TEMP, "'%s': stopped before it was done",
                reqs[i].url);
    }
}

int
fetch_helper_all(const char *exe, struct fetch_req *reqs, size_t n,
                 const struct fetch_opts *o)
{
    struct buf msg, ans;
    struct err err;
    int sv[2] = {-1, -1}; /* ours, the child's stdin and stdout */
    pid_t pid;
    int rc = -1, status, got, read_errno = 0;
    int64_t t0 = str_mono_ms();

    if (fetch_stop_requested(o->stop)) {
        fetch_helper_stopped(reqs, n, 0);
        return -1;
    }
    buf_init(&msg, FETCH_WIRE_JOB_MAX);
    buf_init(&ans,
             n * ((size_t)o->max_bytes + FETCH_WIRE_SLACK) + FETCH_WIRE_SLACK);
    err_init(&err);
    fetch_wire_put_job(&msg, reqs, n, o);
    if (buf_check(&msg, &err) == -1)
        goto out;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
        err_set(&err, ERR_TEMP, "fetch helper: socketpair: %s",
                strerror(errno));
        goto out;
    }
    if (fetch_helper_spawn(exe, sv[1], &pid, &err) == -1)
        goto out;
    close(sv[1]);
    sv[1] = -1;
    /* the child reads the whole request (to our shutdown) before it
     * answers; a failed send means it died, which waitpid() reports */
    (void)fetch_wire_send(sv[0], 1, &msg);
    shutdown(sv[0], SHUT_WR);
    got = fetch_wire_recv(sv[0], &ans, o->stop);
    if (got == -1)
        read_errno = ans.failed ? EMSGSIZE : errno;
    close(sv[0]); /* a child still writing gets EPIPE and ends */
    sv[0] = -1;
    if (got == 1) {
        /* asked to stop: the answer is never complete, keep none of it */
        fetch_helper_kill(pid);
        fetch_helper_stopped(reqs, n, (long)(str_mono_ms() - t0));
        goto out;
    }
    fetch_helper_wait(pid, &status);
    /* how the child ended says more than what that did to the socket */
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (status != -1 && WIFSIGNALED(status)) {
            err_set(&err, ERR_TEMP, "fetch helper killed by signal %d",
                    WTERMSIG(status));
            /* maybe by our own stop signal: once the flag is set, out:
             * calls it a stop */
            if (WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGINT)
                (void)fetch_helper_stop_within(o->stop, FETCH_STOP_GRACE_MS);
        } else
            err_set(&err, ERR_TEMP, "fetch helper failed (status %d)",
                    status == -1 ? -1 : WEXITSTATUS(status));
        goto out;
    }
    if (read_errno != 0) {
        err_set(&err, ERR_TEMP, "fetch helper: reading its answer: %s",
                strerror(read_errno));
        goto out;
    }
    if (fetch_wire_get_results(&ans, reqs, n) == -1) {
        err_set(&err, ERR_TEMP, "fetch helper: malformed answer");
        goto out;
    }
    rc = 0;
    for (size_t i = 0; i < n; i++)
        if (!reqs[i].ok)
            rc = -1;
out:
    if (err.msg[0] != '\0' && fetch_stop_requested(o->stop)) {
        /* e.g. the helper died of the same Ctrl-C as us (one process
         * group) or the same SIGTERM (the service's cgroup) before the
         * flag was set: a stop, not a fault */
        fetch_helper_stopped(reqs, n, (long)(str_mono_ms() - t0));
        rc = -1;
    } else if (err.msg[0] != '\0') {
        for (size_t i = 0; i < n; i++) {
            reqs[i].ok = 0;
            reqs[i].not_modified = 0;
            buf_reset(&reqs[i].body);
            err_set(&reqs[i].err, err.kind, "'%s': %s", reqs[i].url, err.msg);
        }
        rc = -1;
    }
    for (int k = 0; k < 2; k++)
        if (sv[k] >= 0)
            close(sv[k]);
    buf_release(&msg);
    buf_release(&ans);
    return rc;
}
