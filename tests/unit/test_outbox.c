/* SPDX-License-Identifier: MIT */
/*
 * test_outbox - the outbox state machine on an in-memory database: the
 * backoff table, enqueue (idempotent digests, one confirmation a day),
 * claim order and eligibility, results (sent, deferred with backoff,
 * give-up, bounce counting and suspension, unclaim), recovery, journal
 * replay, retry and purge.  Time is passed in; nothing sleeps.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "outbox.h"

#define T0 1800000000LL

static struct db *db;
static struct config *cfg;

/* sql - run SQL or abort the test */
static void
sql(const char *s)
{
    struct err err;

    err_init(&err);
    if (db_exec(db, s, &err) == -1) {
        fprintf(stderr, "sql failed: %s: %s\n", s, err.msg);
        exit(1);
    }
}

/* one_int - first column of a query */
static long long
one_int(const char *q)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    if (sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* one_text - first column of a query, into a static buffer */
static const char *
one_text(const char *q)
{
    static char out[512];
    sqlite3_stmt *st = NULL;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof(out), "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* add_sub - subscriber + subscription with status; returns its id */
static int64_t
add_sub(const char *email, const char *status)
{
    char q[512];

    snprintf(q, sizeof(q),
             "INSERT INTO subscribers (email, created_at) VALUES ('%s', 1);"
             "INSERT INTO subscriptions (subscriber_id, list_id, status, "
             "created_at, updated_at) VALUES (last_insert_rowid(), 1, '%s', "
             "1, 1);",
             email, status);
    sql(q);
    return db_last_id(db);
}

/* add_digest - a digest row for sub; returns its id */
static int64_t
add_digest(int64_t sub, const char *day)
{
    char q[256];

    snprintf(q, sizeof(q),
             "INSERT INTO digests (subscription_id, day, created_at) "
             "VALUES (%" PRId64 ", '%s', 1)",
             sub, day);
    sql(q);
    return db_last_id(db);
}

/* queue_digest - add_digest + outbox_enqueue_digest; returns outbox id */
static int64_t
queue_digest(int64_t sub, const char *day, int64_t now)
{
    char mid[128];
    struct err err;
    int queued = -1;

    snprintf(mid, sizeof(mid), "<d.%" PRId64 ".%s@test>", sub, day);
    err_init(&err);
    CHECK(outbox_enqueue_digest(db, add_digest(sub, day), mid, now, &queued,
                                &err) == 0);
    CHECK_INT_EQ(queued, 1);
    return db_last_id(db);
}

/* claim_all - claim every due row; returns how many */
static size_t
claim_all(int64_t now, struct outbox_row *rows, size_t max)
{
    struct err err;
    size_t n = 0;

    err_init(&err);
    CHECK(outbox_claim(db, now, rows, max, &n, NULL, &err) == 0);
    return n;
}

/* record - one result */
static void
record(int64_t id, enum outbox_outcome o, int unknown, int64_t at,
       const char *reply)
{
    struct outbox_result r;
    struct err err;

    memset(&r, 0, sizeof(r));
    r.id = id;
    r.outcome = o;
    r.unknown_user = unknown;
    r.at = at;
    snprintf(r.reply, sizeof(r.reply), "%s", reply);
    err_init(&err);
    CHECK(outbox_record(db, cfg, &r, 1, NULL, &err) == 0);
}

static void
test_backoff(void)
{
    static const struct {
        int attempts;
        long want;
    } cases[] = {{1, 60},   {2, 120},  {3, 240},  {4, 480},   {5, 960},
                 {6, 1920}, {7, 3600}, {8, 3600}, {40, 3600}, {1000, 3600}};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_INT_EQ(backoff_delay(&OUTBOX_RETRY, cases[i].attempts),
                     cases[i].want);
}

static void
test_enqueue_and_claim_order(void)
{
    struct outbox_row rows[8];
    struct err err;
    int64_t a = add_sub("a@example.org", "confirmed");
    int64_t p = add_sub("p@example.org", "pending");
    int64_t d1, c1;
    int queued = -1;
    char mid[64];

    d1 = queue_digest(a, "2027-01-01", T0);
    /* the same digest again: nothing new */
    snprintf(mid, sizeof(mid), "<other@test>");
    err_init(&err);
    CHECK(outbox_enqueue_digest(
              db, one_int("SELECT digest_id FROM outbox WHERE id = 1"), mid, T0,
              &queued, &err) == 0);
    CHECK_INT_EQ(queued, 0);
    /* a confirmation, queued later, leaves first (priority 0) */
    CHECK(outbox_enqueue_confirm(db, cfg, p, T0 + 5, &queued, &err) == 0);
    CHECK_INT_EQ(queued, 1);
    c1 = db_last_id(db);
    CHECK_STR_EQ(one_text("SELECT message_id FROM outbox WHERE kind = "
                          "'confirm'"),
                 "<c.2.1800000005@localhost>");
    CHECK_INT_EQ(one_int("SELECT confirm_sent_at FROM subscriptions WHERE "
                         "id = 2"),
                 T0 + 5);
    /* a second confirmation within 24 h is refused quietly */
    CHECK(outbox_enqueue_confirm(db, cfg, p, T0 + 86399, &queued, &err) == 0);
    CHECK_INT_EQ(queued, 0);
    /* confirming a confirmed subscription is an error */
    CHECK(outbox_enqueue_confirm(db, cfg, a, T0, &queued, &err) == -1);
    CHECK_INT_EQ(err.kind, ERR_PERM);
    /* nothing is due before its time */
    CHECK_INT_EQ(claim_all(T0 - 1, rows, 8), 0);
    CHECK_INT_EQ(claim_all(T0 + 10, rows, 8), 2);
    CHECK_INT_EQ(rows[0].id, c1);
    CHECK_INT_EQ(rows[0].kind, OUTBOX_CONFIRM);
    CHECK_INT_EQ(rows[1].id, d1);
    CHECK_INT_EQ(rows[1].state, OUTBOX_SENDING);
    CHECK_INT_EQ(rows[1].attempts, 1);
    CHECK_STR_EQ(rows[1].rcpt, "a@example.org");
    CHECK_INT_EQ(claim_all(T0 + 10, rows, 8), 0); /* claimed once only */
    record(c1, OUTBOX_OK, 0, T0 + 11, "250 ok");
    record(d1, OUTBOX_OK, 0, T0 + 11, "250 2.0.0 queued as X");
    CHECK_STR_EQ(one_text("SELECT state || ' ' || sent_at || ' ' || "
                          "last_reply FROM outbox WHERE id = 1"),
                 "sent 1800000011 250 2.0.0 queued as X");
    /* a result for a row not in 'sending' changes nothing */
    record(d1, OUTBOX_TEMP, 0, T0 + 12, "451 late");
    CHECK_STR_EQ(one_text("SELECT state FROM outbox WHERE id = 1"), "sent");
}

static void
test_defer_and_give_up(void)
{
    struct outbox_row rows[4];
    int64_t s = add_sub("t@example.org", "confirmed");
    int64_t id = queue_digest(s, "2027-01-02", T0);
    int64_t now = T0;
    long want[] = {60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600};
    char q[128];

    cfg->retry_give_up = 4 * 3600; /* 4 h */
    snprintf(q, sizeof(q),
             "SELECT next_attempt_at FROM outbox WHERE id = %" PRId64, id);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        CHECK_INT_EQ(claim_all(now, rows, 4), 1);
        record(id, OUTBOX_TEMP, 0, now, "451 4.3.0 later");
        if (now - T0 >= 4 * 3600) {
            CHECK_STR_EQ(one_text("SELECT state FROM outbox WHERE id = 3"),
                         "failed");
            break;
        }
        CHECK_STR_EQ(one_text("SELECT state FROM outbox WHERE id = 3"),
                     "deferred");
        CHECK_INT_EQ(one_int(q) - now, want[i]);
        CHECK_INT_EQ(claim_all(one_int(q) - 1, rows, 4), 0);
        now = one_int(q);
    }
    CHECK_STR_EQ(one_text("SELECT state || ' ' || last_reply FROM outbox "
                          "WHERE id = 3"),
                 "failed 451 4.3.0 later");
    /* operator retry: queued now, attempts reset, fresh give-up clock */
    {
        struct err err;
        int64_t n = 0;
        err_init(&err);
        CHECK(outbox_retry(db, id, now + 100, &n, &err) == 0);
        CHECK_INT_EQ(n, 1);
        CHECK_INT_EQ(claim_all(now + 100, rows, 4), 1);
        record(id, OUTBOX_TEMP, 0, now + 100, "451 again");
        CHECK_STR_EQ(one_text("SELECT state FROM outbox WHERE id = 3"),
                     "deferred");
    }
    cfg->retry_give_up = 2 * 86400;
}

static void
test_bounces(void)
{
    struct outbox_row rows[8];
    int64_t u = add_sub("u@example.org", "confirmed");
    int64_t r = add_sub("r@example.org", "confirmed");
    int64_t id;

    sql("DELETE FROM outbox WHERE state != 'sent'");
    /* 5.1.1: suspended at the first bounce; its other queued row dropped */
    id = queue_digest(u, "2027-01-03", T0);
    queue_digest(u, "2027-01-04", T0 + 86400);
    CHECK_INT_EQ(claim_all(T0, rows, 8), 1);
    record(id, OUTBOX_BOUNCE, 1, T0, "550 5.1.1 user unknown");
    CHECK_STR_EQ(one_text("SELECT status || ' ' || hard_bounces FROM "
                          "subscriptions WHERE id = 4"),
                 "bounced 1");
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE subscription_id "
                         "= 4 AND state IN ('queued','deferred')"),
                 0);
    CHECK_STR_EQ(one_text("SELECT state FROM outbox WHERE subscription_id "
                          "= 4"),
                 "bounced");
    /* other 5xx: suspended at the third */
    for (int i = 0; i < 3; i++) {
        char day[16];
        snprintf(day, sizeof(day), "2027-02-0%d", i + 1);
        id = queue_digest(r, day, T0 + i);
        CHECK_INT_EQ(claim_all(T0 + i, rows, 8), 1);
        record(id, OUTBOX_BOUNCE, 0, T0 + i, "550 5.7.1 policy");
        CHECK_STR_EQ(one_text("SELECT status FROM subscriptions WHERE id = 5"),
                     i < 2 ? "confirmed" : "bounced");
    }
    CHECK_INT_EQ(one_int("SELECT hard_bounces FROM subscriptions WHERE "
                         "id = 5"),
                 3);
    /* permanent non-RCPT failure: failed, not counted */
    {
        int64_t s = add_sub("big@example.org", "confirmed");
        id = queue_digest(s, "2027-01-05", T0);
        CHECK_INT_EQ(claim_all(T0, rows, 8), 1);
        record(id, OUTBOX_PERM, 0, T0, "refused: too big");
        CHECK_STR_EQ(one_text("SELECT state FROM outbox WHERE last_reply = "
                              "'refused: too big'"),
                     "failed");
        CHECK_INT_EQ(one_int("SELECT hard_bounces FROM subscriptions WHERE "
                             "id = 6"),
                     0);
    }
}

static void
test_eligibility(void)
{
    struct outbox_row rows[8];
    struct err err;
    int64_t dropped = -1;
    size_t n = 9;
    int64_t a = add_sub("leaver@example.org", "confirmed");
    int64_t b = add_sub("pauser@example.org", "confirmed");
    int64_t c = add_sub("stayer@example.org", "confirmed");
    int64_t p = add_sub("clicker@example.org", "pending");
    int queued;

    sql("DELETE FROM outbox WHERE state != 'sent'");
    queue_digest(a, "2027-03-01", T0);
    queue_digest(b, "2027-03-01", T0);
    queue_digest(c, "2027-03-01", T0);
    err_init(&err);
    CHECK(outbox_enqueue_confirm(db, cfg, p, T0, &queued, &err) == 0);
    /* after queueing: a leaves, b pauses, p confirms (its confirmation
     * mail is no longer needed) */
    sql("UPDATE subscriptions SET status = 'unsubscribed' WHERE id = 7");
    sql("UPDATE subscriptions SET paused = 1 WHERE id = 8");
    sql("UPDATE subscriptions SET status = 'confirmed' WHERE id = 10");
    CHECK(outbox_claim(db, T0, rows, 8, &n, &dropped, &err) == 0);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(rows[0].rcpt, "stayer@example.org");
    CHECK_INT_EQ(dropped, 3);
    /* outbox_drop_pending keeps history, drops queued/deferred */
    record(rows[0].id, OUTBOX_OK, 0, T0, "250 ok");
    queue_digest(c, "2027-03-02", T0);
    CHECK(outbox_drop_pending(db, c, &err) == 0);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE subscription_id "
                         "= 9"),
                 1);
}

static void
test_recover_replay_unclaim(void)
{
    struct outbox_row rows[8];
    struct err err;
    int64_t n = -1;
    int64_t s = add_sub("crash@example.org", "confirmed");
    int64_t id1, id2, id3;

    sql("DELETE FROM outbox WHERE state != 'sent'");
    id1 = queue_digest(s, "2027-04-01", T0);
    id2 = queue_digest(s, "2027-04-02", T0);
    id3 = queue_digest(s, "2027-04-03", T0);
    CHECK_INT_EQ(claim_all(T0, rows, 8), 3);
    /* a journal line says id1 was accepted before the crash */
    err_init(&err);
    CHECK(outbox_mark_sent(db, id1, T0 + 1, "250 journal", &err) == 0);
    CHECK(outbox_recover(db, &n, &err) == 0);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(one_text("SELECT group_concat(state, ',') FROM (SELECT "
                          "state FROM outbox WHERE subscription_id = 11 "
                          "ORDER BY id)"),
                 "sent,queued,queued");
    /* unclaim gives the attempt back */
    CHECK_INT_EQ(claim_all(T0, rows, 8), 2);
    record(id2, OUTBOX_UNCLAIM, 0, T0, "");
    CHECK_STR_EQ(one_text("SELECT state || ' ' || attempts FROM outbox "
                          "WHERE id = (SELECT max(id) - 1 FROM outbox)"),
                 "queued 1");
    record(id3, OUTBOX_OK, 0, T0, "250");
    /* a claim of this process is never taken back, however old: its
     * worker may be paused or waiting on a slow server and still send it */
    CHECK_INT_EQ(claim_all(T0, rows, 8), 1); /* id2, result lost */
    CHECK_INT_EQ(claim_all(T0 + OUTBOX_LEASE + 1, rows, 8), 0);
    CHECK_INT_EQ(claim_all(T0 + 10 * OUTBOX_LEASE, rows, 8), 0);
    /* one an earlier process made (before this one's first claim) is due
     * again after the lease */
    sql("UPDATE outbox SET claimed_at = 1000 WHERE state = 'sending'");
    CHECK_INT_EQ(claim_all(1000 + OUTBOX_LEASE - 1, rows, 8), 0);
    CHECK_INT_EQ(claim_all(T0 + 10 * OUTBOX_LEASE + 1, rows, 8), 1);
    CHECK_INT_EQ(rows[0].id, id2);
    CHECK_INT_EQ(rows[0].attempts, 3);
    record(id2, OUTBOX_OK, 0, T0, "250");
}

/* While claims come back full, expired claims are looked for at most
 * every OUTBOX_LEASE_CHECK seconds, but they are not forgotten. */
static void
test_lease_full_queue(void)
{
    struct outbox_row rows[4];
    int64_t s = add_sub("lease@example.org", "confirmed");
    int64_t lost, t = T0 + 10 * OUTBOX_LEASE;

    sql("DELETE FROM outbox WHERE state != 'sent'");
    lost = queue_digest(s, "2027-05-01", T0);
    for (int i = 2; i <= 20; i++) {
        char day[16];
        snprintf(day, sizeof(day), "2027-05-%02d", i);
        queue_digest(s, day, T0 + i);
    }
    CHECK_INT_EQ(claim_all(t, rows, 1), 1); /* 'lost': its result is lost */
    CHECK_INT_EQ(rows[0].id, lost);
    /* by an earlier process: its claim expired long ago */
    sql("UPDATE outbox SET claimed_at = 1000 WHERE state = 'sending'");
    /* but while 15 rows wait, not before the next check */
    CHECK_INT_EQ(claim_all(t + 1, rows, 4), 4);
    CHECK(rows[0].id != lost);
    t += 31;
    CHECK_INT_EQ(claim_all(t, rows, 4), 4);
    CHECK(rows[0].id != lost);
    /* which comes OUTBOX_LEASE_CHECK seconds after the last one */
    CHECK_INT_EQ(claim_all(t - 31 + OUTBOX_LEASE_CHECK, rows, 4), 4);
    CHECK_INT_EQ(rows[0].id, lost);
    CHECK_INT_EQ(rows[0].attempts, 2);
    /* the rows this process claimed stay claimed: none comes back */
    CHECK_INT_EQ(claim_all(t + 100 * OUTBOX_LEASE, rows, 4), 4);
    CHECK_INT_EQ(claim_all(t + 200 * OUTBOX_LEASE, rows, 4), 4);
    CHECK_INT_EQ(claim_all(t + 300 * OUTBOX_LEASE, rows, 4), 0);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE state = "
                         "'sending'"),
                 20);
    sql("DELETE FROM outbox WHERE state != 'sent'");
}

static void
test_each_counts_purge(void)
{
    struct err err;
    int64_t counts[OUTBOX_NSTATE], n = -1, depth = -1;
    enum outbox_state s;

    err_init(&err);
    CHECK(outbox_counts(db, counts, &err) == 0);
    CHECK_INT_EQ(counts[OUTBOX_SENT],
                 one_int("SELECT count(*) FROM outbox WHERE state='sent'"));
    CHECK(outbox_depth(db, &depth, &err) == 0);
    CHECK_INT_EQ(depth, counts[OUTBOX_QUEUED] + counts[OUTBOX_SENDING] +
                            counts[OUTBOX_DEFERRED]);
    CHECK(outbox_state_parse("bounced", &s) == 0 && s == OUTBOX_BOUNCED);
    CHECK(outbox_state_parse("Sent", &s) == -1);
    CHECK_STR_EQ(outbox_state_name(OUTBOX_DEFERRED), "deferred");
    /* purge keeps unfinished rows and rows made after the date */
    CHECK(outbox_purge(db, T0, &n, &err) == 0);
    CHECK_INT_EQ(n, 0);
    CHECK(outbox_purge(db, T0 + 10 * 86400, &n, &err) == 0);
    CHECK_INT_EQ(n, counts[OUTBOX_SENT] + counts[OUTBOX_BOUNCED] +
                        counts[OUTBOX_FAILED]);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE state IN "
                         "('sent','bounced','failed')"),
                 0);
}

/* outbox.state's CHECK holds on every connection (the delivery workers
 * no longer turn CHECKs off): it takes each of outbox.c's state names,
 * refuses others, and costs an UPDATE of the state no temporary table
 * (an IN list of six constants built one per row written) */
static void
test_state_check(void)
{
    struct err err;
    sqlite3_stmt *st = NULL;
    char q[160];
    int ephemeral = 0, ops = 0;
    int64_t id = one_int("SELECT min(id) FROM outbox");

    CHECK(id > 0);
    sql("SAVEPOINT state_check");
    for (int i = 0; i < OUTBOX_NSTATE; i++) {
        snprintf(q, sizeof(q), "UPDATE outbox SET state = '%s' WHERE id = %lld",
                 outbox_state_name((enum outbox_state)i), (long long)id);
        err_init(&err);
        CHECK(db_exec(db, q, &err) == 0);
    }
    snprintf(q, sizeof(q), "UPDATE outbox SET state = 'lost' WHERE id = %lld",
             (long long)id);
    err_init(&err);
    CHECK(db_exec(db, q, &err) == -1);
    CHECK_CONTAINS(err.msg, "CHECK constraint failed");
    sql("ROLLBACK TO state_check");
    sql("RELEASE state_check");

    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "EXPLAIN UPDATE outbox SET state = ?2 "
                             "WHERE id = ?1",
                             -1, &st, NULL) == SQLITE_OK);
    while (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
        const char *op = (const char *)sqlite3_column_text(st, 1);
        ops++;
        if (op != NULL && strcmp(op, "OpenEphemeral") == 0)
            ephemeral++;
    }
    sqlite3_finalize(st);
    CHECK(ops > 0);
    CHECK_INT_EQ(ephemeral, 0);
}

/* the claim merges the queue's index ranges (queued and deferred, each
 * priority) in one order: priority, then due time, then id */
static void
test_claim_merge_order(void)
{
    static const struct {
        const char *state;
        int priority;
        int64_t due; /* seconds after T0 */
    } rows_in[] = {
        {"queued", 1, 5},   {"deferred", 1, 3}, {"queued", 2, 0},
        {"deferred", 0, 9}, {"queued", -1, 7},  {"queued", 1, 3},
        {"deferred", 3, 1}, {"queued", 0, 9},   {"queued", 1, 99},
    };
    /* indexes into rows_in, in the order they must be claimed (the row
     * due at +99 is not due) */
    static const int want[] = {4, 3, 7, 1, 5, 0, 2, 6};
    struct outbox_row rows[8];
    int64_t ids[9], sub = add_sub("merge@example.org", "confirmed");
    size_t got = 0, n;
    char q[256], day[16];

    sql("UPDATE outbox SET state = 'sent' WHERE state IN ('queued', "
        "'deferred', 'sending')");
    for (size_t i = 0; i < 9; i++) {
        snprintf(day, sizeof(day), "2030-01-%02zu", i + 1);
        ids[i] = queue_digest(sub, day, T0);
        snprintf(q, sizeof(q),
                 "UPDATE outbox SET state = '%s', priority = %d, "
                 "next_attempt_at = %lld WHERE id = %lld",
                 rows_in[i].state, rows_in[i].priority,
                 (long long)(T0 + rows_in[i].due), (long long)ids[i]);
        sql(q);
    }
    /* in two claims: the cut at max keeps the order */
    while (got < 8 && (n = claim_all(T0 + 50, rows, 3)) > 0) {
        for (size_t i = 0; i < n && got < 8; i++, got++)
            CHECK_INT_EQ(rows[i].id, ids[want[got]]);
    }
    CHECK_INT_EQ(got, 8);
    CHECK_INT_EQ(claim_all(T0 + 50, rows, 3), 0);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE state = "
                         "'sending' AND claimed_at = 1800000050"),
                 8);
}

/* Results stored with the next claim: one transaction, all or nothing. */
static void
test_record_claim(void)
{
    struct outbox_row rows[8];
    struct outbox_result r;
    struct err err;
    size_t n = 99;
    int64_t s = add_sub("together@example.org", "confirmed");
    int64_t a, b, c;

    sql("DELETE FROM outbox WHERE state != 'sent'");
    a = queue_digest(s, "2027-06-01", T0);
    b = queue_digest(s, "2027-06-02", T0);
    c = queue_digest(s, "2027-06-03", T0);
    CHECK_INT_EQ(claim_all(T0, rows, 1), 1);
    CHECK_INT_EQ(rows[0].id, a);
    memset(&r, 0, sizeof(r));
    r.id = a;
    r.outcome = OUTBOX_OK;
    r.at = T0 + 5;
    snprintf(r.reply, sizeof(r.reply), "250 2.0.0 queued as A");

    /* the claim fails after the result was written: neither is kept */
    sql("CREATE TEMP TRIGGER no_claims BEFORE UPDATE OF claimed_at ON outbox "
        "BEGIN SELECT RAISE(ABORT, 'claims refused'); END");
    err_init(&err);
    CHECK(outbox_record_claim(db, cfg, &r, 1, NULL, T0 + 5, rows, 8, &n, NULL,
                              &err) == -1);
    CHECK_CONTAINS(err.msg, "claims refused");
    CHECK_INT_EQ(n, 0);
    CHECK_STR_EQ(one_text("SELECT group_concat(state, ',') FROM (SELECT "
                          "state FROM outbox WHERE state != 'sent' OR "
                          "last_reply LIKE '%queued as A' ORDER BY id)"),
                 "sending,queued,queued");
    sql("DROP TRIGGER temp.no_claims");

    /* then both, in one call */
    err_init(&err);
    CHECK(outbox_record_claim(db, cfg, &r, 1, NULL, T0 + 5, rows, 8, &n, NULL,
                              &err) == 0);
    CHECK_INT_EQ(n, 2);
    CHECK_INT_EQ(rows[0].id, b);
    CHECK_INT_EQ(rows[1].id, c);
    {
        char q[160];
        snprintf(q, sizeof(q),
                 "SELECT state || ' ' || sent_at || ' ' || last_reply FROM "
                 "outbox WHERE id = %" PRId64,
                 a);
        CHECK_STR_EQ(one_text(q), "sent 1800000005 250 2.0.0 queued as A");
    }
    /* nothing to record and nothing to claim: nothing happens */
    CHECK(outbox_record_claim(db, cfg, NULL, 0, NULL, T0, rows, 0, &n, NULL,
                              &err) == 0);
    CHECK_INT_EQ(n, 0);
    record(b, OUTBOX_OK, 0, T0, "250");
    record(c, OUTBOX_OK, 0, T0, "250");
}

/* guard_batch - claim every due row and record them as one batch: row i
 * bounced at RCPT when bounce[i], else sent; returns how many */
static size_t
guard_batch(int64_t now, const int *bounce)
{
    struct outbox_row rows[16];
    struct outbox_result res[16];
    size_t n = claim_all(now, rows, 16);
    struct err err;

    memset(res, 0, sizeof(res));
    for (size_t i = 0; i < n; i++) {
        res[i].id = rows[i].id;
        res[i].outcome = bounce[i] ? OUTBOX_BOUNCE : OUTBOX_OK;
        res[i].unknown_user = 1;
        res[i].at = now;
        snprintf(res[i].reply, sizeof(res[i].reply), "%s",
                 bounce[i] ? "550 5.1.1 unknown" : "250 ok");
    }
    err_init(&err);
    CHECK(outbox_record(db, cfg, res, n, NULL, &err) == 0);
    return n;
}

/* the guard on RCPT bounces: judged per result batch, in its transaction */
static void
test_rcpt_guard(void)
{
    static const int none[16], one[16] = {0, 0, 1};
    int64_t subs[10], held;
    char email[64];

    sql("DELETE FROM outbox WHERE state != 'sent'");
    sql("DELETE FROM list_pauses");
    cfg->bounce_pause_min = 4;
    for (int i = 0; i < 10; i++) {
        snprintf(email, sizeof(email), "g%d@example.org", i);
        subs[i] = add_sub(email, "confirmed");
    }
    /* a batch without a bounce: nothing paused */
    for (int i = 0; i < 10; i++)
        queue_digest(subs[i], "2027-07-01", T0);
    CHECK_INT_EQ(guard_batch(T0, none), 10);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses"), 0);
    /* too few messages to judge: 1 of 3 is past 5% but under the minimum */
    for (int i = 0; i < 3; i++)
        queue_digest(subs[i], "2027-07-02", T0);
    CHECK_INT_EQ(guard_batch(T0, one), 3);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses"), 0);
    /* a batch without a bounce is not judged (the mailing's 1 of 5 is
     * past the limit): no extra query on the hot path */
    for (int i = 3; i < 5; i++)
        queue_digest(subs[i], "2027-07-02", T0);
    CHECK_INT_EQ(guard_batch(T0, none), 2);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses"), 0);
    /* the next batch with a bounce is: 2 of 6 */
    queue_digest(subs[5], "2027-07-02", T0);
    CHECK_INT_EQ(guard_batch(T0, (const int[16]){1}), 1);
    CHECK_STR_EQ(one_text("SELECT list_id || ' ' || day || ' ' || reason "
                          "FROM list_pauses WHERE resumed_at IS NULL"),
                 "1 2027-07-02 hard bounces 33.33% of the 2027-07-02 mailing "
                 "(2 of 6) passed 5%");
    /* the paused list's mail is held, not claimed */
    held = queue_digest(subs[6], "2027-07-02", T0);
    {
        struct outbox_row rows[4];
        CHECK_INT_EQ(claim_all(T0 + 10, rows, 4), 0);
    }
    {
        char q[96];
        snprintf(q, sizeof(q), "SELECT state FROM outbox WHERE id = %" PRId64,
                 held);
        CHECK_STR_EQ(one_text(q), "queued");
    }
    sql("DELETE FROM outbox WHERE state != 'sent'");
    sql("DELETE FROM list_pauses");
    cfg->bounce_pause_min = 100;
}

/* pace_trace - count the statements that count a mailing */
static int
pace_trace(unsigned type, void *arg, void *p, void *x)
{
    (void)type;
    (void)p;
    if (strstr((const char *)x, "FROM bounce_events") != NULL &&
        strstr((const char *)x, "coalesce(sum(o.state = 'bounced')") != NULL)
        ++*(int *)arg;
    return 0;
}

/* pace_batch - store the claimed rows' results (the first nb of them
 * bounced at RCPT) and claim up to next more, as a worker does */
static size_t
pace_batch(struct outbox_row *rows, size_t n, size_t nb, size_t next,
           int64_t now)
{
    struct outbox_result res[64];
    struct err err;
    size_t got = 0;

    memset(res, 0, sizeof(res));
    for (size_t i = 0; i < n; i++) {
        res[i].id = rows[i].id;
        res[i].outcome = i < nb ? OUTBOX_BOUNCE : OUTBOX_OK;
        res[i].unknown_user = 1;
        res[i].at = now;
        snprintf(res[i].reply, sizeof(res[i].reply), "%s",
                 i < nb ? "550 5.1.1 unknown" : "250 ok");
    }
    err_init(&err);
    if (next == 0) {
        CHECK(outbox_record(db, cfg, res, n, NULL, &err) == 0);
        return 0;
    }
    CHECK(outbox_record_claim(db, cfg, res, n, NULL, now, rows, next, &got,
                              NULL, &err) == 0);
    return got;
}

/* the guard on RCPT bounces is paced: a batch whose bounces cannot pause
 * the list does not count the mailing; one that can does, at the same
 * batch as judging every time would; the last batch judges what waited */
static void
test_guard_pace(void)
{
    struct outbox_row rows[64];
    int64_t subs[100];
    int judged = 0;
    char email[64];
    size_t n;

    sql("DELETE FROM outbox WHERE state != 'sent'");
    sql("DELETE FROM list_pauses");
    cfg->bounce_pause_min = 4;
    for (int i = 0; i < 100; i++) {
        snprintf(email, sizeof(email), "p%d@example.org", i);
        subs[i] = add_sub(email, "confirmed");
        queue_digest(subs[i], "2027-08-01", T0);
    }
    sqlite3_trace_v2(db_handle(db), SQLITE_TRACE_STMT, pace_trace, &judged);
    CHECK_INT_EQ(claim_all(T0, rows, 40), 40);
    /* 1 of 40: a mailing not seen before is judged */
    CHECK_INT_EQ(pace_batch(rows, 40, 1, 40, T0), 40);
    CHECK_INT_EQ(judged, 1);
    /* 1 more in the same second: at most 2 of 41 (under 5%), not judged */
    CHECK_INT_EQ(pace_batch(rows, 40, 1, 10, T0), 10);
    CHECK_INT_EQ(judged, 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses"), 0);
    /* 4 of 10 more: at most 6 of 45, judged: 6 of 90 pauses the list */
    n = pace_batch(rows, 10, 4, 10, T0);
    CHECK_INT_EQ(judged, 2);
    CHECK_STR_EQ(one_text("SELECT reason FROM list_pauses "
                          "WHERE resumed_at IS NULL"),
                 "hard bounces 6.67% of the 2027-08-01 mailing (6 of 90) "
                 "passed 5%");
    CHECK_INT_EQ(n, 0); /* the paused list's mail is held */

    /* another mailing: what waited is judged by the last batch */
    sql("DELETE FROM outbox WHERE state != 'sent'");
    sql("DELETE FROM list_pauses");
    sql("UPDATE subscriptions SET status = 'confirmed', hard_bounces = 0");
    for (int i = 0; i < 90; i++)
        queue_digest(subs[i], "2027-08-02", T0);
    CHECK_INT_EQ(claim_all(T0, rows, 40), 40);
    CHECK_INT_EQ(pace_batch(rows, 40, 1, 40, T0), 40);
    CHECK_INT_EQ(pace_batch(rows, 40, 1, 10, T0), 10);
    CHECK_INT_EQ(judged, 3);
    pace_batch(rows, 10, 0, 0, T0); /* stored without a claim: the last */
    CHECK_INT_EQ(judged, 4);
    /* a second later, a bounce is judged whatever the bound says */
    sql("DELETE FROM outbox WHERE state != 'sent'");
    sql("UPDATE subscriptions SET status = 'confirmed', hard_bounces = 0");
    for (int i = 0; i < 90; i++)
        queue_digest(subs[i], "2027-08-03", T0);
    CHECK_INT_EQ(claim_all(T0, rows, 40), 40);
    CHECK_INT_EQ(pace_batch(rows, 40, 1, 40, T0), 40);
    CHECK_INT_EQ(judged, 5);
    CHECK_INT_EQ(pace_batch(rows, 40, 1, 10, T0 + 1), 10);
    CHECK_INT_EQ(judged, 6);
    sqlite3_trace_v2(db_handle(db), 0, NULL, NULL);
    sql("DELETE FROM outbox WHERE state != 'sent'");
    sql("DELETE FROM list_pauses");
    cfg->bounce_pause_min = 100;
}

/* the pace counts every connection's bounces to one database: two workers
 * (each with its own connection) that store bounces alternately pause the
 * list at the batch judging every time would, not later */
static void
test_guard_pace_shared(void)
{
    char dir[] = "/tmp/test_outbox.XXXXXX", path[64], file[96];
    struct outbox_row ra[64], rb[64];
    struct db *mem = db, *a = NULL, *b = NULL;
    struct err err;
    char email[64];

    err_init(&err);
    if (mkdtemp(dir) == NULL) {
        CHECK(0);
        return;
    }
    snprintf(path, sizeof(path), "%s/pb.db", dir);
    CHECK(db_open(path, 1000, &a, &err) == 0);
    CHECK(db_open(path, 1000, &b, &err) == 0);
    if (a == NULL || b == NULL)
        goto out;
    db = a;
    sql("PRAGMA synchronous = OFF");
    sql("BEGIN");
    for (int i = 0; i < 110; i++) {
        snprintf(email, sizeof(email), "w%d@example.org", i);
        add_sub(email, "confirmed");
    }
    sql("COMMIT");
    for (int i = 1; i <= 110; i++)
        queue_digest(i, "2027-09-01", T0);
    /* 50 stored (2 bounced) by each: judged at 2 of 50 and 4 of 100 */
    db = a;
    CHECK_INT_EQ(claim_all(T0, ra, 50), 50);
    db = b;
    CHECK_INT_EQ(claim_all(T0, rb, 50), 50);
    db = a;
    CHECK_INT_EQ(pace_batch(ra, 50, 2, 1, T0), 1);
    db = b;
    CHECK_INT_EQ(pace_batch(rb, 50, 2, 1, T0), 1);
    /* one bounce each, in the same second: 5 of 101 is under 5% */
    db = a;
    CHECK_INT_EQ(pace_batch(ra, 1, 1, 1, T0), 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses"), 0);
    /* 6 of 102 is past it: this batch pauses the list, as judging every
     * batch would (b's own count, 5 of 101, would not have judged) */
    db = b;
    CHECK_INT_EQ(pace_batch(rb, 1, 1, 1, T0), 0);
    CHECK_STR_EQ(one_text("SELECT reason FROM list_pauses "
                          "WHERE resumed_at IS NULL"),
                 "hard bounces 5.88% of the 2027-09-01 mailing (6 of 102) "
                 "passed 5%");
out:
    db = mem;
    db_close(a);
    db_close(b);
    snprintf(file, sizeof(file), "%s-wal", path);
    unlink(file);
    snprintf(file, sizeof(file), "%s-shm", path);
    unlink(file);
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    struct err err;

    err_init(&err);
    cfg = config_defaults();
    if (db_open(":memory:", 1000, &db, &err) == -1) {
        fprintf(stderr, "db_open: %s\n", err.msg);
        return 1;
    }
    test_backoff();
    test_enqueue_and_claim_order();
    test_defer_and_give_up();
    test_bounces();
    test_eligibility();
    test_recover_replay_unclaim();
    test_lease_full_queue();
    test_state_check();
    test_each_counts_purge();
    test_claim_merge_order();
    test_record_claim();
    test_rcpt_guard();
    test_guard_pace();
    test_guard_pace_shared();
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
