/* SPDX-License-Identifier: MIT */
/*
 * http_pauses - the lists the bounce and complaint guard paused, as the
 * /healthz JSON member "paused_lists": [{"list", "reason", "paused_at"}]
 * (db_pause.h).
 */
#ifndef PAPERBOY_HTTP_PAUSES_H
#define PAPERBOY_HTTP_PAUSES_H

#include "buf.h"
#include "db.h"

/* http_healthz_pauses - append ',"paused_lists":[...]' to b; on a
 * database error b is left as it was */
void http_healthz_pauses(struct db *db, struct buf *b);

#endif
