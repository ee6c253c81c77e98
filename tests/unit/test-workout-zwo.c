/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Zwift .zwo import: run elements, pace references, distance durations,
 * cues, bike rejection and located errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "workout-zwo.h"
#include "workout.h"

#define DATA PACED_SOURCE_DIR "/tests/data/workouts/"

static Workout *load_ok(const char *path)
{
        WorkoutError e = {};
        Workout *w = NULL;
        char msg[600];

        if (workout_zwo_load(path, &w, &e) < 0)
                fail_msg("%s", workout_error_format(&e, msg, sizeof(msg)));
        return w;
}

static void test_run_elements(void **state)
{
        Workout *w = load_ok(DATA "run-intervals.zwo");
        const WorkoutNode *n = w->body.nodes;

        assert_string_equal(w->name, "5K intervals");
        assert_string_equal(w->description, "Warm up, 5 x (3 min on, 2 min off), cool down.");
        assert_int_equal(w->body.n_nodes, 17);

        /* Warmup: a ramp of the 5k pace (pace="1") from 70 to 85 %. */
        assert_int_equal(n[0].step.kind, STEP_KIND_WARMUP);
        assert_int_equal(n[0].step.end, STEP_END_TIME);
        assert_float_equal(n[0].step.end_value, 600, 0);
        assert_int_equal(n[0].step.speed_type, SPEED_TARGET_RAMP);
        assert_int_equal(n[0].step.speed_lo.ref, PACE_REF_5K);
        assert_float_equal(n[0].step.speed_lo.pct, 70, 1e-9);
        assert_float_equal(n[0].step.speed_hi.pct, 85, 1e-9);
        /* A text event 10 s in is a cue at that moment, not at the start. */
        assert_null(n[0].step.cue);
        assert_int_equal(n[0].step.n_cues, 1);
        assert_float_equal(n[0].step.cues[0].at, 10, 0);
        assert_false(n[0].step.cues[0].at_distance);
        assert_string_equal(n[0].step.cues[0].text, "Easy start");

        assert_int_equal(n[1].step.speed_type, SPEED_TARGET_VALUE);
        assert_int_equal(n[1].step.speed_lo.ref, PACE_REF_10K);
        assert_float_equal(n[1].step.speed_lo.pct, 90, 1e-9);

        /* IntervalsT with text events: written out repetition by
         * repetition, each event in the repetition its offset (from the
         * block's start) falls in: "Go" at the start of the first on step,
         * "Recover" 185 s in, 5 s into the first off step, and no more. */
        for (size_t r = 0; r < 5; r++) {
                const WorkoutStep *on = &n[2 + 2 * r].step, *off = &n[3 + 2 * r].step;

                assert_false(n[2 + 2 * r].is_repeat);
                assert_int_equal(on->kind, STEP_KIND_ACTIVE);
                assert_float_equal(on->end_value, 180, 0);
                assert_float_equal(on->speed_lo.pct, 100, 1e-9);
                assert_int_equal(off->kind, STEP_KIND_RECOVERY);
                assert_float_equal(off->end_value, 120, 0);
                assert_float_equal(off->speed_lo.pct, 75, 1e-9);
                if (r == 0) {
                        assert_string_equal(on->cue, "Go");
                        assert_null(off->cue);
                        assert_int_equal(off->n_cues, 1);
                        assert_float_equal(off->cues[0].at, 5, 0);
                        assert_string_equal(off->cues[0].text, "Recover");
                } else {
                        assert_null(on->cue);
                        assert_int_equal(on->n_cues + off->n_cues, 0);
                }
        }

        assert_int_equal(n[12].step.speed_type, SPEED_TARGET_RAMP);
        assert_int_equal(n[12].step.speed_lo.ref, PACE_REF_MILE);
        assert_int_equal(n[13].step.speed_type, SPEED_TARGET_FREE);
        assert_int_equal(n[14].step.speed_type, SPEED_TARGET_FREE);
        assert_string_equal(n[14].step.cue, "Max effort");
        /* SteadyState with a range: stored slow .. fast. */
        assert_int_equal(n[15].step.speed_type, SPEED_TARGET_RANGE);
        assert_int_equal(n[15].step.speed_lo.ref, PACE_REF_MARATHON);
        assert_float_equal(n[15].step.speed_lo.pct, 70, 1e-9);
        assert_float_equal(n[15].step.speed_hi.pct, 80, 1e-9);
        assert_int_equal(n[16].step.kind, STEP_KIND_COOLDOWN);
        assert_int_equal(n[16].step.speed_lo.ref, PACE_REF_HALF);
        assert_float_equal(n[16].step.speed_lo.pct, 80, 1e-9);
        assert_float_equal(n[16].step.speed_hi.pct, 65, 1e-9);

        assert_int_equal(workout_count_steps(w), 7 + 10);
        workout_free(w);
}

static void test_totals(void **state)
{
        Workout *w = load_ok(DATA "run-intervals.zwo");
        ResolvedWorkout *r = NULL;
        RunnerProfile p;
        ResolveLimits l;

        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "5K", "20:00"), 0);
        resolve_limits_init(&l);
        assert_int_equal(workout_resolve(w, &p, &l, &r), 0);
        /* Time steps only: the total time is exact. */
        assert_float_equal(r->total_time_s, 600 + 300 + 5 * 300 + 120 + 60 + 20 + 60 + 300, 1e-6);
        assert_int_equal(r->n_steps, 17);
        /* 100 % of a 20:00 5k is 15 km/h. */
        assert_float_equal(r->steps[2].speed_start_kmh, 15.0, 1e-9);
        assert_float_equal(r->steps[3].speed_start_kmh, 11.25, 1e-9);
        resolved_workout_free(r);
        workout_free(w);
}

static void test_distance_durations(void **state)
{
        Workout *w = load_ok(DATA "distance.zwo");
        ResolvedWorkout *r = NULL;
        RunnerProfile p;
        ResolveLimits l;

        assert_int_equal(w->body.nodes[0].step.end, STEP_END_DISTANCE);
        assert_float_equal(w->body.nodes[1].block.nodes[0].step.end_value, 1609.344, 1e-9);
        runner_profile_init(&p);
        assert_int_equal(runner_profile_set_key(&p, "Mile", "6:00"), 0);
        assert_int_equal(runner_profile_set_key(&p, "5K", "20:00"), 0);
        resolve_limits_init(&l);
        assert_int_equal(workout_resolve(w, &p, &l, &r), 0);
        assert_float_equal(r->total_distance_m, 1600 + 3 * (1609.344 + 400) + 1000, 1e-6);
        /* The mile repeats at 100 % of a 6:00 mile take 6:00 each. */
        double t, d;
        resolved_step_estimate(&r->steps[1], 10, &t, &d);
        assert_float_equal(t, 360, 1e-6);
        resolved_workout_free(r);
        workout_free(w);
}

static void test_bike_rejected(void **state)
{
        Workout *w = NULL;
        WorkoutError e = {};
        char msg[600];
        const char *no_sport = "<workout_file><workout><SteadyState Duration=\"60\" Power=\"1\"/>"
                               "</workout></workout_file>";

        assert_int_equal(workout_zwo_load(DATA "bike.zwo", &w, &e), -EBADMSG);
        assert_null(w);
        assert_string_equal(workout_error_format(&e, msg, sizeof(msg)), DATA
                            "bike.zwo:4:5: this is a bike workout (<sportType>bike</sportType>): "
                            "only run workouts can be imported");
        /* No sportType means bike in Zwift. */
        assert_int_equal(workout_zwo_parse(no_sport, strlen(no_sport), "n.zwo", &w, &e), -EBADMSG);
        assert_null(w);
        assert_non_null(strstr(e.message, "Zwift treats this as a bike workout"));
}

static void test_errors(void **state)
{
        static const struct {
                const char *xml;
                unsigned line;
                const char *message;
        } cases[] = {
                {"<workout_file><sportType>run</sportType>\n<workout>\n<SteadyState "
                 "Duration=\"60\"/>"
                 "</workout></workout_file>",
                 3, "<SteadyState> needs a Power (or PowerLow and PowerHigh) attribute"},
                {"<workout_file><sportType>run</sportType><workout>\n\n<SteadyState Duration=\"x\" "
                 "Power=\"1\"/>"
                 "</workout></workout_file>",
                 3, "<SteadyState Duration=\"x\">: expected a number"},
                {"<workout_file><sportType>run</sportType><workout><SteadyState Duration=\"60\" "
                 "Power=\"9\"/></workout></workout_file>",
                 1, "Power=\"9\">: expected a number from 0.1 to 3"},
                {"<workout_file><sportType>run</sportType><workout><Intervals Repeat=\"2\"/>"
                 "</workout></workout_file>",
                 1, "unsupported workout element <Intervals>"},
                {"<workout_file><sportType>run</sportType><workout><IntervalsT Repeat=\"2.5\" "
                 "OnDuration=\"60\" OffDuration=\"60\" OnPower=\"1\" OffPower=\"0.7\"/>"
                 "</workout></workout_file>",
                 1, "expected a whole number"},
                {"<workout_file><sportType>run</sportType><workout><IntervalsT Repeat=\"500\" "
                 "OnDuration=\"60\" OffDuration=\"60\" OnPower=\"1\" OffPower=\"0.7\"/>"
                 "</workout></workout_file>",
                 1, "Repeat=\"500\">: expected a number from 1 to 99"},
                {"<workout_file><sportType>run</sportType><durationType>laps</durationType>"
                 "</workout_file>",
                 1, "expected time or distance"},
                {"<workout_file><sportType>run</sportType><workout></workout></workout_file>", 0,
                 "no steps"},
                {"<workout_file><sportType>run</sportType><workout>\n<SteadyState Duration=\"60\" "
                 "Power=\"1\">\n<SteadyState Duration=\"60\" Power=\"1\"/></SteadyState>"
                 "</workout></workout_file>",
                 3, "unexpected <SteadyState> inside a workout step"},
                {"<workout>\n</workout>", 1, "expected <workout_file>, got <workout>"},
                {"<workout_file><sportType>run</sportType>\n<workout><FreeRide Duration=\"60\">"
                 "</workout></workout_file>",
                 2, "XML: mismatched tag"},
                {"", 1, "XML: no element found"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Workout *sentinel = (Workout *)0x1, *w = sentinel;
                WorkoutError e = {};
                int r;

                r = workout_zwo_parse(cases[i].xml, strlen(cases[i].xml), "bad.zwo", &w, &e);
                if (r >= 0)
                        fail_msg("case %zu parsed", i);
                assert_int_equal(r, -EBADMSG);
                assert_ptr_equal(w, sentinel);
                if (e.line != cases[i].line || !strstr(e.message, cases[i].message))
                        fail_msg("case %zu: got %u '%s', want %u '%s'", i, e.line, e.message,
                                 cases[i].line, cases[i].message);
        }
}

static void test_default_name_and_pace(void **state)
{
        const char *xml = "<workout_file><sportType>Run</sportType><workout>"
                          "<SteadyState Duration=\"60\" Power=\"1.05\"/></workout></workout_file>";
        Workout *w = NULL;

        assert_int_equal(workout_zwo_parse(xml, strlen(xml), "/a/b/threshold-run.zwo", &w, NULL),
                         0);
        assert_string_equal(w->name, "threshold-run");
        /* Without a pace attribute, Zwift's default reference: the mile. */
        assert_int_equal(w->body.nodes[0].step.speed_lo.ref, PACE_REF_MILE);
        assert_float_equal(w->body.nodes[0].step.speed_lo.pct, 105, 1e-9);
        workout_free(w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_run_elements),
                cmocka_unit_test(test_totals),
                cmocka_unit_test(test_distance_durations),
                cmocka_unit_test(test_bike_rejected),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_default_name_and_pace),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
