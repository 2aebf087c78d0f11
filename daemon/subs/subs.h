/* SPDX-License-Identifier: MIT */
/*
 * subs - the subscription lifecycle: sign-up, confirmation, unsubscribing
 * and preference changes, and one validator per field a person types.
 *
 * The web (POST /subscribe, the signed links) and the CLI (`subscriber
 * add`, `subscriber import`) call these functions and repeat none of
 * their rules.  The rules that live here:
 *   - a sign-up from the form never changes a confirmed subscription and
 *     never tells whether the address was known; anything else becomes
 *     pending with the form's preferences and gets a confirmation mail
 *     (at most one per address per day: outbox_enqueue_confirm());
 *   - an administrator's `add` starts a subscription that had left again
 *     (pending, or confirmed with --confirmed); an import never revives
 *     one and never turns a confirmed one back into pending;
 *   - a subscription that leaves (unsubscribed or bounced) loses its
 *     queued mail in the same transaction, whoever made it leave;
 *   - a confirmation link from before the current pending period does not
 *     confirm it;
 *   - the suppression table (db_suppress.h) is read by one rule,
 *     sub_suppressed(): an address suppressed because mail to it bounced
 *     or drew a complaint (or by the operator) gets no confirmation mail
 *     from the form, which stores nothing and answers as always, and is
 *     refused by `add` and skipped by `import` (unless --force, which lifts
 *     the row), until `paperboy bounces unsuppress`; an address suppressed
 *     because its owner erased their data ('erased') may sign up again on
 *     the form, the confirmation click being their consent, but is still
 *     refused by `add` and skipped by `import`.
 * Not here: the pages, tokens and CLI output (web/, cli/), the SQL
 * (store/db_sub.c, store/outbox.c).  Layer: subs (store, digest, mail
 * below; web and cli above).
 *
 * Contract: 0 on success, -1 with err filled on failure.  A validator's
 * message is fit to show to the person who typed the value (the web shows
 * it next to the field, the CLI prints it).  The lifecycle functions run
 * in the caller's transaction when one is open (the caller then rolls
 * back on failure), else in one of their own.  Out-parameters are written
 * only on success.
 */
#ifndef PAPERBOY_SUBS_H
#define PAPERBOY_SUBS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "db.h"
#include "db_list.h"
#include "db_export.h"
#include "db_sub.h"
#include "db_suppress.h"
#include "err.h"
#include "token.h"

/* subs_check_email - normalise in (NULL is "") into out (size >=
 * ADDR_SIZE); "invalid address 'IN': reason" when it is not an address */
int subs_check_email(const char *in, char *out, size_t size, struct err *err);

/*
 * subs_check_list - the list named name into out; NULL names the first
 * list by name ("" is refused, as any name that is not a list name is).  0
 * found, 1 refused with the message in err ("no list named 'X'", "there is no
 * list to subscribe to yet"; out untouched), -1 on a database error.
 */
int subs_check_list(struct db *db, const char *name, struct db_list *out,
                    struct err *err);

/* subs_check_keywords - the keyword rule (query_validate_keywords()):
 * at most 500 bytes of UTF-8, no control characters, at most 20 terms */
int subs_check_keywords(const char *kw, struct err *err);

/* subs_check_categories - a subscription's category filter on list l:
 * "" (the list's own) or some of l's categories, comma-separated */
int subs_check_categories(const struct db_list *l, const char *csv,
                          struct err *err);

/* subs_check_list_categories - a list's categories: the syntax
 * (db_list_check_categories()) and every one of them in arXiv's taxonomy
 * bundled under the web directory (catnames.h), or "unknown category
 * 'q-bio.XX'; did you mean 'q-bio.QM'?".  -1 too when the taxonomy file
 * cannot be read. */
int subs_check_list_categories(const struct config *cfg, const char *csv,
                               struct err *err);

/* subs_check_max_papers - s as a number of papers from 1 to 50 into *out;
 * NULL or "" is "not given" (*out = 0) */
int subs_check_max_papers(const char *s, int *out, struct err *err);

/* subs_check_timezone - "" (the server's) or a zone under
 * /usr/share/zoneinfo such as "Europe/Berlin" */
int subs_check_timezone(const char *tz, struct err *err);

/* subs_check_cadence - "daily" or "weekly" (any case) into *out; NULL or
 * "" is "not given" (*out = DB_SUB_CADENCE_UNSET); anything else is "the
 * cadence 'X' is not daily or weekly" */
int subs_check_cadence(const char *s, enum db_sub_cadence *out,
                       struct err *err);

/* subs_check_weekday - a day of the week, its English name or first
 * three letters in any case ("friday", "Fri"), into *out as 0 (Sunday) ..
 * 6 (Saturday); NULL or "" is "no day chosen" (*out = DB_SUB_NO_WEEKDAY);
 * anything else is "'X' is not a day of the week (monday ... sunday)" */
int subs_check_weekday(const char *s, int *out, struct err *err);

/* subs_check_schedule - the two together, as a form or command line gives
 * them: weekly needs a day ("choose the day of your weekly digest"); a
 * day with cadence not given means weekly; with daily the day is ignored
 * (a form's select always sends one).  The result into *out_cadence
 * (DB_SUB_CADENCE_UNSET when neither is given) and *out_weekday */
int subs_check_schedule(const char *cadence, const char *weekday,
                        enum db_sub_cadence *out_cadence, int *out_weekday,
                        struct err *err);

/* subs_check_name - a display name: at most 200 bytes of UTF-8, one line */
int subs_check_name(const char *name, struct err *err);

/* Who asks for a subscription; each has its own rules (above). */
enum subs_origin {
    SUBS_FORM = 0,   /* POST /subscribe: anyone, double opt-in */
    SUBS_ADD = 1,    /* `subscriber add`: the administrator */
    SUBS_IMPORT = 2, /* `subscriber import`: rows of a file */
};

/* A sign-up, its values checked with the validators above. */
struct subs_signup {
    enum subs_origin origin;
    const char *email;         /* normalised by subs_check_email() */
    const char *name;          /* NULL or "" = none / leave it (not FORM) */
    int64_t list_id;           /* lists.id */
    struct db_sub_prefs prefs; /* max_papers 0 = [digest] max_papers */
    int status;                /* IMPORT: enum db_sub_status, -1 = none */
    int confirmed;             /* ADD, IMPORT: confirmed at once */
    int64_t created_at;        /* IMPORT: unix seconds, 0 = now */
    /* the suppression table's key (sub_suppressed); NULL = not checked
     * here (import checks each row first) */
    const struct token_key *key;
};

/* What sub_signup() did. */
struct subs_result {
    int64_t sub_id;    /* subscriptions.id */
    int created;       /* a new subscription, or (ADD) one that starts again */
    int changed;       /* an existing one changed (name, preferences, status) */
    int prefs_changed; /* its preferences changed */
    int queued;        /* FORM: a confirmation mail was queued */
    int suppressed;    /* FORM: the address is suppressed: nothing stored */
};

/*
 * sub_suppressed - the rule above: 1 when the suppression table keeps a
 * sign-up of email (normalised) by origin from going ahead, with the row's
 * reason in reason ('hard_bounce', 'erased', ...), 0 when it may go ahead
 * (reason untouched), -1 on a database error (ERR_TEMP).
 */
int sub_suppressed(struct db *db, const struct token_key *key,
                   enum subs_origin origin, const char *email,
                   char reason[DB_SUPPRESS_REASON_MAX], struct err *err);

/*
 * sub_signup - subscribe in->email to in->list_id by the rules of
 * in->origin (see the top of this file).  cfg gives the default number
 * of papers and the confirmation mail's sender.  With in->key, a
 * suppressed address (sub_suppressed) is, from the form, a success that
 * changes nothing (out->suppressed); from `add`, an error saying why.
 */
int sub_signup(struct db *db, const struct config *cfg,
               const struct subs_signup *in, int64_t now,
               struct subs_result *out, struct err *err);

/* sub_confirm_fresh - 0 if a confirmation link issued at issued_at may
 * confirm s, -1 with the message to show when it predates s's current
 * pending period (s left, or bounced, and signed up again since) */
int sub_confirm_fresh(const struct db_subscription *s, int64_t issued_at,
                      struct err *err);

/* sub_confirm - subscription id confirmed (confirmed_at stamped the first
 * time only); the caller checked the link with sub_confirm_fresh() */
int sub_confirm(struct db *db, int64_t id, int64_t now, struct err *err);

/* sub_unsubscribe - subscription id unsubscribed and its queued mail
 * dropped, together; the sent history stays */
int sub_unsubscribe(struct db *db, int64_t id, int64_t now, struct err *err);

/* sub_set_prefs - the preferences given in p (checked with the validators
 * above) and paused (0 or 1; -1 leaves it), together */
int sub_set_prefs(struct db *db, int64_t id, const struct db_sub_prefs *p,
                  int paused, int64_t now, struct err *err);

/* What sub_erase() removed. */
struct subs_erased {
    struct db_export_counts rows; /* rows deleted, by table */
    int suppressed; /* 1: the suppression row was added; 0: already there */
};

/*
 * sub_erase - "delete everything": the subscriber with this normalised
 * address goes with every subscription, digest, vote and queued or sent
 * mail row (schema FK cascades), and only a keyed hash of the address
 * stays, in the suppression table with reason 'erased' (key: the token
 * key, db_suppress_hash()), so that a later import skips it unless
 * forced.  Bounce events keep their counts with the subscriber unlinked
 * (ON DELETE SET NULL).  Returns 1 when there is no such subscriber
 * (nothing changed, out untouched).  In subs/erase.c.
 */
int sub_erase(struct db *db, const struct token_key *key, const char *email,
              int64_t now, struct subs_erased *out, struct err *err);

#endif
