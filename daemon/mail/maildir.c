/* SPDX-License-Identifier: MIT */
/*
 * maildir - write messages into a Maildir (see maildir.h), following the
 * delivery procedure of https://cr.yp.to/proto/maildir.html: unique name
 * in tmp/, write, fsync, rename into new/.
 */
#include "maildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "str.h"

static atomic_uint maildir_counter;

/* maildir_mkdir - mkdir 0700, fine if it exists as a directory */
static int
maildir_mkdir(const char *path, struct err *err)
{
    struct stat st;

    if (mkdir(path, 0700) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    err_set(err, ERR_TEMP, "maildir: cannot create '%s': %s", path,
            strerror(errno));
    return -1;
}

int
maildir_prepare(const char *dir, struct err *err)
{
    static const char *const subs[] = {"cur", "new", "tmp"};
    char path[4096];

    if (dir == NULL || dir[0] == '\0') {
        err_set(err, ERR_PERM, "maildir: [delivery] maildir is empty");
        return -1;
    }
    /* parents first, like mkdir -p */
    if (str_copy(path, sizeof(path), dir) == -1) {
        err_set(err, ERR_PERM, "maildir: path too long");
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (maildir_mkdir(path, err) == -1)
            return -1;
        *p = '/';
    }
    if (maildir_mkdir(dir, err) == -1)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        if (snprintf(path, sizeof(path), "%s/%s", dir, subs[i]) >=
            (int)sizeof(path)) {
            err_set(err, ERR_PERM, "maildir: path too long");
            return -1;
        }
        if (maildir_mkdir(path, err) == -1)
            return -1;
    }
    return 0;
}

/* maildir_write_all - write n bytes, retrying short writes */
static int
maildir_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int
maildir_deliver(const char *dir, const char *msg, size_t len, char *name,
                size_t name_size, struct err *err)
{
    char host[256], base[512], tmp[4608], dst[4608];
    struct timespec ts;
    int fd = -1, rc = -1;

    if (gethostname(host, sizeof(host)) == -1)
        (void)str_copy(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    /* '/' and ':' have meanings in Maildir names (cr.yp.to) */
    for (char *p = host; *p; p++)
        if (*p == '/' || *p == ':')
            *p = '_';
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(base, sizeof(base), "%lld.P%dT%ldQ%u.%s", (long long)ts.tv_sec,
             (int)getpid(), (long)syscall(SYS_gettid),
             atomic_fetch_add(&maildir_counter, 1), host);
    if (snprintf(tmp, sizeof(tmp), "%s/tmp/%s", dir, base) >=
            (int)sizeof(tmp) ||
        snprintf(dst, sizeof(dst), "%s/new/%s", dir, base) >=
            (int)sizeof(dst)) {
        err_set(err, ERR_PERM, "maildir: path too long");
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd == -1) {
        err_set(err, ERR_TEMP, "maildir: cannot create '%s': %s", tmp,
                strerror(errno));
        goto out;
    }
    if (maildir_write_all(fd, msg, len) == -1 || fsync(fd) == -1) {
        err_set(err, ERR_TEMP, "maildir: cannot write '%s': %s", tmp,
                strerror(errno));
        goto out;
    }
    if (close(fd) == -1) {
        fd = -1;
        err_set(err, ERR_TEMP, "maildir: cannot write '%s': %s", tmp,
                strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, dst) == -1) {
        err_set(err, ERR_TEMP, "maildir: cannot move into new/: %s",
                strerror(errno));
        goto out;
    }
    if (name)
        (void)str_copy(name, name_size, base);
    rc = 0;
out:
    if (fd != -1)
        close(fd);
    if (rc == -1)
        (void)unlink(tmp);
    return rc;
}
