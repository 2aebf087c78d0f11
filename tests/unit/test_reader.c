/* SPDX-License-Identifier: MIT */
/*
 * test_reader - the simulated reader: does ranking learn from votes?
 *
 * On the 119 seed papers and the judged sets of tests/fixtures/relevance
 * (both files), each judged query is a reader's hidden interest: the
 * papers graded for it.  The reader types a vague profile (nothing, or
 * one broad word) and likes two papers of the interest (the two best
 * graded, ties to the lower paper number; and, as a second draw, two
 * judged papers picked by a fixed pseudo-random sequence).  The ranking
 * of the other papers, as a digest ranks them (rank_index over every
 * paper, rank_score() with the default weights and rank_profile_trend()),
 * is scored with nDCG@10 against the hidden interest, voted papers left
 * out of both the ranking and the ideal (interests with nothing left to
 * find are skipped).  Asserts that the likes lift the mean by 0.6 for
 * every vague profile, to 0.775 at least (on each labelled set apart too:
 * comma 0.805, typed 0.755; 0.78 over the profiles), that each vague word
 * (all match more than a quarter of the papers) then ranks as no keywords
 * do, and that this gains over scoring the vague word beside the likes,
 * on both halves of the interests split by the parity of their number,
 * that blending upvotes at a fifth of the trending weight for readers with
 * likes gains over the full weight, that the profile's co-occurrence
 * expansion gains 0.01 over Rocchio alone, that fusing the query-likelihood
 * ranker with the cosine gains 0.01, and 0.005 on each half of the interests
 * split by the parity of their number, and that a "less like this" vote on a
 * paper of another interest does not lower it by more than 0.05.  Then
 * readers who type a narrower broad word ("vision", "graph": each matching
 * under a quarter of the papers, so the quarter rule keeps it) beside the
 * same likes: every word for every interest, the word the interest's
 * judged papers hold most and least, and the interest's own query; asserts
 * floors under their figures and that weighing an interest by the liked
 * papers' agreement with it (rank_params.agree_floor) gains on them, on
 * both halves, and that scaling it within each paper by the paper's
 * closeness to the liked papers (rank_params.agree_near) gains on the most
 * related word, the mean of the words and the own query without losing
 * with drawn likes or a dislike, and that a liked paper's passing mention
 * agreeing by half (rank_params.agree_once) gains on the most related word
 * and the mean of the words, on both halves, losing nowhere.  Prints the
 * figures (bench/README.md keeps them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "query.h"
#include "rank.h"
#include "rank_papers.h"
#include "rank_index.h"
#include "seed_fixtures.h"

#define NPAPERS_MAX SEED_PAPERS_MAX
#define NQUERIES_MAX 64
#define NVAGUE (sizeof(vague) / sizeof(vague[0]))
#define NNARROW (sizeof(narrow) / sizeof(narrow[0]))

/* Broad words that match fewer than a quarter of the seed papers: topics,
 * which keep their keyword weight beside likes, typed by readers whose
 * hidden interest may be another topic. */
static const char *const narrow[] = {"vision",   "graph",    "reinforcement",
                                     "robotics", "speech",   "diffusion",
                                     "medical",  "retrieval"};
/* per narrow word: 1 for each paper number it matches */
static int narrow_hit[NNARROW][SEED_PAPERS_MAX + 1];

static struct seed_paper papers[NPAPERS_MAX];
static int npapers;
static struct seed_judged qs[2 * NQUERIES_MAX];
static int nq;

/* When set, readers with likes blend upvotes at the full trending weight
 * (the ranking before rank_profile_trend), for the comparison. */
static int full_trend;

/* Which narrow word a reader types instead of eval's kw: 0 none (kw),
 * 'm' the one the interest's judged papers hold most (sum of grades;
 * ties: the first listed), 'l' the one they hold least; 'q' not a narrow
 * word: the interest's own judged query, typed beside the likes. */
static int narrow_pick;

/* When 0 or 1, only the interests whose query number has that parity
 * (a held-out split); -1: all. */
static int parity = -1;

/* rank_reader - the digest's order of every paper for keywords kw and
 * votes v[0..nv) into r; returns how many */
static int
rank_reader(struct rank_index *ix, const struct config *cfg, const char *kw,
            const struct rank_vote *v, size_t nv, int *r)
{
    struct rank_cand c[NPAPERS_MAX];
    struct rank_profile *p;
    struct query q;
    struct err err;
    size_t n = (size_t)npapers;

    memset(c, 0, sizeof(c));
    for (int i = 0; i < npapers; i++) {
        c[i].id = i + 1;
        c[i].upvotes = seed_upvotes(i + 1);
        c[i].first_seen_at = 1767225600 + i + 1;
    }
    err_init(&err);
    if (query_parse(kw, &q, &err) == -1)
        return 0;
    p = rank_profile_new(ix, v, nv);
    rank_index_score_reader(ix, &q, p, c, &n);
    rank_score(c, n, q.nterms > 0 || rank_profile_likes(p),
               full_trend ? cfg->trending_weight
                          : rank_profile_trend(p, cfg->trending_weight));
    for (size_t i = 0; i < n; i++)
        r[i] = (int)c[i].id;
    rank_profile_free(p);
    query_release(&q);
    return (int)n;
}

/* pick_best - the two best-graded papers of q (ties: lower number) */
static void
pick_best(const struct seed_judged *q, int out[2])
{
    int k = 0;

    for (int g = 3; g >= 1 && k < 2; g--)
        for (int p = 1; p <= npapers && k < 2; p++)
            if (q->grade[p] == g)
                out[k++] = p;
}

/* pick_any - two judged papers of q drawn by a fixed sequence (seed s) */
static void
pick_any(const struct seed_judged *q, unsigned s, int out[2])
{
    int judged[NPAPERS_MAX], n = 0;

    for (int p = 1; p <= npapers; p++)
        if (q->grade[p] > 0)
            judged[n++] = p;
    s = s * 1103515245u + 12345u;
    out[0] = judged[(s >> 8) % (unsigned)n];
    do {
        s = s * 1103515245u + 12345u;
        out[1] = judged[(s >> 8) % (unsigned)n];
    } while (n > 1 && out[1] == out[0]);
}

/* vote_on - a rank_vote for paper number p */
static struct rank_vote
vote_on(int p, int vote)
{
    struct rank_vote v = {p, vote, papers[p - 1].title, papers[p - 1].abstract};
    return v;
}

/* has_judged - 1 if a paper of g has a grade */
static int
has_judged(const int *g)
{
    for (int p = 1; p <= npapers; p++)
        if (g[p] > 0)
            return 1;
    return 0;
}

/* narrow_of - the narrow word reader q types under narrow_pick */
static const char *
narrow_of(const struct seed_judged *q)
{
    int best = 0, bestsum = -1;

    for (size_t w = 0; w < NNARROW; w++) {
        int sum = 0;
        for (int p = 1; p <= npapers; p++)
            sum += narrow_hit[w][p] ? q->grade[p] : 0;
        if (bestsum < 0 ||
            (narrow_pick == 'm' ? sum > bestsum : sum < bestsum)) {
            best = (int)w;
            bestsum = sum;
        }
    }
    return narrow[best];
}

/* narrow_count - fills narrow_hit[w] from the index; returns the papers
 * word w matches */
static int
narrow_count(struct rank_index *ix, size_t w)
{
    struct rank_cand c[NPAPERS_MAX];
    struct query q;
    struct err err;
    size_t n = (size_t)npapers;

    memset(c, 0, sizeof(c));
    for (int i = 0; i < npapers; i++)
        c[i].id = i + 1;
    err_init(&err);
    if (query_parse(narrow[w], &q, &err) == -1)
        return 0;
    rank_index_score(ix, &q, c, &n);
    for (size_t i = 0; i < n; i++)
        narrow_hit[w][c[i].id] = 1;
    query_release(&q);
    return (int)n;
}

/* Mean nDCG@10 over every judged query of one setting. */
struct figs {
    double before, after;
};

/* eval - every query of set ('q' comma, 't' typed, 0 both) as a reader
 * with profile kw who likes two papers (best or drawn); dislike > 0 adds a
 * "less like this" vote on the best paper of the query dislike places
 * further in qs */
static struct figs
eval(struct rank_index *ix, const struct config *cfg, const char *kw, int best,
     int dislike, char set)
{
    struct figs f = {0, 0};
    int r[NPAPERS_MAX];
    int counted = 0;

    for (int i = 0; i < nq; i++) {
        int liked[2] = {0, 0}, g[NPAPERS_MAX + 1], n, other[2] = {0, 0};
        struct rank_vote v[3];
        size_t nv = 2;
        if (narrow_pick == 'q')
            kw = qs[i].keywords;
        else if (narrow_pick)
            kw = narrow_of(&qs[i]);
        if (best)
            pick_best(&qs[i], liked);
        else
            pick_any(&qs[i], (unsigned)i + 7u, liked);
        if (liked[1] == 0 || (set != 0 && qs[i].id[0] != set) ||
            (parity >= 0 && atoi(qs[i].id + 1) % 2 != parity))
            continue;
        memcpy(g, qs[i].grade, sizeof(g));
        v[0] = vote_on(liked[0], 1);
        v[1] = vote_on(liked[1], 1);
        if (dislike) {
            const struct seed_judged *o = &qs[(i + dislike) % nq];
            pick_best(o, other);
            if (other[0] != 0 && qs[i].grade[other[0]] == 0)
                v[nv++] = vote_on(other[0], -1);
        }
        for (size_t k = 0; k < nv; k++)
            g[v[k].paper_id] = 0; /* judged on papers not voted on */
        if (!has_judged(g))
            continue; /* nothing of the interest left to find */
        /* before: the vague profile alone, voted papers left out */
        n = rank_reader(ix, cfg, kw, NULL, 0, r);
        {
            int b = 0; /* keywords may not have matched the voted papers */
            for (int a = 0; a < n; a++)
                if (r[a] != v[0].paper_id && r[a] != v[1].paper_id &&
                    (nv < 3 || r[a] != v[2].paper_id))
                    r[b++] = r[a];
            n = b;
        }
        if (kw[0] == '\0' || n > 0)
            f.before += seed_ndcg(g, npapers, r, n < 0 ? 0 : n);
        n = rank_reader(ix, cfg, kw, v, nv, r);
        f.after += seed_ndcg(g, npapers, r, n);
        if (getenv("READER_SHOW") && !dislike) {
            printf("  %s %-14.14s %-4s %-36.36s liked %3d %3d  %.3f :",
                   best ? "best " : "drawn", kw, qs[i].id, qs[i].keywords,
                   liked[0], liked[1], seed_ndcg(g, npapers, r, n));
            for (int a = 0; a < 10 && a < n; a++)
                printf(" %d", g[r[a]]);
            printf("\n");
        }
        for (int a = 0; a < n; a++)
            CHECK(r[a] != v[0].paper_id && r[a] != v[1].paper_id);
        counted++;
    }
    f.before /= counted;
    f.after /= counted;
    return f;
}

/* A row of the narrow words' table; off: the same readers with the
 * agreement rule off (agree_floor 1); far: with the closeness rule off
 * (agree_near 0); aside: a liked paper's passing mention agreeing in full
 * (agree_once 1) */
struct nrow {
    double before, best, comma, typed, drawn, dislike, half[2];
    double off, off_drawn, off_half[2];
    double far, far_drawn, far_dislike, far_half[2];
    double aside, aside_drawn, aside_dislike, aside_half[2];
};

/* narrow_row - the figures of readers typing kw (NULL: narrow_pick's
 * word) */
static struct nrow
narrow_row(struct rank_index *ix, const struct config *cfg, const char *kw)
{
    struct nrow r;
    struct figs b = eval(ix, cfg, kw, 1, 0, 0);

    r.before = b.before;
    r.best = b.after;
    r.comma = eval(ix, cfg, kw, 1, 0, 'q').after;
    r.typed = eval(ix, cfg, kw, 1, 0, 't').after;
    r.drawn = eval(ix, cfg, kw, 0, 0, 0).after;
    r.dislike = eval(ix, cfg, kw, 1, 5, 0).after;
    for (parity = 0; parity < 2; parity++)
        r.half[parity] = eval(ix, cfg, kw, 1, 0, 0).after;
    parity = -1;
    {
        double af = rank_index_params(ix)->agree_floor;
        rank_index_params(ix)->agree_floor = 1;
        r.off = eval(ix, cfg, kw, 1, 0, 0).after;
        r.off_drawn = eval(ix, cfg, kw, 0, 0, 0).after;
        for (parity = 0; parity < 2; parity++)
            r.off_half[parity] = eval(ix, cfg, kw, 1, 0, 0).after;
        parity = -1;
        rank_index_params(ix)->agree_floor = af;
    }
    {
        double an = rank_index_params(ix)->agree_near;
        rank_index_params(ix)->agree_near = 0;
        r.far = eval(ix, cfg, kw, 1, 0, 0).after;
        r.far_drawn = eval(ix, cfg, kw, 0, 0, 0).after;
        r.far_dislike = eval(ix, cfg, kw, 1, 5, 0).after;
        for (parity = 0; parity < 2; parity++)
            r.far_half[parity] = eval(ix, cfg, kw, 1, 0, 0).after;
        parity = -1;
        rank_index_params(ix)->agree_near = an;
    }
    {
        double ao = rank_index_params(ix)->agree_once;
        rank_index_params(ix)->agree_once = 1;
        r.aside = eval(ix, cfg, kw, 1, 0, 0).after;
        r.aside_drawn = eval(ix, cfg, kw, 0, 0, 0).after;
        r.aside_dislike = eval(ix, cfg, kw, 1, 5, 0).after;
        for (parity = 0; parity < 2; parity++)
            r.aside_half[parity] = eval(ix, cfg, kw, 1, 0, 0).after;
        parity = -1;
        rank_index_params(ix)->agree_once = ao;
    }
    return r;
}

/* narrow_print - one row of the table */
static void
narrow_print(const char *name, int n, const struct nrow *r)
{
    char label[32];

    snprintf(label, sizeof(label), n > 0 ? "%s (%d)" : "%s", name, n);
    printf("%-20s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f  %5.3f "
           "%5.3f %5.3f/%5.3f | %5.3f %5.3f %5.3f %5.3f/%5.3f | %5.3f %5.3f "
           "%5.3f %5.3f/%5.3f\n",
           label, r->before, r->best, r->comma, r->typed, r->drawn, r->dislike,
           r->half[0], r->half[1], r->off, r->off_drawn, r->off_half[0],
           r->off_half[1], r->far, r->far_drawn, r->far_dislike, r->far_half[0],
           r->far_half[1], r->aside, r->aside_drawn, r->aside_dislike,
           r->aside_half[0], r->aside_half[1]);
}

/*
 * narrow_table - readers who type a narrow broad word (one of narrow[],
 * each matching under a quarter of the papers) beside their two likes:
 * each word for every interest, then per interest the word its judged
 * papers hold most and the one they hold least.  Asserts floors just
 * under the figures (bench/README.md keeps them).
 */
static void
narrow_table(struct rank_index *ix, const struct config *cfg)
{
    struct nrow mean = {0}, most, least, own;

    printf("narrow words (papers matched)   before   2 best    comma    "
           "typed  2 drawn +dislike     even      odd  | no agreement rule: "
           "2 best, drawn, even/odd | no closeness rule: 2 best, drawn, "
           "+dislike, even/odd | asides in full: 2 best, drawn, +dislike, "
           "even/odd\n");
    for (size_t w = 0; w < NNARROW; w++) {
        int n = narrow_count(ix, w);
        struct nrow r = narrow_row(ix, cfg, narrow[w]);
        CHECK(n > 0 && 4 * n <= npapers);
        narrow_print(narrow[w], n, &r);
        mean.before += r.before / NNARROW;
        mean.best += r.best / NNARROW;
        mean.comma += r.comma / NNARROW;
        mean.typed += r.typed / NNARROW;
        mean.drawn += r.drawn / NNARROW;
        mean.dislike += r.dislike / NNARROW;
        mean.half[0] += r.half[0] / NNARROW;
        mean.half[1] += r.half[1] / NNARROW;
        mean.off += r.off / NNARROW;
        mean.off_drawn += r.off_drawn / NNARROW;
        mean.off_half[0] += r.off_half[0] / NNARROW;
        mean.off_half[1] += r.off_half[1] / NNARROW;
        mean.far += r.far / NNARROW;
        mean.far_drawn += r.far_drawn / NNARROW;
        mean.far_dislike += r.far_dislike / NNARROW;
        mean.far_half[0] += r.far_half[0] / NNARROW;
        mean.far_half[1] += r.far_half[1] / NNARROW;
        mean.aside += r.aside / NNARROW;
        mean.aside_drawn += r.aside_drawn / NNARROW;
        mean.aside_dislike += r.aside_dislike / NNARROW;
        mean.aside_half[0] += r.aside_half[0] / NNARROW;
        mean.aside_half[1] += r.aside_half[1] / NNARROW;
    }
    narrow_print("mean of the words", 0, &mean);
    narrow_pick = 'm';
    most = narrow_row(ix, cfg, NULL);
    narrow_print("most related", 0, &most);
    narrow_pick = 'l';
    least = narrow_row(ix, cfg, NULL);
    narrow_print("least related", 0, &least);
    narrow_pick = 'q';
    own = narrow_row(ix, cfg, NULL);
    narrow_print("its own query", 0, &own);
    narrow_pick = 0;
    /* floors just under the figures of 2026-12-06 (bench/README.md) */
    CHECK(mean.best >= 0.775 && mean.drawn >= 0.71);
    CHECK(mean.comma >= 0.805 && mean.typed >= 0.75);
    CHECK(most.best >= 0.76 && most.drawn >= 0.70);
    CHECK(least.best >= 0.775 && least.drawn >= 0.71);
    CHECK(own.best >= 0.78 && own.drawn >= 0.745);
    /* the agreement rule gains on the narrow words, on both halves of the
     * interests, with drawn likes, and on the most and least related word;
     * readers typing their own query keep their best-likes figure (with
     * drawn likes they lose 0.019: bench/README.md) */
    CHECK(mean.best > mean.off + 0.25);
    CHECK(mean.half[0] > mean.off_half[0] + 0.25);
    CHECK(mean.half[1] > mean.off_half[1] + 0.25);
    CHECK(mean.drawn > mean.off_drawn + 0.2);
    CHECK(most.best > most.off + 0.1 && least.best > least.off + 0.3);
    CHECK(own.best >= own.off);
    printf("closeness rule on - off, drawn likes: words %+.4f, most %+.4f, "
           "least %+.4f, own query %+.4f\n",
           mean.drawn - mean.far_drawn, most.drawn - most.far_drawn,
           least.drawn - least.far_drawn, own.drawn - own.far_drawn);
    /* the closeness rule (agree_near) gains on the most related word and
     * on the mean of the words, on both halves, and on the own query;
     * nothing loses with drawn likes or a dislike */
    CHECK(most.best > most.far + 0.03);
    CHECK(most.half[0] > most.far_half[0] + 0.02);
    CHECK(most.half[1] > most.far_half[1] + 0.02);
    CHECK(mean.best > mean.far + 0.003);
    CHECK(mean.half[0] > mean.far_half[0] && mean.half[1] > mean.far_half[1]);
    CHECK(own.best > own.far + 0.015);
    CHECK(least.best >= least.far);
    CHECK(mean.drawn >= mean.far_drawn && most.drawn >= most.far_drawn);
    CHECK(least.drawn >= least.far_drawn && own.drawn >= own.far_drawn);
    CHECK(mean.dislike >= mean.far_dislike && most.dislike >= most.far_dislike);
    CHECK(least.dislike >= least.far_dislike && own.dislike >= own.far_dislike);
    printf("asides at agree_once - in full, 2 best / drawn / +dislike: words "
           "%+.4f / %+.4f / %+.4f, most %+.4f / %+.4f / %+.4f, own query "
           "%+.4f / %+.4f / %+.4f\n",
           mean.best - mean.aside, mean.drawn - mean.aside_drawn,
           mean.dislike - mean.aside_dislike, most.best - most.aside,
           most.drawn - most.aside_drawn, most.dislike - most.aside_dislike,
           own.best - own.aside, own.drawn - own.aside_drawn,
           own.dislike - own.aside_dislike);
    /* a liked paper's passing mention agreeing by half (agree_once) gains
     * on the most related word and the mean of the words, on both halves;
     * nothing loses, with drawn likes or a dislike either */
    CHECK(most.best > most.aside + 0.02);
    CHECK(most.half[0] > most.aside_half[0] + 0.01);
    CHECK(most.half[1] > most.aside_half[1] + 0.01);
    CHECK(mean.best > mean.aside + 0.003);
    CHECK(mean.half[0] > mean.aside_half[0] &&
          mean.half[1] > mean.aside_half[1]);
    CHECK(own.best >= own.aside && least.best >= least.aside);
    CHECK(mean.drawn >= mean.aside_drawn && most.drawn >= most.aside_drawn);
    CHECK(least.drawn >= least.aside_drawn && own.drawn >= own.aside_drawn);
    CHECK(mean.dislike >= mean.aside_dislike &&
          most.dislike >= most.aside_dislike);
    CHECK(least.dislike >= least.aside_dislike &&
          own.dislike >= own.aside_dislike);
}

int
main(void)
{
    static const char *const vague[] = {"", "learning", "models", "language",
                                        "efficient"};
    struct config *cfg = config_defaults();
    struct rank_index *ix = NULL;
    struct err err;
    double vague0 = 0;
    double sum_after = 0, sum_full = 0, sum_plain = 0, sum_noql = 0;
    double half[2] = {0, 0}, half_noql[2] = {0, 0}, sum_novague = 0;
    double half_novague[2] = {0, 0}, sum_agreeonly = 0;

    err_init(&err);
    CHECK(seed_load(papers, NPAPERS_MAX, &npapers) == 0);
    CHECK_INT_EQ(npapers, 119);
    CHECK(seed_load_judgements(qs, 2 * NQUERIES_MAX, &nq,
                               "tests/fixtures/relevance/queries.tsv",
                               "tests/fixtures/relevance/qrels.tsv") == 0);
    CHECK(seed_load_judgements(qs, 2 * NQUERIES_MAX, &nq,
                               "tests/fixtures/relevance/queries_typed.tsv",
                               "tests/fixtures/relevance/qrels_typed.tsv") ==
          0);
    CHECK(nq >= 30);
    CHECK(rank_index_open(cfg, &ix, &err) == 0);
    if (ix == NULL || npapers == 0)
        return CHECK_DONE();
    for (int i = 0; i < npapers; i++)
        rank_index_add(ix, i + 1, papers[i].title, papers[i].abstract);
    if (getenv("READER_TREND"))
        cfg->trending_weight = atof(getenv("READER_TREND"));
    if (getenv("READER_COOC"))
        rank_index_params(ix)->cooc_terms = atoi(getenv("READER_COOC"));
    if (getenv("READER_COOC_W"))
        rank_index_params(ix)->cooc_weight = atof(getenv("READER_COOC_W"));
    if (getenv("READER_COOC_FROM"))
        rank_index_params(ix)->cooc_from = atoi(getenv("READER_COOC_FROM"));
    if (getenv("READER_QL"))
        rank_index_params(ix)->ql_weight = atof(getenv("READER_QL"));
    if (getenv("READER_MU"))
        rank_index_params(ix)->ql_mu = atof(getenv("READER_MU"));
    if (getenv("READER_VAGUE"))
        rank_index_params(ix)->vague_share = atof(getenv("READER_VAGUE"));
    if (getenv("READER_AGREE"))
        rank_index_params(ix)->agree_floor = atof(getenv("READER_AGREE"));
    if (getenv("READER_ONCE"))
        rank_index_params(ix)->agree_once = atof(getenv("READER_ONCE"));
    if (getenv("READER_NEAR"))
        rank_index_params(ix)->agree_near = atof(getenv("READER_NEAR"));
    if (getenv("READER_WEIGHT"))
        rank_index_params(ix)->profile_weight = atof(getenv("READER_WEIGHT"));

    printf("simulated readers: %d judged interests, nDCG@10 on papers not "
           "voted on\n%-12s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n",
           nq, "profile", "before", "2 best", "comma", "typed", "2 drawn",
           "+dislike", "full tr.", "no cooc", "no QL", "no vague");
    for (size_t k = 0; k < NVAGUE; k++) {
        struct figs b = eval(ix, cfg, vague[k], 1, 0, 0);
        struct figs bq = eval(ix, cfg, vague[k], 1, 0, 'q');
        struct figs bt = eval(ix, cfg, vague[k], 1, 0, 't');
        struct figs a = eval(ix, cfg, vague[k], 0, 0, 0);
        struct figs d = eval(ix, cfg, vague[k], 1, 5, 0);
        struct figs o, pl, nql, nv, va, h[2], hn[2], hv[2];
        int cooc = rank_index_params(ix)->cooc_terms;
        double ql = rank_index_params(ix)->ql_weight;
        double vs = rank_index_params(ix)->vague_share;
        double af = rank_index_params(ix)->agree_floor;
        double an = rank_index_params(ix)->agree_near;
        full_trend = 1;
        o = eval(ix, cfg, vague[k], 1, 0, 0);
        full_trend = 0;
        /* the profile without its co-occurrence expansion */
        rank_index_params(ix)->cooc_terms = 0;
        pl = eval(ix, cfg, vague[k], 1, 0, 0);
        rank_index_params(ix)->cooc_terms = cooc;
        /* the cosine alone, without the query-likelihood ranker, and both
         * by halves */
        for (parity = 0; parity < 2; parity++)
            h[parity] = eval(ix, cfg, vague[k], 1, 0, 0);
        parity = -1;
        rank_index_params(ix)->ql_weight = 0;
        nql = eval(ix, cfg, vague[k], 1, 0, 0);
        for (parity = 0; parity < 2; parity++)
            hn[parity] = eval(ix, cfg, vague[k], 1, 0, 0);
        parity = -1;
        rank_index_params(ix)->ql_weight = ql;
        /* vague interests scored beside the likes as before the rules
         * that weigh them there (vague_share, agree_floor, agree_near), and
         * by halves */
        rank_index_params(ix)->vague_share = 1;
        rank_index_params(ix)->agree_floor = 1;
        rank_index_params(ix)->agree_near = 0;
        nv = eval(ix, cfg, vague[k], 1, 0, 0);
        for (parity = 0; parity < 2; parity++)
            hv[parity] = eval(ix, cfg, vague[k], 1, 0, 0);
        parity = -1;
        rank_index_params(ix)->agree_floor = af;
        /* the agreement rule alone */
        rank_index_params(ix)->vague_share = 1;
        va = eval(ix, cfg, vague[k], 1, 0, 0);
        rank_index_params(ix)->vague_share = vs;
        rank_index_params(ix)->agree_near = an;
        printf("%-12s %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f %8.3f "
               "%8.3f\n",
               vague[k][0] ? vague[k] : "(nothing)", b.before, b.after,
               bq.after, bt.after, a.after, d.after, o.after, pl.after,
               nql.after, nv.after);
        /* floors just below the figures of 2026-12-06 (bench/README.md);
         * the target is 0.8, not reached: see README */
        CHECK(b.after > b.before + 0.6);
        CHECK(a.after > a.before + 0.6);
        CHECK(b.after >= 0.775);
        CHECK(bq.after >= 0.805 && bt.after >= 0.755);
        CHECK(a.after >= 0.71);
        CHECK(d.after >= b.after - 0.05);
        /* each of these words matches more than a quarter of the papers:
         * beside the likes, the reader ranks as one who typed nothing */
        if (k > 0 && getenv("READER_VAGUE") == NULL)
            CHECK(fabs(b.after - vague0) < 1e-9);
        if (k == 0)
            vague0 = b.after;
        sum_after += b.after;
        sum_full += o.after;
        sum_plain += pl.after;
        sum_noql += nql.after;
        sum_novague += nv.after;
        sum_agreeonly += va.after;
        for (int x = 0; x < 2; x++) {
            half[x] += h[x].after;
            half_noql[x] += hn[x].after;
            half_novague[x] += hv[x].after;
        }
    }
    printf("mean after 2 best likes over the vague profiles: %.3f (upvotes "
           "at the full trending weight: %.3f; without co-occurrence "
           "expansion: %.3f)\n",
           sum_after / NVAGUE, sum_full / NVAGUE, sum_plain / NVAGUE);
    printf("the cosine alone (no query-likelihood fusion): %.3f; held-out "
           "halves (by the query's number), even %.3f (no QL %.3f), odd %.3f "
           "(%.3f)\n",
           sum_noql / NVAGUE, half[0] / NVAGUE, half_noql[0] / NVAGUE,
           half[1] / NVAGUE, half_noql[1] / NVAGUE);
    printf("vague interests scored beside the likes: %.3f; halves even %.3f, "
           "odd %.3f; weighed by the likes' agreement alone (no quarter "
           "rule): %.3f\n",
           sum_novague / NVAGUE, half_novague[0] / NVAGUE,
           half_novague[1] / NVAGUE, sum_agreeonly / NVAGUE);
    CHECK(sum_after / NVAGUE >= 0.78); /* 0.772 scoring vague interests */
    narrow_table(ix, cfg);
    /* leaving vague interests out beside likes gains, on both halves */
    CHECK(sum_after > sum_novague + 0.005 * NVAGUE);
    CHECK(half[0] > half_novague[0] + 0.002 * NVAGUE);
    CHECK(half[1] > half_novague[1] + 0.002 * NVAGUE);
    /* the query-likelihood ranker earns its place, on both halves */
    CHECK(sum_after > sum_noql + 0.01 * NVAGUE);
    CHECK(half[0] > half_noql[0] + 0.005 * NVAGUE);
    CHECK(half[1] > half_noql[1] + 0.005 * NVAGUE);
    /* the expansion earns its place */
    CHECK(sum_after > sum_plain + 0.01 * NVAGUE);
    /* a reader's likes outweigh the day's upvotes */
    CHECK(sum_after > sum_full + 0.02 * NVAGUE);
    seed_free(papers, npapers);
    rank_index_free(ix);
    config_free(cfg);
    return CHECK_DONE();
}
