/* SPDX-License-Identifier: MIT */
/*
 * sdnotify - sd_notify(3) in a page of libc (see sdnotify.h).
 *
 * The protocol is documented in sd_notify(3) and in systemd's
 * "NOTIFY_SOCKET" interface notes: a SOCK_DGRAM unix socket, one message
 * per datagram, newline-separated assignments.  A name starting with '@'
 * lives in Linux's abstract namespace: sun_path starts with a NUL and the
 * address length counts exactly the name's bytes.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "str.h"

int
sdnotify_send(const char *state, struct err *err)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t salen;
    size_t n;
    int fd, rc = -1;

    if (path == NULL || *path == '\0')
        return 0;
    n = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path)) {
        err_set(err, ERR_PERM, "sdnotify: NOTIFY_SOCKET '%s' is not usable",
                path);
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                        (path[0] == '@' ? 0 : 1));
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        err_set(err, ERR_TEMP, "sdnotify: socket: %s", strerror(errno));
        return -1;
    }
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
               salen) < 0) {
        err_set(err, ERR_TEMP, "sdnotify: send to '%s': %s", path,
                strerror(errno));
        goto out;
    }
    rc = 0;
out:
    close(fd);
    return rc;
}

void
sdnotify_sendf(const char *fmt, ...)
{
    char msg[512];
    struct err err;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_init(&err);
    if (sdnotify_send(msg, &err) == -1)
        log_debug("%s", err.msg);
}

int64_t
sdnotify_watchdog_usec(void)
{
    const char *usec = getenv("WATCHDOG_USEC");
    const char *pid = getenv("WATCHDOG_PID");
    long v, p;

    if (usec == NULL || str_to_long(usec, 1, 86400L * 1000000L, &v) == -1)
        return 0;
    if (pid != NULL && *pid != '\0' &&
        (str_to_long(pid, 1, 0x7fffffffL, &p) == -1 || p != (long)getpid()))
        return 0;
    return v;
}
