/* SPDX-License-Identifier: MIT */
/*
 * http_pauses - the paused lists in /healthz (see http_pauses.h).
 */
#include "http_pauses.h"

#include <stdint.h>
#include <string.h>

#include "db_pause.h"

#define HTTP_PAUSES_MAX 8192 /* bytes of the member, at most */

/* http_pause_item - db_pause_each callback: one object */
static int
http_pause_item(void *arg, const char *list, const char *reason,
                int64_t paused_at)
{
    struct buf *b = arg;

    buf_adds(b, b->len > strlen(",\"paused_lists\":[") ? ",{" : "{");
    buf_adds(b, "\"list\":\"");
    buf_add_json(b, list, strlen(list));
    buf_adds(b, "\",\"reason\":\"");
    buf_add_json(b, reason, strlen(reason));
    buf_addf(b, "\",\"paused_at\":%lld}", (long long)paused_at);
    return 0;
}

void
http_healthz_pauses(struct db *db, struct buf *b)
{
    struct buf m;
    struct err err;

    buf_init(&m, HTTP_PAUSES_MAX);
    buf_adds(&m, ",\"paused_lists\":[");
    err_init(&err);
    if (db_pause_each(db, http_pause_item, &m, &err) == 0) {
        buf_adds(&m, "]");
        if (!m.failed)
            buf_add(b, m.data, m.len);
    }
    buf_release(&m);
}
