/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cost of the live alpha1 tracker: µs per evaluation and per beat, against
 * recomputing the batch oracle for every window. Prints figures only.
 *   ./build/bench/bench-alpha1 [minutes]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "alpha1-tracker.h"
#include "dfa.h"
#include "rr-clean.h"
#include "util.h"

static double now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char *argv[])
{
        double minutes = argc > 1 ? atof(argv[1]) : 60;
        size_t n = (size_t)(minutes * 60 * 2.5); /* 150 bpm */
        _cleanup_free_ double *rr = malloc(n * sizeof(double));
        Alpha1Tracker *t = NULL;
        const Alpha1Eval *ev;
        size_t n_evals = 0;
        double x = 0, t0, t_track, t_batch, acc = 0, sink = 0;
        double t_eval_push = 0, t_plain_push = 0;
        size_t n_eval_push = 0, n_plain_push = 0;
        uint64_t s = 12345;

        if (!rr || alpha1_tracker_new(&t, NULL) < 0)
                return 1;
        for (size_t i = 0; i < n; i++) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                x = 0.6 * x + (double)((s >> 33) % 1000) / 100.0 - 5.0;
                rr[i] = 400 + x;
        }

        /* Whole live path: cleaner + tracker, per raw RR. */
        t0 = now_us();
        for (size_t i = 0; i < n; i++) {
                int r = alpha1_tracker_push_rr(t, rr[i], &ev);

                if (r < 0)
                        return 1;
                n_evals += (size_t)r;
                for (int k = 0; k < r; k++)
                        sink += ev[k].valid ? ev[k].alpha1 : 0;
        }
        t_track = now_us() - t0;
        alpha1_tracker_free(t);

        /* Tracker alone on clean beats, timing pushes with and without an evaluation. */
        if (alpha1_tracker_new(&t, NULL) < 0)
                return 1;
        for (size_t i = 0; i < n; i++) {
                RrBeat b = {.rr_ms = rr[i], .kind = RR_BEAT_NORMAL};
                double t1 = now_us();
                int r = alpha1_tracker_push_beat(t, &b, &ev);
                double dt = now_us() - t1;

                if (r < 0)
                        return 1;
                if (r > 0) {
                        t_eval_push += dt;
                        n_eval_push++;
                } else {
                        t_plain_push += dt;
                        n_plain_push++;
                }
        }
        alpha1_tracker_free(t);

        /* Baseline: batch oracle on each 120 s window, every 5 s. */
        t0 = now_us();
        {
                size_t lo = 0, hi = 0;
                double T = ALPHA1_WINDOW_S, tl = 0, th = 0;

                for (; hi < n; hi++) {
                        th += rr[hi] / 1000.0;
                        if (th > T) {
                                double a;

                                while (tl + rr[lo] / 1000.0 <= T - ALPHA1_WINDOW_S)
                                        tl += rr[lo++] / 1000.0;
                                if (dfa_alpha1(rr + lo, hi - lo, &a) == 0)
                                        acc += a;
                                T += ALPHA1_STEP_S;
                        }
                }
        }
        t_batch = now_us() - t0;

        printf("beats: %zu (%.0f min at 150 bpm), evaluations: %zu\n", n, minutes, n_evals);
        printf("live path (cleaner + tracker):     %.3f us per beat (all costs included)\n",
               t_track / (double)n);
        printf("tracker, beat without evaluation:  %.3f us per beat (box RSS update)\n",
               t_plain_push / (double)MAX(n_plain_push, (size_t)1));
        printf("tracker, beat with evaluation:     %.3f us per evaluation\n",
               t_eval_push / (double)MAX(n_eval_push, (size_t)1));
        printf("batch dfa_alpha1 per window:       %.3f us per evaluation (recomputation)\n",
               t_batch / (double)MAX(n_evals, (size_t)1));
        printf("(checksum %.3f %.3f)\n", sink, acc);
        return 0;
}
