/* SPDX-License-Identifier: MIT */
/*
 * db_export - one subscriber's data as JSON, and its row counts (see
 * db_export.h).  Every value is bound.  Each array is built from an
 * ordered subquery, so the document's order is stable (lists by name,
 * votes, vote requests and digests oldest first, papers by rank); json() around
 * each nested value keeps it an object or array, not a quoted string.
 */
#include "db_export.h"

#include <string.h>

#include <sqlite3.h>

/* Times are strftime('%Y-%m-%dT%H:%M:%SZ', t, 'unixepoch'): ISO 8601
 * UTC, and a NULL time stays null. */
static const char export_sql[] =
    "SELECT json_object( "
    " 'format', 'paperboy-export-1', "
    " 'exported_at', strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch'), "
    " 'email', s.email, 'name', s.name, "
    " 'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', s.created_at, 'unixepoch'), "
    " 'subscriptions', json((SELECT json_group_array(json(j)) FROM ( "
    "  SELECT json_object( "
    "   'list', l.name, 'list_title', l.title, 'status', u.status, "
    "   'paused', json(CASE WHEN u.paused THEN 'true' ELSE 'false' END), "
    "   'keywords', u.keywords, 'categories', u.categories, "
    "   'max_papers', u.max_papers, 'timezone', u.timezone, "
    "   'cadence', u.cadence, 'weekday', CASE u.weekday "
    "    WHEN 0 THEN 'sunday' WHEN 1 THEN 'monday' WHEN 2 THEN 'tuesday' "
    "    WHEN 3 THEN 'wednesday' WHEN 4 THEN 'thursday' WHEN 5 THEN 'friday' "
    "    WHEN 6 THEN 'saturday' END, "
    "   'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', u.created_at, "
    "'unixepoch'), "
    "   'confirmed_at', strftime('%Y-%m-%dT%H:%M:%SZ', u.confirmed_at, "
    "'unixepoch'), "
    "   'unsubscribed_at', strftime('%Y-%m-%dT%H:%M:%SZ', u.unsubscribed_at, "
    "'unixepoch'), "
    "   'votes', json((SELECT json_group_array(json(vj)) FROM ( "
    "    SELECT json_object('arxiv_id', p.arxiv_id, 'title', p.title, "
    "     'vote', v.vote, 'source', v.source, 'at', "
    "strftime('%Y-%m-%dT%H:%M:%SZ', v.created_at, 'unixepoch')) AS vj "
    "    FROM votes v JOIN papers p ON p.id = v.paper_id "
    "    WHERE v.subscription_id = u.id ORDER BY v.created_at, p.arxiv_id))), "
    "   'vote_requests', json((SELECT json_group_array(json(rj)) FROM ( "
    "    SELECT json_object('arxiv_id', r.arxiv_id, 'vote', r.vote, "
    "     'state', r.state, 'attempts', r.attempts, 'last_error', "
    "r.last_error, 'at', "
    "strftime('%Y-%m-%dT%H:%M:%SZ', r.created_at, 'unixepoch')) AS rj "
    "    FROM vote_requests r "
    "    WHERE r.subscription_id = u.id ORDER BY r.created_at, r.id))), "
    "   'digests', json((SELECT json_group_array(json(dj)) FROM ( "
    "    SELECT json_object('day', d.day, 'period_from', d.period_from, "
    "     'made_at', "
    "strftime('%Y-%m-%dT%H:%M:%SZ', d.created_at, 'unixepoch'), "
    "     'sent_at', (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', max(o.sent_at), "
    "'unixepoch') FROM outbox o "
    "                 WHERE o.digest_id = d.id AND o.state = 'sent'), "
    "     'papers', json((SELECT json_group_array(json(pj)) FROM ( "
    "      SELECT json_object('rank', i.rank, 'arxiv_id', p.arxiv_id, "
    "       'title', p.title, 'why', i.why) AS pj "
    "      FROM digest_items i JOIN papers p ON p.id = i.paper_id "
    "      WHERE i.digest_id = d.id ORDER BY i.rank)))) AS dj "
    "    FROM digests d WHERE d.subscription_id = u.id ORDER BY d.day))) "
    "  ) AS j "
    "  FROM subscriptions u JOIN lists l ON l.id = u.list_id "
    "  WHERE u.subscriber_id = s.id ORDER BY l.name))) "
    ") FROM subscribers s WHERE s.email = ?1 ";

int
db_export_subscriber(struct db *db, const char *email, int64_t now,
                     struct buf *out, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, export_sql, err);
    const unsigned char *t;
    int rc, n;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 1;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "exporting a subscriber's data");
    }
    t = sqlite3_column_text(st, 0);
    n = sqlite3_column_bytes(st, 0);
    if (t == NULL) {
        sqlite3_reset(st);
        return db_fail(db, err, "exporting a subscriber's data");
    }
    buf_add(out, t, (size_t)n);
    buf_addc(out, '\n');
    sqlite3_reset(st);
    if (out->failed) {
        /* no address: the web logs this message */
        err_set(err, ERR_PERM, "a subscriber's data exceeds %zu bytes",
                out->max);
        return -1;
    }
    return 0;
}

int
db_export_counts(struct db *db, int64_t subscriber_id,
                 struct db_export_counts *out, struct err *err)
{
    static const char sql[] =
        "SELECT"
        " (SELECT count(*) FROM subscriptions WHERE subscriber_id = ?1),"
        " (SELECT count(*) FROM digests d JOIN subscriptions u"
        "   ON u.id = d.subscription_id WHERE u.subscriber_id = ?1),"
        " (SELECT count(*) FROM digest_items i JOIN digests d"
        "   ON d.id = i.digest_id JOIN subscriptions u"
        "   ON u.id = d.subscription_id WHERE u.subscriber_id = ?1),"
        " (SELECT count(*) FROM votes v JOIN subscriptions u"
        "   ON u.id = v.subscription_id WHERE u.subscriber_id = ?1),"
        " (SELECT count(*) FROM outbox o JOIN subscriptions u"
        "   ON u.id = o.subscription_id WHERE u.subscriber_id = ?1),"
        " (SELECT count(*) FROM vote_requests r JOIN subscriptions u"
        "   ON u.id = r.subscription_id WHERE u.subscriber_id = ?1)";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, subscriber_id);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "counting a subscriber's rows");
    }
    out->subscriptions = sqlite3_column_int64(st, 0);
    out->digests = sqlite3_column_int64(st, 1);
    out->digest_items = sqlite3_column_int64(st, 2);
    out->votes = sqlite3_column_int64(st, 3);
    out->outbox = sqlite3_column_int64(st, 4);
    out->vote_requests = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    return 0;
}
