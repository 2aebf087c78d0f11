/* SPDX-License-Identifier: MIT */
/*
 * http_votes - "more like this" and "less like this": the pages behind
 * BASE/more/TOKEN and BASE/less/TOKEN in every digest, and the votes'
 * part of the preferences page (the list of votes with change and remove
 * buttons, and "papers like these" by arXiv id or URL).
 *
 * The token is a pair token (TOKEN_VOTE) naming the subscription and the
 * paper; the direction is the path.  A GET shows the paper and the choice
 * and records nothing: mail scanners fetch every link.  Only a POST to the
 * same URL records the vote (web/static/app.js posts the page's form on
 * load; without JavaScript the reader presses its button).  A token older
 * than its subscription, or than the paper's row, was made for a row that
 * is gone: 404, as is a paper or subscription that does not exist.
 *
 * The web layer does not fetch papers: an id not in the database is
 * stored as a vote request (db_vote_requests.h), in the same transaction
 * as the votes on the papers it knows, and the scheduler fetches it
 * (collect/likes_fetch.h) after the web kicks it.  The page lists the
 * requests, pending and failed, each with a remove button.  What a vote
 * does to the ranking is rank_index.h's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authors.h"
#include "db_paper.h"
#include "db_sub.h"
#include "db_vote_requests.h"
#include "db_votes.h"
#include "http_int.h"
#include "log.h"
#include "paper.h"
#include "xalloc.h"

#define HTTP_VOTES_LIKE_MAX 20 /* ids one "papers like these" form takes */

/* http_vote_gone - the 404 page for a row that is not there */
static enum MHD_Result
http_vote_gone(struct http_req *r, const char *title, const char *msg)
{
    return http_error_page(r, MHD_HTTP_NOT_FOUND, title, msg);
}

/* http_votes_one - db_votes_each's callback: count */
static int
http_votes_one(void *arg, const struct db_vote *v)
{
    (void)v;
    ++*(int *)arg;
    return 0;
}

/* http_votes_fit - *fit is 1 when sub_id can take the n votes of
 * paper_ids without going over DB_VOTES_MAX (a paper it holds a vote on
 * already takes no new room), else 0.  Inside the write transaction, so
 * no other vote lands between this count and the insert. */
static int
http_votes_fit(struct db *db, int64_t sub_id, const int64_t *paper_ids, int n,
               int *fit, struct err *err)
{
    int held = 0, fresh = 0, cur;

    if (db_votes_each(db, sub_id, http_votes_one, &held, err) == -1)
        return -1;
    for (int i = 0; i < n; i++) {
        if (db_votes_get(db, sub_id, paper_ids[i], &cur, err) == -1)
            return -1;
        fresh += cur == 0;
    }
    *fit = held + fresh <= DB_VOTES_MAX;
    return 0;
}

/* http_vote_store - sub_id's vote on each of paper_ids (0 takes it back),
 * in one transaction under the web's write lock.  *full is set to 1 (and
 * nothing stored) when the votes would go over DB_VOTES_MAX: the reader
 * gets a page saying so, never a server error, however many votes race */
static int
http_vote_store(struct http_req *r, struct db *db, int64_t sub_id,
                const int64_t *paper_ids, int n, int vote,
                enum db_vote_source source, int *full, struct err *err)
{
    int rc = 0, fit = 1;

    *full = 0;
    pthread_mutex_lock(&r->h->write_lock);
    if (db_begin(db, err) == -1) {
        rc = -1;
    } else {
        if (vote != 0)
            rc = http_votes_fit(db, sub_id, paper_ids, n, &fit, err);
        for (int i = 0; i < n && rc == 0 && fit; i++)
            rc = db_votes_set(db, sub_id, paper_ids[i], vote, source, r->now,
                              err);
        if (rc == 0 && fit)
            rc = db_commit(db, err);
        else
            db_rollback(db);
    }
    pthread_mutex_unlock(&r->h->write_lock);
    if (rc == 0 && !fit)
        *full = 1;
    return rc;
}

/* What "papers like these" stores, and what went wrong for the reader. */
struct http_like {
    int64_t pid[HTTP_VOTES_LIKE_MAX]; /* papers in the database */
    int n;
    char ids[HTTP_VOTES_LIKE_MAX][PAPER_ID_MAX]; /* the others */
    int nmiss;
    int votes_full;    /* 1: the votes would go over DB_VOTES_MAX */
    int requests_full; /* 1: the requests over DB_VOTE_REQUESTS_MAX */
};

/* http_like_txn - http_like_store inside its transaction: 0 stored, 1
 * refused (a cap; the flag says which), -1 error */
static int
http_like_txn(struct http_req *r, struct db *db, int64_t sub_id,
              struct http_like *l, struct err *err)
{
    int fit = 1;

    if (l->n > 0 && http_votes_fit(db, sub_id, l->pid, l->n, &fit, err) == -1)
        return -1;
    if (!fit) {
        l->votes_full = 1;
        return 1;
    }
    for (int i = 0; i < l->n; i++)
        if (db_votes_set(db, sub_id, l->pid[i], 1, DB_VOTE_PREFERENCES, r->now,
                         err) == -1)
            return -1;
    for (int i = 0; i < l->nmiss; i++) {
        int rc = db_vote_requests_add(db, sub_id, l->ids[i], 1, r->now, err);
        if (rc == 1)
            l->requests_full = 1;
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* http_like_store - l's votes and vote requests for sub_id, all in one
 * transaction under the web's write lock, or none of them: a cap that
 * would be passed sets l's flag and stores nothing */
static int
http_like_store(struct http_req *r, struct db *db, int64_t sub_id,
                struct http_like *l, struct err *err)
{
    int rc;

    pthread_mutex_lock(&r->h->write_lock);
    if (db_begin(db, err) == -1) {
        rc = -1;
    } else {
        rc = http_like_txn(r, db, sub_id, l, err);
        if (rc == 0)
            rc = db_commit(db, err);
        else
            db_rollback(db);
    }
    pthread_mutex_unlock(&r->h->write_lock);
    return rc == -1 ? -1 : 0;
}

/* http_vote_rows - verify tok and load its subscription and paper.
 * Returns 0 when the page may go on, else the answer was sent and *ret
 * holds it (400 for a bad token, 404 for a row that is gone). */
static int
http_vote_rows(struct http_req *r, const char *tok, struct db **dbp,
               struct db_subscription *sub, struct db_paper_row *paper,
               enum MHD_Result *ret)
{
    struct err err;
    int64_t sub_id, paper_id, issued;
    struct db *db;
    int found;

    err_init(&err);
    if (token_check_pair(r->h->key, tok, TOKEN_VOTE, &sub_id, &paper_id,
                         &issued, &err) == -1) {
        *ret = http_error_page(r, MHD_HTTP_BAD_REQUEST,
                               "This link does not work", err.msg);
        return -1;
    }
    if ((db = http_db(r, &err)) == NULL ||
        (found = db_sub_get(db, sub_id, sub, &err)) == -1) {
        *ret = http_fail(r, &err, "vote page");
        return -1;
    }
    /* ids are never reused, and a token older than its row could not
     * have been made for it even if one were */
    if (found == 1 || issued < sub->created_at ||
        sub->status == DB_SUB_UNSUBSCRIBED || sub->status == DB_SUB_BOUNCED) {
        *ret = http_vote_gone(r, "Subscription not found",
                              "This subscription no longer exists, so there "
                              "is nothing to vote for. Nothing was recorded.");
        return -1;
    }
    if ((found = db_paper_get_id(db, paper_id, paper, &err)) == -1) {
        *ret = http_fail(r, &err, "vote page");
        return -1;
    }
    /* a paper row first seen after the token was issued is not the
     * paper the digest showed */
    if (found == 1 || paper->first_seen_at > issued) {
        if (found == 0)
            db_paper_row_release(paper);
        *ret = http_vote_gone(r, "Paper not found",
                              "This paper is no longer in the database. "
                              "Nothing was recorded.");
        return -1;
    }
    *dbp = db;
    return 0;
}

enum MHD_Result
http_page_vote(struct http_req *r, const char *tok, int vote)
{
    struct db_subscription sub;
    struct db_paper_row paper;
    struct tmpl_obj *root;
    struct db *db;
    struct err err;
    enum MHD_Result ret;
    struct buf authors;
    char t[TOKEN_MAX];
    int current = 0;

    err_init(&err);
    if (http_vote_rows(r, tok, &db, &sub, &paper, &ret) == -1)
        return ret;
    if (r->method == HTTP_M_POST) {
        int full;
        if (http_vote_store(r, db, sub.id, &paper.id, 1, vote, DB_VOTE_MAIL,
                            &full, &err) == -1) {
            db_paper_row_release(&paper);
            return http_fail(r, &err, "vote");
        }
        if (full) {
            db_paper_row_release(&paper);
            return http_error_page(
                r, MHD_HTTP_BAD_REQUEST, "Too many votes",
                "This subscription holds as many votes as are kept. Take "
                "some back on your preferences page first. Nothing was "
                "recorded.");
        }
        log_info("web: subscription=%lld vote %+d on paper=%lld",
                 (long long)sub.id, vote, (long long)paper.id);
        current = vote;
    } else if (db_votes_get(db, sub.id, paper.id, &current, &err) == -1) {
        db_paper_row_release(&paper);
        return http_fail(r, &err, "vote page");
    }
    root = http_root(r, vote > 0 ? "More like this" : "Less like this");
    tmpl_set(root, "paper_title", paper.title);
    tmpl_set(root, "arxiv_id", paper.arxiv_id);
    buf_init(&authors, 1024);
    authors_format(paper.authors, 6, &authors);
    tmpl_set(root, "authors", buf_str(&authors));
    buf_release(&authors);
    db_paper_row_release(&paper);
    tmpl_set(root, "list_name", sub.list_name);
    tmpl_set(root, "token", tok);
    tmpl_set(root, "path", vote > 0 ? "more" : "less");
    tmpl_set(root, "choice", vote > 0 ? "More like this" : "Less like this");
    tmpl_set(root, "fewer_more", vote > 0 ? "more" : "fewer");
    tmpl_set_bool(root, "recorded", current == vote);
    tmpl_set_bool(root, "just_recorded", r->method == HTTP_M_POST);
    token_make(r->h->key, TOKEN_PREFERENCES, sub.id, r->now, t);
    tmpl_setf(root, "preferences_url", "%s/preferences/%s#votes",
              r->cfg->base_url, t);
    return http_render(r, MHD_HTTP_OK, HTTP_T_VOTE, root);
}

/* State for listing a subscription's votes. */
struct http_votes_list {
    struct tmpl_obj *root;
    int n;
};

/* http_votes_item - one vote into the page's list */
static int
http_votes_item(void *arg, const struct db_vote *v)
{
    struct http_votes_list *l = arg;
    struct tmpl_obj *it = tmpl_add_item(l->root, "votes");

    tmpl_setf(it, "paper_id", "%lld", (long long)v->paper_id);
    tmpl_set(it, "arxiv_id", v->arxiv_id);
    tmpl_set(it, "paper_title", v->title);
    tmpl_set_bool(it, "more", v->vote > 0);
    l->n++;
    return 0;
}

/* http_votes_request - one vote request into the page's list */
static int
http_votes_request(void *arg, const struct db_vote_request *q)
{
    struct tmpl_obj *it = tmpl_add_item(arg, "vote_requests");

    tmpl_setf(it, "request_id", "%lld", (long long)q->id);
    tmpl_set(it, "arxiv_id", q->arxiv_id);
    tmpl_set_bool(it, "failed", q->failed);
    tmpl_set(it, "reason", q->last_error);
    tmpl_set_bool(it, "retrying", !q->failed && q->attempts > 0);
    return 0;
}

void
http_votes_prefs_fill(struct db *db, const struct db_subscription *sub,
                      struct tmpl_obj *root)
{
    struct http_votes_list l = {root, 0};
    struct err err;

    err_init(&err);
    tmpl_set_list(root, "votes");
    tmpl_set_list(root, "vote_requests");
    tmpl_setf(root, "papers_max", "%d", HTTP_VOTES_LIKE_MAX);
    if (db_votes_each(db, sub->id, http_votes_item, &l, &err) == -1)
        log_warn("web: preferences: listing votes: %s", err.msg);
    err_init(&err);
    if (db_vote_requests_each(db, sub->id, http_votes_request, root, &err) ==
        -1)
        log_warn("web: preferences: listing vote requests: %s", err.msg);
}

/* http_like_parse - the ids of text into l (known papers into pid, the
 * others into ids); 1 with the reader's message in root when an entry
 * is not an arXiv id or there are too many, 0 parsed, -1 error */
static int
http_like_parse(struct db *db, char *text, struct http_like *l,
                struct tmpl_obj *root, struct err *err)
{
    char *save = NULL;

    for (char *w = strtok_r(text, " \t\r\n,", &save); w != NULL;
         w = strtok_r(NULL, " \t\r\n,", &save)) {
        char id[64];
        int version, found, dup = 0;
        struct db_paper_row row;

        if (paper_arxiv_id(w, id, sizeof(id), &version) == -1 ||
            strlen(id) >= PAPER_ID_MAX) {
            tmpl_setf(root, "votes_error",
                      "'%.80s' is not an arXiv id or arXiv URL. Nothing was "
                      "added.",
                      w);
            return 1;
        }
        if (l->n + l->nmiss >= HTTP_VOTES_LIKE_MAX) {
            tmpl_setf(root, "votes_error",
                      "Name at most %d papers at a time. Nothing was added.",
                      HTTP_VOTES_LIKE_MAX);
            return 1;
        }
        if ((found = db_paper_get(db, id, &row, err)) == -1)
            return -1;
        if (found == 0) {
            l->pid[l->n++] = row.id;
            db_paper_row_release(&row);
            continue;
        }
        for (int i = 0; i < l->nmiss; i++)
            dup |= strcmp(l->ids[i], id) == 0;
        if (!dup)
            memcpy(l->ids[l->nmiss++], id, strlen(id) + 1);
    }
    if (l->n == 0 && l->nmiss == 0) {
        tmpl_set(root, "votes_error", "Name a paper by its arXiv id or URL.");
        return 1;
    }
    return 0;
}

/* http_votes_like - "papers like these": every id in text that is in the
 * database gets a vote of 1, the others a vote request the scheduler
 * fetches; all in one transaction, or nothing when an entry is not an
 * arXiv id or a cap would be passed. */
static int
http_votes_like(struct http_req *r, struct db *db,
                const struct db_subscription *sub, const char *text,
                struct tmpl_obj *root, struct err *err)
{
    struct http_like *l = xcalloc(1, sizeof(*l));
    struct buf words, missing;
    int rc = 0, refused = 1; /* refused: the form shows the text again */

    buf_init(&words, 4096);
    buf_adds(&words, text);
    buf_init(&missing, 1024);
    if (words.failed) {
        tmpl_set(root, "votes_error", "Too much text: name fewer papers.");
        goto out;
    }
    rc =
        http_like_parse(db, words.data ? words.data : (char *)"", l, root, err);
    if (rc != 0) {
        rc = rc == -1 ? -1 : 0;
        goto out;
    }
    if ((rc = http_like_store(r, db, sub->id, l, err)) == -1)
        goto out;
    if (l->votes_full) {
        tmpl_setf(root, "votes_error",
                  "Your subscription keeps at most %d votes: remove some "
                  "first. Nothing was added.",
                  DB_VOTES_MAX);
        goto out;
    }
    if (l->requests_full) {
        tmpl_setf(root, "votes_error",
                  "Your subscription waits for at most %d papers from arXiv: "
                  "remove some first. Nothing was added.",
                  DB_VOTE_REQUESTS_MAX);
        goto out;
    }
    if (l->n > 0)
        tmpl_setf(root, "votes_notice", "Added %d paper%s you like.", l->n,
                  l->n == 1 ? "" : "s");
    if (l->nmiss > 0) {
        for (int i = 0; i < l->nmiss; i++)
            buf_addf(&missing, "%s%s", i ? ", " : "", l->ids[i]);
        tmpl_setf(root, "votes_missing",
                  "Fetching from arXiv: %s. They count from your next digest "
                  "once fetched.",
                  buf_str(&missing));
        log_info("web: subscription=%lld asked for %d paper(s) from arXiv",
                 (long long)sub->id, l->nmiss);
        if (atomic_load_explicit(&r->h->kick_set, memory_order_acquire))
            r->h->kick(r->h->kick_arg);
    }
    refused = 0;
out:
    if (refused && rc == 0) /* nothing added: what was typed is not lost */
        tmpl_set(root, "papers_typed", text);
    buf_release(&words);
    buf_release(&missing);
    free(l);
    return rc;
}

/* http_votes_request_remove - action vote_request_remove: only a request
 * of this subscription */
static int
http_votes_request_remove(struct http_req *r, struct db *db,
                          const struct db_subscription *sub,
                          struct tmpl_obj *root, struct err *err)
{
    const char *v = http_form_get(&r->form, "request");
    int64_t id;
    char *end;
    int rc;

    id = v ? strtoll(v, &end, 10) : 0;
    if (v == NULL || *v == '\0' || *end != '\0' || id <= 0) {
        tmpl_set(root, "votes_error", "That request is not on this page.");
        return 0;
    }
    pthread_mutex_lock(&r->h->write_lock);
    rc = db_vote_requests_remove(db, sub->id, id, err);
    pthread_mutex_unlock(&r->h->write_lock);
    if (rc == -1)
        return -1;
    tmpl_set(root, rc == 0 ? "votes_notice" : "votes_error",
             rc == 0 ? "Request removed."
                     : "That request is not on this page.");
    return 0;
}

int
http_votes_prefs_post(struct http_req *r, struct db *db,
                      const struct db_subscription *sub, const char *action,
                      struct tmpl_obj *root, struct err *err)
{
    const char *paper = http_form_get(&r->form, "paper");
    int vote, cur, full;
    int64_t pid;
    char *end;

    if (strcmp(action, "vote_like") == 0) {
        const char *text = http_form_get(&r->form, "papers");
        return http_votes_like(r, db, sub, text ? text : "", root, err);
    }
    if (strcmp(action, "vote_request_remove") == 0)
        return http_votes_request_remove(r, db, sub, root, err);
    if (strcmp(action, "vote_more") == 0)
        vote = 1;
    else if (strcmp(action, "vote_less") == 0)
        vote = -1;
    else if (strcmp(action, "vote_remove") == 0)
        vote = 0;
    else {
        tmpl_set(root, "votes_error", "That action is not on this page.");
        return 0;
    }
    pid = paper ? strtoll(paper, &end, 10) : 0;
    if (paper == NULL || *paper == '\0' || *end != '\0' || pid <= 0) {
        tmpl_set(root, "votes_error", "That vote is not on this page.");
        return 0;
    }
    /* only a vote the subscription holds is changed: the page's form
     * names a paper id, which is not a capability */
    if (db_votes_get(db, sub->id, pid, &cur, err) == -1)
        return -1;
    if (cur == 0) {
        tmpl_set(root, "votes_error", "That vote is not on this page.");
        return 0;
    }
    if (http_vote_store(r, db, sub->id, &pid, 1, vote, DB_VOTE_PREFERENCES,
                        &full, err) == -1)
        return -1;
    if (full) { /* turning a held vote takes no room: never, but say so */
        tmpl_set(root, "votes_error", "Your subscription keeps no more votes.");
        return 0;
    }
    tmpl_set(root, "votes_notice",
             vote == 0 ? "Vote removed." : "Vote changed.");
    return 0;
}
