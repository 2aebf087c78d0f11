/* SPDX-License-Identifier: MIT */
/*
 * erase - "delete everything" for one subscriber (sub_erase() in
 * subs.h), shared by POST /erase/TOKEN and `subscriber erase`.  It counts
 * what goes, deletes the subscriber row (the foreign keys cascade to
 * subscriptions, digests, digest_items, votes and outbox) and suppresses
 * the address's keyed hash, in one transaction: either all of it
 * happens or nothing does.  Not here: the confirmation step (web/) and
 * the printing (cli/).  Layer: subs.
 */
#include <string.h>

#include "db_suppress.h"
#include "subs.h"

/* erase_rows - the work of sub_erase() inside its transaction */
static int
erase_rows(struct db *db, const struct token_key *key,
           const struct db_subscriber *who, int64_t now,
           struct subs_erased *out, struct err *err)
{
    unsigned char h[DB_SUPPRESS_HASH];

    if (db_export_counts(db, who->id, &out->rows, err) == -1)
        return -1;
    if (db_sub_delete_subscriber(db, who->id, err) == -1)
        return -1;
    db_suppress_hash(key, who->email, h);
    return db_suppress_add(db, h, "erased", "", now, &out->suppressed, err);
}

int
sub_erase(struct db *db, const struct token_key *key, const char *email,
          int64_t now, struct subs_erased *out, struct err *err)
{
    struct db_subscriber who;
    struct subs_erased res;
    int own = !db_in_txn(db), found, rc;

    memset(&res, 0, sizeof(res));
    if (own && db_begin(db, err) == -1)
        return -1;
    found = db_sub_find(db, email, &who, err);
    if (found == 0)
        rc = erase_rows(db, key, &who, now, &res, err);
    else
        rc = found; /* 1: nobody to erase; -1: error */
    if (own) {
        if (rc == 0 && db_commit(db, err) == -1)
            rc = -1;
        if (rc != 0)
            db_rollback(db);
    }
    if (rc == 0)
        *out = res;
    return rc;
}
