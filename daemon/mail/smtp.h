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
 * headers.
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
    int unsent;        /* nothing of this message reached the server (the
                          session was lost before its content): it may go
                          again at once over a new session */
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
 * smtp_send - one transaction: MAIL FROM:<from>, RCPT TO:<rcpt>, DATA
 * msg, and its reply (RSET first when an earlier transaction was left
 * open).  msg is a complete message; line ends are made CRLF and
 * dot-stuffing is done here.  No message may be pending (smtp_data()).
 * Always fills *res; returns 0 when the message was sent, -1 otherwise.
 */
int smtp_send(struct smtp *s, const char *from, const char *rcpt,
              const char *msg, size_t len, struct smtp_result *res);

/*
 * The same transaction in steps, so that a caller can prepare the next
 * message while the server takes this one:
 *
 *     smtp_begin(N+1)  reads the reply to N's content (-> *prev), then
 *                      sends [RSET] MAIL RCPT DATA (in one write when the
 *                      server offers PIPELINING, RFC 2920) and reads
 *                      their replies (354 expected)
 *     smtp_data(N+1)   sends the content and the final dot; the reply is
 *                      left unread: N+1 is now pending
 *     smtp_finish()    reads the reply to the pending message
 *
 * At most one message is pending per session, and its reply is always
 * read before the next message's content goes out, so a caller that
 * records *prev between smtp_begin() and smtp_data() has at most one
 * accepted message unrecorded at any time.
 */
/*
 * smtp_begin - open a transaction for rcpt; len is the message size (for
 * SIZE).  If a message was pending, its outcome goes to *prev and
 * *prev_done = 1 (else *prev_done = 0).  Returns 0 when the server is
 * ready for the content (call smtp_data()), -1 with *res filled
 * otherwise (res->unsent says that nothing of it was sent).
 */
int smtp_begin(struct smtp *s, const char *from, const char *rcpt, size_t len,
               struct smtp_result *res, struct smtp_result *prev,
               int *prev_done);

/* smtp_data - after smtp_begin(): send msg and the final dot.  Returns 0
 * when it went out (it is pending), -1 with *res filled otherwise */
int smtp_data(struct smtp *s, const char *msg, size_t len,
              struct smtp_result *res);

/* smtp_pending - 1 when a message awaits its reply */
int smtp_pending(const struct smtp *s);

/* smtp_finish - read the pending message's reply into *res; 0 when it
 * was accepted, -1 otherwise (also when nothing was pending) */
int smtp_finish(struct smtp *s, struct smtp_result *res);

/* smtp_stuff - msg as DATA content into out (reset first): CRLF line
 * ends (a lone CR or LF becomes CRLF), a dot doubled at the start of a
 * line, then ".\r\n" (after a CRLF when msg does not end with one).
 * Exported for tests. */
struct buf;
void smtp_stuff(const char *msg, size_t len, struct buf *out);

/* smtp_fd - the socket, for shutdown(2) by a thread that must stop this
 * session; -1 when closed */
int smtp_fd(const struct smtp *s);

/* smtp_close - QUIT (when the session is usable) and free; NULL is fine.
 * A pending message's reply is not read: call smtp_finish() first. */
void smtp_close(struct smtp *s);

/* smtp_envelope_from - the addr-spec inside cfg->smtp_from
 * ("Paperboy <pb@x>" -> "pb@x") into out; -1 if none or too long */
int smtp_envelope_from(const struct config *cfg, char *out, size_t size);

#endif
