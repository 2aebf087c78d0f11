/* SPDX-License-Identifier: MIT */
/*
 * test_hot_plans - no hot query scans a table that grows with the
 * subscribers.
 *
 * The hot operations of a day's send (freeze, enqueue, claim, record,
 * digest lookup while rendering, and their neighbours) are listed once,
 * in hot_ops[] below.  Each is run for real against a database built by
 * schema/, with sqlite3_trace_v2() recording every statement it runs, so
 * the plans checked are those of the SQL the code really sends, and a
 * query added later is checked without anyone listing it.  Every recorded
 * statement goes through EXPLAIN QUERY PLAN; a SCAN of subscriptions,
 * digests, digest_sets, digest_set_items (the digest_items view), outbox
 * or subscribers fails the test unless
 * plan_allowed[] names it with the reason.  A query per subscriber that
 * scans such a table makes a day's send quadratic in the subscribers.
 *
 * ON DELETE CASCADE does not show in a plan, so every foreign key in the
 * schema must also have an index that starts with its column: without
 * one, deleting a parent row scans the child table.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "db_paper.h"
#include "outbox.h"
#include "send.h"
#include "token.h"

#define DAY "2026-11-27"
#define T0 1795737600LL /* DAY 00:00 UTC */
#define MAX_SQL 256

static const char *const growing[] = {"subscriptions", "digests",
                                      "digest_sets",   "digest_set_items",
                                      "outbox",        "subscribers"};
#define NGROWING (sizeof(growing) / sizeof(growing[0]))

/* A SCAN that is allowed, and why. */
struct plan_allow {
    const char *sql_part; /* a substring of the statement */
    const char *table;    /* the table scanned */
    const char *why;
};

/* None today: every hot query finds its rows through an index.  A scan
 * of a small covering index could be listed here, with its reason. */
static const struct plan_allow plan_allowed[] = {
    {NULL, NULL, NULL},
};

/* Recorded statements: text and the operation that ran it first. */
static struct {
    char *sql;
    const char *op;
} seen[MAX_SQL];
static size_t nseen;
static const char *cur_op;
static size_t cur_count;

static struct db *db;
static struct config *cfg;
static struct compose *comp;

/* on_trace - record each statement's SQL text once */
static int
on_trace(unsigned type, void *ctx, void *p, void *x)
{
    const char *s;

    (void)ctx;
    (void)x;
    if (type != SQLITE_TRACE_STMT)
        return 0;
    s = sqlite3_sql((sqlite3_stmt *)p);
    if (s == NULL || strncmp(s, "--", 2) == 0)
        return 0;
    cur_count++;
    for (size_t i = 0; i < nseen; i++)
        if (strcmp(seen[i].sql, s) == 0)
            return 0;
    if (nseen < MAX_SQL) {
        seen[nseen].sql = strdup(s);
        seen[nseen++].op = cur_op;
    }
    return 0;
}

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

/* seed - papers, subscribers with and without keywords, one pending */
static void
seed(void)
{
    char q[512];

    for (int i = 1; i <= 30; i++) {
        snprintf(q, sizeof(q),
                 "INSERT INTO papers (id, arxiv_id, title, abstract,"
                 " categories, first_seen_at, first_seen_day, updated_at,"
                 " hf_upvotes, hf_day) VALUES (%d, '2611.%05d',"
                 " 'Paper %d on %s', 'An abstract about %s.', 'cs.LG', %lld,"
                 " '" DAY "', %lld, %d, %s)",
                 i, i, i, i % 2 ? "kv cache" : "diffusion",
                 i % 3 ? "quantization" : "graph neural network", T0 + i,
                 T0 + i, i * 7 % 50, i % 4 ? "NULL" : "'" DAY "'");
        sql(q);
        snprintf(q, sizeof(q),
                 "INSERT INTO paper_categories VALUES ('cs.LG', %d)", i);
        sql(q);
    }
    for (int i = 1; i <= 12; i++) {
        snprintf(q, sizeof(q),
                 "INSERT INTO subscribers (id, email, created_at) VALUES"
                 " (%d, 'r%d@example.org', 0)",
                 i, i);
        sql(q);
        snprintf(q, sizeof(q),
                 "INSERT INTO subscriptions (id, subscriber_id, list_id,"
                 " status, keywords, created_at, updated_at, confirmed_at)"
                 " VALUES (%d, %d, 1, '%s', '%s', 0, 0, 0)",
                 i, i, i == 12 ? "pending" : "confirmed",
                 i % 3 == 0   ? ""
                 : i % 3 == 1 ? "kv cache, -survey"
                              : "\"graph neural network\", nothing-matches");
        sql(q);
    }
}

/* op_send - freeze and queue the day (the scheduler's and send's pass) */
static int
op_send(void)
{
    struct send_counts k;
    struct err err;

    err_init(&err);
    if (send_day(db, cfg, comp, NULL, DAY, T0 + 3600, &k, &err) == -1) {
        fprintf(stderr, "send_day: %s\n", err.msg);
        return -1;
    }
    CHECK(k.queued >= 10);
    return 0;
}

/* op_send_again - a second pass finds everything frozen and queued */
static int
op_send_again(void)
{
    struct send_counts k;
    struct err err;

    err_init(&err);
    if (send_day(db, cfg, comp, NULL, DAY, T0 + 3700, &k, &err) == -1)
        return -1;
    CHECK_INT_EQ(k.queued, 0);
    return 0;
}

/* op_render - the digest lookup a worker does per message */
static int
op_render(void)
{
    struct buf msg;
    struct err err;
    int64_t id = one_int("SELECT min(digest_id) FROM outbox");
    int rc;

    err_init(&err);
    buf_init(&msg, 4 << 20);
    rc = compose_digest_message(comp, db, id, "<m@example.org>", &msg, &err);
    /* and as a delivery worker does it, within a snapshot: the item
     * references, then each paper's row (compose_snapshot) */
    {
        int64_t v = 0;
        if (db_papers_version(db, &v, &err) == -1)
            return -1;
        compose_snapshot(comp, v);
    }
    buf_reset(&msg);
    if (rc == 0)
        rc =
            compose_digest_message(comp, db, id, "<m@example.org>", &msg, &err);
    buf_release(&msg);
    return rc;
}

/* op_claim_record - claim every due row, then one result of each kind */
static int
op_claim_record(void)
{
    struct outbox_row rows[16];
    struct outbox_result res[5];
    static const enum outbox_outcome oc[5] = {
        OUTBOX_OK, OUTBOX_TEMP, OUTBOX_BOUNCE, OUTBOX_PERM, OUTBOX_UNCLAIM};
    struct err err;
    size_t n = 0;
    int susp = 0;

    err_init(&err);
    /* one row whose subscription left: dropped at claim time */
    sql("UPDATE subscriptions SET paused = 1 WHERE id = 11");
    if (outbox_claim(db, T0 + 4000, rows, 16, &n, NULL, &err) == -1)
        return -1;
    CHECK(n >= 5);
    memset(res, 0, sizeof(res));
    for (int i = 0; i < 5; i++) {
        res[i].id = rows[i].id;
        res[i].outcome = oc[i];
        res[i].unknown_user = 1;
        res[i].at = T0 + 4001;
        snprintf(res[i].reply, sizeof(res[i].reply), "reply %d", i);
    }
    cfg->bounce_limit_unknown = 1; /* the bounce suspends: that SQL too */
    if (outbox_record(db, cfg, res, 5, &susp, &err) == -1 ||
        outbox_record_claim(db, cfg, NULL, 0, NULL, T0 + 4002, rows, 4, &n,
                            NULL, &err) == -1)
        return -1;
    return 0;
}

/* op_recover - crash recovery: journal replay and re-queueing */
static int
op_recover(void)
{
    struct err err;
    int64_t id = one_int("SELECT min(id) FROM outbox WHERE state='sending'");

    err_init(&err);
    if (outbox_mark_sent(db, id, T0 + 5000, "250 ok", &err) == -1 ||
        outbox_recover(db, NULL, &err) == -1)
        return -1;
    return 0;
}

/* op_leave - a subscription leaves: its queued mail is dropped */
static int
op_leave(void)
{
    struct err err;

    err_init(&err);
    return outbox_drop_pending(db, 4, &err);
}

/* The hot operations, each checked.  Confirmations are not a day's
 * send, but one is queued per signup, so they are here too. */
static const struct {
    const char *name;
    int (*fn)(void);
} hot_ops[] = {
    {"freeze+enqueue (send_day)", op_send},
    {"freeze+enqueue, already done", op_send_again},
    {"digest lookup (compose_digest_message)", op_render},
    {"claim + record (outbox_record_claim)", op_claim_record},
    {"recovery (outbox_mark_sent, outbox_recover)", op_recover},
    {"leave (outbox_drop_pending)", op_leave},
};

/* is_word - identifier byte */
static int
is_word(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* table_of - the growing table that name (a table or an alias in sql)
 * stands for, or NULL */
static const char *
table_of(const char *sql_text, const char *name)
{
    static const char *const kw[] = {
        "on",     "where",  "join",  "left",    "inner",   "cross",
        "set",    "using",  "order", "group",   "limit",   "natural",
        "values", "select", "not",   "indexed", "default", "returning"};
    const char *p = sql_text;

    for (size_t i = 0; i < NGROWING; i++)
        if (strcmp(name, growing[i]) == 0)
            return growing[i];
    /* "<table> [AS] <alias>": find name after a growing table's name */
    while (*p) {
        char w[64], a[64];
        size_t n = 0, m = 0;
        while (*p && !is_word(*p))
            p++;
        while (is_word(*p) && n < sizeof(w) - 1)
            w[n++] = (char)tolower((unsigned char)*p++);
        w[n] = '\0';
        for (size_t i = 0; i < NGROWING; i++) {
            const char *q = p;
            int keyword = 0;
            if (strcmp(w, growing[i]) != 0)
                continue;
            while (*q == ' ')
                q++;
            if (strncasecmp(q, "AS ", 3) == 0)
                q += 3;
            while (is_word(*q) && m < sizeof(a) - 1)
                a[m++] = (char)tolower((unsigned char)*q++);
            a[m] = '\0';
            for (size_t k = 0; k < sizeof(kw) / sizeof(kw[0]); k++)
                keyword |= strcmp(a, kw[k]) == 0;
            if (!keyword && strcmp(a, name) == 0)
                return growing[i];
            m = 0;
        }
    }
    return NULL;
}

/* allowed - 1 if plan_allowed[] lets sql scan table */
static int
allowed(const char *sql_text, const char *table)
{
    for (size_t i = 0; plan_allowed[i].sql_part != NULL; i++)
        if (strstr(sql_text, plan_allowed[i].sql_part) != NULL &&
            strcmp(plan_allowed[i].table, table) == 0)
            return 1;
    return 0;
}

/* check_plan - fail on a SCAN of a growing table in s's plan */
static void
check_plan(const char *s, const char *op)
{
    sqlite3_stmt *st = NULL;
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", s);
    int rc = sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL);

    sqlite3_free(q);
    if (rc != SQLITE_OK) {
        /* BEGIN, COMMIT, SAVEPOINT, PRAGMA: nothing to plan */
        sqlite3_finalize(st);
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);
        char name[64];
        size_t n = 0;
        const char *t;
        if (d == NULL || strncmp(d, "SCAN ", 5) != 0)
            continue;
        for (d += 5; is_word(*d) && n < sizeof(name) - 1; d++)
            name[n++] = (char)tolower((unsigned char)*d);
        name[n] = '\0';
        t = table_of(s, name);
        if (t == NULL || allowed(s, t))
            continue;
        fprintf(stderr, "SCAN of %s in %s:\n  %s\n  plan: %s\n", t, op, s,
                (const char *)sqlite3_column_text(st, 3));
        CHECK(!"a hot query scans a table that grows with subscribers");
    }
    sqlite3_finalize(st);
}

/* test_fk_indexes - every foreign key column starts an index (or is the
 * table's INTEGER PRIMARY KEY, the rowid), but one: digest_set_items'
 * paper_id, whose index served only the cascade from papers, which no
 * code runs (schema/090 says why it went) */
static void
test_fk_indexes(void)
{
    sqlite3_stmt *st = NULL;
    const char *q =
        "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_schema m,"
        " pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
        " AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) il,"
        "  pragma_index_info(il.name) ii WHERE ii.seqno = 0"
        "  AND ii.name = f.\"from\")"
        /* an INTEGER PRIMARY KEY is the rowid: the table's own b-tree */
        " AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) ti"
        "  WHERE ti.name = f.\"from\" AND ti.pk = 1"
        "  AND upper(ti.type) = 'INTEGER'"
        "  AND (SELECT count(*) FROM pragma_table_info(m.name) WHERE pk > 0)"
        "  = 1)"
        " AND NOT (m.name = 'digest_set_items' AND f.\"from\" = 'paper_id')";
    int bad = 0;

    CHECK(sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        fprintf(stderr, "no index on %s(%s): deleting from %s scans %s\n",
                sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
                sqlite3_column_text(st, 2), sqlite3_column_text(st, 0));
        bad++;
    }
    sqlite3_finalize(st);
    CHECK_INT_EQ(bad, 0);
    /* the test would notice: a table we know needs it is checked */
    CHECK_INT_EQ(one_int("SELECT count(*) FROM pragma_foreign_key_list("
                         "'outbox') WHERE \"from\" = 'digest_id'"),
                 1);
}

/* test_hot_plans - run each hot operation, then check every plan */
static void
test_hot_plans(void)
{
    for (size_t i = 0; i < sizeof(hot_ops) / sizeof(hot_ops[0]); i++) {
        cur_op = hot_ops[i].name;
        cur_count = 0;
        if (hot_ops[i].fn() == -1) {
            fprintf(stderr, "operation failed: %s\n", hot_ops[i].name);
            CHECK(0);
        }
        /* an operation that ran no SQL checks nothing */
        if (cur_count == 0)
            fprintf(stderr, "no SQL recorded for %s\n", hot_ops[i].name);
        CHECK(cur_count > 0);
    }
    sqlite3_trace_v2(db_handle(db), 0, NULL, NULL);
    CHECK(nseen > 10);
    for (size_t i = 0; i < nseen; i++)
        check_plan(seen[i].sql, seen[i].op);
    /* the checker itself finds a scan through an alias */
    CHECK(table_of("SELECT 1 FROM outbox o WHERE o.x = 1", "o") != NULL);
    CHECK(table_of("SELECT 1 FROM outbox WHERE x = 1", "where") == NULL);
}

int
main(void)
{
    struct token_key key;
    struct err err;

    err_init(&err);
    setenv("PAPERBOY_NOW", "1795741200", 1);
    cfg = config_defaults();
    free(cfg->base_url);
    cfg->base_url = strdup("https://papers.example.org");
    token_key_from_string("plans", &key);
    if (db_open(":memory:", 1000, &db, &err) == -1 ||
        compose_new(cfg, &key, &comp, &err) == -1) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    seed();
    sqlite3_trace_v2(db_handle(db), SQLITE_TRACE_STMT, on_trace, NULL);
    test_hot_plans();
    test_fk_indexes();
    for (size_t i = 0; i < nseen; i++)
        free(seen[i].sql);
    compose_free(comp);
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
