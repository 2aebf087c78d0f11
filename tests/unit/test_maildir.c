/* SPDX-License-Identifier: MIT */
/*
 * test_maildir - the Maildir backend (directories 0700, tmp/ -> new/,
 * unique names, failures leave nothing behind) and the delivery workers
 * in daemon mode on it: a confirmation queued while they idle leaves
 * within a second of deliver_wake(), a second deliver_start() is refused
 * while the first holds the lock, and deliver_stop() returns promptly.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "maildir.h"
#include "outbox.h"
#include "str.h"
#include "token.h"
#include "xalloc.h"

static char base[] = "/tmp/pb-test-maildir.XXXXXX";

/* count_dir - entries (not . or ..) in dir, -1 if it cannot be read */
static int
count_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* mono_ms - monotonic milliseconds */
static long long
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
test_maildir(void)
{
    char md[256], path[512], name[256], prev[256] = "";
    struct stat st;
    struct err err;
    const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
    FILE *fp;
    char got[64];
    size_t n;

    snprintf(md, sizeof(md), "%s/a/b/Maildir", base);
    err_init(&err);
    CHECK(maildir_prepare(md, &err) == 0);
    CHECK(maildir_prepare(md, &err) == 0); /* again: fine */
    static const char *const subs[] = {"", "/cur", "/new", "/tmp"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", md, subs[i]);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
              (st.st_mode & 0777) == 0700);
    }
    for (int i = 0; i < 50; i++) {
        CHECK(maildir_deliver(md, msg, sizeof(msg) - 1, name, sizeof(name),
                              &err) == 0);
        CHECK(strcmp(name, prev) != 0);
        snprintf(prev, sizeof(prev), "%s", name);
    }
    snprintf(path, sizeof(path), "%s/new", md);
    CHECK_INT_EQ(count_dir(path), 50);
    snprintf(path, sizeof(path), "%s/tmp", md);
    CHECK_INT_EQ(count_dir(path), 0);
    snprintf(path, sizeof(path), "%s/new/%s", md, name);
    fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (fp) {
        n = fread(got, 1, sizeof(got), fp);
        fclose(fp);
        CHECK_INT_EQ(n, sizeof(msg) - 1);
        CHECK(memcmp(got, msg, n) == 0);
    }
    /* failures: no directory, empty path */
    snprintf(path, sizeof(path), "%s/missing", base);
    err_init(&err);
    CHECK(maildir_deliver(path, msg, 3, NULL, 0, &err) == -1);
    CHECK_INT_EQ(err.kind, ERR_TEMP);
    CHECK(maildir_prepare("", &err) == -1);
    /* a file where a directory should be */
    snprintf(path, sizeof(path), "%s/file", base);
    fp = fopen(path, "w");
    if (fp)
        fclose(fp);
    CHECK(maildir_prepare(path, &err) == -1);
}

static void
test_deliver_wake(void)
{
    struct config *cfg = config_defaults();
    struct deliver *d = NULL, *d2 = NULL;
    struct deliver_stats st;
    struct token_key key;
    struct db *db = NULL;
    struct err err;
    char path[512], md[512];
    long long t0, waited = -1;
    int queued = 0;

    snprintf(path, sizeof(path), "%s/pb.db", base);
    snprintf(md, sizeof(md), "%s/mail", base);
    free(cfg->db_path);
    cfg->db_path = xstrdup(path);
    free(cfg->maildir);
    cfg->maildir = xstrdup(md);
    token_key_from_string("test secret", &key);
    err_init(&err);
    CHECK(db_open(cfg->db_path, 5000, &db, &err) == 0);
    CHECK(db_exec(db,
                  "INSERT INTO subscribers (email, created_at) VALUES "
                  "('new@example.org', 1);"
                  "INSERT INTO subscriptions (subscriber_id, list_id, status, "
                  "created_at, updated_at) VALUES (1, 1, 'pending', 1, 1);",
                  &err) == 0);
    CHECK(deliver_start(cfg, &key, 0, &d, &err) == 0);
    if (d == NULL) {
        fprintf(stderr, "deliver_start: %s\n", err.msg);
        goto out;
    }
    /* one deliverer per database */
    CHECK(deliver_start(cfg, &key, 0, &d2, &err) == -1);
    CHECK_INT_EQ(err.kind, ERR_TEMP);
    /* let the workers go idle, then queue and nudge */
    usleep(300 * 1000);
    CHECK(outbox_enqueue_confirm(db, cfg, 1, str_now(), &queued, &err) == 0);
    CHECK_INT_EQ(queued, 1);
    t0 = mono_ms();
    deliver_wake(d);
    snprintf(path, sizeof(path), "%s/new", md);
    while (mono_ms() - t0 < 3000) {
        if (count_dir(path) == 1) {
            waited = mono_ms() - t0;
            break;
        }
        usleep(5 * 1000);
    }
    CHECK(waited >= 0 && waited < 1000);
    fprintf(stderr, "confirmation left %lld ms after deliver_wake()\n", waited);
    t0 = mono_ms();
    deliver_finish(d, &st);
    CHECK(mono_ms() - t0 < 2000);
    CHECK_INT_EQ(st.delivered, 1);
    CHECK_INT_EQ(st.running, 0);
    {
        struct outbox_row row;
        CHECK(outbox_get(db, 1, &row, &err) == 0);
        CHECK_INT_EQ(row.state, OUTBOX_SENT);
        CHECK(str_has_prefix(row.last_reply, "maildir "));
    }
out:
    db_close(db);
    config_free(cfg);
}

int
main(void)
{
    char cmd[128];

    if (mkdtemp(base) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_maildir();
    test_deliver_wake();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", base);
    return CHECK_DONE();
}
