/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The treadmill's calibration against a footpod (core/calibration-estimator.c):
 * a treadmill reporting 4 records a second, a footpod one measurement a
 * second, in virtual time.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "calibration-estimator.h"
#include "util.h"

typedef struct Rig {
        CalibrationEstimator *e;
        uint64_t now;
        unsigned tick;
        double factor, offset; /* the footpod's truth: true = reported * factor + offset */
        double noise;          /* relative, a deterministic +-noise pattern */
        double lag_s;          /* the footpod follows speed changes this much later */
        double prev_true, change_usec;
        double last_belt;
} Rig;

static int setup(void **state)
{
        static Rig rig;
        CalibrationEstimatorConfig c;

        calibration_estimator_config_init(&c);
        rig = (Rig){.factor = 1.0, .now = 1000 * USEC_PER_SEC, .last_belt = NAN};
        assert_int_equal(calibration_estimator_new(&rig.e, &c), 0);
        *state = &rig;
        return 0;
}

static int teardown(void **state)
{
        Rig *r = *state;

        r->e = calibration_estimator_free(r->e);
        return 0;
}

/* Runs `seconds` with the belt reporting `belt` (a belt of NAN sends nothing). */
static void run(Rig *r, double seconds, double belt)
{
        uint64_t end = r->now + (uint64_t)(seconds * USEC_PER_SEC);

        if (belt != r->last_belt) {
                r->prev_true = isfinite(r->last_belt) ? r->last_belt * r->factor + r->offset : 0;
                r->change_usec = (double)r->now;
                r->last_belt = belt;
        }
        while (r->now < end) {
                r->now += USEC_PER_SEC / 4;
                r->tick++;
                if (isfinite(belt))
                        calibration_estimator_add_belt(r->e, r->now, belt);
                if (r->tick % 4 == 0) {
                        double truth = belt * r->factor + r->offset;
                        /* -1, 0, +1, 0, ...: averages out over whole segments. */
                        static const double pattern[] = {-1, 0, 1, 0};
                        double since = ((double)r->now - r->change_usec) / USEC_PER_SEC;

                        if (since < r->lag_s)
                                truth = r->prev_true + (truth - r->prev_true) * since / r->lag_s;
                        truth *= 1 + r->noise * pattern[(r->tick / 4) % 4];
                        calibration_estimator_add_footpod(r->e, r->now, truth);
                }
        }
}

static CalibrationEstimate get(Rig *r)
{
        CalibrationEstimate est;

        calibration_estimator_get(r->e, &est);
        print_message("status %s factor %.5f offset %.4f fitted %d spread %.5f segments %u "
                      "seconds %.1f speeds %.2f-%.2f\n",
                      calibration_status_to_string(est.status), est.factor, est.offset_kmh,
                      est.offset_fitted, est.spread, est.segments, est.seconds, est.speed_min_kmh,
                      est.speed_max_kmh);
        return est;
}

static void test_no_data(void **state)
{
        Rig *r = *state;
        CalibrationEstimate est = get(r);

        assert_int_equal(est.status, CALIBRATION_NO_DATA);
        assert_true(isnan(est.factor));
        assert_int_equal(est.segments, 0);
        assert_string_equal(calibration_status_to_string(CALIBRATION_READY), "ready");
}

/* One steady speed: the factor alone, offered after two minutes. */
static void test_factor_at_one_speed(void **state)
{
        Rig *r = *state;
        CalibrationEstimate est;

        r->factor = 1.04;
        r->noise = 0.01;
        run(r, 60, 10.0);
        est = get(r);
        /* 50 s after settling: one segment so far, not enough to offer. */
        assert_int_equal(est.status, CALIBRATION_TOO_LITTLE);
        assert_true(fabs(est.factor - 1.04) < 0.003);
        run(r, 120, 10.0);
        est = get(r);
        assert_int_equal(est.status, CALIBRATION_READY);
        assert_true(fabs(est.factor - 1.04) < 0.002);
        assert_false(est.offset_fitted);
        assert_true(est.offset_kmh == 0);
        assert_int_equal(est.segments, 3);
        /* 180 s less the 10 s settling, less a second between segments. */
        assert_true(est.seconds > 165 && est.seconds <= 170);
        assert_true(est.speed_min_kmh == 10.0 && est.speed_max_kmh == 10.0);
        assert_true(est.spread < 0.005);
}

/* Several speeds: factor and offset. */
static void test_factor_and_offset(void **state)
{
        Rig *r = *state;
        CalibrationEstimate est;

        r->factor = 1.03;
        r->offset = 0.3;
        r->noise = 0.01;
        run(r, 70, 8.0);
        run(r, 70, 10.0);
        run(r, 70, 12.0);
        run(r, 70, 14.0);
        est = get(r);
        assert_int_equal(est.status, CALIBRATION_READY);
        assert_true(est.offset_fitted);
        assert_true(fabs(est.factor - 1.03) < 0.002);
        assert_true(fabs(est.offset_kmh - 0.3) < 0.03);
        assert_true(est.speed_min_kmh == 8.0 && est.speed_max_kmh == 14.0);
        assert_true(est.residual_kmh < 0.01);
}

/* The footpod follows a new speed over a few seconds: the settle time keeps it out. */
static void test_settling_footpod_does_not_bias(void **state)
{
        Rig *r = *state;
        CalibrationEstimate est;

        r->factor = 1.05;
        r->lag_s = 6;
        for (int i = 0; i < 6; i++)
                run(r, 40, i % 2 ? 9.0 : 10.0);
        est = get(r);
        assert_int_equal(est.status, CALIBRATION_READY);
        assert_true(fabs(est.factor - 1.05) < 1e-6);
        /* Without the settle time the lag would leak into every segment. */
        assert_int_equal(est.segments, 6);
}

/* A ramping belt never holds a speed: no segment. */
static void test_ramp_is_not_steady(void **state)
{
        Rig *r = *state;

        r->factor = 1.1;
        for (double v = 6; v < 16; v += 0.125)
                run(r, 0.25, v);
        assert_int_equal(get(r).status, CALIBRATION_NO_DATA);
}

/* Walking, the runner on the rails, a footpod that stops or a treadmill that goes
 * silent: none of it is data, and none of it moves the estimate. */
static void test_rejected_samples(void **state)
{
        Rig *r = *state;
        CalibrationEstimate est;
        uint64_t t;

        r->factor = 1.02;
        run(r, 100, 4.0); /* walking */
        assert_int_equal(get(r).status, CALIBRATION_NO_DATA);
        run(r, 95, 10.0);
        /* On the rails: the footpod sees nothing while the belt runs. */
        t = r->now;
        for (int i = 1; i <= 20; i++)
                calibration_estimator_add_footpod(r->e, t + i * USEC_PER_SEC, 0.0);
        r->now = t + 21 * USEC_PER_SEC;
        calibration_estimator_add_belt(r->e, r->now, 10.0);
        /* The treadmill stops reporting: footpod samples pair with nothing. */
        for (int i = 1; i <= 30; i++)
                calibration_estimator_add_footpod(r->e, r->now + i * USEC_PER_SEC, 13.0);
        r->now += 31 * USEC_PER_SEC;
        run(r, 95, 10.0);
        est = get(r);
        assert_int_equal(est.status, CALIBRATION_READY);
        assert_true(fabs(est.factor - 1.02) < 1e-6);
        /* 85 s and 85 s after settling, each cut at 60 s. */
        assert_int_equal(est.segments, 4);
}

static void test_break_ends_segment(void **state)
{
        Rig *r = *state;

        r->factor = 1.02;
        run(r, 25, 10.0);
        /* 15 s counted, and the segment ends: not enough to keep. */
        calibration_estimator_break(r->e);
        run(r, 25, 10.0);
        assert_int_equal(get(r).status, CALIBRATION_NO_DATA);
        run(r, 20, 10.0);
        assert_int_equal(get(r).segments, 1);
}

static void test_spread_too_large(void **state)
{
        Rig *r = *state;
        CalibrationEstimate est;

        /* One minute the footpod says +0 %, the next +6 %: nothing to trust. */
        for (int i = 0; i < 4; i++) {
                r->factor = i % 2 ? 1.06 : 1.0;
                run(r, 70, i % 2 ? 10.0 : 10.5);
        }
        est = get(r);
        assert_int_equal(est.status, CALIBRATION_TOO_SPREAD);
        assert_true(est.spread > 0.02);
}

static void test_out_of_range(void **state)
{
        Rig *r = *state;

        r->factor = 1.32; /* within what pairs, beyond paced.conf's 1.25 */
        run(r, 200, 10.0);
        assert_int_equal(get(r).status, CALIBRATION_OUT_OF_RANGE);
}

/* The ring keeps the newest segments: the estimate follows a belt that changed. */
static void test_oldest_segments_dropped(void **state)
{
        CalibrationEstimatorConfig c;
        CalibrationEstimate est;
        Rig r = {.factor = 1.0, .now = USEC_PER_SEC, .last_belt = NAN};

        calibration_estimator_config_init(&c);
        c.max_segments = 3;
        assert_int_equal(calibration_estimator_new(&r.e, &c), 0);
        run(&r, 250, 10.0);
        r.factor = 1.05;
        run(&r, 1, 11.0);
        run(&r, 250, 10.0);
        calibration_estimator_get(r.e, &est);
        assert_int_equal(est.segments, 4); /* three kept and the one under way */
        assert_true(fabs(est.factor - 1.05) < 1e-6);
        calibration_estimator_reset(r.e);
        calibration_estimator_get(r.e, &est);
        assert_int_equal(est.status, CALIBRATION_NO_DATA);
        calibration_estimator_free(r.e);
}

static void test_invalid_config(void **state)
{
        CalibrationEstimatorConfig c;
        CalibrationEstimator *e = NULL;

        calibration_estimator_config_init(&c);
        c.max_segments = 0;
        assert_int_equal(calibration_estimator_new(&e, &c), -EINVAL);
        calibration_estimator_config_init(&c);
        c.max_segment_usec = c.min_segment_usec - 1;
        assert_int_equal(calibration_estimator_new(&e, &c), -EINVAL);
        assert_null(e);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_no_data, setup, teardown),
                cmocka_unit_test_setup_teardown(test_factor_at_one_speed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_factor_and_offset, setup, teardown),
                cmocka_unit_test_setup_teardown(test_settling_footpod_does_not_bias, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_ramp_is_not_steady, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rejected_samples, setup, teardown),
                cmocka_unit_test_setup_teardown(test_break_ends_segment, setup, teardown),
                cmocka_unit_test_setup_teardown(test_spread_too_large, setup, teardown),
                cmocka_unit_test_setup_teardown(test_out_of_range, setup, teardown),
                cmocka_unit_test(test_oldest_segments_dropped),
                cmocka_unit_test(test_invalid_config),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
