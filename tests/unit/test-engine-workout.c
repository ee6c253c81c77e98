/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Whole workouts through the engine against the scripted fake treadmill in
 * virtual time: the exact control-point sequence of a 6x400 m session and a
 * mile time trial, step-change timing against the injected clock (with a
 * late-waking glue), ramps, strides run up early (and waited for on a slow
 * belt), pause/resume/skip/
 * extend and the manual override.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake-treadmill.h"

#define S(x) ((uint64_t)((x) * (double)USEC_PER_SEC))

static bool near(double a, double b, double eps)
{
        return fabs(a - b) <= eps;
}

static ResolvedWorkout *six_by_400(void)
{
        ResolvedStep steps[14];
        size_t n = 0;

        steps[n++] = rig_step_time(STEP_KIND_WARMUP, 300, 9.0);
        for (int i = 0; i < 6; i++) {
                steps[n++] = rig_step_dist(STEP_KIND_ACTIVE, 400, 16.0);
                steps[n++] = rig_step_time(STEP_KIND_RECOVERY, 90, 7.0);
        }
        steps[n++] = rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0);
        return rig_workout("6x400m", steps, n);
}

/* Every speed write is at most max_accel above/below the previous one and
 * at least a second later; nothing outside the envelope. */
static void assert_writes_sane(const Rig *r, double max_kmh, double max_step)
{
        double prev = NAN;
        uint64_t prev_t = 0;

        for (size_t i = 0; i < r->n_writes; i++) {
                const RigWrite *w = &r->writes[i];

                if (w->cmd.op != FTMS_CP_SET_TARGET_SPEED)
                        continue;
                assert_true(w->cmd.value <= max_kmh + 1e-9);
                assert_true(w->cmd.value >= 1.0 - 1e-9);
                if (isfinite(prev)) {
                        assert_true(fabs(w->cmd.value - prev) <= max_step + 1e-9);
                        assert_true(w->time_usec - prev_t >= USEC_PER_SEC);
                }
                prev = w->cmd.value;
                prev_t = w->time_usec;
        }
}

static void test_six_by_400_exact_sequence(void **state)
{
        static const double expected[] =
                {
                        3,  5,  7,  9,                         /* warm-up, ramped at 2 km/h/s */
                        11, 13, 15, 16, 14, 12, 10, 8,  7,     /* rep 1, recovery */
                        9,  11, 13, 15, 16, 14, 12, 10, 8,  7, /* reps 2..6 start from 7 */
                        9,  11, 13, 15, 16, 14, 12, 10, 8,  7,  9,  11, 13, 15,
                        16, 14, 12, 10, 8,  7,  9,  11, 13, 15, 16, 14, 12, 10,
                        8,  7,  9,  11, 13, 15, 16, 14, 12, 10, 8,  7,  8, /* cool-down */
                        6,  5, /* finished: announced, then slowed to cooldown_speed */
                };
        EngineConfig cfg;
        Rig r;
        uint64_t t_start, rec_start = 0;
        size_t k = 0, reps = 0;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        assert_int_equal(workout_engine_load(r.e, r.now, six_by_400()), 0);
        assert_int_equal(workout_engine_arm(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 2);
        /* Armed: nothing is written until the runner starts the belt. */
        assert_int_equal(r.n_writes, 0);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_ARMED);
        rig_console_start(&r, 1.0);
        t_start = r.now;
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_RUNNING);
        rig_run_for(&r, 2000);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);

        /* Request Control first, then exactly the expected speeds, nothing else. */
        assert_true(r.n_writes >= 1);
        assert_int_equal(r.writes[0].cmd.op, FTMS_CP_REQUEST_CONTROL);
        assert_int_equal(r.writes[0].time_usec, t_start);
        for (size_t i = 1; i < r.n_writes; i++) {
                assert_int_equal(r.writes[i].cmd.op, FTMS_CP_SET_TARGET_SPEED);
                assert_true(k < ELEMENTSOF(expected));
                assert_true(near(r.writes[i].cmd.value, expected[k], 1e-9));
                k++;
        }
        assert_int_equal(k, ELEMENTSOF(expected));
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_writes_sane(&r, 16.0, 2.0);

        /* The first change waits for its 5 s announcement. */
        assert_int_equal(r.writes[1].time_usec, t_start + S(5));
        /* Rep 1's run-up begins in the warm-up, as planned from the rate limit
         * (2 km/h/s: 9 -> 16 km/h is 6.9 / 2 + 1.5 s latency = 4.95 s early) ... */
        assert_int_equal(r.writes[5].time_usec, t_start + S(300) - S(4.95));
        /* ... and the warm-up still ends at exactly start + 300 s: the belt
         * was at speed, so rep 1 starts on time. */
        assert_non_null(rig_find_event(&r, ENGINE_EVENT_STEP_CHANGED, 0));
        for (size_t i = 0; i < r.n_events; i++)
                if (r.events[i].type == ENGINE_EVENT_STEP_CHANGED && r.events[i].step_index == 1)
                        assert_int_equal(r.events[i].time_usec, t_start + S(300));

        /* Recoveries are 90 s to the microsecond; reps are 400 m. */
        for (size_t i = 0; i < r.n_events; i++) {
                const EngineEvent *ev = &r.events[i];

                if (ev->type == ENGINE_EVENT_STEP_CHANGED && ev->step_index % 2 == 0 &&
                    ev->step_index > 0)
                        rec_start = ev->time_usec;
                if (ev->type == ENGINE_EVENT_STEP_CHANGED && ev->step_index % 2 == 1 &&
                    ev->step_index > 1)
                        assert_int_equal(ev->time_usec, rec_start + S(90));
                if (ev->type == ENGINE_EVENT_LAP && ev->lap.step_index % 2 == 1 &&
                    ev->lap.step_index < 13) {
                        assert_true(near(ev->lap.distance_m, 400, 1e-6));
                        /* 400 m at 16 km/h is 90 s: the run-up was done before it. */
                        assert_true(near(ev->lap.duration_s, 90, 0.3));
                        reps++;
                }
        }
        assert_int_equal(reps, 6);
        assert_int_equal(rig_count_events(&r, ENGINE_EVENT_LAP), 14);
        assert_int_equal(rig_count_events(&r, ENGINE_EVENT_CP_RESULT), 0);

        /* Every change was announced at least 4.5 s ahead (cue gate). */
        for (size_t i = 1; i < r.n_writes; i++) {
                bool announced = false;

                if (i > 1 && r.writes[i].time_usec - r.writes[i - 1].time_usec <= S(1))
                        continue; /* the rest of a ramp */
                for (size_t c = 0; c < r.n_cues; c++)
                        if (r.cues[c].kind == CUE_KIND_UPCOMING &&
                            r.cues[c].time_usec + S(4.5) <= r.writes[i].time_usec &&
                            r.cues[c].time_usec + S(10) > r.writes[i].time_usec)
                                announced = true;
                assert_true(announced);
        }
        rig_free(&r);
}

static void test_mile_time_trial(void **state)
{
        ResolvedStep steps[3] = {
                rig_step_time(STEP_KIND_WARMUP, 600, 9.0),
                rig_step_dist(STEP_KIND_TIME_TRIAL, METERS_PER_MILE, 15.0),
                rig_step_time(STEP_KIND_COOLDOWN, 300, 8.0),
        };
        EngineConfig cfg;
        Rig r;
        size_t n_auto = 0, n_tt = 0, n_result = 0;
        double tt_dist = 0, tt_time = 0;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        r.tm.report_distance = false; /* distance from integrated speed */
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("mile", steps, 3)), 0);
        rig_console_start(&r, 1.0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 1600);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);
        /* The belt was already running: start() sends no Start. */
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_writes_sane(&r, 15.0, 2.0);

        for (size_t i = 0; i < r.n_events; i++) {
                const EngineEvent *ev = &r.events[i];

                if (ev->type == ENGINE_EVENT_RESULT) {
                        /* The mile's time is the sum of its laps. */
                        assert_true(ev->result.complete);
                        assert_int_equal(ev->result.n_laps, 4);
                        assert_true(near(ev->result.time_s, tt_time, 1e-6));
                        assert_true(near(ev->result.distance_m, METERS_PER_MILE, 1e-9));
                        n_result++;
                }
                if (ev->type != ENGINE_EVENT_LAP || ev->lap.step_index != 1)
                        continue;
                n_tt++;
                /* Numbered from 1 in the trial. */
                assert_int_equal(ev->lap.trial_lap, n_tt);
                tt_dist += ev->lap.distance_m;
                tt_time += ev->lap.duration_s;
                /* Laps of a quarter mile: 400 m auto-laps adjusted to divide the
                 * mile into whole laps, never a 9 m sliver. */
                assert_true(near(ev->lap.distance_m, METERS_PER_MILE / 4, 1e-6));
                /* 402.336 m at 15 km/h = 96.6 s (+ the first lap's acceleration). */
                assert_true(ev->lap.duration_s > 96 && ev->lap.duration_s < 99.5);
                n_auto += ev->lap.automatic;
        }
        /* Three cut inside the step, the fourth is the step's own end. */
        assert_int_equal(n_auto, 3);
        assert_int_equal(n_tt, 4);
        assert_int_equal(n_result, 1);
        assert_true(near(tt_dist, METERS_PER_MILE, 1e-6));
        rig_free(&r);
}

/* A step's own prompts (Zwift text events, intervals.icu timed prompts)
 * come at their moment: 60 s into a time step, 900 m into a distance step,
 * once each, not when the step starts. */
static void test_prompts_at_their_moment(void **state)
{
        ResolvedStep steps[3] = {
                rig_step_time(STEP_KIND_WARMUP, 120, 9.0),
                rig_step_dist(STEP_KIND_ACTIVE, 1000, 12.0),
                rig_step_time(STEP_KIND_COOLDOWN, 60, 8.0),
        };
        uint64_t start[3] = {0};
        const Cue *half = NULL, *last = NULL;
        EngineConfig cfg;
        Rig r;

        steps[0].cues = calloc(1, sizeof(StepCue));
        steps[1].cues = calloc(1, sizeof(StepCue));
        assert_non_null(steps[0].cues);
        assert_non_null(steps[1].cues);
        steps[0].cues[0] = (StepCue){.at = 60, .text = strdup("Halfway there")};
        steps[0].n_cues = 1;
        steps[1].cues[0] = (StepCue){
                .at = 900, .at_distance = true, .text = strdup("Last 100 meters. Almost there!")};
        steps[1].n_cues = 1;
        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("prompts", steps, 3)), 0);
        rig_console_start(&r, 1.0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);
        start[0] = r.now;
        rig_run_for(&r, 600);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);

        for (size_t i = 0; i < r.n_events; i++)
                if (r.events[i].type == ENGINE_EVENT_STEP_CHANGED && r.events[i].step_index > 0 &&
                    r.events[i].step_index < 3)
                        start[r.events[i].step_index] = r.events[i].time_usec;
        for (size_t i = 0; i < r.n_cues; i++) {
                if (r.cues[i].kind != CUE_KIND_PROMPT)
                        continue;
                if (streq(r.cues[i].text, "Halfway there")) {
                        assert_null(half);
                        half = &r.cues[i];
                } else if (streq(r.cues[i].text, "Last 100 meters. Almost there!")) {
                        assert_null(last);
                        last = &r.cues[i];
                } else
                        fail_msg("unexpected prompt '%s'", r.cues[i].text);
        }
        assert_non_null(half);
        assert_non_null(last);
        assert_int_equal(half->step_index, 0);
        assert_true(half->time_usec >= start[0] + S(60) && half->time_usec <= start[0] + S(61));
        /* 900 m at 12 km/h is 270 s (plus the belt's acceleration), and
         * always before the 1000 m are done. */
        assert_int_equal(last->step_index, 1);
        assert_true(last->time_usec >= start[1] + S(270));
        assert_true(last->time_usec < start[2]);
        assert_true(start[2] - last->time_usec >= S(20) && start[2] - last->time_usec <= S(32));
        rig_free(&r);
}

/* A glue whose timer fires late every time: boundaries must not drift. */
static void test_step_timing_no_drift_with_late_ticks(void **state)
{
        ResolvedStep steps[20];
        EngineConfig cfg;
        Rig r;
        uint64_t t0;
        EngineStatus st;
        size_t changes = 0;

        for (int i = 0; i < 20; i++)
                steps[i] = rig_step_time(STEP_KIND_ACTIVE, 30, i % 2 ? 12.0 : 10.0);
        engine_config_init(&cfg);
        cfg.cues = false;
        rig_init_with(&r, &cfg, true);
        r.tm.report_data = false; /* only the engine's own deadlines drive it */
        r.tm.running = true;
        rig_status(&r, FTMS_STATUS_STARTED_OR_RESUMED, 0);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("drift", steps, 20)), 0);
        t0 = r.now;
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);

        while (workout_engine_get_state(r.e) == ENGINE_STATE_RUNNING) {
                uint64_t d = workout_engine_next_deadline(r.e);

                assert_true(d != USEC_INFINITY);
                assert_true(d > r.now);
                r.now = d + 300 * USEC_PER_MSEC; /* 300 ms late, every time */
                if (r.pending) {
                        TransportEvent ev = {.type = TRANSPORT_EVENT_CP_RESPONSE};

                        r.pending = false;
                        ev.cp_response.request_op = r.pending_cmd.op;
                        ev.cp_response.result = FTMS_RESULT_SUCCESS;
                        rig_emit(&r, &ev);
                }
                workout_engine_tick(r.e, r.now);
                rig_drain(&r);
                assert_true(r.now < t0 + S(700));
        }
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);
        for (size_t i = 0; i < r.n_events; i++) {
                const EngineEvent *ev = &r.events[i];

                if (ev->type == ENGINE_EVENT_STEP_CHANGED) {
                        /* Step k is noticed 300 ms late at most, never later. */
                        uint64_t due = t0 + S(30) * (uint64_t)ev->step_index;

                        assert_true(ev->time_usec >= due);
                        assert_true(ev->time_usec <= due + 300 * USEC_PER_MSEC);
                        changes++;
                }
                if (ev->type == ENGINE_EVENT_LAP)
                        assert_true(near(ev->lap.duration_s, 30.0, 1e-9));
        }
        assert_int_equal(changes, 20);
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(near(st.elapsed_s, 600.0, 1e-9));
        rig_free(&r);
}

static void test_ramp_at_increment_not_faster_than_1hz(void **state)
{
        ResolvedStep s = rig_step_time(STEP_KIND_ACTIVE, 120, 8.0);
        EngineConfig cfg;
        Rig r;
        size_t n = 0;
        double prev = NAN;
        uint64_t prev_t = 0;

        s.speed_end_kmh = 12.0;
        engine_config_init(&cfg);
        cfg.cues = false;
        cfg.shutdown_policy = ENGINE_SHUTDOWN_NONE; /* the ramp only, not the stop after it */
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 8.0);
        rig_run_for(&r, 5);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("ramp", &s, 1)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 121);
        for (size_t i = 0; i < r.n_writes; i++) {
                if (r.writes[i].cmd.op != FTMS_CP_SET_TARGET_SPEED)
                        continue;
                if (isfinite(prev)) {
                        assert_true(r.writes[i].cmd.value > prev);
                        assert_true(near(r.writes[i].cmd.value - prev, 0.1, 1e-6));
                        assert_true(r.writes[i].time_usec - prev_t >= USEC_PER_SEC);
                }
                prev = r.writes[i].cmd.value;
                prev_t = r.writes[i].time_usec;
                n++;
        }
        /* 8.0 .. 12.0 in 0.1 steps: about 40 updates, one every ~3 s. */
        assert_true(n >= 38 && n <= 42);
        assert_true(near(prev, 12.0, 0.1 + 1e-9));
        rig_free(&r);
}

/* The lap of step idx (the last one recorded for it). */
static const EngineLap *step_lap(const Rig *r, int idx)
{
        for (size_t i = r->n_events; i > 0; i--)
                if (r->events[i - 1].type == ENGINE_EVENT_LAP &&
                    r->events[i - 1].lap.step_index == idx)
                        return &r->events[i - 1].lap;
        return NULL;
}

static void test_short_reps_run_up_early(void **state)
{
        ResolvedStep steps[6];
        EngineConfig cfg;
        Rig r;
        int stride = 0;
        uint64_t t0;

        for (int i = 0; i < 3; i++) {
                steps[2 * i] = rig_step_time(STEP_KIND_RECOVERY, 60, 10.0);
                steps[2 * i + 1] = rig_step_time(STEP_KIND_STRIDE, 20, 18.0);
        }
        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        /* Already running at 10 km/h: nothing measured before the first stride. */
        r.tm.speed_kmh = 10.0;
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 5);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("strides", steps, 6)), 0);
        assert_int_equal(rig_start(&r), 0);
        t0 = r.now;
        rig_drain(&r);
        rig_run_for(&r, 250);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);

        for (size_t i = 0; i < r.n_events; i++) {
                const EngineEvent *ev = &r.events[i];
                uint64_t first_up = 0;

                if (ev->type != ENGINE_EVENT_STEP_CHANGED || ev->step_index % 2 != 1)
                        continue;
                stride++;
                /* The first write of 12 km/h towards 18 km/h. */
                for (size_t w = 0; w < r.n_writes; w++)
                        if (r.writes[w].cmd.op == FTMS_CP_SET_TARGET_SPEED &&
                            near(r.writes[w].cmd.value, 12.0, 1e-9) &&
                            r.writes[w].time_usec + S(10) > ev->time_usec &&
                            r.writes[w].time_usec < ev->time_usec + S(10)) {
                                first_up = r.writes[w].time_usec;
                                break;
                        }
                /* The run-up starts in the recovery, planned from the rate limit
                 * (2 km/h/s: 7.9 / 2 + 1.5 s latency = 5.45 s; later with the
                 * belt's measured acceleration, never more than the limit), and
                 * the belt is at speed when the stride starts, on time. */
                if (stride == 1)
                        assert_int_equal(first_up, ev->time_usec - S(5.45));
                else
                        assert_true(first_up <= ev->time_usec - S(5.45) &&
                                    first_up >= ev->time_usec - S(8));
                assert_int_equal(ev->time_usec, t0 + S(80 * stride - 20));
                assert_true(step_lap(&r, ev->step_index - 1)->duration_s == 60);
        }
        assert_int_equal(stride, 3);
        for (int i = 1; i < 6; i += 2)
                assert_true(step_lap(&r, i)->time_at_target_s >= 19.0);
        rig_free(&r);
}

static void test_short_reps_wait_for_a_slow_belt(void **state)
{
        ResolvedStep steps[6];
        EngineConfig cfg;
        Rig r;

        for (int i = 0; i < 3; i++) {
                steps[2 * i] = rig_step_time(STEP_KIND_RECOVERY, 60, 10.0);
                steps[2 * i + 1] = rig_step_time(STEP_KIND_STRIDE, 20, 18.0);
        }
        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        /* A belt slower than the rate limit: 0.5 km/h/s against 2 km/h/s,
         * already at 10 km/h (nothing measured before the first stride). */
        r.tm.accel_kmhps = 0.5;
        r.tm.speed_kmh = 10.0;
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 5);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("strides", steps, 6)), 0);
        assert_int_equal(workout_engine_start(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 300);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);

        /* Planned from the rate limit, the first run-up is too short: the stride
         * waits for the belt (the recovery runs on, at the stride's speed) ... */
        assert_true(step_lap(&r, 0)->duration_s > 65);
        assert_int_equal(rig_count_events(&r, ENGINE_EVENT_STEP_CHANGED), 6);
        /* ... the next ones start early enough with the measured acceleration
         * ((18 - 10 - 0.1) / 0.5 + 1.5 = 17.3 s) and begin on time ... */
        assert_true(near(step_lap(&r, 2)->duration_s, 60, 1.1));
        assert_true(near(step_lap(&r, 4)->duration_s, 60, 1.1));
        /* ... and every stride is run at its speed. */
        for (int i = 1; i < 6; i += 2)
                assert_true(step_lap(&r, i)->time_at_target_s >= 18.0);
        rig_free(&r);
}

static void test_pause_resume_skip_extend(void **state)
{
        ResolvedStep steps[3] = {
                rig_step_time(STEP_KIND_ACTIVE, 60, 10.0),
                rig_step_time(STEP_KIND_ACTIVE, 60, 11.0),
                rig_step_time(STEP_KIND_ACTIVE, 60, 12.0),
        };
        EngineConfig cfg;
        EngineStatus st;
        Rig r;
        size_t w;

        engine_config_init(&cfg);
        cfg.cues = false;
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 3);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("prse", steps, 3)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 20);

        /* pause: the belt is paused over FTMS, the clock stops */
        w = r.n_writes;
        assert_int_equal(workout_engine_pause(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 1);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_STOP_OR_PAUSE, w), 1);
        rig_status(&r, FTMS_STATUS_STOPPED_OR_PAUSED, FTMS_STOP_PARAM_PAUSE);
        rig_run_for(&r, 100);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(st.step_index, 0);
        assert_true(near(st.step_elapsed_s, 20.0, 1e-9));
        /* resume without remote start: refused, nothing written, still paused */
        w = r.n_writes;
        assert_int_equal(rig_resume(&r), -EPERM);
        rig_drain(&r);
        rig_run_for(&r, 10);
        assert_int_equal(r.n_writes, w);
        /* the runner starts the belt: same step, same place */
        rig_console_start(&r, 3.0);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        assert_int_equal(st.step_index, 0);
        assert_true(near(st.step_elapsed_s, 20.0, 1e-9));
        rig_run_for(&r, 10);
        assert_true(near(rig_last_speed_written(&r), 10.0, 1e-9));

        /* extend by 30 s: step 0 ends at 60 + 30 s of running time */
        assert_int_equal(workout_engine_extend(r.e, r.now, 30), 0);
        rig_run_for(&r, 59.5);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.step_index, 0);
        rig_run_for(&r, 1);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.step_index, 1);
        /* skip: step 2 now */
        assert_int_equal(workout_engine_skip(r.e, r.now), 0);
        rig_drain(&r);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.step_index, 2);
        assert_true(near(st.step_elapsed_s, 0, 1e-9));
        rig_run_for(&r, 61);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        rig_free(&r);
}

static void test_manual_override_for_rest_of_step(void **state)
{
        ResolvedStep steps[2] = {
                rig_step_time(STEP_KIND_ACTIVE, 60, 10.0),
                rig_step_time(STEP_KIND_ACTIVE, 60, 11.0),
        };
        EngineConfig cfg;
        EngineStatus st;
        Rig r;

        engine_config_init(&cfg);
        cfg.cues = false;
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 3);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("ovr", steps, 2)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 10);
        assert_int_equal(workout_engine_adjust_speed(r.e, r.now, 0.5), 0);
        rig_drain(&r);
        rig_run_for(&r, 5);
        assert_true(near(rig_last_speed_written(&r), 10.5, 1e-9));
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(near(st.override_kmh, 0.5, 1e-9));
        assert_true(near(st.target_speed_kmh, 10.5, 1e-9));
        /* The override ends with the step. */
        rig_run_for(&r, 50);
        assert_true(near(rig_last_speed_written(&r), 11.0, 1e-9));
        rig_free(&r);
}

static void test_status_and_strings(void **state)
{
        EngineConfig cfg;
        EngineStatus st;
        Rig r;

        engine_config_init(&cfg);
        rig_init_with(&r, &cfg, true);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_IDLE);
        assert_int_equal(st.step_index, -1);
        assert_true(st.link_up);
        assert_int_equal(rig_start(&r), -ENOENT);
        assert_int_equal(workout_engine_arm(r.e, r.now), -ENOENT);
        for (int i = 0; i < _ENGINE_STATE_MAX; i++)
                assert_int_equal(engine_state_from_string(engine_state_to_string(i)), i);
        for (int i = 0; i < _ENGINE_EVENT_TYPE_MAX; i++)
                assert_non_null(engine_event_type_to_string(i));
        for (int i = 0; i < _ENGINE_PAUSE_REASON_MAX; i++)
                assert_non_null(engine_pause_reason_to_string(i));
        for (int i = 0; i < _ENGINE_SAFETY_RULE_MAX; i++)
                assert_non_null(engine_safety_rule_to_string(i));
        for (int i = 0; i < _ENGINE_SHUTDOWN_POLICY_MAX; i++)
                assert_int_equal(
                        engine_shutdown_policy_from_string(engine_shutdown_policy_to_string(i)), i);
        assert_int_equal(engine_state_from_string("bogus"), -EINVAL);
        rig_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_six_by_400_exact_sequence),
                cmocka_unit_test(test_mile_time_trial),
                cmocka_unit_test(test_step_timing_no_drift_with_late_ticks),
                cmocka_unit_test(test_ramp_at_increment_not_faster_than_1hz),
                cmocka_unit_test(test_short_reps_run_up_early),
                cmocka_unit_test(test_short_reps_wait_for_a_slow_belt),
                cmocka_unit_test(test_pause_resume_skip_extend),
                cmocka_unit_test(test_manual_override_for_rest_of_step),
                cmocka_unit_test(test_status_and_strings),
                cmocka_unit_test(test_prompts_at_their_moment),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
