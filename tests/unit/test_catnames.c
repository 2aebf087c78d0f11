/* SPDX-License-Identifier: MIT */
/*
 * test_catnames - the bundled arXiv taxonomy (web/arxiv-categories.tsv):
 * names, the unknown-category check with its suggestion, and malformed
 * files refused with the line named; and tz_names over the system's
 * zone tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catnames.h"
#include "check.h"
#include "tz_names.h"

/* bundled - load web/arxiv-categories.tsv of the source tree */
static struct catnames *
bundled(void)
{
    const char *src = getenv("PAPERBOY_SOURCE_DIR");
    char path[4096];
    struct catnames *c = NULL;
    struct err err;

    err_init(&err);
    snprintf(path, sizeof(path), "%s/web/%s", src ? src : ".", CATNAMES_FILE);
    if (catnames_load(path, &c, &err) == -1) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    return c;
}

/* test_names - codes to names, unknown codes to NULL */
static void
test_names(const struct catnames *c)
{
    static const struct {
        const char *code, *name; /* name NULL: unknown */
    } cases[] = {
        {"cs.LG", "Machine Learning"},
        {"stat.ML", "Machine Learning"},
        {"q-bio.QM", "Quantitative Methods"},
        {"hep-ex", "High Energy Physics - Experiment"},
        {"cond-mat.mes-hall", "Mesoscale and Nanoscale Physics"},
        {"astro-ph.CO", "Cosmology and Nongalactic Astrophysics"},
        {"quant-ph", "Quantum Physics"},
        {"econ.EM", "Econometrics"},
        {"eess.SP", "Signal Processing"},
        {"q-fin.ST", "Statistical Finance"},
        {"nlin.CD", "Chaotic Dynamics"},
        {"math-ph", "Mathematical Physics"},
        {"gr-qc", "General Relativity and Quantum Cosmology"},
        {"nucl-th", "Nuclear Theory"},
        {"physics.optics", "Optics"},
        {"cs.lg", NULL},
        {"cs.L", NULL},
        {"q-bio.XX", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = catnames_get(c, cases[i].code, strlen(cases[i].code));
        if (cases[i].name == NULL)
            CHECK(got == NULL);
        else
            CHECK_STR_EQ(got ? got : "(null)", cases[i].name);
    }
    /* a code is matched by its length, not as a prefix */
    CHECK_STR_EQ(catnames_get(c, "cs.LGX", 5), "Machine Learning");
}

/* test_check - lists of categories: all known, or the first unknown one
 * with the nearest suggestion */
static void
test_check(const struct catnames *c)
{
    static const struct {
        const char *csv, *msg; /* msg NULL: accepted */
    } cases[] = {
        {"", NULL},
        {"cs.LG", NULL},
        {"cs.LG,cs.CL,q-bio.QM,hep-th", NULL},
        {"q-bio.QX", "unknown category 'q-bio.QX'; did you mean 'q-bio.QM'?"},
        {"cs.LG,cs.lg", "unknown category 'cs.lg'; did you mean 'cs.LG'?"},
        {"stat.MX,cs.XX", "unknown category 'stat.MX'; did you mean "},
        {"hep-exp", "did you mean 'hep-ex'?"},
        {"cond-mat.mes-hal", "did you mean 'cond-mat.mes-hall'?"},
        {"q-bio.XX", "unknown category 'q-bio.XX'; did you mean 'q-bio."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct err err;
        int rc;
        err_init(&err);
        rc = catnames_check(c, cases[i].csv, &err);
        CHECK_INT_EQ(rc, cases[i].msg ? -1 : 0);
        if (cases[i].msg)
            CHECK_CONTAINS(err.msg, cases[i].msg);
    }
}

/* test_bad_files - malformed taxonomy files are refused, naming the line */
static void
test_bad_files(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"# c\ncs.LG\tMachine Learning\ncs.CL no tab\n", ":3: expected"},
        {"cs.LG\tA\ncs.LG\tB\n", ":2: category 'cs.LG' is listed twice"},
        {"cs LG\tA\n", ":1: bad category code"},
        {"\tname\n", ":1: expected"},
        {"cs.LG\t\n", ":1: expected"},
        {"cs.LG\t\xff\n", "not UTF-8"},
    };
    char path[] = "/tmp/test_catnames_XXXXXX";
    int fd = mkstemp(path);

    CHECK(fd != -1);
    for (size_t i = 0; fd != -1 && i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct catnames *c = NULL;
        struct err err;
        FILE *f = fopen(path, "w");
        err_init(&err);
        CHECK(f != NULL);
        if (f == NULL)
            break;
        fputs(cases[i].text, f);
        fclose(f);
        CHECK_INT_EQ(catnames_load(path, &c, &err), -1);
        CHECK(c == NULL);
        CHECK_CONTAINS(err.msg, cases[i].msg);
    }
    if (fd != -1) {
        close(fd);
        unlink(path);
    }
}

/* test_zones - the system's zone names: sorted, unique, with the usual
 * ones and UTC, without legacy aliases */
static void
test_zones(void)
{
    struct tz_names z;
    struct err err;

    err_init(&err);
    CHECK_INT_EQ(tz_names_load(&z, &err), 0);
    CHECK(z.n > 300);
    CHECK(tz_names_has(&z, "Europe/Berlin"));
    CHECK(tz_names_has(&z, "Asia/Tokyo"));
    CHECK(tz_names_has(&z, "America/New_York"));
    CHECK(tz_names_has(&z, "UTC"));
    CHECK(!tz_names_has(&z, "US/Pacific"));
    CHECK(!tz_names_has(&z, "Mars/Olympus"));
    for (size_t i = 1; i < z.n; i++)
        CHECK(strcmp(z.names[i - 1], z.names[i]) < 0);
    tz_names_release(&z);

    /* no tables at all: an error, not an empty list */
    setenv("TZDIR", "/nonexistent", 1);
    err_init(&err);
    CHECK_INT_EQ(tz_names_load(&z, &err), -1);
    CHECK(err.msg[0] != '\0');
    unsetenv("TZDIR");
}

int
main(void)
{
    struct catnames *c = bundled();

    test_names(c);
    test_check(c);
    catnames_free(c);
    test_bad_files();
    test_zones();
    return CHECK_DONE();
}
