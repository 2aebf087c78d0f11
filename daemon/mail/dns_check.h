/* SPDX-License-Identifier: MIT */
/*
 * dns_check - is the sending domain set up for mailbox providers?  Looks
 * up, with libldns, the records receivers check and judges each: MX of
 * the From domain, SPF of the envelope sender's domain (and whether it
 * authorises the configured relay), each configured DKIM selector's key
 * (and whether it is the configured key), DMARC of the From domain (its
 * policy, and whether DKIM or SPF aligns with From), and, when a local
 * MTA delivers directly, the PTR of [smtp] helo's addresses.
 *
 * It only reads DNS, through the system resolver (/etc/resolv.conf) or
 * the server given.  SPF is evaluated for ip4, ip6, a, mx, include,
 * redirect and all; a record using exists, ptr or macros is reported as
 * not evaluated.  The organisational domain is approximated by the last
 * two labels (no public suffix list).
 */
#ifndef PAPERBOY_DNS_CHECK_H
#define PAPERBOY_DNS_CHECK_H

#include "config.h"
#include "err.h"

enum dns_status {
    DNS_OK = 0,   /* as receivers want it */
    DNS_WARN = 1, /* works, but worth fixing */
    DNS_FAIL = 2, /* receivers will reject or junk mail */
};

#define DNS_CHECK_MAX 12 /* items in a report */

struct dns_item {
    char check[48]; /* "mx", "spf", "dkim rsa1", "dmarc", "ptr" */
    enum dns_status status;
    char name[300];   /* the DNS name looked up */
    char detail[600]; /* what was found, in words */
    char fix[800];    /* what to publish or change, or "" */
};

struct dns_report {
    char domain[256]; /* the From domain checked */
    struct dns_item item[DNS_CHECK_MAX];
    int n;
};

struct dns_check_opts {
    const char *server; /* "IP" or "IP:PORT" or "[IPv6]:PORT"; NULL = the
                           system resolver */
    const char *domain; /* check this From domain instead; or NULL */
    int timeout_s;      /* per query, default 3 */
};

/* dns_check_run - every check into *out; -1 with err only when the
 * options are bad or no resolver can be set up (a lookup that fails is a
 * DNS_FAIL item) */
int dns_check_run(const struct config *cfg, const struct dns_check_opts *o,
                  struct dns_report *out, struct err *err);

/* dns_status_name - "ok", "warn", "fail" */
const char *dns_status_name(enum dns_status s);

#endif
