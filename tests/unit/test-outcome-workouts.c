/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runner outcomes of every library workout (conf/workouts) on the
 * simulator, with the shipped paced.conf, for several runners and treadmill
 * accelerations (tests/lib/outcome-rig.h): what a runner would check after
 * the session, measured on the simulated belt.
 *
 *  - the workout runs to its end without a control-point error;
 *  - every rep (active, stride, time-trial step) is run at its target for
 *    at least 90 % of the rep;
 *  - a rep the machine cannot start on time (its recovery had to be
 *    lengthened while the belt got there) was announced by the planner that
 *    `pacectl validate` prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "outcome-rig.h"
#include "rep-plan.h"

static const char *const library[] = {
        "easy-run",        "hill-sprints",   "intervals-6x400",     "long-run",
        "mile-time-trial", "race-pace-mile", "ramp-test",           "ramp-test-200m",
        "strides",         "tempo-run",      "threshold-intervals", "vo2max-intervals",
};

/* Runners: the 6:30 miler, a fast one near the machine's top speed, a slow one. */
static const char *const runners[] = {"mile = 6:30", "mile = 5:10", "mile = 8:45"};
/* Belts slower than, near and faster than the shipped rate limit (0.5 km/h/s). */
static const double accels[] = {0.3, 0.8, 2.0};

/* How much longer than written the step before rep i ran (seconds): the
 * rep started that much late. */
static double rep_late_s(const OutcomeRig *r, size_t i)
{
        const ResolvedStep *b = &r->w->steps[i - 1];
        const OutcomeStep *o = &r->steps[i - 1];

        if (!o->ended)
                return 0;
        if (b->end == STEP_END_TIME)
                return o->run_s - b->end_value;
        if (b->end == STEP_END_DISTANCE && b->speed_end_kmh > 0)
                return (o->end_dist_m - o->start_dist_m - b->end_value) / (b->speed_end_kmh / 3.6);
        return 0;
}

/* What `pacectl validate --belt-accel` says about step i on this machine. */
static bool rep_warned(const OutcomeRig *r, size_t i, double accel)
{
        RepPlanMachine m;
        char buf[256];

        rep_plan_machine_init(&m);
        m.max_accel_kmhps = r->config->max_accel_kmh_s;
        m.belt_accel_kmhps = accel;
        return rep_plan_warning(&m, r->w, i, NAN, buf, sizeof(buf)) > 0;
}

/* One workout on one machine for one runner; returns the number of failed checks. */
static unsigned run_one(const char *name, const char *runner, double accel, double latency_s)
{
        OutcomeMachine m = {.accel_kmhps = accel, .link_latency_s = latency_s};
        ResolvedWorkout *rw;
        OutcomeRig r;
        char trace[64];
        unsigned failed = 0;
        EngineState end;

        assert_int_equal(outcome_rig_init(&r, runner, NULL, &m), 0);
        /* OUTCOME_TRACE="mile = 6:30@0.3@0": every cue and event of that run. */
        snprintf(trace, sizeof(trace), "%s@%g@%g", runner, accel, latency_s);
        r.verbose = getenv("OUTCOME_TRACE") && streq(getenv("OUTCOME_TRACE"), trace);
        rw = outcome_resolve_library(&r, name);
        assert_non_null(rw);
        assert_int_equal(outcome_load(&r, rw), 0);
        end = outcome_run_workout(&r, 4 * 3600);
        if (end != ENGINE_STATE_FINISHED || r.cp_errors > 0) {
                fprintf(stderr,
                        "%s [%s, belt %.1f km/h/s, link %.1f s]: ended %s, %u control errors\n",
                        name, runner, accel, latency_s, engine_state_to_string(end), r.cp_errors);
                failed++;
        }
        for (size_t i = 0; i < r.w->n_steps; i++) {
                const ResolvedStep *s = &r.w->steps[i];
                const OutcomeStep *o = &r.steps[i];

                if (!outcome_is_rep(s) || !o->entered)
                        continue;
                if (i > 0 && !rep_warned(&r, i, accel) && rep_late_s(&r, i) > 1.5) {
                        fprintf(stderr,
                                "%s [%s, belt %.1f km/h/s, link %.1f s]: step %zu (%s) started "
                                "%.1f s late "
                                "without a validate warning\n",
                                name, runner, accel, latency_s, i + 1, s->label, rep_late_s(&r, i));
                        failed++;
                }
                if (o->run_s <= 0 || o->at_target_s < 0.9 * o->run_s) {
                        fprintf(stderr,
                                "%s [%s, belt %.1f km/h/s, link %.1f s]: step %zu (%s) at %.1f "
                                "km/h: "
                                "%.1f of %.1f s at target (%.0f %%)\n",
                                name, runner, accel, latency_s, i + 1, s->label, s->speed_start_kmh,
                                o->at_target_s, o->run_s,
                                o->run_s > 0 ? 100 * o->at_target_s / o->run_s : 0);
                        failed++;
                }
        }
        outcome_rig_free(&r);
        return failed;
}

static void test_library_reps_at_target(void **state)
{
        unsigned failed = 0;

        /* OUTCOME_ONLY=NAME runs one workout (with OUTCOME_TRACE: every event). */
        const char *only = getenv("OUTCOME_ONLY");

        for (size_t w = 0; w < ELEMENTSOF(library); w++)
                for (size_t p = 0; p < ELEMENTSOF(runners); p++)
                        for (size_t a = 0; a < ELEMENTSOF(accels); a++)
                                if (!only || streq(only, library[w]))
                                        failed += run_one(library[w], runners[p], accels[a], 0);
        assert_int_equal(failed, 0);
}

/* The "Lap N:" numbers the runner heard, in order. */
static size_t lap_cue_numbers(const OutcomeRig *r, unsigned *ret, size_t max)
{
        size_t n = 0;
        unsigned k;

        for (size_t i = 0; i < r->n_cues; i++)
                if (r->cues[i].kind == CUE_KIND_LAP &&
                    sscanf(r->cues[i].text, "Lap %u:", &k) == 1 && n < max)
                        ret[n++] = k;
        return n;
}

/* The mile time trial as a runner checks it: one result, the sum of its four
 * quarter-mile laps, numbered 1-4, each at its planned pace. */
static void check_mile_trial(const char *runner, double accel, double latency_s)
{
        OutcomeMachine m = {.accel_kmhps = accel, .link_latency_s = latency_s};
        const EngineEvent *result = NULL;
        ResolvedWorkout *rw;
        OutcomeRig r;
        unsigned heard[64];
        size_t n_heard, n_results = 0, n_trial_laps = 0, first = SIZE_MAX, end = 0;
        double sum = 0, goal_lap[4] = {}, dist = NAN, goal = NAN, start_m = NAN, t_start = NAN;
        char sentence[192];

        assert_int_equal(outcome_rig_init(&r, runner, NULL, &m), 0);
        rw = outcome_resolve_library(&r, "mile-time-trial");
        assert_non_null(rw);
        assert_int_equal(outcome_load(&r, rw), 0);
        assert_int_equal(outcome_run_workout(&r, 4 * 3600), ENGINE_STATE_FINISHED);
        assert_int_equal(r.cp_errors, 0);

        for (size_t i = 0; i < r.w->n_steps; i++)
                if (r.w->steps[i].kind == STEP_KIND_TIME_TRIAL) {
                        assert_int_equal(trial_block(r.w, i, &first, &end, &dist, &goal), 0);
                        break;
                }
        assert_true(first < end);
        assert_true(fabs(dist - METERS_PER_MILE) < 1e-6);
        /* Each lap's planned time, from the steps it spans. */
        for (size_t i = first, lap = 0; i < end; i++) {
                const ResolvedStep *s = &r.w->steps[i];

                goal_lap[lap] += s->end_value / (s->speed_start_kmh / 3.6);
                if (r.steps[i].end_dist_m - r.steps[first].start_dist_m >=
                    (lap + 1) * METERS_PER_MILE / 4 - 1)
                        lap++;
        }
        start_m = r.steps[first].start_dist_m;
        t_start = (double)r.steps[first].start_usec / USEC_PER_SEC;

        for (size_t i = 0; i < r.n_events; i++) {
                const EngineEvent *ev = &r.events[i];

                if (ev->type == ENGINE_EVENT_RESULT) {
                        result = ev;
                        n_results++;
                }
                if (ev->type != ENGINE_EVENT_LAP || ev->lap.trial_lap == 0)
                        continue;
                n_trial_laps++;
                /* Numbered from 1 in the trial, a quarter mile each: no auto-lap
                 * cuts a lap the workout defines. */
                assert_int_equal(ev->lap.trial_lap, n_trial_laps);
                assert_true(fabs(ev->lap.distance_m - METERS_PER_MILE / 4) < 1.0);
                /* At its planned pace: the run-up was done in the walk before. */
                if (fabs(ev->lap.duration_s - goal_lap[n_trial_laps - 1]) >
                    0.02 * goal_lap[n_trial_laps - 1])
                        fail_msg("[%s, belt %.1f, link %.1f s] lap %zu: %.1f s, planned %.1f s",
                                 runner, accel, latency_s, n_trial_laps, ev->lap.duration_s,
                                 goal_lap[n_trial_laps - 1]);
                sum += ev->lap.duration_s;
        }
        assert_int_equal(n_trial_laps, 4);
        assert_int_equal(n_results, 1);
        assert_true(result->result.complete);
        assert_int_equal(result->result.n_laps, 4);
        assert_true(fabs(result->result.distance_m - METERS_PER_MILE) < 1e-6);
        /* The mile time is the sum of its laps ... */
        assert_true(fabs(result->result.time_s - sum) <= 0.1);
        /* ... and what the simulated belt ran: the trial's first step began at
         * start_m, its last ended a mile later. */
        assert_true(fabs(r.steps[end - 1].end_dist_m - start_m - METERS_PER_MILE) < 2.0);
        assert_true(fabs((double)r.steps[end - 1].end_usec / USEC_PER_SEC - t_start -
                         result->result.time_s) < 0.6);
        /* Against the goal the steps ask for. */
        assert_true(fabs(result->result.goal_s - goal) < 1e-6);
        assert_true(fabs(result->result.time_s - goal) < 0.02 * goal);
        /* The sentence the runner reads. */
        trial_result_format(&result->result, sentence, sizeof(sentence));
        assert_string_equal(sentence, result->message);
        assert_non_null(strstr(sentence, "Mile "));
        assert_non_null(strstr(sentence, "(goal "));
        assert_non_null(strstr(sentence, "; laps "));
        /* The lap cues the runner heard: "Lap 1" .. "Lap 4", and only in the trial. */
        n_heard = lap_cue_numbers(&r, heard, ELEMENTSOF(heard));
        assert_int_equal(n_heard, 4);
        for (size_t i = 0; i < n_heard; i++)
                assert_int_equal(heard[i], i + 1);
        outcome_rig_free(&r);
}

static void test_mile_time_trial_result(void **state)
{
        for (size_t p = 0; p < ELEMENTSOF(runners); p++)
                for (size_t a = 0; a < ELEMENTSOF(accels); a++)
                        check_mile_trial(runners[p], accels[a], 0);
}

/*
 * A slow link (a busy Bluetooth controller, or the e2e VM at 30x, where a
 * round trip is seconds of virtual time): commands and the belt's reports
 * each arrive late. Lag is not a slow belt: the reps are still run at pace
 * and lap 1 of the mile is still lap 1's pace, not lap 2's.
 */
static const double link_latencies[] = {1.0, 1.5};

static void test_slow_link_reps_at_target(void **state)
{
        static const char *const sessions[] = {"strides", "intervals-6x400", "hill-sprints",
                                               "race-pace-mile"};
        unsigned failed = 0;

        for (size_t l = 0; l < ELEMENTSOF(link_latencies); l++) {
                for (size_t w = 0; w < ELEMENTSOF(sessions); w++)
                        failed += run_one(sessions[w], runners[0], 0.8, link_latencies[l]);
                check_mile_trial(runners[0], 0.8, link_latencies[l]);
        }
        assert_int_equal(failed, 0);
}

static EngineStatus status(OutcomeRig *r)
{
        EngineStatus st;

        workout_engine_get_status(r->e, r->now, &st);
        return st;
}

static const char *next_action(OutcomeRig *r)
{
        static char buf[160];

        return workout_engine_next_action(r->e, buf, sizeof(buf));
}

static size_t count_writes(const OutcomeRig *r, uint8_t op)
{
        size_t n = 0;

        for (size_t i = 0; i < sim_treadmill_n_commands(r->t); i++)
                n += sim_treadmill_command(r->t, i)->op == op;
        return n;
}

/*
 * The shipped config (allow_remote_start = no) and the README's demo: start
 * with the belt stopped, faster, pause, resume. Every state says the one
 * thing to do next, and the runner ends where they expect.
 */
static void test_start_pause_resume_shipped_config(void **state)
{
        OutcomeMachine m = {.accel_kmhps = 0.8};
        ResolvedWorkout *rw;
        OutcomeRig r;
        double elapsed;
        int step;

        assert_int_equal(outcome_rig_init(&r, "mile = 6:30", NULL, &m), 0);
        assert_false(r.ec.allow_remote_start);
        rw = outcome_resolve_library(&r, "intervals-6x400");
        assert_non_null(rw);
        assert_int_equal(outcome_load(&r, rw), 0);
        outcome_run_for(&r, 2);

        /* `pacectl start` with the belt stopped: loaded, waiting for the runner,
         * who is told so; no Start sent, no session (no running state yet). */
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        outcome_drain(&r);
        outcome_run_for(&r, 30);
        assert_int_equal(status(&r).state, ENGINE_STATE_ARMED);
        assert_string_equal(next_action(&r), "Press START on the treadmill to begin.");
        assert_int_equal(outcome_count_cues(&r, CUE_KIND_INFO,
                                            "Loaded 6x400 m intervals. Press START on the "
                                            "treadmill to begin."),
                         1);
        assert_int_equal(count_writes(&r, FTMS_CP_START_OR_RESUME), 0);
        assert_int_equal(sim_treadmill_state(r.t), SIM_BELT_IDLE);

        /* The runner presses START: the workout begins. */
        outcome_console(&r, SIM_CONSOLE_START);
        outcome_run_for(&r, 60);
        assert_int_equal(status(&r).state, ENGINE_STATE_RUNNING);
        assert_string_equal(next_action(&r), "");

        /* faster 0.3: the belt goes 0.3 km/h faster for the rest of the step. */
        double before = sim_treadmill_target_speed_kmh(r.t);
        assert_int_equal(workout_engine_adjust_speed(r.e, r.now, 0.3), 0);
        outcome_drain(&r);
        outcome_run_for(&r, 5);
        assert_true(sim_treadmill_target_speed_kmh(r.t) >= before + 0.3 - 0.15);

        /* pause: the belt stops (FTMS pause), the runner is told how to go on. */
        assert_int_equal(workout_engine_pause(r.e, r.now), 0);
        outcome_drain(&r);
        assert_string_equal(next_action(&r), "Press START on the treadmill to resume.");
        assert_int_equal(outcome_count_cues(&r, CUE_KIND_INFO,
                                            "Paused. Press START on the treadmill to resume."),
                         1);
        outcome_run_for(&r, 60);
        assert_int_equal(sim_treadmill_state(r.t), SIM_BELT_PAUSED);
        step = status(&r).step_index;
        elapsed = status(&r).elapsed_s;

        /* resume: paced may not start the belt; refused as NotPermitted (-EPERM),
         * not "Resource temporarily unavailable", and nothing is sent. */
        size_t writes = sim_treadmill_n_commands(r.t);
        assert_int_equal(workout_engine_resume(r.e, r.now), -EPERM);
        outcome_drain(&r);
        outcome_run_for(&r, 30);
        assert_int_equal(sim_treadmill_n_commands(r.t), writes);
        assert_int_equal(status(&r).state, ENGINE_STATE_PAUSED);
        assert_string_equal(next_action(&r), "Press START on the treadmill to resume.");

        /* START on the console: the same step, where it paused. */
        outcome_console(&r, SIM_CONSOLE_START);
        outcome_run_for(&r, 2);
        assert_int_equal(status(&r).state, ENGINE_STATE_RUNNING);
        assert_int_equal(status(&r).step_index, step);
        assert_true(fabs(status(&r).elapsed_s - elapsed) < 3);
        assert_int_equal(count_writes(&r, FTMS_CP_START_OR_RESUME), 0);
        outcome_rig_free(&r);
}

/* `start --arm` while the belt already moves: the workout begins, its first
 * change announced, instead of waiting forever for a start. */
static void test_arm_on_moving_belt(void **state)
{
        OutcomeMachine m = {.accel_kmhps = 0.8};
        ResolvedWorkout *rw;
        OutcomeRig r;
        uint64_t armed;

        assert_int_equal(outcome_rig_init(&r, "mile = 6:30", NULL, &m), 0);
        /* The runner is jogging at a speed of their own. */
        outcome_console(&r, SIM_CONSOLE_START);
        assert_int_equal(workout_engine_set_speed(r.e, r.now, 8.0), 0);
        outcome_drain(&r);
        outcome_run_for(&r, 30);
        assert_true(fabs(sim_treadmill_speed_kmh(r.t) - 8.0) < 0.05);

        rw = outcome_resolve_library(&r, "tempo-run");
        assert_non_null(rw);
        assert_int_equal(outcome_load(&r, rw), 0);
        assert_int_equal(workout_engine_arm(r.e, r.now), 0);
        armed = r.now;
        outcome_drain(&r);
        assert_int_equal(status(&r).state, ENGINE_STATE_RUNNING);
        assert_int_equal(status(&r).step_index, 0);
        assert_int_equal(outcome_count_cues(&r, CUE_KIND_INFO, "The belt is already moving"), 1);
        /* Its first change is announced and waits for the announcement. */
        assert_int_equal(outcome_count_cues(&r, CUE_KIND_UPCOMING, "Next: "), 1);
        outcome_run_for(&r, 4);
        assert_true(fabs(sim_treadmill_target_speed_kmh(r.t) - 8.0) < 0.05);
        outcome_run_for(&r, 30);
        assert_true(fabs(sim_treadmill_target_speed_kmh(r.t) - 8.0) > 0.05);
        assert_true(r.now - armed < 40 * USEC_PER_SEC);
        outcome_rig_free(&r);
}

/* A skip the runner meant for the step they saw never skips the next one: the
 * request arrives just after the boundary, which
 * once skipped a whole 400 m rep. "skip --to main" leaves the warm-up. */
static void test_skip_is_for_the_step_seen(void **state)
{
        OutcomeMachine m = {.accel_kmhps = 0.8};
        ResolvedWorkout *rw;
        OutcomeRig r;
        size_t main_set;
        int seen;

        assert_int_equal(outcome_rig_init(&r, "mile = 6:30", NULL, &m), 0);
        rw = outcome_resolve_library(&r, "intervals-6x400");
        assert_non_null(rw);
        assert_int_equal(outcome_load(&r, rw), 0);
        assert_int_equal(workout_engine_arm(r.e, r.now), 0);
        outcome_console(&r, SIM_CONSOLE_START);
        outcome_run_for(&r, 1);
        assert_int_equal(status(&r).state, ENGINE_STATE_RUNNING);

        /* skip --to main: from the warm-up to the first step after it. */
        assert_int_equal(resolved_workout_find(r.w, "main", &main_set), 0);
        assert_int_equal(r.w->steps[main_set - 1].kind, STEP_KIND_WARMUP);
        assert_true(r.w->steps[main_set].kind != STEP_KIND_WARMUP);
        assert_int_equal(workout_engine_skip_to(r.e, r.now, main_set), 0);
        outcome_drain(&r);
        assert_int_equal(status(&r).step_index, (int)main_set);
        /* Back is not forward. */
        assert_int_equal(workout_engine_skip_to(r.e, r.now, 0), -EINVAL);

        /* Run into the first 400 m rep, then to the last second of its recovery. */
        while (r.w->steps[status(&r).step_index].kind != STEP_KIND_RECOVERY ||
               r.w->steps[status(&r).step_index].end != STEP_END_DISTANCE)
                outcome_run_for(&r, 0.5);
        seen = status(&r).step_index;
        while (status(&r).step_index == seen)
                outcome_run_for(&r, 0.1);
        /* The runner pressed skip for the recovery they saw; it ended meanwhile:
         * the rep that began is not skipped. */
        assert_int_equal(workout_engine_skip_step(r.e, r.now, seen), -ESTALE);
        outcome_drain(&r);
        assert_int_equal(status(&r).step_index, seen + 1);
        assert_int_equal(r.w->steps[seen + 1].kind, STEP_KIND_ACTIVE);
        /* Skipping the step shown now works. */
        assert_int_equal(workout_engine_skip_step(r.e, r.now, seen + 1), 0);
        outcome_drain(&r);
        assert_int_equal(status(&r).step_index, seen + 2);
        outcome_rig_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_library_reps_at_target),
                cmocka_unit_test(test_mile_time_trial_result),
                cmocka_unit_test(test_slow_link_reps_at_target),
                cmocka_unit_test(test_start_pause_resume_shipped_config),
                cmocka_unit_test(test_arm_on_moving_belt),
                cmocka_unit_test(test_skip_is_for_the_step_seen),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
