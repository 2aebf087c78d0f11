/* SPDX-License-Identifier: MIT */
/* test_verp - VERP envelope senders: round trip, any letter case and
 * <>, every tampered field refused, another key refused, malformed
 * addresses refused, and the length bound of RFC 5321's local part */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "verp.h"

int
main(void)
{
    struct token_key k, other;
    char addr[VERP_MAX], buf[VERP_MAX + 8];
    int64_t sub = 0, issued = 0;
    struct err err;

    token_key_from_string("test secret that is long enough", &k);
    token_key_from_string("another secret that is long enough", &other);

    CHECK_INT_EQ(
        verp_address(&k, 42, 1795824000, "b.example.org", addr, sizeof(addr)),
        0);
    CHECK(strncmp(addr, "bounces+42-1795824000-", 22) == 0);
    CHECK(strstr(addr, "@b.example.org") != NULL);
    CHECK_INT_EQ(verp_parse(&k, addr, &sub, &issued, &err), 0);
    CHECK_INT_EQ(sub, 42);
    CHECK_INT_EQ(issued, 1795824000);

    /* a relay or a bounce that changes the letter case, or adds <> */
    snprintf(buf, sizeof(buf), "<%s>", addr);
    for (char *p = buf; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    sub = issued = 0;
    CHECK_INT_EQ(verp_parse(&k, buf, &sub, &issued, &err), 0);
    CHECK_INT_EQ(sub, 42);

    /* the largest ids still fit a local part (64 octets) */
    CHECK_INT_EQ(
        verp_address(&k, INT64_MAX, 9999999999LL, "x.org", addr, sizeof(addr)),
        0);
    CHECK(strchr(addr, '@') - addr <= 64);
    CHECK_INT_EQ(verp_parse(&k, addr, &sub, &issued, &err), 0);
    CHECK(sub == INT64_MAX);

    /* refused: other key, a changed id, time or MAC, malformed */
    verp_address(&k, 42, 1795824000, "b.example.org", addr, sizeof(addr));
    CHECK_INT_EQ(verp_parse(&other, addr, &sub, &issued, &err), -1);
    {
        const char *mac = strrchr(addr, '-') + 1;
        char flip[17], bad[12][VERP_MAX];
        int n = 0;
        memcpy(flip, mac, 16);
        flip[16] = '\0';
        flip[15] = flip[15] == '0' ? '1' : '0'; /* one MAC digit changed */
        snprintf(bad[n++], VERP_MAX,
                 "bounces+43-1795824000-%.16s@b.example.org", mac);
        snprintf(bad[n++], VERP_MAX,
                 "bounces+42-1795824001-%.16s@b.example.org", mac);
        snprintf(bad[n++], VERP_MAX, "bounces+42-1795824000-%s@b.example.org",
                 flip);
        snprintf(bad[n++], VERP_MAX,
                 "bounces+42-1795824000-%.15s@b.example.org", mac);
        snprintf(bad[n++], VERP_MAX, "bounce+42-1795824000-%.16s@b.example.org",
                 mac);
        snprintf(bad[n++], VERP_MAX, "bounces+-1795824000-%.16s@b.example.org",
                 mac);
        snprintf(bad[n++], VERP_MAX, "bounces+42--%.16s@b.example.org", mac);
        snprintf(bad[n++], VERP_MAX, "bounces+42-1795824000-%.16s", mac);
        snprintf(bad[n++], VERP_MAX,
                 "bounces+4x2-1795824000-%.16s@b.example.org", mac);
        snprintf(bad[n++], VERP_MAX,
                 "bounces+99999999999999999999-1-%.16s@b.org", mac);
        snprintf(bad[n++], VERP_MAX, "%s", "");
        for (int i = 0; i < n; i++) {
            err_init(&err);
            if (verp_parse(&k, bad[i], &sub, &issued, &err) != -1)
                fprintf(stderr, "accepted: '%s'\n", bad[i]);
            CHECK_INT_EQ(verp_parse(&k, bad[i], &sub, &issued, &err), -1);
            CHECK(err.msg[0] != '\0');
        }
    }
    /* nothing to build on */
    CHECK_INT_EQ(verp_address(&k, 42, 1, "", addr, sizeof(addr)), -1);
    CHECK_INT_EQ(verp_address(&k, 42, 1, "b.org", addr, 20), -1);
    return CHECK_DONE();
}
