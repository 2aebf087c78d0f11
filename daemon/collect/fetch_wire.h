/* SPDX-License-Identifier: MIT */
/*
 * fetch_wire - the protocol between fetch_all() and the paperboy-fetch
 * program: the caller writes a job (the options and the requests) to the
 * helper's stdin and closes it; the helper runs the transfers and writes
 * the results to its stdout, then exits 0 (1 on a malformed job).  Both
 * directions use one plain format: a number is "<decimal>;", a string
 * "<length>:<bytes>" ("-1:" for NULL).  Internal to the fetch module
 * family and the helper program; knows nothing about HTTP.
 *
 * Decoders return 0, or -1 when the message is malformed.
 */
#ifndef PAPERBOY_FETCH_WIRE_H
#define PAPERBOY_FETCH_WIRE_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "fetch.h"

#define FETCH_WIRE_JOB_MAX (4L * 1024 * 1024) /* a job message, bytes */
#define FETCH_WIRE_SLACK (64L * 1024)         /* per-request result overhead */

/* A job as the helper reads it. */
struct fetch_wire_job {
    struct fetch_opts o;    /* o.contact borrows contact */
    struct fetch_req *reqs; /* n requests; they borrow strs */
    size_t n;
    char **strs;   /* 3 a request: url, etag, last_modified; owned */
    char *contact; /* owned, or NULL */
};

/* fetch_wire_put_job - append the job for reqs[0..n) under o to b */
void fetch_wire_put_job(struct buf *b, const struct fetch_req *reqs, size_t n,
                        const struct fetch_opts *o);

/* fetch_wire_get_job - decode msg into *job; release the job with
 * fetch_wire_job_release() whether this succeeds or not */
int fetch_wire_get_job(const struct buf *msg, struct fetch_wire_job *job);
void fetch_wire_job_release(struct fetch_wire_job *job);

/* fetch_wire_put_results - append the out fields of reqs[0..n) to b */
void fetch_wire_put_results(struct buf *b, const struct fetch_req *reqs,
                            size_t n);

/* fetch_wire_get_results - decode ans into the out fields of reqs[0..n),
 * which must be the n requests of the job */
int fetch_wire_get_results(const struct buf *ans, struct fetch_req *reqs,
                           size_t n);

/* fetch_wire_send - write all of b to fd (a socket when sock: no SIGPIPE
 * if the other end is gone); 0 or -1 (errno) */
int fetch_wire_send(int fd, int sock, const struct buf *b);

/* fetch_wire_recv - read fd to end of input into b; 0, or -1 (errno, or
 * b full), or 1 once fetch_stop_requested(stop) (stop may be NULL): the
 * flag is checked every FETCH_STOP_POLL_MS and after each interrupted
 * wait, so a signal handler that sets it ends the read at once */
int fetch_wire_recv(int fd, struct buf *b, const volatile sig_atomic_t *stop);

#endif
