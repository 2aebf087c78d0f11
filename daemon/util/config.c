/* SPDX-License-Identifier: MIT */
/*
 * config - INI parsing and validation (see config.h).
 *
 * The keys live in one table; parsing, defaults, the dump and the checks
 * all walk it, so a key added here is known everywhere at once.  inih
 * splits the file; we count lines in our own reader so that every error
 * can name its line even though Debian's inih is built without
 * INI_HANDLER_LINENO.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "datafile.h"
#include "log.h"
#include "str.h"
#include "xalloc.h"

#ifndef PAPERBOY_DATADIR
#define PAPERBOY_DATADIR "/usr/share/paperboy/web"
#endif

enum config_type {
    CT_STR,      /* any string without control characters */
    CT_INT,      /* integer in [min,max] */
    CT_DOUBLE,   /* number in [min,max] */
    CT_BOOL,     /* yes/no */
    CT_DURATION, /* 90s 15m 2h 2d */
    CT_LISTEN,   /* host:port */
    CT_HTTPURL,  /* http:// or https:// */
    CT_SRCURL,   /* http:// https:// file:// */
    CT_SMTPURL,  /* "" or smtp:// smtps:// */
    CT_TIME,     /* HH:MM */
    CT_TZ,       /* IANA zone name */
    CT_STARTTLS, /* auto|require|off */
    CT_EMPTY,    /* skip|trending */
    CT_LEVEL,    /* error|warn|info|debug */
    CT_SECRET,   /* a string never printed */
};

struct config_key {
    const char *section;
    const char *name;
    enum config_type type;
    size_t off;      /* offset of the field in struct config */
    const char *def; /* default as text, parsed like file values */
    double min, max;
    const char *doc; /* one paragraph for paperboy.ini(5) and
                        config.example.ini; the build fails without it */
};

#define F(field) offsetof(struct config, field)

static const struct config_key config_keys[] = {
    {"database", "path", CT_STR, F(db_path), "data/paperboy.db", 0, 0,
     "SQLite database file. Created on first use with mode 0600 (its "
     "directory 0700) and migrated automatically. serve and run lock it "
     "through PATH.lock. A reload refuses a changed path: restart to use "
     "another database."},
    {"database", "busy_timeout_ms", CT_INT, F(busy_timeout_ms), "5000", 0,
     600000,
     "How long a writer waits for a lock held by another connection or "
     "process before giving up, in milliseconds. A web request that waits "
     "longer is answered 503 with Retry-After: 5."},

    {"web", "listen", CT_LISTEN, F(web_listen), "127.0.0.1:8080", 0, 0,
     "Address the web server (subscribe, confirm, preferences, unsubscribe) "
     "listens on: HOST:PORT, or [IPv6]:PORT such as [::1]:8080. Port 0 lets "
     "the kernel choose; the log line 'web: listening on http://HOST:PORT' "
     "names it. Takes effect at a restart."},
    {"web", "base_url", CT_HTTPURL, F(base_url), "http://localhost:8080", 0, 0,
     "Public URL of the web server as subscribers see it, http:// or "
     "https://; a trailing / is dropped. Links in mail and in the Atom feed "
     "are absolute with it; links inside pages are root-relative with its "
     "path, so https://example.org/papers behind a proxy works on any host "
     "name."},
    {"web", "root", CT_STR, F(web_root), "", 0, 0,
     "Directory holding templates/ and static/. Empty: ./web when it exists "
     "(a checkout), else the installed data directory "
     "(PREFIX/share/paperboy/web), else the web/ of the source tree the "
     "binary was built from."},
    {"web", "secret", CT_SECRET, F(secret), "", 0, 0,
     "Secret for signing the links in mail (confirm, preferences, "
     "unsubscribe, view in browser) and the Message-IDs. Empty: read it from "
     "secret_file. Never printed. A change takes effect at the next restart, "
     "so links already mailed keep working until then."},
    {"web", "secret_file", CT_STR, F(secret_file), "data/secret", 0, 0,
     "File holding the link-signing secret; created with 32 random bytes and "
     "mode 0600 when it does not exist. Keep it: a new secret invalidates "
     "every link already sent."},
    {"web", "subscribe_per_minute", CT_INT, F(subscribe_per_minute), "5", 0,
     100000,
     "POST /subscribe requests allowed per client address per minute (a "
     "token bucket); over it the answer is 429 with Retry-After. 0 turns the "
     "limit off."},
    {"web", "subscribe_answer_ms", CT_INT, F(subscribe_answer_ms), "5", 0, 1000,
     "POST /subscribe and POST /manage are answered no sooner than this many "
     "milliseconds after they arrived, whatever the address, so that the "
     "answer's timing does not tell a new address (slower to store) from a "
     "known one. Keep it above the time a sign-up takes to store; 0 answers "
     "at once."},
    {"web", "trusted_proxies", CT_STR, F(trusted_proxies), "", 0, 0,
     "Comma-separated addresses or ADDRESS/BITS prefixes of reverse proxies "
     "(127.0.0.1, ::1, 10.0.0.0/8). Only from these is X-Forwarded-For "
     "believed: the client is its rightmost address that is not a trusted "
     "proxy, and a malformed header falls back to the peer. Empty: trust "
     "none."},
    {"web", "max_connections", CT_INT, F(web_max_connections), "256", 1, 100000,
     "HTTP connections served at once; more wait in the kernel's backlog. "
     "Takes effect at a restart."},
    {"web", "default_list", CT_STR, F(default_list), "trending", 0, 0,
     "The list the subscribe form and its live sample start with when "
     "several lists exist. A name that is not a list falls back to the "
     "first list by name."},
    {"web", "threads", CT_INT, F(web_threads), "2", 1, 64,
     "libmicrohttpd worker threads; each borrows its own database "
     "connection. Takes effect at a restart."},
    {"web", "timeout", CT_INT, F(web_timeout), "30", 1, 3600,
     "Seconds a connection may stay idle between bytes before it is closed "
     "(any byte resets it; request_deadline bounds the whole request). "
     "Takes effect at a restart."},
    {"web", "request_deadline", CT_INT, F(web_request_deadline), "10", 1, 3600,
     "Seconds within which a request's head and body must have arrived, "
     "counted from the accept or the previous answer, however slowly its "
     "bytes trickle; a later one is cut. Idle keep-alive connections are "
     "closed after it too. Takes effect at a restart."},
    {"web", "max_connections_per_client", CT_INT, F(web_per_client), "16", 1,
     100000,
     "Connections one client may hold at once: an IPv4 address, an IPv6 /64, "
     "or, behind a trusted proxy, the forwarded client (whose requests over "
     "the limit are answered 429). At most half of max_connections, so no "
     "client can take the pool. Takes effect at a restart."},

    {"smtp", "url", CT_SMTPURL, F(smtp_url), "", 0, 0,
     "Where mail goes. Empty: each message is written into the maildir "
     "([delivery] maildir) instead of being sent; good for trying things "
     "out. smtp://HOST[:PORT] (port 25, upgraded with STARTTLS as starttls "
     "says) or smtps://HOST[:PORT] (port 465, TLS from the first byte); an "
     "IPv6 host is written [::1]."},
    {"smtp", "starttls", CT_STARTTLS, F(starttls), "auto", 0, 0,
     "STARTTLS on smtp:// URLs: auto (upgrade when the server offers it), "
     "require (refuse a server without STARTTLS: nothing is sent in clear "
     "text), off (never upgrade)."},
    {"smtp", "username", CT_STR, F(smtp_username), "", 0, 0,
     "SMTP AUTH user name. When set, paperboy authenticates with AUTH PLAIN "
     "(or LOGIN), never over an unencrypted session. Empty: no "
     "authentication."},
    {"smtp", "password", CT_SECRET, F(smtp_password), "", 0, 0,
     "SMTP AUTH password. Prefer password_file or the environment variable "
     "PAPERBOY_SMTP_PASSWORD (which overrides both) so the secret is not in "
     "this file. Never printed: not in error messages, even about a "
     "malformed value, and shown as ******** by check-config --dump."},
    {"smtp", "password_file", CT_STR, 0, "", 0, 0,
     "File whose first line (its line end stripped) is the SMTP password; "
     "it replaces password."},
    {"smtp", "from", CT_STR, F(smtp_from), "Paperboy <paperboy@localhost>", 0,
     0,
     "From: header of every message, \"Name <address>\". It must contain an "
     "address: that address is the envelope sender (unless [bounces] "
     "return_path_domain is set), and its domain is used in Message-IDs, "
     "List-Id and Feedback-ID. Before mailing over SMTP use an address at a "
     "real domain that publishes SPF, DKIM and DMARC: check-config warns "
     "about localhost or a name without a dot (docs/deliverability.md)."},
    {"smtp", "helo", CT_STR, F(smtp_helo), "localhost", 0, 0,
     "The name sent in EHLO."},
    {"smtp", "connections", CT_INT, F(smtp_connections), "4", 1, 64,
     "Parallel SMTP sessions, each reused for many messages: serve and send "
     "run this many delivery workers."},
    {"smtp", "ca_file", CT_STR, F(smtp_ca_file), "", 0, 0,
     "CA bundle (PEM) trusted instead of the system's CAs, for a relay with "
     "a private certificate. Empty: the system's trust store."},
    {"smtp", "tls_verify", CT_BOOL, F(smtp_tls_verify), "yes", 0, 0,
     "Verify the server's certificate chain and host name after every TLS "
     "handshake. Only turn this off for a test relay."},
    {"smtp", "timeout", CT_INT, F(smtp_timeout), "60", 1, 3600,
     "Seconds allowed for connecting and for each SMTP command and reply."},
    {"smtp", "rate_per_second", CT_DOUBLE, F(smtp_rate), "0", 0, 100000,
     "Messages per second over all sessions; 0 = as fast as the relay "
     "accepts. Fractions work (0.5 = one message every two seconds)."},
    {"smtp", "give_up_after", CT_DURATION, F(retry_give_up), "2d", 60,
     3650.0 * 86400,
     "A message the relay keeps deferring (4xx, a lost connection, a "
     "timeout) fails after this long, counted from when it was queued or "
     "last re-queued by outbox retry; the last reply is kept."},
    {"smtp", "bounce_limit_unknown_user", CT_INT, F(bounce_limit_unknown), "1",
     1, 1000,
     "Hard bounces saying the mailbox does not exist (5.1.1, or a 550 "
     "\"user unknown\") before a subscription is suspended (status bounced, "
     "its queued mail dropped). The count is cumulative."},
    {"smtp", "bounce_limit", CT_INT, F(bounce_limit), "3", 1, 1000,
     "Other hard bounces (5xx at RCPT) before a subscription is suspended."},

    {"delivery", "maildir", CT_STR, F(maildir), "data/mail", 0, 0,
     "Maildir written to when [smtp] url is empty; new/, cur/ and tmp/ are "
     "created with mode 0700."},

    {"sources", "arxiv_rss_url", CT_SRCURL, F(arxiv_rss_url),
     "https://rss.arxiv.org/rss/", 0, 0,
     "arXiv RSS listing base; the category (cs.LG) is appended. http://, "
     "https:// or file:// (for tests, mirrors and offline runs)."},
    {"sources", "arxiv_api_url", CT_SRCURL, F(arxiv_api_url),
     "https://export.arxiv.org/api/query", 0, 0,
     "arXiv API, queried by collect --backfill. http://, https:// or "
     "file://."},
    {"sources", "hf_daily_url", CT_SRCURL, F(hf_daily_url),
     "https://huggingface.co/api/daily_papers", 0, 0,
     "Hugging Face daily papers API; \"?date=YYYY-MM-DD\" is appended. "
     "http://, https:// or file://."},
    {"sources", "contact", CT_STR, F(contact), "", 0, 0,
     "Your contact (an email address or URL), added to the User-Agent as "
     "\"paperboy/VERSION (+contact)\", as arXiv asks of automated clients. "
     "Please set it."},
    {"sources", "timeout", CT_INT, F(fetch_timeout), "60", 1, 3600,
     "Seconds allowed for one whole download. A transfer slower than 1 "
     "byte/s for min(30 s, timeout/2) counts as stalled."},
    {"sources", "connect_timeout", CT_INT, F(fetch_connect_timeout), "15", 1,
     600, "Seconds allowed to connect."},
    {"sources", "max_bytes", CT_INT, F(fetch_max_bytes), "33554432", 1024,
     1073741824.0,
     "Largest response accepted, in bytes after decoding; a bigger one is "
     "an error."},
    {"sources", "api_delay_ms", CT_INT, F(api_delay_ms), "3000", 3000, 600000,
     "Pause between arXiv API calls in milliseconds; arXiv asks for at least "
     "3 seconds."},

    {"schedule", "send_at", CT_TIME, F(send_at), "06:00", 0, 0,
     "Local time of day (24-hour HH:MM) the daily digest goes out. A time "
     "that does not exist on a day (a clock jumping forward) means the first "
     "valid time after it; a time that happens twice, the first one."},
    {"schedule", "timezone", CT_TZ, F(timezone), "UTC", 0, 0,
     "IANA time zone send_at is in (Europe/Berlin, America/New_York, UTC), "
     "read from /usr/share/zoneinfo. Subscribers who chose their own zone "
     "get their digest at send_at in theirs."},

    {"digest", "trending_weight", CT_DOUBLE, F(trending_weight), "0.05", 0, 100,
     "How much Hugging Face upvotes count: score = relevance + "
     "trending_weight * log(1 + upvotes), relevance being in (0, 1]. 0 = "
     "pure relevance."},
    {"digest", "title_weight", CT_DOUBLE, F(title_weight), "3.0", 0, 100,
     "BM25 weight of a keyword match in the title against one in the "
     "abstract (which weighs 1)."},
    {"digest", "when_empty", CT_EMPTY, F(when_empty), "skip", 0, 0,
     "When nothing new matches a subscriber's keywords: skip (send nothing "
     "that day) or trending (send the day's top trending papers instead, "
     "exclusions still applied). With no new papers at all nothing is sent "
     "either way."},
    {"digest", "max_papers", CT_INT, F(max_papers), "10", 1, 50,
     "Papers per digest for new subscriptions; each subscriber can change "
     "theirs."},
    {"digest", "list_address", CT_STR, F(list_address), "", 0, 0,
     "Address for the mailto: in the List-Unsubscribe header. Empty: the "
     "From address."},

    {"log", "level", CT_LEVEL, F(log_level), "info", 0, 0,
     "Least severe messages written to stderr: error, warn, info or debug. "
     "paperboy --log-level LEVEL overrides it, also across reloads."},

    {"dkim", "domain", CT_STR, F(dkim_domain), "", 0, 0,
     "Signing domain (d=) of the DKIM signatures; empty: the From "
     "address's domain. It should be the From domain, or a parent of it, "
     "for DMARC alignment."},
    {"dkim", "selector", CT_STR, F(dkim_selector), "", 0, 0,
     "Selector (s=) of the RSA key: its public key is published at "
     "SELECTOR._domainkey.DOMAIN (paperboy dkim keygen prints the record). "
     "Given together with key_file."},
    {"dkim", "key_file", CT_STR, F(dkim_key_file), "", 0, 0,
     "PEM file of the RSA private key (rsa-sha256, 2048 bits). Empty: no "
     "RSA signature. Read when the configuration loads, without following "
     "a symbolic link; a missing or unreadable key is an error before "
     "anything is sent."},
    {"dkim", "ed25519_selector", CT_STR, F(dkim_ed_selector), "", 0, 0,
     "Selector of the Ed25519 key (ed25519-sha256, RFC 8463). Given "
     "together with ed25519_key_file."},
    {"dkim", "ed25519_key_file", CT_STR, F(dkim_ed_key_file), "", 0, 0,
     "PEM file of the Ed25519 private key. Empty: no Ed25519 signature. "
     "With both keys every message carries two signatures. Debian 12's "
     "libopendkim leaks about 0.6 KB per Ed25519 signature "
     "(docs/deliverability.md)."},

    {"bounces", "return_path_domain", CT_STR, F(bounce_domain), "", 0, 0,
     "Domain of the per-message envelope sender (VERP: "
     "bounces+TOKEN@DOMAIN), so that a bounce names its subscription. "
     "Empty: the From address is the envelope sender. The domain must "
     "accept mail for bounces+*."},
    {"bounces", "mailbox", CT_STR, F(bounce_mailbox), "", 0, 0,
     "Where bounces and complaints arrive, read by 'paperboy bounces fetch' "
     "and by serve every interval: imaps://USER@HOST[:PORT][/FOLDER] "
     "(default folder INBOX), pop3s://USER@HOST[:PORT] or maildir:/PATH. "
     "imap:// and pop3:// (clear text) are accepted only for a loopback "
     "host. TLS certificates are checked as [smtp] ca_file and tls_verify "
     "say. Messages recognised as bounces or complaints are deleted once "
     "their result is stored; others are left, marked seen (IMAP, "
     "maildir), and IMAP and maildir read only unseen messages. Empty: "
     "no mailbox is read."},
    {"bounces", "password", CT_SECRET, F(bounce_password), "", 0, 0,
     "Password of the bounce mailbox. Prefer password_file or the "
     "environment variable PAPERBOY_BOUNCES_PASSWORD (which overrides "
     "both). Never printed."},
    {"bounces", "password_file", CT_STR, 0, "", 0, 0,
     "File whose first line (its line end stripped) is the bounce "
     "mailbox's password; it replaces password."},
    {"bounces", "interval", CT_DURATION, F(bounce_interval), "15m", 60,
     7.0 * 86400,
     "How often serve reads the bounce mailbox; it also reads it when it "
     "starts and after a reload."},
    {"bounces", "soft_limit", CT_INT, F(bounce_soft_limit), "3", 1, 1000,
     "Temporary failures (4.x.x, or delays) of one address within "
     "soft_window that suspend it (its subscriptions set to bounced, the "
     "address suppressed). A permanent failure (5.x.x) suppresses at once."},
    {"bounces", "soft_window", CT_DURATION, F(bounce_soft_window), "14d", 3600,
     365.0 * 86400, "The window soft_limit counts in."},
    {"bounces", "pause_hard_rate", CT_DOUBLE, F(bounce_pause_hard), "5", 0, 100,
     "Percent of a mailing (one list's digests of one day) bouncing "
     "permanently, at RCPT or later, above which the list's delivery "
     "pauses until 'paperboy list resume NAME'. 0 = never pause for "
     "bounces."},
    {"bounces", "pause_complaint_rate", CT_DOUBLE, F(bounce_pause_complaint),
     "0.1", 0, 100,
     "Percent of a mailing reported as spam above which the list's "
     "delivery pauses (Gmail and Yahoo ask for under 0.1%, never 0.3%). "
     "0 = never pause for complaints."},
    {"bounces", "pause_min_messages", CT_INT, F(bounce_pause_min), "100", 1,
     10000000,
     "Messages a mailing must have sent before its rates can pause a list, "
     "so that one bounce in a tiny mailing does not."},
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* parse state shared with the inih callbacks */
struct config_parse {
    struct config *cfg;
    const char *path;
    FILE *fp;
    int line; /* line number of the line inih is handling */
    int failed;
    struct err *err;
    char password_file[1024];
    char bounce_password_file[1024];
    char seen[NKEYS]; /* a key given twice is an error */
};

/* config_field - address of the key's field inside cfg */
static void *
config_field(struct config *cfg, const struct config_key *k)
{
    return (char *)cfg + k->off;
}

/* config_check_url - 0 if s uses one of the allowed schemes and has more */
static int
config_check_url(const char *s, const char *const *schemes)
{
    for (; *schemes; schemes++) {
        size_t n = strlen(*schemes);
        if (strncmp(s, *schemes, n) == 0 && s[n] != '\0')
            return 0;
    }
    return -1;
}

/* config_split_hostport - "host:port" or "[v6]:port" into parts */
static int
config_split_hostport(const char *s, char *host, size_t hsize, long *port)
{
    const char *colon;
    size_t hlen;

    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        hlen = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= hsize)
        return -1;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    if (str_to_long(colon + 1, 0, 65535, port) == -1)
        return -1;
    return 0;
}

/* config_tz_valid - IANA zone exists under /usr/share/zoneinfo */
static int
config_tz_valid(const char *tz)
{
    char path[512];
    struct stat st;

    if (strcmp(tz, "UTC") == 0 || strcmp(tz, "Etc/UTC") == 0)
        return 1;
    if (tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
        return 0;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("/_-+", *p) == NULL)
            return 0;
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* config_set - parse one value into its field; -1 with reason in why */
static int
config_set(struct config *cfg, const struct config_key *k, const char *v,
           char *why, size_t wsize)
{
    static const char *const http_schemes[] = {"http://", "https://", NULL};
    static const char *const src_schemes[] = {"http://", "https://", "file://",
                                              NULL};
    void *field = config_field(cfg, k);
    long l;
    double d;
    int b;

    if (str_has_ctl(v, strlen(v))) {
        snprintf(why, wsize, "control characters are not allowed");
        return -1;
    }
    switch (k->type) {
    case CT_INT:
        if (str_to_long(v, (long)k->min, (long)k->max, &l) == -1) {
            snprintf(why, wsize, "'%s' is not a whole number from %.0f to %.0f",
                     v, k->min, k->max);
            return -1;
        }
        if (k->off == F(fetch_max_bytes))
            *(long *)field = l;
        else
            *(int *)field = (int)l;
        return 0;
    case CT_DOUBLE:
        if (str_to_double(v, k->min, k->max, &d) == -1) {
            snprintf(why, wsize, "'%s' is not a number from %g to %g", v,
                     k->min, k->max);
            return -1;
        }
        *(double *)field = d;
        return 0;
    case CT_BOOL:
        if (str_to_bool(v, &b) == -1) {
            snprintf(why, wsize, "'%s' is not yes or no", v);
            return -1;
        }
        *(int *)field = b;
        return 0;
    case CT_DURATION:
        if (str_to_duration(v, &l) == -1 || l < (long)k->min ||
            l > (long)k->max) {
            snprintf(why, wsize,
                     "'%s' is not a duration such as 90s, 15m, 2h or 2d "
                     "(at least %.0f seconds)",
                     v, k->min);
            return -1;
        }
        *(long *)field = l;
        return 0;
    case CT_STARTTLS:
        if (strcmp(v, "auto") == 0)
            cfg->starttls = CONFIG_STARTTLS_AUTO;
        else if (strcmp(v, "require") == 0)
            cfg->starttls = CONFIG_STARTTLS_REQUIRE;
        else if (strcmp(v, "off") == 0)
            cfg->starttls = CONFIG_STARTTLS_OFF;
        else {
            snprintf(why, wsize, "'%s' is not one of auto, require, off", v);
            return -1;
        }
        return 0;
    case CT_EMPTY:
        if (strcmp(v, "skip") == 0)
            cfg->when_empty = CONFIG_EMPTY_SKIP;
        else if (strcmp(v, "trending") == 0)
            cfg->when_empty = CONFIG_EMPTY_TRENDING;
        else {
            snprintf(why, wsize, "'%s' is not one of skip, trending", v);
            return -1;
        }
        return 0;
    default:
        break;
    }

    /* string-valued keys: check, then store a copy */
    switch (k->type) {
    case CT_LISTEN: {
        char host[256];
        if (config_split_hostport(v, host, sizeof(host), &l) == -1) {
            snprintf(why, wsize,
                     "'%s' is not HOST:PORT with a port from 0 to 65535", v);
            return -1;
        }
        free(cfg->web_host);
        cfg->web_host = xstrdup(host);
        cfg->web_port = (int)l;
        break;
    }
    case CT_HTTPURL:
        if (config_check_url(v, http_schemes) == -1) {
            snprintf(why, wsize, "'%s' is not an http:// or https:// URL", v);
            return -1;
        }
        break;
    case CT_SRCURL:
        if (config_check_url(v, src_schemes) == -1) {
            snprintf(why, wsize,
                     "unsupported URL '%s' (use http://, https:// or file://)",
                     v);
            return -1;
        }
        break;
    case CT_SMTPURL:
        if (*v != '\0') {
            static const char *const smtp_schemes[] = {"smtp://", "smtps://",
                                                       NULL};
            const char *hp = strstr(v, "://");
            char host[256], hostport[300];
            size_t n;
            if (config_check_url(v, smtp_schemes) == -1) {
                snprintf(why, wsize,
                         "unsupported URL '%s' (use smtp://HOST:PORT or "
                         "smtps://HOST:PORT, or leave empty for maildir)",
                         v);
                return -1;
            }
            hp += 3;
            n = strcspn(hp, "/");
            if (n >= sizeof(hostport) || (hp[n] == '/' && hp[n + 1] != '\0')) {
                snprintf(why, wsize, "'%s' must be scheme://HOST[:PORT]", v);
                return -1;
            }
            memcpy(hostport, hp, n);
            hostport[n] = '\0';
            if (strchr(hostport, ':') != NULL &&
                (config_split_hostport(hostport, host, sizeof(host), &l) ==
                     -1 ||
                 l == 0)) {
                snprintf(why, wsize, "'%s': port out of range 1..65535", v);
                return -1;
            }
        }
        break;
    case CT_TIME: {
        long h, m;
        char hh[3], mm[3];
        if (strlen(v) != 5 || v[2] != ':') {
            snprintf(why, wsize, "'%s' is not a time HH:MM", v);
            return -1;
        }
        memcpy(hh, v, 2);
        hh[2] = '\0';
        memcpy(mm, v + 3, 2);
        mm[2] = '\0';
        if (!isdigit((unsigned char)hh[0]) || !isdigit((unsigned char)mm[0]) ||
            str_to_long(hh, 0, 23, &h) == -1 ||
            str_to_long(mm, 0, 59, &m) == -1) {
            snprintf(why, wsize, "'%s' is not a time HH:MM from 00:00 to 23:59",
                     v);
            return -1;
        }
        cfg->send_hour = (int)h;
        cfg->send_minute = (int)m;
        break;
    }
    case CT_TZ:
        if (!config_tz_valid(v)) {
            snprintf(why, wsize, "'%s' is not a known IANA time zone", v);
            return -1;
        }
        break;
    case CT_LEVEL: {
        if (strcmp(v, "error") && strcmp(v, "warn") && strcmp(v, "info") &&
            strcmp(v, "debug")) {
            snprintf(why, wsize, "'%s' is not one of error, warn, info, debug",
                     v);
            return -1;
        }
        break;
    }
    default:
        break;
    }
    if (k->off == 0)
        return 0; /* keys without a field are handled by the caller */
    free(*(char **)field);
    *(char **)field = xstrdup(v);
    return 0;
}

/*
 * config_read_line - fgets() for inih that also refuses what inih would
 * misread: a line longer than its buffer (num: INI_MAX_LINE, 200 bytes in
 * Debian's build) would be split and its tail parsed as a line of its
 * own, so "; yyy...tls_verify = no" turned a comment into a setting; a
 * NUL byte would silently end the value.  Either sets p->failed and ends
 * the parse (NULL).
 */
static char *
config_read_line(struct config_parse *p, char *str, int num)
{
    int c = EOF, n = 0;

    while (n < num - 1 && (c = getc(p->fp)) != EOF) {
        if (c == '\0') {
            err_set(p->err, ERR_PERM, "%s:%d: NUL byte in the line", p->path,
                    p->line + 1);
            p->failed = 1;
            return NULL;
        }
        str[n++] = (char)c;
        if (c == '\n')
            break;
    }
    if (ferror(p->fp)) {
        err_set(p->err, ERR_PERM, "%s: cannot read config file: %s", p->path,
                strerror(errno));
        p->failed = 1;
        return NULL;
    }
    if (n == 0)
        return NULL;
    str[n] = '\0';
    if (str[n - 1] != '\n' && n == num - 1 && (c = getc(p->fp)) != EOF) {
        if (c != '\n') {
            err_set(p->err, ERR_PERM, "%s:%d: line longer than %d bytes",
                    p->path, p->line + 1, num - 1);
            p->failed = 1;
            return NULL;
        }
    }
    return str;
}

/* config_reader - the line reader for inih: counts lines, and checks
 * section names (see below) */
static char *
config_reader(char *str, int num, void *stream)
{
    struct config_parse *p = stream;
    char *r;
    const char *s;
    size_t n;
    int known = 0;

    if (p->failed)
        return NULL;
    r = config_read_line(p, str, num);
    if (r == NULL)
        return NULL;
    p->line++;
    /* inih calls the handler only for keys, so an unknown section with no
     * keys under it would pass unnoticed: check section lines here */
    s = str;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '[' || p->failed)
        return r;
    s++;
    n = strcspn(s, "]");
    if (s[n] != ']')
        return r; /* inih reports the syntax error */
    for (size_t i = 0; i < NKEYS; i++)
        if (strlen(config_keys[i].section) == n &&
            strncmp(config_keys[i].section, s, n) == 0)
            known = 1;
    if (!known) {
        err_set(p->err, ERR_PERM, "%s:%d: unknown section [%.*s]", p->path,
                p->line, (int)n, s);
        p->failed = 1;
    }
    return r;
}

/* config_handler - inih callback: one key; returns 0 to stop on error */
static int
config_handler(void *user, const char *section, const char *name,
               const char *value)
{
    struct config_parse *p = user;
    char why[400];
    int known_section = 0;

    if (p->failed)
        return 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        if (strcmp(section, k->section) != 0)
            continue;
        known_section = 1;
        if (name == NULL || strcmp(name, k->name) != 0)
            continue;
        if (p->seen[i]) {
            err_set(p->err, ERR_PERM, "%s:%d: [%s] %s: given twice", p->path,
                    p->line, section, name);
            p->failed = 1;
            return 0;
        }
        p->seen[i] = 1;
        if (strcmp(section, "smtp") == 0 &&
            strcmp(name, "password_file") == 0) {
            str_copy(p->password_file, sizeof(p->password_file), value);
            return 1;
        }
        if (strcmp(section, "bounces") == 0 &&
            strcmp(name, "password_file") == 0) {
            str_copy(p->bounce_password_file, sizeof(p->bounce_password_file),
                     value);
            return 1;
        }
        if (config_set(p->cfg, k, value, why, sizeof(why)) == -1) {
            /* never echo a secret back, even a malformed one */
            if (k->type == CT_SECRET)
                snprintf(why, sizeof(why), "invalid value");
            err_set(p->err, ERR_PERM, "%s:%d: [%s] %s: %s", p->path, p->line,
                    section, name, why);
            p->failed = 1;
            return 0;
        }
        return 1;
    }
    if (name == NULL && known_section)
        return 1;
    if (!known_section)
        err_set(p->err, ERR_PERM, "%s:%d: unknown section [%s]", p->path,
                p->line, section);
    else
        err_set(p->err, ERR_PERM, "%s:%d: [%s] %s: unknown key", p->path,
                p->line, section, name);
    p->failed = 1;
    return 0;
}

struct config *
config_defaults(void)
{
    struct config *cfg = xcalloc(1, sizeof(*cfg));
    char why[400];

    for (size_t i = 0; i < NKEYS; i++)
        if (config_set(cfg, &config_keys[i], config_keys[i].def, why,
                       sizeof(why)) == -1)
            BUG("config: bad built-in default [%s] %s: %s",
                config_keys[i].section, config_keys[i].name, why);
    return cfg;
}

/* config_check_web - one client may hold at most half of the connection
 * pool, so a single address can never fill it */
static int
config_check_web(const struct config *cfg, const char *label, struct err *err)
{
    if (cfg->web_per_client > cfg->web_max_connections / 2) {
        err_set(err, ERR_PERM,
                "%s: [web] max_connections_per_client (%d) is more than half "
                "of max_connections (%d)",
                label, cfg->web_per_client, cfg->web_max_connections);
        return -1;
    }
    return 0;
}

#define CONFIG_PASSWORD_FILE_MAX 4096 /* bytes of a password file */

/* config_read_password_file - first line of path into *dst ([section]
 * password_file): a regular file of at most CONFIG_PASSWORD_FILE_MAX
 * bytes, never through a symbolic link (datafile_read) */
static int
config_read_password_file(char **dst, const char *section, const char *path,
                          struct err *err)
{
    char *data = NULL;
    size_t len = 0;

    if (datafile_read(path, CONFIG_PASSWORD_FILE_MAX, &data, &len, err) == -1) {
        err_prefix(err, "[%s] password_file", section);
        return -1;
    }
    data[strcspn(data, "\r\n")] = '\0';
    free(*dst);
    *dst = xstrdup(data);
    explicit_bzero(data, len);
    free(data);
    return 0;
}

#define CONFIG_KEY_MAX 16384 /* bytes of a DKIM private key file */

/* config_read_key - the PEM private key at path into *out (caller frees);
 * a regular file of at most CONFIG_KEY_MAX bytes opened without following
 * a link or waiting on a FIFO (datafile_read), holding a "PRIVATE KEY"
 * block.  Whether it is a key of the right kind is dkim_check_config()'s
 * job (mail/dkim.c). */
static int
config_read_key(const char *what, const char *path, char **out, struct err *err)
{
    char *data = NULL;
    size_t len = 0;

    if (datafile_read(path, CONFIG_KEY_MAX, &data, &len, err) == -1) {
        err_prefix(err, "%s", what);
        return -1;
    }
    if (strstr(data, "-----BEGIN ") == NULL ||
        strstr(data, "PRIVATE KEY-----") == NULL) {
        err_set(err, ERR_PERM, "%s: '%s' holds no PEM private key", what, path);
        explicit_bzero(data, len);
        free(data);
        return -1;
    }
    *out = data;
    return 0;
}

/* config_check_dkim - [dkim]: each key file read, each with a selector */
static int
config_check_dkim(struct config *cfg, const char *label, struct err *err)
{
    if ((*cfg->dkim_key_file != '\0') != (*cfg->dkim_selector != '\0')) {
        err_set(err, ERR_PERM,
                "%s: [dkim] selector and key_file go together (give both "
                "or neither)",
                label);
        return -1;
    }
    if ((*cfg->dkim_ed_key_file != '\0') != (*cfg->dkim_ed_selector != '\0')) {
        err_set(err, ERR_PERM,
                "%s: [dkim] ed25519_selector and ed25519_key_file go "
                "together (give both or neither)",
                label);
        return -1;
    }
    if (*cfg->dkim_key_file != '\0' &&
        config_read_key("[dkim] key_file", cfg->dkim_key_file,
                        &cfg->dkim_key_pem, err) == -1) {
        err_prefix(err, "%s", label);
        return -1;
    }
    if (*cfg->dkim_ed_key_file != '\0' &&
        config_read_key("[dkim] ed25519_key_file", cfg->dkim_ed_key_file,
                        &cfg->dkim_ed_key_pem, err) == -1) {
        err_prefix(err, "%s", label);
        return -1;
    }
    return 0;
}

/*
 * config_validate - the checks across keys, or that need the whole file
 * read, that every command relies on.  The one place for them: config_load()
 * runs it, so `check-config` refuses exactly what `serve` and `send` would.
 */
static int
config_validate(struct config *cfg, const char *label, struct err *err)
{
    if (strchr(cfg->smtp_from, '@') == NULL ||
        str_has_ctl(cfg->smtp_from, strlen(cfg->smtp_from))) {
        err_set(err, ERR_PERM, "%s: [smtp] from: '%s' has no address", label,
                cfg->smtp_from);
        return -1;
    }
    /* a short secret makes the token key guessable offline */
    if (cfg->secret != NULL && cfg->secret[0] != '\0' &&
        strlen(cfg->secret) < CONFIG_SECRET_MIN) {
        err_set(err, ERR_PERM,
                "%s: [web] secret must be at least %d characters long", label,
                CONFIG_SECRET_MIN);
        return -1;
    }
    if (config_check_dkim(cfg, label, err) == -1)
        return -1;
    if (cfg->bounce_domain[0] != '\0' &&
        (strpbrk(cfg->bounce_domain, "@<>()[],;:\\\" /") != NULL ||
         strchr(cfg->bounce_domain, '.') == NULL)) {
        err_set(err, ERR_PERM,
                "%s: [bounces] return_path_domain: '%s' is not a domain name",
                label, cfg->bounce_domain);
        return -1;
    }
    if (cfg->bounce_mailbox[0] != '\0') {
        static const char *const mb_schemes[] = {
            "imaps://", "imap://", "pop3s://", "pop3://", "maildir:/", NULL};
        if (config_check_url(cfg->bounce_mailbox, mb_schemes) == -1) {
            err_set(err, ERR_PERM,
                    "%s: [bounces] mailbox: '%s' is not imaps://USER@HOST, "
                    "pop3s://USER@HOST or maildir:/PATH",
                    label, cfg->bounce_mailbox);
            return -1;
        }
    }
    return config_check_web(cfg, label, err);
}

struct config *
config_load(const char *path, struct err *err)
{
    struct config_parse p;
    struct stat st;
    struct config *cfg = config_defaults();
    const char *envpw;
    int rc;

    memset(&p, 0, sizeof(p));
    p.cfg = cfg;
    p.path = path;
    p.err = err;
    if (path != NULL) {
        cfg->file = xstrdup(path);
        p.fp = fopen(path, "re");
        if (p.fp == NULL) {
            err_set(err, ERR_PERM, "%s: cannot open config file", path);
            goto fail;
        }
        /* a directory opens, then reads as an error (EISDIR) that fgets
         * reported as an empty file: the built-in defaults ran */
        if (fstat(fileno(p.fp), &st) == -1 || S_ISDIR(st.st_mode)) {
            fclose(p.fp);
            err_set(err, ERR_PERM, "%s: not a config file (a directory)", path);
            goto fail;
        }
        rc = ini_parse_stream(config_reader, &p, config_handler, &p);
        fclose(p.fp);
        if (p.failed)
            goto fail;
        if (rc != 0) {
            err_set(err, ERR_PERM,
                    "%s:%d: syntax error (expected [section] "
                    "or key = value)",
                    path, rc > 0 ? rc : p.line);
            goto fail;
        }
    }
    if ((p.password_file[0] != '\0' &&
         config_read_password_file(&cfg->smtp_password, "smtp", p.password_file,
                                   err) == -1) ||
        (p.bounce_password_file[0] != '\0' &&
         config_read_password_file(&cfg->bounce_password, "bounces",
                                   p.bounce_password_file, err) == -1)) {
        if (path)
            err_prefix(err, "%s", path);
        goto fail;
    }
    envpw = getenv("PAPERBOY_SMTP_PASSWORD");
    if (envpw != NULL && *envpw != '\0') {
        free(cfg->smtp_password);
        cfg->smtp_password = xstrdup(envpw);
    }
    envpw = getenv("PAPERBOY_BOUNCES_PASSWORD");
    if (envpw != NULL && *envpw != '\0') {
        free(cfg->bounce_password);
        cfg->bounce_password = xstrdup(envpw);
    }
    if (config_validate(cfg, path ? path : "defaults", err) == -1)
        goto fail;
    /* base_url is joined with "/path": drop a trailing slash once here */
    {
        size_t n = strlen(cfg->base_url);
        while (n > 0 && cfg->base_url[n - 1] == '/')
            cfg->base_url[--n] = '\0';
    }
    return cfg;
fail:
    config_free(cfg);
    return NULL;
}

void
config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        switch (k->type) {
        case CT_INT:
        case CT_DOUBLE:
        case CT_BOOL:
        case CT_DURATION:
        case CT_STARTTLS:
        case CT_EMPTY:
            break;
        default:
            if (k->off != 0) {
                char **field = config_field(cfg, k);
                if (*field && k->type == CT_SECRET)
                    explicit_bzero(*field, strlen(*field));
                free(*field);
                *field = NULL;
            }
        }
    }
    if (cfg->dkim_key_pem != NULL)
        explicit_bzero(cfg->dkim_key_pem, strlen(cfg->dkim_key_pem));
    if (cfg->dkim_ed_key_pem != NULL)
        explicit_bzero(cfg->dkim_ed_key_pem, strlen(cfg->dkim_ed_key_pem));
    free(cfg->dkim_key_pem);
    free(cfg->dkim_ed_key_pem);
    free(cfg->web_host);
    free(cfg->file);
    free(cfg);
}

const char *
config_resolve_path(const char *opt_c)
{
    const char *env;

    if (opt_c != NULL)
        return opt_c;
    env = getenv("PAPERBOY_CONFIG");
    if (env != NULL && *env != '\0')
        return env;
    return NULL;
}

int
config_web_path(const struct config *cfg, const char *rel, char *out,
                unsigned size)
{
    struct stat st;
    const char *root = cfg->web_root;
    int n;

    if (root == NULL || *root == '\0') {
        /* ./web (running from a checkout), else the installed files, else
         * the source tree this binary was built from (a build dir) */
        if (stat("web/templates", &st) == 0 && S_ISDIR(st.st_mode))
            root = "web";
        else if (stat(PAPERBOY_DATADIR "/templates", &st) == 0)
            root = PAPERBOY_DATADIR;
#ifdef PAPERBOY_SOURCE_DIR
        else if (stat(PAPERBOY_SOURCE_DIR "/web/templates", &st) == 0)
            root = PAPERBOY_SOURCE_DIR "/web";
#endif
        else
            root = PAPERBOY_DATADIR;
    }
    n = snprintf(out, size, "%s/%s", root, rel);
    return (n < 0 || (unsigned)n >= size) ? -1 : 0;
}

const char *
config_from_domain(const struct config *cfg, char *out, unsigned size)
{
    const char *at = strrchr(cfg->smtp_from, '@');
    size_t n;

    if (at == NULL) {
        str_copy(out, size, "localhost");
        return out;
    }
    at++;
    n = strcspn(at, "> \t");
    if (n == 0 || n >= size) {
        str_copy(out, size, "localhost");
        return out;
    }
    memcpy(out, at, n);
    out[n] = '\0';
    return out;
}

void
config_dump(const struct config *cfg)
{
    const char *section = "";

    for (size_t i = 0; i < NKEYS; i++) {
        const struct config_key *k = &config_keys[i];
        const void *field = (const char *)cfg + k->off;
        if (strcmp(section, k->section) != 0) {
            printf("%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        printf("%s = ", k->name);
        if (k->off == 0) {
            printf("\n");
            continue;
        }
        switch (k->type) {
        case CT_INT:
            if (k->off == F(fetch_max_bytes))
                printf("%ld\n", *(const long *)field);
            else
                printf("%d\n", *(const int *)field);
            break;
        case CT_DOUBLE:
            printf("%g\n", *(const double *)field);
            break;
        case CT_BOOL:
            printf("%s\n", *(const int *)field ? "yes" : "no");
            break;
        case CT_DURATION:
            printf("%lds\n", *(const long *)field);
            break;
        case CT_STARTTLS:
            printf("%s\n", cfg->starttls == CONFIG_STARTTLS_AUTO ? "auto"
                           : cfg->starttls == CONFIG_STARTTLS_REQUIRE
                               ? "require"
                               : "off");
            break;
        case CT_EMPTY:
            printf("%s\n",
                   cfg->when_empty == CONFIG_EMPTY_SKIP ? "skip" : "trending");
            break;
        case CT_SECRET:
            printf("%s\n", **(char *const *)field ? "********" : "");
            break;
        default:
            printf("%s\n", *(char *const *)field);
        }
    }
}

/* config_type_word - how paperboy.ini(5) names a key's type */
static const char *
config_type_word(enum config_type t)
{
    switch (t) {
    case CT_INT:
        return "integer";
    case CT_DOUBLE:
        return "number";
    case CT_BOOL:
        return "boolean";
    case CT_DURATION:
        return "duration";
    case CT_LISTEN:
        return "HOST:PORT";
    case CT_HTTPURL:
    case CT_SRCURL:
    case CT_SMTPURL:
        return "URL";
    case CT_TIME:
        return "HH:MM";
    case CT_TZ:
        return "time zone";
    case CT_STARTTLS:
        return "auto, require or off";
    case CT_EMPTY:
        return "skip or trending";
    case CT_LEVEL:
        return "error, warn, info or debug";
    case CT_SECRET:
        return "secret string";
    case CT_STR:
        break;
    }
    return "string";
}

int
config_key_doc(size_t i, struct config_key_doc *out)
{
    const struct config_key *k;

    if (i >= NKEYS)
        return -1;
    k = &config_keys[i];
    out->section = k->section;
    out->name = k->name;
    out->type = config_type_word(k->type);
    out->def = k->def;
    out->ranged =
        k->type == CT_INT || k->type == CT_DOUBLE || k->type == CT_DURATION;
    out->min = k->min;
    out->max = k->max;
    out->doc = k->doc;
    return 0;
}
