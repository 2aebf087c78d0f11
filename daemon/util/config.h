/* SPDX-License-Identifier: MIT */
/*
 * config - the INI file, parsed and validated into an immutable struct.
 *
 * Every key has a built-in default, so a config file is optional.  Parsing
 * is all-or-nothing: an unknown section or key or a malformed value is an
 * error naming the file, the line and the key, and no struct is returned.
 * SIGHUP parses a new struct and swaps the pointer only when it validated.
 * The struct owns all its strings.  The SMTP password never appears in any
 * message this module produces.  Uses inih.
 */
#ifndef PAPERBOY_CONFIG_H
#define PAPERBOY_CONFIG_H

#include <stddef.h>

#include "err.h"

enum config_starttls {
    CONFIG_STARTTLS_AUTO = 0,    /* upgrade when the server offers it */
    CONFIG_STARTTLS_REQUIRE = 1, /* refuse to send in clear text */
    CONFIG_STARTTLS_OFF = 2,     /* never upgrade */
};

enum config_when_empty {
    CONFIG_EMPTY_SKIP = 0,     /* nothing new matched: send nothing */
    CONFIG_EMPTY_TRENDING = 1, /* nothing new matched: send trending top */
};

struct config {
    char *file; /* path the config came from, or NULL for built-in defaults */

    /* [database] */
    char *db_path;       /* SQLite file; default "data/paperboy.db" */
    int busy_timeout_ms; /* sqlite3_busy_timeout, default 5000 */

    /* [web] */
    char *web_listen;         /* "127.0.0.1:8080"; host part may be [v6] */
    char *web_host;           /* parsed host of listen */
    int web_port;             /* parsed port of listen, 1..65535 (0 = any) */
    char *base_url;           /* "http://localhost:8080", no trailing '/' */
    char *web_root;           /* dir holding templates/ and static/ */
    char *secret;             /* HMAC secret from config, or NULL */
    char *secret_file;        /* "data/secret", generated 0600 if absent */
    int subscribe_per_minute; /* per-client POST /subscribe limit, 0 = off */
    int subscribe_answer_ms;  /* POST /subscribe answers no sooner */
    char *trusted_proxies;    /* comma list of IPs whose XFF is trusted */
    int web_max_connections;  /* MHD connection limit, default 256 */
    int web_threads;          /* MHD thread pool size, default 2 */
    char *default_list;       /* the form's preselected list */
    int web_timeout;          /* per-connection idle timeout, seconds */
    int web_request_deadline; /* seconds to read a request head and body */
    int web_per_client;       /* connections per client (IPv6: per /64) */

    /* [smtp] */
    char *smtp_url; /* "" = maildir; smtp://h:p or smtps://h:p */
    enum config_starttls starttls;
    char *smtp_username;      /* "" = no AUTH */
    char *smtp_password;      /* never printed; from password, password_file
                                 or $PAPERBOY_SMTP_PASSWORD */
    char *smtp_from;          /* "Paperboy <paperboy@localhost>" */
    char *smtp_helo;          /* EHLO name; default "localhost" */
    int smtp_connections;     /* parallel sessions, default 4, 1..64 */
    char *smtp_ca_file;       /* extra CA bundle for private relays, or "" */
    int smtp_tls_verify;      /* verify certificates, default 1 */
    int smtp_timeout;         /* seconds per SMTP command, default 60 */
    double smtp_rate;         /* messages per second over all sessions;
                                 0 = unlimited */
    long retry_give_up;       /* seconds before a deferred mail fails,
                                 default 2 days */
    int bounce_limit_unknown; /* hard bounces with 5.1.1 before suspension,
                                 default 1 */
    int bounce_limit;         /* other hard bounces before suspension,
                                 default 3 */

    /* [delivery] */
    char *maildir; /* "data/mail" */

    /* [sources] */
    char *arxiv_rss_url;       /* category is appended */
    char *arxiv_api_url;       /* "https://export.arxiv.org/api/query" */
    char *hf_daily_url;        /* "?date=YYYY-MM-DD" is appended */
    char *contact;             /* operator contact for the User-Agent */
    int fetch_timeout;         /* total seconds per request, default 60 */
    int fetch_connect_timeout; /* seconds, default 15 */
    long fetch_max_bytes;      /* response cap, default 32 MiB */
    int api_delay_ms;          /* between arXiv API calls, >= 3000 */

    /* [schedule] */
    char *send_at; /* "06:00" */
    int send_hour; /* parsed send_at */
    int send_minute;
    char *timezone; /* IANA name, default "UTC" */

    /* [digest] */
    double trending_weight; /* w in relevance + w*log1p(upvotes) */
    double title_weight;    /* bm25 weight of the title column */
    enum config_when_empty when_empty;
    int max_papers;     /* default papers per digest, 1..50 */
    char *list_address; /* mailto for List-Unsubscribe, or "" */

    /* [log] */
    char *log_level; /* "info" */

    /* [dkim]: signing is on when key_file or ed25519_key_file is set */
    char *dkim_domain;      /* d=; "" = the domain of [smtp] from */
    char *dkim_selector;    /* s= of the rsa-sha256 signature */
    char *dkim_key_file;    /* RSA private key (PEM), or "" */
    char *dkim_ed_selector; /* s= of the ed25519-sha256 signature */
    char *dkim_ed_key_file; /* Ed25519 private key (PEM), or "" */
    char *dkim_key_pem;     /* key_file's contents, read at load; or NULL */
    char *dkim_ed_key_pem;  /* ed25519_key_file's contents; or NULL */

    /* [bounces] */
    char *bounce_domain;           /* return_path_domain: VERP envelope sender
                                      bounces+TOKEN@this; "" = the From domain */
    char *bounce_mailbox;          /* imaps://, pop3s://, maildir:; "" = none */
    char *bounce_password;         /* never printed; password, password_file
                                      or $PAPERBOY_BOUNCES_PASSWORD */
    long bounce_interval;          /* seconds between reads in serve */
    int bounce_soft_limit;         /* soft bounces within soft_window that
                                      suspend an address, default 3 */
    long bounce_soft_window;       /* seconds, default 14 days */
    double bounce_pause_hard;      /* % hard bounces that pause a list */
    double bounce_pause_complaint; /* % complaints that pause a list */
    int bounce_pause_min;          /* messages a mailing needs to be judged */
};

/* config_defaults - a config with every built-in default; caller frees */
struct config *config_defaults(void);

/*
 * config_load - defaults, then the INI file at path (NULL: none), then
 * validation.  On error returns NULL and err says "FILE:LINE: [sec] key:
 * reason".  Caller frees with config_free().
 */
struct config *config_load(const char *path, struct err *err);

#define CONFIG_SECRET_MIN 16 /* [web] secret: characters, at least */

/* config_free - release; NULL is fine */
void config_free(struct config *cfg);

/* config_resolve_path - path of the config to use: -c value, else
 * $PAPERBOY_CONFIG, else NULL.  Borrowed. */
const char *config_resolve_path(const char *opt_c);

/*
 * config_web_path - "<web_root>/<rel>" into out; web_root defaults to
 * "./web" when that exists, else the compiled-in data directory.
 */
int config_web_path(const struct config *cfg, const char *rel, char *out,
                    unsigned size);

/* config_from_domain - the domain part of smtp_from (for Message-IDs) */
const char *config_from_domain(const struct config *cfg, char *out,
                               unsigned size);

/* config_dump - write every key (password masked) as INI to stdout */
void config_dump(const struct config *cfg);

/*
 * config_key_doc - key i of the table (0, 1, ...) as the generated manual
 * paperboy.ini(5) and config.example.ini show it; -1 past the last key.
 * Every string is static.  doc is NULL for a key nobody documented (the
 * generator then fails the build).
 */
struct config_key_doc {
    const char *section, *name;
    const char *type; /* "integer", "duration", "auto, require or off", ... */
    const char *def;  /* the default as written in a file; "" = empty */
    int ranged;       /* min and max bound the value (seconds: duration) */
    double min, max;
    const char *doc;
};
int config_key_doc(size_t i, struct config_key_doc *out);

#endif
