/* SPDX-License-Identifier: MIT */
/*
 * bounces - match, record and act on bounce reports (see bounces.h).
 */
#include "bounces.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bounce_mailbox.h"
#include "bounce_parse.h"
#include "db_bounce.h"
#include "db_list.h"
#include "db_pause.h"
#include "db_sub.h"
#include "db_suppress.h"
#include "log.h"
#include "outbox.h"
#include "str.h"
#include "verp.h"

/* bounces_msgid_mac - whether mac (16 hex digits) is the token key's MAC
 * of data, as compose.c makes it for a Message-ID */
static int
bounces_msgid_mac(const struct token_key *key, const char *data,
                  const char *mac, size_t maclen)
{
    char want[17];

    if (maclen != 16)
        return 0;
    token_mac_hex(key, data, strlen(data), want, 16);
    return sodium_memcmp(want, mac, 16) == 0;
}

/* bounces_by_msgid - the subscription of the Message-ID compose.c made:
 * "<d.SUB.DAY.MAC@...>" (a digest) or "<c.SUB.ISSUED.MAC@...>" (a
 * confirmation); 0/1/-1 */
static int
bounces_by_msgid(struct db *db, const struct token_key *key, const char *mid,
                 struct db_bounce_target *t, struct err *err)
{
    char kind, a[24], b[24], mac[24], data[96];
    long sub, issued;
    int n = 0, rc;

    rc = db_bounce_find_msgid(db, mid, t, err);
    if (rc != 1)
        return rc;
    /* the outbox row was purged: the Message-ID still names it */
    if (sscanf(mid, "<%c.%23[0-9].%23[0-9-].%23[0-9a-f]@%n", &kind, a, b, mac,
               &n) != 4 ||
        n == 0 || str_to_long(a, 1, LONG_MAX, &sub) == -1)
        return 1;
    if (kind == 'd' && strlen(b) == 10) {
        snprintf(data, sizeof(data), "d|%ld|%s", sub, b);
        if (!bounces_msgid_mac(key, data, mac, strlen(mac)))
            return 1;
        return db_bounce_find_digest(db, sub, b, t, err);
    }
    if (kind == 'c' && str_to_long(b, 0, LONG_MAX, &issued) == 0) {
        snprintf(data, sizeof(data), "c|%ld|%ld", sub, issued);
        if (!bounces_msgid_mac(key, data, mac, strlen(mac)))
            return 1;
        rc = db_bounce_find_issued(db, sub, issued, t, err);
        if (rc == 0 && t->created_at > issued)
            return 1;
        return rc;
    }
    return 1;
}

/* bounces_match - the subscription r is about: 0 found, 1 not, -1 */
static int
bounces_match(struct db *db, const struct token_key *key,
              const struct bounce_report *r, struct db_bounce_target *t,
              struct err *err)
{
    struct err ignore;
    int64_t sub, issued;
    int rc;

    for (size_t i = 0; i < r->naddr; i++) {
        if (verp_parse(key, r->addr[i], &sub, &issued, &ignore) == -1)
            continue;
        rc = db_bounce_find_issued(db, sub, issued, t, err);
        if (rc == -1)
            return -1;
        /* an id reused after the mail was sent is not the one mailed */
        if (rc == 0 && t->created_at <= issued)
            return 0;
    }
    if (r->msgid[0] != '\0')
        return bounces_by_msgid(db, key, r->msgid, t, err);
    return 1;
}

/* bounces_suspend - suppress t's address and suspend its subscriptions */
static int
bounces_suspend(struct db *db, const struct token_key *key,
                const struct db_bounce_target *t, const char *reason,
                const char *status, int64_t now, struct bounces_stats *st,
                struct err *err)
{
    unsigned char h[DB_SUPPRESS_HASH];
    int added = 0, n = 0;

    db_suppress_hash(key, t->email, h);
    if (db_suppress_add(db, h, reason, status, now, &added, err) == -1 ||
        db_bounce_suspend(db, t->subscriber_id, now, &n, err) == -1)
        return -1;
    st->suppressed += added;
    st->suspended += n;
    if (n > 0)
        log_info("bounces: subscriber=%lld suspended (%s %s)",
                 (long long)t->subscriber_id, reason, status);
    return 0;
}

/* bounces_unsubscribe - what the web's unsubscribe link does */
static int
bounces_unsubscribe(struct db *db, const struct db_bounce_target *t,
                    int64_t now, struct bounces_stats *st, struct err *err)
{
    if (strcmp(t->status, "unsubscribed") == 0)
        return 0;
    if (db_sub_set_status(db, t->subscription_id, DB_SUB_UNSUBSCRIBED, now,
                          err) == -1 ||
        outbox_drop_pending(db, t->subscription_id, err) == -1)
        return -1;
    st->unsubscribed++;
    log_info("bounces: subscription=%lld unsubscribed after a complaint",
             (long long)t->subscription_id);
    return 0;
}

/* bounces_guard - pause t's list when its mailing's rates are past the
 * limits (db_bounce_guard) */
static int
bounces_guard(struct db *db, const struct config *cfg,
              const struct db_bounce_target *t, int64_t now,
              struct bounces_stats *st, struct err *err)
{
    char why[DB_PAUSE_REASON_MAX];
    int added = 0;

    if (db_bounce_guard(db, cfg, t->list_id, t->day, now, &added, why, err) ==
        -1)
        return -1;
    if (added) {
        st->paused++;
        log_warn("bounces: list=%lld paused: %s", (long long)t->list_id, why);
    }
    return 0;
}

/* bounces_apply - record recipient i of r and act on it; in the caller's
 * transaction */
static int
bounces_apply(struct db *db, const struct config *cfg,
              const struct token_key *key, const struct bounce_report *r,
              size_t i, const unsigned char mkey[32],
              const struct db_bounce_target *t, int64_t now,
              struct bounces_stats *st, struct err *err)
{
    const struct bounce_rcpt *rc = &r->rcpt[i];
    struct db_bounce_event ev = {
        mkey, (int)i, bounce_kind_name(rc->kind), rc->status, r->format, t};
    int inserted = 0;
    int64_t soft = 0;

    if (t == NULL)
        ev.kind = "unmatched";
    if (db_bounce_record(db, &ev, now, &inserted, err) == -1)
        return -1;
    if (!inserted) {
        st->repeated++;
        return 0;
    }
    if (t == NULL) {
        st->unmatched++;
        return 0;
    }
    switch (rc->kind) {
    case BOUNCE_HARD:
        st->hard++;
        if (bounces_suspend(db, key, t, "hard_bounce", rc->status, now, st,
                            err) == -1)
            return -1;
        break;
    case BOUNCE_SOFT:
        st->soft++;
        if (db_bounce_soft_count(db, t->subscriber_id,
                                 now - cfg->bounce_soft_window, &soft,
                                 err) == -1)
            return -1;
        if (soft >= cfg->bounce_soft_limit &&
            bounces_suspend(db, key, t, "soft_bounces", rc->status, now, st,
                            err) == -1)
            return -1;
        return 0;
    case BOUNCE_COMPLAINT:
        st->complaints++;
        if (bounces_unsubscribe(db, t, now, st, err) == -1)
            return -1;
        break;
    default:
        return 0;
    }
    return bounces_guard(db, cfg, t, now, st, err);
}

int
bounces_process(struct db *db, const struct config *cfg,
                const struct token_key *key, const char *msg, size_t len,
                int64_t now, struct bounces_stats *st, int *report,
                struct err *err)
{
    struct bounce_report *r = calloc(1, sizeof(*r));
    struct db_bounce_target t;
    unsigned char mkey[crypto_hash_sha256_BYTES];
    int found, rc = -1;

    *report = 0;
    if (r == NULL) {
        err_set(err, ERR_TEMP, "bounces: out of memory");
        return -1;
    }
    if (bounce_parse(msg, len, r) != 0) {
        st->ignored++;
        rc = 0;
        goto out;
    }
    crypto_hash_sha256(mkey, (const unsigned char *)msg, len);
    if (db_begin(db, err) == -1)
        goto out;
    found = bounces_match(db, key, r, &t, err);
    if (found == -1)
        goto fail;
    for (size_t i = 0; i < r->nrcpt; i++)
        if (bounces_apply(db, cfg, key, r, i, mkey, found == 0 ? &t : NULL, now,
                          st, err) == -1)
            goto fail;
    if (db_commit(db, err) == -1)
        goto fail;
    *report = 1;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    free(r);
    return rc;
}

int
bounces_fetch(struct db *db, const struct config *cfg,
              const struct token_key *key, int64_t now,
              struct bounces_stats *st, struct err *err)
{
    struct bounce_mailbox *mb = NULL;
    int rc = -1;

    if (cfg->bounce_mailbox[0] == '\0') {
        err_set(err, ERR_PERM, "bounces: no [bounces] mailbox configured");
        return -1;
    }
    if (bounce_mailbox_open(cfg, &mb, err) == -1)
        return -1;
    for (size_t i = 0; i < bounce_mailbox_count(mb); i++) {
        char *data = NULL;
        size_t len = 0;
        int too_big = 0, report = 0, r;

        if (bounce_mailbox_fetch(mb, i, &data, &len, &too_big, err) == -1)
            goto out;
        st->messages++;
        if (too_big) {
            st->too_big++;
            if (bounce_mailbox_keep(mb, i, err) == -1)
                goto out;
            continue;
        }
        r = bounces_process(db, cfg, key, data, len, now, st, &report, err);
        free(data);
        if (r == -1)
            goto out;
        /* the result is committed: only now may the message go */
        if (report) {
            if (bounce_mailbox_delete(mb, i, err) == -1)
                goto out;
            st->deleted++;
        } else if (bounce_mailbox_keep(mb, i, err) == -1) {
            goto out;
        }
    }
    rc = 0;
out:
    /* deletions of committed messages are made final even after a
     * failure; a failed close only means they are processed again */
    if (rc == 0) {
        rc = bounce_mailbox_close(mb, err);
    } else {
        struct err ignore;
        (void)bounce_mailbox_close(mb, &ignore);
    }
    bounce_mailbox_free(mb);
    return rc;
}

void
bounces_summary(const struct bounces_stats *st, char *out, size_t size)
{
    snprintf(out, size,
             "%d messages: %d hard, %d soft, %d complaints, %d unmatched, "
             "%d already recorded; %d addresses suppressed, %d subscriptions "
             "suspended, %d unsubscribed, %d lists paused; %d deleted, %d "
             "left (%d not reports, %d too big)",
             st->messages, st->hard, st->soft, st->complaints, st->unmatched,
             st->repeated, st->suppressed, st->suspended, st->unsubscribed,
             st->paused, st->deleted, st->ignored + st->too_big, st->ignored,
             st->too_big);
}
