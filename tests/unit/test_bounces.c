/* SPDX-License-Identifier: MIT */
/*
 * test_bounces - bounces_process() on an in-memory database: a hard
 * bounce suppresses and suspends, a message processed twice counts once,
 * a forged or reused VERP address and a forged Message-ID match nothing,
 * soft bounces suspend at soft_limit within soft_window, a complaint
 * unsubscribes, the Message-ID of a purged outbox row still matches, and
 * the guard pauses a list whose mail the claim then holds (neither sent
 * nor dropped) until db_pause_clear().  Time is passed in.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bounces.h"
#include "check.h"
#include "config.h"
#include "db.h"
#include "db_pause.h"
#include "db_suppress.h"
#include "outbox.h"
#include "token.h"
#include "verp.h"

#define T0 1800000000LL
#define DAY "2027-01-15"

static struct db *db;
static struct config *cfg;
static struct token_key key;

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

static const char *
status_of(int64_t sub)
{
    static char out[32];
    char q[128];
    sqlite3_stmt *st = NULL;

    snprintf(q, sizeof(q), "SELECT status FROM subscriptions WHERE id = %lld",
             (long long)sub);
    out[0] = '\0';
    if (sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, sizeof(out), "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* add_sent - a confirmed subscription of list 1 with a digest for DAY
 * sent at T0; its id, and the outbox row's issued_at in *issued */
static int64_t
add_sent_day(const char *email, const char *day, int64_t *issued)
{
    char q[768];
    int64_t sub;

    snprintf(q, sizeof(q),
             "INSERT INTO subscribers (email, created_at) VALUES ('%s', 1);"
             "INSERT INTO subscriptions (subscriber_id, list_id, status, "
             "created_at, updated_at) VALUES (last_insert_rowid(), 1, "
             "'confirmed', 1, 1);",
             email);
    sql(q);
    sub = db_last_id(db);
    snprintf(q, sizeof(q),
             "INSERT INTO digests (subscription_id, day, created_at) VALUES "
             "(%lld, '%s', %lld);"
             "INSERT INTO outbox (kind, subscription_id, digest_id, rcpt, "
             "message_id, issued_at, state, created_at, next_attempt_at) "
             "VALUES ('digest', %lld, last_insert_rowid(), '%s', "
             "'<m.%lld@test>', %lld, 'sent', %lld, %lld)",
             (long long)sub, day, T0, (long long)sub, email, (long long)sub,
             T0 + sub, T0, T0);
    sql(q);
    *issued = T0 + sub;
    return sub;
}

static int64_t
add_sent(const char *email, int64_t *issued)
{
    return add_sent_day(email, DAY, issued);
}

/* dsn - a Postfix-style DSN to the VERP address of (sub, issued), or to
 * a plain address when sub is 0, about msgid; salt makes it distinct */
static void
dsn(char *out, size_t size, int64_t sub, int64_t issued, const char *action,
    const char *status, const char *msgid, int salt)
{
    char to[VERP_MAX];

    if (sub == 0 ||
        verp_address(&key, sub, issued, "example.org", to, sizeof(to)) == -1)
        snprintf(to, sizeof(to), "news@example.org");
    snprintf(out, size,
             "From: MAILER-DAEMON@mx.example.net\r\n"
             "To: %s\r\n"
             "X-Salt: %d\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: multipart/report; report-type=delivery-status; "
             "boundary=\"b\"\r\n\r\n"
             "--b\r\nContent-Type: text/plain\r\n\r\nbounced\r\n"
             "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
             "Reporting-MTA: dns; mx.example.net\r\n\r\n"
             "Final-Recipient: rfc822; someone@example.net\r\n"
             "Action: %s\r\nStatus: %s\r\n\r\n"
             "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
             "Message-ID: %s\r\nSubject: x\r\n\r\n"
             "--b--\r\n",
             to, salt, action, status, msgid);
}

/* run - bounces_process() on msg at now; the stats, and report */
static struct bounces_stats
run(const char *msg, int64_t now, int *report)
{
    struct bounces_stats st;
    struct err err;

    memset(&st, 0, sizeof(st));
    err_init(&err);
    CHECK(bounces_process(db, cfg, &key, msg, strlen(msg), now, &st, report,
                          &err) == 0);
    return st;
}

static int
suppressed(const char *addr)
{
    unsigned char h[DB_SUPPRESS_HASH];
    char why[DB_SUPPRESS_REASON_MAX];
    struct err err;

    err_init(&err);
    db_suppress_hash(&key, addr, h);
    return db_suppress_get(db, h, why, &err) == 0;
}

static void
test_hard_once(void)
{
    char msg[4096];
    int64_t issued, s1 = add_sent("h1@example.org", &issued);
    struct bounces_stats st;
    int report = 0;

    dsn(msg, sizeof(msg), s1, issued, "failed", "5.1.1", "<x@y>", 1);
    st = run(msg, T0 + 100, &report);
    CHECK_INT_EQ(report, 1);
    CHECK_INT_EQ(st.hard, 1);
    CHECK_INT_EQ(st.suppressed, 1);
    CHECK_INT_EQ(st.suspended, 1);
    CHECK_STR_EQ(status_of(s1), "bounced");
    CHECK(suppressed("h1@example.org"));
    CHECK(suppressed("H1@Example.ORG"));
    CHECK(!suppressed("h2@example.org"));
    /* the same message again: recorded before, nothing counted */
    st = run(msg, T0 + 200, &report);
    CHECK_INT_EQ(report, 1);
    CHECK_INT_EQ(st.hard, 0);
    CHECK_INT_EQ(st.repeated, 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM bounce_events"), 1);
}

static void
test_forged_and_reused(void)
{
    char msg[4096], *p;
    int64_t issued, s = add_sent("f1@example.org", &issued);
    struct bounces_stats st;
    int report = 0;
    char q[128];

    /* a MAC changed by one digit */
    dsn(msg, sizeof(msg), s, issued, "failed", "5.1.1", "<x@y>", 2);
    p = strstr(msg, "@example.org");
    p[-1] = p[-1] == '0' ? '1' : '0';
    st = run(msg, T0, &report);
    CHECK_INT_EQ(report, 1);
    CHECK_INT_EQ(st.unmatched, 1);
    CHECK_STR_EQ(status_of(s), "confirmed");
    /* a subscription made after the address was issued is not the one
     * mailed (an id reused) */
    snprintf(q, sizeof(q),
             "UPDATE subscriptions SET created_at = %lld WHERE id = %lld",
             (long long)(issued + 1), (long long)s);
    sql(q);
    dsn(msg, sizeof(msg), s, issued, "failed", "5.1.1", "<x@y>", 3);
    st = run(msg, T0, &report);
    CHECK_INT_EQ(st.unmatched, 1);
    CHECK_STR_EQ(status_of(s), "confirmed");
    /* a Message-ID in compose's form with a forged MAC */
    snprintf(q, sizeof(q), "<d.%lld." DAY ".0123456789abcdef@test>",
             (long long)s);
    dsn(msg, sizeof(msg), 0, 0, "failed", "5.1.1", q, 4);
    st = run(msg, T0, &report);
    CHECK_INT_EQ(st.unmatched, 1);
    CHECK_STR_EQ(status_of(s), "confirmed");
}

static void
test_soft_window(void)
{
    char msg[4096];
    int64_t issued, s = add_sent("s1@example.org", &issued);
    const int64_t day = 86400;
    struct bounces_stats st;
    int report = 0;

    /* one 20 days ago (outside 14), two now: 2 in the window */
    dsn(msg, sizeof(msg), s, issued, "failed", "4.4.1", "<x@y>", 10);
    run(msg, T0 - 20 * day, &report);
    dsn(msg, sizeof(msg), s, issued, "delayed", "4.4.1", "<x@y>", 11);
    run(msg, T0 - day, &report);
    dsn(msg, sizeof(msg), s, issued, "failed", "4.2.2", "<x@y>", 12);
    st = run(msg, T0, &report);
    CHECK_INT_EQ(st.soft, 1);
    CHECK_STR_EQ(status_of(s), "confirmed");
    /* the third within 14 days */
    dsn(msg, sizeof(msg), s, issued, "failed", "4.4.7", "<x@y>", 13);
    st = run(msg, T0 + 1, &report);
    CHECK_INT_EQ(st.soft, 1);
    CHECK_INT_EQ(st.suppressed, 1);
    CHECK_STR_EQ(status_of(s), "bounced");
}

static void
test_complaint_msgid_and_guard(void)
{
    char msg[4096], mid[128], data[64], mac[17];
    int64_t issued, c = add_sent("c1@example.org", &issued);
    int64_t p, pi, w, wi;
    struct outbox_row rows[8];
    struct bounces_stats st;
    struct err err;
    size_t n = 0;
    int64_t dropped = 0;
    int report = 0;
    char q[256];

    /* an ARF complaint, VERP in Original-Mail-From */
    {
        char to[VERP_MAX];
        CHECK(verp_address(&key, c, issued, "example.org", to, sizeof(to)) ==
              0);
        snprintf(msg, sizeof(msg),
                 "From: fbl@isp.example\r\nTo: news@example.org\r\n"
                 "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
                 "report-type=feedback-report; boundary=\"b\"\r\n\r\n"
                 "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
                 "Feedback-Type: abuse\r\nVersion: 1\r\n"
                 "Original-Mail-From: <%s>\r\n\r\n--b--\r\n",
                 to);
    }
    st = run(msg, T0, &report);
    CHECK_INT_EQ(st.complaints, 1);
    CHECK_INT_EQ(st.unsubscribed, 1);
    CHECK_STR_EQ(status_of(c), "unsubscribed");
    CHECK(!suppressed("c1@example.org"));

    /* the outbox row purged: compose's Message-ID still names it */
    p = add_sent("p1@example.org", &pi);
    snprintf(q, sizeof(q), "DELETE FROM outbox WHERE subscription_id = %lld",
             (long long)p);
    sql(q);
    snprintf(data, sizeof(data), "d|%lld|" DAY, (long long)p);
    token_mac_hex(&key, data, strlen(data), mac, 16);
    snprintf(mid, sizeof(mid), "<d.%lld." DAY ".%s@example.org>", (long long)p,
             mac);
    dsn(msg, sizeof(msg), 0, 0, "failed", "5.1.1", mid, 20);
    st = run(msg, T0, &report);
    CHECK_INT_EQ(st.hard, 1);
    CHECK_STR_EQ(status_of(p), "bounced");

    /* the guard: with pause_min_messages low, the mailing's rates pass */
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses"), 0);
    cfg->bounce_pause_min = 2;
    w = add_sent("w1@example.org", &wi);
    dsn(msg, sizeof(msg), w, wi, "failed", "5.1.1", "<x@y>", 21);
    st = run(msg, T0, &report);
    CHECK_INT_EQ(st.paused, 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses WHERE list_id = 1 "
                         "AND reason LIKE 'hard bounces %'"),
                 1);
    /* a paused list's mail is neither claimed nor dropped */
    w = add_sent("w2@example.org", &wi);
    snprintf(q, sizeof(q),
             "UPDATE outbox SET state = 'queued', next_attempt_at = %lld "
             "WHERE subscription_id = %lld",
             T0, (long long)w);
    sql(q);
    err_init(&err);
    CHECK(outbox_claim(db, T0 + 10, rows, 8, &n, &dropped, &err) == 0);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(dropped, 0);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE state = 'queued'"),
                 1);
    /* pausing again moves its queued rows out of the claim's range */
    CHECK(db_pause_set(db, 1, DAY, "again", T0, NULL, &err) == 0);
    CHECK(one_int("SELECT next_attempt_at FROM outbox WHERE state = "
                  "'queued'") > DB_PAUSE_SHIFT);
    CHECK(db_pause_clear(db, 1, T0, NULL, &err) == 0);
    CHECK_INT_EQ(one_int("SELECT next_attempt_at FROM outbox WHERE state = "
                         "'queued'"),
                 T0);
    CHECK(outbox_claim(db, T0 + 10, rows, 8, &n, &dropped, &err) == 0);
    CHECK_INT_EQ(n, 1);

    /* resumed: a late report about the same mailing does not pause it
     * again, a later mailing's does */
    w = add_sent("w3@example.org", &wi);
    dsn(msg, sizeof(msg), w, wi, "failed", "5.1.1", "<x@y>", 22);
    st = run(msg, T0 + 20, &report);
    CHECK_INT_EQ(st.hard, 1);
    CHECK_INT_EQ(st.paused, 0);
    CHECK_INT_EQ(
        one_int("SELECT count(*) FROM list_pauses WHERE resumed_at IS NULL"),
        0);
    add_sent_day("n1@example.org", "2027-01-16", &wi);
    w = add_sent_day("n2@example.org", "2027-01-16", &wi);
    dsn(msg, sizeof(msg), w, wi, "failed", "5.1.1", "<x@y>", 23);
    st = run(msg, T0 + 30, &report);
    CHECK_INT_EQ(st.paused, 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM list_pauses WHERE resumed_at "
                         "IS NULL AND day = '2027-01-16'"),
                 1);
}

static void
test_not_a_report(void)
{
    const char *msg = "From: a@example.net\r\nSubject: hello\r\n\r\nhi\r\n";
    struct bounces_stats st;
    int report = 1;

    st = run(msg, T0, &report);
    CHECK_INT_EQ(report, 0);
    CHECK_INT_EQ(st.ignored, 1);
}

int
main(void)
{
    struct err err;

    err_init(&err);
    cfg = config_defaults();
    cfg->bounce_pause_min = 1000; /* the guard stays out of the way */
    token_key_from_string("bounce test secret 0123456789", &key);
    if (db_open(":memory:", 1000, &db, &err) == -1) {
        fprintf(stderr, "db_open: %s\n", err.msg);
        return 1;
    }
    test_hard_once();
    test_forged_and_reused();
    test_soft_window();
    test_complaint_msgid_and_guard();
    test_not_a_report();
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
