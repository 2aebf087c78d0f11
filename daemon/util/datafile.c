/* SPDX-License-Identifier: MIT */
/*
 * datafile - directories and files beside the database, created private
 * and opened without following links (see datafile.h).
 */
#include "datafile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "str.h"
#include "xalloc.h"

/* datafile_check_dir - refuse a directory others may write to, unless it
 * is sticky and owned by us (then they cannot rename or remove our files,
 * and O_NOFOLLOW stops a link planted before we created ours) */
static int
datafile_check_dir(const char *dir, struct err *err)
{
    struct stat st;

    if (stat(dir, &st) == -1) {
        err_set(err, ERR_PERM, "cannot stat directory '%s': %s", dir,
                strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        err_set(err, ERR_PERM, "'%s' is not a directory", dir);
        return -1;
    }
    if ((st.st_mode & S_IWOTH) == 0)
        return 0;
    if ((st.st_mode & S_ISVTX) && st.st_uid == geteuid())
        return 0;
    err_set(err, ERR_PERM,
            "directory '%s' is writable by other users (mode %04o): "
            "refusing to keep data there (chmod o-w it, or make it sticky "
            "and owned by this user)",
            dir, (unsigned)(st.st_mode & 07777));
    return -1;
}

int
datafile_prepare(const char *path, struct err *err)
{
    char dir[4096];
    char *slash;

    if (str_copy(dir, sizeof(dir), path) == -1) {
        err_set(err, ERR_PERM, "path '%.200s...' is too long", path);
        return -1;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return datafile_check_dir(".", err);
    if (slash == dir)
        return datafile_check_dir("/", err);
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
            err_set(err, ERR_PERM, "cannot create directory '%s': %s", dir,
                    strerror(errno));
            return -1;
        }
        *p = c;
        if (c == '\0')
            break;
    }
    return datafile_check_dir(dir, err);
}

int
datafile_open(const char *path, int flags, int mode, struct err *err)
{
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);

    if (fd == -1) {
        int e = errno;
        struct stat st;
        /* O_NOFOLLOW fails with ELOOP on a link; O_CREAT|O_EXCL with
         * EEXIST (even when the link dangles) */
        if (e == ELOOP ||
            (e == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))) {
            err_set(err, ERR_PERM,
                    "'%s' is a symbolic link: refusing to follow it", path);
        } else {
            err_set(err, ERR_PERM, "cannot open '%s': %s", path, strerror(e));
        }
        errno = e;
    }
    return fd;
}

int
datafile_check_link(const char *path, struct err *err)
{
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        err_set(err, ERR_PERM, "'%s' is a symbolic link: refusing to follow it",
                path);
        return -1;
    }
    return 0;
}

void
datafile_warn_readable(const char *path, const char *what)
{
    struct stat st;

    if (lstat(path, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
        log_warn("%s '%s' is readable by other users (mode %04o): "
                 "chmod 600 it",
                 what, path, (unsigned)(st.st_mode & 07777));
}

int
datafile_read(const char *path, size_t max, char **data, size_t *len,
              struct err *err)
{
    struct stat st;
    char *d = NULL;
    size_t n = 0;
    ssize_t got;
    int fd, rc = -1, saved;

    /* O_NONBLOCK: a FIFO planted at path must not hold the open (it is
     * then refused as not a regular file) */
    if ((fd = datafile_open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0, err)) ==
        -1)
        return -1;
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
        (unsigned long long)st.st_size > max) {
        err_set(err, ERR_PERM,
                "'%s' is not a regular file of at most %zu bytes", path, max);
        goto out;
    }
    d = xmalloc((size_t)st.st_size + 1);
    while (n < (size_t)st.st_size &&
           (got = read(fd, d + n, (size_t)st.st_size - n)) > 0)
        n += (size_t)got;
    if (n < (size_t)st.st_size) {
        err_set(err, ERR_PERM, "cannot read '%s': %s", path,
                n ? "it shrank" : strerror(errno));
        goto out;
    }
    d[n] = '\0';
    *data = d;
    *len = n;
    d = NULL;
    rc = 0;
out:
    saved = errno;
    free(d);
    close(fd);
    errno = saved;
    return rc;
}
