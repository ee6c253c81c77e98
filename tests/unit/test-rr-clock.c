/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Beat ends from RR intervals (core/rr-clock.c): each beat of a notification
 * its own time, one interval after the one before; anchored again after a
 * gap.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rr-clock.h"

static void test_beats_end_one_interval_apart(void **state)
{
        RrClock c;

        rr_clock_reset(&c);
        /* Two beats in a notification at 10 s: 9.2 and 10.0 (end of the last). */
        assert_float_equal(rr_clock_push(&c, 10.0, 800, 800), 9.2, 1e-9);
        assert_float_equal(rr_clock_push(&c, 10.0, 800, 0), 10.0, 1e-9);
        /* The next notification is 30 ms late: the intervals keep the time. */
        assert_float_equal(rr_clock_push(&c, 11.03, 810, 0), 10.81, 1e-9);
        assert_float_equal(rr_clock_end(&c, 0), 10.81, 1e-9);
        assert_float_equal(rr_clock_end(&c, 2), 9.2, 1e-9);
        assert_true(isnan(rr_clock_end(&c, 3)));
        /* A notification 2.5 s late (a busy host): the beats keep their time. */
        assert_float_equal(rr_clock_push(&c, 11.61 + 2.5, 800, 0), 11.61, 1e-9);
        /* A strap dropout of 20 s: anchored to the notification again. */
        assert_float_equal(rr_clock_push(&c, 31.0, 700, 0), 31.0, 1e-9);
        assert_float_equal(rr_clock_push(&c, 31.7, 700, 0), 31.7, 1e-9);
        /* Far back is forgotten. */
        for (int i = 0; i < RR_CLOCK_RING + 2; i++)
                (void)rr_clock_push(&c, 32.0 + i, 1000, 0);
        assert_true(isnan(rr_clock_end(&c, RR_CLOCK_RING)));
        assert_false(isnan(rr_clock_end(&c, RR_CLOCK_RING - 1)));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_beats_end_one_interval_apart),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
