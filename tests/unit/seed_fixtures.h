/* SPDX-License-Identifier: MIT */
/*
 * seed_fixtures - the labelled relevance fixtures shared by the ranking
 * tests (test_relevance, test_reader): the seed papers of
 * $SHARED_DIR/fixtures/seed_papers.txt (a two-line page header, then a
 * title line and an abstract line per paper), the judged queries of
 * tests/fixtures/relevance (queries*.tsv, qrels*.tsv; see its README),
 * upvotes that carry no relevance information, and nDCG@10.  Paper
 * numbers are 1-based positions in the seed file, as in the qrels.  No
 * ranking here: only what both tests read and score with.
 */
#ifndef PAPERBOY_SEED_FIXTURES_H
#define PAPERBOY_SEED_FIXTURES_H

#define SEED_PAPERS_MAX 200
#define SEED_TOP 10 /* nDCG@SEED_TOP */

struct seed_paper {
    char *title;
    char *abstract;
};

/* One judged query: its keywords and each paper's grade (3 = exactly the
 * topic, 2 = a main ingredient, 1 = related, 0 = not judged relevant). */
struct seed_judged {
    char id[8];
    char keywords[256];
    int grade[SEED_PAPERS_MAX + 1]; /* by paper number, 1-based */
};

/* seed_load - the seed papers into p[0..max); *n set.  -1 (with a message
 * on stderr) if the file cannot be opened.  Free with seed_free(). */
int seed_load(struct seed_paper *p, int max, int *n);
void seed_free(struct seed_paper *p, int n);

/* seed_load_judgements - the queries of qfile and their grades from rfile
 * appended to q[*n..max); *n updated.  -1 if a file cannot be opened. */
int seed_load_judgements(struct seed_judged *q, int max, int *n,
                         const char *qfile, const char *rfile);

/* seed_upvotes - paper i's upvotes: deterministic, plausible (most papers
 * a few, some up to 179), unrelated to any topic, as on a real day */
int seed_upvotes(int i);

/* seed_ndcg - nDCG@SEED_TOP (gain 2^grade - 1) of the ranking r[0..n)
 * (paper numbers) against grades g[1..npapers] */
double seed_ndcg(const int *g, int npapers, const int *r, int n);

#endif
