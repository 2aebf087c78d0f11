/* SPDX-License-Identifier: MIT */
/*
 * token - HMAC-SHA256 signed link tokens (see token.h).
 *
 * Wire layout before base64url (no padding), 49 bytes:
 *   [0]      purpose letter
 *   [1..8]   id, big-endian
 *   [9..16]  issued_at, big-endian
 *   [17..48] HMAC-SHA256(key, bytes 0..16)
 * A pair token, 57 bytes:
 *   [0]      purpose letter
 *   [1..8]   id, [9..16] id2, [17..24] issued_at, big-endian
 *   [25..56] HMAC-SHA256(key, bytes 0..24)
 */
#include "token.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "datafile.h"
#include "str.h"

#define TOKEN_BODY 17
#define TOKEN_RAW (TOKEN_BODY + crypto_auth_hmacsha256_BYTES)
#define TOKEN_PAIR_BODY 25
#define TOKEN_PAIR_RAW (TOKEN_PAIR_BODY + crypto_auth_hmacsha256_BYTES)

/* token_sodium_init - sodium_init() once; it is idempotent and
 * thread-safe */
static void
token_sodium_init(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "paperboy: libsodium failed to initialise\n");
        _exit(1);
    }
}

void
token_key_from_string(const char *secret, struct token_key *out)
{
    static const char context[] = "paperboy token key v1";

    token_sodium_init();
    /* the key is HMAC(secret, context): a secret of any length becomes a
     * 32-byte key, and the same secret never doubles as another key */
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)context,
                                  sizeof(context) - 1);
    crypto_auth_hmacsha256_final(&st, out->key);
    sodium_memzero(&st, sizeof(st));
    crypto_auth_hmacsha256_init(&out->keyed, out->key, sizeof(out->key));
    out->keyed_ok = 1;
}

/* token_hmac - HMAC-SHA256(k, in) into out, from the keyed state */
static void
token_hmac(const struct token_key *k, unsigned char *out, const void *in,
           size_t n)
{
    crypto_auth_hmacsha256_state st;

    if (!k->keyed_ok) {
        crypto_auth_hmacsha256(out, in, n, k->key);
        return;
    }
    st = k->keyed;
    crypto_auth_hmacsha256_update(&st, in, n);
    crypto_auth_hmacsha256_final(&st, out);
}

/* token_read_or_create_secret - hex secret from path, creating it with 32
 * random bytes (mode 0600) when it does not exist */
static int
token_read_or_create_secret(const char *path, char *hex, size_t hsize,
                            struct err *err)
{
    unsigned char raw[32];
    ssize_t n;
    int fd;

    fd = datafile_open(path, O_RDONLY, 0, err);
    if (fd >= 0) {
        datafile_warn_readable(path, "secret file");
        n = read(fd, hex, hsize - 1);
        close(fd);
        if (n <= 0) {
            err_set(err, ERR_PERM, "secret file '%s' is empty or unreadable",
                    path);
            return -1;
        }
        hex[n] = '\0';
        hex[strcspn(hex, "\r\n")] = '\0';
        if (strlen(hex) < 32) {
            err_set(err, ERR_PERM,
                    "secret file '%s' holds fewer than 32 characters", path);
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        err_prefix(err, "secret file");
        return -1;
    }
    err_init(err);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, hsize, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    fd = datafile_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600, err);
    if (fd < 0) {
        /* another process won the race: use its (a link is refused
         * when read) */
        if (errno == EEXIST) {
            err_init(err);
            return token_read_or_create_secret(path, hex, hsize, err);
        }
        err_prefix(err, "secret file");
        return -1;
    }
    n = write(fd, hex, strlen(hex));
    if (n != (ssize_t)strlen(hex) || write(fd, "\n", 1) != 1 ||
        fsync(fd) == -1) {
        close(fd);
        unlink(path);
        err_set(err, ERR_PERM, "cannot write secret file '%s'", path);
        return -1;
    }
    close(fd);
    return 0;
}

int
token_key_load(const struct config *cfg, struct token_key *out, struct err *err)
{
    char hex[256];

    token_sodium_init();
    if (cfg->secret != NULL && cfg->secret[0] != '\0') {
        /* its length was checked by config_load() */
        token_key_from_string(cfg->secret, out);
        return 0;
    }
    /* its directory is made as the database's is (0700, not writable by
     * others), also when the database lives elsewhere */
    if (datafile_prepare(cfg->secret_file, err) == -1 ||
        token_read_or_create_secret(cfg->secret_file, hex, sizeof(hex), err) ==
            -1)
        return -1;
    token_key_from_string(hex, out);
    sodium_memzero(hex, sizeof(hex));
    return 0;
}

/* token_put64 - big-endian store */
static void
token_put64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        p[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

void
token_make(const struct token_key *k, enum token_purpose purpose, int64_t id,
           int64_t issued_at, char out[TOKEN_MAX])
{
    unsigned char raw[TOKEN_RAW];

    raw[0] = (unsigned char)purpose;
    token_put64(raw + 1, id);
    token_put64(raw + 9, issued_at);
    token_hmac(k, raw + TOKEN_BODY, raw, TOKEN_BODY);
    sodium_bin2base64(out, TOKEN_MAX, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/*
 * token_open - decode tok into raw (body bytes then the MAC), verify the
 * MAC in constant time and check the purpose.  raw holds body +
 * crypto_auth_hmacsha256_BYTES bytes; a token of any other length is
 * damaged (so a one-id token never opens as a pair and back).  damaged is
 * the message for a token that does not decode.  -1 with err, raw then
 * undefined.
 */
static int
token_open(const struct token_key *k, const char *tok,
           enum token_purpose purpose, unsigned char *raw, size_t body,
           const char *damaged, struct err *err)
{
    unsigned char buf[TOKEN_PAIR_RAW + 4];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    size_t len = 0, toklen = strnlen(tok, TOKEN_MAX);

    if (toklen == 0 || toklen >= TOKEN_MAX ||
        sodium_base642bin(buf, sizeof(buf), tok, toklen, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != body + sizeof(mac)) {
        err_set(err, ERR_PERM, "%s", damaged);
        return -1;
    }
    token_hmac(k, mac, buf, body);
    if (sodium_memcmp(mac, buf + body, sizeof(mac)) != 0) {
        err_set(err, ERR_PERM,
                "This link is not valid: it was changed or was not made by "
                "this server.");
        return -1;
    }
    if (buf[0] != (unsigned char)purpose) {
        err_set(err, ERR_PERM, "This link is meant for a different page.");
        return -1;
    }
    memcpy(raw, buf, len);
    return 0;
}

int
token_check(const struct token_key *k, const char *tok,
            enum token_purpose purpose, int64_t now, int64_t *id,
            int64_t *issued_at, struct err *err)
{
    unsigned char raw[TOKEN_RAW];
    int64_t issued;

    if (token_open(k, tok, purpose, raw, TOKEN_BODY,
                   "This link is incomplete or damaged. Copy the whole link "
                   "from the email, or start again from the form.",
                   err) == -1)
        return -1;
    issued = str_get_be64(raw + 9);
    if (purpose == TOKEN_CONFIRM &&
        (now - issued > TOKEN_CONFIRM_TTL || issued - now > 300)) {
        err_set(err, ERR_PERM,
                "This confirmation link has expired (links are valid for 7 "
                "days). Subscribe again to get a new one.");
        return -1;
    }
    *id = str_get_be64(raw + 1);
    *issued_at = issued;
    return 0;
}

void
token_make_pair(const struct token_key *k, enum token_purpose purpose,
                int64_t id, int64_t id2, int64_t issued_at, char out[TOKEN_MAX])
{
    unsigned char raw[TOKEN_PAIR_RAW];

    raw[0] = (unsigned char)purpose;
    token_put64(raw + 1, id);
    token_put64(raw + 9, id2);
    token_put64(raw + 17, issued_at);
    token_hmac(k, raw + TOKEN_PAIR_BODY, raw, TOKEN_PAIR_BODY);
    sodium_bin2base64(out, TOKEN_MAX, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
token_check_pair(const struct token_key *k, const char *tok,
                 enum token_purpose purpose, int64_t *id, int64_t *id2,
                 int64_t *issued_at, struct err *err)
{
    unsigned char raw[TOKEN_PAIR_RAW];

    if (token_open(k, tok, purpose, raw, TOKEN_PAIR_BODY,
                   "This link is incomplete or damaged. Copy the whole link "
                   "from the email.",
                   err) == -1)
        return -1;
    *id = str_get_be64(raw + 1);
    *id2 = str_get_be64(raw + 9);
    *issued_at = str_get_be64(raw + 17);
    return 0;
}

void
token_mac_hex(const struct token_key *k, const void *data, size_t len,
              char *out, size_t n)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char hex[2 * crypto_auth_hmacsha256_BYTES + 1];

    token_hmac(k, mac, data, len);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    if (n > 2 * sizeof(mac))
        n = 2 * sizeof(mac);
    memcpy(out, hex, n);
    out[n] = '\0';
}
