/* SPDX-License-Identifier: MIT */
/* test_dkim - keys from dkim_keygen() and their TXT records; the config
 * checks (kinds, sizes); a signer appends one DKIM-Signature per key; a
 * message libopendkim cannot sign (no From) fails with ERR_TEMP and
 * leaves the output as it was, so the caller can defer it.  The
 * signatures themselves are verified by dkimpy in it.65-dkim. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "dkim.h"

/* write_file - s into path */
static void
write_file(const char *path, const char *s)
{
    FILE *fp = fopen(path, "w");

    if (fp == NULL || fputs(s, fp) == EOF || fclose(fp) != 0)
        abort();
}

/* load - a config with a [dkim] section given as text */
static struct config *
load(const char *dir, const char *dkim, struct err *err)
{
    char path[512], text[2048];

    snprintf(path, sizeof(path), "%s/p.ini", dir);
    snprintf(text, sizeof(text),
             "[smtp]\nfrom = News <news@example.org>\n[dkim]\n%s", dkim);
    write_file(path, text);
    err_init(err);
    return config_load(path, err);
}

int
main(void)
{
    char dir[] = "/tmp/pb-dkim-XXXXXX", path[512], text[1024];
    char *rsa = NULL, *ed = NULL;
    struct buf rec, out;
    struct err err;
    struct config *cfg;
    struct dkim_signer *s = NULL;
    enum dkim_alg alg = 0;
    static const char msg[] =
        "From: News <news@example.org>\r\nTo: a@example.net\r\n"
        "Subject: hi\r\nDate: Fri, 20 Nov 2026 12:00:00 +0000\r\n"
        "Message-ID: <x@example.org>\r\n\r\nbody\r\n";
    static const char no_from[] =
        "To: a@example.net\r\nSubject: hi\r\n\r\nb\r\n";

    if (mkdtemp(dir) == NULL)
        return 1;
    buf_init(&rec, 8192);
    buf_init(&out, 65536);
    err_init(&err);

    CHECK_INT_EQ(dkim_keygen(DKIM_ALG_RSA, &rsa, &err), 0);
    CHECK_INT_EQ(dkim_keygen(DKIM_ALG_ED25519, &ed, &err), 0);
    CHECK(strncmp(rsa, "-----BEGIN PRIVATE KEY-----", 27) == 0);
    CHECK_INT_EQ(dkim_key_record(rsa, &alg, &rec, &err), 0);
    CHECK_INT_EQ(alg, DKIM_ALG_RSA);
    CHECK(strncmp(buf_str(&rec), "v=DKIM1; k=rsa; p=MIIBIjAN", 26) == 0);
    buf_reset(&rec);
    CHECK_INT_EQ(dkim_key_record(ed, &alg, &rec, &err), 0);
    CHECK_INT_EQ(alg, DKIM_ALG_ED25519);
    /* RFC 8463 4.2: the raw 32-byte key, 44 base64 characters */
    CHECK_INT_EQ(strlen(buf_str(&rec)), strlen("v=DKIM1; k=ed25519; p=") + 44);
    CHECK_INT_EQ(
        dkim_key_record("-----BEGIN PRIVATE KEY-----\nxx\n", NULL, &rec, &err),
        -1);

    snprintf(path, sizeof(path), "%s/rsa.key", dir);
    write_file(path, rsa);
    snprintf(path, sizeof(path), "%s/ed.key", dir);
    write_file(path, ed);

    /* both keys: two signatures, rsa first */
    snprintf(text, sizeof(text),
             "selector = r\nkey_file = %s/rsa.key\ned25519_selector = e\n"
             "ed25519_key_file = %s/ed.key\n",
             dir, dir);
    cfg = load(dir, text, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL) {
        CHECK(dkim_enabled(cfg));
        CHECK_INT_EQ(dkim_check_config(cfg, &err), 0);
        CHECK_INT_EQ(dkim_signer_new(cfg, &s, &err), 0);
        CHECK_INT_EQ(dkim_sign_message(s, msg, sizeof(msg) - 1, &out, &err), 0);
        CHECK(strncmp(buf_str(&out), "DKIM-Signature: v=1; a=rsa-sha256;",
                      34) == 0);
        CHECK(strstr(buf_str(&out), "\r\nDKIM-Signature: v=1; "
                                    "a=ed25519-sha256;") != NULL);
        CHECK(strstr(buf_str(&out), "d=example.org;") != NULL);
        CHECK(strstr(buf_str(&out), "c=relaxed/relaxed;") != NULL);
        /* every line ends in CRLF: no bare LF from libopendkim's folding */
        for (size_t i = 0; i < out.len; i++)
            if (out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r'))
                CHECK(!"bare LF");
        /* a message it cannot sign: ERR_TEMP, out unchanged */
        {
            size_t before = out.len;
            err_init(&err);
            CHECK_INT_EQ(
                dkim_sign_message(s, no_from, sizeof(no_from) - 1, &out, &err),
                -1);
            CHECK_INT_EQ(err.kind, ERR_TEMP);
            CHECK_INT_EQ(out.len, before);
        }
        dkim_signer_free(s);
        config_free(cfg);
    }

    /* the keys swapped: each refused for its kind */
    snprintf(text, sizeof(text), "selector = r\nkey_file = %s/ed.key\n", dir);
    cfg = load(dir, text, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL) {
        CHECK_INT_EQ(dkim_check_config(cfg, &err), -1);
        CHECK(strstr(err.msg, "is an Ed25519 key") != NULL);
        config_free(cfg);
    }
    snprintf(text, sizeof(text),
             "ed25519_selector = e\ned25519_key_file = %s/rsa.key\n", dir);
    cfg = load(dir, text, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL) {
        CHECK_INT_EQ(dkim_check_config(cfg, &err), -1);
        CHECK(strstr(err.msg, "is an RSA key") != NULL);
        config_free(cfg);
    }
    /* no [dkim]: off, no signer */
    cfg = load(dir, "", &err);
    CHECK(cfg != NULL);
    if (cfg != NULL) {
        CHECK(!dkim_enabled(cfg));
        CHECK_INT_EQ(dkim_check_config(cfg, &err), 0);
        s = (struct dkim_signer *)1;
        CHECK_INT_EQ(dkim_signer_new(cfg, &s, &err), 0);
        CHECK(s == NULL);
        config_free(cfg);
    }

    free(rsa);
    free(ed);
    buf_release(&rec);
    buf_release(&out);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0)
        return 1;
    return CHECK_DONE();
}
