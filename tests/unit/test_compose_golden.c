/* SPDX-License-Identifier: MIT */
/*
 * test_compose_golden - the composed messages, byte for byte: a digest
 * with a non-ASCII list title (RFC 2047 subject folded over several
 * lines, an encoded From display name), a digest of an ASCII list, a
 * confirmation and a "manage my subscription" mail, from fixed rows, key,
 * clock and config, compared with the .eml files in tests/fixtures/compose/.
 * Each is composed twice: by a composer with its caches on (the second time
 * warm) and by one with them off.
 *
 * The fixtures are the output of the composer as it was before the MIME
 * writer moved out of libetpan's placeholders; a change to the writer
 * must keep them.  A deliberate change to a template or to the format is
 * recorded by running the test with PAPERBOY_GOLDEN_WRITE=1 (from the
 * source directory) and reviewing the diff of the .eml files.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "token.h"
#include "xalloc.h"

#define DAY "2026-11-27"
#define NOW 1795759200
#define FIXTURES "tests/fixtures/compose/"

/* exec - run SQL */
static void
exec(struct db *db, const char *sql)
{
    struct err err;

    err_init(&err);
    if (db_exec(db, sql, &err) == -1)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(err.kind == ERR_NONE);
}

/* seed - two lists (one with a long non-ASCII title), three
 * subscriptions, twelve papers with '=', non-ASCII and long lines */
static void
seed(struct db *db)
{
    exec(db,
         "INSERT INTO lists (id, name, title, categories, created_at)"
         " VALUES (2, 'physique', 'Physique th\xc3\xa9orique \xe2\x80\x94 "
         "s\xc3\xa9lection quotidienne des meilleurs articles', 'cs.LG', 0);"
         "INSERT INTO lists (id, name, title, categories, created_at)"
         " VALUES (3, 'plain', 'Plain list', 'cs.LG', 0);"
         "INSERT INTO subscribers (id, email, created_at)"
         " VALUES (1, 'reader@example.org', 0), (2, 'other@example.org', 0);"
         "INSERT INTO subscriptions (id, subscriber_id, list_id, status,"
         " keywords, created_at, updated_at)"
         " VALUES (1, 1, 2, 'confirmed', 'attention', 0, 0),"
         " (2, 2, 3, 'confirmed', '', 0, 0),"
         " (3, 2, 2, 'pending', '', 0, 0);");
    for (int i = 1; i <= 12; i++) {
        sqlite3_stmt *st = NULL;
        char title[256];
        struct buf abs;
        buf_init(&abs, 1 << 16);
        snprintf(title, sizeof(title),
                 "Paper %d on attention with a deliberately long title that "
                 "goes on well past the width of one line of text =?x?= "
                 "\xc3\xa9l\xc3\xa8ve",
                 i);
        for (int k = 0; k < 30; k++)
            buf_addf(&abs,
                     "Sentence %d about attention, = signs, caf\xc3\xa9 and "
                     "\xe6\xb3\xa8\xe6\x84\x8f\xe5\x8a\x9b. ",
                     k);
        CHECK(sqlite3_prepare_v2(
                  db_handle(db),
                  "INSERT INTO papers (id, arxiv_id, title, abstract, authors,"
                  " categories, first_seen_at, first_seen_day, updated_at,"
                  " hf_upvotes, hf_day, github_repo)"
                  " VALUES (?1, printf('2611.%05d', ?1), ?2, ?3,"
                  " '[\"A\",\"B\",\"C\",\"D\",\"E\",\"F\",\"G\"]', 'cs.LG',"
                  " 1795740000, '2026-11-27', 0, ?1 * 3, '2026-11-27',"
                  " 'https://github.com/org/repo' || ?1)",
                  -1, &st, NULL) == SQLITE_OK);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, title, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, buf_str(&abs), -1, SQLITE_TRANSIENT);
        CHECK(sqlite3_step(st) == SQLITE_DONE);
        sqlite3_finalize(st);
        buf_release(&abs);
    }
    exec(db, "INSERT INTO paper_categories SELECT 'cs.LG', id FROM papers");
}

/* golden - m is byte for byte FIXTURES name (or, with
 * PAPERBOY_GOLDEN_WRITE set, becomes it) */
static void
golden(const struct buf *m, const char *name)
{
    char path[256];
    struct buf want;
    FILE *fp;
    size_t n;
    char chunk[8192];

    snprintf(path, sizeof(path), FIXTURES "%s", name);
    if (getenv("PAPERBOY_GOLDEN_WRITE") != NULL) {
        fp = fopen(path, "wb");
        CHECK(fp != NULL);
        if (fp != NULL) {
            CHECK(fwrite(m->data, 1, m->len, fp) == m->len);
            fclose(fp);
        }
        return;
    }
    buf_init(&want, BUF_UNLIMITED);
    fp = fopen(path, "rb");
    CHECK(fp != NULL);
    while (fp != NULL && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        buf_add(&want, chunk, n);
    if (fp != NULL)
        fclose(fp);
    CHECK(m->len > 1000);
    if (m->len != want.len || memcmp(m->data, want.data, m->len) != 0) {
        size_t k = 0;
        while (k < m->len && k < want.len && m->data[k] == want.data[k])
            k++;
        fprintf(stderr, "%s: %zu bytes, want %zu; first difference at %zu\n",
                name, m->len, want.len, k);
        CHECK(0 && "message differs from its golden file");
    }
    buf_release(&want);
}

/* compose_all - the four messages from c, each checked against its file */
static void
compose_all(struct compose *c, struct db *db, int64_t id1, int64_t id2)
{
    struct buf m;
    struct err err;
    char mid[256];

    err_init(&err);
    buf_init(&m, 8 << 20);
    compose_message_id_digest(c, 1, DAY, mid, sizeof(mid));
    CHECK(compose_digest_message(c, db, id1, mid, &m, &err) == 0);
    golden(&m, "digest-utf8.eml");
    buf_reset(&m);
    compose_message_id_digest(c, 2, DAY, mid, sizeof(mid));
    CHECK(compose_digest_message(c, db, id2, mid, &m, &err) == 0);
    golden(&m, "digest-ascii.eml");
    buf_reset(&m);
    compose_message_id_confirm(c, 3, NOW, mid, sizeof(mid));
    CHECK(compose_confirm_message(c, db, 3, NOW, mid, &m, &err) == 0);
    golden(&m, "confirm.eml");
    buf_reset(&m);
    compose_message_id_confirm(c, 2, NOW, mid, sizeof(mid));
    CHECK(compose_manage_message(c, db, 2, NOW, mid, &m, &err) == 0);
    golden(&m, "manage.eml");
    if (err.kind != ERR_NONE)
        fprintf(stderr, "%s\n", err.msg);
    buf_release(&m);
}

int
main(void)
{
    struct config *cfg = config_defaults();
    struct token_key key;
    struct compose *c = NULL, *c0 = NULL;
    struct db *db = NULL;
    struct err err;
    int64_t id1 = 0, id2 = 0;

    err_init(&err);
    free(cfg->base_url);
    cfg->base_url = xstrdup("https://papers.example.org");
    free(cfg->smtp_from);
    cfg->smtp_from = xstrdup("Paperboy Caf\xc3\xa9 <news@papers.example.org>");
    token_key_from_string("compose-golden", &key);
    CHECK(db_open(":memory:", 1000, &db, &err) == 0);
    seed(db);
    setenv("PAPERBOY_NOW", "1795759200", 1);
    CHECK(digest_freeze(db, cfg, 1, DAY, &id1, &err) == 0);
    CHECK(digest_freeze(db, cfg, 2, DAY, &id2, &err) == 0);
    CHECK(compose_new(cfg, &key, &c, &err) == 0);
    CHECK(compose_new(cfg, &key, &c0, &err) == 0);
    if (c == NULL || c0 == NULL || id1 == 0 || id2 == 0) {
        fprintf(stderr, "%s\n", err.msg);
        return CHECK_DONE();
    }
    compose_set_cache_bytes(c0, 0);
    for (int round = 0; round < 3; round++) /* cold, seen once, kept */
        compose_all(c, db, id1, id2);
    compose_all(c0, db, id1, id2);

    compose_free(c);
    compose_free(c0);
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
