/* SPDX-License-Identifier: MIT */
/*
 * err - failure reasons passed from callee to caller (see err.h).
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
err_init(struct err *err)
{
    err->kind = ERR_NONE;
    err->msg[0] = '\0';
}

void
err_set(struct err *err, enum err_kind kind, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    err->kind = kind;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

void
err_prefix(struct err *err, const char *fmt, ...)
{
    char head[256];
    char old[sizeof(err->msg)];
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
}
