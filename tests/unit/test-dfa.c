/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DFA alpha1 against analytic and synthetic cases with known exponents
 * (docs/analysis.md; docs/physiology.md, "DFA alpha1": white noise gives
 * 0.583 with this estimator, F^2(n) = sigma^2 (n^2 - 4) / (15 n)).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "dfa.h"
#include "synth-rr.h"
#include "util.h"

static void test_box_rss_of_line_is_zero(void **state)
{
        double y[8];

        for (size_t i = 0; i < ELEMENTSOF(y); i++)
                y[i] = 3.0 * (double)i - 7.0;
        assert_true(dfa_box_rss(y, ELEMENTSOF(y)) < 1e-12);
}

static void test_box_rss_hand_computed(void **state)
{
        /* y = 0,1,0,1 against x = 0..3: line 0.2x + 0.2, residuals -0.2,0.6,-0.6,0.2 */
        double y[] = {0, 1, 0, 1};

        assert_float_equal(dfa_box_rss(y, 4), 0.8, 1e-12);
}

static void test_rejects_short_and_flat(void **state)
{
        double rr[64], a = 42;

        for (size_t i = 0; i < ELEMENTSOF(rr); i++)
                rr[i] = 500;
        assert_int_equal(dfa_alpha1(rr, 2 * DFA_MAX_BOX - 1, &a), -EINVAL);
        assert_int_equal(dfa_alpha1(rr, 64, &a), -EDOM);
        assert_float_equal(a, 42, 0); /* untouched on failure */
}

static void test_white_noise_fluctuation_matches_analytic(void **state)
{
        const size_t n = 200000;
        _cleanup_free_ double *rr = malloc(n * sizeof(double));
        SynthRng g = {.s = 1};
        double f2[DFA_N_BOXES];

        assert_non_null(rr);
        for (size_t i = 0; i < n; i++)
                rr[i] = 500 + 10 * synth_gauss(&g);
        assert_int_equal(dfa_fluctuations(rr, n, f2), 0);
        for (size_t b = DFA_MIN_BOX; b <= DFA_MAX_BOX; b++) {
                double expect = 100.0 * ((double)(b * b) - 4) / (15.0 * (double)b);

                assert_float_equal(f2[b - DFA_MIN_BOX] / expect, 1.0, 0.03);
        }
}

static void test_white_noise_alpha1_is_0_58(void **state)
{
        SynthRng g = {.s = 7};
        double sum = 0, rr[300];
        const int reps = 200;

        /* Mean over many 300-beat windows: the small-box bias gives 0.583, not 0.5. */
        for (int k = 0; k < reps; k++) {
                double a;

                for (size_t i = 0; i < ELEMENTSOF(rr); i++)
                        rr[i] = 400 + 5 * synth_gauss(&g);
                assert_int_equal(dfa_alpha1(rr, ELEMENTSOF(rr), &a), 0);
                sum += a;
        }
        assert_float_equal(sum / reps, 0.583, 0.02);
}

static void test_integrated_white_noise_alpha1_is_1_5(void **state)
{
        SynthRng g = {.s = 11};
        double sum = 0, rr[300];
        const int reps = 200;

        for (int k = 0; k < reps; k++) {
                double a, x = 0;

                for (size_t i = 0; i < ELEMENTSOF(rr); i++) {
                        x += synth_gauss(&g);
                        rr[i] = 600 + x;
                }
                assert_int_equal(dfa_alpha1(rr, ELEMENTSOF(rr), &a), 0);
                sum += a;
        }
        assert_float_equal(sum / reps, 1.5, 0.08);
}

static void test_invariant_to_offset_and_scale(void **state)
{
        SynthRng g = {.s = 3};
        double rr[256], rr2[256], a, b;

        for (size_t i = 0; i < ELEMENTSOF(rr); i++) {
                rr[i] = 450 + 8 * synth_gauss(&g);
                rr2[i] = 3.0 * rr[i] + 100;
        }
        assert_int_equal(dfa_alpha1(rr, ELEMENTSOF(rr), &a), 0);
        assert_int_equal(dfa_alpha1(rr2, ELEMENTSOF(rr2), &b), 0);
        assert_float_equal(a, b, 1e-9);
}

static void test_leftover_beats_ignored_for_each_box(void **state)
{
        /* 33 beats: for n = 16 two boxes use beats 0..31 and beat 32 is left
         * over. Changing it changes the mean, i.e. adds a linear term to the
         * profile, which a per-box line absorbs: F^2(16) must not move. */
        SynthRng g = {.s = 5};
        double rr[33], f2a[DFA_N_BOXES], f2b[DFA_N_BOXES];

        for (size_t i = 0; i < ELEMENTSOF(rr); i++)
                rr[i] = 500 + 10 * synth_gauss(&g);
        assert_int_equal(dfa_fluctuations(rr, 33, f2a), 0);
        rr[32] += 50;
        assert_int_equal(dfa_fluctuations(rr, 33, f2b), 0);
        assert_float_equal(f2a[DFA_N_BOXES - 1], f2b[DFA_N_BOXES - 1], 1e-9);
        /* n = 11: three boxes cover beats 0..32, so the last beat counts there */
        assert_true(fabs(f2a[11 - DFA_MIN_BOX] - f2b[11 - DFA_MIN_BOX]) > 1e-6);
}

/* Dense reference: (I + l^2 D2'D2) t = x by Gaussian elimination, out = x - t. */
static void sp_dense(const double *x, size_t n, double lambda, double *out)
{
        double a[12][13] = {};

        assert_true(n <= 12);
        for (size_t r = 0; r + 2 < n; r++) {
                const double c[3] = {1, -2, 1};

                for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++)
                                a[r + i][r + j] += lambda * lambda * c[i] * c[j];
        }
        for (size_t i = 0; i < n; i++) {
                a[i][i] += 1;
                a[i][n] = x[i];
        }
        for (size_t c = 0; c < n; c++)
                for (size_t i = 0; i < n; i++) {
                        double f;

                        if (i == c)
                                continue;
                        f = a[i][c] / a[c][c];
                        for (size_t j = c; j <= n; j++)
                                a[i][j] -= f * a[c][j];
                }
        for (size_t i = 0; i < n; i++)
                out[i] = x[i] - a[i][n] / a[i][i];
}

static void test_smoothness_priors_matches_dense(void **state)
{
        SynthRng g = {.s = 13};
        double x[12], fast[12], ref[12];

        for (size_t i = 0; i < ELEMENTSOF(x); i++)
                x[i] = 500 + 0.5 * (double)(i * i) + 10 * synth_gauss(&g);
        for (double lambda = 0.5; lambda < 100; lambda *= 4) {
                assert_int_equal(dfa_smoothness_priors(x, ELEMENTSOF(x), lambda, fast), 0);
                sp_dense(x, ELEMENTSOF(x), lambda, ref);
                for (size_t i = 0; i < ELEMENTSOF(x); i++)
                        assert_float_equal(fast[i], ref[i], 1e-6);
        }
        assert_int_equal(dfa_smoothness_priors(x, 2, 500, fast), -EINVAL);
        assert_int_equal(dfa_smoothness_priors(x, 12, 0, fast), -EINVAL);
}

static void test_smoothness_priors_removes_slow_trend(void **state)
{
        SynthRng g = {.s = 17};
        double x[300], line[300], a_white = 0, a_trend = 0, a_sp = 0;
        const int reps = 40;

        /* a straight line is in the null space of D2: nothing is left */
        for (size_t i = 0; i < ELEMENTSOF(line); i++)
                line[i] = 400 + 0.3 * (double)i;
        assert_int_equal(dfa_smoothness_priors(line, 300, 500, line), 0);
        for (size_t i = 0; i < ELEMENTSOF(line); i++)
                assert_float_equal(line[i], 0, 1e-6);

        for (int k = 0; k < reps; k++) {
                double a;

                for (size_t i = 0; i < ELEMENTSOF(x); i++)
                        x[i] = 400 + 5 * synth_gauss(&g);
                assert_int_equal(dfa_alpha1(x, 300, &a), 0);
                a_white += a / reps;
                /* a slow oscillation (period 300 beats) on top raises alpha1 ... */
                for (size_t i = 0; i < ELEMENTSOF(x); i++)
                        x[i] += 40 * sin(2 * M_PI * (double)i / 300.0);
                assert_int_equal(dfa_alpha1(x, 300, &a), 0);
                a_trend += a / reps;
                /* ... and the smoothness-priors detrend takes most of that back out */
                assert_int_equal(dfa_smoothness_priors(x, 300, 500, x), 0);
                assert_int_equal(dfa_alpha1(x, 300, &a), 0);
                a_sp += a / reps;
        }
        assert_true(a_trend > a_white + 0.1);
        assert_true(fabs(a_sp - a_white) < 0.05);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_box_rss_of_line_is_zero),
                cmocka_unit_test(test_box_rss_hand_computed),
                cmocka_unit_test(test_rejects_short_and_flat),
                cmocka_unit_test(test_white_noise_fluctuation_matches_analytic),
                cmocka_unit_test(test_white_noise_alpha1_is_0_58),
                cmocka_unit_test(test_integrated_white_noise_alpha1_is_1_5),
                cmocka_unit_test(test_invariant_to_offset_and_scale),
                cmocka_unit_test(test_leftover_beats_ignored_for_each_box),
                cmocka_unit_test(test_smoothness_priors_matches_dense),
                cmocka_unit_test(test_smoothness_priors_removes_slow_trend),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
