/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The simulated footpod (core/sim-footpod.c): it measures the true speed of
 * a belt that reports true / factor - offset, with a plausible cadence and
 * the stride that goes with it, and integrates its own total distance.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "sim-footpod.h"
#include "util.h"

static void test_true_speed_through_factor(void **state)
{
        SimFootpod f;
        RscMeasurement m;

        sim_footpod_init(&f, 1.05, 0.2);
        assert_true(fabs(sim_footpod_true_kmh(&f, 10) - 10.7) < 1e-9);
        /* A standing belt: nothing moves, whatever the calibration. */
        assert_true(sim_footpod_true_kmh(&f, 0) == 0);
        assert_true(sim_footpod_true_kmh(&f, NAN) == 0);
        sim_footpod_measure(&f, 0, 10, &m);
        assert_true(fabs(rsc_speed_to_kmh(m.speed_raw) - 10.7) < 0.015);
        assert_true(m.running);
        assert_in_range(m.cadence_spm, 170, 185);
        assert_true(m.has_stride);
        /* Stride is one step: speed / cadence. */
        assert_true(fabs(m.stride_cm / 100.0 - 10.7 / 3.6 / (m.cadence_spm / 60.0)) < 0.011);
}

static void test_walking_and_standing(void **state)
{
        SimFootpod f;
        RscMeasurement m;

        sim_footpod_init(&f, 1, 0);
        sim_footpod_measure(&f, 0, 5, &m);
        assert_false(m.running);
        assert_in_range(m.cadence_spm, 100, 130);
        sim_footpod_measure(&f, USEC_PER_SEC, 0, &m);
        assert_int_equal(m.speed_raw, 0);
        assert_int_equal(m.cadence_spm, 0);
        assert_int_equal(m.stride_cm, 0);
}

static void test_distance_integrates_true_speed(void **state)
{
        SimFootpod f;
        RscMeasurement m;

        /* An invalid factor falls back to 1. */
        sim_footpod_init(&f, 0, 0);
        assert_true(f.factor == 1);
        sim_footpod_init(&f, 1.1, 0);
        for (unsigned i = 0; i <= 100; i++)
                sim_footpod_measure(&f, i * USEC_PER_SEC, 9, &m);
        /* 100 s at 9.9 km/h (2.75 m/s): 275 m, in decimetres. */
        assert_true(m.has_distance);
        assert_in_range(m.distance_dm, 2749, 2751);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_true_speed_through_factor),
                cmocka_unit_test(test_walking_and_standing),
                cmocka_unit_test(test_distance_integrates_true_speed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
