/* SPDX-License-Identifier: MIT */
/*
 * test_cadence - daily or weekly digests (schema 060): the validators of
 * the cadence and the weekday and their words; the schema's CHECKs; a
 * sign-up and a change of preferences storing them; the freeze pass
 * (send_day) over a simulated fortnight on an in-memory database with
 * the real schema: a weekly reader gets a digest only on its weekday,
 * its first one ranks the last 7 days' papers, the next one the papers
 * since, never a paper twice, while a daily reader with the same
 * keywords gets a digest every day from its own (shorter) window, so the
 * pass does not hand the two the same ranking; a weekly reader whose
 * weekday was skipped gets both weeks' papers the week after; the period
 * a weekly digest names (digest_period_from, render_period_long).  Time is
 * faked through PAPERBOY_NOW, as the other digest tests do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "db_sub.h"
#include "digest.h"
#include "render.h"
#include "send.h"
#include "str.h"
#include "subs.h"
#include "token.h"

#define FRI "2026-11-27"   /* a Friday (weekday 5) */
#define T_FRI 1795737600LL /* FRI 00:00 UTC */
#define DAY 86400LL

static struct db *db;
static struct config *cfg;
static struct compose *comp;

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

/* sql_rc - run SQL, 0 or -1 */
static int
sql_rc(const char *s)
{
    struct err err;

    err_init(&err);
    return db_exec(db, s, &err);
}

/* one_text - first column of a query as a string into out ("" if none);
 * q may be out */
static const char *
one_text(const char *q, char *out, size_t size)
{
    sqlite3_stmt *st = NULL;
    char v[512] = "";

    if (sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(v, sizeof(v), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    snprintf(out, size, "%s", v);
    return out;
}

struct case_s {
    const char *in;
    int rc;
    int want;        /* the value on success */
    const char *msg; /* part of the message on failure */
};

static void
test_validators(void)
{
    static const struct case_s cad[] = {
        {"daily", 0, DB_SUB_DAILY, NULL},
        {"Weekly", 0, DB_SUB_WEEKLY, NULL},
        {"", 0, DB_SUB_CADENCE_UNSET, NULL},
        {"monthly", -1, 0, "the cadence 'monthly' is not daily or weekly"},
        {"daily\r\nBcc: x", -1, 0, "'daily??Bcc: x'"},
    };
    static const struct case_s wd[] = {
        {"sunday", 0, 0, NULL},
        {"Monday", 0, 1, NULL},
        {"fri", 0, 5, NULL},
        {"SAT", 0, 6, NULL},
        {"", 0, DB_SUB_NO_WEEKDAY, NULL},
        {"funday", -1, 0,
         "'funday' is not a day of the week (monday, tuesday, ... sunday)"},
        {"fr", -1, 0, "not a day of the week"},
        {"fridays", -1, 0, "not a day of the week"},
        {"5", -1, 0, "not a day of the week"},
    };
    enum db_sub_cadence c;
    struct err err;
    int d;

    for (size_t i = 0; i < sizeof(cad) / sizeof(cad[0]); i++) {
        err_init(&err);
        c = (enum db_sub_cadence)99;
        CHECK_INT_EQ(subs_check_cadence(cad[i].in, &c, &err), cad[i].rc);
        if (cad[i].rc == 0)
            CHECK_INT_EQ((int)c, cad[i].want);
        else
            CHECK_CONTAINS(err.msg, cad[i].msg);
    }
    for (size_t i = 0; i < sizeof(wd) / sizeof(wd[0]); i++) {
        err_init(&err);
        d = 99;
        CHECK_INT_EQ(subs_check_weekday(wd[i].in, &d, &err), wd[i].rc);
        if (wd[i].rc == 0)
            CHECK_INT_EQ(d, wd[i].want);
        else {
            CHECK_CONTAINS(err.msg, wd[i].msg);
            CHECK_INT_EQ(d, 99); /* out untouched */
        }
    }
    CHECK_INT_EQ(subs_check_cadence(NULL, &c, &err), 0);
    CHECK_INT_EQ((int)c, DB_SUB_CADENCE_UNSET);

    /* the two together */
    err_init(&err);
    CHECK_INT_EQ(subs_check_schedule("weekly", "Tuesday", &c, &d, &err), 0);
    CHECK_INT_EQ((int)c, DB_SUB_WEEKLY);
    CHECK_INT_EQ(d, 2);
    CHECK_INT_EQ(subs_check_schedule("daily", "friday", &c, &d, &err), 0);
    CHECK_INT_EQ((int)c, DB_SUB_DAILY);
    CHECK_INT_EQ(d, DB_SUB_NO_WEEKDAY);
    CHECK_INT_EQ(subs_check_schedule(NULL, "fri", &c, &d, &err), 0);
    CHECK_INT_EQ((int)c, DB_SUB_WEEKLY);
    CHECK_INT_EQ(d, 5);
    CHECK_INT_EQ(subs_check_schedule(NULL, NULL, &c, &d, &err), 0);
    CHECK_INT_EQ((int)c, DB_SUB_CADENCE_UNSET);
    CHECK_INT_EQ(subs_check_schedule("weekly", "", &c, &d, &err), -1);
    CHECK_CONTAINS(err.msg, "choose the day of your weekly digest");
    CHECK_INT_EQ(subs_check_schedule("weekly", "funday", &c, &d, &err), -1);
    CHECK_CONTAINS(err.msg, "'funday' is not a day of the week");

    /* the store's own check */
    CHECK_INT_EQ(db_sub_check_cadence(DB_SUB_WEEKLY, 7, &err), -1);
    CHECK_INT_EQ(db_sub_check_cadence(DB_SUB_WEEKLY, 0, &err), 0);
    CHECK_INT_EQ(db_sub_check_cadence((enum db_sub_cadence)3, 0, &err), -1);
    CHECK_STR_EQ(db_sub_weekday_name(5), "friday");
    CHECK_STR_EQ(db_sub_weekday_name(7), "");
}

/* add - a confirmed subscription of addr with keywords and cadence */
static int64_t
add(const char *addr, const char *kw, enum db_sub_cadence c, int weekday)
{
    struct subs_signup in;
    struct subs_result res;
    struct err err;

    memset(&in, 0, sizeof(in));
    err_init(&err);
    in.origin = SUBS_ADD;
    in.email = addr;
    in.list_id = 1;
    in.prefs.keywords = kw;
    in.prefs.cadence = c;
    in.prefs.weekday = weekday;
    in.status = -1;
    in.confirmed = 1;
    CHECK_INT_EQ(sub_signup(db, cfg, &in, T_FRI - 30 * DAY, &res, &err), 0);
    return res.sub_id;
}

static void
test_store(void)
{
    struct db_subscription s;
    struct db_sub_prefs p;
    struct err err;
    int64_t id;
    char q[256];

    err_init(&err);
    id = add("store@example.org", "", DB_SUB_WEEKLY, 3);
    CHECK_INT_EQ(db_sub_get(db, id, &s, &err), 0);
    CHECK_INT_EQ((int)s.cadence, DB_SUB_WEEKLY);
    CHECK_INT_EQ(s.weekday, 3);

    /* preferences without a cadence leave it; daily clears the day */
    memset(&p, 0, sizeof(p));
    p.max_papers = 4;
    CHECK_INT_EQ(sub_set_prefs(db, id, &p, -1, T_FRI, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, id, &s, &err), 0);
    CHECK_INT_EQ((int)s.cadence, DB_SUB_WEEKLY);
    CHECK_INT_EQ(s.weekday, 3);
    p.cadence = DB_SUB_DAILY;
    CHECK_INT_EQ(sub_set_prefs(db, id, &p, -1, T_FRI, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, id, &s, &err), 0);
    CHECK_INT_EQ((int)s.cadence, DB_SUB_DAILY);
    CHECK_INT_EQ(s.weekday, DB_SUB_NO_WEEKDAY);
    snprintf(q, sizeof(q),
             "SELECT weekday IS NULL FROM subscriptions WHERE id = %lld",
             (long long)id);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "1");

    /* a weekday out of range is refused before SQL and changes nothing */
    p.cadence = DB_SUB_WEEKLY;
    p.weekday = 9;
    CHECK_INT_EQ(sub_set_prefs(db, id, &p, -1, T_FRI, &err), -1);
    CHECK_CONTAINS(err.msg, "day of the week");
    CHECK_INT_EQ(db_sub_get(db, id, &s, &err), 0);
    CHECK_INT_EQ((int)s.cadence, DB_SUB_DAILY);

    /* the schema refuses what the validators refuse */
    snprintf(q, sizeof(q),
             "UPDATE subscriptions SET cadence = 'weekly' WHERE id = %lld",
             (long long)id);
    CHECK_INT_EQ(sql_rc(q), -1); /* weekly without a day */
    snprintf(q, sizeof(q),
             "UPDATE subscriptions SET cadence = 'weekly', weekday = 7 "
             "WHERE id = %lld",
             (long long)id);
    CHECK_INT_EQ(sql_rc(q), -1);
    snprintf(q, sizeof(q),
             "UPDATE subscriptions SET weekday = 2 WHERE id = %lld",
             (long long)id);
    CHECK_INT_EQ(sql_rc(q), -1); /* daily with a day */
    snprintf(q, sizeof(q),
             "UPDATE subscriptions SET cadence = 'monthly' WHERE id = %lld",
             (long long)id);
    CHECK_INT_EQ(sql_rc(q), -1);
    sql("DELETE FROM subscribers WHERE email = 'store@example.org'");
}

/* papers - one kv-cache paper first seen on each of the 14 days up to
 * FRI + 7 (paper k on FRI - 6 + k days, at 01:00 UTC) */
static void
papers(void)
{
    char q[768], day[16];

    for (int k = 0; k < 14; k++) {
        long long seen = T_FRI + (k - 6) * DAY + 3600;
        str_format_day((time_t)seen, day, sizeof(day));
        snprintf(q, sizeof(q),
                 "INSERT INTO papers (id, arxiv_id, title, abstract,"
                 " categories, first_seen_at, first_seen_day, updated_at,"
                 " hf_upvotes) VALUES (%d, '2611.%05d', 'KV cache paper %d',"
                 " 'About the kv cache.', 'cs.LG', %lld, '%s', %lld, %d)",
                 100 + k, k, k, seen, day, seen, k);
        sql(q);
        snprintf(q, sizeof(q),
                 "INSERT INTO paper_categories VALUES ('cs.LG', %d)", 100 + k);
        sql(q);
    }
    /* and one from before the week: no first weekly digest reaches it */
    sql("INSERT INTO papers (id, arxiv_id, title, abstract, categories,"
        " first_seen_at, first_seen_day, updated_at) VALUES (99, '2611.09999',"
        " 'Old kv cache paper', 'kv cache', 'cs.LG', 1795133000,"
        " '2026-11-20', 1795133000)");
    sql("INSERT INTO paper_categories VALUES ('cs.LG', 99)");
}

/* day_of - FRI + k days as "YYYY-MM-DD" */
static const char *
day_of(int k, char *out, size_t size)
{
    str_format_day((time_t)(T_FRI + k * DAY), out, size);
    return out;
}

/* send - the pass of FRI + k days, at 07:00 that day */
static void
send(int k, struct send_counts *c)
{
    char day[16], now[32];
    struct err err;

    snprintf(now, sizeof(now), "%lld", T_FRI + k * DAY + 7 * 3600);
    setenv("PAPERBOY_NOW", now, 1);
    err_init(&err);
    CHECK(send_day(db, cfg, comp, NULL, day_of(k, day, sizeof(day)), atoll(now),
                   c, &err) == 0);
}

/* items - sub's digest of day as "id,id,..." in id order ("" = none) */
static const char *
items(int64_t sub, const char *day, char *out, size_t size)
{
    char q[384];

    snprintf(q, sizeof(q),
             "SELECT group_concat(paper_id) FROM (SELECT di.paper_id FROM"
             " digests d JOIN digest_items di ON di.digest_id = d.id"
             " WHERE d.subscription_id = %lld AND d.day = '%s'"
             " ORDER BY di.paper_id)",
             (long long)sub, day);
    return one_text(q, out, size);
}

static void
test_fortnight(void)
{
    struct send_counts c;
    char day[16], got[512], q[256];
    int64_t daily, weekly, other;
    int weekly_digests = 0;

    papers();
    daily = add("daily@example.org", "kv cache", DB_SUB_DAILY, 0);
    weekly = add("weekly@example.org", "kv cache", DB_SUB_WEEKLY, 5);
    other = add("tuesday@example.org", "kv cache", DB_SUB_WEEKLY, 2);

    /* Friday: both new.  Same keywords, different windows: the pass must
     * not give the weekly reader the daily reader's ranking */
    send(0, &c);
    CHECK_INT_EQ(c.considered, 2); /* not the Tuesday reader */
    CHECK_STR_EQ(items(daily, FRI, got, sizeof(got)), "104,105,106");
    CHECK_STR_EQ(items(weekly, FRI, got, sizeof(got)),
                 "100,101,102,103,104,105,106");
    CHECK_STR_EQ(items(other, FRI, got, sizeof(got)), "");
    snprintf(q, sizeof(q),
             "SELECT period_from FROM digests WHERE subscription_id = %lld",
             (long long)weekly);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "2026-11-21");
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digests WHERE subscription_id = %lld"
             " AND period_from IS NULL",
             (long long)daily);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "1");

    /* the week after: the daily reader gets each day's paper, the weekly
     * one nothing until Friday, the Tuesday one on Tuesday */
    for (int k = 1; k <= 7; k++) {
        send(k, &c);
        day_of(k, day, sizeof(day));
        snprintf(got, sizeof(got), "%d", 106 + k);
        {
            char have[512];
            CHECK_STR_EQ(items(daily, day, have, sizeof(have)), got);
        }
        if (k == 4) /* Tuesday: its first digest, the last 7 days */
            CHECK_STR_EQ(items(other, day, got, sizeof(got)),
                         "104,105,106,107,108,109,110");
        if (k < 7)
            CHECK_STR_EQ(items(weekly, day, got, sizeof(got)), "");
    }
    /* next Friday: the week since the last one, nothing repeated */
    CHECK_STR_EQ(items(weekly, day_of(7, day, sizeof(day)), got, sizeof(got)),
                 "107,108,109,110,111,112,113");
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digests WHERE subscription_id = %lld",
             (long long)weekly);
    weekly_digests = atoi(one_text(q, q, sizeof(q)));
    CHECK_INT_EQ(weekly_digests, 2);
    snprintf(q, sizeof(q),
             "SELECT count(*) - count(DISTINCT paper_id) FROM digests d"
             " JOIN digest_items di ON di.digest_id = d.id"
             " WHERE d.subscription_id = %lld",
             (long long)weekly);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "0");
    snprintf(q, sizeof(q),
             "SELECT period_from FROM digests WHERE subscription_id = %lld"
             " AND day = '2026-12-04'",
             (long long)weekly);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "2026-11-28");
    /* the mail's subject names the week */
    {
        struct buf subject, text, html;
        struct err err;
        int64_t did = 0;
        snprintf(q, sizeof(q),
                 "SELECT id FROM digests WHERE subscription_id = %lld"
                 " AND day = '2026-12-04'",
                 (long long)weekly);
        did = atoll(one_text(q, q, sizeof(q)));
        buf_init(&subject, 4096);
        buf_init(&text, 1 << 20);
        buf_init(&html, 1 << 20);
        err_init(&err);
        CHECK(compose_digest_parts(comp, db, did, &subject, &text, &html,
                                   &err) == 0);
        CHECK_STR_EQ(buf_str(&subject), "Trending papers: weekly digest, "
                                        "7 papers, 28 November \xe2\x80\x93 "
                                        "4 December 2026");
        CHECK_CONTAINS(buf_str(&text), "Weekly digest, 28 November");
        CHECK_CONTAINS(buf_str(&html), "Weekly digest &middot; 28 November");
        buf_release(&subject);
        buf_release(&text);
        buf_release(&html);
    }
    unsetenv("PAPERBOY_NOW");
}

static void
test_period(void)
{
    static const struct {
        const char *last, *day, *want;
    } cases[] = {
        {"", "2026-11-27", "2026-11-21"},
        {NULL, "2026-11-27", "2026-11-21"},
        {"2026-11-20", "2026-11-27", "2026-11-21"},
        {"2026-11-13", "2026-11-27", "2026-11-14"}, /* a week skipped */
        /* longer: from the window's first day, 15 days before */
        {"2026-11-01", "2026-11-27", "2026-11-12"},
        {"2026-11-25", "2026-11-27", "2026-11-26"},
        {"2026-11-27", "2026-11-27", "2026-11-21"}, /* same day: a week */
        {"2026-12-30", "2027-01-02", "2026-12-31"},
    };
    static const struct {
        const char *from, *to, *want;
    } longs[] = {
        {"2026-11-21", "2026-11-27",
         "21\xe2\x80\x93"
         "27 November 2026"},
        {"2026-11-28", "2026-12-04",
         "28 November \xe2\x80\x93 4 December 2026"},
        {"2026-12-29", "2027-01-04",
         "29 December 2026 \xe2\x80\x93 4 January 2027"},
        {"2026-11-27", "2026-11-27", "27 November 2026"},
    };
    char out[96];
    struct err err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&err);
        CHECK_INT_EQ(digest_period_from(cases[i].last, cases[i].day, out,
                                        sizeof(out), &err),
                     0);
        CHECK_STR_EQ(out, cases[i].want);
    }
    CHECK_INT_EQ(digest_period_from("", "27.11.2026", out, sizeof(out), &err),
                 -1);
    for (size_t i = 0; i < sizeof(longs) / sizeof(longs[0]); i++) {
        render_period_long(longs[i].from, longs[i].to, out, sizeof(out));
        CHECK_STR_EQ(out, longs[i].want);
    }
}

/* A weekly reader mailed before 00:00 UTC (07:00 in Tokyo is 22:00 UTC the
 * day before): a paper seen between that freeze and the day's start is in
 * the next week's digest, not lost. */
static void
topic_paper(int id, long long seen, const char *title, const char *about)
{
    char q[768], day[16];

    str_format_day((time_t)seen, day, sizeof(day));
    snprintf(q, sizeof(q),
             "INSERT INTO papers (id, arxiv_id, title, abstract,"
             " categories, first_seen_at, first_seen_day, updated_at,"
             " hf_upvotes) VALUES (%d, '2611.%05d', '%s paper %d',"
             " 'About the %s.', 'cs.LG', %lld, '%s', %lld, 1)",
             id, id, title, id, about, seen, day, seen);
    sql(q);
    snprintf(q, sizeof(q), "INSERT INTO paper_categories VALUES ('cs.LG', %d)",
             id);
    sql(q);
}

static void
east_paper(int id, long long seen)
{
    topic_paper(id, seen, "Tokyo zone", "tokyo zone");
}

static void
east_send(const char *day, long long now)
{
    char b[32];
    struct send_counts c;
    struct err err;

    snprintf(b, sizeof(b), "%lld", now);
    setenv("PAPERBOY_NOW", b, 1);
    err_init(&err);
    CHECK(send_day(db, cfg, comp, NULL, day, now, &c, &err) == 0);
}

static void
test_east(void)
{
    char got[512], d[16];
    int64_t tokyo = add("tokyo@example.org", "tokyo zone", DB_SUB_WEEKLY, 5);

    east_paper(301, T_FRI - 3 * DAY + 3600); /* Tue 01:00 UTC */
    east_send(FRI, T_FRI - 2 * 3600);        /* Fri 07:00 JST = Thu 22:00 UTC */
    east_paper(302, T_FRI - 3600);    /* Thu 23:00 UTC, after the freeze */
    east_paper(303, T_FRI + 3 * DAY); /* Mon */
    CHECK_STR_EQ(items(tokyo, FRI, got, sizeof(got)), "301");
    east_send(day_of(7, d, sizeof(d)), T_FRI + 7 * DAY - 2 * 3600);
    CHECK_STR_EQ(items(tokyo, d, got, sizeof(got)), "302,303");
    unsetenv("PAPERBOY_NOW");
}

/* A weekly reader whose Friday was skipped (the daemon down that day, or
 * the list paused): the Friday after holds the papers of both weeks since
 * its last digest, none repeated, and its period and subject name the
 * fortnight. */
static void
test_skipped(void)
{
    char got[512], d[16], q[320];
    int64_t s = add("skipped@example.org", "skipped week", DB_SUB_WEEKLY, 5);
    int64_t did;

    topic_paper(401, T_FRI + 20 * DAY + 3600, "Skipped week", "skipped week");
    east_send(day_of(21, d, sizeof(d)), T_FRI + 21 * DAY + 7 * 3600);
    CHECK_STR_EQ(items(s, d, got, sizeof(got)), "401");
    /* the week after: seen Saturday and Wednesday; its Friday is missed */
    topic_paper(402, T_FRI + 22 * DAY + 3600, "Skipped week", "skipped week");
    topic_paper(403, T_FRI + 26 * DAY + 3600, "Skipped week", "skipped week");
    /* the second week: Saturday and Thursday */
    topic_paper(404, T_FRI + 29 * DAY + 3600, "Skipped week", "skipped week");
    topic_paper(405, T_FRI + 34 * DAY + 3600, "Skipped week", "skipped week");
    east_send(day_of(35, d, sizeof(d)), T_FRI + 35 * DAY + 7 * 3600);
    CHECK_STR_EQ(items(s, d, got, sizeof(got)), "402,403,404,405");
    snprintf(q, sizeof(q),
             "SELECT count(*) - count(DISTINCT paper_id) FROM digests d"
             " JOIN digest_items di ON di.digest_id = d.id"
             " WHERE d.subscription_id = %lld",
             (long long)s);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "0");
    snprintf(q, sizeof(q),
             "SELECT period_from FROM digests WHERE subscription_id = %lld"
             " AND day = '%s'",
             (long long)s, d);
    CHECK_STR_EQ(one_text(q, q, sizeof(q)), "2026-12-19");
    snprintf(q, sizeof(q),
             "SELECT id FROM digests WHERE subscription_id = %lld"
             " AND day = '%s'",
             (long long)s, d);
    did = atoll(one_text(q, q, sizeof(q)));
    {
        struct buf subject, text, html;
        struct err err;
        buf_init(&subject, 4096);
        buf_init(&text, 1 << 20);
        buf_init(&html, 1 << 20);
        err_init(&err);
        CHECK(compose_digest_parts(comp, db, did, &subject, &text, &html,
                                   &err) == 0);
        CHECK_STR_EQ(buf_str(&subject),
                     "Trending papers: weekly digest, 4 papers, "
                     "19 December 2026 \xe2\x80\x93 1 January 2027");
        buf_release(&subject);
        buf_release(&text);
        buf_release(&html);
    }
    unsetenv("PAPERBOY_NOW");
}

int
main(void)
{
    struct token_key key;
    struct err err;

    err_init(&err);
    cfg = config_defaults();
    free(cfg->base_url);
    cfg->base_url = strdup("https://papers.example.org");
    token_key_from_string("cadence", &key);
    if (db_open(":memory:", 1000, &db, &err) == -1 ||
        compose_new(cfg, &key, &comp, &err) == -1) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    test_validators();
    test_store();
    test_period();
    test_fortnight();
    test_east();
    test_skipped();
    compose_free(comp);
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
