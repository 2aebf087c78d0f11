/* SPDX-License-Identifier: MIT */
/*
 * db_votes - the votes table (schema/030_votes.sql): a reader's "more
 * like this" (1) and "less like this" (-1) on papers, per subscription.
 * The SQL only; what a vote means for the ranking is rank_index.h's
 * reader profile, who may vote is the caller's check (signed links, the
 * CLI).  A subscription holds at most DB_VOTES_MAX votes.
 *
 * Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DB_VOTES_H
#define PAPERBOY_DB_VOTES_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define DB_VOTES_MAX 200 /* votes of one subscription */

enum db_vote_source {
    DB_VOTE_MAIL,        /* the links in a digest */
    DB_VOTE_PREFERENCES, /* the preferences page */
    DB_VOTE_CLI,         /* paperboy subscriber like */
};

/* One vote with its paper. */
struct db_vote {
    int64_t paper_id;
    int vote;             /* 1 or -1 */
    const char *source;   /* "mail", "preferences", "cli" */
    int64_t created_at;   /* unix seconds */
    const char *arxiv_id; /* borrowed during the callback */
    const char *title;    /* borrowed likewise */
    const char *abstract; /* borrowed likewise, "" if none */
};

/*
 * db_votes_set - subscription sub_id's vote on paper_id: 1, -1, or 0 to
 * take it back (delete).  Replaces an earlier vote.  -1 with err on a
 * database error, or ERR_PERM when the subscription already holds
 * DB_VOTES_MAX votes and this one is new.
 */
int db_votes_set(struct db *db, int64_t sub_id, int64_t paper_id, int vote,
                 enum db_vote_source source, int64_t now, struct err *err);

/* db_votes_fits - *fits is 1 when sub_id may take a vote on paper_id
 * (it holds one there already, or fewer than DB_VOTES_MAX), else 0 */
int db_votes_fits(struct db *db, int64_t sub_id, int64_t paper_id, int *fits,
                  struct err *err);

/* db_votes_clear - every vote of sub_id (vote 0) or only those equal to
 * vote (1 or -1); *n gets how many were removed */
int db_votes_clear(struct db *db, int64_t sub_id, int vote, int *n,
                   struct err *err);

/* db_votes_get - sub_id's vote on paper_id into *vote (0: none) */
int db_votes_get(struct db *db, int64_t sub_id, int64_t paper_id, int *vote,
                 struct err *err);

/* db_votes_each - call fn for every vote of sub_id, newest first; a
 * non-zero return from fn stops (not an error) */
int db_votes_each(struct db *db, int64_t sub_id,
                  int (*fn)(void *arg, const struct db_vote *v), void *arg,
                  struct err *err);

/* db_votes_voters - the ids (ascending) of the subscriptions in [lo, hi]
 * that have any vote (a freeze pass reads the votes only of those);
 * caller frees *ids */
int db_votes_voters(struct db *db, int64_t lo, int64_t hi, int64_t **ids,
                    size_t *n, struct err *err);

#endif
