/* SPDX-License-Identifier: MIT */
/*
 * subs - the subscription lifecycle and the field validators (see
 * subs.h).  Every status change goes through subs_move(), which is where
 * "a subscription that leaves loses its queued mail" holds.
 */
#include "subs.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "catnames.h"
#include "outbox.h"
#include "query.h"
#include "str.h"

/* subs_safe - s for a message: at most 80 bytes, control chars as '?' */
static const char *
subs_safe(const char *s, char *out, size_t size)
{
    size_t i = 0;

    for (; s[i] && i + 1 < size && i < 80; i++)
        out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    out[i] = '\0';
    return out;
}

int
subs_check_email(const char *in, char *out, size_t size, struct err *err)
{
    char safe[96];

    if (in == NULL)
        in = "";
    if (addr_normalize(in, out, size, err) == -1) {
        err_prefix(err, "invalid address '%s'",
                   subs_safe(in, safe, sizeof(safe)));
        return -1;
    }
    return 0;
}

/* subs_first_list - db_list_each callback: keep the first list, stop */
static int
subs_first_list(const struct db_list *l, void *arg, struct err *err)
{
    struct db_list *out = arg;

    (void)err;
    if (out->id == 0)
        *out = *l;
    return 0;
}

int
subs_check_list(struct db *db, const char *name, struct db_list *out,
                struct err *err)
{
    struct db_list first;
    char safe[96];
    int rc;

    if (name == NULL) {
        memset(&first, 0, sizeof(first));
        if (db_list_each(db, subs_first_list, &first, err) == -1)
            return -1;
        if (first.id == 0) {
            err_set(err, ERR_PERM, "there is no list to subscribe to yet");
            return 1;
        }
        *out = first;
        return 0;
    }
    if (db_list_check_name(name, err) == -1)
        return 1;
    rc = db_list_get(db, name, out, err);
    if (rc == 1)
        err_set(err, ERR_PERM, "no list named '%s'",
                subs_safe(name, safe, sizeof(safe)));
    return rc;
}

int
subs_check_keywords(const char *kw, struct err *err)
{
    return query_validate_keywords(kw, strlen(kw), err);
}

int
subs_check_categories(const struct db_list *l, const char *csv, struct err *err)
{
    return db_list_check_sub_categories(l, csv, err);
}

int
subs_check_list_categories(const struct config *cfg, const char *csv,
                           struct err *err)
{
    struct catnames *c = NULL;
    char path[4096];
    int rc;

    if (db_list_check_categories(csv, err) == -1)
        return -1;
    if (config_web_path(cfg, CATNAMES_FILE, path, sizeof(path)) == -1) {
        err_set(err, ERR_PERM, "the web directory's path is too long");
        return -1;
    }
    if (catnames_load(path, &c, err) == -1)
        return -1;
    rc = catnames_check(c, csv, err);
    catnames_free(c);
    return rc;
}

int
subs_check_max_papers(const char *s, int *out, struct err *err)
{
    char safe[96];
    long n;

    if (s == NULL || *s == '\0') {
        *out = 0;
        return 0;
    }
    if (str_to_long(s, DB_SUB_MAX_PAPERS_MIN, DB_SUB_MAX_PAPERS_MAX, &n) ==
        -1) {
        err_set(err, ERR_PERM, "max_papers '%s' is not a number from %d to %d",
                subs_safe(s, safe, sizeof(safe)), DB_SUB_MAX_PAPERS_MIN,
                DB_SUB_MAX_PAPERS_MAX);
        return -1;
    }
    *out = (int)n;
    return 0;
}

int
subs_check_timezone(const char *tz, struct err *err)
{
    return db_sub_check_timezone(tz, err);
}

int
subs_check_cadence(const char *s, enum db_sub_cadence *out, struct err *err)
{
    char safe[96];

    if (s == NULL || *s == '\0')
        *out = DB_SUB_CADENCE_UNSET;
    else if (strcasecmp(s, "daily") == 0)
        *out = DB_SUB_DAILY;
    else if (strcasecmp(s, "weekly") == 0)
        *out = DB_SUB_WEEKLY;
    else {
        err_set(err, ERR_PERM, "the cadence '%s' is not daily or weekly",
                subs_safe(s, safe, sizeof(safe)));
        return -1;
    }
    return 0;
}

int
subs_check_weekday(const char *s, int *out, struct err *err)
{
    char safe[96];
    size_t n;

    if (s == NULL || *s == '\0') {
        *out = DB_SUB_NO_WEEKDAY;
        return 0;
    }
    n = strlen(s);
    for (int d = 0; d < 7; d++) {
        const char *name = db_sub_weekday_name(d);
        if ((n == 3 || n == strlen(name)) && strncasecmp(s, name, n) == 0) {
            *out = d;
            return 0;
        }
    }
    err_set(err, ERR_PERM,
            "'%s' is not a day of the week (monday, tuesday, ... sunday)",
            subs_safe(s, safe, sizeof(safe)));
    return -1;
}

int
subs_check_schedule(const char *cadence, const char *weekday,
                    enum db_sub_cadence *out_cadence, int *out_weekday,
                    struct err *err)
{
    enum db_sub_cadence c;
    int d;

    if (subs_check_cadence(cadence, &c, err) == -1 ||
        subs_check_weekday(weekday, &d, err) == -1)
        return -1;
    if (c == DB_SUB_CADENCE_UNSET && d != DB_SUB_NO_WEEKDAY)
        c = DB_SUB_WEEKLY; /* a day alone says weekly */
    if (c == DB_SUB_WEEKLY && d == DB_SUB_NO_WEEKDAY) {
        err_set(err, ERR_PERM, "choose the day of your weekly digest");
        return -1;
    }
    if (c != DB_SUB_WEEKLY)
        d = DB_SUB_NO_WEEKDAY; /* a daily digest has no day */
    *out_cadence = c;
    *out_weekday = d;
    return 0;
}

int
subs_check_name(const char *name, struct err *err)
{
    return db_sub_check_name(name, err);
}

/* subs_move - the one way a status changes: a subscription that leaves
 * (unsubscribed, bounced) loses its queued and deferred mail with it */
static int
subs_move(struct db *db, int64_t id, enum db_sub_status to, int64_t now,
          struct err *err)
{
    if (db_sub_set_status(db, id, to, now, err) == -1)
        return -1;
    if (to == DB_SUB_UNSUBSCRIBED || to == DB_SUB_BOUNCED)
        return outbox_drop_pending(db, id, err);
    return 0;
}

/* subs_get - db_sub_get() where a missing row is an error */
static int
subs_get(struct db *db, int64_t id, struct db_subscription *out,
         struct err *err)
{
    int rc = db_sub_get(db, id, out, err);

    if (rc == 1)
        err_set(err, ERR_TEMP, "subscription id=%lld vanished", (long long)id);
    return rc == 0 ? 0 : -1;
}

/* subs_prefs_differ - would p change s? */
static int
subs_prefs_differ(const struct db_subscription *s, const struct db_sub_prefs *p)
{
    return (p->keywords && strcmp(p->keywords, s->keywords) != 0) ||
           (p->categories && strcmp(p->categories, s->categories) != 0) ||
           (p->max_papers && p->max_papers != s->max_papers) ||
           (p->timezone && strcmp(p->timezone, s->timezone) != 0) ||
           (p->cadence != DB_SUB_CADENCE_UNSET &&
            (p->cadence != s->cadence ||
             (p->cadence == DB_SUB_WEEKLY && p->weekday != s->weekday)));
}

/* subs_admin_target - the status an administrator's sign-up (ADD or
 * IMPORT) moves a subscription in status cur to, or -1 to leave it.
 * created: the subscription is new; *again: ADD starts one that had left
 * as a new pending subscription. */
static int
subs_admin_target(const struct subs_signup *in, int created,
                  enum db_sub_status cur, int *again)
{
    int want = in->status;

    *again = 0;
    if (created) {
        /* a new subscription takes the file's status as it is (an export
         * of unsubscribed rows stays unsubscribed) */
        if (in->confirmed && (want < 0 || want == DB_SUB_PENDING))
            want = DB_SUB_CONFIRMED;
        return want == DB_SUB_PENDING ? -1 : want;
    }
    if (cur == DB_SUB_UNSUBSCRIBED || cur == DB_SUB_BOUNCED) {
        if (in->origin != SUBS_ADD)
            return -1; /* an import never revives a subscription */
        *again = !in->confirmed;
        return in->confirmed ? DB_SUB_CONFIRMED : DB_SUB_PENDING;
    }
    if (want < 0)
        want = in->confirmed ? (int)DB_SUB_CONFIRMED : -1;
    else if (in->confirmed && want == DB_SUB_PENDING)
        want = DB_SUB_CONFIRMED;
    if (want < 0 || want == (int)cur)
        return -1;
    if (cur == DB_SUB_CONFIRMED && want == DB_SUB_PENDING)
        return -1;
    return want;
}

/* subs_signup_admin - ADD and IMPORT: name, preferences and status as
 * the administrator gave them; no confirmation mail */
static int
subs_signup_admin(struct db *db, const struct subs_signup *in,
                  int64_t subscriber_id, int created_who, int created,
                  int64_t now, struct subs_result *res, struct err *err)
{
    struct db_subscription s;
    int target, again = 0;

    if (subs_get(db, res->sub_id, &s, err) == -1)
        return -1;
    if (!created_who && in->name && in->name[0] &&
        strcmp(in->name, s.name) != 0) {
        if (db_sub_set_name(db, subscriber_id, in->name, err) == -1)
            return -1;
        res->changed = 1;
    }
    if (!created && subs_prefs_differ(&s, &in->prefs)) {
        if (db_sub_update_prefs(db, res->sub_id, &in->prefs, now, err) == -1)
            return -1;
        res->changed = res->prefs_changed = 1;
    }
    target = subs_admin_target(in, created, s.status, &again);
    if (target >= 0) {
        if (subs_move(db, res->sub_id, (enum db_sub_status)target, now, err) ==
            -1)
            return -1;
        res->changed = 1;
    }
    res->created = created || again;
    return 0;
}

/* subs_signup_form - FORM: a confirmed subscription is left alone;
 * anything else becomes pending with the form's preferences, and a
 * confirmation mail is queued */
static int
subs_signup_form(struct db *db, const struct config *cfg,
                 const struct subs_signup *in, int created, int64_t now,
                 struct subs_result *res, struct err *err)
{
    struct db_subscription s;

    res->created = created;
    if (!created) {
        if (subs_get(db, res->sub_id, &s, err) == -1)
            return -1;
        if (s.status == DB_SUB_CONFIRMED)
            return 0; /* nothing to do, nothing to tell */
        if (s.status != DB_SUB_PENDING &&
            subs_move(db, res->sub_id, DB_SUB_PENDING, now, err) == -1)
            return -1;
        if (db_sub_update_prefs(db, res->sub_id, &in->prefs, now, err) == -1)
            return -1;
    }
    return outbox_enqueue_confirm(db, cfg, res->sub_id, now, &res->queued, err);
}

int
sub_suppressed(struct db *db, const struct token_key *key,
               enum subs_origin origin, const char *email,
               char reason[DB_SUPPRESS_REASON_MAX], struct err *err)
{
    unsigned char h[DB_SUPPRESS_HASH];
    char why[DB_SUPPRESS_REASON_MAX];
    int rc;

    db_suppress_hash(key, email, h);
    if ((rc = db_suppress_get(db, h, why, err)) == -1) {
        err->kind = ERR_TEMP;
        return -1;
    }
    if (rc == 1)
        return 0;
    /* one who erased their data and signs up again on the form confirms
     * by clicking: that is consent, unlike an old file or an operator */
    if (origin == SUBS_FORM && strcmp(why, "erased") == 0)
        return 0;
    memcpy(reason, why, sizeof(why));
    return 1;
}

/* subs_signup_blocked - 1 when in is kept from going ahead by the
 * suppression table: from the form *res says so and nothing is done;
 * from `add` (or an import that did not check) it is an error */
static int
subs_signup_blocked(struct db *db, const struct subs_signup *in,
                    struct subs_result *res, struct err *err)
{
    char why[DB_SUPPRESS_REASON_MAX];
    int rc;

    if (in->key == NULL)
        return 0;
    if ((rc = sub_suppressed(db, in->key, in->origin, in->email, why, err)) !=
        1)
        return rc;
    if (in->origin == SUBS_FORM) {
        res->suppressed = 1;
        return 1;
    }
    err_set(err, ERR_PERM,
            "%s is suppressed (%s): it is not subscribed again until "
            "`paperboy bounces unsuppress %s`",
            in->email, why, in->email);
    return -1;
}

int
sub_signup(struct db *db, const struct config *cfg,
           const struct subs_signup *in, int64_t now, struct subs_result *out,
           struct err *err)
{
    struct subs_result res;
    struct db_sub_prefs create = in->prefs;
    int64_t subscriber_id = 0, when = in->created_at > 0 ? in->created_at : now;
    int created_who = 0, created = 0, own, rc = -1;

    memset(&res, 0, sizeof(res));
    if (create.max_papers == 0)
        create.max_papers = cfg->max_papers; /* [digest] max_papers */
    if (db_own_begin(db, &own, err) == -1)
        return -1;
    if ((rc = subs_signup_blocked(db, in, &res, err)) != 0) {
        rc = rc == 1 ? 0 : -1;
        goto out;
    }
    rc = -1;
    if (db_sub_find_or_create(db, in->email,
                              in->origin == SUBS_FORM ? NULL : in->name, when,
                              &subscriber_id, &created_who, err) == -1 ||
        db_sub_subscribe(db, subscriber_id, in->list_id, &create, when,
                         &res.sub_id, &created, err) == -1)
        goto out;
    if (in->origin == SUBS_FORM)
        rc = subs_signup_form(db, cfg, in, created, now, &res, err);
    else
        rc = subs_signup_admin(db, in, subscriber_id, created_who, created, now,
                               &res, err);
out:
    rc = db_own_end(db, own, rc, err);
    if (rc == 0)
        *out = res;
    return rc;
}

int
sub_confirm_fresh(const struct db_subscription *s, int64_t issued_at,
                  struct err *err)
{
    if ((s->status == DB_SUB_UNSUBSCRIBED && issued_at <= s->unsubscribed_at) ||
        s->status == DB_SUB_BOUNCED || issued_at < s->pending_at) {
        err_set(err, ERR_PERM,
                "This confirmation link is older than the last change to "
                "this subscription. Subscribe again to get a new one.");
        return -1;
    }
    return 0;
}

int
sub_confirm(struct db *db, int64_t id, int64_t now, struct err *err)
{
    return subs_move(db, id, DB_SUB_CONFIRMED, now, err);
}

int
sub_unsubscribe(struct db *db, int64_t id, int64_t now, struct err *err)
{
    int own;

    if (db_own_begin(db, &own, err) == -1)
        return -1;
    return db_own_end(db, own, subs_move(db, id, DB_SUB_UNSUBSCRIBED, now, err),
                      err);
}

int
sub_set_prefs(struct db *db, int64_t id, const struct db_sub_prefs *p,
              int paused, int64_t now, struct err *err)
{
    int own, rc = -1;

    if (db_own_begin(db, &own, err) == -1)
        return -1;
    if (db_sub_update_prefs(db, id, p, now, err) == 0 &&
        (paused < 0 || db_sub_set_paused(db, id, paused, now, err) == 0))
        rc = 0;
    return db_own_end(db, own, rc, err);
}
