/* SPDX-License-Identifier: MIT */
/*
 * db_sub - subscribers (one row per normalised address) and subscriptions
 * (subscriber x list, with status, preferences and timestamps).
 *
 * Addresses passed in must already be normalised by addr_normalize(); the
 * email column is COLLATE NOCASE, so lookups ignore ASCII case.  Every
 * value is bound, never pasted into SQL.  Every write checks the values
 * it stores with the db_sub_check_* rules, the same functions (and
 * words) subs/ shows to people, so no row holds what the form or the
 * CLI would refuse.  The lifecycle (which status follows which) is
 * subs/'s, not this file's.  Layer: store.
 *
 * Contract: functions return 0 on success and -1 with err filled on
 * failure.  Lookups (db_sub_find, db_sub_get*) return 0 when the row was
 * found, 1 when there is no such row (out untouched), -1 on error.
 * Out-parameters are written only on success.  Records use fixed arrays:
 * the caller owns the struct, there is nothing to free.
 */
#ifndef PAPERBOY_DB_SUB_H
#define PAPERBOY_DB_SUB_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define DB_SUB_EMAIL_MAX 255      /* 254 (RFC 5321) + NUL */
#define DB_SUB_NAME_MAX 201       /* display name, 200 bytes + NUL */
#define DB_SUB_LIST_NAME_MAX 65   /* list names are at most 64 bytes */
#define DB_SUB_KEYWORDS_MAX 501   /* 500 bytes + NUL */
#define DB_SUB_CATEGORIES_MAX 513 /* 'cs.LG,cs.CL,...' 512 bytes + NUL */
#define DB_SUB_TIMEZONE_MAX 65    /* IANA zone name + NUL */
#define DB_SUB_MAX_PAPERS_MIN 1
#define DB_SUB_MAX_PAPERS_MAX 50

enum db_sub_status {
    DB_SUB_PENDING = 0,      /* waiting for the confirmation click */
    DB_SUB_CONFIRMED = 1,    /* receives digests (unless paused) */
    DB_SUB_UNSUBSCRIBED = 2, /* left; row kept so the address is known */
    DB_SUB_BOUNCED = 3,      /* suspended after hard bounces */
};
#define DB_SUB_NSTATUS 4

/* How often a subscription is mailed (schema 060). */
enum db_sub_cadence {
    DB_SUB_CADENCE_UNSET = 0, /* in struct db_sub_prefs: not given */
    DB_SUB_DAILY = 1,         /* every day (the default) */
    DB_SUB_WEEKLY = 2,        /* once a week, on its weekday */
};
#define DB_SUB_NO_WEEKDAY (-1) /* weekday of a daily subscription */

struct db_subscriber {
    int64_t id;
    char email[DB_SUB_EMAIL_MAX]; /* normalised address */
    char name[DB_SUB_NAME_MAX];   /* display name, may be "" */
    int64_t created_at;           /* unix seconds, UTC */
};

struct db_subscription {
    int64_t id;
    int64_t subscriber_id;
    int64_t list_id;
    char email[DB_SUB_EMAIL_MAX];         /* the subscriber's address */
    char name[DB_SUB_NAME_MAX];           /* the subscriber's name */
    char list_name[DB_SUB_LIST_NAME_MAX]; /* lists.name */
    enum db_sub_status status;
    int paused;                             /* 1: confirmed but not mailed */
    char keywords[DB_SUB_KEYWORDS_MAX];     /* as typed, "" = none */
    char categories[DB_SUB_CATEGORIES_MAX]; /* "" = the list's categories */
    int max_papers;                         /* 1..50 */
    char timezone[DB_SUB_TIMEZONE_MAX];     /* "" = [schedule] timezone */
    int hard_bounces;                       /* count so far */
    int64_t created_at;       /* unix seconds, UTC; no valid token is older */
    int64_t updated_at;       /* unix seconds, UTC */
    int64_t pending_at;       /* the current pending period began; no valid
                                 confirmation token is older (0 = unknown) */
    int64_t confirmed_at;     /* 0 = never */
    int64_t unsubscribed_at;  /* 0 = never / resubscribed */
    int64_t confirm_sent_at;  /* 0 = never */
    char last_digest_day[11]; /* "YYYY-MM-DD" or "" */
    enum db_sub_cadence cadence; /* DB_SUB_DAILY or DB_SUB_WEEKLY */
    int weekday; /* weekly: 0 = Sunday .. 6 = Saturday (strftime %w), in
                    the subscription's zone; daily: DB_SUB_NO_WEEKDAY */
};

/*
 * Preferences for db_sub_subscribe() and db_sub_update_prefs().  A NULL
 * string or max_papers 0 means "not given": the default on create, left
 * alone on update.  Values are checked with the db_sub_check_* rules.
 */
struct db_sub_prefs {
    const char *keywords;        /* NULL = not given */
    const char *categories;      /* NULL = not given; "" = the list's */
    int max_papers;              /* 0 = not given (default 10) */
    const char *timezone;        /* NULL = not given; "" = server default */
    enum db_sub_cadence cadence; /* DB_SUB_CADENCE_UNSET = not given */
    int weekday; /* with cadence DB_SUB_WEEKLY: 0 (Sunday) .. 6 */
};

/* db_sub_status_name - "pending", "confirmed", "unsubscribed", "bounced" */
const char *db_sub_status_name(enum db_sub_status s);
/* db_sub_status_parse - the inverse (exact, lower case); 0 or -1 */
int db_sub_status_parse(const char *s, enum db_sub_status *out);

/* db_sub_check_keywords - the text rule of keywords: at most
 * DB_SUB_KEYWORDS_MAX - 1 bytes of UTF-8, no control characters (CR, LF,
 * TAB, ...); -1 with the reason in err.  The whole keyword rule (this
 * and the number of terms) is query_validate_keywords(), which
 * subs_check_keywords() applies. */
int db_sub_check_keywords(const char *kw, struct err *err);
/* db_sub_check_keywords_len - the same for n bytes at kw (a NUL among
 * them is a control character) */
int db_sub_check_keywords_len(const char *kw, size_t n, struct err *err);
/* db_sub_check_name - at most 200 bytes of UTF-8, no control chars */
int db_sub_check_name(const char *name, struct err *err);
/* db_sub_check_timezone - "" or an IANA-looking name (A-Za-z0-9/_+-),
 * at most 64 bytes, no "..", that exists under /usr/share/zoneinfo or is
 * "UTC" */
int db_sub_check_timezone(const char *tz, struct err *err);
/* db_sub_check_max_papers - 1..50 */
int db_sub_check_max_papers(int n, struct err *err);
/* db_sub_check_cadence - cadence DB_SUB_DAILY, or DB_SUB_WEEKLY with a
 * weekday 0..6 (DB_SUB_CADENCE_UNSET passes: not given) */
int db_sub_check_cadence(enum db_sub_cadence cadence, int weekday,
                         struct err *err);
/* db_sub_cadence_name - "daily" or "weekly" */
const char *db_sub_cadence_name(enum db_sub_cadence c);
/* db_sub_weekday_name - "sunday" .. "saturday" for 0..6, "" otherwise */
const char *db_sub_weekday_name(int weekday);
/* (categories are checked with db_list_check_categories() in db_list.h) */

/*
 * db_sub_find_or_create - the subscriber with this normalised email,
 * created (with name, may be NULL) when missing.  *out_created is 1 when
 * a row was inserted (may be NULL).  An existing subscriber's name is
 * left alone.
 */
int db_sub_find_or_create(struct db *db, const char *email, const char *name,
                          int64_t now, int64_t *out_id, int *out_created,
                          struct err *err);
/* db_sub_find - look a subscriber up by email (case-insensitive); 0/1/-1 */
int db_sub_find(struct db *db, const char *email, struct db_subscriber *out,
                struct err *err);
/* db_sub_set_name - change a subscriber's display name */
int db_sub_set_name(struct db *db, int64_t subscriber_id, const char *name,
                    struct err *err);
/* db_sub_delete_subscriber - remove the subscriber and (cascade) all its
 * subscriptions, digests and queued mail */
int db_sub_delete_subscriber(struct db *db, int64_t subscriber_id,
                             struct err *err);

/*
 * db_sub_subscribe - the subscription of subscriber to list, created with
 * status pending and prefs (may be NULL) when missing.  An existing
 * subscription is returned unchanged (whatever its status) with
 * *out_created = 0; use db_sub_set_status()/db_sub_update_prefs() to
 * change it.  out_created may be NULL.
 */
int db_sub_subscribe(struct db *db, int64_t subscriber_id, int64_t list_id,
                     const struct db_sub_prefs *prefs, int64_t now,
                     int64_t *out_id, int *out_created, struct err *err);

/* db_sub_get - a subscription by id, with email, name and list name */
int db_sub_get(struct db *db, int64_t id, struct db_subscription *out,
               struct err *err);
/* db_sub_get_by_email - the subscription of email to list_name */
int db_sub_get_by_email(struct db *db, const char *email, const char *list_name,
                        struct db_subscription *out, struct err *err);

/*
 * db_sub_set_status - change status and stamp updated_at = now.
 * confirmed: confirmed_at = now unless already confirmed, and
 * unsubscribed_at cleared; unsubscribed: unsubscribed_at = now;
 * pending: pending_at = now, unsubscribed_at cleared; bounced: only the
 * status.
 * Setting the status it already has changes nothing (no error).
 */
int db_sub_set_status(struct db *db, int64_t id, enum db_sub_status status,
                      int64_t now, struct err *err);
/* db_sub_set_paused - paused 0 or 1; stamps updated_at */
int db_sub_set_paused(struct db *db, int64_t id, int paused, int64_t now,
                      struct err *err);
/* db_sub_update_prefs - change the fields given in prefs (validated);
 * stamps updated_at when anything changed */
int db_sub_update_prefs(struct db *db, int64_t id,
                        const struct db_sub_prefs *prefs, int64_t now,
                        struct err *err);
/* db_sub_set_confirm_sent - confirm_sent_at = now (confirmation queued) */
int db_sub_set_confirm_sent(struct db *db, int64_t id, int64_t now,
                            struct err *err);
/* db_sub_delete - remove one subscription (cascade: digests, outbox); a
 * manage mail still to go moves to another live subscription of the
 * address when there is one */
int db_sub_delete(struct db *db, int64_t id, struct err *err);

/* Which subscriptions db_sub_each() visits; zero/NULL fields match all. */
struct db_sub_filter {
    const char *list_name; /* NULL = every list */
    const char *email;     /* NULL = every subscriber (case-insensitive) */
    int status;            /* enum db_sub_status, or -1 = any */
};

/* Called once per row; return 0 to go on, -1 to stop (db_sub_each then
 * returns -1 with whatever the callback put in err). */
typedef int (*db_sub_cb)(const struct db_subscription *s, void *arg,
                         struct err *err);

/*
 * db_sub_each - visit matching subscriptions ordered by list name, then
 * email.  The row is borrowed for the duration of the call.  The callback
 * may run other queries but not another db_sub_each().
 */
int db_sub_each(struct db *db, const struct db_sub_filter *filter, db_sub_cb cb,
                void *arg, struct err *err);

/* db_sub_count_by_status - counts[DB_SUB_NSTATUS] of subscriptions in
 * list_id (0 = every list) */
int db_sub_count_by_status(struct db *db, int64_t list_id,
                           int64_t counts[DB_SUB_NSTATUS], struct err *err);

#endif
