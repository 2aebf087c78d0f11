/* SPDX-License-Identifier: MIT */
/*
 * db_sub - subscribers and subscriptions (see db_sub.h).
 *
 * Status changes and their timestamps are made in one UPDATE each, so a
 * subscription is never seen "confirmed" without its confirmed_at.  The
 * address is run through addr_normalize() once more on the way in: a
 * caller that forgot cannot store a second spelling of one mailbox.
 */
#include "db_sub.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "addr.h"
#include "db_list.h"
#include "str.h"

static const char *const db_sub_status_names[DB_SUB_NSTATUS] = {
    "pending", "confirmed", "unsubscribed", "bounced"};

const char *
db_sub_status_name(enum db_sub_status s)
{
    if ((int)s < 0 || (int)s >= DB_SUB_NSTATUS)
        return "unknown";
    return db_sub_status_names[s];
}

int
db_sub_status_parse(const char *s, enum db_sub_status *out)
{
    int i = str_index(db_sub_status_names, DB_SUB_NSTATUS, s);

    if (i < 0)
        return -1;
    *out = (enum db_sub_status)i;
    return 0;
}

/* db_sub_check_text - common rules for free text of n bytes: size,
 * UTF-8, no control characters, C0, DEL or C1 (a NUL among the n bytes
 * is one) */
static int
db_sub_check_text(const char *what, const char *s, size_t n, size_t max,
                  struct err *err)
{
    if (n > max) {
        err_set(err, ERR_PERM, "%s too long (longer than %zu bytes)", what,
                max);
        return -1;
    }
    if (str_has_ctl(s, n) || memchr(s, '\0', n) != NULL || str_has_c1(s, n)) {
        err_set(err, ERR_PERM,
                "%s not allowed to contain control characters (line "
                "breaks, tabs, ...)",
                what);
        return -1;
    }
    if (!str_utf8_valid(s, n)) {
        err_set(err, ERR_PERM, "%s not valid UTF-8", what);
        return -1;
    }
    return 0;
}

int
db_sub_check_keywords_len(const char *kw, size_t n, struct err *err)
{
    return db_sub_check_text("the keywords are", kw, n, DB_SUB_KEYWORDS_MAX - 1,
                             err);
}

int
db_sub_check_keywords(const char *kw, struct err *err)
{
    return db_sub_check_keywords_len(kw, strlen(kw), err);
}

int
db_sub_check_name(const char *name, struct err *err)
{
    return db_sub_check_text("the name is", name, strlen(name),
                             DB_SUB_NAME_MAX - 1, err);
}

int
db_sub_check_timezone(const char *tz, struct err *err)
{
    char path[128];
    struct stat st;
    size_t n = strlen(tz);

    if (n == 0 || strcmp(tz, "UTC") == 0)
        return 0;
    if (n > DB_SUB_TIMEZONE_MAX - 1 || tz[0] == '/' || strstr(tz, "..") != NULL)
        goto bad;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || strchr("/_+-", *p) != NULL))
            goto bad;
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return 0;
bad:
    err_set(err, ERR_PERM,
            "'%.64s' is not a known time zone (use an IANA name such as "
            "Europe/Berlin)",
            str_has_ctl(tz, n) ? "(control characters)" : tz);
    return -1;
}

int
db_sub_check_max_papers(int n, struct err *err)
{
    if (n < DB_SUB_MAX_PAPERS_MIN || n > DB_SUB_MAX_PAPERS_MAX) {
        err_set(err, ERR_PERM, "max papers must be from %d to %d",
                DB_SUB_MAX_PAPERS_MIN, DB_SUB_MAX_PAPERS_MAX);
        return -1;
    }
    return 0;
}

int
db_sub_check_cadence(enum db_sub_cadence cadence, int weekday, struct err *err)
{
    if (cadence == DB_SUB_CADENCE_UNSET || cadence == DB_SUB_DAILY)
        return 0;
    if (cadence != DB_SUB_WEEKLY) {
        err_set(err, ERR_PERM, "the cadence must be daily or weekly");
        return -1;
    }
    if (weekday < 0 || weekday > 6) {
        err_set(err, ERR_PERM, "a weekly digest needs a day of the week");
        return -1;
    }
    return 0;
}

const char *
db_sub_cadence_name(enum db_sub_cadence c)
{
    return c == DB_SUB_WEEKLY ? "weekly" : "daily";
}

const char *
db_sub_weekday_name(int weekday)
{
    static const char *const names[7] = {"sunday",    "monday",   "tuesday",
                                         "wednesday", "thursday", "friday",
                                         "saturday"};
    return weekday >= 0 && weekday <= 6 ? names[weekday] : "";
}

/* db_sub_bind_cadence - bind cadence at i and weekday at i + 1 (NULL
 * when not given, or daily) */
static void
db_sub_bind_cadence(sqlite3_stmt *st, int i, const struct db_sub_prefs *p)
{
    if (p == NULL || p->cadence == DB_SUB_CADENCE_UNSET)
        return; /* both stay NULL: not given */
    sqlite3_bind_text(st, i, db_sub_cadence_name(p->cadence), -1,
                      SQLITE_STATIC);
    if (p->cadence == DB_SUB_WEEKLY)
        sqlite3_bind_int(st, i + 1, p->weekday);
}

/* db_sub_check_prefs - validate the fields that are given */
static int
db_sub_check_prefs(const struct db_sub_prefs *p, struct err *err)
{
    if (p == NULL)
        return 0;
    if (p->keywords && db_sub_check_keywords(p->keywords, err) == -1)
        return -1;
    if (p->categories && db_list_check_categories(p->categories, err) == -1)
        return -1;
    if (p->max_papers != 0 && db_sub_check_max_papers(p->max_papers, err) == -1)
        return -1;
    if (p->timezone && db_sub_check_timezone(p->timezone, err) == -1)
        return -1;
    return db_sub_check_cadence(p->cadence, p->weekday, err);
}

/* db_sub_copy - a text column into a fixed array */
static void
db_sub_copy(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    (void)str_copy(dst, size, s ? (const char *)s : "");
}

/* db_sub_bind_opt - bind s or NULL */
static void
db_sub_bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

int
db_sub_find_or_create(struct db *db, const char *email, const char *name,
                      int64_t now, int64_t *out_id, int *out_created,
                      struct err *err)
{
    static const char ins[] =
        "INSERT INTO subscribers (email, name, created_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (email) DO NOTHING";
    char norm[ADDR_SIZE];
    struct db_subscriber s;
    sqlite3_stmt *st;
    int created;

    if (addr_normalize(email, norm, sizeof(norm), err) == -1)
        return -1;
    if (name != NULL && db_sub_check_name(name, err) == -1)
        return -1;
    if ((st = db_stmt(db, ins, err)) == NULL)
        return -1;
    sqlite3_bind_text(st, 1, norm, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name ? name : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    if (db_step_done(db, st, "adding a subscriber", err) == -1)
        return -1;
    created = db_changes(db) == 1;
    if (created) {
        *out_id = db_last_id(db);
    } else {
        int rc = db_sub_find(db, norm, &s, err);
        if (rc == -1)
            return -1;
        if (rc == 1) {
            err_set(err, ERR_TEMP, "subscriber '%s' vanished", norm);
            return -1;
        }
        *out_id = s.id;
    }
    if (out_created != NULL)
        *out_created = created;
    return 0;
}

int
db_sub_find(struct db *db, const char *email, struct db_subscriber *out,
            struct err *err)
{
    static const char sql[] =
        "SELECT id, email, name, created_at FROM subscribers WHERE email = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        db_sub_copy(out->email, sizeof(out->email), st, 1);
        db_sub_copy(out->name, sizeof(out->name), st, 2);
        out->created_at = sqlite3_column_int64(st, 3);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 1;
    return db_fail(db, err, "looking up a subscriber");
}

int
db_sub_set_name(struct db *db, int64_t subscriber_id, const char *name,
                struct err *err)
{
    static const char sql[] = "UPDATE subscribers SET name = ?2 WHERE id = ?1";
    sqlite3_stmt *st;

    if (db_sub_check_name(name, err) == -1)
        return -1;
    if ((st = db_stmt(db, sql, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscriber_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "renaming a subscriber", err);
}

int
db_sub_delete_subscriber(struct db *db, int64_t subscriber_id, struct err *err)
{
    static const char sql[] = "DELETE FROM subscribers WHERE id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscriber_id);
    return db_step_done(db, st, "removing a subscriber", err);
}

int
db_sub_subscribe(struct db *db, int64_t subscriber_id, int64_t list_id,
                 const struct db_sub_prefs *prefs, int64_t now, int64_t *out_id,
                 int *out_created, struct err *err)
{
    static const char ins[] =
        "INSERT INTO subscriptions (subscriber_id, list_id, keywords, "
        "categories, max_papers, timezone, created_at, updated_at, "
        "pending_at, cadence, weekday) "
        "VALUES (?1, ?2, COALESCE(?3, ''), COALESCE(?4, ''), "
        "COALESCE(?5, 10), COALESCE(?6, ''), ?7, ?7, ?7, "
        "COALESCE(?8, 'daily'), ?9) "
        "ON CONFLICT (subscriber_id, list_id) DO NOTHING";
    static const char sel[] = "SELECT id FROM subscriptions "
                              "WHERE subscriber_id = ?1 AND list_id = ?2";
    sqlite3_stmt *st;
    int created, rc;

    if (db_sub_check_prefs(prefs, err) == -1)
        return -1;
    if ((st = db_stmt(db, ins, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscriber_id);
    sqlite3_bind_int64(st, 2, list_id);
    db_sub_bind_opt(st, 3, prefs ? prefs->keywords : NULL);
    db_sub_bind_opt(st, 4, prefs ? prefs->categories : NULL);
    if (prefs && prefs->max_papers)
        sqlite3_bind_int(st, 5, prefs->max_papers);
    db_sub_bind_opt(st, 6, prefs ? prefs->timezone : NULL);
    sqlite3_bind_int64(st, 7, now);
    db_sub_bind_cadence(st, 8, prefs);
    if (db_step_done(db, st, "adding a subscription", err) == -1)
        return -1;
    created = db_changes(db) == 1;
    if (created) {
        *out_id = db_last_id(db);
    } else {
        if ((st = db_stmt(db, sel, err)) == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, subscriber_id);
        sqlite3_bind_int64(st, 2, list_id);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) {
            db_fail(db, err, "reading a subscription");
            sqlite3_reset(st);
            return -1;
        }
        *out_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    if (out_created != NULL)
        *out_created = created;
    return 0;
}

#define DB_SUB_SELECT                                                          \
    "SELECT s.id, s.subscriber_id, s.list_id, r.email, r.name, l.name, "       \
    "s.status, s.paused, s.keywords, s.categories, s.max_papers, "             \
    "s.timezone, s.hard_bounces, s.created_at, s.updated_at, "                 \
    "s.confirmed_at, s.unsubscribed_at, s.confirm_sent_at, "                   \
    "s.last_digest_day, s.pending_at, s.cadence, s.weekday "                   \
    "FROM subscriptions s JOIN subscribers r ON r.id = s.subscriber_id "       \
    "JOIN lists l ON l.id = s.list_id "

/* db_sub_cadence_of - column i ('daily' or 'weekly') as a cadence */
static enum db_sub_cadence
db_sub_cadence_of(sqlite3_stmt *st, int i)
{
    const unsigned char *c = sqlite3_column_text(st, i);

    return c && strcmp((const char *)c, "weekly") == 0 ? DB_SUB_WEEKLY
                                                       : DB_SUB_DAILY;
}

/* db_sub_row - fill out from a row selected with DB_SUB_SELECT */
static void
db_sub_row(sqlite3_stmt *st, struct db_subscription *out)
{
    const unsigned char *status;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(st, 0);
    out->subscriber_id = sqlite3_column_int64(st, 1);
    out->list_id = sqlite3_column_int64(st, 2);
    db_sub_copy(out->email, sizeof(out->email), st, 3);
    db_sub_copy(out->name, sizeof(out->name), st, 4);
    db_sub_copy(out->list_name, sizeof(out->list_name), st, 5);
    status = sqlite3_column_text(st, 6);
    if (status == NULL ||
        db_sub_status_parse((const char *)status, &out->status) == -1)
        out->status = DB_SUB_PENDING; /* the CHECK constraint forbids it */
    out->paused = sqlite3_column_int(st, 7);
    db_sub_copy(out->keywords, sizeof(out->keywords), st, 8);
    db_sub_copy(out->categories, sizeof(out->categories), st, 9);
    out->max_papers = sqlite3_column_int(st, 10);
    db_sub_copy(out->timezone, sizeof(out->timezone), st, 11);
    out->hard_bounces = sqlite3_column_int(st, 12);
    out->created_at = sqlite3_column_int64(st, 13);
    out->updated_at = sqlite3_column_int64(st, 14);
    out->confirmed_at = sqlite3_column_int64(st, 15);
    out->unsubscribed_at = sqlite3_column_int64(st, 16);
    out->confirm_sent_at = sqlite3_column_int64(st, 17);
    db_sub_copy(out->last_digest_day, sizeof(out->last_digest_day), st, 18);
    out->pending_at = sqlite3_column_int64(st, 19);
    out->cadence = db_sub_cadence_of(st, 20);
    out->weekday = out->cadence == DB_SUB_WEEKLY ? sqlite3_column_int(st, 21)
                                                 : DB_SUB_NO_WEEKDAY;
}

/* db_sub_get_one - step a one-row lookup: 0 found, 1 none, -1 error */
static int
db_sub_get_one(struct db *db, sqlite3_stmt *st, struct db_subscription *out,
               struct err *err)
{
    int rc = db_step_row(db, st, "reading a subscription", err);

    if (rc == 0) {
        db_sub_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int
db_sub_get(struct db *db, int64_t id, struct db_subscription *out,
           struct err *err)
{
    static const char sql[] = DB_SUB_SELECT "WHERE s.id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    return db_sub_get_one(db, st, out, err);
}

int
db_sub_get_by_email(struct db *db, const char *email, const char *list_name,
                    struct db_subscription *out, struct err *err)
{
    static const char sql[] =
        DB_SUB_SELECT "WHERE r.email = ?1 AND l.name = ?2";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, list_name, -1, SQLITE_TRANSIENT);
    return db_sub_get_one(db, st, out, err);
}

/* db_sub_exists - after an UPDATE that changed nothing: was the row
 * missing (-1 with "no subscription") or already as asked (0)? */
static int
db_sub_exists(struct db *db, int64_t id, struct err *err)
{
    static const char sql[] = "SELECT 1 FROM subscriptions WHERE id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE) {
        err_set(err, ERR_PERM, "no subscription id=%lld", (long long)id);
        return -1;
    }
    return db_fail(db, err, "reading a subscription");
}

int
db_sub_set_status(struct db *db, int64_t id, enum db_sub_status status,
                  int64_t now, struct err *err)
{
    static const char sql[] =
        "UPDATE subscriptions SET status = ?2, updated_at = ?3, "
        "confirmed_at = CASE WHEN ?2 = 'confirmed' THEN ?3 "
        "                    ELSE confirmed_at END, "
        "unsubscribed_at = CASE WHEN ?2 = 'unsubscribed' THEN ?3 "
        "                  WHEN ?2 IN ('pending', 'confirmed') THEN NULL "
        "                  ELSE unsubscribed_at END, "
        "pending_at = CASE WHEN ?2 = 'pending' THEN ?3 ELSE pending_at END "
        "WHERE id = ?1 AND status <> ?2";
    sqlite3_stmt *st;

    if ((int)status < 0 || (int)status >= DB_SUB_NSTATUS) {
        err_set(err, ERR_PERM, "invalid subscription status %d", (int)status);
        return -1;
    }
    if ((st = db_stmt(db, sql, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, db_sub_status_name(status), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    if (db_step_done(db, st, "changing a subscription's status", err) == -1)
        return -1;
    if (db_changes(db) == 0)
        return db_sub_exists(db, id, err);
    return 0;
}

int
db_sub_set_paused(struct db *db, int64_t id, int paused, int64_t now,
                  struct err *err)
{
    static const char sql[] =
        "UPDATE subscriptions SET paused = ?2, updated_at = ?3 "
        "WHERE id = ?1 AND paused <> ?2";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, paused ? 1 : 0);
    sqlite3_bind_int64(st, 3, now);
    if (db_step_done(db, st, "pausing a subscription", err) == -1)
        return -1;
    if (db_changes(db) == 0)
        return db_sub_exists(db, id, err);
    return 0;
}

int
db_sub_update_prefs(struct db *db, int64_t id, const struct db_sub_prefs *prefs,
                    int64_t now, struct err *err)
{
    static const char sql[] =
        "UPDATE subscriptions SET keywords = COALESCE(?2, keywords), "
        "categories = COALESCE(?3, categories), "
        "max_papers = COALESCE(?4, max_papers), "
        "timezone = COALESCE(?5, timezone), updated_at = ?6, "
        "cadence = COALESCE(?7, cadence), "
        "weekday = CASE WHEN ?7 IS NULL THEN weekday ELSE ?8 END "
        "WHERE id = ?1 AND (COALESCE(?2, keywords) IS NOT keywords "
        "OR COALESCE(?3, categories) IS NOT categories "
        "OR COALESCE(?4, max_papers) IS NOT max_papers "
        "OR COALESCE(?5, timezone) IS NOT timezone "
        "OR COALESCE(?7, cadence) IS NOT cadence "
        "OR (CASE WHEN ?7 IS NULL THEN weekday ELSE ?8 END) IS NOT weekday)";
    sqlite3_stmt *st;

    if (prefs == NULL)
        return db_sub_exists(db, id, err);
    if (db_sub_check_prefs(prefs, err) == -1)
        return -1;
    if ((st = db_stmt(db, sql, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    db_sub_bind_opt(st, 2, prefs->keywords);
    db_sub_bind_opt(st, 3, prefs->categories);
    if (prefs->max_papers)
        sqlite3_bind_int(st, 4, prefs->max_papers);
    db_sub_bind_opt(st, 5, prefs->timezone);
    sqlite3_bind_int64(st, 6, now);
    db_sub_bind_cadence(st, 7, prefs);
    if (db_step_done(db, st, "updating preferences", err) == -1)
        return -1;
    if (db_changes(db) == 0)
        return db_sub_exists(db, id, err);
    return 0;
}

int
db_sub_set_confirm_sent(struct db *db, int64_t id, int64_t now, struct err *err)
{
    static const char sql[] =
        "UPDATE subscriptions SET confirm_sent_at = ?2 WHERE id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    if (db_step_done(db, st, "stamping a confirmation", err) == -1)
        return -1;
    if (db_changes(db) == 0)
        return db_sub_exists(db, id, err);
    return 0;
}

int
db_sub_delete(struct db *db, int64_t id, struct err *err)
{
    /* a "manage" mail still to go hangs on one subscription of the
     * address; it moves to another live one rather than go with the row
     * (the mail lists what is live when it is sent) */
    static const char sql_keep[] =
        "UPDATE outbox SET subscription_id = "
        " (SELECT m.id FROM subscriptions s JOIN subscriptions m "
        "   ON m.subscriber_id = s.subscriber_id AND m.id != s.id "
        "  WHERE s.id = ?1 AND m.status IN ('pending', 'confirmed') "
        "  ORDER BY m.created_at DESC, m.id DESC LIMIT 1) "
        "WHERE subscription_id = ?1 AND kind = 'manage' "
        " AND (state = 'queued' OR state = 'deferred') "
        " AND EXISTS (SELECT 1 FROM subscriptions s JOIN subscriptions m "
        "   ON m.subscriber_id = s.subscriber_id AND m.id != s.id "
        "  WHERE s.id = ?1 AND m.status IN ('pending', 'confirmed'))";
    static const char sql[] = "DELETE FROM subscriptions WHERE id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql_keep, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (db_step_done(db, st, "keeping a manage mail", err) == -1)
        return -1;
    if ((st = db_stmt(db, sql, err)) == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    return db_step_done(db, st, "removing a subscription", err);
}

int
db_sub_each(struct db *db, const struct db_sub_filter *filter, db_sub_cb cb,
            void *arg, struct err *err)
{
    static const char sql[] =
        DB_SUB_SELECT "WHERE (?1 IS NULL OR l.name = ?1) "
                      "AND (?2 IS NULL OR r.email = ?2) "
                      "AND (?3 IS NULL OR s.status = ?3) "
                      "ORDER BY l.name, r.email COLLATE NOCASE";
    struct db_subscription row;
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    if (filter != NULL) {
        db_sub_bind_opt(st, 1, filter->list_name);
        db_sub_bind_opt(st, 2, filter->email);
        if (filter->status >= 0 && filter->status < DB_SUB_NSTATUS)
            sqlite3_bind_text(
                st, 3, db_sub_status_name((enum db_sub_status)filter->status),
                -1, SQLITE_STATIC);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_sub_row(st, &row);
        if (cb(&row, arg, err) == -1) {
            sqlite3_reset(st);
            return -1;
        }
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "listing subscriptions");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

int
db_sub_count_by_status(struct db *db, int64_t list_id,
                       int64_t counts[DB_SUB_NSTATUS], struct err *err)
{
    static const char sql[] = "SELECT status, count(*) FROM subscriptions "
                              "WHERE (?1 = 0 OR list_id = ?1) GROUP BY status";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int64_t tmp[DB_SUB_NSTATUS] = {0};
    enum db_sub_status s;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, list_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(st, 0);
        if (name && db_sub_status_parse((const char *)name, &s) == 0)
            tmp[s] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "counting subscriptions");
    memcpy(counts, tmp, sizeof(tmp));
    return 0;
}
