/* SPDX-License-Identifier: MIT */
/*
 * bounce_parse - what a message in the bounce mailbox reports: a delivery
 * status notification (RFC 3464 multipart/report with a
 * message/delivery-status part), an abuse report (RFC 5965 ARF,
 * message/feedback-report), or one of the common formats that are
 * neither: Microsoft's JMRP complaints (the original attached, the
 * complainer in X-HmXmrOriginalRecipient) and the plain-text bounces of
 * qmail, Yahoo's older MTA and Exim.  The MIME structure and the header
 * fields are parsed with libetpan (mailmime_parse, mailimf_*_parse); a
 * part's body is decoded with mailmime_part_parse.
 *
 * It reports, per recipient, a kind and a status, and the clues that name
 * the subscription: the addresses the report was sent to and the
 * original's Return-Path (candidates for a VERP address), and the
 * original Message-ID.  It does not look anything up, and never follows
 * more than BOUNCE_DEPTH levels of parts.  Uses libetpan.
 */
#ifndef PAPERBOY_BOUNCE_PARSE_H
#define PAPERBOY_BOUNCE_PARSE_H

#include <stddef.h>

#define BOUNCE_MSG_MAX (1024 * 1024) /* bytes of a report parsed, at most */
#define BOUNCE_RCPT_MAX 8            /* recipients read from one report */
#define BOUNCE_ADDR_MAX 6            /* candidate VERP addresses kept */
#define BOUNCE_ADDR_LEN 320          /* bytes of an address with NUL */
#define BOUNCE_MSGID_LEN 256         /* bytes of a Message-ID with NUL */
#define BOUNCE_DEPTH 6               /* MIME nesting followed */

enum bounce_kind {
    BOUNCE_NONE = 0,      /* delivered, relayed, or not a complaint */
    BOUNCE_HARD = 1,      /* permanent failure (5.x.x) */
    BOUNCE_SOFT = 2,      /* temporary failure (4.x.x) or a delay */
    BOUNCE_COMPLAINT = 3, /* the recipient reported the mail as spam */
};

struct bounce_rcpt {
    enum bounce_kind kind;
    char status[16];            /* "5.1.1", "4.4.7", or the ARF type */
    char addr[BOUNCE_ADDR_LEN]; /* the failed recipient, or "" */
};

struct bounce_report {
    const char *format; /* static: "dsn", "arf", "jmrp", "qmail", "exim" */
    size_t nrcpt;
    struct bounce_rcpt rcpt[BOUNCE_RCPT_MAX];
    size_t naddr; /* candidates for the VERP address, best first */
    char addr[BOUNCE_ADDR_MAX][BOUNCE_ADDR_LEN];
    char msgid[BOUNCE_MSGID_LEN]; /* the original's "<...>", or "" */
};

/*
 * bounce_parse - read the message msg[0..len).  0 when it is a report
 * (out filled; nrcpt may be 0 when every recipient was delivered), 1 when
 * it is not one (an auto-reply, spam, a malformed or oversized message;
 * out then untouched).
 */
int bounce_parse(const char *msg, size_t len, struct bounce_report *out);

/* bounce_kind_name - "hard", "soft", "complaint", "none" */
const char *bounce_kind_name(enum bounce_kind k);

#endif
