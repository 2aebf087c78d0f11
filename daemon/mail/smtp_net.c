/* SPDX-License-Identifier: MIT */
/*
 * smtp_net - a libetpan stream over a plain TCP socket that reads and
 * writes with blocking recv(2)/send(2) and enforces the timeout with
 * SO_RCVTIMEO/SO_SNDTIMEO (see smtp_net.h).
 *
 * libetpan's own socket stream (mailstream_socket_open_timeout) waits in
 * select(2) on the socket and on a cancellation pipe before every read
 * and every write: two system calls where one does, about four extra a
 * message over a reused session.  Cancelling here is shutdown(2) on the
 * socket, which wakes a blocked recv() or send() the same way; that is
 * how deliver.c cuts a stalled session already.  It does not do TLS: an
 * smtps:// session and STARTTLS hand the descriptor to libetpan's GnuTLS
 * stream, which frees this one without closing the socket.
 */
#include "smtp_net.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "xalloc.h"

struct smtp_net {
    int fd;
    unsigned long applied; /* s->timeout last set on fd; ULONG_MAX: none */
};

/* smtp_net_timeout - apply s->timeout to the socket when it changed
 * (smtp.c shortens it around QUIT); 0 means libetpan's global delay, as
 * for its own streams */
static void
smtp_net_timeout(mailstream_low *s)
{
    struct smtp_net *n = s->data;
    struct timeval tv;

    if (s->timeout == n->applied)
        return;
    if (s->timeout == 0) {
        tv = mailstream_network_delay;
    } else {
        tv.tv_sec = (time_t)s->timeout;
        tv.tv_usec = 0;
    }
    (void)setsockopt(n->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(n->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    n->applied = s->timeout;
}

/* smtp_net_read - one recv(); -1 on error or timeout (EAGAIN), 0 at EOF */
static ssize_t
smtp_net_read(mailstream_low *s, void *buf, size_t count)
{
    struct smtp_net *n = s->data;
    ssize_t r;

    smtp_net_timeout(s);
    do
        r = recv(n->fd, buf, count, 0);
    while (r == -1 && errno == EINTR);
    return r;
}

/* smtp_net_write - one send() (libetpan loops over short writes); never
 * SIGPIPE */
static ssize_t
smtp_net_write(mailstream_low *s, const void *buf, size_t count)
{
    struct smtp_net *n = s->data;
    ssize_t r;

    smtp_net_timeout(s);
    do
        r = send(n->fd, buf, count, MSG_NOSIGNAL);
    while (r == -1 && errno == EINTR);
    return r;
}

static int
smtp_net_close(mailstream_low *s)
{
    struct smtp_net *n = s->data;
    int r = 0;

    if (n->fd != -1) {
        r = close(n->fd);
        n->fd = -1;
    }
    return r;
}

static int
smtp_net_get_fd(mailstream_low *s)
{
    struct smtp_net *n = s->data;
    return n->fd;
}

/* smtp_net_free - free, without closing: STARTTLS keeps the socket */
static void
smtp_net_free(mailstream_low *s)
{
    free(s->data);
    free(s);
}

/* smtp_net_cancel - wake a blocked read or write */
static void
smtp_net_cancel(mailstream_low *s)
{
    struct smtp_net *n = s->data;

    if (n->fd != -1)
        (void)shutdown(n->fd, SHUT_RDWR);
}

static mailstream_low_driver smtp_net_driver = {
    .mailstream_read = smtp_net_read,
    .mailstream_write = smtp_net_write,
    .mailstream_close = smtp_net_close,
    .mailstream_get_fd = smtp_net_get_fd,
    .mailstream_free = smtp_net_free,
    .mailstream_cancel = smtp_net_cancel,
};

mailstream *
smtp_net_open(int fd, unsigned long timeout_s)
{
    struct smtp_net *n = xcalloc(1, sizeof(*n));
    mailstream_low *low;
    mailstream *stream;

    n->fd = fd;
    n->applied = ULONG_MAX;
    low = mailstream_low_new(n, &smtp_net_driver);
    if (low == NULL) {
        free(n);
        return NULL;
    }
    mailstream_low_set_timeout(low, timeout_s);
    stream = mailstream_new(low, 8192);
    if (stream == NULL) {
        /* not mailstream_low_close(): the caller still owns fd */
        mailstream_low_free(low);
        return NULL;
    }
    return stream;
}
