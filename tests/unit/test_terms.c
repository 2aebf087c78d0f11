/* SPDX-License-Identifier: MIT */
/*
 * test_terms - words that must meet (and must not) after terms_word(),
 * synonym groups from a file and acronyms learned from running text.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "terms.h"

/* term - terms_word() of w as a string */
static const char *
term(struct terms *t, const char *w, char *out)
{
    terms_word(t, w, strlen(w), out);
    return out;
}

/* on_word - feed one word of running text to terms_syn_learn() */
static void
on_word(void *arg, const char *w, size_t n, int flags)
{
    terms_syn_learn(arg, w, n, flags);
}

int
main(void)
{
    static const char *const same[][2] = {
        {"models", "model"},
        {"quantisation", "quantization"},
        {"optimise", "optimize"},
        {"behaviour", "behavior"},
        {"modelling", "modeling"},
        {"labelled", "labeled"},
        {"centre", "center"},
        {"LLMs", "llm"},
        {"ViTs", "ViT"},
        {"Distillation", "distilling"},
        {"pretraining", "pretrained"},
        {"supervised", "supervised"},
    };
    static const char *const differ[][2] = {
        {"precise", "precize"}, {"model", "mode"}, {"graph", "grape"}};
    struct terms *t = terms_new();
    char a[TERMS_WORD_MAX], b[TERMS_WORD_MAX];
    const char *const *m;
    size_t nm;
    FILE *fp;

    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        CHECK_STR_EQ(term(t, same[i][0], a), term(t, same[i][1], b));
    for (size_t i = 0; i < sizeof(differ) / sizeof(differ[0]); i++)
        CHECK(strcmp(term(t, differ[i][0], a), term(t, differ[i][1], b)) != 0);
    CHECK_INT_EQ(terms_word(t, "--", 2, a), 0);

    /* the typed form: only case, spelling and plurals folded */
    {
        static const char *const surface[][2] = {
            {"Adaptive", "adaptive"},
            {"networks", "network"},
            {"studies", "study"},
            {"losses", "loss"},
            {"loss", "loss"},
            {"corpus", "corpus"},
            {"analysis", "analysis"},
            {"LLMs", "llm"},
            {"quantisation", "quantization"},
            {"computational", "computational"},
        };
        for (size_t i = 0; i < sizeof(surface) / sizeof(surface[0]); i++) {
            size_t k = terms_surface(surface[i][0], strlen(surface[i][0]), a);
            CHECK_STR_EQ(a, surface[i][1]);
            CHECK_INT_EQ(k, strlen(surface[i][1]));
        }
        CHECK_INT_EQ(terms_surface("--", 2, a), 0);
    }

    /* a synonym file: groups, comments, normalised spellings */
    fp = fopen("test_terms.syn", "w");
    CHECK(fp != NULL);
    if (fp != NULL) {
        fputs("# comment\nLLM = large language model | LLMs\n"
              "ViT = vision transformer\n\n",
              fp);
        fclose(fp);
    }
    {
        struct err err;
        err_init(&err);
        CHECK(terms_syn_load(t, "test_terms.syn", &err) == 0);
        CHECK(terms_syn_load(t, "no-such-file.syn", &err) == 0);
    }
    remove("test_terms.syn");
    CHECK(terms_syn_group(t, "llm", &m, &nm) >= 0);
    CHECK(terms_syn_group(t, "larg languag model", &m, &nm) ==
          terms_syn_group(t, "llm", &m, &nm));
    CHECK(terms_syn_group(t, "vit", &m, &nm) >= 0);
    CHECK(terms_syn_group(t, "vit", &m, &nm) !=
          terms_syn_group(t, "llm", &m, &nm));
    CHECK_INT_EQ(terms_syn_longest(t), 3);

    /* acronyms a text defines (Schwartz-Hearst), not any parenthesis */
    terms_syn_reset(t);
    terms_split("We prune mixture-of-experts (MoE) models and key-value "
                "(KV) caches; results (ours) and (Table 2) are not "
                "acronyms.",
                on_word, t);
    CHECK(terms_syn_group(t, "moe", &m, &nm) >= 0);
    CHECK(terms_syn_group(t, "mixtur of expert", &m, &nm) ==
          terms_syn_group(t, "moe", &m, &nm));
    CHECK(terms_syn_group(t, "kv", &m, &nm) >= 0);
    CHECK(terms_syn_group(t, "our", &m, &nm) < 0);
    CHECK(terms_syn_group(t, "tabl 2", &m, &nm) < 0);
    terms_free(t);
    return CHECK_DONE();
}
