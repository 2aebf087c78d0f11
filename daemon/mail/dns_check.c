/* SPDX-License-Identifier: MIT */
/*
 * dns_check - the DNS self-check (see dns_check.h).
 *
 * libldns rather than libunbound: this is a stub client that asks one
 * resolver (or, in tests, one authoritative server on loopback) a dozen
 * questions and reads the answers; ldns does exactly that, takes a
 * server and port directly, and brings no validating, caching resolver
 * and its threads into the process.  ldns types stay in this file.
 */
#include "dns_check.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "dkim.h"
#include "log.h"
#include "str.h"
#include "xalloc.h"

#define DNS_TXT_MAX 8      /* TXT records read per name */
#define DNS_ADDR_MAX 16    /* addresses per name */
#define DNS_SPF_LOOKUPS 10 /* RFC 7208 4.6.4 */

struct dns_addr {
    int family;          /* AF_INET or AF_INET6 */
    unsigned char a[16]; /* network order */
    char text[INET6_ADDRSTRLEN];
};

struct dns_ctx {
    ldns_resolver *res;
    int lookup_failed; /* a query got no answer (timeout, SERVFAIL) */
    char failed_name[300];
};

const char *
dns_status_name(enum dns_status s)
{
    return s == DNS_OK ? "ok" : s == DNS_WARN ? "warn" : "fail";
}

/* dns_add - a new item in the report */
static struct dns_item *
dns_add(struct dns_report *r, const char *check, const char *name)
{
    struct dns_item *it;

    if (r->n == DNS_CHECK_MAX)
        BUG("dns_check: more than %d items", DNS_CHECK_MAX);
    it = &r->item[r->n++];
    memset(it, 0, sizeof(*it));
    (void)str_copy(it->check, sizeof(it->check), check);
    (void)str_copy(it->name, sizeof(it->name), name);
    return it;
}

/* dns_set - an item's status and detail (printf) */
static void dns_set(struct dns_item *it, enum dns_status s, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));
static void
dns_set(struct dns_item *it, enum dns_status s, const char *fmt, ...)
{
    va_list ap;

    it->status = s;
    va_start(ap, fmt);
    vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
    va_end(ap);
}

/* dns_fix - what to publish (printf) */
static void dns_fix(struct dns_item *it, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
dns_fix(struct dns_item *it, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(it->fix, sizeof(it->fix), fmt, ap);
    va_end(ap);
}

/* dns_resolver - a resolver for server ("IP", "IP:PORT", "[IP6]:PORT"),
 * or the system's */
static int
dns_resolver(const struct dns_check_opts *o, ldns_resolver **out,
             struct err *err)
{
    ldns_resolver *res = NULL;
    struct timeval tv = {o->timeout_s > 0 ? o->timeout_s : 3, 0};

    if (o->server == NULL) {
        if (ldns_resolver_new_frm_file(&res, NULL) != LDNS_STATUS_OK) {
            err_set(err, ERR_PERM, "check-dns: cannot read /etc/resolv.conf");
            return -1;
        }
    } else {
        char host[64];
        const char *s = o->server, *colon = NULL;
        long port = 53;
        size_t n;
        ldns_rdf *ns;
        if (*s == '[') {
            const char *close = strchr(s, ']');
            if (close == NULL)
                goto bad;
            n = (size_t)(close - s - 1);
            s++;
            colon = close[1] == ':' ? close + 1 : NULL;
            if (close[1] != '\0' && colon == NULL)
                goto bad;
        } else {
            colon = strchr(s, ':');
            if (colon != NULL && strchr(colon + 1, ':') != NULL)
                colon = NULL; /* a bare IPv6 address */
            n = colon ? (size_t)(colon - s) : strlen(s);
        }
        if (n == 0 || n >= sizeof(host))
            goto bad;
        memcpy(host, s, n);
        host[n] = '\0';
        if (colon != NULL && str_to_long(colon + 1, 1, 65535, &port) == -1)
            goto bad;
        ns = ldns_rdf_new_frm_str(
            strchr(host, ':') ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A, host);
        if (ns == NULL)
            goto bad;
        res = ldns_resolver_new();
        if (res == NULL ||
            ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK) {
            ldns_rdf_deep_free(ns);
            ldns_resolver_deep_free(res);
            err_set(err, ERR_TEMP, "check-dns: cannot set up a resolver");
            return -1;
        }
        ldns_rdf_deep_free(ns);
        ldns_resolver_set_port(res, (uint16_t)port);
    }
    ldns_resolver_set_recursive(res, true);
    ldns_resolver_set_retry(res, 1);
    ldns_resolver_set_timeout(res, tv);
    /* RSA DKIM keys do not fit in 512 bytes */
    ldns_resolver_set_edns_udp_size(res, 4096);
    ldns_resolver_set_fallback(res, true);
    *out = res;
    return 0;
bad:
    err_set(err, ERR_PERM,
            "check-dns: --server '%s' is not IP, IP:PORT or [IPv6]:PORT",
            o->server);
    return -1;
}

/* dns_query - the answers of type t at name; NULL when there are none
 * (NXDOMAIN or no data); a query without an answer at all marks the
 * context failed.  Caller frees with ldns_rr_list_deep_free(). */
static ldns_rr_list *
dns_query(struct dns_ctx *c, const char *name, ldns_rr_type t)
{
    ldns_rdf *dn = ldns_dname_new_frm_str(name);
    ldns_pkt *p = NULL;
    ldns_rr_list *rrs = NULL;
    ldns_pkt_rcode rc;

    /* after one query without an answer, the server is gone: do not
     * wait a timeout for every remaining question */
    if (dn == NULL || c->lookup_failed) {
        ldns_rdf_deep_free(dn);
        return NULL;
    }
    p = ldns_resolver_query(c->res, dn, t, LDNS_RR_CLASS_IN, LDNS_RD);
    ldns_rdf_deep_free(dn);
    if (p == NULL) {
        c->lookup_failed = 1;
        (void)str_copy(c->failed_name, sizeof(c->failed_name), name);
        return NULL;
    }
    rc = ldns_pkt_get_rcode(p);
    if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
        c->lookup_failed = 1;
        (void)str_copy(c->failed_name, sizeof(c->failed_name), name);
    } else {
        rrs = ldns_pkt_rr_list_by_type(p, t, LDNS_SECTION_ANSWER);
    }
    ldns_pkt_free(p);
    if (rrs != NULL && ldns_rr_list_rr_count(rrs) == 0) {
        ldns_rr_list_deep_free(rrs);
        rrs = NULL;
    }
    return rrs;
}

/* dns_txt - the TXT records at name, each one's strings joined; returns
 * how many (at most DNS_TXT_MAX); caller frees each with free() */
static int
dns_txt(struct dns_ctx *c, const char *name, char **out)
{
    ldns_rr_list *rrs = dns_query(c, name, LDNS_RR_TYPE_TXT);
    int n = 0;

    for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        struct buf b;
        if (n == DNS_TXT_MAX)
            break;
        buf_init(&b, 8192);
        for (size_t k = 0; k < ldns_rr_rd_count(rr); k++) {
            ldns_rdf *f = ldns_rr_rdf(rr, k);
            const uint8_t *d = ldns_rdf_data(f);
            size_t len = ldns_rdf_size(f);
            /* a character-string: a length byte, then the bytes */
            if (len > 0 && (size_t)d[0] + 1 <= len)
                buf_add(&b, d + 1, d[0]);
        }
        out[n] = buf_detach(&b);
        if (out[n] != NULL)
            n++;
    }
    ldns_rr_list_deep_free(rrs);
    return n;
}

/* dns_txt_free - free what dns_txt() returned */
static void
dns_txt_free(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
}

/* dns_addrs - A and AAAA of name appended to a[*n] (at most
 * DNS_ADDR_MAX) */
static void
dns_addrs(struct dns_ctx *c, const char *name, struct dns_addr *a, int *n)
{
    static const ldns_rr_type types[2] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};

    for (int t = 0; t < 2; t++) {
        ldns_rr_list *rrs = dns_query(c, name, types[t]);
        for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++) {
            ldns_rdf *f = ldns_rr_rdf(ldns_rr_list_rr(rrs, i), 0);
            size_t len = ldns_rdf_size(f);
            if (*n == DNS_ADDR_MAX || (len != 4 && len != 16))
                continue;
            a[*n].family = len == 4 ? AF_INET : AF_INET6;
            memcpy(a[*n].a, ldns_rdf_data(f), len);
            inet_ntop(a[*n].family, a[*n].a, a[*n].text, sizeof(a[*n].text));
            (*n)++;
        }
        ldns_rr_list_deep_free(rrs);
    }
}

/* dns_mx - the MX targets of name (no trailing dot) into hosts, up to
 * max; *null_mx when the domain publishes "0 ." (RFC 7505) */
static int
dns_mx(struct dns_ctx *c, const char *name, char hosts[][256], int *prefs,
       int max, int *null_mx)
{
    ldns_rr_list *rrs = dns_query(c, name, LDNS_RR_TYPE_MX);
    int n = 0;

    *null_mx = 0;
    for (size_t i = 0; rrs && i < ldns_rr_list_rr_count(rrs); i++) {
        ldns_rr *rr = ldns_rr_list_rr(rrs, i);
        char *s;
        size_t len;
        if (n == max)
            break;
        s = ldns_rdf2str(ldns_rr_rdf(rr, 1));
        if (s == NULL)
            continue;
        len = strlen(s);
        if (len > 0 && s[len - 1] == '.')
            s[--len] = '\0';
        if (len == 0)
            *null_mx = 1;
        prefs[n] = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
        (void)str_copy(hosts[n], 256, s);
        free(s);
        n++;
    }
    ldns_rr_list_deep_free(rrs);
    return n;
}

/* dns_org - the organisational domain, approximated by the last two
 * labels */
static const char *
dns_org(const char *d)
{
    const char *last = strrchr(d, '.'), *p;

    if (last == NULL)
        return d;
    for (p = last - 1; p > d; p--)
        if (*p == '.')
            return p + 1;
    return d;
}

/* dns_aligned - DMARC alignment of d with the From domain from */
static int
dns_aligned(const char *d, const char *from, int strict)
{
    if (strcasecmp(d, from) == 0)
        return 1;
    return !strict && strcasecmp(dns_org(d), dns_org(from)) == 0;
}

/* ---- SPF (RFC 7208), the common mechanisms */

enum spf_result {
    SPF_NONE,      /* no record */
    SPF_PASS,      /* an address matched a + mechanism */
    SPF_FAIL,      /* -all (or a - mechanism) */
    SPF_SOFTFAIL,  /* ~all */
    SPF_NEUTRAL,   /* ?all, or nothing matched */
    SPF_UNKNOWN,   /* uses what we do not evaluate */
    SPF_PERMERROR, /* two records, too many lookups, a loop */
};

struct spf {
    struct dns_ctx *c;
    const struct dns_addr *ip; /* the address asked about */
    int lookups;
};

/* spf_cidr_match - ip within net/bits */
static int
spf_cidr_match(const struct dns_addr *ip, const struct dns_addr *net, int bits)
{
    int max = ip->family == AF_INET ? 32 : 128;

    if (ip->family != net->family)
        return 0;
    if (bits < 0 || bits > max)
        bits = max;
    for (int i = 0; i < bits / 8; i++)
        if (ip->a[i] != net->a[i])
            return 0;
    if (bits % 8) {
        unsigned char m = (unsigned char)(0xff << (8 - bits % 8));
        if ((ip->a[bits / 8] & m) != (net->a[bits / 8] & m))
            return 0;
    }
    return 1;
}

/* spf_bits - "/N" (ip4) or "//N" (ip6) suffix of a mechanism, cut off */
static void
spf_bits(char *arg, int *b4, int *b6)
{
    char *slash = strchr(arg, '/');
    long v;

    *b4 = *b6 = -1;
    if (slash == NULL)
        return;
    *slash = '\0';
    if (slash[1] == '/') {
        if (str_to_long(slash + 2, 0, 128, &v) == 0)
            *b6 = (int)v;
        return;
    }
    {
        char *dbl = strstr(slash + 1, "//");
        if (dbl != NULL) {
            *dbl = '\0';
            if (str_to_long(dbl + 2, 0, 128, &v) == 0)
                *b6 = (int)v;
        }
    }
    if (str_to_long(slash + 1, 0, 32, &v) == 0)
        *b4 = (int)v;
}

static enum spf_result spf_check(struct spf *s, const char *domain, int depth);

/* spf_host_match - ip is one of host's addresses (within the bits) */
static int
spf_host_match(struct spf *s, const char *host, int b4, int b6)
{
    struct dns_addr a[DNS_ADDR_MAX];
    int n = 0;

    dns_addrs(s->c, host, a, &n);
    for (int i = 0; i < n; i++)
        if (spf_cidr_match(s->ip, &a[i], a[i].family == AF_INET ? b4 : b6))
            return 1;
    return 0;
}

/* spf_mech - does one mechanism match? 1 yes, 0 no, -1 unknown or
 * permerror (*res says which) */
static int
spf_mech(struct spf *s, const char *domain, char *m, int depth,
         enum spf_result *res)
{
    char *arg = strchr(m, ':');
    int b4, b6;

    if (arg != NULL)
        *arg++ = '\0';
    if (strcasecmp(m, "all") == 0)
        return 1;
    if (strcasecmp(m, "ip4") == 0 || strcasecmp(m, "ip6") == 0) {
        struct dns_addr net;
        if (arg == NULL)
            goto perm;
        spf_bits(arg, &b4, &b6);
        memset(&net, 0, sizeof(net));
        net.family = m[2] == '4' ? AF_INET : AF_INET6;
        if (inet_pton(net.family, arg, net.a) != 1)
            goto perm;
        return spf_cidr_match(s->ip, &net, net.family == AF_INET ? b4 : b6);
    }
    if (strncasecmp(m, "a", 2) == 0 || strncasecmp(m, "a/", 2) == 0 ||
        strncasecmp(m, "mx", 3) == 0 || strncasecmp(m, "mx/", 3) == 0) {
        int is_mx = tolower((unsigned char)m[0]) == 'm';
        char host[256];
        spf_bits(arg ? arg : m, &b4, &b6);
        (void)str_copy(host, sizeof(host), arg ? arg : domain);
        if (strchr(host, '%') != NULL) {
            *res = SPF_UNKNOWN;
            return -1;
        }
        if (++s->lookups > DNS_SPF_LOOKUPS)
            goto perm;
        if (!is_mx)
            return spf_host_match(s, host, b4, b6);
        {
            char hosts[10][256];
            int prefs[10], null_mx, n;
            n = dns_mx(s->c, host, hosts, prefs, 10, &null_mx);
            for (int i = 0; i < n; i++)
                if (spf_host_match(s, hosts[i], b4, b6))
                    return 1;
            return 0;
        }
    }
    if (strcasecmp(m, "include") == 0) {
        enum spf_result r;
        if (arg == NULL || strchr(arg, '%') != NULL) {
            *res = arg ? SPF_UNKNOWN : SPF_PERMERROR;
            return -1;
        }
        if (++s->lookups > DNS_SPF_LOOKUPS)
            goto perm;
        r = spf_check(s, arg, depth + 1);
        if (r == SPF_PASS)
            return 1;
        if (r == SPF_UNKNOWN || r == SPF_PERMERROR || r == SPF_NONE) {
            *res = r == SPF_NONE ? SPF_PERMERROR : r;
            return -1;
        }
        return 0;
    }
    /* exists, ptr (RFC 7208 5.5 says do not use it), anything else */
    *res = SPF_UNKNOWN;
    return -1;
perm:
    *res = SPF_PERMERROR;
    return -1;
}

/* spf_record - the one "v=spf1" record of domain into *out (caller
 * frees); SPF_NONE, SPF_PERMERROR for two, SPF_PASS when found */
static enum spf_result
spf_record(struct dns_ctx *c, const char *domain, char **out)
{
    char *txt[DNS_TXT_MAX];
    int n = dns_txt(c, domain, txt), found = 0;

    *out = NULL;
    for (int i = 0; i < n; i++) {
        if (strncasecmp(txt[i], "v=spf1", 6) == 0 &&
            (txt[i][6] == '\0' || txt[i][6] == ' ')) {
            found++;
            if (*out == NULL)
                *out = xstrdup(txt[i]);
        }
    }
    dns_txt_free(txt, n);
    if (found > 1) {
        free(*out);
        *out = NULL;
        return SPF_PERMERROR;
    }
    return found ? SPF_PASS : SPF_NONE;
}

/* spf_check - check_host() of RFC 7208 4 for s->ip, restricted to the
 * mechanisms dns_check.h names */
static enum spf_result
spf_check(struct spf *s, const char *domain, int depth)
{
    char *rec = NULL, *save = NULL, *redirect = NULL;
    enum spf_result r = SPF_NEUTRAL, e;

    if (depth > DNS_SPF_LOOKUPS)
        return SPF_PERMERROR;
    e = spf_record(s->c, domain, &rec);
    if (e != SPF_PASS)
        return e;
    for (char *t = strtok_r(rec + 6, " ", &save); t;
         t = strtok_r(NULL, " ", &save)) {
        char q = '+';
        int m;
        if (strncasecmp(t, "redirect=", 9) == 0) {
            redirect = t + 9;
            continue;
        }
        if (strchr(t, '=') != NULL)
            continue; /* another modifier (exp=) */
        if (strchr("+-~?", *t) != NULL)
            q = *t++;
        e = SPF_NEUTRAL;
        m = spf_mech(s, domain, t, depth, &e);
        if (m == -1) {
            r = e;
            goto out;
        }
        if (m == 1) {
            r = q == '+'   ? SPF_PASS
                : q == '-' ? SPF_FAIL
                : q == '~' ? SPF_SOFTFAIL
                           : SPF_NEUTRAL;
            goto out;
        }
    }
    if (redirect != NULL) {
        if (++s->lookups > DNS_SPF_LOOKUPS || strchr(redirect, '%')) {
            r = strchr(redirect, '%') ? SPF_UNKNOWN : SPF_PERMERROR;
            goto out;
        }
        r = spf_check(s, redirect, depth + 1);
        if (r == SPF_NONE)
            r = SPF_PERMERROR;
    }
out:
    free(rec);
    return r;
}

/* dns_relay_host - the host of [smtp] url into out; 0 when there is none
 * (maildir delivery) */
static int
dns_relay_host(const struct config *cfg, char *out, size_t size)
{
    const char *p = strstr(cfg->smtp_url, "://");
    size_t n;

    if (cfg->smtp_url[0] == '\0' || p == NULL)
        return 0;
    p += 3;
    if (*p == '[') {
        p++;
        n = strcspn(p, "]");
    } else {
        n = strcspn(p, ":/");
    }
    if (n == 0 || n >= size)
        return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* dns_check_mx - MX of domain */
static void
dns_check_mx(struct dns_ctx *c, struct dns_report *r, const char *check,
             const char *domain)
{
    struct dns_item *it = dns_add(r, check, domain);
    char hosts[8][256], list[600] = "";
    int prefs[8], null_mx, n = dns_mx(c, domain, hosts, prefs, 8, &null_mx);

    for (int i = 0; i < n; i++) {
        size_t at = strlen(list);
        snprintf(list + at, sizeof(list) - at, "%s%d %s", i ? ", " : "",
                 prefs[i], hosts[i]);
    }
    if (null_mx) {
        dns_set(it, DNS_FAIL,
                "null MX (RFC 7505): %s accepts no mail, so replies and "
                "bounces are lost and receivers may refuse its mail",
                domain);
        dns_fix(it, "%s. IN MX 10 <your mail server>.", domain);
    } else if (n > 0) {
        dns_set(it, DNS_OK, "%s", list);
    } else {
        struct dns_addr a[DNS_ADDR_MAX];
        int na = 0;
        dns_addrs(c, domain, a, &na);
        if (na > 0) {
            dns_set(it, DNS_WARN,
                    "no MX; mail to %s goes to its address %s (RFC 5321 "
                    "5.1)",
                    domain, a[0].text);
        } else {
            dns_set(it, DNS_FAIL,
                    "no MX and no address: %s cannot receive replies or "
                    "bounces, and receivers refuse mail from such domains",
                    domain);
        }
        dns_fix(it, "%s. IN MX 10 <your mail server>.", domain);
    }
}

/* dns_check_spf - SPF of the envelope sender's domain, evaluated for the
 * relay's addresses */
static void
dns_check_spf(struct dns_ctx *c, const struct config *cfg, struct dns_report *r,
              const char *domain)
{
    struct dns_item *it = dns_add(r, "spf", domain);
    char *rec = NULL, relay[256];
    enum spf_result e = spf_record(c, domain, &rec);
    struct dns_addr a[DNS_ADDR_MAX];
    int na = 0;

    if (e == SPF_NONE) {
        dns_set(it, DNS_FAIL, "no SPF record");
        dns_fix(it,
                "%s. IN TXT \"v=spf1 mx -all\" (add ip4:/include: for "
                "the servers that send your mail)",
                domain);
        return;
    }
    if (e == SPF_PERMERROR) {
        dns_set(it, DNS_FAIL,
                "more than one v=spf1 record (a permanent "
                "error for every receiver)");
        dns_fix(it, "keep one v=spf1 TXT record at %s", domain);
        return;
    }
    (void)str_copy(it->detail, sizeof(it->detail), rec);
    if (!dns_relay_host(cfg, relay, sizeof(relay)) || addr_is_loopback(relay)) {
        /* maildir, or a local MTA: its public address is not known here */
        const char *all = strstr(rec, "all");
        int strict = all && all > rec && (all[-1] == '-' || all[-1] == '~');
        dns_set(it, strict ? DNS_OK : DNS_WARN,
                "%s (the relay is this machine: check that the record "
                "names its public address)%s",
                rec, strict ? "" : "; it does not end in -all or ~all");
        if (!strict)
            dns_fix(it, "end the record at %s with -all", domain);
        free(rec);
        return;
    }
    {
        struct dns_addr ip;
        memset(&ip, 0, sizeof(ip));
        if (inet_pton(AF_INET, relay, ip.a) == 1) {
            ip.family = AF_INET;
            a[na++] = ip;
        } else if (inet_pton(AF_INET6, relay, ip.a) == 1) {
            ip.family = AF_INET6;
            a[na++] = ip;
        } else {
            dns_addrs(c, relay, a, &na);
        }
        for (int i = 0; i < na; i++)
            inet_ntop(a[i].family, a[i].a, a[i].text, sizeof(a[i].text));
    }
    if (na == 0) {
        dns_set(it, DNS_WARN, "%s; the relay '%s' has no address to check", rec,
                relay);
        free(rec);
        return;
    }
    for (int i = 0; i < na; i++) {
        struct spf s = {c, &a[i], 0};
        e = spf_check(&s, domain, 0);
        if (e == SPF_PASS)
            continue;
        if (e == SPF_UNKNOWN) {
            dns_set(it, DNS_WARN,
                    "%s; not evaluated (uses exists, ptr or macros): check "
                    "that it authorises %s",
                    rec, a[i].text);
        } else {
            dns_set(it,
                    e == SPF_NEUTRAL || e == SPF_SOFTFAIL ? DNS_WARN : DNS_FAIL,
                    "%s does not authorise the relay %s (%s): %s", rec, relay,
                    a[i].text,
                    e == SPF_FAIL       ? "fail"
                    : e == SPF_SOFTFAIL ? "softfail"
                    : e == SPF_NEUTRAL  ? "neutral"
                                        : "permerror (too many lookups?)");
            dns_fix(it,
                    "add %s:%s (or include: your provider's record) to "
                    "the SPF record at %s",
                    a[i].family == AF_INET ? "ip4" : "ip6", a[i].text, domain);
        }
        free(rec);
        return;
    }
    dns_set(it, DNS_OK, "%s (authorises the relay %s)", rec, relay);
    free(rec);
}

/* dns_dkim_p - the p= value of a DKIM key record, spaces removed, into
 * out; -1 when the record is not v=DKIM1-shaped */
static int
dns_dkim_p(const char *rec, char *k, size_t ksize, struct buf *out)
{
    const char *p = rec;

    (void)str_copy(k, ksize, "rsa");
    while (*p) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        if (n >= 2 && strncmp(p, "p=", 2) == 0) {
            for (size_t i = 2; i < n; i++)
                if (p[i] != ' ' && p[i] != '\t')
                    buf_addc(out, p[i]);
        } else if (n >= 2 && strncmp(p, "k=", 2) == 0) {
            snprintf(k, ksize, "%.*s", (int)(n - 2), p + 2);
            k[strcspn(k, " \t")] = '\0';
        }
        p += n;
        if (*p == ';')
            p++;
    }
    return strstr(rec, "p=") ? 0 : -1;
}

/* dns_fix_txt - the fix: publish value at name as a TXT record, split
 * into strings of at most 250 bytes (RFC 1035 3.3.14 allows 255) */
static void
dns_fix_txt(struct dns_item *it, const char *name, const char *value)
{
    size_t n = strlen(value), at;

    at = (size_t)snprintf(it->fix, sizeof(it->fix), "%s. IN TXT (", name);
    for (size_t i = 0; i < n && at < sizeof(it->fix); i += 250)
        at += (size_t)snprintf(it->fix + at, sizeof(it->fix) - at, " \"%.*s\"",
                               (int)(n - i > 250 ? 250 : n - i), value + i);
    if (at < sizeof(it->fix))
        snprintf(it->fix + at, sizeof(it->fix) - at, " )");
}

/* dns_check_dkim - one selector: its record is there and is our key */
static void
dns_check_dkim(struct dns_ctx *c, struct dns_report *r, const char *selector,
               const char *pem, const char *d)
{
    char name[300], check[48], k[16], *txt[DNS_TXT_MAX];
    struct buf want, got;
    struct err err;
    struct dns_item *it;
    int n;

    snprintf(name, sizeof(name), "%s._domainkey.%s", selector, d);
    snprintf(check, sizeof(check), "dkim %s", selector);
    it = dns_add(r, check, name);
    buf_init(&want, 4096);
    buf_init(&got, 8192);
    err_init(&err);
    if (dkim_key_record(pem, NULL, &want, &err) == -1) {
        dns_set(it, DNS_FAIL, "the configured key: %s", err.msg);
        goto out;
    }
    n = dns_txt(c, name, txt);
    if (n == 0) {
        dns_set(it, DNS_FAIL, "no DKIM key record");
        dns_fix_txt(it, name, buf_str(&want));
    } else if (n > 1) {
        dns_set(it, DNS_FAIL, "%d TXT records; receivers need exactly one", n);
        dns_fix_txt(it, name, buf_str(&want));
    } else if (dns_dkim_p(txt[0], k, sizeof(k), &got) == -1 || got.len == 0) {
        dns_set(it, DNS_FAIL, "%s: no key (p= missing or empty: revoked)",
                txt[0]);
        dns_fix_txt(it, name, buf_str(&want));
    } else {
        const char *wp = strstr(buf_str(&want), "p=") + 2;
        const char *wk =
            strstr(buf_str(&want), "k=ed25519") ? "ed25519" : "rsa";
        if (strcmp(wp, buf_str(&got)) == 0 && strcasecmp(k, wk) == 0)
            dns_set(it, DNS_OK, "k=%s key matches [dkim] (d=%s)", k, d);
        else {
            dns_set(it, DNS_FAIL,
                    "the published k=%s key is not the configured %s key: "
                    "every signature will fail",
                    k, wk);
            dns_fix_txt(it, name, buf_str(&want));
        }
    }
    dns_txt_free(txt, n);
out:
    buf_release(&want);
    buf_release(&got);
}

/* dns_dmarc_tag - the value of tag in a DMARC record into out ("" if
 * absent) */
static void
dns_dmarc_tag(const char *rec, const char *tag, char *out, size_t size)
{
    size_t tl = strlen(tag);

    out[0] = '\0';
    for (const char *p = rec; p && *p;) {
        while (*p == ' ' || *p == ';' || *p == '\t')
            p++;
        if (strncasecmp(p, tag, tl) == 0 && p[tl] == '=') {
            size_t n = strcspn(p + tl + 1, "; \t");
            snprintf(out, size, "%.*s", (int)n, p + tl + 1);
            return;
        }
        p = strchr(p, ';');
    }
}

/* dns_check_dmarc - policy and alignment of the From domain */
static void
dns_check_dmarc(struct dns_ctx *c, const struct config *cfg,
                struct dns_report *r, const char *from, const char *dkim_d,
                const char *spf_d)
{
    char name[300], *txt[DNS_TXT_MAX], pol[32], adkim[8], aspf[8];
    const char *rec = NULL;
    struct dns_item *it;
    int n, dkim_ok, spf_ok;

    snprintf(name, sizeof(name), "_dmarc.%s", from);
    n = dns_txt(c, name, txt);
    if (n == 0 && strcasecmp(dns_org(from), from) != 0) {
        /* the organisational domain's policy covers subdomains */
        snprintf(name, sizeof(name), "_dmarc.%s", dns_org(from));
        n = dns_txt(c, name, txt);
    }
    it = dns_add(r, "dmarc", name);
    for (int i = 0; i < n; i++)
        if (strncmp(txt[i], "v=DMARC1", 8) == 0)
            rec = txt[i];
    if (rec == NULL) {
        dns_set(it, DNS_FAIL,
                "no DMARC record (Gmail and Yahoo require one "
                "of bulk senders)");
        dns_fix(it,
                "_dmarc.%s. IN TXT \"v=DMARC1; p=none; "
                "rua=mailto:dmarc@%s\" (then quarantine or reject once "
                "reports are clean)",
                from, from);
        goto out;
    }
    dns_dmarc_tag(rec, "p", pol, sizeof(pol));
    dns_dmarc_tag(rec, "adkim", adkim, sizeof(adkim));
    dns_dmarc_tag(rec, "aspf", aspf, sizeof(aspf));
    dkim_ok = dkim_d != NULL && dns_aligned(dkim_d, from, adkim[0] == 's');
    spf_ok = dns_aligned(spf_d, from, aspf[0] == 's');
    if (strcmp(pol, "none") && strcmp(pol, "quarantine") &&
        strcmp(pol, "reject")) {
        dns_set(it, DNS_FAIL, "%s: no valid p= policy", rec);
        dns_fix(it, "%s. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@%s\"",
                name, from);
    } else if (!dkim_ok && !spf_ok) {
        dns_set(it, DNS_FAIL,
                "%s: neither DKIM (%s) nor SPF (envelope domain %s) aligns "
                "with From (%s)",
                rec, dkim_d ? dkim_d : "not signing", spf_d, from);
        dns_fix(it, "sign with [dkim] domain = %s", from);
    } else {
        dns_set(it, DNS_OK, "%s: policy %s; aligned: %s%s%s", rec, pol,
                dkim_ok ? "DKIM" : "", dkim_ok && spf_ok ? " and " : "",
                spf_ok ? "SPF" : "");
    }
    (void)cfg;
out:
    dns_txt_free(txt, n);
}

/* dns_check_ptr - a local MTA sends directly: the addresses of [smtp]
 * helo have a PTR that names helo again (forward-confirmed) */
static void
dns_check_ptr(struct dns_ctx *c, const struct config *cfg, struct dns_report *r)
{
    struct dns_item *it = dns_add(r, "ptr", cfg->smtp_helo);
    struct dns_addr a[DNS_ADDR_MAX];
    int na = 0;

    if (strchr(cfg->smtp_helo, '.') == NULL) {
        dns_set(it, DNS_WARN,
                "the relay is this machine, which delivers directly; [smtp] "
                "helo '%s' is not its public name, so its PTR is not checked",
                cfg->smtp_helo);
        dns_fix(it, "set [smtp] helo to the host name the public address's "
                    "PTR names");
        return;
    }
    dns_addrs(c, cfg->smtp_helo, a, &na);
    if (na == 0) {
        dns_set(it, DNS_FAIL, "[smtp] helo '%s' has no address",
                cfg->smtp_helo);
        dns_fix(it, "%s. IN A <this machine's public address>", cfg->smtp_helo);
        return;
    }
    for (int i = 0; i < na; i++) {
        ldns_rdf *ip = ldns_rdf_new_frm_str(
            a[i].family == AF_INET ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
            a[i].text);
        ldns_rdf *rev = ip ? ldns_rdf_address_reverse(ip) : NULL;
        char *revs = rev ? ldns_rdf2str(rev) : NULL;
        ldns_rr_list *rrs = revs ? dns_query(c, revs, LDNS_RR_TYPE_PTR) : NULL;
        int match = 0;
        for (size_t k = 0; rrs && k < ldns_rr_list_rr_count(rrs); k++) {
            char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(rrs, k), 0));
            size_t tl = t ? strlen(t) : 0;
            if (tl > 0 && t[tl - 1] == '.')
                t[tl - 1] = '\0';
            if (t && strcasecmp(t, cfg->smtp_helo) == 0)
                match = 1;
            free(t);
        }
        ldns_rr_list_deep_free(rrs);
        free(revs);
        ldns_rdf_deep_free(rev);
        ldns_rdf_deep_free(ip);
        if (!match) {
            dns_set(it, DNS_FAIL,
                    "%s has no PTR naming %s: receivers refuse mail from "
                    "addresses without a matching reverse name",
                    a[i].text, cfg->smtp_helo);
            dns_fix(it, "ask the address's provider for a PTR %s -> %s",
                    a[i].text, cfg->smtp_helo);
            return;
        }
    }
    dns_set(it, DNS_OK, "%s: forward-confirmed reverse DNS", cfg->smtp_helo);
}

int
dns_check_run(const struct config *cfg, const struct dns_check_opts *o,
              struct dns_report *out, struct err *err)
{
    struct dns_ctx c;
    char from[256], dkim_d[256], spf_d[256], relay[256];
    const char *dkim_dp = NULL;

    memset(&c, 0, sizeof(c));
    memset(out, 0, sizeof(*out));
    if (o->domain != NULL)
        (void)str_copy(from, sizeof(from), o->domain);
    else
        config_from_domain(cfg, from, sizeof(from));
    if (from[0] == '\0' || strpbrk(from, " /\\@;\"") != NULL ||
        str_has_ctl(from, strlen(from))) {
        err_set(err, ERR_PERM, "check-dns: '%s' is not a domain", from);
        return -1;
    }
    if (dns_resolver(o, &c.res, err) == -1)
        return -1;
    (void)str_copy(out->domain, sizeof(out->domain), from);
    if (cfg->dkim_domain[0] != '\0')
        (void)str_copy(dkim_d, sizeof(dkim_d), cfg->dkim_domain);
    else
        (void)str_copy(dkim_d, sizeof(dkim_d), from);
    (void)str_copy(spf_d, sizeof(spf_d),
                   cfg->bounce_domain[0] ? cfg->bounce_domain : from);

    dns_check_mx(&c, out, "mx", from);
    if (strcasecmp(spf_d, from) != 0)
        dns_check_mx(&c, out, "mx bounces", spf_d);
    dns_check_spf(&c, cfg, out, spf_d);
    if (cfg->dkim_key_pem != NULL)
        dns_check_dkim(&c, out, cfg->dkim_selector, cfg->dkim_key_pem, dkim_d);
    if (cfg->dkim_ed_key_pem != NULL)
        dns_check_dkim(&c, out, cfg->dkim_ed_selector, cfg->dkim_ed_key_pem,
                       dkim_d);
    if (dkim_enabled(cfg)) {
        dkim_dp = dkim_d;
    } else {
        struct dns_item *it = dns_add(out, "dkim", from);
        dns_set(it, DNS_WARN, "[dkim] is not set: mail goes out unsigned");
        dns_fix(it,
                "paperboy dkim keygen --domain %s --selector "
                "<selector>, publish the record, set [dkim]",
                from);
    }
    dns_check_dmarc(&c, cfg, out, from, dkim_dp, spf_d);
    if (dns_relay_host(cfg, relay, sizeof(relay)) && addr_is_loopback(relay))
        dns_check_ptr(&c, cfg, out);
    if (c.lookup_failed) {
        struct dns_item *it = dns_add(out, "resolver", c.failed_name);
        dns_set(it, DNS_FAIL,
                "a query got no answer (timeout or server failure), so the "
                "results above may be incomplete");
    }
    ldns_resolver_deep_free(c.res);
    return 0;
}
