/* SPDX-License-Identifier: MIT */
/*
 * db_snap - one read transaction around several reads, so that they see
 * one snapshot and take the WAL read lock once.  The delivery workers
 * render each message with three SELECTs (digest, subscription, items);
 * in autocommit each is its own read transaction, and every time another
 * worker has committed in between, SQLite drops the connection's whole
 * page cache at the start of the next one.  BEGIN and COMMIT are
 * prepared once per connection (sqlite3_exec() would parse them each
 * time).  It does not write and does not retry.
 */
#ifndef PAPERBOY_DB_SNAP_H
#define PAPERBOY_DB_SNAP_H

#include "db.h"
#include "err.h"

/* db_snap_begin - BEGIN (deferred: the snapshot is taken by the first
 * read); -1 with err, and no transaction open, on failure */
int db_snap_begin(struct db *db, struct err *err);

/* db_snap_end - end the read transaction db_snap_begin() opened (COMMIT,
 * or ROLLBACK if that fails); nothing when none is open */
void db_snap_end(struct db *db);

#endif
