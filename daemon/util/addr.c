/* SPDX-License-Identifier: MIT */
/*
 * addr - email address validation and normalisation (see addr.h).
 *
 * What is accepted on purpose: dot-atom local parts of printable ASCII
 * (RFC 5322 3.2.3 atext), and domains that are either LDH names or
 * internationalised names that libidn2 maps (UTS #46, non-transitional)
 * to A-labels.  What is refused on purpose, with a reason: quoted local
 * parts, comments, address literals ([192.0.2.1]), non-ASCII local parts
 * (SMTPUTF8 is not something a small relay can be assumed to speak) and
 * single-label domains.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "str.h"

/* the raw input is capped long before the RFC limits are checked, so
 * that a megabyte of garbage is refused without being copied */
#define ADDR_INPUT_MAX 1024

/* addr_is_atext - RFC 5322 atext: ALPHA DIGIT and !#$%&'*+-/=?^_`{|}~ */
static int
addr_is_atext(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* addr_check_local - validate the local part (n bytes at s) */
static int
addr_check_local(const char *s, size_t n, struct err *err)
{
    if (n == 0) {
        err_set(err, ERR_PERM, "the local part (before the @) is empty");
        return -1;
    }
    if (n > ADDR_LOCAL_MAX) {
        err_set(err, ERR_PERM, "the local part is longer than %d characters",
                ADDR_LOCAL_MAX);
        return -1;
    }
    if (s[0] == '.' || s[n - 1] == '.') {
        err_set(err, ERR_PERM, "the local part starts or ends with a dot");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (s[i + 1] == '.') {
                err_set(err, ERR_PERM, "the local part has two dots in a row");
                return -1;
            }
            continue;
        }
        if (c == '"') {
            err_set(err, ERR_PERM, "quoted local parts are not accepted");
            return -1;
        }
        if (c >= 0x80) {
            err_set(err, ERR_PERM,
                    "the local part must be plain ASCII (letters, digits "
                    "and . ! # $ %% & ' * + - / = ? ^ _ ` { | } ~)");
            return -1;
        }
        if (!addr_is_atext(c)) {
            err_set(err, ERR_PERM,
                    "the local part contains the character '%c', which is "
                    "not allowed",
                    c);
            return -1;
        }
    }
    return 0;
}

/* addr_check_domain - validate an ASCII (A-label) domain, lower case */
static int
addr_check_domain(const char *d, struct err *err)
{
    size_t n = strlen(d), label = 0;
    const char *start = d, *last = d;
    int all_digits = 1;

    if (n > 253) {
        err_set(err, ERR_PERM, "the domain is longer than 253 characters");
        return -1;
    }
    if (d[0] == '[') {
        err_set(err, ERR_PERM,
                "address literals such as [192.0.2.1] are not accepted");
        return -1;
    }
    if (strchr(d, '.') == NULL) {
        err_set(err, ERR_PERM, "the domain '%s' has no dot", d);
        return -1;
    }
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            label = (size_t)(p - start);
            if (label == 0) {
                err_set(err, ERR_PERM,
                        "the domain '%s' has an empty label (a leading, "
                        "trailing or double dot)",
                        d);
                return -1;
            }
            if (label > 63) {
                err_set(err, ERR_PERM,
                        "a label of the domain is longer than 63 characters");
                return -1;
            }
            if (start[0] == '-' || p[-1] == '-') {
                err_set(err, ERR_PERM,
                        "a label of the domain '%s' starts or ends with a "
                        "hyphen",
                        d);
                return -1;
            }
            if (*p == '\0')
                break;
            start = p + 1;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-') {
            err_set(err, ERR_PERM,
                    "the domain contains the character '%c', which is not "
                    "allowed",
                    *p);
            return -1;
        }
    }
    last = strrchr(d, '.') + 1;
    for (const char *p = last; *p; p++)
        if (!isdigit((unsigned char)*p))
            all_digits = 0;
    if (all_digits) {
        err_set(err, ERR_PERM, "the domain '%s' ends in a number", d);
        return -1;
    }
    return 0;
}

/* addr_to_ascii - the A-label form of a domain (libidn2, IDNA2008
 * non-transitional) in *out, freed by the caller; -1 with err when it is
 * not a valid internationalised domain name */
static int
addr_to_ascii(const char *domain, char **out, struct err *err)
{
    int irc =
        idn2_to_ascii_8z(domain, out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);

    if (irc != IDN2_OK) {
        err_set(err, ERR_PERM,
                "the domain is not a valid internationalised domain name (%s)",
                idn2_strerror(irc));
        return -1;
    }
    return 0;
}

int
addr_normalize(const char *in, char *out, size_t size, struct err *err)
{
    char raw[ADDR_INPUT_MAX + 1];
    char *s, *at, *domain, *ascii = NULL;
    size_t len, n;
    int rc = -1, nonascii = 0;

    len = strlen(in);
    if (len > ADDR_INPUT_MAX) {
        err_set(err, ERR_PERM, "the address is longer than %d characters",
                ADDR_MAX);
        return -1;
    }
    memcpy(raw, in, len + 1);
    s = str_trim(raw);
    len = strlen(s);
    if (len == 0) {
        err_set(err, ERR_PERM, "the address is empty");
        return -1;
    }
    if (!str_utf8_valid(s, len)) {
        err_set(err, ERR_PERM, "the address is not valid UTF-8");
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            err_set(err, ERR_PERM, "the address contains a space");
            return -1;
        }
        if (c < 0x20 || c == 0x7f) {
            err_set(err, ERR_PERM, "the address contains a control character");
            return -1;
        }
    }
    if (strchr(s, '<') != NULL || strchr(s, '>') != NULL) {
        err_set(err, ERR_PERM,
                "give the bare address without a name or <angle brackets>");
        return -1;
    }
    at = strchr(s, '@');
    if (at == NULL) {
        err_set(err, ERR_PERM, "the address has no @");
        return -1;
    }
    if (strchr(at + 1, '@') != NULL) {
        err_set(err, ERR_PERM, "the address has more than one @");
        return -1;
    }
    if (addr_check_local(s, (size_t)(at - s), err) == -1)
        return -1;
    domain = at + 1;
    if (*domain == '\0') {
        err_set(err, ERR_PERM, "the domain (after the @) is empty");
        return -1;
    }
    for (const char *p = domain; *p; p++)
        if ((unsigned char)*p >= 0x80)
            nonascii = 1;
    if (nonascii) {
        if (addr_to_ascii(domain, &ascii, err) == -1)
            goto out;
        domain = ascii;
    }
    str_lower(domain);
    if (addr_check_domain(domain, err) == -1)
        goto out;
    if (!nonascii && strstr(domain, "xn--") != NULL) {
        /* an A-label typed as such must be valid punycode of a valid
         * U-label, or two spellings of one mailbox could be stored */
        char *check = NULL;
        int bad = addr_to_ascii(domain, &check, err) == -1;
        free(check);
        if (bad)
            goto out;
    }
    n = (size_t)(at - s) + 1 + strlen(domain);
    if (n > ADDR_MAX) {
        err_set(err, ERR_PERM, "the address is longer than %d characters",
                ADDR_MAX);
        goto out;
    }
    if (n + 1 > size) {
        err_set(err, ERR_PERM, "the address does not fit its buffer");
        goto out;
    }
    memcpy(out, s, (size_t)(at - s) + 1);
    memcpy(out + (at - s) + 1, domain, strlen(domain) + 1);
    rc = 0;
out:
    free(ascii);
    return rc;
}

int
addr_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;

    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return strcasecmp(host, "localhost") == 0;
}
