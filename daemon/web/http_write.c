/* SPDX-License-Identifier: MIT */
/*
 * http_write - the web's group committer for POST /subscribe.
 *
 * A libmicrohttpd thread that has validated a sign-up does not write it
 * itself: it suspends the connection and hands a job to one writer
 * thread.  The writer takes every job queued so far and stores them in
 * one transaction, each under its own savepoint (a job that fails rolls
 * back alone), commits once, wakes the delivery workers once, and
 * resumes the connections; libmicrohttpd then calls the handler again,
 * which answers from the job's result.  While one batch commits the next
 * one gathers, so under load a commit carries many sign-ups: far fewer
 * WAL pages are written, the writer's page cache stays warm, and the
 * libmicrohttpd threads keep parsing other requests instead of waiting
 * for the database.  At light load a batch is a single job, so nothing
 * waits for company.  No sign-up is answered sooner than [web]
 * subscribe_answer_ms after it was queued, whatever the address: the
 * answer's timing must not tell a new address from a known one.
 *
 * The writer shares http.write_lock with the other web writes
 * (confirm, preferences, unsubscribe), which stay synchronous.  What a
 * sign-up does to the database is subs.h's sub_signup(), the same for
 * one job or many.  Not here: validation and the pages (http_pages.c).
 *
 * The writer's connection never checkpoints the WAL inside a commit (a
 * checkpoint there held a batch, and every sign-up waiting behind it).  When
 * the WAL has grown past HTTP_CKPT_FRAMES it asks a second thread, the
 * checkpointer, which runs a PASSIVE checkpoint on its own connection while the
 * writer goes on committing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_web.h"
#include "http_int.h"
#include "log.h"
#include "str.h"
#include "subs.h"
#include "xalloc.h"

#define HTTP_CKPT_FRAMES 1000 /* WAL frames that call for a checkpoint */
#define HTTP_CKPT_GAP_MS 100  /* at least this long between checkpoints */
#define HTTP_TRIM_IDLE_S 2    /* quiet seconds before caches are given back */

/*
 * http_write_subscribe - the form's sign-up of j (subs.h: SUBS_FORM), in
 * the transaction the caller holds.
 */
static int
http_write_subscribe(struct db *db, const struct token_key *key,
                     struct http_job *j, struct err *err)
{
    struct subs_signup in;
    struct subs_result res;

    memset(&in, 0, sizeof(in));
    in.origin = SUBS_FORM;
    in.email = j->email;
    in.list_id = j->list_id;
    in.prefs.keywords = j->keywords;
    in.prefs.categories = j->categories;
    in.prefs.max_papers = j->max_papers;
    in.prefs.cadence = j->cadence;
    in.prefs.weekday = j->weekday;
    in.status = -1;
    in.key = key; /* a suppressed address gets no mail (sub_suppressed) */
    if (sub_signup(db, j->gen->cfg, &in, j->now, &res, err) == -1)
        return -1;
    if (res.suppressed) /* the answer is the same; the log names no one */
        log_info("web: sign-up of a suppressed address: nothing stored, no "
                 "mail");
    j->queued = res.queued;
    return 0;
}

/* http_write_fail_all - every job of the batch failed with err */
static void
http_write_fail_all(struct http_job *batch, const struct err *err)
{
    for (struct http_job *j = batch; j; j = j->next) {
        if (j->rc == 0) {
            j->rc = -1;
            j->queued = 0;
            j->err = *err;
        }
    }
}

/* http_write_batch - store every job of batch in one transaction */
static void
http_write_batch(struct http *h, struct http_job *batch)
{
    struct err err;
    int any_queued = 0;

    err_init(&err);
    for (struct http_job *j = batch; j; j = j->next)
        j->rc = 0;
    if (h->wdb == NULL) {
        const struct config *cfg = batch->gen->cfg;
        if (db_open(cfg->db_path, cfg->busy_timeout_ms, &h->wdb, &err) == -1) {
            http_write_fail_all(batch, &err);
            return;
        }
        db_web_tune(h->wdb, cfg->busy_timeout_ms);
        db_web_wal_watch(h->wdb, &h->wal_frames);
    }
    pthread_mutex_lock(&h->write_lock);
    if (db_begin(h->wdb, &err) == -1) {
        pthread_mutex_unlock(&h->write_lock);
        http_write_fail_all(batch, &err);
        return;
    }
    for (struct http_job *j = batch; j; j = j->next) {
        err_init(&j->err);
        if (db_exec(h->wdb, "SAVEPOINT job", &j->err) == -1) {
            j->rc = -1;
            continue;
        }
        if (http_write_subscribe(h->wdb, h->key, j, &j->err) == -1) {
            j->rc = -1;
            j->queued = 0;
            (void)db_exec(h->wdb, "ROLLBACK TO job", NULL);
        }
        (void)db_exec(h->wdb, "RELEASE job", NULL);
    }
    if (db_commit(h->wdb, &err) == -1) {
        db_rollback(h->wdb);
        pthread_mutex_unlock(&h->write_lock);
        http_write_fail_all(batch, &err);
        return;
    }
    pthread_mutex_unlock(&h->write_lock);
    for (struct http_job *j = batch; j; j = j->next)
        any_queued |= j->rc == 0 && j->queued;
    if (any_queued && h->wake)
        h->wake(h->wake_arg);
    if (atomic_load(&h->wal_frames) >= HTTP_CKPT_FRAMES) {
        pthread_mutex_lock(&h->wq_lock);
        h->ck_wanted = 1;
        pthread_cond_signal(&h->ck_cond);
        pthread_mutex_unlock(&h->wq_lock);
    }
}

/* http_ckpt_main - the checkpointer thread: a PASSIVE checkpoint whenever
 * the writer asks, at most one per HTTP_CKPT_GAP_MS */
static void *
http_ckpt_main(void *arg)
{
    struct http *h = arg;
    struct db *db = NULL;
    struct err err;

    pthread_mutex_lock(&h->wq_lock);
    for (;;) {
        while (!h->ck_wanted && !h->ck_stop)
            pthread_cond_wait(&h->ck_cond, &h->wq_lock);
        if (h->ck_stop)
            break;
        h->ck_wanted = 0;
        pthread_mutex_unlock(&h->wq_lock);

        err_init(&err);
        if (db == NULL &&
            db_open(h->db_path, h->busy_timeout_ms, &db, &err) == -1) {
            log_warn("web: checkpointer: %s", err.msg);
            db = NULL;
        } else if (db_web_checkpoint(db, &err) == -1) {
            log_warn("web: %s", err.msg);
        }
        usleep(HTTP_CKPT_GAP_MS * 1000);
        pthread_mutex_lock(&h->wq_lock);
    }
    pthread_mutex_unlock(&h->wq_lock);
    db_close(db);
    return NULL;
}

/* http_write_trim - the web has been quiet for HTTP_TRIM_IDLE_S: the
 * writer's connection and every idle request slot's give their page
 * cache back (serve then returns the heap to the kernel) */
static void
http_write_trim(struct http *h)
{
    db_release_memory(h->wdb);
    pthread_mutex_lock(&h->lock); /* a free slot stays free meanwhile */
    for (struct http_slot *s = h->free_slots; s; s = s->next)
        db_release_memory(s->db);
    pthread_mutex_unlock(&h->lock);
}

void
http_hold_until(int64_t until_ms)
{
    struct timespec ts;

    if (until_ms <= str_mono_ms())
        return;
    ts.tv_sec = (time_t)(until_ms / 1000);
    ts.tv_nsec = (long)(until_ms % 1000) * 1000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

/* http_write_hold - wait until the latest answer_at_ms of batch.  Storing
 * a new address takes longer than finding a known one; answering every
 * sign-up no sooner than [web] subscribe_answer_ms after it arrived keeps
 * the answer's timing from telling them apart.  Under load the writer's
 * sleep only makes the next group commit larger. */
static void
http_write_hold(const struct http_job *batch)
{
    int64_t until = 0;

    for (const struct http_job *j = batch; j; j = j->next)
        if (j->answer_at_ms > until)
            until = j->answer_at_ms;
    http_hold_until(until);
}

/* http_write_main - the writer thread: batches until told to stop and
 * nothing is left */
static void *
http_write_main(void *arg)
{
    struct http *h = arg;
    int dirty = 0; /* sign-ups stored since the last trim */

    pthread_mutex_lock(&h->wq_lock);
    for (;;) {
        struct http_job *batch, *next;
        size_t n = 0;

        while (h->wq_head == NULL && !h->wq_stop) {
            struct timespec until;
            if (!dirty) {
                pthread_cond_wait(&h->wq_cond, &h->wq_lock);
                continue;
            }
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += HTTP_TRIM_IDLE_S;
            if (pthread_cond_timedwait(&h->wq_cond, &h->wq_lock, &until) ==
                    ETIMEDOUT &&
                h->wq_head == NULL && !h->wq_stop) {
                pthread_mutex_unlock(&h->wq_lock);
                http_write_trim(h);
                dirty = 0;
                pthread_mutex_lock(&h->wq_lock);
            }
        }
        if (h->wq_head == NULL)
            break; /* stopping, and the queue is empty */
        dirty = 1;
        batch = h->wq_head;
        h->wq_head = NULL;
        h->wq_tail = &h->wq_head;
        pthread_mutex_unlock(&h->wq_lock);

        http_write_batch(h, batch);
        http_write_hold(batch);
        for (struct http_job *j = batch; j; j = next) {
            struct MHD_Connection *conn = j->conn;
            /* j belongs to its request again once resumed */
            next = j->next;
            j->next = NULL;
            http_gen_unref(h, j->gen);
            j->gen = NULL;
            atomic_store(&j->done, 1);
            MHD_resume_connection(conn);
            n++;
        }
        atomic_fetch_add(&h->wq_batches, 1);
        atomic_fetch_add(&h->wq_jobs, n);
        pthread_mutex_lock(&h->wq_lock);
    }
    pthread_mutex_unlock(&h->wq_lock);
    return NULL;
}

int
http_write_start(struct http *h, const struct config *cfg, struct err *err)
{
    pthread_mutex_init(&h->wq_lock, NULL);
    pthread_cond_init(&h->wq_cond, NULL);
    pthread_cond_init(&h->ck_cond, NULL);
    h->wq_head = NULL;
    h->wq_tail = &h->wq_head;
    h->db_path = xstrdup(cfg->db_path);
    h->busy_timeout_ms = cfg->busy_timeout_ms;
    if (pthread_create(&h->wq_thread, NULL, http_write_main, h) != 0) {
        err_set(err, ERR_PERM, "web: cannot start the writer thread");
        return -1;
    }
    h->wq_running = 1;
    if (pthread_create(&h->ck_thread, NULL, http_ckpt_main, h) != 0) {
        err_set(err, ERR_PERM, "web: cannot start the checkpointer thread");
        return -1;
    }
    h->ck_running = 1;
    return 0;
}

int
http_write_submit(struct http *h, struct http_job *j)
{
    pthread_mutex_lock(&h->wq_lock);
    if (h->wq_stop || !h->wq_running) {
        pthread_mutex_unlock(&h->wq_lock);
        return -1;
    }
    j->answer_at_ms = str_mono_ms() + j->gen->cfg->subscribe_answer_ms;
    /* suspended before the writer can see the job, so its resume can
     * never come first */
    MHD_suspend_connection(j->conn);
    j->next = NULL;
    *h->wq_tail = j;
    h->wq_tail = &j->next;
    pthread_cond_signal(&h->wq_cond);
    pthread_mutex_unlock(&h->wq_lock);
    return 0;
}

/* http_write_join - tell one of the two threads to stop (*stop, cond,
 * under wq_lock) and wait for it */
static void
http_write_join(struct http *h, int *stop, pthread_cond_t *cond,
                pthread_t thread)
{
    pthread_mutex_lock(&h->wq_lock);
    *stop = 1;
    pthread_cond_signal(cond);
    pthread_mutex_unlock(&h->wq_lock);
    pthread_join(thread, NULL);
}

void
http_write_stop(struct http *h)
{
    if (h->wq_running) {
        http_write_join(h, &h->wq_stop, &h->wq_cond, h->wq_thread);
        h->wq_running = 0;
        db_close(h->wdb);
        h->wdb = NULL;
    }
    if (h->ck_running) {
        http_write_join(h, &h->ck_stop, &h->ck_cond, h->ck_thread);
        h->ck_running = 0;
    }
    free(h->db_path);
    h->db_path = NULL;
}

void
http_job_free(struct http_job *j)
{
    if (j == NULL)
        return;
    free(j->list_title);
    free(j->keywords);
    free(j->categories);
    free(j);
}
