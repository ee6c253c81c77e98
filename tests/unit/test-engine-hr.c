/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The heart-rate target controller, alone and inside the engine, against a
 * simulated first-order HR response (HR = rest + gain x speed, time
 * constant tau): it converges into the band without oscillating, each
 * adjustment is at most 0.2 km/h and at least 15 s from the previous one,
 * and it does not act during the hold-off after a step change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake-treadmill.h"
#include "hr-controller.h"

#define S(x) ((uint64_t)((x) * (double)USEC_PER_SEC))

typedef struct HrRun {
        size_t n_adjust;
        unsigned reversals;
        double final_hr;
        bool in_band_after_settle;
} HrRun;

/* The controller alone, sampling once a second, the plant integrated exactly. */
static HrRun run_plant(double lo, double hi, double start_kmh, double tau, double gain)
{
        HrControllerConfig cfg;
        HrController h;
        HrRun out = {.in_band_after_settle = true};
        double hr = 60 + gain * start_kmh - 25; /* well below its steady state */
        double speed = start_kmh, last_dir = 0;
        uint64_t t = S(1000), last_adj = 0;

        hr_controller_config_init(&cfg);
        hr_controller_reset(&h, &cfg, t, lo, hi, start_kmh, 1.0, 20.0);
        for (int i = 0; i < 3600; i++) {
                double out_kmh;

                t += USEC_PER_SEC;
                hr += (60 + gain * speed - hr) * (1 - exp(-1.0 / tau));
                if (hr_controller_update(&h, t, hr, &out_kmh) > 0) {
                        double d = out_kmh - speed;

                        assert_true(fabs(d) <= 0.2 + 1e-9);
                        assert_true(t - last_adj >= S(15));
                        assert_true(t >= S(1000) + cfg.holdoff_usec);
                        if (last_dir != 0 && (d > 0) != (last_dir > 0))
                                out.reversals++;
                        last_dir = d;
                        last_adj = t;
                        speed = out_kmh;
                        out.n_adjust++;
                }
                if (i > 1200 && (hr < lo - 1 || hr > hi + 1))
                        out.in_band_after_settle = false;
        }
        out.final_hr = hr;
        return out;
}

static void test_converges_from_below_without_oscillation(void **state)
{
        HrRun r = run_plant(145, 155, 9.0, 30, 8);

        assert_true(r.in_band_after_settle);
        assert_true(r.final_hr >= 144 && r.final_hr <= 156);
        assert_int_equal(r.reversals, 0);
        assert_true(r.n_adjust > 3);
}

static void test_converges_from_above_without_oscillation(void **state)
{
        HrRun r = run_plant(120, 130, 10.0, 30, 8); /* 10 km/h -> 140 bpm: too fast */

        assert_true(r.in_band_after_settle);
        assert_int_equal(r.reversals, 0);
}

static void test_slow_plant_at_most_one_reversal(void **state)
{
        /* A sluggish runner (tau 60 s) and a steeper response. */
        HrRun r = run_plant(145, 155, 9.0, 60, 10);

        assert_true(r.in_band_after_settle);
        assert_true(r.reversals <= 1);
}

static void test_anti_windup(void **state)
{
        HrControllerConfig cfg;
        HrController h;
        uint64_t t = S(100);
        double out = NAN;
        int changed = 0;

        hr_controller_config_init(&cfg);
        /* Output pinned at the 12 km/h cap while HR stays low for 20 minutes. */
        hr_controller_reset(&h, &cfg, t, 150, 160, 11.8, 1.0, 12.0);
        for (int i = 0; i < 1200; i++)
                hr_controller_update(&h, t += USEC_PER_SEC, 120, &out);
        assert_true(h.output_kmh <= 12.0 + 1e-9);
        /* HR now above the band: the controller must come down at the first
         * allowed adjustment, not sit on a wound-up integral. */
        for (int i = 0; i < 14; i++)
                changed += hr_controller_update(&h, t += USEC_PER_SEC, 175, &out);
        assert_int_equal(changed, 1);
        assert_true(out < 12.0);
}

static void test_engine_hr_step_holdoff_and_convergence(void **state)
{
        ResolvedStep steps[2] = {
                rig_step_time(STEP_KIND_WARMUP, 120, 8.0),
                rig_step_time(STEP_KIND_ACTIVE, 1800, 0),
        };
        EngineConfig cfg;
        Rig r;
        uint64_t step_start = 0, prev_t = 0;
        double prev = NAN, last_dir = 0;
        unsigned reversals = 0, hr_writes = 0;

        steps[1].control = STEP_CONTROL_HR;
        steps[1].hr_lo_bpm = 145;
        steps[1].hr_hi_bpm = 155;
        steps[1].hr_fallback_kmh = 9.0;
        snprintf(steps[1].label, sizeof(steps[1].label), "HR 145-155");
        engine_config_init(&cfg);
        cfg.shutdown_policy = ENGINE_SHUTDOWN_NONE; /* the controller only, not the stop after it */
        rig_init_with(&r, &cfg, true);
        r.tm.hr_enabled = true;
        r.tm.hr_bpm = 90;
        rig_console_start(&r, 8.0);
        rig_run_for(&r, 10);
        assert_int_equal(workout_engine_load(r.e, r.now, rig_workout("hr", steps, 2)), 0);
        assert_int_equal(rig_start(&r), 0);
        rig_drain(&r);
        rig_run_for(&r, 1925);
        assert_int_equal(workout_engine_get_state(r.e), ENGINE_STATE_FINISHED);

        for (size_t i = 0; i < r.n_events; i++)
                if (r.events[i].type == ENGINE_EVENT_STEP_CHANGED && r.events[i].step_index == 1)
                        step_start = r.events[i].time_usec;
        assert_true(step_start != 0);
        for (size_t i = 0; i < r.n_writes; i++) {
                const RigWrite *w = &r.writes[i];

                if (w->cmd.op != FTMS_CP_SET_TARGET_SPEED || w->time_usec < step_start)
                        continue;
                if (w->time_usec < step_start + S(2)) {
                        /* The step's own change: its fallback speed as the start. */
                        prev = w->cmd.value;
                        prev_t = w->time_usec;
                        continue;
                }
                /* Nothing from the controller during the 45 s hold-off. */
                assert_true(w->time_usec >= step_start + S(45));
                assert_true(fabs(w->cmd.value - prev) <= 0.2 + 1e-9);
                assert_true(w->time_usec - prev_t >= S(15));
                if (last_dir != 0 && (w->cmd.value > prev) != (last_dir > 0))
                        reversals++;
                last_dir = w->cmd.value - prev;
                prev = w->cmd.value;
                prev_t = w->time_usec;
                hr_writes++;
        }
        assert_true(hr_writes >= 5);
        assert_int_equal(reversals, 0);
        assert_true(r.tm.hr_bpm >= 144 && r.tm.hr_bpm <= 156);
        rig_free(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_converges_from_below_without_oscillation),
                cmocka_unit_test(test_converges_from_above_without_oscillation),
                cmocka_unit_test(test_slow_plant_at_most_one_reversal),
                cmocka_unit_test(test_anti_windup),
                cmocka_unit_test(test_engine_hr_step_holdoff_and_convergence),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
