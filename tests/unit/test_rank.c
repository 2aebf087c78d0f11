/* SPDX-License-Identifier: MIT */
/*
 * test_rank - scoring (a pure function), candidate selection and
 * digest_freeze() against the real schema in :memory:, and rank_search().
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "query.h"
#include "rank.h"
#include "rank_index.h"
#include "rank_papers.h"

#define D0 1795737600 /* 2026-11-27 00:00 UTC */
#define DAY "2026-11-27"
#define DAY2 "2026-11-28"

/* A scoring case: candidates in, ids out in order. */
struct score_case {
    const char *name;
    int by_relevance;
    double w;
    struct rank_cand in[5];
    size_t n;
    int64_t order[5];
};

static const struct score_case score_cases[] = {
    {"relevance first when w = 0",
     1,
     0,
     {{1, 100, 500, 1.0, 0, 0, 0},
      {2, 100, 0, 3.0, 0, 0, 0},
      {3, 100, 0, 2.0, 0, 0, 0}},
     3,
     {2, 3, 1}},
    {"upvotes lift a weaker match",
     1,
     0.5,
     {{1, 100, 500, 1.0, 0, 0, 0},
      {2, 100, 0, 3.0, 0, 0, 0},
      {3, 100, 0, 2.0, 0, 0, 0}},
     3,
     {1, 2, 3}},
    {"ties: upvotes, then recency, then id",
     1,
     0,
     {{5, 100, 1, 1.0, 0, 0, 0},
      {4, 200, 1, 1.0, 0, 0, 0},
      {3, 200, 2, 1.0, 0, 0, 0},
      {2, 200, 1, 1.0, 0, 0, 0}},
     4,
     {3, 2, 4, 5}},
    {"trending: upvotes only",
     0,
     0,
     {{1, 100, 3, 9.0, 0, 0, 0},
      {2, 100, 7, 0.1, 0, 0, 0},
      {3, 300, 7, 0, 0, 0, 0}},
     3,
     {3, 2, 1}},
};

static void
test_score(void)
{
    for (size_t i = 0; i < sizeof(score_cases) / sizeof(score_cases[0]); i++) {
        struct rank_cand c[5];
        const struct score_case *sc = &score_cases[i];
        memcpy(c, sc->in, sizeof(c));
        rank_score(c, sc->n, sc->by_relevance, sc->w);
        for (size_t k = 0; k < sc->n; k++) {
            if (c[k].id != sc->order[k])
                fprintf(stderr, "case '%s' position %zu\n", sc->name, k);
            CHECK_INT_EQ(c[k].id, sc->order[k]);
        }
    }
    /* normalised: the best match with no upvotes scores exactly 1 */
    {
        struct rank_cand c[2] = {{1, 0, 0, 4.0, 0, 0, 0},
                                 {2, 0, 0, 2.0, 0, 0, 0}};
        rank_score(c, 2, 1, 0.05);
        CHECK(c[0].score > 0.999 && c[0].score < 1.001);
        CHECK(c[1].score > 0.499 && c[1].score < 0.501);
    }
    rank_score(NULL, 0, 1, 0.1); /* nothing to do, no crash */
    /* rank_top: the first k equal a full sort's first k */
    {
        struct rank_cand a[500], b[500];
        unsigned seed = 7;
        for (int i = 0; i < 500; i++) {
            memset(&a[i], 0, sizeof(a[i]));
            seed = seed * 1103515245u + 12345u;
            a[i].id = i + 1;
            a[i].upvotes = (int)((seed >> 16) % 50);
            a[i].bm25 = (double)((seed >> 8) % 7);
            a[i].first_seen_at = (seed >> 4) % 3;
        }
        for (int by = 0; by < 2; by++) {
            memcpy(b, a, sizeof(a));
            rank_score(b, 500, by, 0.05);
            for (size_t k = 1; k <= 50; k += 7) {
                struct rank_cand t[500];
                memcpy(t, a, sizeof(a));
                rank_top(t, 500, by, 0.05, k);
                for (size_t i = 0; i < k; i++)
                    CHECK_INT_EQ(t[i].id, b[i].id);
            }
        }
    }
}

/* exec - run SQL or fail the test */
static void
exec(struct db *db, const char *sql)
{
    struct err err;

    err_init(&err);
    if (db_exec(db, sql, &err) == -1)
        fprintf(stderr, "%s: %s\n", sql, err.msg);
    CHECK(err.kind == ERR_NONE);
}

/* add_paper - a paper with categories, seen at t */
static void
add_paper(struct db *db, int id, const char *title, const char *abstract,
          const char *cats, int64_t t, int upvotes, const char *hf_day,
          const char *announce)
{
    sqlite3_stmt *st = NULL;
    char day[11];
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(day, sizeof(day), "%Y-%m-%d", &tm);
    CHECK(sqlite3_prepare_v2(
              db_handle(db),
              "INSERT INTO papers (id, arxiv_id, title, abstract, categories,"
              " first_seen_at, first_seen_day, updated_at, hf_upvotes, hf_day,"
              " announce_type, authors)"
              " VALUES (?1, printf('2611.%05d', ?1), ?2, ?3, ?4, ?5, ?6, ?5,"
              " ?7, ?8, ?9, '[\"A. Author\"]')",
              -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, abstract, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, cats, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, t);
    sqlite3_bind_text(st, 6, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, upvotes);
    if (hf_day)
        sqlite3_bind_text(st, 8, hf_day, -1, SQLITE_STATIC);
    if (announce)
        sqlite3_bind_text(st, 9, announce, -1, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    /* paper_categories from the comma list */
    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "INSERT INTO paper_categories (category, paper_id)"
                             " SELECT value, ?1 FROM json_each('[\"' ||"
                             " replace(?2, ',', '\",\"') || '\"]')",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_text(st, 2, cats, -1, SQLITE_STATIC);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
}

/* add_sub - subscriber + confirmed subscription to list 2 */
static void
add_sub(struct db *db, int id, const char *keywords, const char *cats,
        int max_papers)
{
    sqlite3_stmt *st = NULL;

    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "INSERT INTO subscribers (id, email, created_at)"
                             " VALUES (?1, printf('s%d@example.org', ?1), 0);"
                             "",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
    CHECK(sqlite3_prepare_v2(
              db_handle(db),
              "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
              " keywords, categories, max_papers, created_at, updated_at)"
              " VALUES (?1, ?1, 2, 'confirmed', ?2, ?3, ?4, 0, 0)",
              -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int(st, 1, id);
    sqlite3_bind_text(st, 2, keywords, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, cats, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, max_papers);
    CHECK(sqlite3_step(st) == SQLITE_DONE);
    sqlite3_finalize(st);
}

/* items - "id:why|id:why" of a digest, in rank order */
static void
items(struct db *db, int64_t digest_id, struct buf *out)
{
    sqlite3_stmt *st = NULL;

    buf_reset(out);
    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "SELECT paper_id, why FROM digest_items WHERE "
                             "digest_id = ?1 ORDER BY rank",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_int64(st, 1, digest_id);
    while (sqlite3_step(st) == SQLITE_ROW)
        buf_addf(out, "%s%d:%s", out->len ? "|" : "", sqlite3_column_int(st, 0),
                 (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
}

/* count - one integer from SQL */
static long
count(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long n = -1;

    if (sqlite3_prepare_v2(db_handle(db), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void
test_freeze(void)
{
    struct config *cfg = config_defaults();
    struct db *db = NULL;
    struct err err;
    struct buf b;
    struct digest_batch *bt = NULL;
    int64_t id = -1, id2 = -1;

    err_init(&err);
    buf_init(&b, 65536);
    CHECK(db_open(":memory:", 1000, &db, &err) == 0);
    exec(db, "INSERT INTO lists (id, name, title, categories, include_hf,"
             " created_at) VALUES (2, 'ml', 'ML daily', 'cs.LG,cs.CL', 1, 0)");
    add_paper(db, 1, "KV cache compression for long context",
              "We compress the key value cache.", "cs.LG", D0 + 3600, 5, NULL,
              "new");
    add_paper(db, 2, "Distilling language models",
              "Knowledge distillation for small models.", "cs.CL,cs.LG",
              D0 + 3600, 50, NULL, "new");
    add_paper(db, 3, "Image segmentation with KV cache", "A vision paper.",
              "cs.CV", D0 + 3600, 0, NULL, "new");
    add_paper(db, 4, "A trending vision model", "Everyone upvoted this.",
              "cs.CV", D0 + 3600, 90, DAY, NULL);
    add_paper(db, 5, "Old KV cache paper", "Seen a week ago.", "cs.LG",
              D0 - 6 * 86400, 0, NULL, "new");
    add_paper(db, 6, "Reinforcement learning with a kv cache",
              "Policy optimisation.", "cs.LG", D0 + 3600, 7, NULL, "new");
    add_paper(db, 7, "KV cache revisited (v2)", "A replacement.", "cs.LG",
              D0 + 3600, 0, NULL, "replace");
    add_sub(db, 1, "kv cache, distillation, -reinforcement", "", 10);
    add_sub(db, 2, "", "", 10);
    add_sub(db, 3, "quantum chromodynamics", "", 10);
    add_sub(db, 4, "kv cache, distillation", "cs.CL", 10);
    add_sub(db, 5, "", "", 1);
    add_sub(db, 6, "-vision", "", 10);

    setenv("PAPERBOY_NOW", "1795759200", 1); /* DAY 06:00 */
    CHECK(digest_freeze(db, cfg, 1, DAY, &id, &err) == 0);
    CHECK(id > 0);
    items(db, id, &b);
    /* 3 (not in list), 5 (too old), 6 (excluded), 7 (replacement) are out */
    /* both match one term about equally well: upvotes decide */
    CHECK_STR_EQ(buf_str(&b), "2:matched: distillation \xc2\xb7 50 upvotes|"
                              "1:matched: kv cache \xc2\xb7 5 upvotes");
    CHECK(count(db, "SELECT last_digest_day = '" DAY
                    "' FROM subscriptions WHERE id = 1") == 1);
    /* idempotent */
    CHECK(digest_freeze(db, cfg, 1, DAY, &id2, &err) == 0);
    CHECK_INT_EQ(id2, id);
    CHECK(count(db, "SELECT count(*) FROM digests WHERE subscription_id = 1") ==
          1);

    /* no keywords: trending order over the list (HF paper 4 included);
     * subscriptions 2, 4, 5, 6 go through one batch */
    bt = digest_batch_new();
    CHECK(digest_freeze_batch(bt, db, cfg, 2, DAY, &id, &err) == 0);
    items(db, id, &b);
    CHECK_STR_EQ(buf_str(&b), "4:trending \xc2\xb7 90 upvotes|"
                              "2:trending \xc2\xb7 50 upvotes|"
                              "6:trending \xc2\xb7 7 upvotes|"
                              "1:trending \xc2\xb7 5 upvotes");

    /* nothing matches: skip by default */
    CHECK(digest_freeze(db, cfg, 3, DAY, &id, &err) == 0);
    CHECK_INT_EQ(id, 0);
    CHECK(count(db, "SELECT count(*) FROM digests WHERE subscription_id = 3") ==
          0);
    /* ... or the trending top when configured */
    cfg->when_empty = CONFIG_EMPTY_TRENDING;
    CHECK(digest_freeze(db, cfg, 3, DAY, &id, &err) == 0);
    CHECK(id > 0);
    items(db, id, &b);
    CHECK(strncmp(buf_str(&b), "4:trending", 10) == 0);
    cfg->when_empty = CONFIG_EMPTY_SKIP;

    /* the subscription's own categories */
    CHECK(digest_freeze_batch(bt, db, cfg, 4, DAY, &id, &err) == 0);
    items(db, id, &b);
    CHECK_STR_EQ(buf_str(&b), "2:matched: distillation \xc2\xb7 50 upvotes");

    /* max_papers */
    CHECK(digest_freeze_batch(bt, db, cfg, 5, DAY, &id, &err) == 0);
    items(db, id, &b);
    CHECK_STR_EQ(buf_str(&b), "4:trending \xc2\xb7 90 upvotes");

    /* exclusions alone filter the trending order */
    CHECK(digest_freeze_batch(bt, db, cfg, 6, DAY, &id, &err) == 0);
    items(db, id, &b);
    CHECK(strstr(buf_str(&b), "4:") == NULL);
    CHECK(strncmp(buf_str(&b), "2:trending", 10) == 0);

    /* the next day: only what is new, never a paper sent before */
    add_paper(db, 8, "KV cache eviction", "Evicting keys.", "cs.LG",
              D0 + 86400 + 3600, 3, NULL, "new");
    setenv("PAPERBOY_NOW", "1795845600", 1); /* DAY2 06:00 */
    /* a new day: the batch reloads the list's papers */
    CHECK(digest_freeze_batch(bt, db, cfg, 1, DAY2, &id, &err) == 0);
    items(db, id, &b);
    CHECK_STR_EQ(buf_str(&b), "8:matched: kv cache \xc2\xb7 3 upvotes");
    CHECK(count(db, "SELECT last_digest_day = '" DAY2
                    "' FROM subscriptions WHERE id = 1") == 1);
    /* a paper that arrives later on DAY2 still makes the next digest */
    add_paper(db, 9, "Late KV cache paper", "Later that day.", "cs.LG",
              D0 + 86400 + 7 * 3600, 0, NULL, "new");
    setenv("PAPERBOY_NOW", "1795932000", 1); /* day 3, 06:00 */
    CHECK(digest_freeze(db, cfg, 1, "2026-11-29", &id, &err) == 0);
    items(db, id, &b);
    CHECK_STR_EQ(buf_str(&b), "9:matched: kv cache");

    /* errors: bad day, unknown subscription; nothing written */
    CHECK(digest_freeze(db, cfg, 1, "2026-13-45", &id, &err) == -1);
    CHECK(digest_freeze(db, cfg, 1, "yesterday", &id, &err) == -1);
    CHECK(digest_freeze(db, cfg, 999, DAY, &id, &err) == -1);
    CHECK_CONTAINS(err.msg, "no subscription");
    CHECK(
        count(db, "SELECT count(*) FROM digests WHERE subscription_id = 999") ==
        0);

    /* inside the caller's transaction, rolled back: nothing remains */
    CHECK(db_begin(db, &err) == 0);
    CHECK(digest_freeze(db, cfg, 2, DAY2, &id, &err) == 0);
    db_rollback(db);
    CHECK(count(db, "SELECT count(*) FROM digests WHERE subscription_id = 2"
                    " AND day = '" DAY2 "'") == 0);

    /* rank_search: every paper, ranked, with the matched terms */
    {
        struct rank_hit *h = NULL;
        size_t n = 0;
        CHECK(rank_search(db, cfg, "kv cache, -reinforcement", 3, &h, &n,
                          &err) == 0);
        CHECK_INT_EQ(n, 3);
        for (size_t i = 0; i < n; i++) {
            CHECK_STR_EQ(h[i].matched, "kv cache");
            CHECK(h[i].paper_id != 6);
            CHECK(strncmp(h[i].arxiv_id, "2611.", 5) == 0);
            CHECK(h[i].title != NULL && strstr(h[i].title, "KV") != NULL);
            if (i > 0)
                CHECK(h[i - 1].score >= h[i].score);
        }
        rank_hits_free(h, n);
        CHECK(rank_search(db, cfg, "no such words anywhere", 10, &h, &n,
                          &err) == 0);
        CHECK_INT_EQ(n, 0);
        CHECK(h == NULL);
        CHECK(rank_search(db, cfg, "kv\ncache", 10, &h, &n, &err) == -1);
        CHECK(rank_search(db, cfg, "***", 10, &h, &n, &err) == -1);
        CHECK(rank_search(db, cfg, "NEAR(kv cache)", 10, &h, &n, &err) == 0);
        rank_hits_free(h, n);
    }
    digest_batch_free(bt);
    digest_batch_free(NULL);
    buf_release(&b);
    db_close(db);
    config_free(cfg);
}

/* rank_with - ids of the papers texts[0..n) (id i + 1) ranked for kw,
 * into order, with once_weight once and ql_weight ql (< 0: the
 * defaults) and the votes
 * v[0..nv) (ids as above); returns how many were ranked */
static size_t
rank_with(const char *const (*texts)[2], size_t n, const char *kw, double once,
          double ql, const struct rank_vote *v, size_t nv, int64_t *order)
{
    struct rank_index *ix = NULL;
    struct rank_cand c[16];
    struct query q;
    struct err err;
    size_t k = n;

    err_init(&err);
    CHECK(rank_index_new(NULL, 3, &ix, &err) == 0);
    CHECK(query_parse(kw, &q, &err) == 0);
    memset(c, 0, sizeof(c));
    for (size_t i = 0; i < n; i++) {
        rank_index_add(ix, (int64_t)i + 1, texts[i][0], texts[i][1]);
        c[i].id = (int64_t)i + 1;
        c[i].first_seen_at = D0 + (int64_t)i; /* ties: the later first */
    }
    if (once >= 0)
        rank_index_params(ix)->once_weight = once;
    if (ql >= 0)
        rank_index_params(ix)->ql_weight = ql;
    {
        struct rank_profile *p = rank_profile_new(ix, v, nv);
        rank_index_score_reader(ix, &q, p, c, &k);
        rank_profile_free(p);
    }
    rank_score(c, k, 1, 0);
    for (size_t i = 0; i < k; i++)
        order[i] = c[i].id;
    query_release(&q);
    rank_index_free(ix);
    return k;
}

/* rank_exact - rank_with() with the defaults and no votes */
static size_t
rank_exact(const char *const (*texts)[2], size_t n, const char *kw,
           int64_t *order)
{
    return rank_with(texts, n, kw, -1, -1, NULL, 0, order);
}

/* test_passing_mention - a typed word a paper names once, in passing in
 * its abstract, scores a tenth: the paper that discusses both words ranks
 * first; the paper still matches, and alone it still ranks */
static void
test_passing_mention(void)
{
    static const char *const texts[][2] = {
        {"Robot arms",
         "An arm follows spoken instructions, with some grounding."},
        {"Words and actions",
         "A robot learns grounding of words; the robot tests its grounding."},
        {"Grounding", "Grounding of words in images."},
        {"Grounding", "Grounding of words in sounds."},
        {"Grounding", "Grounding of words in maps."},
        {"Grounding", "Grounding of words in tables."},
        {"Parsing", "Parsing of sentences."},
        {"Tagging", "Tagging of words."},
        {"Speech", "Hearing sounds."},
        {"Maps", "Reading maps."},
    };
    int64_t order[16];
    size_t n;

    /* 1 holds "robot", rarer, in its title and names grounding in
     * passing; 2 holds both words twice in its abstract */
    n = rank_exact(texts, 10, "robot grounding", order);
    CHECK_INT_EQ(n, 6); /* and the four that say "grounding" only */
    CHECK_INT_EQ(order[0], 2);
    /* the rule is what does it: every mention in full puts 1 first */
    CHECK_INT_EQ(rank_with(texts, 10, "robot grounding", 1, -1, NULL, 0, order),
                 6);
    CHECK_INT_EQ(order[0], 1);
    /* a passing mention is still a match, and alone it still ranks */
    CHECK_INT_EQ(rank_exact(texts, 10, "grounding", order), 6);
    CHECK_INT_EQ(rank_exact(texts, 10, "spoken", order), 1);
    CHECK_INT_EQ(order[0], 1);
}

/* test_soft_order - words typed without quotes are a soft query: the
 * words as the typed phrase first, then all of them near each other, then
 * all of them apart, then most of them; a paper holding one common word
 * of the query many times ranks below one holding the rare ones */
static void
test_soft_order(void)
{
    static const char *const texts[][2] = {
        {"Sparse routing", "A sparse routing scheme for experts; the "
                           "routing is learned and the routing is sparse."},
        {"Alpha", "We study sparse expert routing in large models."},
        {"Beta", "Routing of tokens. Many other words come between them "
                 "here, far more than a few, before the experts appear, and "
                 "sparse ones at that."},
        {"Gamma", "Sparse experts without any router."},
        {"Delta", "Experts everywhere: experts, experts and experts."},
        {"Epsilon", "Models of language."},
        {"Zeta", "Models of vision."},
        {"Eta", "Models of speech."},
        {"Theta", "Experts and models."},
        {"Iota", "Experts of vision."},
    };
    int64_t order[16];

    CHECK_INT_EQ(rank_exact(texts, 10, "sparse routing experts", order), 7);
    CHECK_INT_EQ(order[0], 1); /* "sparse routing" as typed, and experts */
    CHECK_INT_EQ(order[1], 2); /* all three within a few words */
    CHECK_INT_EQ(order[2], 3); /* all three, far apart */
    CHECK_INT_EQ(order[3], 4); /* two of three, the rarer ones */
    /* "experts" four times (5), or once (9, 10): one common word, below
     * every paper with a rare one, the most mentions first */
    CHECK_INT_EQ(order[4], 5);
    CHECK((order[5] == 9 && order[6] == 10) ||
          (order[5] == 10 && order[6] == 9));
}

/* test_exact_form - a paper writing a typed word as typed ranks above one
 * writing another word of the same stem ("adaptive" / "adaptation"), and
 * plurals and British spelling still count as the typed form */
static void
test_exact_form(void)
{
    static const char *const stem_only[][2] = {
        {"Adaptive layers", "We study adaptive depth for inference."},
        {"Domain adaptation", "We study domain adaptation for inference."},
    };
    static const char *const plural[][2] = {
        {"Graph networks", "Many networks over graphs for molecules."},
        {"Graph network", "A network over graphs for molecules."},
    };
    int64_t order[8];

    /* paper 2 wins a tie (more recent): only the typed form puts 1 first */
    CHECK_INT_EQ(rank_exact(stem_only, 2, "adaptive", order), 2);
    CHECK_INT_EQ(order[0], 1);
    CHECK_INT_EQ(rank_exact(stem_only, 2, "adaptation", order), 2);
    CHECK_INT_EQ(order[0], 2);
    /* "networks" typed: no form is preferred over the other (a tie, so
     * the more recent paper 2 first) */
    CHECK_INT_EQ(rank_exact(plural, 2, "graph networks", order), 2);
    CHECK_INT_EQ(order[0], 2);
}

/* agree_near and agree_once for rank_liked_kw (< 0: the default), and
 * how many of the first papers the reader liked (1 or 2) */
static double liked_near = -1, liked_once = -1;
static size_t liked_n = 1;
static double liked_title = 3; /* [digest] title_weight */

/* rank_liked_kw - ids of texts[0..n) (id i + 1) ranked by a reader with
 * keywords kw who liked paper 1 (and 2, see liked_n), with ql_weight ql, ql_mu
 * mu, vague_share vague and agree_floor agree (< 0: the default) and
 * liked_near, into order; returns how many */
static size_t
rank_liked_kw(const char *const (*texts)[2], size_t n, const char *kw,
              double ql, double mu, double vague, double agree, int64_t *order)
{
    struct rank_index *ix = NULL;
    struct rank_vote v[2] = {{1, 1, texts[0][0], texts[0][1]},
                             {2, 1, texts[1][0], texts[1][1]}};
    struct rank_profile *p;
    struct rank_cand c[16];
    struct query q;
    struct err err;
    size_t k = n;

    err_init(&err);
    CHECK(rank_index_new(NULL, liked_title, &ix, &err) == 0);
    CHECK(query_parse(kw, &q, &err) == 0);
    memset(c, 0, sizeof(c));
    for (size_t i = 0; i < n; i++) {
        rank_index_add(ix, (int64_t)i + 1, texts[i][0], texts[i][1]);
        c[i].id = (int64_t)i + 1;
        c[i].first_seen_at = D0 + (int64_t)i;
    }
    rank_index_params(ix)->ql_weight = ql;
    rank_index_params(ix)->ql_mu = mu;
    if (vague >= 0)
        rank_index_params(ix)->vague_share = vague;
    if (agree >= 0)
        rank_index_params(ix)->agree_floor = agree;
    if (liked_near >= 0)
        rank_index_params(ix)->agree_near = liked_near;
    if (liked_once >= 0)
        rank_index_params(ix)->agree_once = liked_once;
    p = rank_profile_new(ix, v, liked_n);
    rank_index_score_reader(ix, &q, p, c, &k);
    rank_score(c, k, 1, 0);
    for (size_t i = 0; i < k; i++)
        order[i] = c[i].id;
    rank_profile_free(p);
    query_release(&q);
    rank_index_free(ix);
    return k;
}

/* rank_liked - rank_liked_kw() without keywords */
static size_t
rank_liked(const char *const (*texts)[2], size_t n, double ql, double mu,
           int64_t *order)
{
    return rank_liked_kw(texts, n, "", ql, mu, -1, -1, order);
}

/* test_vague_beside_likes - beside a liked paper, a keyword matching more
 * than a quarter of the papers ("learning", 3 of 8) adds nothing: the
 * order is the one without keywords, where without the rule paper 3
 * (a weaker match of the liked paper, holding "learning" twice) would
 * pass paper 2.  A rarer keyword ("graph", 1 of 8) still counts: its
 * paper, unlike anything liked, is ranked.  The agreement rule is off
 * here (test_agree_beside_likes). */
static void
test_vague_beside_likes(void)
{
    static const char *const texts[][2] = {
        {"Quantized weights", "quantized weights with integer kernels"},
        {"Integer kernels", "integer kernels for quantized weights, and "
                            "accuracy"},
        {"Learning quantized weights", "learning learning quantized weights"},
        {"Learning alpha", "learning alpha"},
        {"Learning beta", "learning beta"},
        {"Graph gamma", "graph gamma"},
        {"Delta", "delta"},
        {"Epsilon", "epsilon"},
    };
    int64_t plain[16], vague[16], off[16];
    size_t n = rank_liked_kw(texts, 8, "", 0.2, 2000, -1, 1, plain);

    CHECK(n >= 2);
    CHECK_INT_EQ(plain[0], 2);
    CHECK_INT_EQ(rank_liked_kw(texts, 8, "learning", 0.2, 2000, -1, 1, vague),
                 n);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(vague[i], plain[i]);
    /* without the rule, "learning" lifts paper 3 over paper 2 */
    CHECK(rank_liked_kw(texts, 8, "learning", 0.2, 2000, 1, 1, off) >= 2);
    CHECK_INT_EQ(off[0], 3);
    /* a keyword matching few papers still ranks them */
    n = rank_liked_kw(texts, 8, "graph", 0.2, 2000, -1, 1, vague);
    CHECK(n >= 1);
    {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= vague[i] == 6;
        CHECK(found);
    }
}

/* has_id - 1 if id is among order[0..n) */
static int
has_id(const int64_t *order, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (order[i] == id)
            return 1;
    return 0;
}

/* test_agree_beside_likes - beside a liked paper, a keyword weighs as much
 * as the liked paper holds it.  "graph" (papers 3 and 6, a quarter) is not
 * in the liked paper: the order is the one without keywords, and paper 6,
 * which only the keyword found, is not ranked; with the rule off it is, and
 * the order changes.  "kernels" (papers 1 and 2) is in the liked paper: it
 * keeps its full weight, the order of the rule off. */
static void
test_agree_beside_likes(void)
{
    static const char *const texts[][2] = {
        {"Quantized weights", "quantized weights with integer kernels"},
        {"Integer kernels", "integer kernels for quantized weights, and "
                            "accuracy"},
        {"Graph weights", "graph networks with quantized weights"},
        {"Alpha", "alpha beta"},
        {"Beta", "beta gamma"},
        {"Graph gamma", "graph gamma"},
        {"Delta", "delta"},
        {"Epsilon", "epsilon"},
    };
    int64_t plain[16], on[16], off[16];
    size_t n = rank_liked_kw(texts, 8, "", 0.2, 2000, -1, -1, plain), k;

    CHECK(n >= 2);
    CHECK(!has_id(plain, n, 6));
    CHECK_INT_EQ(rank_liked_kw(texts, 8, "graph", 0.2, 2000, -1, -1, on), n);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(on[i], plain[i]);
    k = rank_liked_kw(texts, 8, "graph", 0.2, 2000, -1, 1, off);
    CHECK(k == n + 1 && has_id(off, k, 6));
    CHECK_INT_EQ(off[0], 3);
    /* a keyword the liked paper holds keeps its weight */
    n = rank_liked_kw(texts, 8, "kernels", 0.2, 2000, -1, -1, on);
    CHECK_INT_EQ(rank_liked_kw(texts, 8, "kernels", 0.2, 2000, -1, 1, off), n);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(on[i], off[i]);
}

/* test_near_beside_likes - beside a liked paper that holds a broad
 * keyword ("vision", 3 of 12 papers: not vague), the keyword counts in a
 * paper as far as the paper is like the liked one.  Paper 3 says "vision"
 * three times and little else of the liked paper, paper 4 much of the
 * liked paper but not "vision": with the rule off the keyword lifts 3
 * over 4; with it on, 4 comes first and 3 keeps only its closeness's share
 * of the keyword.  Paper 2, like the liked paper and holding the keyword,
 * stays first either way. */
static void
test_near_beside_likes(void)
{
    static const char *const texts[][2] = {
        {"Vision language grounding",
         "grounding phrases in images with a vision language model"},
        {"Phrase grounding", "grounding phrases in images with vision cues"},
        {"Vision transformers", "vision transformers: a vision backbone for "
                                "vision"},
        {"Region grounding", "grounding phrases in images"},
        {"Alpha", "alpha beta"},
        {"Beta", "beta gamma"},
        {"Gamma", "gamma delta"},
        {"Delta", "delta epsilon"},
        {"Epsilon", "epsilon zeta"},
        {"Zeta", "zeta eta"},
        {"Eta", "eta theta"},
        {"Theta", "theta iota"},
    };
    int64_t on[16], off[16];
    size_t n, k;

    n = rank_liked_kw(texts, 12, "vision", 0.2, 2000, -1, -1, on);
    liked_near = 0;
    k = rank_liked_kw(texts, 12, "vision", 0.2, 2000, -1, -1, off);
    liked_near = -1;
    /* off: the keyword lifts 3 over 4; on: 3 is ranked by its closeness
     * (it shares "vision" with the liked paper) and falls below 4 */
    CHECK_INT_EQ(k, 3);
    CHECK_INT_EQ(off[0], 2);
    CHECK_INT_EQ(off[1], 3);
    CHECK_INT_EQ(off[2], 4);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(on[0], 2);
    CHECK_INT_EQ(on[1], 4);
    CHECK_INT_EQ(on[2], 3);
}

/* rank_once_both - texts ranked for "graph" by a reader who liked
 * liked_n papers, with agree_once at its default into on (*n) and at 1
 * (a passing mention in full) into off (*k) */
static void
rank_once_both(const char *const (*texts)[2], int64_t *on, size_t *n,
               int64_t *off, size_t *k)
{
    *n = rank_liked_kw(texts, 12, "graph", 0.2, 2000, -1, -1, on);
    liked_once = 1;
    *k = rank_liked_kw(texts, 12, "graph", 0.2, 2000, -1, -1, off);
    liked_once = -1;
}

/* test_once_beside_likes - beside liked papers, a keyword a liked paper
 * mentions only in passing (once, in its abstract: "graph" in paper 1)
 * agrees with it by half (agree_once).  Counted in full, "graph" lifts
 * paper 3 (graph three times, some of the liked paper's words) over paper
 * 2, the paper most like the liked one; at half, paper 2 stays first.
 * Two liked papers (1 and 2) that both mention it agree in full, however
 * briefly each does: with them liked, the order is agree_once 1's, in
 * which "graph" lifts paper 3 over paper 5 (the paper most like both). */
static void
test_once_beside_likes(void)
{
    static const char *const texts[][2] = {
        {"Quantized integer kernels",
         "quantized integer kernels for fast inference on a graph"},
        {"Integer kernels for inference",
         "integer kernels and quantized inference, with a graph"},
        {"Graph kernels",
         "graph networks with quantized integer kernels, graph graph"},
        {"Quantized inference", "quantized integer inference"},
        {"Alpha", "alpha beta"},
        {"Beta", "beta gamma"},
        {"Gamma", "gamma delta"},
        {"Delta", "delta epsilon"},
        {"Epsilon", "epsilon zeta"},
        {"Zeta", "zeta eta"},
        {"Eta", "eta theta"},
        {"Theta", "theta iota"},
    };
    const char *two[12][2];
    int64_t on[16], off[16];
    size_t n, k;

    rank_once_both(texts, on, &n, off, &k);
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(on[0], 2);
    CHECK_INT_EQ(on[1], 3);
    CHECK_INT_EQ(on[2], 4);
    CHECK_INT_EQ(k, 3);
    CHECK_INT_EQ(off[0], 3);
    CHECK_INT_EQ(off[1], 2);
    CHECK_INT_EQ(off[2], 4);
    /* both liked papers mention "graph" once */
    memcpy(two, texts, sizeof(two));
    two[2][1] = "graph networks with quantized kernels, graph graph";
    two[4][0] = "Integer inference kernels";
    two[4][1] = "quantized integer kernels for inference";
    liked_n = 2;
    rank_once_both(two, on, &n, off, &k);
    liked_n = 1;
    CHECK_INT_EQ(n, 3);
    CHECK_INT_EQ(k, n);
    CHECK_INT_EQ(on[0], 3);
    CHECK_INT_EQ(on[1], 5);
    for (size_t i = 0; i < n && i < k; i++)
        CHECK_INT_EQ(on[i], off[i]);
    /* a word in the liked paper's title is no passing mention, whatever
     * title_weight: at 1 a title word said once weighs what an abstract
     * word does, and the rule still moves the abstract's aside (paper 1
     * as above) but not the same word in the title */
    liked_title = 1;
    rank_once_both(texts, on, &n, off, &k);
    CHECK(n == 3 && k == 3 && on[0] != off[0]);
    memcpy(two, texts, sizeof(two));
    two[0][0] = "Quantized integer kernels on a graph";
    two[0][1] = "quantized integer kernels for fast inference";
    rank_once_both(two, on, &n, off, &k);
    liked_title = 3;
    CHECK(n > 0 && k == n);
    for (size_t i = 0; i < n && i < k; i++)
        CHECK_INT_EQ(on[i], off[i]);
}

/* test_dislike_alone - a reader without keywords or likes who said "less
 * like this" of a paper on robots walking on ice: the day's trending
 * order, except that the paper most like the disliked one (a quadruped on
 * ice, the most upvoted) falls below the others; a paper sharing only a
 * little of it (reinforcement learning for games) keeps its place */
static void
test_dislike_alone(void)
{
    static const char *const texts[][2] = {
        {"Robots walk on ice",
         "a legged robot policy for walking on slippery ice, trained with "
         "reinforcement learning in simulation"},
        {"Quadruped robot locomotion on ice",
         "a quadruped robot walking on slippery ice: a locomotion policy "
         "trained in simulation"},
        {"Reinforcement learning for board games",
         "reinforcement learning agents play board games"},
        {"Protein folding with diffusion", "diffusion models fold proteins"},
        {"Galaxy surveys", "telescopes count galaxies and dark matter"},
        {"Alpha", "alpha beta"},
        {"Beta", "beta gamma"},
        {"Gamma", "gamma delta"},
    };
    static const int upvotes[] = {0, 400, 90, 50, 5, 0, 0, 0};
    struct rank_index *ix = NULL;
    struct rank_vote v = {1, -1, texts[0][0], texts[0][1]};
    struct rank_profile *p;
    struct rank_cand c[8];
    struct query q;
    struct err err;
    size_t k = 8;

    err_init(&err);
    CHECK(rank_index_new(NULL, 3, &ix, &err) == 0);
    CHECK(query_parse("", &q, &err) == 0);
    memset(c, 0, sizeof(c));
    for (size_t i = 0; i < 8; i++) {
        rank_index_add(ix, (int64_t)i + 1, texts[i][0], texts[i][1]);
        c[i].id = (int64_t)i + 1;
        c[i].upvotes = upvotes[i];
        c[i].first_seen_at = D0 + (int64_t)i;
    }
    p = rank_profile_new(ix, &v, 1);
    CHECK(!rank_profile_likes(p));
    rank_index_score_reader(ix, &q, p, c, &k);
    CHECK_INT_EQ(k, 7); /* every paper but the disliked one */
    rank_score(c, k, 1, 0.05);
    {
        static const int64_t want[] = {3, 4, 5, 8, 7, 6, 2};
        for (size_t i = 0; i < k && i < 7; i++)
            CHECK_INT_EQ(c[i].id, want[i]);
    }
    rank_profile_free(p);
    query_release(&q);
    rank_index_free(ix);
}

/* test_why_new - the why line of a paper nothing matched: "trending" with
 * its upvotes, "new" when nobody upvoted it (it is not trending); and of
 * one that matched beside a liked paper */
static void
test_why_new(void)
{
    struct rank_cand c;
    struct query q;
    struct err err;
    struct buf b;

    err_init(&err);
    CHECK(query_parse("", &q, &err) == 0);
    memset(&c, 0, sizeof(c));
    buf_init(&b, 256);
    c.upvotes = 3;
    rank_why(&q, &c, &b);
    CHECK_STR_EQ(buf_str(&b), "trending \xc2\xb7 3 upvotes");
    buf_reset(&b);
    c.upvotes = 0;
    rank_why(&q, &c, &b);
    CHECK_STR_EQ(buf_str(&b), "new");
    buf_release(&b);
    query_release(&q);
    /* keywords that matched beside the liked paper it is most like (its
     * title cut at 48 bytes), then the upvotes */
    CHECK(query_parse("kv cache, distillation", &q, &err) == 0);
    buf_init(&b, 512);
    c.upvotes = 87;
    c.matched = 1; /* the first term */
    rank_why_reader(&q, &c,
                    "GoldFinch: High Performance RWKV/Transformer Hybrid "
                    "with Linear Pre-Fill",
                    &b);
    CHECK_STR_EQ(buf_str(&b),
                 "matched: kv cache \xc2\xb7 like \"GoldFinch: High "
                 "Performance RWKV/Transformer Hyb\xe2\x80\xa6\", which you "
                 "liked \xc2\xb7 87 upvotes");
    buf_release(&b);
    query_release(&q);
}

/* test_profile_ql - the reader's profile fuses two rankers: the cosine
 * with the liked paper, and query likelihood of its terms (Dirichlet
 * smoothing).  Paper 2 says the liked word three times among many
 * others, paper 3 once in a short text: the cosine puts 2 first (tf),
 * query likelihood 3 (2's length costs more than its repeats gain here);
 * at weight 0 the cosine's order stands, with enough weight the other
 * ranker's, and both papers stay ranked */
static void
test_profile_ql(void)
{
    static const char *const texts[][2] = {
        {"Alpha", "alpha beta"},
        {"Xray", "alpha alpha alpha gamma gamma gamma delta delta epsilon "
                 "zeta eta theta"},
        {"Yankee", "alpha"},
        {"Zulu", "gamma delta"},
        {"Kilo", "epsilon zeta"},
        {"Lima", "eta theta iota"},
    };
    int64_t order[16];

    CHECK_INT_EQ(rank_liked(texts, 6, 0, 2000, order), 2);
    CHECK_INT_EQ(order[0], 2);
    CHECK_INT_EQ(rank_liked(texts, 6, 1, 2000, order), 2);
    CHECK_INT_EQ(order[0], 3);
    CHECK_INT_EQ(rank_liked(texts, 6, 1, 100, order), 2);
    CHECK_INT_EQ(order[0], 3);
}

int
main(void)
{
    test_exact_form();
    test_soft_order();
    test_passing_mention();
    test_profile_ql();
    test_vague_beside_likes();
    test_agree_beside_likes();
    test_near_beside_likes();
    test_once_beside_likes();
    test_why_new();
    test_dislike_alone();
    test_score();
    test_freeze();
    return CHECK_DONE();
}
