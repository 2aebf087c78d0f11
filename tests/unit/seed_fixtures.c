/* SPDX-License-Identifier: MIT */
/*
 * seed_fixtures - loaders and the nDCG of the ranking tests (see
 * seed_fixtures.h).  Reads files only; ranks nothing.
 */
#include "seed_fixtures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* read_line - next line of fp without the newline, or NULL */
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

int
seed_load(struct seed_paper *p, int max, int *n)
{
    const char *dir = getenv("SHARED_DIR");
    char path[1024];
    FILE *fp;
    char *l;
    int k = 0;

    snprintf(path, sizeof(path), "%s/fixtures/seed_papers.txt",
             dir ? dir : "../shared");
    if ((fp = fopen(path, "r")) == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    free(read_line(fp)); /* the page header */
    free(read_line(fp));
    while (k < max && (l = read_line(fp)) != NULL) {
        char *a = read_line(fp);
        if (a == NULL) {
            free(l);
            break;
        }
        /* the page's "Subscribe" button ran into the first title */
        if (k == 0 && strncmp(l, "Subscribe", 9) == 0)
            memmove(l, l + 9, strlen(l + 9) + 1);
        p[k].title = l;
        p[k].abstract = a;
        k++;
    }
    fclose(fp);
    *n = k;
    return 0;
}

void
seed_free(struct seed_paper *p, int n)
{
    for (int i = 0; i < n; i++) {
        free(p[i].title);
        free(p[i].abstract);
    }
}

int
seed_load_judgements(struct seed_judged *q, int max, int *n, const char *qfile,
                     const char *rfile)
{
    FILE *fp;
    char *l;
    int first = *n, k = *n;

    if ((fp = fopen(qfile, "r")) == NULL) {
        fprintf(stderr, "cannot open %s\n", qfile);
        return -1;
    }
    while ((l = read_line(fp)) != NULL) {
        char *tab = strchr(l, '\t');
        if (l[0] != '#' && tab != NULL && k < max) {
            *tab = '\0';
            memset(&q[k], 0, sizeof(q[k]));
            snprintf(q[k].id, sizeof(q[k].id), "%s", l);
            snprintf(q[k].keywords, sizeof(q[k].keywords), "%s", tab + 1);
            k++;
        }
        free(l);
    }
    fclose(fp);
    if ((fp = fopen(rfile, "r")) == NULL) {
        fprintf(stderr, "cannot open %s\n", rfile);
        return -1;
    }
    while ((l = read_line(fp)) != NULL) {
        char qid[16];
        int p, g;
        if (l[0] != '#' && sscanf(l, "%15s %d %d", qid, &p, &g) == 3 &&
            p >= 1 && p <= SEED_PAPERS_MAX)
            for (int i = first; i < k; i++)
                if (strcmp(q[i].id, qid) == 0)
                    q[i].grade[p] = g;
        free(l);
    }
    fclose(fp);
    *n = k;
    return 0;
}

int
seed_upvotes(int i)
{
    unsigned h = (unsigned)i * 2654435761u;

    h ^= h >> 13;
    return (int)(h % 97 < 60 ? h % 12 : h % 180);
}

double
seed_ndcg(const int *g, int npapers, const int *r, int n)
{
    double dcg = 0, idcg = 0;
    int ni = 0;

    for (int i = 0; i < n && i < SEED_TOP; i++)
        dcg += (pow(2, g[r[i]]) - 1) / log2(i + 2.0);
    for (int grade = 3; grade >= 1; grade--)
        for (int p = 1; p <= npapers; p++)
            if (g[p] == grade) {
                if (ni < SEED_TOP)
                    idcg += (pow(2, grade) - 1) / log2(ni + 2.0);
                ni++;
            }
    return idcg > 0 ? dcg / idcg : 0;
}
