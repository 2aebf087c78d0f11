/* SPDX-License-Identifier: MIT */
/*
 * smtp - an SMTP client session on libetpan (see smtp.h).
 *
 * libetpan does the protocol (mailsmtp_*, mailesmtp_*) and the TLS
 * stream.  Three things it does not do as we need them, and how we fill
 * the gaps:
 *
 *  - Certificate verification: libetpan 1.9 built with GnuTLS (Debian's)
 *    never verifies the peer, and mailstream_ssl_set_server_certicate()
 *    is "not implemented" there.  After each handshake we take the peer's
 *    chain from mailstream_get_certificate_chain() and verify it, with the
 *    host name, in tls_check_peer() (tls_check.c, on GnuTLS) against the system
 * CAs or [smtp] ca_file, before a single command is sent over the TLS channel
 * (GnuTLS is linked directly).  Every failure on this path refuses the session:
 * verification fails closed.
 *  - The EHLO name: mailesmtp_ehlo() always sends gethostname().  We send
 *    "EHLO <[smtp] helo>" with mailsmtp_send_command() and let
 *    mailesmtp_parse_ehlo() read the extensions, exactly as
 *    mailesmtp_ehlo() does.  Those functions are exported by libetpan but
 *    missing from its headers, so they are declared below.
 *  - AUTH: mailesmtp_auth_sasl() needs Cyrus SASL plugins at run time.
 *    PLAIN and LOGIN are two lines of base64, so we speak them ourselves
 *    with mailsmtp_send_command_private(), which keeps the credentials out
 *    of libetpan's logger.
 *
 *  - DATA: mailsmtp_data_message() copies the message into the stream
 *    byte by byte (its cost: bench/README.md, "Figures behind the
 *    code").  smtp_stuff() does the same job with memchr()
 *    per line into one buffer that goes out in one write, and the reply
 *    is read later (smtp_begin/smtp_data/smtp_finish, see smtp.h) so the
 *    caller can render the next message meanwhile.
 *
 * Timeouts: we connect the socket ourselves (non-blocking connect with
 * poll) and open the stream with the [smtp] timeout, which libetpan then
 * applies to every read and write, including the TLS handshake.
 */
#include "smtp.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libetpan/libetpan.h>
#include <sodium.h>

#include "buf.h"
#include "log.h"
#include "tls_check.h"
#include "smtp_net.h"
#include "str.h"
#include "xalloc.h"

/* exported by libetpan (mailsmtp.c) but not declared in its headers */
int mailsmtp_send_command(mailsmtp *f, char *command);
int mailsmtp_send_command_private(mailsmtp *f, char *command);
int mailsmtp_read_response(mailsmtp *session);
int mailesmtp_parse_ehlo(mailsmtp *session);

#define SMTP_CMD_MAX 1024 /* our longest command: AUTH PLAIN <base64> */
#define SMTP_CRED_MAX 255 /* username and password, bytes */

#define SMTP_DATA_MAX (64u << 20) /* dot-stuffed message, bytes */
#define SMTP_DATA_KEEP (1u << 20) /* a larger stuffing buffer is freed */

struct smtp {
    mailsmtp *session;
    int tls;        /* 1 once the channel is encrypted */
    int dirty;      /* a transaction may be open: RSET before the next */
    int pending;    /* a message's content went out, its reply is unread */
    int timeout;    /* seconds */
    struct buf out; /* the dot-stuffed message being sent */
};

/* smtp_verify - check the peer's chain against the CAs and host name,
 * unless [smtp] tls_verify is off */
static int
smtp_verify(mailsmtp *session, const struct config *cfg, const char *host,
            struct err *err)
{
    if (!cfg->smtp_tls_verify)
        return 0;
    return tls_check_peer(session->stream, cfg->smtp_ca_file, host, "smtp",
                          err);
}

/* smtp_tls_cb - libetpan's hook before the handshake: send SNI */
static void
smtp_tls_cb(struct mailstream_ssl_context *ctx, void *data)
{
    char *host = data;

    /* SNI only for names, not for address literals (RFC 6066 3) */
    if (strchr(host, ':') == NULL &&
        strspn(host, "0123456789.") != strlen(host))
        (void)mailstream_ssl_set_server_name(ctx, host);
}

/* smtp_parse_url - "smtp://host[:port]" or "smtps://..." into parts */
static int
smtp_parse_url(const char *url, int *tls, char *host, size_t hsize, long *port,
               struct err *err)
{
    const char *p, *end;
    size_t hlen;

    if (str_has_prefix(url, "smtp://")) {
        *tls = 0;
        *port = 25;
        p = url + 7;
    } else if (str_has_prefix(url, "smtps://")) {
        *tls = 1;
        *port = 465;
        p = url + 8;
    } else {
        err_set(err, ERR_PERM,
                "smtp: [smtp] url '%s' is not smtp:// or "
                "smtps://",
                url);
        return -1;
    }
    if (*p == '[') {
        end = strchr(p, ']');
        if (end == NULL)
            goto bad;
        p++;
        hlen = (size_t)(end - p);
        end++;
    } else {
        end = p + strcspn(p, ":/");
        hlen = (size_t)(end - p);
    }
    if (hlen == 0 || hlen >= hsize)
        goto bad;
    memcpy(host, p, hlen);
    host[hlen] = '\0';
    if (*end == ':') {
        char num[8];
        size_t n = strcspn(end + 1, "/");
        if (n == 0 || n >= sizeof(num))
            goto bad;
        memcpy(num, end + 1, n);
        num[n] = '\0';
        if (str_to_long(num, 1, 65535, port) == -1)
            goto bad;
        end += 1 + n;
    }
    if (*end != '\0' && strcmp(end, "/") != 0)
        goto bad;
    return 0;
bad:
    err_set(err, ERR_PERM, "smtp: cannot parse [smtp] url '%s'", url);
    return -1;
}

/* smtp_tcp_connect - a connected blocking socket, within timeout seconds */
static int
smtp_tcp_connect(const char *host, long port, int timeout,
                 const struct smtp_cancel *cancel, struct err *err)
{
    struct addrinfo hints, *res = NULL, *ai;
    char service[8];
    int fd = -1, r, saved = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%ld", port);
    r = getaddrinfo(host, service, &hints, &res);
    if (r != 0) {
        err_set(err, ERR_TEMP, "smtp: cannot resolve '%s': %s", host,
                gai_strerror(r));
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        struct pollfd pfd;
        socklen_t len = sizeof(saved);
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd == -1)
            continue;
        (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r == -1 && errno == EINPROGRESS) {
            pfd.fd = fd;
            pfd.events = POLLOUT;
            /* in slices, so that a stop does not wait for the timeout */
            for (int waited = 0; waited < timeout * 1000; waited += 200) {
                r = poll(&pfd, 1, 200);
                if (r != 0 ||
                    (cancel && cancel->stop && atomic_load(cancel->stop)))
                    break;
            }
            if (r == 1 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &saved, &len) == 0 &&
                saved == 0)
                r = 0;
            else {
                if (r == 0)
                    saved = ETIMEDOUT;
                r = -1;
            }
        } else if (r == -1) {
            saved = errno;
        }
        if (r == 0) {
            int one = 1;
            (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            /* SMTP is lock-step: without this, Nagle holds the short
             * command after a long write until the peer's delayed ACK
             * (40 ms), capping a session at ~20 messages a second */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd == -1)
        err_set(err, ERR_TEMP, "smtp: cannot connect to %s port %ld: %s", host,
                port, strerror(saved ? saved : ECONNREFUSED));
    return fd;
}

/* smtp_reply_line - "CODE first line of the reply text t" into out */
static void
smtp_reply_text(const char *t, int code, char *out, size_t size)
{
    size_t n;

    if (t == NULL)
        t = "";
    n = strcspn(t, "\r\n");

    if (code == 0) {
        (void)str_copy(out, size, "connection lost");
        return;
    }
    if (n > size - 8)
        n = size - 8;
    snprintf(out, size, "%d %.*s", code, (int)n, t);
    /* replies are stored and printed: no control characters */
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* smtp_reply_line - the session's last reply as "CODE text" */
static void
smtp_reply_line(mailsmtp *session, int code, char *out, size_t size)
{
    smtp_reply_text(session->response, code, out, size);
}

/* smtp_fail - set err from a reply: 4xx/none temporary, 5xx permanent */
static void
smtp_fail(mailsmtp *session, int code, const char *what, struct err *err)
{
    char line[256];

    smtp_reply_line(session, code, line, sizeof(line));
    err_set(err, code >= 500 ? ERR_PERM : ERR_TEMP, "smtp: %s: %s", what, line);
}

/* smtp_ehlo - "EHLO <helo>", falling back to HELO; reads the extensions */
static int
smtp_ehlo(mailsmtp *session, const char *helo, struct err *err)
{
    char cmd[SMTP_CMD_MAX];
    int code;

    snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", helo);
    if (mailsmtp_send_command(session, cmd) == -1) {
        err_set(err, ERR_TEMP, "smtp: EHLO: connection lost");
        return -1;
    }
    code = mailsmtp_read_response(session);
    if (code == 250) {
        mailesmtp_parse_ehlo(session);
        return 0;
    }
    if (code >= 500 && code != 554) {
        snprintf(cmd, sizeof(cmd), "HELO %s\r\n", helo);
        if (mailsmtp_send_command(session, cmd) == -1) {
            err_set(err, ERR_TEMP, "smtp: HELO: connection lost");
            return -1;
        }
        code = mailsmtp_read_response(session);
        if (code == 250) {
            session->esmtp = 0;
            session->auth = MAILSMTP_AUTH_CHECKED;
            return 0;
        }
    }
    smtp_fail(session, code, "EHLO refused", err);
    return -1;
}

/* smtp_b64 - base64 of n bytes into out (NUL-terminated) */
static void
smtp_b64(const void *p, size_t n, char *out, size_t size)
{
    sodium_bin2base64(out, size, p, n, sodium_base64_VARIANT_ORIGINAL);
}

/* smtp_auth_step - send a private line, expect code */
static int
smtp_auth_step(mailsmtp *session, char *line, int want, struct err *err)
{
    int code;

    if (mailsmtp_send_command_private(session, line) == -1) {
        err_set(err, ERR_TEMP, "smtp: AUTH: connection lost");
        return -1;
    }
    code = mailsmtp_read_response(session);
    if (code == want)
        return 0;
    if (code == 0) {
        err_set(err, ERR_TEMP, "smtp: AUTH: connection lost");
        return -1;
    }
    smtp_fail(session, code, "authentication failed", err);
    return -1;
}

/* smtp_auth - AUTH PLAIN (preferred) or LOGIN */
static int
smtp_auth(mailsmtp *session, const char *user, const char *pass,
          struct err *err)
{
    unsigned char raw[2 * SMTP_CRED_MAX + 2];
    char b64[SMTP_CMD_MAX - 32], cmd[SMTP_CMD_MAX];
    size_t ul = strlen(user), pl = strlen(pass);
    int rc = -1;

    if (ul > SMTP_CRED_MAX || pl > SMTP_CRED_MAX) {
        err_set(err, ERR_PERM, "smtp: username or password too long");
        return -1;
    }
    if (session->auth & MAILSMTP_AUTH_PLAIN) {
        /* RFC 4616: authzid NUL authcid NUL passwd */
        raw[0] = '\0';
        memcpy(raw + 1, user, ul);
        raw[1 + ul] = '\0';
        memcpy(raw + 2 + ul, pass, pl);
        smtp_b64(raw, 2 + ul + pl, b64, sizeof(b64));
        snprintf(cmd, sizeof(cmd), "AUTH PLAIN %s\r\n", b64);
        rc = smtp_auth_step(session, cmd, 235, err);
    } else if (session->auth & MAILSMTP_AUTH_LOGIN) {
        snprintf(cmd, sizeof(cmd), "AUTH LOGIN\r\n");
        if (smtp_auth_step(session, cmd, 334, err) == -1)
            goto out;
        smtp_b64(user, ul, b64, sizeof(b64));
        snprintf(cmd, sizeof(cmd), "%s\r\n", b64);
        if (smtp_auth_step(session, cmd, 334, err) == -1)
            goto out;
        smtp_b64(pass, pl, b64, sizeof(b64));
        snprintf(cmd, sizeof(cmd), "%s\r\n", b64);
        rc = smtp_auth_step(session, cmd, 235, err);
    } else {
        err_set(err, ERR_PERM,
                "smtp: [smtp] username is set but the server offers neither "
                "AUTH PLAIN nor AUTH LOGIN");
    }
out:
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(b64, sizeof(b64));
    sodium_memzero(cmd, sizeof(cmd));
    return rc;
}

int
smtp_open(const struct config *cfg, struct smtp **out, struct err *err)
{
    return smtp_open_cancel(cfg, NULL, out, err);
}

int
smtp_open_cancel(const struct config *cfg, const struct smtp_cancel *cancel,
                 struct smtp **out, struct err *err)
{
    struct smtp *s = xcalloc(1, sizeof(*s));
    char host[256];
    long port;
    int implicit_tls, fd = -1, r;
    mailstream *stream = NULL;

    buf_init(&s->out, SMTP_DATA_MAX);

    if (smtp_parse_url(cfg->smtp_url, &implicit_tls, host, sizeof(host), &port,
                       err) == -1)
        goto fail;
    if (str_has_ctl(cfg->smtp_helo, strlen(cfg->smtp_helo)) ||
        cfg->smtp_helo[0] == '\0' || strchr(cfg->smtp_helo, ' ')) {
        err_set(err, ERR_PERM, "smtp: bad [smtp] helo '%s'", cfg->smtp_helo);
        goto fail;
    }
    s->timeout = cfg->smtp_timeout;
    s->session = mailsmtp_new(0, NULL);
    if (s->session == NULL) {
        err_set(err, ERR_TEMP, "smtp: out of memory");
        goto fail;
    }
    mailsmtp_set_timeout(s->session, cfg->smtp_timeout);
    if ((fd = smtp_tcp_connect(host, port, cfg->smtp_timeout, cancel, err)) ==
        -1)
        goto fail;
    /* from here a stalled greeting, handshake or EHLO can be cut by
     * shutdown(2) on this socket */
    if (cancel && cancel->fd)
        atomic_store(cancel->fd, fd);
    if (implicit_tls)
        stream = mailstream_ssl_open_with_callback_timeout(
            fd, cfg->smtp_timeout, smtp_tls_cb, host);
    else
        stream = smtp_net_open(fd, (unsigned long)cfg->smtp_timeout);
    if (stream == NULL) {
        err_set(err, ERR_TEMP, "smtp: %s with %s port %ld failed",
                implicit_tls ? "TLS handshake" : "stream setup", host, port);
        close(fd);
        goto fail;
    }
    fd = -1; /* the stream owns it */
    s->tls = implicit_tls;
    r = mailsmtp_connect(s->session, stream); /* closes stream on error */
    if (r != MAILSMTP_NO_ERROR) {
        smtp_fail(s->session, s->session->response_code, "greeting", err);
        goto fail;
    }
    if (s->tls && smtp_verify(s->session, cfg, host, err) == -1)
        goto fail;
    if (smtp_ehlo(s->session, cfg->smtp_helo, err) == -1)
        goto fail;
    if (!s->tls && cfg->starttls != CONFIG_STARTTLS_OFF) {
        if (!(s->session->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
            if (cfg->starttls == CONFIG_STARTTLS_REQUIRE) {
                err_set(err, ERR_PERM,
                        "smtp: %s does not offer STARTTLS and [smtp] "
                        "starttls = require",
                        host);
                goto fail;
            }
        } else {
            r = mailsmtp_socket_starttls_with_callback(s->session, smtp_tls_cb,
                                                       host);
            if (r != MAILSMTP_NO_ERROR) {
                err_set(err,
                        cfg->starttls == CONFIG_STARTTLS_REQUIRE ? ERR_PERM
                                                                 : ERR_TEMP,
                        "smtp: STARTTLS with %s failed: %s", host,
                        mailsmtp_strerror(r));
                goto fail;
            }
            s->tls = 1;
            if (smtp_verify(s->session, cfg, host, err) == -1)
                goto fail;
            if (smtp_ehlo(s->session, cfg->smtp_helo, err) == -1)
                goto fail;
        }
    }
    if (cfg->smtp_username[0] != '\0') {
        if (!s->tls) {
            err_set(err, ERR_PERM,
                    "smtp: refusing to send the password to %s without TLS "
                    "(use starttls = auto/require or smtps://)",
                    host);
            goto fail;
        }
        if (smtp_auth(s->session, cfg->smtp_username,
                      cfg->smtp_password ? cfg->smtp_password : "", err) == -1)
            goto fail;
    }
    *out = s;
    return 0;
fail:
    smtp_close(s);
    return -1;
}

/* smtp_enhanced - "X.Y.Z" at the start of the reply text, or "" */
static void
smtp_enhanced(const char *t, char *out, size_t size)
{
    size_t i = 0;
    int dots = 0;

    out[0] = '\0';
    if (t == NULL || (t[0] != '2' && t[0] != '4' && t[0] != '5') || t[1] != '.')
        return;
    while (t[i] && (t[i] == '.' || (t[i] >= '0' && t[i] <= '9')) &&
           i < size - 1) {
        dots += t[i] == '.';
        i++;
    }
    if (dots != 2)
        return;
    memcpy(out, t, i);
    out[i] = '\0';
}

/* smtp_result_text - fill res from a reply's code and text */
static int
smtp_result_text(struct smtp_result *res, int code, const char *t,
                 enum smtp_status st, const char *stage)
{
    res->status = st;
    res->code = code;
    smtp_enhanced(t, res->enhanced, sizeof(res->enhanced));
    smtp_reply_text(t, code, res->reply, sizeof(res->reply));
    if (code == 0) {
        snprintf(res->reply, sizeof(res->reply), "connection lost at %s",
                 stage);
        res->session_lost = 1;
    }
    if (code == 421)
        res->session_lost = 1; /* the server is closing the channel */
    if (st == SMTP_BOUNCE) {
        res->unknown_user = strcmp(res->enhanced, "5.1.1") == 0;
        if (!res->unknown_user && code == 550 && t &&
            (strcasestr(t, "user unknown") || strcasestr(t, "unknown user") ||
             strcasestr(t, "no such user")))
            res->unknown_user = 1;
    }
    return st == SMTP_SENT ? 0 : -1;
}

/* smtp_result_set - fill res from the session's last reply */
static int
smtp_result_set(struct smtp *s, struct smtp_result *res, int code,
                enum smtp_status st, const char *stage)
{
    return smtp_result_text(res, code, s->session->response, st, stage);
}

/* smtp_classify - status for a non-success code at a stage */
static enum smtp_status
smtp_classify(int code, int at_rcpt)
{
    if (code >= 500)
        return at_rcpt ? SMTP_BOUNCE : SMTP_PERM;
    return SMTP_TEMP;
}

/* smtp_crlf_in - nonzero if one of the 8 bytes of x is CR or LF (a byte
 * v is zero where x has the byte: (v - 0x01..) & ~v & 0x80.. is nonzero
 * exactly when one is) */
static inline uint64_t
smtp_crlf_in(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
    uint64_t cr = x ^ (ones * '\r'), lf = x ^ (ones * '\n');

    return ((cr - ones) & ~cr & high) | ((lf - ones) & ~lf & high);
}

/* smtp_plain - 1 when msg needs no change for DATA: every line ends in
 * CRLF, no other CR or LF, no line starts with a dot (a rendered
 * digest).  One pass, eight bytes at a time between line ends (two
 * memchr() calls per line cost 3% of a send) */
static int
smtp_plain(const char *msg, size_t len)
{
    const unsigned char *u = (const unsigned char *)msg;
    size_t i = 0;

    if (len < 2 || u[len - 2] != '\r' || u[len - 1] != '\n' || u[0] == '.')
        return 0;
    while (i < len) {
        uint64_t x;
        if (i + 8 <= len) {
            memcpy(&x, u + i, 8);
            if (smtp_crlf_in(x) == 0) {
                i += 8;
                continue;
            }
        }
        if (u[i] == '\r') {
            /* CRLF, and the next line does not start with a dot */
            if (i + 1 >= len || u[i + 1] != '\n' ||
                (i + 2 < len && u[i + 2] == '.'))
                return 0;
            i += 2;
        } else if (u[i] == '\n') {
            return 0; /* an LF without its CR */
        } else {
            i++;
        }
    }
    return 1;
}

void
smtp_stuff(const char *msg, size_t len, struct buf *out)
{
    const char *p = msg, *end = msg + len;

    buf_reset(out);
    if (smtp_plain(msg, len)) { /* the usual case: one copy */
        buf_add(out, msg, len);
        buf_add(out, ".\r\n", 3);
        return;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *cr = memchr(p, '\r', (size_t)(eol - p));

        if (*p == '.')
            buf_addc(out, '.');
        if (cr != NULL && cr + 1 == nl) { /* CRLF: the usual line */
            buf_add(out, p, (size_t)(nl + 1 - p));
            p = nl + 1;
        } else if (cr != NULL) { /* a lone CR ends the line */
            buf_add(out, p, (size_t)(cr - p));
            buf_add(out, "\r\n", 2);
            p = cr + 1;
        } else if (nl != NULL) { /* a lone LF */
            buf_add(out, p, (size_t)(nl - p));
            buf_add(out, "\r\n", 2);
            p = nl + 1;
        } else { /* the last line has no line end */
            buf_add(out, p, (size_t)(end - p));
            buf_add(out, "\r\n", 2);
            p = end;
        }
    }
    buf_add(out, ".\r\n", 3);
}

/* smtp_lost - res for a message the session lost before its content
 * went out */
static int
smtp_lost(struct smtp *s, struct smtp_result *res, const char *stage)
{
    smtp_result_set(s, res, 0, SMTP_TEMP, stage);
    res->unsent = 1;
    return -1;
}

/* smtp_read_prev - the reply to the pending message's content into
 * *prev; 0 when the session can go on */
static int
smtp_read_prev(struct smtp *s, struct smtp_result *prev, int *prev_done)
{
    int code;

    if (!s->pending)
        return 0;
    s->pending = 0;
    *prev_done = 1;
    /* smtp_result_set() fills only some fields (session_lost only when
     * the session is lost): the caller's *prev may be uninitialized */
    memset(prev, 0, sizeof(*prev));
    code = mailsmtp_read_response(s->session);
    smtp_result_set(s, prev, code,
                    code / 100 == 2 ? SMTP_SENT : smtp_classify(code, 0),
                    "end of data");
    return prev->session_lost ? -1 : 0;
}

/*
 * smtp_begin_pipelined - [RSET,] MAIL, RCPT and DATA in one write
 * (RFC 2920), then their replies, in order.
 * The first failure decides; the rest are read only to stay in step.  A
 * server that answers DATA with 354 after a failed MAIL or RCPT would
 * take an empty message, so then the session is dropped instead.
 */
static int
smtp_begin_pipelined(struct smtp *s, const char *cmds, size_t n,
                     struct smtp_result *res)
{
    static const char *const stage[] = {"RSET", "MAIL", "RCPT", "DATA"};
    mailsmtp *ss = s->session;
    char text[512] = "";
    int first = -1, fcode = 0, code = 0;

    mailstream_set_privacy(ss->stream, 1);
    if (mailstream_write(ss->stream, cmds, n) == -1 ||
        mailstream_flush(ss->stream) == -1)
        return smtp_lost(s, res, "MAIL");
    s->dirty = 1;
    for (int i = str_has_prefix(cmds, "RSET") ? 0 : 1; i < 4; i++) {
        int ok;
        code = mailsmtp_read_response(ss);
        if (code == 0 || code == 421)
            return smtp_result_set(s, res, code, SMTP_TEMP, stage[i]);
        /* a refused RSET does not spoil the transaction after it */
        ok = i == 0 || (i == 3 ? code == 354 : code / 100 == 2);
        if (!ok && first == -1) {
            first = i;
            fcode = code;
            (void)str_copy(text, sizeof(text),
                           ss->response ? ss->response : "");
        }
    }
    if (first != -1) {
        enum smtp_status st = first == 3 && fcode / 100 == 2
                                  ? SMTP_TEMP
                                  : smtp_classify(fcode, first == 2);
        smtp_result_text(res, fcode, text, st, stage[first]);
        if (code == 354)
            res->session_lost = 1; /* do not feed it an empty message */
        return -1;
    }
    return 0;
}

/* smtp_begin_step - the envelope one command at a time */
static int
smtp_begin_step(struct smtp *s, const char *from, const char *rcpt, size_t len,
                struct smtp_result *res)
{
    mailsmtp *ss = s->session;
    int code;

    if (s->dirty) {
        (void)mailsmtp_reset(ss);
        code = ss->response_code;
        if (code != 250)
            return smtp_result_set(s, res, code, SMTP_TEMP, "RSET");
    }
    s->dirty = 1;
    mailesmtp_mail_size(ss, from, 0, NULL, len);
    code = ss->response_code;
    if (code / 100 != 2)
        return smtp_result_set(s, res, code, smtp_classify(code, 0), "MAIL");
    mailesmtp_rcpt(ss, rcpt, 0, NULL);
    code = ss->response_code;
    if (code / 100 != 2)
        return smtp_result_set(s, res, code, smtp_classify(code, 1), "RCPT");
    mailsmtp_data(ss);
    code = ss->response_code;
    if (code != 354)
        return smtp_result_set(
            s, res, code, code / 100 == 2 ? SMTP_TEMP : smtp_classify(code, 0),
            "DATA");
    return 0;
}

int
smtp_begin(struct smtp *s, const char *from, const char *rcpt, size_t len,
           struct smtp_result *res, struct smtp_result *prev, int *prev_done)
{
    mailsmtp *ss = s->session;
    char cmds[SMTP_CMD_MAX], size[32] = "";
    int n;

    memset(res, 0, sizeof(*res));
    *prev_done = 0;
    if (ss == NULL || ss->stream == NULL) {
        res->status = SMTP_TEMP;
        res->session_lost = 1;
        res->unsent = 1;
        (void)str_copy(res->reply, sizeof(res->reply), "no session");
        return -1;
    }
    /* addresses go into command lines: no CR, LF, spaces or brackets */
    if (str_has_ctl(rcpt, strlen(rcpt)) || strpbrk(rcpt, " <>") ||
        strlen(rcpt) > 254 || str_has_ctl(from, strlen(from)) ||
        strpbrk(from, " <>")) {
        res->status = SMTP_PERM;
        (void)str_copy(res->reply, sizeof(res->reply),
                       "refused: bad characters in an address");
        return -1;
    }
    /* RFC 1870: a message larger than SIZE would be refused anyway */
    if ((ss->esmtp & MAILSMTP_ESMTP_SIZE) && ss->smtp_max_msg_size > 0 &&
        len > ss->smtp_max_msg_size) {
        res->status = SMTP_PERM;
        snprintf(res->reply, sizeof(res->reply),
                 "refused: message of %zu bytes exceeds the server's SIZE "
                 "limit of %zu",
                 len, ss->smtp_max_msg_size);
        return -1;
    }
    /* the reply to the previous content first: sending the envelope
     * before it (RFC 2920 would allow it) leaves the server's next reply
     * behind an unacknowledged segment, and Nagle's algorithm on the
     * server then holds it until our delayed ACK (stalls of seconds;
     * bench/README.md) */
    if (smtp_read_prev(s, prev, prev_done) == -1)
        return smtp_lost(s, res, "MAIL");
    if (!(ss->esmtp & MAILSMTP_ESMTP_PIPELINING))
        return smtp_begin_step(s, from, rcpt, len, res);
    if ((ss->esmtp & MAILSMTP_ESMTP_SIZE) != 0)
        snprintf(size, sizeof(size), " SIZE=%zu", len);
    n = snprintf(cmds, sizeof(cmds),
                 "%sMAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n",
                 s->dirty ? "RSET\r\n" : "", from, size, rcpt);
    if (n < 0 || n >= (int)sizeof(cmds)) {
        res->status = SMTP_PERM;
        (void)str_copy(res->reply, sizeof(res->reply),
                       "refused: address too long");
        return -1;
    }
    return smtp_begin_pipelined(s, cmds, (size_t)n, res);
}

int
smtp_data(struct smtp *s, const char *msg, size_t len, struct smtp_result *res)
{
    mailsmtp *ss = s->session;
    int ok;

    memset(res, 0, sizeof(*res));
    /* the 354 ended the envelope: whatever the reply to the content,
     * the transaction is over once the dot is sent */
    s->dirty = 0;
    smtp_stuff(msg, len, &s->out);
    if (s->out.failed) {
        buf_release(&s->out);
        buf_init(&s->out, SMTP_DATA_MAX);
        res->status = SMTP_PERM;
        res->session_lost = 1; /* the server waits for content */
        (void)str_copy(res->reply, sizeof(res->reply),
                       "message too large to send");
        return -1;
    }
    ok = mailstream_write(ss->stream, s->out.data, s->out.len) != -1 &&
         mailstream_flush(ss->stream) != -1;
    if (s->out.cap > SMTP_DATA_KEEP) {
        buf_release(&s->out);
        buf_init(&s->out, SMTP_DATA_MAX);
    }
    if (!ok)
        return smtp_result_set(s, res, 0, SMTP_TEMP, "DATA content");
    s->pending = 1;
    return 0;
}

int
smtp_pending(const struct smtp *s)
{
    return s != NULL && s->pending;
}

int
smtp_finish(struct smtp *s, struct smtp_result *res)
{
    int done = 0;

    memset(res, 0, sizeof(*res));
    if (s == NULL || !s->pending) {
        res->status = SMTP_TEMP;
        (void)str_copy(res->reply, sizeof(res->reply), "nothing pending");
        return -1;
    }
    (void)smtp_read_prev(s, res, &done);
    return res->status == SMTP_SENT ? 0 : -1;
}

int
smtp_send(struct smtp *s, const char *from, const char *rcpt, const char *msg,
          size_t len, struct smtp_result *res)
{
    struct smtp_result prev;
    int prev_done;

    if (smtp_begin(s, from, rcpt, len, res, &prev, &prev_done) == -1 ||
        smtp_data(s, msg, len, res) == -1)
        return -1;
    return smtp_finish(s, res);
}

int
smtp_fd(const struct smtp *s)
{
    if (s == NULL || s->session == NULL || s->session->stream == NULL)
        return -1;
    return mailstream_low_get_fd(mailstream_get_low(s->session->stream));
}

void
smtp_close(struct smtp *s)
{
    if (s == NULL)
        return;
    if (s->session) {
        if (s->session->stream) {
            /* a short timeout: QUIT is a courtesy */
            mailstream_low_set_timeout(mailstream_get_low(s->session->stream),
                                       2);
            (void)mailsmtp_quit(s->session);
        }
        mailsmtp_free(s->session);
    }
    buf_release(&s->out);
    free(s);
}

int
smtp_envelope_from(const struct config *cfg, char *out, size_t size)
{
    const char *f = cfg->smtp_from, *lt = strrchr(f, '<'), *gt;
    size_t n;

    if (lt) {
        gt = strchr(lt, '>');
        if (gt == NULL)
            return -1;
        f = lt + 1;
        n = (size_t)(gt - f);
    } else {
        while (*f == ' ')
            f++;
        n = strcspn(f, " ");
    }
    if (n == 0 || n >= size || memchr(f, '@', n) == NULL || str_has_ctl(f, n))
        return -1;
    memcpy(out, f, n);
    out[n] = '\0';
    return 0;
}
