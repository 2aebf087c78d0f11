/* SPDX-License-Identifier: MIT */
/*
 * deliver - delivery worker threads (see deliver.h).
 *
 * A worker loops: claim up to DELIVER_CLAIM due rows (twice as many after
 * each full claim, up to DELIVER_CLAIM_MAX, when no rate limit is set),
 * render each with its own struct compose, send it over its own SMTP
 * session (or write it to the maildir), append accepted ones to its
 * journal, and store results in batches, mostly in the transaction of its
 * next claim.  Over SMTP the reply to a message is read only when the
 * next message is ready (smtp_begin), so rendering overlaps the server's
 * work; that message is recorded (journal) before the next one's content
 * goes out, so at most one accepted message per session is unrecorded.
 * When stopping it finishes the message in flight (deliver_settle) and
 * hands the rest of its claim back.  Claims and result batches of all
 * workers go through one mutex (deliver_claim), so they never meet in
 * SQLite's sleeping busy handler.  Threads are POSIX threads (C11's
 * thrd_create() bypasses ThreadSanitizer's interceptors).
 */
#include "deliver.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compose.h"
#include "datafile.h"
#include "db.h"
#include "db_paper.h"
#include "db_snap.h"
#include "dkim.h"
#include "log.h"
#include "maildir.h"
#include "outbox.h"
#include "smtp.h"
#include "str.h"
#include "verp.h"
#include "xalloc.h"

#define DELIVER_CLAIM 16     /* rows per claim, at first */
#define DELIVER_CLAIM_MAX 64 /* after full claims, without a rate */
_Static_assert(DELIVER_CLAIM_MAX < DELIVER_BATCH,
               "a claim's results must fit beside the last one's");
#define DELIVER_MSG_MAX (16u << 20) /* rendered message cap, bytes */
#define DELIVER_IDLE_MS 1000        /* daemon poll when idle */
#define DELIVER_RECONNECT_S 30      /* daemon: wait after a failed connection */
#define DELIVER_SNAP_MAX_S 0.25     /* a read snapshot lives at most this, */
#define DELIVER_NET_SLOW_S 0.2 /* and across no wait on a server this slow */
#define DELIVER_CACHE_KIB (16 * 1024)     /* all workers' SQLite page caches */
#define DELIVER_JOURNALS 64               /* [smtp] connections max */
#define DELIVER_COMPOSE_CACHE (32u << 20) /* all workers' paper caches */
#define DELIVER_JLINE 512                 /* journal line, bytes at most */
/* journal space reserved ahead: the lines of a full batch and a claim */
#define DELIVER_JROOM                                                          \
    ((off_t)(DELIVER_BATCH + DELIVER_CLAIM_MAX) * DELIVER_JLINE)
#define DELIVER_STUCK_RETRY_MS 1000 /* serve: retry a refused store */
/* given-up results other than accepted ones, kept to be recorded later */
#define DELIVER_LOST_MAX (4 * DELIVER_BATCH)

struct deliver_worker {
    struct deliver *d;
    int index;
    pthread_t thread;
    int started;
    atomic_int fd; /* the SMTP socket while connected, else -1 */
};

struct deliver {
    const struct config *cfg;
    const struct token_key *key;
    int flags;
    int lock_fd;           /* flock()ed <db>-deliver.lock */
    char from[256];        /* envelope sender without VERP */
    char verp_domain[256]; /* [bounces] return_path_domain, or "" */
    pthread_mutex_t mu;    /* guards wake_seq; with cv */
    pthread_cond_t cv;     /* wake-ups, stop, worker exits */
    unsigned wake_seq;     /* bumped by deliver_wake() */
    atomic_int stopping;
    atomic_int running; /* workers not yet exited */
    atomic_int feeding; /* DELIVER_FEEDING until deliver_fed() */
    pthread_mutex_t rate_mu;
    pthread_mutex_t write_mu; /* one worker writes to SQLite at a time (see
                       deliver_claim) */
    double rate_next;         /* next free send slot, monotonic seconds */
    atomic_llong delivered, deferred, bounced, failed, dropped, unstored;
    atomic_int paused;       /* workers waiting for the store to work again */
    char store_error[256];   /* why they wait, or ""; under mu */
    char paused_code[16];    /* that as a code (deliver_stats); under mu */
    int64_t smtp_down_since; /* first failed session since the last good
                                one (unix seconds), or 0; under mu */
    char smtp_error[256];    /* that failure; under mu */
    char error[256]; /* what stopped a foreground run, or ""; under mu */
    struct deliver_worker *w;
    int nw;
};

/* deliver_mono - monotonic seconds */
static double
deliver_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* deliver_sleep_ms - sleep, a short nap */
static void
deliver_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* deliver_journal_path - "<db>-sent<i>" */
static int
deliver_journal_path(const struct config *cfg, int i, char *out, size_t size)
{
    return snprintf(out, size, "%s-sent%d", cfg->db_path, i) >= (int)size ? -1
                                                                          : 0;
}

/* deliver_journal_read - open journal path for reading: never through a
 * link, and never anything but a regular file (a FIFO planted there
 * would block the open and then the reads); -1 with errno ENOENT when
 * there is none */
static int
deliver_journal_read(const char *path, struct err *err)
{
    struct stat st;
    int fd = datafile_open(path, O_RDONLY | O_NONBLOCK, 0, err);

    if (fd == -1)
        return -1;
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
        err_set(err, ERR_PERM, "deliver: journal '%s' is not a regular file",
                path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

/* deliver_replay_file - mark the rows journal path says were accepted as
 * sent, in one transaction; *n counts them.  No file is no line. */
static int
deliver_replay_file(struct db *db, const char *path, int64_t *n,
                    struct err *err)
{
    char line[DELIVER_JLINE];
    FILE *fp;
    int fd = deliver_journal_read(path, err);

    if (fd == -1 && errno == ENOENT) {
        err_init(err);
        return 0;
    }
    if (fd == -1)
        return -1;
    fp = fdopen(fd, "r");
    if (fp == NULL) {
        err_set(err, ERR_PERM, "deliver: cannot read '%s': %s", path,
                strerror(errno));
        close(fd);
        return -1;
    }
    if (db_begin(db, err) == -1) {
        fclose(fp);
        return -1;
    }
    while (fgets(line, sizeof(line), fp)) {
        long long id, at;
        int off = 0;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n')
            break; /* torn last line: the kill came mid-write */
        line[len - 1] = '\0';
        if (sscanf(line, "%lld %lld %n", &id, &at, &off) != 2 || off == 0)
            continue;
        if (outbox_mark_sent(db, id, at, line + off, err) == -1) {
            db_rollback(db);
            fclose(fp);
            return -1;
        }
        *n += db_changes(db);
    }
    fclose(fp);
    if (db_commit(db, err) == -1) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

/* deliver_replay - mark rows the journals say were accepted as sent */
static int
deliver_replay(struct db *db, const struct config *cfg, struct err *err)
{
    char path[4200];
    int64_t n = 0;

    for (int i = 0; i < DELIVER_JOURNALS; i++) {
        if (deliver_journal_path(cfg, i, path, sizeof(path)) == -1)
            return 0;
        if (deliver_replay_file(db, path, &n, err) == -1)
            return -1;
        (void)unlink(path);
    }
    if (n > 0)
        log_info("deliver: %" PRId64 " messages accepted before a crash "
                 "recorded as sent from the journal",
                 n);
    return 0;
}

/* deliver_rate_wait - wait for a send slot under [smtp] rate_per_second */
static void
deliver_rate_wait(struct deliver *d)
{
    double slot, now;

    if (d->cfg->smtp_rate <= 0)
        return;
    pthread_mutex_lock(&d->rate_mu);
    now = deliver_mono();
    slot = d->rate_next > now ? d->rate_next : now;
    d->rate_next = slot + 1.0 / d->cfg->smtp_rate;
    pthread_mutex_unlock(&d->rate_mu);
    if (slot > now)
        deliver_sleep_ms((long)((slot - now) * 1000.0) + 1);
}

/* Per-worker state while running. */
struct deliver_run {
    struct deliver *d;
    struct deliver_worker *w;
    struct db *db;
    int snap_open;  /* a read snapshot is open on db (deliver_render) */
    double snap_at; /* when it was opened (deliver_mono) */
    int net_slow;   /* the last message's exchange took DELIVER_NET_SLOW_S */
    struct compose *compose;
    struct dkim_signer *dkim; /* NULL when [dkim] is off */
    struct buf signed_msg;    /* the signatures, then the message */
    struct smtp *smtp;
    int journal;                             /* fd, or -1 */
    struct outbox_result res[DELIVER_BATCH]; /* not yet stored */
    size_t nres;
    double first_res;           /* mono time of res[0] */
    char last_session_err[256]; /* logged once */
    int64_t pending_id;         /* row sent over SMTP, reply not yet read */
    int session_failed;         /* smtp_open() failed for this message */
    int hand_back;              /* unclaim the rest of this claim */
    long hand_back_nap_ms;      /* and wait this long before claiming again */
    int paused;                 /* counted in deliver.paused */
    size_t claim_size;          /* rows asked for at the next claim */
    int64_t given_up; /* accepted results given up: the journal, kept until
                         they are replayed (deliver_replay_own), has them */
    /* other results given up (deferred, bounced, failed, handed back),
     * recorded before a later claim (deliver_record_lost); or NULL */
    struct outbox_result *lost;
    size_t nlost;
    int64_t abandoned; /* given up beyond DELIVER_LOST_MAX: their rows stay
                          'sending' until the next start re-queues them */
    off_t jused;       /* journal bytes written */
    off_t jroom;       /* journal bytes reserved (fallocate) */
    char jerr[200];    /* why the journal has no room, or "" */
};

/* deliver_reserve - reserve DELIVER_JROOM bytes of disk beyond what the
 * journal holds, so that its appends cannot fail for lack of space (a
 * full disk otherwise lost the lines of messages already sent, and the
 * next start sent them again) */
static void
deliver_reserve(struct deliver_run *r)
{
    if (r->journal == -1)
        return;
    if (fallocate(r->journal, FALLOC_FL_KEEP_SIZE, 0,
                  r->jused + DELIVER_JROOM) == 0) {
        r->jroom = r->jused + DELIVER_JROOM;
        r->jerr[0] = '\0';
    } else if (errno == EOPNOTSUPP) {
        r->jroom = (off_t)1 << 62; /* cannot reserve here: as before */
    } else {
        /* what was reserved before stays reserved */
        snprintf(r->jerr, sizeof(r->jerr), "cannot reserve journal space: %s",
                 strerror(errno));
    }
}

/* deliver_has_room - the journal can take the lines of the message in
 * flight and of the next one */
static int
deliver_has_room(const struct deliver_run *r)
{
    return r->journal != -1 && r->jused + 2 * DELIVER_JLINE <= r->jroom;
}

/* deliver_stored - the pending results are stored: forget them, and
 * empty the journal that covered them */
static void
deliver_stored(struct deliver_run *r)
{
    r->nres = 0;
    /* (not while it holds lines of results that were given up: the next
     * start replays them) */
    if (r->journal != -1 && r->given_up == 0) {
        if (ftruncate(r->journal, 0) == -1)
            log_warn_errno("deliver: cannot empty the journal");
        else
            r->jused = 0;
    }
    /* (truncating freed the reservation too) */
    if (r->journal != -1 && !deliver_has_room(r))
        deliver_reserve(r);
}

/*
 * deliver_give_up - the pending results cannot be stored: the journal
 * keeps the accepted ones (replayed by deliver_replay_own), r->lost the
 * others, with their outcome, up to DELIVER_LOST_MAX (recorded by
 * deliver_record_lost).  Beyond that a row stays 'sending' until the next
 * start re-queues it: memory stays bounded, and nothing is sent twice.
 */
static void
deliver_give_up(struct deliver_run *r)
{
    size_t over = 0;

    for (size_t i = 0; i < r->nres; i++) {
        if (r->res[i].outcome == OUTBOX_OK) {
            r->given_up++;
        } else if (r->nlost < DELIVER_LOST_MAX) {
            if (r->lost == NULL)
                r->lost = xcalloc(DELIVER_LOST_MAX, sizeof(*r->lost));
            r->lost[r->nlost++] = r->res[i];
        } else {
            over++;
        }
    }
    r->nres = 0;
    if (over > 0) {
        r->abandoned += (int64_t)over;
        log_err("deliver: worker %d: %zu more results given up than can be "
                "kept (%d): their rows stay 'sending' until the next start",
                r->w->index, over, DELIVER_LOST_MAX);
    }
}

/* deliver_snap_close - end the renders' read snapshot (deliver_render),
 * before the worker writes or waits: a write cannot start from an old
 * snapshot, and an open one keeps checkpoints from finishing */
static void
deliver_snap_close(struct deliver_run *r)
{
    if (r->snap_open) {
        db_snap_end(r->db);
        r->snap_open = 0;
    }
}

/* deliver_flush - store pending results; on success empty the journal */
static void
deliver_flush(struct deliver_run *r)
{
    struct err err;
    int suspended = 0;

    if (r->nres == 0)
        return;
    deliver_snap_close(r);
    for (int tries = 0; tries < 20; tries++) {
        err_init(&err);
        int rc;
        pthread_mutex_lock(&r->d->write_mu);
        rc = outbox_record(r->db, r->d->cfg, r->res, r->nres, &suspended, &err);
        pthread_mutex_unlock(&r->d->write_mu);
        if (rc == 0) {
            deliver_stored(r);
            return;
        }
        if (err.kind != ERR_TEMP)
            break;
        deliver_sleep_ms(50);
    }
    /* keep them for the next flush while there is room; otherwise give
     * them up: the rows stay 'sending' (the lease never takes back this
     * process's claims) until the worker records them before a later
     * claim (deliver_give_up) */
    log_err("deliver: cannot record %zu results: %s", r->nres, err.msg);
    if (r->nres == DELIVER_BATCH)
        deliver_give_up(r);
}

/* deliver_push - queue a result; flush at DELIVER_BATCH results or after
 * DELIVER_FLUSH_MS (usually the next claim stores them first) */
static void
deliver_push(struct deliver_run *r, const struct outbox_result *res)
{
    if (r->nres == 0)
        r->first_res = deliver_mono();
    r->res[r->nres++] = *res;
    if (r->nres == DELIVER_BATCH ||
        deliver_mono() - r->first_res >= DELIVER_FLUSH_MS / 1000.0)
        deliver_flush(r);
}

/* deliver_journal - remember an accepted message before it is recorded */
static void
deliver_journal(struct deliver_run *r, const struct outbox_result *res)
{
    char line[DELIVER_JLINE];
    int n;

    if (r->journal == -1)
        return;
    n = snprintf(line, sizeof(line), "%" PRId64 " %" PRId64 " %s\n", res->id,
                 res->at, res->reply);
    if (n >= (int)sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    /* one write(2): it reaches the page cache, which survives kill -9 */
    if (write(r->journal, line, (size_t)n) != n)
        log_warn_errno("deliver: journal write failed");
    else
        r->jused += n;
}

/* deliver_render - the message for a claimed row into msg.  The renders
 * of one claim read one snapshot, opened by the first of them and closed
 * before the worker's next write or sleep (deliver_snap_close), before a
 * wait on the server that may be long (deliver_snap_wait), and after
 * DELIVER_SNAP_MAX_S: between the messages of a claim the page cache
 * stays valid, where a read transaction per message found it emptied by
 * other workers' commits nearly every time.  A render sees the database
 * as of at most DELIVER_SNAP_MAX_S before it. */
static int
deliver_render(struct deliver_run *r, const struct outbox_row *row,
               struct buf *msg, struct err *err)
{
    int rc;

    buf_reset(msg);
    if (r->snap_open && deliver_mono() - r->snap_at > DELIVER_SNAP_MAX_S)
        deliver_snap_close(r);
    if (!r->snap_open) {
        int64_t pv;
        if (db_snap_begin(r->db, err) == -1)
            return -1;
        r->snap_open = 1;
        r->snap_at = deliver_mono();
        if (db_papers_version(r->db, &pv, err) == -1) {
            deliver_snap_close(r);
            return -1;
        }
        compose_snapshot(r->compose, pv);
    }
    if (row->kind == OUTBOX_DIGEST)
        rc = compose_digest_message(r->compose, r->db, row->digest_id,
                                    row->message_id, msg, err);
    else if (row->kind == OUTBOX_MANAGE)
        rc = compose_manage_message(r->compose, r->db, row->subscription_id,
                                    row->issued_at, row->message_id, msg, err);
    else
        rc = compose_confirm_message(r->compose, r->db, row->subscription_id,
                                     row->issued_at, row->message_id, msg, err);
    if (rc == -1)
        deliver_snap_close(r); /* the next render starts afresh */
    return rc;
}

/* deliver_result - count a result, journal it when accepted, queue it */
static void
deliver_result(struct deliver_run *r, struct outbox_result *res)
{
    struct deliver *d = r->d;

    res->at = str_now();
    switch (res->outcome) {
    case OUTBOX_OK:
        atomic_fetch_add(&d->delivered, 1);
        deliver_journal(r, res);
        break;
    case OUTBOX_TEMP:
        atomic_fetch_add(&d->deferred, 1);
        break;
    case OUTBOX_BOUNCE:
        atomic_fetch_add(&d->bounced, 1);
        break;
    default:
        atomic_fetch_add(&d->failed, 1);
        break;
    }
    deliver_push(r, res);
}

/* deliver_smtp_result - the outcome of row id from an SMTP reply */
static void
deliver_smtp_result(struct deliver_run *r, int64_t id,
                    const struct smtp_result *sr)
{
    struct outbox_result res;

    memset(&res, 0, sizeof(res));
    res.id = id;
    (void)str_copy(res.reply, sizeof(res.reply), sr->reply);
    switch (sr->status) {
    case SMTP_SENT:
        res.outcome = OUTBOX_OK;
        break;
    case SMTP_BOUNCE:
        res.outcome = OUTBOX_BOUNCE;
        res.unknown_user = sr->unknown_user;
        break;
    case SMTP_PERM:
        res.outcome = OUTBOX_PERM;
        break;
    case SMTP_TEMP:
    default:
        res.outcome = OUTBOX_TEMP;
        break;
    }
    deliver_result(r, &res);
}

/* deliver_close - drop the session */
static void
deliver_close(struct deliver_run *r)
{
    atomic_store(&r->w->fd, -1);
    smtp_close(r->smtp);
    r->smtp = NULL;
}

/* deliver_settle - read the reply to the message still pending, if any */
static void
deliver_settle(struct deliver_run *r)
{
    struct smtp_result sr;

    if (!smtp_pending(r->smtp))
        return;
    (void)smtp_finish(r->smtp, &sr);
    deliver_smtp_result(r, r->pending_id, &sr);
    r->pending_id = 0;
    if (sr.session_lost || atomic_load(&r->d->stopping) > 1)
        deliver_close(r);
}

/* deliver_reachable - a session opened (why == NULL) or failed to: the
 * relay counts as unreachable from its first failure until a session
 * opens again (deliver_stats.smtp_down_since) */
static void
deliver_reachable(struct deliver *d, const char *why)
{
    pthread_mutex_lock(&d->mu);
    if (why == NULL) {
        d->smtp_down_since = 0;
        d->smtp_error[0] = '\0';
    } else {
        if (d->smtp_down_since == 0)
            d->smtp_down_since = str_now();
        (void)str_copy(d->smtp_error, sizeof(d->smtp_error), why);
    }
    pthread_mutex_unlock(&d->mu);
}

/* deliver_open - a session for this worker; -1 with *res filled */
static int
deliver_open(struct deliver_run *r, struct outbox_result *res)
{
    struct deliver *d = r->d;
    struct smtp_cancel cancel = {&r->w->fd, &d->stopping};
    struct err err;

    err_init(&err);
    if (smtp_open_cancel(d->cfg, &cancel, &r->smtp, &err) == 0) {
        r->last_session_err[0] = '\0';
        atomic_store(&r->w->fd, smtp_fd(r->smtp));
        deliver_reachable(d, NULL);
        return 0;
    }
    atomic_store(&r->w->fd, -1);
    deliver_reachable(d, err.msg);
    res->outcome = OUTBOX_TEMP;
    (void)str_copy(res->reply, sizeof(res->reply), err.msg);
    if (strcmp(err.msg, r->last_session_err) != 0) {
        log_warn("%s", err.msg);
        (void)str_copy(r->last_session_err, sizeof(r->last_session_err),
                       err.msg);
    }
    r->session_failed = 1;
    return -1;
}

/* deliver_sign - the message as it goes out: signed when [dkim] is on
 * (*out points at r->signed_msg), else msg itself; -1 with err when a
 * signature cannot be made (the message must not go unsigned) */
static int
deliver_sign(struct deliver_run *r, struct buf *msg, struct buf **out,
             struct err *err)
{
    if (r->dkim == NULL) {
        *out = msg;
        return 0;
    }
    buf_reset(&r->signed_msg);
    if (dkim_sign_message(r->dkim, buf_str(msg), msg->len, &r->signed_msg,
                          err) == -1)
        return -1;
    buf_add(&r->signed_msg, buf_str(msg), msg->len);
    if (buf_check(&r->signed_msg, err) == -1) {
        err->kind = ERR_PERM;
        return -1;
    }
    *out = &r->signed_msg;
    return 0;
}

/* deliver_envelope_from - the envelope sender of row: bounces+TOKEN@
 * [bounces] return_path_domain (see verp.h) when that is set, else the
 * From address */
static const char *
deliver_envelope_from(struct deliver_run *r, const struct outbox_row *row,
                      char *out, size_t size)
{
    struct deliver *d = r->d;

    if (d->verp_domain[0] == '\0' ||
        verp_address(d->key, row->subscription_id, row->issued_at,
                     d->verp_domain, out, size) == -1)
        return d->from;
    return out;
}

/*
 * deliver_snap_wait - before smtp_begin(), which waits on the server:
 * end the renders' snapshot when the server was slow on the last
 * message (an exchange over DELIVER_NET_SLOW_S) or the snapshot is old,
 * so that no snapshot stays open across a slow server's replies, holding
 * back checkpoints (at most once: the first slow exchange sets net_slow).
 * On a quick server the snapshot lasts its claim, and the page cache
 * with it.
 */
static void
deliver_snap_wait(struct deliver_run *r)
{
    if (r->snap_open &&
        (r->net_slow || deliver_mono() - r->snap_at > DELIVER_SNAP_MAX_S))
        deliver_snap_close(r);
}

/*
 * deliver_one - render and send one row; its result is queued now, or,
 * when its content went out over SMTP, once the server's reply is read:
 * during the next message's envelope (smtp_begin) or by deliver_settle().
 * So the worker renders message N+1 while the server takes message N.
 */
static void
deliver_one(struct deliver_run *r, const struct outbox_row *row,
            struct buf *msg)
{
    struct deliver *d = r->d;
    struct smtp_result sr, prev;
    struct outbox_result res;
    struct err err;
    struct buf *rendered = msg;
    char from[VERP_MAX];
    int prev_done, rc;
    double t0;

    memset(&res, 0, sizeof(res));
    res.id = row->id;
    err_init(&err);
    if (deliver_render(r, row, rendered, &err) == -1 ||
        buf_check(rendered, &err) == -1) {
        res.outcome = err.kind == ERR_TEMP ? OUTBOX_TEMP : OUTBOX_PERM;
        snprintf(res.reply, sizeof(res.reply), "cannot render: %s", err.msg);
        log_warn("deliver: outbox=%" PRId64 ": %s", row->id, res.reply);
        deliver_result(r, &res);
        return;
    }
    if (deliver_sign(r, rendered, &msg, &err) == -1) {
        /* deferred, never sent unsigned: a key that signed at start
         * fails only for a passing reason (memory, the library) */
        res.outcome = err.kind == ERR_TEMP ? OUTBOX_TEMP : OUTBOX_PERM;
        snprintf(res.reply, sizeof(res.reply), "cannot sign: %s", err.msg);
        log_warn("deliver: outbox=%" PRId64 ": %s", row->id, res.reply);
        deliver_result(r, &res);
        return;
    }
    if (d->cfg->smtp_rate > 0)
        deliver_snap_close(r); /* (it may sleep) */
    deliver_rate_wait(d);
    if (d->cfg->smtp_url[0] == '\0') {
        char name[512];
        if (maildir_deliver(d->cfg->maildir, buf_str(msg), msg->len, name,
                            sizeof(name), &err) == -1) {
            res.outcome = OUTBOX_TEMP;
            (void)str_copy(res.reply, sizeof(res.reply), err.msg);
        } else {
            res.outcome = OUTBOX_OK;
            snprintf(res.reply, sizeof(res.reply), "maildir %s", name);
        }
        deliver_result(r, &res);
        return;
    }
    /* a session lost before any of this message went out (found while
     * reading the previous message's reply) is reopened once at once */
    for (int attempt = 0; attempt < 2; attempt++) {
        if (r->smtp == NULL)
            deliver_snap_close(r); /* (connecting may take long) */
        if (r->smtp == NULL && deliver_open(r, &res) == -1) {
            /* foreground: the run stops and the message was never tried,
             * so it stays queued; the daemon counts it towards give-up
             * so a relay that stays down cannot keep mail forever */
            if (d->flags & DELIVER_FOREGROUND) {
                res.outcome = OUTBOX_UNCLAIM;
                deliver_push(r, &res);
            } else {
                deliver_result(r, &res);
            }
            return;
        }
        deliver_snap_wait(r);
        t0 = deliver_mono();
        rc = smtp_begin(r->smtp,
                        deliver_envelope_from(r, row, from, sizeof(from)),
                        row->rcpt, msg->len, &sr, &prev, &prev_done);
        /* record the previous message before this one's content leaves:
         * never more than one accepted message per session unjournaled */
        if (prev_done) {
            deliver_smtp_result(r, r->pending_id, &prev);
            r->pending_id = 0;
        }
        if (rc == 0 && smtp_data(r->smtp, buf_str(msg), msg->len, &sr) == 0) {
            r->pending_id = row->id;
            r->net_slow = deliver_mono() - t0 > DELIVER_NET_SLOW_S;
            return;
        }
        if (sr.session_lost || atomic_load(&d->stopping) > 1)
            deliver_close(r);
        if (!sr.unsent || atomic_load(&d->stopping))
            break;
    }
    if (sr.unsent && atomic_load(&d->stopping)) {
        /* stopping: nothing of it went out and it is not tried again
         * now, so it goes back to the queue as it was (no attempt) */
        res.outcome = OUTBOX_UNCLAIM;
        deliver_push(r, &res);
        return;
    }
    deliver_smtp_result(r, row->id, &sr);
}

/* deliver_nap - wait ms or until stopping */
static void
deliver_nap(struct deliver *d, long ms)
{
    struct timespec until;

    timespec_get(&until, TIME_UTC);
    until.tv_sec += ms / 1000;
    pthread_mutex_lock(&d->mu);
    while (!atomic_load(&d->stopping))
        if (pthread_cond_timedwait(&d->cv, &d->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&d->mu);
}

/*
 * deliver_session_failed - no session could be opened.  In the
 * foreground the run stops (the rest of the queue stays queued) and the
 * error is kept for the summary; in the daemon the worker hands back its
 * claim and waits DELIVER_RECONNECT_S before trying again, so a broken
 * relay is not hammered.
 */
static void
deliver_session_failed(struct deliver_run *r)
{
    struct deliver *d = r->d;

    if (d->flags & DELIVER_FOREGROUND) {
        pthread_mutex_lock(&d->mu);
        if (d->error[0] == '\0')
            (void)str_copy(d->error, sizeof(d->error), r->last_session_err);
        atomic_store(&d->stopping, 1);
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        return;
    }
    r->hand_back = 1;
    r->hand_back_nap_ms = DELIVER_RECONNECT_S * 1000L;
}

/* deliver_idle - wait for a wake-up, a stop or the poll interval; 1 when
 * woken or stopping, 0 when the interval passed without either */
static int
deliver_idle(struct deliver *d, unsigned *seen)
{
    struct timespec until;
    int woken;

    timespec_get(&until, TIME_UTC);
    until.tv_sec += DELIVER_IDLE_MS / 1000;
    pthread_mutex_lock(&d->mu);
    while (*seen == d->wake_seq && !atomic_load(&d->stopping)) {
        if (pthread_cond_timedwait(&d->cv, &d->mu, &until) != 0)
            break;
    }
    woken = *seen != d->wake_seq || atomic_load(&d->stopping);
    *seen = d->wake_seq;
    pthread_mutex_unlock(&d->mu);
    return woken;
}

/*
 * deliver_replay_own - the worker gave up results (deliver_flush): mark
 * the rows its journal says were accepted as sent, so that they are
 * recorded while this process runs, not only at the next start.  Once
 * that worked, the journal need not be kept for them.  Under write_mu.
 */
static void
deliver_replay_own(struct deliver_run *r)
{
    char path[4200];
    struct err err;
    int64_t n = 0;

    err_init(&err);
    if (deliver_journal_path(r->d->cfg, r->w->index, path, sizeof(path)) ==
            -1 ||
        deliver_replay_file(r->db, path, &n, &err) == -1)
        return; /* still refused: again before the next claim */
    log_info("deliver: worker %d: %" PRId64 " accepted messages whose "
             "results were given up recorded as sent from the journal",
             r->w->index, r->given_up);
    r->given_up = 0;
}

/*
 * deliver_record_lost - record the results the worker gave up other than
 * accepted ones (deliver_give_up) as what they were: a deferral with its
 * backoff from when the reply came (or 'failed' past give_up_after), a
 * bounce (counted then), a failure, a hand-back.  All or none, in one
 * transaction; kept when refused, and tried again before the next claim.
 * Under write_mu.
 */
static void
deliver_record_lost(struct deliver_run *r)
{
    struct err err;
    int suspended = 0;

    err_init(&err);
    if (outbox_record(r->db, r->d->cfg, r->lost, r->nlost, &suspended, &err) ==
        -1)
        return; /* still refused: again before the next claim */
    log_info("deliver: worker %d: %zu results given up earlier (deferred, "
             "bounced, failed or handed back) recorded",
             r->w->index, r->nlost);
    free(r->lost);
    r->lost = NULL;
    r->nlost = 0;
}

/*
 * deliver_claim - outbox_claim() under the workers' write mutex.  The
 * workers' claims and result batches are short write transactions; when
 * two of them meet inside SQLite the loser sleeps in SQLite's busy
 * handler (1, 2, 5, 10 ... ms) longer than the holder needs.  A mutex
 * hands over the moment the holder is done.  Other processes (the web) still
 * meet the busy timeout.
 */
static int
deliver_claim(struct deliver_run *r, struct outbox_row *rows, size_t *n,
              int64_t *dropped, struct err *err)
{
    int rc, suspended = 0, stored = 0;

    /* the results so far go in the claim's transaction: one commit
     * instead of two (see outbox_record_claim) */
    deliver_snap_close(r);
    pthread_mutex_lock(&r->d->write_mu);
    if (r->given_up > 0)
        deliver_replay_own(r);
    if (r->nlost > 0)
        deliver_record_lost(r);
    rc = outbox_record_claim(r->db, r->d->cfg, r->res, r->nres, &suspended,
                             str_now(), rows, r->claim_size, n, dropped, err);
    if (rc == -1 && err->kind != ERR_TEMP && r->nres > 0) {
        /* a result that cannot be stored must not stop the claims: claim
         * alone, and leave the results to deliver_flush(), which logs
         * and keeps them */
        log_warn("deliver: worker %d: storing results with a claim: %s",
                 r->w->index, err->msg);
        err_init(err);
        rc = outbox_claim(r->db, str_now(), rows, r->claim_size, n, dropped,
                          err);
    } else if (rc == 0 && r->nres > 0) {
        stored = 1;
    }
    pthread_mutex_unlock(&r->d->write_mu);
    if (stored)
        deliver_stored(r);
    /* a long queue: claim more at a time, so there are fewer commits,
     * each of which empties every other worker's SQLite page cache; a
     * short one goes back to small claims that spread over the sessions.
     * Never with a rate limit, where a big claim could outlast its lease */
    if (rc == 0 && *n == r->claim_size && r->d->cfg->smtp_rate <= 0 &&
        r->claim_size < DELIVER_CLAIM_MAX)
        r->claim_size *= 2;
    else if (rc == 0 && *n < r->claim_size)
        r->claim_size = DELIVER_CLAIM;
    return rc;
}

/*
 * deliver_make_room - before a message goes out: room in the journal for
 * its line, storing the results so far first when the reserve is used
 * up.  0 when the message may go; -1 when it may not (nothing could be
 * stored and the disk gives no room) with the cause in msg.
 */
static int
deliver_make_room(struct deliver_run *r, char *msg, size_t size)
{
    if (deliver_has_room(r))
        return 0;
    deliver_flush(r);
    if (r->nres == 0 && !deliver_has_room(r))
        deliver_reserve(r);
    if (!deliver_has_room(r) && r->journal != -1)
        deliver_reserve(r); /* grow it: results are kept */
    if (deliver_has_room(r))
        return 0;
    snprintf(msg, size, "cannot record delivery results: %s%s",
             r->nres > 0 ? "the database refuses them, and " : "",
             r->journal == -1 ? "there is no journal"
             : r->jerr[0]     ? r->jerr
                              : "the journal is full");
    return -1;
}

/* deliver_pause - the daemon's worker waits: counted in
 * deliver_stats.paused, with why as the cause and code for it */
static void
deliver_pause(struct deliver_run *r, const char *code, const char *why)
{
    struct deliver *d = r->d;

    pthread_mutex_lock(&d->mu);
    (void)str_copy(d->store_error, sizeof(d->store_error), why);
    (void)str_copy(d->paused_code, sizeof(d->paused_code), code);
    if (!r->paused) {
        r->paused = 1;
        atomic_fetch_add(&d->paused, 1);
    }
    pthread_mutex_unlock(&d->mu);
}

/* deliver_resume - the worker no longer waits; logs what works again */
static void
deliver_resume(struct deliver_run *r, const char *what)
{
    struct deliver *d = r->d;

    if (!r->paused)
        return;
    pthread_mutex_lock(&d->mu);
    r->paused = 0;
    if (atomic_fetch_sub(&d->paused, 1) == 1) {
        d->store_error[0] = '\0';
        d->paused_code[0] = '\0';
    }
    pthread_mutex_unlock(&d->mu);
    if (!atomic_load(&d->stopping))
        log_info("deliver: worker %d: %s", r->w->index, what);
}

/*
 * deliver_stuck - no result could be recorded: stop taking messages.
 * The message in flight is settled (its line still fits: room is kept
 * for two).  In the foreground the run stops with the cause; in the
 * daemon the worker reports itself paused, retries the store every
 * DELIVER_STUCK_RETRY_MS until it works, and then hands the rest of its
 * claim back, so that the rows are claimed again (and checked again:
 * whoever left during the pause gets nothing).
 */
static void
deliver_stuck(struct deliver_run *r, const char *why)
{
    struct deliver *d = r->d;
    char again[256];

    deliver_settle(r);
    log_err("deliver: worker %d: %s; not sending until it can", r->w->index,
            why);
    pthread_mutex_lock(&d->mu);
    if (d->flags & DELIVER_FOREGROUND) {
        if (d->error[0] == '\0')
            (void)str_copy(d->error, sizeof(d->error), why);
        atomic_store(&d->stopping, 1);
        pthread_cond_broadcast(&d->cv);
        pthread_mutex_unlock(&d->mu);
        return;
    }
    pthread_mutex_unlock(&d->mu);
    deliver_pause(r, "store_error", why);
    while (!atomic_load(&d->stopping)) {
        deliver_nap(d, DELIVER_STUCK_RETRY_MS);
        if (deliver_make_room(r, again, sizeof(again)) == 0)
            break;
    }
    deliver_resume(r, "results are recorded again");
    r->hand_back = 1;
}

/*
 * deliver_claim_failed - a claim failed with err (after busy retries).
 * In the foreground the run stops and says why (exit 1); the daemon's
 * worker reports itself paused and tries again after
 * DELIVER_STUCK_RETRY_MS: a worker that exited would never be started
 * again.  0 to go on, -1 to stop.
 */
static int
deliver_claim_failed(struct deliver_run *r, const struct err *err)
{
    struct deliver *d = r->d;
    char why[256];

    if (!r->paused)
        log_err("deliver: worker %d: %s", r->w->index, err->msg);
    if (d->flags & DELIVER_FOREGROUND) {
        pthread_mutex_lock(&d->mu);
        if (d->error[0] == '\0')
            (void)snprintf(d->error, sizeof(d->error), "%s", err->msg);
        pthread_mutex_unlock(&d->mu);
        return -1;
    }
    snprintf(why, sizeof(why), "cannot claim mail: %s", err->msg);
    deliver_pause(r, "claim_error", why);
    deliver_nap(d, DELIVER_STUCK_RETRY_MS);
    return 0;
}

/* deliver_worker_main - one worker thread */
static void *
deliver_worker_main(void *arg)
{
    struct deliver_worker *w = arg;
    struct deliver *d = w->d;
    struct deliver_run *r = xcalloc(1, sizeof(*r));
    struct outbox_row *rows = xcalloc(DELIVER_CLAIM_MAX, sizeof(*rows));
    struct buf msg;
    struct err err;
    char path[4200];
    char why[256];
    unsigned seen = 0;
    int busy_naps = 0, worked = 0;

    /* stop signals are the main thread's: a worker waiting in a TLS read
     * must not see EINTR and call a live session lost */
    {
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
    }
    r->d = d;
    r->w = w;
    r->claim_size = DELIVER_CLAIM;
    r->journal = -1;
    buf_init(&msg, DELIVER_MSG_MAX);
    buf_init(&r->signed_msg, DELIVER_MSG_MAX + 16384);
    err_init(&err);
    if (db_open(d->cfg->db_path, d->cfg->busy_timeout_ms, &r->db, &err) == -1 ||
        compose_new(d->cfg, d->key, &r->compose, &err) == -1 ||
        dkim_signer_new(d->cfg, &r->dkim, &err) == -1) {
        log_err("deliver: worker %d: %s", w->index, err.msg);
        goto out;
    }
    /* the composers' paper caches share one budget: 8 MB each (a day of
     * ~2,000 papers) up to 4 workers, less each beyond, so that 16
     * sessions on a varied day stay well under the memory target */
    compose_set_cache_bytes(r->compose, DELIVER_COMPOSE_CACHE /
                                            (size_t)(d->nw < 4 ? 4 : d->nw));
    /* the page caches share one budget too: 4 MB each up to 4 workers,
     * 1 MB each at 16.  A claim's renders read one snapshot
     * (deliver_render), so what a cache holds lasts the claim: the day's
     * papers that its digests carry (5,000 digests of bench/send_e2e:
     * 4.4 page reads per message with 512 KB each, 2.5 with 4 MB) */
    {
        char sql[64];
        size_t kib = DELIVER_CACHE_KIB / (size_t)(d->nw < 4 ? 4 : d->nw);
        snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%zu", kib);
        (void)db_exec(r->db, sql, NULL);
    }
    /* a lone worker maps the database, so page reads are not pread
     * calls; with several, each one's commits make SQLite drop the
     * others' mapping at their next read (pagerBeginReadTransaction:
     * the WAL changed), and unmapping, mapping and faulting the pages
     * in again costs more than the mapped reads save (bench/README.md) */
    if (d->nw == 1)
        (void)db_exec(r->db, "PRAGMA mmap_size = 268435456", NULL);
    if (deliver_journal_path(d->cfg, w->index, path, sizeof(path)) == 0) {
        r->journal =
            datafile_open(path, O_WRONLY | O_CREAT | O_APPEND, 0600, &err);
        if (r->journal == -1)
            log_warn("deliver: journal: %s", err.msg);
    }
    deliver_reserve(r);
    pthread_mutex_lock(&d->mu);
    seen = d->wake_seq;
    pthread_mutex_unlock(&d->mu);
    while (!atomic_load(&d->stopping)) {
        size_t n = 0;
        int64_t dropped = 0;
        /* read before the claim: a chunk committed just before
         * deliver_fed() is then seen by this claim or the next */
        int fed = !atomic_load(&d->feeding);
        err_init(&err);
        if (deliver_claim(r, rows, &n, &dropped, &err) == -1) {
            if (err.kind == ERR_TEMP && busy_naps++ < 100) {
                deliver_sleep_ms(20);
                continue;
            }
            busy_naps = 0;
            if (deliver_claim_failed(r, &err) == -1)
                break;
            continue;
        }
        busy_naps = 0;
        deliver_resume(r, "claims work again");
        atomic_fetch_add(&d->dropped, dropped);
        if (n == 0) {
            deliver_settle(r);
            deliver_flush(r);
            if ((d->flags & DELIVER_FOREGROUND) && fed)
                break;
            if (d->flags & DELIVER_FOREGROUND) {
                (void)deliver_idle(d, &seen); /* more is being queued */
                continue;
            }
            if (!deliver_idle(d, &seen) && worked) {
                /* a whole idle period without work after some: give back
                 * the page cache and the composer's caches (serve then
                 * returns the heap to the kernel) */
                db_release_memory(r->db);
                compose_trim(r->compose);
                worked = 0;
            }
            continue;
        }
        worked = 1;
        for (size_t i = 0; i < n; i++) {
            if (atomic_load(&d->stopping) || r->hand_back) {
                /* stop: hand back what was claimed but not attempted */
                struct outbox_result res;
                memset(&res, 0, sizeof(res));
                res.id = rows[i].id;
                res.outcome = OUTBOX_UNCLAIM;
                deliver_push(r, &res);
                continue;
            }
            if (deliver_make_room(r, why, sizeof(why)) == -1) {
                /* foreground: stops, and the rest is handed back; the
                 * daemon: returns once results are recorded again */
                deliver_snap_close(r);
                deliver_stuck(r, why);
                i--;
                continue;
            }
            r->session_failed = 0;
            deliver_one(r, &rows[i], &msg);
            if (r->session_failed)
                deliver_session_failed(r);
        }
        deliver_snap_close(r);
        if (r->hand_back) {
            deliver_settle(r);
            deliver_flush(r);
            if (r->hand_back_nap_ms > 0)
                deliver_nap(d, r->hand_back_nap_ms);
            r->hand_back = 0;
            r->hand_back_nap_ms = 0;
        }
        if (r->nres > 0 &&
            deliver_mono() - r->first_res >= DELIVER_FLUSH_MS / 1000.0)
            deliver_flush(r);
    }
out:
    deliver_snap_close(r);
    deliver_settle(r);
    deliver_flush(r);
    deliver_resume(r, "stopped");
    if (r->nres > 0 || r->given_up > 0 || r->nlost > 0 || r->abandoned > 0)
        atomic_fetch_add(&d->unstored, (long long)r->nres + r->given_up +
                                           (long long)r->nlost + r->abandoned);
    atomic_store(&w->fd, -1);
    smtp_close(r->smtp);
    compose_free(r->compose);
    dkim_signer_free(r->dkim);
    buf_release(&r->signed_msg);
    db_close(r->db);
    if (r->journal != -1) {
        close(r->journal);
        /* everything it held is stored: no need to keep the file */
        if (r->nres == 0 && r->given_up == 0 &&
            deliver_journal_path(d->cfg, w->index, path, sizeof(path)) == 0)
            (void)unlink(path);
    }
    buf_release(&msg);
    free(rows);
    free(r->lost);
    free(r);
    pthread_mutex_lock(&d->mu);
    atomic_fetch_sub(&d->running, 1);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

/* deliver_lock - take <db>-deliver.lock; ERR_TEMP when held elsewhere */
static int
deliver_lock(const struct config *cfg, struct err *err)
{
    char path[4200];
    int fd;

    snprintf(path, sizeof(path), "%s-deliver.lock", cfg->db_path);
    fd = datafile_open(path, O_RDWR | O_CREAT, 0600, err);
    if (fd == -1) {
        err_prefix(err, "deliver");
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        err_set(err, ERR_TEMP,
                "deliver: another paperboy process is delivering mail "
                "(lock '%s' is held)",
                path);
        close(fd);
        return -1;
    }
    return fd;
}

/* deliver_release_sync - the delivery lock and the locks and condition
 * of d, once no worker runs */
static void
deliver_release_sync(struct deliver *d)
{
    if (d->lock_fd != -1)
        close(d->lock_fd);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->rate_mu);
    pthread_mutex_destroy(&d->write_mu);
}

int
deliver_start(const struct config *cfg, const struct token_key *key, int flags,
              struct deliver **out, struct err *err)
{
    struct deliver *d = xcalloc(1, sizeof(*d));
    struct db *db = NULL;
    int64_t requeued = 0;

    /* a write to a session the server (or deliver_stop) closed must be
     * an error, not a SIGPIPE that kills the process */
    (void)signal(SIGPIPE, SIG_IGN);
    d->cfg = cfg;
    d->key = key;
    d->flags = flags;
    atomic_store(&d->feeding, (flags & DELIVER_FEEDING) != 0);
    d->lock_fd = -1;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    pthread_mutex_init(&d->rate_mu, NULL);
    pthread_mutex_init(&d->write_mu, NULL);
    if (smtp_envelope_from(cfg, d->from, sizeof(d->from)) == -1) {
        err_set(err, ERR_PERM, "deliver: [smtp] from '%s' has no address",
                cfg->smtp_from);
        goto fail;
    }
    /* a key that cannot sign stops the start, before anything is sent */
    if (dkim_check_config(cfg, err) == -1)
        goto fail;
    if (cfg->bounce_domain[0] != '\0') {
        if (strpbrk(cfg->bounce_domain, "@<>()[],;:\\\" ") != NULL) {
            err_set(err, ERR_PERM,
                    "deliver: bad [bounces] return_path_domain '%s'",
                    cfg->bounce_domain);
            goto fail;
        }
        (void)str_copy(d->verp_domain, sizeof(d->verp_domain),
                       cfg->bounce_domain);
    }
    if (cfg->smtp_url[0] == '\0') {
        if (maildir_prepare(cfg->maildir, err) == -1)
            goto fail;
    } else if (!str_has_prefix(cfg->smtp_url, "smtp://") &&
               !str_has_prefix(cfg->smtp_url, "smtps://")) {
        err_set(err, ERR_PERM, "deliver: bad [smtp] url '%s'", cfg->smtp_url);
        goto fail;
    }
    if ((d->lock_fd = deliver_lock(cfg, err)) == -1)
        goto out; /* the one ERR_TEMP: another process delivers */
    if (db_open(cfg->db_path, cfg->busy_timeout_ms, &db, err) == -1)
        goto fail;
    if (deliver_replay(db, cfg, err) == -1 ||
        outbox_recover(db, &requeued, err) == -1)
        goto fail;
    if (requeued > 0)
        log_info("deliver: %" PRId64 " messages claimed by an earlier run "
                 "put back in the queue",
                 requeued);
    db_close(db);
    db = NULL;
    d->nw = cfg->smtp_connections > 0 ? cfg->smtp_connections : 1;
    if (d->nw > DELIVER_JOURNALS)
        d->nw = DELIVER_JOURNALS;
    d->w = xcalloc((size_t)d->nw, sizeof(*d->w));
    for (int i = 0; i < d->nw; i++) {
        d->w[i].d = d;
        d->w[i].index = i;
        atomic_init(&d->w[i].fd, -1);
        atomic_fetch_add(&d->running, 1);
        if (pthread_create(&d->w[i].thread, NULL, deliver_worker_main,
                           &d->w[i]) != 0) {
            atomic_fetch_sub(&d->running, 1);
            err_set(err, ERR_TEMP, "deliver: cannot start a thread");
            *out = NULL;
            deliver_stop(d);
            return -1;
        }
        d->w[i].started = 1;
    }
    *out = d;
    return 0;
fail:
    err->kind = ERR_PERM;
out:
    db_close(db);
    deliver_release_sync(d);
    free(d);
    return -1;
}

void
deliver_wake(struct deliver *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    d->wake_seq++;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void
deliver_fed(struct deliver *d)
{
    if (d == NULL)
        return;
    atomic_store(&d->feeding, 0);
    deliver_wake(d);
}

void
deliver_stats(struct deliver *d, struct deliver_stats *out)
{
    out->delivered = atomic_load(&d->delivered);
    out->deferred = atomic_load(&d->deferred);
    out->bounced = atomic_load(&d->bounced);
    out->failed = atomic_load(&d->failed);
    out->dropped = atomic_load(&d->dropped);
    out->unstored = atomic_load(&d->unstored);
    out->running = atomic_load(&d->running);
    out->workers = d->nw;
    pthread_mutex_lock(&d->mu);
    out->paused = atomic_load(&d->paused);
    (void)str_copy(out->store_error, sizeof(out->store_error), d->store_error);
    (void)str_copy(out->paused_code, sizeof(out->paused_code), d->paused_code);
    out->smtp_down_since = d->smtp_down_since;
    (void)str_copy(out->smtp_error, sizeof(out->smtp_error), d->smtp_error);
    (void)str_copy(out->error, sizeof(out->error), d->error);
    pthread_mutex_unlock(&d->mu);
}

int
deliver_done(struct deliver *d)
{
    return atomic_load(&d->running) == 0;
}

/* deliver_wait_exit - wait until no worker runs or ms passed; 1 if done */
static int
deliver_wait_exit(struct deliver *d, long ms)
{
    struct timespec until;
    int done;

    timespec_get(&until, TIME_UTC);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->mu);
    while (atomic_load(&d->running) > 0)
        if (pthread_cond_timedwait(&d->cv, &d->mu, &until) != 0)
            break;
    done = atomic_load(&d->running) == 0;
    pthread_mutex_unlock(&d->mu);
    return done;
}

void
deliver_stop(struct deliver *d)
{
    deliver_finish(d, NULL);
}

void
deliver_finish(struct deliver *d, struct deliver_stats *out)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    atomic_store(&d->stopping, 1);
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    /* give messages in flight most of the budget, then cut sessions
     * that are still blocked (a stalled server) */
    if (!deliver_wait_exit(d, DELIVER_STOP_MS - 2500)) {
        atomic_store(&d->stopping, 2);
        for (int i = 0; i < d->nw; i++) {
            int fd = atomic_load(&d->w[i].fd);
            if (fd != -1)
                (void)shutdown(fd, SHUT_RDWR);
        }
        (void)deliver_wait_exit(d, 2000);
    }
    for (int i = 0; i < d->nw; i++)
        if (d->w[i].started)
            pthread_join(d->w[i].thread, NULL);
    if (out)
        deliver_stats(d, out);
    deliver_release_sync(d);
    free(d->w);
    free(d);
}
