/* SPDX-License-Identifier: MIT */
/*
 * outbox - the durable mail queue (see outbox.h for the state machine).
 *
 * Every function here is a short transaction or runs inside the caller's.
 * Claiming and recording are the hot path of delivery: a claim is one
 * SELECT and a few UPDATEs by primary key; a batch of results is one
 * transaction of UPDATEs by primary key, so a worker pays one commit per
 * batch, not per message.  Only a batch that held a bounce at RCPT pays
 * more: a lookup per bounce and the list guard (db_bounce_guard) on each
 * mailing it touched when guard_pace.h says judging can change anything,
 * so a list past its bounce limit pauses before its next claim; the last
 * batch (a short claim, or results stored alone) judges what was left.
 */
#include "outbox.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "db_bounce.h"
#include "guard_pace.h"
#include "log.h"
#include "str.h"

static const char *const outbox_state_names[OUTBOX_NSTATE] = {
    "queued", "sending", "deferred", "sent", "bounced", "failed",
};

const char *
outbox_state_name(enum outbox_state s)
{
    if ((int)s < 0 || s >= OUTBOX_NSTATE)
        return "?";
    return outbox_state_names[s];
}

int
outbox_state_parse(const char *s, enum outbox_state *out)
{
    int i = str_index(outbox_state_names, OUTBOX_NSTATE, s);

    if (i < 0)
        return -1;
    *out = (enum outbox_state)i;
    return 0;
}

/* outbox_begin - BEGIN IMMEDIATE as a prepared statement: the hot paths
 * (claim, record) begin a transaction many times a second, and
 * db_begin()'s sqlite3_exec() parses the SQL every time */
static int
outbox_begin(struct db *db, struct err *err)
{
    static const char sql[] = "BEGIN IMMEDIATE";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    return db_step_done(db, st, "beginning a transaction", err);
}

/* outbox_commit - COMMIT as a prepared statement (see outbox_begin) */
static int
outbox_commit(struct db *db, struct err *err)
{
    static const char sql[] = "COMMIT";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    return db_step_done(db, st, "committing", err);
}

/* outbox_col_text - copy a text column into a fixed array */
static void
outbox_col_text(sqlite3_stmt *st, int col, char *out, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    (void)str_copy(out, size, t ? (const char *)t : "");
}

#define OUTBOX_COLS                                                            \
    "id, kind, state, subscription_id, digest_id, rcpt, message_id, "          \
    "issued_at, attempts, created_at, next_attempt_at, claimed_at, sent_at, "  \
    "last_reply"

/* outbox_row_read - fill a row from a statement selecting OUTBOX_COLS */
static void
outbox_row_read(sqlite3_stmt *st, struct outbox_row *r)
{
    char state[16];

    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(st, 0);
    outbox_col_text(st, 1, state, sizeof(state));
    r->kind = strcmp(state, "confirm") == 0  ? OUTBOX_CONFIRM
              : strcmp(state, "manage") == 0 ? OUTBOX_MANAGE
                                             : OUTBOX_DIGEST;
    outbox_col_text(st, 2, state, sizeof(state));
    if (outbox_state_parse(state, &r->state) == -1)
        r->state = OUTBOX_FAILED;
    r->subscription_id = sqlite3_column_int64(st, 3);
    r->digest_id = sqlite3_column_int64(st, 4);
    outbox_col_text(st, 5, r->rcpt, sizeof(r->rcpt));
    outbox_col_text(st, 6, r->message_id, sizeof(r->message_id));
    r->issued_at = sqlite3_column_int64(st, 7);
    r->attempts = sqlite3_column_int(st, 8);
    r->created_at = sqlite3_column_int64(st, 9);
    r->next_attempt_at = sqlite3_column_int64(st, 10);
    r->claimed_at = sqlite3_column_int64(st, 11);
    r->sent_at = sqlite3_column_int64(st, 12);
    outbox_col_text(st, 13, r->last_reply, sizeof(r->last_reply));
}

int
outbox_enqueue_confirm(struct db *db, const struct config *cfg,
                       int64_t subscription_id, int64_t now, int *queued,
                       struct err *err)
{
    static const char sql_sub[] =
        "SELECT s.status, b.email, "
        " (SELECT max(s2.confirm_sent_at) FROM subscriptions s2 "
        "  WHERE s2.subscriber_id = s.subscriber_id) "
        "FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id "
        "WHERE s.id = ?1";
    static const char sql_ins[] =
        "INSERT INTO outbox (kind, priority, subscription_id, rcpt, "
        " message_id, issued_at, state, created_at, next_attempt_at) "
        "VALUES ('confirm', 0, ?1, ?2, ?3, ?4, 'queued', ?4, ?4)";
    static const char sql_stamp[] =
        "UPDATE subscriptions SET confirm_sent_at = ?2 WHERE id = ?1";
    sqlite3_stmt *st;
    char email[256], status[16], domain[256], msgid[OUTBOX_MSGID_MAX];
    int64_t last = 0;
    int own = 0, rc = -1, step;

    if (db_own_begin(db, &own, err) == -1)
        return -1;
    if ((st = db_stmt(db, sql_sub, err)) == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, subscription_id);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        if (step == SQLITE_DONE)
            err_set(err, ERR_PERM, "outbox: no subscription id=%" PRId64,
                    subscription_id);
        else
            db_fail(db, err, "reading a subscription");
        goto out;
    }
    outbox_col_text(st, 0, status, sizeof(status));
    outbox_col_text(st, 1, email, sizeof(email));
    last = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    if (strcmp(status, "pending") != 0) {
        err_set(err, ERR_PERM,
                "outbox: subscription id=%" PRId64 " is %s, not pending",
                subscription_id, status);
        goto out;
    }
    /* one confirmation per address per 24 h, whichever list asked */
    if (last != 0 && now - last < OUTBOX_CONFIRM_GAP) {
        *queued = 0;
        rc = 0;
        goto out;
    }
    config_from_domain(cfg, domain, sizeof(domain));
    snprintf(msgid, sizeof(msgid), "<c.%" PRId64 ".%" PRId64 "@%s>",
             subscription_id, now, domain);
    if ((st = db_stmt(db, sql_ins, err)) == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, subscription_id);
    sqlite3_bind_text(st, 2, email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, msgid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, now);
    if (db_step_done(db, st, "queueing a confirmation", err) == -1)
        goto out;
    if ((st = db_stmt(db, sql_stamp, err)) == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, subscription_id);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "stamping confirm_sent_at", err) == -1)
        goto out;
    *queued = 1;
    rc = 0;
out:
    return db_own_end(db, own, rc, err);
}

const char *
outbox_kind_name(enum outbox_kind k)
{
    return k == OUTBOX_CONFIRM  ? "confirm"
           : k == OUTBOX_MANAGE ? "manage"
                                : "digest";
}

int
outbox_enqueue_manage(struct db *db, const struct config *cfg,
                      const char *email, int64_t now, int *queued,
                      struct err *err)
{
    static const char sql_sub[] =
        "SELECT b.id, b.email, b.manage_sent_at, s.id "
        "FROM subscribers b JOIN subscriptions s ON s.subscriber_id = b.id "
        "WHERE b.email = ?1 AND s.status IN ('pending', 'confirmed') "
        "ORDER BY s.created_at DESC, s.id DESC LIMIT 1";
    static const char sql_ins[] =
        "INSERT INTO outbox (kind, priority, subscription_id, rcpt, "
        " message_id, issued_at, state, created_at, next_attempt_at) "
        "VALUES ('manage', 0, ?1, ?2, ?3, ?4, 'queued', ?4, ?4)";
    static const char sql_stamp[] =
        "UPDATE subscribers SET manage_sent_at = ?2 WHERE id = ?1";
    sqlite3_stmt *st;
    char addr[256], domain[256], msgid[OUTBOX_MSGID_MAX];
    int64_t subscriber, last, sub;
    int own = 0, rc = -1, step;

    *queued = 0;
    if (db_own_begin(db, &own, err) == -1)
        return -1;
    if ((st = db_stmt(db, sql_sub, err)) == NULL)
        goto out;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        if (step == SQLITE_DONE) /* unknown, or nothing to manage */
            rc = 0;
        else
            db_fail(db, err, "reading a subscriber");
        goto out;
    }
    subscriber = sqlite3_column_int64(st, 0);
    outbox_col_text(st, 1, addr, sizeof(addr));
    last = sqlite3_column_int64(st, 2);
    sub = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    /* one per address per 24 h, as for confirmations */
    if (last != 0 && now - last < OUTBOX_CONFIRM_GAP) {
        rc = 0;
        goto out;
    }
    config_from_domain(cfg, domain, sizeof(domain));
    snprintf(msgid, sizeof(msgid), "<m.%" PRId64 ".%" PRId64 "@%s>", sub, now,
             domain);
    if ((st = db_stmt(db, sql_ins, err)) == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, sub);
    sqlite3_bind_text(st, 2, addr, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, msgid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, now);
    if (db_step_done(db, st, "queueing a manage mail", err) == -1)
        goto out;
    if ((st = db_stmt(db, sql_stamp, err)) == NULL)
        goto out;
    sqlite3_bind_int64(st, 1, subscriber);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "stamping manage_sent_at", err) == -1)
        goto out;
    *queued = 1;
    rc = 0;
out:
    return db_own_end(db, own, rc, err);
}

int
outbox_enqueue_digest(struct db *db, int64_t digest_id, const char *message_id,
                      int64_t now, int *queued, struct err *err)
{
    /* INSERT ... SELECT so the recipient comes from the subscriber row;
     * NOT EXISTS makes it idempotent per digest */
    static const char sql[] =
        "INSERT INTO outbox (kind, priority, subscription_id, digest_id, "
        " rcpt, message_id, issued_at, state, created_at, next_attempt_at) "
        "SELECT 'digest', 1, d.subscription_id, d.id, b.email, ?2, ?3, "
        " 'queued', ?3, ?3 "
        "FROM digests d JOIN subscriptions s ON s.id = d.subscription_id "
        " JOIN subscribers b ON b.id = s.subscriber_id "
        "WHERE d.id = ?1 AND NOT EXISTS "
        " (SELECT 1 FROM outbox o WHERE o.digest_id = d.id) "
        "ON CONFLICT (message_id) DO NOTHING";
    sqlite3_stmt *st;

    if (message_id == NULL || message_id[0] == '\0' ||
        str_has_ctl(message_id, strlen(message_id))) {
        err_set(err, ERR_PERM, "outbox: bad Message-ID for digest=%" PRId64,
                digest_id);
        return -1;
    }
    if ((st = db_stmt(db, sql, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, digest_id);
    sqlite3_bind_text(st, 2, message_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    if (db_step_done(db, st, "queueing a digest", err) == -1)
        return -1;
    *queued = db_changes(db) > 0;
    return 0;
}

int
outbox_drop_pending(struct db *db, int64_t subscription_id, struct err *err)
{
    static const char sql[] = "DELETE FROM outbox WHERE subscription_id = ?1 "
                              "AND state IN ('queued', 'deferred')";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscription_id);
    return db_step_done(db, st, "dropping queued mail", err);
}

int
outbox_depth(struct db *db, int64_t *out, struct err *err)
{
    static const char sql[] = "SELECT count(*) FROM outbox "
                              "WHERE state IN ('queued','sending','deferred')";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "counting the outbox");
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int
outbox_recover(struct db *db, int64_t *n, struct err *err)
{
    static const char sql[] =
        "UPDATE outbox SET state = 'queued' WHERE state = 'sending'";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    if (db_step_done(db, st, "recovering claimed rows", err) == -1)
        return -1;
    if (n)
        *n = db_changes(db);
    return 0;
}

int
outbox_mark_sent(struct db *db, int64_t id, int64_t sent_at, const char *reply,
                 struct err *err)
{
    static const char sql[] =
        "UPDATE outbox SET state = 'sent', sent_at = ?2, last_reply = ?3 "
        "WHERE id = ?1 AND state = 'sending'";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, sent_at);
    sqlite3_bind_text(st, 3, reply, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "marking a row sent", err);
}

/* When this process last looked for expired claims (outbox_lease). */
static _Atomic int64_t outbox_lease_at = INT64_MIN;
/* The time of this process's first claim: rows claimed since then are
 * this process's own (outbox_lease never takes them back). */
static _Atomic int64_t outbox_claims_from = INT64_MIN;

/* outbox_lease_s - OUTBOX_LEASE, or $PAPERBOY_OUTBOX_LEASE_S (tests: a
 * lease of seconds shows what the lease may and may not take back) */
static int64_t
outbox_lease_s(void)
{
    const char *env = getenv("PAPERBOY_OUTBOX_LEASE_S");
    long v;

    if (env != NULL && str_to_long(env, 1, OUTBOX_LEASE, &v) == 0)
        return v;
    return OUTBOX_LEASE;
}

/*
 * outbox_lease - a claim older than the lease, made before this process
 * claimed anything, was lost by the process that made it: the row is due
 * again.  Claims of this process are never taken back here, however old:
 * a worker that is paused (a full disk) or slow (a stalled server) still
 * holds them and sends them when it goes on, and a worker records the
 * results it gave up itself, before a later claim (deliver.c);
 * deliver_start()'s outbox_recover() is what re-queues the claims of
 * earlier processes (one process delivers at a time).  This scans every row in
 * 'sending' (claimed_at is not indexed: 100-300 rows with 4 busy sessions,
 * about 5 % of a claim's cost), so outbox_claim() runs it only every
 * OUTBOX_LEASE_CHECK seconds, or when the queue looks short.  *n is how many
 * rows came back.
 */
static int
outbox_lease(struct db *db, int64_t now, int64_t *n, struct err *err)
{
    static const char sql_lease[] =
        "UPDATE outbox SET state = 'queued' "
        "WHERE state = 'sending' AND claimed_at < ?1";
    sqlite3_stmt *st = db_stmt(db, sql_lease, err);
    int64_t before = now - outbox_lease_s();
    int64_t mine = atomic_load(&outbox_claims_from);

    if (st == NULL)
        return -1;
    if (mine != INT64_MIN && mine < before)
        before = mine;
    sqlite3_bind_int64(st, 1, before);
    if (db_step_done(db, st, "expiring old claims", err) == -1)
        return -1;
    *n = db_changes(db);
    atomic_store(&outbox_lease_at, now);
    return 0;
}

/* A due row as outbox_claim() ranks it. */
struct outbox_due {
    int64_t id;
    int64_t priority;
    int64_t next_attempt_at;
    int ok; /* its subscription can still receive it */
};

/* outbox_due_cmp - qsort order of the claim: priority, due time, id */
static int
outbox_due_cmp(const void *a, const void *b)
{
    const struct outbox_due *x = a, *y = b;

    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    if (x->next_attempt_at != y->next_attempt_at)
        return x->next_attempt_at < y->next_attempt_at ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* outbox_due_read - append st's rows (OUTBOX_DUE_COLS) to due[*n..cap) */
static int
outbox_due_read(struct db *db, sqlite3_stmt *st, struct outbox_due *due,
                size_t *n, size_t cap, struct err *err)
{
    int step = SQLITE_DONE;

    while (*n < cap && (step = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_due *d = &due[(*n)++];
        d->id = sqlite3_column_int64(st, 0);
        d->priority = sqlite3_column_int64(st, 1);
        d->next_attempt_at = sqlite3_column_int64(st, 2);
        d->ok = sqlite3_column_int(st, 3);
    }
    if (*n >= cap)
        step = SQLITE_DONE;
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return db_fail(db, err, "reading due rows");
    return 0;
}

#define OUTBOX_DUE_COLS                                                        \
    "SELECT o.id, o.priority, o.next_attempt_at, "                             \
    " (o.kind = 'digest' AND s.status = 'confirmed' AND s.paused = 0) "        \
    " OR (o.kind = 'confirm' AND s.status = 'pending') "                       \
    " OR (o.kind = 'manage' AND EXISTS (SELECT 1 FROM subscriptions m "        \
    "  WHERE m.subscriber_id = s.subscriber_id "                               \
    "  AND m.status IN ('pending', 'confirmed'))) " /* any live one */         \
    "FROM outbox o JOIN subscriptions s ON s.id = o.subscription_id "          \
    " AND NOT EXISTS (SELECT 1 FROM list_pauses p "                            \
    "  WHERE p.list_id = s.list_id AND p.resumed_at IS NULL) " /* paused */

/*
 * outbox_due_rows - the first lim due rows, best first, with whether
 * their subscription can still receive them.  Each (state, priority) pair
 * of confirmations (0) and digests (1) is one range of the index
 * outbox_due(state, priority, next_attempt_at) read in order and cut at
 * lim rows, so this costs the same with 20 or 200,000 rows queued (a
 * single "state IN (...) ORDER BY" sorts every due row).  Other
 * priorities are rare; they are read the same way.  The ranges are
 * merged here rather than by a UNION ALL in SQL: SQLite materialises such
 * a compound into an ephemeral table, whose page cache is allocated and
 * freed at every claim (figures: bench/README.md).
 */
static int
outbox_due_rows(struct db *db, int64_t now, size_t lim, struct outbox_due *due,
                size_t *n, struct err *err)
{
    static const char sql_range[] =
        OUTBOX_DUE_COLS "WHERE o.state = ?1 AND o.priority = ?2 "
                        " AND o.next_attempt_at <= ?3 "
                        "ORDER BY o.next_attempt_at, o.id LIMIT ?4";
    /* other priorities are rare; each range is in index order too */
    static const char sql_above[] =
        OUTBOX_DUE_COLS "WHERE o.state = ?1 AND o.priority > 1 "
                        " AND o.next_attempt_at <= ?2 "
                        "ORDER BY o.priority, o.next_attempt_at, o.id "
                        "LIMIT ?3";
    static const char sql_below[] =
        OUTBOX_DUE_COLS "WHERE o.state = ?1 AND o.priority < 0 "
                        " AND o.next_attempt_at <= ?2 "
                        "ORDER BY o.priority, o.next_attempt_at, o.id "
                        "LIMIT ?3";
    static const char *const states[2] = {"queued", "deferred"};
    sqlite3_stmt *st;
    size_t k = 0;

    for (int prio = 0; prio < 2; prio++) {
        for (int s = 0; s < 2; s++) {
            if ((st = db_stmt(db, sql_range, err)) == NULL)
                return -1;
            sqlite3_bind_text(st, 1, states[s], -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, prio);
            sqlite3_bind_int64(st, 3, now);
            sqlite3_bind_int64(st, 4, (sqlite3_int64)lim);
            if (outbox_due_read(db, st, due, &k, k + lim, err) == -1)
                return -1;
        }
    }
    for (int s = 0; s < 2; s++) {
        for (int r = 0; r < 2; r++) {
            if ((st = db_stmt(db, r ? sql_below : sql_above, err)) == NULL)
                return -1;
            sqlite3_bind_text(st, 1, states[s], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, now);
            sqlite3_bind_int64(st, 3, (sqlite3_int64)lim);
            if (outbox_due_read(db, st, due, &k, k + lim, err) == -1)
                return -1;
        }
    }
    qsort(due, k, sizeof(*due), outbox_due_cmp);
    *n = k < lim ? k : lim;
    return 0;
}

#define OUTBOX_DUE_MAX 256 /* rows read per claim, at most */

/* outbox_claim_rows - outbox_claim() in the caller's transaction */
static int
outbox_claim_rows(struct db *db, int64_t now, struct outbox_row *rows,
                  size_t max, size_t *n, int64_t *dropped, struct err *err)
{
    /* (no RETURNING: SQLite collects RETURNING rows in an ephemeral
     * table, with the same page cache cost as above, per row) */
    static const char sql_claim[] =
        "UPDATE outbox SET state = 'sending', claimed_at = ?2, "
        " attempts = attempts + 1 WHERE id = ?1";
    static const char sql_read[] =
        "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?1";
    static const char sql_drop[] = "DELETE FROM outbox WHERE id = ?1";
    struct outbox_due due[8 * OUTBOX_DUE_MAX];
    sqlite3_stmt *st;
    int64_t last, expired = 0;
    size_t nids = 0, got = 0, eligible, lim;
    int64_t ndrop = 0;
    int lease_done = 0;

    if (max > OUTBOX_DUE_MAX)
        max = OUTBOX_DUE_MAX;
    {
        int64_t unset = INT64_MIN;
        (void)atomic_compare_exchange_strong(&outbox_claims_from, &unset, now);
    }
    /* read a few extra so that dropped rows do not starve the claim */
    lim = max * 2 < OUTBOX_DUE_MAX ? max * 2 : OUTBOX_DUE_MAX;
    last = atomic_load(&outbox_lease_at);
    if (last == INT64_MIN || now < last || now - last >= OUTBOX_LEASE_CHECK) {
        if (outbox_lease(db, now, &expired, err) == -1)
            return -1;
        lease_done = 1;
    }
    for (int pass = 0; pass < 2; pass++) {
        if (outbox_due_rows(db, now, lim, due, &nids, err) == -1)
            return -1;
        eligible = 0;
        for (size_t i = 0; i < nids; i++)
            eligible += due[i].ok != 0;
        /* a short claim: look for expired claims now, and read again
         * if there were some */
        if (lease_done || eligible >= max)
            break;
        if (outbox_lease(db, now, &expired, err) == -1)
            return -1;
        lease_done = 1;
        if (expired == 0)
            break;
    }
    for (size_t i = 0; i < nids; i++) {
        if (!due[i].ok) {
            if ((st = db_stmt(db, sql_drop, err)) == NULL)
                return -1;
            sqlite3_bind_int64(st, 1, due[i].id);
            if (db_step_done(db, st, "dropping a row", err) == -1)
                return -1;
            ndrop++;
            continue;
        }
        if (got == max)
            continue;
        if ((st = db_stmt(db, sql_claim, err)) == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, due[i].id);
        sqlite3_bind_int64(st, 2, now);
        if (db_step_done(db, st, "claiming a row", err) == -1)
            return -1;
        if ((st = db_stmt(db, sql_read, err)) == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, due[i].id);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_reset(st);
            db_fail(db, err, "claiming a row");
            return -1;
        }
        outbox_row_read(st, &rows[got++]);
        sqlite3_reset(st);
    }
    *n = got;
    if (dropped)
        *dropped = ndrop;
    return 0;
}

/* A mailing (list and day) a batch bounced mail of, for the guard. */
struct outbox_mailing {
    int64_t list_id;
    char day[11];
    int k;                         /* its RCPT bounces in the batch */
    int paused;                    /* the guard paused the list */
    char why[DB_PAUSE_REASON_MAX]; /* and why */
};

/* Subscriptions suspended and lists paused inside a transaction, logged
 * once it has committed (a rolled-back suspension must not be logged). */
struct outbox_susp {
    int64_t sub[8];
    int count[8];
    int n, more; /* in sub[], and beyond */
    struct outbox_mailing mail[4];
    int nmail, paused_more; /* in mail[], and lists paused beyond */
};

/* outbox_bounce - count a hard bounce on row id's subscription and
 * suspend it at the limit; noted in *sp when it was */
static int
outbox_bounce(struct db *db, const struct config *cfg, int64_t id,
              int unknown_user, int64_t now, struct outbox_susp *sp,
              struct err *err)
{
    static const char sql_inc[] =
        "UPDATE subscriptions SET hard_bounces = hard_bounces + 1 "
        "WHERE id = (SELECT subscription_id FROM outbox WHERE id = ?1) "
        "RETURNING id, hard_bounces, status";
    static const char sql_suspend[] =
        "UPDATE subscriptions SET status = 'bounced', updated_at = ?2 "
        "WHERE id = ?1";
    sqlite3_stmt *st;
    int64_t sub;
    int count, limit;
    char status[16];

    if ((st = db_stmt(db, sql_inc, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return 0; /* subscription deleted meanwhile */
    }
    sub = sqlite3_column_int64(st, 0);
    count = sqlite3_column_int(st, 1);
    outbox_col_text(st, 2, status, sizeof(status));
    (void)sqlite3_step(st);
    sqlite3_reset(st);
    limit = unknown_user ? cfg->bounce_limit_unknown : cfg->bounce_limit;
    if (count < limit || strcmp(status, "bounced") == 0)
        return 0;
    if ((st = db_stmt(db, sql_suspend, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "suspending a subscription", err) == -1)
        return -1;
    if (outbox_drop_pending(db, sub, err) == -1)
        return -1;
    if (sp->n < (int)(sizeof(sp->sub) / sizeof(sp->sub[0]))) {
        sp->sub[sp->n] = sub;
        sp->count[sp->n++] = count;
    } else {
        sp->more++;
    }
    return 0;
}

/* outbox_judge - the guard on mailing m at now, when forced or when
 * guard_pace says it can change anything; a pause is noted in m */
static int
outbox_judge(struct db *db, const struct config *cfg, int64_t now,
             struct outbox_mailing *m, int force, struct err *err)
{
    struct db_mailing seen;

    if (!force && !guard_pace_due(db, cfg, m->list_id, m->day, m->k, now))
        return 0;
    if (db_bounce_guard_seen(db, cfg, m->list_id, m->day, now, &m->paused,
                             m->why, &seen, err) == -1)
        return -1;
    guard_pace_judged(db, m->list_id, m->day, &seen, now);
    return 0;
}

/* outbox_note_mailing - note the mailing of bounced digest row id in sp
 * for outbox_guard(); a confirmation has none.  When sp is full the
 * mailing is judged at once (a batch rarely spans that many). */
static int
outbox_note_mailing(struct db *db, const struct config *cfg, int64_t id,
                    int64_t now, struct outbox_susp *sp, struct err *err)
{
    static const char sql[] =
        "SELECT s.list_id, d.day FROM outbox o "
        "JOIN digests d ON d.id = o.digest_id "
        "JOIN subscriptions s ON s.id = o.subscription_id WHERE o.id = ?1";
    struct outbox_mailing m;
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : db_fail(db, err, "looking up a mailing");
    }
    memset(&m, 0, sizeof(m));
    m.list_id = sqlite3_column_int64(st, 0);
    outbox_col_text(st, 1, m.day, sizeof(m.day));
    sqlite3_reset(st);
    m.k = 1;
    for (int i = 0; i < sp->nmail; i++)
        if (sp->mail[i].list_id == m.list_id &&
            strcmp(sp->mail[i].day, m.day) == 0) {
            sp->mail[i].k++;
            return 0;
        }
    if (sp->nmail < (int)(sizeof(sp->mail) / sizeof(sp->mail[0]))) {
        sp->mail[sp->nmail++] = m;
        return 0;
    }
    if (outbox_judge(db, cfg, now, &m, 0, err) == -1)
        return -1;
    sp->paused_more += m.paused;
    return 0;
}

/* outbox_guard - the guard on each mailing noted in sp, once the batch's
 * results are in */
static int
outbox_guard(struct db *db, const struct config *cfg, int64_t now,
             struct outbox_susp *sp, struct err *err)
{
    for (int i = 0; i < sp->nmail; i++)
        if (outbox_judge(db, cfg, now, &sp->mail[i], 0, err) == -1)
            return -1;
    return 0;
}

/* outbox_guard_last - the last batch: judge every mailing whose bounces
 * guard_pace let wait, noting pauses in sp */
static int
outbox_guard_last(struct db *db, const struct config *cfg, int64_t now,
                  struct outbox_susp *sp, struct err *err)
{
    struct guard_pace_key keys[8];
    size_t n;

    if (cfg == NULL)
        return 0;
    n = guard_pace_pending(db, keys, sizeof(keys) / sizeof(keys[0]));
    for (size_t i = 0; i < n; i++) {
        struct outbox_mailing m;
        memset(&m, 0, sizeof(m));
        m.list_id = keys[i].list_id;
        memcpy(m.day, keys[i].day, sizeof(m.day));
        if (outbox_judge(db, cfg, now, &m, 1, err) == -1)
            return -1;
        if (m.paused &&
            sp->nmail < (int)(sizeof(sp->mail) / sizeof(sp->mail[0])))
            sp->mail[sp->nmail++] = m;
        else
            sp->paused_more += m.paused;
    }
    return 0;
}

/* outbox_record_rows - outbox_record() in the caller's transaction */
static int
outbox_record_rows(struct db *db, const struct config *cfg,
                   const struct outbox_result *res, size_t n,
                   struct outbox_susp *sp, struct err *err)
{
    static const char sql_sent[] =
        "UPDATE outbox SET state = 'sent', sent_at = ?2, last_reply = ?3 "
        "WHERE id = ?1 AND state = 'sending'";
    /* deferred, or failed once the give-up time has passed */
    static const char sql_temp[] =
        "UPDATE outbox SET last_reply = ?3, "
        " state = CASE WHEN ?2 >= coalesce(retried_at, created_at) + ?4 "
        "  THEN 'failed' ELSE 'deferred' END, "
        " next_attempt_at = ?2 + backoff_delay(?5, ?6, attempts) "
        "WHERE id = ?1 AND state = 'sending'";
    static const char sql_final[] =
        "UPDATE outbox SET state = ?2, last_reply = ?3 "
        "WHERE id = ?1 AND state = 'sending'";
    static const char sql_unclaim[] =
        "UPDATE outbox SET state = 'queued', attempts = max(attempts - 1, 0) "
        "WHERE id = ?1 AND state = 'sending'";
    sqlite3_stmt *st;

    for (size_t i = 0; i < n; i++) {
        const struct outbox_result *r = &res[i];
        switch (r->outcome) {
        case OUTBOX_OK:
            st = db_stmt(db, sql_sent, err);
            if (st == NULL)
                return -1;
            sqlite3_bind_int64(st, 2, r->at);
            sqlite3_bind_text(st, 3, r->reply, -1, SQLITE_TRANSIENT);
            break;
        case OUTBOX_TEMP:
            st = db_stmt(db, sql_temp, err);
            if (st == NULL)
                return -1;
            sqlite3_bind_int64(st, 2, r->at);
            sqlite3_bind_text(st, 3, r->reply, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 4, cfg->retry_give_up);
            sqlite3_bind_int64(st, 5, OUTBOX_RETRY.first);
            sqlite3_bind_int64(st, 6, OUTBOX_RETRY.cap);
            break;
        case OUTBOX_BOUNCE:
        case OUTBOX_PERM:
            st = db_stmt(db, sql_final, err);
            if (st == NULL)
                return -1;
            sqlite3_bind_text(
                st, 2, r->outcome == OUTBOX_BOUNCE ? "bounced" : "failed", -1,
                SQLITE_STATIC);
            sqlite3_bind_text(st, 3, r->reply, -1, SQLITE_TRANSIENT);
            break;
        case OUTBOX_UNCLAIM:
        default:
            st = db_stmt(db, sql_unclaim, err);
            if (st == NULL)
                return -1;
            break;
        }
        sqlite3_bind_int64(st, 1, r->id);
        if (db_step_done(db, st, "recording a result", err) == -1)
            return -1;
        if (r->outcome == OUTBOX_BOUNCE && db_changes(db) > 0 &&
            (outbox_bounce(db, cfg, r->id, r->unknown_user, r->at, sp, err) ==
                 -1 ||
             outbox_note_mailing(db, cfg, r->id, r->at, sp, err) == -1))
            return -1;
    }
    return sp->nmail > 0 ? outbox_guard(db, cfg, res[n - 1].at, sp, err) : 0;
}

int
outbox_record_claim(struct db *db, const struct config *cfg,
                    const struct outbox_result *res, size_t nres,
                    int *suspended, int64_t now, struct outbox_row *rows,
                    size_t max, size_t *n, int64_t *dropped, struct err *err)
{
    struct outbox_susp susp;
    int64_t ndrop = 0;

    if (n != NULL)
        *n = 0;
    if (nres == 0 && max == 0)
        return 0;
    if (max > 0 && (rows == NULL || n == NULL))
        BUG("outbox_record_claim: a claim needs rows and n");
    memset(&susp, 0, sizeof(susp));
    if (outbox_begin(db, err) == -1)
        return -1;
    if ((nres > 0 &&
         outbox_record_rows(db, cfg, res, nres, &susp, err) == -1) ||
        (max > 0 &&
         outbox_claim_rows(db, now, rows, max, n, &ndrop, err) == -1) ||
        ((max == 0 || *n < max) &&
         outbox_guard_last(db, cfg, nres > 0 ? res[nres - 1].at : now, &susp,
                           err) == -1) ||
        outbox_commit(db, err) == -1) {
        db_rollback(db);
        if (n != NULL)
            *n = 0;
        return -1;
    }
    if (dropped)
        *dropped = ndrop;
    if (ndrop > 0)
        log_info("outbox: dropped %" PRId64
                 " queued mails of subscriptions that left or changed",
                 ndrop);
    for (int i = 0; i < susp.n; i++)
        log_info("outbox: subscription=%" PRId64
                 " suspended after %d hard bounces",
                 susp.sub[i], susp.count[i]);
    if (susp.more > 0)
        log_info("outbox: %d more subscriptions suspended after hard bounces",
                 susp.more);
    for (int i = 0; i < susp.nmail; i++)
        if (susp.mail[i].paused)
            log_warn("outbox: list=%" PRId64 " paused: %s",
                     susp.mail[i].list_id, susp.mail[i].why);
    if (susp.paused_more > 0)
        log_warn("outbox: %d more lists paused after hard bounces",
                 susp.paused_more);
    if (suspended)
        *suspended += susp.n + susp.more;
    return 0;
}

int
outbox_claim(struct db *db, int64_t now, struct outbox_row *rows, size_t max,
             size_t *n, int64_t *dropped, struct err *err)
{
    *n = 0;
    if (dropped)
        *dropped = 0;
    if (max == 0)
        return 0;
    return outbox_record_claim(db, NULL, NULL, 0, NULL, now, rows, max, n,
                               dropped, err);
}

int
outbox_record(struct db *db, const struct config *cfg,
              const struct outbox_result *res, size_t n, int *suspended,
              struct err *err)
{
    return outbox_record_claim(db, cfg, res, n, suspended, 0, NULL, 0, NULL,
                               NULL, err);
}

int
outbox_get(struct db *db, int64_t id, struct outbox_row *out, struct err *err)
{
    static const char sql[] = "SELECT " OUTBOX_COLS " FROM outbox WHERE id=?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int step;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        outbox_row_read(st, out);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return 0;
    if (step == SQLITE_DONE)
        return 1;
    return db_fail(db, err, "reading an outbox row");
}

int
outbox_each(struct db *db, int state, size_t limit, outbox_cb cb, void *arg,
            struct err *err)
{
    static const char sql[] =
        "SELECT " OUTBOX_COLS " FROM outbox WHERE (?1 IS NULL OR state = ?1) "
        "ORDER BY id DESC LIMIT ?2";
    sqlite3_stmt *st = NULL;
    struct outbox_row row;
    int step, rc = 0;

    /* not the cached statement: the callback may run other queries */
    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err, "listing the outbox");
    if (state >= 0)
        sqlite3_bind_text(st, 1, outbox_state_name((enum outbox_state)state),
                          -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        outbox_row_read(st, &row);
        if (cb(&row, arg, err) == -1) {
            rc = -1;
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE)
        rc = db_fail(db, err, "listing the outbox");
    sqlite3_finalize(st);
    return rc;
}

int
outbox_counts(struct db *db, int64_t counts[OUTBOX_NSTATE], struct err *err)
{
    static const char sql[] =
        "SELECT state, count(*) FROM outbox GROUP BY state";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int64_t c[OUTBOX_NSTATE] = {0};
    char name[16];
    enum outbox_state s;
    int step;

    if (st == NULL)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        outbox_col_text(st, 0, name, sizeof(name));
        if (outbox_state_parse(name, &s) == 0)
            c[s] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE)
        return db_fail(db, err, "counting the outbox");
    memcpy(counts, c, sizeof(c));
    return 0;
}

int
outbox_retry(struct db *db, int64_t id, int64_t now, int64_t *n,
             struct err *err)
{
    static const char sql_one[] =
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, "
        " attempts = 0, retried_at = ?2 "
        "WHERE id = ?1 AND state IN ('deferred', 'failed', 'bounced')";
    static const char sql_all[] =
        "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, "
        " attempts = 0, retried_at = ?2 "
        "WHERE state IN ('deferred', 'failed')";
    sqlite3_stmt *st = db_stmt(db, id > 0 ? sql_one : sql_all, err);

    if (st == NULL)
        return -1;
    if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "re-queueing", err) == -1)
        return -1;
    *n = db_changes(db);
    return 0;
}

int
outbox_purge(struct db *db, int64_t before, int64_t *n, struct err *err)
{
    static const char sql[] =
        "DELETE FROM outbox WHERE state IN ('sent', 'bounced', 'failed') "
        "AND created_at < ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, before);
    if (db_step_done(db, st, "purging the outbox", err) == -1)
        return -1;
    *n = db_changes(db);
    return 0;
}

/* the same row as outbox_enqueue_digest's, for each [digest_id,
 * message_id] pair of ?1 */
static const char SQL_ENQUEUE_DIGESTS[] =
    "INSERT INTO outbox (kind, priority, subscription_id, digest_id, "
    " rcpt, message_id, issued_at, state, created_at, next_attempt_at) "
    "SELECT 'digest', 1, d.subscription_id, d.id, b.email, "
    " json_extract(j.value, '$[1]'), ?2, 'queued', ?2, ?2 "
    "FROM json_each(?1) j JOIN digests d "
    " ON d.id = json_extract(j.value, '$[0]') "
    " JOIN subscriptions s ON s.id = d.subscription_id "
    " JOIN subscribers b ON b.id = s.subscriber_id "
    "WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.digest_id = d.id) "
    "ORDER BY j.key "
    "ON CONFLICT (message_id) DO NOTHING";

int
outbox_enqueue_digests(struct db *db, const struct outbox_digest *v, size_t n,
                       int64_t now, int64_t *queued, struct err *err)
{
    sqlite3_stmt *st;
    struct buf json;
    int rc = -1;

    *queued = 0;
    if (n == 0)
        return 0;
    buf_init(&json, (n + 1) * (OUTBOX_MSGID_MAX * 2 + 32));
    buf_addc(&json, '[');
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i].message_id);
        if (len == 0 || str_has_ctl(v[i].message_id, len)) {
            err_set(err, ERR_PERM, "outbox: bad Message-ID for digest=%" PRId64,
                    v[i].digest_id);
            goto out;
        }
        buf_addf(&json, "%s[%" PRId64 ",\"", i ? "," : "", v[i].digest_id);
        buf_add_json(&json, v[i].message_id, len);
        buf_adds(&json, "\"]");
    }
    buf_addc(&json, ']');
    if (buf_check(&json, err) == -1 ||
        (st = db_stmt(db, SQL_ENQUEUE_DIGESTS, err)) == NULL)
        goto out;
    sqlite3_bind_text(st, 1, buf_str(&json), (int)json.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "queueing digests", err) == -1)
        goto out;
    *queued = db_changes(db);
    rc = 0;
out:
    buf_release(&json);
    return rc;
}
