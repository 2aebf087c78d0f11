/* SPDX-License-Identifier: MIT */
/*
 * cli - what every admin command shares: the loaded config, a lazily
 * opened database, uniform errors and usage, aligned tables, JSON output
 * helpers and a progress bar for terminals.
 *
 * Each command lives in its own cli_<name>.c and has the signature
 *     int cmd_<name>(struct cli *cli, int argc, char **argv);
 * where argv[0] is the command's own name.  It returns the exit status:
 * CLI_OK (0), CLI_FAIL (1), CLI_USAGE (2) or CLI_STOPPED (130).  `paperboy CMD
 * --help` is answered by the command itself, on stdout, with status 0.
 */
#ifndef PAPERBOY_CLI_H
#define PAPERBOY_CLI_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "config.h"
#include "db.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_STOPPED = 130 };

struct cli {
    const char *config_path; /* -c or $PAPERBOY_CONFIG, or NULL */
    struct config *cfg;      /* loaded and validated before the command */
    struct db *db;           /* opened by cli_db(); closed by main */
};

/* cli_db - the database, opened (and migrated) on first use; prints the
 * error and returns NULL on failure */
struct db *cli_db(struct cli *cli);

/* cli_fail - print "paperboy: <msg>" to stderr; returns CLI_FAIL */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_found - the exit status of a store lookup that returned rc (0
 * found, 1 not found, -1 failed with err): CLI_OK, or CLI_FAIL after
 * printing err's message (-1) or the not-found message fmt (1) */
int cli_found(int rc, const struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* cli_usage_error - print "paperboy CMD: <msg>" and the usage line, then
 * "Try 'paperboy CMD --help'"; returns CLI_USAGE */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* cli_wants_help - 1 if argv holds -h or --help before a "--" */
int cli_wants_help(int argc, char **argv);

/* One option of a command: "--name VALUE", "--name=VALUE" or a flag. */
struct cli_opt {
    const char *name; /* "--title" */
    const char **val; /* where the value goes; NULL for a flag */
    int *flag;        /* set to 1 when the flag is present */
};

/*
 * cli_parse_args - parse argv[1..] (argv[0] names the subcommand) into the
 * options of the NULL-terminated table opts and at most maxpos positional
 * arguments (after "--" everything is positional).  cmd and usage go into
 * the usage error.  Returns CLI_OK, or CLI_USAGE after printing why.
 */
int cli_parse_args(const char *cmd, const char *usage, int argc, char **argv,
                   const struct cli_opt *opts, const char **pos, int maxpos,
                   int *npos);
/* cli_parse_one - cli_parse_args for a command that takes no option and
 * exactly one argument, named what in the usage error ("missing EMAIL");
 * CLI_OK with *arg set, or CLI_USAGE after printing why */
int cli_parse_one(const char *cmd, const char *usage, int argc, char **argv,
                  const char *what, const char **arg);

/* A table printed with aligned columns (two spaces between columns). */
struct cli_table {
    int ncols;
    const char **head; /* borrowed column titles */
    char **cells;      /* owned, row-major */
    size_t nrows, cap;
};
void cli_table_init(struct cli_table *t, int ncols, const char **head);
/* cli_table_add - add one row of ncols strings (copied; NULL prints "") */
void cli_table_add(struct cli_table *t, const char **row);
void cli_table_print(struct cli_table *t, FILE *fp);
void cli_table_release(struct cli_table *t);

struct cJSON;
/* cli_print_listing - a listing on stdout: json pretty-printed when it is
 * not NULL (the --json form), else the table */
void cli_print_listing(const struct cJSON *json, struct cli_table *t);

/* cli_json_str - print s as a quoted JSON string to fp */
void cli_json_str(FILE *fp, const char *s);

/*
 * Progress on stderr for long commands: on a terminal a bar with the
 * counts and the rate, redrawn at most ~10 times a second; otherwise one
 * line "paperboy: LABEL: DONE/TOTAL (RATE/s)" every CLI_PROGRESS_EVERY_MS
 * ($PAPERBOY_PROGRESS_INTERVAL_MS overrides it, for tests).
 * $PAPERBOY_NO_PROGRESS=1 turns both off.
 */
#define CLI_PROGRESS_EVERY_MS 5000
struct cli_progress {
    const char *label;
    size_t total, done; /* total 0: unknown (only done is shown) */
    int tty;            /* draw the bar; a caller may clear it */
    int lines;          /* print periodic lines instead */
    int64_t every_ms;   /* interval of the lines */
    int64_t start_ms;   /* monotonic start, for the rate */
    int64_t last_ms;    /* last redraw or line */
};
void cli_progress_start(struct cli_progress *p, const char *label,
                        size_t total);
void cli_progress_step(struct cli_progress *p, size_t done);
void cli_progress_end(struct cli_progress *p);

/* cli_get_list - the list named name into *out; CLI_OK, or CLI_FAIL after
 * printing why (a database error, "no list named 'X'") */
struct db_list;
int cli_get_list(struct db *db, const char *name, struct db_list *out);

/*
 * cli_catch_stop - from now on SIGINT and SIGTERM set the returned flag
 * instead of ending the process.  No SA_RESTART: a blocking read or sleep
 * returns early, so the command sees the flag at once.  A command that
 * stops on it keeps what it stored, prints what it did and returns
 * CLI_STOPPED.
 */
const volatile sig_atomic_t *cli_catch_stop(void);

/* cli_today - today's date (YYYY-MM-DD) in [schedule] timezone: the day
 * `send` and `digest preview` take when no --date is given (UTC when the
 * zone cannot be loaded) */
void cli_today(const struct config *cfg, char *out, size_t size);

/* cli_format_time - unix seconds as "YYYY-MM-DD HH:MM" UTC, "-" for 0 */
const char *cli_format_time(int64_t t, char *out, size_t size);

/* The commands (one file each). */
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_subscriber(struct cli *cli, int argc, char **argv);
/* cli_like.c: `subscriber like`, and the votes in `subscriber show` */
int cli_like(struct cli *cli, int argc, char **argv);
int cli_like_show_json(struct db *db, int64_t sub_id, struct cJSON *obj,
                       struct err *err);
int cli_like_show_text(struct db *db, int64_t sub_id, const char *list,
                       struct err *err);

/* The votes column of `subscriber export` and `import`: a cell of words
 * "more:ARXIV_ID" and "less:ARXIV_ID" separated by spaces, newest first,
 * at most DB_VOTES_MAX. */
struct cli_like_csv {
    int restored;       /* votes stored or changed */
    int nmissing;       /* papers not in the database: not restored */
    struct buf missing; /* their ids, ", "-separated; caller releases */
    int full;           /* stopped at DB_VOTES_MAX */
};
/* cli_like_csv_cell - sub_id's votes as the cell, into out (reset) */
int cli_like_csv_cell(struct db *db, int64_t sub_id, struct buf *out,
                      struct err *err);
/* cli_like_csv_check - -1 with the reason when cell is not such a list */
int cli_like_csv_check(const char *cell, struct err *err);
/* cli_like_csv_apply - the cell's votes on papers in the database, in the
 * caller's transaction (source cli, dated at now and a second earlier for
 * each word after the first); a vote already so is left as it is.
 * res->missing is initialised even on failure. */
int cli_like_csv_apply(struct db *db, int64_t sub_id, const char *cell,
                       int64_t now, struct cli_like_csv *res, struct err *err);
/* cli_mydata.c: `subscriber export-data` and `subscriber erase` */
int cli_export_data(struct cli *cli, int argc, char **argv);
int cli_erase(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_collect(struct cli *cli, int argc, char **argv);
int cmd_papers(struct cli *cli, int argc, char **argv);
int cmd_digest(struct cli *cli, int argc, char **argv);
int cmd_send(struct cli *cli, int argc, char **argv);
int cmd_outbox(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_check_config(struct cli *cli, int argc, char **argv);
int cmd_check_dns(struct cli *cli, int argc, char **argv);
int cmd_dkim(struct cli *cli, int argc, char **argv);
int cmd_bounces(struct cli *cli, int argc, char **argv);

#endif
