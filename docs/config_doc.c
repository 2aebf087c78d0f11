/* SPDX-License-Identifier: MIT */
/*
 * config_doc - writes paperboy.ini(5) and config.example.ini from the
 * config key table (config_key_doc() in daemon/config.h), at build time.
 *
 *   config_doc man TEMPLATE OUT   the template with its @KEYS@ line
 *                                 replaced by every key, @VERSION@ by ours
 *   config_doc example OUT        every key, its doc as a comment and its
 *                                 default as the value
 *
 * So the table is the one home of a key's documentation: a key without a
 * doc string makes this program fail, and with it the build.  It writes OUT
 * through a temporary file, so a failure leaves no half-written output.
 * It knows nothing about parsing or validating values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#ifndef PAPERBOY_VERSION
#define PAPERBOY_VERSION "0"
#endif

/* doc_check - every key has a doc string; else name the ones that lack it */
static int
doc_check(void)
{
    struct config_key_doc k;
    int bad = 0;

    for (size_t i = 0; config_key_doc(i, &k) == 0; i++)
        if (k.doc == NULL || k.doc[0] == '\0') {
            fprintf(stderr,
                    "config_doc: [%s] %s has no doc string: add one to its "
                    "entry in config_keys[] (daemon/config.c)\n",
                    k.section, k.name);
            bad = 1;
        }
    return bad ? -1 : 0;
}

/* doc_number - v as a range bound: seconds of a duration get a unit */
static void
doc_number(char *out, size_t size, const struct config_key_doc *k, double v)
{
    static const struct {
        long secs;
        const char *unit;
    } units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    long l = (long)v;

    if (strcmp(k->type, "duration") != 0) {
        snprintf(out, size, "%g", v);
        return;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (l % units[i].secs == 0) {
            snprintf(out, size, "%ld%s", l / units[i].secs, units[i].unit);
            return;
        }
}

/* doc_range - "MIN..MAX" of a ranged key into out, else "" */
static void
doc_range(char *out, size_t size, const struct config_key_doc *k)
{
    char lo[32], hi[32];

    out[0] = '\0';
    if (!k->ranged)
        return;
    doc_number(lo, sizeof(lo), k, k->min);
    doc_number(hi, sizeof(hi), k, k->max);
    snprintf(out, size, "%s..%s", lo, hi);
}

/* roff_text - s with roff's specials escaped: \ and a leading . or ' */
static void
roff_text(FILE *fp, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", fp);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", fp);
        else if (*s == '-')
            fputs("\\-", fp);
        else
            fputc(*s, fp);
    }
}

/* man_keys - one .SS per section, one .TP per key */
static void
man_keys(FILE *fp)
{
    struct config_key_doc k;
    const char *section = "";
    char range[80];

    for (size_t i = 0; config_key_doc(i, &k) == 0; i++) {
        if (strcmp(section, k.section) != 0) {
            fprintf(fp, ".SS [%s]\n", k.section);
            section = k.section;
        }
        doc_range(range, sizeof(range), &k);
        fputs(".TP\n\\fB", fp);
        roff_text(fp, k.name);
        fputs("\\fR = \\fI", fp);
        roff_text(fp, k.type);
        fputs("\\fR", fp);
        if (range[0] != '\0') {
            fputs(", ", fp);
            roff_text(fp, range);
        }
        if (k.def[0] != '\0') {
            fputs(" (default: \\fB", fp);
            roff_text(fp, k.def);
            fputs("\\fR)\n", fp);
        } else {
            fputs(" (default: empty)\n", fp);
        }
        roff_text(fp, k.doc);
        fputc('\n', fp);
    }
}

/* man_write - copy the template, expanding @VERSION@ and the @KEYS@ line */
static int
man_write(FILE *in, FILE *out)
{
    char line[4096];
    int keys = 0;

    while (fgets(line, sizeof(line), in) != NULL) {
        char *v;
        if (strcmp(line, "@KEYS@\n") == 0) {
            man_keys(out);
            keys = 1;
            continue;
        }
        while ((v = strstr(line, "@VERSION@")) != NULL) {
            *v = '\0';
            fputs(line, out);
            fputs(PAPERBOY_VERSION, out);
            memmove(line, v + 9, strlen(v + 9) + 1);
        }
        fputs(line, out);
    }
    if (!keys) {
        fprintf(stderr, "config_doc: the template has no @KEYS@ line\n");
        return -1;
    }
    return ferror(in) ? -1 : 0;
}

/* ini_comment - text as "; " lines of at most 76 columns */
static void
ini_comment(FILE *fp, const char *text)
{
    const char *p = text;

    while (*p) {
        size_t n = strlen(p), cut = n;
        if (n > 74) {
            cut = 74;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(p, " ");
        }
        fprintf(fp, "; %.*s\n", (int)cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
}

/* example_write - the whole config.example.ini */
static int
example_write(FILE *fp)
{
    struct config_key_doc k;
    const char *section = "";
    char range[80], text[2048];

    fputs("; paperboy configuration example, generated from the key table\n"
          "; in daemon/config.c (cmake --build build --target "
          "config-example).\n"
          ";\n"
          "; Every key paperboy understands is listed below with its "
          "built-in\n"
          "; default, so this file, used as it is, behaves exactly like no "
          "file\n"
          "; at all.  Copy it to /etc/paperboy/paperboy.ini (or anywhere) "
          "and\n"
          "; change what you need; keys you leave out keep their defaults.\n"
          "; Which file is read, the syntax and every key: paperboy.ini(5).\n",
          fp);
    for (size_t i = 0; config_key_doc(i, &k) == 0; i++) {
        if (strcmp(section, k.section) != 0) {
            fprintf(fp, "\n[%s]\n", k.section);
            section = k.section;
        }
        doc_range(range, sizeof(range), &k);
        if (range[0] != '\0')
            snprintf(text, sizeof(text), "%s Range: %s.", k.doc, range);
        else
            snprintf(text, sizeof(text), "%s", k.doc);
        ini_comment(fp, text);
        fprintf(fp, "%s =%s%s\n", k.name, k.def[0] ? " " : "", k.def);
    }
    return 0;
}

/* doc_output - run the writer into OUT.tmp, then rename it to OUT */
static int
doc_output(const char *mode, const char *template, const char *out)
{
    char tmp[4096];
    FILE *fp, *in = NULL;
    int rc;

    snprintf(tmp, sizeof(tmp), "%s.tmp", out);
    fp = fopen(tmp, "w");
    if (fp == NULL) {
        perror(tmp);
        return -1;
    }
    if (strcmp(mode, "man") == 0) {
        in = fopen(template, "r");
        if (in == NULL) {
            perror(template);
            fclose(fp);
            remove(tmp);
            return -1;
        }
        rc = man_write(in, fp);
        fclose(in);
    } else {
        rc = example_write(fp);
    }
    if (fclose(fp) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, out) != 0) {
        perror(out);
        rc = -1;
    }
    if (rc != 0)
        remove(tmp);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "man") == 0) {
        if (doc_check() == -1)
            return 1;
        return doc_output("man", argv[2], argv[3]) == 0 ? 0 : 1;
    }
    if (argc == 3 && strcmp(argv[1], "example") == 0) {
        if (doc_check() == -1)
            return 1;
        return doc_output("example", NULL, argv[2]) == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: config_doc man TEMPLATE OUT\n"
                    "       config_doc example OUT\n");
    return 2;
}
