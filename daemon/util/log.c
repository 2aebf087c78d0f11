/* SPDX-License-Identifier: MIT */
/*
 * log - leveled one-line logging to stderr (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "str.h"

/* atomics: SIGHUP may change the level while other threads log */
static atomic_int log_level = LOG_LEVEL_INFO;
static atomic_int log_journal;

static const char *const log_names[] = {"error", "warn", "info", "debug"};

void
log_set_level(enum log_level level)
{
    atomic_store(&log_level, (int)level);
}

enum log_level
log_get_level(void)
{
    return (enum log_level)atomic_load(&log_level);
}

int
log_parse_level(const char *s, enum log_level *out)
{
    int i = str_index(log_names, sizeof(log_names) / sizeof(log_names[0]), s);

    if (i < 0 && strcmp(s, "warning") == 0)
        i = LOG_LEVEL_WARN;
    if (i < 0)
        return -1;
    *out = (enum log_level)i;
    return 0;
}

void
log_set_journal(int on)
{
    atomic_store(&log_journal, on);
}

/* log_write - format one line and write it with a single syscall */
static void
log_write(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
    static const int syslog_prio[] = {3, 4, 6, 7};
    char line[2048];
    size_t n = 0;
    int saved = errno;

    if ((int)level > atomic_load(&log_level))
        return;
    if (atomic_load(&log_journal)) {
        n = (size_t)snprintf(line, sizeof(line), "<%d>", syslog_prio[level]);
    } else {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
        n += (size_t)snprintf(line + n, sizeof(line) - n,
                              "%s: ", log_names[level]);
    }
    if (n < sizeof(line)) {
        int k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        if (k > 0)
            n += (size_t)k;
    }
    if (n >= sizeof(line) - 1)
        n = sizeof(line) - 2;
    if (with_errno) {
        int k = snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved));
        if (k > 0)
            n += (size_t)k;
        if (n >= sizeof(line) - 1)
            n = sizeof(line) - 2;
    }
    /* one event, one line: fold any newline a value smuggled in */
    for (size_t i = 0; i < n; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, n) < 0)
        (void)0;
    errno = saved;
}

#define LOG_FN(name, level, with_errno)                                        \
    void name(const char *fmt, ...)                                            \
    {                                                                          \
        va_list ap;                                                            \
        va_start(ap, fmt);                                                     \
        log_write(level, with_errno, fmt, ap);                                 \
        va_end(ap);                                                            \
    }

LOG_FN(log_err, LOG_LEVEL_ERR, 0)
LOG_FN(log_warn, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_warn_errno, LOG_LEVEL_WARN, 1)

void
log_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_write(LOG_LEVEL_ERR, 0, fmt, ap);
    va_end(ap);
    exit(1);
}

void
log_bug(const char *file, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_err("BUG at %s:%d: %s", file, line, msg);
    abort();
}
