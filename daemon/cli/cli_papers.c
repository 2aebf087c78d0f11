/* SPDX-License-Identifier: MIT */
/*
 * cli_papers - `paperboy papers ls|search|show`: look at stored papers.
 * search uses rank_search(), the relevance engine of the digests.
 * Exit 0 on success, 1 on failure (or show: no such paper), 2 usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "db_list.h"
#include "db_paper.h"
#include "paper.h"
#include "rank_papers.h"
#include "str.h"

static const char papers_usage[] =
    "paperboy papers ls [--since YYYY-MM-DD] [--list NAME] [--limit N] "
    "[--json]\n"
    "       paperboy papers search \"QUERY\" [--limit N] [--json]\n"
    "       paperboy papers show ARXIV_ID [--json]";

/* papers_help - the --help text */
static void
papers_help(void)
{
    printf("usage: %s\n"
           "\n"
           "  ls      papers first seen on or after --since (default: all), "
           "newest first;\n"
           "          --list keeps those in the list's categories (and its "
           "Hugging Face\n"
           "          papers when it includes them).  One per line: arXiv "
           "id, first-seen\n"
           "          day, upvotes, title (tab-separated).\n"
           "  search  ranked full-text search with the digests' relevance "
           "engine:\n"
           "          words, \"phrases\", -exclusions, comma-separated; "
           "title matches weigh\n"
           "          more, Hugging Face upvotes lift a paper.  One per line: "
           "rank, arXiv\n"
           "          id, title (tab-separated).  --limit defaults to 20.\n"
           "  show    every stored field of one paper (any id form: "
           "2611.15034v1,\n"
           "          https://arxiv.org/abs/2611.15034, arXiv:2611.15034).\n"
           "\n"
           "--json prints JSON instead.\n"
           "Exit status: 0 success, 1 failure or no such paper, 2 usage.\n",
           papers_usage);
}

/* Options shared by the subcommands. */
struct papers_opts {
    const char *since;
    const char *list;
    const char *arg; /* QUERY or ARXIV_ID */
    long limit;
    int json;
    int count; /* rows printed so far (ls --json commas) */
};

/* papers_json_or_null - a JSON string, or null */
static void
papers_json_or_null(const char *s)
{
    if (s == NULL)
        fputs("null", stdout);
    else
        cli_json_str(stdout, s);
}

/* papers_json_row - one paper as a JSON object */
static void
papers_json_row(const struct db_paper_row *r)
{
    printf("{\"arxiv_id\":");
    cli_json_str(stdout, r->arxiv_id);
    printf(",\"version\":%d,\"title\":", r->version);
    cli_json_str(stdout, r->title);
    printf(",\"abstract\":");
    cli_json_str(stdout, r->abstract);
    /* authors and ai_keywords are JSON arrays we wrote ourselves */
    printf(",\"authors\":%s,\"categories\":[", r->authors ? r->authors : "[]");
    for (const char *p = r->categories ? r->categories : ""; *p;) {
        size_t n = strcspn(p, ",");
        char cat[128];
        if (n > 0 && n < sizeof(cat)) {
            memcpy(cat, p, n);
            cat[n] = '\0';
            if (p != r->categories)
                fputc(',', stdout);
            cli_json_str(stdout, cat);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    printf("],\"comment\":");
    papers_json_or_null(r->comment);
    printf(",\"journal_ref\":");
    papers_json_or_null(r->journal_ref);
    printf(",\"doi\":");
    papers_json_or_null(r->doi);
    printf(",\"announce_type\":");
    papers_json_or_null(r->announce_type);
    printf(",\"published_at\":%" PRId64 ",\"first_seen_at\":%" PRId64
           ",\"first_seen_day\":",
           r->published_at, r->first_seen_at);
    cli_json_str(stdout, r->first_seen_day);
    printf(",\"in_arxiv\":%s,\"hf_day\":", r->in_arxiv ? "true" : "false");
    papers_json_or_null(r->hf_day);
    printf(",\"hf_upvotes\":%" PRId64 ",\"hf_comments\":%" PRId64
           ",\"github_repo\":",
           r->hf_upvotes, r->hf_comments);
    papers_json_or_null(r->github_repo);
    if (r->github_stars >= 0)
        printf(",\"github_stars\":%" PRId64, r->github_stars);
    else
        printf(",\"github_stars\":null");
    printf(",\"project_page\":");
    papers_json_or_null(r->project_page);
    printf(",\"ai_summary\":");
    papers_json_or_null(r->ai_summary);
    printf(",\"ai_keywords\":%s,\"url\":",
           r->ai_keywords ? r->ai_keywords : "[]");
    printf("\"https://arxiv.org/abs/");
    fputs(r->arxiv_id, stdout); /* canonical ids hold no JSON specials */
    printf("\"}");
}

/* papers_ls_row - db_paper_each callback for ls */
static int
papers_ls_row(const struct db_paper_row *r, void *arg, struct err *err)
{
    struct papers_opts *o = arg;

    (void)err;
    if (o->json) {
        fputs(o->count ? ",\n" : "\n", stdout);
        papers_json_row(r);
    } else {
        printf("%s\t%s\t%" PRId64 "\t%s\n", r->arxiv_id, r->first_seen_day,
               r->hf_upvotes, r->title ? r->title : "");
    }
    o->count++;
    return 0;
}

/* papers_ls - `papers ls` */
static int
papers_ls(struct db *db, struct papers_opts *o)
{
    struct err err;
    struct db_list l;
    const char *cats = NULL;
    int include_hf = 0, rc;

    err_init(&err);
    if (o->list != NULL) {
        rc = db_list_get(db, o->list, &l, &err);
        if (rc == -1)
            return cli_fail("papers ls: %s", err.msg);
        if (rc == 1)
            return cli_fail("papers ls: no list named '%s'", o->list);
        cats = l.categories;
        include_hf = l.include_hf;
    }
    if (o->json)
        fputs("[", stdout);
    rc = db_paper_each(db, o->since, cats, include_hf, o->limit, papers_ls_row,
                       o, &err);
    if (o->json)
        fputs(o->count ? "\n]\n" : "]\n", stdout);
    if (rc == -1)
        return cli_fail("papers ls: %s", err.msg);
    return CLI_OK;
}

/* papers_search - `papers search QUERY` */
static int
papers_search(struct cli *cli, struct db *db, struct papers_opts *o)
{
    struct rank_hit *hits = NULL;
    size_t n = 0;
    struct err err;

    err_init(&err);
    if (rank_search(db, cli->cfg, o->arg,
                    (size_t)(o->limit > 0 ? o->limit : 20), &hits, &n,
                    &err) == -1)
        return cli_fail("papers search: %s", err.msg);
    if (o->json)
        fputs("[", stdout);
    for (size_t i = 0; i < n; i++) {
        if (o->json) {
            printf("%s\n{\"rank\":%zu,\"arxiv_id\":", i ? "," : "", i + 1);
            cli_json_str(stdout, hits[i].arxiv_id);
            printf(",\"title\":");
            cli_json_str(stdout, hits[i].title);
            printf(",\"score\":%.6f,\"upvotes\":%d,\"matched\":", hits[i].score,
                   hits[i].upvotes);
            cli_json_str(stdout, hits[i].matched ? hits[i].matched : "");
            fputs("}", stdout);
        } else {
            printf("%zu\t%s\t%s\n", i + 1, hits[i].arxiv_id,
                   hits[i].title ? hits[i].title : "");
        }
    }
    if (o->json)
        fputs(n ? "\n]\n" : "]\n", stdout);
    rank_hits_free(hits, n);
    return CLI_OK;
}

/* papers_field - "name: value" when value is set */
static void
papers_field(const char *name, const char *value)
{
    if (value != NULL && *value != '\0')
        printf("%-14s %s\n", name, value);
}

/* papers_list_text - a JSON array of strings we wrote ("[\"A\",\"B\"]")
 * as "A, B" for humans; escapes other than \" and \\ are kept */
static void
papers_list_text(const char *json, char *out, size_t size)
{
    size_t k = 0;
    int in = 0;

    out[0] = '\0';
    for (const char *p = json ? json : ""; *p && k + 3 < size; p++) {
        if (!in && *p == '"') {
            in = 1;
            if (k > 0) {
                out[k++] = ',';
                out[k++] = ' ';
            }
        } else if (in && *p == '"') {
            in = 0;
        } else if (in && *p == '\\' && (p[1] == '"' || p[1] == '\\')) {
            out[k++] = *++p;
        } else if (in) {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
}

/* papers_show - `papers show ARXIV_ID` */
static int
papers_show(struct db *db, struct papers_opts *o)
{
    struct db_paper_row r;
    struct err err;
    char id[PAPER_ID_MAX], tbuf[32], num[32], text[8192];
    int version, rc;

    if (paper_arxiv_id(o->arg, id, sizeof(id), &version) == -1)
        return cli_usage_error("papers", papers_usage,
                               "'%s' is not an arXiv id", o->arg);
    err_init(&err);
    rc = db_paper_get(db, id, &r, &err);
    if (rc == -1)
        return cli_fail("papers show: %s", err.msg);
    if (rc == 1)
        return cli_fail("papers show: no paper '%s'", id);
    if (o->json) {
        papers_json_row(&r);
        fputc('\n', stdout);
        db_paper_row_release(&r);
        return CLI_OK;
    }
    papers_field("arxiv_id", r.arxiv_id);
    snprintf(num, sizeof(num), "%d", r.version);
    papers_field("version", num);
    papers_field("title", r.title);
    papers_list_text(r.authors, text, sizeof(text));
    papers_field("authors", text);
    papers_field("categories", r.categories);
    papers_field("announce_type", r.announce_type);
    if (r.published_at > 0)
        papers_field("published",
                     cli_format_time(r.published_at, tbuf, sizeof(tbuf)));
    papers_field("first_seen",
                 cli_format_time(r.first_seen_at, tbuf, sizeof(tbuf)));
    papers_field("comment", r.comment);
    papers_field("journal_ref", r.journal_ref);
    papers_field("doi", r.doi);
    printf("%-14s https://arxiv.org/abs/%s\n", "url", r.arxiv_id);
    if (r.hf_day != NULL) {
        papers_field("hf_day", r.hf_day);
        snprintf(num, sizeof(num), "%" PRId64, r.hf_upvotes);
        papers_field("hf_upvotes", num);
        snprintf(num, sizeof(num), "%" PRId64, r.hf_comments);
        papers_field("hf_comments", num);
    }
    papers_field("github_repo", r.github_repo);
    if (r.github_stars >= 0) {
        snprintf(num, sizeof(num), "%" PRId64, r.github_stars);
        papers_field("github_stars", num);
    }
    papers_field("project_page", r.project_page);
    papers_field("ai_summary", r.ai_summary);
    papers_list_text(r.ai_keywords, text, sizeof(text));
    papers_field("ai_keywords", text);
    printf("\n%s\n", r.abstract ? r.abstract : "");
    db_paper_row_release(&r);
    return CLI_OK;
}

int
cmd_papers(struct cli *cli, int argc, char **argv)
{
    struct papers_opts o;
    const char *sub;
    struct db *db;

    if (cli_wants_help(argc, argv)) {
        papers_help();
        return CLI_OK;
    }
    if (argc < 2)
        return cli_usage_error("papers", papers_usage, "missing subcommand");
    sub = argv[1];
    if (strcmp(sub, "ls") != 0 && strcmp(sub, "search") != 0 &&
        strcmp(sub, "show") != 0)
        return cli_usage_error("papers", papers_usage,
                               "unknown subcommand '%s'", sub);
    memset(&o, 0, sizeof(o));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            o.json = 1;
        } else if (strcmp(a, "--since") == 0 || strcmp(a, "--list") == 0 ||
                   strcmp(a, "--limit") == 0) {
            const char *v;
            if (i + 1 == argc)
                return cli_usage_error("papers", papers_usage,
                                       "%s needs a value", a);
            v = argv[++i];
            if (strcmp(a, "--since") == 0) {
                struct tm tm;
                if (strcmp(sub, "ls") != 0 || str_parse_day(v, &tm) == -1)
                    return cli_usage_error("papers", papers_usage,
                                           "--since '%s' is not YYYY-MM-DD "
                                           "(ls only)",
                                           v);
                o.since = v;
            } else if (strcmp(a, "--list") == 0) {
                if (strcmp(sub, "ls") != 0)
                    return cli_usage_error("papers", papers_usage,
                                           "--list is for ls only");
                o.list = v;
            } else if (str_to_long(v, 1, 100000, &o.limit) == -1 ||
                       strcmp(sub, "show") == 0) {
                return cli_usage_error("papers", papers_usage,
                                       "--limit '%s' is not 1..100000", v);
            }
        } else if (a[0] == '-' && a[1] != '\0' && o.arg == NULL &&
                   strcmp(sub, "search") != 0) {
            return cli_usage_error("papers", papers_usage,
                                   "unknown option '%s'", a);
        } else if (o.arg == NULL && strcmp(sub, "ls") != 0) {
            o.arg = a;
        } else {
            return cli_usage_error("papers", papers_usage,
                                   "unexpected argument '%s'", a);
        }
    }
    if (strcmp(sub, "ls") != 0 && o.arg == NULL)
        return cli_usage_error("papers", papers_usage, "%s needs %s", sub,
                               strcmp(sub, "search") == 0 ? "a QUERY"
                                                          : "an ARXIV_ID");
    db = cli_db(cli);
    if (db == NULL)
        return CLI_FAIL;
    if (strcmp(sub, "ls") == 0)
        return papers_ls(db, &o);
    if (strcmp(sub, "search") == 0)
        return papers_search(cli, db, &o);
    return papers_show(db, &o);
}
