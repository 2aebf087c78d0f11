/* SPDX-License-Identifier: MIT */
/*
 * collect - one collection run over the lists' sources (see collect.h).
 */
#include "collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "db_list.h"
#include "db_paper.h"
#include "fetch.h"
#include "log.h"
#include "source.h"
#include "str.h"
#include "xalloc.h"

enum collect_kind {
    COLLECT_RSS = 0, /* arXiv RSS listing for one category */
    COLLECT_HF = 1,  /* HF daily papers for one day */
};

/* One daily source of the plan. */
struct collect_src {
    enum collect_kind kind;
    char category[64]; /* arXiv category, RSS only */
    char url[1024];
    int replacements; /* store replace and replace-cross announcements */
};

/* What the selected lists ask for. */
struct collect_plan {
    struct collect_src *v; /* daily sources, deduplicated by URL */
    size_t n, cap;
    struct strlist categories; /* every category, for the backfill */
    const struct config *cfg;
    const char *day;
    size_t lists; /* lists seen */
    int bad;      /* a URL did not fit */
};

/* collect_stopped - 1 once the caller asked to stop */
static int
collect_stopped(const struct collect_opts *o)
{
    return fetch_stop_requested(o->stop);
}

/* collect_sleep_ms - sleep ms milliseconds (restarting after signals,
 * unless the caller asked to stop) */
static void
collect_sleep_ms(long ms, const struct collect_opts *o)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && !collect_stopped(o))
        ;
}

/* collect_plan_add - add a source unless its URL is already planned */
static void
collect_plan_add(struct collect_plan *pl, const struct collect_src *s)
{
    for (size_t i = 0; i < pl->n; i++)
        if (strcmp(pl->v[i].url, s->url) == 0) {
            if (s->replacements)
                pl->v[i].replacements = 1;
            return;
        }
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 8;
        pl->v = xrealloc(pl->v, pl->cap * sizeof(*pl->v));
    }
    pl->v[pl->n++] = *s;
}

/* collect_hf_url - hf_daily_url with ?date=DAY into out */
static int
collect_hf_url(const struct config *cfg, const char *day, char *out,
               size_t size)
{
    int n = snprintf(out, size, "%s%cdate=%s", cfg->hf_daily_url,
                     strchr(cfg->hf_daily_url, '?') ? '&' : '?', day);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* collect_plan_list - db_list_each callback: add one list's sources */
static int
collect_plan_list(const struct db_list *l, void *arg, struct err *err)
{
    struct collect_plan *pl = arg;
    const char *p = l->categories;

    (void)err;
    pl->lists++;
    while (*p) {
        size_t n = strcspn(p, ",");
        struct collect_src s;
        memset(&s, 0, sizeof(s));
        s.kind = COLLECT_RSS;
        s.replacements = l->include_replacements;
        if (n > 0 && n < sizeof(s.category)) {
            int k;
            memcpy(s.category, p, n);
            s.category[n] = '\0';
            str_trim(s.category);
            k = snprintf(s.url, sizeof(s.url), "%s%s", pl->cfg->arxiv_rss_url,
                         s.category);
            if (k < 0 || (size_t)k >= sizeof(s.url))
                pl->bad = 1;
            else if (s.category[0] != '\0') {
                collect_plan_add(pl, &s);
                strlist_add_unique(&pl->categories, s.category);
            }
        }
        p += n;
        if (*p == ',')
            p++;
    }
    if (l->include_hf) {
        struct collect_src s;
        memset(&s, 0, sizeof(s));
        s.kind = COLLECT_HF;
        if (collect_hf_url(pl->cfg, pl->day, s.url, sizeof(s.url)) == -1)
            pl->bad = 1;
        else
            collect_plan_add(pl, &s);
    }
    return 0;
}

/* collect_stat_push - a new zeroed stat in res */
static struct collect_stat *
collect_stat_push(struct collect_result *res, const char *source,
                  const char *url)
{
    struct collect_stat *s;

    res->v = xrealloc(res->v, (res->n + 1) * sizeof(*res->v));
    s = &res->v[res->n++];
    memset(s, 0, sizeof(*s));
    err_init(&s->err);
    str_copy(s->source, sizeof(s->source), source);
    str_copy(s->url, sizeof(s->url), url);
    return s;
}

/* collect_wanted - 1 if an RSS announcement of this type is stored */
static int
collect_wanted(const struct paper *p, int replacements)
{
    if (p->announce_type[0] == '\0' || strcmp(p->announce_type, "new") == 0 ||
        strcmp(p->announce_type, "cross") == 0)
        return 1;
    if (strcmp(p->announce_type, "replace") == 0 ||
        strcmp(p->announce_type, "replace-cross") == 0)
        return replacements;
    return 0; /* an announce type we do not know */
}

/* collect_record - the collect_runs row (and fetch_state error) for s;
 * failures here are logged, never fatal.  A source the stop cut short
 * (s->stopped) did not finish: its row has no finished_at, which the
 * readers of failures (the digest, /healthz, /metrics, stats) take as
 * not done, not as failed. */
static void
collect_record(struct db *db, const struct collect_stat *s, const char *day,
               int64_t started, int record_url_error)
{
    struct db_paper_run run;
    struct err e;

    err_init(&e);
    memset(&run, 0, sizeof(run));
    run.source = s->source;
    run.day = day;
    run.started_at = started;
    run.finished_at = s->stopped ? 0 : str_now();
    run.ok = s->ok;
    run.fetched = s->fetched;
    run.new_ = s->new_;
    run.updated = s->updated;
    run.skipped = s->skipped;
    run.failed = s->failed;
    run.duration_ms = s->duration_ms;
    run.error = s->ok ? NULL : s->err.msg;
    if (record_url_error && !s->ok &&
        db_paper_fetch_state_error(db, s->url, s->err.msg, &e) == -1)
        log_warn("collect: source=%s: %s", s->source, e.msg);
    if (db_paper_run_add(db, &run, &e) == -1)
        log_warn("collect: source=%s: %s", s->source, e.msg);
}

/*
 * collect_store - store papers for one source in one transaction together
 * with its fetch_state (when url is given); counts into s.
 */
static int
collect_store(struct db *db, struct collect_stat *s,
              const struct paper_list *papers, int replacements,
              const char *hf_day, const struct fetch_req *req, struct err *err)
{
    int64_t now = str_now();
    char today[16];
    const struct paper **want = NULL;
    enum db_paper_outcome *outs = NULL;
    size_t n = 0;

    str_format_day((time_t)now, today, sizeof(today));
    if (db_begin(db, err) == -1)
        return -1;
    if (papers->n > 0) {
        want = xcalloc(papers->n, sizeof(*want));
        outs = xcalloc(papers->n, sizeof(*outs));
    }
    for (size_t i = 0; i < papers->n; i++) {
        if (collect_wanted(&papers->v[i], replacements))
            want[n++] = &papers->v[i];
        else
            s->skipped++;
    }
    if (db_paper_store(db, want, n, now, today, hf_day, outs, err) == -1)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (outs[i] == DB_PAPER_NEW)
            s->new_++;
        else if (outs[i] == DB_PAPER_UPDATED)
            s->updated++;
        else
            s->unchanged++;
    }
    if (req != NULL && db_paper_fetch_state_ok(
                           db, req->url, req->new_etag, req->new_last_modified,
                           req->not_modified, now, err) == -1)
        goto fail;
    if (db_commit(db, err) == -1)
        goto fail;
    free(want);
    free(outs);
    return 0;
fail:
    db_rollback(db);
    free(want);
    free(outs);
    s->new_ = s->updated = s->unchanged = s->skipped = 0;
    return -1;
}

/* collect_warnings - log the entries a parser skipped */
static void
collect_warnings(const struct collect_stat *s, const struct source_feed *f)
{
    for (size_t i = 0; i < f->warnings.n; i++)
        log_warn("collect: source=%s: skipped %s", s->source, f->warnings.v[i]);
    if (f->invalid > f->warnings.n)
        log_warn("collect: source=%s: %zu more entries skipped", s->source,
                 f->invalid - f->warnings.n);
}

/* collect_fetch_opts - fetch options from the config; the caller's stop
 * flag (NULL: o is NULL) cuts the transfers in flight */
static void
collect_fetch_opts(const struct config *cfg, const struct collect_opts *o,
                   struct fetch_opts *fo)
{
    fetch_opts_default(fo);
    fo->stop = o != NULL ? o->stop : NULL;
    fo->connect_timeout = cfg->fetch_connect_timeout;
    fo->timeout = cfg->fetch_timeout;
    fo->max_bytes = cfg->fetch_max_bytes;
    fo->contact = cfg->contact ? cfg->contact : "";
}

/* collect_daily - fetch all daily sources in parallel, then store each */
static int
collect_daily(struct db *db, const struct config *cfg,
              const struct collect_plan *pl, const char *day,
              const struct collect_opts *o, struct collect_result *res,
              struct err *err)
{
    struct fetch_req *reqs;
    char **etags, **lms;
    struct fetch_opts fo;
    int64_t started = str_now(), t0 = str_mono_ms();
    int rc = -1;

    if (pl->n == 0)
        return 0;
    reqs = xcalloc(pl->n, sizeof(*reqs));
    etags = xcalloc(pl->n, sizeof(*etags));
    lms = xcalloc(pl->n, sizeof(*lms));
    for (size_t i = 0; i < pl->n; i++) {
        fetch_req_init(&reqs[i], pl->v[i].url,
                       pl->v[i].kind == COLLECT_HF ? FETCH_JSON : FETCH_XML);
        if (db_paper_fetch_state_get(db, pl->v[i].url, &etags[i], &lms[i],
                                     err) == -1)
            goto out;
        reqs[i].etag = etags[i];
        reqs[i].last_modified = lms[i];
    }
    collect_fetch_opts(cfg, o, &fo);
    fetch_all(reqs, pl->n, &fo);
    for (size_t i = 0; i < pl->n; i++) {
        const struct collect_src *src = &pl->v[i];
        const struct source_ops *ops =
            src->kind == COLLECT_HF ? &source_hf_ops : &source_rss_ops;
        struct fetch_req *r = &reqs[i];
        struct collect_stat *s;
        struct source_feed feed;
        char name[96];
        int64_t t1 = str_mono_ms();

        if (src->kind == COLLECT_HF)
            str_copy(name, sizeof(name), "hf-daily");
        else
            snprintf(name, sizeof(name), "arxiv-rss:%s", src->category);
        s = collect_stat_push(res, name, src->url);
        s->calls = r->attempts;
        source_feed_init(&feed);
        if (!r->ok) {
            s->err = r->err;
            s->stopped = r->stopped;
        } else if (r->not_modified) {
            s->not_modified = 1;
            if (collect_store(db, s, &feed.papers, 0, NULL, r, &s->err) == 0)
                s->ok = 1;
        } else if (ops->parse(buf_str(&r->body), r->body.len, &feed, &s->err) ==
                   -1) {
            err_prefix(&s->err, "'%s'", src->url);
        } else {
            s->fetched = (long)feed.entries;
            s->failed = (long)feed.invalid;
            collect_warnings(s, &feed);
            if (collect_store(db, s, &feed.papers, src->replacements,
                              src->kind == COLLECT_HF ? day : NULL, r,
                              &s->err) == 0)
                s->ok = 1;
        }
        source_feed_release(&feed);
        s->duration_ms = (long)(str_mono_ms() - t1) + r->elapsed_ms;
        (void)t0;
        /* a fetch the stop cut is no fault of the URL's: its collect_runs
         * row is unfinished, its fetch_state keeps the last real error */
        collect_record(db, s, day, started, !r->stopped);
    }
    rc = 0;
out:
    for (size_t i = 0; i < pl->n; i++) {
        fetch_req_release(&reqs[i]);
        free(etags[i]);
        free(lms[i]);
    }
    free(reqs);
    free(etags);
    free(lms);
    return rc;
}

/* collect_api_url - one arXiv API page URL into out */
static int
collect_api_url(const struct config *cfg, const char *cat, const char *from,
                const char *to, long start, char *out, size_t size)
{
    int n = snprintf(
        out, size,
        "%s%csearch_query=cat:%s+AND+submittedDate:%%5B%.4s%.2s%."
        "2s0000+TO+%.4s%.2s%.2s2359%%5D&sortBy=submittedDate&"
        "sortOrder=descending&start=%ld&max_results=%d",
        cfg->arxiv_api_url, strchr(cfg->arxiv_api_url, '?') ? '&' : '?', cat,
        from, from + 5, from + 8, to, to + 5, to + 8, start, COLLECT_API_PAGE);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* collect_api_delay - the pause between API calls, in ms */
static long
collect_api_delay(const struct config *cfg)
{
    return cfg->api_delay_ms > 0 ? cfg->api_delay_ms : 3000;
}

/* collect_backfill_one - page through the API for one category */
static void
collect_backfill_one(struct db *db, const struct config *cfg, const char *cat,
                     const char *from, const char *to, const char *day,
                     int64_t *last_call_ms, const struct collect_opts *o,
                     struct collect_result *res)
{
    struct paper_list all;
    struct collect_stat *s;
    struct fetch_opts fo;
    char name[96], url[1024];
    int64_t started = str_now(), t0 = str_mono_ms();
    long start = 0, total = -1;
    int empty_retry = 1;

    paper_list_init(&all);
    snprintf(name, sizeof(name), "arxiv-api:%s", cat);
    if (collect_api_url(cfg, cat, from, to, 0, url, sizeof(url)) == -1)
        url[0] = '\0';
    s = collect_stat_push(res, name, url);
    collect_fetch_opts(cfg, o, &fo);
    for (int page = 0; page < COLLECT_API_MAX_PAGES; page++) {
        struct fetch_req r;
        struct source_feed feed;
        int64_t since;
        size_t got;

        if (collect_api_url(cfg, cat, from, to, start, url, sizeof(url)) ==
            -1) {
            err_set(&s->err, ERR_PERM, "API URL too long");
            goto out;
        }
        /* arXiv asks for at least 3 s between calls */
        since = str_mono_ms() - *last_call_ms;
        if (*last_call_ms > 0 && since < collect_api_delay(cfg))
            collect_sleep_ms(collect_api_delay(cfg) - (long)since, o);
        if (collect_stopped(o)) {
            err_set(&s->err, ERR_TEMP, "stopped before it was done");
            s->stopped = 1;
            goto out;
        }
        fetch_req_init(&r, url, FETCH_XML);
        fetch_all(&r, 1, &fo);
        *last_call_ms = str_mono_ms();
        s->calls++;
        source_feed_init(&feed);
        if (!r.ok) {
            s->err = r.err;
            s->stopped = r.stopped;
        } else if (source_atom_ops.parse(buf_str(&r.body), r.body.len, &feed,
                                         &s->err) == -1) {
            err_prefix(&s->err, "'%s'", url);
        }
        fetch_req_release(&r);
        if (s->err.kind != ERR_NONE) {
            source_feed_release(&feed);
            goto out;
        }
        got = feed.entries;
        s->fetched += (long)feed.entries;
        s->failed += (long)feed.invalid;
        collect_warnings(s, &feed);
        if (feed.total_results >= 0)
            total = feed.total_results;
        /* move the papers into all */
        for (size_t i = 0; i < feed.papers.n; i++) {
            struct paper *p = paper_list_push(&all);
            *p = feed.papers.v[i];
            paper_init(&feed.papers.v[i]);
        }
        source_feed_release(&feed);
        if (got == 0 && total <= 0 && start == 0 && empty_retry) {
            /* an empty first page is sometimes spurious: retry once */
            empty_retry = 0;
            page--;
            continue;
        }
        start += (long)got;
        if (got == 0 || total < 0 || start >= total)
            break;
    }
    if (collect_store(db, s, &all, 1, NULL, NULL, &s->err) == 0)
        s->ok = 1;
out:
    paper_list_release(&all);
    s->duration_ms = (long)(str_mono_ms() - t0);
    collect_record(db, s, day, started, 0);
}

/* collect_day_minus - day minus n days as "YYYY-MM-DD" */
static int
collect_day_minus(const char *day, int n, char *out, size_t size)
{
    time_t t;

    if (str_day_to_time(day, &t) == -1)
        return -1;
    str_format_day(t - (time_t)n * 86400, out, size);
    return 0;
}

int
collect_run(struct db *db, const struct config *cfg,
            const struct collect_opts *o, struct collect_result *res,
            struct err *err)
{
    struct collect_plan pl;
    char day[16], from[16];
    size_t total;
    time_t t;
    int rc = -1;

    res->v = NULL;
    res->n = 0;
    memset(&pl, 0, sizeof(pl));
    strlist_init(&pl.categories);
    pl.cfg = cfg;
    if (o->date != NULL) {
        if (str_day_to_time(o->date, &t) == -1) {
            err_set(err, ERR_PERM, "bad date '%s' (want YYYY-MM-DD)", o->date);
            return -1;
        }
        str_format_day(t, day, sizeof(day));
    } else {
        str_format_day((time_t)str_now(), day, sizeof(day));
    }
    pl.day = day;
    if (o->backfill_days < 0 || o->backfill_days > COLLECT_BACKFILL_MAX) {
        err_set(err, ERR_PERM, "backfill must be 1 to %d days",
                COLLECT_BACKFILL_MAX);
        return -1;
    }
    if (o->list != NULL) {
        struct db_list l;
        int found = db_list_get(db, o->list, &l, err);
        if (found == -1)
            goto out;
        if (found == 1) {
            err_set(err, ERR_PERM, "no list named '%s'", o->list);
            goto out;
        }
        collect_plan_list(&l, &pl, err);
    } else if (db_list_each(db, collect_plan_list, &pl, err) == -1) {
        goto out;
    }
    if (pl.lists == 0) {
        err_set(err, ERR_PERM, "no lists to collect for");
        goto out;
    }
    if (pl.bad) {
        err_set(err, ERR_PERM, "a source URL is too long");
        goto out;
    }
    db_paper_tune(db);
    total = pl.n + (o->backfill_days > 0 ? pl.categories.n : 0);
    if (collect_daily(db, cfg, &pl, day, o, res, err) == -1)
        goto out;
    if (o->progress != NULL)
        o->progress(o->progress_arg, pl.n, total);
    if (o->backfill_days > 0) {
        int64_t last_call = 0;
        if (collect_day_minus(day, o->backfill_days, from, sizeof(from)) ==
            -1) {
            err_set(err, ERR_PERM, "bad date '%s'", day);
            goto out;
        }
        for (size_t i = 0; i < pl.categories.n && !collect_stopped(o); i++) {
            collect_backfill_one(db, cfg, pl.categories.v[i], from, day, day,
                                 &last_call, o, res);
            if (o->progress != NULL)
                o->progress(o->progress_arg, pl.n + i + 1, total);
        }
    }
    rc = 0;
out:
    free(pl.v);
    strlist_release(&pl.categories);
    return rc;
}

size_t
collect_result_ok(const struct collect_result *res)
{
    size_t n = 0;
    for (size_t i = 0; i < res->n; i++)
        if (res->v[i].ok)
            n++;
    return n;
}

void
collect_result_release(struct collect_result *res)
{
    free(res->v);
    res->v = NULL;
    res->n = 0;
}

int
collect_papers(struct db *db, const struct config *cfg, const char *const *ids,
               size_t n, const volatile sig_atomic_t *stop, size_t *stored,
               int *refused, struct err *err)
{
    struct collect_opts o = {.stop = stop};
    struct collect_result res = {NULL, 0};
    struct collect_stat *s;
    struct source_feed feed;
    struct fetch_opts fo;
    struct fetch_req r;
    struct buf url;
    int rc = -1;

    if (refused != NULL)
        *refused = 0;
    if (n == 0 || n > COLLECT_IDS_MAX) {
        err_set(err, ERR_PERM, "collect: 1 to %d ids per call",
                COLLECT_IDS_MAX);
        return -1;
    }
    buf_init(&url, 4096);
    buf_addf(&url, "%s%cid_list=", cfg->arxiv_api_url,
             strchr(cfg->arxiv_api_url, '?') ? '&' : '?');
    for (size_t i = 0; i < n; i++) {
        buf_adds(&url, i ? "," : "");
        buf_adds(&url, ids[i]); /* canonical: [0-9a-z./-] only */
    }
    buf_addf(&url, "&max_results=%zu", n);
    if (buf_check(&url, err) == -1) {
        buf_release(&url);
        return -1;
    }
    s = collect_stat_push(&res, "arxiv-api:ids", buf_str(&url));
    collect_fetch_opts(cfg, &o, &fo);
    fetch_req_init(&r, buf_str(&url), FETCH_XML);
    fetch_all(&r, 1, &fo);
    source_feed_init(&feed);
    if (!r.ok) {
        *err = r.err;
    } else if (source_atom_ops.parse(buf_str(&r.body), r.body.len, &feed,
                                     err) == -1) {
        if (refused != NULL) /* its error entry: it refused an id */
            *refused = feed.api_error;
    } else {
        /* no categories: the paper joins no list's window */
        for (size_t i = 0; i < feed.papers.n; i++) {
            strlist_release(&feed.papers.v[i].categories);
            strlist_init(&feed.papers.v[i].categories);
        }
        if (collect_store(db, s, &feed.papers, 1, NULL, NULL, err) == 0) {
            *stored = (size_t)(s->new_ + s->updated);
            rc = 0;
        }
    }
    fetch_req_release(&r);
    source_feed_release(&feed);
    buf_release(&url);
    collect_result_release(&res);
    return rc;
}
