/* SPDX-License-Identifier: MIT */
/*
 * log - one line per event on stderr, with a level, for journald or a
 * terminal.  Thread-safe: each line is written with a single write(2).
 * Never pass secrets (passwords, tokens, message bodies) to these.
 */
#ifndef PAPERBOY_LOG_H
#define PAPERBOY_LOG_H

enum log_level {
    LOG_LEVEL_ERR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3,
};

/* log_set_level - only messages at this level or more severe are written */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* log_parse_level - "error|warn|info|debug" to a level; -1 if unknown */
int log_parse_level(const char *s, enum log_level *out);

/*
 * log_set_journal - prefix lines with "<N>" syslog priorities instead of
 * a time stamp (set when stderr is the journal, JOURNAL_STREAM).
 */
void log_set_journal(int on);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn_errno - like log_warn, appends ": strerror(errno)" */
void log_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_fatal - log at error level and exit(1); startup errors only */
_Noreturn void log_fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* BUG - a broken internal invariant: log and abort */
#define BUG(...) log_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void log_bug(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
