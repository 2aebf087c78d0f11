/* SPDX-License-Identifier: MIT */
/*
 * db - one SQLite connection per thread, with the schema migrated.
 *
 * db_open() creates the file with mode 0600 (and its directory 0700),
 * switches on WAL, foreign keys and a busy timeout, and applies the
 * embedded schema/NNN_*.sql migrations in order, each in one transaction,
 * tracked by PRAGMA user_version.  A database newer than this binary is
 * refused.  Only db*.c files include <sqlite3.h>; other modules call the
 * db_<table>_*() functions those files export.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DB_H
#define PAPERBOY_DB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct db;
struct sqlite3;
struct sqlite3_stmt;

/* db_global_init - process-wide SQLite memory settings; call once from
 * main() before any db_open() (later calls do nothing) */
void db_global_init(void);

/* db_open - open or create path (":memory:" works); caller db_close()s.
 * The connection's SQL has backoff_delay(first, cap, attempt), backoff.h's
 * rule. */
int db_open(const char *path, int busy_timeout_ms, struct db **out,
            struct err *err);
/* db_close - finalize cached statements and close; NULL is fine */
void db_close(struct db *db);

/* db_release_memory - free the page cache pages no statement is using
 * (a connection that goes idle after a big job); NULL is fine */
void db_release_memory(struct db *db);

/* db_schema_version - highest migration compiled into this binary */
int db_schema_version(void);

/* db_handle - the raw connection, for db_*.c modules only.  Borrowed. */
struct sqlite3 *db_handle(struct db *db);

/*
 * db_stmt - a prepared statement for sql, cached on the connection and
 * keyed by the sql pointer (pass string literals), reset and with its
 * bindings cleared.  Borrowed: do not finalize.  NULL with err on failure.
 */
struct sqlite3_stmt *db_stmt(struct db *db, const char *sql, struct err *err);

/* db_exec - run one or more statements without results */
int db_exec(struct db *db, const char *sql, struct err *err);

/* db_begin - BEGIN IMMEDIATE (writer) ; db_commit ; db_rollback */
int db_begin(struct db *db, struct err *err);
int db_commit(struct db *db, struct err *err);
void db_rollback(struct db *db);
/* db_in_txn - 1 if a transaction is open on db, else 0 */
int db_in_txn(struct db *db);
/* db_own_begin - BEGIN IMMEDIATE unless a transaction is open already;
 * *own says whether db_own_end() ends it */
int db_own_begin(struct db *db, int *own, struct err *err);
/* db_own_end - when own, commit (rc 0) or roll back (rc -1); returns rc,
 * or -1 when the commit failed (rolled back) */
int db_own_end(struct db *db, int own, int rc, struct err *err);

/* db_step_done - step a statement that returns no rows, then reset it;
 * -1 with err ("database: WHAT: ...") unless it ran to completion */
int db_step_done(struct db *db, struct sqlite3_stmt *st, const char *what,
                 struct err *err);
/* db_step_row - step a one-row lookup: 0 with the row to read (the caller
 * resets st after reading it), 1 when there is no row, -1 with err; st is
 * reset unless it returns 0 */
int db_step_row(struct db *db, struct sqlite3_stmt *st, const char *what,
                struct err *err);
/* db_step_int64 - step a one-row lookup, then reset it: 0 with column 0
 * in *out, 1 when there is no row (out untouched), -1 with err */
int db_step_int64(struct db *db, struct sqlite3_stmt *st, int64_t *out,
                  const char *what, struct err *err);
/* db_step_ids - step a bound statement to its end, column 0 of every row
 * into *ids (malloc'd, caller frees; NULL when none) and their count into
 * *n, then reset it; -1 with err and nothing out */
int db_step_ids(struct db *db, struct sqlite3_stmt *st, const char *what,
                int64_t **ids, size_t *n, struct err *err);

/* db_fail - fill err from the connection's last error; ERR_TEMP when the
 * database was busy or locked.  Returns -1 for "return db_fail(...)". */
int db_fail(struct db *db, struct err *err, const char *what);

/* db_last_id - rowid of the last insert; db_changes - rows changed */
int64_t db_last_id(struct db *db);
int db_changes(struct db *db);

#endif
