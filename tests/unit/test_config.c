/* SPDX-License-Identifier: MIT */
/*
 * test_config - config_load(): every built-in default, a table of
 * malformed files whose error must name FILE:LINE and the key, unknown
 * sections and keys, and the SMTP password (from the file, from
 * password_file, from $PAPERBOY_SMTP_PASSWORD) never showing up in an
 * error message or in config_dump().
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

static char dir[] = "/tmp/paperboy-test-config.XXXXXX";

/* write_file - dir/name with text; returns the path (static buffer) */
static const char *
write_file(const char *name, const char *text)
{
    static char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (fp == NULL)
        return path;
    fputs(text, fp);
    fclose(fp);
    return path;
}

static void
test_defaults(void)
{
    struct err err;
    struct config *cfg;

    err_init(&err);
    cfg = config_load(NULL, &err);
    CHECK(cfg != NULL);
    if (cfg == NULL)
        return;
    CHECK(cfg->file == NULL);
    CHECK_STR_EQ(cfg->db_path, "data/paperboy.db");
    CHECK_INT_EQ(cfg->busy_timeout_ms, 5000);
    CHECK_STR_EQ(cfg->web_listen, "127.0.0.1:8080");
    CHECK_STR_EQ(cfg->web_host, "127.0.0.1");
    CHECK_INT_EQ(cfg->web_port, 8080);
    CHECK_STR_EQ(cfg->base_url, "http://localhost:8080");
    CHECK_STR_EQ(cfg->secret_file, "data/secret");
    CHECK_INT_EQ(cfg->subscribe_per_minute, 5);
    CHECK_INT_EQ(cfg->web_max_connections, 256);
    CHECK_INT_EQ(cfg->web_threads, 2);
    CHECK_INT_EQ(cfg->web_timeout, 30);
    CHECK_STR_EQ(cfg->smtp_url, "");
    CHECK_INT_EQ(cfg->starttls, CONFIG_STARTTLS_AUTO);
    CHECK_STR_EQ(cfg->smtp_username, "");
    CHECK_STR_EQ(cfg->smtp_from, "Paperboy <paperboy@localhost>");
    CHECK_STR_EQ(cfg->smtp_helo, "localhost");
    CHECK_INT_EQ(cfg->smtp_connections, 4);
    CHECK_INT_EQ(cfg->smtp_tls_verify, 1);
    CHECK_INT_EQ(cfg->smtp_timeout, 60);
    CHECK(cfg->smtp_rate == 0.0);
    CHECK_INT_EQ(cfg->retry_give_up, 2 * 86400);
    CHECK_INT_EQ(cfg->bounce_limit_unknown, 1);
    CHECK_INT_EQ(cfg->bounce_limit, 3);
    CHECK_STR_EQ(cfg->maildir, "data/mail");
    CHECK_STR_EQ(cfg->arxiv_rss_url, "https://rss.arxiv.org/rss/");
    CHECK_STR_EQ(cfg->arxiv_api_url, "https://export.arxiv.org/api/query");
    CHECK_STR_EQ(cfg->hf_daily_url, "https://huggingface.co/api/daily_papers");
    CHECK_INT_EQ(cfg->fetch_timeout, 60);
    CHECK_INT_EQ(cfg->fetch_connect_timeout, 15);
    CHECK_INT_EQ(cfg->fetch_max_bytes, 33554432);
    CHECK_INT_EQ(cfg->api_delay_ms, 3000);
    CHECK_STR_EQ(cfg->send_at, "06:00");
    CHECK_INT_EQ(cfg->send_hour, 6);
    CHECK_INT_EQ(cfg->send_minute, 0);
    CHECK_STR_EQ(cfg->timezone, "UTC");
    /* tuned by the ranking work; only its range is a contract here */
    CHECK(cfg->trending_weight > 0.0 && cfg->trending_weight <= 1.0);
    CHECK(cfg->title_weight > 2.99 && cfg->title_weight < 3.01);
    CHECK_INT_EQ(cfg->when_empty, CONFIG_EMPTY_SKIP);
    CHECK_INT_EQ(cfg->max_papers, 10);
    CHECK_STR_EQ(cfg->list_address, "");
    CHECK_STR_EQ(cfg->log_level, "info");
    config_free(cfg);
}

static void
test_good_file(void)
{
    static const char text[] = "; a comment\n"
                               "# another comment\n"
                               "[database]\n"
                               "path = /var/lib/paperboy/db\n"
                               "\n"
                               "[web]\n"
                               "listen = [::1]:9090\n"
                               "base_url = https://papers.example.org/\n"
                               "\n"
                               "[smtp]\n"
                               "url = smtps://mail.example.org:465\n"
                               "starttls = require\n"
                               "tls_verify = no\n"
                               "give_up_after = 3h\n"
                               "\n"
                               "[schedule]\n"
                               "send_at = 07:30\n"
                               "timezone = Europe/Berlin\n"
                               "\n"
                               "[digest]\n"
                               "when_empty = trending\n"
                               "max_papers = 20\n";
    struct err err;
    struct config *cfg;
    const char *path = write_file("good.ini", text);

    err_init(&err);
    cfg = config_load(path, &err);
    CHECK(cfg != NULL);
    if (cfg == NULL) {
        fprintf(stderr, "good.ini: %s\n", err.msg);
        return;
    }
    CHECK_STR_EQ(cfg->file, path);
    CHECK_STR_EQ(cfg->db_path, "/var/lib/paperboy/db");
    CHECK_STR_EQ(cfg->web_host, "::1");
    CHECK_INT_EQ(cfg->web_port, 9090);
    CHECK_STR_EQ(cfg->base_url, "https://papers.example.org");
    CHECK_INT_EQ(cfg->starttls, CONFIG_STARTTLS_REQUIRE);
    CHECK_INT_EQ(cfg->smtp_tls_verify, 0);
    CHECK_INT_EQ(cfg->retry_give_up, 3 * 3600);
    CHECK_INT_EQ(cfg->send_hour, 7);
    CHECK_INT_EQ(cfg->send_minute, 30);
    CHECK_STR_EQ(cfg->timezone, "Europe/Berlin");
    CHECK_INT_EQ(cfg->when_empty, CONFIG_EMPTY_TRENDING);
    CHECK_INT_EQ(cfg->max_papers, 20);
    config_free(cfg);
}

struct bad_case {
    const char *text; /* the bad line is always line 3 */
    const char *want; /* after "FILE:" */
};

static const struct bad_case bad[] = {
    {"[database]\n\nbusy_timeout_ms = abc\n", "3: [database] busy_timeout_ms"},
    {"[database]\n\nbusy_timeout_ms = -5\n", "3: [database] busy_timeout_ms"},
    {"[web]\n\nlisten = nohost\n", "3: [web] listen"},
    {"[web]\n\nlisten = 127.0.0.1:70000\n", "3: [web] listen"},
    {"[web]\n\nbase_url = ftp://example.org\n", "3: [web] base_url"},
    {"[web]\n\nthreads = 0\n", "3: [web] threads"},
    {"[web]\nmax_connections = 20\nmax_connections_per_client = 11\n",
     " [web] max_connections_per_client (11) is more than half"},
    {"[web]\n\nrequest_deadline = 0\n", "3: [web] request_deadline"},
    {"[smtp]\n\nurl = http://mail.example.org\n", "3: [smtp] url"},
    {"[smtp]\n\nurl = smtp://mail.example.org:0\n", "3: [smtp] url"},
    {"[smtp]\n\nstarttls = maybe\n", "3: [smtp] starttls"},
    {"[smtp]\n\ntls_verify = perhaps\n", "3: [smtp] tls_verify"},
    {"[smtp]\n\nconnections = 65\n", "3: [smtp] connections"},
    {"[smtp]\n\ngive_up_after = 10s\n", "3: [smtp] give_up_after"},
    {"[smtp]\n\ngive_up_after = soon\n", "3: [smtp] give_up_after"},
    {"[smtp]\n\nrate_per_second = -1\n", "3: [smtp] rate_per_second"},
    {"[smtp]\n\nfrom = a\tb@example.org\n", "3: [smtp] from"},
    {"[sources]\n\narxiv_rss_url = gopher://x\n", "3: [sources] arxiv_rss_url"},
    {"[sources]\n\napi_delay_ms = 100\n", "3: [sources] api_delay_ms"},
    {"[sources]\n\nmax_bytes = 12\n", "3: [sources] max_bytes"},
    {"[schedule]\n\nsend_at = 25:00\n", "3: [schedule] send_at"},
    {"[schedule]\n\nsend_at = noon\n", "3: [schedule] send_at"},
    {"[schedule]\n\ntimezone = Mars/Olympus_Mons\n", "3: [schedule] timezone"},
    {"[schedule]\n\ntimezone = ../../etc/passwd\n", "3: [schedule] timezone"},
    {"[digest]\n\nwhen_empty = sometimes\n", "3: [digest] when_empty"},
    {"[digest]\n\nmax_papers = 51\n", "3: [digest] max_papers"},
    {"[digest]\n\ntrending_weight = lots\n", "3: [digest] trending_weight"},
    {"[log]\n\nlevel = loud\n", "3: [log] level"},
    {"[web]\n\ncolour = red\n", "3: [web] colour: unknown key"},
    {"[database]\npath = a\npath = b\n", "3: [database] path: given twice"},
    {"[database]\n[nope]\nkey = 1\n", "2: unknown section [nope]"},
    {"[database]\n[nope]\n", "2: unknown section [nope]"},
    {"[database]\n\nthis is not ini\n", "3: syntax error"},
};

static void
test_bad_files(void)
{
    char want[600];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err err;
        struct config *cfg;
        const char *path = write_file("bad.ini", bad[i].text);

        err_init(&err);
        cfg = config_load(path, &err);
        CHECK(cfg == NULL);
        config_free(cfg);
        snprintf(want, sizeof(want), "%s:%s", path, bad[i].want);
        if (strstr(err.msg, want) == NULL)
            fprintf(stderr, "bad case %zu: got '%s', want '%s'\n", i, err.msg,
                    want);
        CHECK_CONTAINS(err.msg, want);
        CHECK_INT_EQ(err.kind, ERR_PERM);
    }
    /* a missing file is an error too */
    {
        struct err err;
        err_init(&err);
        CHECK(config_load("/nonexistent/paperboy.ini", &err) == NULL);
        CHECK_CONTAINS(err.msg, "/nonexistent/paperboy.ini");
    }
}

/* dump_text - what config_dump() prints, captured through a temp file */
static void
dump_text(const struct config *cfg, char *out, size_t size)
{
    const char *path = write_file("dump.txt", "");
    FILE *fp;
    size_t n;
    int saved;

    fflush(stdout);
    saved = dup(1);
    fp = fopen(path, "w");
    if (fp == NULL || saved == -1) {
        out[0] = '\0';
        if (fp)
            fclose(fp);
        return;
    }
    dup2(fileno(fp), 1);
    config_dump(cfg);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(fp);
    fp = fopen(path, "r");
    n = fp ? fread(out, 1, size - 1, fp) : 0;
    out[n] = '\0';
    if (fp)
        fclose(fp);
}

static void
test_password(void)
{
    static char dump[16384];
    struct err err;
    struct config *cfg;
    const char *path;
    char text[512];

    unsetenv("PAPERBOY_SMTP_PASSWORD");
    /* from the file; masked in the dump */
    path = write_file("pw.ini", "[smtp]\npassword = hunter2-secret\n");
    err_init(&err);
    cfg = config_load(path, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL) {
        CHECK_STR_EQ(cfg->smtp_password, "hunter2-secret");
        dump_text(cfg, dump, sizeof(dump));
        CHECK_CONTAINS(dump, "password = ********");
        CHECK(strstr(dump, "hunter2") == NULL);
        CHECK_CONTAINS(dump, "[smtp]");
    }
    config_free(cfg);

    /* a malformed password is refused without being echoed */
    path = write_file("pw.ini", "[smtp]\n\npassword = hunter2\x01secret\n");
    err_init(&err);
    CHECK(config_load(path, &err) == NULL);
    CHECK_CONTAINS(err.msg, ":3: [smtp] password");
    CHECK(strstr(err.msg, "hunter2") == NULL);

    /* an error after the password does not mention it either */
    path = write_file("pw.ini", "[smtp]\npassword = hunter2\nport = 25\n");
    err_init(&err);
    CHECK(config_load(path, &err) == NULL);
    CHECK_CONTAINS(err.msg, ":3: [smtp] port: unknown key");
    CHECK(strstr(err.msg, "hunter2") == NULL);

    /* password_file: the first line, without its line end */
    snprintf(text, sizeof(text), "[smtp]\npassword_file = %s/pw.txt\n", dir);
    write_file("pw.txt", "from-file\r\nsecond line\n");
    path = write_file("pwf.ini", text);
    err_init(&err);
    cfg = config_load(path, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL)
        CHECK_STR_EQ(cfg->smtp_password, "from-file");
    config_free(cfg);

    /* a missing password_file is an error naming the key */
    snprintf(text, sizeof(text), "[smtp]\npassword_file = %s/absent.txt\n",
             dir);
    path = write_file("pwf.ini", text);
    err_init(&err);
    CHECK(config_load(path, &err) == NULL);
    CHECK_CONTAINS(err.msg, "[smtp] password_file");
    CHECK_CONTAINS(err.msg, "absent.txt");

    /* $PAPERBOY_SMTP_PASSWORD wins over the file */
    path = write_file("pw.ini", "[smtp]\npassword = in-file\n");
    setenv("PAPERBOY_SMTP_PASSWORD", "from-env", 1);
    err_init(&err);
    cfg = config_load(path, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL)
        CHECK_STR_EQ(cfg->smtp_password, "from-env");
    config_free(cfg);
    cfg = config_load(NULL, &err);
    CHECK(cfg != NULL);
    if (cfg != NULL)
        CHECK_STR_EQ(cfg->smtp_password, "from-env");
    config_free(cfg);
    unsetenv("PAPERBOY_SMTP_PASSWORD");
}

/* test_example - config.example.ini documents every key with its default:
 * it loads, it dumps exactly like the built-in defaults, and every key of
 * the dump is written out (not commented) in the example */
static void
test_example(void)
{
    static char want[16384], got[16384];
    const char *src = getenv("PAPERBOY_SOURCE_DIR");
    char path[512], line[512], section[64] = "", keys[8192] = "";
    struct config *def, *ex;
    struct err err;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/config.example.ini", src ? src : ".");
    err_init(&err);
    unsetenv("PAPERBOY_SMTP_PASSWORD");
    def = config_load(NULL, &err);
    ex = config_load(path, &err);
    CHECK(ex != NULL);
    if (ex == NULL || def == NULL) {
        fprintf(stderr, "config.example.ini: %s\n", err.msg);
        config_free(def);
        config_free(ex);
        return;
    }
    dump_text(def, want, sizeof(want));
    dump_text(ex, got, sizeof(got));
    CHECK_STR_EQ(got, want);
    /* "[section] key;" for every key line of the example */
    fp = fopen(path, "r");
    CHECK(fp != NULL);
    while (fp && fgets(line, sizeof(line), fp) != NULL) {
        size_t n = strcspn(line, " =");
        if (line[0] == '[') {
            snprintf(section, sizeof(section), "%.*s", (int)strcspn(line, "\n"),
                     line);
        } else if (line[0] != ';' && line[0] != '#' && line[0] != '\n' &&
                   strlen(keys) + 100 < sizeof(keys)) {
            snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
                     "%s %.*s;", section, (int)n, line);
        }
    }
    if (fp)
        fclose(fp);
    /* walk the dump: every key must be in the example */
    section[0] = '\0';
    for (char *p = want; *p;) {
        size_t n = strcspn(p, "\n");
        char item[160];
        if (p[0] == '[') {
            snprintf(section, sizeof(section), "%.*s", (int)n, p);
        } else if (n > 0) {
            snprintf(item, sizeof(item), "%s %.*s;", section,
                     (int)strcspn(p, " "), p);
            if (strstr(keys, item) == NULL)
                fprintf(stderr, "config.example.ini lacks %s\n", item);
            CHECK(strstr(keys, item) != NULL);
        }
        p += n;
        if (*p == '\n')
            p++;
    }
    config_free(def);
    config_free(ex);
}

int
main(void)
{
    char cmd[128];

    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    test_defaults();
    test_good_file();
    test_bad_files();
    test_password();
    test_example();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return CHECK_DONE();
}
