/* SPDX-License-Identifier: MIT */
/*
 * bounce_mailbox - IMAP, POP3 and maildir through libetpan (see
 * bounce_mailbox.h).  Each kind is a table of functions (struct mb_ops);
 * the session state they share is struct bounce_mailbox.
 */
#include "bounce_mailbox.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libetpan/libetpan.h>

#include "addr.h"
#include "bounce_parse.h"
#include "str.h"
#include "tls_check.h"
#include "xalloc.h"

enum mb_kind { MB_IMAP, MB_POP3, MB_MAILDIR };

struct mb_url {
    enum mb_kind kind;
    int tls;         /* imaps://, pop3s:// */
    char user[256];  /* "" for maildir */
    char host[256];  /* without [] */
    uint16_t port;   /* 0 for maildir */
    char path[1024]; /* IMAP folder (default INBOX), or the maildir */
};

struct bounce_mailbox {
    const struct mb_ops *ops;
    struct mb_url url;
    mailimap *imap;
    mailpop3 *pop3;
    struct maildir *md;
    size_t n;       /* messages listed */
    uint32_t *uids; /* IMAP UIDs or POP3 message numbers */
    char **names;   /* maildir uids */
};

struct mb_ops {
    int (*open)(struct bounce_mailbox *mb, const struct config *cfg,
                struct err *err);
    int (*fetch)(struct bounce_mailbox *mb, size_t i, char **data, size_t *len,
                 int *too_big, struct err *err);
    int (*del)(struct bounce_mailbox *mb, size_t i, struct err *err);
    int (*keep)(struct bounce_mailbox *mb, size_t i, struct err *err);
    int (*close)(struct bounce_mailbox *mb, struct err *err);
};

/* mb_parse_url - the forms in bounce_mailbox.h into u */
static int
mb_parse_url(const char *url, struct mb_url *u, struct err *err)
{
    static const struct {
        const char *scheme;
        enum mb_kind kind;
        int tls;
        uint16_t port;
    } schemes[] = {
        {"imaps://", MB_IMAP, 1, 993},
        {"imap://", MB_IMAP, 0, 143},
        {"pop3s://", MB_POP3, 1, 995},
        {"pop3://", MB_POP3, 0, 110},
    };
    const char *p = NULL, *at, *hp, *end;
    long port;
    size_t n;

    memset(u, 0, sizeof(*u));
    if (str_has_prefix(url, "maildir:")) {
        u->kind = MB_MAILDIR;
        if (url[8] != '/' ||
            str_copy(u->path, sizeof(u->path), url + 8) == -1) {
            err_set(err, ERR_PERM,
                    "bounces: mailbox '%s': maildir: needs an absolute path",
                    url);
            return -1;
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (str_has_prefix(url, schemes[i].scheme)) {
            p = url + strlen(schemes[i].scheme);
            u->kind = schemes[i].kind;
            u->tls = schemes[i].tls;
            u->port = schemes[i].port;
        }
    if (p == NULL) {
        err_set(err, ERR_PERM,
                "bounces: mailbox '%s' is not imaps://USER@HOST[/FOLDER], "
                "pop3s://USER@HOST or maildir:/PATH",
                url);
        return -1;
    }
    end = p + strcspn(p, "/");
    at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q; /* the last: a user name may be an address */
    if (at == NULL || at == p || (size_t)(at - p) >= sizeof(u->user)) {
        err_set(err, ERR_PERM, "bounces: mailbox '%s' names no USER@", url);
        return -1;
    }
    memcpy(u->user, p, (size_t)(at - p));
    hp = at + 1;
    if (*hp == '[') {
        const char *close = memchr(hp, ']', (size_t)(end - hp));
        if (close == NULL) {
            err_set(err, ERR_PERM, "bounces: mailbox '%s': bad host", url);
            return -1;
        }
        n = (size_t)(close - hp - 1);
        hp++;
        p = close + 1;
    } else {
        const char *colon = memchr(hp, ':', (size_t)(end - hp));
        p = colon ? colon : end;
        n = (size_t)(p - hp);
    }
    if (n == 0 || n >= sizeof(u->host)) {
        err_set(err, ERR_PERM, "bounces: mailbox '%s': bad host", url);
        return -1;
    }
    memcpy(u->host, hp, n);
    if (*p == ':') {
        char num[8];
        size_t k = (size_t)(end - p - 1);
        if (k == 0 || k >= sizeof(num)) {
            err_set(err, ERR_PERM, "bounces: mailbox '%s': bad port", url);
            return -1;
        }
        memcpy(num, p + 1, k);
        num[k] = '\0';
        if (str_to_long(num, 1, 65535, &port) == -1) {
            err_set(err, ERR_PERM, "bounces: mailbox '%s': bad port", url);
            return -1;
        }
        u->port = (uint16_t)port;
    } else if (p != end) {
        err_set(err, ERR_PERM, "bounces: mailbox '%s': bad host", url);
        return -1;
    }
    if (*end == '/' && end[1] != '\0') {
        if (u->kind != MB_IMAP ||
            str_copy(u->path, sizeof(u->path), end + 1) == -1) {
            err_set(err, ERR_PERM,
                    "bounces: mailbox '%s': only IMAP names a folder", url);
            return -1;
        }
    } else {
        str_copy(u->path, sizeof(u->path), "INBOX");
    }
    if (!u->tls && !addr_is_loopback(u->host)) {
        err_set(err, ERR_PERM,
                "bounces: mailbox '%s': clear-text imap:// and pop3:// only "
                "on a loopback host; use imaps:// or pop3s://",
                url);
        return -1;
    }
    return 0;
}

int
bounce_mailbox_check_url(const char *url, struct err *err)
{
    struct mb_url u;

    return mb_parse_url(url, &u, err);
}

/* mb_sni - libetpan's hook before the handshake: send the host name */
static void
mb_sni(struct mailstream_ssl_context *ctx, void *data)
{
    const char *host = data;

    if (strchr(host, ':') == NULL &&
        strspn(host, "0123456789.") != strlen(host))
        (void)mailstream_ssl_set_server_name(ctx, (char *)host);
}

/* mb_tls - verify the TLS peer, unless [smtp] tls_verify is off */
static int
mb_tls(struct bounce_mailbox *mb, const struct config *cfg, mailstream *s,
       struct err *err)
{
    if (!mb->url.tls || !cfg->smtp_tls_verify)
        return 0;
    return tls_check_peer(s, cfg->smtp_ca_file, mb->url.host, "bounces", err);
}

/* ---- IMAP ---------------------------------------------------------- */

static int
mb_imap_open(struct bounce_mailbox *mb, const struct config *cfg,
             struct err *err)
{
    struct mailimap_search_key *key = NULL;
    clist *found = NULL;
    int r;

    mb->imap = mailimap_new(0, NULL);
    if (mb->imap == NULL) {
        err_set(err, ERR_TEMP, "bounces: out of memory");
        return -1;
    }
    mailimap_set_timeout(mb->imap, cfg->smtp_timeout);
    r = mb->url.tls
            ? mailimap_ssl_connect_with_callback(
                  mb->imap, mb->url.host, mb->url.port, mb_sni, mb->url.host)
            : mailimap_socket_connect(mb->imap, mb->url.host, mb->url.port);
    if (r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
        r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
        err_set(err, ERR_TEMP, "bounces: cannot connect to %s:%u (IMAP)",
                mb->url.host, mb->url.port);
        return -1;
    }
    if (mb_tls(mb, cfg, mb->imap->imap_stream, err) == -1)
        return -1;
    if (mailimap_login(mb->imap, mb->url.user, cfg->bounce_password) !=
        MAILIMAP_NO_ERROR) {
        err_set(err, ERR_PERM, "bounces: IMAP login as '%s' refused",
                mb->url.user);
        return -1;
    }
    if (mailimap_select(mb->imap, mb->url.path) != MAILIMAP_NO_ERROR) {
        err_set(err, ERR_PERM, "bounces: cannot select folder '%s'",
                mb->url.path);
        return -1;
    }
    key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNSEEN, NULL, NULL, NULL,
                                  NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                                  NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
                                  NULL, NULL, NULL, 0, NULL, NULL, NULL);
    r = mailimap_uid_search(mb->imap, NULL, key, &found);
    mailimap_search_key_free(key);
    if (r != MAILIMAP_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: IMAP SEARCH failed");
        return -1;
    }
    mb->uids = xcalloc((size_t)clist_count(found) + 1, sizeof(*mb->uids));
    for (clistiter *it = clist_begin(found); it && mb->n < BOUNCE_MAILBOX_MAX;
         it = clist_next(it))
        mb->uids[mb->n++] = *(uint32_t *)clist_content(it);
    mailimap_search_result_free(found);
    return 0;
}

static int
mb_imap_fetch(struct bounce_mailbox *mb, size_t i, char **data, size_t *len,
              int *too_big, struct err *err)
{
    struct mailimap_set *set = mailimap_set_new_single(mb->uids[i]);
    struct mailimap_fetch_type *ft;
    clist *res = NULL;
    int r, rc = -1;

    /* BODY.PEEK[]<0.MAX+1>: the message without setting \Seen, and never
     * more than one byte over the cap */
    ft = mailimap_fetch_type_new_fetch_att(
        mailimap_fetch_att_new_body_peek_section_partial(
            mailimap_section_new(NULL), 0, BOUNCE_MSG_MAX + 1));
    r = mailimap_uid_fetch(mb->imap, set, ft, &res);
    mailimap_fetch_type_free(ft);
    mailimap_set_free(set);
    if (r != MAILIMAP_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: IMAP FETCH of uid %u failed",
                mb->uids[i]);
        return -1;
    }
    *data = NULL;
    for (clistiter *it = clist_begin(res); it && !*data; it = clist_next(it)) {
        struct mailimap_msg_att *att = clist_content(it);
        for (clistiter *a = clist_begin(att->att_list); a; a = clist_next(a)) {
            struct mailimap_msg_att_item *item = clist_content(a);
            struct mailimap_msg_att_body_section *sec;
            if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC ||
                item->att_data.att_static->att_type !=
                    MAILIMAP_MSG_ATT_BODY_SECTION)
                continue;
            sec = item->att_data.att_static->att_data.att_body_section;
            if (sec->sec_body_part == NULL)
                continue;
            *too_big = sec->sec_length > BOUNCE_MSG_MAX;
            if (!*too_big) {
                *data = xmalloc(sec->sec_length + 1);
                memcpy(*data, sec->sec_body_part, sec->sec_length);
                (*data)[sec->sec_length] = '\0';
                *len = sec->sec_length;
            }
            rc = 0;
            break;
        }
    }
    mailimap_fetch_list_free(res);
    if (rc == -1)
        err_set(err, ERR_TEMP,
                "bounces: IMAP FETCH of uid %u returned no "
                "body",
                mb->uids[i]);
    return rc;
}

/* mb_imap_flag - add \Seen or \Deleted to message i */
static int
mb_imap_flag(struct bounce_mailbox *mb, size_t i, int deleted, struct err *err)
{
    struct mailimap_flag_list *fl = mailimap_flag_list_new_empty();
    struct mailimap_store_att_flags *sf;
    struct mailimap_set *set = mailimap_set_new_single(mb->uids[i]);
    int r;

    mailimap_flag_list_add(fl, mailimap_flag_new_seen());
    if (deleted)
        mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
    sf = mailimap_store_att_flags_new_add_flags_silent(fl);
    r = mailimap_uid_store(mb->imap, set, sf);
    mailimap_store_att_flags_free(sf);
    mailimap_set_free(set);
    if (r != MAILIMAP_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: IMAP STORE on uid %u failed",
                mb->uids[i]);
        return -1;
    }
    return 0;
}

static int
mb_imap_del(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    return mb_imap_flag(mb, i, 1, err);
}

static int
mb_imap_keep(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    return mb_imap_flag(mb, i, 0, err);
}

static int
mb_imap_close(struct bounce_mailbox *mb, struct err *err)
{
    if (mailimap_expunge(mb->imap) != MAILIMAP_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: IMAP EXPUNGE failed");
        return -1;
    }
    (void)mailimap_logout(mb->imap);
    return 0;
}

/* ---- POP3 ---------------------------------------------------------- */

static int
mb_pop3_open(struct bounce_mailbox *mb, const struct config *cfg,
             struct err *err)
{
    carray *list = NULL;
    int r;

    mb->pop3 = mailpop3_new(0, NULL);
    if (mb->pop3 == NULL) {
        err_set(err, ERR_TEMP, "bounces: out of memory");
        return -1;
    }
    mailpop3_set_timeout(mb->pop3, cfg->smtp_timeout);
    r = mb->url.tls
            ? mailpop3_ssl_connect_with_callback(
                  mb->pop3, mb->url.host, mb->url.port, mb_sni, mb->url.host)
            : mailpop3_socket_connect(mb->pop3, mb->url.host, mb->url.port);
    if (r != MAILPOP3_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: cannot connect to %s:%u (POP3)",
                mb->url.host, mb->url.port);
        return -1;
    }
    if (mb_tls(mb, cfg, mb->pop3->pop3_stream, err) == -1)
        return -1;
    if (mailpop3_user(mb->pop3, mb->url.user) != MAILPOP3_NO_ERROR ||
        mailpop3_pass(mb->pop3, cfg->bounce_password) != MAILPOP3_NO_ERROR) {
        err_set(err, ERR_PERM, "bounces: POP3 login as '%s' refused",
                mb->url.user);
        return -1;
    }
    if (mailpop3_list(mb->pop3, &list) != MAILPOP3_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: POP3 LIST failed");
        return -1;
    }
    mb->uids = xcalloc(carray_count(list) + 1, sizeof(*mb->uids));
    /* POP3 cannot mark what it keeps, so kept messages come back every
     * time: read the newest (last) ones, or old non-reports could hide
     * new reports forever */
    for (unsigned i = carray_count(list) > BOUNCE_MAILBOX_MAX
                          ? carray_count(list) - BOUNCE_MAILBOX_MAX
                          : 0;
         i < carray_count(list) && mb->n < BOUNCE_MAILBOX_MAX; i++) {
        struct mailpop3_msg_info *info = carray_get(list, i);
        if (info != NULL && !info->msg_deleted)
            mb->uids[mb->n++] = info->msg_index;
    }
    return 0;
}

static int
mb_pop3_fetch(struct bounce_mailbox *mb, size_t i, char **data, size_t *len,
              int *too_big, struct err *err)
{
    struct mailpop3_msg_info *info = NULL;
    char *msg = NULL;
    size_t n = 0;

    /* the listed size, so an oversized message is never downloaded */
    if (mailpop3_get_msg_info(mb->pop3, mb->uids[i], &info) ==
            MAILPOP3_NO_ERROR &&
        info != NULL && info->msg_size > BOUNCE_MSG_MAX) {
        *too_big = 1;
        *data = NULL;
        return 0;
    }
    if (mailpop3_retr(mb->pop3, mb->uids[i], &msg, &n) != MAILPOP3_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: POP3 RETR %u failed", mb->uids[i]);
        return -1;
    }
    *too_big = n > BOUNCE_MSG_MAX;
    *data = NULL;
    if (!*too_big) {
        *data = xmalloc(n + 1);
        memcpy(*data, msg, n);
        (*data)[n] = '\0';
        *len = n;
    }
    mailpop3_retr_free(msg);
    return 0;
}

static int
mb_pop3_del(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    if (mailpop3_dele(mb->pop3, mb->uids[i]) != MAILPOP3_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: POP3 DELE %u failed", mb->uids[i]);
        return -1;
    }
    return 0;
}

static int
mb_pop3_keep(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    (void)mb;
    (void)i;
    (void)err;
    return 0; /* POP3 has no flags: it is read again next time */
}

static int
mb_pop3_close(struct bounce_mailbox *mb, struct err *err)
{
    if (mailpop3_quit(mb->pop3) != MAILPOP3_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: POP3 QUIT failed (deletions lost)");
        return -1;
    }
    return 0;
}

/* ---- maildir ------------------------------------------------------- */

static int
mb_maildir_open(struct bounce_mailbox *mb, const struct config *cfg,
                struct err *err)
{
    struct stat st;
    unsigned count;

    (void)cfg;
    /* the maildir itself must not be a link (its new/ and cur/ are
     * opened by libetpan by name) */
    if (lstat(mb->url.path, &st) == -1 || !S_ISDIR(st.st_mode)) {
        err_set(err, ERR_PERM, "bounces: maildir '%s' is not a directory",
                mb->url.path);
        return -1;
    }
    mb->md = maildir_new(mb->url.path);
    if (mb->md == NULL || maildir_update(mb->md) != MAILDIR_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: cannot read maildir '%s'",
                mb->url.path);
        return -1;
    }
    count = carray_count(mb->md->mdir_msg_list);
    mb->names = xcalloc((size_t)count + 1, sizeof(*mb->names));
    for (unsigned i = 0; i < count && mb->n < BOUNCE_MAILBOX_MAX; i++) {
        struct maildir_msg *m = carray_get(mb->md->mdir_msg_list, i);
        if (!(m->msg_flags & MAILDIR_FLAG_SEEN))
            mb->names[mb->n++] = xstrdup(m->msg_uid);
    }
    return 0;
}

static int
mb_maildir_fetch(struct bounce_mailbox *mb, size_t i, char **data, size_t *len,
                 int *too_big, struct err *err)
{
    char *path = maildir_message_get(mb->md, mb->names[i]);
    struct stat st;
    size_t got = 0;
    int fd = -1, rc = -1;

    *data = NULL;
    if (path == NULL) {
        err_set(err, ERR_TEMP, "bounces: maildir message '%s' is gone",
                mb->names[i]);
        return -1;
    }
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        err_set(err, ERR_TEMP, "bounces: cannot open '%s': %s", path,
                fd == -1 ? strerror(errno) : "not a regular file");
        goto out;
    }
    *too_big = st.st_size > BOUNCE_MSG_MAX;
    if (*too_big) {
        rc = 0;
        goto out;
    }
    *data = xmalloc((size_t)st.st_size + 1);
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, *data + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    (*data)[got] = '\0';
    *len = got;
    rc = 0;
out:
    if (fd != -1)
        close(fd);
    free(path);
    return rc;
}

static int
mb_maildir_del(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    if (maildir_message_remove(mb->md, mb->names[i]) != MAILDIR_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: cannot remove maildir message '%s'",
                mb->names[i]);
        return -1;
    }
    return 0;
}

static int
mb_maildir_keep(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    if (maildir_message_change_flags(mb->md, mb->names[i], MAILDIR_FLAG_SEEN) !=
        MAILDIR_NO_ERROR) {
        err_set(err, ERR_TEMP, "bounces: cannot flag maildir message '%s'",
                mb->names[i]);
        return -1;
    }
    return 0;
}

static int
mb_maildir_close(struct bounce_mailbox *mb, struct err *err)
{
    (void)mb;
    (void)err;
    return 0;
}

static const struct mb_ops mb_imap_ops = {
    mb_imap_open, mb_imap_fetch, mb_imap_del, mb_imap_keep, mb_imap_close};
static const struct mb_ops mb_pop3_ops = {
    mb_pop3_open, mb_pop3_fetch, mb_pop3_del, mb_pop3_keep, mb_pop3_close};
static const struct mb_ops mb_maildir_ops = {mb_maildir_open, mb_maildir_fetch,
                                             mb_maildir_del, mb_maildir_keep,
                                             mb_maildir_close};

int
bounce_mailbox_open(const struct config *cfg, struct bounce_mailbox **out,
                    struct err *err)
{
    struct bounce_mailbox *mb = xcalloc(1, sizeof(*mb));

    if (mb_parse_url(cfg->bounce_mailbox, &mb->url, err) == -1)
        goto fail;
    mb->ops = mb->url.kind == MB_IMAP   ? &mb_imap_ops
              : mb->url.kind == MB_POP3 ? &mb_pop3_ops
                                        : &mb_maildir_ops;
    if (mb->url.kind != MB_MAILDIR && cfg->bounce_password[0] == '\0') {
        err_set(err, ERR_PERM,
                "bounces: no password for '%s' ([bounces] password_file or "
                "PAPERBOY_BOUNCES_PASSWORD)",
                mb->url.user);
        goto fail;
    }
    if (mb->ops->open(mb, cfg, err) == -1)
        goto fail;
    *out = mb;
    return 0;
fail:
    bounce_mailbox_free(mb);
    return -1;
}

size_t
bounce_mailbox_count(const struct bounce_mailbox *mb)
{
    return mb->n;
}

int
bounce_mailbox_fetch(struct bounce_mailbox *mb, size_t i, char **data,
                     size_t *len, int *too_big, struct err *err)
{
    *too_big = 0;
    return mb->ops->fetch(mb, i, data, len, too_big, err);
}

int
bounce_mailbox_delete(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    return mb->ops->del(mb, i, err);
}

int
bounce_mailbox_keep(struct bounce_mailbox *mb, size_t i, struct err *err)
{
    return mb->ops->keep(mb, i, err);
}

int
bounce_mailbox_close(struct bounce_mailbox *mb, struct err *err)
{
    return mb->ops->close(mb, err);
}

void
bounce_mailbox_free(struct bounce_mailbox *mb)
{
    if (mb == NULL)
        return;
    if (mb->imap)
        mailimap_free(mb->imap);
    /* mailpop3_free() does not QUIT: POP3 deletions not yet committed are
     * dropped by the server when the connection closes */
    if (mb->pop3)
        mailpop3_free(mb->pop3);
    if (mb->md)
        maildir_free(mb->md);
    for (size_t i = 0; mb->names && i < mb->n; i++)
        free(mb->names[i]);
    free(mb->names);
    free(mb->uids);
    free(mb);
}
