/* SPDX-License-Identifier: MIT */
/*
 * tls_check - verify the certificate a libetpan TLS stream was given.
 * libetpan built with GnuTLS does not verify the peer, so every TLS
 * session (the SMTP relay, the bounce mailbox) checks the chain and the
 * host name here after its handshake, with GnuTLS's
 * gnutls_x509_trust_list_verify_crt2(), and fails closed.
 */
#include "tls_check.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/* tls_reason - words for GnuTLS verification status bits */
static const char *
tls_reason(unsigned status)
{
    if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
        return "the certificate does not match the host name";
    if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
        return "the certificate is not signed by a trusted CA";
    if (status & GNUTLS_CERT_EXPIRED)
        return "the certificate has expired";
    if (status & GNUTLS_CERT_NOT_ACTIVATED)
        return "the certificate is not yet valid";
    if (status & GNUTLS_CERT_REVOKED)
        return "the certificate was revoked";
    if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
        return "the certificate uses an insecure algorithm";
    return "the certificate is invalid";
}

int
tls_check_peer(mailstream *stream, const char *ca_file, const char *host,
               const char *who, struct err *err)
{
    gnutls_x509_trust_list_t tl = NULL;
    gnutls_x509_crt_t crts[16];
    unsigned ncrt = 0, status = 0;
    carray *chain = NULL;
    gnutls_typed_vdata_st vdata[2];
    int rc = -1, r;

    chain = mailstream_get_certificate_chain(stream);
    if (chain == NULL || carray_count(chain) == 0) {
        err_set(err, ERR_PERM, "%s: %s sent no certificate", who, host);
        goto out;
    }
    for (unsigned i = 0; i < carray_count(chain) && ncrt < 16; i++) {
        MMAPString *der = carray_get(chain, i);
        gnutls_datum_t d = {(unsigned char *)der->str, (unsigned)der->len};
        if (gnutls_x509_crt_init(&crts[ncrt]) < 0)
            break;
        if (gnutls_x509_crt_import(crts[ncrt], &d, GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crts[ncrt]);
            break;
        }
        ncrt++;
    }
    if (ncrt == 0) {
        err_set(err, ERR_PERM, "%s: cannot read %s's certificate", who, host);
        goto out;
    }
    if (gnutls_x509_trust_list_init(&tl, 0) < 0) {
        err_set(err, ERR_TEMP, "%s: cannot create a trust list", who);
        goto out;
    }
    if (ca_file[0] != '\0') {
        r = gnutls_x509_trust_list_add_trust_file(tl, ca_file, NULL,
                                                  GNUTLS_X509_FMT_PEM, 0, 0);
        if (r <= 0) {
            err_set(err, ERR_PERM,
                    "%s: [smtp] ca_file '%s' holds no usable certificate", who,
                    ca_file);
            goto out;
        }
    } else if (gnutls_x509_trust_list_add_system_trust(tl, 0, 0) <= 0) {
        err_set(err, ERR_PERM,
                "%s: no system CA certificates found "
                "(install ca-certificates or set ca_file)",
                who);
        goto out;
    }
    memset(vdata, 0, sizeof(vdata));
    vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
    vdata[0].data = (unsigned char *)host;
    vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
    vdata[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
    r = gnutls_x509_trust_list_verify_crt2(tl, crts, ncrt, vdata, 2, 0, &status,
                                           NULL);
    if (r < 0 || status != 0) {
        err_set(err, ERR_PERM,
                "%s: TLS certificate of %s rejected: %s (set [smtp] "
                "ca_file for a private CA)",
                who, host, r < 0 ? "verification error" : tls_reason(status));
        goto out;
    }
    rc = 0;
out:
    if (tl)
        gnutls_x509_trust_list_deinit(tl, 1);
    for (unsigned i = 0; i < ncrt; i++)
        gnutls_x509_crt_deinit(crts[i]);
    if (chain)
        mailstream_certificate_chain_free(chain);
    return rc;
}
