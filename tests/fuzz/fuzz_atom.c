/* SPDX-License-Identifier: MIT */
/*
 * fuzz_atom - the arXiv API Atom parser on arbitrary bytes (the checks are in
 * fuzz_source.h).
 */
#include "fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_source_run(&source_atom_ops, data, size);
}
