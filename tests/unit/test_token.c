/* SPDX-License-Identifier: MIT */
/* test_token - HMAC tokens: round trip, tamper, truncation, purpose,
 * expiry, secret file creation, the keyed state equal to a plain HMAC */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "token.h"

int
main(void)
{
    struct token_key k, other;
    char tok[TOKEN_MAX], bad[TOKEN_MAX];
    int64_t id = 0, issued = 0, now = 1795824000;
    struct err err;
    struct config *cfg;
    char dir[] = "/tmp/pb-token-XXXXXX";
    char path[256];
    struct stat st;
    struct token_key k1, k2;

    token_key_from_string("test secret that is long enough", &k);
    token_key_from_string("another secret that is long enough", &other);

    token_make(&k, TOKEN_CONFIRM, 42, now, tok);
    CHECK(strlen(tok) > 40);
    /* the keyed HMAC state gives the plain HMAC's bytes, for tokens and
     * for Message-ID hashes */
    {
        struct token_key plain = k;
        char t2[TOKEN_MAX], h1[65], h2[65];
        plain.keyed_ok = 0;
        token_make(&plain, TOKEN_CONFIRM, 42, now, t2);
        CHECK_STR_EQ(t2, tok);
        token_mac_hex(&k, "message 7", 9, h1, 64);
        token_mac_hex(&plain, "message 7", 9, h2, 64);
        CHECK_STR_EQ(h1, h2);
        /* and it does not run on after one use */
        token_make(&k, TOKEN_CONFIRM, 42, now, t2);
        CHECK_STR_EQ(t2, tok);
    }
    CHECK(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789-_") == strlen(tok));
    err_init(&err);
    CHECK_INT_EQ(
        token_check(&k, tok, TOKEN_CONFIRM, now + 60, &id, &issued, &err), 0);
    CHECK_INT_EQ(id, 42);
    CHECK_INT_EQ(issued, now);

    /* expired after 7 days, still fine just before */
    CHECK_INT_EQ(token_check(&k, tok, TOKEN_CONFIRM, now + 7 * 86400 - 1, &id,
                             &issued, &err),
                 0);
    CHECK_INT_EQ(token_check(&k, tok, TOKEN_CONFIRM, now + 7 * 86400 + 1, &id,
                             &issued, &err),
                 -1);
    CHECK_CONTAINS(err.msg, "expired");

    /* wrong purpose */
    CHECK_INT_EQ(
        token_check(&k, tok, TOKEN_UNSUBSCRIBE, now, &id, &issued, &err), -1);
    CHECK_CONTAINS(err.msg, "different page");

    /* forged with another key */
    CHECK_INT_EQ(
        token_check(&other, tok, TOKEN_CONFIRM, now, &id, &issued, &err), -1);
    CHECK_CONTAINS(err.msg, "not valid");

    /* every single-character change is caught */
    for (size_t i = 0; i < strlen(tok); i++) {
        memcpy(bad, tok, sizeof(bad));
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        id = -1;
        CHECK_INT_EQ(
            token_check(&k, bad, TOKEN_CONFIRM, now, &id, &issued, &err), -1);
        CHECK_INT_EQ(id, -1); /* out-parameters untouched on failure */
    }
    /* truncated, empty, garbage */
    memcpy(bad, tok, sizeof(bad));
    bad[strlen(bad) - 3] = '\0';
    CHECK_INT_EQ(token_check(&k, bad, TOKEN_CONFIRM, now, &id, &issued, &err),
                 -1);
    CHECK_CONTAINS(err.msg, "incomplete");
    CHECK_INT_EQ(token_check(&k, "", TOKEN_CONFIRM, now, &id, &issued, &err),
                 -1);
    CHECK_INT_EQ(
        token_check(&k, "%%%%", TOKEN_CONFIRM, now, &id, &issued, &err), -1);

    /* unsubscribe tokens never expire */
    token_make(&k, TOKEN_UNSUBSCRIBE, 7, now, tok);
    CHECK_INT_EQ(token_check(&k, tok, TOKEN_UNSUBSCRIBE, now + 3650L * 86400,
                             &id, &issued, &err),
                 0);
    CHECK_INT_EQ(id, 7);

    /* the secret file is created 0600 once and reused */
    /* pair tokens (votes): round trip; neither kind verifies as the
     * other; a changed byte is refused */
    {
        int64_t a = 0, b = 0, at = 0;
        char one[TOKEN_MAX];
        token_make_pair(&k, TOKEN_VOTE, 7, 123456, now, tok);
        CHECK(strlen(tok) < TOKEN_MAX - 1);
        CHECK_INT_EQ(token_check_pair(&k, tok, TOKEN_VOTE, &a, &b, &at, &err),
                     0);
        CHECK(a == 7 && b == 123456 && at == now);
        CHECK_INT_EQ(token_check(&k, tok, TOKEN_VOTE, now, &a, &at, &err), -1);
        CHECK_INT_EQ(
            token_check_pair(&other, tok, TOKEN_VOTE, &a, &b, &at, &err), -1);
        CHECK_INT_EQ(
            token_check_pair(&k, tok, TOKEN_PREFERENCES, &a, &b, &at, &err),
            -1);
        token_make(&k, TOKEN_PREFERENCES, 7, now, one);
        CHECK_INT_EQ(
            token_check_pair(&k, one, TOKEN_PREFERENCES, &a, &b, &at, &err),
            -1);
        memcpy(bad, tok, TOKEN_MAX);
        bad[10] = bad[10] == 'A' ? 'B' : 'A';
        a = b = 0;
        CHECK_INT_EQ(token_check_pair(&k, bad, TOKEN_VOTE, &a, &b, &at, &err),
                     -1);
        CHECK(a == 0 && b == 0);
    }

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/secret", dir);
    cfg = config_defaults();
    free(cfg->secret_file);
    cfg->secret_file = strdup(path);
    CHECK_INT_EQ(token_key_load(cfg, &k1, &err), 0);
    CHECK_INT_EQ(stat(path, &st), 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    CHECK_INT_EQ(token_key_load(cfg, &k2, &err), 0);
    CHECK(memcmp(k1.key, k2.key, sizeof(k1.key)) == 0);
    config_free(cfg);
    unlink(path);
    rmdir(dir);
    return CHECK_DONE();
}
