/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Time-trial results: the block of steps, the lap length, the sentence the
 * runner reads, and the store (results, the best, accepting one as a
 * reference race, deleting a session).
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fake-treadmill.h" /* workout builders */
#include "session-store.h"
#include "trial-result.h"

static void test_block_and_laps(void **state)
{
        ResolvedStep steps[8] = {
                rig_step_time(STEP_KIND_WARMUP, 600, 9.0),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE / 4, 14.9),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE / 4, 14.9),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE / 4, 14.9),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE / 8, 15.0),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE / 8, 15.5),
                rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0),
                rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0),
        };
        ResolvedWorkout *w = rig_workout("mile", steps, 8);
        size_t first, end;
        double dist, goal;

        assert_int_equal(trial_block(w, 0, &first, &end, &dist, &goal), -ENOENT);
        assert_int_equal(trial_block(w, 4, &first, &end, &dist, &goal), 0);
        assert_int_equal(first, 1);
        assert_int_equal(end, 6);
        assert_float_equal(dist, METERS_PER_MILE, 1e-9);
        assert_float_equal(
                goal, 3 * 402.336 / (14.9 / 3.6) + 201.168 / (15.0 / 3.6) + 201.168 / (15.5 / 3.6),
                1e-9);
        resolved_workout_free(w);

        /* 400 m laps divide the mile in four quarters; 1 km laps do not fit 3000 m
         * (the last is partial); off: one lap. */
        assert_float_equal(trial_lap_length(METERS_PER_MILE, 400), METERS_PER_MILE / 4, 1e-9);
        assert_float_equal(trial_lap_length(METERS_PER_MILE, METERS_PER_MILE), METERS_PER_MILE,
                           1e-9);
        assert_float_equal(trial_lap_length(3000, 1000), 1000, 1e-9);
        assert_float_equal(trial_lap_length(3000, 400), 400, 1e-9);
        assert_float_equal(trial_lap_length(5000, 400), 400, 1e-9); /* 12.5 laps */
        assert_float_equal(trial_lap_length(METERS_PER_MILE, 0), METERS_PER_MILE, 1e-9);
}

static void test_sentence(void **state)
{
        TrialResult r = {
                .distance_m = METERS_PER_MILE,
                .time_s = 395.0,
                .goal_s = 391.0,
                .n_laps = 4,
                .lap_s = {107.5, 97.0, 96.5, 94.0},
                .complete = true,
        };
        char buf[256], json[128];
        TrialResult back = {};

        /* The example, word for word. */
        assert_string_equal(trial_result_format(&r, buf, sizeof(buf)),
                            "Mile 6:35.0 (goal 6:31, +4 s); laps 1:47.5 / 1:37.0 / 1:36.5 / "
                            "1:34.0");
        r.best = true;
        r.time_s = 388.3;
        assert_string_equal(trial_result_format(&r, buf, sizeof(buf)),
                            "Mile 6:28.3 (goal 6:31, -3 s), a new best; laps 1:47.5 / 1:37.0 / "
                            "1:36.5 / 1:34.0");
        r.time_s = 391.2;
        r.n_laps = 0;
        r.best = false;
        assert_string_equal(trial_result_format(&r, buf, sizeof(buf)),
                            "Mile 6:31.2 (goal 6:31, on goal)");
        r.complete = false;
        r.distance_m = 804.7;
        assert_string_equal(trial_result_format(&r, buf, sizeof(buf)),
                            "805 m not completed: 6:31.2 for 805 m");
        assert_string_equal(trial_distance_name(5000, buf, sizeof(buf)), "5 km");
        assert_string_equal(trial_distance_name(3000, buf, sizeof(buf)), "3000 m");

        r.n_laps = 4;
        assert_string_equal(trial_laps_to_json(&r, json, sizeof(json)), "[107.5,97.0,96.5,94.0]");
        assert_int_equal(trial_laps_from_json(json, &back), 0);
        assert_int_equal(back.n_laps, 4);
        assert_float_equal(back.lap_s[3], 94.0, 1e-9);
        assert_int_equal(trial_laps_from_json("[]", &back), 0);
        assert_int_equal(back.n_laps, 0);
        assert_int_equal(trial_laps_from_json("[1,", &back), -EINVAL);
        assert_int_equal(trial_laps_from_json("{", &back), -EINVAL);
}

static int64_t add_session(SessionStore *s, uint64_t wall)
{
        SessionInfo info = {.workout_name = "mile-time-trial"};
        SessionSample x = {.t_s = 0, .speed_kmh = 10, .distance_m = 0, .step_index = -1};
        int64_t id;

        assert_int_equal(session_store_begin(s, wall, &info, &id), 0);
        assert_int_equal(session_store_add_sample(s, &x), 0);
        return id;
}

static void test_store(void **state)
{
        char dir[] = "/tmp/test-trial-result-XXXXXX", cmd[64];
        SessionStore *s = NULL;
        SessionData *d = NULL;
        SessionListEntry *l = NULL;
        SessionAcceptedResult a;
        TrialResult r = {
                .distance_m = METERS_PER_MILE,
                .time_s = 395.0,
                .goal_s = 391.0,
                .n_laps = 4,
                .lap_s = {107.5, 97.0, 96.5, 94.0},
                .complete = true,
                .best = true,
        };
        size_t n;
        double best;
        int64_t a_id, b_id;

        assert_non_null(mkdtemp(dir));
        assert_int_equal(session_store_open(&s, dir), 0);
        a_id = add_session(s, 1000);
        assert_int_equal(session_store_best_result(s, METERS_PER_MILE, a_id, &best), -ENOENT);
        assert_int_equal(session_store_add_result(s, a_id, &r), 0);
        assert_int_equal(session_store_end(s, 2000, SESSION_END_FINISHED), 0);

        b_id = add_session(s, 3000);
        assert_int_equal(session_store_best_result(s, METERS_PER_MILE, b_id, &best), 0);
        assert_float_equal(best, 395.0, 1e-9);
        /* Not the current session: a running one cannot be deleted. */
        assert_int_equal(session_store_delete(s, b_id), -EBUSY);
        assert_int_equal(session_store_end(s, 4000, SESSION_END_ABORTED), 0);

        assert_int_equal(session_store_load(s, a_id, &d), 0);
        assert_int_equal(d->n_results, 1);
        assert_true(d->results[0].complete && d->results[0].best);
        assert_int_equal(d->results[0].n_laps, 4);
        assert_float_equal(d->results[0].lap_s[0], 107.5, 1e-9);
        assert_float_equal(d->results[0].goal_s, 391.0, 1e-9);
        session_data_free(d);

        assert_int_equal(session_store_list(s, 0, &l, &n), 0);
        assert_int_equal(n, 2);
        assert_float_equal(l[0].result_time_s, 395.0, 1e-9);
        assert_true(l[0].result_best);
        assert_true(isnan(l[1].result_time_s));
        session_list_free(l, n);

        /* Accepting: the session's complete result; none in session b. */
        assert_int_equal(session_store_accept_result(s, b_id, 5000, &a), -ENODATA);
        assert_int_equal(session_store_accept_result(s, 999, 5000, &a), -ENOENT);
        assert_int_equal(session_store_get_accepted_result(s, METERS_PER_MILE, &a), -ENOENT);
        assert_int_equal(session_store_accept_result(s, a_id, 5000, &a), 0);
        assert_float_equal(a.time_s, 395.0, 1e-9);
        /* Deleting the session keeps the accepted copy, and its results go. */
        assert_int_equal(session_store_delete(s, a_id), 0);
        assert_int_equal(session_store_delete(s, a_id), -ENOENT);
        assert_int_equal(session_store_load(s, a_id, &d), -ENOENT);
        assert_int_equal(session_store_get_accepted_result(s, METERS_PER_MILE, &a), 0);
        assert_int_equal(a.session_id, 0);
        assert_float_equal(a.time_s, 395.0, 1e-9);
        assert_int_equal(session_store_best_result(s, METERS_PER_MILE, 0, &best), -ENOENT);

        session_store_free(s);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_block_and_laps),
                cmocka_unit_test(test_sentence),
                cmocka_unit_test(test_store),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
