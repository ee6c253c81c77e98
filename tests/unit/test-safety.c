/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The safety layer's pure parts: the envelope (caps and machine range), the
 * clamp that never rounds out of it, the rate limiter, the HR ceiling with
 * its hold time and hysteresis, and the rejection of bad values. Each rule
 * is exercised where removing it would change the result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "safety.h"
#include "util.h"

static TransportCapabilities caps_with(double smin, double smax, double sinc, double imin,
                                       double imax)
{
        return (TransportCapabilities){
                .has_speed_range = true,
                .speed_range = {smin, smax, sinc},
                .has_incline_range = true,
                .incline_range = {imin, imax, 0.5},
                .has_control_point = true,
        };
}

static void test_limits_take_the_smaller_of_caps_and_machine(void **state)
{
        SafetyConfig c;
        SafetyLimits l;
        TransportCapabilities caps = caps_with(0.8, 22.0, 0.1, -3, 15);

        safety_config_init(&c);
        c.max_speed_kmh = 18.0;
        c.max_incline_pct = 10.0;
        assert_int_equal(safety_limits_compute(&l, &c, &caps, NULL), 0);
        assert_true(fabs(l.speed_max - 18.0) < 1e-9); /* configured cap below the machine */
        assert_true(fabs(l.speed_min - 0.8) < 1e-9);  /* machine minimum */
        assert_true(fabs(l.incline_max - 10.0) < 1e-9);
        assert_true(fabs(l.incline_min - -3.0) < 1e-9);

        caps = caps_with(1.0, 16.0, 0.1, 0, 12);
        assert_int_equal(safety_limits_compute(&l, &c, &caps, NULL), 0);
        assert_true(fabs(l.speed_max - 16.0) < 1e-9); /* machine below the cap */
        assert_true(fabs(l.incline_min - 0.0) < 1e-9);

        /* A cap below the machine minimum leaves nothing: refuse. */
        c.max_speed_kmh = 0.5;
        assert_int_equal(safety_limits_compute(&l, &c, &caps, NULL), -ERANGE);
}

static void test_limits_follow_calibration(void **state)
{
        SafetyConfig c;
        SafetyLimits l;
        SpeedCalibration cal = {.factor = 1.05, .offset_kmh = 0};
        TransportCapabilities caps = caps_with(1.0, 16.0, 0.1, 0, 12);

        safety_config_init(&c);
        assert_int_equal(safety_limits_compute(&l, &c, &caps, &cal), 0);
        /* The belt's 16.0 is 16.8 true km/h. */
        assert_true(fabs(l.speed_max - 16.8) < 1e-9);
        assert_true(fabs(speed_calibration_to_belt(&cal, speed_calibration_to_true(&cal, 12.3)) -
                         12.3) < 1e-9);
}

static void test_clamp_never_leaves_the_envelope(void **state)
{
        SafetyLimits l = {
                .speed_min = 1.0,
                .speed_max = 16.05,
                .speed_increment = 0.1,
                .has_incline = true,
                .incline_min = -3,
                .incline_max = 15,
                .incline_increment = 0.5,
        };
        SafetyClamp k;
        double v;

        assert_int_equal(safety_clamp_speed(&l, 25.0, &v, &k), 0);
        assert_int_equal(k, SAFETY_CLAMP_HIGH);
        assert_true(v <= 16.05);
        /* Rounding to the increment must not round 16.04 up to 16.1. */
        assert_int_equal(safety_clamp_speed(&l, 16.04, &v, &k), 0);
        assert_int_equal(k, SAFETY_CLAMP_NONE);
        assert_true(v <= 16.05);
        assert_int_equal(safety_clamp_speed(&l, 0.0, &v, &k), 0);
        assert_int_equal(k, SAFETY_CLAMP_LOW);
        assert_true(fabs(v - 1.0) < 1e-9);
        assert_int_equal(safety_clamp_speed(&l, 12.34, &v, &k), 0);
        assert_true(fabs(v - 12.3) < 1e-9);
        assert_int_equal(safety_clamp_incline(&l, 40, &v, &k), 0);
        assert_int_equal(k, SAFETY_CLAMP_HIGH);
        assert_true(fabs(v - 15) < 1e-9);
        assert_int_equal(safety_clamp_incline(&l, -9, &v, &k), 0);
        assert_true(fabs(v - -3) < 1e-9);

        /* Brute force: nothing between -100 and 100 km/h escapes. */
        for (double x = 0; x < 100; x += 0.013) {
                assert_int_equal(safety_clamp_speed(&l, x, &v, NULL), 0);
                assert_true(v >= l.speed_min - 1e-9 && v <= l.speed_max + 1e-9);
        }
}

static void test_bad_values_rejected(void **state)
{
        SafetyLimits l = {.speed_min = 1, .speed_max = 20, .speed_increment = 0.1};
        double v = 42;

        assert_int_equal(safety_validate_speed(NAN), -EINVAL);
        assert_int_equal(safety_validate_speed(-0.5), -EINVAL);
        assert_int_equal(safety_validate_speed(INFINITY), -EINVAL);
        assert_int_equal(safety_validate_speed(0), 0);
        assert_int_equal(safety_validate_incline(NAN), -EINVAL);
        assert_int_equal(safety_validate_incline(-2), 0);
        assert_int_equal(safety_clamp_speed(&l, NAN, &v, NULL), -EINVAL);
        assert_int_equal(safety_clamp_speed(&l, -3, &v, NULL), -EINVAL);
        assert_true(v == 42); /* untouched on failure */
}

static void test_rate_limit(void **state)
{
        assert_true(fabs(safety_rate_limit(8, 16, 2.0, 1.0) - 10) < 1e-9);
        assert_true(fabs(safety_rate_limit(16, 8, 2.0, 1.0) - 14) < 1e-9);
        assert_true(fabs(safety_rate_limit(8, 9, 2.0, 1.0) - 9) < 1e-9);
        assert_true(fabs(safety_rate_limit(8, 16, 2.0, 0.5) - 9) < 1e-9);
        /* No previous value: nothing to limit against. */
        assert_true(fabs(safety_rate_limit(NAN, 12, 2.0, 1.0) - 12) < 1e-9);
}

static void test_hr_ceiling_hold_and_hysteresis(void **state)
{
        SafetyConfig c;
        SafetyHrCeiling s = {};
        uint64_t t = 50 * USEC_PER_SEC;

        safety_config_init(&c);
        c.hr_ceiling_bpm = 180;
        c.hr_ceiling_hold_usec = 10 * USEC_PER_SEC;
        c.hr_ceiling_hysteresis_bpm = 8;

        /* A brief spike is not enough. */
        for (int i = 0; i < 5; i++, t += USEC_PER_SEC)
                assert_int_equal(safety_hr_ceiling_update(&s, &c, t, 185), 0);
        assert_int_equal(safety_hr_ceiling_update(&s, &c, t, 170), 0);
        t += USEC_PER_SEC;
        /* Above for 10 s: engaged exactly then. */
        for (int i = 0; i < 10; i++, t += USEC_PER_SEC)
                assert_int_equal(safety_hr_ceiling_update(&s, &c, t, 183), 0);
        assert_int_equal(safety_hr_ceiling_update(&s, &c, t, 183), 1);
        assert_true(s.active);
        /* Below the ceiling but inside the hysteresis: still engaged. */
        assert_int_equal(safety_hr_ceiling_update(&s, &c, t += USEC_PER_SEC, 175), 0);
        assert_true(s.active);
        assert_int_equal(safety_hr_ceiling_update(&s, &c, t += USEC_PER_SEC, 171), -1);
        assert_false(s.active);

        /* Rule off: never engages. */
        c.hr_ceiling_bpm = 0;
        for (int i = 0; i < 30; i++, t += USEC_PER_SEC)
                assert_int_equal(safety_hr_ceiling_update(&s, &c, t, 220), 0);
        assert_false(s.active);
}

static void test_clamp_to_string(void **state)
{
        assert_string_equal(safety_clamp_to_string(SAFETY_CLAMP_HIGH), "high");
        assert_null(safety_clamp_to_string(_SAFETY_CLAMP_MAX));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_limits_take_the_smaller_of_caps_and_machine),
                cmocka_unit_test(test_limits_follow_calibration),
                cmocka_unit_test(test_clamp_never_leaves_the_envelope),
                cmocka_unit_test(test_bad_values_rejected),
                cmocka_unit_test(test_rate_limit),
                cmocka_unit_test(test_hr_ceiling_hold_and_hysteresis),
                cmocka_unit_test(test_clamp_to_string),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
