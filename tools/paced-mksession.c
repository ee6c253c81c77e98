/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced-mksession: writes sessions into a paced state directory through the
 * store's writer API, for tests and demos (documented in docs/sessions.md).
 *
 *   paced-mksession --state-dir DIR [--seed N] [--seconds S] [--reason R]
 *                   [--test-result HRVT1,HRVT2]
 *       Stores the simulated 3 x 400 m session of tests/lib/session-fixture.h
 *       and prints its id. R: finished (default), aborted, or open (left
 *       unfinished, as after a crash). --test-result also stores a
 *       threshold-test result for it as the daemon stores a ramp test's (for
 *       the tests of the trend, history and accept; the session itself is
 *       not a ramp).
 *   paced-mksession --state-dir DIR --writer [--tick-ms MS]
 *       Runs like the daemon's manager: a virtual clock advancing 100 ms per
 *       tick (MS real milliseconds, default 2), a sample every virtual second,
 *       RR intervals as they end, a flush whenever next_flush() is due.
 *       Prints "added N" after each sample and "committed N" after each
 *       successful flush, unbuffered, until killed. For the kill -9 test.
 *   paced-mksession --state-dir DIR --recover
 *       Opens the store as the daemon does and prints what crash recovery
 *       found: "interrupted ID LAST_T LAST_STEP" or "none".
 */
#define _GNU_SOURCE 1
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "session-fixture.h"
#include "session-store.h"
#include "util.h"

static void say(const char *what, unsigned long long n)
{
        char line[64];
        int len = snprintf(line, sizeof(line), "%s %llu\n", what, n);

        /* write(2), not stdio: nothing may sit in a buffer when we are killed. */
        if (write(STDOUT_FILENO, line, (size_t)len) != len)
                exit(EXIT_FAILURE);
}

static int run_writer(SessionStore *s, unsigned tick_ms)
{
        SessionInfo info = {.workout_name = "kill -9 test", .treadmill_name = "Sim"};
        uint64_t now = 0, next_rr = 430000;
        unsigned long long added = 0;
        int r;

        r = session_store_begin(s, (uint64_t)time(NULL) * USEC_PER_SEC, &info, NULL);
        if (r < 0)
                return r;
        for (;; now += 100 * USEC_PER_MSEC) {
                if (now % USEC_PER_SEC == 0) {
                        SessionSample x = {.t_s = (double)now / USEC_PER_SEC,
                                           .commanded_kmh = 10,
                                           .speed_kmh = 10,
                                           .incline_pct = 0,
                                           .distance_m = (double)now / USEC_PER_SEC * 2.78,
                                           .hr_bpm = 140,
                                           .zone = 2,
                                           .step_index = 0,
                                           .alpha1 = NAN};
                        r = session_store_add_sample(s, &x);
                        if (r < 0)
                                return r;
                        say("added", ++added);
                }
                while (next_rr <= now) {
                        r = session_store_add_rr(
                                s, &(SessionRr){(double)next_rr / USEC_PER_SEC, 430, false});
                        if (r < 0)
                                return r;
                        next_rr += 430000;
                }
                if (now >= session_store_next_flush(s)) {
                        r = session_store_flush(s, now);
                        if (r < 0)
                                return r;
                        say("committed", added);
                }
                usleep(tick_ms * 1000);
        }
}

int main(int argc, char *argv[])
{
        static const struct option options[] = {
                {"state-dir", required_argument, NULL, 'd'},
                {"seed", required_argument, NULL, 's'},
                {"seconds", required_argument, NULL, 'n'},
                {"reason", required_argument, NULL, 'r'},
                {"writer", no_argument, NULL, 'w'},
                {"tick-ms", required_argument, NULL, 't'},
                {"recover", no_argument, NULL, 'R'},
                {"test-result", required_argument, NULL, 'T'},
                {},
        };
        const char *dir = NULL, *reason = "finished";
        unsigned long seed = 1, tick_ms = 2;
        double seconds = 3000;
        bool writer = false, recover = false;
        double test_vt1 = NAN, test_vt2 = NAN;
        SessionStore *s = NULL;
        int64_t id = 0;
        int c, r, end;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 's':
                        seed = strtoul(optarg, NULL, 10);
                        break;
                case 'n':
                        seconds = strtod(optarg, NULL);
                        break;
                case 'r':
                        reason = optarg;
                        break;
                case 'w':
                        writer = true;
                        break;
                case 't':
                        tick_ms = strtoul(optarg, NULL, 10);
                        break;
                case 'R':
                        recover = true;
                        break;
                case 'T':
                        if (sscanf(optarg, "%lf,%lf", &test_vt1, &test_vt2) != 2) {
                                fprintf(stderr, "paced-mksession: --test-result HRVT1,HRVT2\n");
                                return 2;
                        }
                        break;
                default:
                        return 2;
                }
        if (!dir) {
                fprintf(stderr, "paced-mksession: --state-dir is required\n");
                return 2;
        }
        if (streq(reason, "open"))
                end = -1;
        else if ((end = session_end_reason_from_string(reason)) < 0) {
                fprintf(stderr, "paced-mksession: unknown --reason %s\n", reason);
                return 2;
        }

        r = session_store_open(&s, dir);
        if (r < 0) {
                fprintf(stderr, "paced-mksession: cannot open the store in %s: %s\n", dir,
                        strerror(-r));
                return 1;
        }
        if (recover) {
                SessionResume res;
                if (session_store_get_interrupted(s, &res) < 0)
                        printf("none\n");
                else
                        printf("interrupted %" PRId64 " %.0f %d\n", res.id, res.last_t_s,
                               res.last_step_index);
                session_store_free(s);
                return 0;
        }
        if (writer)
                r = run_writer(s, (unsigned)tick_ms);
        else
                r = fixture_run(s, seed, seconds, end, &id);
        if (r >= 0 && id > 0 && isfinite(test_vt1))
                r = fixture_add_test_result(s, id, test_vt1, test_vt2);
        if (r < 0) {
                fprintf(stderr, "paced-mksession: %s (%s)\n", strerror(-r),
                        session_store_last_error(s));
                session_store_free(s);
                return 1;
        }
        if (end < 0) {
                /* Leave it unfinished as a crash would: no free() (it would
                 * flush) and no exit handlers (LeakSanitizer would report
                 * the store we deliberately abandon). */
                printf("%" PRId64 "\n", id);
                fflush(stdout);
                _exit(0);
        }
        session_store_free(s);
        printf("%" PRId64 "\n", id);
        return 0;
}
