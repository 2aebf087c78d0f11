/* SPDX-License-Identifier: MIT */
/*
 * http_view - the Content-Security-Policy of "view in browser" (/d/TOKEN).
 *
 * The page is the digest mail's HTML part byte for byte, and mail needs
 * inline style attributes (clients drop <style> and stylesheets), which
 * the site's `style-src 'self'` blocks.  Rather than a second rendering
 * with a stylesheet, which every change to the mail templates would have
 * to follow, the page gets its own policy: the site's, with style-src
 * allowing exactly the style attribute values the page carries, by their
 * SHA-256 ('unsafe-hashes', CSP Level 3).  Nothing else inline is allowed:
 * no script, no <style> element, no attribute value the server did not
 * render.  A browser without 'unsafe-hashes' blocks the styles, as before.
 *
 * The values are found by scanning the rendered page for ` style="` and
 * ` style='`: every data value in it is HTML-escaped, so such a sequence
 * (with a raw quote) can only come from a template, and a value hashed
 * needlessly allows nothing a template did not already say.  Values are
 * hashed after decoding the character references the templates may use
 * (&amp; &quot; &#39; &lt; &gt; &#N; &#xN;), as the browser does.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "str.h"

#define HTTP_VIEW_HASHES 128 /* distinct style values; more: strict policy */

/* the site's policy (http.c HTTP_CSP) with its style-src cut in two */
#define HTTP_VIEW_CSP_HEAD                                                     \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-hashes'"
#define HTTP_VIEW_CSP_TAIL                                                     \
    "; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "        \
    "form-action 'self'"

/* http_view_ref - decode the character reference at s (after '&') into
 * out; returns the bytes consumed after '&', or 0 if not one we know */
static size_t
http_view_ref(const char *s, const char *end, struct buf *out)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp;", '&'},
                 {"quot;", '"'},
                 {"apos;", '\''},
                 {"lt;", '<'},
                 {"gt;", '>'}};
    unsigned long v = 0;
    size_t i = 0;
    int hex;

    for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
        size_t n = strlen(named[k].name);
        if ((size_t)(end - s) >= n && memcmp(s, named[k].name, n) == 0) {
            buf_addc(out, named[k].c);
            return n;
        }
    }
    if (s >= end || *s != '#')
        return 0;
    i = 1;
    hex = i < (size_t)(end - s) && (s[i] == 'x' || s[i] == 'X');
    i += (size_t)hex;
    for (; s + i < end && v < 0x110000; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            v = v * (hex ? 16 : 10) + (unsigned long)(c - '0');
        else if (hex && ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))
            v = v * 16 + (unsigned long)((c | 0x20) - 'a' + 10);
        else
            break;
    }
    if (s + i >= end || s[i] != ';' || v == 0 || v >= 0x110000 ||
        (v >= 0xd800 && v <= 0xdfff))
        return 0;
    if (v < 0x80) {
        buf_addc(out, (char)v);
    } else if (v < 0x800) {
        buf_addc(out, (char)(0xc0 | (v >> 6)));
        buf_addc(out, (char)(0x80 | (v & 0x3f)));
    } else if (v < 0x10000) {
        buf_addc(out, (char)(0xe0 | (v >> 12)));
        buf_addc(out, (char)(0x80 | ((v >> 6) & 0x3f)));
        buf_addc(out, (char)(0x80 | (v & 0x3f)));
    } else {
        buf_addc(out, (char)(0xf0 | (v >> 18)));
        buf_addc(out, (char)(0x80 | ((v >> 12) & 0x3f)));
        buf_addc(out, (char)(0x80 | ((v >> 6) & 0x3f)));
        buf_addc(out, (char)(0x80 | (v & 0x3f)));
    }
    return i + 1;
}

/* http_view_decode - the attribute value s[0..n) as the browser sees it */
static void
http_view_decode(const char *s, size_t n, struct buf *out)
{
    const char *end = s + n;

    buf_reset(out);
    while (s < end) {
        size_t k;
        if (*s == '&' && (k = http_view_ref(s + 1, end, out)) > 0) {
            s += 1 + k;
            continue;
        }
        buf_addc(out, *s++);
    }
}

int
http_view_policy(const char *html, size_t len, struct buf *out)
{
    unsigned char(*seen)[crypto_hash_sha256_BYTES] =
        calloc(HTTP_VIEW_HASHES, crypto_hash_sha256_BYTES);
    const char *p = html, *end = html + len;
    size_t nseen = 0;
    struct buf v;
    int rc = -1;

    if (seen == NULL)
        return -1;
    buf_init(&v, len + 1);
    buf_adds(out, HTTP_VIEW_CSP_HEAD);
    while ((p = memmem(p, (size_t)(end - p), "style=", 6)) != NULL) {
        const char *q, *close;
        unsigned char h[crypto_hash_sha256_BYTES];
        char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                           sodium_base64_VARIANT_ORIGINAL)];
        size_t i;
        int space_before = p > html && (p[-1] == ' ' || p[-1] == '\n' ||
                                        p[-1] == '\t' || p[-1] == '\r');
        p += 6;
        if (!space_before || p >= end || (*p != '"' && *p != '\''))
            continue;
        q = p + 1;
        if ((close = memchr(q, *p, (size_t)(end - q))) == NULL)
            break;
        p = close + 1;
        http_view_decode(q, (size_t)(close - q), &v);
        crypto_hash_sha256(h, (const unsigned char *)v.data, v.len);
        for (i = 0; i < nseen && memcmp(seen[i], h, sizeof(h)) != 0; i++)
            ;
        if (i < nseen)
            continue;
        if (nseen == HTTP_VIEW_HASHES)
            goto out;
        memcpy(seen[nseen++], h, sizeof(h));
        sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
                          sodium_base64_VARIANT_ORIGINAL);
        buf_addf(out, " 'sha256-%s'", b64);
    }
    buf_adds(out, HTTP_VIEW_CSP_TAIL);
    rc = out->failed || v.failed ? -1 : 0;
out:
    buf_release(&v);
    free(seen);
    return rc;
}
