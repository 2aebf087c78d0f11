/* SPDX-License-Identifier: MIT */
/*
 * rank_index - in-memory positional index and keyword relevance (see
 * rank_index.h).
 *
 * Positions are packed (position << 4 | length in words): a joined
 * compound covers the words it was written as, so a phrase can continue
 * after it.  The abstract starts RANK_FIELD_GAP positions after the
 * title, so no phrase or proximity window spans the two.  Scores are
 * accumulated in arrays over the index's papers that are kept in the
 * index and cleared through the list of papers touched, so one interest
 * costs the postings of its concepts, not a pass over every paper.
 */
#include "rank_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"
#include "terms.h"
#include "xalloc.h"

#define RANK_FIELD_GAP 32      /* positions between title and abstract */
#define RANK_WINDOW 8          /* words: "near" in the dependence model */
#define RANK_MAX_CONCEPTS 24   /* concepts in one interest */
#define RANK_MAX_ALTS 12       /* spellings of one concept */
#define RANK_MAX_WORDS 64      /* words of one interest */
#define RANK_CACHE_SLOTS 4096  /* interests cached; power of two */
#define RANK_PROFILE_TERMS 96  /* the profile's terms, each way */
#define RANK_VOTE_TERMS 96     /* a voted paper's terms kept for "why" */
#define RANK_VCACHE_SLOTS 4096 /* voted papers' vectors kept; power of 2 */
#define RANK_NEAR_SHARE 0.25   /* x profile_weight: near the voted ones */
#define RANK_ROCCHIO_GAMMA 0.5 /* weight of the disliked papers' mean */
#define RANK_POS(p) ((p) >> 4)
#define RANK_LEN(p) ((p)&15u)

/* One paper's occurrences of a term. */
struct ri_post {
    uint32_t doc;    /* index of the paper */
    uint32_t off;    /* first position in ix->pos */
    uint16_t n;      /* positions */
    uint16_t ntitle; /* of which in the title */
};

struct ri_term {
    char *s;     /* the term */
    int surface; /* a word's form as written ("=adaptive"), not a
                    stem: in the postings only (terms_surface()) */
    struct ri_post *p;
    uint32_t n, cap;
};

/* A paper's term counts (the forward index: feedback, co-occurrence and
 * the why line's nearest liked paper), sorted by term. */
struct ri_tf {
    uint32_t term;
    uint16_t tf;     /* occurrences (capped as ri_post's) */
    uint16_t ntitle; /* of which in the title */
};

/* A voted paper's vectors (ri_vote_vector), kept for the next reader who
 * voted on it; slot by paper id, a newcomer replaces the slot's paper. */
struct ri_vcache {
    int64_t id; /* 0 = empty */
    struct ri_tw *vec;
    size_t nvec;
    uint32_t *all;
    uint8_t *once;
    size_t nall;
};

struct ri_result;
struct rank_index;
static void ri_vcache_clear(struct rank_index *ix);
static void ri_cache_clear(struct rank_index *ix);
static void ri_nb_clear(struct rank_index *ix);
static void ri_ql_clear(struct rank_index *ix);
static const struct ri_nb *ri_neighbours(struct rank_index *ix, uint32_t t);
static double ri_idf(const struct rank_index *ix, uint32_t t);

/* A term's co-occurrence neighbours (ri_neighbours), best first. */
struct ri_nb {
    uint32_t *t;
    float *w; /* association, the best 1 */
    uint32_t n;
    int done;
};

struct rank_index {
    struct terms *terms;
    struct rank_params prm;
    uint32_t *slot; /* vocabulary hash: term id + 1, 0 = empty */
    size_t nslot;
    struct ri_term *t;
    size_t nt, tcap;
    uint32_t *pos; /* packed positions */
    size_t npos, poscap;
    int64_t *ids;      /* paper ids, increasing */
    uint32_t *absbase; /* first abstract position of each paper */
    float *dl;         /* BM25F length of each paper */
    uint32_t *fwd;     /* each paper's first entry in tfs */
    struct ri_tf *tfs;
    size_t ntfs, tfscap;
    size_t ndocs, dcap;
    double dlsum;
    float *norm; /* per paper: length of its tf-idf vector (ri_norm) */
    /* query likelihood (ri_ql_prepare), once per index and knobs: per
     * posting log(1 + tf / (mu cf / |C|)), at qloff[term] + k; per paper
     * log(mu / (|d| + mu)); NULL = not yet */
    float *qlpost, *qllen;
    uint32_t *qloff;
    /* the cosine's weight of every posting, (1 + log tf) / the paper's
     * norm (ri_norm), at qloff[term] + k, with the query-likelihood ones */
    double *cosw;
    /* scoring work arrays over ndocs */
    double *acc, *mass, *res, *pres; /* pres: the reader's profile */
    uint32_t *matched;
    unsigned char *seen, *drop;
    uint32_t *touched;
    size_t wcap;
    struct ri_result *cache; /* RANK_CACHE_SLOTS results by interest */
    size_t ncache;
    struct ri_nb *nb;     /* per term, computed on first use; NULL = none yet */
    uint32_t *cnt;        /* per term: co-occurrence counts while computing */
    struct ri_vcache *vc; /* RANK_VCACHE_SLOTS voted papers' vectors */
};

/* A concept occurrence. */
struct ri_occ {
    uint32_t doc;
    uint32_t pos; /* packed */
};

struct ri_alt {
    uint32_t t[TERMS_SEQ_MAX];
    int n;
};

struct ri_concept {
    struct ri_alt alt[RANK_MAX_ALTS];
    int nalt;
    long exact; /* the typed word's own form (a term id), or -1 */
    double idf;
    struct ri_occ *occ; /* sorted by doc, then position */
    size_t nocc;
};

struct ri_interest {
    struct ri_concept c[RANK_MAX_CONCEPTS];
    int nc;
};

int
rank_index_new(const char *synonyms, double title_weight,
               struct rank_index **out, struct err *err)
{
    struct rank_index *ix = xcalloc(1, sizeof(*ix));

    ix->terms = terms_new();
    if (synonyms != NULL && terms_syn_load(ix->terms, synonyms, err) == -1) {
        rank_index_free(ix);
        return -1;
    }
    ix->prm.title_weight = title_weight;
    ix->prm.k1 = 1.2;
    ix->prm.b = 0.75;
    ix->prm.min_cover = 0;
    ix->prm.cover_power = 1;
    ix->prm.phrase_bonus = 0.25;
    ix->prm.near_bonus = 0.1;
    ix->prm.exact_weight = 0.5;
    ix->prm.once_weight = 0.1;
    ix->prm.prf_docs = 0;
    ix->prm.prf_terms = 10;
    ix->prm.prf_weight = 0.3;
    ix->prm.profile_weight = 1;
    ix->prm.cooc_terms = 10;
    ix->prm.cooc_from = 10;
    ix->prm.cooc_weight = 0.1;
    ix->prm.ql_weight = 0.2;
    ix->prm.ql_mu = 2000;
    ix->prm.vague_share = 0.25;
    ix->prm.agree_floor = 0;
    ix->prm.agree_near = 1;
    ix->prm.agree_once = 0.5;
    ix->nslot = 1024;
    ix->slot = xcalloc(ix->nslot, sizeof(*ix->slot));
    *out = ix;
    return 0;
}

void
rank_index_free(struct rank_index *ix)
{
    if (ix == NULL)
        return;
    ri_cache_clear(ix);
    free(ix->cache);
    ri_nb_clear(ix);
    ri_vcache_clear(ix);
    terms_free(ix->terms);
    for (size_t i = 0; i < ix->nt; i++) {
        free(ix->t[i].s);
        free(ix->t[i].p);
    }
    free(ix->t);
    free(ix->slot);
    free(ix->pos);
    free(ix->ids);
    free(ix->absbase);
    free(ix->dl);
    free(ix->fwd);
    free(ix->tfs);
    free(ix->acc);
    free(ix->mass);
    free(ix->res);
    free(ix->pres);
    free(ix->norm);
    ri_ql_clear(ix);
    free(ix->matched);
    free(ix->seen);
    free(ix->drop);
    free(ix->touched);
    free(ix);
}

/* ri_nb_clear - forget every term's neighbours */
static void
ri_nb_clear(struct rank_index *ix)
{
    if (ix->nb != NULL)
        for (size_t i = 0; i < ix->nt; i++) {
            free(ix->nb[i].t);
            free(ix->nb[i].w);
        }
    free(ix->nb);
    free(ix->cnt);
    ix->nb = NULL;
    ix->cnt = NULL;
}

struct rank_params *
rank_index_params(struct rank_index *ix)
{
    ri_cache_clear(ix); /* results computed with the old knobs */
    ri_nb_clear(ix);
    ri_ql_clear(ix);
    ri_vcache_clear(ix); /* title_weight weighs the vectors */
    return &ix->prm;
}

/* ri_ql_clear - forget the query-likelihood weights */
static void
ri_ql_clear(struct rank_index *ix)
{
    free(ix->qlpost);
    free(ix->qllen);
    free(ix->qloff);
    free(ix->cosw);
    ix->qlpost = ix->qllen = NULL;
    ix->cosw = NULL;
    ix->qloff = NULL;
}

size_t
rank_index_size(const struct rank_index *ix)
{
    return ix->ndocs;
}

/* ri_hash - FNV-1a of s */
static uint32_t
ri_hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* ri_slot - the slot of term s, or the empty one where it would go */
static uint32_t *
ri_slot(const struct rank_index *ix, const char *s)
{
    size_t i = ri_hash(s) & (ix->nslot - 1);

    while (ix->slot[i] != 0 && strcmp(ix->t[ix->slot[i] - 1].s, s) != 0)
        i = (i + 1) & (ix->nslot - 1);
    return &ix->slot[i];
}

/* ri_lookup - id of term s, or -1 */
static long
ri_lookup(const struct rank_index *ix, const char *s)
{
    uint32_t v = *ri_slot(ix, s);

    return v ? (long)v - 1 : -1;
}

/* ri_intern - id of term s, added when new */
static uint32_t
ri_intern(struct rank_index *ix, const char *s)
{
    uint32_t *sl = ri_slot(ix, s);

    if (*sl != 0)
        return *sl - 1;
    if (2 * (ix->nt + 1) > ix->nslot) {
        free(ix->slot);
        ix->nslot *= 2;
        ix->slot = xcalloc(ix->nslot, sizeof(*ix->slot));
        for (size_t i = 0; i < ix->nt; i++)
            *ri_slot(ix, ix->t[i].s) = (uint32_t)i + 1;
        sl = ri_slot(ix, s);
    }
    if (ix->nt == ix->tcap) {
        ix->tcap = ix->tcap ? 2 * ix->tcap : 1024;
        ix->t = xrealloc(ix->t, ix->tcap * sizeof(*ix->t));
    }
    memset(&ix->t[ix->nt], 0, sizeof(ix->t[0]));
    ix->t[ix->nt].s = xstrdup(s);
    ix->t[ix->nt].surface = s[0] == '=';
    *sl = (uint32_t)ix->nt + 1;
    return (uint32_t)ix->nt++;
}

/* A token of the paper being indexed. */
struct ri_tok {
    uint32_t term;
    uint32_t pos; /* packed */
};

/* State while one paper is split into words. */
struct ri_build {
    struct rank_index *ix;
    struct ri_tok *tok;
    size_t n, cap;
    uint32_t next;                  /* next position */
    char chain[4 * TERMS_WORD_MAX]; /* a hyphen compound so far, joined */
    size_t chainlen;
    uint32_t chainpos, chainwords;
};

/* ri_push - add a token */
static void
ri_push(struct ri_build *b, uint32_t term, uint32_t pos, uint32_t len)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 512;
        b->tok = xrealloc(b->tok, b->cap * sizeof(*b->tok));
    }
    b->tok[b->n].term = term;
    b->tok[b->n].pos = pos << 4 | (len > 15 ? 15 : len);
    b->n++;
}

/* ri_on_word - index one word of a paper (and a finished compound) */
static void
ri_on_word(void *arg, const char *w, size_t n, int flags)
{
    struct ri_build *b = arg;
    char term[TERMS_WORD_MAX], surf[TERMS_WORD_MAX + 1];

    terms_syn_learn(b->ix->terms, w, n, flags);
    surf[0] = '='; /* a form as written: '=' starts no term */
    if (terms_word_forms(b->ix->terms, w, n, term, surf + 1) > 0) {
        ri_push(b, ri_intern(b->ix, term), b->next, 1);
        if (strcmp(surf + 1, term) != 0)
            ri_push(b, ri_intern(b->ix, surf), b->next, 1);
    }
    /* hyphen compounds: "pre-training" is also "pretraining" */
    if (b->chainwords == 0)
        b->chainpos = b->next;
    if (b->chainlen + n < sizeof(b->chain)) {
        memcpy(b->chain + b->chainlen, w, n);
        b->chainlen += n;
    }
    b->chainwords++;
    if (!(flags & TERMS_HYPHEN)) {
        if (b->chainwords >= 2 &&
            terms_word(b->ix->terms, b->chain, b->chainlen, term) > 0)
            ri_push(b, ri_intern(b->ix, term), b->chainpos, b->chainwords);
        b->chainlen = 0;
        b->chainwords = 0;
    }
    b->next++;
}

/* ri_cmp_tok - qsort: by term, then position */
static int
ri_cmp_tok(const void *pa, const void *pb)
{
    const struct ri_tok *a = pa, *b = pb;

    if (a->term != b->term)
        return a->term < b->term ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* ri_grow_docs - room for one more paper */
static void
ri_grow_docs(struct rank_index *ix)
{
    if (ix->ndocs < ix->dcap)
        return;
    ix->dcap = ix->dcap ? 2 * ix->dcap : 256;
    ix->ids = xrealloc(ix->ids, ix->dcap * sizeof(*ix->ids));
    ix->absbase = xrealloc(ix->absbase, ix->dcap * sizeof(*ix->absbase));
    ix->dl = xrealloc(ix->dl, ix->dcap * sizeof(*ix->dl));
    ix->fwd = xrealloc(ix->fwd, (ix->dcap + 1) * sizeof(*ix->fwd));
}

void
rank_index_add(struct rank_index *ix, int64_t id, const char *title,
               const char *abstract)
{
    struct ri_build b;
    uint32_t doc = (uint32_t)ix->ndocs, ntitle;

    memset(&b, 0, sizeof(b));
    b.ix = ix;
    ri_cache_clear(ix); /* new papers change every idf */
    ri_nb_clear(ix);
    ri_vcache_clear(ix);
    free(ix->norm);
    ix->norm = NULL;
    ri_ql_clear(ix);
    ri_grow_docs(ix);
    terms_syn_reset(ix->terms);
    terms_split(title ? title : "", ri_on_word, &b);
    ntitle = b.next;
    b.next += RANK_FIELD_GAP;
    b.chainlen = b.chainwords = 0;
    ix->absbase[doc] = b.next;
    terms_syn_reset(ix->terms);
    terms_split(abstract ? abstract : "", ri_on_word, &b);
    ix->ids[doc] = id;
    ix->dl[doc] =
        (float)(ix->prm.title_weight * ntitle + (b.next - ix->absbase[doc]));
    ix->dlsum += ix->dl[doc];
    ix->fwd[doc] = (uint32_t)ix->ntfs;
    if (b.n > 1)
        qsort(b.tok, b.n, sizeof(*b.tok), ri_cmp_tok);
    for (size_t i = 0; i < b.n;) {
        size_t j = i;
        struct ri_term *t = &ix->t[b.tok[i].term];
        struct ri_post *p;
        uint32_t nt = 0;
        while (j < b.n && b.tok[j].term == b.tok[i].term)
            j++;
        if (ix->npos + (j - i) > ix->poscap) {
            ix->poscap = 2 * (ix->npos + (j - i)) + 4096;
            ix->pos = xrealloc(ix->pos, ix->poscap * sizeof(*ix->pos));
        }
        if (t->n == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 4;
            t->p = xrealloc(t->p, t->cap * sizeof(*t->p));
        }
        p = &t->p[t->n++];
        p->doc = doc;
        p->off = (uint32_t)ix->npos;
        for (size_t k = i; k < j; k++) {
            ix->pos[ix->npos++] = b.tok[k].pos;
            nt += RANK_POS(b.tok[k].pos) < ix->absbase[doc];
        }
        p->n = (uint16_t)(j - i > 65535 ? 65535 : j - i);
        p->ntitle = (uint16_t)(nt > 65535 ? 65535 : nt);
        if (t->surface) {
            i = j;
            continue; /* not in the forward index: a stem's other form */
        }
        if (ix->ntfs == ix->tfscap) {
            ix->tfscap = ix->tfscap ? 2 * ix->tfscap : 4096;
            ix->tfs = xrealloc(ix->tfs, ix->tfscap * sizeof(*ix->tfs));
        }
        ix->tfs[ix->ntfs].term = b.tok[i].term;
        ix->tfs[ix->ntfs].tf = p->n;
        ix->tfs[ix->ntfs].ntitle = p->ntitle;
        ix->ntfs++;
        i = j;
    }
    ix->ndocs++;
    ix->fwd[ix->ndocs] = (uint32_t)ix->ntfs;
    free(b.tok);
}

/* ri_post_of - term t's posting for doc, or NULL */
static const struct ri_post *
ri_post_of(const struct rank_index *ix, uint32_t t, uint32_t doc)
{
    const struct ri_term *tt = &ix->t[t];
    size_t lo = 0, hi = tt->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tt->p[mid].doc == doc)
            return &tt->p[mid];
        if (tt->p[mid].doc < doc)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ri_has_pos - 1 if posting p holds a word starting at position pos;
 * *len gets its length */
static int
ri_has_pos(const struct rank_index *ix, const struct ri_post *p, uint32_t pos,
           uint32_t *len)
{
    const uint32_t *v = ix->pos + p->off;
    size_t lo = 0, hi = p->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (RANK_POS(v[mid]) < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < p->n)
        if (RANK_POS(v[lo]) == pos) {
            *len = RANK_LEN(v[lo]);
            return 1;
        }
    return 0;
}

/* Occurrences being collected. */
struct ri_occs {
    struct ri_occ *v;
    size_t n, cap;
};

/* ri_occ_add - append one occurrence */
static void
ri_occ_add(struct ri_occs *o, uint32_t doc, uint32_t pos)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 256;
        o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
    }
    o->v[o->n].doc = doc;
    o->v[o->n].pos = pos;
    o->n++;
}

/* ri_alt_occs - every occurrence of alternative a (a word or a phrase) */
static void
ri_alt_occs(const struct rank_index *ix, const struct ri_alt *a,
            struct ri_occs *o)
{
    const struct ri_term *t0 = &ix->t[a->t[0]];

    for (uint32_t i = 0; i < t0->n; i++) {
        const struct ri_post *p = &t0->p[i];
        const struct ri_post *rest[TERMS_SEQ_MAX];
        int ok = 1;
        if (a->n == 1) {
            for (uint16_t k = 0; k < p->n; k++)
                ri_occ_add(o, p->doc, ix->pos[p->off + k]);
            continue;
        }
        for (int j = 1; j < a->n && ok; j++)
            ok = (rest[j] = ri_post_of(ix, a->t[j], p->doc)) != NULL;
        if (!ok)
            continue;
        for (uint16_t k = 0; k < p->n; k++) {
            uint32_t start = RANK_POS(ix->pos[p->off + k]);
            uint32_t next = start + RANK_LEN(ix->pos[p->off + k]), len;
            int j;
            for (j = 1; j < a->n; j++) {
                if (!ri_has_pos(ix, rest[j], next, &len))
                    break;
                next += len;
            }
            if (j == a->n)
                ri_occ_add(o, p->doc,
                           start << 4 |
                               (next - start > 15 ? 15 : next - start));
        }
    }
}

/* ri_cmp_occ - qsort: by doc, then position */
static int
ri_cmp_occ(const void *pa, const void *pb)
{
    const struct ri_occ *a = pa, *b = pb;

    if (a->doc != b->doc)
        return a->doc < b->doc ? -1 : 1;
    return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* ri_concept_occs - c's occurrences over all its spellings, one per start
 * position (the longest), and its idf */
static void
ri_concept_occs(const struct rank_index *ix, struct ri_concept *c)
{
    struct ri_occs o = {NULL, 0, 0};
    size_t k = 0;
    uint32_t df = 0;
    double n = (double)ix->ndocs;

    for (int a = 0; a < c->nalt; a++)
        ri_alt_occs(ix, &c->alt[a], &o);
    if (c->nalt > 1 && o.n > 1)
        qsort(o.v, o.n, sizeof(*o.v), ri_cmp_occ);
    for (size_t i = 0; i < o.n; i++) {
        if (k > 0 && o.v[k - 1].doc == o.v[i].doc &&
            RANK_POS(o.v[k - 1].pos) == RANK_POS(o.v[i].pos)) {
            o.v[k - 1].pos = o.v[i].pos; /* sorted: the longer one */
            continue;
        }
        df += k == 0 || o.v[k - 1].doc != o.v[i].doc;
        o.v[k++] = o.v[i];
    }
    c->occ = o.v;
    c->nocc = k;
    c->idf = log(1 + (n - df + 0.5) / (df + 0.5));
}

/* Words of an interest as typed. */
struct ri_words {
    struct rank_index *ix;
    char stem[RANK_MAX_WORDS][TERMS_WORD_MAX];
    char raw[RANK_MAX_WORDS][TERMS_WORD_MAX];
    long exact[RANK_MAX_WORDS]; /* the word's own form's term, or -1 */
    size_t n;
};

/* ri_exact_term - the term of word w's own form when it differs from its
 * stem ("=adaptive" for "adapt"), or -1 (the same, or no paper writes
 * it) */
static long
ri_exact_term(const struct rank_index *ix, const char *w, size_t n,
              const char *stem)
{
    char surf[TERMS_WORD_MAX + 1];

    surf[0] = '=';
    if (terms_surface(w, n, surf + 1) == 0 || strcmp(surf + 1, stem) == 0)
        return -1;
    return ri_lookup(ix, surf);
}

/* ri_on_query_word - collect one typed word */
static void
ri_on_query_word(void *arg, const char *w, size_t n, int flags)
{
    struct ri_words *q = arg;

    (void)flags;
    if (q->n == RANK_MAX_WORDS)
        return;
    if (terms_word(q->ix->terms, w, n, q->stem[q->n]) == 0)
        return;
    if (n >= TERMS_WORD_MAX)
        n = TERMS_WORD_MAX - 1;
    q->exact[q->n] = ri_exact_term(q->ix, w, n, q->stem[q->n]);
    memcpy(q->raw[q->n], w, n);
    q->raw[q->n][n] = '\0';
    q->n++;
}

/* ri_alt_add - add the spelling "t1 t2 ..." (terms joined by spaces) to c,
 * unless a term is not in the index or c is full */
static void
ri_alt_add(const struct rank_index *ix, struct ri_concept *c, const char *seq)
{
    struct ri_alt a;
    char buf[TERMS_SEQ_MAX * TERMS_WORD_MAX];
    char *p = buf, *sp;

    if (c->nalt == RANK_MAX_ALTS || strlen(seq) >= sizeof(buf))
        return;
    memcpy(buf, seq, strlen(seq) + 1);
    a.n = 0;
    while (p != NULL && a.n < TERMS_SEQ_MAX) {
        long id;
        sp = strchr(p, ' ');
        if (sp != NULL)
            *sp = '\0';
        id = ri_lookup(ix, p);
        if (id < 0)
            return;
        a.t[a.n++] = (uint32_t)id;
        p = sp ? sp + 1 : NULL;
    }
    for (int i = 0; i < c->nalt; i++)
        if (c->alt[i].n == a.n &&
            memcmp(c->alt[i].t, a.t, (size_t)a.n * sizeof(a.t[0])) == 0)
            return;
    c->alt[c->nalt++] = a;
}

/* ri_seq - words w->stem[i..i+len) joined by spaces into out */
static void
ri_seq(const struct ri_words *w, size_t i, size_t len, char *out, size_t size)
{
    size_t k = 0;

    out[0] = '\0';
    for (size_t j = i; j < i + len; j++) {
        size_t l = strlen(w->stem[j]);
        if (k + l + 2 > size)
            return;
        if (k > 0)
            out[k++] = ' ';
        memcpy(out + k, w->stem[j], l + 1);
        k += l;
    }
}

/* ri_add_group - the spellings of seq's synonym group into c; 1 if seq is
 * in the table */
static int
ri_add_group(struct rank_index *ix, struct ri_concept *c, const char *seq)
{
    const char *const *m;
    size_t nm;

    if (terms_syn_group(ix->terms, seq, &m, &nm) < 0)
        return 0;
    ri_alt_add(ix, c, seq);
    for (size_t i = 0; i < nm; i++)
        ri_alt_add(ix, c, m[i]);
    return 1;
}

/* ri_joined - the term of raw words a and b written as one ("pre" +
 * "training" = "pretrain") into out; 0 if it is not in the index */
static int
ri_joined(struct rank_index *ix, const char *a, const char *b, char *out)
{
    char j[2 * TERMS_WORD_MAX];
    size_t la = strlen(a), lb = strlen(b);

    memcpy(j, a, la);
    memcpy(j + la, b, lb + 1);
    return terms_word(ix->terms, j, la + lb, out) > 0 &&
           ri_lookup(ix, out) >= 0;
}

/* ri_new_concept - the next free concept of in, or NULL */
static struct ri_concept *
ri_new_concept(struct ri_interest *in)
{
    struct ri_concept *c;

    if (in->nc == RANK_MAX_CONCEPTS)
        return NULL;
    c = &in->c[in->nc++];
    memset(c, 0, sizeof(*c));
    c->exact = -1;
    return c;
}

/* ri_add_others - the spellings of seq's group other than seq into c */
static void
ri_add_others(struct rank_index *ix, struct ri_concept *c, const char *seq)
{
    const char *const *m;
    size_t nm;

    if (terms_syn_group(ix->terms, seq, &m, &nm) < 0)
        return;
    for (size_t i = 0; i < nm; i++)
        if (strcmp(m[i], seq) != 0)
            ri_alt_add(ix, c, m[i]);
}

/* ri_group_run - the longest run of words from i that the synonym table
 * knows (into seq), or 0 */
static size_t
ri_group_run(struct rank_index *ix, const struct ri_words *w, size_t i,
             char *seq, size_t size)
{
    size_t longest = terms_syn_longest(ix->terms);
    const char *const *m;
    size_t nm;

    for (size_t len = longest < w->n - i ? longest : w->n - i; len >= 1;
         len--) {
        ri_seq(w, i, len, seq, size);
        if (terms_syn_group(ix->terms, seq, &m, &nm) >= 0)
            return len;
    }
    return 0;
}

/*
 * ri_words_concepts - unquoted words to concepts.  A word the synonym
 * table knows alone (an acronym) is one concept with its expansions.  A
 * run of words it knows ("vision language model") stays one concept per
 * word, so papers holding most of them still match, and each of those
 * concepts also matches the run's other spellings ("VLM"), which meet
 * every one of them at once.  Two words the papers also write as one
 * ("pre training") are likewise two concepts that each match the joined
 * form ("pretraining").  Any other word is its own concept.
 */
static void
ri_words_concepts(struct rank_index *ix, const struct ri_words *w,
                  struct ri_interest *in)
{
    char seq[TERMS_SEQ_MAX * TERMS_WORD_MAX], joined[TERMS_WORD_MAX];

    for (size_t i = 0; i < w->n;) {
        struct ri_concept *c;
        size_t run = ri_group_run(ix, w, i, seq, sizeof(seq));
        if (run >= 2) {
            for (size_t j = i; j < i + run; j++) {
                if ((c = ri_new_concept(in)) == NULL)
                    return;
                ri_alt_add(ix, c, w->stem[j]);
                ri_add_others(ix, c, seq);
                c->exact = w->exact[j];
            }
            i += run;
            continue;
        }
        if ((c = ri_new_concept(in)) == NULL)
            return;
        c->exact = w->exact[i];
        if (run == 1) {
            ri_add_group(ix, c, seq);
            i++;
            continue;
        }
        {
            /* "llms" typed in lower case: the acronym's plural */
            size_t l = strlen(w->stem[i]);
            if (l > 2 && w->stem[i][l - 1] == 's') {
                memcpy(seq, w->stem[i], l - 1);
                seq[l - 1] = '\0';
                if (ri_add_group(ix, c, seq)) {
                    i++;
                    continue;
                }
            }
        }
        if (i + 1 < w->n && ri_joined(ix, w->raw[i], w->raw[i + 1], joined)) {
            ri_alt_add(ix, c, w->stem[i]);
            ri_alt_add(ix, c, joined);
            if ((c = ri_new_concept(in)) == NULL)
                return;
            ri_alt_add(ix, c, w->stem[i + 1]);
            ri_alt_add(ix, c, joined);
            c->exact = w->exact[i + 1];
            i += 2;
            continue;
        }
        ri_alt_add(ix, c, w->stem[i]);
        i++;
    }
}

/* ri_phrase_concept - a quoted phrase: one concept, with its synonyms and
 * its two words written as one */
static void
ri_phrase_concept(struct rank_index *ix, const struct ri_words *w,
                  struct ri_interest *in)
{
    char seq[TERMS_SEQ_MAX * TERMS_WORD_MAX], joined[TERMS_WORD_MAX];
    struct ri_concept *c;

    if (w->n == 0 || (c = ri_new_concept(in)) == NULL)
        return;
    ri_seq(w, 0, w->n < TERMS_SEQ_MAX ? w->n : TERMS_SEQ_MAX, seq, sizeof(seq));
    if (!ri_add_group(ix, c, seq))
        ri_alt_add(ix, c, seq);
    if (w->n == 2 && ri_joined(ix, w->raw[0], w->raw[1], joined))
        ri_alt_add(ix, c, joined);
}

/* ri_compile - the concepts of one interest, with their occurrences */
static void
ri_compile(struct rank_index *ix, const struct query_term *qt,
           struct ri_interest *in)
{
    struct ri_words *w = xmalloc(sizeof(*w));

    in->nc = 0;
    w->ix = ix;
    w->n = 0;
    for (size_t k = 0; k < qt->nphrases; k++) {
        if (!qt->quoted[k]) {
            terms_split(qt->words[k], ri_on_query_word, w);
            continue;
        }
        ri_words_concepts(ix, w, in);
        w->n = 0;
        terms_split(qt->words[k], ri_on_query_word, w);
        ri_phrase_concept(ix, w, in);
        w->n = 0;
    }
    ri_words_concepts(ix, w, in);
    free(w);
    for (int i = 0; i < in->nc; i++)
        ri_concept_occs(ix, &in->c[i]);
}

/* ri_release - free the occurrences */
static void
ri_release(struct ri_interest *in)
{
    for (int i = 0; i < in->nc; i++)
        free(in->c[i].occ);
    in->nc = 0;
}

/* ri_range - the occurrences of c in doc: [*lo, *hi) */
static void
ri_range(const struct ri_concept *c, uint32_t doc, size_t *lo, size_t *hi)
{
    size_t a = 0, b = c->nocc;

    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (c->occ[mid].doc < doc)
            a = mid + 1;
        else
            b = mid;
    }
    *lo = a;
    while (a < c->nocc && c->occ[a].doc == doc)
        a++;
    *hi = a;
}

/* ri_pair - how often concepts a and b of doc (occurrence ranges given)
 * appear as typed, b right after a (*ordered), and both within
 * RANK_WINDOW words in any order (*window) */
static void
ri_pair(const struct ri_concept *a, size_t alo, size_t ahi,
        const struct ri_concept *b, size_t blo, size_t bhi, double *ordered,
        double *window)
{
    *ordered = *window = 0;
    for (size_t i = alo; i < ahi; i++) {
        uint32_t pa = RANK_POS(a->occ[i].pos);
        uint32_t end = pa + RANK_LEN(a->occ[i].pos);
        int near = 0;
        for (size_t j = blo; j < bhi; j++) {
            uint32_t pb = RANK_POS(b->occ[j].pos);
            if (pb == end)
                *ordered += 1;
            if (pb != pa && (pb > pa ? pb - pa : pa - pb) < RANK_WINDOW)
                near = 1;
        }
        *window += near;
    }
}

/*
 * ri_proximity - term dependence (Metzler & Croft's sequential dependence
 * model): for each pair of concepts next to each other in the interest,
 * the pair's occurrences as typed (ordered, adjacent) and within a
 * window, saturated like a term and weighted by the pair's idf.
 */
static double
ri_proximity(const struct rank_index *ix, const struct ri_interest *in,
             uint32_t doc)
{
    const struct rank_params *p = &ix->prm;
    size_t lo[RANK_MAX_CONCEPTS], hi[RANK_MAX_CONCEPTS];
    double s = 0;
    int prev = -1;

    for (int i = 0; i < in->nc; i++) {
        double o, w;
        if (in->c[i].nalt == 0)
            continue;
        ri_range(&in->c[i], doc, &lo[i], &hi[i]);
        if (prev >= 0 && lo[i] < hi[i] && lo[prev] < hi[prev]) {
            double idf = in->c[i].idf + in->c[prev].idf;
            ri_pair(&in->c[prev], lo[prev], hi[prev], &in->c[i], lo[i], hi[i],
                    &o, &w);
            s += idf * (p->phrase_bonus * o * (p->k1 + 1) / (o + p->k1) +
                        p->near_bonus * w * (p->k1 + 1) / (w + p->k1));
        }
        prev = i;
    }
    return s;
}

/* ri_sat - BM25F term weight of a concept in doc, tf counts split by
 * field */
static double
ri_sat(const struct rank_index *ix, uint32_t doc, double title, double abs)
{
    const struct rank_params *p = &ix->prm;
    double avgdl = ix->ndocs ? ix->dlsum / (double)ix->ndocs : 1;
    double tf = p->title_weight * title + abs;
    double norm =
        p->k1 * (1 - p->b + p->b * ix->dl[doc] / (avgdl > 0 ? avgdl : 1));

    return tf * (p->k1 + 1) / (tf + norm);
}

/* ri_work - the work arrays, sized for the index */
static void
ri_work(struct rank_index *ix)
{
    if (ix->wcap >= ix->ndocs && ix->acc != NULL)
        return;
    ix->wcap = ix->ndocs ? ix->ndocs : 1;
    free(ix->acc);
    free(ix->mass);
    free(ix->res);
    free(ix->pres);
    free(ix->matched);
    free(ix->seen);
    free(ix->drop);
    free(ix->touched);
    ix->pres = xcalloc(ix->wcap, sizeof(*ix->pres));
    ix->acc = xcalloc(ix->wcap, sizeof(*ix->acc));
    ix->mass = xcalloc(ix->wcap, sizeof(*ix->mass));
    ix->res = xcalloc(ix->wcap, sizeof(*ix->res));
    ix->matched = xcalloc(ix->wcap, sizeof(*ix->matched));
    ix->seen = xcalloc(ix->wcap, 1);
    ix->drop = xcalloc(ix->wcap, 1);
    ix->touched = xcalloc(ix->wcap, sizeof(*ix->touched));
}

/* ri_exact_bonus - acc += exact_weight * idf * sat of term t (a typed
 * word's own form) for the papers already touched that hold it */
static void
ri_exact_bonus(struct rank_index *ix, uint32_t t)
{
    const struct ri_term *tt = &ix->t[t];
    double lam = ix->prm.exact_weight * ri_idf(ix, t);

    for (uint32_t k = 0; k < tt->n; k++) {
        const struct ri_post *po = &tt->p[k];
        if (ix->seen[po->doc])
            ix->acc[po->doc] +=
                lam * ri_sat(ix, po->doc, po->ntitle, po->n - po->ntitle);
    }
}

/* ri_accumulate - acc += idf * sat, mass += idf for every doc holding a
 * concept (a passing mention, once and in the abstract only, scores
 * prm.once_weight of that but counts fully in mass); returns how many docs
 * were touched (listed in ix->touched) */
static size_t
ri_accumulate(struct rank_index *ix, const struct ri_interest *in,
              double *total_idf)
{
    size_t nt = 0;

    *total_idf = 0;
    for (int i = 0; i < in->nc; i++) {
        const struct ri_concept *c = &in->c[i];
        if (c->nalt == 0)
            continue; /* no paper has it: says nothing about any */
        *total_idf += c->idf;
        for (size_t k = 0; k < c->nocc;) {
            uint32_t doc = c->occ[k].doc;
            double title = 0, abs = 0;
            for (; k < c->nocc && c->occ[k].doc == doc; k++) {
                if (RANK_POS(c->occ[k].pos) < ix->absbase[doc])
                    title++;
                else
                    abs++;
            }
            if (!ix->seen[doc]) {
                ix->seen[doc] = 1;
                ix->touched[nt++] = doc;
            }
            ix->acc[doc] += c->idf * ri_sat(ix, doc, title, abs) *
                            (title == 0 && abs == 1 ? ix->prm.once_weight : 1);
            ix->mass[doc] += c->idf;
        }
        if (c->exact >= 0 && ix->prm.exact_weight > 0)
            ri_exact_bonus(ix, (uint32_t)c->exact);
    }
    return nt;
}

/* ri_feedback - pseudo-relevance feedback: the prm.prf_terms words most
 * typical of the prm.prf_docs best papers (relevance model weights times
 * idf) are added to the scores of the papers kept (score[] > 0) */
static void
ri_feedback(struct rank_index *ix, const struct ri_interest *in,
            const uint32_t *kept, size_t nkept, double *score)
{
    const struct rank_params *p = &ix->prm;
    size_t ntop = (size_t)p->prf_docs < nkept ? (size_t)p->prf_docs : nkept;
    uint32_t *top = xmalloc((ntop ? ntop : 1) * sizeof(*top));
    double *w = xcalloc(ix->nt, sizeof(*w)), sum = 0, n = (double)ix->ndocs;
    size_t npick = 0,
           want = (size_t)p->prf_terms < 64 ? (size_t)p->prf_terms : 64;

    /* the ntop best kept papers (selection sort; ntop is small) */
    uint32_t *all = xmalloc(nkept * sizeof(*all));
    memcpy(all, kept, nkept * sizeof(*all));
    for (size_t i = 0; i < ntop; i++) {
        size_t b = i;
        for (size_t j = i + 1; j < nkept; j++)
            if (score[all[j]] > score[all[b]])
                b = j;
        uint32_t x = all[i];
        all[i] = all[b];
        all[b] = x;
        top[i] = all[i];
        sum += score[top[i]];
    }
    free(all);
    for (size_t i = 0; i < ntop && sum > 0; i++) {
        uint32_t d = top[i];
        for (uint32_t k = ix->fwd[d]; k < ix->fwd[d + 1]; k++)
            w[ix->tfs[k].term] += score[d] / sum * ix->tfs[k].tf /
                                  (ix->dl[d] > 0 ? ix->dl[d] : 1);
    }
    /* not the interest's own terms; not words of one paper or of most */
    for (int i = 0; i < in->nc; i++)
        for (int a = 0; a < in->c[i].nalt; a++)
            for (int k = 0; k < in->c[i].alt[a].n; k++)
                w[in->c[i].alt[a].t[k]] = 0;
    for (size_t t = 0; t < ix->nt; t++) {
        double df = ix->t[t].n;
        w[t] = (df < 2 || df > n / 4)
                   ? 0
                   : w[t] * log(1 + (n - df + 0.5) / (df + 0.5));
    }
    while (npick < want) {
        size_t b = 0;
        for (size_t t = 1; t < ix->nt; t++)
            if (w[t] > w[b])
                b = t;
        if (ix->nt == 0 || w[b] <= 0)
            break;
        if (npick++ == 0)
            sum = w[b]; /* the strongest weighs 1 */
        {
            const struct ri_term *tt = &ix->t[b];
            double idf = log(1 + (n - tt->n + 0.5) / (tt->n + 0.5));
            double lam = p->prf_weight * w[b] / sum;
            for (uint32_t k = 0; k < tt->n; k++) {
                uint32_t d = tt->p[k].doc;
                if (score[d] > 0)
                    score[d] += lam * idf *
                                ri_sat(ix, d, tt->p[k].ntitle,
                                       tt->p[k].n - tt->p[k].ntitle);
            }
        }
        w[b] = 0;
    }
    free(top);
    free(w);
}

/* The papers one interest (or exclusion) selects, kept for the next
 * subscription that has it: interests repeat across subscribers. */
struct ri_result {
    char *key;     /* ri_key(); NULL = empty slot */
    uint32_t *doc; /* papers matched (for an exclusion: to drop) */
    double *score; /* their relevance to the interest (NULL: exclusion) */
    size_t n;
    /* the interest's concepts, to match a liked paper's text against
     * (ri_agreement; NULL for an exclusion): per concept its idf, and its
     * spellings as sig = for each concept, nalt, then for each spelling n
     * and its n terms */
    double *cidf;
    uint32_t *sig;
    int nc;
};

/* ri_signature - in's concepts and spellings into r (see ri_result) */
static void
ri_signature(const struct ri_interest *in, struct ri_result *r)
{
    size_t len = 0, k = 0;

    for (int i = 0; i < in->nc; i++) {
        len++;
        for (int a = 0; a < in->c[i].nalt; a++)
            len += 1 + (size_t)in->c[i].alt[a].n;
    }
    r->nc = in->nc;
    r->cidf = xmalloc((in->nc ? (size_t)in->nc : 1) * sizeof(*r->cidf));
    r->sig = xmalloc((len ? len : 1) * sizeof(*r->sig));
    for (int i = 0; i < in->nc; i++) {
        const struct ri_concept *c = &in->c[i];
        r->cidf[i] = c->nalt > 0 ? c->idf : 0;
        r->sig[k++] = (uint32_t)c->nalt;
        for (int a = 0; a < c->nalt; a++) {
            r->sig[k++] = (uint32_t)c->alt[a].n;
            for (int j = 0; j < c->alt[a].n; j++)
                r->sig[k++] = c->alt[a].t[j];
        }
    }
}

/* ri_score_interest - the papers matching in, with their relevance, into
 * r */
static void
ri_score_interest(struct rank_index *ix, const struct ri_interest *in,
                  struct ri_result *r)
{
    const struct rank_params *p = &ix->prm;
    double total;
    size_t nt = ri_accumulate(ix, in, &total), nkept = 0;
    uint32_t *kept = xmalloc((nt ? nt : 1) * sizeof(*kept));

    for (size_t i = 0; i < nt; i++) {
        uint32_t d = ix->touched[i];
        double cover = total > 0 ? ix->mass[d] / total : 0;
        double s = ix->acc[d] * pow(cover, p->cover_power);
        ix->acc[d] = 0;
        if (cover + 1e-9 < p->min_cover || s <= 0)
            continue;
        if (in->nc >= 2)
            s += ri_proximity(ix, in, d);
        ix->acc[d] = s;
        kept[nkept++] = d;
    }
    if (p->prf_docs > 0 && nkept > 0)
        ri_feedback(ix, in, kept, nkept, ix->acc);
    r->doc = kept;
    r->n = nkept;
    r->score = xmalloc((nkept ? nkept : 1) * sizeof(*r->score));
    for (size_t i = 0; i < nkept; i++)
        r->score[i] = ix->acc[kept[i]];
    for (size_t i = 0; i < nt; i++) {
        uint32_t d = ix->touched[i];
        ix->acc[d] = ix->mass[d] = 0;
        ix->seen[d] = 0;
    }
}

/* ri_exclude - the papers holding all of in's concepts, into r */
static void
ri_exclude(struct rank_index *ix, const struct ri_interest *in,
           struct ri_result *r)
{
    double total;
    size_t nt = ri_accumulate(ix, in, &total);

    r->doc = xmalloc((nt ? nt : 1) * sizeof(*r->doc));
    r->score = NULL;
    r->n = 0;
    for (size_t i = 0; i < nt; i++) {
        uint32_t d = ix->touched[i];
        if (total > 0 && ix->mass[d] > total - 1e-9)
            r->doc[r->n++] = d;
        ix->acc[d] = ix->mass[d] = 0;
        ix->seen[d] = 0;
    }
}

/* ri_key - the cache key of an interest: how it was typed, piece by
 * piece, and whether it is an exclusion */
static char *
ri_key(const struct query_term *qt, int excl)
{
    size_t len = 2;
    char *k, *p;

    for (size_t i = 0; i < qt->nphrases; i++)
        len += strlen(qt->words[i]) + 2;
    p = k = xmalloc(len);
    *p++ = excl ? '-' : '+';
    for (size_t i = 0; i < qt->nphrases; i++) {
        size_t l = strlen(qt->words[i]);
        *p++ = qt->quoted[i] ? '"' : ' ';
        memcpy(p, qt->words[i], l);
        p += l;
        *p++ = '\x1f';
    }
    *p = '\0';
    return k;
}

/* ri_cache_clear - forget every cached result */
static void
ri_cache_clear(struct rank_index *ix)
{
    for (size_t i = 0; i < RANK_CACHE_SLOTS && ix->cache != NULL; i++) {
        free(ix->cache[i].key);
        free(ix->cache[i].doc);
        free(ix->cache[i].score);
        free(ix->cache[i].cidf);
        free(ix->cache[i].sig);
        memset(&ix->cache[i], 0, sizeof(ix->cache[i]));
    }
    ix->ncache = 0;
}

/* ri_result_of - qt's result, from the cache or computed into it */
static const struct ri_result *
ri_result_of(struct rank_index *ix, const struct query_term *qt, int excl)
{
    char *key = ri_key(qt, excl);
    uint32_t h = ri_hash(key);
    size_t i;
    struct ri_interest *in;

    if (ix->cache == NULL)
        ix->cache = xcalloc(RANK_CACHE_SLOTS, sizeof(*ix->cache));
    for (i = h & (RANK_CACHE_SLOTS - 1); ix->cache[i].key != NULL;
         i = (i + 1) & (RANK_CACHE_SLOTS - 1))
        if (strcmp(ix->cache[i].key, key) == 0) {
            free(key);
            return &ix->cache[i];
        }
    if (ix->ncache >= RANK_CACHE_SLOTS / 2) {
        ri_cache_clear(ix);
        i = h & (RANK_CACHE_SLOTS - 1);
    }
    in = xmalloc(sizeof(*in));
    ri_compile(ix, qt, in);
    if (excl)
        ri_exclude(ix, in, &ix->cache[i]);
    else {
        ri_score_interest(ix, in, &ix->cache[i]);
        ri_signature(in, &ix->cache[i]);
    }
    ri_release(in);
    free(in);
    ix->cache[i].key = key;
    ix->ncache++;
    return &ix->cache[i];
}

/* A term and its weight in a profile or a voted paper's vector. */
struct ri_tw {
    uint32_t term;
    float w;
};

struct rank_profile {
    struct ri_tw *tw; /* the Rocchio vector: its strongest terms */
    size_t ntw;
    int likes;      /* liked papers among the votes */
    int64_t *voted; /* paper ids voted on, sorted */
    size_t nvoted;
    struct ri_tw **vec; /* per vote: its strongest terms (NULL if none) */
    size_t *nvec;
    uint32_t **all; /* per vote: every indexed term it holds, sorted */
    uint8_t **once; /* per vote, parallel to all: 1 if held once, in the
                       abstract only (a passing mention) */
    size_t *nall;
    int *vote; /* per vote: 1 or -1 */
    size_t nvotes;
};

/* A voted paper's text while it is split into the index's terms. */
struct ri_vtext {
    const struct rank_index *ix;
    uint32_t *t;
    size_t n, cap;
    int title; /* counting the title: each word weighs title_weight */
    size_t ntitle;
};

/* ri_on_vote_word - one word of a voted paper: its term id, if indexed */
static void
ri_on_vote_word(void *arg, const char *w, size_t n, int flags)
{
    struct ri_vtext *v = arg;
    char term[TERMS_WORD_MAX];
    long id;

    (void)flags;
    if (terms_word(v->ix->terms, w, n, term) == 0 ||
        (id = ri_lookup(v->ix, term)) < 0)
        return;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 256;
        v->t = xrealloc(v->t, v->cap * sizeof(*v->t));
    }
    v->t[v->n++] = (uint32_t)id;
    v->ntitle += v->title;
}

/* ri_cmp_tw - qsort: strongest first (by |w|), then term */
static int
ri_cmp_tw(const void *pa, const void *pb)
{
    const struct ri_tw *a = pa, *b = pb;
    float x = a->w < 0 ? -a->w : a->w, y = b->w < 0 ? -b->w : b->w;

    if (x != y)
        return x > y ? -1 : 1;
    return a->term < b->term ? -1 : a->term > b->term;
}

/* ri_cmp_tw_term - qsort: by term */
static int
ri_cmp_tw_term(const void *pa, const void *pb)
{
    const struct ri_tw *a = pa, *b = pb;

    return a->term < b->term ? -1 : a->term > b->term;
}

/* ri_idf - idf of term t over the index */
static double
ri_idf(const struct rank_index *ix, uint32_t t)
{
    double n = (double)ix->ndocs, df = ix->t[t].n;

    return log(1 + (n - df + 0.5) / (df + 0.5));
}

/*
 * ri_neighbours - the prm.cooc_terms terms most associated with t over
 * the index's papers, by Dice's coefficient (2 * papers holding both /
 * (papers holding t + papers holding u); PMI did as well with the best
 * likes of unit.reader and worse with the drawn ones),
 * computed on first use and kept until the index changes: one pass over
 * the forward lists of t's papers, so at most once per term and index
 * whatever the number of readers.  Only terms co-occurring in two papers
 * or more, held by at most a quarter of the papers, count.
 */
static const struct ri_nb *
ri_neighbours(struct rank_index *ix, uint32_t t)
{
    struct ri_nb *nb;
    struct ri_tw *v;
    size_t nv = 0, want = (size_t)ix->prm.cooc_terms;
    uint32_t *list;
    double n = (double)ix->ndocs, dft = ix->t[t].n;

    if (ix->nb == NULL) { /* sized for the vocabulary of now */
        ix->nb = xcalloc(ix->nt ? ix->nt : 1, sizeof(*ix->nb));
        ix->cnt = xcalloc(ix->nt ? ix->nt : 1, sizeof(*ix->cnt));
    }
    nb = &ix->nb[t];
    if (nb->done)
        return nb;
    nb->done = 1;
    list = xmalloc((ix->nt ? ix->nt : 1) * sizeof(*list));
    for (uint32_t k = 0; k < ix->t[t].n; k++) {
        uint32_t d = ix->t[t].p[k].doc;
        for (uint32_t f = ix->fwd[d]; f < ix->fwd[d + 1]; f++)
            if (ix->cnt[ix->tfs[f].term]++ == 0)
                list[nv++] = ix->tfs[f].term;
    }
    v = xmalloc((nv ? nv : 1) * sizeof(*v));
    {
        size_t k = 0;
        for (size_t i = 0; i < nv; i++) {
            uint32_t u = list[i];
            double c = ix->cnt[u], dfu = ix->t[u].n;
            ix->cnt[u] = 0;
            if (u == t || c < 2 || dfu > n / 4)
                continue;
            v[k].term = u;
            v[k].w = (float)(2 * c / (dft + dfu)); /* Dice */
            k++;
        }
        nv = k;
    }
    free(list);
    if (nv > 1)
        qsort(v, nv, sizeof(*v), ri_cmp_tw);
    if (nv > want)
        nv = want;
    nb->t = xmalloc((nv ? nv : 1) * sizeof(*nb->t));
    nb->w = xmalloc((nv ? nv : 1) * sizeof(*nb->w));
    for (size_t i = 0; i < nv; i++) {
        nb->t[i] = v[i].term;
        nb->w[i] = v[i].w / v[0].w;
    }
    nb->n = (uint32_t)nv;
    free(v);
    return nb;
}

/* ri_vote_vector_make - the unit (1 + log tf) * idf vector of a voted
 * paper, its RANK_VOTE_TERMS strongest terms sorted by term; *n set; every
 * term it holds, sorted, into *all, and which it holds once into *once */
static struct ri_tw *
ri_vote_vector_make(const struct rank_index *ix, const struct rank_vote *v,
                    size_t *n, uint32_t **all, uint8_t **once, size_t *nall)
{
    struct ri_vtext t = {ix, NULL, 0, 0, 1, 0};
    struct ri_tw *tw;
    size_t k = 0;
    double norm = 0;

    terms_split(v->title ? v->title : "", ri_on_vote_word, &t);
    t.title = 0;
    terms_split(v->abstract ? v->abstract : "", ri_on_vote_word, &t);
    /* title words count title_weight times, as in BM25F: weigh before
     * sorting loses which were title words, so mark them by order, with
     * the sign (-title_weight; -0 when it is 0) */
    tw = xmalloc((t.n ? t.n : 1) * sizeof(*tw));
    for (size_t i = 0; i < t.n; i++) {
        tw[i].term = t.t[i];
        tw[i].w = i < t.ntitle ? -(float)ix->prm.title_weight : 1.0f;
    }
    free(t.t);
    if (t.n > 1)
        qsort(tw, t.n, sizeof(*tw), ri_cmp_tw_term);
    *once = xmalloc(t.n ? t.n : 1);
    for (size_t i = 0; i < t.n;) {
        double tf = 0;
        size_t j = i;
        int title = 0;
        for (; j < t.n && tw[j].term == tw[i].term; j++) {
            tf += fabsf(tw[j].w);
            title |= signbit(tw[j].w) != 0;
        }
        (*once)[k] = j - i == 1 && !title;
        tw[k].term = tw[i].term;
        /* a word only in the title weighs nothing at title_weight 0 */
        tw[k].w =
            tf > 0 ? (float)((1 + log(tf)) * ri_idf(ix, tw[i].term)) : 0.0f;
        norm += (double)tw[k].w * tw[k].w;
        k++;
        i = j;
    }
    *all = xmalloc((k ? k : 1) * sizeof(**all));
    for (size_t i = 0; i < k; i++)
        (*all)[i] = tw[i].term;
    *nall = k;
    norm = sqrt(norm);
    for (size_t i = 0; i < k && norm > 0; i++)
        tw[i].w = (float)(tw[i].w / norm);
    if (k > 1)
        qsort(tw, k, sizeof(*tw), ri_cmp_tw);
    if (k > RANK_VOTE_TERMS)
        k = RANK_VOTE_TERMS;
    if (k > 1)
        qsort(tw, k, sizeof(*tw), ri_cmp_tw_term);
    *n = k;
    /* kept per paper (ri_vote_vector): no room for the tokens' copy */
    *once = xrealloc(*once, *nall ? *nall : 1);
    return xrealloc(tw, (k ? k : 1) * sizeof(*tw));
}

/* ri_vcache_clear - forget the voted papers' vectors */
static void
ri_vcache_clear(struct rank_index *ix)
{
    for (size_t i = 0; i < RANK_VCACHE_SLOTS && ix->vc != NULL; i++) {
        free(ix->vc[i].vec);
        free(ix->vc[i].all);
        free(ix->vc[i].once);
    }
    free(ix->vc);
    ix->vc = NULL;
}

/* ri_dup - a copy of n elements of size sz at p */
static void *
ri_dup(const void *p, size_t n, size_t sz)
{
    void *q = xmalloc(n ? n * sz : 1);

    if (n)
        memcpy(q, p, n * sz);
    return q;
}

/*
 * ri_vote_vector - ri_vote_vector_make(), kept per paper id in the index:
 * readers who voted on the same paper (the day's digest links make many)
 * split and stem its text once: a snapshot of the text the id had at its
 * first vote, for the index's life (one pass over one list's window).
 * The caller owns the copies.
 */
static struct ri_tw *
ri_vote_vector(struct rank_index *ix, const struct rank_vote *v, size_t *n,
               uint32_t **all, uint8_t **once, size_t *nall)
{
    struct ri_vcache *e;
    struct ri_tw *tw;

    if (v->paper_id <= 0)
        return ri_vote_vector_make(ix, v, n, all, once, nall);
    if (ix->vc == NULL)
        ix->vc = xcalloc(RANK_VCACHE_SLOTS, sizeof(*ix->vc));
    e = &ix->vc[(uint64_t)v->paper_id * 0x9E3779B97F4A7C15ull >> 52 &
                (RANK_VCACHE_SLOTS - 1)];
    if (e->id != v->paper_id) {
        free(e->vec);
        free(e->all);
        free(e->once);
        e->vec =
            ri_vote_vector_make(ix, v, &e->nvec, &e->all, &e->once, &e->nall);
        e->id = v->paper_id;
    }
    tw = ri_dup(e->vec, e->nvec, sizeof(*e->vec));
    *n = e->nvec;
    *all = ri_dup(e->all, e->nall, sizeof(*e->all));
    *once = ri_dup(e->once, e->nall, sizeof(*e->once));
    *nall = e->nall;
    return tw;
}

/* ri_cmp_i64 - qsort: increasing */
static int
ri_cmp_i64(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;

    return a < b ? -1 : a > b;
}

/* ri_profile_sum - the Rocchio vector of p's vote vectors into p->tw */
static void
ri_profile_sum(struct rank_profile *p)
{
    size_t total = 0, k = 0, nlike = 0, ndis = 0;
    struct ri_tw *all;

    for (size_t i = 0; i < p->nvotes; i++) {
        total += p->nvec[i];
        nlike += p->vote[i] > 0;
        ndis += p->vote[i] < 0;
    }
    all = xmalloc((total ? total : 1) * sizeof(*all));
    for (size_t i = 0; i < p->nvotes; i++)
        for (size_t j = 0; j < p->nvec[i]; j++) {
            all[k] = p->vec[i][j];
            all[k].w *= p->vote[i] > 0
                            ? (float)(1.0 / (double)nlike)
                            : (float)(-RANK_ROCCHIO_GAMMA / (double)ndis);
            k++;
        }
    if (k > 1)
        qsort(all, k, sizeof(*all), ri_cmp_tw_term);
    total = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        float w = 0;
        for (; j < k && all[j].term == all[i].term; j++)
            w += all[j].w;
        all[total].term = all[i].term;
        all[total++].w = w;
        i = j;
    }
    if (total > 1)
        qsort(all, total, sizeof(*all), ri_cmp_tw);
    /* the strongest RANK_PROFILE_TERMS each way */
    k = 0;
    for (size_t i = 0, pos = 0, neg = 0; i < total; i++) {
        if (all[i].w > 0 && pos < RANK_PROFILE_TERMS) {
            all[k++] = all[i];
            pos++;
        } else if (all[i].w < 0 && neg < RANK_PROFILE_TERMS) {
            all[k++] = all[i];
            neg++;
        }
    }
    p->tw = all;
    p->ntw = k;
}

/*
 * ri_profile_expand - co-occurrence expansion: each of the
 * prm.cooc_from strongest liked terms of p lends prm.cooc_weight times
 * its weight, times the association, to its neighbours (ri_neighbours),
 * so papers naming the liked papers' topic with other words of the
 * field are found.  The neighbours are the index's, shared by every
 * reader; a reader costs the merge only.
 */
static void
ri_profile_expand(struct rank_index *ix, struct rank_profile *p)
{
    size_t from = 0, k = p->ntw, cap = p->ntw;
    struct ri_tw *all;

    if (ix->prm.cooc_terms <= 0 || ix->prm.cooc_weight <= 0)
        return;
    for (size_t i = 0; i < p->ntw && from < (size_t)ix->prm.cooc_from; i++)
        if (p->tw[i].w > 0) {
            cap += ri_neighbours(ix, p->tw[i].term)->n;
            from++;
        }
    all = xmalloc((cap ? cap : 1) * sizeof(*all));
    memcpy(all, p->tw, p->ntw * sizeof(*all));
    from = 0;
    for (size_t i = 0; i < p->ntw && from < (size_t)ix->prm.cooc_from; i++) {
        const struct ri_nb *nb;
        if (p->tw[i].w <= 0)
            continue;
        from++;
        nb = ri_neighbours(ix, p->tw[i].term);
        for (uint32_t j = 0; j < nb->n; j++) {
            all[k].term = nb->t[j];
            all[k].w = (float)(ix->prm.cooc_weight * p->tw[i].w * nb->w[j]);
            k++;
        }
    }
    if (k > 1)
        qsort(all, k, sizeof(*all), ri_cmp_tw_term);
    cap = 0;
    for (size_t i = 0; i < k;) {
        size_t j = i;
        float w = 0;
        for (; j < k && all[j].term == all[i].term; j++)
            w += all[j].w;
        all[cap].term = all[i].term;
        all[cap++].w = w;
        i = j;
    }
    if (cap > 1)
        qsort(all, cap, sizeof(*all), ri_cmp_tw);
    free(p->tw);
    p->tw = all;
    p->ntw = cap;
}

struct rank_profile *
rank_profile_new(struct rank_index *ix, const struct rank_vote *v, size_t n)
{
    struct rank_profile *p;

    if (n == 0)
        return NULL;
    p = xcalloc(1, sizeof(*p));
    p->nvotes = n;
    p->vec = xcalloc(n, sizeof(*p->vec));
    p->nvec = xcalloc(n, sizeof(*p->nvec));
    p->all = xcalloc(n, sizeof(*p->all));
    p->once = xcalloc(n, sizeof(*p->once));
    p->nall = xcalloc(n, sizeof(*p->nall));
    p->vote = xcalloc(n, sizeof(*p->vote));
    p->voted = xmalloc(n * sizeof(*p->voted));
    for (size_t i = 0; i < n; i++) {
        p->vote[i] = v[i].vote > 0 ? 1 : -1;
        p->likes += v[i].vote > 0;
        p->vec[i] = ri_vote_vector(ix, &v[i], &p->nvec[i], &p->all[i],
                                   &p->once[i], &p->nall[i]);
        p->voted[i] = v[i].paper_id;
    }
    qsort(p->voted, n, sizeof(*p->voted), ri_cmp_i64);
    p->nvoted = n;
    ri_profile_sum(p);
    ri_profile_expand(ix, p);
    return p;
}

void
rank_profile_free(struct rank_profile *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nvotes; i++) {
        free(p->vec[i]);
        free(p->all[i]);
        free(p->once[i]);
    }
    free(p->vec);
    free(p->nvec);
    free(p->all);
    free(p->once);
    free(p->nall);
    free(p->vote);
    free(p->voted);
    free(p->tw);
    free(p);
}

int
rank_profile_likes(const struct rank_profile *p)
{
    return p != NULL && p->likes > 0;
}

double
rank_profile_trend(const struct rank_profile *p, double w)
{
    return rank_profile_likes(p) ? RANK_LIKED_TREND * w : w;
}

/* ri_logtf - 1 + log tf of a posting, a title occurrence weighing
 * title_weight (as the voted papers' vectors count it) */
static double
ri_logtf(const struct rank_index *ix, const struct ri_post *po)
{
    double tf = ix->prm.title_weight * po->ntitle + (po->n - po->ntitle);

    return tf > 0 ? 1 + log(tf) : 0;
}

/* ri_norm - the length of doc's (1 + log tf) * idf vector, computed
 * once per index */
static double
ri_norm(struct rank_index *ix, uint32_t doc)
{
    if (ix->norm == NULL) {
        ix->norm = xcalloc(ix->ndocs ? ix->ndocs : 1, sizeof(*ix->norm));
        for (size_t t = 0; t < ix->nt; t++) {
            double idf = ri_idf(ix, (uint32_t)t);
            if (ix->t[t].surface)
                continue;
            for (uint32_t k = 0; k < ix->t[t].n; k++) {
                const struct ri_post *po = &ix->t[t].p[k];
                double w = ri_logtf(ix, po) * idf;
                ix->norm[po->doc] += (float)(w * w);
            }
        }
        for (size_t d = 0; d < ix->ndocs; d++)
            ix->norm[d] = ix->norm[d] > 0 ? sqrtf(ix->norm[d]) : 1;
    }
    return ix->norm[doc];
}

/* ri_tfw - a posting's tf, a title occurrence weighing title_weight */
static double
ri_tfw(const struct rank_index *ix, const struct ri_post *po)
{
    return ix->prm.title_weight * po->ntitle + (po->n - po->ntitle);
}

/* ri_ql_prepare - the query-likelihood and cosine weights of every
 * posting and paper (see struct rank_index), computed once per index: a
 * reader then pays one multiply-add per posting of its terms */
static void
ri_ql_prepare(struct rank_index *ix)
{
    double mu = ix->prm.ql_mu, len = ix->dlsum > 0 ? ix->dlsum : 1;
    uint32_t off = 0;

    if (ix->qlpost != NULL)
        return;
    ix->qloff = xmalloc((ix->nt + 1) * sizeof(*ix->qloff));
    for (size_t t = 0; t < ix->nt; t++) {
        ix->qloff[t] = off;
        off += ix->t[t].n;
    }
    ix->qloff[ix->nt] = off;
    ix->qlpost = xmalloc((off ? off : 1) * sizeof(*ix->qlpost));
    for (size_t t = 0; t < ix->nt; t++) {
        const struct ri_term *tt = &ix->t[t];
        double cf = 0;
        for (uint32_t k = 0; k < tt->n; k++)
            cf += ri_tfw(ix, &tt->p[k]);
        for (uint32_t k = 0; k < tt->n; k++)
            ix->qlpost[ix->qloff[t] + k] =
                (float)log(1 + ri_tfw(ix, &tt->p[k]) / (mu * cf / len));
    }
    ix->qllen = xmalloc((ix->ndocs ? ix->ndocs : 1) * sizeof(*ix->qllen));
    for (size_t d = 0; d < ix->ndocs; d++)
        ix->qllen[d] = (float)log(mu / (ix->dl[d] + mu));
    ix->cosw = xmalloc((off ? off : 1) * sizeof(*ix->cosw));
    for (size_t t = 0; t < ix->nt; t++)
        for (uint32_t k = 0; k < ix->t[t].n; k++) {
            const struct ri_post *po = &ix->t[t].p[k];
            ix->cosw[ix->qloff[t] + k] =
                ri_logtf(ix, po) / ri_norm(ix, po->doc);
        }
}

/*
 * ri_profile_fuse - fuse the cosine scores in pres (max cmax) with a
 * second ranker: query likelihood of the profile's liked terms (weights
 * summing to qsum) under each paper's Dirichlet-smoothed language model
 * (mu = prm.ql_mu),
 *   ql(d) = sum w(t) log(1 + tf(t,d) / (mu cf(t) / |C|))
 *           + sum w(t) log(mu / (|d| + mu)),
 * whose first sum ri_profile_score() left in acc for the nt papers in
 * touched; min-max scaled over those papers, so pres = pres / cmax +
 * ql_weight * scaled ql.  Unlike the cosine, it weighs terms by their
 * collection frequency, not their document frequency, and does not
 * saturate tf.  Leaves acc and seen cleared.
 */
static void
ri_profile_fuse(struct rank_index *ix, double qsum, size_t nt, double cmax)
{
    double lo = 0, hi = 0;

    for (size_t i = 0; i < nt; i++) {
        uint32_t d = ix->touched[i];
        ix->acc[d] += qsum * ix->qllen[d];
        if (i == 0 || ix->acc[d] < lo)
            lo = ix->acc[d];
        if (i == 0 || ix->acc[d] > hi)
            hi = ix->acc[d];
    }
    for (size_t d = 0; d < ix->ndocs && cmax > 0; d++)
        ix->pres[d] /= cmax;
    for (size_t i = 0; i < nt; i++) {
        uint32_t d = ix->touched[i];
        if (hi > lo)
            ix->pres[d] += ix->prm.ql_weight * (ix->acc[d] - lo) / (hi - lo);
        ix->acc[d] = 0;
        ix->seen[d] = 0;
    }
}

/* ri_profile_score - pres[d] for every paper holding a profile term: the
 * cosine, fused with query likelihood (ri_profile_fuse) for a profile
 * with likes, both summed in one walk over the terms' postings; *best
 * gets the largest (or, with no positive one, the largest |pres|).  acc,
 * seen and touched are free here (the interests' results are already in
 * res) and left cleared. */
static void
ri_profile_score(struct rank_index *ix, const struct rank_profile *p,
                 double *best)
{
    double pos = 0, neg = 0, qsum = 0;
    int ql = ix->prm.ql_weight > 0 && p->likes > 0;
    size_t nt = 0;

    ri_ql_prepare(ix);
    for (size_t i = 0; i < p->ntw; i++) {
        uint32_t t = p->tw[i].term;
        const struct ri_term *tt = &ix->t[t];
        const double *cw = ix->cosw + ix->qloff[t];
        const float *lw = ix->qlpost + ix->qloff[t];
        double w = p->tw[i].w, wi = w * ri_idf(ix, t);
        if (!ql || w <= 0) {
            for (uint32_t k = 0; k < tt->n; k++)
                ix->pres[tt->p[k].doc] += wi * cw[k];
            continue;
        }
        qsum += w;
        for (uint32_t k = 0; k < tt->n; k++) {
            uint32_t d = tt->p[k].doc;
            ix->pres[d] += wi * cw[k];
            if (!ix->seen[d]) {
                ix->seen[d] = 1;
                ix->touched[nt++] = d;
            }
            ix->acc[d] += w * lw[k];
        }
    }
    if (ql) {
        for (size_t d = 0; d < ix->ndocs; d++)
            if (ix->pres[d] > pos)
                pos = ix->pres[d];
        ri_profile_fuse(ix, qsum, nt, pos);
        pos = 0;
    }
    for (size_t d = 0; d < ix->ndocs; d++) {
        if (ix->pres[d] > pos)
            pos = ix->pres[d];
        if (-ix->pres[d] > neg)
            neg = -ix->pres[d];
    }
    *best = pos > 0 ? pos : neg;
}

/* ri_holds - where the sorted terms t[0..n) hold term x, or -1 */
static long
ri_holds(const uint32_t *t, size_t n, uint32_t x)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid] == x)
            return (long)mid;
        if (t[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/*
 * ri_held - how much liked paper v of p holds the concept at *sig (its
 * nalt, then each spelling's length and terms; *sig is moved past it):
 * 1 when its text holds every term of a spelling, once (prm.agree_once)
 * when each spelling it holds has a term it holds only once, in the
 * abstract (a passing mention), 0 when it holds no spelling.
 */
static double
ri_held(const struct rank_index *ix, const struct rank_profile *p, size_t v,
        const uint32_t **sig)
{
    const uint32_t *s = *sig;
    uint32_t nalt = *s++;
    double has = 0;

    for (uint32_t a = 0; a < nalt; a++) {
        uint32_t len = *s++, j = 0;
        double h = 1;
        long at;
        while (j < len && (at = ri_holds(p->all[v], p->nall[v], s[j])) >= 0) {
            if (p->once[v][at])
                h = ix->prm.agree_once;
            j++;
        }
        if (j == len && h > has)
            has = h;
        s += len;
    }
    *sig = s;
    return has;
}

/*
 * ri_agreement - how far the liked papers agree with interest r: the mean,
 * over p's liked papers, of the share of r's idf mass whose concepts the
 * paper's text holds (a spelling counts when the text holds each of its
 * terms, in any order).  A concept a paper mentions only in passing
 * counts prm.agree_once of its idf, unless every liked paper (two or
 * more) holds it: one paper's aside is weak evidence, the same word in
 * each of them is not.  1 when every liked paper holds every concept, 0
 * when none holds any; 1 when r has no concept any paper holds.
 */
static double
ri_agreement(const struct rank_index *ix, const struct ri_result *r,
             const struct rank_profile *p)
{
    double total = 0, sum = 0;
    int nlike = 0, nheld[RANK_MAX_CONCEPTS] = {0};

    for (int c = 0; c < r->nc; c++)
        total += r->cidf[c];
    if (total <= 0 || r->nc > RANK_MAX_CONCEPTS)
        return 1;
    for (size_t v = 0; v < p->nvotes; v++) {
        const uint32_t *sig = r->sig;
        if (p->vote[v] <= 0)
            continue;
        nlike++;
        for (int c = 0; c < r->nc; c++)
            nheld[c] += ri_held(ix, p, v, &sig) > 0;
    }
    for (size_t v = 0; v < p->nvotes; v++) {
        const uint32_t *sig = r->sig;
        double held = 0;
        if (p->vote[v] <= 0)
            continue;
        for (int c = 0; c < r->nc; c++) {
            double h = ri_held(ix, p, v, &sig);
            if (h > 0 && nlike > 1 && nheld[c] == nlike)
                h = 1; /* every liked paper holds it */
            held += h * r->cidf[c];
        }
        sum += held / total;
    }
    return nlike > 0 ? sum / nlike : 1;
}

/* ri_voted - 1 if id is one of p's voted papers */
static int
ri_voted(const struct rank_profile *p, int64_t id)
{
    size_t lo = 0, hi = p->nvoted;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->voted[mid] == id)
            return 1;
        if (p->voted[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/*
 * ri_near - the share of an interest's score kept in paper d beside liked
 * papers: 1 - agr * (1 - closeness), closeness the paper's profile score
 * over the best in [0, 1].  An interest the liked papers hold (agr 1)
 * re-ranks the papers like them rather than adding its wider topic; one
 * they do not hold (agr 0) is independent of them and kept whole.
 */
static double
ri_near(const struct rank_index *ix, double agr, uint32_t d, double pbest)
{
    double near = pbest > 0 ? ix->pres[d] / pbest : 0;

    near = near < 0 ? 0 : near > 1 ? 1 : near;
    return 1 - agr * (1 - near);
}

void
rank_index_score(struct rank_index *ix, const struct query *q,
                 struct rank_cand *c, size_t *n)
{
    rank_index_score_reader(ix, q, NULL, c, n);
}

void
rank_index_score_reader(struct rank_index *ix, const struct query *q,
                        const struct rank_profile *p, struct rank_cand *c,
                        size_t *n)
{
    size_t kept = 0;
    double kbest = 0, pbest = 0, lam = ix->prm.profile_weight, wmax = 0;
    int likes = rank_profile_likes(p);
    int near = likes && ix->prm.agree_near > 0;

    if (q->nterms == 0 && q->nexcluded == 0 && p == NULL)
        return;
    ri_work(ix);
    if (p != NULL)
        ri_profile_score(ix, p, &pbest);
    for (size_t t = 0; t < q->nterms; t++) {
        const struct ri_result *r = ri_result_of(ix, &q->terms[t], 0);
        uint32_t bit = t < 32 ? (uint32_t)1 << t : 0;
        /* beside liked papers, a vague interest adds no score (see
         * rank_index.h); it still names the papers it matched */
        double w =
            likes && (double)r->n > ix->prm.vague_share * (double)ix->ndocs ? 0
                                                                            : 1;
        double agr = likes && w > 0 && (ix->prm.agree_floor < 1 || near)
                         ? ri_agreement(ix, r, p)
                         : 0;
        /* beside liked papers, an interest weighs as much as they agree
         * with it, and counts in a paper as far as the paper is like them
         * (see rank_index.h) */
        if (likes && w > 0 && ix->prm.agree_floor < 1)
            w = ix->prm.agree_floor + (1 - ix->prm.agree_floor) * agr;
        if (r->n > 0 && w > wmax)
            wmax = w;
        for (size_t k = 0; k < r->n; k++) {
            double g =
                near ? ri_near(ix, agr * ix->prm.agree_near, r->doc[k], pbest)
                     : 1;
            ix->res[r->doc[k]] += w * g * r->score[k];
            ix->matched[r->doc[k]] |= bit;
        }
    }
    for (size_t x = 0; x < q->nexcluded; x++) {
        const struct ri_result *r = ri_result_of(ix, &q->excluded[x], 1);
        for (size_t k = 0; k < r->n; k++)
            ix->drop[r->doc[k]] = 1;
    }
    if (p != NULL) {
        size_t nmatch = 0;
        for (size_t d = 0; d < ix->ndocs; d++) {
            if (ix->res[d] > kbest)
                kbest = ix->res[d];
            nmatch += ix->res[d] > 0;
        }
        /* keywords that match most papers say little next to the liked
         * papers: their share is the square of the information in
         * matching, log(N / matched) / log N (1 for one paper, 0 for
         * all) */
        if (nmatch > 0 && ix->ndocs > 1) {
            double info = log((double)ix->ndocs / (double)nmatch) /
                          log((double)ix->ndocs);
            kbest = info > 1e-3 ? kbest / (info * info) : 0;
        }
        /* the keyword part scaled by its strongest interest's weight */
        if (likes && wmax > 0 && wmax < 1)
            kbest /= wmax;
    }
    /* c and the index are both sorted by id: one merge walk */
    for (size_t i = 0, at = 0; i < *n; i++) {
        long d = -1;
        double s, pr = 0;
        int kw;
        while (at < ix->ndocs && ix->ids[at] < c[i].id)
            at++;
        if (at < ix->ndocs && ix->ids[at] == c[i].id)
            d = (long)at;
        s = d >= 0 ? ix->res[d] : 0;
        kw = s > 0;
        if (d >= 0 && ix->drop[d])
            continue;
        if (p != NULL) {
            if (ri_voted(p, c[i].id))
                continue;
            if (d >= 0 && pbest > 0)
                pr = lam * ix->pres[d] / pbest;
            s = kbest > 0 ? s / kbest : 0;
            s += pr;
            if (!kw && !(likes && pr > 0) && (q->nterms > 0 || likes))
                continue;
        } else if (q->nterms > 0 && s <= 0) {
            continue;
        }
        c[kept] = c[i];
        c[kept].bm25 = q->nterms > 0 || likes ? s : 0;
        /* "less like this" alone: the papers sharing at least a quarter
         * of what the nearest shares with the disliked ones keep their
         * penalty (at most profile_weight), the rest none */
        if (p != NULL && !likes && q->nterms == 0 &&
            pr <= -RANK_NEAR_SHARE * lam)
            c[kept].bm25 = pr;
        c[kept].prof = pr;
        c[kept].matched = d >= 0 ? ix->matched[d] : 0;
        kept++;
    }
    *n = kept;
    /* clear what this query wrote, for the next one */
    memset(ix->res, 0, ix->ndocs * sizeof(*ix->res));
    if (p != NULL)
        memset(ix->pres, 0, ix->ndocs * sizeof(*ix->pres));
    memset(ix->matched, 0, ix->ndocs * sizeof(*ix->matched));
    memset(ix->drop, 0, ix->ndocs);
}

/* ri_doc_of - the index of paper id, or -1 */
static long
ri_doc_of(const struct rank_index *ix, int64_t id)
{
    size_t lo = 0, hi = ix->ndocs;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->ids[mid] == id)
            return (long)mid;
        if (ix->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int
rank_profile_nearest(const struct rank_index *ix, const struct rank_profile *p,
                     int64_t paper_id, double prof)
{
    long d;
    double best = 0;
    int at = -1;

    if (p == NULL || prof < RANK_NEAR_SHARE * ix->prm.profile_weight ||
        (d = ri_doc_of(ix, paper_id)) < 0)
        return -1;
    for (size_t i = 0; i < p->nvotes; i++) {
        double sim = 0;
        uint32_t f = ix->fwd[d], fend = ix->fwd[d + 1];
        if (p->vote[i] <= 0)
            continue;
        /* both sorted by term: one merge walk */
        for (size_t j = 0; j < p->nvec[i] && f < fend; j++) {
            uint32_t t = p->vec[i][j].term;
            while (f < fend && ix->tfs[f].term < t)
                f++;
            if (f < fend && ix->tfs[f].term == t)
                sim += p->vec[i][j].w * ri_idf(ix, t) *
                       ri_sat(ix, (uint32_t)d, ix->tfs[f].ntitle,
                              ix->tfs[f].tf - ix->tfs[f].ntitle);
        }
        if (sim > best) {
            best = sim;
            at = (int)i;
        }
    }
    return at;
}
