/* SPDX-License-Identifier: MIT */
/*
 * fuzz_addr - addr_normalize() on arbitrary bytes: it must not crash, an
 * accepted address must be at most 254 bytes with no control characters
 * or spaces, and normalising it again must give the same string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char in[2048], out[ADDR_SIZE], again[ADDR_SIZE];
    struct err err;

    if (size >= sizeof(in))
        size = sizeof(in) - 1;
    memcpy(in, data, size);
    in[size] = '\0';
    if (addr_normalize(in, out, sizeof(out), &err) == -1)
        return 0;
    if (strlen(out) > ADDR_MAX)
        abort();
    for (const char *p = out; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            abort();
    if (addr_normalize(out, again, sizeof(again), &err) == -1 ||
        strcmp(out, again) != 0)
        abort();
    return 0;
}
