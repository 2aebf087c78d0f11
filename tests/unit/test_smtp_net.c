/* SPDX-License-Identifier: MIT */
/*
 * test_smtp_net - the plain TCP stream smtp:// sessions start on, over a
 * connected loopback socket pair: lines both ways through libetpan's
 * buffered stream, a read with nothing to read fails once the timeout
 * has passed (and not long after), a peer that closes gives end of
 * stream, cancelling wakes a blocked read, and mailstream_close() closes
 * the socket.  STARTTLS over it is tested against aiosmtpd in it.41.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "smtp_net.h"

/* now_s - monotonic seconds */
static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* tcp_pair - a connected pair of loopback TCP sockets (port 0) */
static void
tcp_pair(int *a, int *b)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int l = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(l, 1) == 0);
    CHECK(getsockname(l, (struct sockaddr *)&sa, &len) == 0);
    *a = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(*a, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    *b = accept(l, NULL, NULL);
    CHECK(*b >= 0);
    close(l);
}

static void
test_lines_both_ways(void)
{
    int a, b;
    char buf[64];
    mailstream *s;
    MMAPString *line = mmap_string_new("");
    char *got;

    tcp_pair(&a, &b);
    s = smtp_net_open(a, 5);
    CHECK(s != NULL);
    CHECK(mailstream_write(s, "EHLO x\r\n", 8) == 8);
    CHECK(mailstream_flush(s) == 0);
    CHECK(read(b, buf, sizeof(buf)) == 8);
    CHECK(memcmp(buf, "EHLO x\r\n", 8) == 0);
    CHECK(write(b, "250-one\r\n250 two\r\n", 18) == 18);
    got = mailstream_read_line_remove_eol(s, line);
    CHECK(got != NULL);
    CHECK_STR_EQ(got, "250-one");
    got = mailstream_read_line_remove_eol(s, line);
    CHECK(got != NULL);
    CHECK_STR_EQ(got, "250 two");
    /* the peer goes away: end of stream (no line, and a read of 0
     * bytes), not a hang */
    close(b);
    got = mailstream_read_line_remove_eol(s, line);
    CHECK(got == NULL || *got == '\0');
    CHECK(mailstream_read(s, buf, sizeof(buf)) == 0);
    mailstream_close(s);
    /* mailstream_close() closed the socket */
    CHECK(fcntl(a, F_GETFD) == -1 && errno == EBADF);
    mmap_string_free(line);
}

/* silent_read - open a stream with timeout open_s over a peer that
 * says nothing, lower it to lower_s unless that is -1, and check that a
 * read fails after about one second (the case arranges for 1 s) */
static void
silent_read(unsigned long open_s, long lower_s, const char *what)
{
    int a, b;
    char buf[8];
    mailstream *s;
    double t0, dt;

    tcp_pair(&a, &b);
    s = smtp_net_open(a, open_s);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    if (lower_s >= 0)
        mailstream_low_set_timeout(mailstream_get_low(s),
                                   (unsigned long)lower_s);
    t0 = now_s();
    CHECK(mailstream_read(s, buf, sizeof(buf)) == -1);
    dt = now_s() - t0;
    printf("# %s: the read failed after %.2f s\n", what, dt);
    CHECK(dt >= 0.9 && dt < 5.0);
    /* data that is there is read at once */
    CHECK(write(b, "x", 1) == 1);
    CHECK(mailstream_read(s, buf, sizeof(buf)) == 1);
    mailstream_close(s);
    close(b);
}

static void
test_timeout(void)
{
    struct timeval saved = mailstream_network_delay;

    silent_read(1, -1, "timeout 1 s");
    /* a timeout set later is applied (smtp_close() shortens it for QUIT) */
    silent_read(60, 1, "60 s lowered to 1 s");
    /* 0 is libetpan's global delay, as for its own streams, not "never" */
    mailstream_network_delay.tv_sec = 1;
    mailstream_network_delay.tv_usec = 0;
    silent_read(0, -1, "timeout 0 with a 1 s global delay");
    mailstream_network_delay = saved;
}

static void *
cancel_later(void *arg)
{
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    mailstream_low_cancel(mailstream_get_low((mailstream *)arg));
    return NULL;
}

static void
test_cancel(void)
{
    int a, b;
    char buf[8];
    mailstream *s;
    pthread_t th;
    double t0, dt;

    tcp_pair(&a, &b);
    s = smtp_net_open(a, 30);
    CHECK(s != NULL);
    t0 = now_s();
    CHECK(pthread_create(&th, NULL, cancel_later, s) == 0);
    CHECK(mailstream_read(s, buf, sizeof(buf)) <= 0);
    dt = now_s() - t0;
    pthread_join(th, NULL);
    printf("# cancel woke the blocked read after %.2f s (timeout 30 s)\n", dt);
    CHECK(dt < 10.0);
    mailstream_close(s);
    close(b);
}

int
main(void)
{
    test_lines_both_ways();
    test_timeout();
    test_cancel();
    return CHECK_DONE();
}
