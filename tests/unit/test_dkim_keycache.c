/* SPDX-License-Identifier: MIT */
/* test_dkim_keycache - libopendkim's per-signature key parse is answered
 * from the key a signer registered: every signature of a signer with
 * both keys counts two cache hits; the signature made from the cached key
 * is byte for byte the one libopendkim makes parsing the key itself (both
 * algorithms are deterministic; the time is fixed); another key, or a
 * call with an output pointer, still goes to OpenSSL; four threads with a
 * signer each sign at once (the ThreadSanitizer stage runs this too); a
 * dropped key, or one whose last signer is gone, is parsed by OpenSSL
 * again.  dkimpy verifies signatures
 * made this way in it.65-dkim. */
#include <opendkim/dkim.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "dkim.h"
#include "dkim_keycache.h"

#define NTHREADS 4
#define PER_THREAD 25

static const char msg[] =
    "From: News <news@example.org>\r\nTo: a@example.net\r\n"
    "Subject: hi\r\nDate: Fri, 20 Nov 2026 12:00:00 +0000\r\n"
    "Message-ID: <x@example.org>\r\n\r\nbody  of the\r\nmessage\r\n\r\n";

static const struct config *shared_cfg;
static int thread_failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;

/* write_file - s into path */
static void
write_file(const char *path, const char *s)
{
    FILE *fp = fopen(path, "w");

    if (fp == NULL || fputs(s, fp) == EOF || fclose(fp) != 0)
        abort();
}

/* sign_fixed - libopendkim's DKIM-Signature of msg with pem, at a fixed
 * time, into out (size bytes); 0 or -1 */
static int
sign_fixed(const char *pem, dkim_alg_t alg, char *out, size_t size)
{
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    uint64_t when = 1800000000;
    DKIM_STAT st;
    DKIM *d;
    unsigned char *hdr = NULL;
    size_t hlen = 0;
    int rc = -1;

    if (lib == NULL || dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME,
                                    &when, sizeof(when)) != DKIM_STAT_OK)
        abort();
    d = dkim_sign(lib, (const unsigned char *)"t", NULL, (dkim_sigkey_t)pem,
                  (const unsigned char *)"s",
                  (const unsigned char *)"example.org", DKIM_CANON_RELAXED,
                  DKIM_CANON_RELAXED, alg, -1, &st);
    if (d != NULL &&
        dkim_chunk(d, (unsigned char *)msg, sizeof(msg) - 1) == 0 &&
        dkim_chunk(d, NULL, 0) == 0 && dkim_eom(d, NULL) == 0 &&
        dkim_getsighdr_d(d, 16, &hdr, &hlen) == 0 && hlen < size) {
        memcpy(out, hdr, hlen);
        out[hlen] = '\0';
        rc = 0;
    }
    if (d != NULL)
        dkim_free(d);
    dkim_close(lib);
    return rc;
}

/* parse - OpenSSL's parse of pem through the (interposed) PEM reader */
static EVP_PKEY *
parse(const char *pem, EVP_PKEY **x)
{
    BIO *b = BIO_new_mem_buf(pem, (int)strlen(pem));
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, x, NULL, NULL);

    BIO_free(b);
    return k;
}

static void *
signer_thread(void *arg)
{
    struct dkim_signer *s = NULL;
    struct buf out;
    struct err err;
    int bad = 0;

    (void)arg;
    buf_init(&out, 65536);
    err_init(&err);
    if (dkim_signer_new(shared_cfg, &s, &err) == -1)
        bad++;
    for (int i = 0; i < PER_THREAD && s != NULL; i++) {
        buf_reset(&out);
        if (dkim_sign_message(s, msg, sizeof(msg) - 1, &out, &err) == -1 ||
            strstr(buf_str(&out), "a=ed25519-sha256;") == NULL)
            bad++;
    }
    dkim_signer_free(s);
    buf_release(&out);
    pthread_mutex_lock(&fail_lock);
    thread_failures += bad;
    pthread_mutex_unlock(&fail_lock);
    return NULL;
}

int
main(void)
{
    char dir[] = "/tmp/pb-dkimkc-XXXXXX", path[512], text[1024];
    char *rsa = NULL, *ed = NULL, *other = NULL;
    char fresh[4096], cached[4096];
    struct err err;
    struct config *cfg;
    struct dkim_signer *s = NULL;
    struct buf out;
    unsigned long h;
    pthread_t t[NTHREADS];
    EVP_PKEY *k, *into;

    if (mkdtemp(dir) == NULL)
        return 1;
    buf_init(&out, 65536);
    err_init(&err);
    CHECK_INT_EQ(dkim_keygen(DKIM_ALG_RSA, &rsa, &err), 0);
    CHECK_INT_EQ(dkim_keygen(DKIM_ALG_ED25519, &ed, &err), 0);
    CHECK_INT_EQ(dkim_keygen(DKIM_ALG_RSA, &other, &err), 0);
    if (rsa == NULL || ed == NULL || other == NULL)
        return CHECK_DONE();

    /* the same signature from the cached key as from libopendkim's parse */
    h = dkim_keycache_hits();
    CHECK_INT_EQ(sign_fixed(rsa, DKIM_SIGN_RSASHA256, fresh, sizeof(fresh)), 0);
    CHECK(dkim_keycache_hits() == h); /* not registered: OpenSSL parsed it */
    CHECK_INT_EQ(dkim_keycache_add(rsa), 0);
    CHECK_INT_EQ(sign_fixed(rsa, DKIM_SIGN_RSASHA256, cached, sizeof(cached)),
                 0);
    CHECK(dkim_keycache_hits() == h + 1);
    CHECK_STR_EQ(cached, fresh);
    CHECK(strstr(cached, "t=1800000000;") != NULL);
    CHECK_INT_EQ(sign_fixed(ed, DKIM_SIGN_ED25519SHA256, fresh, sizeof(fresh)),
                 0);
    CHECK_INT_EQ(dkim_keycache_add(ed), 0);
    CHECK_INT_EQ(
        sign_fixed(ed, DKIM_SIGN_ED25519SHA256, cached, sizeof(cached)), 0);
    CHECK(dkim_keycache_hits() == h + 2);
    CHECK_STR_EQ(cached, fresh);
    dkim_keycache_drop(rsa);
    dkim_keycache_drop(ed);
    h = dkim_keycache_hits();
    CHECK_INT_EQ(sign_fixed(rsa, DKIM_SIGN_RSASHA256, fresh, sizeof(fresh)), 0);
    CHECK(dkim_keycache_hits() == h); /* dropped: OpenSSL parses it again */

    /* anything else still goes to OpenSSL */
    h = dkim_keycache_hits();
    k = parse(other, NULL);
    CHECK(k != NULL);
    CHECK(dkim_keycache_hits() == h);
    EVP_PKEY_free(k);
    into = NULL;
    k = parse(rsa, &into); /* an output pointer: not answered from the cache */
    CHECK(k != NULL && k == into);
    CHECK(dkim_keycache_hits() == h);
    EVP_PKEY_free(k);
    CHECK(
        parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
              NULL) == NULL);
    CHECK_INT_EQ(dkim_keycache_add("not a key"), -1);

    /* a signer with both keys registers them: two hits a message */
    snprintf(path, sizeof(path), "%s/rsa.key", dir);
    write_file(path, rsa);
    snprintf(path, sizeof(path), "%s/ed.key", dir);
    write_file(path, ed);
    snprintf(path, sizeof(path), "%s/p.ini", dir);
    snprintf(text, sizeof(text),
             "[smtp]\nfrom = News <news@example.org>\n[dkim]\n"
             "selector = r\nkey_file = %s/rsa.key\ned25519_selector = e\n"
             "ed25519_key_file = %s/ed.key\n",
             dir, dir);
    write_file(path, text);
    cfg = config_load(path, &err);
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return CHECK_DONE();
    CHECK_INT_EQ(dkim_signer_new(cfg, &s, &err), 0);
    h = dkim_keycache_hits();
    for (int i = 0; i < 3; i++)
        CHECK_INT_EQ(dkim_sign_message(s, msg, sizeof(msg) - 1, &out, &err), 0);
    CHECK(dkim_keycache_hits() == h + 6);
    dkim_signer_free(s);

    /* four signers at once, in threads */
    shared_cfg = cfg;
    h = dkim_keycache_hits();
    for (int i = 0; i < NTHREADS; i++)
        CHECK_INT_EQ(pthread_create(&t[i], NULL, signer_thread, NULL), 0);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_INT_EQ(thread_failures, 0);
    CHECK(dkim_keycache_hits() == h + NTHREADS * PER_THREAD * 2);

    /* the last signer gone, the keys are parsed by OpenSSL again */
    h = dkim_keycache_hits();
    CHECK_INT_EQ(sign_fixed(ed, DKIM_SIGN_ED25519SHA256, fresh, sizeof(fresh)),
                 0);
    CHECK(dkim_keycache_hits() == h);

    config_free(cfg);
    free(rsa);
    free(ed);
    free(other);
    buf_release(&out);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    if (system(path) != 0)
        return 1;
    return CHECK_DONE();
}
