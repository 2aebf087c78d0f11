/* SPDX-License-Identifier: MIT */
/*
 * fuzz_bounce - bounce_parse() on any bytes: no input may crash it, and
 * what it reports stays within its bounds (recipients, candidate
 * addresses, NUL-terminated strings without CR or LF).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_clean - s is NUL-terminated within size and has no CR/LF */
static void
fuzz_clean(const char *s, size_t size)
{
    size_t n = strnlen(s, size);

    if (n == size || strpbrk(s, "\r\n") != NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bounce_report r;

    if (bounce_parse((const char *)data, size, &r) != 0)
        return 0;
    if (r.nrcpt > BOUNCE_RCPT_MAX || r.naddr > BOUNCE_ADDR_MAX ||
        r.format == NULL)
        abort();
    for (size_t i = 0; i < r.nrcpt; i++) {
        if (r.rcpt[i].kind == BOUNCE_NONE)
            abort();
        fuzz_clean(r.rcpt[i].addr, sizeof(r.rcpt[i].addr));
        fuzz_clean(r.rcpt[i].status, sizeof(r.rcpt[i].status));
    }
    for (size_t i = 0; i < r.naddr; i++)
        fuzz_clean(r.addr[i], sizeof(r.addr[i]));
    fuzz_clean(r.msgid, sizeof(r.msgid));
    return 0;
}
