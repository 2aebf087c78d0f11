/* SPDX-License-Identifier: MIT */
/*
 * test_send - the freeze pass (send_day) freezes exactly what
 * digest_freeze() freezes one subscription at a time, although it ranks
 * each distinct profile once: two databases seeded alike, one frozen by
 * send_day and one by digest_freeze per subscription, over two days (so
 * the second day has previous digests and papers already sent), must
 * hold the same digests row for row.  Readers share keywords with
 * different max_papers, categories, windows and votes; one has keywords that do
 * not parse and is skipped without losing the others; a rerun queues
 * nothing; the committed hook runs once per committed batch.  A shared
 * profile's papers are stored once (a digest set), and erasing its readers
 * one by one keeps the others' papers until the last takes the set.
 * A set whose only reader is erased between two chunks is not named in
 * the next one (its reader gets a set of its own, never another
 * profile's); a set made for a reader whose digest a concurrent freeze
 * wrote first is deleted again.
 *
 * Pipelined: with the delivery workers started first (DELIVER_FEEDING,
 * as `paperboy send` starts them), the first committed batch is
 * delivered (into a maildir) while a later batch is still to be frozen,
 * and in the end every digest is delivered exactly once.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "check.h"
#include "deliver.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "send.h"
#include "token.h"

#define DAY1 "2026-11-26"
#define DAY2 "2026-11-27"
#define T1 1795651200LL /* DAY1 00:00 UTC */
#define T2 1795737600LL /* DAY2 00:00 UTC */
#define NSUBS 60

static struct config *cfg;
static struct compose *comp;

/* sql - run SQL on d or abort */
static void
sql(struct db *d, const char *s)
{
    struct err err;

    err_init(&err);
    if (db_exec(d, s, &err) == -1) {
        fprintf(stderr, "sql failed: %s: %s\n", s, err.msg);
        exit(1);
    }
}

/* dump - every digest with its items, as one string (caller frees) */
static char *
dump(struct db *d)
{
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    const char *q =
        "SELECT group_concat(x, char(10)) FROM (SELECT d.subscription_id"
        " || ' ' || d.day || ' ' || d.created_at || ': ' || (SELECT"
        " group_concat(di.paper_id || '/' || printf('%.6f', di.score) || '/'"
        " || di.why, ' ; ') FROM (SELECT * FROM digest_items WHERE"
        " digest_id = d.id ORDER BY rank) di) AS x FROM digests d"
        " ORDER BY d.subscription_id, d.day)";

    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out ? out : strdup("");
}

/* seed - papers over two days, readers with shared and own profiles */
static void
seed(struct db *d)
{
    static const char *const kw[] = {"",
                                     "kv cache",
                                     "diffusion, -survey",
                                     "\"graph neural network\"",
                                     "quantization, kv cache",
                                     "nothing-matches-this",
                                     "kv cache"};
    static const char *const cats[] = {"cs.LG", "cs.CL", "cs.LG,cs.CL"};
    char q[768];

    for (int i = 1; i <= 80; i++) {
        long long seen = (i <= 40 ? T1 : T2) + i * 60;
        snprintf(q, sizeof(q),
                 "INSERT INTO papers (id, arxiv_id, title, abstract,"
                 " categories, first_seen_at, first_seen_day, updated_at,"
                 " hf_upvotes, hf_day) VALUES (%d, '2611.%05d',"
                 " 'Paper %d on %s', 'About %s and %s.', '%s', %lld, '%s',"
                 " %lld, %d, NULL)",
                 i, i, i, i % 2 ? "kv cache" : "diffusion",
                 i % 3 ? "quantization" : "graph neural network",
                 i % 5 ? "a survey" : "kv cache", cats[i % 3], seen,
                 i <= 40 ? DAY1 : DAY2, seen, (i * 37) % 90);
        sql(d, q);
        snprintf(q, sizeof(q),
                 "INSERT INTO paper_categories SELECT value, %d FROM"
                 " json_each('[\"' || replace('%s', ',', '\",\"') || '\"]')",
                 i, cats[i % 3]);
        sql(d, q);
    }
    for (int i = 1; i <= NSUBS; i++) {
        static const int maxp[] = {3, 10, 5, 20};
        snprintf(q, sizeof(q),
                 "INSERT INTO subscribers (id, email, created_at) VALUES"
                 " (%d, 'r%d@example.org', 0)",
                 i, i);
        sql(d, q);
        snprintf(q, sizeof(q),
                 "INSERT INTO subscriptions (id, subscriber_id, list_id,"
                 " status, keywords, categories, max_papers, created_at,"
                 " updated_at, confirmed_at) VALUES (%d, %d, 1, 'confirmed',"
                 " '%s', '%s', %d, 0, 0, 0)",
                 i, i, kw[i % 7], i % 11 == 0 ? "cs.CL" : "", maxp[i % 4]);
        sql(d, q);
    }
    /* keywords no parser accepts (a control character): skipped */
    sql(d, "UPDATE subscriptions SET keywords = 'kv' || char(1) WHERE id = 7");
    /* readers who voted: their votes steer their ranking */
    sql(d, "INSERT INTO votes (subscription_id, paper_id, vote, source,"
           " created_at) VALUES (2, 3, 1, 'mail', 1), (2, 8, -1, 'mail', 2),"
           " (13, 4, 1, 'cli', 1), (30, 6, -1, 'preferences', 1),"
           " (41, 12, 1, 'mail', 1)");
    /* a reader who joins on the second day has no previous digest */
    sql(d, "UPDATE subscriptions SET status = 'pending' WHERE id = 9");
}

/* on_commit - counts committed batches */
static void
on_commit(void *arg)
{
    (*(int *)arg)++;
}

/* run_pass - send_day for day at now */
static void
run_pass(struct db *d, const char *day, const char *now, struct send_counts *k,
         int *commits)
{
    struct send_filter f;
    struct err err;

    memset(&f, 0, sizeof(f));
    f.committed = on_commit;
    f.arg = commits;
    setenv("PAPERBOY_NOW", now, 1);
    err_init(&err);
    CHECK(send_day(d, cfg, comp, &f, day, atoll(now), k, &err) == 0);
}

/* run_single - digest_freeze for every confirmed subscription */
static void
run_single(struct db *d, const char *day, const char *now)
{
    struct err err;

    setenv("PAPERBOY_NOW", now, 1);
    for (int i = 1; i <= NSUBS; i++) {
        int64_t id = 0;
        char q[128];
        snprintf(q, sizeof(q),
                 "SELECT status = 'confirmed' FROM subscriptions WHERE id=%d",
                 i);
        sqlite3_stmt *st = NULL;
        int ok = 0;
        if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            ok = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        err_init(&err);
        if (ok && digest_freeze(d, cfg, i, day, &id, &err) == -1)
            CHECK(i == 7); /* the bad keywords, and only those */
    }
}

/* one - the first column of the first row of q on d (-1 if none) */
static long long
one(struct db *d, const char *q)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    if (sqlite3_prepare_v2(db_handle(d), q, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* test_shared_sets - the pass stores a shared profile's ranking once (a
 * digest set named by every digest of that profile); erasing one of its
 * readers leaves the others' papers, erasing the last takes the set */
static void
test_shared_sets(struct db *d)
{
    long long set, left, items, gone;
    char q[256];

    CHECK(one(d, "SELECT count(*) FROM digest_sets") > 0);
    CHECK(one(d, "SELECT count(*) FROM digest_sets") * 2 <
          one(d, "SELECT count(*) FROM digests"));
    CHECK_INT_EQ(one(d, "SELECT count(*) FROM digest_sets s WHERE NOT EXISTS"
                        " (SELECT 1 FROM digests WHERE set_id = s.id)"),
                 0);
    set = one(d, "SELECT set_id FROM digests GROUP BY set_id"
                 " HAVING count(*) >= 3 ORDER BY set_id LIMIT 1");
    CHECK(set > 0);
    /* the papers of the set's digests but the first one's */
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digest_items WHERE digest_id IN (SELECT id"
             " FROM digests WHERE set_id = %lld AND id > (SELECT min(id) FROM"
             " digests WHERE set_id = %lld))",
             set, set);
    items = one(d, q);
    CHECK(items > 0);
    snprintf(q, sizeof(q),
             "DELETE FROM subscribers WHERE id = (SELECT subscription_id FROM"
             " digests WHERE set_id = %lld ORDER BY id LIMIT 1)",
             set);
    sql(d, q);
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digest_items WHERE digest_id IN (SELECT id"
             " FROM digests WHERE set_id = %lld)",
             set);
    left = one(d, q);
    CHECK_INT_EQ(left, items);
    snprintf(q, sizeof(q),
             "DELETE FROM subscribers WHERE id IN (SELECT subscription_id"
             " FROM digests WHERE set_id = %lld)",
             set);
    sql(d, q);
    snprintf(q, sizeof(q),
             "SELECT (SELECT count(*) FROM digest_sets WHERE id = %lld) +"
             " (SELECT count(*) FROM digest_set_items WHERE set_id = %lld)",
             set, set);
    gone = one(d, q);
    CHECK_INT_EQ(gone, 0);
}

/* count_sent - outbox rows in 'sent' */
static long long
count_sent(struct db *d)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;

    if (sqlite3_prepare_v2(db_handle(d),
                           "SELECT count(*) FROM outbox WHERE state = 'sent'",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* count_files - entries of dir other than . and .. */
static long
count_files(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    long n = 0;

    if (dp == NULL)
        return 0;
    while ((e = readdir(dp)) != NULL)
        n += e->d_name[0] != '.';
    closedir(dp);
    return n;
}

/* The pipelined run's state, seen by its committed hook. */
struct pipe_state {
    struct db *db;
    struct deliver *d;
    int commits;
    long long sent_while_freezing; /* sent rows seen at the first commit */
};

/* pipe_committed - wake the workers; at the first commit, wait (up to
 * 10 s) until they delivered some of it, while the rest is not frozen */
static void
pipe_committed(void *arg)
{
    struct pipe_state *ps = arg;
    struct timespec nap = {0, 20 * 1000 * 1000};

    deliver_wake(ps->d);
    if (ps->commits++ > 0)
        return;
    for (int i = 0; i < 500 && ps->sent_while_freezing <= 0; i++) {
        nanosleep(&nap, NULL);
        ps->sent_while_freezing = count_sent(ps->db);
    }
}

/* test_pipelined - delivery starts on the first batch while freezing */
static void
test_pipelined(const struct token_key *key)
{
    char dir[] = "/tmp/pb-test-send.XXXXXX", path[256], cmd[300];
    struct config *c2 = config_defaults();
    struct pipe_state ps;
    struct send_filter f;
    struct send_counts k;
    struct deliver_stats st;
    struct err err;
    int nsubs = SEND_BATCH + 300;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/db", dir);
    free(c2->db_path);
    c2->db_path = strdup(path);
    free(c2->smtp_url);
    c2->smtp_url = strdup("");
    snprintf(path, sizeof(path), "%s/mail", dir);
    free(c2->maildir);
    c2->maildir = strdup(path);
    free(c2->base_url);
    c2->base_url = strdup("https://papers.example.org");
    c2->smtp_connections = 2;
    memset(&ps, 0, sizeof(ps));
    err_init(&err);
    CHECK(db_open(c2->db_path, 5000, &ps.db, &err) == 0);
    seed(ps.db);
    snprintf(cmd, sizeof(cmd),
             "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n"
             " WHERE i < %d) INSERT INTO subscribers (id, email, created_at)"
             " SELECT i, 'p' || i || '@example.org', 0 FROM n",
             NSUBS + 1, nsubs);
    sql(ps.db, cmd);
    sql(ps.db, "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
               " keywords, created_at, updated_at, confirmed_at) SELECT id,"
               " id, 1, 'confirmed', 'kv cache', 0, 0, 0 FROM subscribers"
               " WHERE id > 60");
    sql(ps.db, "UPDATE subscriptions SET keywords = 'diffusion' WHERE id = 7");
    CHECK(deliver_start(c2, key, DELIVER_FOREGROUND | DELIVER_FEEDING, &ps.d,
                        &err) == 0);
    memset(&f, 0, sizeof(f));
    f.committed = pipe_committed;
    f.arg = &ps;
    setenv("PAPERBOY_NOW", "1795770000", 1);
    CHECK(send_day(ps.db, c2, comp, &f, DAY2, 1795770000, &k, &err) == 0);
    CHECK(ps.commits >= 2);
    /* delivered while a batch was still to be frozen */
    CHECK(ps.sent_while_freezing > 0);
    CHECK(ps.sent_while_freezing < k.queued);
    deliver_fed(ps.d);
    for (int i = 0; i < 3000 && !deliver_done(ps.d); i++) {
        struct timespec nap = {0, 10 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    deliver_finish(ps.d, &st);
    CHECK_INT_EQ(st.delivered, k.queued);
    CHECK_INT_EQ(count_sent(ps.db), k.queued);
    snprintf(path, sizeof(path), "%s/mail/new", dir);
    CHECK_INT_EQ(count_files(path), k.queued);
    db_close(ps.db);
    config_free(c2);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* The erasing hook's state: at the first commit, the reader erased. */
struct erase_state {
    struct db *db;
    int commits;
    long long victim; /* subscribers.id */
};

/* erase_committed - between the pass's first and second chunk, erase
 * the victim (as /erase/TOKEN or `subscriber rm` would) */
static void
erase_committed(void *arg)
{
    struct erase_state *es = arg;
    char q[96];

    if (es->commits++ > 0)
        return;
    snprintf(q, sizeof(q), "DELETE FROM subscribers WHERE id = %lld",
             es->victim);
    sql(es->db, q);
}

/* test_set_erased_between_chunks - reader A alone uses profile P's set,
 * the highest set id, in the pass's first chunk, and erases their data
 * before the second: the set goes with A's digest.  In the second chunk
 * Q (a new profile) and then B (profile P again) must get sets of their
 * own: B's digest holds P's papers and "why" lines, never Q's, and the
 * pass does not fail on a set that is gone. */
static void
test_set_erased_between_chunks(void)
{
    struct erase_state es;
    struct send_filter f;
    struct send_counts k;
    struct err err;
    char q[512];
    long long a = SEND_BATCH, qq = SEND_BATCH + 1, b = SEND_BATCH + 2;

    memset(&es, 0, sizeof(es));
    memset(&k, 0, sizeof(k));
    err_init(&err);
    CHECK(db_open(":memory:", 1000, &es.db, &err) == 0);
    seed(es.db);
    sql(es.db, "DELETE FROM subscribers");
    snprintf(q, sizeof(q),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
             " WHERE i < %lld) INSERT INTO subscribers (id, email, created_at)"
             " SELECT i, 'e' || i || '@example.org', 0 FROM n",
             b);
    sql(es.db, q);
    sql(es.db, "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
               " keywords, max_papers, created_at, updated_at, confirmed_at)"
               " SELECT id, id, 1, 'confirmed', '', 10, 0, 0, 0"
               " FROM subscribers");
    snprintf(q, sizeof(q),
             "UPDATE subscriptions SET keywords = CASE id WHEN %lld THEN"
             " 'diffusion' ELSE 'kv cache' END WHERE id IN (%lld, %lld, %lld)",
             qq, a, qq, b);
    sql(es.db, q);
    es.victim = a;
    memset(&f, 0, sizeof(f));
    f.committed = erase_committed;
    f.arg = &es;
    setenv("PAPERBOY_NOW", "1795683600", 1);
    CHECK(send_day(es.db, cfg, comp, &f, DAY1, 1795683600, &k, &err) == 0);
    CHECK(es.commits >= 2);
    CHECK_INT_EQ(k.failed, 0);
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digest_items i JOIN digests d ON d.id ="
             " i.digest_id WHERE d.subscription_id = %lld",
             b);
    CHECK(one(es.db, q) > 0);
    /* every paper of B's is P's ("kv cache"), none is Q's */
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digest_items i JOIN digests d ON d.id ="
             " i.digest_id WHERE d.subscription_id = %lld AND (i.why NOT"
             " LIKE '%%kv cache%%' OR i.why LIKE '%%diffusion%%')",
             b);
    CHECK_INT_EQ(one(es.db, q), 0);
    snprintf(q, sizeof(q),
             "SELECT count(*) FROM digests x JOIN digests y ON x.set_id ="
             " y.set_id WHERE x.subscription_id = %lld AND"
             " y.subscription_id = %lld",
             b, qq);
    CHECK_INT_EQ(one(es.db, q), 0);
    db_close(es.db);
}

/* test_race_set_dropped - a concurrent freeze wrote this reader's digest
 * between the plan and the store: the set the store made for this reader
 * alone is deleted again (nothing of their ranking stays unnamed) */
static void
test_race_set_dropped(void)
{
    struct digest_pass *p = digest_pass_new();
    struct digest_profile *prof = NULL;
    struct db_digest_sub sub;
    struct db *d = NULL;
    struct err err;
    int64_t id = -1;

    err_init(&err);
    CHECK(db_open(":memory:", 1000, &d, &err) == 0);
    seed(d);
    setenv("PAPERBOY_NOW", "1795683600", 1);
    CHECK(db_digest_sub_load(d, 1, &sub, &err) == 0);
    digest_pass_chunk(p, 1);
    CHECK(digest_pass_plan(p, d, cfg, &sub, 0, NULL, 0, 0, DAY1, &prof, &err) ==
          0);
    /* the other process's freeze, committed first */
    sql(d, "INSERT INTO digests (subscription_id, day, created_at) VALUES"
           " (1, '" DAY1 "', 1795683000)");
    CHECK(db_begin(d, &err) == 0);
    CHECK(digest_pass_store(d, &sub, DAY1, prof, &id, &err) == 0);
    CHECK(db_commit(d, &err) == 0);
    CHECK(id > 0);
    CHECK_INT_EQ(one(d, "SELECT count(*) FROM digest_sets s WHERE NOT EXISTS"
                        " (SELECT 1 FROM digests WHERE set_id = s.id)"),
                 0);
    CHECK_INT_EQ(one(d, "SELECT count(*) FROM digest_set_items"), 0);
    /* a later store of the same profile makes a set again */
    sql(d, "DELETE FROM digests");
    CHECK(db_begin(d, &err) == 0);
    CHECK(digest_pass_store(d, &sub, DAY1, prof, &id, &err) == 0);
    CHECK(db_commit(d, &err) == 0);
    CHECK(one(d, "SELECT count(*) FROM digest_items") > 0);
    digest_pass_free(p);
    db_close(d);
}

int
main(void)
{
    struct db *a = NULL, *b = NULL;
    struct send_counts k;
    struct token_key key;
    struct err err;
    char *da, *dbb;
    int commits = 0;

    err_init(&err);
    cfg = config_defaults();
    free(cfg->base_url);
    cfg->base_url = strdup("https://papers.example.org");
    token_key_from_string("send", &key);
    if (db_open(":memory:", 1000, &a, &err) == -1 ||
        db_open(":memory:", 1000, &b, &err) == -1 ||
        compose_new(cfg, &key, &comp, &err) == -1) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }
    seed(a);
    seed(b);

    run_pass(a, DAY1, "1795683600", &k, &commits);
    CHECK_INT_EQ(k.failed, 1);
    CHECK_INT_EQ(k.considered, NSUBS - 1);
    CHECK_INT_EQ(k.queued + k.empty, NSUBS - 2);
    CHECK(commits >= 1);
    run_single(b, DAY1, "1795683600");

    sql(a, "UPDATE subscriptions SET status = 'confirmed' WHERE id = 9");
    sql(b, "UPDATE subscriptions SET status = 'confirmed' WHERE id = 9");
    run_pass(a, DAY2, "1795770000", &k, &commits);
    CHECK_INT_EQ(k.failed, 1);
    run_single(b, DAY2, "1795770000");

    da = dump(a);
    dbb = dump(b);
    CHECK(strlen(da) > 1000);
    CHECK_STR_EQ(da, dbb);
    free(da);
    free(dbb);

    /* a rerun freezes and queues nothing new */
    run_pass(a, DAY2, "1795770100", &k, &commits);
    CHECK_INT_EQ(k.queued, 0);
    CHECK_INT_EQ(k.already + k.empty + k.failed, NSUBS);

    test_shared_sets(a);
    test_pipelined(&key);
    test_set_erased_between_chunks();
    test_race_set_dropped();

    compose_free(comp);
    db_close(a);
    db_close(b);
    config_free(cfg);
    return CHECK_DONE();
}
