/* SPDX-License-Identifier: MIT */
/*
 * digest_bench - how fast digests are frozen and rendered on one core.
 *
 * Builds a database of PAPERS papers (variations of the seed papers) and
 * SUBS confirmed subscriptions with varied keywords, then, timed, freezes
 * each subscription's digest (digest_freeze_batch: rank + digests rows,
 * committed every 500) and renders it as the complete MIME message
 * (compose_digest_message).  Prints digests per second and peak RSS.
 *
 *   digest_bench [-n SUBS] [-p PAPERS] [-d DIR] [-v PCT] [-s] [-q]
 *
 * -v gives PCT percent of the subscriptions votes, as readers who used
 * "more / less like this": two liked papers (and, for every third of
 * them, one "less like this") drawn from the papers, so that the cost of
 * ranking by the reader's profile can be read beside -v 0 (the default).
 *
 * -q times the freeze pass instead: send_day() over every subscription
 * (freeze, each distinct profile ranked once, and queue in the outbox, in
 * SEND_BATCH transactions), as `paperboy send` and the scheduler run it;
 * nothing is rendered.
 *
 * -s prints a checksum of every message built, so that a change made for
 * speed can be shown to leave the mail byte for byte the same (the time
 * then includes the checksum).
 *
 * Run it through bench/digest, which builds it against the core library.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "send.h"
#include "token.h"
#include "xalloc.h"

#define DAY "2026-11-27"
#define NOW 1795759200L /* DAY 06:00 UTC */
#define T0 1795737600L  /* DAY 00:00 UTC */
#define NSEED_MAX 200

static char *seed_title[NSEED_MAX], *seed_abs[NSEED_MAX];
static int nseed;

static const char *const pool[] = {
    "kv cache",
    "knowledge distillation",
    "quantization",
    "computational pathology",
    "sparse attention, long context",
    "vision-language",
    "parameter-efficient fine-tuning",
    "pruning, sparsity",
    "reward model, preference optimization, RLHF",
    "data selection, data mixing",
    "point cloud",
    "code",
    "continual pre-training, domain adaptation",
    "training instability, loss spikes, optimizer",
    "diffusion",
    "chinese",
    "test-time compute, adaptive computation",
    "transformer",
    "\"vision transformer\"",
    "mixture of experts",
    "\"state space model\", mamba",
    "retrieval, re-ranking",
    "reasoning",
    "multilingual",
    "medical",
    "contrastive learning",
    "tokenization",
    "instruction tuning",
    "scaling laws",
    "llm -survey",
    "efficient inference",
    "low-rank",
    "prompt tuning",
    "dense retrieval",
    "video generation",
    "adversarial robustness",
    "masked language model",
    "machine unlearning",
    "graph neural network",
    "speech, audio",
};
#define NPOOL (sizeof(pool) / sizeof(pool[0]))

/* hash - a deterministic 32-bit mix of i */
static unsigned
hash(unsigned i)
{
    i ^= i >> 16;
    i *= 0x7feb352dU;
    i ^= i >> 15;
    i *= 0x846ca68bU;
    i ^= i >> 16;
    return i;
}

/* now_s - seconds on clock id */
static double
now_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What one measured run took. */
struct bench_run {
    double w0, c0;    /* at the start: monotonic and process CPU seconds */
    double wall, cpu; /* seconds taken, set by bench_stop */
    double rss_mb;    /* peak resident set, set by bench_stop */
};

/* bench_start - start measuring */
static void
bench_start(struct bench_run *r)
{
    r->w0 = now_s(CLOCK_MONOTONIC);
    r->c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* bench_stop - the time taken since bench_start, and the peak RSS */
static void
bench_stop(struct bench_run *r)
{
    struct rusage ru;

    r->wall = now_s(CLOCK_MONOTONIC) - r->w0;
    r->cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - r->c0;
    getrusage(RUSAGE_SELF, &ru);
    r->rss_mb = ru.ru_maxrss / 1024.0;
}

/* bench_result - the line bench/digest reads: n items at r's rates */
static void
bench_result(const struct bench_run *r, int n)
{
    printf("RESULT rate=%.0f cpu_rate=%.0f rss_mb=%.1f\n", n / r->wall,
           n / r->cpu, r->rss_mb);
}

/* load_seed - the seed papers, title line then abstract line */
static void
load_seed(void)
{
    const char *dir = getenv("SHARED_DIR");
    char path[1024], *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int k = 0;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/fixtures/seed_papers.txt",
             dir ? dir : "/work/shared");
    fp = fopen(path, "r");
    if (fp == NULL) {
        fprintf(stderr, "digest_bench: cannot open %s\n", path);
        exit(1);
    }
    while ((n = getline(&line, &cap, fp)) > 0 && nseed < NSEED_MAX) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (k++ < 2)
            continue;
        if ((k - 3) % 2 == 0) {
            seed_title[nseed] =
                xstrdup(strncmp(line, "Subscribe", 9) == 0 ? line + 9 : line);
        } else {
            seed_abs[nseed++] = xstrdup(line);
        }
    }
    free(line);
    fclose(fp);
}

/* must - exit on a failed setup step */
static void
must(int ok, const char *what, struct db *db)
{
    if (!ok) {
        fprintf(stderr, "digest_bench: %s: %s\n", what,
                db ? sqlite3_errmsg(db_handle(db)) : "");
        exit(1);
    }
}

/* setup_votes - votes for pct percent of the nsubs subscriptions */
static void
setup_votes(struct db *db, int npapers, int nsubs, int pct)
{
    sqlite3 *h = db_handle(db);
    sqlite3_stmt *st = NULL;

    if (pct <= 0)
        return;
    must(sqlite3_prepare_v2(h,
                            "INSERT OR IGNORE INTO votes (subscription_id,"
                            " paper_id, vote, source, created_at)"
                            " VALUES (?1, ?2, ?3, 'mail', 0)",
                            -1, &st, NULL) == SQLITE_OK,
         "prepare votes", db);
    for (int i = 1; i <= nsubs; i++) {
        unsigned r = hash((unsigned)i + 7000003u);
        int nv = (r >> 8) % 3 == 0 ? 3 : 2;
        if ((int)(r % 100) >= pct)
            continue;
        for (int k = 0; k < nv; k++) {
            sqlite3_reset(st);
            sqlite3_bind_int(st, 1, i);
            sqlite3_bind_int(
                st, 2,
                1 + (int)(hash(r + (unsigned)k * 104729u) % (unsigned)npapers));
            sqlite3_bind_int(st, 3, k < 2 ? 1 : -1);
            must(sqlite3_step(st) == SQLITE_DONE, "insert vote", db);
        }
    }
    sqlite3_finalize(st);
}

/* setup - papers and subscriptions (and votes: setup_votes) */
static void
setup(struct db *db, int npapers, int nsubs, int voters)
{
    static const char *const cats[] = {
        "cs.LG",   "cs.CL",       "cs.CV",       "cs.AI",
        "stat.ML", "cs.LG,cs.CL", "cs.CV,cs.LG", "cs.CL,cs.AI"};
    sqlite3 *h = db_handle(db);
    sqlite3_stmt *st = NULL, *pc = NULL;
    struct buf b;

    buf_init(&b, 1 << 20);
    must(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) == SQLITE_OK, "begin", db);
    must(sqlite3_prepare_v2(
             h,
             "INSERT INTO papers (id, arxiv_id, title, abstract, authors,"
             " categories, first_seen_at, first_seen_day, updated_at,"
             " hf_upvotes, hf_day, github_repo, announce_type)"
             " VALUES (?1, printf('2611.%05d', ?1), ?2, ?3, ?4, ?5, ?6, ?7,"
             " ?6, ?8, ?9, ?10, 'new')",
             -1, &st, NULL) == SQLITE_OK,
         "prepare papers", db);
    must(sqlite3_prepare_v2(h,
                            "INSERT INTO paper_categories SELECT value, ?1"
                            " FROM json_each('[\"' || replace(?2, ',',"
                            " '\",\"') || '\"]')",
                            -1, &pc, NULL) == SQLITE_OK,
         "prepare categories", db);
    for (int i = 1; i <= npapers; i++) {
        unsigned r = hash((unsigned)i);
        int s = (i - 1) % nseed, o = (int)(r % (unsigned)nseed);
        const char *cat = cats[r % 8];
        const char *dot;
        sqlite3_reset(st);
        buf_reset(&b);
        /* a variation: the seed's title, its abstract plus the first
         * sentence of another seed's */
        buf_adds(&b, seed_abs[s]);
        dot = strstr(seed_abs[o], ". ");
        buf_addc(&b, ' ');
        buf_add(&b, seed_abs[o],
                dot ? (size_t)(dot - seed_abs[o] + 1) : strlen(seed_abs[o]));
        sqlite3_bind_int(st, 1, i);
        if (i > nseed) {
            char t[1024];
            snprintf(t, sizeof(t), "%s (part %d)", seed_title[s], i / nseed);
            sqlite3_bind_text(st, 2, t, -1, SQLITE_TRANSIENT);
        } else {
            sqlite3_bind_text(st, 2, seed_title[s], -1, SQLITE_STATIC);
        }
        sqlite3_bind_text(st, 3, buf_str(&b), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4,
                          (r & 1) ? "[\"Ada Lovelace\",\"Alan Turing\",\"Grace "
                                    "Hopper\",\"Edsger Dijkstra\",\"Barbara "
                                    "Liskov\",\"Donald Knuth\"]"
                                  : "[\"Claude Shannon\",\"John von Neumann\"]",
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, cat, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, T0 + (i % 20000));
        sqlite3_bind_text(st, 7, DAY, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8,
                         (r >> 8) % 100 < 70 ? (int)((r >> 16) % 15)
                                             : (int)((r >> 16) % 400));
        if ((r >> 4) % 100 < 15)
            sqlite3_bind_text(st, 9, DAY, -1, SQLITE_STATIC);
        if ((r >> 6) % 3 == 0)
            sqlite3_bind_text(st, 10, "https://github.com/example/repo", -1,
                              SQLITE_STATIC);
        must(sqlite3_step(st) == SQLITE_DONE, "insert paper", db);
        sqlite3_reset(pc);
        sqlite3_bind_int(pc, 1, i);
        sqlite3_bind_text(pc, 2, cat, -1, SQLITE_STATIC);
        must(sqlite3_step(pc) == SQLITE_DONE, "insert categories", db);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(pc);

    must(sqlite3_prepare_v2(h,
                            "INSERT INTO subscribers (id, email, created_at)"
                            " VALUES (?1, printf('reader%d@example.org', ?1),"
                            " 0)",
                            -1, &st, NULL) == SQLITE_OK,
         "prepare subscribers", db);
    must(sqlite3_prepare_v2(
             h,
             "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
             " keywords, categories, max_papers, created_at, updated_at,"
             " confirmed_at) VALUES (?1, ?1, 1, 'confirmed', ?2, ?3, ?4, 0,"
             " 0, 0)",
             -1, &pc, NULL) == SQLITE_OK,
         "prepare subscriptions", db);
    for (int i = 1; i <= nsubs; i++) {
        unsigned r = hash((unsigned)i + 1000003u);
        int nk = (r % 100) < 25 ? 0 : 1 + (int)((r >> 8) % 3);
        static const int maxp[] = {5, 10, 10, 20};
        sqlite3_reset(st);
        sqlite3_bind_int(st, 1, i);
        must(sqlite3_step(st) == SQLITE_DONE, "insert subscriber", db);
        buf_reset(&b);
        for (int k = 0; k < nk; k++) {
            if (k > 0)
                buf_adds(&b, ", ");
            buf_adds(&b, pool[hash(r + (unsigned)k * 7919u) % NPOOL]);
        }
        if ((r >> 12) % 10 == 0)
            buf_adds(&b, b.len ? ", -survey" : "-survey");
        sqlite3_reset(pc);
        sqlite3_bind_int(pc, 1, i);
        sqlite3_bind_text(pc, 2, buf_str(&b), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(pc, 3, (r >> 16) % 10 == 0 ? "cs.CL" : "", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(pc, 4, maxp[(r >> 20) % 4]);
        must(sqlite3_step(pc) == SQLITE_DONE, "insert subscription", db);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(pc);
    setup_votes(db, npapers, nsubs, voters);
    must(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "commit",
         db);
    buf_release(&b);
}

/* bench_pass - -q: time send_day() over every subscription */
static int
bench_pass(struct db *db, const struct config *cfg, struct compose *c,
           int nsubs, int npapers, const char *path)
{
    struct send_counts k;
    struct bench_run t;
    struct err err;

    err_init(&err);
    bench_start(&t);
    if (send_day(db, cfg, c, NULL, DAY, NOW, &k, &err) == -1) {
        fprintf(stderr, "digest_bench: send_day: %s\n", err.msg);
        return 1;
    }
    bench_stop(&t);
    printf("subscriptions      %d (papers %d)\n", nsubs, npapers);
    printf("queued             %lld (%lld had nothing to send, %lld failed)\n",
           (long long)k.queued, (long long)k.empty, (long long)k.failed);
    printf("wall / cpu         %.2f s / %.2f s\n", t.wall, t.cpu);
    printf("freeze+queue       %.1f us per subscription (cpu)\n",
           t.cpu / nsubs * 1e6);
    printf("rate               %.0f freezes/s wall, %.0f per CPU-second\n",
           nsubs / t.wall, nsubs / t.cpu);
    printf("peak RSS           %.1f MB\n", t.rss_mb);
    bench_result(&t, nsubs);
    compose_free(c);
    db_close(db);
    unlink(path);
    return 0;
}

int
main(int argc, char **argv)
{
    int nsubs = 100000, npapers = 2000, opt, checksum = 0, pass = 0;
    int voters = 0;
    const char *dir = "/tmp";
    char path[1024], mid[320];
    struct config *cfg = config_defaults();
    struct token_key key;
    struct compose *c = NULL;
    struct digest_batch *batch;
    struct db *db = NULL;
    struct err err;
    struct buf msg;
    struct bench_run t;
    double t_freeze = 0, t_render = 0;
    long built = 0, empty = 0;
    unsigned long long bytes = 0;
    uint64_t sum = 1469598103934665603ull; /* FNV-1a of every message */

    while ((opt = getopt(argc, argv, "n:p:d:v:sq")) != -1) {
        if (opt == 'n')
            nsubs = atoi(optarg);
        else if (opt == 'p')
            npapers = atoi(optarg);
        else if (opt == 'd')
            dir = optarg;
        else if (opt == 's')
            checksum = 1;
        else if (opt == 'q')
            pass = 1;
        else if (opt == 'v')
            voters = atoi(optarg);
        else {
            fprintf(stderr, "usage: digest_bench [-n SUBS] [-p PAPERS] "
                            "[-d DIR] [-v PCT] [-s] [-q]\n");
            return 2;
        }
    }
    setenv("PAPERBOY_NOW", "1795759200", 1);
    load_seed();
    snprintf(path, sizeof(path), "%s/digest-bench.db", dir);
    unlink(path);
    snprintf(mid, sizeof(mid), "%s-wal", path);
    unlink(mid);
    snprintf(mid, sizeof(mid), "%s-shm", path);
    unlink(mid);
    err_init(&err);
    if (db_open(path, 5000, &db, &err) == -1) {
        fprintf(stderr, "digest_bench: %s\n", err.msg);
        return 1;
    }
    setup(db, npapers, nsubs, voters);
    if (voters > 0)
        printf("voters             %d%% of the subscriptions (2 likes, every "
               "third also a dislike)\n",
               voters);
    if (getenv("DIGEST_BENCH_CACHE_KIB") != NULL) {
        /* an experiment, not the default: SQLite's page cache for this
         * connection (the daemon keeps SQLite's 2 MB) */
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA cache_size = -%d",
                 atoi(getenv("DIGEST_BENCH_CACHE_KIB")));
        must(sqlite3_exec(db_handle(db), pragma, NULL, NULL, NULL) == SQLITE_OK,
             "cache_size", db);
        printf("page cache         %s KiB (DIGEST_BENCH_CACHE_KIB)\n",
               getenv("DIGEST_BENCH_CACHE_KIB"));
    }
    token_key_from_string("bench", &key);
    free(cfg->base_url);
    cfg->base_url = xstrdup("https://papers.example.org");
    if (compose_new(cfg, &key, &c, &err) == -1) {
        fprintf(stderr, "digest_bench: %s\n", err.msg);
        return 1;
    }
    buf_init(&msg, 16 << 20);
    if (pass)
        return bench_pass(db, cfg, c, nsubs, npapers, path);
    batch = digest_batch_new();

    bench_start(&t);
    for (int i = 1; i <= nsubs; i++) {
        int64_t id = 0;
        double t1, t2, t3;
        if ((i - 1) % 500 == 0 && db_begin(db, &err) == -1)
            break;
        t1 = now_s(CLOCK_MONOTONIC);
        if (digest_freeze_batch(batch, db, cfg, i, DAY, &id, &err) == -1) {
            fprintf(stderr, "digest_bench: sub %d: %s\n", i, err.msg);
            return 1;
        }
        t2 = now_s(CLOCK_MONOTONIC);
        if (id > 0) {
            buf_reset(&msg);
            compose_message_id_digest(c, i, DAY, mid, sizeof(mid));
            if (compose_digest_message(c, db, id, mid, &msg, &err) == -1) {
                fprintf(stderr, "digest_bench: render %d: %s\n", i, err.msg);
                return 1;
            }
            bytes += msg.len;
            for (size_t k = 0; checksum && k < msg.len; k++)
                sum = (sum ^ (unsigned char)msg.data[k]) * 1099511628211ull;
            built++;
        } else {
            empty++;
        }
        t3 = now_s(CLOCK_MONOTONIC);
        t_freeze += t2 - t1;
        t_render += t3 - t2;
        if (i % 500 == 0 || i == nsubs) {
            if (db_commit(db, &err) == -1) {
                fprintf(stderr, "digest_bench: %s\n", err.msg);
                return 1;
            }
        }
    }
    bench_stop(&t);

    printf("subscriptions      %d (papers %d)\n", nsubs, npapers);
    printf("digests built      %ld (%ld had nothing to send)\n", built, empty);
    printf("wall / cpu         %.2f s / %.2f s\n", t.wall, t.cpu);
    printf("freeze             %.1f us per subscription\n",
           t_freeze / nsubs * 1e6);
    printf("render (MIME)      %.1f us per digest, %.1f KB average\n",
           built ? t_render / built * 1e6 : 0,
           built ? bytes / 1024.0 / built : 0);
    printf("rate               %.0f digests/s (freeze+render, one core)\n",
           nsubs / t.wall);
    printf("peak RSS           %.1f MB\n", t.rss_mb);
    printf("cpu rate           %.0f digests per CPU-second\n", nsubs / t.cpu);
    if (checksum)
        printf("messages checksum  %016llx (FNV-1a; timing includes it)\n",
               (unsigned long long)sum);
    bench_result(&t, nsubs);

    digest_batch_free(batch);
    buf_release(&msg);
    compose_free(c);
    db_close(db);
    config_free(cfg);
    for (int i = 0; i < nseed; i++) {
        free(seed_title[i]);
        free(seed_abs[i]);
    }
    unlink(path);
    return 0;
}
