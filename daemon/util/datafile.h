/* SPDX-License-Identifier: MIT */
/*
 * datafile - the files paperboy keeps beside its database (the database,
 * its lock files and journals, the secret): their directories created
 * 0700, refused when other users could plant files in them, and the files
 * opened without following symbolic links.  datafile_read() is also how
 * every other file paperboy reads whole is opened (templates, static
 * files, password and key files).
 *
 * Another user who can write to the data directory could plant a symbolic
 * link named like one of these files, and paperboy would then write its
 * pid, its key or its database through it.  So a directory others can
 * write is refused (unless it is sticky and ours: others cannot then
 * replace our files), and every open uses O_NOFOLLOW.  It does not chmod
 * anything that exists: an operator's modes are kept, a readable file
 * gets a warning.  Only libc.
 *
 * Every function that can fail returns 0 or -1 with err set (ERR_PERM).
 */
#ifndef PAPERBOY_DATAFILE_H
#define PAPERBOY_DATAFILE_H

#include <stddef.h>

#include "err.h"

/*
 * datafile_prepare - create the directories leading to the file path
 * (mode 0700, like `mkdir -p`), then refuse the file's directory when
 * users other than us may write to it and it is not sticky and ours.
 * A path without a '/' is in ".".
 */
int datafile_prepare(const char *path, struct err *err);

/*
 * datafile_open - open(2) with O_NOFOLLOW and O_CLOEXEC added; a symbolic
 * link is refused with a message saying so.  Returns the fd, or -1 with
 * err set and errno kept (ENOENT, EEXIST, ... for callers that handle it).
 */
int datafile_open(const char *path, int flags, int mode, struct err *err);

/*
 * datafile_check_link - -1 when path exists and is a symbolic link (for
 * files another library opens: SQLite's -wal and -shm), else 0.
 */
int datafile_check_link(const char *path, struct err *err);

/* datafile_warn_readable - log a warning when the file at path (what:
 * "database", "secret file") can be read by other users.  By name, not
 * by fd: the caller may not open SQLite's file (see db.c) */
void datafile_warn_readable(const char *path, const char *what);

/*
 * datafile_read - the whole regular file at path (opened like
 * datafile_open(), so never through a symbolic link, and with O_NONBLOCK,
 * so a FIFO or device there is refused without waiting), at most max
 * bytes, NUL-terminated.  *data is the caller's to free(); errno is kept on a
 * failed open (ENOENT for callers that treat a missing file specially).
 */
int datafile_read(const char *path, size_t max, char **data, size_t *len,
                  struct err *err);

#endif
