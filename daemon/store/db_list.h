/* SPDX-License-Identifier: MIT */
/*
 * db_list - mailing lists: a name, a title, the arXiv categories to
 * collect and whether Hugging Face daily papers are included.  Also the
 * validation rules for list names and category lists, shared by the CLI
 * and the web side.
 *
 * Contract: 0 on success, -1 with err filled on failure.  Lookups return
 * 0 when found, 1 when there is no such list (out untouched), -1 on
 * error.  Out-parameters are written only on success.
 */
#ifndef PAPERBOY_DB_LIST_H
#define PAPERBOY_DB_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

#define DB_LIST_NAME_MAX 65          /* [a-z0-9][a-z0-9_-]{0,63} + NUL */
#define DB_LIST_TITLE_MAX 201        /* 200 bytes + NUL */
#define DB_LIST_DESCRIPTION_MAX 1001 /* 1000 bytes + NUL */
#define DB_LIST_CATEGORIES_MAX 513   /* 512 bytes + NUL */

struct db_list {
    int64_t id;
    char name[DB_LIST_NAME_MAX];
    char title[DB_LIST_TITLE_MAX];
    char description[DB_LIST_DESCRIPTION_MAX];
    char categories[DB_LIST_CATEGORIES_MAX]; /* "cs.LG,cs.CL" */
    int include_hf;                          /* HF daily papers too */
    int include_replacements;                /* take replace* announcements */
    int64_t created_at;                      /* unix seconds, UTC */
};

/* db_list_check_name - [a-z0-9][a-z0-9_-]{0,63}; -1 with reason */
int db_list_check_name(const char *name, struct err *err);
/*
 * db_list_check_categories - comma-separated arXiv categories such as
 * "cs.LG,stat.ML,q-bio.QM,hep-ex" (archive [a-z][a-z-]*, optional
 * ".Subject" [A-Za-z][A-Za-z-]*), no empty items, no duplicates, at most
 * 512 bytes.  Spaces around commas are refused.  "" is valid.
 */
int db_list_check_categories(const char *csv, struct err *err);
/*
 * db_list_check_sub_categories - a subscription's category filter on list
 * l: valid for db_list_check_categories() and every item one of
 * l->categories.  "" (the list's own) is valid.  The one rule the form,
 * the preferences page and `subscriber import` apply.
 */
int db_list_check_sub_categories(const struct db_list *l, const char *csv,
                                 struct err *err);
/* db_list_categories_has - 1 if the n bytes at item are one of the
 * comma-separated items of csv, else 0 */
int db_list_categories_has(const char *csv, const char *item, size_t n);
/* db_list_check_title - at most 200 bytes of UTF-8, no control chars */
int db_list_check_title(const char *title, struct err *err);

/*
 * db_list_create - insert l (id and created_at ignored; now is used).
 * Validates the name, title and categories.  An existing name is an
 * error "list 'NAME' already exists".
 */
int db_list_create(struct db *db, const struct db_list *l, int64_t now,
                   int64_t *out_id, struct err *err);
/* db_list_get - by name; 0/1/-1 */
int db_list_get(struct db *db, const char *name, struct db_list *out,
                struct err *err);
/* db_list_get_id - by id; 0/1/-1 */
int db_list_get_id(struct db *db, int64_t id, struct db_list *out,
                   struct err *err);
/* db_list_delete - remove the list and (cascade) its subscriptions */
int db_list_delete(struct db *db, int64_t id, struct err *err);

/* Called once per list; 0 to go on, -1 to stop. */
typedef int (*db_list_cb)(const struct db_list *l, void *arg, struct err *err);
/* db_list_each - visit every list ordered by name */
int db_list_each(struct db *db, db_list_cb cb, void *arg, struct err *err);

#endif
