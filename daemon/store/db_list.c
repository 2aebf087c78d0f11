/* SPDX-License-Identifier: MIT */
/*
 * db_list - the lists table and the rules for list names and arXiv
 * category lists (see db_list.h).
 */
#include "db_list.h"

#include <ctype.h>
#include <string.h>

#include <sqlite3.h>

#include "str.h"

/* db_list_copy - copy a text column into a fixed array (truncating is
 * impossible for rows written through this module; the caps match) */
static void
db_list_copy(char *dst, size_t size, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    (void)str_copy(dst, size, s ? (const char *)s : "");
}

int
db_list_check_name(const char *name, struct err *err)
{
    size_t n = strlen(name);

    if (n == 0) {
        err_set(err, ERR_PERM, "the list name is empty");
        return -1;
    }
    if (n > DB_LIST_NAME_MAX - 1) {
        err_set(err, ERR_PERM, "the list name is longer than %d characters",
                DB_LIST_NAME_MAX - 1);
        return -1;
    }
    if (!(islower((unsigned char)name[0]) || isdigit((unsigned char)name[0]))) {
        err_set(err, ERR_PERM,
                "invalid list name '%.64s': it must start with a lower-case "
                "letter or a digit",
                name);
        return -1;
    }
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(c >= 'a' && c <= 'z') && !isdigit(c) && c != '_' && c != '-') {
            err_set(err, ERR_PERM,
                    "invalid list name '%.64s': use only a-z, 0-9, '_' and "
                    "'-'",
                    str_has_ctl(name, n) ? "(control characters)" : name);
            return -1;
        }
    }
    return 0;
}

/* db_list_check_category - one arXiv category of n bytes at s */
static int
db_list_check_category(const char *s, size_t n)
{
    size_t i = 0;

    /* archive: a lower-case letter, then letters and hyphens (q-bio,
     * hep-ex, astro-ph, cond-mat) */
    if (n == 0 || !islower((unsigned char)s[0]))
        return -1;
    while (i < n && (islower((unsigned char)s[i]) || s[i] == '-'))
        i++;
    if (s[i - 1] == '-')
        return -1;
    if (i == n)
        return 0;
    /* optional .Subject: a letter, then letters and hyphens (cs.LG,
     * math.AG, astro-ph.CO, cond-mat.mes-hall) */
    if (s[i] != '.' || i + 1 == n || !isalpha((unsigned char)s[i + 1]))
        return -1;
    for (i++; i < n; i++)
        if (!isalpha((unsigned char)s[i]) && s[i] != '-')
            return -1;
    return s[n - 1] == '-' ? -1 : 0;
}

int
db_list_check_categories(const char *csv, struct err *err)
{
    size_t len = strlen(csv);
    const char *p = csv;

    if (len == 0)
        return 0;
    if (len > DB_LIST_CATEGORIES_MAX - 1) {
        err_set(err, ERR_PERM, "the category list is longer than %d bytes",
                DB_LIST_CATEGORIES_MAX - 1);
        return -1;
    }
    for (;;) {
        size_t n = strcspn(p, ",");
        if (n == 0) {
            err_set(err, ERR_PERM,
                    "empty category in '%s' (separate categories with "
                    "single commas)",
                    str_has_ctl(csv, len) ? "(control characters)" : csv);
            return -1;
        }
        if (n > 40 || db_list_check_category(p, n) == -1) {
            err_set(err, ERR_PERM,
                    "'%.*s' is not an arXiv category (examples: cs.LG, "
                    "stat.ML, q-bio.QM, hep-ex)",
                    (int)(n > 40 ? 40 : n),
                    str_has_ctl(p, n) ? "(control characters)" : p);
            return -1;
        }
        /* duplicates: look for the same item earlier in the list */
        for (const char *q = csv; q < p;) {
            size_t m = strcspn(q, ",");
            if (m == n && memcmp(q, p, n) == 0) {
                err_set(err, ERR_PERM, "category '%.*s' is given twice", (int)n,
                        p);
                return -1;
            }
            q += m + 1;
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    return 0;
}

int
db_list_categories_has(const char *csv, const char *item, size_t n)
{
    for (const char *q = csv; *q;) {
        size_t m = strcspn(q, ",");
        if (m == n && memcmp(q, item, n) == 0)
            return 1;
        q += m + (q[m] == ',');
    }
    return 0;
}

int
db_list_check_sub_categories(const struct db_list *l, const char *csv,
                             struct err *err)
{
    size_t have = strlen(l->categories);

    if (db_list_check_categories(csv, err) == -1)
        return -1;
    /* every item, delimited by commas, must be one of the list's */
    for (const char *p = csv; *p;) {
        size_t n = strcspn(p, ",");
        if (!db_list_categories_has(l->categories, p, n)) {
            err_set(err, ERR_PERM,
                    "'%.*s' is not a category of the list '%s' (its "
                    "categories: %s)",
                    (int)n, p, l->name, have ? l->categories : "none");
            return -1;
        }
        p += n + (p[n] == ',');
    }
    return 0;
}

int
db_list_check_title(const char *title, struct err *err)
{
    size_t n = strlen(title);

    if (n > DB_LIST_TITLE_MAX - 1) {
        err_set(err, ERR_PERM, "the title is longer than %d bytes",
                DB_LIST_TITLE_MAX - 1);
        return -1;
    }
    if (!str_utf8_valid(title, n)) {
        err_set(err, ERR_PERM, "the title is not valid UTF-8");
        return -1;
    }
    if (str_has_ctl(title, n)) {
        err_set(err, ERR_PERM, "the title contains control characters");
        return -1;
    }
    return 0;
}

int
db_list_create(struct db *db, const struct db_list *l, int64_t now,
               int64_t *out_id, struct err *err)
{
    static const char sql[] =
        "INSERT INTO lists (name, title, description, categories, "
        "include_hf, include_replacements, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *st;
    int rc;

    if (db_list_check_name(l->name, err) == -1 ||
        db_list_check_title(l->title, err) == -1 ||
        db_list_check_categories(l->categories, err) == -1)
        return -1;
    if (!str_utf8_valid(l->description, strlen(l->description))) {
        err_set(err, ERR_PERM, "the description is not valid UTF-8");
        return -1;
    }
    if ((st = db_stmt(db, sql, err)) == NULL)
        return -1;
    sqlite3_bind_text(st, 1, l->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, l->title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, l->description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, l->categories, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, l->include_hf ? 1 : 0);
    sqlite3_bind_int(st, 6, l->include_replacements ? 1 : 0);
    sqlite3_bind_int64(st, 7, now);
    rc = sqlite3_step(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        sqlite3_reset(st);
        err_set(err, ERR_PERM, "list '%s' already exists", l->name);
        return -1;
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "adding a list");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    if (out_id != NULL)
        *out_id = db_last_id(db);
    return 0;
}

#define DB_LIST_COLUMNS                                                        \
    "id, name, title, description, categories, include_hf, "                   \
    "include_replacements, created_at"

/* db_list_row - fill out from a row selected with DB_LIST_COLUMNS */
static void
db_list_row(sqlite3_stmt *st, struct db_list *out)
{
    out->id = sqlite3_column_int64(st, 0);
    db_list_copy(out->name, sizeof(out->name), st, 1);
    db_list_copy(out->title, sizeof(out->title), st, 2);
    db_list_copy(out->description, sizeof(out->description), st, 3);
    db_list_copy(out->categories, sizeof(out->categories), st, 4);
    out->include_hf = sqlite3_column_int(st, 5);
    out->include_replacements = sqlite3_column_int(st, 6);
    out->created_at = sqlite3_column_int64(st, 7);
}

/* db_list_get_one - run a one-row lookup prepared in st */
static int
db_list_get_one(struct db *db, sqlite3_stmt *st, struct db_list *out,
                struct err *err)
{
    int rc = db_step_row(db, st, "reading a list", err);

    if (rc == 0) {
        db_list_row(st, out);
        sqlite3_reset(st);
    }
    return rc;
}

int
db_list_get(struct db *db, const char *name, struct db_list *out,
            struct err *err)
{
    static const char sql[] =
        "SELECT " DB_LIST_COLUMNS " FROM lists WHERE name = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return db_list_get_one(db, st, out, err);
}

int
db_list_get_id(struct db *db, int64_t id, struct db_list *out, struct err *err)
{
    static const char sql[] =
        "SELECT " DB_LIST_COLUMNS " FROM lists WHERE id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    return db_list_get_one(db, st, out, err);
}

int
db_list_delete(struct db *db, int64_t id, struct err *err)
{
    static const char sql[] = "DELETE FROM lists WHERE id = ?1";
    sqlite3_stmt *st = db_stmt(db, sql, err);

    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    return db_step_done(db, st, "removing a list", err);
}

int
db_list_each(struct db *db, db_list_cb cb, void *arg, struct err *err)
{
    static const char sql[] =
        "SELECT " DB_LIST_COLUMNS " FROM lists ORDER BY name";
    sqlite3_stmt *st = db_stmt(db, sql, err);
    struct db_list l;
    int rc;

    if (st == NULL)
        return -1;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        db_list_row(st, &l);
        if (cb(&l, arg, err) == -1) {
            sqlite3_reset(st);
            return -1;
        }
    }
    if (rc != SQLITE_DONE) {
        db_fail(db, err, "listing lists");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}
