/* SPDX-License-Identifier: MIT */
/*
 * smtp - one SMTP client session on libetpan, reused for many messages.
 *
 * smtp_open() connects to [smtp] url: smtp://host[:port] (default 25)
 * with STARTTLS per [smtp] starttls (auto: when offered; require: refuse
 * a server that does not offer it; off: never), or smtps://host[:port]
 * (default 465) with implicit TLS.  TLS peers are verified against the
 * system CAs, or [smtp] ca_file when set, and the host name (libetpan
 * built with GnuTLS cannot verify, so this module checks the chain that
 * libetpan exposes with GnuTLS's trust-list API; see smtp.c).  EHLO uses
 * [smtp] helo.  With [smtp] username set it authenticates with AUTH PLAIN
 * or LOGIN (refused over a clear-text connection).  Every command and
 * reply has the [smtp] timeout.  Only this file includes libetpan's SMTP
 * headers.  Layer 2.
 *
 * Errors: smtp_open() fails with ERR_TEMP for what may pass (connection
 * refused, 4xx, timeouts) and ERR_PERM for what will not (bad URL, TLS
 * required but not offered, certificate rejected, authentication
 * refused).  The password never appears in a message.
 */
#ifndef PAPERBOY_SMTP_H
#define PAPERBOY_SMTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "config.h"
#include "err.h"

struct smtp;

enum smtp_status {
    SMTP_SENT = 0,   /* 2xx after DATA */
    SMTP_TEMP = 1,   /* 4xx anywhere, or the connection was lost */
    SMTP_BOUNCE = 2, /* 5xx at RCPT: the address is bad */
    SMTP_PERM = 3,   /* other 5xx, or larger than the server's SIZE */
};

/* What happened to one message. */
struct smtp_result {
    enum smtp_status status;
    int code;          /* last SMTP reply code, 0 if none (I/O error) */
    char enhanced[16]; /* "5.1.1" when the reply had one, else "" */
    int unknown_user;  /* BOUNCE for an unknown mailbox (5.1.1, 550
                          "user unknown" style replies) */
    int session_lost;  /* the session is unusable: smtp_close() it */
    char reply[256];   /* "250 2.0.0 Ok: queued as X" or the reason */
};

/* smtp_open - connect, TLS, EHLO, AUTH; caller closes with smtp_close() */
int smtp_open(const struct config *cfg, struct smtp **out, struct err *err);

/* For a thread that may have to abandon a session being opened. */
struct smtp_cancel {
    atomic_int *fd;         /* receives the socket as soon as it exists
                               (for shutdown(2)), may be NULL */
    const atomic_int *stop; /* connect gives up when *stop != 0 */
};

/* smtp_open_cancel - smtp_open() that publishes its socket and stops
 * connecting on request (cancel may be NULL) */
int smtp_open_cancel(const struct config *cfg, const struct smtp_cancel *cancel,
                     struct smtp **out, struct err *err);

/*
 * smtp_send - one transaction (RSET first when the session was used
 * before): MAIL FROM:<from>, RCPT TO:<rcpt>, DATA msg.  msg is a complete
 * message with CRLF line ends; dot-stuffing is done here.  Always fills
 * *res; returns 0 when the message was sent, -1 otherwise.
 */
int smtp_send(struct smtp *s, const char *from, const char *rcpt,
              const char *msg, size_t len, struct smtp_result *res);

/* smtp_fd - the socket, for shutdown(2) by a thread that must stop this
 * session; -1 when closed */
int smtp_fd(const struct smtp *s);

/* smtp_close - QUIT (when the session is usable) and free; NULL is fine */
void smtp_close(struct smtp *s);

/* smtp_envelope_from - the addr-spec inside cfg->smtp_from
 * ("Paperboy <pb@x>" -> "pb@x") into out; -1 if none or too long */
int smtp_envelope_from(const struct config *cfg, char *out, size_t size);

#endif
