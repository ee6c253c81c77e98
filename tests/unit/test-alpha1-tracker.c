/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The incremental windowed tracker must give exactly what the batch oracle
 * dfa_alpha1() gives on the same window (docs/analysis.md: beats with
 * T - 120 < t <= T, first evaluation at 120 s, then every 5 s, window HR =
 * 60000 / mean RR), and gate on artifact percentage (3 % / 5 %).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "alpha1-tracker.h"
#include "dfa.h"
#include "rr-clean.h"
#include "synth-rr.h"
#include "util.h"

#define N 3000

static void make_series(double *rr, size_t n, uint64_t seed)
{
        SynthRng g = {.s = seed};
        double x = 0;

        /* slowly rising HR with correlated variation */
        for (size_t i = 0; i < n; i++) {
                x = 0.7 * x + 4.0 * synth_gauss(&g);
                rr[i] = 520 - 0.04 * (double)i + x;
        }
}

static void test_matches_batch_oracle(void **state)
{
        static double rr[N], t[N];
        Alpha1Tracker *tr = NULL;
        const Alpha1Eval *ev;
        size_t n_evals = 0;
        double acc = 0, expect_T = ALPHA1_WINDOW_S;

        make_series(rr, N, 5);
        for (size_t i = 0; i < N; i++) {
                acc += rr[i] / 1000.0;
                t[i] = acc;
        }
        assert_int_equal(alpha1_tracker_new(&tr, NULL), 0);
        for (size_t i = 0; i <= N; i++) {
                int r = i < N ? alpha1_tracker_push_rr(tr, rr[i], &ev)
                              : alpha1_tracker_flush(tr, &ev);

                assert_true(r >= 0);
                for (int k = 0; k < r; k++) {
                        size_t lo = 0, hi = 0;
                        double a, sum = 0;

                        assert_float_equal(ev[k].t_s, expect_T, 1e-9);
                        expect_T += ALPHA1_STEP_S;
                        while (t[lo] <= ev[k].t_s - ALPHA1_WINDOW_S)
                                lo++;
                        hi = lo;
                        while (hi < N && t[hi] <= ev[k].t_s)
                                hi++;
                        assert_int_equal(ev[k].n_beats, hi - lo);
                        for (size_t j = lo; j < hi; j++)
                                sum += rr[j];
                        assert_float_equal(ev[k].hr_bpm, 60000.0 / (sum / (double)(hi - lo)), 1e-9);
                        assert_int_equal(dfa_alpha1(rr + lo, hi - lo, &a), 0);
                        assert_true(ev[k].valid);
                        assert_false(ev[k].low_quality);
                        assert_float_equal(ev[k].artifact_pct, 0, 0);
                        assert_float_equal(ev[k].alpha1, a, 1e-9);
                        n_evals++;
                }
        }
        /* 3000 beats of ~460 ms ~ 1380 s: (1380 - 120) / 5 evaluations */
        assert_true(n_evals > 240);
        assert_int_equal(alpha1_tracker_n_beats(tr), N);
        assert_int_equal(alpha1_tracker_n_artifacts(tr), 0);
        assert_null(alpha1_tracker_free(tr));
}

/* Feeds rr with a missed beat every `every` beats; returns the last evaluation. */
static Alpha1Eval run_with_missed(size_t every, bool correct)
{
        static double rr[1200];
        Alpha1TrackerConfig cfg = ALPHA1_TRACKER_CONFIG_DEFAULT;
        Alpha1Tracker *tr = NULL;
        const Alpha1Eval *ev;
        Alpha1Eval last = {};

        cfg.correct = correct;
        make_series(rr, ELEMENTSOF(rr), 9);
        assert_int_equal(alpha1_tracker_new(&tr, &cfg), 0);
        for (size_t i = 0; i < ELEMENTSOF(rr); i++) {
                int r;

                if (every && i % every == 0 && i + 1 < ELEMENTSOF(rr)) {
                        r = alpha1_tracker_push_rr(tr, rr[i] + rr[i + 1], &ev);
                        i++;
                } else
                        r = alpha1_tracker_push_rr(tr, rr[i], &ev);
                assert_true(r >= 0);
                if (r > 0)
                        last = ev[r - 1];
        }
        alpha1_tracker_free(tr);
        return last;
}

static void test_quality_gates(void **state)
{
        Alpha1Eval clean = run_with_missed(0, true);
        /* One missed beat per 30 is one repair per 30 beats, 3.3 % (as Kubios
         * counts: the split gives two beats but it is one artifact): low
         * quality, still reported. */
        Alpha1Eval low = run_with_missed(30, true);
        /* one per 18 = 5.6 %: suppressed */
        Alpha1Eval bad = run_with_missed(18, true);

        assert_true(clean.valid && !clean.low_quality);
        assert_true(low.valid && low.low_quality);
        assert_float_equal(low.artifact_pct, 100.0 / 30, 0.5);
        /* split repairs are exact here: alpha1 barely moves */
        assert_float_equal(low.alpha1, clean.alpha1, 0.1);
        assert_false(bad.valid);
        assert_true(isnan(bad.alpha1));
        assert_true(bad.artifact_pct > 5);
}

static void test_uncorrected_missed_beats_distort(void **state)
{
        /* docs/physiology.md, "Artifacts": uncorrected ones move alpha1 a lot */
        Alpha1Eval clean = run_with_missed(0, true);
        Alpha1Eval raw = run_with_missed(100, false);

        assert_true(raw.valid);
        assert_true(fabs(raw.alpha1 - clean.alpha1) > 0.1);
}

static void test_config_validation(void **state)
{
        Alpha1Tracker *tr = NULL;
        Alpha1TrackerConfig cfg = ALPHA1_TRACKER_CONFIG_DEFAULT;
        const Alpha1Eval *ev;

        cfg.step_s = 0;
        assert_int_equal(alpha1_tracker_new(&tr, &cfg), -EINVAL);
        cfg = ALPHA1_TRACKER_CONFIG_DEFAULT;
        cfg.window_s = 10;
        assert_int_equal(alpha1_tracker_new(&tr, &cfg), -EINVAL);
        assert_null(tr);
        assert_int_equal(alpha1_tracker_new(&tr, NULL), 0);
        assert_int_equal(alpha1_tracker_push_rr(tr, -1, &ev), -EINVAL);
        assert_int_equal(alpha1_tracker_push_rr(tr, INFINITY, &ev), -EINVAL);
        alpha1_tracker_free(tr);
}

static void test_low_hr_window_not_reported(void **state)
{
        Alpha1Tracker *tr = NULL;
        const Alpha1Eval *ev;
        SynthRng g = {.s = 1};
        bool seen = false;

        /* 40 bpm: 80 beats per window, enough (>= 60) but low quality (< 100) */
        assert_int_equal(alpha1_tracker_new(&tr, NULL), 0);
        for (int i = 0; i < 300; i++) {
                int r = alpha1_tracker_push_rr(tr, 1500 + 20 * synth_gauss(&g), &ev);

                for (int k = 0; k < r; k++) {
                        assert_true(ev[k].valid);
                        assert_true(ev[k].low_quality);
                        seen = true;
                }
        }
        assert_true(seen);
        alpha1_tracker_free(tr);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_matches_batch_oracle),
                cmocka_unit_test(test_quality_gates),
                cmocka_unit_test(test_uncorrected_missed_beats_distort),
                cmocka_unit_test(test_config_validation),
                cmocka_unit_test(test_low_hr_window_not_reported),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
