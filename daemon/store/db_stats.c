/* SPDX-License-Identifier: MIT */
/*
 * db_stats - the counts `paperboy stats` prints (see db_stats.h).  Plain
 * SQL over tables other modules own (lists, subscriptions, papers,
 * outbox, collect_runs); nothing here writes.
 */
#include "db_stats.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "str.h"

const char *
db_stats_outbox_state(int i)
{
    static const char *const names[DB_STATS_NOUTBOX] = {
        "queued", "sending", "deferred", "sent", "bounced", "failed"};
    return i >= 0 && i < DB_STATS_NOUTBOX ? names[i] : "?";
}

/* db_stats_int - the first column of a one-row query as an integer, with
 * up to two integer parameters */
static int
db_stats_int(struct db *db, const char *sql, int64_t a, int64_t b, int64_t *out,
             struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading statistics");
    return 0;
}

/* db_stats_outbox - the outbox by state */
static int
db_stats_outbox(struct db *db, struct db_stats *s, struct err *err)
{
    static const char sql[] =
        "SELECT state, count(*) FROM outbox GROUP BY state";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *state = sqlite3_column_text(st, 0);
        for (int i = 0; state && i < DB_STATS_NOUTBOX; i++)
            if (strcmp((const char *)state, db_stats_outbox_state(i)) == 0)
                s->outbox[i] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "reading the outbox");
    return 0;
}

/* db_stats_collect - the last run of each source; one that did not
 * finish (the stop cut it short) is not a failure */
static int
db_stats_collect(struct db *db, struct db_stats *s, struct err *err)
{
    static const char sql[] =
        "SELECT count(*), "
        "coalesce(sum(ok = 0 AND finished_at IS NOT NULL), 0), "
        "coalesce(sum(new), 0), coalesce(sum(updated), 0), "
        "coalesce(max(started_at), 0), "
        "group_concat(CASE WHEN ok = 0 AND finished_at IS NOT NULL "
        "THEN source END, ', '), "
        "(SELECT day FROM collect_runs ORDER BY started_at DESC, id DESC "
        "LIMIT 1) FROM collect_runs WHERE id IN "
        "(SELECT max(id) FROM collect_runs GROUP BY source) "
        "AND started_at >= (SELECT max(started_at) FROM collect_runs) - ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    const unsigned char *failed;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, 7 * 86400);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        s->collect_sources = sqlite3_column_int64(st, 0);
        s->collect_failed = sqlite3_column_int64(st, 1);
        s->collect_new = sqlite3_column_int64(st, 2);
        s->collect_updated = sqlite3_column_int64(st, 3);
        s->collect_at = sqlite3_column_int64(st, 4);
        failed = sqlite3_column_text(st, 6);
        str_copy(s->collect_day, sizeof(s->collect_day),
                 failed ? (const char *)failed : "");
        failed = sqlite3_column_text(st, 5);
        str_copy(s->failed_sources, sizeof(s->failed_sources),
                 failed ? (const char *)failed : "");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "reading collection runs");
    return 0;
}

int
db_stats_read(struct db *db, struct db_stats *out, struct err *err)
{
    static const char day_sql[] = "SELECT max(first_seen_day) FROM papers";
    struct db_stats s;
    sqlite3_stmt *st;
    int rc;

    memset(&s, 0, sizeof(s));
    if (db_stats_int(db, "SELECT count(*) FROM lists", 0, 0, &s.lists, err) ==
            -1 ||
        db_stats_int(db, "SELECT count(*) FROM subscribers", 0, 0,
                     &s.subscribers, err) == -1 ||
        db_sub_count_by_status(db, 0, s.subs, err) == -1 ||
        db_stats_int(db,
                     "SELECT count(*) FROM subscriptions "
                     "WHERE status = 'confirmed' AND paused = 1",
                     0, 0, &s.paused, err) == -1 ||
        db_stats_int(db, "SELECT count(*) FROM papers", 0, 0, &s.papers, err) ==
            -1 ||
        db_stats_int(db, "SELECT count(*) FROM papers WHERE hf_day IS NOT NULL",
                     0, 0, &s.papers_hf, err) == -1 ||
        db_stats_outbox(db, &s, err) == -1 ||
        db_stats_collect(db, &s, err) == -1)
        return -1;
    if ((st = db_stmt(db, day_sql, err)) == NULL)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        str_copy(s.last_paper_day, sizeof(s.last_paper_day),
                 (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(db, err, "reading statistics");
    *out = s;
    return 0;
}

int
db_stats_day(struct db *db, struct db_stats_day *d, struct err *err)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM subscriptions "
        "WHERE confirmed_at >= ?1 AND confirmed_at < ?2",
        "SELECT count(*) FROM subscriptions "
        "WHERE unsubscribed_at >= ?1 AND unsubscribed_at < ?2",
        "SELECT count(*) FROM outbox WHERE kind = 'digest' "
        "AND state = 'sent' AND sent_at >= ?1 AND sent_at < ?2",
        "SELECT count(*) FROM outbox WHERE kind = 'digest' "
        "AND state IN ('deferred', 'failed') "
        "AND claimed_at >= ?1 AND claimed_at < ?2",
        "SELECT count(*) FROM outbox WHERE kind = 'digest' "
        "AND state = 'bounced' AND claimed_at >= ?1 AND claimed_at < ?2",
        "SELECT count(*) FROM papers "
        "WHERE first_seen_at >= ?1 AND first_seen_at < ?2",
    };
    int64_t *const out[] = {&d->confirmed, &d->unsubscribed, &d->sent,
                            &d->deferred,  &d->bounced,      &d->papers};
    int64_t v[6] = {0};

    for (int i = 0; i < 6; i++)
        if (db_stats_int(db, sql[i], d->start, d->end, &v[i], err) == -1)
            return -1;
    for (int i = 0; i < 6; i++)
        *out[i] = v[i];
    return 0;
}
