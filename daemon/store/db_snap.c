/* SPDX-License-Identifier: MIT */
/*
 * db_snap - a read transaction with prepared BEGIN/COMMIT (see db_snap.h).
 */
#include "db_snap.h"

#include <stddef.h>

#include <sqlite3.h>

int
db_snap_begin(struct db *db, struct err *err)
{
    static const char sql[] = "BEGIN";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    return db_step_done(db, st, "beginning a read", err);
}

void
db_snap_end(struct db *db)
{
    static const char sql[] = "COMMIT";
    sqlite3_stmt *st;
    struct err err;
    int rc;

    if (sqlite3_get_autocommit(db_handle(db)))
        return;
    err_init(&err);
    st = db_stmt(db, sql, &err);
    if (st != NULL) {
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            return;
    }
    db_rollback(db);
}
