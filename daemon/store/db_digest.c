/* SPDX-License-Identifier: MIT */
/*
 * db_digest - SQL for digests (see db_digest.h).
 *
 * Category lists are stored as comma-joined text ('cs.LG,cs.CL'); a
 * membership test is instr(',' || list || ',', ',' || category || ','),
 * which needs no splitting in C and lets one statement do the whole
 * candidate selection.
 */
#include "db_digest.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "str.h"
#include "xalloc.h"

/* db_digest_text - column i as text, "" for NULL.  Borrowed. */
static const char *
db_digest_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* db_digest_copy - copy column i into a fixed field (truncating) */
static void
db_digest_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
    (void)str_copy(out, size, db_digest_text(st, i));
}

static const char SQL_SUB_LOAD[] =
    "SELECT s.id, s.list_id, s.status, b.email, b.name, s.keywords,"
    " s.categories, s.max_papers, COALESCE(s.last_digest_day, ''),"
    " COALESCE(s.confirm_sent_at, 0), l.name, l.title, l.categories,"
    " l.include_hf, l.include_replacements, s.cadence = 'weekly',"
    " COALESCE(s.weekday, -1)"
    " FROM subscriptions s JOIN subscribers b ON b.id = s.subscriber_id"
    " JOIN lists l ON l.id = s.list_id WHERE s.id = ?1";

int
db_digest_sub_load(struct db *db, int64_t sub_id, struct db_digest_sub *out,
                   struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SUB_LOAD, err);
    struct db_digest_sub s;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        err_set(err, ERR_PERM, "no subscription with id %lld",
                (long long)sub_id);
        return 1;
    }
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "loading a subscription");
    memset(&s, 0, sizeof(s));
    s.id = sqlite3_column_int64(st, 0);
    s.list_id = sqlite3_column_int64(st, 1);
    db_digest_copy(st, 2, s.status, sizeof(s.status));
    db_digest_copy(st, 3, s.email, sizeof(s.email));
    db_digest_copy(st, 4, s.name, sizeof(s.name));
    db_digest_copy(st, 5, s.keywords, sizeof(s.keywords));
    db_digest_copy(st, 6, s.categories, sizeof(s.categories));
    s.max_papers = sqlite3_column_int(st, 7);
    db_digest_copy(st, 8, s.last_digest_day, sizeof(s.last_digest_day));
    s.confirm_sent_at = sqlite3_column_int64(st, 9);
    db_digest_copy(st, 10, s.list_name, sizeof(s.list_name));
    db_digest_copy(st, 11, s.list_title, sizeof(s.list_title));
    db_digest_copy(st, 12, s.list_categories, sizeof(s.list_categories));
    s.include_hf = sqlite3_column_int(st, 13);
    s.include_replacements = sqlite3_column_int(st, 14);
    s.weekly = sqlite3_column_int(st, 15);
    s.weekday = sqlite3_column_int(st, 16);
    sqlite3_reset(st);
    if (s.max_papers < 1 || s.max_papers > 50)
        s.max_papers = 10;
    *out = s;
    return 0;
}

static const char SQL_SUB_FIND[] =
    "SELECT s.id, l.name FROM subscriptions s"
    " JOIN subscribers b ON b.id = s.subscriber_id"
    " JOIN lists l ON l.id = s.list_id"
    " WHERE b.email = ?1 COLLATE NOCASE AND (?2 IS NULL OR l.name = ?2)"
    " ORDER BY s.id LIMIT 2";

int
db_digest_sub_find(struct db *db, const char *email, const char *list_name,
                   int64_t *sub_id, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SUB_FIND, err);
    int64_t id = 0;
    int rows = 0, rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
    if (list_name != NULL)
        sqlite3_bind_text(st, 2, list_name, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows++ == 0)
            id = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "finding a subscription");
    if (rows == 0) {
        if (list_name != NULL)
            err_set(err, ERR_PERM, "'%s' has no subscription to list '%s'",
                    email, list_name);
        else
            err_set(err, ERR_PERM, "'%s' has no subscription", email);
        return 1;
    }
    if (rows > 1) {
        err_set(err, ERR_PERM,
                "'%s' subscribes to several lists: name one with --list",
                email);
        return -1;
    }
    *sub_id = id;
    return 0;
}

static const char SQL_FIND[] =
    "SELECT id FROM digests WHERE subscription_id = ?1 AND day = ?2";

int
db_digest_find(struct db *db, int64_t sub_id, const char *day,
               int64_t *digest_id, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_FIND, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    return db_step_int64(db, st, digest_id, "finding a digest", err);
}

static const char SQL_PREV[] =
    "SELECT created_at FROM digests WHERE subscription_id = ?1 AND day < ?2"
    " ORDER BY day DESC LIMIT 1";

int
db_digest_prev(struct db *db, int64_t sub_id, const char *day,
               int64_t *created_at, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_PREV, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    return db_step_int64(db, st, created_at, "finding the previous digest",
                         err);
}

/* The list's papers of the window.  List membership is an IN-subquery,
 * which SQLite evaluates once per statement (a correlated EXISTS would
 * scan paper_categories, which has no index on paper_id, per paper). */
static const char SQL_CANDIDATES[] =
    "SELECT p.id, p.first_seen_at, p.hf_upvotes, p.categories FROM papers p"
    " WHERE p.first_seen_at >= ?1 AND p.first_seen_day <= ?2"
    " AND (p.id IN (SELECT pc.paper_id FROM json_each(?3) j"
    "       JOIN paper_categories pc ON pc.category = j.value)"
    "   OR (?4 AND p.hf_day IS NOT NULL))"
    " AND (?5 OR p.announce_type IS NULL OR p.announce_type NOT LIKE"
    "      'replace%' OR p.hf_day IS NOT NULL)"
    " ORDER BY p.id";

/* db_digest_json_list - 'cs.LG, cs.CL' as the JSON array '["cs.LG","cs.CL"]';
 * bytes that cannot be in a category are dropped */
static void
db_digest_json_list(const char *s, struct buf *out)
{
    int open = 0, any = 0;

    buf_addc(out, '[');
    for (; *s; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
        if (c == ',') {
            if (open)
                buf_addc(out, '"');
            open = 0;
        } else if (ok) {
            if (!open) {
                buf_adds(out, any ? ",\"" : "\"");
                open = any = 1;
            }
            buf_addc(out, c);
        }
    }
    if (open)
        buf_addc(out, '"');
    buf_addc(out, ']');
}

int
db_digest_list_candidates(struct db *db, const struct db_digest_sub *sub,
                          int64_t since, const char *day,
                          struct db_digest_cand **c, size_t *n, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_CANDIDATES, err);
    struct db_digest_cand *v = NULL;
    struct buf lc;
    size_t nv = 0, cap = 0;
    int rc;

    if (st == NULL)
        return -1;
    buf_init(&lc, 4096);
    db_digest_json_list(sub->list_categories, &lc);
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, buf_str(&lc), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, sub->include_hf);
    sqlite3_bind_int(st, 5, sub->include_replacements);
    buf_release(&lc);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (nv == cap) {
            cap = cap ? cap * 2 : 64;
            v = xrealloc(v, cap * sizeof(*v));
        }
        v[nv].id = sqlite3_column_int64(st, 0);
        v[nv].first_seen_at = sqlite3_column_int64(st, 1);
        v[nv].upvotes = sqlite3_column_int(st, 2);
        v[nv].categories = xstrdup(db_digest_text(st, 3));
        nv++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        db_digest_cands_free(v, nv);
        return db_fail(db, err, "selecting candidate papers");
    }
    *c = v;
    *n = nv;
    return 0;
}

void
db_digest_cands_free(struct db_digest_cand *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(c[i].categories);
    free(c);
}

/* Papers in the subscription's recent digests (a paper of the window can
 * only be in a digest of a day at or after the window's first day). */
static const char SQL_SENT[] =
    "SELECT di.paper_id FROM digests d JOIN digest_items di"
    " ON di.digest_id = d.id WHERE d.subscription_id = ?1 AND d.day >= ?2"
    " ORDER BY di.paper_id";

int
db_digest_sent(struct db *db, int64_t sub_id, const char *since_day,
               int64_t **ids, size_t *n, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SENT, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, since_day, -1, SQLITE_TRANSIENT);
    return db_step_ids(db, st, "selecting papers already sent", ids, n, err);
}

static const char SQL_MATCH[] =
    "SELECT f.rowid, -bm25(papers_fts, ?2, 1.0), p.hf_upvotes,"
    " p.first_seen_at FROM papers_fts f JOIN papers p ON p.id = f.rowid"
    " WHERE papers_fts MATCH ?1 AND f.rowid BETWEEN ?3 AND ?4";

/* db_digest_fts - run an FTS5 query (SQL_MATCH or SQL_PHRASE: ?1 match,
 * ?2 title weight, ?3..?4 the rowid range) and call fn per row; the
 * upvotes and first_seen_at stay 0 when the query does not select them.
 * A bad MATCH expression is ERR_PERM. */
static int
db_digest_fts(struct db *db, const char *sql, const char *match,
              double title_weight, int64_t min_id, int64_t max_id,
              int (*fn)(void *arg, const struct db_digest_match *m), void *arg,
              struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    struct db_digest_match m;
    int rc, full;

    if (st == NULL)
        return -1;
    full = sqlite3_column_count(st) > 2;
    sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(st, 2, title_weight);
    sqlite3_bind_int64(st, 3, min_id);
    sqlite3_bind_int64(st, 4, max_id);
    memset(&m, 0, sizeof(m));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        m.id = sqlite3_column_int64(st, 0);
        m.bm25 = sqlite3_column_double(st, 1);
        if (full) {
            m.upvotes = sqlite3_column_int(st, 2);
            m.first_seen_at = sqlite3_column_int64(st, 3);
        }
        if (fn(arg, &m) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "full-text search");
        sqlite3_reset(st);
        err->kind = ERR_PERM;
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

int
db_digest_match(struct db *db, const char *match, double title_weight,
                int64_t min_id, int64_t max_id,
                int (*fn)(void *arg, const struct db_digest_match *m),
                void *arg, struct err *err)
{
    return db_digest_fts(db, SQL_MATCH, match, title_weight, min_id, max_id, fn,
                         arg, err);
}

static const char SQL_PHRASE[] =
    "SELECT rowid, -bm25(papers_fts, ?2, 1.0) FROM papers_fts"
    " WHERE papers_fts MATCH ?1 AND rowid BETWEEN ?3 AND ?4";

int
db_digest_phrase(struct db *db, const char *match, double title_weight,
                 int64_t min_id, int64_t max_id,
                 int (*fn)(void *arg, const struct db_digest_match *m),
                 void *arg, struct err *err)
{
    return db_digest_fts(db, SQL_PHRASE, match, title_weight, min_id, max_id,
                         fn, arg, err);
}

static const char SQL_TEXTS[] =
    "SELECT id, title, abstract, hf_upvotes, first_seen_at FROM papers"
    " WHERE id BETWEEN ?1 AND ?2 ORDER BY id";

int
db_digest_texts(struct db *db, int64_t min_id, int64_t max_id,
                int (*fn)(void *arg, const struct db_digest_text *t), void *arg,
                struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_TEXTS, err);
    struct db_digest_text t;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, min_id);
    sqlite3_bind_int64(st, 2, max_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *ti = sqlite3_column_text(st, 1);
        const unsigned char *ab = sqlite3_column_text(st, 2);
        t.id = sqlite3_column_int64(st, 0);
        t.title = ti ? (const char *)ti : "";
        t.abstract = ab ? (const char *)ab : "";
        t.upvotes = sqlite3_column_int(st, 3);
        t.first_seen_at = sqlite3_column_int64(st, 4);
        if (fn(arg, &t) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "reading paper texts");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

static const char SQL_SET_NEW[] = "INSERT INTO digest_sets DEFAULT VALUES";

int
db_digest_set_new(struct db *db, int64_t *set_id, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SET_NEW, err);

    if (st == NULL || db_step_done(db, st, "inserting a digest set", err) == -1)
        return -1;
    *set_id = db_last_id(db);
    return 0;
}

static const char SQL_SET_LIVE[] = "SELECT 1 FROM digest_sets WHERE id = ?1";

int
db_digest_set_live(struct db *db, int64_t set_id, int *live, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SET_LIVE, err);
    int64_t one = 0;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, set_id);
    rc = db_step_int64(db, st, &one, "looking up a digest set", err);
    if (rc == -1)
        return -1;
    *live = rc == 0;
    return 0;
}

static const char SQL_SET_DROP_UNNAMED[] =
    "DELETE FROM digest_sets WHERE id = ?1"
    " AND NOT EXISTS (SELECT 1 FROM digests WHERE set_id = ?1)";

int
db_digest_set_drop_unnamed(struct db *db, int64_t set_id, int *dropped,
                           struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_SET_DROP_UNNAMED, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, set_id);
    if (db_step_done(db, st, "deleting an unnamed digest set", err) == -1)
        return -1;
    *dropped = db_changes(db) > 0;
    return 0;
}

static const char SQL_INSERT[] =
    "INSERT INTO digests (subscription_id, day, created_at, set_id, items)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_INSERT_NEW[] =
    "INSERT INTO digests (subscription_id, day, created_at, set_id, items)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (subscription_id, day) DO NOTHING";

/* db_digest_put - run sql (SQL_INSERT or SQL_INSERT_NEW) on the row */
static int
db_digest_put(struct db *db, const char *sql, int64_t sub_id, const char *day,
              int64_t created_at, int64_t set_id, int items, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, created_at);
    sqlite3_bind_int64(st, 4, set_id);
    sqlite3_bind_int(st, 5, items);
    return db_step_done(db, st, "inserting a digest", err);
}

int
db_digest_insert(struct db *db, int64_t sub_id, const char *day,
                 int64_t created_at, int64_t set_id, int items,
                 int64_t *digest_id, struct err *err)
{
    if (db_digest_put(db, SQL_INSERT, sub_id, day, created_at, set_id, items,
                      err) == -1)
        return -1;
    *digest_id = db_last_id(db);
    return 0;
}

int
db_digest_insert_new(struct db *db, int64_t sub_id, const char *day,
                     int64_t created_at, int64_t set_id, int items,
                     int64_t *digest_id, struct err *err)
{
    int rc;

    if (db_digest_put(db, SQL_INSERT_NEW, sub_id, day, created_at, set_id,
                      items, err) == -1)
        return -1;
    if (db_changes(db) == 1) {
        *digest_id = db_last_id(db);
        return 0;
    }
    /* another process froze it first (UNIQUE (subscription_id, day)) */
    rc = db_digest_find(db, sub_id, day, digest_id, err);
    if (rc == 1)
        err_set(err, ERR_TEMP,
                "database: digest of subscription=%" PRId64
                " for %s neither inserted nor found",
                sub_id, day);
    if (rc != 0)
        return -1;
    return 1;
}

static const char SQL_ITEM[] =
    "INSERT INTO digest_set_items (set_id, rank, paper_id, score, why)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";

int
db_digest_set_item_add(struct db *db, int64_t set_id, int rank,
                       int64_t paper_id, double score, const char *why,
                       struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_ITEM, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, set_id);
    sqlite3_bind_int(st, 2, rank);
    sqlite3_bind_int64(st, 3, paper_id);
    sqlite3_bind_double(st, 4, score);
    sqlite3_bind_text(st, 5, why, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "inserting a digest item", err);
}

static const char SQL_ITEMS_JSON[] =
    "INSERT INTO digest_set_items (set_id, rank, paper_id, score, why)"
    " SELECT ?1, j.key + 1, json_extract(j.value, '$[0]'),"
    " json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]')"
    " FROM json_each(?2) j";

int
db_digest_set_items_add(struct db *db, int64_t set_id, const char *json,
                        struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_ITEMS_JSON, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, set_id);
    sqlite3_bind_text(st, 2, json, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "inserting digest items", err);
}

static const char SQL_LAST_DAY[] =
    "UPDATE subscriptions SET last_digest_day = ?2"
    " WHERE id = ?1 AND (last_digest_day IS NULL OR last_digest_day < ?2)";

int
db_digest_set_last_day(struct db *db, int64_t sub_id, const char *day,
                       struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_LAST_DAY, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_text(st, 2, day, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "updating last_digest_day", err);
}

static const char SQL_PERIOD[] =
    "UPDATE digests SET period_from = ?2 WHERE id = ?1";

int
db_digest_set_period(struct db *db, int64_t digest_id, const char *from,
                     struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_PERIOD, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, digest_id);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_TRANSIENT);
    return db_step_done(db, st, "recording a weekly digest's period", err);
}

static const char SQL_GET[] =
    "SELECT id, subscription_id, day, created_at, COALESCE(period_from, '')"
    " FROM digests WHERE id = ?1";

int
db_digest_get(struct db *db, int64_t digest_id, struct db_digest_row *out,
              struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_GET, err);
    struct db_digest_row r;
    int rc;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, digest_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        err_set(err, ERR_PERM, "no digest with id %lld", (long long)digest_id);
        return 1;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return db_fail(db, err, "loading a digest");
    }
    memset(&r, 0, sizeof(r));
    r.id = sqlite3_column_int64(st, 0);
    r.sub_id = sqlite3_column_int64(st, 1);
    db_digest_copy(st, 2, r.day, sizeof(r.day));
    r.created_at = sqlite3_column_int64(st, 3);
    db_digest_copy(st, 4, r.period_from, sizeof(r.period_from));
    sqlite3_reset(st);
    *out = r;
    return 0;
}

int
db_digest_recent(struct db *db, int64_t sub_id, int limit,
                 int (*fn)(void *arg, const struct db_digest_row *d), void *arg,
                 struct err *err)
{
    /* the rows are read first, then handed out: fn runs its own queries */
    sqlite3_stmt *st = db_stmt(db,
                               "SELECT id, subscription_id, day, created_at"
                               " FROM digests WHERE subscription_id = ?1"
                               " ORDER BY day DESC LIMIT ?2",
                               err);
    struct db_digest_row *v;
    int n = 0, rc;

    if (st == NULL)
        return -1;
    if (limit < 1)
        return 0;
    v = xcalloc((size_t)limit, sizeof(*v));
    sqlite3_bind_int64(st, 1, sub_id);
    sqlite3_bind_int(st, 2, limit);
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        v[n].id = sqlite3_column_int64(st, 0);
        v[n].sub_id = sqlite3_column_int64(st, 1);
        db_digest_copy(st, 2, v[n].day, sizeof(v[n].day));
        v[n].created_at = sqlite3_column_int64(st, 3);
        n++;
    }
    if (n < limit && rc != SQLITE_DONE) {
        sqlite3_reset(st);
        free(v);
        return db_fail(db, err, "listing digests");
    }
    sqlite3_reset(st);
    rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (fn(arg, &v[i]) != 0)
            rc = -1;
    free(v);
    return rc;
}

#define PAPER_COLS                                                             \
    "p.id, p.arxiv_id, p.title, p.abstract, p.authors, p.categories,"          \
    " COALESCE(p.hf_day, ''), p.hf_upvotes, COALESCE(p.github_repo, ''),"      \
    " COALESCE(p.project_page, ''), COALESCE(p.ai_summary, '')"

/* db_digest_row_paper - the PAPER_COLS columns (from col 0) into p */
static void
db_digest_row_paper(sqlite3_stmt *st, struct db_digest_paper *p)
{
    p->id = sqlite3_column_int64(st, 0);
    p->arxiv_id = db_digest_text(st, 1);
    p->title = db_digest_text(st, 2);
    p->abstract = db_digest_text(st, 3);
    p->authors = db_digest_text(st, 4);
    p->categories = db_digest_text(st, 5);
    p->hf_day = db_digest_text(st, 6);
    p->upvotes = sqlite3_column_int(st, 7);
    p->github_repo = db_digest_text(st, 8);
    p->project_page = db_digest_text(st, 9);
    p->ai_summary = db_digest_text(st, 10);
}

static const char SQL_ITEMS[] =
    "SELECT " PAPER_COLS ", di.rank, di.score, di.why"
    " FROM digest_items di JOIN papers p ON p.id = di.paper_id"
    " WHERE di.digest_id = ?1 ORDER BY di.rank";

static const char SQL_ITEM_REFS[] =
    "SELECT di.paper_id, di.rank, di.score, di.why"
    " FROM digest_items di WHERE di.digest_id = ?1 ORDER BY di.rank";

/* db_digest_each_item - fn for each row of sql (SQL_ITEMS, whole papers,
 * or SQL_ITEM_REFS, ids only) for digest_id */
static int
db_digest_each_item(struct db *db, const char *sql, int64_t digest_id,
                    int (*fn)(void *arg, const struct db_digest_paper *p),
                    void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, sql, err);
    int whole = sql == SQL_ITEMS, k = whole ? 11 : 1; /* rank's column */
    struct db_digest_paper p;
    int rc, stop = 0;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, digest_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&p, 0, sizeof(p));
        if (whole)
            db_digest_row_paper(st, &p);
        else
            p.id = sqlite3_column_int64(st, 0);
        p.rank = sqlite3_column_int(st, k);
        p.score = sqlite3_column_double(st, k + 1);
        p.why = db_digest_text(st, k + 2);
        if (fn(arg, &p) != 0) {
            stop = 1;
            break;
        }
    }
    sqlite3_reset(st);
    if (stop)
        return -1; /* fn filled err */
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "loading digest items");
    return 0;
}

int
db_digest_items(struct db *db, int64_t digest_id,
                int (*fn)(void *arg, const struct db_digest_paper *p),
                void *arg, struct err *err)
{
    return db_digest_each_item(db, SQL_ITEMS, digest_id, fn, arg, err);
}

int
db_digest_item_refs(struct db *db, int64_t digest_id,
                    int (*fn)(void *arg, const struct db_digest_paper *p),
                    void *arg, struct err *err)
{
    return db_digest_each_item(db, SQL_ITEM_REFS, digest_id, fn, arg, err);
}

static const char SQL_PAPER[] =
    "SELECT " PAPER_COLS " FROM papers p WHERE p.id = ?1";

int
db_digest_paper(struct db *db, int64_t paper_id,
                int (*fn)(void *arg, const struct db_digest_paper *p),
                void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_PAPER, err);
    struct db_digest_paper p;
    int rc, frc = 0;

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, paper_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(&p, 0, sizeof(p));
        db_digest_row_paper(st, &p);
        p.why = "";
        frc = fn(arg, &p);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) {
        err_set(err, ERR_PERM, "no paper with id %lld", (long long)paper_id);
        return 1;
    }
    if (rc != SQLITE_ROW)
        return db_fail(db, err, "loading a paper");
    return frc ? -1 : 0;
}

/* A source's outcome is its latest collect_runs row finished at or before
 * the digest's time; the source names are collect.c's ("arxiv-rss:<cat>",
 * "hf-daily").  Runs of the three UTC days before that time are looked
 * at (through the day index): an older failure is not "today's". */
static const char SQL_FAILED_SOURCES[] =
    "WITH want(k, name, cat) AS ("
    "  SELECT -1, 'hf-daily', '' WHERE ?2"
    "  UNION ALL SELECT j.key, 'arxiv-rss:' || j.value, j.value"
    "  FROM json_each(?1) j)"
    " SELECT w.cat FROM want w"
    " WHERE (SELECT r.ok FROM collect_runs r"
    "        WHERE r.day >= date(?3, 'unixepoch', '-3 days')"
    "        AND r.source = w.name AND r.finished_at IS NOT NULL"
    "        AND r.finished_at <= ?3"
    "        ORDER BY r.finished_at DESC, r.id DESC LIMIT 1) = 0"
    " ORDER BY w.k";

int
db_digest_failed_sources(struct db *db, const char *categories, int include_hf,
                         int64_t at, int (*fn)(void *arg, const char *category),
                         void *arg, struct err *err)
{
    sqlite3_stmt *st = db_stmt(db, SQL_FAILED_SOURCES, err);
    struct buf cats;
    int rc;

    if (st == NULL)
        return -1;
    buf_init(&cats, 4096);
    db_digest_json_list(categories, &cats);
    sqlite3_bind_text(st, 1, buf_str(&cats), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, include_hf != 0);
    sqlite3_bind_int64(st, 3, at);
    buf_release(&cats);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, db_digest_text(st, 0)) != 0)
            break;
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return db_fail(db, err, "reading the sources' last runs");
    return 0;
}
