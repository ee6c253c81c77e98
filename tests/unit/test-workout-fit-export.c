/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * workout_fit_export(): what it writes, read back by paced's own FIT
 * workout parser (Garmin's SDK reads the same files in
 * tests/integration/test-export-workout.sh): repeats kept where the
 * repetitions are the same, nested ones nested, climbing ones unrolled,
 * strings cut at a character boundary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workout-fit.h"
#include "workout-library.h"
#include "workout-text.h"
#include "workout.h"

typedef struct RoundTrip {
        Workout *w, *back;
        ResolvedWorkout *rw, *rback;
        uint8_t *fit;
        size_t size;
} RoundTrip;

/* text: a text workout, or with file set a path to load. */
static void round_trip_any(const char *text, bool file, RoundTrip *t)
{
        WorkoutError e = {};
        RunnerProfile p;
        ResolveLimits l;
        char msg[600];

        *t = (RoundTrip){};
        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "5K", "20:00"), 0);
        assert_int_equal(runner_profile_set_key(&p, "MaxHR", "190"), 0);
        resolve_limits_init(&l);
        if ((file ? workout_load_file(text, &t->w, &e)
                  : workout_text_parse(text, strlen(text), "t.txt", &t->w, &e)) < 0)
                fail_msg("%s", workout_error_format(&e, msg, sizeof(msg)));
        assert_int_equal(workout_resolve(t->w, &p, &l, &t->rw), 0);
        assert_int_equal(workout_fit_export(t->w, t->rw, 1000, &t->fit, &t->size), 0);
        if (workout_fit_parse(t->fit, t->size, "t.fit", &t->back, &e) < 0)
                fail_msg("%s", workout_error_format(&e, msg, sizeof(msg)));
        assert_int_equal(workout_resolve(t->back, &p, &l, &t->rback), 0);
}

static void round_trip(const char *text, RoundTrip *t)
{
        round_trip_any(text, false, t);
}

static void round_trip_done(RoundTrip *t)
{
        workout_free(t->w);
        workout_free(t->back);
        resolved_workout_free(t->rw);
        resolved_workout_free(t->rback);
        free(t->fit);
}

static void assert_same_steps(const ResolvedWorkout *a, const ResolvedWorkout *b)
{
        assert_int_equal(a->n_steps, b->n_steps);
        for (size_t i = 0; i < a->n_steps; i++) {
                const ResolvedStep *x = &a->steps[i], *y = &b->steps[i];

                assert_int_equal(x->end, y->end);
                assert_float_equal(x->end_value, y->end_value, 0.005);
                assert_int_equal(x->control, y->control);
                assert_float_equal((x->speed_start_kmh + x->speed_end_kmh) / 2,
                                   (y->speed_start_kmh + y->speed_end_kmh) / 2, 0.004);
        }
        assert_float_equal(a->total_time_s, b->total_time_s, 1);
        assert_float_equal(a->total_distance_m, b->total_distance_m, 1);
}

/* TrainingPeaks' 2 x (3 x (400 m, 200 m easy), 3 min rest) after 30 min in
 * HR zone 2 (tests/data/workouts/fit/nested-repeats.fit): the repeats as
 * they were, the HR step as its bpm range. */
static void test_nested_repeats(void **state)
{
        RoundTrip t;

        round_trip_any(PACED_SOURCE_DIR "/tests/data/workouts/fit/nested-repeats.fit", true, &t);
        assert_same_steps(t.rw, t.rback);
        assert_int_equal(t.rw->n_steps, 1 + 2 * (3 * 2 + 1));
        assert_int_equal(t.rback->steps[0].control, STEP_CONTROL_HR);
        assert_float_equal(t.rback->steps[0].hr_lo_bpm, t.rw->steps[0].hr_lo_bpm, 0.5);
        assert_float_equal(t.rback->steps[0].hr_hi_bpm, t.rw->steps[0].hr_hi_bpm, 0.5);
        /* Easy, repeat(2){ repeat(3){400, 200}, rest }. */
        assert_int_equal(t.back->body.n_nodes, 2);
        const WorkoutNode *set = &t.back->body.nodes[1];
        assert_true(set->is_repeat);
        assert_int_equal(set->repeat, 2);
        assert_int_equal(set->block.n_nodes, 2);
        assert_true(set->block.nodes[0].is_repeat);
        assert_int_equal(set->block.nodes[0].repeat, 3);
        assert_int_equal(set->block.nodes[0].block.n_nodes, 2);
        assert_false(set->block.nodes[1].is_repeat);
        round_trip_done(&t);
}

/* A repeat whose repetitions climb is written out step by step. */
static void test_climbing_repeat_unrolled(void **state)
{
        RoundTrip t;

        round_trip("Ramp 5x\n- 1m 60% 5K Pace +0.5km/h\n", &t);
        assert_same_steps(t.rw, t.rback);
        assert_int_equal(t.back->body.n_nodes, t.rw->n_steps);
        for (size_t i = 0; i < t.back->body.n_nodes; i++)
                assert_false(t.back->body.nodes[i].is_repeat);
        assert_true(t.rback->steps[4].speed_start_kmh > t.rback->steps[0].speed_start_kmh + 1.9);
        round_trip_done(&t);
}

/* A name of 3-byte characters longer than the field: cut between two. */
static void test_name_cut_at_character(void **state)
{
        RoundTrip t;

        round_trip("# name: a"
                   "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€\n"
                   "- 10m 80% 5K Pace\n",
                   &t);
        assert_non_null(t.back->name);
        assert_null(strchr(t.back->name, '?'));
        /* "a" and 20 of them: 61 of the field's 63 bytes. */
        assert_int_equal(strlen(t.back->name), 61);
        round_trip_done(&t);
}

/* Incline travels in the notes, kept as the step's cue on the way back. */
static void test_incline_in_notes(void **state)
{
        RoundTrip t;

        round_trip("- Hill 2m 90% 5K Pace 6% incline\n", &t);
        assert_non_null(t.rback->steps[0].cue);
        assert_non_null(strstr(t.rback->steps[0].cue, "6.0 % incline"));
        round_trip_done(&t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nested_repeats),
                cmocka_unit_test(test_climbing_repeat_unrolled),
                cmocka_unit_test(test_name_cut_at_character),
                cmocka_unit_test(test_incline_in_notes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
