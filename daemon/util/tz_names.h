/* SPDX-License-Identifier: MIT */
/*
 * tz_names - the IANA zone names a reader can pick from, read from the
 * system's tzdata: the zones of zone1970.tab and zone.tab in
 * /usr/share/zoneinfo ($TZDIR overrides, like tz.h), plus "UTC", sorted
 * and without duplicates.  Legacy aliases ("US/Eastern") are not offered;
 * tz_load() still accepts them.
 *
 * Contract: 0 on success, -1 with err filled; out-parameters are written
 * only on success.
 */
#ifndef PAPERBOY_TZ_NAMES_H
#define PAPERBOY_TZ_NAMES_H

#include <stddef.h>

#include "err.h"

/* The zone names: names[0..n-1], each NUL-terminated. */
struct tz_names {
    char **names; /* sorted, unique */
    size_t n;
};

/* tz_names_load - fill out (release with tz_names_release()); -1 when
 * neither table can be read */
int tz_names_load(struct tz_names *out, struct err *err);

/* tz_names_has - 1 when name is one of the names */
int tz_names_has(const struct tz_names *z, const char *name);

/* tz_names_release - free the names; out may be reused */
void tz_names_release(struct tz_names *z);

#endif
