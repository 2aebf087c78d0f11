/* SPDX-License-Identifier: MIT */
/*
 * dkim_keycache - answer libopendkim's per-signature key parse from a key
 * parsed once (see dkim_keycache.h).
 *
 * Why this exists.  libopendkim (Debian 12: 2.11.0~beta2 on OpenSSL 3.0)
 * takes the private key as text in every dkim_sign() call and parses it
 * again for every signature: dkim_eom() -> dkim_privkey_load() ->
 * PEM_read_bio_PrivateKey() on a memory BIO over its copy of the text,
 * then EVP_PKEY_get1_RSA() (a second conversion for a provider key) and a
 * fresh RSA blinding setup, and frees it all in dkim_free().  It has no
 * call that takes a parsed key (dkim_sign, dkim_privkey_load, dkim_options
 * and the dkim_set_* callbacks were checked), every key form it accepts
 * goes through the same OpenSSL 3.0 decoders (PEM PKCS#8, PEM PKCS#1 and
 * base64 DER cost the same within noise), and Ed25519 DER is not even
 * accepted (it measures the key with strlen).  Measured on Debian 12
 * (bench/dkim_parts, bench/deliver; bench/README.md, "DKIM signing"): a
 * parse costs 0.33-0.89 ms in any form; a whole libopendkim signature
 * over a 23 KB digest 1.17 ms with RSA-2048 and 0.69 ms with Ed25519
 * (medians), 0.62 ms and 0.26 ms with the key parsed once; delivery spent
 * 1,252 us (RSA) and 728 us (Ed25519) of CPU per message on signing
 * before this module, 435 us and 270 us after.
 *
 * How.  This program defines PEM_read_bio_PrivateKey, so libopendkim's
 * call binds here before libcrypto (ELF symbol interposition).  A call
 * with no output pointer or password callback on a memory BIO whose bytes
 * are exactly a registered key's PEM gets a new reference to that key,
 * which libopendkim frees in dkim_free() as it would its own parse, except
 * that 2.11.0~beta2 never frees an Ed25519 key (tests/lsan.supp): that
 * leaked the whole parsed key per signature (480 bytes under ASan) and
 * now leaves one reference on the shared key plus libopendkim's own
 * 64-byte holder (a count that would need 2^31 Ed25519 signatures in one
 * process to wrap).  Anything else
 * (another key, another caller, a file BIO) goes to libcrypto's function,
 * found with dlsym(RTLD_NEXT).  A parsed EVP_PKEY is safe to share between
 * threads for signing (reference counts and the RSA blinding are
 * OpenSSL's own, locked); the RSA key's legacy form, which libopendkim's
 * RSA_sign() needs, is made once at registration so signing threads only
 * read it.  The key bytes are our own configuration, so the comparison
 * need not be constant-time.
 */
/* EVP_PKEY_get1_RSA (deprecated) is what libopendkim calls; we call it
 * once to make the legacy form before any signer thread does */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "dkim_keycache.h"

#include <dlfcn.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

#define KEYCACHE_SLOTS 8 /* keys per process: two per config, reloads */

typedef EVP_PKEY *pem_read_fn(BIO *, EVP_PKEY **, pem_password_cb *, void *);

struct keycache_slot {
    char *pem; /* the registered bytes; NULL: free slot */
    size_t len;
    EVP_PKEY *key; /* one reference, ours */
    unsigned refs;
};

static pthread_mutex_t keycache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keycache_slot keycache[KEYCACHE_SLOTS]; /* keycache_lock */
static atomic_ulong keycache_hits;
static pem_read_fn *keycache_real;
static pthread_once_t keycache_once = PTHREAD_ONCE_INIT;

/* keycache_resolve - libcrypto's PEM_read_bio_PrivateKey (once) */
static void
keycache_resolve(void)
{
    void *f = dlsym(RTLD_NEXT, "PEM_read_bio_PrivateKey");

    if (f == NULL)
        BUG("dkim_keycache: libcrypto's PEM_read_bio_PrivateKey not found");
    memcpy(&keycache_real, &f, sizeof(f));
}

/* keycache_find - the slot holding exactly p[0..n), or NULL; locked */
static struct keycache_slot *
keycache_find(const char *p, size_t n)
{
    for (int i = 0; i < KEYCACHE_SLOTS; i++)
        if (keycache[i].pem != NULL && keycache[i].len == n &&
            memcmp(keycache[i].pem, p, n) == 0)
            return &keycache[i];
    return NULL;
}

/* keycache_lookup - a new reference to the key whose PEM is the whole of
 * the memory BIO bp, or NULL */
static EVP_PKEY *
keycache_lookup(BIO *bp)
{
    char *data = NULL;
    long n;
    struct keycache_slot *s;
    EVP_PKEY *k = NULL;

    if (BIO_method_type(bp) != BIO_TYPE_MEM)
        return NULL;
    n = BIO_get_mem_data(bp, &data);
    if (n <= 0 || data == NULL)
        return NULL;
    pthread_mutex_lock(&keycache_lock);
    s = keycache_find(data, (size_t)n);
    if (s != NULL && EVP_PKEY_up_ref(s->key) == 1)
        k = s->key;
    pthread_mutex_unlock(&keycache_lock);
    if (k != NULL)
        atomic_fetch_add(&keycache_hits, 1);
    return k;
}

/* PEM_read_bio_PrivateKey - libcrypto's, or a registered key (above);
 * same contract as OpenSSL's */
EVP_PKEY *
PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
    EVP_PKEY *k;

    if (bp != NULL && x == NULL && cb == NULL &&
        (k = keycache_lookup(bp)) != NULL)
        return k;
    pthread_once(&keycache_once, keycache_resolve);
    return keycache_real(bp, x, cb, u);
}

/* keycache_parse - pem parsed by libcrypto, its legacy RSA form made */
static EVP_PKEY *
keycache_parse(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *k;

    if (b == NULL)
        return NULL;
    pthread_once(&keycache_once, keycache_resolve);
    k = keycache_real(b, NULL, NULL, NULL);
    BIO_free(b);
    if (k != NULL && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
        RSA_free(EVP_PKEY_get1_RSA(k));
    return k;
}

int
dkim_keycache_add(const char *pem)
{
    size_t len = strlen(pem);
    struct keycache_slot *s;
    EVP_PKEY *k;
    int rc = -1;

    if (len == 0 || len > (size_t)0x7fffffff)
        return -1;
    pthread_mutex_lock(&keycache_lock);
    if ((s = keycache_find(pem, len)) != NULL) {
        s->refs++;
        pthread_mutex_unlock(&keycache_lock);
        return 0;
    }
    pthread_mutex_unlock(&keycache_lock);

    /* parsed outside the lock: a millisecond other signers need not wait */
    if ((k = keycache_parse(pem, len)) == NULL)
        return -1;
    pthread_mutex_lock(&keycache_lock);
    if ((s = keycache_find(pem, len)) != NULL) { /* added meanwhile */
        s->refs++;
        rc = 0;
    } else {
        for (int i = 0; i < KEYCACHE_SLOTS && rc == -1; i++)
            if (keycache[i].pem == NULL) {
                keycache[i] = (struct keycache_slot){xstrdup(pem), len, k, 1};
                k = NULL;
                rc = 0;
            }
    }
    pthread_mutex_unlock(&keycache_lock);
    EVP_PKEY_free(k);
    return rc;
}

void
dkim_keycache_drop(const char *pem)
{
    size_t len = strlen(pem);
    struct keycache_slot *s, gone = {NULL, 0, NULL, 0};

    pthread_mutex_lock(&keycache_lock);
    s = keycache_find(pem, len);
    if (s != NULL && --s->refs == 0) {
        gone = *s;
        *s = (struct keycache_slot){NULL, 0, NULL, 0};
    }
    pthread_mutex_unlock(&keycache_lock);
    if (gone.pem != NULL) {
        explicit_bzero(gone.pem, gone.len);
        free(gone.pem);
        EVP_PKEY_free(gone.key);
    }
}

unsigned long
dkim_keycache_hits(void)
{
    return atomic_load(&keycache_hits);
}
