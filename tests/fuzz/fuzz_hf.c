/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hf - the Hugging Face daily papers JSON parser on arbitrary bytes (the
 * checks are in fuzz_source.h).
 */
#include "fuzz_source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_source_run(&source_hf_ops, data, size);
}
