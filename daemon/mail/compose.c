/* SPDX-License-Identifier: MIT */
/*
 * compose - digests and confirmations as RFC 5322 messages (see
 * compose.h).
 *
 * The message is written in two parts with one seam.  libetpan writes
 * the RFC 5322 fields that need its address parser, date format and
 * folding (Date, From, To, Message-ID, Subject: compose_imf_fields);
 * mime.c appends everything after them: our header fields (List-*,
 * Feedback-ID, Auto-Submitted) and the multipart/alternative body of a
 * text/plain and a text/html part, UTF-8, quoted-printable (qp.c), CRLF
 * line ends.  Everything that could vary between two renderings of the
 * same row is derived from the row: Date is the row's time, the tokens
 * carry that time, and the MIME boundary is an HMAC of the Message-ID
 * ("=_" cannot occur in quoted-printable text, so the boundary never
 * collides).  The only values that reach headers are the config's From,
 * the list's name and title, the subscriber's address and our own
 * tokens; each is checked for CR, LF and other control characters and
 * refused if it has any (compose_head_ok, and mime_header() again).
 */
#include "compose.h"

#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db_digest.h"
#include "db_list.h"
#include "db_sub.h"
#include "log.h"
#include "mime.h"
#include "qp.h"
#include "render.h"
#include "str.h"
#include "tmpl.h"
#include "xalloc.h"

#define COMPOSE_PART_MAX (4 * 1024 * 1024) /* bytes per rendered part */
#define COMPOSE_SUBJECT_MAX 512            /* bytes before encoding */
#define COMPOSE_CACHE_SLOTS 4096           /* papers; a power of two */
#define COMPOSE_CACHE_PROBE 8              /* slots tried per paper */
#define COMPOSE_CACHE_BYTES (8 << 20)      /* default cap, see compose.h */
#define COMPOSE_FS_SLOTS 8                 /* failed-source answers kept */
/* The digest mail's HTML part before encoding.  Gmail clips a message
 * whose HTML passes about 102 KB, and the unsubscribe link at the bottom
 * goes with it; quoted-printable adds up to ~10 % to this template (=3D
 * in every attribute, soft breaks), so the encoded part stays under
 * 100 KB.  A digest that would be larger carries fewer papers and says
 * how many more the "view in browser" page has. */
#define COMPOSE_HTML_MAX (88 * 1024)

/* A paper's fields as render_paper_fixed() set them, with the inputs they
 * were made from: a digest's papers are mostly the day's same few hundred,
 * and this spares summarising and wrapping each of them for every
 * subscriber.  An entry is used only when every input is byte for byte
 * the same, so the mail is exactly what render_paper() would make. */
struct compose_cached {
    int64_t id; /* papers.id; 0 = empty */
    char *key;  /* the inputs, see compose_cache_key() */
    size_t key_len;
    struct tmpl_obj *obj; /* in compose.cache_data */
    unsigned snap;        /* compose.snap when key was last found equal to
                             the paper's row; 0 = not since the papers
                             last changed */
};

/* A digest's failed sources (compose_failed_sources), kept for the rest
 * of one read snapshot (compose_snapshot): the answer depends only on
 * the categories, include_hf and the digest's time, which digests frozen
 * in the same second share. */
struct compose_fs {
    char *cats; /* the categories asked; NULL = empty slot */
    int include_hf;
    int64_t at;
    struct buf failed; /* the failed categories, each NUL-terminated */
    int n;             /* how many */
};

struct compose {
    const struct config *cfg; /* borrowed; outlives the compose */
    struct token_key key;
    struct tmpl *digest_html;
    struct tmpl *digest_txt;
    struct tmpl *confirm_html;
    struct tmpl *confirm_txt;
    struct tmpl *manage_html; /* "manage my subscription" */
    struct tmpl *manage_txt;
    struct tmpl_data *data; /* reused for every message */
    struct buf scratch;     /* reused by render_paper() */
    struct buf scratch2;    /* its second work buffer */
    struct buf text, html;  /* the rendered parts, reused */
    struct compose_cached cache[COMPOSE_CACHE_SLOTS];
    struct tmpl_data *cache_data; /* the cached fields */
    size_t cache_bytes;           /* roughly, held by the cache */
    size_t cache_max;             /* cap on cache_bytes; 0 = no cache */
    int cache_full;               /* cleared before the next message */
    struct buf ckey;              /* compose_cache_key()'s, reused */
    struct compose_fs fs[COMPOSE_FS_SLOTS]; /* see compose_snapshot() */
    size_t fs_next;                         /* the slot to take next */
    unsigned snap;    /* papers versions seen by compose_snapshot(); 0 =
                         none */
    int64_t pver;     /* the last papers version */
    char domain[256]; /* of [smtp] from, for Message-IDs and List-Id */
    int paper_limit;  /* papers a digest mail carries; 0 = all */
    int papers;       /* papers the last digest had, before the limit */
};

/* What a message needs besides its two bodies. */
struct compose_head {
    int64_t date;           /* unix seconds */
    const char *message_id; /* "<...>" */
    const char *to;         /* addr-spec */
    const char *subject;    /* UTF-8 */
    const char *list_name;  /* for List-Id, or NULL */
    const char *unsub_url;  /* for List-Unsubscribe, or NULL */
    const char *campaign;   /* Feedback-ID's first field: the digest's
                               day, or "confirm" */
    const char *kind;       /* Feedback-ID's third field */
};

/* compose_load_one - one template from web/templates */
static int
compose_load_one(const struct config *cfg, const char *name, struct tmpl **t,
                 struct err *err)
{
    char path[1024], rel[128];

    snprintf(rel, sizeof(rel), "templates/%s", name);
    if (config_web_path(cfg, rel, path, sizeof(path)) == -1) {
        err_set(err, ERR_PERM, "compose: template path too long");
        return -1;
    }
    if (tmpl_load(path, t, err) == -1) {
        err_prefix(err, "compose: %s", path);
        return -1;
    }
    return 0;
}

int
compose_new(const struct config *cfg, const struct token_key *key,
            struct compose **out, struct err *err)
{
    struct compose *c = xcalloc(1, sizeof(*c));

    c->cfg = cfg;
    c->key = *key;
    buf_init(&c->scratch, COMPOSE_PART_MAX);
    buf_init(&c->scratch2, COMPOSE_PART_MAX);
    buf_init(&c->text, COMPOSE_PART_MAX);
    buf_init(&c->html, COMPOSE_PART_MAX);
    buf_init(&c->ckey, BUF_UNLIMITED);
    c->cache_data = tmpl_data_new();
    c->cache_max = COMPOSE_CACHE_BYTES;
    config_from_domain(cfg, c->domain, sizeof(c->domain));
    if (str_has_ctl(c->domain, strlen(c->domain)) ||
        strpbrk(c->domain, " <>\"()[],;:\\") != NULL) {
        err_set(err, ERR_PERM, "compose: bad domain in [smtp] from");
        goto fail;
    }
    if (compose_load_one(cfg, "digest.html", &c->digest_html, err) == -1 ||
        compose_load_one(cfg, "digest.txt", &c->digest_txt, err) == -1 ||
        compose_load_one(cfg, "confirm.html", &c->confirm_html, err) == -1 ||
        compose_load_one(cfg, "confirm.txt", &c->confirm_txt, err) == -1 ||
        compose_load_one(cfg, "manage.html", &c->manage_html, err) == -1 ||
        compose_load_one(cfg, "manage.txt", &c->manage_txt, err) == -1)
        goto fail;
    c->data = tmpl_data_new();
    *out = c;
    return 0;
fail:
    compose_free(c);
    return -1;
}

/* compose_fs_clear - forget the failed-source answers */
static void
compose_fs_clear(struct compose *c)
{
    for (size_t i = 0; i < COMPOSE_FS_SLOTS; i++) {
        free(c->fs[i].cats);
        c->fs[i].cats = NULL;
        buf_release(&c->fs[i].failed);
    }
    c->fs_next = 0;
}

void
compose_snapshot(struct compose *c, int64_t papers_version)
{
    compose_fs_clear(c);
    if (c->snap > 0 && papers_version == c->pver)
        return; /* every paper row is as it was */
    c->pver = papers_version;
    c->snap++;
    if (c->snap == 0) { /* wrapped: no entry may look verified */
        for (size_t i = 0; i < COMPOSE_CACHE_SLOTS; i++)
            c->cache[i].snap = 0;
        c->snap = 1;
    }
}

void
compose_free(struct compose *c)
{
    if (c == NULL)
        return;
    tmpl_free(c->digest_html);
    tmpl_free(c->digest_txt);
    tmpl_free(c->confirm_html);
    tmpl_free(c->confirm_txt);
    tmpl_free(c->manage_html);
    tmpl_free(c->manage_txt);
    tmpl_data_free(c->data);
    buf_release(&c->scratch);
    buf_release(&c->scratch2);
    buf_release(&c->text);
    buf_release(&c->html);
    buf_release(&c->ckey);
    for (size_t i = 0; i < COMPOSE_CACHE_SLOTS; i++)
        free(c->cache[i].key);
    tmpl_data_free(c->cache_data);
    compose_fs_clear(c);
    free(c);
}

void
compose_message_id_digest(const struct compose *c, int64_t sub_id,
                          const char *day, char *out, size_t size)
{
    char data[96], mac[17];
    int n = snprintf(data, sizeof(data), "d|%lld|%s", (long long)sub_id, day);

    token_mac_hex(&c->key, data, (size_t)n, mac, 16);
    snprintf(out, size, "<d.%lld.%s.%s@%s>", (long long)sub_id, day, mac,
             c->domain);
}

void
compose_message_id_confirm(const struct compose *c, int64_t sub_id,
                           int64_t issued_at, char *out, size_t size)
{
    char data[96], mac[17];
    int n = snprintf(data, sizeof(data), "c|%lld|%lld", (long long)sub_id,
                     (long long)issued_at);

    token_mac_hex(&c->key, data, (size_t)n, mac, 16);
    snprintf(out, size, "<c.%lld.%lld.%s@%s>", (long long)sub_id,
             (long long)issued_at, mac, c->domain);
}

/* compose_head_ok - -1 with err unless every value of h and the config
 * that reaches the header is free of control characters and of sane
 * length, the Message-ID is "<...>" and the recipient a bare address */
static int
compose_head_ok(const struct compose *c, const struct compose_head *h,
                struct err *err)
{
    size_t mid_len = strlen(h->message_id);

    if (mime_value_ok("the subject", h->subject, err) == -1 ||
        mime_value_ok("the recipient", h->to, err) == -1 ||
        mime_value_ok("[smtp] from", c->cfg->smtp_from, err) == -1 ||
        mime_value_ok("the Message-ID", h->message_id, err) == -1 ||
        (h->list_name &&
         mime_value_ok("the list name", h->list_name, err) == -1) ||
        (h->unsub_url &&
         mime_value_ok("the unsubscribe link", h->unsub_url, err) == -1) ||
        mime_value_ok("[digest] list_address", c->cfg->list_address, err) == -1)
        return -1;
    if (mid_len < 5 || h->message_id[0] != '<' ||
        h->message_id[mid_len - 1] != '>' ||
        strpbrk(h->message_id + 1, "<> ") != h->message_id + mid_len - 1) {
        err_set(err, ERR_PERM, "compose: malformed Message-ID");
        return -1;
    }
    if (strchr(h->to, '@') == NULL || strpbrk(h->to, " <>,;\"()\\") != NULL) {
        err_set(err, ERR_PERM, "compose: bad recipient address");
        return -1;
    }
    return 0;
}

/* compose_imf_fields - Date, From, To, Message-ID and Subject, written by
 * libetpan (it parses [smtp] from, formats the date and folds the
 * subject at white space) onto out; from_addr receives From's addr-spec.
 * The values were checked by compose_head_ok(). */
static int
compose_imf_fields(const struct compose *c, const struct compose_head *h,
                   char *from_addr, size_t from_size, struct buf *out,
                   struct err *err)
{
    const char *from_cfg = c->cfg->smtp_from;
    struct mailimf_mailbox_list *from = NULL;
    struct mailimf_address_list *to = NULL;
    struct mailimf_mailbox *from_mb = NULL;
    struct mailimf_fields *fields = NULL;
    struct mailimf_date_time *date = NULL;
    MMAPString *mm = NULL;
    struct buf tmp;
    struct tm tm;
    time_t t = (time_t)h->date;
    size_t idx = 0, mid_len = strlen(h->message_id);
    int col = 0, rc = -1;

    buf_init(&tmp, 4096);
    if (mailimf_mailbox_parse(from_cfg, strlen(from_cfg), &idx, &from_mb) !=
        MAILIMF_NO_ERROR) {
        err_set(err, ERR_PERM, "compose: cannot parse [smtp] from '%s'",
                from_cfg);
        goto out;
    }
    snprintf(from_addr, from_size, "%s", from_mb->mb_addr_spec);
    if (from_mb->mb_display_name != NULL) {
        mime_encode_words(from_mb->mb_display_name, &tmp);
        free(from_mb->mb_display_name);
        from_mb->mb_display_name = xstrdup(buf_str(&tmp));
        buf_reset(&tmp);
    }
    from = mailimf_mailbox_list_new_empty();
    if (from == NULL || mailimf_mailbox_list_add(from, from_mb) != 0)
        BUG("compose: out of memory");
    from_mb = NULL;
    to = mailimf_address_list_new_empty();
    if (to == NULL ||
        mailimf_address_list_add_mb(to, NULL, xstrdup(h->to)) != 0)
        BUG("compose: out of memory");
    if (gmtime_r(&t, &tm) == NULL) {
        err_set(err, ERR_PERM, "compose: bad date");
        goto out;
    }
    date = mailimf_date_time_new(tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900,
                                 tm.tm_hour, tm.tm_min, tm.tm_sec, 0);
    mime_encode_words(h->subject, &tmp);
    fields = mailimf_fields_new_with_data_all(
        date, from, NULL, NULL, to, NULL, NULL,
        xstrndup(h->message_id + 1, mid_len - 2), NULL, NULL,
        xstrdup(buf_str(&tmp)));
    if (date == NULL || fields == NULL)
        BUG("compose: out of memory");
    date = NULL;
    from = NULL;
    to = NULL;
    mm = mmap_string_new("");
    if (mm == NULL ||
        mailimf_fields_write_mem(mm, &col, fields) != MAILIMF_NO_ERROR) {
        err_set(err, ERR_PERM, "compose: libetpan could not write the header");
        goto out;
    }
    buf_add(out, mm->str, mm->len);
    rc = 0;
out:
    if (mm != NULL)
        mmap_string_free(mm);
    if (fields != NULL)
        mailimf_fields_free(fields);
    if (date != NULL)
        mailimf_date_time_free(date);
    if (from != NULL)
        mailimf_mailbox_list_free(from);
    if (to != NULL)
        mailimf_address_list_free(to);
    if (from_mb != NULL)
        mailimf_mailbox_free(from_mb);
    buf_release(&tmp);
    return rc;
}

/* compose_list_fields - Auto-Submitted, and for a list's mail List-Id,
 * List-Unsubscribe (RFC 2369) with List-Unsubscribe-Post (RFC 8058
 * one-click) and Feedback-ID, onto out (unfolded: each is far below 998
 * octets, and a folded first word leaves an empty first line some
 * parsers keep as a space) */
static int
compose_list_fields(const struct compose *c, const struct compose_head *h,
                    const char *from_addr, struct buf *out, struct err *err)
{
    struct buf v;
    int rc = 0;

    buf_init(&v, 4096);
    rc |= mime_header(out, "Auto-Submitted", "auto-generated", err);
    /* (buf_adds rather than buf_addf: this runs for every message) */
    if (h->list_name != NULL && rc == 0) {
        buf_adds(&v, "<");
        buf_adds(&v, h->list_name);
        buf_addc(&v, '.');
        buf_adds(&v, c->domain);
        buf_adds(&v, ">");
        rc |= mime_header(out, "List-Id", buf_str(&v), err);
    }
    if (h->unsub_url != NULL && rc == 0) {
        const char *list = c->cfg->list_address;
        buf_reset(&v);
        buf_adds(&v, "<");
        buf_adds(&v, h->unsub_url);
        buf_adds(&v, ">, <mailto:");
        buf_adds(&v, *list ? list : from_addr);
        buf_adds(&v, "?subject=unsubscribe>");
        rc |= mime_header(out, "List-Unsubscribe", buf_str(&v), err);
        rc |= mime_header(out, "List-Unsubscribe-Post",
                          "List-Unsubscribe=One-Click", err);
    }
    if (h->list_name != NULL && h->campaign != NULL && rc == 0) {
        /* Gmail's feedback loop: campaign:list:kind:sender, where the
         * sender id is the From domain (the same for every message) */
        buf_reset(&v);
        buf_adds(&v, h->campaign);
        buf_addc(&v, ':');
        buf_adds(&v, h->list_name);
        buf_addc(&v, ':');
        buf_adds(&v, h->kind);
        buf_addc(&v, ':');
        buf_adds(&v, c->domain);
        rc |= mime_header(out, "Feedback-ID", buf_str(&v), err);
    }
    buf_release(&v);
    return rc == 0 ? 0 : -1;
}

/* compose_build - the whole message onto out: libetpan's RFC 5322 fields,
 * then ours and the MIME entity (mime.h); on failure out is as it was */
static int
compose_build(struct compose *c, const struct compose_head *h,
              const struct buf *text, const struct buf *html, struct buf *out,
              struct err *err)
{
    struct mime_text parts[2];
    char mac[25], boundary[40], from_addr[320];
    size_t start = out->len;

    if (compose_head_ok(c, h, err) == -1)
        return -1;
    /* a boundary that is a function of the Message-ID */
    token_mac_hex(&c->key, h->message_id, strlen(h->message_id), mac, 24);
    snprintf(boundary, sizeof(boundary), "=_pb_%s", mac);
    parts[0].subtype = "plain";
    parts[0].data = buf_str(text);
    parts[0].len = text->len;
    parts[1].subtype = "html";
    parts[1].data = buf_str(html);
    parts[1].len = html->len;
    if (compose_imf_fields(c, h, from_addr, sizeof(from_addr), out, err) ==
            -1 ||
        compose_list_fields(c, h, from_addr, out, err) == -1 ||
        mime_alternative(out, boundary, parts, 2, err) == -1 ||
        buf_check(out, err) == -1) {
        buf_truncate(out, start);
        return -1;
    }
    return 0;
}

/* State for filling a digest's papers. */
struct compose_fill {
    struct compose *c;
    struct tmpl_obj *root;
    int n;                  /* papers added */
    int omitted;            /* papers left out by c->paper_limit */
    int64_t sub_id, issued; /* for the vote links: subscription, time */
    struct db *db;          /* for compose_on_ref's papers */
    struct err *err;
    const struct db_digest_paper *ref; /* compose_on_ref's item */
};

/* compose_key_add - s and its NUL onto the cache key */
static void
compose_key_add(struct buf *k, const char *s)
{
    buf_add(k, s, strlen(s) + 1);
}

/* compose_cache_key - every input of render_paper_fixed() into k */
static void
compose_cache_key(const struct db_digest_paper *p, struct buf *k)
{
    char up[16];
    int n = snprintf(up, sizeof(up), "%d", p->upvotes);

    buf_reset(k);
    buf_add(k, up, n > 0 && (size_t)n < sizeof(up) ? (size_t)n + 1 : 0);
    compose_key_add(k, p->arxiv_id);
    compose_key_add(k, p->title);
    compose_key_add(k, p->abstract);
    compose_key_add(k, *p->abstract ? "" : p->ai_summary);
    compose_key_add(k, p->authors);
    compose_key_add(k, p->categories);
    compose_key_add(k, p->hf_day);
    compose_key_add(k, p->github_repo);
    compose_key_add(k, p->project_page);
}

/* compose_cache_clear - forget every cached paper */
static void
compose_cache_clear(struct compose *c)
{
    for (size_t i = 0; i < COMPOSE_CACHE_SLOTS; i++) {
        free(c->cache[i].key);
        memset(&c->cache[i], 0, sizeof(c->cache[i]));
    }
    tmpl_data_reset(c->cache_data);
    c->cache_bytes = 0;
    c->cache_full = 0;
}

void
compose_trim(struct compose *c)
{
    /* only when they hold something: clearing writes every slot, which
     * would make the tables' untouched (zero) pages resident */
    if (c == NULL)
        return;
    if (c->cache_bytes > 0 || c->cache_full)
        compose_cache_clear(c);
}

/* compose_cache_slot - paper id's slot in the cache: where it is, else
 * the first free one probed, else the first one probed (to evict) */
static struct compose_cached *
compose_cache_slot(struct compose *c, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ull;
    size_t at = (size_t)(h >> 40) & (COMPOSE_CACHE_SLOTS - 1);

    for (size_t k = 0; k < COMPOSE_CACHE_PROBE; k++) {
        struct compose_cached *x =
            &c->cache[(at + k) & (COMPOSE_CACHE_SLOTS - 1)];
        if (x->id == id || x->id == 0)
            return x;
    }
    return &c->cache[at];
}

/* compose_paper_fields - render_paper() on item, the fixed part from the
 * cache when it holds this paper with the same inputs */
static void
compose_paper_fields(struct compose *c, struct tmpl_obj *item,
                     const struct db_digest_paper *p)
{
    struct compose_cached *e;

    if (c->cache_max == 0 || p->id == 0) {
        render_paper(item, p, &c->scratch, &c->scratch2);
        return;
    }
    compose_cache_key(p, &c->ckey);
    e = compose_cache_slot(c, p->id);
    if (e->id == p->id && e->key_len == c->ckey.len &&
        memcmp(e->key, c->ckey.data, c->ckey.len) == 0) {
        e->snap = c->snap;
        /* the cached fields are borrowed, not copied: the cache is
         * cleared only between messages (compose_digest_data), and an
         * entry that is replaced stays in cache_data until then */
        tmpl_set_proto(item, e->obj);
        render_paper_vary(item, p, &c->scratch);
        return;
    }
    render_paper(item, p, &c->scratch, &c->scratch2);
    if (c->ckey.failed)
        return;
    /* the fields are about as long as the inputs again, plus overhead
     * (objects with their slot tables, field records: ~1.5 KB);
     * a full cache takes nothing more until it is cleared */
    if (c->cache_bytes + 2 * c->ckey.len + 1536 > c->cache_max) {
        c->cache_full = 1;
        return;
    }
    free(e->key);
    e->id = p->id;
    e->key = xmalloc(c->ckey.len);
    memcpy(e->key, c->ckey.data, c->ckey.len);
    e->key_len = c->ckey.len;
    e->obj = tmpl_data_root(c->cache_data);
    e->snap = c->snap;
    tmpl_copy_fields(e->obj, item);
    c->cache_bytes += 2 * c->ckey.len + 1536;
}

void
compose_set_cache_bytes(struct compose *c, size_t bytes)
{
    /* (compose_trim: an empty cache is not written, so that a new
     * composer's tables stay untouched, non-resident pages) */
    compose_trim(c);
    c->cache_max = bytes;
}

/* compose_vote_urls - "more / less like this" (web/http_votes.c): one
 * pair token names the subscription and the paper; the direction is the
 * path, so both links share it (and the paper's cached fields stay free
 * of anything per reader) */
static void
compose_vote_urls(const struct compose_fill *f, struct tmpl_obj *item,
                  int64_t paper_id)
{
    char tok[TOKEN_MAX];
    const char *base = f->c->cfg->base_url;

    if (paper_id <= 0 || f->sub_id <= 0)
        return;
    token_make_pair(&f->c->key, TOKEN_VOTE, f->sub_id, paper_id, f->issued,
                    tok);
    /* "%s/more/%s" without printf: twenty of these go into a digest */
    {
        size_t nb = strlen(base), nt = strlen(tok);
        char url[1024 + TOKEN_MAX + 8];
        if (nb > 1024) { /* (no such base URL in practice) */
            tmpl_setf(item, "more_url", "%s/more/%s", base, tok);
            tmpl_setf(item, "less_url", "%s/less/%s", base, tok);
            return;
        }
        memcpy(url, base, nb);
        memcpy(url + nb, "/more/", 6);
        memcpy(url + nb + 6, tok, nt);
        tmpl_setn(item, "more_url", url, nb + 6 + nt);
        memcpy(url + nb, "/less/", 6);
        tmpl_setn(item, "less_url", url, nb + 6 + nt);
    }
}

/* compose_on_item - one paper into the template data */
static int
compose_on_item(void *arg, const struct db_digest_paper *p)
{
    struct compose_fill *f = arg;
    struct tmpl_obj *item;

    if (f->c->paper_limit > 0 && f->n >= f->c->paper_limit) {
        f->omitted++;
        return 0;
    }
    item = tmpl_add_item(f->root, "papers");

    compose_paper_fields(f->c, item, p);
    compose_vote_urls(f, item, p->id);
    f->n++;
    return 0;
}

/* compose_on_row - db_digest_paper()'s callback for compose_on_ref: the
 * paper's row with the item's rank, score and why */
static int
compose_on_row(void *arg, const struct db_digest_paper *row)
{
    struct compose_fill *f = arg;
    struct db_digest_paper p = *row;

    p.rank = f->ref->rank;
    p.score = f->ref->score;
    p.why = f->ref->why;
    return compose_on_item(f, &p);
}

/*
 * compose_on_ref - db_digest_item_refs()'s callback, within a snapshot
 * (compose_snapshot): a paper whose cached fields were already found
 * equal to its row since the papers' version last changed is not read
 * again (no paper row has changed since); any other is read
 * (db_digest_paper) and goes through compose_on_item, which checks the
 * cache against the row.  The same bytes as compose_on_item on the
 * joined row.
 */
static int
compose_on_ref(void *arg, const struct db_digest_paper *ref)
{
    struct compose_fill *f = arg;
    struct compose_cached *e;
    struct tmpl_obj *item;
    int rc;

    if (f->c->paper_limit > 0 && f->n >= f->c->paper_limit) {
        f->omitted++;
        return 0;
    }
    e = compose_cache_slot(f->c, ref->id);
    if (e->id == ref->id && e->snap == f->c->snap && f->c->cache_max > 0) {
        item = tmpl_add_item(f->root, "papers");
        tmpl_set_proto(item, e->obj);
        render_paper_vary(item, ref, &f->c->scratch);
        compose_vote_urls(f, item, ref->id);
        f->n++;
        return 0;
    }
    f->ref = ref;
    rc = db_digest_paper(f->db, ref->id, compose_on_row, f, f->err);
    f->ref = NULL;
    if (rc == 1) /* the paper is gone: the joined query would not list it */
        err_init(f->err);
    return rc == -1 ? -1 : 0;
}

/* compose_url - BASE/path/TOKEN into out */
static void
compose_url(const struct compose *c, const char *path, enum token_purpose p,
            int64_t id, int64_t issued, char *out, size_t size)
{
    char tok[TOKEN_MAX];

    size_t n = 0;
    const char *part[5];

    token_make(&c->key, p, id, issued, tok);
    /* snprintf(out, size, "%s/%s/%s", ...) without the format parsing:
     * three of these go into every message */
    part[0] = c->cfg->base_url;
    part[1] = "/";
    part[2] = path;
    part[3] = "/";
    part[4] = tok;
    if (size == 0)
        return;
    for (size_t i = 0; i < 5; i++) {
        size_t k = strlen(part[i]);
        if (k > size - 1 - n)
            k = size - 1 - n;
        memcpy(out + n, part[i], k);
        n += k;
    }
    out[n] = '\0';
}

/* The digest's failed sources, as template data. */
struct compose_failed {
    struct tmpl_obj *root;
    int n;
    struct compose_fs *keep; /* where the answer is kept, or NULL */
};

/* compose_failed_line - one "could not be fetched" line (category "" is
 * HF) */
static void
compose_failed_line(struct tmpl_obj *root, const char *category)
{
    struct tmpl_obj *item = tmpl_add_item(root, "failed_sources");

    if (*category == '\0')
        tmpl_set(item, "sentence",
                 "Hugging Face's trending papers could not be fetched today.");
    else
        tmpl_setf(item, "sentence",
                  "arXiv's %s listing could not be fetched today.", category);
}

/* compose_on_failed - db_digest_failed_sources()'s callback: the line,
 * and the category kept in f->keep when there is one */
static int
compose_on_failed(void *arg, const char *category)
{
    struct compose_failed *f = arg;

    compose_failed_line(f->root, category);
    if (f->keep != NULL)
        buf_add(&f->keep->failed, category, strlen(category) + 1);
    f->n++;
    return 0;
}

/* compose_fs_find - the kept answer for (cats, include_hf, at), or NULL */
static const struct compose_fs *
compose_fs_find(const struct compose *c, const char *cats, int include_hf,
                int64_t at)
{
    for (size_t i = 0; i < COMPOSE_FS_SLOTS; i++) {
        const struct compose_fs *e = &c->fs[i];
        if (e->cats != NULL && e->at == at && e->include_hf == include_hf &&
            strcmp(e->cats, cats) == 0 && !e->failed.failed)
            return e;
    }
    return NULL;
}

/* compose_fs_slot - an emptied slot for a new answer, the oldest when
 * all are taken */
static struct compose_fs *
compose_fs_slot(struct compose *c, const char *cats, int include_hf, int64_t at)
{
    struct compose_fs *e = &c->fs[c->fs_next];

    c->fs_next = (c->fs_next + 1) % COMPOSE_FS_SLOTS;
    free(e->cats);
    buf_release(&e->failed);
    buf_init(&e->failed, 64 * 1024);
    e->cats = xstrdup(cats);
    e->include_hf = include_hf;
    e->at = at;
    e->n = 0;
    return e;
}

/* compose_failed_sources - failed_sources (one sentence each) and
 * any_failed: the digest's sources (the subscription's categories, or
 * the list's) whose last collection before the digest was made failed */
static int
compose_failed_sources(struct compose *c, struct db *db,
                       const struct db_digest_sub *sub, int64_t created_at,
                       struct tmpl_obj *root, struct err *err)
{
    const char *cats =
        *sub->categories ? sub->categories : sub->list_categories;
    const struct compose_fs *e;
    struct compose_failed f = {root, 0, NULL};

    tmpl_set_list(root, "failed_sources");
    if (c->snap > 0 &&
        (e = compose_fs_find(c, cats, sub->include_hf, created_at)) != NULL) {
        const char *p = e->failed.data;
        for (int i = 0; i < e->n; i++, p += strlen(p) + 1)
            compose_failed_line(root, p);
        tmpl_set_bool(root, "any_failed", e->n > 0);
        return 0;
    }
    if (c->snap > 0)
        f.keep = compose_fs_slot(c, cats, sub->include_hf, created_at);
    if (db_digest_failed_sources(db, cats, sub->include_hf, created_at,
                                 compose_on_failed, &f, err) == -1) {
        if (f.keep != NULL) { /* not a whole answer: not kept */
            free(f.keep->cats);
            f.keep->cats = NULL;
        }
        return -1;
    }
    if (f.keep != NULL)
        f.keep->n = f.n;
    tmpl_set_bool(root, "any_failed", f.n > 0);
    return 0;
}

/* compose_digest_data - the template data of digest_id into *root; fills
 * row, sub, the subject and the unsubscribe URL */
static int
compose_digest_data(struct compose *c, struct db *db, int64_t digest_id,
                    int page, struct tmpl_obj **root, struct db_digest_row *row,
                    struct db_digest_sub *sub, struct buf *subject, char *unsub,
                    size_t unsub_size, struct err *err)
{
    struct compose_fill f;
    char url[512], day_long[64];
    const char *title;

    if (db_digest_get(db, digest_id, row, err) != 0 ||
        db_digest_sub_load(db, row->sub_id, sub, err) != 0)
        return -1;
    title = *sub->list_title ? sub->list_title : sub->list_name;
    tmpl_data_reset(c->data);
    /* (only here, between messages: the last one's papers borrowed
     * fields from the cache) */
    if (c->cache_full)
        compose_cache_clear(c);
    f.c = c;
    f.root = tmpl_data_root(c->data);
    f.n = 0;
    f.omitted = 0;
    f.sub_id = sub->id;
    f.issued = row->created_at;
    f.db = db;
    f.err = err;
    f.ref = NULL;
    tmpl_set_list(f.root, "papers");
    if ((c->snap > 0
             ? db_digest_item_refs(db, digest_id, compose_on_ref, &f, err)
             : db_digest_items(db, digest_id, compose_on_item, &f, err)) == -1)
        return -1;
    c->papers = f.n + f.omitted;
    if (f.omitted > 0)
        tmpl_setf(f.root, "more_label", "%d more paper%s", f.omitted,
                  f.omitted == 1 ? "" : "s");
    render_day_long(row->day, day_long, sizeof(day_long));
    if (row->period_from[0]) {
        /* a weekly digest (schema 060) names its period */
        char period[96];
        render_period_long(row->period_from, row->day, period, sizeof(period));
        buf_addf(subject, "%s: weekly digest, %d paper%s, %s", title, f.n,
                 f.n == 1 ? "" : "s", period);
        tmpl_set_bool(f.root, "weekly", 1);
        tmpl_set(f.root, "period_long", period);
    } else {
        buf_addf(subject, "%s: %d paper%s for %s", title, f.n,
                 f.n == 1 ? "" : "s", day_long);
        tmpl_set_bool(f.root, "weekly", 0);
        tmpl_set(f.root, "period_long", "");
    }
    tmpl_set(f.root, "subject", buf_str(subject));
    tmpl_set(f.root, "list_title", title);
    tmpl_set(f.root, "list_name", sub->list_name);
    tmpl_set(f.root, "day", row->day);
    tmpl_set(f.root, "day_long", day_long);
    tmpl_setf(f.root, "count_label", "%d new paper%s", f.n,
              f.n == 1 ? "" : "s");
    tmpl_set(f.root, "keywords", sub->keywords);
    tmpl_set(f.root, "email", sub->email);
    tmpl_set(f.root, "base_url", c->cfg->base_url);
    tmpl_set_bool(f.root, "page", page);
    if (compose_failed_sources(c, db, sub, row->created_at, f.root, err) == -1)
        return -1;
    compose_url(c, "unsubscribe", TOKEN_UNSUBSCRIBE, sub->id, row->created_at,
                unsub, unsub_size);
    /* the web view's address is shareable (a private feed links to it):
     * it never carries the links that change or open the subscription */
    if (!page) {
        compose_url(c, "preferences", TOKEN_PREFERENCES, sub->id,
                    row->created_at, url, sizeof(url));
        tmpl_set(f.root, "prefs_url", url);
        tmpl_set(f.root, "unsub_url", unsub);
    }
    compose_url(c, "d", TOKEN_VIEW, row->id, row->created_at, url, sizeof(url));
    tmpl_set(f.root, "view_url", url);
    *root = f.root;
    return 0;
}

int
compose_digest_message(struct compose *c, struct db *db, int64_t digest_id,
                       const char *message_id, struct buf *out, struct err *err)
{
    struct db_digest_row row;
    struct db_digest_sub sub;
    struct compose_head h;
    struct tmpl_obj *root;
    struct buf subject, *text = &c->text, *html = &c->html;
    char unsub[512];
    int rc = -1;

    buf_init(&subject, COMPOSE_SUBJECT_MAX);
    buf_reset(text);
    buf_reset(html);
    if (compose_digest_data(c, db, digest_id, 0, &root, &row, &sub, &subject,
                            unsub, sizeof(unsub), err) == -1)
        goto out;
    if (tmpl_render(c->digest_txt, root, text, err) == -1 ||
        tmpl_render(c->digest_html, root, html, err) == -1 ||
        buf_check(&subject, err) == -1)
        goto out;
    /* too large for Gmail: fewer papers, in proportion, until it fits */
    for (int tries = 0; html->len > COMPOSE_HTML_MAX && tries < 8; tries++) {
        int shown = c->paper_limit > 0 && c->paper_limit < c->papers
                        ? c->paper_limit
                        : c->papers;
        int next = (int)((double)shown * COMPOSE_HTML_MAX / (double)html->len);
        c->paper_limit = next >= shown ? shown - 1 : next;
        if (c->paper_limit < 1)
            c->paper_limit = 1;
        buf_reset(&subject);
        buf_reset(text);
        buf_reset(html);
        if (compose_digest_data(c, db, digest_id, 0, &root, &row, &sub,
                                &subject, unsub, sizeof(unsub), err) == -1 ||
            tmpl_render(c->digest_txt, root, text, err) == -1 ||
            tmpl_render(c->digest_html, root, html, err) == -1 ||
            buf_check(&subject, err) == -1)
            goto out;
        if (c->paper_limit == 1)
            break;
    }
    memset(&h, 0, sizeof(h));
    h.date = row.created_at;
    h.message_id = message_id;
    h.to = sub.email;
    h.subject = buf_str(&subject);
    h.list_name = sub.list_name;
    h.unsub_url = unsub;
    h.campaign = row.day;
    h.kind = "digest";
    rc = compose_build(c, &h, text, html, out, err);
out:
    c->paper_limit = 0;
    buf_release(&subject);

    return rc;
}

int
compose_digest_page(struct compose *c, struct db *db, int64_t digest_id,
                    struct buf *out, struct err *err)
{
    struct db_digest_row row;
    struct db_digest_sub sub;
    struct tmpl_obj *root;
    struct buf subject;
    char unsub[512];
    int rc = -1;

    buf_init(&subject, COMPOSE_SUBJECT_MAX);
    if (compose_digest_data(c, db, digest_id, 1, &root, &row, &sub, &subject,
                            unsub, sizeof(unsub), err) == -1)
        goto out;
    rc = tmpl_render(c->digest_html, root, out, err);
out:
    buf_release(&subject);
    return rc;
}

int
compose_digest_parts(struct compose *c, struct db *db, int64_t digest_id,
                     struct buf *subject, struct buf *text, struct buf *html,
                     struct err *err)
{
    struct db_digest_row row;
    struct db_digest_sub sub;
    struct tmpl_obj *root;
    char unsub[512];

    if (compose_digest_data(c, db, digest_id, 0, &root, &row, &sub, subject,
                            unsub, sizeof(unsub), err) == -1)
        return -1;
    if (text != NULL && tmpl_render(c->digest_txt, root, text, err) == -1)
        return -1;
    if (html != NULL && tmpl_render(c->digest_html, root, html, err) == -1)
        return -1;
    return buf_check(subject, err);
}

int
compose_confirm_message(struct compose *c, struct db *db,
                        int64_t subscription_id, int64_t issued_at,
                        const char *message_id, struct buf *out,
                        struct err *err)
{
    struct db_digest_sub sub;
    struct compose_head h;
    struct tmpl_obj *root;
    struct buf subject, *text = &c->text, *html = &c->html;
    char url[512];
    const char *title;
    int rc = -1;

    buf_init(&subject, COMPOSE_SUBJECT_MAX);
    buf_reset(text);
    buf_reset(html);
    if (db_digest_sub_load(db, subscription_id, &sub, err) != 0)
        goto out;
    title = *sub.list_title ? sub.list_title : sub.list_name;
    tmpl_data_reset(c->data);
    root = tmpl_data_root(c->data);
    compose_url(c, "confirm", TOKEN_CONFIRM, sub.id, issued_at, url,
                sizeof(url));
    tmpl_set(root, "confirm_url", url);
    tmpl_set(root, "list_title", title);
    tmpl_set(root, "list_name", sub.list_name);
    tmpl_set(root, "email", sub.email);
    tmpl_set(root, "base_url", c->cfg->base_url);
    tmpl_setf(root, "expires_days", "%d", TOKEN_CONFIRM_TTL / 86400);
    buf_addf(&subject, "Confirm your subscription to %s", title);
    if (tmpl_render(c->confirm_txt, root, text, err) == -1 ||
        tmpl_render(c->confirm_html, root, html, err) == -1 ||
        buf_check(&subject, err) == -1)
        goto out;
    memset(&h, 0, sizeof(h));
    h.date = issued_at;
    h.message_id = message_id;
    h.to = sub.email;
    h.subject = buf_str(&subject);
    h.list_name = sub.list_name;
    h.unsub_url = NULL;
    h.campaign = "confirm";
    h.kind = "confirm";
    rc = compose_build(c, &h, text, html, out, err);
out:
    buf_release(&subject);

    return rc;
}

/* What compose_manage_item fills. */
struct compose_manage {
    struct compose *c;
    struct db *db;
    struct tmpl_obj *root;
    int64_t issued_at;
    int n;
};

/* compose_manage_item - db_sub_each callback: one live subscription */
static int
compose_manage_item(const struct db_subscription *s, void *arg, struct err *err)
{
    struct compose_manage *m = arg;
    struct tmpl_obj *it;
    struct db_list l;
    char url[512];
    int found;
    /* The mail lists the subscriptions of when it is sent; one made
     * after it was queued gets tokens issued when it was made, as a
     * token older than its row reads as one for a row that is gone. */
    int64_t issued =
        s->created_at > m->issued_at ? s->created_at : m->issued_at;

    if (s->status != DB_SUB_PENDING && s->status != DB_SUB_CONFIRMED)
        return 0;
    if ((found = db_list_get_id(m->db, s->list_id, &l, err)) == -1)
        return -1;
    it = tmpl_add_item(m->root, "subscriptions");
    tmpl_set(it, "list_name", s->list_name);
    tmpl_set(it, "list_title",
             found == 0 && l.title[0] ? l.title : s->list_name);
    tmpl_set_bool(it, "pending", s->status == DB_SUB_PENDING);
    tmpl_set_bool(it, "paused", s->paused);
    compose_url(m->c, "preferences", TOKEN_PREFERENCES, s->id, issued, url,
                sizeof(url));
    tmpl_set(it, "prefs_url", url);
    compose_url(m->c, "unsubscribe", TOKEN_UNSUBSCRIBE, s->id, issued, url,
                sizeof(url));
    tmpl_set(it, "unsub_url", url);
    m->n++;
    return 0;
}

int
compose_manage_message(struct compose *c, struct db *db,
                       int64_t subscription_id, int64_t issued_at,
                       const char *message_id, struct buf *out, struct err *err)
{
    struct db_digest_sub sub;
    struct db_sub_filter f;
    struct compose_manage m;
    struct compose_head h;
    struct buf *text = &c->text, *html = &c->html;
    int rc = -1;

    buf_reset(text);
    buf_reset(html);
    if (db_digest_sub_load(db, subscription_id, &sub, err) == -1)
        return -1;
    tmpl_data_reset(c->data);
    m.c = c;
    m.db = db;
    m.root = tmpl_data_root(c->data);
    m.issued_at = issued_at;
    m.n = 0;
    tmpl_set(m.root, "email", sub.email);
    tmpl_set(m.root, "base_url", c->cfg->base_url);
    tmpl_set_list(m.root, "subscriptions");
    memset(&f, 0, sizeof(f));
    f.email = sub.email;
    f.status = -1;
    if (db_sub_each(db, &f, compose_manage_item, &m, err) == -1)
        return -1;
    if (tmpl_render(c->manage_txt, m.root, text, err) == -1 ||
        tmpl_render(c->manage_html, m.root, html, err) == -1)
        return -1;
    memset(&h, 0, sizeof(h));
    h.date = issued_at;
    h.message_id = message_id;
    h.to = sub.email;
    h.subject = "Your Paperboy subscriptions";
    h.list_name = NULL;
    h.unsub_url = NULL;
    h.campaign = "manage";
    h.kind = "manage";
    rc = compose_build(c, &h, text, html, out, err);
    return rc;
}
