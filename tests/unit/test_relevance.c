/* SPDX-License-Identifier: MIT */
/*
 * test_relevance - nDCG@10 of the digest ranking on a labelled set
 * (tests/fixtures/relevance, see its README), against two baselines:
 *   (a) ours: query.h's expression, rank_candidates() + rank_score() with
 *       the default [digest] weights, over the real schema's FTS5 table
 *       (porter stemming, title weighted);
 *   (b) TF-IDF cosine: bag of words, computed here in C;
 *   (c) plain BM25: the same expression on an FTS5 table with the
 *       unicode61 tokenizer (no stemming), bm25() with equal weights.
 * Prints the three figures (and a small weight sweep) and asserts that
 * ours beats both.  Upvotes are assigned deterministically and carry no
 * relevance information, as on a real day.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "query.h"
#include "rank.h"
#include "xalloc.h"

#define NPAPERS_MAX 200
#define NQUERIES_MAX 64
#define TOP 10

struct paper {
    char *title;
    char *abstract;
};

struct judged {
    char id[8];
    char keywords[256];
    int grade[NPAPERS_MAX + 1]; /* by paper number, 1-based */
};

static struct paper papers[NPAPERS_MAX];
static int npapers;
static struct judged queries[NQUERIES_MAX];
static int nqueries;

/* read_line - next line of fp without the newline into a new string */
static char *
read_line(FILE *fp)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, fp);

    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

/* load_seed - the seed papers (title line, abstract line) */
static int
load_seed(void)
{
    const char *dir = getenv("SHARED_DIR");
    char path[1024];
    FILE *fp;
    char *l;

    snprintf(path, sizeof(path), "%s/fixtures/seed_papers.txt",
             dir ? dir : "../shared");
    fp = fopen(path, "r");
    if (fp == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    free(read_line(fp)); /* page header */
    free(read_line(fp));
    while (npapers < NPAPERS_MAX && (l = read_line(fp)) != NULL) {
        char *a = read_line(fp);
        if (a == NULL) {
            free(l);
            break;
        }
        if (npapers == 0 && strncmp(l, "Subscribe", 9) == 0)
            memmove(l, l + 9, strlen(l + 9) + 1);
        papers[npapers].title = l;
        papers[npapers].abstract = a;
        npapers++;
    }
    fclose(fp);
    return 0;
}

/* load_judgements - queries.tsv and qrels.tsv */
static int
load_judgements(void)
{
    FILE *fp;
    char *l;

    fp = fopen("tests/fixtures/relevance/queries.tsv", "r");
    if (fp == NULL)
        return -1;
    while ((l = read_line(fp)) != NULL) {
        char *tab = strchr(l, '\t');
        if (l[0] != '#' && tab != NULL && nqueries < NQUERIES_MAX) {
            struct judged *q = &queries[nqueries++];
            *tab = '\0';
            snprintf(q->id, sizeof(q->id), "%s", l);
            snprintf(q->keywords, sizeof(q->keywords), "%s", tab + 1);
        }
        free(l);
    }
    fclose(fp);
    fp = fopen("tests/fixtures/relevance/qrels.tsv", "r");
    if (fp == NULL)
        return -1;
    while ((l = read_line(fp)) != NULL) {
        char qid[16];
        int paper, grade;
        if (l[0] != '#' && sscanf(l, "%15s %d %d", qid, &paper, &grade) == 3 &&
            paper >= 1 && paper <= NPAPERS_MAX) {
            for (int i = 0; i < nqueries; i++)
                if (strcmp(queries[i].id, qid) == 0)
                    queries[i].grade[paper] = grade;
        }
        free(l);
    }
    fclose(fp);
    return 0;
}

/* upvotes_of - deterministic, plausible, unrelated to relevance */
static int
upvotes_of(int i)
{
    unsigned h = (unsigned)i * 2654435761u;
    h ^= h >> 13;
    return (int)(h % 97 < 60 ? h % 12 : h % 180);
}

/* setup_db - the seed papers in the real schema plus a plain FTS table */
static struct db *
setup_db(void)
{
    struct db *db = NULL;
    struct err err;
    sqlite3_stmt *st = NULL;

    err_init(&err);
    if (db_open(":memory:", 1000, &db, &err) == -1) {
        fprintf(stderr, "%s\n", err.msg);
        return NULL;
    }
    CHECK(db_exec(db,
                  "CREATE VIRTUAL TABLE plain_fts USING fts5(title, abstract,"
                  " tokenize = 'unicode61 remove_diacritics 2')",
                  &err) == 0);
    CHECK(sqlite3_prepare_v2(
              db_handle(db),
              "INSERT INTO papers (id, arxiv_id, title, abstract,"
              " first_seen_at, first_seen_day, updated_at, hf_upvotes)"
              " VALUES (?1, printf('2601.%05d', ?1), ?2, ?3, 1767225600 + ?1,"
              " '2026-01-01', 0, ?4)",
              -1, &st, NULL) == SQLITE_OK);
    for (int i = 0; i < npapers; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int(st, 1, i + 1);
        sqlite3_bind_text(st, 2, papers[i].title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, papers[i].abstract, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, upvotes_of(i + 1));
        CHECK(sqlite3_step(st) == SQLITE_DONE);
    }
    sqlite3_finalize(st);
    CHECK(db_exec(db,
                  "INSERT INTO plain_fts(rowid, title, abstract)"
                  " SELECT id, title, abstract FROM papers",
                  &err) == 0);
    return db;
}

/* ndcg - nDCG@TOP of ranking r[0..n) (paper numbers) for query q */
static double
ndcg(const struct judged *q, const int *r, int n)
{
    double dcg = 0, idcg = 0;
    int ideal[NPAPERS_MAX + 1], ni = 0;

    for (int i = 0; i < n && i < TOP; i++)
        dcg += (pow(2, q->grade[r[i]]) - 1) / log2(i + 2.0);
    for (int g = 3; g >= 1; g--)
        for (int p = 1; p <= npapers; p++)
            if (q->grade[p] == g)
                ideal[ni++] = g;
    for (int i = 0; i < ni && i < TOP; i++)
        idcg += (pow(2, ideal[i]) - 1) / log2(i + 2.0);
    return idcg > 0 ? dcg / idcg : 0;
}

/* rank_ours - our ranking of all papers for keywords */
static int
rank_ours(struct db *db, const struct config *cfg, const char *kw, int *r)
{
    struct rank_cand c[NPAPERS_MAX];
    struct query q;
    struct err err;
    size_t n = (size_t)npapers;

    memset(c, 0, sizeof(c));
    for (int i = 0; i < npapers; i++) {
        c[i].id = i + 1;
        c[i].upvotes = upvotes_of(i + 1);
        c[i].first_seen_at = 1767225600 + i + 1;
    }
    if (query_parse(kw, &q, &err) == -1)
        return 0;
    if (rank_candidates(db, cfg, &q, c, &n, &err) == -1) {
        fprintf(stderr, "%s\n", err.msg);
        n = 0;
    }
    rank_score(c, n, 1, cfg->trending_weight);
    for (size_t i = 0; i < n; i++)
        r[i] = (int)c[i].id;
    query_release(&q);
    return (int)n;
}

/* rank_bm25_plain - same expression, unstemmed table, equal weights */
static int
rank_bm25_plain(struct db *db, const char *kw, int *r)
{
    struct query q;
    struct err err;
    sqlite3_stmt *st = NULL;
    int n = 0;

    if (query_parse(kw, &q, &err) == -1 || q.match == NULL)
        return 0;
    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "SELECT rowid FROM plain_fts WHERE plain_fts"
                             " MATCH ?1 ORDER BY bm25(plain_fts, 1.0, 1.0)",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, q.match, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW && n < NPAPERS_MAX)
        r[n++] = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    query_release(&q);
    return n;
}

/* The TF-IDF baseline: a tiny vocabulary and sparse vectors. */
#define VOCAB_MAX 20000
static char *vocab[VOCAB_MAX];
static int nvocab;
static int df[VOCAB_MAX];
static float tf[NPAPERS_MAX][VOCAB_MAX / 8]; /* dense over the first ids */

/* word_id - id of word w (added when add), -1 if unknown */
static int
word_id(const char *w, int add)
{
    for (int i = 0; i < nvocab; i++)
        if (strcmp(vocab[i], w) == 0)
            return i;
    if (!add || nvocab == VOCAB_MAX / 8)
        return -1;
    vocab[nvocab] = xstrdup(w);
    return nvocab++;
}

/* tokenize - lower-case words of s (ASCII alnum and UTF-8 bytes) */
static void
tokenize(const char *s, void (*fn)(const char *w, void *arg), void *arg)
{
    char w[128];
    size_t n = 0;

    for (;; s++) {
        unsigned char c = (unsigned char)*s;
        int tok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                  (c >= 'A' && c <= 'Z') || c >= 0x80;
        if (tok && n < sizeof(w) - 1) {
            w[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
        } else if (!tok) {
            if (n > 0) {
                w[n] = '\0';
                fn(w, arg);
            }
            n = 0;
        }
        if (c == '\0')
            break;
    }
}

struct tf_arg {
    int doc;
};

/* on_doc_word - count a word of a document */
static void
on_doc_word(const char *w, void *arg)
{
    struct tf_arg *a = arg;
    int id = word_id(w, 1);

    if (id >= 0)
        tf[a->doc][id] += 1;
}

/* build_tfidf - term counts and document frequencies */
static void
build_tfidf(void)
{
    for (int d = 0; d < npapers; d++) {
        struct tf_arg a = {d};
        tokenize(papers[d].title, on_doc_word, &a);
        tokenize(papers[d].abstract, on_doc_word, &a);
        for (int i = 0; i < nvocab; i++)
            if (tf[d][i] > 0)
                df[i]++;
    }
}

struct qvec {
    float w[VOCAB_MAX / 8];
};

/* on_query_word - a query word's count */
static void
on_query_word(const char *w, void *arg)
{
    struct qvec *q = arg;
    int id = word_id(w, 0);

    if (id >= 0)
        q->w[id] += 1;
}

struct scored {
    int paper;
    double s;
};

/* cmp_scored - best first, then lower paper number */
static int
cmp_scored(const void *pa, const void *pb)
{
    const struct scored *a = pa, *b = pb;

    if (a->s != b->s)
        return a->s > b->s ? -1 : 1;
    return a->paper - b->paper;
}

/* rank_tfidf - cosine of tf-idf vectors (log tf, idf = log(N/df)) */
static int
rank_tfidf(const char *kw, int *r)
{
    static struct qvec q;
    struct scored s[NPAPERS_MAX];
    int n = 0;

    memset(&q, 0, sizeof(q));
    tokenize(kw, on_query_word, &q);
    for (int d = 0; d < npapers; d++) {
        double dot = 0, nd = 0, nq = 0;
        for (int i = 0; i < nvocab; i++) {
            double idf = log((double)npapers / (df[i] ? df[i] : 1));
            double wd = tf[d][i] > 0 ? (1 + log(tf[d][i])) * idf : 0;
            double wq = q.w[i] > 0 ? (1 + log(q.w[i])) * idf : 0;
            dot += wd * wq;
            nd += wd * wd;
            nq += wq * wq;
        }
        if (dot > 0) {
            s[n].paper = d + 1;
            s[n].s = dot / (sqrt(nd) * sqrt(nq));
            n++;
        }
    }
    qsort(s, (size_t)n, sizeof(s[0]), cmp_scored);
    for (int i = 0; i < n; i++)
        r[i] = s[i].paper;
    return n;
}

/* check_decomposition - rank_candidates()' bm25 (a sum over cached
 * phrases) equals FTS5's bm25 of the whole expression, row for row, and
 * both select the same rows */
static void
check_decomposition(struct db *db, const struct config *cfg, const char *kw)
{
    struct rank_cand c[NPAPERS_MAX];
    struct query q;
    struct err err;
    sqlite3_stmt *st = NULL;
    size_t n = (size_t)npapers, rows = 0;
    int bad = 0;

    memset(c, 0, sizeof(c));
    for (int i = 0; i < npapers; i++)
        c[i].id = i + 1;
    if (query_parse(kw, &q, &err) == -1 || q.match == NULL)
        return;
    CHECK(rank_candidates(db, cfg, &q, c, &n, &err) == 0);
    CHECK(sqlite3_prepare_v2(db_handle(db),
                             "SELECT rowid, -bm25(papers_fts, ?2, 1.0) FROM "
                             "papers_fts WHERE papers_fts MATCH ?1",
                             -1, &st, NULL) == SQLITE_OK);
    sqlite3_bind_text(st, 1, q.match, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 2, cfg->title_weight);
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        double want = sqlite3_column_double(st, 1);
        size_t k = 0;
        rows++;
        while (k < n && c[k].id != id)
            k++;
        if (k == n || fabs(c[k].bm25 - (want > 1e-9 ? want : 1e-9)) >
                          1e-9 * (1 + fabs(want))) {
            fprintf(stderr, "decomposition: '%s' row %lld: %.9f vs %.9f\n", kw,
                    (long long)id, k < n ? c[k].bm25 : -1.0, want);
            bad++;
        }
    }
    sqlite3_finalize(st);
    CHECK_INT_EQ(bad, 0);
    CHECK_INT_EQ(rows, n);
    query_release(&q);
}

/* mean_ours - mean nDCG of our ranking with the given weights */
static double
mean_ours(struct db *db, struct config *cfg, double tw, double w)
{
    int r[NPAPERS_MAX];
    double sum = 0;

    cfg->title_weight = tw;
    cfg->trending_weight = w;
    for (int i = 0; i < nqueries; i++)
        sum += ndcg(&queries[i], r, rank_ours(db, cfg, queries[i].keywords, r));
    return sum / nqueries;
}

int
main(void)
{
    struct config *cfg = config_defaults();
    const char *env_tw = getenv("REL_TW"), *env_w = getenv("REL_W");
    struct db *db;
    double s_ours = 0, s_tfidf = 0, s_bm25 = 0;
    double def_tw, def_w;
    int r[NPAPERS_MAX];

    CHECK(load_seed() == 0);
    CHECK_INT_EQ(npapers, 119);
    CHECK(load_judgements() == 0);
    CHECK(nqueries >= 12);
    db = setup_db();
    CHECK(db != NULL);
    if (db == NULL || nqueries == 0)
        return CHECK_DONE();
    build_tfidf();
    /* REL_TW / REL_W override the defaults when exploring by hand */
    if (env_tw)
        cfg->title_weight = atof(env_tw);
    if (env_w)
        cfg->trending_weight = atof(env_w);
    def_tw = cfg->title_weight;
    def_w = cfg->trending_weight;

    for (int i = 0; i < nqueries; i++)
        check_decomposition(db, cfg, queries[i].keywords);
    check_decomposition(db, cfg, "kv cache, -\"language model\", attention");
    check_decomposition(db, cfg, "\"large language\" models, pruning -survey");

    printf("%-5s %-48s %6s %6s %6s\n", "query", "keywords", "ours", "tfidf",
           "bm25");
    for (int i = 0; i < nqueries; i++) {
        const struct judged *q = &queries[i];
        double a = ndcg(q, r, rank_ours(db, cfg, q->keywords, r));
        double b = ndcg(q, r, rank_tfidf(q->keywords, r));
        double c = ndcg(q, r, rank_bm25_plain(db, q->keywords, r));
        printf("%-5s %-48s %6.3f %6.3f %6.3f\n", q->id, q->keywords, a, b, c);
        s_ours += a;
        s_tfidf += b;
        s_bm25 += c;
    }
    s_ours /= nqueries;
    s_tfidf /= nqueries;
    s_bm25 /= nqueries;
    printf("mean nDCG@10 over %d queries: ours %.3f  tfidf-cosine %.3f  "
           "plain-bm25 %.3f  (title_weight %.2f, trending_weight %.2f)\n",
           nqueries, s_ours, s_tfidf, s_bm25, def_tw, def_w);
    CHECK(s_ours > s_tfidf);
    CHECK(s_ours > s_bm25);

    /* the sweep used to pick the defaults (printed, not asserted) */
    printf("sweep: title_weight x trending_weight -> mean nDCG@10\n");
    {
        static const double tws[] = {1, 1.5, 2, 3, 4, 6, 8};
        static const double ws[] = {0, 0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3};
        printf("  %-8s", "tw \\ w");
        for (size_t j = 0; j < sizeof(ws) / sizeof(ws[0]); j++)
            printf(" %6.2f", ws[j]);
        printf("\n");
        for (size_t i = 0; i < sizeof(tws) / sizeof(tws[0]); i++) {
            printf("  %-8.1f", tws[i]);
            for (size_t j = 0; j < sizeof(ws) / sizeof(ws[0]); j++)
                printf(" %6.3f", mean_ours(db, cfg, tws[i], ws[j]));
            printf("\n");
        }
    }

    for (int i = 0; i < nvocab; i++)
        free(vocab[i]);
    for (int i = 0; i < npapers; i++) {
        free(papers[i].title);
        free(papers[i].abstract);
    }
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
