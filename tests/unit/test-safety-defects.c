/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One regression test per safety defect (docs/engine.md lists them), each reproducing what
 * a runner met on the simulator and checking the outcome (what the belt
 * did, what was written, what was said). The monitor watches every rig here
 * in recording mode: a test also fails if it saw a violation, but each
 * outcome is asserted on its own, so each test fails on the engine before
 * the fix even without the monitor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake-treadmill.h"

#define S(x) ((uint64_t)((x) * (double)USEC_PER_SEC))

static EngineConfig quiet_config(void)
{
        EngineConfig cfg;

        engine_config_init(&cfg);
        cfg.cues = false;
        return cfg;
}

static ResolvedWorkout *one_step(double seconds, double kmh)
{
        ResolvedStep s = rig_step_time(STEP_KIND_ACTIVE, seconds, kmh);
        return rig_workout("one", &s, 1);
}

/* Link up, the belt at kmh (started on the console), the monitor recording. */
static void rig_running(Rig *r, const EngineConfig *cfg, double kmh)
{
        rig_init_with(r, cfg, true);
        r->monitor_abort = false;
        r->tm.accel_kmhps = 0.8; /* the simulator's belt */
        rig_console_start(r, kmh);
        rig_run_for(r, 30);
}

static size_t speed_writes_since(const Rig *r, size_t from)
{
        return rig_count_writes(r, FTMS_CP_SET_TARGET_SPEED, from);
}

static bool cue_contains(const Rig *r, const char *text)
{
        for (size_t i = 0; i < r->n_cues; i++)
                if (strstr(r->cues[i].text, text))
                        return true;
        return false;
}

/* 1a. Manual mode: a console STOP, the belt coasting, then the console's START. */
static void test_defect1_manual_no_command_while_coasting(void **state)
{
        EngineConfig cfg = quiet_config();
        size_t w;
        Rig r;

        rig_running(&r, &cfg, 11.0);
        assert_int_equal(workout_engine_set_speed(r.e, r.now, 11.0), 0);
        rig_drain(&r);
        rig_run_for(&r, 5);
        w = r.n_writes;
        rig_console_stop(&r);
        rig_run_for(&r, 2);
        /* 'faster' while it coasts: refused, nothing reaches the belt. */
        assert_true(workout_engine_adjust_speed(r.e, r.now, 1.0) < 0);
        rig_drain(&r);
        rig_run_for(&r, 6); /* still coasting: 11 km/h at 0.8 km/h/s */
        assert_true(r.tm.speed_kmh > 1.0);
        assert_int_equal(speed_writes_since(&r, w), 0);
        rig_run_for(&r, 20);
        /* The console's start is a walking start, not paced's old 11 km/h. */
        rig_console_start(&r, 1.0);
        rig_run_for(&r, 30);
        assert_int_equal(speed_writes_since(&r, w), 0);
        assert_true(r.tm.speed_kmh < 1.5);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 1b. A workout armed (or started) just after a STOP does not drive the coasting belt. */
static void test_defect1_armed_waits_for_runner(void **state)
{
        EngineConfig cfg = quiet_config();
        size_t w;
        Rig r;

        rig_running(&r, &cfg, 11.0);
        w = r.n_writes;
        rig_console_stop(&r);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 12.0)), 0);
        assert_int_equal(workout_engine_arm(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 8);
        assert_true(r.tm.speed_kmh > 1.0);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_ARMED);
        assert_int_equal(speed_writes_since(&r, w), 0);
        /* The runner starts the belt: now it begins. */
        rig_run_for(&r, 20);
        rig_console_start(&r, 1.0);
        rig_run_for(&r, 2);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_RUNNING);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);

        rig_running(&r, &cfg, 11.0);
        rig_console_stop(&r);
        rig_run_for(&r, 1);
        w = r.n_writes;
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 12.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 8);
        assert_true(r.tm.speed_kmh > 1.0);
        assert_int_equal(speed_writes_since(&r, w), 0);
        /* Without remote start, waiting for the runner, as armed. */
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_ARMED);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 1c. Crash recovery onto a belt decelerating after a console stop paced never heard. */
static void test_defect1_recovery_onto_decelerating_belt(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineRecovery rec = {.step_index = 0, .step_elapsed_s = 60, .elapsed_s = 60};
        Rig r;

        rig_init_with(&r, &cfg, true);
        r.monitor_abort = false;
        /* The restarted daemon finds the belt at 11 km/h, slowing on its own. */
        r.tm.accel_kmhps = 0.8;
        r.tm.speed_kmh = 11.0;
        r.tm.running = false;
        rig_run_for(&r, 2.5); /* two Treadmill Data records */
        assert_true(r.tm.speed_kmh > 8.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 11.0)), 0);
        assert_int_equal(workout_engine_recover(r.e, r.now, &rec), 0);
        rig_drain(&r);
        rig_run_for(&r, 10);
        assert_int_equal(speed_writes_since(&r, 0), 0);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_PAUSED);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 2. Control refused for a while: the first command after it is one step from 8. */
static void test_defect2_rate_from_accepted_value(void **state)
{
        EngineConfig cfg = quiet_config();
        double first = -1;
        Rig r;

        cfg.safety.max_accel_kmhps = 0.5;
        rig_running(&r, &cfg, 8.0);
        r.tm.force_result[FTMS_CP_REQUEST_CONTROL] = FTMS_RESULT_CONTROL_NOT_PERMITTED;
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 13.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 40);
        assert_int_equal(speed_writes_since(&r, 0), 0);
        r.tm.force_result[FTMS_CP_REQUEST_CONTROL] = 0; /* control comes back */
        rig_run_for(&r, 30);
        for (size_t i = 0; i < r.n_writes; i++)
                if (r.writes[i].cmd.op == FTMS_CP_SET_TARGET_SPEED) {
                        first = r.writes[i].cmd.value;
                        break;
                }
        assert_true(first > 0);
        assert_true(first <= 8.0 + 0.5 + 1e-6);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 3. The HR ceiling slows the belt in manual mode too. */
static void test_defect3_hr_ceiling_in_manual_mode(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        cfg.safety.hr_ceiling_bpm = 140;
        rig_running(&r, &cfg, 16.0);
        assert_int_equal(workout_engine_set_speed(r.e, r.now, 16.0), 0);
        rig_drain(&r);
        rig_run_for(&r, 10);
        for (int i = 0; i < 180; i++) {
                rig_send_hr(&r, 190);
                rig_run_for(&r, 1);
        }
        assert_true(r.tm.speed_kmh <= cfg.safety.recovery_speed_kmh + 0.05);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 4. resume after a safety-key stop is refused; a refused Start is never retried. */
static void test_defect4_safety_key_resume_and_start_retry(void **state)
{
        EngineConfig cfg = quiet_config();
        size_t starts;
        Rig r;

        cfg.allow_remote_start = true;
        rig_running(&r, &cfg, 10.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 10.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 10);
        r.tm.running = false;
        r.tm.target_kmh = 0;
        rig_status(&r, FTMS_STATUS_STOPPED_SAFETY_KEY, 0);
        rig_run_for(&r, 10);
        /* The key is out: the machine fails a Start once; back a moment later. */
        r.tm.force_result[FTMS_CP_START_OR_RESUME] = FTMS_RESULT_OPERATION_FAILED;
        r.tm.force_count[FTMS_CP_START_OR_RESUME] = 1;
        assert_true(rig_resume(&r) < 0);
        rig_run_for(&r, 5);
        assert_false(r.tm.running);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), 0);
        rig_free(&r);

        /* A console stop, resume allowed: one Start; refused, it is not retried. */
        rig_running(&r, &cfg, 10.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 10.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 10);
        rig_console_stop(&r);
        rig_run_for(&r, 20);
        r.tm.force_result[FTMS_CP_START_OR_RESUME] = FTMS_RESULT_OPERATION_FAILED;
        r.tm.force_count[FTMS_CP_START_OR_RESUME] = 1;
        starts = rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0);
        assert_int_equal(rig_resume(&r), 0);
        rig_run_for(&r, 10);
        assert_int_equal(rig_count_writes(&r, FTMS_CP_START_OR_RESUME, 0), starts + 1);
        assert_false(r.tm.running);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_PAUSED);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 5. AdjustSpeed and ExtendStep accumulate only what can matter. */
static void test_defect5_bounded_accumulators(void **state)
{
        EngineConfig cfg = quiet_config();
        EngineStatus st;
        Rig r;

        rig_running(&r, &cfg, 10.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 10.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 5);
        for (int i = 0; i < 100; i++)
                assert_true(workout_engine_adjust_speed(r.e, r.now, 5.0) >= 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        /* One 'slower' after a hundred 'faster' slows the belt at once. */
        assert_true(workout_engine_adjust_speed(r.e, r.now, -5.0) >= 0);
        rig_drain(&r);
        rig_run_for(&r, 30);
        assert_true(rig_last_speed_written(&r) <= 15.0 + 1e-6);
        for (int i = 0; i < 100; i++)
                assert_true(workout_engine_extend(r.e, r.now, 3600) >= 0);
        workout_engine_get_status(r.e, r.now, &st);
        assert_true(st.step_remaining_s <= 600 + 3600 + 1e-6);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 6. A calibrated cap is never overshot by rounding to the belt's increment. */
static void test_defect6_cap_with_calibration(void **state)
{
        EngineConfig cfg = quiet_config();
        Rig r;

        cfg.safety.max_speed_kmh = 13.97;
        rig_running(&r, &cfg, 12.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 16.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 30);
        assert_true(rig_max_speed_written(&r, 0) <= 13.97 + 1e-9);
        assert_true(rig_max_speed_written(&r, 0) >= 13.9 - 1e-9);
        rig_free(&r);

        cfg.calibration.factor = 1.03;
        rig_running(&r, &cfg, 12.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 16.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 30);
        assert_true(rig_max_speed_written(&r, 0) * 1.03 <= 13.97 + 1e-9);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 7. stop and a finished workout apply the stop policy, and say so. */
static void test_defect7_stop_applies_stop_policy(void **state)
{
        EngineConfig cfg;
        Rig r;

        engine_config_init(&cfg);
        rig_running(&r, &cfg, 16.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 16.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 20);
        assert_int_equal(workout_engine_stop(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 40);
        assert_true(r.tm.speed_kmh <= cfg.cooldown_speed_kmh + 0.05);
        assert_true(cue_contains(&r, "slowing the belt to 5.0 km/h"));
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);

        /* A finished workout: announced, then slowed to the cool-down speed. */
        rig_running(&r, &cfg, 10.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(60, 10.0)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 120);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);
        assert_true(r.tm.speed_kmh <= cfg.cooldown_speed_kmh + 0.05);
        assert_true(cue_contains(&r, "Workout complete: slowing the belt to 5.0 km/h"));
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

/* 8. SIGTERM from a fast rep at 0.5 km/h/s reaches the cool-down speed. */
static void test_defect8_shutdown_budget_covers_ramp(void **state)
{
        EngineConfig cfg = quiet_config();
        const EngineEvent *done;
        Rig r;

        cfg.safety.max_accel_kmhps = 0.5;
        rig_running(&r, &cfg, 12.0);
        assert_int_equal(workout_engine_load(r.e, r.now, one_step(600, 15.5)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_run_for(&r, 30);
        assert_true(r.tm.speed_kmh > 15.0);
        assert_int_equal(workout_engine_shutdown(r.e, r.now), 0);
        rig_drain(&r);
        rig_run_for(&r, 60);
        done = rig_find_event(&r, ENGINE_EVENT_SHUTDOWN_DONE, 0);
        assert_non_null(done);
        assert_non_null(strstr(done->message, "left safe"));
        assert_true(rig_last_speed_written(&r) <= cfg.cooldown_speed_kmh + 1e-6);
        assert_int_equal(r.n_violations, 0);
        rig_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defect1_manual_no_command_while_coasting),
                cmocka_unit_test(test_defect1_armed_waits_for_runner),
                cmocka_unit_test(test_defect1_recovery_onto_decelerating_belt),
                cmocka_unit_test(test_defect2_rate_from_accepted_value),
                cmocka_unit_test(test_defect3_hr_ceiling_in_manual_mode),
                cmocka_unit_test(test_defect4_safety_key_resume_and_start_retry),
                cmocka_unit_test(test_defect5_bounded_accumulators),
                cmocka_unit_test(test_defect6_cap_with_calibration),
                cmocka_unit_test(test_defect7_stop_applies_stop_policy),
                cmocka_unit_test(test_defect8_shutdown_budget_covers_ramp),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
