/* SPDX-License-Identifier: MIT */
/*
 * test_subs - the subscription lifecycle on an in-memory database with
 * the real schema: every validator's refusals and their words, the
 * form's sign-up (new, again, confirmed left alone, back after leaving),
 * confirmation and stale links, preferences, unsubscribing (queued mail
 * dropped, sent kept), the administrator's add and import rules, and
 * that a sign-up is all or nothing in its own or the caller's
 * transaction; erasing (every row of the subscriber gone, one keyed
 * suppression row kept, an unknown address changing nothing, a caller's
 * rollback undoing it).  Time is passed in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "db_list.h"
#include "db_sub.h"
#include "db_suppress.h"
#include "subs.h"

#define T0 1800000000LL
#define DAY 86400

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

/* one_int - first column of a query, -1 if none */
static long long
one_int(const char *fmt, long long arg)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    char q[512];

    snprintf(q, sizeof(q), fmt, arg);
    if (sqlite3_prepare_v2(db_handle(db), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* queued - outbox rows of sub still to deliver */
static long long
queued(int64_t sub)
{
    return one_int("SELECT count(*) FROM outbox WHERE subscription_id = %lld "
                   "AND state IN ('queued', 'deferred')",
                   sub);
}

/* get - the subscription, or abort */
static struct db_subscription
get(int64_t id)
{
    struct db_subscription s;
    struct err err;

    err_init(&err);
    if (db_sub_get(db, id, &s, &err) != 0) {
        fprintf(stderr, "no subscription id=%lld\n", (long long)id);
        exit(1);
    }
    return s;
}

/* A validator case: input, expected rc, words the message must hold. */
struct check_case {
    const char *in;
    int rc;
    const char *msg; /* NULL when rc is 0 */
};

static void
test_check_email(void)
{
    static const struct check_case cases[] = {
        {"Ada@Example.ORG", 0, NULL},
        {"", -1, "invalid address '': the address is empty"},
        {"no-at", -1, "invalid address 'no-at': "},
        {"ada\r\n@example.org", -1, "invalid address 'ada??@example.org': "},
        {"ada@example.org\nBcc: x@y.org", -1, "control character"},
    };
    char out[ADDR_SIZE];
    struct err err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&err);
        CHECK_INT_EQ(subs_check_email(cases[i].in, out, sizeof(out), &err),
                     cases[i].rc);
        if (cases[i].msg)
            CHECK_CONTAINS(err.msg, cases[i].msg);
    }
    CHECK_INT_EQ(subs_check_email("Ada@Example.ORG", out, sizeof(out), &err),
                 0);
    CHECK_STR_EQ(out, "Ada@example.org");
    err_init(&err);
    CHECK_INT_EQ(subs_check_email(NULL, out, sizeof(out), &err), -1);
    CHECK_CONTAINS(err.msg, "the address is empty");
}

static void
test_check_fields(void)
{
    static const struct check_case kw[] = {
        {"", 0, NULL},
        {"kv cache, \"flash attention\", -rl", 0, NULL},
        {"kv\ncache", -1,
         "the keywords are not allowed to contain control "
         "characters"},
        {"kv\r\nBcc: x@y", -1, "control characters"},
        {"\xff\xfe", -1, "the keywords are not valid UTF-8"},
        {"a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u", -1, "too many"},
    };
    static const struct check_case cats[] = {
        {"", 0, NULL},
        {"cs.LG,cs.CL", 0, NULL},
        {"math.AG", -1, "'math.AG' is not a category of the list 'trending'"},
        {"cs.LG,cs.LG", -1, "given twice"},
        {"cs.LG,,cs.CL", -1, "empty category"},
    };
    static const struct check_case tz[] = {
        {"", 0, NULL},
        {"UTC", 0, NULL},
        {"Europe/Berlin", 0, NULL},
        {"Mars/Olympus", -1, "'Mars/Olympus' is not a known time zone"},
        {"../../etc/passwd", -1, "not a known time zone"},
        {"Europe/Berlin\n", -1, "(control characters)"},
    };
    static const struct check_case names[] = {
        {"", 0, NULL},
        {"Ada Lovelace", 0, NULL},
        {"Ada\nBcc: x", -1, "the name is not allowed to contain control"},
    };
    struct db_list l;
    struct err err;
    char big[600];

    err_init(&err);
    CHECK_INT_EQ(db_list_get(db, "trending", &l, &err), 0);
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++) {
        err_init(&err);
        CHECK_INT_EQ(subs_check_keywords(kw[i].in, &err), kw[i].rc);
        if (kw[i].msg)
            CHECK_CONTAINS(err.msg, kw[i].msg);
    }
    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_INT_EQ(subs_check_keywords(big, &err), -1);
    CHECK_CONTAINS(err.msg,
                   "the keywords are too long (longer than 500 bytes)");
    big[500] = '\0';
    CHECK_INT_EQ(subs_check_keywords(big, &err), 0);
    for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
        err_init(&err);
        CHECK_INT_EQ(subs_check_categories(&l, cats[i].in, &err), cats[i].rc);
        if (cats[i].msg)
            CHECK_CONTAINS(err.msg, cats[i].msg);
    }
    for (size_t i = 0; i < sizeof(tz) / sizeof(tz[0]); i++) {
        err_init(&err);
        CHECK_INT_EQ(subs_check_timezone(tz[i].in, &err), tz[i].rc);
        if (tz[i].msg)
            CHECK_CONTAINS(err.msg, tz[i].msg);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        err_init(&err);
        CHECK_INT_EQ(subs_check_name(names[i].in, &err), names[i].rc);
        if (names[i].msg)
            CHECK_CONTAINS(err.msg, names[i].msg);
    }
    big[201] = '\0';
    CHECK_INT_EQ(subs_check_name(big, &err), -1);
    CHECK_CONTAINS(err.msg, "the name is too long (longer than 200 bytes)");
}

static void
test_check_max_papers(void)
{
    static const struct {
        const char *in;
        int rc, out;
    } cases[] = {
        {NULL, 0, 0}, {"", 0, 0},    {"1", 0, 1},   {"50", 0, 50},
        {"7", 0, 7},  {"0", -1, 0},  {"51", -1, 0}, {"-3", -1, 0},
        {"x", -1, 0}, {"7x", -1, 0}, {" 7", -1, 0},
    };
    struct err err;
    int n;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        err_init(&err);
        n = -99;
        CHECK_INT_EQ(subs_check_max_papers(cases[i].in, &n, &err), cases[i].rc);
        if (cases[i].rc == 0)
            CHECK_INT_EQ(n, cases[i].out);
        else
            CHECK_INT_EQ(n, -99); /* untouched on failure */
    }
    err_init(&err);
    CHECK_INT_EQ(subs_check_max_papers("51", &n, &err), -1);
    CHECK_STR_EQ(err.msg, "max_papers '51' is not a number from 1 to 50");
}

static void
test_check_list(void)
{
    struct db_list l, lab;
    struct err err;

    err_init(&err);
    memset(&lab, 0, sizeof(lab));
    snprintf(lab.name, sizeof(lab.name), "alpha");
    snprintf(lab.categories, sizeof(lab.categories), "cs.LG");
    CHECK_INT_EQ(db_list_create(db, &lab, T0, &lab.id, &err), 0);
    CHECK_INT_EQ(subs_check_list(db, "trending", &l, &err), 0);
    CHECK_STR_EQ(l.name, "trending");
    CHECK_INT_EQ(subs_check_list(db, NULL, &l, &err), 0);
    CHECK_STR_EQ(l.name, "alpha"); /* no name: the first by name */
    l.id = -7;
    CHECK_INT_EQ(subs_check_list(db, "nosuch", &l, &err), 1);
    CHECK_STR_EQ(err.msg, "no list named 'nosuch'");
    CHECK_INT_EQ(l.id, -7); /* out untouched */
    CHECK_INT_EQ(subs_check_list(db, "", &l, &err), 1);
    CHECK_CONTAINS(err.msg, "the list name is empty");
    CHECK_INT_EQ(subs_check_list(db, "Bad Name", &l, &err), 1);
    CHECK_INT_EQ(db_list_delete(db, lab.id, &err), 0);

    /* no list at all */
    sql("SAVEPOINT nolists; DELETE FROM lists;");
    CHECK_INT_EQ(subs_check_list(db, NULL, &l, &err), 1);
    CHECK_STR_EQ(err.msg, "there is no list to subscribe to yet");
    sql("ROLLBACK TO nolists; RELEASE nolists;");
}

/* form - a sign-up from the form; returns its result */
static struct subs_result
form(const char *email, const char *kw, int64_t now, int want_rc)
{
    struct subs_signup in;
    struct subs_result res;
    struct err err;

    err_init(&err);
    memset(&in, 0, sizeof(in));
    memset(&res, 0, sizeof(res));
    in.origin = SUBS_FORM;
    in.email = email;
    in.list_id = 1;
    in.prefs.keywords = kw;
    in.prefs.categories = "cs.LG";
    in.prefs.max_papers = 7;
    in.status = -1;
    CHECK_INT_EQ(sub_signup(db, cfg, &in, now, &res, &err), want_rc);
    return res;
}

static void
test_form_confirm_unsubscribe(void)
{
    struct subs_result r;
    struct db_subscription s;
    struct db_sub_prefs p;
    struct err err;
    int64_t id;

    err_init(&err);
    /* new: pending with the form's preferences, a confirmation queued */
    r = form("eve@example.org", "kv cache", T0, 0);
    id = r.sub_id;
    CHECK_INT_EQ(r.created, 1);
    CHECK_INT_EQ(r.queued, 1);
    s = get(id);
    CHECK_INT_EQ(s.status, DB_SUB_PENDING);
    CHECK_STR_EQ(s.keywords, "kv cache");
    CHECK_STR_EQ(s.categories, "cs.LG");
    CHECK_INT_EQ(s.max_papers, 7);
    CHECK_INT_EQ(s.pending_at, T0);
    CHECK_INT_EQ(queued(id), 1);

    /* again the same day: new preferences, no second mail */
    r = form("EVE@example.org", "distillation", T0 + 60, 0);
    CHECK_INT_EQ(r.sub_id, id);
    CHECK_INT_EQ(r.created, 0);
    CHECK_INT_EQ(r.queued, 0);
    CHECK_STR_EQ(get(id).keywords, "distillation");
    CHECK_INT_EQ(queued(id), 1);

    /* a link older than the pending period does not confirm */
    s = get(id);
    CHECK_INT_EQ(sub_confirm_fresh(&s, T0 - 1, &err), -1);
    CHECK_CONTAINS(err.msg, "older than the last change");
    CHECK_INT_EQ(sub_confirm_fresh(&s, T0, &err), 0);
    CHECK_INT_EQ(sub_confirm(db, id, T0 + 100, &err), 0);
    s = get(id);
    CHECK_INT_EQ(s.status, DB_SUB_CONFIRMED);
    CHECK_INT_EQ(s.confirmed_at, T0 + 100);
    CHECK_INT_EQ(sub_confirm(db, id, T0 + 200, &err), 0);
    CHECK_INT_EQ(get(id).confirmed_at, T0 + 100); /* the first time only */

    /* the form never changes a confirmed subscription */
    r = form("eve@example.org", "something else", T0 + 3 * DAY, 0);
    CHECK_INT_EQ(r.queued, 0);
    CHECK_INT_EQ(r.created, 0);
    s = get(id);
    CHECK_INT_EQ(s.status, DB_SUB_CONFIRMED);
    CHECK_STR_EQ(s.keywords, "distillation");

    /* preferences: given fields change, paused -1 leaves it */
    memset(&p, 0, sizeof(p));
    p.keywords = "speculative decoding";
    p.timezone = "Europe/Berlin";
    CHECK_INT_EQ(sub_set_prefs(db, id, &p, 1, T0 + 300, &err), 0);
    s = get(id);
    CHECK_STR_EQ(s.keywords, "speculative decoding");
    CHECK_STR_EQ(s.timezone, "Europe/Berlin");
    CHECK_INT_EQ(s.max_papers, 7);
    CHECK_INT_EQ(s.paused, 1);
    memset(&p, 0, sizeof(p));
    p.max_papers = 3;
    CHECK_INT_EQ(sub_set_prefs(db, id, &p, -1, T0 + 400, &err), 0);
    CHECK_INT_EQ(get(id).paused, 1);
    CHECK_INT_EQ(get(id).max_papers, 3);
    /* a refused value changes nothing, paused included */
    p.max_papers = 0;
    p.keywords = "line\nbreak";
    CHECK_INT_EQ(sub_set_prefs(db, id, &p, 0, T0 + 500, &err), -1);
    CHECK_CONTAINS(err.msg, "control characters");
    CHECK_INT_EQ(get(id).paused, 1);
    CHECK_STR_EQ(get(id).keywords, "speculative decoding");

    /* unsubscribing drops what is still to deliver, keeps what was sent */
    sql("UPDATE outbox SET state = 'sent' WHERE kind = 'confirm'");
    for (int i = 0; i < 2; i++) {
        char q[512];
        snprintf(q, sizeof(q),
                 "INSERT INTO outbox (kind, subscription_id, rcpt, "
                 "message_id, issued_at, state, created_at, "
                 "next_attempt_at) VALUES ('digest', %lld, "
                 "'eve@example.org', '<d%d@example.org>', 1, '%s', 1, 1)",
                 (long long)id, i, i ? "deferred" : "queued");
        sql(q);
    }
    CHECK_INT_EQ(queued(id), 2);
    CHECK_INT_EQ(sub_unsubscribe(db, id, T0 + 4 * DAY, &err), 0);
    s = get(id);
    CHECK_INT_EQ(s.status, DB_SUB_UNSUBSCRIBED);
    CHECK_INT_EQ(s.unsubscribed_at, T0 + 4 * DAY);
    CHECK_INT_EQ(queued(id), 0);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE subscription_id = "
                         "%lld AND state = 'sent'",
                         id),
                 1);
    /* an old confirmation link cannot bring it back */
    CHECK_INT_EQ(sub_confirm_fresh(&s, T0 + 4 * DAY, &err), -1);

    /* signing up again after leaving: pending again, a new mail */
    r = form("eve@example.org", "kv cache", T0 + 5 * DAY, 0);
    CHECK_INT_EQ(r.sub_id, id);
    CHECK_INT_EQ(r.queued, 1);
    s = get(id);
    CHECK_INT_EQ(s.status, DB_SUB_PENDING);
    CHECK_INT_EQ(s.pending_at, T0 + 5 * DAY);
    CHECK_INT_EQ(s.unsubscribed_at, 0);
    CHECK_STR_EQ(s.keywords, "kv cache");
    CHECK_INT_EQ(sub_confirm_fresh(&s, T0 + 5 * DAY - 1, &err), -1);
}

/* admin - an ADD or IMPORT sign-up */
static struct subs_result
admin(enum subs_origin origin, const char *email, const char *name,
      const char *kw, int status, int confirmed, int64_t now)
{
    struct subs_signup in;
    struct subs_result res;
    struct err err;

    err_init(&err);
    memset(&in, 0, sizeof(in));
    memset(&res, 0, sizeof(res));
    in.origin = origin;
    in.email = email;
    in.name = name;
    in.list_id = 1;
    in.prefs.keywords = kw;
    in.status = status;
    in.confirmed = confirmed;
    CHECK_INT_EQ(sub_signup(db, cfg, &in, now, &res, &err), 0);
    CHECK_INT_EQ(queued(res.sub_id), 0); /* no confirmation mail */
    return res;
}

static void
test_add(void)
{
    struct subs_result r;
    struct err err;
    int64_t id;

    err_init(&err);
    r = admin(SUBS_ADD, "ada@example.org", "Ada", NULL, -1, 0, T0);
    id = r.sub_id;
    CHECK_INT_EQ(r.created, 1);
    CHECK_INT_EQ(get(id).status, DB_SUB_PENDING);
    CHECK_INT_EQ(get(id).max_papers, cfg->max_papers); /* the default */
    CHECK_STR_EQ(get(id).name, "Ada");
    /* keywords and name change; --confirmed confirms */
    r = admin(SUBS_ADD, "ada@example.org", "Ada L.", "kv", -1, 1, T0 + 1);
    CHECK_INT_EQ(r.created, 0);
    CHECK_INT_EQ(r.changed, 1);
    CHECK_INT_EQ(r.prefs_changed, 1);
    CHECK_INT_EQ(get(id).status, DB_SUB_CONFIRMED);
    CHECK_STR_EQ(get(id).name, "Ada L.");
    CHECK_STR_EQ(get(id).keywords, "kv");
    /* the same again changes nothing; without --confirmed it stays */
    r = admin(SUBS_ADD, "ada@example.org", NULL, "kv", -1, 0, T0 + 2);
    CHECK_INT_EQ(r.created + r.changed + r.prefs_changed, 0);
    CHECK_INT_EQ(get(id).status, DB_SUB_CONFIRMED);
    /* adding one that left starts it again, pending */
    CHECK_INT_EQ(sub_unsubscribe(db, id, T0 + 3, &err), 0);
    r = admin(SUBS_ADD, "ada@example.org", NULL, NULL, -1, 0, T0 + 4);
    CHECK_INT_EQ(r.created, 1);
    CHECK_INT_EQ(get(id).status, DB_SUB_PENDING);
    /* ... or confirmed with --confirmed (not a new subscription then) */
    CHECK_INT_EQ(sub_unsubscribe(db, id, T0 + 5, &err), 0);
    r = admin(SUBS_ADD, "ada@example.org", NULL, NULL, -1, 1, T0 + 6);
    CHECK_INT_EQ(r.created, 0);
    CHECK_INT_EQ(r.changed, 1);
    CHECK_INT_EQ(get(id).status, DB_SUB_CONFIRMED);
}

static void
test_import(void)
{
    struct subs_result r;
    struct subs_signup in;
    struct err err;
    int64_t id, old;

    err_init(&err);
    /* a new row takes the file's status and created_at */
    memset(&in, 0, sizeof(in));
    in.origin = SUBS_IMPORT;
    in.email = "old@example.org";
    in.list_id = 1;
    in.status = DB_SUB_UNSUBSCRIBED;
    in.created_at = T0 - 100 * DAY;
    CHECK_INT_EQ(sub_signup(db, cfg, &in, T0, &r, &err), 0);
    old = r.sub_id;
    CHECK_INT_EQ(r.created, 1);
    CHECK_INT_EQ(get(old).status, DB_SUB_UNSUBSCRIBED);
    CHECK_INT_EQ(get(old).created_at, T0 - 100 * DAY);
    /* an import never revives it, even with --confirmed */
    r = admin(SUBS_IMPORT, "old@example.org", NULL, NULL, DB_SUB_CONFIRMED, 1,
              T0 + 1);
    CHECK_INT_EQ(r.created + r.changed, 0);
    CHECK_INT_EQ(get(old).status, DB_SUB_UNSUBSCRIBED);

    /* --confirmed makes a new pending row confirmed */
    r = admin(SUBS_IMPORT, "grace@example.org", "Grace", NULL, DB_SUB_PENDING,
              1, T0);
    id = r.sub_id;
    CHECK_INT_EQ(get(id).status, DB_SUB_CONFIRMED);
    /* never back to pending; an empty name leaves the name */
    r = admin(SUBS_IMPORT, "grace@example.org", "", NULL, DB_SUB_PENDING, 0,
              T0 + 1);
    CHECK_INT_EQ(r.changed, 0);
    CHECK_INT_EQ(get(id).status, DB_SUB_CONFIRMED);
    CHECK_STR_EQ(get(id).name, "Grace");

    /* a row that unsubscribes drops the queued mail, as the web does */
    sql("INSERT INTO outbox (kind, subscription_id, rcpt, message_id, "
        "issued_at, state, created_at, next_attempt_at) SELECT 'digest', "
        "s.id, 'grace@example.org', '<g@example.org>', 1, 'queued', 1, 1 "
        "FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id "
        "WHERE b.email = 'grace@example.org'");
    CHECK_INT_EQ(queued(id), 1);
    r = admin(SUBS_IMPORT, "grace@example.org", NULL, NULL, DB_SUB_UNSUBSCRIBED,
              0, T0 + 2);
    CHECK_INT_EQ(r.changed, 1);
    CHECK_INT_EQ(get(id).status, DB_SUB_UNSUBSCRIBED);
    CHECK_INT_EQ(queued(id), 0);
}

static void
test_all_or_nothing(void)
{
    struct subs_signup in;
    struct subs_result r;
    struct err err;
    long long before = one_int("SELECT count(*) FROM subscribers", 0);

    /* a list that does not exist: nothing of the sign-up is left */
    err_init(&err);
    memset(&in, 0, sizeof(in));
    in.origin = SUBS_FORM;
    in.email = "nolist@example.org";
    in.list_id = 9999;
    in.status = -1;
    CHECK_INT_EQ(sub_signup(db, cfg, &in, T0, &r, &err), -1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM subscribers", 0), before);
    CHECK_INT_EQ(db_in_txn(db), 0);

    /* in the caller's transaction: it stays open, and its rollback takes
     * the sign-up with it */
    in.list_id = 1;
    CHECK_INT_EQ(db_begin(db, &err), 0);
    CHECK_INT_EQ(sub_signup(db, cfg, &in, T0, &r, &err), 0);
    CHECK_INT_EQ(db_in_txn(db), 1);
    db_rollback(db);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM subscribers", 0), before);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM outbox WHERE rcpt = "
                         "'nolist@example.org' AND %lld",
                         1),
                 0);
}

/* erase_seed - subscriber 900 (erase@example.org) with two
 * subscriptions, a digest of two papers, a vote and an outbox row; and
 * subscriber 901 (keep@example.org) with one subscription of its own */
static void
erase_seed(void)
{
    sql("INSERT INTO lists (id, name, created_at) VALUES (900, 'erase-a', 0),"
        " (901, 'erase-b', 0);"
        "INSERT INTO subscribers (id, email, created_at) VALUES"
        " (900, 'erase@example.org', 0), (901, 'keep@example.org', 0);"
        "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
        " created_at, updated_at) VALUES (900, 900, 900, 'confirmed', 0, 0),"
        " (901, 900, 901, 'pending', 0, 0), (902, 901, 900, 'confirmed', 0, 0);"
        "INSERT INTO papers (id, arxiv_id, title, first_seen_at,"
        " first_seen_day, updated_at) VALUES (900, '2611.90000', 'a', 0,"
        " '2026-01-01', 0), (901, '2611.90001', 'b', 0, '2026-01-01', 0);"
        "INSERT INTO digests (id, subscription_id, day, created_at) VALUES"
        " (900, 900, '2026-01-01', 0);"
        "INSERT INTO digest_items (digest_id, rank, paper_id) VALUES"
        " (900, 1, 900), (900, 2, 901);"
        "INSERT INTO votes (subscription_id, paper_id, vote, source,"
        " created_at) VALUES (900, 900, 1, 'mail', 0), (902, 900, 1, 'cli', 0);"
        "INSERT INTO outbox (kind, subscription_id, digest_id, rcpt,"
        " message_id, issued_at, created_at, next_attempt_at) VALUES"
        " ('digest', 900, 900, 'erase@example.org', '<e900@x>', 0, 0, 0);");
}

/* subscriber_rows - rows of every table that belong to subscriber 900 */
static long long
subscriber_rows(void)
{
    return one_int(
        "SELECT (SELECT count(*) FROM subscribers WHERE id = %1$lld)"
        " + (SELECT count(*) FROM subscriptions WHERE"
        "    subscriber_id = %1$lld)"
        " + (SELECT count(*) FROM digests WHERE subscription_id"
        "    IN (900, 901))"
        " + (SELECT count(*) FROM digest_items WHERE digest_id = 900)"
        " + (SELECT count(*) FROM votes WHERE subscription_id"
        "    IN (900, 901))"
        " + (SELECT count(*) FROM outbox WHERE subscription_id"
        "    IN (900, 901))",
        900);
}

static void
test_erase(void)
{
    unsigned char h[DB_SUPPRESS_HASH];
    char why[DB_SUPPRESS_REASON_MAX];
    struct subs_erased res;
    struct token_key k;
    struct err err;

    token_key_from_string("erase-test-secret", &k);
    erase_seed();
    CHECK_INT_EQ(subscriber_rows(), 8);
    sql("DELETE FROM suppressions");

    /* nobody: nothing changes */
    err_init(&err);
    CHECK_INT_EQ(sub_erase(db, &k, "nobody@example.org", T0, &res, &err), 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM suppressions WHERE %lld", 1), 0);

    /* in the caller's transaction, rolled back: nothing happened */
    CHECK_INT_EQ(db_begin(db, &err), 0);
    CHECK_INT_EQ(sub_erase(db, &k, "erase@example.org", T0, &res, &err), 0);
    CHECK_INT_EQ(subscriber_rows(), 0);
    db_rollback(db);
    CHECK_INT_EQ(subscriber_rows(), 8);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM suppressions WHERE %lld", 1), 0);

    /* its own transaction; the address in another case is the same */
    memset(&res, 0, sizeof(res));
    CHECK_INT_EQ(sub_erase(db, &k, "ERASE@example.org", T0, &res, &err), 0);
    CHECK_INT_EQ(res.rows.subscriptions, 2);
    CHECK_INT_EQ(res.rows.digests, 1);
    CHECK_INT_EQ(res.rows.digest_items, 2);
    CHECK_INT_EQ(res.rows.votes, 1);
    CHECK_INT_EQ(res.rows.outbox, 1);
    CHECK_INT_EQ(res.suppressed, 1);
    CHECK_INT_EQ(subscriber_rows(), 0);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM suppressions WHERE %lld", 1), 1);
    db_suppress_hash(&k, "erase@example.org", h);
    CHECK_INT_EQ(db_suppress_get(db, h, why, &err), 0);
    CHECK_STR_EQ(why, "erased");
    /* the other subscriber and the shared papers stay */
    CHECK_INT_EQ(one_int("SELECT count(*) FROM subscriptions WHERE "
                         "subscriber_id = %lld",
                         901),
                 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM votes WHERE subscription_id = "
                         "%lld",
                         902),
                 1);
    CHECK_INT_EQ(one_int("SELECT count(*) FROM papers WHERE id >= %lld", 900),
                 2);
    /* again: nobody left */
    CHECK_INT_EQ(sub_erase(db, &k, "erase@example.org", T0, &res, &err), 1);

    /* an address suppressed already keeps its first reason */
    db_suppress_hash(&k, "keep@example.org", h);
    CHECK_INT_EQ(db_suppress_add(db, h, "hard_bounce", "5.1.1", T0, NULL, &err),
                 0);
    CHECK_INT_EQ(sub_erase(db, &k, "keep@example.org", T0, &res, &err), 0);
    CHECK_INT_EQ(res.suppressed, 0);
    CHECK_INT_EQ(db_suppress_get(db, h, why, &err), 0);
    CHECK_STR_EQ(why, "hard_bounce");
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
    test_check_email();
    test_check_fields();
    test_check_max_papers();
    test_check_list();
    test_form_confirm_unsubscribe();
    test_add();
    test_import();
    test_all_or_nothing();
    test_erase();
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
