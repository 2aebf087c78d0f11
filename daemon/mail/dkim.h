/* SPDX-License-Identifier: MIT */
/*
 * dkim - DKIM signatures (RFC 6376) on finished messages, rsa-sha256 and
 * ed25519-sha256 (RFC 8463), with libopendkim; and the keys behind them:
 * generating one (GnuTLS), checking the configured ones, and the DNS TXT
 * record that publishes a key.
 *
 * A signer belongs to one thread (a delivery worker) and signs the exact
 * bytes that go to SMTP or the maildir, relaxed/relaxed, with From, To,
 * Subject, List-Unsubscribe and List-Unsubscribe-Post over-signed (a copy
 * added on the way invalidates the signature).  It does not compose,
 * send, or look anything up in DNS.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DKIM_H
#define PAPERBOY_DKIM_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "err.h"

enum dkim_alg {
    DKIM_ALG_RSA = 1,     /* rsa-sha256, 2048-bit keys from keygen */
    DKIM_ALG_ED25519 = 2, /* ed25519-sha256 (RFC 8463) */
};

#define DKIM_RSA_BITS 2048 /* keygen's RSA size; shorter keys are refused */

struct dkim_signer;

/* dkim_enabled - 1 when [dkim] names a key, so every message is signed */
int dkim_enabled(const struct config *cfg);

/* dkim_domain - the signing domain d=: [dkim] domain, else the From
 * domain; into out */
const char *dkim_domain(const struct config *cfg, char *out, size_t size);

/*
 * dkim_check_config - the configured keys parse, are of the kind their
 * key names say (key_file RSA of at least 2048 bits, ed25519_key_file
 * Ed25519), and libopendkim can sign with them.  0 when signing is off.
 * -1 with err (ERR_PERM) otherwise.
 */
int dkim_check_config(const struct config *cfg, struct err *err);

/* dkim_signer_new - a signer for one thread; *out is NULL when signing is
 * off.  Caller frees with dkim_signer_free(); cfg must outlive it. */
int dkim_signer_new(const struct config *cfg, struct dkim_signer **out,
                    struct err *err);
void dkim_signer_free(struct dkim_signer *s);

/*
 * dkim_sign_message - the DKIM-Signature header fields (one per key, CRLF
 * ended) for the CRLF message msg[0..len), appended to out; prepend them to the
 * message.  -1 with err (ERR_TEMP: the message is deferred, never sent
 * unsigned) when a signature cannot be made.
 */
int dkim_sign_message(struct dkim_signer *s, const char *msg, size_t len,
                      struct buf *out, struct err *err);

/* dkim_keygen - a new private key as unencrypted PKCS#8 PEM; caller frees
 * *pem with free() (after wiping it) */
int dkim_keygen(enum dkim_alg alg, char **pem, struct err *err);

/*
 * dkim_key_record - the TXT record value that publishes the public half
 * of the PEM private key: "v=DKIM1; k=rsa; p=BASE64" (p= the DER
 * SubjectPublicKeyInfo) or "v=DKIM1; k=ed25519; p=BASE64" (the raw 32-byte
 * key, RFC 8463 4.2).  *alg gets the key's kind (may be NULL).
 */
int dkim_key_record(const char *pem, enum dkim_alg *alg, struct buf *out,
                    struct err *err);

#endif
