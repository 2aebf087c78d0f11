/* SPDX-License-Identifier: MIT */
/*
 * guard_pace - when a delivery batch's RCPT bounces have the guard judge
 * their mailing (see guard_pace.h).  A small table under a mutex, keyed
 * by the database file, so that every connection (worker) to one database
 * counts into one entry; a mailing that finds no free slot is simply
 * judged every time.
 */
#include "guard_pace.h"

#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#define GUARD_PACE_SLOTS 32

/* A database: its file, or for one without a file (":memory:", a
 * temporary database) or a path too long to keep, the connection; the
 * unix VFS caps paths at 512 bytes, so the fallback is not expected. */
struct guard_pace_dbid {
    const struct db *conn; /* when file is "" */
    char file[1024];
};

struct guard_pace_slot {
    int used;
    struct guard_pace_dbid id;
    struct guard_pace_key key;
    int64_t sent, hard; /* at the last judgement; sent -1: none counted */
    int64_t at;         /* when */
    int64_t k;          /* RCPT bounces since */
};

static pthread_mutex_t guard_pace_mu = PTHREAD_MUTEX_INITIALIZER;
static struct guard_pace_slot guard_pace_tab[GUARD_PACE_SLOTS];

/* guard_pace_id - the database db is connected to, into id */
static void
guard_pace_id(struct db *db, struct guard_pace_dbid *id)
{
    const char *f = sqlite3_db_filename(db_handle(db), "main");
    size_t len = f != NULL ? strlen(f) : 0;

    if (len == 0 || len >= sizeof(id->file)) {
        id->conn = db;
        id->file[0] = '\0';
    } else {
        id->conn = NULL;
        memcpy(id->file, f, len + 1);
    }
}

/* guard_pace_same - whether slot s is of database id */
static int
guard_pace_same(const struct guard_pace_slot *s,
                const struct guard_pace_dbid *id)
{
    return s->used && s->id.conn == id->conn &&
           strcmp(s->id.file, id->file) == 0;
}

/* guard_pace_find - the slot of (id, list_id, day), or NULL */
static struct guard_pace_slot *
guard_pace_find(const struct guard_pace_dbid *id, int64_t list_id,
                const char *day)
{
    for (int i = 0; i < GUARD_PACE_SLOTS; i++) {
        struct guard_pace_slot *s = &guard_pace_tab[i];
        if (guard_pace_same(s, id) && s->key.list_id == list_id &&
            strcmp(s->key.day, day) == 0)
            return s;
    }
    return NULL;
}

/* guard_pace_past - whether the bound (hard + k) / (sent + k) passes the
 * hard-bounce limit */
static int
guard_pace_past(const struct config *cfg, const struct guard_pace_slot *s)
{
    double hard = (double)(s->hard + s->k), sent = (double)(s->sent + s->k);

    return cfg->bounce_pause_hard > 0 &&
           hard * 100.0 > cfg->bounce_pause_hard * sent;
}

int
guard_pace_due(struct db *db, const struct config *cfg, int64_t list_id,
               const char *day, int k, int64_t now)
{
    struct guard_pace_dbid id;
    struct guard_pace_slot *s;
    int due;

    guard_pace_id(db, &id);
    pthread_mutex_lock(&guard_pace_mu);
    s = guard_pace_find(&id, list_id, day);
    if (s != NULL)
        s->k += k;
    due = s == NULL || s->sent < 0 || s->sent < cfg->bounce_pause_min ||
          now - s->at >= 1 || now < s->at || guard_pace_past(cfg, s);
    pthread_mutex_unlock(&guard_pace_mu);
    return due;
}

void
guard_pace_judged(struct db *db, int64_t list_id, const char *day,
                  const struct db_mailing *seen, int64_t now)
{
    struct guard_pace_dbid id;
    struct guard_pace_slot *s, *old = NULL;

    if (strlen(day) >= sizeof(s->key.day))
        return;
    guard_pace_id(db, &id);
    pthread_mutex_lock(&guard_pace_mu);
    s = guard_pace_find(&id, list_id, day);
    /* else a free slot, or the oldest with nothing pending: one with
     * bounces pending is kept for guard_pace_pending() */
    for (int i = 0; s == NULL && i < GUARD_PACE_SLOTS; i++) {
        struct guard_pace_slot *t = &guard_pace_tab[i];
        if (!t->used)
            s = t;
        else if (t->k == 0 && (old == NULL || t->at < old->at))
            old = t;
    }
    if (s == NULL)
        s = old;
    if (s != NULL) {
        s->used = 1;
        s->id = id;
        s->key.list_id = list_id;
        memcpy(s->key.day, day, strlen(day) + 1);
        s->sent = seen->sent;
        s->hard = seen->hard;
        s->at = now;
        s->k = 0;
    }
    pthread_mutex_unlock(&guard_pace_mu);
}

size_t
guard_pace_pending(struct db *db, struct guard_pace_key *out, size_t max)
{
    struct guard_pace_dbid id;
    size_t n = 0;

    guard_pace_id(db, &id);
    pthread_mutex_lock(&guard_pace_mu);
    for (int i = 0; i < GUARD_PACE_SLOTS && n < max; i++)
        if (guard_pace_same(&guard_pace_tab[i], &id) && guard_pace_tab[i].k > 0)
            out[n++] = guard_pace_tab[i].key;
    pthread_mutex_unlock(&guard_pace_mu);
    return n;
}
