/* SPDX-License-Identifier: MIT */
/*
 * verp - VERP envelope senders (see verp.h).
 */
#include "verp.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "str.h"

#define VERP_MAC_HEX 16 /* hex digits of the MAC: 64 bits */

/* verp_mac - the MAC of (sub_id, issued_at) as lower-case hex */
static void
verp_mac(const struct token_key *k, int64_t sub_id, int64_t issued_at,
         char out[VERP_MAC_HEX + 1])
{
    char data[64];
    int n = snprintf(data, sizeof(data), "b|%" PRId64 "|%" PRId64, sub_id,
                     issued_at);

    token_mac_hex(k, data, (size_t)n, out, VERP_MAC_HEX);
}

int
verp_address(const struct token_key *k, int64_t sub_id, int64_t issued_at,
             const char *domain, char *out, size_t size)
{
    char mac[VERP_MAC_HEX + 1];
    int n;

    if (*domain == '\0' || sub_id <= 0 || issued_at < 0)
        return -1;
    verp_mac(k, sub_id, issued_at, mac);
    n = snprintf(out, size, VERP_LOCAL "+%" PRId64 "-%" PRId64 "-%s@%s", sub_id,
                 issued_at, mac, domain);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* verp_number - a decimal number of 1..19 digits at *p, moved past it */
static int
verp_number(const char **p, int64_t *out)
{
    const char *s = *p;
    int64_t v = 0;
    int n = 0;

    while (isdigit((unsigned char)*s) && n < 19) {
        if (v > (INT64_MAX - (*s - '0')) / 10)
            return -1;
        v = v * 10 + (*s - '0');
        s++;
        n++;
    }
    if (n == 0 || isdigit((unsigned char)*s))
        return -1;
    *p = s;
    *out = v;
    return 0;
}

int
verp_parse(const struct token_key *k, const char *addr, int64_t *sub_id,
           int64_t *issued_at, struct err *err)
{
    const char *p = addr;
    char want[VERP_MAC_HEX + 1], got[VERP_MAC_HEX + 1];
    int64_t sub, issued;
    size_t plen = strlen(VERP_LOCAL "+");

    if (*p == '<')
        p++;
    if (strncasecmp(p, VERP_LOCAL "+", plen) != 0)
        goto bad;
    p += plen;
    if (verp_number(&p, &sub) == -1 || *p++ != '-' ||
        verp_number(&p, &issued) == -1 || *p++ != '-')
        goto bad;
    for (int i = 0; i < VERP_MAC_HEX; i++) {
        if (!isxdigit((unsigned char)p[i]))
            goto bad;
        got[i] = (char)tolower((unsigned char)p[i]);
    }
    got[VERP_MAC_HEX] = '\0';
    if (p[VERP_MAC_HEX] != '@')
        goto bad;
    verp_mac(k, sub, issued, want);
    if (sodium_memcmp(want, got, VERP_MAC_HEX) != 0) {
        err_set(err, ERR_PERM, "verp: the address was not made by us");
        return -1;
    }
    *sub_id = sub;
    *issued_at = issued;
    return 0;
bad:
    err_set(err, ERR_PERM, "verp: not a bounce address of ours");
    return -1;
}
