/* SPDX-License-Identifier: MIT */
/*
 * terms - words to index terms, and the synonym table (see terms.h).
 *
 * Stemming is libstemmer's Snowball English ("porter2"), the stemmer
 * SQLite's own porter tokenizer descends from; the spelling rules before
 * it are ours because no library covers British-to-American spelling.
 * They are deliberately few and suffix-based, applied to every word of
 * papers and keywords alike, so a rule that also fires on an unrelated
 * word costs at most a rare false match, never a missed one.
 */
#include "terms.h"

#include <errno.h>
#include <fcntl.h>
#include <libstemmer.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

#define TERMS_FILE_MAX (1024 * 1024) /* bytes of a synonym file */
#define TERMS_LEARN_WORDS 24         /* words kept for acronym detection */
#define TERMS_ACRO_MAX 10            /* letters of a learned acronym */

struct terms_group {
    char **m; /* member sequences, owned */
    size_t n;
};

struct terms_slot {
    char *seq; /* NULL = empty */
    int group;
};

struct terms {
    struct sb_stemmer *stem;
    struct terms_slot *slot; /* open addressing, power of two */
    size_t nslot, used;
    struct terms_group *g;
    size_t ng;
    size_t longest; /* most terms in one member */
    /* acronym learning: the words since the last punctuation */
    char learn[TERMS_LEARN_WORDS][TERMS_WORD_MAX];
    size_t nlearn;
};

struct terms *
terms_new(void)
{
    struct terms *t = xcalloc(1, sizeof(*t));

    t->stem = sb_stemmer_new("english", "UTF_8");
    if (t->stem == NULL) {
        fprintf(stderr, "terms: libstemmer has no English stemmer\n");
        abort();
    }
    t->nslot = 256;
    t->slot = xcalloc(t->nslot, sizeof(*t->slot));
    return t;
}

void
terms_free(struct terms *t)
{
    if (t == NULL)
        return;
    sb_stemmer_delete(t->stem);
    for (size_t i = 0; i < t->nslot; i++)
        free(t->slot[i].seq);
    free(t->slot);
    for (size_t i = 0; i < t->ng; i++)
        free(t->g[i].m);
    free(t->g);
    free(t);
}

/* terms_tok - 1 if byte c belongs to a word */
static int
terms_tok(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* terms_ends - 1 if s (length n) ends with suf */
static int
terms_ends(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);

    return n >= k && memcmp(s + n - k, suf, k) == 0;
}

/* terms_replace_end - replace the last `cut` bytes of s (length *n, room
 * for TERMS_WORD_MAX) by rep */
static void
terms_replace_end(char *s, size_t *n, size_t cut, const char *rep)
{
    size_t k = strlen(rep);

    if (*n - cut + k >= TERMS_WORD_MAX)
        return;
    memcpy(s + *n - cut, rep, k);
    *n = *n - cut + k;
    s[*n] = '\0';
}

/* British stems whose "our" is American "or" */
static const char *const terms_our[] = {
    "armour",    "behaviour", "colour", "endeavour", "favour",
    "flavour",   "harbour",   "honour", "humour",    "labour",
    "neighbour", "odour",     "rigour", "rumour",    "savour",
    "tumour",    "vapour",    "vigour", NULL};

/* whole British words and their American spelling */
static const char *const terms_word_map[][2] = {
    {"analyse", "analyze"},    {"analysed", "analyzed"},
    {"analyses", "analyzes"},  {"analysing", "analyzing"},
    {"catalogue", "catalog"},  {"dialogue", "dialog"},
    {"dialogues", "dialogs"},  {"analogue", "analog"},
    {"programme", "program"},  {"programmes", "programs"},
    {"defence", "defense"},    {"licence", "license"},
    {"grey", "gray"},          {"centre", "center"},
    {"centres", "centers"},    {"fibre", "fiber"},
    {"metre", "meter"},        {"metres", "meters"},
    {"aluminium", "aluminum"}, {"paralyse", "paralyze"},
    {"catalyse", "catalyze"},  {NULL, NULL}};

/* words ending in -ise that are not the British -ize */
static const char *const terms_ise_keep[] = {
    "advise",      "arise",     "chastise",  "comprise",    "compromise",
    "concise",     "demise",    "despise",   "devise",      "disguise",
    "enterprise",  "excise",    "exercise",  "expertise",   "franchise",
    "improvise",   "incise",    "likewise",  "merchandise", "noise",
    "otherwise",   "paradise",  "poise",     "praise",      "precise",
    "premise",     "promise",   "raise",     "revise",      "rise",
    "supervise",   "surmise",   "surprise",  "televise",    "treatise",
    "wise",        "clockwise", "pairwise",  "stepwise",    "layerwise",
    "elementwise", "pointwise", "piecewise", "tokenwise",   "channelwise",
    "bitwise",     "rowwise",   NULL};

/* terms_american - British spelling of lower-case s (length *n) to
 * American, in place */
static void
terms_american(char *s, size_t *n)
{
    static const char *const ise[][2] = {
        {"isations", "izations"}, {"isation", "ization"}, {"isers", "izers"},
        {"iser", "izer"},         {"ising", "izing"},     {"ised", "ized"},
        {"ises", "izes"},         {"ise", "ize"}};

    for (size_t i = 0; terms_word_map[i][0]; i++)
        if (strcmp(s, terms_word_map[i][0]) == 0) {
            terms_replace_end(s, n, *n, terms_word_map[i][1]);
            return;
        }
    for (size_t i = 0; terms_our[i]; i++) {
        size_t k = strlen(terms_our[i]);
        if (*n >= k && memcmp(s, terms_our[i], k) == 0) {
            /* "colour..." -> "color...": drop the 'u' */
            memmove(s + k - 2, s + k - 1, *n - (k - 1) + 1);
            (*n)--;
            return;
        }
    }
    for (size_t i = 0; i < sizeof(ise) / sizeof(ise[0]); i++) {
        size_t k = strlen(ise[i][0]);
        if (!terms_ends(s, *n, ise[i][0]) || *n < k + 3)
            continue;
        /* the -ise form of the word must not be a word of its own */
        char base[TERMS_WORD_MAX];
        size_t bl = *n - k;
        int keep = 0;
        memcpy(base, s, bl);
        memcpy(base + bl, "ise", 4);
        for (size_t j = 0; terms_ise_keep[j]; j++)
            if (terms_ends(base, bl + 3, terms_ise_keep[j]))
                keep = 1;
        if (!keep)
            terms_replace_end(s, n, k, ise[i][1]);
        return;
    }
}

/* terms_acronym_plural - 1 if w (n bytes, as written) is an acronym's
 * plural: "LLMs", "ViTs" (two capitals or more, then a lower-case s) */
static int
terms_acronym_plural(const char *w, size_t n)
{
    int upper = 0;

    if (n < 3 || w[n - 1] != 's')
        return 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (w[i] >= 'A' && w[i] <= 'Z')
            upper++;
    return upper >= 2 && w[0] >= 'A' && w[0] <= 'Z';
}

/* terms_lower - w lower-cased, in American spelling, an acronym's plural
 * "s" dropped, into low (TERMS_WORD_MAX bytes); its length */
static size_t
terms_lower(const char *w, size_t n, char *low)
{
    size_t k = 0;

    if (terms_acronym_plural(w, n))
        n--;
    for (size_t i = 0; i < n && k + 1 < TERMS_WORD_MAX; i++) {
        unsigned char c = (unsigned char)w[i];
        if (!terms_tok(c))
            continue;
        low[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    low[k] = '\0';
    if (k > 0)
        terms_american(low, &k);
    return k;
}

/* terms_fold_plural - a plural of s (length k) made singular: "-ies" ->
 * "-y", "-sses" -> "-ss", "-s" dropped except after s, u or i ("loss",
 * "corpus", "analysis"); the new length */
static size_t
terms_fold_plural(char *s, size_t k)
{
    if (k > 4 && terms_ends(s, k, "ies")) {
        memcpy(s + k - 3, "y", 2);
        k -= 2;
    } else if (k > 4 && terms_ends(s, k, "sses")) {
        s[k -= 2] = '\0';
    } else if (k > 3 && s[k - 1] == 's' && strchr("sui", s[k - 2]) == NULL) {
        s[--k] = '\0';
    }
    return k;
}

size_t
terms_surface(const char *w, size_t n, char *out)
{
    return terms_fold_plural(out, terms_lower(w, n, out));
}

/* terms_stem - the term of low (lower-cased, k > 0 bytes) into out */
static size_t
terms_stem(struct terms *t, const char *low, size_t k, char *out)
{
    const sb_symbol *st;
    size_t sl;

    st = sb_stemmer_stem(t->stem, (const sb_symbol *)low, (int)k);
    sl = st ? (size_t)sb_stemmer_length(t->stem) : 0;
    if (st == NULL || sl == 0 || sl + 1 > TERMS_WORD_MAX) {
        memcpy(out, low, k + 1);
        return k;
    }
    memcpy(out, st, sl);
    out[sl] = '\0';
    /* the stemmer keeps "modell" (modelling) and "distill" apart from
     * "model" and "distil": a final double l is one l (long stems only,
     * so "all", "well" and "full" stay words) */
    if (sl >= 5 && out[sl - 1] == 'l' && out[sl - 2] == 'l')
        out[--sl] = '\0';
    return sl;
}

size_t
terms_word(struct terms *t, const char *w, size_t n, char *out)
{
    char low[TERMS_WORD_MAX];
    size_t k = terms_lower(w, n, low);

    return k == 0 ? 0 : terms_stem(t, low, k, out);
}

size_t
terms_word_forms(struct terms *t, const char *w, size_t n, char *out,
                 char *surface)
{
    size_t k = terms_lower(w, n, surface);

    if (k == 0)
        return 0;
    k = terms_stem(t, surface, k, out);
    terms_fold_plural(surface, strlen(surface));
    return k;
}

void
terms_split(const char *text,
            void (*fn)(void *arg, const char *w, size_t n, int flags),
            void *arg)
{
    const unsigned char *p = (const unsigned char *)text;
    int brk = 1;

    while (*p) {
        const unsigned char *s;
        int flags;
        if (!terms_tok(*p)) {
            if (strchr(".,;:!?()[]{}", *p) != NULL)
                brk = 1;
            p++;
            continue;
        }
        s = p;
        while (*p && terms_tok(*p))
            p++;
        flags = brk ? TERMS_BREAK : 0;
        if (*p == '-' && terms_tok(p[1]))
            flags |= TERMS_HYPHEN;
        if (s > (const unsigned char *)text && s[-1] == '(' && *p == ')')
            flags |= TERMS_PAREN;
        fn(arg, (const char *)s, (size_t)(p - s), flags);
        brk = 0;
    }
}

/* terms_hash - FNV-1a of s */
static uint32_t
terms_hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* terms_find - the slot of seq, or the empty slot where it would go */
static struct terms_slot *
terms_find(const struct terms *t, const char *seq)
{
    size_t i = terms_hash(seq) & (t->nslot - 1);

    while (t->slot[i].seq != NULL && strcmp(t->slot[i].seq, seq) != 0)
        i = (i + 1) & (t->nslot - 1);
    return &t->slot[i];
}

/* terms_grow - double the slots when more than half are used */
static void
terms_grow(struct terms *t)
{
    struct terms_slot *old = t->slot;
    size_t nold = t->nslot;

    if (2 * (t->used + 1) <= t->nslot)
        return;
    t->nslot *= 2;
    t->slot = xcalloc(t->nslot, sizeof(*t->slot));
    for (size_t i = 0; i < nold; i++)
        if (old[i].seq != NULL)
            *terms_find(t, old[i].seq) = old[i];
    free(old);
    /* members point at slot strings, which did not move */
}

/* terms_words_in - how many space-separated terms s has */
static size_t
terms_words_in(const char *s)
{
    size_t n = 1;

    for (; *s; s++)
        n += *s == ' ';
    return n;
}

/* terms_member - the slot of seq, added to group g (a new group when g
 * is -1) if it is not in the table yet */
static struct terms_slot *
terms_member(struct terms *t, const char *seq, int g)
{
    struct terms_slot *s;
    struct terms_group *gr;

    terms_grow(t);
    s = terms_find(t, seq);
    if (s->seq != NULL)
        return s;
    if (g < 0) {
        t->g = xrealloc(t->g, (t->ng + 1) * sizeof(*t->g));
        t->g[t->ng].m = NULL;
        t->g[t->ng].n = 0;
        g = (int)t->ng++;
    }
    s->seq = xstrdup(seq);
    s->group = g;
    t->used++;
    gr = &t->g[g];
    gr->m = xrealloc(gr->m, (gr->n + 1) * sizeof(*gr->m));
    gr->m[gr->n++] = s->seq;
    if (terms_words_in(seq) > t->longest)
        t->longest = terms_words_in(seq);
    return s;
}

void
terms_syn_add(struct terms *t, const char *a, const char *b)
{
    struct terms_slot *sa, *sb;
    int ga, gb;

    if (*a == '\0' || *b == '\0' || strcmp(a, b) == 0 ||
        terms_words_in(a) > TERMS_SEQ_MAX || terms_words_in(b) > TERMS_SEQ_MAX)
        return;
    sa = terms_member(t, a, -1);
    ga = sa->group;
    sb = terms_member(t, b, ga);
    gb = sb->group;
    if (ga == gb)
        return;
    /* two groups meet: move b's members into a's */
    for (size_t i = 0; i < t->g[gb].n; i++) {
        struct terms_slot *s = terms_find(t, t->g[gb].m[i]);
        struct terms_group *gr = &t->g[ga];
        s->group = ga;
        gr->m = xrealloc(gr->m, (gr->n + 1) * sizeof(*gr->m));
        gr->m[gr->n++] = s->seq;
    }
    free(t->g[gb].m);
    t->g[gb].m = NULL;
    t->g[gb].n = 0;
}

/* Builds the term sequence of one spelling. */
struct terms_seq {
    struct terms *t;
    char s[TERMS_SEQ_MAX * TERMS_WORD_MAX];
    size_t len, words;
};

/* terms_on_seq_word - append a word's term to the sequence */
static void
terms_on_seq_word(void *arg, const char *w, size_t n, int flags)
{
    struct terms_seq *q = arg;
    char term[TERMS_WORD_MAX];
    size_t k = terms_word(q->t, w, n, term);

    (void)flags;
    if (k == 0 || q->words == TERMS_SEQ_MAX)
        return;
    if (q->len > 0)
        q->s[q->len++] = ' ';
    memcpy(q->s + q->len, term, k + 1);
    q->len += k;
    q->words++;
}

/* terms_seq_of - the term sequence of text into q */
static void
terms_seq_of(struct terms *t, const char *text, struct terms_seq *q)
{
    q->t = t;
    q->len = q->words = 0;
    q->s[0] = '\0';
    terms_split(text, terms_on_seq_word, q);
}

/* terms_syn_line - add the group of one line of a synonym file */
static void
terms_syn_line(struct terms *t, char *line)
{
    struct terms_seq first, other;
    char *p = line, *hash = strchr(line, '#');
    int have = 0;

    if (hash != NULL)
        *hash = '\0';
    while (p != NULL) {
        char *sep = strpbrk(p, "=|");
        if (sep != NULL)
            *sep = '\0';
        if (!have) {
            terms_seq_of(t, p, &first);
            have = first.words > 0;
        } else {
            terms_seq_of(t, p, &other);
            if (other.words > 0)
                terms_syn_add(t, first.s, other.s);
        }
        p = sep ? sep + 1 : NULL;
    }
}

int
terms_syn_load(struct terms *t, const char *path, struct err *err)
{
    struct stat st;
    char *data = NULL, *line;
    ssize_t got;
    size_t len = 0;
    int fd, rc = -1;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1) {
        if (errno == ENOENT)
            return 0;
        err_set(err, ERR_PERM, "terms: cannot open '%s': %s", path,
                strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
        st.st_size > TERMS_FILE_MAX) {
        err_set(err, ERR_PERM,
                "terms: '%s' is not a regular file of at "
                "most %d bytes",
                path, TERMS_FILE_MAX);
        goto out;
    }
    data = xmalloc((size_t)st.st_size + 1);
    while (len < (size_t)st.st_size &&
           (got = read(fd, data + len, (size_t)st.st_size - len)) > 0)
        len += (size_t)got;
    data[len] = '\0';
    for (line = data; line != NULL && *line;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        terms_syn_line(t, line);
        line = nl ? nl + 1 : NULL;
    }
    rc = 0;
out:
    free(data);
    close(fd);
    return rc;
}

void
terms_syn_reset(struct terms *t)
{
    t->nlearn = 0;
}

/* terms_short_form - the acronym of w (n bytes) into out without a
 * plural s: 2..TERMS_ACRO_MAX letters or digits, starting with a
 * capital, two capitals or more; 0 if w is not one */
static size_t
terms_short_form(const char *w, size_t n, char *out)
{
    int upper = 0;

    if (terms_acronym_plural(w, n))
        n--;
    if (n < 2 || n > TERMS_ACRO_MAX || !(w[0] >= 'A' && w[0] <= 'Z'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!terms_tok((unsigned char)w[i]) || (unsigned char)w[i] >= 0x80)
            return 0;
        upper += w[i] >= 'A' && w[i] <= 'Z';
    }
    if (upper < 2)
        return 0;
    memcpy(out, w, n);
    out[n] = '\0';
    return n;
}

/* terms_lc - ASCII lower case */
static char
terms_lc(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/*
 * terms_long_form - Schwartz & Hearst (2003), "A simple algorithm for
 * identifying abbreviation definitions in biomedical text": match the
 * short form's characters right to left against the text before it, the
 * first one at a word start.  Returns the index of the first word of the
 * long form in words[0..nw), or -1.
 */
static int
terms_long_form(const char *sf, char words[][TERMS_WORD_MAX], size_t nw)
{
    char text[TERMS_LEARN_WORDS * TERMS_WORD_MAX];
    size_t start[TERMS_LEARN_WORDS], len = 0, nsf = strlen(sf);
    size_t maxw = nsf + 5 < 2 * nsf ? nsf + 5 : 2 * nsf;
    long s, l;

    for (size_t i = nw > maxw ? nw - maxw : 0; i < nw; i++) {
        size_t k = strlen(words[i]);
        if (len > 0)
            text[len++] = ' ';
        start[i] = len;
        memcpy(text + len, words[i], k);
        len += k;
    }
    text[len] = '\0';
    if (len == 0)
        return -1;
    s = (long)nsf - 1;
    l = (long)len - 1;
    while (s >= 0) {
        char c = terms_lc(sf[s]);
        if (!terms_tok((unsigned char)c)) {
            s--;
            continue;
        }
        while ((l >= 0 && terms_lc(text[l]) != c) ||
               (s == 0 && l > 0 && text[l - 1] != ' '))
            l--;
        if (l < 0)
            return -1;
        l--;
        s--;
    }
    l++;
    for (size_t i = nw > maxw ? nw - maxw : 0; i < nw; i++)
        if ((long)start[i] == l)
            return (int)i;
    return -1;
}

void
terms_syn_learn(struct terms *t, const char *w, size_t n, int flags)
{
    char sf[TERMS_ACRO_MAX + 1];

    if ((flags & TERMS_PAREN) && t->nlearn >= 2 &&
        terms_short_form(w, n, sf) > 0) {
        int first = terms_long_form(sf, t->learn, t->nlearn);
        if (first >= 0 && t->nlearn - (size_t)first >= 2) {
            struct terms_seq lf, acr;
            char longtext[TERMS_LEARN_WORDS * TERMS_WORD_MAX];
            size_t len = 0;
            for (size_t i = (size_t)first; i < t->nlearn; i++) {
                size_t k = strlen(t->learn[i]);
                if (len > 0)
                    longtext[len++] = ' ';
                memcpy(longtext + len, t->learn[i], k);
                len += k;
            }
            longtext[len] = '\0';
            terms_seq_of(t, longtext, &lf);
            terms_seq_of(t, sf, &acr);
            if (lf.words >= 2 && acr.words == 1)
                terms_syn_add(t, acr.s, lf.s);
        }
    }
    if (flags & TERMS_BREAK)
        t->nlearn = 0;
    if (flags & TERMS_PAREN)
        return;
    if (t->nlearn == TERMS_LEARN_WORDS) {
        memmove(t->learn[0], t->learn[1],
                (TERMS_LEARN_WORDS - 1) * sizeof(t->learn[0]));
        t->nlearn--;
    }
    if (n >= TERMS_WORD_MAX)
        n = TERMS_WORD_MAX - 1;
    memcpy(t->learn[t->nlearn], w, n);
    t->learn[t->nlearn][n] = '\0';
    t->nlearn++;
}

int
terms_syn_group(const struct terms *t, const char *s,
                const char *const **members, size_t *nmembers)
{
    const struct terms_slot *sl = terms_find(t, s);

    if (sl->seq == NULL)
        return -1;
    *members = (const char *const *)t->g[sl->group].m;
    *nmembers = t->g[sl->group].n;
    return sl->group;
}

size_t
terms_syn_longest(const struct terms *t)
{
    return t->longest;
}
