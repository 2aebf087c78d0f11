/* SPDX-License-Identifier: MIT */
/*
 * dkim_parts - what one DKIM signature costs, part by part, with the
 * libopendkim and OpenSSL 3.0 that Debian ships (bench/README.md, "DKIM
 * signing").  Not part of the build: the script bench/dkim_parts makes keys,
 * compiles and runs it.
 *
 *   dkim_parts RSA_PKCS8.pem RSA_TRAD.pem RSA_PKCS1.b64 RSA_PKCS8.b64
 *              ED25519_PKCS8.pem ED25519_PKCS8.b64
 *
 * Times, each the median of 7 rounds of N calls:
 *   - parsing each key form the ways libopendkim does
 *     (PEM_read_bio_PrivateKey for "-----", d2i_PrivateKey_bio otherwise);
 *   - the private-key operation alone (RSA-2048 PKCS#1 v1.5 over a SHA-256
 *     digest; Ed25519 over a 32-byte digest, as libopendkim signs);
 *   - libopendkim's whole dkim_sign+dkim_chunk+dkim_eom+dkim_getsighdr_d
 *     over a 23 KB message, relaxed/relaxed, with each accepted key form;
 *   - the same with the parse answered from a key parsed once (this file
 *     interposes PEM_read_bio_PrivateKey when PARTS_CACHE is set), which
 *     leaves canonicalisation + hashing + the signature.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <opendkim/dkim.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static EVP_PKEY *cached;
static int use_cache;

/* the cache this bench measures: every PEM parse answers the one key */
EVP_PKEY *
PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
    static EVP_PKEY *(*real)(BIO *, EVP_PKEY **, pem_password_cb *, void *);

    if (use_cache && cached != NULL && x == NULL) {
        EVP_PKEY_up_ref(cached);
        return cached;
    }
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "PEM_read_bio_PrivateKey");
    return real(bp, x, cb, u);
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        perror(path);
        exit(1);
    }
    rewind(f);
    s = malloc((size_t)n + 1);
    if (fread(s, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(1);
    }
    s[n] = '\0';
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    fclose(f);
    return s;
}

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* median over 7 rounds of n calls of fn(arg), microseconds per call */
static double
bench(void (*fn)(const void *), const void *arg, int n)
{
    double r[7];

    fn(arg); /* warm */
    for (int i = 0; i < 7; i++) {
        double t0 = now();

        for (int j = 0; j < n; j++)
            fn(arg);
        r[i] = (now() - t0) * 1e6 / n;
    }
    qsort(r, 7, sizeof(r[0]), cmpd);
    return r[3];
}

static void
parse_pem(const void *arg)
{
    const char *pem = arg;
    BIO *b = BIO_new_mem_buf(pem, (int)strlen(pem));
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

    if (k == NULL)
        abort();
    EVP_PKEY_free(k);
    BIO_free(b);
}

struct der {
    unsigned char *p;
    int n;
};

static void
parse_der(const void *arg)
{
    const struct der *d = arg;
    BIO *b = BIO_new_mem_buf(d->p, d->n);
    EVP_PKEY *k = d2i_PrivateKey_bio(b, NULL);

    if (k == NULL)
        abort();
    EVP_PKEY_free(k);
    BIO_free(b);
}

static struct der
unb64(const char *s)
{
    struct der d;
    size_t n = strlen(s);

    d.p = malloc(n);
    d.n = EVP_DecodeBlock(d.p, (const unsigned char *)s, (int)n);
    while (n > 0 && s[n - 1] == '=') { /* EVP_DecodeBlock keeps the pad */
        d.n--;
        n--;
    }
    return d;
}

static EVP_PKEY *
load(const char *pem)
{
    BIO *b = BIO_new_mem_buf(pem, (int)strlen(pem));
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

    BIO_free(b);
    if (k == NULL)
        abort();
    return k;
}

static const unsigned char digest[32] = {1, 2, 3};

static void
sign_rsa(const void *arg)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new((EVP_PKEY *)arg, NULL);
    unsigned char out[512];
    size_t outlen = sizeof(out);

    if (EVP_PKEY_sign_init(c) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1 ||
        EVP_PKEY_sign(c, out, &outlen, digest, sizeof(digest)) != 1)
        abort();
    EVP_PKEY_CTX_free(c);
}

static void
sign_ed(const void *arg)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char out[64];
    size_t outlen = sizeof(out);

    if (EVP_DigestSignInit(c, NULL, NULL, NULL, (EVP_PKEY *)arg) != 1 ||
        EVP_DigestSign(c, out, &outlen, digest, sizeof(digest)) != 1)
        abort();
    EVP_MD_CTX_free(c);
}

static DKIM_LIB *lib;
static char *msg;
static size_t msglen;

struct job {
    const char *key;
    dkim_alg_t alg;
};

static void
dkim_whole(const void *arg)
{
    const struct job *j = arg;
    DKIM_STAT st;
    unsigned char *hdr;
    size_t hlen;
    DKIM *d = dkim_sign(
        lib, (const unsigned char *)"b", NULL, (dkim_sigkey_t)j->key,
        (const unsigned char *)"s", (const unsigned char *)"example.org",
        DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, j->alg, -1, &st);

    if (d == NULL || dkim_chunk(d, (unsigned char *)msg, msglen) != 0 ||
        dkim_chunk(d, NULL, 0) != 0 || dkim_eom(d, NULL) != 0 ||
        dkim_getsighdr_d(d, 16, &hdr, &hlen) != 0) {
        fprintf(stderr, "dkim: %s\n", d ? dkim_geterror(d) : "dkim_sign");
        abort();
    }
    dkim_free(d);
}

static void
make_message(void)
{
    static const char head[] =
        "From: Paperboy <paperboy@example.org>\r\n"
        "To: reader@example.net\r\n"
        "Subject: Trending papers\r\n"
        "Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n"
        "Message-ID: <1@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "List-Id: <daily.example.org>\r\n"
        "List-Unsubscribe: <https://example.org/u/x>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "\r\n";
    size_t cap = 24 * 1024;

    msg = malloc(cap + sizeof(head));
    memcpy(msg, head, sizeof(head) - 1);
    msglen = sizeof(head) - 1;
    while (msglen + 80 < sizeof(head) + 23 * 1024) {
        /* 76 characters, two spaces inside (relaxed folds them) + CRLF */
        memcpy(msg + msglen,
               "<p>Attention  is all you need, again: a survey of "
               "transformers   in 2026</p>\r\n",
               78);
        msglen += 78;
    }
}

int
main(int argc, char **argv)
{
    char *rsa8, *rsatrad, *rsa1b64, *rsa8b64, *ed8, *ed8b64;
    struct der d1, d8, de;
    EVP_PKEY *rk, *ek;
    struct job j;
    double pem_rsa8, sig_rsa, sig_ed, pem_ed, w;

    if (argc != 7) {
        fprintf(stderr, "usage: see the top of bench/dkim_parts.c\n");
        return 2;
    }
    rsa8 = slurp(argv[1]);
    rsatrad = slurp(argv[2]);
    rsa1b64 = slurp(argv[3]);
    rsa8b64 = slurp(argv[4]);
    ed8 = slurp(argv[5]);
    ed8b64 = slurp(argv[6]);
    d1 = unb64(rsa1b64);
    d8 = unb64(rsa8b64);
    de = unb64(ed8b64);
    make_message();

    printf("%-58s %9s\n", "part (OpenSSL 3.0, median of 7 rounds)", "us/call");
    pem_rsa8 = bench(parse_pem, rsa8, 200);
    printf("%-58s %9.1f\n", "parse RSA-2048 PEM PKCS#8 (BEGIN PRIVATE KEY)",
           pem_rsa8);
    printf("%-58s %9.1f\n", "parse RSA-2048 PEM PKCS#1 (BEGIN RSA PRIVATE KEY)",
           bench(parse_pem, rsatrad, 200));
    printf("%-58s %9.1f\n", "parse RSA-2048 DER PKCS#1 (d2i_PrivateKey_bio)",
           bench(parse_der, &d1, 200));
    printf("%-58s %9.1f\n", "parse RSA-2048 DER PKCS#8 (d2i_PrivateKey_bio)",
           bench(parse_der, &d8, 200));
    pem_ed = bench(parse_pem, ed8, 200);
    printf("%-58s %9.1f\n", "parse Ed25519 PEM PKCS#8", pem_ed);
    printf("%-58s %9.1f\n", "parse Ed25519 DER PKCS#8 (d2i_PrivateKey_bio)",
           bench(parse_der, &de, 200));

    rk = load(rsa8);
    ek = load(ed8);
    sig_rsa = bench(sign_rsa, rk, 200);
    sig_ed = bench(sign_ed, ek, 1000);
    printf("%-58s %9.1f\n", "sign RSA-2048 (PKCS#1 v1.5, SHA-256 digest)",
           sig_rsa);
    printf("%-58s %9.1f\n", "sign Ed25519 (32-byte digest)", sig_ed);

    lib = dkim_init(NULL, NULL);
    printf("libopendkim over a %zu-byte message, relaxed/relaxed:\n", msglen);
    j = (struct job){rsa8, DKIM_SIGN_RSASHA256};
    w = bench(dkim_whole, &j, 100);
    printf("%-58s %9.1f\n", "  whole signature, RSA PEM PKCS#8 key", w);
    j = (struct job){rsatrad, DKIM_SIGN_RSASHA256};
    printf("%-58s %9.1f\n", "  whole signature, RSA PEM PKCS#1 key",
           bench(dkim_whole, &j, 100));
    j = (struct job){rsa1b64, DKIM_SIGN_RSASHA256};
    printf("%-58s %9.1f\n",
           "  whole signature, RSA base64 DER PKCS#1 (\"MII\")",
           bench(dkim_whole, &j, 100));
    j = (struct job){rsa8b64, DKIM_SIGN_RSASHA256};
    printf("%-58s %9.1f\n",
           "  whole signature, RSA base64 DER PKCS#8 (\"MII\")",
           bench(dkim_whole, &j, 100));
    j = (struct job){ed8, DKIM_SIGN_ED25519SHA256};
    printf("%-58s %9.1f\n", "  whole signature, Ed25519 PEM PKCS#8 key",
           bench(dkim_whole, &j, 200));

    use_cache = 1;
    cached = rk;
    j = (struct job){rsa8, DKIM_SIGN_RSASHA256};
    w = bench(dkim_whole, &j, 100);
    printf("%-58s %9.1f\n", "  whole, RSA, parse answered from a cached key",
           w);
    printf("%-58s %9.1f\n", "  = canonicalise + hash (whole - RSA sign)",
           w - sig_rsa);
    cached = ek;
    j = (struct job){ed8, DKIM_SIGN_ED25519SHA256};
    w = bench(dkim_whole, &j, 200);
    printf("%-58s %9.1f\n",
           "  whole, Ed25519, parse answered from a cached key", w);
    printf("%-58s %9.1f\n", "  = canonicalise + hash (whole - Ed25519 sign)",
           w - sig_ed);
    {
        size_t full = msglen;
        size_t one = (size_t)(strstr(msg, "\r\n\r\n") - msg) + 4 + 78;
        double small;

        msglen = one; /* the same header, one body line */
        small = bench(dkim_whole, &j, 200);
        msglen = full;
        printf("%-58s %9.1f\n",
               "  whole, Ed25519, cached, one-line body (fixed part)", small);
        printf("%-58s %9.1f\n", "  => body canonicalise + hash, per KB",
               (w - small) / ((double)(full - one) / 1024));
    }
    dkim_close(lib);
    return 0;
}
