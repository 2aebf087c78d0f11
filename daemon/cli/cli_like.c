/* SPDX-License-Identifier: MIT */
/*
 * cli_like - `paperboy subscriber like EMAIL --list NAME [--less]
 * [--clear] [ARXIV_ID|URL...]`: papers a reader likes on purpose (or, with
 * --less, wants less of), stored as votes (db_votes.h) that the digest
 * ranks with (rank_index.h, the reader's profile).  A paper not in the
 * database yet is fetched from the arXiv API (collect_papers()).  --clear
 * takes back the votes on the papers named, or every vote of the
 * subscription when none is named.  Also the votes' part of `subscriber
 * show` (cli_like_show_json, cli_like_show_text: the votes, and the
 * papers named on the preferences page that wait for arXiv), and of `subscriber
 * export` and `import` (the votes column: cli_like_csv_*).  Every id is
 * checked before anything is stored: one bad id changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "addr.h"
#include "cli.h"
#include "collect.h"
#include "db_paper.h"
#include "db_sub.h"
#include "db_vote_requests.h"
#include "db_votes.h"
#include "paper.h"
#include "str.h"

#define LIKE_USAGE                                                             \
    "paperboy subscriber like EMAIL --list NAME [--less] [--clear] "           \
    "[ARXIV_ID|URL...]"

/* like_ids - canonical ids of the n arguments into ids (PAPER_ID_MAX
 * each); CLI_OK or a usage error naming the bad one */
static int
like_ids(const char *const *args, int n, char (*ids)[PAPER_ID_MAX])
{
    for (int i = 0; i < n; i++) {
        int version;
        char id[64];
        if (paper_arxiv_id(args[i], id, sizeof(id), &version) == -1 ||
            strlen(id) >= PAPER_ID_MAX)
            return cli_usage_error("subscriber like", LIKE_USAGE,
                                   "'%.80s' is not an arXiv id or URL",
                                   args[i]);
        memcpy(ids[i], id, strlen(id) + 1);
    }
    return CLI_OK;
}

/* like_resolve - the paper ids of ids[0..n) into pid, fetching the
 * missing ones from the arXiv API */
static int
like_resolve(struct cli *cli, struct db *db, char (*ids)[PAPER_ID_MAX], int n,
             int64_t *pid)
{
    const char *missing[COLLECT_IDS_MAX];
    size_t nmiss = 0, stored = 0;
    struct err err;

    err_init(&err);
    for (int pass = 0; pass < 2; pass++) {
        nmiss = 0;
        for (int i = 0; i < n; i++) {
            struct db_paper_row row;
            int rc = db_paper_get(db, ids[i], &row, &err);
            if (rc == -1)
                return cli_fail("%s", err.msg);
            if (rc == 0) {
                pid[i] = row.id;
                db_paper_row_release(&row);
                continue;
            }
            if (pass == 1)
                return cli_fail("arXiv has no paper '%s'", ids[i]);
            if (nmiss < COLLECT_IDS_MAX)
                missing[nmiss++] = ids[i];
        }
        if (nmiss == 0)
            return CLI_OK;
        if (collect_papers(db, cli->cfg, missing, nmiss, NULL, &stored, NULL,
                           &err) == -1)
            return cli_fail("fetching %s from the arXiv API: %s", missing[0],
                            err.msg);
    }
    return CLI_OK;
}

/* like_store - the votes (or their removal) in one transaction */
static int
like_store(struct db *db, int64_t sub_id, const int64_t *pid, int n, int vote,
           struct err *err)
{
    int64_t now = str_now();

    if (db_begin(db, err) == -1)
        return -1;
    for (int i = 0; i < n; i++)
        if (db_votes_set(db, sub_id, pid[i], vote, DB_VOTE_CLI, now, err) ==
            -1) {
            db_rollback(db);
            return -1;
        }
    return db_commit(db, err);
}

int
cli_like(struct cli *cli, int argc, char **argv)
{
    const char *pos[1 + COLLECT_IDS_MAX], *list = NULL;
    char email[ADDR_SIZE];
    char(*ids)[PAPER_ID_MAX] = NULL;
    int64_t *pid = NULL;
    int less = 0, clear = 0, npos = 0, rc, n;
    const struct cli_opt opts[] = {{"--list", &list, NULL},
                                   {"--less", NULL, &less},
                                   {"--clear", NULL, &clear},
                                   {NULL, NULL, NULL}};
    struct db_subscription sub;
    struct err err;
    struct db *db;

    if ((rc = cli_parse_args("subscriber like", LIKE_USAGE, argc, argv, opts,
                             pos, 1 + COLLECT_IDS_MAX, &npos)) != CLI_OK)
        return rc;
    if (npos < 1)
        return cli_usage_error("subscriber like", LIKE_USAGE, "missing EMAIL");
    if (list == NULL)
        return cli_usage_error("subscriber like", LIKE_USAGE,
                               "--list NAME is required");
    n = npos - 1;
    if (n == 0 && !clear)
        return cli_usage_error("subscriber like", LIKE_USAGE,
                               "name at least one paper (or --clear)");
    err_init(&err);
    if (addr_normalize(pos[0], email, sizeof(email), &err) == -1)
        return cli_fail("invalid address: %s", err.msg);
    ids = calloc((size_t)(n ? n : 1), sizeof(*ids));
    pid = calloc((size_t)(n ? n : 1), sizeof(*pid));
    if (ids == NULL || pid == NULL) {
        rc = cli_fail("out of memory");
        goto out;
    }
    if ((rc = like_ids(pos + 1, n, ids)) != CLI_OK)
        goto out;
    rc = CLI_FAIL;
    if ((db = cli_db(cli)) == NULL)
        goto out;
    if ((rc = db_sub_get_by_email(db, email, list, &sub, &err)) != 0) {
        rc = rc == -1 ? cli_fail("%s", err.msg)
                      : cli_fail("'%s' has no subscription to list '%.64s'",
                                 email, list);
        goto out;
    }
    if (clear && n == 0) {
        int removed = 0;
        if (db_votes_clear(db, sub.id, less ? -1 : 0, &removed, &err) == -1) {
            rc = cli_fail("%s", err.msg);
            goto out;
        }
        printf("removed %d vote%s\n", removed, removed == 1 ? "" : "s");
        rc = CLI_OK;
        goto out;
    }
    if ((rc = like_resolve(cli, db, ids, n, pid)) != CLI_OK)
        goto out;
    if (like_store(db, sub.id, pid, n, clear ? 0 : less ? -1 : 1, &err) == -1) {
        rc = cli_fail("%s", err.msg);
        goto out;
    }
    for (int i = 0; i < n; i++)
        printf("%s %s\n", clear ? "cleared" : less ? "less" : "liked", ids[i]);
    rc = CLI_OK;
out:
    free(ids);
    free(pid);
    return rc;
}

/* like_json_row - one vote into a JSON array */
static int
like_json_row(void *arg, const struct db_vote *v)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "arxiv_id", v->arxiv_id);
    cJSON_AddStringToObject(o, "title", v->title);
    cJSON_AddStringToObject(o, "vote", v->vote > 0 ? "more" : "less");
    cJSON_AddStringToObject(o, "source", v->source);
    cJSON_AddNumberToObject(o, "created_at", (double)v->created_at);
    cJSON_AddItemToArray(arg, o);
    return 0;
}

/* like_json_request - one vote request into a JSON array */
static int
like_json_request(void *arg, const struct db_vote_request *r)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "arxiv_id", r->arxiv_id);
    cJSON_AddStringToObject(o, "vote", r->vote > 0 ? "more" : "less");
    cJSON_AddStringToObject(o, "state", r->failed ? "failed" : "pending");
    cJSON_AddNumberToObject(o, "attempts", r->attempts);
    cJSON_AddNumberToObject(o, "next_at", (double)r->next_at);
    cJSON_AddStringToObject(o, "last_error", r->last_error);
    cJSON_AddNumberToObject(o, "created_at", (double)r->created_at);
    cJSON_AddItemToArray(arg, o);
    return 0;
}

int
cli_like_show_json(struct db *db, int64_t sub_id, cJSON *obj, struct err *err)
{
    cJSON *a = cJSON_AddArrayToObject(obj, "votes");

    if (db_votes_each(db, sub_id, like_json_row, a, err) == -1)
        return -1;
    a = cJSON_AddArrayToObject(obj, "vote_requests");
    return db_vote_requests_each(db, sub_id, like_json_request, a, err);
}

/* What like_text_row prints under. */
struct like_text {
    const char *list;
    int any; /* the heading is out */
};

/* like_text_row - one vote as a line, the heading before the first */
static int
like_text_row(void *arg, const struct db_vote *v)
{
    struct like_text *t = arg;

    if (!t->any++)
        printf("\nvotes (%s):\n", t->list);
    printf("  %-4s  %-12s  %.70s\n", v->vote > 0 ? "more" : "less", v->arxiv_id,
           v->title);
    return 0;
}

/* like_text_request - one vote request as a line, the heading before
 * the first */
static int
like_text_request(void *arg, const struct db_vote_request *r)
{
    struct like_text *t = arg;

    if (!t->any++)
        printf("\nwaiting for arXiv (%s):\n", t->list);
    printf("  %-4s  %-12s  %s%.70s\n", r->vote > 0 ? "more" : "less",
           r->arxiv_id, r->failed ? "failed: " : "pending",
           r->failed ? r->last_error : "");
    return 0;
}

int
cli_like_show_text(struct db *db, int64_t sub_id, const char *list,
                   struct err *err)
{
    struct like_text t = {list, 0};

    if (db_votes_each(db, sub_id, like_text_row, &t, err) == -1)
        return -1;
    t.any = 0;
    return db_vote_requests_each(db, sub_id, like_text_request, &t, err);
}

/* like_csv_count - db_votes_each's callback: count */
static int
like_csv_count(void *arg, const struct db_vote *v)
{
    (void)v;
    ++*(int *)arg;
    return 0;
}

/* like_csv_row - one vote as "more:ID" or "less:ID" in the cell */
static int
like_csv_row(void *arg, const struct db_vote *v)
{
    struct buf *out = arg;

    buf_addf(out, "%s%s:%s", out->len ? " " : "", v->vote > 0 ? "more" : "less",
             v->arxiv_id);
    return 0;
}

int
cli_like_csv_cell(struct db *db, int64_t sub_id, struct buf *out,
                  struct err *err)
{
    buf_reset(out);
    if (db_votes_each(db, sub_id, like_csv_row, out, err) == -1)
        return -1;
    return buf_check(out, err);
}

/* like_csv_next - the next "more:ID" / "less:ID" word of *p into id and
 * *vote, advancing *p; 0 at the end, 1 for a word, -1 with err */
static int
like_csv_next(const char **p, char id[PAPER_ID_MAX], int *vote, struct err *err)
{
    const char *s = *p, *e;
    char word[96], canon[64];
    size_t n;
    int version;

    while (*s == ' ')
        s++;
    if (*s == '\0')
        return 0;
    for (e = s; *e && *e != ' '; e++)
        ;
    n = (size_t)(e - s);
    *p = e;
    if (n >= sizeof(word)) {
        err_set(err, ERR_PERM, "votes: '%.40s...' is too long", s);
        return -1;
    }
    memcpy(word, s, n);
    word[n] = '\0';
    if (strncmp(word, "more:", 5) == 0)
        *vote = 1;
    else if (strncmp(word, "less:", 5) == 0)
        *vote = -1;
    else {
        err_set(err, ERR_PERM,
                "votes: '%s' is not more:ARXIV_ID or less:ARXIV_ID", word);
        return -1;
    }
    if (paper_arxiv_id(word + 5, canon, sizeof(canon), &version) == -1 ||
        strlen(canon) >= PAPER_ID_MAX) {
        err_set(err, ERR_PERM, "votes: '%s' is not an arXiv id", word + 5);
        return -1;
    }
    memcpy(id, canon, strlen(canon) + 1);
    return 1;
}

int
cli_like_csv_check(const char *cell, struct err *err)
{
    char id[PAPER_ID_MAX];
    int vote, rc, n = 0;

    while ((rc = like_csv_next(&cell, id, &vote, err)) == 1)
        if (++n > DB_VOTES_MAX) {
            err_set(err, ERR_PERM, "votes: more than %d", DB_VOTES_MAX);
            return -1;
        }
    return rc;
}

int
cli_like_csv_apply(struct db *db, int64_t sub_id, const char *cell, int64_t now,
                   struct cli_like_csv *res, struct err *err)
{
    char id[PAPER_ID_MAX];
    int vote, rc, held = 0, cur, i = 0;

    memset(res, 0, sizeof(*res));
    buf_init(&res->missing, 4096);
    if (db_votes_each(db, sub_id, like_csv_count, &held, err) == -1)
        return -1;
    /* the i-th word (newest first) is dated now - i: the cell's order
     * survives an export of what was imported */
    for (; (rc = like_csv_next(&cell, id, &vote, err)) == 1; i++) {
        struct db_paper_row row;
        int found = db_paper_get(db, id, &row, err);
        int64_t pid;
        if (found == -1)
            return -1;
        if (found == 1) {
            buf_addf(&res->missing, "%s%s", res->nmissing++ ? ", " : "", id);
            continue;
        }
        pid = row.id;
        db_paper_row_release(&row);
        if (db_votes_get(db, sub_id, pid, &cur, err) == -1)
            return -1;
        if (cur == vote)
            continue; /* as stored: importing again changes nothing */
        if (cur == 0 && held >= DB_VOTES_MAX) {
            res->full = 1;
            break;
        }
        if (db_votes_set(db, sub_id, pid, vote, DB_VOTE_CLI, now - i, err) ==
            -1)
            return -1;
        held += cur == 0;
        res->restored++;
    }
    return rc == -1 ? -1 : 0;
}
