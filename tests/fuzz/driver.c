/* SPDX-License-Identifier: MIT */
/*
 * driver.c - replays a fuzz corpus without libFuzzer: every file in each
 * directory (or each file) named on the command line is passed once to
 * LLVMFuzzerTestOneInput().  ctest runs this so the corpus, including every
 * crash ever found, is a regression test on any compiler.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* driver_run_file - read path whole and feed it to the target */
static int
driver_run_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *data;
    long n;

    if (fp == NULL) {
        perror(path);
        return -1;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    data = malloc(n > 0 ? (size_t)n : 1);
    if (data == NULL || (n > 0 && fread(data, 1, (size_t)n, fp) != (size_t)n)) {
        fclose(fp);
        free(data);
        return -1;
    }
    fclose(fp);
    LLVMFuzzerTestOneInput(data, (size_t)n);
    free(data);
    return 0;
}

int
main(int argc, char **argv)
{
    int files = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;
        DIR *d;
        struct dirent *e;
        if (stat(argv[i], &st) == -1) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (driver_run_file(argv[i]) == -1)
                return 1;
            files++;
            continue;
        }
        d = opendir(argv[i]);
        while (d && (e = readdir(d)) != NULL) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            if (driver_run_file(path) == -1)
                return 1;
            files++;
        }
        if (d)
            closedir(d);
    }
    printf("replayed %d inputs\n%d passed, 0 failed\n", files, files);
    return files > 0 ? 0 : 1;
}
