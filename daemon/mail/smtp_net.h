/* SPDX-License-Identifier: MIT */
/*
 * smtp_net - the stream an smtp:// session starts on: a libetpan
 * mailstream over a connected TCP socket without libetpan's select(2)
 * before every read and write.  The timeout is SO_RCVTIMEO/SO_SNDTIMEO,
 * mailstream_low_cancel() is shutdown(2).  STARTTLS replaces it with
 * libetpan's TLS stream on the same socket.
 */
#ifndef PAPERBOY_SMTP_NET_H
#define PAPERBOY_SMTP_NET_H

#include <libetpan/libetpan.h>

/* smtp_net_open - a buffered stream over fd with reads and writes that
 * fail after timeout_s seconds without progress (0: libetpan's
 * mailstream_network_delay, as for its own streams).  On success
 * the stream owns fd (mailstream_close() closes it); NULL on failure,
 * when the caller still owns it. */
mailstream *smtp_net_open(int fd, unsigned long timeout_s);

#endif
