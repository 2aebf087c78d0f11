/* SPDX-License-Identifier: MIT */
/*
 * test_addr - addr_normalize(): a table of good addresses with their
 * normalised form and bad ones with the words the reason must contain.
 */
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "check.h"

struct good_case {
    const char *in;
    const char *want;
};

struct bad_case {
    const char *in;
    const char *reason; /* substring of err.msg */
};

static const struct good_case good[] = {
    {"ada@example.org", "ada@example.org"},
    {"ADA@example.org", "ADA@example.org"},     /* local part as typed */
    {"ada@EXAMPLE.ORG", "ada@example.org"},     /* domain lower-cased */
    {"  ada@example.org\t", "ada@example.org"}, /* surrounding blanks */
    {"ada.lovelace+digest@example.org", "ada.lovelace+digest@example.org"},
    {"a!#$%&'*+-/=?^_`{|}~z@example.org", "a!#$%&'*+-/=?^_`{|}~z@example.org"},
    {"x@a.b.c.example", "x@a.b.c.example"},
    {"x@sub-domain.example.co.uk", "x@sub-domain.example.co.uk"},
    {"x@123.example", "x@123.example"},
    {"leser@bücher.example", "leser@xn--bcher-kva.example"},
    {"leser@BÜCHER.example", "leser@xn--bcher-kva.example"},
    {"leser@xn--bcher-kva.example", "leser@xn--bcher-kva.example"},
    {"user@例え.テスト", "user@xn--r8jz45g.xn--zckzah"},
    {"user@münchen.de", "user@xn--mnchen-3ya.de"},
    {"user@XN--MNCHEN-3YA.DE", "user@xn--mnchen-3ya.de"},
    /* UTS #46 mapping: full-width letters, ideographic full stop */
    {"a@\xef\xbc\xa5\xef\xbc\xb8.org", "a@ex.org"},
    {"a@exam\xe3\x80\x82ple.org", "a@exam.ple.org"},
    /* exactly 64 bytes of local part */
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org"},
};

static const struct bad_case bad[] = {
    {"", "empty"},
    {"   ", "empty"},
    {"ada", "no @"},
    {"ada.example.org", "no @"},
    {"ada@@example.org", "more than one @"},
    {"a@b@example.org", "more than one @"},
    {"@example.org", "local part (before the @) is empty"},
    {"ada@", "domain (after the @) is empty"},
    {"ada@localhost", "has no dot"},
    {"ada lovelace@example.org", "contains a space"},
    {"ada@exa mple.org", "contains a space"},
    {"ada@example.org\r\nBcc: x@y.org", "control character"},
    {"ada\n@example.org", "control character"},
    {"ada\x01@example.org", "control character"},
    {"ada\x7f@example.org", "control character"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x.org",
     "the local part is longer than 64 characters"},
    {".ada@example.org", "starts or ends with a dot"},
    {"ada.@example.org", "starts or ends with a dot"},
    {"ada..l@example.org", "two dots in a row"},
    {"\"ada\"@example.org", "quoted"},
    {"Ada <ada@example.org>", "space"},
    {"<ada@example.org>", "angle brackets"},
    {"ada(comment)@example.org", "character '('"},
    {"ada,b@example.org", "character ','"},
    {"ädä@example.org", "plain ASCII"},
    {"ada@[192.0.2.1]", "address literals"},
    {"ada@example..org", "empty label"},
    {"ada@.example.org", "empty label"},
    {"ada@example.org.", "empty label"},
    {"ada@-example.org", "hyphen"},
    {"ada@example-.org", "hyphen"},
    {"ada@exa_mple.org", "character '_'"},
    {"ada@192.168.0.1", "ends in a number"},
    {"ada@example.org\xff", "not valid UTF-8"},
    {"a@\xe2\x98\x83.example", "not a valid internationalised domain"},
    {"a@xn--zz.example", "not a valid internationalised domain"},
    {"a@xn--a.org", "not a valid internationalised domain"},
    {"ada@\xc3\x28.org", "not valid UTF-8"},
    {"ada@"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org",
     "longer than 63"},
};

/* test_long - whole-address limit: 254 accepted, 255 refused */
static void
test_long(void)
{
    char in[400], out[ADDR_SIZE];
    struct err err;
    size_t local = 60, n;

    /* 60 + 1 + domain: build a domain so that the total is 254 */
    for (int total = 254; total <= 255; total++) {
        size_t dlen = (size_t)total - local - 1, i = 0;
        memset(in, 'a', local);
        in[local] = '@';
        n = local + 1;
        while (i < dlen) {
            size_t chunk = dlen - i > 50 ? 49 : dlen - i - 4;
            memset(in + n, 'b', chunk);
            n += chunk;
            i += chunk;
            if (dlen - i == 4) {
                memcpy(in + n, ".org", 4);
                n += 4;
                i += 4;
            } else {
                in[n++] = '.';
                i++;
            }
        }
        in[n] = '\0';
        CHECK_INT_EQ(strlen(in), (size_t)total);
        err_init(&err);
        if (total == 254) {
            CHECK_INT_EQ(addr_normalize(in, out, sizeof(out), &err), 0);
            CHECK_STR_EQ(out, in);
        } else {
            CHECK_INT_EQ(addr_normalize(in, out, sizeof(out), &err), -1);
            CHECK_CONTAINS(err.msg, "longer than 254");
        }
    }
    /* a huge input is refused without being copied */
    {
        static char huge[5000];
        memset(huge, 'a', sizeof(huge) - 1);
        err_init(&err);
        CHECK_INT_EQ(addr_normalize(huge, out, sizeof(out), &err), -1);
        CHECK_CONTAINS(err.msg, "longer than 254");
    }
    /* a buffer too small is an error, not a truncation */
    {
        char small[8];
        err_init(&err);
        CHECK_INT_EQ(
            addr_normalize("ada@example.org", small, sizeof(small), &err), -1);
    }
}

/* addr_is_loopback: addresses by value, names only "localhost" */
static void
test_loopback(void)
{
    CHECK_INT_EQ(addr_is_loopback("127.0.0.1"), 1);
    CHECK_INT_EQ(addr_is_loopback("127.1.2.3"), 1);
    CHECK_INT_EQ(addr_is_loopback("::1"), 1);
    CHECK_INT_EQ(addr_is_loopback("localhost"), 1);
    CHECK_INT_EQ(addr_is_loopback("LocalHost"), 1);
    CHECK_INT_EQ(addr_is_loopback("127.evil.example"), 0);
    CHECK_INT_EQ(addr_is_loopback("localhost.evil.example"), 0);
    CHECK_INT_EQ(addr_is_loopback("128.0.0.1"), 0);
    CHECK_INT_EQ(addr_is_loopback("::2"), 0);
    CHECK_INT_EQ(addr_is_loopback(""), 0);
}

int
main(void)
{
    test_loopback();
    char out[ADDR_SIZE];
    struct err err;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        err_init(&err);
        memcpy(out, "untouched", 10);
        if (addr_normalize(good[i].in, out, sizeof(out), &err) != 0) {
            fprintf(stderr, "good case %zu '%s' refused: %s\n", i, good[i].in,
                    err.msg);
            CHECK(0);
            continue;
        }
        CHECK_STR_EQ(out, good[i].want);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_init(&err);
        memcpy(out, "untouched", 10);
        if (addr_normalize(bad[i].in, out, sizeof(out), &err) != -1) {
            fprintf(stderr, "bad case %zu '%s' accepted as '%s'\n", i,
                    bad[i].in, out);
            CHECK(0);
            continue;
        }
        if (strstr(err.msg, bad[i].reason) == NULL)
            fprintf(stderr, "bad case %zu '%s': reason '%s'\n", i, bad[i].in,
                    err.msg);
        CHECK_CONTAINS(err.msg, bad[i].reason);
        CHECK_INT_EQ(err.kind, ERR_PERM);
        CHECK_STR_EQ(out, "untouched"); /* out untouched on failure */
    }
    /* ADA@example.org and ada@example.org differ only in case: the
     * normalised forms compare equal case-insensitively (the column is
     * COLLATE NOCASE), and the domain is always lower case */
    {
        char a[ADDR_SIZE], b[ADDR_SIZE];
        CHECK_INT_EQ(addr_normalize("ADA@Example.ORG", a, sizeof(a), &err), 0);
        CHECK_INT_EQ(addr_normalize("ada@example.org", b, sizeof(b), &err), 0);
        CHECK(strcasecmp(a, b) == 0);
        CHECK_STR_EQ(a, "ADA@example.org");
    }
    test_long();
    return CHECK_DONE();
}
