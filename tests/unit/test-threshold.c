/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threshold detection on synthetic data with known answers: ramp regression
 * (alpha1 linear in HR with scatter, crossing 0.75 at 150 bpm and 0.5 at
 * 170 bpm), live crossover events with hysteresis, D-max on deflecting and
 * straight HR curves, cardiac drift.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "crossover-detector.h"
#include "synth-rr.h"
#include "threshold.h"
#include "util.h"

/*
 * Window-to-window scatter as real windows have it: each 2-min window
 * shares 115 s of beats with the next, so its error is the mean of the
 * last 24 independent draws (a moving average), not a fresh draw.
 */
typedef struct Scatter {
        SynthRng g;
        double last[24];
        size_t n;
} Scatter;

static double scatter_next(Scatter *s, double sd)
{
        double sum = 0;

        s->last[s->n++ % ELEMENTSOF(s->last)] = synth_gauss(&s->g);
        for (size_t i = 0; i < MIN(s->n, ELEMENTSOF(s->last)); i++)
                sum += s->last[i];
        /* the mean of 24 draws has sd / sqrt(24): scale back to sd */
        return sd * sum / sqrt((double)MIN(s->n, ELEMENTSOF(s->last)));
}

/* alpha1 = 0.75 - (HR - 150) / 80: 0.75 at 150 bpm, 0.5 at 170 bpm. */
static double line_150_170(double hr)
{
        return 0.75 - (hr - 150) / 80;
}

/*
 * As alpha1 looks over a real ramp: a plateau at 1.2 while easy, the line
 * above through both thresholds, then a floor that flattens towards 0.3.
 */
static double curve_150_170(double hr)
{
        if (hr < 114)
                return 1.2;
        if (hr > 170)
                return 0.5 - 0.15 * (1 - exp(-(hr - 170) / 12));
        return line_150_170(hr);
}

/* 20-min ramp sampled every 5 s: HR 120 -> hr_top, alpha1 = shape(HR) + scatter. */
static size_t make_ramp_shape(RampWindow *w, size_t max, double (*shape)(double), double noise,
                              double hr_top, uint64_t seed)
{
        Scatter sc = {.g = {.s = seed}};
        size_t n = 0;

        for (double t = 120; t <= 1320 && n < max; t += 5, n++) {
                double hr = 120 + (hr_top - 120) * (t - 120) / 1200;
                double speed = 9 + 8 * (t - 120) / 1200;

                w[n] = (RampWindow){
                        .t_s = t,
                        .hr_bpm = hr,
                        .alpha1 = shape(hr) + scatter_next(&sc, noise),
                        .valid = true,
                        .artifact_pct = 0.5,
                        .speed_kmh = speed,
                        .speed_lag_kmh = speed - 0.6,
                };
        }
        return n;
}

static size_t make_ramp(RampWindow *w, size_t max, double noise, double hr_top, uint64_t seed)
{
        return make_ramp_shape(w, max, line_150_170, noise, hr_top, seed);
}

static void test_ramp_known_crossings(void **state)
{
        RampWindow w[300];
        size_t n = make_ramp(w, ELEMENTSOF(w), 0.03, 185, 1);
        RampResult r;

        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_int_equal(r.status, RAMP_OK);
        assert_true(r.r < -0.9);
        assert_true(r.t[THRESHOLD_HRVT1].found);
        assert_true(r.t[THRESHOLD_HRVT2].found);
        assert_float_equal(r.t[THRESHOLD_HRVT1].hr_bpm, 150, 2.0);
        assert_float_equal(r.t[THRESHOLD_HRVT2].hr_bpm, 170, 2.0);
        assert_true(r.t[THRESHOLD_HRVT1].reached);
        assert_true(r.t[THRESHOLD_HRVT2].reached);
        /* speed at the HR found: HR h at t = 120 + 1200 (h - 120) / 65, speed 9 + 8 (h - 120) / 65
         */
        assert_float_equal(r.t[THRESHOLD_HRVT1].speed_ramp_kmh,
                           9 + 8 * (r.t[THRESHOLD_HRVT1].hr_bpm - 120) / 65, 0.05);
        assert_float_equal(r.t[THRESHOLD_HRVT1].speed_kmh,
                           9 + 8 * (r.t[THRESHOLD_HRVT1].hr_bpm - 120) / 65 - 0.6, 0.05);
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                const ThresholdEstimate *t = &r.t[k];

                /* the interval brackets the estimate, and is narrow here */
                assert_true(t->hr_ci_lo_bpm <= t->hr_bpm && t->hr_bpm <= t->hr_ci_hi_bpm);
                assert_true(t->hr_ci_hi_bpm - t->hr_ci_lo_bpm <= 2 * RAMP_GRADE_A_BPM);
                assert_true(t->local);
                assert_true(t->n_below >= RAMP_SIDE_MIN_WINDOWS);
                assert_true(t->n_above >= RAMP_SIDE_MIN_WINDOWS);
                assert_true(t->grade == 'A');
                assert_true(t->confidence > 0.95);
        }
        assert_string_equal(threshold_kind_to_string(THRESHOLD_HRVT2),
                            "anaerobic threshold (HRVT2)");
}

/* A 95 % interval holds the truth about 95 % of the time, over many ramps. */
static void test_ramp_interval_coverage(void **state)
{
        const double noise[] = {0.03, 0.06};
        const size_t n_ramps = 200;

        for (size_t q = 0; q < ELEMENTSOF(noise); q++) {
                size_t inside[_THRESHOLD_KIND_MAX] = {};

                for (size_t seed = 1; seed <= n_ramps; seed++) {
                        RampWindow w[300];
                        size_t n = make_ramp(w, ELEMENTSOF(w), noise[q], 185, seed);
                        RampResult r;

                        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
                        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                                double truth = k == THRESHOLD_HRVT1 ? 150 : 170;

                                inside[k] += r.t[k].hr_ci_lo_bpm <= truth &&
                                             truth <= r.t[k].hr_ci_hi_bpm;
                        }
                }
                fprintf(stderr, "noise %.2f: truth inside the interval %zu %zu of %zu\n", noise[q],
                        inside[0], inside[1], n_ramps);
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                        assert_true(inside[k] >= n_ramps * 88 / 100);
        }
}

/* One straight line through a plateau, the thresholds and a floor misses both crossings. */
static void test_ramp_local_fit_follows_the_curve(void **state)
{
        RampWindow w[300];
        size_t n = make_ramp_shape(w, ELEMENTSOF(w), curve_150_170, 0.02, 195, 7);
        RampOptions line = RAMP_OPTIONS_DEFAULT;
        RampResult r, l;

        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_int_equal(r.status, RAMP_OK);
        assert_float_equal(r.t[THRESHOLD_HRVT1].hr_bpm, 150, 1.5);
        assert_float_equal(r.t[THRESHOLD_HRVT2].hr_bpm, 170, 1.5);

        line.local_half_width_bpm = 0;
        assert_int_equal(threshold_ramp_fit(w, n, &line, &l), 0);
        assert_false(l.t[THRESHOLD_HRVT1].local);
        assert_true(fabs(l.t[THRESHOLD_HRVT2].hr_bpm - 170) > 3);
}

static void test_ramp_noisier_wider_interval(void **state)
{
        RampWindow w[300];
        size_t n = make_ramp(w, ELEMENTSOF(w), 0.03, 185, 1);
        RampResult quiet, noisy;

        assert_int_equal(threshold_ramp_fit(w, n, NULL, &quiet), 0);
        n = make_ramp(w, ELEMENTSOF(w), 0.12, 185, 1);
        assert_int_equal(threshold_ramp_fit(w, n, NULL, &noisy), 0);
        assert_int_equal(noisy.status, RAMP_OK);
        assert_true(noisy.t[THRESHOLD_HRVT1].hr_ci_hi_bpm - noisy.t[THRESHOLD_HRVT1].hr_ci_lo_bpm >
                    quiet.t[THRESHOLD_HRVT1].hr_ci_hi_bpm - quiet.t[THRESHOLD_HRVT1].hr_ci_lo_bpm);
        assert_true(noisy.t[THRESHOLD_HRVT1].confidence < quiet.t[THRESHOLD_HRVT1].confidence);
        assert_true(noisy.t[THRESHOLD_HRVT1].grade > quiet.t[THRESHOLD_HRVT1].grade);
}

static void test_ramp_not_reached_is_extrapolated(void **state)
{
        RampWindow w[300];
        /* stops at HR 160: HRVT2 (170) is never reached */
        size_t n = make_ramp(w, ELEMENTSOF(w), 0.03, 160, 2);
        RampResult r;

        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_int_equal(r.status, RAMP_OK);
        assert_true(r.t[THRESHOLD_HRVT1].reached);
        assert_false(r.t[THRESHOLD_HRVT2].reached);
        assert_int_equal(r.t[THRESHOLD_HRVT2].n_above, 0);
        assert_true(r.t[THRESHOLD_HRVT2].grade == 'C');
}

static void test_grade_rule(void **state)
{
        ThresholdEstimate t = {.found = true,
                               .reached = true,
                               .hr_bpm = 160,
                               .hr_ci_lo_bpm = 156,
                               .hr_ci_hi_bpm = 164,
                               .n_below = 40,
                               .n_above = 40};

        assert_true(threshold_grade(&t, 0.5) == 'A');
        /* artifacts above 1 % in the fitted windows: at best B */
        assert_true(threshold_grade(&t, 2.0) == 'B');
        t.hr_ci_lo_bpm = 152, t.hr_ci_hi_bpm = 168;
        assert_true(threshold_grade(&t, 0.5) == 'B');
        t.hr_ci_lo_bpm = 148, t.hr_ci_hi_bpm = 172;
        assert_true(threshold_grade(&t, 0.5) == 'C');
        /* a side with less than a minute of windows is not covered */
        t.hr_ci_lo_bpm = 158, t.hr_ci_hi_bpm = 162, t.n_above = 11;
        assert_true(threshold_grade(&t, 0.5) == 'C');
        t.n_above = 40, t.hr_ci_lo_bpm = t.hr_ci_hi_bpm = NAN;
        assert_true(threshold_grade(&t, 0.5) == 'C');
        t.found = false;
        assert_true(threshold_grade(&t, 0.5) == '-');
}

static void test_ramp_rejects_flat_and_noisy(void **state)
{
        RampWindow w[300];
        size_t n = make_ramp(w, ELEMENTSOF(w), 0.05, 185, 3);
        RampResult r;

        /* alpha1 rising with HR is not a ramp response */
        for (size_t i = 0; i < n; i++)
                w[i].alpha1 = 0.4 + (w[i].hr_bpm - 120) / 100;
        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_int_equal(r.status, RAMP_NOT_DECREASING);
        assert_false(r.t[THRESHOLD_HRVT1].found);

        /* pure scatter */
        n = make_ramp(w, ELEMENTSOF(w), 0.5, 185, 4);
        for (size_t i = 0; i < n; i++)
                w[i].alpha1 = 0.8 + 0.2 * sin((double)i * 1.7) - (w[i].hr_bpm - 150) / 2000;
        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_int_equal(r.status, RAMP_POOR_FIT);

        /* invalid and high-artifact windows are not used */
        n = make_ramp(w, ELEMENTSOF(w), 0.05, 185, 5);
        for (size_t i = 0; i < n; i++)
                w[i].valid = i % 50 == 0;
        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_int_equal(r.status, RAMP_TOO_FEW_WINDOWS);
}

static void test_ramp_time_limits_drop_warmup(void **state)
{
        RampWindow w[400];
        size_t n = make_ramp(w, ELEMENTSOF(w), 0.05, 185, 6);
        RampOptions o = RAMP_OPTIONS_DEFAULT;
        RampResult r;

        /* a warm-up plateau before the ramp, alpha1 1.0 at HR 150, would pull the fit */
        for (size_t i = 0; i < 60; i++)
                w[n + i] = (RampWindow){.t_s = -300 + 5 * (double)i,
                                        .hr_bpm = 150,
                                        .alpha1 = 1.0,
                                        .valid = true,
                                        .speed_kmh = NAN,
                                        .speed_lag_kmh = NAN};
        n += 60;
        assert_int_equal(threshold_ramp_fit(w, n, NULL, &r), 0);
        assert_true(fabs(r.t[THRESHOLD_HRVT1].hr_bpm - 150) > 2);
        o.t_start_s = 0;
        assert_int_equal(threshold_ramp_fit(w, n, &o, &r), 0);
        assert_float_equal(r.t[THRESHOLD_HRVT1].hr_bpm, 150, 2.0);
}

static Alpha1Eval ev(double t, double a, double hr)
{
        return (Alpha1Eval){.t_s = t, .alpha1 = a, .hr_bpm = hr, .valid = true, .n_beats = 300};
}

static void test_crossover_needs_three_medians(void **state)
{
        CrossoverDetector d;
        CrossoverEvent e[_THRESHOLD_KIND_MAX];
        double t = 0;

        crossover_detector_init(&d);
        for (int i = 0; i < 10; i++, t += 5)
                assert_int_equal(crossover_detector_push(&d, &(Alpha1Eval){0}, 10, e), 0);
        for (int i = 0; i < 10; i++, t += 5) {
                Alpha1Eval x = ev(t, 0.9, 140);

                assert_int_equal(crossover_detector_push(&d, &x, 10, e), 0);
        }
        /* one outlier below 0.75 does not move the median */
        {
                Alpha1Eval x = ev(t, 0.6, 145);

                assert_int_equal(crossover_detector_push(&d, &x, 11, e), 0);
                t += 5;
        }
        for (int i = 0; i < 5; i++, t += 5) {
                Alpha1Eval x = ev(t, 0.9, 140);

                assert_int_equal(crossover_detector_push(&d, &x, 10, e), 0);
        }
        assert_false(crossover_detector_is_above(&d, THRESHOLD_HRVT1));

        /* now a real drop: medians fall below 0.75 from the 2nd low value on */
        {
                int got = 0;
                double onset = t + 5;

                for (int i = 0; i < 6; i++, t += 5) {
                        Alpha1Eval x = ev(t, 0.65, 152 + i);
                        int r = crossover_detector_push(&d, &x, 12.5, e);

                        assert_true(r >= 0);
                        if (r > 0) {
                                assert_int_equal(r, 1);
                                assert_int_equal(e[0].threshold, THRESHOLD_HRVT1);
                                assert_true(e[0].above);
                                /* The median went from 0.9 (window HR 152) to 0.65 (HR
                                 * 153) in 5 s: it reached 0.75 three fifths of the way. */
                                assert_float_equal(e[0].t_s, onset - 5 + 3, 1e-9);
                                assert_float_equal(e[0].hr_bpm, 152 + 0.6 * 1, 1e-9);
                                assert_float_equal(e[0].speed_kmh, 12.5, 0);
                                got++;
                                /* onset + 2 evaluations confirm */
                                assert_int_equal(i, 3);
                        }
                }
                assert_int_equal(got, 1);
        }
        assert_true(crossover_detector_is_above(&d, THRESHOLD_HRVT1));
        assert_false(crossover_detector_is_above(&d, THRESHOLD_HRVT2));
}

static void test_crossover_hysteresis_no_flapping(void **state)
{
        CrossoverDetector d;
        CrossoverEvent e[_THRESHOLD_KIND_MAX];
        double t = 0;
        int events = 0;

        crossover_detector_init(&d);
        for (int i = 0; i < 6; i++, t += 5) {
                Alpha1Eval x = ev(t, 0.4, 175);

                events += crossover_detector_push(&d, &x, 16, e);
        }
        /* both thresholds crossed (0.4 < 0.5 < 0.75) */
        assert_int_equal(events, 2);
        assert_true(crossover_detector_is_above(&d, THRESHOLD_HRVT2));

        /* alpha1 wanders around 0.52: above 0.5 but within the hysteresis: no event */
        events = 0;
        for (int i = 0; i < 40; i++, t += 5) {
                Alpha1Eval x = ev(t, i % 2 ? 0.53 : 0.51, 168);

                events += crossover_detector_push(&d, &x, 15.5, e);
        }
        assert_int_equal(events, 0);
        assert_true(crossover_detector_is_above(&d, THRESHOLD_HRVT2));
        assert_float_equal(crossover_detector_time_above(&d, THRESHOLD_HRVT2), 225, 1e-9);

        /* above 0.55 for 25 s only: still no event */
        for (int i = 0; i < 6; i++, t += 5) {
                Alpha1Eval x = ev(t, 0.6, 165);

                events += crossover_detector_push(&d, &x, 15, e);
        }
        assert_int_equal(events, 0);
        {
                Alpha1Eval x = ev(t, 0.5, 168);

                crossover_detector_push(&d, &x, 15, e);
                crossover_detector_push(&d, &x, 15, e);
                t += 5;
        }
        /* then a clear 40 s return: one "back below HRVT2" event after 30 s */
        for (int i = 0; i < 12; i++, t += 5) {
                Alpha1Eval x = ev(t, 0.62, 164);
                int r = crossover_detector_push(&d, &x, 14.5, e);

                if (r > 0) {
                        assert_int_equal(e[0].threshold, THRESHOLD_HRVT2);
                        assert_false(e[0].above);
                }
                events += r;
        }
        assert_int_equal(events, 1);
        assert_false(crossover_detector_is_above(&d, THRESHOLD_HRVT2));
        assert_true(crossover_detector_is_above(&d, THRESHOLD_HRVT1));
}

static void test_dmax_deflecting_curve(void **state)
{
        double sp[20], hr[20];
        HrDeflection d;

        /* linear 7 bpm per km/h up to 15 km/h, then flattening to 2 bpm per km/h */
        for (size_t i = 0; i < 20; i++) {
                sp[i] = 10 + 0.5 * (double)i;
                hr[i] = sp[i] <= 15 ? 60 + 7 * sp[i] : 165 + 2 * (sp[i] - 15);
                hr[i] += (i % 3 == 0 ? 0.4 : i % 3 == 1 ? -0.3 : 0.0);
        }
        assert_int_equal(threshold_hr_deflection(sp, hr, 20, &d), 0);
        assert_true(d.found);
        assert_float_equal(d.break_speed_kmh, 15, 0.3);
        assert_float_equal(d.break_hr_bpm, 165, 1.5);
        assert_float_equal(d.slope_before, 7, 0.5);
        assert_float_equal(d.slope_after, 2, 0.7);
        /* D-max on the cubic lands near the bend */
        assert_float_equal(d.dmax_speed_kmh, 15, 1.0);
        assert_true(d.delta_bic > 6);
}

static void test_dmax_straight_curve_no_deflection(void **state)
{
        double sp[20], hr[20];
        HrDeflection d;
        SynthRng g = {.s = 8};

        for (size_t i = 0; i < 20; i++) {
                sp[i] = 10 + 0.5 * (double)i;
                hr[i] = 60 + 7 * sp[i] + 1.0 * synth_gauss(&g);
        }
        assert_int_equal(threshold_hr_deflection(sp, hr, 20, &d), 0);
        assert_false(d.found);
        /* D-max still returns "a" point: the reason the model check exists */
        assert_true(isfinite(d.dmax_speed_kmh));

        /* upward curvature is not a Conconi deflection */
        for (size_t i = 0; i < 20; i++)
                hr[i] = sp[i] <= 15 ? 60 + 5 * sp[i] : 135 + 10 * (sp[i] - 15);
        assert_int_equal(threshold_hr_deflection(sp, hr, 20, &d), 0);
        assert_false(d.found);
        assert_true(d.slope_after > d.slope_before);

        assert_int_equal(threshold_hr_deflection(sp, hr, 5, &d), -EINVAL);
}

static void test_cardiac_drift(void **state)
{
        double t[1200], hr[1200], drift = 0;

        /* 20 min at constant speed: on-kinetics for 2 min, then +0.5 bpm/min */
        for (size_t i = 0; i < 1200; i++) {
                t[i] = (double)i;
                hr[i] = 150 - 20 * exp(-t[i] / 30) + 0.5 * t[i] / 60 + (i % 2 ? 0.5 : -0.5);
        }
        assert_int_equal(threshold_cardiac_drift(t, hr, 1200, 180, &drift), 0);
        assert_float_equal(drift, 5.0, 0.2);
        assert_int_equal(threshold_cardiac_drift(t, hr, 400, 180, &drift), -ENODATA);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ramp_known_crossings),
                cmocka_unit_test(test_ramp_local_fit_follows_the_curve),
                cmocka_unit_test(test_grade_rule),
                cmocka_unit_test(test_ramp_interval_coverage),
                cmocka_unit_test(test_ramp_noisier_wider_interval),
                cmocka_unit_test(test_ramp_not_reached_is_extrapolated),
                cmocka_unit_test(test_ramp_rejects_flat_and_noisy),
                cmocka_unit_test(test_ramp_time_limits_drop_warmup),
                cmocka_unit_test(test_crossover_needs_three_medians),
                cmocka_unit_test(test_crossover_hysteresis_no_flapping),
                cmocka_unit_test(test_dmax_deflecting_curve),
                cmocka_unit_test(test_dmax_straight_curve_no_deflection),
                cmocka_unit_test(test_cardiac_drift),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
