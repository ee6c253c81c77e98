/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dfa.h"
#include "profile.h"
#include "sim-runner.h"
#include "util.h"

#define SEC(x) ((uint64_t)((x)*1e6))

static SimRunner *runner_at(double kmh, double incline, uint64_t seed)
{
        SimRunnerProfile p;
        SimRunner *r;

        sim_runner_profile_default(&p);
        p.seed = seed;
        assert_int_equal(sim_runner_new(&r, &p, 0), 0);
        sim_runner_set_load(r, 0, kmh, incline);
        return r;
}

/* Collects the RR of [from, to) seconds, draining every 10 s as a strap consumer would. */
static size_t collect(SimRunner *r, double from, double to, double *rr, size_t max)
{
        double junk[1024];
        size_t n = 0;

        sim_runner_advance(r, SEC(from));
        while (sim_runner_take_rr(r, junk, ELEMENTSOF(junk)) > 0)
                ;
        for (double t = from + 10; t <= to; t += 10) {
                sim_runner_advance(r, SEC(t));
                n += sim_runner_take_rr(r, rr + n, max - n);
        }
        return n;
}

/* Mean alpha1 of consecutive 120-beat windows, as the live analysis evaluates it. */
static double mean_alpha1(const double *rr, size_t n)
{
        double sum = 0;
        unsigned k = 0;

        for (size_t i = 0; i + 120 <= n; i += 120) {
                double a;

                assert_int_equal(dfa_alpha1(rr + i, 120, &a), 0);
                sum += a;
                k++;
        }
        assert_true(k >= 5);
        return sum / k;
}

static double alpha1_at(double kmh, uint64_t seed)
{
        static double rr[4000];
        SimRunner *r = runner_at(kmh, 0, seed);
        /* 5 min to reach steady state, then 10 min of beats */
        size_t n = collect(r, 300, 900, rr, ELEMENTSOF(rr));
        double a = mean_alpha1(rr, n);

        if (getenv("SIM_RUNNER_VERBOSE"))
                fprintf(stderr, "alpha1 at %.2f km/h (seed %llu): %.3f over %zu beats\n", kmh,
                        (unsigned long long)seed, a, n);
        sim_runner_free(r);
        return a;
}

static void test_hr_first_order_kinetics(void **state)
{
        SimRunnerProfile p;
        SimRunner *r = runner_at(8.0, 0, 1);
        double rest, ss, hr;

        sim_runner_profile_default(&p);
        rest = p.hr_rest_bpm;
        ss = sim_runner_steady_hr(&p, 8.0, 0);
        assert_float_equal(ss, 55 + 135 * 0.5, 1e-9);

        sim_runner_advance(r, SEC(30)); /* one tau_on */
        hr = sim_runner_heart_rate(r);
        assert_float_equal(hr, ss - (ss - rest) * exp(-1), 0.01);
        sim_runner_advance(r, SEC(300));
        assert_float_equal(sim_runner_heart_rate(r), ss, 0.01);

        /* off: one tau_off (45 s) later, 63 % of the way back down */
        sim_runner_set_load(r, SEC(300), 0, 0);
        sim_runner_advance(r, SEC(345));
        assert_float_equal(sim_runner_heart_rate(r), rest + (ss - rest) * exp(-1), 0.01);
        sim_runner_free(r);
}

static void test_incline_raises_steady_hr(void **state)
{
        SimRunnerProfile p;

        sim_runner_profile_default(&p);
        assert_true(sim_runner_steady_hr(&p, 8.0, 5.0) > sim_runner_steady_hr(&p, 8.0, 0) + 10);
        assert_float_equal(sim_runner_steady_hr(&p, 100, 0), p.hr_max_bpm, 1e-9);
        assert_float_equal(sim_runner_steady_hr(&p, 0, 0), p.hr_rest_bpm, 1e-9);
}

static void test_slow_component_above_threshold_only(void **state)
{
        SimRunner *below = runner_at(12.0, 0, 1), *above = runner_at(14.5, 0, 1);
        double b5, b15, a5, a15;

        sim_runner_advance(below, SEC(300));
        sim_runner_advance(above, SEC(300));
        b5 = sim_runner_heart_rate(below);
        a5 = sim_runner_heart_rate(above);
        sim_runner_advance(below, SEC(600));
        sim_runner_advance(above, SEC(600));
        b15 = sim_runner_heart_rate(below);
        a15 = sim_runner_heart_rate(above);
        assert_float_equal(b15, b5, 0.1); /* steady below vt2 */
        assert_true(a15 - a5 > 3);        /* drifts above it: 1 bpm/min here */
        assert_true(a15 <= 190.0);
        sim_runner_free(below);
        sim_runner_free(above);
}

static void test_true_thresholds(void **state)
{
        SimRunnerProfile p;
        SimThresholds th;

        sim_runner_profile_default(&p);
        sim_runner_true_thresholds(&p, &th);
        assert_float_equal(th.vt1_speed_kmh, 10.5, 1e-9);
        assert_float_equal(th.vt2_speed_kmh, 13.0, 1e-9);
        assert_float_equal(th.vt1_hr_bpm, sim_runner_steady_hr(&p, 10.5, 0), 1e-9);
        assert_float_equal(th.vt2_hr_bpm, sim_runner_steady_hr(&p, 13.0, 0), 1e-9);
        assert_float_equal(sim_runner_alpha1_at(&p, th.vt1_speed_kmh), 0.75, 1e-9);
        assert_float_equal(sim_runner_alpha1_at(&p, th.vt2_speed_kmh), 0.5, 1e-9);
        assert_true(sim_runner_alpha1_at(&p, 6.0) >= 1.0);
        assert_true(sim_runner_alpha1_at(&p, 15.0) < 0.5);
}

/*
 * The published method reads both thresholds off one line alpha1 = a + b HR over a ramp
 * (docs/physiology.md): the model's alpha1 must fall along one straight line through both
 * thresholds, not bend at the anaerobic one, where a bend biases every local fit of HRVT2.
 */
static void test_alpha1_straight_through_thresholds(void **state)
{
        SimRunnerProfile p;
        SimThresholds th;
        double gap, slope;

        sim_runner_profile_default(&p);
        sim_runner_true_thresholds(&p, &th);
        gap = th.vt2_speed_kmh - th.vt1_speed_kmh;
        slope = -0.25 / gap;
        for (double x = -0.4; x <= 1.4 + 1e-9; x += 0.1) {
                double v = th.vt1_speed_kmh + x * gap;

                assert_float_equal(sim_runner_alpha1_at(&p, v),
                                   0.75 + slope * (v - th.vt1_speed_kmh), 1e-9);
        }
        /* plateaus only outside the straight stretch: about 1.1 easy, 0.3 at the hardest */
        assert_float_equal(sim_runner_alpha1_at(&p, 4.0), 1.1, 1e-9);
        assert_float_equal(sim_runner_alpha1_at(&p, 20.0), 0.3, 1e-9);
}

/* The generator's alpha1 measured with the analysis code's dfa_alpha1(). */
static void test_alpha1_easy_is_one_or_more(void **state)
{
        double a = alpha1_at(6.0, 1);
        assert_true(a > 0.95);
}

static void test_alpha1_at_aerobic_threshold(void **state)
{
        double a = alpha1_at(10.5, 2);
        assert_float_equal(a, 0.75, 0.1);
}

static void test_alpha1_at_anaerobic_threshold(void **state)
{
        double a = alpha1_at(13.0, 3);
        assert_float_equal(a, 0.5, 0.1);
}

static void test_alpha1_beyond_threshold_is_lower(void **state)
{
        double a = alpha1_at(16.0, 4);
        assert_true(a < 0.45);
}

static void test_alpha1_falls_with_intensity(void **state)
{
        const double speeds[] = {6.0, 9.0, 10.5, 11.75, 13.0, 14.5, 16.0};
        double prev = INFINITY;

        for (size_t i = 0; i < ELEMENTSOF(speeds); i++) {
                double a = alpha1_at(speeds[i], 7);

                assert_true(a < prev);
                prev = a;
        }
}

static void test_artifacts_at_configured_rate(void **state)
{
        SimRunnerProfile p;
        SimRunner *r;
        SimRunnerStats st;
        double rr[1024], sum_rr = 0;
        size_t n;

        sim_runner_profile_default(&p);
        p.artifact_rate = 0.02;
        p.seed = 11;
        assert_int_equal(sim_runner_new(&r, &p, 0), 0);
        sim_runner_set_load(r, 0, 10.0, 0);
        for (unsigned t = 10; t <= 3600; t += 10) {
                sim_runner_advance(r, SEC(t));
                while ((n = sim_runner_take_rr(r, rr, ELEMENTSOF(rr))) > 0)
                        for (size_t i = 0; i < n; i++)
                                sum_rr += rr[i];
        }
        sim_runner_stats(r, &st);
        assert_true(st.beats > 8000);
        /* binomial: sd of the count is ~sqrt(0.02 * 8000) = 13 */
        assert_float_equal((double)(st.missed + st.extra) / (double)st.beats, 0.02, 0.005);
        assert_true(st.missed > 0 && st.extra > 0);
        assert_int_equal(st.rr_out, st.beats - st.missed + st.extra);
        /* artifacts move beats around but the RR still add up to the elapsed time */
        assert_float_equal(sum_rr / 1000, 3600, 3);
        sim_runner_free(r);

        p.artifact_rate = 0;
        assert_int_equal(sim_runner_new(&r, &p, 0), 0);
        sim_runner_advance(r, SEC(600));
        sim_runner_stats(r, &st);
        assert_int_equal(st.missed + st.extra, 0);
        assert_int_equal(st.rr_out, st.beats);
        sim_runner_free(r);
}

static void test_deterministic_for_a_seed(void **state)
{
        double a[400], b[400], c[400];
        SimRunner *r1 = runner_at(9.0, 0, 42), *r2 = runner_at(9.0, 0, 42),
                  *r3 = runner_at(9.0, 0, 43);
        size_t na, nb, nc;

        sim_runner_advance(r1, SEC(120));
        sim_runner_advance(r2, SEC(120));
        sim_runner_advance(r3, SEC(120));
        na = sim_runner_take_rr(r1, a, ELEMENTSOF(a));
        nb = sim_runner_take_rr(r2, b, ELEMENTSOF(b));
        nc = sim_runner_take_rr(r3, c, ELEMENTSOF(c));
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof(double));
        assert_true(nc > 0);
        assert_true(memcmp(a, c, MIN(na, nc) * sizeof(double)) != 0);
        sim_runner_free(r1);
        sim_runner_free(r2);
        sim_runner_free(r3);
}

static void test_measurement_like_a_strap(void **state)
{
        SimRunner *r = runner_at(10.0, 0, 5);
        HrsMeasurement m;
        double total_ms = 0;

        for (unsigned t = 1; t <= 600; t++) {
                assert_int_equal(sim_runner_measurement(r, SEC(t), &m), 0);
                assert_true(m.n_rr <= 4);
                assert_int_equal(m.contact, HRS_CONTACT_DETECTED);
                for (size_t i = 0; i < m.n_rr; i++)
                        total_ms += hrs_rr_to_ms(m.rr_raw[i]);
        }
        /* steady state near 139 bpm, as the strap computes it from the last beats */
        assert_float_equal(m.heart_rate_bpm, sim_runner_heart_rate(r), 12);
        assert_float_equal(total_ms / 1000, 600, 2);
        sim_runner_free(r);
}

static void test_profile_validation(void **state)
{
        SimRunnerProfile p;
        SimRunner *r;

        sim_runner_profile_default(&p);
        p.vt2_speed_kmh = p.vt1_speed_kmh;
        assert_int_equal(sim_runner_new(&r, &p, 0), -EINVAL);
        sim_runner_profile_default(&p);
        p.artifact_rate = 0.9;
        assert_int_equal(sim_runner_new(&r, &p, 0), -EINVAL);
}

static void test_profile_from_runner(void **state)
{
        RunnerProfile rp;
        SimRunnerProfile p;
        SimRunner *r;

        runner_profile_init(&rp);
        assert_int_equal(runner_profile_set_key(&rp, "5K", "20:00"), 0);
        assert_int_equal(runner_profile_set_key(&rp, "MaxHR", "185"), 0);
        assert_int_equal(runner_profile_set_key(&rp, "RestingHR", "48"), 0);
        runner_profile_derive(&rp);
        sim_runner_profile_from_runner(&p, &rp);
        assert_float_equal(p.vt2_speed_kmh, runner_profile_speed_kmh(&rp, PACE_REF_THRESHOLD),
                           1e-9);
        assert_float_equal(p.vo2max_speed_kmh, 15.0 / 0.95, 1e-9);
        assert_true(p.vt1_speed_kmh < p.vt2_speed_kmh && p.vt2_speed_kmh < p.vo2max_speed_kmh);
        assert_float_equal(p.hr_max_bpm, 185, 1e-9);
        assert_float_equal(p.hr_rest_bpm, 48, 1e-9);
        assert_int_equal(sim_runner_new(&r, &p, 0), 0);
        sim_runner_free(r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hr_first_order_kinetics),
                cmocka_unit_test(test_incline_raises_steady_hr),
                cmocka_unit_test(test_slow_component_above_threshold_only),
                cmocka_unit_test(test_true_thresholds),
                cmocka_unit_test(test_alpha1_straight_through_thresholds),
                cmocka_unit_test(test_alpha1_easy_is_one_or_more),
                cmocka_unit_test(test_alpha1_at_aerobic_threshold),
                cmocka_unit_test(test_alpha1_at_anaerobic_threshold),
                cmocka_unit_test(test_alpha1_beyond_threshold_is_lower),
                cmocka_unit_test(test_alpha1_falls_with_intensity),
                cmocka_unit_test(test_artifacts_at_configured_rate),
                cmocka_unit_test(test_deterministic_for_a_seed),
                cmocka_unit_test(test_measurement_like_a_strap),
                cmocka_unit_test(test_profile_validation),
                cmocka_unit_test(test_profile_from_runner),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
