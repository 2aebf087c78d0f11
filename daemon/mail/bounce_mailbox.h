/* SPDX-License-Identifier: MIT */
/*
 * bounce_mailbox - the mailbox bounces and complaints arrive in, read
 * with libetpan: [bounces] mailbox = imaps://USER@HOST[:PORT][/FOLDER],
 * pop3s://USER@HOST[:PORT] or maildir:/PATH.  imap:// and pop3:// are
 * accepted only for a loopback host (tests, a local Dovecot), where
 * they speak in clear text.  Every TLS session's certificate is checked
 * with [smtp] ca_file (tls_check.c) unless [smtp] tls_verify is off.
 *
 * A session lists the messages not yet looked at (IMAP: UNSEEN; maildir:
 * without the seen flag; POP3: all), fetches them one at a time (at most
 * BOUNCE_MSG_MAX bytes; a larger one is reported as too big), and then,
 * per message, deletes it or marks it seen (IMAP, maildir; POP3 keeps
 * it).  Deletions take effect at bounce_mailbox_close() (IMAP EXPUNGE,
 * POP3 QUIT) or at once (maildir).  It never decides what a message
 * means: bounces.c does.
 *
 * Contract: 0 on success, -1 with err (ERR_TEMP for a network failure,
 * ERR_PERM for a refused login or a bad URL).  The password never
 * appears in a message.
 */
#ifndef PAPERBOY_BOUNCE_MAILBOX_H
#define PAPERBOY_BOUNCE_MAILBOX_H

#include <stddef.h>

#include "config.h"
#include "err.h"

#define BOUNCE_MAILBOX_MAX 1000 /* messages listed per session */

struct bounce_mailbox;

/* bounce_mailbox_check_url - -1 with err when url is not one of the forms
 * above (used by config validation through the same rules) */
int bounce_mailbox_check_url(const char *url, struct err *err);

/* bounce_mailbox_open - connect, log in and list; caller frees with
 * bounce_mailbox_free() */
int bounce_mailbox_open(const struct config *cfg, struct bounce_mailbox **out,
                        struct err *err);

/* bounce_mailbox_count - messages listed */
size_t bounce_mailbox_count(const struct bounce_mailbox *mb);

/* bounce_mailbox_fetch - message i: *data (caller frees with free()) and
 * *len; *too_big set (and *data NULL) when it is over BOUNCE_MSG_MAX */
int bounce_mailbox_fetch(struct bounce_mailbox *mb, size_t i, char **data,
                         size_t *len, int *too_big, struct err *err);

/* bounce_mailbox_delete - remove message i (see above for when) */
int bounce_mailbox_delete(struct bounce_mailbox *mb, size_t i, struct err *err);
/* bounce_mailbox_keep - leave message i, but not to be listed again where
 * the mailbox can say so (IMAP \Seen, maildir S) */
int bounce_mailbox_keep(struct bounce_mailbox *mb, size_t i, struct err *err);

/* bounce_mailbox_close - make deletions final and log out */
int bounce_mailbox_close(struct bounce_mailbox *mb, struct err *err);

/* bounce_mailbox_free - release; closes without committing deletions
 * when bounce_mailbox_close() was not called.  NULL is fine. */
void bounce_mailbox_free(struct bounce_mailbox *mb);

#endif
