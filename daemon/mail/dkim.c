/* SPDX-License-Identifier: MIT */
/*
 * dkim - DKIM signing and keys (see dkim.h).
 *
 * Signing is libopendkim's (dkim_sign, dkim_chunk, dkim_eom,
 * dkim_getsighdr_d): one DKIM_LIB per signer, so its options (the signed
 * and over-signed header lists) are set once per thread and no handle is
 * shared between threads.  Keys are parsed and generated with GnuTLS,
 * which the SMTP client links already, because libopendkim neither
 * generates keys nor tells what kind of key it was given.  Base64 is
 * libsodium's.  libopendkim parses the key text again for every
 * signature; dkim_keycache answers that parse from a key parsed once.
 */
#include "dkim.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <opendkim/dkim.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "dkim_keycache.h"
#include "log.h"
#include "str.h"
#include "xalloc.h"

#define DKIM_HDR "DKIM-Signature: "

/* Signed header fields (RFC 6376 5.4.1: From is required; the rest are
 * what receivers and RFC 8058 look for).  A field absent from a message
 * is not listed in its h=, except the over-signed ones below. */
static const char *dkim_sign_hdrs[] = {"from",
                                       "reply-to",
                                       "to",
                                       "cc",
                                       "subject",
                                       "date",
                                       "message-id",
                                       "mime-version",
                                       "content-type",
                                       "list-id",
                                       "list-unsubscribe",
                                       "list-unsubscribe-post",
                                       "feedback-id",
                                       "auto-submitted",
                                       "in-reply-to",
                                       "references",
                                       NULL};

/* Over-signed (listed once more than present): a second copy added in
 * transit breaks the signature instead of being shown to the reader. */
static const char *dkim_oversign_hdrs[] = {
    "from", "to", "subject", "list-unsubscribe", "list-unsubscribe-post", NULL};

struct dkim_key {
    const char *selector; /* borrowed from the config */
    const char *pem;      /* borrowed from the config */
    dkim_alg_t alg;       /* DKIM_SIGN_RSASHA256 or ..._ED25519SHA256 */
    int cached;           /* 1: registered with dkim_keycache */
};

struct dkim_signer {
    DKIM_LIB *lib;
    char domain[256];
    struct dkim_key key[2];
    int nkeys;
};

int
dkim_enabled(const struct config *cfg)
{
    return *cfg->dkim_key_file != '\0' || *cfg->dkim_ed_key_file != '\0';
}

const char *
dkim_domain(const struct config *cfg, char *out, size_t size)
{
    if (*cfg->dkim_domain != '\0') {
        (void)str_copy(out, size, cfg->dkim_domain);
        return out;
    }
    return config_from_domain(cfg, out, (unsigned)size);
}

/* dkim_parse - the PEM private key into a GnuTLS key and its kind */
static int
dkim_parse(const char *pem, gnutls_privkey_t *out, enum dkim_alg *alg,
           unsigned *bits, struct err *err)
{
    gnutls_privkey_t k = NULL;
    gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
    int pk;

    if (gnutls_privkey_init(&k) < 0 ||
        gnutls_privkey_import_x509_raw(k, &d, GNUTLS_X509_FMT_PEM, NULL,
                                       GNUTLS_PKCS_PLAIN) < 0) {
        err_set(err, ERR_PERM, "not a readable unencrypted PEM private key");
        gnutls_privkey_deinit(k);
        return -1;
    }
    pk = gnutls_privkey_get_pk_algorithm(k, bits);
    if (pk == GNUTLS_PK_RSA) {
        *alg = DKIM_ALG_RSA;
    } else if (pk == GNUTLS_PK_EDDSA_ED25519) {
        *alg = DKIM_ALG_ED25519;
    } else {
        err_set(err, ERR_PERM, "neither an RSA nor an Ed25519 key");
        gnutls_privkey_deinit(k);
        return -1;
    }
    *out = k;
    return 0;
}

/* dkim_check_key - pem is a key of kind want (RSA: >= DKIM_RSA_BITS) */
static int
dkim_check_key(const char *what, const char *pem, enum dkim_alg want,
               struct err *err)
{
    gnutls_privkey_t k = NULL;
    enum dkim_alg alg;
    unsigned bits = 0;

    if (dkim_parse(pem, &k, &alg, &bits, err) == -1) {
        err_prefix(err, "%s", what);
        return -1;
    }
    gnutls_privkey_deinit(k);
    if (alg != want) {
        err_set(err, ERR_PERM, "%s: %s", what,
                want == DKIM_ALG_RSA
                    ? "is an Ed25519 key (use [dkim] ed25519_key_file)"
                    : "is an RSA key (use [dkim] key_file)");
        return -1;
    }
    if (alg == DKIM_ALG_RSA && bits < DKIM_RSA_BITS) {
        err_set(err, ERR_PERM,
                "%s: an RSA key of %u bits; at least %d are required "
                "(paperboy dkim keygen makes one)",
                what, bits, DKIM_RSA_BITS);
        return -1;
    }
    return 0;
}

int
dkim_check_config(const struct config *cfg, struct err *err)
{
    struct dkim_signer *s = NULL;
    struct buf sig;
    static const char probe[] = "From: a@b.example\r\nTo: c@d.example\r\n"
                                "Subject: probe\r\n\r\nprobe\r\n";
    int rc = -1;

    if (!dkim_enabled(cfg))
        return 0;
    if (cfg->dkim_key_pem != NULL &&
        dkim_check_key("[dkim] key_file", cfg->dkim_key_pem, DKIM_ALG_RSA,
                       err) == -1)
        return -1;
    if (cfg->dkim_ed_key_pem != NULL &&
        dkim_check_key("[dkim] ed25519_key_file", cfg->dkim_ed_key_pem,
                       DKIM_ALG_ED25519, err) == -1)
        return -1;
    /* and libopendkim (its own OpenSSL build) signs with them */
    buf_init(&sig, 8192);
    if (dkim_signer_new(cfg, &s, err) == -1 ||
        dkim_sign_message(s, probe, sizeof(probe) - 1, &sig, err) == -1) {
        err->kind = ERR_PERM;
        goto out;
    }
    rc = 0;
out:
    buf_release(&sig);
    dkim_signer_free(s);
    return rc;
}

int
dkim_signer_new(const struct config *cfg, struct dkim_signer **out,
                struct err *err)
{
    struct dkim_signer *s;

    if (!dkim_enabled(cfg)) {
        *out = NULL;
        return 0;
    }
    if ((cfg->dkim_key_file[0] && cfg->dkim_key_pem == NULL) ||
        (cfg->dkim_ed_key_file[0] && cfg->dkim_ed_key_pem == NULL))
        BUG("dkim: the config was not loaded by config_load()");
    s = xcalloc(1, sizeof(*s));
    dkim_domain(cfg, s->domain, sizeof(s->domain));
    if (cfg->dkim_key_pem != NULL)
        s->key[s->nkeys++] = (struct dkim_key){
            cfg->dkim_selector, cfg->dkim_key_pem, DKIM_SIGN_RSASHA256, 0};
    if (cfg->dkim_ed_key_pem != NULL)
        s->key[s->nkeys++] =
            (struct dkim_key){cfg->dkim_ed_selector, cfg->dkim_ed_key_pem,
                              DKIM_SIGN_ED25519SHA256, 0};
    /* parsed once here, not by libopendkim for every signature */
    for (int i = 0; i < s->nkeys; i++)
        s->key[i].cached = dkim_keycache_add(s->key[i].pem) == 0;
    s->lib = dkim_init(NULL, NULL);
    if (s->lib == NULL) {
        err_set(err, ERR_TEMP, "dkim: cannot start libopendkim");
        goto fail;
    }
    if (cfg->dkim_ed_key_pem != NULL &&
        !dkim_libfeature(s->lib, DKIM_FEATURE_ED25519)) {
        err_set(err, ERR_PERM,
                "dkim: this libopendkim cannot sign with "
                "Ed25519 keys");
        goto fail;
    }
    if (dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS,
                     (void *)dkim_sign_hdrs, sizeof(char **)) != DKIM_STAT_OK ||
        dkim_options(s->lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
                     (void *)dkim_oversign_hdrs,
                     sizeof(char **)) != DKIM_STAT_OK) {
        err_set(err, ERR_PERM, "dkim: libopendkim refused the header lists");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    dkim_signer_free(s);
    return -1;
}

void
dkim_signer_free(struct dkim_signer *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->nkeys; i++)
        if (s->key[i].cached)
            dkim_keycache_drop(s->key[i].pem);
    if (s->lib != NULL)
        dkim_close(s->lib);
    free(s);
}

/* dkim_sign_one - the signature of one key over msg, appended to out */
static int
dkim_sign_one(struct dkim_signer *s, const struct dkim_key *k, const char *msg,
              size_t len, struct buf *out, struct err *err)
{
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM *d;
    unsigned char *hdr = NULL;
    size_t hlen = 0;
    int rc = -1;

    d = dkim_sign(s->lib, (const unsigned char *)"paperboy", NULL,
                  (dkim_sigkey_t)k->pem, (const unsigned char *)k->selector,
                  (const unsigned char *)s->domain, DKIM_CANON_RELAXED,
                  DKIM_CANON_RELAXED, k->alg, -1, &st);
    if (d == NULL) {
        err_set(err, ERR_TEMP, "dkim: cannot start a signature: %s",
                dkim_getresultstr(st));
        return -1;
    }
    /* (the one copy of the message libopendkim needs is its own) */
    st = dkim_chunk(d, (unsigned char *)msg, len);
    if (st == DKIM_STAT_OK)
        st = dkim_chunk(d, NULL, 0);
    if (st == DKIM_STAT_OK)
        st = dkim_eom(d, NULL);
    if (st == DKIM_STAT_OK)
        st = dkim_getsighdr_d(d, strlen(DKIM_HDR), &hdr, &hlen);
    if (st != DKIM_STAT_OK) {
        const char *why = dkim_geterror(d);
        err_set(err, ERR_TEMP, "dkim: signing with selector '%s' failed: %s",
                k->selector, why && *why ? why : dkim_getresultstr(st));
        goto out;
    }
    /* libopendkim folds with a bare LF; a message line ends in CRLF */
    buf_adds(out, DKIM_HDR);
    for (size_t i = 0; i < hlen; i++) {
        if (hdr[i] == '\n' && (i == 0 || hdr[i - 1] != '\r'))
            buf_addc(out, '\r');
        buf_addc(out, (char)hdr[i]);
    }
    buf_adds(out, "\r\n");
    rc = buf_check(out, err);
out:
    dkim_free(d);
    return rc;
}

int
dkim_sign_message(struct dkim_signer *s, const char *msg, size_t len,
                  struct buf *out, struct err *err)
{
    size_t mark = out->len;

    for (int i = 0; i < s->nkeys; i++)
        if (dkim_sign_one(s, &s->key[i], msg, len, out, err) == -1) {
            buf_truncate(out, mark);
            return -1;
        }
    return 0;
}

int
dkim_keygen(enum dkim_alg alg, char **pem, struct err *err)
{
    gnutls_x509_privkey_t k = NULL;
    gnutls_datum_t d = {NULL, 0};
    int rc = -1, r;

    if (gnutls_x509_privkey_init(&k) < 0) {
        err_set(err, ERR_TEMP, "dkim: out of memory");
        return -1;
    }
    if (alg == DKIM_ALG_RSA)
        r = gnutls_x509_privkey_generate(k, GNUTLS_PK_RSA, DKIM_RSA_BITS, 0);
    else
        r = gnutls_x509_privkey_generate(
            k, GNUTLS_PK_EDDSA_ED25519,
            GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 0);
    if (r < 0 || gnutls_x509_privkey_export2_pkcs8(k, GNUTLS_X509_FMT_PEM, NULL,
                                                   GNUTLS_PKCS_PLAIN, &d) < 0) {
        err_set(err, ERR_TEMP, "dkim: cannot generate a key: %s",
                gnutls_strerror(r));
        goto out;
    }
    *pem = xmalloc(d.size + 1);
    memcpy(*pem, d.data, d.size);
    (*pem)[d.size] = '\0';
    rc = 0;
out:
    if (d.data != NULL) {
        explicit_bzero(d.data, d.size);
        gnutls_free(d.data);
    }
    gnutls_x509_privkey_deinit(k);
    return rc;
}

/* dkim_add_b64 - base64 (with padding, no line breaks) of p[0..n) */
static void
dkim_add_b64(struct buf *out, const unsigned char *p, size_t n)
{
    size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = xmalloc(cap);

    sodium_bin2base64(s, cap, p, n, sodium_base64_VARIANT_ORIGINAL);
    buf_adds(out, s);
    free(s);
}

int
dkim_key_record(const char *pem, enum dkim_alg *alg, struct buf *out,
                struct err *err)
{
    gnutls_privkey_t k = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t d = {NULL, 0};
    enum dkim_alg a;
    unsigned bits = 0;
    int rc = -1;

    if (dkim_parse(pem, &k, &a, &bits, err) == -1)
        return -1;
    if (gnutls_pubkey_init(&pub) < 0 ||
        gnutls_pubkey_import_privkey(pub, k, 0, 0) < 0) {
        err_set(err, ERR_PERM, "cannot derive the public key");
        goto out;
    }
    if (a == DKIM_ALG_RSA) {
        if (gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &d) < 0) {
            err_set(err, ERR_PERM, "cannot export the public key");
            goto out;
        }
        buf_adds(out, "v=DKIM1; k=rsa; p=");
    } else {
        if (gnutls_pubkey_export_ecc_raw(pub, NULL, &d, NULL) < 0) {
            err_set(err, ERR_PERM, "cannot export the public key");
            goto out;
        }
        buf_adds(out, "v=DKIM1; k=ed25519; p=");
    }
    dkim_add_b64(out, d.data, d.size);
    if (buf_check(out, err) == -1)
        goto out;
    if (alg != NULL)
        *alg = a;
    rc = 0;
out:
    gnutls_free(d.data);
    gnutls_pubkey_deinit(pub);
    gnutls_privkey_deinit(k);
    return rc;
}
