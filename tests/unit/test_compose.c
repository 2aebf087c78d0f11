/* SPDX-License-Identifier: MIT */
/*
 * test_compose - the digest and confirmation messages: written to .eml
 * files and checked by tests/unit/check_eml.py, which parses them with
 * Python's email package in strict mode (headers, parts, CRLF, 998-octet
 * lines, quoted-printable, RFC 2047 subject); stable Message-ID and bytes
 * for the same row; header injection refused.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "db_paper.h"
#include "digest.h"
#include "token.h"
#include "xalloc.h"

#define DAY "2026-11-27"

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

/* snap - compose_snapshot() with the papers' version as the delivery
 * worker reads it */
static void
snap(struct compose *c, struct db *db)
{
    struct err err;
    int64_t v = -1;

    err_init(&err);
    CHECK(db_papers_version(db, &v, &err) == 0);
    compose_snapshot(c, v);
}

/* seed - a list with a non-ASCII title, two subscriptions, a few papers */
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

/* run_checker - write m to a file and run check_eml.py with args */
static int
run_checker(const struct buf *m, const char *args)
{
    char path[] = "/tmp/paperboy-eml-XXXXXX";
    char cmd[4096];
    int fd = mkstemp(path), rc;
    FILE *fp;

    if (fd == -1)
        return -1;
    fp = fdopen(fd, "wb");
    if (fp == NULL) {
        close(fd);
        return -1;
    }
    fwrite(m->data, 1, m->len, fp);
    fclose(fp);
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/unit/check_eml.py %s %s",
             path, args);
    rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "checker failed on %s (kept)\n", path);
    else
        unlink(path);
    return rc;
}

int
main(void)
{
    struct config *cfg = config_defaults();
    struct token_key key;
    struct compose *c = NULL;
    struct db *db = NULL;
    struct err err;
    struct buf m1, m2;
    char mid[256], mid2[256];
    int64_t id = 0, id2 = 0;

    err_init(&err);
    buf_init(&m1, 8 << 20);
    buf_init(&m2, 8 << 20);
    free(cfg->base_url);
    cfg->base_url = xstrdup("https://papers.example.org");
    free(cfg->smtp_from);
    cfg->smtp_from = xstrdup("Paperboy Caf\xc3\xa9 <news@papers.example.org>");
    token_key_from_string("compose-test", &key);
    CHECK(db_open(":memory:", 1000, &db, &err) == 0);
    seed(db);
    setenv("PAPERBOY_NOW", "1795759200", 1);
    CHECK(digest_freeze(db, cfg, 1, DAY, &id, &err) == 0);
    CHECK(digest_freeze(db, cfg, 2, DAY, &id2, &err) == 0);
    CHECK(compose_new(cfg, &key, &c, &err) == 0);
    if (c == NULL || id == 0) {
        fprintf(stderr, "%s\n", err.msg);
        return CHECK_DONE();
    }

    /* Message-ID: stable for sub + day, different otherwise */
    compose_message_id_digest(c, 1, DAY, mid, sizeof(mid));
    compose_message_id_digest(c, 1, DAY, mid2, sizeof(mid2));
    CHECK_STR_EQ(mid, mid2);
    CHECK(strncmp(mid, "<d.1.2026-11-27.", 16) == 0);
    CHECK_CONTAINS(mid, "@papers.example.org>");
    compose_message_id_digest(c, 1, "2026-11-28", mid2, sizeof(mid2));
    CHECK(strcmp(mid, mid2) != 0);
    compose_message_id_digest(c, 2, DAY, mid2, sizeof(mid2));
    CHECK(strcmp(mid, mid2) != 0);

    /* the digest, non-ASCII title, rendered twice: same bytes */
    CHECK(compose_digest_message(c, db, id, mid, &m1, &err) == 0);
    CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
    CHECK(m1.len == m2.len && memcmp(m1.data, m2.data, m1.len) == 0);
    /* a third time, its papers from the cache: the bytes of a compose
     * without caches */
    {
        struct compose *c0 = NULL;
        struct buf m3;

        buf_init(&m3, 8 << 20);
        CHECK(compose_new(cfg, &key, &c0, &err) == 0);
        if (c0 != NULL) {
            compose_set_cache_bytes(c0, 0);
            CHECK(compose_digest_message(c0, db, id, mid, &m3, &err) == 0);
            buf_reset(&m2);
            CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
            CHECK(m3.len > 1000 && m3.len == m2.len &&
                  memcmp(m3.data, m2.data, m3.len) == 0);
        }
        compose_free(c0);
        buf_release(&m3);
    }
    /* compose_snapshot(): within one snapshot the failed sources are
     * asked once (a run recorded meanwhile is not seen: the caller's
     * snapshot would not see it either), after the next call again; the
     * bytes are those of a compose that always asks */
    {
        struct compose *c0 = NULL;
        struct buf m3;
        const char *fail = "could not be fetched today";

        buf_init(&m3, 8 << 20);
        CHECK(compose_new(cfg, &key, &c0, &err) == 0);
        exec(db, "INSERT INTO collect_runs (source, day, started_at,"
                 " finished_at, ok) VALUES ('arxiv-rss:cs.LG', '" DAY "',"
                 " 1795759000, 1795759100, 0)");
        snap(c, db);
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), fail) != NULL);
        if (c0 != NULL) {
            CHECK(compose_digest_message(c0, db, id, mid, &m3, &err) == 0);
            CHECK(m3.len == m2.len && memcmp(m3.data, m2.data, m3.len) == 0);
        }
        exec(db, "INSERT INTO collect_runs (source, day, started_at,"
                 " finished_at, ok) VALUES ('arxiv-rss:cs.LG', '" DAY "',"
                 " 1795759150, 1795759160, 1)");
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), fail) != NULL); /* kept */
        snap(c, db);
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), fail) == NULL); /* asked again */
        if (c0 != NULL) {
            buf_reset(&m3);
            CHECK(compose_digest_message(c0, db, id, mid, &m3, &err) == 0);
            CHECK(m3.len == m2.len && memcmp(m3.data, m2.data, m3.len) == 0);
        }
        /* again in the same snapshot: every paper from the cache without
         * reading its row, the same bytes */
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(m3.len == m2.len && memcmp(m3.data, m2.data, m3.len) == 0);
        /* a paper changed: not seen in this snapshot (the caller's
         * snapshot would not see it either), seen in the next */
        exec(db, "UPDATE papers SET title = 'Retitled in between'"
                 " WHERE id = (SELECT paper_id FROM digest_items"
                 " WHERE digest_id = 1 AND rank = 1)");
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), "Retitled in between") == NULL);
        snap(c, db);
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), "Retitled in between") != NULL);
        if (c0 != NULL) {
            buf_reset(&m3);
            CHECK(compose_digest_message(c0, db, id, mid, &m3, &err) == 0);
            CHECK(m3.len == m2.len && memcmp(m3.data, m2.data, m3.len) == 0);
        }
        /* the papers' version unchanged: rows are not read again in the
         * next snapshot (a change the version does not count, which only
         * dropping its trigger allows, is not seen) */
        exec(db, "DROP TRIGGER papers_version_au;"
                 " UPDATE papers SET title = 'Unseen retitle'"
                 " WHERE id = (SELECT paper_id FROM digest_items"
                 " WHERE digest_id = 1 AND rank = 1)");
        snap(c, db);
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), "Unseen retitle") == NULL);
        exec(db, "UPDATE papers_version SET v = v + 1");
        snap(c, db);
        buf_reset(&m2);
        CHECK(compose_digest_message(c, db, id, mid, &m2, &err) == 0);
        CHECK(strstr(buf_str(&m2), "Unseen retitle") != NULL);
        exec(db, "DELETE FROM collect_runs");
        compose_free(c0);
        buf_release(&m3);
    }
    if (getenv("KEEP_EML") != NULL) { /* for looking at it by hand */
        FILE *fp = fopen(getenv("KEEP_EML"), "wb");
        if (fp != NULL) {
            fwrite(m1.data, 1, m1.len, fp);
            fclose(fp);
        }
    }
    CHECK_CONTAINS(buf_str(&m1), "Message-ID: <d.1.2026-11-27.");
    CHECK_CONTAINS(buf_str(&m1), "Date: Fri, 27 Nov 2026 06:00:00 +0000");
    CHECK_CONTAINS(buf_str(&m1), "List-Id: <physique.papers.example.org>");
    CHECK_CONTAINS(buf_str(&m1), "boundary=\"=_pb_");
    CHECK(run_checker(&m1,
                      "--kind digest --to reader@example.org "
                      "--subject 'Physique th\xc3\xa9orique \xe2\x80\x94 "
                      "s\xc3\xa9lection quotidienne des meilleurs articles: "
                      "10 papers for Friday, 27 November 2026' "
                      "--contains 'caf\xc3\xa9' --contains "
                      "'\xe6\xb3\xa8\xe6\x84\x8f\xe5\x8a\x9b' "
                      "--contains 'https://arxiv.org/abs/2611.000' "
                      "--contains 'https://huggingface.co/papers/2611.000' "
                      "--contains 'https://github.com/org/repo' "
                      "--contains 'et al.' "
                      "--contains 'https://papers.example.org/unsubscribe/' "
                      "--contains 'https://papers.example.org/preferences/' "
                      "--html-contains 'https://papers.example.org/d/'") == 0);
    /* an ASCII list title stays as it is */
    buf_reset(&m1);
    compose_message_id_digest(c, 2, DAY, mid2, sizeof(mid2));
    CHECK(compose_digest_message(c, db, id2, mid2, &m1, &err) == 0);
    CHECK_CONTAINS(buf_str(&m1),
                   "Subject: Plain list: 10 papers for Friday, 27 November");
    CHECK(run_checker(&m1, "--kind digest --to other@example.org") == 0);

    /* the confirmation mail */
    buf_reset(&m1);
    compose_message_id_confirm(c, 3, 1795759200, mid2, sizeof(mid2));
    CHECK(strncmp(mid2, "<c.3.1795759200.", 16) == 0);
    CHECK(compose_confirm_message(c, db, 3, 1795759200, mid2, &m1, &err) == 0);
    CHECK(run_checker(&m1, "--kind confirm --to other@example.org "
                           "--contains 'https://papers.example.org/confirm/' "
                           "--contains '7 days'") == 0);
    {
        /* the confirm link carries a token that verifies for 7 days */
        struct buf dec;
        const char *u;
        buf_init(&dec, 8 << 20);
        for (size_t k = 0; k < m1.len; k++) {
            if (m1.data[k] == '=' && k + 2 < m1.len && m1.data[k + 1] == '\r' &&
                m1.data[k + 2] == '\n')
                k += 2; /* QP soft line break */
            else if (m1.data[k] == '=' && k + 2 < m1.len &&
                     strchr("0123456789ABCDEF", m1.data[k + 1]) &&
                     strchr("0123456789ABCDEF", m1.data[k + 2])) {
                char hex[3] = {m1.data[k + 1], m1.data[k + 2], 0};
                buf_addc(&dec, (char)strtol(hex, NULL, 16));
                k += 2;
            } else
                buf_addc(&dec, m1.data[k]);
        }
        u = strstr(buf_str(&dec), "/confirm/");
        char tok[TOKEN_MAX];
        size_t n = 0;
        int64_t sid = 0, issued = 0;
        CHECK(u != NULL);
        if (u != NULL) {
            u += 9;
            /* the text part is QP: tokens are base64url, no '=' */
            while (n + 1 < sizeof(tok) &&
                   ((u[n] >= 'A' && u[n] <= 'Z') ||
                    (u[n] >= 'a' && u[n] <= 'z') ||
                    (u[n] >= '0' && u[n] <= '9') || u[n] == '-' || u[n] == '_'))
                n++;
            memcpy(tok, u, n);
            tok[n] = '\0';
            if (token_check(&key, tok, TOKEN_CONFIRM, 1795759200 + 86400, &sid,
                            &issued, &err) == -1)
                fprintf(stderr, "token '%s': %s\n", tok, err.msg);
            CHECK(token_check(&key, tok, TOKEN_CONFIRM, 1795759200 + 86400,
                              &sid, &issued, &err) == 0);
            CHECK_INT_EQ(sid, 3);
            CHECK_INT_EQ(issued, 1795759200);
        }
        buf_release(&dec);
    }

    /* header injection: refused, nothing written */
    buf_reset(&m1);
    free(cfg->smtp_from);
    cfg->smtp_from = xstrdup("Paperboy <a@b.org>\r\nBcc: victim@example.org");
    CHECK(compose_digest_message(c, db, id, mid, &m1, &err) == -1);
    CHECK_CONTAINS(err.msg, "control characters");
    CHECK_INT_EQ(m1.len, 0);
    free(cfg->smtp_from);
    cfg->smtp_from = xstrdup("Paperboy <news@papers.example.org>");
    exec(db, "UPDATE lists SET title = 'Evil' || char(13, 10) ||"
             " 'Bcc: victim@example.org' WHERE id = 2");
    CHECK(compose_digest_message(c, db, id, mid, &m1, &err) == -1);
    CHECK_INT_EQ(m1.len, 0);
    exec(db, "UPDATE subscribers SET email = 'x@y.org' || char(10) ||"
             " 'Bcc: v@example.org' WHERE id = 2");
    CHECK(compose_digest_message(c, db, id2, mid2, &m1, &err) == -1);
    CHECK(compose_digest_message(c, db, id2, "not-a-message-id", &m1, &err) ==
          -1);
    /* an unknown digest */
    CHECK(compose_digest_message(c, db, 999, mid, &m1, &err) == -1);
    CHECK_CONTAINS(err.msg, "no digest");
    /* a buffer too small is an error, not a truncated mail */
    {
        struct buf small;
        buf_init(&small, 1000);
        exec(db, "UPDATE subscribers SET email = 'other@example.org'"
                 " WHERE id = 2");
        CHECK(compose_digest_message(c, db, id2, mid2, &small, &err) == -1);
        buf_release(&small);
    }
    compose_free(c);
    buf_release(&m1);
    buf_release(&m2);
    db_close(db);
    config_free(cfg);
    return CHECK_DONE();
}
