/* SPDX-License-Identifier: MIT */
/*
 * bounce_parse - DSNs, ARF reports and the common non-standard bounces
 * (see bounce_parse.h).
 *
 * libetpan splits the message into parts and parses header blocks: a
 * message/delivery-status or message/feedback-report body is a series of
 * header-like blocks separated by blank lines (RFC 3464 section 2, RFC
 * 5965 section 3), which mailimf_optional_fields_parse() reads one at a
 * time.  The plain-text formats have no structure to parse; they are
 * recognised by the sentence each MTA always writes, and their recipients
 * by the lines that name them.
 */
#include "bounce_parse.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libetpan/libetpan.h>

#include "str.h"

/* The walk's state: the report being filled and what it has seen. */
struct bp {
    struct bounce_report r;
    int dsn, arf;               /* a delivery-status / feedback-report part */
    int blocks;                 /* recipient blocks and reports read in them */
    char jmrp[BOUNCE_ADDR_LEN]; /* X-HmXmrOriginalRecipient, or "" */
    const char *text;           /* the first text/plain part, decoded */
    size_t text_len;
    char *owned[8]; /* decoded bodies, freed with mailmime_decoded_part_free */
    int nowned;
    int from_daemon; /* From is a mailer-daemon or postmaster, or <> */
};

const char *
bounce_kind_name(enum bounce_kind k)
{
    switch (k) {
    case BOUNCE_HARD:
        return "hard";
    case BOUNCE_SOFT:
        return "soft";
    case BOUNCE_COMPLAINT:
        return "complaint";
    default:
        return "none";
    }
}

/* bp_addr_clean - "rfc822; <A@B>" or "<A@B>" into a bare, lower-case
 * address in out; "" when it has no '@' or a control character */
static void
bp_addr_clean(const char *v, char *out, size_t size)
{
    const char *semi = strchr(v, ';');
    size_t n;

    out[0] = '\0';
    if (semi != NULL && memchr(v, '@', (size_t)(semi - v)) == NULL)
        v = semi + 1;
    while (*v == ' ' || *v == '\t' || *v == '<')
        v++;
    n = strcspn(v, "> \t\r\n");
    if (n == 0 || n >= size || memchr(v, '@', n) == NULL || str_has_ctl(v, n))
        return;
    memcpy(out, v, n);
    out[n] = '\0';
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* bp_add_addr - a candidate VERP address (duplicates dropped) */
static void
bp_add_addr(struct bp *b, const char *v)
{
    char a[BOUNCE_ADDR_LEN];

    bp_addr_clean(v, a, sizeof(a));
    if (a[0] == '\0' || b->r.naddr == BOUNCE_ADDR_MAX)
        return;
    for (size_t i = 0; i < b->r.naddr; i++)
        if (strcmp(b->r.addr[i], a) == 0)
            return;
    memcpy(b->r.addr[b->r.naddr++], a, sizeof(a));
}

/* bp_set_msgid - the original Message-ID, once; v with or without <> */
static void
bp_set_msgid(struct bp *b, const char *v)
{
    size_t n;

    while (*v == ' ' || *v == '\t' || *v == '<')
        v++;
    n = strcspn(v, "> \t\r\n");
    if (b->r.msgid[0] != '\0' || n == 0 || n + 3 > sizeof(b->r.msgid) ||
        str_has_ctl(v, n))
        return;
    b->r.msgid[0] = '<';
    memcpy(b->r.msgid + 1, v, n);
    b->r.msgid[n + 1] = '>';
    b->r.msgid[n + 2] = '\0';
}

/* bp_status_find - the first enhanced status code (RFC 3463: class 2, 4
 * or 5, subject and detail of 1-3 digits) in s, else one from a basic
 * SMTP reply code ("550" -> "5.0.0"); "" when neither */
static void
bp_status_find(const char *s, char out[16])
{
    out[0] = '\0';
    for (const char *p = s; *p; p++) {
        size_t a, b;
        if ((*p != '2' && *p != '4' && *p != '5') || p[1] != '.' ||
            (p > s && (isdigit((unsigned char)p[-1]) || p[-1] == '.')))
            continue;
        a = strspn(p + 2, "0123456789");
        if (a < 1 || a > 3 || p[2 + a] != '.')
            continue;
        b = strspn(p + 3 + a, "0123456789");
        if (b < 1 || b > 3 || isdigit((unsigned char)p[3 + a + b]))
            continue;
        memcpy(out, p, 3 + a + b);
        out[3 + a + b] = '\0';
        return;
    }
    for (const char *p = s; *p; p++) {
        if ((*p == '4' || *p == '5') && isdigit((unsigned char)p[1]) &&
            isdigit((unsigned char)p[2]) && !isdigit((unsigned char)p[3]) &&
            (p == s || !isalnum((unsigned char)p[-1]))) {
            out[0] = *p;
            memcpy(out + 1, ".0.0", 5);
            return;
        }
    }
}

/* bp_kind_of_status - hard for 5.x.x, soft for 4.x.x, none otherwise */
static enum bounce_kind
bp_kind_of_status(const char *status)
{
    if (status[0] == '5')
        return BOUNCE_HARD;
    if (status[0] == '4')
        return BOUNCE_SOFT;
    return BOUNCE_NONE;
}

/* bp_rcpt - the next recipient slot, or NULL when full */
static struct bounce_rcpt *
bp_rcpt(struct bp *b)
{
    struct bounce_rcpt *rc;

    if (b->r.nrcpt == BOUNCE_RCPT_MAX)
        return NULL;
    rc = &b->r.rcpt[b->r.nrcpt];
    memset(rc, 0, sizeof(*rc));
    return rc;
}

/* bp_field - the value of the optional field name in fields, or NULL */
static const char *
bp_field(struct mailimf_fields *fields, const char *name)
{
    for (clistiter *it = clist_begin(fields->fld_list); it;
         it = clist_next(it)) {
        struct mailimf_field *f = clist_content(it);
        if (f->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
            strcasecmp(f->fld_data.fld_optional_field->fld_name, name) == 0)
            return f->fld_data.fld_optional_field->fld_value;
    }
    return NULL;
}

/* bp_dsn_recipient - one per-recipient block of a delivery-status part */
static void
bp_dsn_recipient(struct bp *b, struct mailimf_fields *f)
{
    const char *action = bp_field(f, "Action");
    const char *status = bp_field(f, "Status");
    const char *diag = bp_field(f, "Diagnostic-Code");
    const char *rcpt = bp_field(f, "Final-Recipient");
    struct bounce_rcpt *rc;

    if (rcpt == NULL)
        rcpt = bp_field(f, "Original-Recipient");
    if (action == NULL && status == NULL && rcpt == NULL)
        return; /* not a recipient block */
    b->blocks++;
    if ((rc = bp_rcpt(b)) == NULL)
        return;
    /* a missing or malformed Status: the code in the diagnostic */
    bp_status_find(status ? status : "", rc->status);
    if (rc->status[0] == '\0' && diag != NULL)
        bp_status_find(diag, rc->status);
    if (action != NULL && strncasecmp(action, "delayed", 7) == 0) {
        rc->kind = BOUNCE_SOFT;
        if (rc->status[0] == '\0')
            memcpy(rc->status, "4.0.0", 6);
    } else if (action == NULL || strncasecmp(action, "failed", 6) == 0) {
        if (rc->status[0] == '\0')
            memcpy(rc->status, "5.0.0", 6); /* failed: permanent */
        rc->kind = bp_kind_of_status(rc->status);
    } else {
        return; /* delivered, relayed, expanded: not a failure */
    }
    if (rc->kind == BOUNCE_NONE)
        return;
    if (rcpt != NULL)
        bp_addr_clean(rcpt, rc->addr, sizeof(rc->addr));
    b->r.nrcpt++;
}

/* bp_arf - the first block of a feedback-report part (RFC 5965 3.1) */
static void
bp_arf(struct bp *b, struct mailimf_fields *f)
{
    const char *type = bp_field(f, "Feedback-Type");
    const char *from = bp_field(f, "Original-Mail-From");
    const char *rcpt = bp_field(f, "Original-Rcpt-To");
    const char *mid = bp_field(f, "Original-Message-ID");
    struct bounce_rcpt *rc;
    char t[16];

    if (from != NULL)
        bp_add_addr(b, from);
    if (mid != NULL)
        bp_set_msgid(b, mid);
    if (type == NULL)
        return;
    b->blocks++;
    str_copy(t, sizeof(t), type);
    t[strcspn(t, " \t;\r\n")] = '\0';
    for (char *p = t; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    /* not-spam (a reversal) and auth-failure (RFC 6591) are not
     * complaints about us */
    if (strcmp(t, "not-spam") == 0 || strcmp(t, "auth-failure") == 0 ||
        (rc = bp_rcpt(b)) == NULL)
        return;
    rc->kind = BOUNCE_COMPLAINT;
    memcpy(rc->status, t, sizeof(t));
    if (rcpt != NULL)
        bp_addr_clean(rcpt, rc->addr, sizeof(rc->addr));
    b->r.nrcpt++;
}

/* bp_blocks - call fn(first?) on each header block of text[0..len) */
static void
bp_blocks(struct bp *b, const char *text, size_t len,
          void (*fn)(struct bp *b, struct mailimf_fields *f, int first))
{
    size_t idx = 0;

    for (int i = 0; idx < len && i < 2 * BOUNCE_RCPT_MAX + 2; i++) {
        struct mailimf_fields *f = NULL;
        size_t before = idx;
        while (idx < len && (text[idx] == '\r' || text[idx] == '\n'))
            idx++;
        if (mailimf_optional_fields_parse(text, len, &idx, &f) !=
            MAILIMF_NO_ERROR)
            break;
        if (clist_count(f->fld_list) > 0)
            fn(b, f, i == 0);
        mailimf_fields_free(f);
        if (idx == before)
            break;
        /* skip a line that is not a field, so a stray one cannot stop
         * the walk */
        while (idx < len && text[idx] != '\n' && text[idx] != '\r')
            idx++;
    }
}

static void
bp_dsn_block(struct bp *b, struct mailimf_fields *f, int first)
{
    /* the first block is per-message (Reporting-MTA ...) */
    if (!first || bp_field(f, "Reporting-MTA") == NULL)
        bp_dsn_recipient(b, f);
}

static void
bp_arf_block(struct bp *b, struct mailimf_fields *f, int first)
{
    if (first)
        bp_arf(b, f);
}

static void
bp_headers_block(struct bp *b, struct mailimf_fields *f, int first)
{
    if (!first)
        return;
    for (clistiter *it = clist_begin(f->fld_list); it; it = clist_next(it)) {
        struct mailimf_optional_field *o;
        struct mailimf_field *fl = clist_content(it);
        if (fl->fld_type != MAILIMF_FIELD_OPTIONAL_FIELD)
            continue;
        o = fl->fld_data.fld_optional_field;
        if (strcasecmp(o->fld_name, "Message-ID") == 0)
            bp_set_msgid(b, o->fld_value);
        else if (strcasecmp(o->fld_name, "Return-Path") == 0)
            bp_add_addr(b, o->fld_value);
    }
}

/* bp_original - the header fields of an attached original message */
static void
bp_original(struct bp *b, struct mailimf_fields *fields)
{
    if (fields == NULL)
        return;
    for (clistiter *it = clist_begin(fields->fld_list); it;
         it = clist_next(it)) {
        struct mailimf_field *f = clist_content(it);
        if (f->fld_type == MAILIMF_FIELD_MESSAGE_ID &&
            f->fld_data.fld_message_id != NULL)
            bp_set_msgid(b, f->fld_data.fld_message_id->mid_value);
        else if (f->fld_type == MAILIMF_FIELD_RETURN_PATH &&
                 f->fld_data.fld_return_path->ret_path->pt_addr_spec)
            bp_add_addr(b, f->fld_data.fld_return_path->ret_path->pt_addr_spec);
        else if (f->fld_type == MAILIMF_FIELD_OPTIONAL_FIELD &&
                 strcasecmp(f->fld_data.fld_optional_field->fld_name,
                            "Message-ID") == 0)
            bp_set_msgid(b, f->fld_data.fld_optional_field->fld_value);
    }
}

/* bp_decode - a single part's body, decoded; NULL when it cannot be */
static const char *
bp_decode(struct bp *b, struct mailmime *m, size_t *len)
{
    struct mailmime_data *d = m->mm_data.mm_single;
    size_t idx = 0;
    char *out = NULL;

    if (d == NULL || d->dt_type != MAILMIME_DATA_TEXT)
        return NULL;
    if (!d->dt_encoded || d->dt_encoding == MAILMIME_MECHANISM_7BIT ||
        d->dt_encoding == MAILMIME_MECHANISM_8BIT ||
        d->dt_encoding == MAILMIME_MECHANISM_BINARY) {
        *len = d->dt_data.dt_text.dt_length;
        return d->dt_data.dt_text.dt_data;
    }
    if (b->nowned == (int)(sizeof(b->owned) / sizeof(b->owned[0])) ||
        mailmime_part_parse(d->dt_data.dt_text.dt_data,
                            d->dt_data.dt_text.dt_length, &idx, d->dt_encoding,
                            &out, len) != MAILIMF_NO_ERROR)
        return NULL;
    b->owned[b->nowned++] = out;
    return out;
}

/* bp_is - the part's content type is type/sub (ASCII case ignored) */
static int
bp_is(struct mailmime *m, const char *type, const char *sub)
{
    struct mailmime_content *ct = m->mm_content_type;
    const char *t = "";

    if (ct == NULL || ct->ct_type == NULL || ct->ct_subtype == NULL)
        return 0;
    if (ct->ct_type->tp_type == MAILMIME_TYPE_DISCRETE_TYPE) {
        switch (ct->ct_type->tp_data.tp_discrete_type->dt_type) {
        case MAILMIME_DISCRETE_TYPE_TEXT:
            t = "text";
            break;
        case MAILMIME_DISCRETE_TYPE_APPLICATION:
            t = "application";
            break;
        case MAILMIME_DISCRETE_TYPE_EXTENSION:
            t = ct->ct_type->tp_data.tp_discrete_type->dt_extension;
            break;
        default:
            break;
        }
    } else if (ct->ct_type->tp_type == MAILMIME_TYPE_COMPOSITE_TYPE) {
        struct mailmime_composite_type *c =
            ct->ct_type->tp_data.tp_composite_type;
        t = c->ct_type == MAILMIME_COMPOSITE_TYPE_MESSAGE     ? "message"
            : c->ct_type == MAILMIME_COMPOSITE_TYPE_MULTIPART ? "multipart"
            : c->ct_token                                     ? c->ct_token
                                                              : "";
    }
    return t != NULL && strcasecmp(t, type) == 0 &&
           strcasecmp(ct->ct_subtype, sub) == 0;
}

/* bp_walk - the parts below m, depth levels down */
static void
bp_walk(struct bp *b, struct mailmime *m, int depth)
{
    const char *text;
    size_t len;

    if (m == NULL || depth > BOUNCE_DEPTH)
        return;
    switch (m->mm_type) {
    case MAILMIME_MULTIPLE:
        for (clistiter *it = clist_begin(m->mm_data.mm_multipart.mm_mp_list);
             it; it = clist_next(it))
            bp_walk(b, clist_content(it), depth + 1);
        return;
    case MAILMIME_MESSAGE:
        /* an attached original (message/rfc822): its headers only, never
         * a report it might itself carry */
        bp_original(b, m->mm_data.mm_message.mm_fields);
        return;
    case MAILMIME_SINGLE:
        break;
    default:
        return;
    }
    if (bp_is(m, "message", "delivery-status") ||
        bp_is(m, "message", "global-delivery-status")) {
        if ((text = bp_decode(b, m, &len)) != NULL) {
            b->dsn = 1;
            bp_blocks(b, text, len, bp_dsn_block);
        }
    } else if (bp_is(m, "message", "feedback-report")) {
        if ((text = bp_decode(b, m, &len)) != NULL) {
            b->arf = 1;
            bp_blocks(b, text, len, bp_arf_block);
        }
    } else if (bp_is(m, "text", "rfc822-headers") ||
               bp_is(m, "message", "global-headers")) {
        if ((text = bp_decode(b, m, &len)) != NULL)
            bp_blocks(b, text, len, bp_headers_block);
    } else if (b->text == NULL &&
               (bp_is(m, "text", "plain") || m->mm_content_type == NULL)) {
        if ((text = bp_decode(b, m, &len)) != NULL) {
            b->text = text;
            b->text_len = len;
        }
    }
}

/* bp_top - the report's own header fields: where it was sent (VERP
 * candidates), who sent it, JMRP's complainer */
static void
bp_top(struct bp *b, struct mailimf_fields *fields)
{
    static const char *const to_fields[] = {"Delivered-To", "X-Original-To",
                                            "Envelope-To", NULL};

    if (fields == NULL)
        return;
    for (int i = 0; to_fields[i]; i++) {
        const char *v = bp_field(fields, to_fields[i]);
        if (v != NULL)
            bp_add_addr(b, v);
    }
    for (clistiter *it = clist_begin(fields->fld_list); it;
         it = clist_next(it)) {
        struct mailimf_field *f = clist_content(it);
        if (f->fld_type == MAILIMF_FIELD_TO && f->fld_data.fld_to != NULL) {
            clist *l = f->fld_data.fld_to->to_addr_list->ad_list;
            for (clistiter *a = clist_begin(l); a; a = clist_next(a)) {
                struct mailimf_address *ad = clist_content(a);
                if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX)
                    bp_add_addr(b, ad->ad_data.ad_mailbox->mb_addr_spec);
            }
        } else if (f->fld_type == MAILIMF_FIELD_FROM &&
                   f->fld_data.fld_from != NULL) {
            clist *l = f->fld_data.fld_from->frm_mb_list->mb_list;
            clistiter *a = clist_begin(l);
            const char *s =
                a ? ((struct mailimf_mailbox *)clist_content(a))->mb_addr_spec
                  : NULL;
            if (s != NULL && (strncasecmp(s, "mailer-daemon@", 14) == 0 ||
                              strncasecmp(s, "postmaster@", 11) == 0))
                b->from_daemon = 1;
        } else if (f->fld_type == MAILIMF_FIELD_RETURN_PATH &&
                   f->fld_data.fld_return_path->ret_path->pt_addr_spec ==
                       NULL) {
            b->from_daemon = 1; /* Return-Path: <> */
        }
    }
    {
        const char *j = bp_field(fields, "X-HmXmrOriginalRecipient");
        if (j != NULL)
            bp_addr_clean(j, b->jmrp, sizeof(b->jmrp));
    }
}

/* bp_text_rcpts - recipients of a plain-text bounce: "<a@b>:" lines
 * (qmail, Yahoo) or indented bare addresses (Exim), each with the first
 * status code in the lines that follow it, up to a blank line */
static void
bp_text_rcpts(struct bp *b, const char *body, enum bounce_kind kind)
{
    const char *p = body;

    while (*p) {
        const char *eol = p + strcspn(p, "\n");
        size_t n = (size_t)(eol - p);
        char line[BOUNCE_ADDR_LEN + 8], addr[BOUNCE_ADDR_LEN], tail[1024];
        int qmail = n > 3 && p[0] == '<' && memchr(p, '@', n) != NULL &&
                    (p[n - 1] == ':' || (p[n - 1] == '\r' && p[n - 2] == ':'));
        int exim = n > 3 && p[0] == ' ' && p[1] == ' ' &&
                   memchr(p, '@', n) != NULL && memchr(p, ' ', n) != NULL &&
                   strcspn(p + 2, " \r\n") + 2 >= n - (p[n - 1] == '\r');
        struct bounce_rcpt *rc;

        if ((qmail || exim) && n < sizeof(line)) {
            memcpy(line, p, n);
            line[n] = '\0';
            bp_addr_clean(line, addr, sizeof(addr));
            /* the lines after it, up to a blank line, hold the reply */
            {
                const char *q = *eol ? eol + 1 : eol;
                size_t m = 0;
                while (*q && *q != '\n' && *q != '\r' && m < 900) {
                    const char *e = q + strcspn(q, "\n");
                    size_t k = (size_t)(e - q);
                    if (k > sizeof(tail) - m - 2)
                        k = sizeof(tail) - m - 2;
                    memcpy(tail + m, q, k);
                    m += k;
                    tail[m++] = ' ';
                    q = *e ? e + 1 : e;
                }
                tail[m] = '\0';
            }
            if (addr[0] != '\0' && (rc = bp_rcpt(b)) != NULL) {
                str_copy(rc->addr, sizeof(rc->addr), addr);
                bp_status_find(tail, rc->status);
                if (rc->status[0] == '\0' ||
                    bp_kind_of_status(rc->status) != kind)
                    memcpy(rc->status, kind == BOUNCE_HARD ? "5.0.0" : "4.0.0",
                           6);
                rc->kind = kind;
                b->r.nrcpt++;
            }
        }
        p = *eol ? eol + 1 : eol;
    }
}

/* bp_plain - qmail's, Yahoo's and Exim's plain-text bounces; 0 when the
 * text is one */
static int
bp_plain(struct bp *b)
{
    char *body;
    enum bounce_kind kind;
    const char *fmt;
    int rc = -1;

    if (b->text == NULL || !b->from_daemon)
        return -1;
    body = malloc(b->text_len + 1);
    if (body == NULL)
        return -1;
    memcpy(body, b->text, b->text_len);
    body[b->text_len] = '\0';
    if (strstr(body, "This is the qmail-send program") != NULL ||
        strstr(body, "Sorry, we were unable to deliver your message") != NULL) {
        fmt = "qmail";
        /* qmail gives up on a temporary failure after queuelifetime */
        kind = strstr(body, "I'm not going to try again") != NULL ? BOUNCE_SOFT
                                                                  : BOUNCE_HARD;
    } else if (strstr(body, "This message was created automatically by "
                            "mail delivery software") != NULL) {
        fmt = "exim";
        if (strstr(body, "permanent error") != NULL)
            kind = BOUNCE_HARD;
        else if (strstr(body, "retry timeout exceeded") != NULL ||
                 strstr(body, "temporary error") != NULL)
            kind = BOUNCE_SOFT;
        else
            goto out;
    } else {
        goto out;
    }
    bp_text_rcpts(b, body, kind);
    if (b->r.nrcpt == 0)
        goto out;
    b->r.format = fmt;
    rc = 0;
out:
    free(body);
    return rc;
}

int
bounce_parse(const char *msg, size_t len, struct bounce_report *out)
{
    struct mailmime *root = NULL;
    struct bp *b;
    size_t idx = 0;
    int rc = 1;

    if (len == 0 || len > BOUNCE_MSG_MAX)
        return 1;
    if (mailmime_parse(msg, len, &idx, &root) != MAILIMF_NO_ERROR ||
        root == NULL)
        return 1;
    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        mailmime_free(root);
        return 1;
    }
    if (root->mm_type == MAILMIME_MESSAGE) {
        bp_top(b, root->mm_data.mm_message.mm_fields);
        bp_walk(b, root->mm_data.mm_message.mm_msg_mime, 0);
    }
    if ((b->arf || b->dsn) && b->blocks == 0) {
        goto out; /* a report part without a report in it: damaged */
    } else if (b->arf) {
        b->r.format = "arf";
    } else if (b->dsn) {
        b->r.format = "dsn";
    } else if (b->jmrp[0] != '\0') {
        /* Microsoft's JMRP: a complaint without a feedback-report part */
        struct bounce_rcpt *r = bp_rcpt(b);
        r->kind = BOUNCE_COMPLAINT;
        memcpy(r->status, "abuse", 6);
        memcpy(r->addr, b->jmrp, sizeof(r->addr));
        b->r.nrcpt = 1;
        b->r.format = "jmrp";
    } else if (bp_plain(b) == -1) {
        goto out;
    }
    *out = b->r;
    rc = 0;
out:
    for (int i = 0; i < b->nowned; i++)
        mailmime_decoded_part_free(b->owned[i]);
    free(b);
    mailmime_free(root);
    return rc;
}
