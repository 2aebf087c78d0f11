/* SPDX-License-Identifier: MIT */
/*
 * maildir - the delivery backend used when [smtp] url is empty: each
 * message becomes one file in a Maildir ([delivery] maildir).
 *
 * A message is written to tmp/ under a unique name
 * (<seconds>.P<pid>T<tid>Q<counter>.<host>), fsync(2)ed, then rename(2)d
 * into new/, so a reader never sees a partial file and a crash leaves at
 * most a stray file in tmp/.  cur/, new/ and tmp/ are created with mode
 * 0700.  Safe to use from several threads.
 */
#ifndef PAPERBOY_MAILDIR_H
#define PAPERBOY_MAILDIR_H

#include <stddef.h>

#include "err.h"

/* maildir_prepare - create dir and its cur/ new/ tmp/ (0700) if missing */
int maildir_prepare(const char *dir, struct err *err);

/*
 * maildir_deliver - store msg (len bytes) in dir/new/.  On success the
 * file name (without directory) goes to name (may be NULL).  Failures are
 * ERR_TEMP (disk full, permissions can be fixed) and leave nothing in
 * new/.
 */
int maildir_deliver(const char *dir, const char *msg, size_t len, char *name,
                    size_t name_size, struct err *err);

#endif
