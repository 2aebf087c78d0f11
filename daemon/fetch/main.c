/* SPDX-License-Identifier: MIT */
/*
 * paperboy-fetch - the fetch helper program: reads one job from stdin
 * (fetch_wire.h), runs its transfers with libcurl (fetch_transfer.c),
 * writes the results to stdout and exits: 0, or 1 on a malformed job,
 * when the results could not be written, or at once when paperboy went
 * away in the middle (fetch_transfer_all()).  Started by fetch_all() in
 * paperboy; not a command for people (it takes no arguments and reads no
 * config).  A program of its own so that libcurl and its libraries live
 * only in a process that lasts one collect.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "fetch_transfer.h"
#include "fetch_wire.h"

int
main(int argc, char **argv)
{
    struct buf msg, ans;
    struct fetch_wire_job job = {0};
    int rc = 1;

    (void)argv;
    if (argc != 1 || isatty(STDIN_FILENO)) {
        fprintf(stderr, "paperboy-fetch: paperboy's fetch helper; it takes "
                        "a job on stdin from paperboy, not from a person\n");
        return 2;
    }
    /* die with the paperboy thread that started us; inherit no stray fds.
     * If paperboy died before this line, no signal comes: the transfers
     * then see its end of the socket closed and exit (fetch_transfer_all) */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    close_range(3, ~0U, 0);
    buf_init(&msg, FETCH_WIRE_JOB_MAX);
    buf_init(&ans, BUF_UNLIMITED);
    if (fetch_wire_recv(STDIN_FILENO, &msg, NULL) != 0 ||
        fetch_wire_get_job(&msg, &job) == -1)
        goto out;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "paperboy-fetch: curl_global_init failed\n");
        goto out;
    }
    (void)fetch_transfer_all(job.reqs, job.n, &job.o, STDOUT_FILENO);
    curl_global_cleanup();
    fetch_wire_put_results(&ans, job.reqs, job.n);
    if (!ans.failed && fetch_wire_send(STDOUT_FILENO, 0, &ans) == 0)
        rc = 0;
out:
    fetch_wire_job_release(&job);
    buf_release(&msg);
    buf_release(&ans);
    return rc;
}
