/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The threshold-test verdict (threshold-test.h) on synthetic windows: a
 * proper ramp is a test; one that starts too hard, stops too early, has
 * too little above the anaerobic threshold or too many artifacts is not,
 * each with its reason; and the ramp found from HR alone in a recording
 * without speed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "synth-rr.h"
#include "threshold-test.h"
#include "util.h"
#include "workout-library.h"
#include "workout.h"

#define MAX_W 600

typedef struct Ramp {
        Alpha1Eval e[MAX_W];
        RampWindow w[MAX_W];
        size_t n;
} Ramp;

/*
 * Windows every 5 s: 5 min warm-up at hr_lo, then HR rising 4 bpm/min to
 * hr_hi; alpha1 = 0.75 at 150 bpm, 0.5 at 170 (flattening towards 0.3 above),
 * 1.2 at most, with a little scatter.
 */
static void make(Ramp *r, double hr_lo, double hr_hi, double artifact_pct, uint64_t seed)
{
        SynthRng g = {.s = seed};
        double t = 120;

        r->n = 0;
        for (double hr = hr_lo; hr <= hr_hi && r->n < MAX_W; t += 5, r->n++) {
                double a1 =
                        hr < 170 ? 0.75 - (hr - 150) / 80 : 0.5 - 0.2 * (1 - exp(-(hr - 170) / 15));

                a1 = fmin(a1, 1.2) + 0.02 * synth_gauss(&g);
                r->e[r->n] = (Alpha1Eval){.t_s = t,
                                          .alpha1 = a1,
                                          .hr_bpm = hr,
                                          .artifact_pct = artifact_pct,
                                          .n_beats = 300,
                                          .valid = true};
                r->w[r->n] = (RampWindow){.t_s = t,
                                          .alpha1 = a1,
                                          .hr_bpm = hr,
                                          .artifact_pct = artifact_pct,
                                          .valid = true,
                                          .speed_kmh = NAN,
                                          .speed_lag_kmh = NAN};
                if (t >= 420)
                        hr += 4.0 * 5 / 60;
        }
}

/* The ramp starts at 420 s (after the warm-up); the fit from 2 min later. */
static ThresholdTestStatus verdict(const Ramp *r, ThresholdTest *t)
{
        RampOptions o = RAMP_OPTIONS_DEFAULT;
        RampResult fit;

        o.t_start_s = 420 + 120;
        o.t_end_s = INFINITY;
        assert_int_equal(threshold_ramp_fit(r->w, r->n, &o, &fit), 0);
        threshold_test_check(r->e, r->n, 420, o.t_start_s, o.t_end_s, true, &fit, t);
        return t->status;
}

static void test_valid_ramp(void **state)
{
        static Ramp r;
        ThresholdTest t;
        char buf[256];

        make(&r, 110, 190, 0.5, 1);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_VALID);
        assert_true(t.start_alpha1 >= 1.0);
        assert_true(t.end_alpha1 <= 0.5);
        assert_false(t.one_sided);
        assert_true(strncmp(threshold_test_describe(&t, buf, sizeof(buf)),
                            "a threshold test (incremental ramp, alpha1 from 1.2", 49) == 0);
}

static void test_hard_start(void **state)
{
        static Ramp r;
        ThresholdTest t;
        char buf[256];

        /* from 140 bpm: alpha1 0.88 at the start, never near 1 */
        make(&r, 140, 190, 0.5, 2);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_HARD_START);
        assert_non_null(strstr(threshold_test_describe(&t, buf, sizeof(buf)),
                               "not a threshold test: alpha1 did not start near 1.0"));
}

static void test_easy_end_one_sided(void **state)
{
        static Ramp r;
        ThresholdTest t;
        char buf[256];

        /* stops at 162 bpm: alpha1 0.6, past HRVT1 but not HRVT2 */
        make(&r, 110, 162, 0.5, 3);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_EASY_END);
        assert_true(t.one_sided);
        assert_non_null(strstr(threshold_test_describe(&t, buf, sizeof(buf)),
                               "the ramp stopped before the anaerobic threshold (it reached the "
                               "aerobic threshold only)"));

        /* stops at 145 bpm: not even HRVT1 */
        make(&r, 110, 145, 0.5, 3);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_EASY_END);
        assert_false(t.one_sided);
}

static void test_few_above(void **state)
{
        static Ramp r;
        ThresholdTest t;

        /* alpha1 reaches 0.5 only at the very end: under a minute above HRVT2 */
        make(&r, 110, 173, 0.5, 4);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_FEW_ABOVE);
}

static void test_artifacts(void **state)
{
        static Ramp r;
        ThresholdTest t;
        char buf[256];

        make(&r, 110, 190, 4.0, 5);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_ARTIFACTS);
        assert_int_equal(t.n_artifact_windows, t.n_windows);
        assert_non_null(
                strstr(threshold_test_describe(&t, buf, sizeof(buf)), "too many artifacts"));
        /* under 3 %: fine */
        make(&r, 110, 190, 2.9, 5);
        assert_int_equal(verdict(&r, &t), THRESHOLD_TEST_VALID);
}

static void test_no_ramp(void **state)
{
        static Ramp r;
        ThresholdTest t;
        RampResult fit;

        make(&r, 110, 190, 0.5, 6);
        assert_int_equal(threshold_ramp_fit(r.w, r.n, NULL, &fit), 0);
        threshold_test_check(r.e, r.n, NAN, NAN, NAN, true, &fit, &t);
        assert_int_equal(t.status, THRESHOLD_TEST_NO_RAMP);
        assert_string_equal(threshold_test_status_key_to_string(THRESHOLD_TEST_NO_RAMP), "no-ramp");
        assert_int_equal(threshold_test_status_key_from_string("few-above"), THRESHOLD_TEST_FEW_ABOVE);
        assert_true(threshold_test_status_key_from_string("nonsense") < 0);
}

static void test_hr_ramp_without_speed(void **state)
{
        static Ramp r;
        double a, b;

        /* the ramp: from the end of the flat warm-up (within 3 bpm) to the highest HR */
        make(&r, 110, 190, 0.5, 7);
        assert_true(threshold_test_find_hr_ramp(r.e, r.n, &a, &b));
        assert_float_equal(a, 420 + 45, 5);
        assert_float_equal(b, r.e[r.n - 1].t_s, 1e-9);

        /* a time trial: HR jumps to 165 within 2 min and levels off */
        for (size_t i = 0; i < r.n; i++) {
                double t = r.e[i].t_s - 420;

                r.e[i].hr_bpm = t < 0 ? 110 : 165 - 55 * exp(-t / 40) + t / 120;
        }
        assert_false(threshold_test_find_hr_ramp(r.e, r.n, &a, &b));

        /* intervals: HR up and down every 4 min */
        for (size_t i = 0; i < r.n; i++)
                r.e[i].hr_bpm = 130 + 30 * (fmod(r.e[i].t_s, 240) < 120) + r.e[i].t_s / 100;
        assert_false(threshold_test_find_hr_ramp(r.e, r.n, &a, &b));

        /* too small a rise */
        for (size_t i = 0; i < r.n; i++)
                r.e[i].hr_bpm = 130 + r.e[i].t_s / 200;
        assert_false(threshold_test_find_hr_ramp(r.e, r.n, &a, &b));
}

/* Of the library's workouts only the ramp tests have a ramp to announce crossovers in. */
static void test_library_ramps(void **state)
{
        static const char *const lib_dirs[] = {PACED_SOURCE_DIR "/conf/workouts", NULL};
        static const char *const miles[] = {"4:30", "6:00", "8:30"};
        char **names = NULL;
        int n = workout_library_list(lib_dirs, &names);

        assert_true(n >= 11);
        for (int i = 0; names[i]; i++)
                for (size_t j = 0; j < ELEMENTSOF(miles); j++) {
                        bool is_test = strncmp(names[i], "ramp-test", 9) == 0;
                        Workout *w = NULL;
                        ResolvedWorkout *r = NULL;
                        WorkoutError e = {};
                        RunnerProfile p;
                        ResolveLimits l;
                        size_t first = 0, last = 0;
                        bool found;

                        runner_profile_init(&p);
                        assert_int_equal(runner_profile_set_key(&p, "Mile", miles[j]), 0);
                        resolve_limits_init(&l);
                        assert_int_equal(workout_library_load(names[i], lib_dirs, &w, &e), 0);
                        assert_int_equal(workout_resolve(w, &p, &l, &r), 0);
                        found = threshold_test_workout_ramp(r, &first, &last);
                        if (found != is_test)
                                fail_msg("%s (%s mile): %s", names[i], miles[j],
                                         found ? "taken for a ramp test" : "no ramp found");
                        if (found) {
                                /* the warm-up ramp and every step up, not the cool-down */
                                assert_int_equal(first, 0);
                                assert_int_not_equal(r->steps[last].kind, STEP_KIND_COOLDOWN);
                                assert_int_equal(r->steps[last + 1].kind, STEP_KIND_COOLDOWN);
                        }
                        resolved_workout_free(r);
                        workout_free(w);
                }
        for (int i = 0; names[i]; i++)
                free(names[i]);
        free(names);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_ramp),
                cmocka_unit_test(test_hard_start),
                cmocka_unit_test(test_easy_end_one_sided),
                cmocka_unit_test(test_few_above),
                cmocka_unit_test(test_artifacts),
                cmocka_unit_test(test_no_ramp),
                cmocka_unit_test(test_hr_ramp_without_speed),
                cmocka_unit_test(test_library_ramps),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
