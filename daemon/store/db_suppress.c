/* SPDX-License-Identifier: MIT */
/*
 * db_suppress - the suppression table (see db_suppress.h).  Every value is
 * bound.
 */
#include "db_suppress.h"

#include <ctype.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "str.h"

void
db_suppress_hash(const struct token_key *k, const char *addr,
                 unsigned char out[DB_SUPPRESS_HASH])
{
    crypto_auth_hmacsha256_state st;
    unsigned char c;

    crypto_auth_hmacsha256_init(&st, k->key, sizeof(k->key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"s|", 2);
    for (const char *p = addr; *p; p++) {
        c = (unsigned char)tolower((unsigned char)*p);
        crypto_auth_hmacsha256_update(&st, &c, 1);
    }
    crypto_auth_hmacsha256_final(&st, out);
}

int
db_suppress_add(struct db *db, const unsigned char hash[DB_SUPPRESS_HASH],
                const char *reason, const char *detail, int64_t now, int *added,
                struct err *err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO suppressions (addr_hash, reason, detail, "
        " created_at) VALUES (?1, ?2, substr(?3, 1, ?5), ?4)";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_blob(st, 1, hash, DB_SUPPRESS_HASH, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int(st, 5, DB_SUPPRESS_DETAIL_MAX - 1);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "suppressing an address");
    if (added)
        *added = db_changes(db) > 0;
    return 0;
}

int
db_suppress_get(struct db *db, const unsigned char hash[DB_SUPPRESS_HASH],
                char reason[DB_SUPPRESS_REASON_MAX], struct err *err)
{
    static const char sql[] =
        "SELECT reason FROM suppressions WHERE addr_hash = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_blob(st, 1, hash, DB_SUPPRESS_HASH, SQLITE_STATIC);
    rc = db_step_row(db, st, "reading suppressions", err);
    if (rc == 0) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        str_copy(reason, DB_SUPPRESS_REASON_MAX, t ? (const char *)t : "");
        sqlite3_reset(st);
    }
    return rc;
}

int
db_suppress_remove(struct db *db, const unsigned char hash[DB_SUPPRESS_HASH],
                   int *removed, struct err *err)
{
    static const char sql[] = "DELETE FROM suppressions WHERE addr_hash = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_blob(st, 1, hash, DB_SUPPRESS_HASH, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "removing a suppression");
    if (removed)
        *removed = db_changes(db) > 0;
    return 0;
}

int
db_suppress_count(struct db *db, int64_t *n, struct err *err)
{
    static const char sql[] = "SELECT count(*) FROM suppressions";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    /* count(*) always has its row: 0 or -1 */
    return db_step_int64(db, st, n, "counting suppressions", err);
}
