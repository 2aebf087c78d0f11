/* SPDX-License-Identifier: MIT */
/*
 * rank_index - an in-memory index of a set of papers (a list's window of
 * candidates, a day's papers, or every paper for a search) and the
 * relevance of each paper to a subscriber's keywords, computed from it
 * alone: no SQL per subscriber.
 *
 * Per paper it keeps the position of every term (terms.h) in the title
 * and the abstract; hyphen compounds are also indexed joined, at the
 * position of their first part.  Per interest (one comma-separated
 * keyword term of query.h) the words become concepts: a word, a quoted
 * phrase, or a run of words the synonym table knows, each concept with
 * all its spellings ("llm" | "large language model"; "pre training" |
 * "pretraining").  A paper's relevance to an interest is
 *
 *   cover * sum over matched concepts c of idf(c) * sat(tf(c))
 *     + cover * exact_weight * sum over typed words w of idf(w) * sat(tf(w))
 *     + phrase or proximity bonus * sum idf(c)
 *
 * where the middle line counts a typed word in its own form (case,
 * spelling and plurals folded: terms_surface()) where its stem also
 * stands for other words ("adaptive" / "adaptation"), and tf is BM25F's (title
 * occurrences weighted by [digest] title_weight, length-normalised, saturated
 * with k1 = 1.2, b = 0.75; a concept a paper holds once, in the abstract only,
 * a passing mention, scores once_weight of that), cover is the share of the
 * interest's idf mass the paper holds (a paper with one common word of four
 * ranks below one with three rare ones, and one under RANK_MIN_COVER is no
 * match), and the bonus goes to papers holding all concepts as the typed
 * phrase, or within a few words of each other.  Interests add up; an excluded
 * interest drops every paper holding all its concepts.  Each interest's result
 * is cached in the index, so subscribers sharing an interest cost its postings
 * once.  Optional pseudo-relevance feedback (RM3-style) adds the best papers'
 * other words with a small weight.
 *
 * The score is a sum of per-concept weights times per-paper term
 * statistics, so a reader's learned term weights (Rocchio) would enter as
 * more weighted concepts, the same way feedback terms do.  It uses
 * only terms.h.  Not thread-safe: one index per thread.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_RANK_INDEX_H
#define PAPERBOY_RANK_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "query.h"

struct rank_cand;

/* Scoring knobs; rank_index_new() fills the defaults. */
struct rank_params {
    double title_weight;   /* BM25F weight of a title occurrence */
    double k1, b;          /* BM25 saturation and length normalisation */
    double min_cover;      /* share of an interest's idf mass to match */
    double cover_power;    /* relevance is scaled by cover^cover_power */
    double phrase_bonus;   /* x sum idf, all concepts as the typed phrase */
    double near_bonus;     /* x sum idf, all concepts within RANK_NEAR */
    double exact_weight;   /* x BM25 of a typed word's own form (below) */
    double once_weight;    /* x a concept's score in a paper that holds it
                              once, in the abstract only */
    int prf_docs;          /* feedback: papers taken as relevant (0 = off) */
    int prf_terms;         /* feedback: terms added */
    double prf_weight;     /* feedback: weight of the added terms */
    double profile_weight; /* reader's profile share (rank_profile) */
    int cooc_terms;        /* profile expansion: neighbours a term lends to
                              (0 = off) */
    int cooc_from;         /* profile expansion: liked terms expanded */
    double cooc_weight;    /* profile expansion: share of a term's weight */
    double ql_weight;      /* profile: share of the query-likelihood ranker
                              fused with the cosine (0 = off) */
    double ql_mu;          /* profile: its Dirichlet smoothing */
    double vague_share;    /* beside liked papers, an interest matching
                              more than this share of the papers adds no
                              score (1 = off) */
    double agree_floor;    /* beside liked papers, an interest's weight is
                              agree_floor + (1 - agree_floor) * the share of
                              it the liked papers hold (1 = off) */
    double agree_once;     /* in the agreement, a liked paper that holds a
                              concept once, in the abstract only, holds this
                              share of it, unless every liked paper holds
                              it (1 = off) */
    double agree_near;     /* beside liked papers, an interest's score in a
                              paper is scaled by 1 - agree_near * agreement
                              * (1 - the paper's profile score / the best)
                              (0 = off) */
};

struct rank_index;

/*
 * rank_index_new - an empty index.  synonyms is the path of the acronym
 * file (terms_syn_load(); NULL or missing = none), title_weight the
 * [digest] title_weight.  -1 with err if the file cannot be read.
 * Caller frees with rank_index_free().
 */
int rank_index_new(const char *synonyms, double title_weight,
                   struct rank_index **out, struct err *err);
void rank_index_free(struct rank_index *ix);

/* rank_index_params - the knobs, to read or change before scoring (the
 * results cached per interest are dropped) */
struct rank_params *rank_index_params(struct rank_index *ix);

/* rank_index_add - index one paper; ids must be added in increasing
 * order.  Acronyms the text defines join the synonym table. */
void rank_index_add(struct rank_index *ix, int64_t id, const char *title,
                    const char *abstract);

/* rank_index_size - papers indexed */
size_t rank_index_size(const struct rank_index *ix);

/*
 * rank_index_score - relevance of c[0..n) (sorted by id; ids not in the
 * index never match) to q: fills bm25 (relevance, > 0) and matched (bit
 * t: interest t matched), and drops papers matching no interest (when q
 * has interests) or matching an exclusion; *n is updated.  With no
 * interests and no exclusions nothing changes.
 */
void rank_index_score(struct rank_index *ix, const struct query *q,
                      struct rank_cand *c, size_t *n);

/*
 * The reader's profile: papers the reader voted on (liked: vote > 0,
 * "less like this": vote < 0), Rocchio over term weights.  Each voted
 * paper's text becomes a unit vector of (1 + log tf) * idf over the
 * index's terms (a title word counts title_weight times; words no
 * indexed paper holds say nothing about any); the profile is the mean of
 * the liked vectors minus RANK_ROCCHIO_GAMMA times the mean of the
 * disliked ones, cut to its RANK_PROFILE_TERMS strongest terms each way,
 * then widened by co-occurrence: each of the prm.cooc_from strongest
 * liked terms lends prm.cooc_weight of its weight, times Dice's
 * association, to its prm.cooc_terms nearest terms over the index's
 * papers (computed once per term and index, shared by every reader).
 * A paper's profile score is the cosine of the profile with the paper's
 * own vector, fused with a second ranker when prm.ql_weight > 0: the
 * query likelihood of the profile's liked terms under the paper's
 * Dirichlet-smoothed language model (prm.ql_mu), min-max scaled over
 * the papers holding one, added at ql_weight to the cosine / best cosine
 * (its per-posting weights are computed once per index).  relevance =
 * info^-2-scaled keywords + profile_weight * profile / best profile, where the
 * keyword part is divided by the best keyword score and multiplied by info^2,
 * info = log(N / papers the keywords match) / log N: a broad word matched by
 * many papers weighs little next to what the reader liked, a rare one a lot.
 * When the profile holds a liked paper, an interest matching more than
 * prm.vague_share of the papers ("learning") adds no score at all: even a
 * small weight reorders the papers like the liked ones at random with respect
 * to the liked topic.  Any other interest is weighed, beside liked papers, by
 * their agreement with it: the mean over the liked papers of the share of its
 * idf mass whose concepts the paper's text holds (a spelling counts when the
 * text holds each of its words), so "vision" typed by a reader whose liked
 * papers never say it adds no score, and one every liked paper holds its full
 * score (prm.agree_floor is the weight at no agreement; 1 turns the rule off).
 * A liked paper that holds a concept only in passing (each spelling it holds
 * has a word it says once, in its abstract) holds prm.agree_once of it, unless
 * every liked paper, two or more, holds it: one paper's aside ("... on vision
 * and language tasks") is weak evidence, the same word in each liked paper is
 * not (1 turns this off).
 * Within a paper, an interest's score is also scaled by 1 - agreement *
 * (1 - closeness), closeness the paper's profile score over the best,
 * clamped to [0, 1] (prm.agree_near scales the agreement; 0 turns it off):
 * a broad word the liked papers hold ("vision" beside two vision-language
 * papers) re-ranks the papers like them instead of adding every paper of
 * its wider topic, while a word they do not hold stays independent of
 * them.  The keyword part is divided by the best (scaled) keyword score as
 * before, then scaled by the largest interest weight.  A paper is kept when it
 * matches a scoring interest or the liked papers (profile score > 0).  Voted
 * papers themselves are never candidates. The profile depends on the index's
 * idf: build it after the last rank_index_add(), use it with that index only.
 * A voted paper's vectors are kept in the index by paper id (a paper many
 * readers liked is split and stemmed once): a snapshot of the text the id
 * had at its first vote, as the index's papers are of theirs (a paper
 * another process rewrites meanwhile is seen anew by the next index).
 */
struct rank_vote {
    int64_t paper_id;     /* papers.id */
    int vote;             /* 1 liked, -1 "less like this" */
    const char *title;    /* borrowed while rank_profile_new() runs */
    const char *abstract; /* borrowed likewise */
};

struct rank_profile;

/* rank_profile_new - the profile of votes v[0..n) against ix; NULL when
 * n is 0.  Caller frees with rank_profile_free() (NULL does nothing). */
struct rank_profile *rank_profile_new(struct rank_index *ix,
                                      const struct rank_vote *v, size_t n);
void rank_profile_free(struct rank_profile *p);

/* rank_profile_likes - 1 if p holds a liked paper (it can select papers
 * alone, without keywords) */
int rank_profile_likes(const struct rank_profile *p);

/*
 * rank_profile_trend - the trending weight to blend with relevance for a
 * reader with profile p: w itself, or RANK_LIKED_TREND * w when p holds a
 * liked paper.  A reader who liked papers has said what they want, and the
 * upvotes of the day carry no information about that: at w = 0.05 a paper
 * with 100 upvotes gains 0.23 on relevance in (0, 1], more than separates
 * the 3rd from the 15th paper most like the liked ones; at a fifth of it,
 * upvotes break near-ties only.
 */
#define RANK_LIKED_TREND 0.2
double rank_profile_trend(const struct rank_profile *p, double w);

/*
 * rank_index_score_reader - rank_index_score() with the reader's profile
 * p (NULL: the same as rank_index_score): also fills prof (the profile's
 * share of bm25) and drops the voted papers.  With liked papers, no
 * keywords are needed for papers to be ranked.
 */
void rank_index_score_reader(struct rank_index *ix, const struct query *q,
                             const struct rank_profile *p, struct rank_cand *c,
                             size_t *n);

/*
 * rank_profile_nearest - the liked vote (index into the v given to
 * rank_profile_new) that paper_id is most like, or -1 when none shares
 * enough of its vocabulary (its profile share below a quarter of
 * profile_weight).  For the "why" line.
 */
int rank_profile_nearest(const struct rank_index *ix,
                         const struct rank_profile *p, int64_t paper_id,
                         double prof);

#endif
