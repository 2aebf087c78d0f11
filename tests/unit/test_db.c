/* SPDX-License-Identifier: MIT */
/*
 * test_db - migrations (applied on :memory:, user_version, newer database
 * refused, re-open a no-op, trending seeded, file mode 0600) and the
 * list/subscriber queries of db_list and db_sub against the real schema;
 * the sign-up writer's WAL watch and checkpoint (db_web).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "buf.h"
#include "db.h"
#include "db_digest.h"
#include "db_list.h"
#include "db_sub.h"
#include "db_web.h"

/* user_version - PRAGMA user_version of an open db */
static int
user_version(struct db *db)
{
    sqlite3_stmt *st;
    int v = -1;

    if (sqlite3_prepare_v2(db_handle(db), "PRAGMA user_version", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* count - the single integer a query returns */
static long long
count(struct db *db, const char *sql)
{
    sqlite3_stmt *st;
    long long n = -1;

    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void
test_memory(void)
{
    struct db *db = NULL;
    struct db_list l;
    struct err err;

    err_init(&err);
    CHECK_INT_EQ(db_open(":memory:", 1000, &db, &err), 0);
    if (db == NULL)
        return;
    CHECK(db_schema_version() >= 1);
    CHECK_INT_EQ(user_version(db), db_schema_version());
    CHECK_INT_EQ(db_list_get(db, "trending", &l, &err), 0);
    CHECK_STR_EQ(l.categories, "cs.LG,cs.CL,cs.CV,cs.AI");
    CHECK_INT_EQ(l.include_hf, 1);
    CHECK_STR_EQ(l.title, "Trending papers");
    CHECK_INT_EQ(count(db, "PRAGMA foreign_keys"), 1);
    db_close(db);
}

static void
test_file(const char *dir)
{
    char path[512];
    struct db *db = NULL;
    struct stat st;
    struct err err;

    /* nested directories are created 0700, the file 0600 */
    snprintf(path, sizeof(path), "%s/a/b/paperboy.db", dir);
    err_init(&err);
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL) {
        fprintf(stderr, "open: %s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(stat(path, &st), 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0600);
    snprintf(path, sizeof(path), "%s/a/b", dir);
    CHECK_INT_EQ(stat(path, &st), 0);
    CHECK_INT_EQ(st.st_mode & 0777, 0700);
    CHECK_INT_EQ(db_exec(db,
                         "INSERT INTO lists (name, created_at) "
                         "VALUES ('extra', 1)",
                         &err),
                 0);
    db_close(db);

    /* re-open: nothing re-applied, nothing re-seeded, data kept */
    snprintf(path, sizeof(path), "%s/a/b/paperboy.db", dir);
    db = NULL;
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL)
        return;
    CHECK_INT_EQ(user_version(db), db_schema_version());
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM lists"), 2);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM lists WHERE name = "
                           "'trending'"),
                 1);
    /* pretend a newer paperboy migrated it */
    {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
                 db_schema_version() + 1);
        CHECK_INT_EQ(db_exec(db, sql, &err), 0);
    }
    db_close(db);
    db = NULL;
    err_init(&err);
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), -1);
    CHECK(db == NULL);
    CHECK_CONTAINS(err.msg, "newer than this paperboy understands");
    CHECK_CONTAINS(err.msg, path);
    CHECK_INT_EQ(err.kind, ERR_PERM);
    db_close(db);
}

static void
test_list_rules(void)
{
    static const struct {
        const char *name;
        int ok;
    } names[] = {
        {"trending", 1},
        {"a", 1},
        {"0day", 1},
        {"nlp_daily", 1},
        {"ml-news", 1},
        {"", 0},
        {"Trending", 0},
        {"-x", 0},
        {"_x", 0},
        {"a b", 0},
        {"a.b", 0},
        {"x'; DROP TABLE lists;--", 0},
        {"ümlaut", 0},
        {"a\n", 0},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         1}, /* 64 */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         0}, /* 65 */
    };
    static const struct {
        const char *cats;
        int ok;
    } cats[] = {
        {"", 1},
        {"cs.LG", 1},
        {"cs.LG,cs.CL", 1},
        {"stat.ML,q-bio.QM,hep-ex,astro-ph.CO,cond-mat.mes-hall", 1},
        {"math", 1},
        {"cs.LG,", 0},
        {",cs.LG", 0},
        {"cs.LG,,cs.CL", 0},
        {"cs.LG, cs.CL", 0},
        {"cs..LG", 0},
        {"CS.LG", 0},
        {"cs.", 0},
        {"cs.LG.x", 0},
        {"1cs.LG", 0},
        {"cs.LG,cs.LG", 0},
        {"hep-", 0},
        {"cs.LG;DROP", 0},
    };
    struct err err;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int rc = db_list_check_name(names[i].name, &err);
        if ((rc == 0) != names[i].ok)
            fprintf(stderr, "list name case %zu '%s'\n", i, names[i].name);
        CHECK_INT_EQ(rc == 0, names[i].ok);
    }
    for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++) {
        int rc = db_list_check_categories(cats[i].cats, &err);
        if ((rc == 0) != cats[i].ok)
            fprintf(stderr, "categories case %zu '%s'\n", i, cats[i].cats);
        CHECK_INT_EQ(rc == 0, cats[i].ok);
    }
    CHECK_INT_EQ(db_list_check_categories("cs.LG,cs.LG", &err), -1);
    CHECK_CONTAINS(err.msg, "given twice");
    /* a subscription's filter: only the list's own categories */
    {
        struct db_list l;
        struct err serr;
        memset(&l, 0, sizeof(l));
        snprintf(l.name, sizeof(l.name), "ml");
        snprintf(l.categories, sizeof(l.categories), "cs.LG,cs.CL,q-bio.QM");
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "", &serr), 0);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "cs.CL", &serr), 0);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "q-bio.QM,cs.LG", &serr),
                     0);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "math.AG", &serr), -1);
        CHECK_CONTAINS(serr.msg, "'math.AG' is not a category of the list");
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "cs.LG,cs.L", &serr), -1);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "cs", &serr), -1);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "cs.LG,cs.LG", &serr),
                     -1);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "cs.LG,", &serr), -1);
        l.categories[0] = '\0';
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "cs.LG", &serr), -1);
        CHECK_INT_EQ(db_list_check_sub_categories(&l, "", &serr), 0);
    }
    CHECK_INT_EQ(db_list_check_categories("cs.LG, cs.CL", &err), -1);
    CHECK_CONTAINS(err.msg, "is not an arXiv category");
}

/* each_collect - db_sub_each callback appending "email/list/status;" */
static int
each_collect(const struct db_subscription *s, void *arg, struct err *err)
{
    struct buf *b = arg;
    (void)err;
    buf_addf(b, "%s/%s/%s;", s->email, s->list_name,
             db_sub_status_name(s->status));
    return 0;
}

static void
test_lists_and_subs(void)
{
    struct db *db = NULL;
    struct db_list l, got;
    struct db_subscription s;
    struct db_subscriber who;
    struct db_sub_prefs prefs = {0};
    struct db_sub_filter f = {NULL, NULL, -1};
    int64_t list_id, ada, ada2, sub, sub2, counts[DB_SUB_NSTATUS];
    int created = -1;
    struct err err;
    struct buf b;

    err_init(&err);
    if (db_open(":memory:", 1000, &db, &err) == -1)
        return;
    memset(&l, 0, sizeof(l));
    snprintf(l.name, sizeof(l.name), "nlp");
    snprintf(l.title, sizeof(l.title), "NLP");
    snprintf(l.categories, sizeof(l.categories), "cs.CL");
    CHECK_INT_EQ(db_list_create(db, &l, 1000, &list_id, &err), 0);
    CHECK_INT_EQ(db_list_create(db, &l, 1000, NULL, &err), -1);
    CHECK_CONTAINS(err.msg, "list 'nlp' already exists");
    snprintf(l.name, sizeof(l.name), "Bad");
    CHECK_INT_EQ(db_list_create(db, &l, 1000, NULL, &err), -1);
    CHECK_INT_EQ(db_list_get(db, "missing", &got, &err), 1);
    CHECK_INT_EQ(db_list_get_id(db, list_id, &got, &err), 0);
    CHECK_STR_EQ(got.name, "nlp");
    CHECK_INT_EQ(got.created_at, 1000);

    /* one subscriber whatever the case of the address */
    CHECK_INT_EQ(db_sub_find_or_create(db, "Ada@Example.ORG", "Ada", 2000, &ada,
                                       &created, &err),
                 0);
    CHECK_INT_EQ(created, 1);
    CHECK_INT_EQ(db_sub_find_or_create(db, "ada@example.org", NULL, 2001, &ada2,
                                       &created, &err),
                 0);
    CHECK_INT_EQ(created, 0);
    CHECK_INT_EQ(ada, ada2);
    CHECK_INT_EQ(db_sub_find(db, "ADA@EXAMPLE.ORG", &who, &err), 0);
    CHECK_STR_EQ(who.email, "Ada@example.org");
    CHECK_STR_EQ(who.name, "Ada");
    CHECK_INT_EQ(db_sub_find(db, "nobody@example.org", &who, &err), 1);
    /* an invalid address is refused before anything is written */
    CHECK_INT_EQ(
        db_sub_find_or_create(db, "no at sign", NULL, 1, &ada2, NULL, &err),
        -1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM subscribers"), 1);
    /* a quote in the address is data, not SQL */
    CHECK_INT_EQ(db_sub_find_or_create(db, "o'brien@example.org", NULL, 1,
                                       &ada2, NULL, &err),
                 0);
    CHECK_INT_EQ(db_sub_find(db, "O'Brien@example.org", &who, &err), 0);

    /* subscriptions */
    prefs.keywords = "KV cache, distillation";
    prefs.max_papers = 5;
    CHECK_INT_EQ(
        db_sub_subscribe(db, ada, list_id, &prefs, 3000, &sub, &created, &err),
        0);
    CHECK_INT_EQ(created, 1);
    CHECK_INT_EQ(
        db_sub_subscribe(db, ada, list_id, NULL, 3001, &sub2, &created, &err),
        0);
    CHECK_INT_EQ(created, 0);
    CHECK_INT_EQ(sub, sub2);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_STR_EQ(s.email, "Ada@example.org");
    CHECK_STR_EQ(s.list_name, "nlp");
    CHECK_STR_EQ(s.keywords, "KV cache, distillation");
    CHECK_INT_EQ(s.max_papers, 5);
    CHECK_INT_EQ(s.status, DB_SUB_PENDING);
    CHECK_INT_EQ(s.created_at, 3000);
    CHECK_INT_EQ(s.confirmed_at, 0);
    CHECK_INT_EQ(db_sub_get(db, 99999, &s, &err), 1);
    CHECK_INT_EQ(db_sub_get_by_email(db, "ada@EXAMPLE.org", "nlp", &s, &err),
                 0);
    CHECK_INT_EQ(s.id, sub);

    /* bad preferences are refused and change nothing */
    prefs.keywords = "line\nbreak";
    CHECK_INT_EQ(db_sub_update_prefs(db, sub, &prefs, 4000, &err), -1);
    CHECK_CONTAINS(err.msg, "control characters");
    prefs.keywords = NULL;
    prefs.max_papers = 51;
    CHECK_INT_EQ(db_sub_update_prefs(db, sub, &prefs, 4000, &err), -1);
    prefs.max_papers = 0;
    prefs.timezone = "Mars/Olympus";
    CHECK_INT_EQ(db_sub_update_prefs(db, sub, &prefs, 4000, &err), -1);
    CHECK_CONTAINS(err.msg, "not a known time zone");
    prefs.timezone = "../../etc/passwd";
    CHECK_INT_EQ(db_sub_update_prefs(db, sub, &prefs, 4000, &err), -1);
    prefs.timezone = "Europe/Berlin";
    prefs.categories = "cs.CL,cs.LG";
    CHECK_INT_EQ(db_sub_update_prefs(db, sub, &prefs, 4000, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_STR_EQ(s.keywords, "KV cache, distillation");
    CHECK_STR_EQ(s.timezone, "Europe/Berlin");
    CHECK_STR_EQ(s.categories, "cs.CL,cs.LG");
    CHECK_INT_EQ(s.max_papers, 5);
    CHECK_INT_EQ(s.updated_at, 4000);
    /* the same values again: no change, updated_at kept */
    CHECK_INT_EQ(db_sub_update_prefs(db, sub, &prefs, 4500, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.updated_at, 4000);
    CHECK_INT_EQ(db_sub_update_prefs(db, 99999, &prefs, 4500, &err), -1);
    {
        char big[600];
        memset(big, 'k', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        CHECK_INT_EQ(db_sub_check_keywords(big, &err), -1);
        CHECK_CONTAINS(err.msg, "longer than 500");
        big[500] = '\0';
        CHECK_INT_EQ(db_sub_check_keywords(big, &err), 0);
    }

    /* status changes stamp their timestamps */
    CHECK_INT_EQ(db_sub_set_status(db, sub, DB_SUB_CONFIRMED, 5000, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.status, DB_SUB_CONFIRMED);
    CHECK_INT_EQ(s.confirmed_at, 5000);
    CHECK_INT_EQ(db_sub_set_status(db, sub, DB_SUB_CONFIRMED, 5100, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.confirmed_at, 5000); /* unchanged: already confirmed */
    CHECK_INT_EQ(db_sub_set_paused(db, sub, 1, 5200, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.paused, 1);
    CHECK_INT_EQ(s.updated_at, 5200);
    CHECK_INT_EQ(db_sub_set_status(db, sub, DB_SUB_UNSUBSCRIBED, 6000, &err),
                 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.unsubscribed_at, 6000);
    CHECK_INT_EQ(db_sub_set_status(db, sub, DB_SUB_PENDING, 7000, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.unsubscribed_at, 0);
    CHECK_INT_EQ(s.status, DB_SUB_PENDING);
    CHECK_INT_EQ(db_sub_set_status(db, 99999, DB_SUB_PENDING, 7000, &err), -1);
    CHECK_CONTAINS(err.msg, "no subscription");
    CHECK_INT_EQ(db_sub_set_confirm_sent(db, sub, 7100, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 0);
    CHECK_INT_EQ(s.confirm_sent_at, 7100);

    /* listing with filters, counts */
    CHECK_INT_EQ(db_sub_subscribe(db, ada, 1, NULL, 8000, &sub2, NULL, &err),
                 0);
    CHECK_INT_EQ(db_sub_set_status(db, sub2, DB_SUB_CONFIRMED, 8000, &err), 0);
    buf_init(&b, BUF_UNLIMITED);
    CHECK_INT_EQ(db_sub_each(db, &f, each_collect, &b, &err), 0);
    CHECK_STR_EQ(buf_str(&b), "Ada@example.org/nlp/pending;"
                              "Ada@example.org/trending/confirmed;");
    buf_reset(&b);
    f.status = DB_SUB_CONFIRMED;
    CHECK_INT_EQ(db_sub_each(db, &f, each_collect, &b, &err), 0);
    CHECK_STR_EQ(buf_str(&b), "Ada@example.org/trending/confirmed;");
    buf_reset(&b);
    f.status = -1;
    f.list_name = "nlp";
    f.email = "ADA@example.org";
    CHECK_INT_EQ(db_sub_each(db, &f, each_collect, &b, &err), 0);
    CHECK_STR_EQ(buf_str(&b), "Ada@example.org/nlp/pending;");
    buf_release(&b);
    CHECK_INT_EQ(db_sub_count_by_status(db, 0, counts, &err), 0);
    CHECK_INT_EQ(counts[DB_SUB_PENDING], 1);
    CHECK_INT_EQ(counts[DB_SUB_CONFIRMED], 1);
    CHECK_INT_EQ(db_sub_count_by_status(db, list_id, counts, &err), 0);
    CHECK_INT_EQ(counts[DB_SUB_CONFIRMED], 0);

    /* deleting a list cascades to its subscriptions */
    CHECK_INT_EQ(db_list_delete(db, list_id, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub, &s, &err), 1);
    CHECK_INT_EQ(db_sub_get(db, sub2, &s, &err), 0);
    CHECK_INT_EQ(db_sub_delete_subscriber(db, ada, &err), 0);
    CHECK_INT_EQ(db_sub_get(db, sub2, &s, &err), 1);

    /* status names round-trip */
    for (int i = 0; i < DB_SUB_NSTATUS; i++) {
        enum db_sub_status st;
        CHECK_INT_EQ(
            db_sub_status_parse(db_sub_status_name((enum db_sub_status)i), &st),
            0);
        CHECK_INT_EQ(st, i);
    }
    {
        enum db_sub_status st;
        CHECK_INT_EQ(db_sub_status_parse("Confirmed", &st), -1);
    }
    db_close(db);
}

/* wal_state - PRAGMA wal_checkpoint(PASSIVE) on another connection:
 * *log frames in the WAL, *done of them checkpointed */
static void
wal_state(const char *path, int *log, int *done)
{
    sqlite3 *c = NULL;
    sqlite3_stmt *st = NULL;

    *log = *done = -1;
    if (sqlite3_open(path, &c) == SQLITE_OK &&
        sqlite3_prepare_v2(c, "PRAGMA wal_checkpoint(PASSIVE)", -1, &st,
                           NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *log = sqlite3_column_int(st, 1);
        *done = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    sqlite3_close(c);
}

/* test_wal_watch - the sign-up writer's connection: no checkpoint inside
 * its commits, the WAL size reported after each, and db_web_checkpoint
 * copies the WAL back from a second connection */
static void
test_wal_watch(const char *dir)
{
    char path[512];
    struct db *w = NULL, *ck = NULL;
    struct err err;
    _Atomic int frames = -1;
    int prev = 0, grew = 1;

    snprintf(path, sizeof(path), "%s/wal.db", dir);
    err_init(&err);
    CHECK(db_open(path, 1000, &w, &err) == 0);
    CHECK(db_open(path, 1000, &ck, &err) == 0);
    if (w == NULL || ck == NULL) {
        db_close(w);
        db_close(ck);
        return;
    }
    db_web_wal_watch(w, &frames);
    CHECK(db_exec(w, "CREATE TABLE t (v TEXT)", &err) == 0);
    /* 1500 commits of a 4 KB row: far past SQLite's 1000-page
     * autocheckpoint, which must not run inside these commits */
    for (int i = 0; i < 1500; i++) {
        CHECK(db_exec(w, "INSERT INTO t VALUES (zeroblob(4000))", &err) == 0);
        if (atomic_load(&frames) <= prev)
            grew = 0;
        prev = atomic_load(&frames);
    }
    CHECK(grew);
    CHECK(prev >= 1500);
    CHECK(db_web_checkpoint(ck, &err) == 0);
    {
        int log, done;
        wal_state(path, &log, &done);
        CHECK_INT_EQ(log, prev);
        CHECK_INT_EQ(done, prev); /* all of it copied back */
    }
    /* the next commit starts the WAL over */
    CHECK(db_exec(w, "INSERT INTO t VALUES ('x')", &err) == 0);
    CHECK(atomic_load(&frames) < 10);
    db_close(ck);
    db_close(w);
}

/* A new database gets 8 KiB pages; one made with 4 KiB pages (by an
 * earlier paperboy) keeps them and opens as before. */
static void
test_page_size(const char *dir)
{
    char path[512];
    struct db *db = NULL;
    struct err err;
    sqlite3 *raw = NULL;

    snprintf(path, sizeof(path), "%s/new.db", dir);
    err_init(&err);
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL)
        return;
    CHECK_INT_EQ(count(db, "PRAGMA page_size"), 8192);
    db_close(db);

    snprintf(path, sizeof(path), "%s/old.db", dir);
    CHECK_INT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
    CHECK_INT_EQ(sqlite3_exec(raw,
                              "PRAGMA page_size = 4096;"
                              "PRAGMA journal_mode = WAL;"
                              "CREATE TABLE keep (x); INSERT INTO keep "
                              "VALUES (42);",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(raw);
    db = NULL;
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL)
        return;
    CHECK_INT_EQ(count(db, "PRAGMA page_size"), 4096);
    CHECK_INT_EQ(count(db, "SELECT x FROM keep"), 42);
    CHECK_INT_EQ(user_version(db), db_schema_version());
    db_close(db);
}

/* apply_sql_file - run schema/NAME (the test runs in the source dir) */
static int
apply_sql_file(sqlite3 *raw, const char *name)
{
    char path[256], *sql = NULL;
    FILE *f;
    long n;
    int rc = -1;

    snprintf(path, sizeof(path), "schema/%s", name);
    if ((f = fopen(path, "rb")) == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (sql = calloc(1, (size_t)n + 1)) &&
        fread(sql, 1, (size_t)n, f) == (size_t)n)
        rc = sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    free(sql);
    fclose(f);
    return rc;
}

/* Migration 009 on a database made by the schema before it: rows, child
 * rows and ids kept (no cascade from rebuilding the parents), created_at
 * no later than any token already issued, pending_at set, and from then
 * on a deleted id is never given out again. */
static void
test_migrate_009(const char *dir)
{
    static const char *const before[] = {
        "001_init.sql", "002_paper_categories_index.sql",
        "004_outbox_retry.sql", "008_digest_items_clustered.sql"};
    char path[512];
    struct db *db = NULL;
    struct err err;
    sqlite3 *raw = NULL;
    int64_t id = 0;

    snprintf(path, sizeof(path), "%s/v8.db", dir);
    CHECK_INT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
    for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
        CHECK_INT_EQ(apply_sql_file(raw, before[i]), 0);
    CHECK_INT_EQ(
        sqlite3_exec(
            raw,
            "PRAGMA user_version = 8;"
            "INSERT INTO subscribers (id, email, created_at) VALUES "
            " (1, 'a@example.org', 100), (2, 'b@example.org', 100);"
            "INSERT INTO subscriptions (id, subscriber_id, list_id, status, "
            " created_at, updated_at) VALUES (1, 1, 1, 'confirmed', 500, 500),"
            " (2, 2, 1, 'pending', 700, 700);"
            "INSERT INTO papers (id, arxiv_id, title, first_seen_at, "
            " first_seen_day, updated_at) VALUES (1, '2611.1', 't', 1, "
            " '2026-11-01', 1);"
            "INSERT INTO digests (id, subscription_id, day, created_at) "
            " VALUES (7, 1, '2026-11-01', 600);"
            "INSERT INTO digest_items (digest_id, rank, paper_id) VALUES "
            " (7, 1, 1);"
            "INSERT INTO outbox (kind, subscription_id, digest_id, rcpt, "
            " message_id, issued_at, created_at, next_attempt_at) VALUES "
            " ('confirm', 1, NULL, 'a@example.org', 'm1', 450, 450, 450),"
            " ('digest', 1, 7, 'a@example.org', 'm2', 590, 590, 590),"
            " ('confirm', 2, NULL, 'b@example.org', 'm3', 700, 700, 700);",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);

    err_init(&err);
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL) {
        fprintf(stderr, "migrate: %s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(user_version(db), db_schema_version());
    CHECK_INT_EQ(count(db, "PRAGMA foreign_keys"), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM subscriptions"), 2);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digests WHERE id = 7"), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_items"), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM outbox"), 3);
    /* the confirmation was issued at 450, before the row's 500 */
    CHECK_INT_EQ(count(db, "SELECT created_at FROM subscriptions WHERE id=1"),
                 450);
    CHECK_INT_EQ(count(db, "SELECT pending_at FROM subscriptions WHERE id=1"),
                 450);
    CHECK_INT_EQ(count(db, "SELECT created_at FROM subscriptions WHERE id=2"),
                 700);
    CHECK_INT_EQ(count(db, "SELECT created_at FROM digests WHERE id = 7"), 590);
    /* ids are not reused any more: delete the newest row, add one */
    CHECK_INT_EQ(db_sub_delete(db, 2, &err), 0);
    CHECK_INT_EQ(db_sub_subscribe(db, 2, 1, NULL, 900, &id, NULL, &err), 0);
    CHECK(id == 3);
    CHECK_INT_EQ(db_exec(db, "DELETE FROM digests WHERE id = 7", &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_items"), 0);
    CHECK_INT_EQ(db_exec(db,
                         "INSERT INTO digests (subscription_id, day, "
                         "created_at) VALUES (1, '2026-11-02', 950)",
                         &err),
                 0);
    CHECK(db_last_id(db) == 8);
    db_close(db);
}

/* Migration 070 on a database of schema 050 with digest_items rows: the
 * rows read the same through the digest_items view (gaps in rank kept),
 * every digest has a set of its own, the cascades from papers and from
 * subscribers still reach the items (and take the set along), and an
 * INSERT into digest_items by hand still works or is refused as before. */
static void
test_migrate_070(const char *dir)
{
    static const char *const before[] = {"001_init.sql",
                                         "002_paper_categories_index.sql",
                                         "004_outbox_retry.sql",
                                         "008_digest_items_clustered.sql",
                                         "009_ids_never_reused.sql",
                                         "010_outbox_state_check.sql",
                                         "020_outbox_digest_index.sql",
                                         "030_votes.sql",
                                         "040_bounces.sql",
                                         "050_manage_mail.sql"};
    static const char rows[] =
        "SELECT group_concat(digest_id || '/' || rank || '/' || paper_id"
        " || '/' || score || '/' || why, ' ') FROM (SELECT * FROM"
        " digest_items ORDER BY digest_id, rank)";
    char path[512];
    struct db *db = NULL;
    struct err err;
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;

    snprintf(path, sizeof(path), "%s/v50.db", dir);
    CHECK_INT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
    for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
        CHECK_INT_EQ(apply_sql_file(raw, before[i]), 0);
    CHECK_INT_EQ(
        sqlite3_exec(
            raw,
            "PRAGMA user_version = 50;"
            "INSERT INTO subscribers (id, email, created_at) VALUES "
            " (1, 'a@example.org', 100), (2, 'b@example.org', 100);"
            "INSERT INTO subscriptions (id, subscriber_id, list_id, status, "
            " created_at, updated_at) VALUES (1, 1, 1, 'confirmed', 500, 500),"
            " (2, 2, 1, 'confirmed', 500, 500);"
            "INSERT INTO papers (id, arxiv_id, title, first_seen_at, "
            " first_seen_day, updated_at) VALUES (1, '2611.1', 't', 1, "
            " '2026-11-01', 1), (2, '2611.2', 'u', 1, '2026-11-01', 1),"
            " (3, '2611.3', 'v', 1, '2026-11-01', 1);"
            "INSERT INTO digests (id, subscription_id, day, created_at) "
            " VALUES (7, 1, '2026-11-01', 600), (8, 2, '2026-11-01', 600),"
            " (9, 2, '2026-11-02', 700);"
            "INSERT INTO digest_items (digest_id, rank, paper_id, score, why)"
            " VALUES (7, 1, 2, 0.5, 'w1'), (7, 3, 3, 0.25, 'w3'),"
            " (8, 1, 1, 1.5, 'x'), (8, 2, 2, 1, 'y');",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);

    err_init(&err);
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL) {
        fprintf(stderr, "migrate: %s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(user_version(db), db_schema_version());
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    CHECK_INT_EQ(sqlite3_prepare_v2(db_handle(db), rows, -1, &st, NULL),
                 SQLITE_OK);
    CHECK_INT_EQ(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR_EQ((const char *)sqlite3_column_text(st, 0),
                 "7/1/2/0.5/w1 7/3/3/0.25/w3 8/1/1/1.5/x 8/2/2/1.0/y");
    sqlite3_finalize(st);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_sets"), 2);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digests WHERE set_id IS NULL"),
                 1);
    /* ON DELETE CASCADE from papers */
    CHECK_INT_EQ(db_exec(db, "DELETE FROM papers WHERE id = 2", &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_items"), 2);
    /* by hand: a digest's first row makes its set; no digest, no row */
    CHECK_INT_EQ(db_exec(db,
                         "INSERT INTO digest_items (digest_id, rank, paper_id)"
                         " VALUES (9, 1, 3), (9, 2, 1)",
                         &err),
                 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_items WHERE "
                           "digest_id = 9 AND why = ''"),
                 2);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_sets"), 3);
    CHECK_INT_EQ(db_exec(db,
                         "INSERT INTO digest_items (digest_id, rank, paper_id)"
                         " VALUES (99, 1, 3)",
                         &err),
                 -1);
    /* erasing a subscriber takes its digests' sets and items along */
    CHECK_INT_EQ(db_exec(db, "DELETE FROM subscribers WHERE id = 2", &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_sets"), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_set_items"), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_items"), 1);
    db_close(db);
}

/* Migration 080 on a database of schema 070 with sets 3, 5 and 9: every
 * id, row, trigger and index is kept, the foreign keys still cascade, and
 * the id of a deleted set (9, the highest) is never given out again. */
static void
test_migrate_080(const char *dir)
{
    static const char *const before[] = {"001_init.sql",
                                         "002_paper_categories_index.sql",
                                         "004_outbox_retry.sql",
                                         "008_digest_items_clustered.sql",
                                         "009_ids_never_reused.sql",
                                         "010_outbox_state_check.sql",
                                         "020_outbox_digest_index.sql",
                                         "030_votes.sql",
                                         "040_bounces.sql",
                                         "050_manage_mail.sql",
                                         "060_cadence.sql",
                                         "070_digest_sets.sql"};
    static const char rows[] =
        "SELECT group_concat(digest_id || '/' || rank || '/' || paper_id"
        " || '/' || why, ' ') FROM (SELECT * FROM digest_items"
        " ORDER BY digest_id, rank)";
    char path[512];
    struct db *db = NULL;
    struct err err;
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;

    snprintf(path, sizeof(path), "%s/v70.db", dir);
    CHECK_INT_EQ(sqlite3_open(path, &raw), SQLITE_OK);
    for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++)
        CHECK_INT_EQ(apply_sql_file(raw, before[i]), 0);
    CHECK_INT_EQ(
        sqlite3_exec(
            raw,
            "PRAGMA user_version = 70;"
            "INSERT INTO subscribers (id, email, created_at) VALUES "
            " (1, 'a@example.org', 100), (2, 'b@example.org', 100);"
            "INSERT INTO subscriptions (id, subscriber_id, list_id, status, "
            " created_at, updated_at) VALUES (1, 1, 1, 'confirmed', 500, 500),"
            " (2, 2, 1, 'confirmed', 500, 500);"
            "INSERT INTO papers (id, arxiv_id, title, first_seen_at, "
            " first_seen_day, updated_at) VALUES (1, '2611.1', 't', 1, "
            " '2026-11-01', 1), (2, '2611.2', 'u', 1, '2026-11-01', 1);"
            "INSERT INTO digest_sets (id) VALUES (3), (5), (9);"
            "INSERT INTO digest_set_items (set_id, rank, paper_id, why) VALUES"
            " (3, 1, 1, 'a'), (3, 2, 2, 'b'), (5, 1, 2, 'c'), (9, 1, 1, 'd');"
            "INSERT INTO digests (id, subscription_id, day, created_at, "
            " set_id, items) VALUES (7, 1, '2026-11-01', 600, 3, 2),"
            " (8, 2, '2026-11-01', 600, 3, 1), (10, 1, '2026-11-02', 700, 5,"
            " 1), (11, 2, '2026-11-02', 700, 9, 1);",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(raw);

    err_init(&err);
    CHECK_INT_EQ(db_open(path, 1000, &db, &err), 0);
    if (db == NULL) {
        fprintf(stderr, "migrate: %s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(user_version(db), db_schema_version());
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name ="
                           " 'digest_sets' AND sql LIKE '%AUTOINCREMENT%'"),
                 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name IN"
                           " ('digests_set_gc', 'digest_items_insert',"
                           " 'digests_set', 'digest_items')"),
                 4);
    /* 090 dropped it: it served only the cascade from papers */
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name ="
                           " 'digest_set_items_paper'"),
                 0);
    CHECK_INT_EQ(count(db, "SELECT group_concat(id, '') FROM (SELECT id FROM"
                           " digest_sets ORDER BY id)"),
                 359);
    CHECK_INT_EQ(count(db, "SELECT seq FROM sqlite_sequence WHERE name ="
                           " 'digest_sets'"),
                 9);
    CHECK_INT_EQ(sqlite3_prepare_v2(db_handle(db), rows, -1, &st, NULL),
                 SQLITE_OK);
    CHECK_INT_EQ(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR_EQ((const char *)sqlite3_column_text(st, 0),
                 "7/1/1/a 7/2/2/b 8/1/1/a 10/1/2/c 11/1/1/d");
    sqlite3_finalize(st);
    /* the last digest naming set 9 goes, and the set with it */
    CHECK_INT_EQ(db_exec(db, "DELETE FROM digests WHERE id = 11", &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_sets WHERE id = 9"), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_set_items WHERE"
                           " set_id = 9"),
                 0);
    /* its id is not given to the next set */
    CHECK_INT_EQ(db_exec(db, "INSERT INTO digest_sets DEFAULT VALUES", &err),
                 0);
    CHECK_INT_EQ(count(db, "SELECT max(id) FROM digest_sets"), 10);
    /* a set's items still cascade from it and from papers; a digest
     * naming no set is refused */
    CHECK_INT_EQ(db_exec(db, "DELETE FROM papers WHERE id = 2", &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_set_items"), 1);
    CHECK_INT_EQ(db_exec(db,
                         "INSERT INTO digests (subscription_id, day,"
                         " created_at, set_id, items) VALUES (1,"
                         " '2026-11-03', 800, 9, 1)",
                         &err),
                 -1);
    /* by hand: a digest's first row makes its set, with a new id */
    CHECK_INT_EQ(db_exec(db,
                         "INSERT INTO digests (id, subscription_id, day,"
                         " created_at) VALUES (12, 2, '2026-11-03', 800);"
                         "INSERT INTO digest_items (digest_id, rank,"
                         " paper_id) VALUES (12, 1, 1)",
                         &err),
                 0);
    CHECK_INT_EQ(count(db, "SELECT set_id FROM digests WHERE id = 12"), 11);
    CHECK_INT_EQ(db_exec(db, "DELETE FROM subscribers", &err), 0);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_sets"), 1);
    CHECK_INT_EQ(count(db, "SELECT count(*) FROM digest_set_items"), 0);
    db_close(db);
}

/* test_paper_cb - db_digest_paper callback: count calls */
static int
test_paper_cb(void *arg, const struct db_digest_paper *p)
{
    (void)p;
    (*(int *)arg)++;
    return 0;
}

/* test_not_found - every store lookup says "no such row" the same way:
 * 1, out untouched (docs/ARCHITECTURE.md) */
static void
test_not_found(void)
{
    struct db *db = NULL;
    struct err err;
    struct db_digest_sub ds;
    struct db_digest_row row;
    struct db_subscription s;
    struct db_list l;
    int64_t id = -7, t = -7;
    int calls = 0;

    err_init(&err);
    CHECK_INT_EQ(db_open(":memory:", 1000, &db, &err), 0);
    ds.id = -7;
    row.id = -7;
    s.id = -7;
    l.id = -7;
    CHECK_INT_EQ(db_digest_sub_load(db, 99, &ds, &err), 1);
    CHECK_CONTAINS(err.msg, "no subscription with id 99");
    CHECK_INT_EQ(ds.id, -7);
    CHECK_INT_EQ(db_digest_sub_find(db, "x@example.org", NULL, &id, &err), 1);
    CHECK_INT_EQ(db_digest_find(db, 99, "2026-01-02", &id, &err), 1);
    CHECK_INT_EQ(db_digest_prev(db, 99, "2026-01-02", &t, &err), 1);
    CHECK_INT_EQ(id, -7);
    CHECK_INT_EQ(t, -7);
    CHECK_INT_EQ(db_digest_get(db, 99, &row, &err), 1);
    CHECK_INT_EQ(row.id, -7);
    CHECK_INT_EQ(db_digest_paper(db, 99, test_paper_cb, &calls, &err), 1);
    CHECK_INT_EQ(calls, 0);
    CHECK_INT_EQ(db_sub_get(db, 99, &s, &err), 1);
    CHECK_INT_EQ(s.id, -7);
    CHECK_INT_EQ(db_list_get_id(db, 99, &l, &err), 1);
    CHECK_INT_EQ(l.id, -7);
    db_close(db);
}

int
main(void)
{
    char dir[] = "/tmp/paperboy-test-db.XXXXXX";
    char cmd[128];

    test_memory();
    if (mkdtemp(dir) != NULL) {
        test_file(dir);
        test_wal_watch(dir);
        test_page_size(dir);
        test_migrate_009(dir);
        test_migrate_070(dir);
        test_migrate_080(dir);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    } else {
        CHECK(0);
    }
    test_list_rules();
    test_lists_and_subs();
    test_not_found();
    return CHECK_DONE();
}
