/* SPDX-License-Identifier: MIT */
/*
 * cli - shared plumbing for the admin commands (see cli.h).
 */
#include "cli.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db_list.h"
#include "str.h"
#include "tz.h"
#include "xalloc.h"

struct db *
cli_db(struct cli *cli)
{
    struct err err;

    if (cli->db != NULL)
        return cli->db;
    err_init(&err);
    if (db_open(cli->cfg->db_path, cli->cfg->busy_timeout_ms, &cli->db, &err) ==
        -1) {
        cli_fail("%s", err.msg);
        return NULL;
    }
    return cli->db;
}

/* cli_vfail - cli_fail with a va_list */
static int
cli_vfail(const char *fmt, va_list ap)
{
    fputs("paperboy: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int
cli_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    cli_vfail(fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

int
cli_found(int rc, const struct err *err, const char *fmt, ...)
{
    va_list ap;

    if (rc == 0)
        return CLI_OK;
    if (rc != 1)
        return cli_fail("%s", err->msg);
    va_start(ap, fmt);
    cli_vfail(fmt, ap);
    va_end(ap);
    return CLI_FAIL;
}

int
cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "paperboy %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s\nTry 'paperboy %s --help' for more.\n", usage,
            cmd);
    return CLI_USAGE;
}

int
cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    }
    return 0;
}

int
cli_parse_args(const char *cmd, const char *usage, int argc, char **argv,
               const struct cli_opt *opts, const char **pos, int maxpos,
               int *npos)
{
    int n = 0, only_pos = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct cli_opt *o = NULL;
        const char *eq;
        size_t len;

        if (!only_pos && strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (n == maxpos)
                return cli_usage_error(cmd, usage, "unexpected argument '%s'",
                                       a);
            pos[n++] = a;
            continue;
        }
        eq = strchr(a, '=');
        len = eq ? (size_t)(eq - a) : strlen(a);
        for (const struct cli_opt *p = opts; p && p->name; p++)
            if (strlen(p->name) == len && strncmp(p->name, a, len) == 0)
                o = p;
        if (o == NULL)
            return cli_usage_error(cmd, usage, "unknown option '%.*s'",
                                   (int)len, a);
        if (o->val == NULL) {
            if (eq)
                return cli_usage_error(cmd, usage, "%s does not take a value",
                                       o->name);
            *o->flag = 1;
            continue;
        }
        if (eq) {
            *o->val = eq + 1;
        } else {
            if (i + 1 == argc)
                return cli_usage_error(cmd, usage, "%s needs a value", o->name);
            *o->val = argv[++i];
        }
    }
    *npos = n;
    return CLI_OK;
}

int
cli_parse_one(const char *cmd, const char *usage, int argc, char **argv,
              const char *what, const char **arg)
{
    const struct cli_opt opts[] = {{NULL, NULL, NULL}};
    const char *pos[1];
    int npos = 0, rc;

    rc = cli_parse_args(cmd, usage, argc, argv, opts, pos, 1, &npos);
    if (rc != CLI_OK)
        return rc;
    if (npos != 1)
        return cli_usage_error(cmd, usage, "missing %s", what);
    *arg = pos[0];
    return CLI_OK;
}

void
cli_table_init(struct cli_table *t, int ncols, const char **head)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    t->head = head;
}

void
cli_table_add(struct cli_table *t, const char **row)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells =
            xrealloc(t->cells, t->cap * (size_t)t->ncols * sizeof(*t->cells));
    }
    for (int c = 0; c < t->ncols; c++)
        t->cells[t->nrows * (size_t)t->ncols + (size_t)c] =
            xstrdup(row[c] ? row[c] : "");
    t->nrows++;
}

/* cli_width - display width of a UTF-8 string (code points) */
static size_t
cli_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

void
cli_table_print(struct cli_table *t, FILE *fp)
{
    size_t *width = xcalloc((size_t)t->ncols, sizeof(size_t));

    for (int c = 0; c < t->ncols; c++)
        width[c] = cli_width(t->head[c]);
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            size_t w = cli_width(t->cells[r * (size_t)t->ncols + (size_t)c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r <= t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *s =
                r == 0 ? t->head[c]
                       : t->cells[(r - 1) * (size_t)t->ncols + (size_t)c];
            int last = c == t->ncols - 1;
            fputs(s, fp);
            if (!last) {
                size_t pad = width[c] - cli_width(s) + 2;
                for (size_t i = 0; i < pad; i++)
                    fputc(' ', fp);
            }
        }
        fputc('\n', fp);
    }
    free(width);
}

void
cli_table_release(struct cli_table *t)
{
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

void
cli_print_listing(const struct cJSON *json, struct cli_table *t)
{
    if (json != NULL) {
        char *s = cJSON_Print(json);
        if (s != NULL)
            printf("%s\n", s);
        free(s);
    } else {
        cli_table_print(t, stdout);
    }
}

void
cli_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(fp, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", fp);
        else if (c == '\t')
            fputs("\\t", fp);
        else if (c < 0x20 || c == 0x7f)
            fprintf(fp, "\\u%04x", c);
        else
            fputc(c, fp);
    }
    fputc('"', fp);
}

/* cli_progress_rate - items per second since the start */
static double
cli_progress_rate(const struct cli_progress *p)
{
    int64_t ms = str_mono_ms() - p->start_ms;
    return ms > 0 ? (double)p->done * 1000.0 / (double)ms : 0.0;
}

/* cli_progress_draw - redraw the bar on stderr */
static void
cli_progress_draw(struct cli_progress *p)
{
    char bar[31];
    size_t fill = p->total ? p->done * 30 / p->total : 0;

    if (fill > 30)
        fill = 30;
    memset(bar, '#', fill);
    memset(bar + fill, '-', 30 - fill);
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu %.1f/s ", p->label, bar, p->done,
            p->total, cli_progress_rate(p));
    fflush(stderr);
}

/* cli_progress_line - one progress line on stderr */
static void
cli_progress_line(struct cli_progress *p)
{
    if (p->total)
        fprintf(stderr, "paperboy: %s: %zu/%zu (%.1f/s)\n", p->label, p->done,
                p->total, cli_progress_rate(p));
    else
        fprintf(stderr, "paperboy: %s: %zu (%.1f/s)\n", p->label, p->done,
                cli_progress_rate(p));
    fflush(stderr);
}

void
cli_progress_start(struct cli_progress *p, const char *label, size_t total)
{
    const char *off = getenv("PAPERBOY_NO_PROGRESS");
    const char *every = getenv("PAPERBOY_PROGRESS_INTERVAL_MS");
    int on = off == NULL;
    long v;

    p->label = label;
    p->total = total;
    p->done = 0;
    p->tty = on && isatty(STDERR_FILENO);
    p->lines = on && !p->tty;
    p->every_ms = CLI_PROGRESS_EVERY_MS;
    if (every != NULL && str_to_long(every, 10, 3600 * 1000L, &v) == 0)
        p->every_ms = v;
    p->start_ms = str_mono_ms();
    p->last_ms = p->start_ms;
    if (p->tty)
        cli_progress_draw(p);
}

void
cli_progress_step(struct cli_progress *p, size_t done)
{
    int64_t now;

    p->done = done;
    if (!p->tty && !p->lines)
        return;
    now = str_mono_ms();
    if (p->tty) {
        if (now - p->last_ms < 100 && done < p->total)
            return;
        p->last_ms = now;
        cli_progress_draw(p);
    } else if (now - p->last_ms >= p->every_ms) {
        p->last_ms = now;
        cli_progress_line(p);
    }
}

void
cli_progress_end(struct cli_progress *p)
{
    if (p->tty) {
        cli_progress_draw(p);
        fputc('\n', stderr);
    }
}

int
cli_get_list(struct db *db, const char *name, struct db_list *out)
{
    struct err err;
    int rc;

    err_init(&err);
    rc = db_list_get(db, name, out, &err);
    return cli_found(rc, &err, "no list named '%s'", name);
}

static volatile sig_atomic_t cli_stop;

/* cli_on_stop - SIGINT/SIGTERM: ask the command to stop */
static void
cli_on_stop(int sig)
{
    (void)sig;
    cli_stop = 1;
}

const volatile sig_atomic_t *
cli_catch_stop(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cli_on_stop; /* no SA_RESTART: reads and sleeps end */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return &cli_stop;
}

void
cli_today(const struct config *cfg, char *out, size_t size)
{
    struct tz *tz = NULL;
    struct tz_local lt;
    struct err err;

    err_init(&err);
    if (tz_load(cfg->timezone, &tz, &err) == -1) {
        str_format_day((time_t)str_now(), out, size);
        return;
    }
    tz_utc_to_local(tz, str_now(), &lt);
    snprintf(out, size, "%04d-%02d-%02d", lt.year, lt.month, lt.day);
    tz_free(tz);
}

const char *
cli_format_time(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0) {
        snprintf(out, size, "-");
        return out;
    }
    gmtime_r(&tt, &tm);
    strftime(out, size, "%Y-%m-%d %H:%M", &tm);
    return out;
}
