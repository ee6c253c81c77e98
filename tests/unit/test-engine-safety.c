/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One test per safety rule of the engine, each written so that it fails if
 * the rule is removed: caps (configured and machine), the override under the
 * caps, rate limit, HR ceiling (over the user's override), HR signal loss,
 * link loss and reconnect, console stop / safety key (never restart the
 * belt), remote start only when allowed, no unannounced change, no command
 * to a stopped belt, shutdown, crash recovery, bad commands, calibration,
 * the mph quirk, the "speed control does not work" diagnostic, monitor-only
 * and permission loss.
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

static EngineConfig quiet_config(void)
{
        EngineConfig cfg;

        engine_config_init(&cfg);
        cfg.cues = false; /* most rules are easier to see without the cue gate */
        return cfg;
}

/* Link up, belt running at `kmh`, workout started. */
static void start_running(Rig *r, const EngineConfig *cfg, ResolvedWorkout *w, double kmh)
{
        rig_init_with(r, cfg, true);
        rig_console_start(r, kmh);
        rig_run_for(r, 10); /* the belt settles at kmh */
        assert_int_equal(workout_engine_load(r->e, r->now, w), 0);
        assert_int_equal(rig_start(r), 0);
        rig_drain(r);
}

static ResolvedWorkout *one_step(double seconds, double kmh)
{
        ResolvedStep s = rig_step_time(STEP_KIND_ACTIVE, seconds, kmh);
        return rig_workout("one", &s, 1);
}

static void test_cap_clamps_workout_and_reports(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *ev;
        Rig r;

        cfg.safety.max_speed_kmh = 14.0;
        start_running(&r, &cfg, one_step(120, 17.5), 10.0);
        rig_run_for(&r, 60);
        assert_true(rig_max_speed_written(&r, 0) <= 14.0 + 1e-9);
        assert_true(near(rig_last_speed_written(&r), 14.0, 1e-9));
        ev = rig_find_event(&r, ENGINE_EVENT_CLAMP, 0);
        assert_non_null(ev);
        assert_true(near(ev->requested, 17.5, 1e-9));
        assert_true(near(ev->applied, 14.0, 1e-9));
        rig_free(&r);
}

static void test_machine_range_caps(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        rig_init_with(&r, &cfg, false);
        r.caps.speed_range.max = 12.0; /* below the configured 20 */
        rig_link(&r, true);
        rig_console_start(&r, 8.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(120, 15.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 60);
        assert_true(rig_max_speed_written(&r, 0) <= 12.0 + 1e-9);
        assert_true(near(rig_last_speed_written(&r), 12.0, 1e-9));
        assert_non_null(rig_find_event(&r, ENGINE_EVENT_CLAMP, 0));
        rig_free(&r);
}

static void test_override_stays_under_cap(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        cfg.safety.max_speed_kmh = 13.0;
        start_running(&r, &cfg, one_step(300, 12.0), 12.0);
        rig_run_for(&r, 10);
        /* 1: the override was limited to what reaches the cap, and says so. */
        assert_int_equal(workout_engine_adjust_speed(r.e, r.now, 5.0), 1);
        assert_int_equal(workout_engine_set_speed(r.e, r.now, 19.0), 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        assert_true(rig_max_speed_written(&r, 0) <= 13.0 + 1e-9);
        rig_free(&r);
}

static void test_incline_capped_and_rate_limited(void **state)
{
        ResolvedStep st = rig_step_time(STEP_KIND_ACTIVE, 120, 10.0);
        EngineConfig cfg = quiet_config();
        double prev = NAN, max = -1;
        uint64_t prev_t = 0;
        size_t n = 0;
        Rig r;

        st.has_incline = true;
        st.incline_start_pct = st.incline_end_pct = 12.0;
        cfg.safety.max_incline_pct = 8.0;
        cfg.safety.max_incline_rate_pps = 0.5;
        start_running(&r, &cfg, rig_workout("hill", &st, 1), 10.0);
        rig_run_for(&r, 60);
        for (size_t i = 0; i < r.n_writes; i++) {
                if (r.writes[i].cmd.op != FTMS_CP_SET_TARGET_INCLINATION)
                        continue;
                if (isfinite(prev)) {
                        double dt = (double)(r.writes[i].time_usec - prev_t) / USEC_PER_SEC;
                        assert_true(r.writes[i].cmd.value - prev <= 0.5 * dt + 1e-9);
                }
                max = fmax(max, r.writes[i].cmd.value);
                prev = r.writes[i].cmd.value;
                prev_t = r.writes[i].time_usec;
                n++;
        }
        /* 0 % to the 8 % cap in 0.5 % steps: 16 writes, never above 8. */
        assert_int_equal(n, 16);
        assert_true(near(max, 8.0, 1e-9));
        assert_true(near(r.tm.incline_pct, 8.0, 1e-9));
        rig_free(&r);
}

static void test_rate_limit(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;
        double prev = NAN;
        uint64_t prev_t = 0;
        size_t n = 0;

        cfg.safety.max_accel_kmhps = 0.5;
        start_running(&r, &cfg, one_step(120, 16.0), 8.0);
        rig_run_for(&r, 60);
        for (size_t i = 0; i < r.n_writes; i++) {
                if (r.writes[i].cmd.op != FTMS_CP_SET_TARGET_SPEED)
                        continue;
                if (isfinite(prev)) {
                        double dt = (double)(r.writes[i].time_usec - prev_t) / USEC_PER_SEC;
                        assert_true(r.writes[i].cmd.value - prev <= 0.5 * dt + 1e-9);
                }
                prev = r.writes[i].cmd.value;
                prev_t = r.writes[i].time_usec;
                n++;
        }
        /* From the belt's 8.0 to 16.0 at 0.5 km/h per second: 16 commands. */
        assert_int_equal(n, 16);
        /* The first one too: measured 8.0 + 0.5. */
        assert_true(near(r.writes[1].cmd.value, 8.5, 1e-9));
        rig_free(&r);
}

/*
 * A late echo: the treadmill's Target Speed Changed notice for an older
 * command arrives after the response to a newer one (two characteristics,
 * no order between them over BlueZ). It is not what the treadmill accepted
 * now: the next step goes on from the newest accepted target, within
 * max_accel, never back to the old value (seen in e2e: 16.4 -> 15.4).
 */
static void test_late_echo_does_not_move_the_rate_reference(void **state)
{
        EngineConfig cfg = quiet_config();
        TransportEvent echo = {
                .type = TRANSPORT_EVENT_MACHINE_STATUS,
                .role = TRANSPORT_ROLE_TREADMILL,
                .status = {.op = FTMS_STATUS_TARGET_SPEED_CHANGED, .known = true},
        };
        double older = NAN, prev = NAN;
        uint64_t prev_t = 0;
        size_t i, w, seen = 0;

        Rig r;

        cfg.safety.max_accel_kmhps = 0.5;
        start_running(&r, &cfg, one_step(120, 16.0), 8.0);
        rig_run_for(&r, 10);
        /* The speed written four commands ago, echoed now. */
        for (i = r.n_writes; i-- > 0;)
                if (r.writes[i].cmd.op == FTMS_CP_SET_TARGET_SPEED && ++seen == 4) {
                        older = r.writes[i].cmd.value;
                        break;
                }
        assert_true(isfinite(older));
        w = r.n_writes;
        echo.time_usec = r.now;
        echo.status.value = older;
        rig_emit(&r, &echo);
        rig_run_for(&r, 10);
        seen = 0;
        for (i = 0; i < r.n_writes; i++) {
                if (r.writes[i].cmd.op != FTMS_CP_SET_TARGET_SPEED)
                        continue;
                if (isfinite(prev)) {
                        double dt = (double)(r.writes[i].time_usec - prev_t) / USEC_PER_SEC;

                        assert_true(fabs(r.writes[i].cmd.value - prev) <= 0.5 * dt + 1e-9);
                        if (i >= w) {
                                /* Still on its way up to 16, never back down. */
                                assert_true(r.writes[i].cmd.value >= prev - 1e-9);
                                seen++;
                        }
                }
                prev = r.writes[i].cmd.value;
                prev_t = r.writes[i].time_usec;
        }
        assert_true(seen > 0);
        rig_free(&r);
}

/*
 * An answer lost: the treadmill carried out a speed command but its answer
 * never came, so what it accepted is known only up to the command before.
 * The belt heads for the newer value: the next step, even in the other
 * direction, is within max_accel of it, not of the older accepted one.
 */
static void test_lost_answer_steps_from_the_last_command(void **state)
{
        EngineConfig cfg = quiet_config();
        double prev = NAN, lost = NAN;
        uint64_t prev_t = 0;
        size_t w, after = 0;
        Rig r;

        cfg.safety.max_accel_kmhps = 0.5;
        start_running(&r, &cfg, one_step(300, 14.0), 10.0);
        rig_run_for(&r, 3.5);
        /* The next command goes out and is carried out; its answers (to
         * the retries too) are lost, until the engine gives up on it. */
        r.tm.lose_answers = true;
        w = r.n_writes;
        for (int i = 0; i < 60 && !rig_find_event(&r, ENGINE_EVENT_CP_RESULT, 0); i++)
                rig_run_for(&r, 0.5);
        assert_non_null(rig_find_event(&r, ENGINE_EVENT_CP_RESULT, 0));
        for (size_t i = w; i < r.n_writes; i++)
                if (r.writes[i].cmd.op == FTMS_CP_SET_TARGET_SPEED)
                        lost = r.writes[i].cmd.value;
        assert_true(isfinite(lost));
        assert_true(near(r.tm.target_kmh, lost, 1e-9));
        r.tm.lose_answers = false;
        /* The runner asks for much slower at once. */
        assert_int_equal(workout_engine_set_speed(r.e, r.now, 6.0), 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        for (size_t i = 0; i < r.n_writes; i++) {
                if (r.writes[i].cmd.op != FTMS_CP_SET_TARGET_SPEED)
                        continue;
                if (isfinite(prev) && fabs(r.writes[i].cmd.value - prev) > 1e-9) {
                        double dt = (double)(r.writes[i].time_usec - prev_t) / USEC_PER_SEC;

                        assert_true(fabs(r.writes[i].cmd.value - prev) <=
                                    0.5 * fmin(dt, 1.0) + 1e-9);
                        after += i > w;
                }
                prev = r.writes[i].cmd.value;
                prev_t = r.writes[i].time_usec;
        }
        /* It did come down, step by step, to the runner's speed. */
        assert_true(after > 0);
        assert_true(near(rig_last_speed_written(&r), 6.0, 1e-9));
        rig_free(&r);
}

static void test_hr_ceiling_beats_override_and_releases(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *ev;
        Rig r;
        size_t w;

        cfg.safety.hr_ceiling_bpm = 180;
        cfg.safety.hr_ceiling_hold_usec = S(10);
        cfg.safety.hr_ceiling_hysteresis_bpm = 8;
        cfg.safety.recovery_speed_kmh = 6.0;
        start_running(&r, &cfg, one_step(600, 14.0), 14.0);
        rig_run_for(&r, 10);
        assert_int_equal(workout_engine_adjust_speed(r.e, r.now, 1.0), 0); /* user: 15 */
        rig_drain(&r);
        rig_run_for(&r, 10);
        assert_true(near(rig_last_speed_written(&r), 15.0, 1e-9));

        /* 185 bpm for 9 s: not yet. */
        for (int i = 0; i < 9; i++) {
                rig_send_hr(&r, 185);
                rig_run_for(&r, 1);
        }
        assert_null(rig_find_event(&r, ENGINE_EVENT_SAFETY, 0));
        w = r.n_writes;
        for (int i = 0; i < 3; i++) {
                rig_send_hr(&r, 185);
                rig_run_for(&r, 1);
        }
        ev = rig_find_event(&r, ENGINE_EVENT_SAFETY, 0);
        assert_non_null(ev);
        assert_int_equal(ev->rule, ENGINE_SAFETY_HR_CEILING);
        assert_true(ev->active);
        rig_run_for(&r, 10);
        /* Down to the recovery speed, override or not, and immediately (no cue wait). */
        assert_true(near(rig_last_speed_written(&r), 6.0, 1e-9));
        assert_true(r.writes[w].time_usec <= ev->time_usec + S(1));
        /* 175 is under the ceiling but inside the hysteresis: stay slow. */
        for (int i = 0; i < 10; i++) {
                rig_send_hr(&r, 175);
                rig_run_for(&r, 1);
        }
        assert_true(near(rig_last_speed_written(&r), 6.0, 1e-9));
        rig_send_hr(&r, 170);
        rig_run_for(&r, 10);
        assert_true(rig_last_speed_written(&r) > 6.0 + 1e-9);
        rig_free(&r);
}

static ResolvedWorkout *hr_workout(double seconds)
{
        ResolvedStep s = rig_step_time(STEP_KIND_ACTIVE, seconds, 0);

        s.control = STEP_CONTROL_HR;
        s.hr_lo_bpm = 140;
        s.hr_hi_bpm = 150;
        s.hr_fallback_kmh = 9.0;
        snprintf(s.label, sizeof(s.label), "HR 140-150");
        return rig_workout("hr", &s, 1);
}

static void test_hr_lost_holds_then_falls_back(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *ev;
        EngineStatus st;
        Rig r;

        cfg.safety.hr_lost_timeout_usec = S(5);
        cfg.safety.hr_lost_hold_usec = S(30);
        start_running(&r, &cfg, hr_workout(1200), 9.0);
        r.tm.hr_enabled = true;
        r.tm.hr_bpm = 120; /* too low: the controller speeds up */
        r.tm.hr_gain = 0;
        r.tm.hr_rest = 120;
        rig_run_for(&r, 200);
        assert_true(rig_last_speed_written(&r) > 9.5);
        double held = rig_last_speed_written(&r);

        /* The strap goes silent. */
        r.tm.hr_silent = true;
        rig_run_for(&r, 6);
        ev = rig_find_event(&r, ENGINE_EVENT_SAFETY, 0);
        assert_non_null(ev);
        assert_int_equal(ev->rule, ENGINE_SAFETY_HR_LOST);
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(st.hr_lost);
        rig_run_for(&r, 20);
        /* Held: no change during the hold. */
        assert_true(near(rig_last_speed_written(&r), held, 1e-9));
        rig_run_for(&r, 15);
        /* Then the step's fallback pace. */
        assert_true(near(rig_last_speed_written(&r), 9.0, 1e-9));
        rig_free(&r);
}

static void test_link_lost_pauses_reconnect_reapplies_if_running(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *ev;
        EngineStatus st;
        Rig r;
        size_t w, e0;

        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        rig_run_for(&r, 30);
        e0 = r.n_events;
        rig_link(&r, false);
        /* The link event says which way the link went (what the session stores). */
        ev = rig_find_event(&r, ENGINE_EVENT_LINK, e0);
        assert_non_null(ev);
        assert_true(ev->value == 0);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(st.pause_reason, ENGINE_PAUSE_LINK_LOST);
        assert_non_null(rig_find_event(&r, ENGINE_EVENT_SAFETY, 0));
        double elapsed = st.step_elapsed_s;
        rig_run_for(&r, 20);
        /* The runner kept running; the link comes back. */
        w = r.n_writes;
        e0 = r.n_events;
        rig_link(&r, true);
        ev = rig_find_event(&r, ENGINE_EVENT_LINK, e0);
        assert_non_null(ev);
        assert_true(ev->value == 1);
        rig_run_for(&r, 5);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        assert_int_equal(st.step_index, 0);
        assert_true(st.step_elapsed_s < elapsed + 6);
        /* Control first, then the target again. */
        assert_int_equal(r.writes[w].cmd.op, FTMS_CP_REQUEST_CONTROL);
        assert_true(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w) >= 1);
        assert_true(near(rig_last_speed_written(&r), 12.0, 1e-9));
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        rig_free(&r);
}

static void test_link_reconnect_with_belt_stopped_sends_nothing(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineStatus st;
        Rig r;
        size_t w;

        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        rig_run_for(&r, 30);
        rig_link(&r, false);
        r.tm.running = false; /* the runner stopped meanwhile */
        r.tm.target_kmh = 0;
        rig_run_for(&r, 20);
        w = r.n_writes;
        rig_link(&r, true);
        rig_run_for(&r, 30);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w), 0);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        rig_free(&r);
}

/*
 * The runner paused the belt while the link was down and it comes back
 * while the belt is still slowing down: speed alone looks like a running
 * belt, but the machine's Training Status (read at link-up) says idle.
 * Nothing is commanded until the runner starts the belt again.
 */
static void test_link_reconnect_while_belt_slows_sends_nothing(void **state)
{
        EngineConfig cfg = quiet_config();
        TransportEvent idle = {
                .type = TRANSPORT_EVENT_TRAINING_STATUS,
                .role = TRANSPORT_ROLE_TREADMILL,
                .training = {.status = FTMS_TRAINING_IDLE},
        };
        EngineStatus st;
        Rig r;
        size_t w;

        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        rig_run_for(&r, 30);
        r.tm.accel_kmhps = 0.5; /* 24 s from 12 km/h to a standstill */
        rig_link(&r, false);
        r.tm.running = false;
        r.tm.target_kmh = 0;
        rig_run_for(&r, 2);
        w = r.n_writes;
        rig_link(&r, true);
        rig_emit(&r, &idle);
        rig_run_for(&r, 10);
        assert_true(r.tm.speed_kmh > 1); /* still moving */
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        rig_run_for(&r, 30);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w), 0);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        /* The runner starts it again: the workout goes on. */
        rig_console_start(&r, 5.0);
        rig_run_for(&r, 5);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        rig_free(&r);
}

/*
 * A workout started before the treadmill connects; the machine says idle at
 * link-up and its belt stands still: an ordinary stopped belt, which a
 * workout with allow_remote_start starts (nothing to wait for).
 */
static void test_first_connect_idle_at_rest_starts_workout(void **state)
{
        EngineConfig cfg = quiet_config();
        TransportEvent idle = {
                .type = TRANSPORT_EVENT_TRAINING_STATUS,
                .role = TRANSPORT_ROLE_TREADMILL,
                .training = {.status = FTMS_TRAINING_IDLE},
        };
        EngineStatus st;
        Rig r;

        cfg.allow_remote_start = true;
        /* As paced --run does: started as soon as the link is up, before
         * the first record and before the idle Training Status is read. */
        rig_init_with(&r, &cfg, true);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 9.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_emit(&r, &idle);
        rig_run_for(&r, 30);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        assert_true(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0) >= 1);
        assert_true(r.tm.running);
        assert_true(r.tm.speed_kmh > 5.0);
        rig_free(&r);
}

/*
 * The same first connection to a belt still coasting after a console stop
 * made before paced connected: idle but moving, which speed alone would
 * take for a running belt. Nothing is sent until the runner starts it.
 */
static void test_first_connect_idle_coasting_sends_nothing(void **state)
{
        EngineConfig cfg = quiet_config();
        TransportEvent idle = {
                .type = TRANSPORT_EVENT_TRAINING_STATUS,
                .role = TRANSPORT_ROLE_TREADMILL,
                .training = {.status = FTMS_TRAINING_IDLE},
        };
        EngineStatus st;
        Rig r;

        cfg.allow_remote_start = false; /* the default: only the runner starts it */
        rig_init_with(&r, &cfg, false);
        r.tm.accel_kmhps = 0.5;
        r.tm.running = false;
        r.tm.speed_kmh = 10.0; /* coasting down from 10 km/h */
        r.tm.target_kmh = 0;
        rig_link(&r, true);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 9.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_emit(&r, &idle);
        rig_run_for(&r, 60);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_not_equal(st.state, ENGINE_STATE_RUNNING);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, 0), 0);
        rig_free(&r);
}

static void console_or_key_stop(bool key)
{
        EngineConfig cfg = quiet_config();
        EngineStatus st;
        Rig r;
        size_t w;

        cfg.allow_remote_start = false;
        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        rig_run_for(&r, 30);
        w = r.n_writes;
        r.tm.running = false;
        r.tm.target_kmh = 0;
        if (key)
                rig_status(&r, FTMS_STATUS_STOPPED_SAFETY_KEY, 0);
        else
                rig_status(&r, FTMS_STATUS_STOPPED_OR_PAUSED, FTMS_STOP_PARAM_STOP);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(st.pause_reason, key ? ENGINE_PAUSE_SAFETY_KEY : ENGINE_PAUSE_CONSOLE);
        double elapsed = st.step_elapsed_s;
        /* Minutes pass, the user even asks to resume: the belt stays stopped. */
        rig_run_for(&r, 120);
        /* Refused: paced may not start this belt (no remote start; after a
         * safety-key stop not even with it, the key may still be out). */
        assert_int_equal(rig_resume(&r), -EPERM);
        rig_drain(&r);
        rig_run_for(&r, 60);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w), 0);
        assert_false(r.tm.running);
        /* The runner restarts it: same step, where it stopped. */
        rig_console_start(&r, 2.0);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        assert_int_equal(st.step_index, 0);
        assert_true(near(st.step_elapsed_s, elapsed, 1e-6));
        rig_run_for(&r, 10);
        assert_true(near(rig_last_speed_written(&r), 12.0, 1e-9));
        rig_free(&r);
}

static void test_console_stop_never_restarts_belt(void **state)
{
        console_or_key_stop(false);
}

static void test_safety_key_never_restarts_belt(void **state)
{
        console_or_key_stop(true);
}

static void test_belt_stopped_without_status(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineStatus st;
        Rig r;
        size_t w;

        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        rig_run_for(&r, 30);
        /* A machine without Machine Status: only the data shows the stop. */
        r.tm.running = false;
        r.tm.target_kmh = 0;
        r.tm.accel_kmhps = 100;
        w = r.n_writes;
        rig_run_for(&r, 10);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_PAUSED);
        assert_int_equal(st.pause_reason, ENGINE_PAUSE_BELT_STOPPED);
        rig_run_for(&r, 60);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w), 0);
        /* Restarted on the console (data only): resumes. */
        r.tm.running = true;
        r.tm.target_kmh = 3.0;
        rig_run_for(&r, 5);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        rig_free(&r);
}

static void test_no_speed_to_stopped_belt(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineRecovery rec = {.step_index = 0, .step_elapsed_s = 20};
        Rig r;

        /* Manual mode, belt standing still: the speed is kept, not sent. */
        rig_init_with(&r, &cfg, true);
        rig_run_for(&r, 5); /* data: belt at 0 */
        assert_int_equal(workout_engine_set_speed(r.e, r.now, 8.0), 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, 0), 0);
        assert_false(r.tm.running);
        /* Once the runner starts the belt, it applies. */
        rig_console_start(&r, 3.0);
        rig_run_for(&r, 10);
        assert_true(near(rig_last_speed_written(&r), 8.0, 1e-9));
        rig_free(&r);

        /* Crash recovery into a cool-down while the belt is stopped: nothing. */
        cfg.recovery_policy = ENGINE_RECOVERY_COOLDOWN;
        rig_init_with(&r, &cfg, true);
        rig_run_for(&r, 5);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 14.0)), 0);
        assert_int_equal(workout_engine_recover(r.e, r.now, &rec), 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, 0), 0);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        rig_free(&r);
}

static void test_remote_start_only_explicit_and_allowed(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        /* Not allowed: start() does not start the belt. */
        rig_init_with(&r, &cfg, true);
        rig_run_for(&r, 2); /* data shows the belt at 0 */
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(60, 10.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, 0), 0);
        /* It waits for the runner to press START (no session, no clock). */
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_ARMED);
        rig_free(&r);

        /* Allowed: exactly one Start, on the explicit command. */
        cfg.allow_remote_start = true;
        rig_init_with(&r, &cfg, true);
        rig_run_for(&r, 30);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(60, 10.0)), 0);
        assert_int_equal(workout_engine_arm(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        /* Armed is not a start command. */
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 20);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 1);
        assert_true(r.tm.running);
        assert_true(near(rig_last_speed_written(&r), 10.0, 1e-9));
        rig_free(&r);
}

static void test_no_unannounced_change(void **state)
{
        ResolvedStep steps[2] = {
                rig_step_dist(STEP_KIND_ACTIVE, 1000, 10.0),
                rig_step_time(STEP_KIND_ACTIVE, 60, 14.0),
        };
        EngineConfig cfg;
        const EngineEvent *ev;
        EngineStatus st;
        Rig r;
        size_t w, e0;

        engine_config_init(&cfg); /* cues on, 5 s lead */
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 3);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("jump", steps, 2)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        /* Until 20-30 m are left: not yet announced (5 s at 10 km/h is 13.9 m). */
        do {
                rig_run_for(&r, 1);
                workout_engine_get_status(r.e, r.now, &st);
        } while (st.step_remaining_m > 30);
        assert_true(st.step_remaining_m > 20);
        /* The treadmill's distance jumps (a sensor glitch, within what a belt could run):
         * the distance step ends with no time to announce the change. */
        w = r.n_writes;
        e0 = r.n_events;
        r.tm.distance_m += st.step_remaining_m;
        rig_run_for(&r, 1.5);
        ev = rig_find_event(&r, ENGINE_EVENT_STEP_CHANGED, e0);
        assert_non_null(ev);
        assert_int_equal(ev->step_index, 1);
        rig_run_for(&r, 3);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w), 0);
        rig_run_for(&r, 2);
        assert_true(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w) >= 1);
        for (size_t i = w; i < r.n_writes; i++)
                assert_true(r.writes[i].time_usec >= ev->time_usec + S(5));
        rig_free(&r);
}

/* Stopping an idle paced with no treadmill (systemctl stop on a machine
 * whose treadmill is off) is routine: done at once, "nothing to stop", and
 * neither a "slow it on the console" warning nor a "nan km/h". */
static void test_shutdown_idle_no_treadmill(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *done;
        Rig r;

        rig_init_with(&r, &cfg, false);
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 1);
        rig_drain(&r);
        assert_true(workout_engine_shutdown_done(r.e));
        done = rig_find_event(&r, ENGINE_EVENT_SHUTDOWN_DONE, 0);
        assert_non_null(done);
        assert_true(done->value > 0);
        assert_non_null(strstr(done->message, "nothing to stop"));
        assert_int_equal(rig_count_events(&r, ENGINE_EVENT_SAFETY), 0);
        rig_free(&r);
}

/* A treadmill connected but silent so far: its speed is unknown, and the
 * shutdown says so in words, not "belt at nan km/h"; never "safe". */
static void test_shutdown_speed_unknown(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *done;
        Rig r;

        rig_init_with(&r, &cfg, true);
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 1);
        rig_drain(&r);
        done = rig_find_event(&r, ENGINE_EVENT_SHUTDOWN_DONE, 0);
        assert_non_null(done);
        assert_false(done->value > 0);
        assert_null(strstr(done->message, "nan"));
        assert_non_null(strstr(done->message, "belt speed unknown"));
        rig_free(&r);
}

/* The runner uses the treadmill on its own console, no workout: paced drove
 * nothing, so its stop is routine ("nothing to do"), not a failed safe stop
 * with a "slow it on the console" warning and a SafetyAction. */
static void test_shutdown_runner_drives_belt(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *done;
        Rig r;
        size_t w;

        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 10.0);
        rig_run_for(&r, 5);
        w = r.n_writes;
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 1);
        rig_drain(&r);
        rig_run_for(&r, 2);
        done = rig_find_event(&r, ENGINE_EVENT_SHUTDOWN_DONE, 0);
        assert_non_null(done);
        assert_true(done->value > 0);
        assert_int_equal(rig_count_events(&r, ENGINE_EVENT_SAFETY), 0);
        assert_int_equal(r.n_writes, w); /* the runner's belt: nothing sent */
        rig_free(&r);
}

static void test_shutdown_cooldown(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        cfg.cooldown_speed_kmh = 5.0;
        start_running(&r, &cfg, one_step(600, 14.0), 14.0);
        rig_run_for(&r, 30);
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 0);
        rig_drain(&r);
        assert_false(workout_engine_shutdown_done(r.e));
        rig_run_for(&r, 10);
        assert_true(workout_engine_shutdown_done(r.e));
        assert_non_null(rig_find_event(&r, ENGINE_EVENT_SHUTDOWN_DONE, 0));
        assert_true(near(rig_last_speed_written(&r), 5.0, 1e-9));
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_ABORTED);
        rig_free(&r);
}

static void test_shutdown_pause_policy(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;
        size_t w;

        cfg.shutdown_policy = ENGINE_SHUTDOWN_PAUSE;
        start_running(&r, &cfg, one_step(600, 14.0), 14.0);
        rig_run_for(&r, 30);
        w = r.n_writes;
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 2);
        assert_true(workout_engine_shutdown_done(r.e));
        assert_int_equal(rig_count_writes(&r, FTMS_CP_STOP_OR_PAUSE, w), 1);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_SET_TARGET_SPEED, w), 0);
        rig_free(&r);

        /* Nothing running: done at once, nothing written. */
        rig_init_with(&r, &cfg, true);
        w = r.n_writes;
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 1);
        rig_drain(&r);
        assert_int_equal(r.n_writes, w);
        rig_free(&r);
}

static void test_crash_recovery_resumes_at_step(void **state)
{
        ResolvedStep steps[3] = {
                rig_step_time(STEP_KIND_ACTIVE, 60, 10.0),
                rig_step_time(STEP_KIND_ACTIVE, 60, 12.0),
                rig_step_time(STEP_KIND_ACTIVE, 60, 11.0),
        };
        EngineConfig cfg = quiet_config();
        EngineRecovery rec = {.step_index = 1,
                              .step_elapsed_s = 20,
                              .elapsed_s = 80,
                              .distance_m = 250,
                              .n_laps = 1};
        EngineStatus st;
        Rig r;
        uint64_t t;

        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 12.0); /* the belt kept running through the crash */
        rig_run_for(&r, 2);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("rec", steps, 3)), 0);
        t = r.now;
        assert_int_equal(workout_engine_recover(r.e, r.now, &rec), 0);
        rig_drain(&r);
        rig_run_for(&r, 3);
        /* Control re-taken within seconds. */
        assert_int_equal(r.writes[0].cmd.op, FTMS_CP_REQUEST_CONTROL);
        assert_true(r.writes[0].time_usec <= t + S(1));
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.state, ENGINE_STATE_RUNNING);
        assert_int_equal(st.step_index, 1);
        assert_true(near(st.elapsed_s, 83, 1e-6));
        /* 40 s of step 1 left. */
        rig_run_until(&r, t + S(40) - 1);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.step_index, 1);
        rig_run_until(&r, t + S(40));
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.step_index, 2);
        rig_free(&r);
}

static void test_crash_recovery_cooldown(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineRecovery rec = {.step_index = 0,
                              .step_elapsed_s = 20,
                              .elapsed_s = 320,
                              .distance_m = 1170,
                              .step_distance_m = 78};
        EngineStatus st;
        Rig r;

        cfg.recovery_policy = ENGINE_RECOVERY_COOLDOWN;
        cfg.cooldown_speed_kmh = 6.0;
        rig_init_with(&r, &cfg, true);
        rig_console_start(&r, 14.0);
        rig_run_for(&r, 10);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 14.0)), 0);
        assert_int_equal(workout_engine_recover(r.e, r.now, &rec), 0);
        rig_drain(&r);
        rig_run_for(&r, 10);
        assert_true(near(rig_last_speed_written(&r), 6.0, 1e-9));
        assert_true(rig_max_speed_written(&r, 0) <= 14.0);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_ABORTED);
        /* The session's distance and time go on from where they were, not
         * from zero (the samples after the crash, the summary, the exports). */
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(near(st.distance_m, 1170, 1e-9));
        assert_true(near(st.elapsed_s, 320, 1e-9));
        rig_free(&r);
}

static void test_bad_commands_rejected(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;
        size_t w;
        ResolvedStep bad = rig_step_time(STEP_KIND_ACTIVE, 60, NAN);

        start_running(&r, &cfg, one_step(600, 10.0), 10.0);
        rig_run_for(&r, 10);
        w = r.n_writes;
        assert_int_equal(workout_engine_set_speed(r.e, r.now, NAN), -EINVAL);
        assert_int_equal(workout_engine_set_speed(r.e, r.now, -2.0), -EINVAL);
        assert_int_equal(workout_engine_set_speed(r.e, r.now, INFINITY), -EINVAL);
        assert_int_equal(workout_engine_adjust_speed(r.e, r.now, NAN), -EINVAL);
        assert_int_equal(workout_engine_set_incline(r.e, r.now, NAN), -EINVAL);
        assert_int_equal(workout_engine_extend(r.e, r.now, -30), -EINVAL);
        rig_drain(&r);
        assert_true(rig_count_events(&r, ENGINE_EVENT_REJECTED) >= 6);
        rig_run_for(&r, 10);
        assert_int_equal(r.n_writes, w);
        rig_free(&r);

        /* A workout with a NaN target is refused at load. */
        rig_init_with(&r, &cfg, true);
        ResolvedWorkout *wk = rig_workout("bad", &bad, 1);
        assert_int_equal(workout_engine_load(r.e, r.now, wk), -EINVAL);
        resolved_workout_free(wk);
        rig_free(&r);
}

static void test_calibration_applied_consistently(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineStatus st;
        Rig r;

        cfg.calibration.factor = 1.1; /* the belt runs 10 % faster than it reports */
        start_running(&r, &cfg, one_step(600, 11.0), 10.0);
        rig_run_for(&r, 60);
        /* 11.0 true km/h is 10.0 on the belt's own scale. */
        assert_true(near(rig_last_speed_written(&r), 10.0, 1e-9));
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(near(st.measured_speed_kmh, 11.0, 1e-6));
        /* Distance scaled too: the fake's 10 km/h for 60 s is 166.7 m, true 183 m. */
        assert_true(st.distance_m > 175 && st.distance_m < 190);
        rig_free(&r);
}

static void test_mph_quirk(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        cfg.quirk_speed_mph = true;
        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        r.tm.speed_in_mph = true;
        rig_run_for(&r, 30);
        assert_true(near(rig_last_speed_written(&r), round(12.0 / KMH_PER_MPH * 100) / 100, 1e-9));
        assert_null(rig_find_event(&r, ENGINE_EVENT_DIAGNOSTIC, 0));
        rig_free(&r);
}

static void test_speed_ignored_diagnostic(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *ev;
        EngineStatus st;
        Rig r;

        start_running(&r, &cfg, one_step(600, 12.0), 8.0);
        r.tm.ignore_speed = true;
        rig_run_for(&r, 40);
        ev = rig_find_event(&r, ENGINE_EVENT_DIAGNOSTIC, 0);
        assert_non_null(ev);
        assert_non_null(strstr(ev->message, "speed control does not work"));
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(st.speed_control_suspect);
        rig_free(&r);
}

static void test_monitor_only_never_writes(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineStatus st;
        Rig r;

        rig_init_with(&r, &cfg, false);
        r.caps.feature.target = 0; /* no target setting at all */
        rig_link(&r, true);
        rig_console_start(&r, 8.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(120, 12.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 200);
        assert_int_equal(r.n_writes, 0);
        workout_engine_get_status(r.e, r.now, &st);
        assert_int_equal(st.monitor_reason, FTMS_MONITOR_NO_SPEED_TARGET);
        assert_int_equal(st.state, ENGINE_STATE_FINISHED);
        assert_non_null(rig_find_event(&r, ENGINE_EVENT_CONTROL_MODE, 0));
        rig_free(&r);

        cfg.control.monitor_only = true;
        start_running(&r, &cfg, one_step(120, 12.0), 8.0);
        rig_run_for(&r, 200);
        assert_int_equal(r.n_writes, 0);
        rig_free(&r);
}

static void test_permission_lost_mid_workout(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;
        size_t w;

        start_running(&r, &cfg, one_step(600, 12.0), 12.0);
        rig_run_for(&r, 20);
        w = r.n_writes;
        r.tm.in_control = false;
        rig_status(&r, FTMS_STATUS_CONTROL_PERMISSION_LOST, 0);
        rig_run_for(&r, 2);
        assert_int_equal(r.writes[w].cmd.op, FTMS_CP_REQUEST_CONTROL);
        assert_true(r.tm.in_control);
        rig_free(&r);
}

static void test_cp_errors_reported(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *ev;
        Rig r;

        rig_init_with(&r, &cfg, true);
        r.tm.force_result[FTMS_CP_SET_TARGET_SPEED] = FTMS_RESULT_INVALID_PARAMETER;
        rig_console_start(&r, 8.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(120, 9.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 10);
        ev = rig_find_event(&r, ENGINE_EVENT_CP_RESULT, 0);
        assert_non_null(ev);
        assert_int_equal(ev->cp.kind, FTMS_CONTROL_RESULT_INVALID_PARAM);
        assert_non_null(strstr(ev->message, "Invalid Parameter"));
        /* A rejected value is never sent again, and the writes stop. */
        for (size_t i = 0; i < r.n_writes; i++)
                for (size_t j = i + 1; j < r.n_writes; j++)
                        assert_false(r.writes[i].cmd.op == FTMS_CP_SET_TARGET_SPEED &&
                                     r.writes[j].cmd.op == FTMS_CP_SET_TARGET_SPEED &&
                                     near(r.writes[i].cmd.value, r.writes[j].cmd.value, 1e-9));
        size_t n = r.n_writes;
        rig_run_for(&r, 60);
        assert_int_equal(r.n_writes, n);
        rig_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cap_clamps_workout_and_reports),
                cmocka_unit_test(test_machine_range_caps),
                cmocka_unit_test(test_override_stays_under_cap),
                cmocka_unit_test(test_incline_capped_and_rate_limited),
                cmocka_unit_test(test_rate_limit),
                cmocka_unit_test(test_late_echo_does_not_move_the_rate_reference),
                cmocka_unit_test(test_lost_answer_steps_from_the_last_command),
                cmocka_unit_test(test_hr_ceiling_beats_override_and_releases),
                cmocka_unit_test(test_hr_lost_holds_then_falls_back),
                cmocka_unit_test(test_link_lost_pauses_reconnect_reapplies_if_running),
                cmocka_unit_test(test_link_reconnect_with_belt_stopped_sends_nothing),
                cmocka_unit_test(test_link_reconnect_while_belt_slows_sends_nothing),
                cmocka_unit_test(test_first_connect_idle_at_rest_starts_workout),
                cmocka_unit_test(test_first_connect_idle_coasting_sends_nothing),
                cmocka_unit_test(test_console_stop_never_restarts_belt),
                cmocka_unit_test(test_safety_key_never_restarts_belt),
                cmocka_unit_test(test_belt_stopped_without_status),
                cmocka_unit_test(test_no_speed_to_stopped_belt),
                cmocka_unit_test(test_remote_start_only_explicit_and_allowed),
                cmocka_unit_test(test_no_unannounced_change),
                cmocka_unit_test(test_shutdown_idle_no_treadmill),
                cmocka_unit_test(test_shutdown_speed_unknown),
                cmocka_unit_test(test_shutdown_runner_drives_belt),
                cmocka_unit_test(test_shutdown_cooldown),
                cmocka_unit_test(test_shutdown_pause_policy),
                cmocka_unit_test(test_crash_recovery_resumes_at_step),
                cmocka_unit_test(test_crash_recovery_cooldown),
                cmocka_unit_test(test_bad_commands_rejected),
                cmocka_unit_test(test_calibration_applied_consistently),
                cmocka_unit_test(test_mph_quirk),
                cmocka_unit_test(test_speed_ignored_diagnostic),
                cmocka_unit_test(test_monitor_only_never_writes),
                cmocka_unit_test(test_permission_lost_mid_workout),
                cmocka_unit_test(test_cp_errors_reported),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
