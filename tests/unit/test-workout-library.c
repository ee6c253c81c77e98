/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The built-in library: every file in conf/workouts parses and resolves with
 * sane totals, the named sessions are what docs/workouts.md says, and lookup by
 * name searches the directories in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workout-library.h"
#include "workout.h"

#define LIB PACED_SOURCE_DIR "/conf/workouts"

static const char *const lib_dirs[] = {LIB, NULL};

static void profile_mile(RunnerProfile *p, const char *mile)
{
        runner_profile_init(p);
        assert_int_equal(runner_profile_set_key(p, "Mile", mile), 0);
}

static ResolvedWorkout *resolve_named(const char *name, const RunnerProfile *p,
                                      const ResolveLimits *l)
{
        Workout *w = NULL;
        ResolvedWorkout *r = NULL;
        WorkoutError e = {};
        char msg[600];

        if (workout_library_load(name, lib_dirs, &w, &e) < 0)
                fail_msg("%s", workout_error_format(&e, msg, sizeof(msg)));
        assert_int_equal(workout_resolve(w, p, l, &r), 0);
        workout_free(w);
        return r;
}

static void test_every_workout_resolves_sanely(void **state)
{
        static const char *const profiles[] = {"4:30", "5:30", "7:00", "9:00"};
        char **names = NULL;
        int n;

        n = workout_library_list(lib_dirs, &names);
        assert_true(n >= 11);
        for (int i = 0; names[i]; i++)
                for (size_t j = 0; j < ELEMENTSOF(profiles); j++) {
                        RunnerProfile p;
                        ResolveLimits l;
                        ResolvedWorkout *r;

                        profile_mile(&p, profiles[j]);
                        resolve_limits_init(&l);
                        r = resolve_named(names[i], &p, &l);
                        assert_non_null(r->name);
                        assert_true(r->n_steps >= 2);
                        if (r->total_time_s < 15 * 60 || r->total_time_s > 3 * 3600 ||
                            r->total_distance_m < 1500 || r->total_distance_m > 30000)
                                fail_msg("%s (%s mile): %.0f s, %.0f m", names[i], profiles[j],
                                         r->total_time_s, r->total_distance_m);
                        for (size_t k = 0; k < r->n_steps; k++) {
                                const ResolvedStep *s = &r->steps[k];

                                assert_true(s->end == STEP_END_OPEN || s->end_value > 0);
                                assert_true(s->speed_start_kmh >= l.min_speed_kmh &&
                                            s->speed_start_kmh <= l.max_speed_kmh);
                                assert_true(!s->has_incline || (s->incline_start_pct >= 0 &&
                                                                s->incline_start_pct <= 15));
                        }
                        /* Only the ramp tests are open-ended. */
                        assert_int_equal(r->has_open_steps, strncmp(names[i], "ramp-test", 9) == 0);
                        resolved_workout_free(r);
                }
        workout_library_strv_free(names);
}

static void test_required_workouts_exist(void **state)
{
        static const char *const required[] = {
                "easy-run",        "long-run",     "race-pace-mile",  "vo2max-intervals",
                "strides",         "hill-sprints", "tempo-run",       "threshold-intervals",
                "mile-time-trial", "ramp-test",    "intervals-6x400",
        };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                char *path = NULL;

                assert_int_equal(workout_library_find(required[i], lib_dirs, &path), 0);
                assert_non_null(strstr(path, required[i]));
                free(path);
        }
}

static size_t count_kind(const ResolvedWorkout *r, StepKind k)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_steps; i++)
                n += r->steps[i].kind == k;
        return n;
}

static void test_race_pace_and_intervals(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;
        double mile_kmh = 1609.344 / 330 * 3.6;
        size_t n400 = 0, n200 = 0;

        profile_mile(&p, "5:30");
        resolve_limits_init(&l);
        r = resolve_named("race-pace-mile", &p, &l);
        for (size_t i = 0; i < r->n_steps; i++) {
                const ResolvedStep *s = &r->steps[i];

                if (s->end == STEP_END_DISTANCE && s->end_value == 400) {
                        n400++;
                        assert_float_equal(s->speed_start_kmh, mile_kmh, 1e-9);
                }
                if (s->end == STEP_END_DISTANCE && s->end_value == 200) {
                        n200++;
                        assert_int_equal(s->kind, STEP_KIND_RECOVERY);
                        assert_true(s->speed_start_kmh < mile_kmh * 0.7);
                }
        }
        assert_int_equal(n400, 8);
        assert_int_equal(n200, 8);
        resolved_workout_free(r);

        r = resolve_named("intervals-6x400", &p, &l);
        n400 = 0;
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].kind == STEP_KIND_ACTIVE && r->steps[i].end_value == 400)
                        n400++;
        assert_int_equal(n400, 6);
        resolved_workout_free(r);

        r = resolve_named("strides", &p, &l);
        assert_int_equal(count_kind(r, STEP_KIND_STRIDE), 6);
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].kind == STEP_KIND_STRIDE) {
                        assert_int_equal(r->steps[i].end, STEP_END_TIME);
                        assert_float_equal(r->steps[i].end_value, 20, 0);
                        assert_true(r->steps[i].speed_end_kmh > r->steps[i].speed_start_kmh);
                }
        resolved_workout_free(r);
}

static void test_hill_sprints_use_incline(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;

        profile_mile(&p, "6:00");
        resolve_limits_init(&l);
        r = resolve_named("hill-sprints", &p, &l);
        assert_int_equal(count_kind(r, STEP_KIND_STRIDE), 8);
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].kind == STEP_KIND_STRIDE) {
                        /* 20-30 s efforts, each from a walk on the same grade: a
                         * home treadmill reaches them without changing grade. */
                        assert_true(r->steps[i].has_incline);
                        assert_float_equal(r->steps[i].incline_start_pct, 6, 1e-9);
                        assert_true(r->steps[i].end_value >= 20 && r->steps[i].end_value <= 30);
                        assert_int_equal(r->steps[i - 1].kind, STEP_KIND_RECOVERY);
                        assert_float_equal(r->steps[i - 1].incline_start_pct, 6, 1e-9);
                }
        /* The belt is flat again for the cool-down. */
        assert_float_equal(r->steps[r->n_steps - 1].incline_start_pct, 0, 1e-9);
        resolved_workout_free(r);
}

static void test_mile_time_trial_strategy(void **state)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;
        const ResolvedStep *tt[8];
        size_t n = 0;
        double dist = 0, time = 0, lap[4] = {}, t, d;

        profile_mile(&p, "5:30");
        resolve_limits_init(&l);
        r = resolve_named("mile-time-trial", &p, &l);
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].kind == STEP_KIND_TIME_TRIAL) {
                        assert_true(n < ELEMENTSOF(tt));
                        tt[n++] = &r->steps[i];
                }
        assert_int_equal(n, 7);
        for (size_t i = 0; i < n; i++) {
                resolved_step_estimate(tt[i], 10, &t, &d);
                dist += d;
                time += t;
                lap[i < 3 ? i : 3] += t;
        }
        /* Exactly a mile, in four quarter-mile laps. */
        assert_float_equal(dist, 1609.344, 1e-9);
        assert_float_equal(tt[0]->end_value, 402.336, 1e-9);
        /* Goal split 82.5 s: lap 1 one second slow, laps 2 and 3 on pace,
         * lap 4 faster, so the mile still comes in under 5:30. */
        assert_float_equal(lap[0], 83.5, 1e-9);
        assert_float_equal(lap[1], 82.5, 1e-9);
        assert_float_equal(lap[2], 82.5, 1e-9);
        assert_true(lap[3] < 82.5 - 1);
        assert_true(time < 330);
        for (size_t i = 4; i < 7; i++)
                assert_true(tt[i]->speed_start_kmh > tt[i - 1]->speed_start_kmh);
        /* Warm-up of 15-20 min with strides before it. */
        assert_int_equal(r->steps[0].kind, STEP_KIND_WARMUP);
        assert_true(r->steps[0].end_value >= 15 * 60 && r->steps[0].end_value <= 20 * 60);
        assert_true(count_kind(r, STEP_KIND_STRIDE) >= 4);
        assert_int_equal(r->steps[r->n_steps - 1].kind, STEP_KIND_COOLDOWN);
        resolved_workout_free(r);
}

static void check_ramp_test(const char *name, StepEnd end, double end_value)
{
        RunnerProfile p;
        ResolveLimits l;
        ResolvedWorkout *r;
        size_t first = SIZE_MAX, last = 0;

        profile_mile(&p, "6:00");
        resolve_limits_init(&l);
        l.max_speed_kmh = 18;
        r = resolve_named(name, &p, &l);
        for (size_t i = 0; i < r->n_steps; i++)
                if (r->steps[i].repeat_count > 0) {
                        first = MIN(first, i);
                        last = i;
                }
        assert_true(first != SIZE_MAX);
        for (size_t i = first + 1; i <= last; i++)
                assert_float_equal(r->steps[i].speed_start_kmh - r->steps[i - 1].speed_start_kmh,
                                   0.5, 1e-6);
        for (size_t i = first; i < last; i++) {
                assert_int_equal(r->steps[i].end, end);
                assert_float_equal(r->steps[i].end_value, end_value, 0);
        }
        /* It climbs to the limit, then the runner holds it until they stop. */
        assert_int_equal(r->steps[last].end, STEP_END_OPEN);
        assert_true(r->steps[last].speed_start_kmh <= 18 && r->steps[last].speed_start_kmh > 17.4);
        assert_false(r->any_clamped);
        resolved_workout_free(r);
}

static void test_ramp_tests(void **state)
{
        /* +0.5 km/h every minute, or every 200 m. */
        check_ramp_test("ramp-test", STEP_END_TIME, 60);
        check_ramp_test("ramp-test-200m", STEP_END_DISTANCE, 200);
}

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_lookup_order_and_names(void **state)
{
        char a[] = "/tmp/paced-lib-a-XXXXXX", b[] = "/tmp/paced-lib-b-XXXXXX", path[256];
        const char *dirs[] = {a, b, NULL};
        char *found = NULL, **names = NULL;
        Workout *w = NULL;
        WorkoutError e = {};

        assert_non_null(mkdtemp(a));
        assert_non_null(mkdtemp(b));
        snprintf(path, sizeof(path), "%s/easy-run.txt", a);
        write_file(path, "# name: My easy run\n- 20m easy Pace\n");
        snprintf(path, sizeof(path), "%s/easy-run.txt", b);
        write_file(path, "# name: Shipped easy run\n- 30m easy Pace\n");
        snprintf(path, sizeof(path), "%s/zwift.zwo", b);
        write_file(path, "<workout_file><sportType>run</sportType><workout>"
                         "<SteadyState Duration=\"600\" Power=\"0.8\" pace=\"1\"/>"
                         "</workout></workout_file>");
        snprintf(path, sizeof(path), "%s/Not_A_Name.txt", b);
        write_file(path, "- 1m\n");

        /* The first directory wins. */
        assert_int_equal(workout_library_load("easy-run", dirs, &w, &e), 0);
        assert_string_equal(w->name, "My easy run");
        workout_free(w);
        w = NULL;
        assert_int_equal(workout_library_load("zwift", dirs, &w, &e), 0);
        assert_string_equal(w->name, "zwift");
        workout_free(w);
        w = NULL;

        assert_int_equal(workout_library_list(dirs, &names), 2);
        assert_string_equal(names[0], "easy-run");
        assert_string_equal(names[1], "zwift");
        assert_null(names[2]);
        workout_library_strv_free(names);

        assert_int_equal(workout_library_find("nope", dirs, &found), -ENOENT);
        assert_int_equal(workout_library_find("../etc/passwd", dirs, &found), -EINVAL);
        assert_int_equal(workout_library_find("", dirs, &found), -EINVAL);
        assert_int_equal(workout_library_find("Easy-Run", dirs, &found), -EINVAL);
        assert_null(found);
        assert_int_equal(workout_library_load("nope", dirs, &w, &e), -ENOENT);
        assert_non_null(strstr(e.message, "no such workout"));
        assert_true(workout_library_name_is_valid("race-pace-mile"));
        assert_false(workout_library_name_is_valid("a/b"));

        /* The default dirs: /etc's, then the installed library, or the one
         * $PACED_DATA_DIR names (a build tree); never the source tree. */
        const char *const *def;
        unsetenv("PACED_DATA_DIR");
        def = workout_library_default_dirs();
        assert_string_equal(def[0], PACED_SYSCONFDIR "/workouts");
        assert_string_equal(def[1], PACED_DATADIR "/workouts");
        assert_null(def[2]);
        setenv("PACED_DATA_DIR", "/build/share/paced", 1);
        def = workout_library_default_dirs();
        assert_string_equal(def[1], "/build/share/paced/workouts");
        assert_null(def[2]);
        setenv("PACED_DATA_DIR", "relative/path", 1); /* ignored */
        def = workout_library_default_dirs();
        assert_string_equal(def[1], PACED_DATADIR "/workouts");

        snprintf(path, sizeof(path), "rm -rf '%s' '%s'", a, b);
        assert_int_equal(system(path), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_workout_resolves_sanely),
                cmocka_unit_test(test_required_workouts_exist),
                cmocka_unit_test(test_race_pace_and_intervals),
                cmocka_unit_test(test_hill_sprints_use_incline),
                cmocka_unit_test(test_mile_time_trial_strategy),
                cmocka_unit_test(test_ramp_tests),
                cmocka_unit_test(test_lookup_order_and_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
