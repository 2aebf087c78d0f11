/* SPDX-License-Identifier: MIT */
/*
 * fuzz_addr - addr_normalize() on arbitrary bytes.  It must not crash,
 * and an accepted address must be what addr.h promises: at most 254
 * bytes, no control character (CR and LF above all: it goes into mail
 * headers), no space or quote, exactly one '@' after a local part of
 * 1..64 bytes, an ASCII lower-case domain with a dot; and normalising it
 * again must accept it and give the same string (idempotent).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[2048], out[ADDR_SIZE], again[ADDR_SIZE];
    const char *at;
    struct err err;

    if (size >= sizeof(in))
        size = sizeof(in) - 1;
    memcpy(in, data, size);
    in[size] = '\0';
    err_init(&err);
    if (addr_normalize(in, out, sizeof(out), &err) == -1) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "a refusal that does not say why");
        return 0;
    }
    FUZZ_REQUIRE(strlen(out) <= ADDR_MAX, "an address over 254 bytes");
    FUZZ_REQUIRE(strpbrk(out, "\r\n") == NULL, "CR or LF in an address");
    for (const char *p = out; *p; p++)
        FUZZ_REQUIRE((unsigned char)*p > 0x20 && *p != 0x7f && *p != '"',
                     "a control character, space or quote in an address");
    at = strchr(out, '@');
    FUZZ_REQUIRE(at != NULL && strchr(at + 1, '@') == NULL,
                 "not exactly one @");
    FUZZ_REQUIRE(at > out && at - out <= ADDR_LOCAL_MAX,
                 "a local part outside 1..64 bytes");
    FUZZ_REQUIRE(strchr(at + 1, '.') != NULL, "a domain without a dot");
    for (const char *p = at + 1; *p; p++)
        FUZZ_REQUIRE((unsigned char)*p < 0x80 && !(*p >= 'A' && *p <= 'Z'),
                     "a domain that is not ASCII lower case");
    FUZZ_REQUIRE(addr_normalize(out, again, sizeof(again), &err) == 0 &&
                     strcmp(out, again) == 0,
                 "normalising twice is not the same as once");
    return 0;
}
