/* SPDX-License-Identifier: MIT */
/*
 * test_sdnotify - datagrams really arrive on a socket we bind, by path
 * and by abstract name; no NOTIFY_SOCKET is a silent success; a bad one
 * an error; WATCHDOG_USEC honours WATCHDOG_PID.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "sdnotify.h"

/* bind_dgram - a unix datagram socket at name ('@' = abstract) */
static int
bind_dgram(const char *name)
{
    struct sockaddr_un sa;
    size_t n = strlen(name);
    socklen_t len;
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                      (name[0] == '@' ? 0 : 1));
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0) {
        perror("bind");
        return -1;
    }
    return fd;
}

/* roundtrip - send msg through NOTIFY_SOCKET=name and read it back */
static void
roundtrip(const char *name, const char *msg)
{
    char got[256];
    struct err err;
    ssize_t n;
    int fd = bind_dgram(name);

    CHECK(fd >= 0);
    if (fd < 0)
        return;
    setenv("NOTIFY_SOCKET", name, 1);
    err_init(&err);
    CHECK_INT_EQ(sdnotify_send(msg, &err), 0);
    n = recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT);
    CHECK(n == (ssize_t)strlen(msg));
    got[n > 0 ? n : 0] = '\0';
    CHECK_STR_EQ(got, msg);
    sdnotify_sendf("WATCHDOG=%d", 1);
    n = recv(fd, got, sizeof(got) - 1, MSG_DONTWAIT);
    got[n > 0 ? n : 0] = '\0';
    CHECK_STR_EQ(got, "WATCHDOG=1");
    close(fd);
}

int
main(void)
{
    char path[128], abstract[128], pid[32];
    struct err err;

    snprintf(path, sizeof(path), "/tmp/test_sdnotify.%d", (int)getpid());
    unlink(path);
    roundtrip(path, "READY=1\nSTATUS=serving");
    unlink(path);
    snprintf(abstract, sizeof(abstract), "@paperboy-test-%d", (int)getpid());
    roundtrip(abstract, "STOPPING=1");

    /* nobody listening: an error, not a crash */
    setenv("NOTIFY_SOCKET", path, 1);
    err_init(&err);
    CHECK_INT_EQ(sdnotify_send("READY=1", &err), -1);
    CHECK_CONTAINS(err.msg, path);
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    CHECK_INT_EQ(sdnotify_send("READY=1", &err), -1);
    unsetenv("NOTIFY_SOCKET");
    CHECK_INT_EQ(sdnotify_send("READY=1", &err), 0);

    unsetenv("WATCHDOG_PID");
    unsetenv("WATCHDOG_USEC");
    CHECK_INT_EQ(sdnotify_watchdog_usec(), 0);
    setenv("WATCHDOG_USEC", "30000000", 1);
    CHECK_INT_EQ(sdnotify_watchdog_usec(), 30000000);
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    CHECK_INT_EQ(sdnotify_watchdog_usec(), 30000000);
    setenv("WATCHDOG_PID", "1", 1);
    CHECK_INT_EQ(sdnotify_watchdog_usec(), 0);
    setenv("WATCHDOG_PID", pid, 1);
    setenv("WATCHDOG_USEC", "soon", 1);
    CHECK_INT_EQ(sdnotify_watchdog_usec(), 0);
    return CHECK_DONE();
}
