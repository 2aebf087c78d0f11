/* SPDX-License-Identifier: MIT */
/*
 * sdnotify - the service manager notification protocol without
 * libsystemd: one datagram "KEY=VALUE\n..." to the unix socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).  When
 * the variable is unset (not started by systemd with Type=notify) every
 * call does nothing and succeeds.  It uses only libc.
 *
 * Used by serve: READY=1 once the web listens and the workers run,
 * STATUS=... for `systemctl status`, WATCHDOG=1 every WATCHDOG_USEC/2,
 * RELOADING=1 / READY=1 around SIGHUP and STOPPING=1 on the way out.
 */
#ifndef PAPERBOY_SDNOTIFY_H
#define PAPERBOY_SDNOTIFY_H

#include <stdint.h>

#include "err.h"

/* sdnotify_send - send state (e.g. "READY=1\nSTATUS=serving") to
 * $NOTIFY_SOCKET; 0 when sent or when there is no socket, -1 with err */
int sdnotify_send(const char *state, struct err *err);

/* sdnotify_sendf - printf-style sdnotify_send(); errors are logged at
 * debug level only (the manager may be gone while we stop) */
void sdnotify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* sdnotify_watchdog_usec - $WATCHDOG_USEC when it is meant for this
 * process ($WATCHDOG_PID unset or equal to getpid()), else 0 */
int64_t sdnotify_watchdog_usec(void);

#endif
