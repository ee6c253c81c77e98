/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one duration and the one pace formatter: what cues, reports and
 * pacectl show, including the placeholders and the boundaries (an hour, the
 * slowest speed that has a pace).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "time-util.h"

static void test_format_duration(void **state)
{
        char b[32];

        assert_string_equal(format_duration(b, sizeof(b), 0, 0), "0:00");
        assert_string_equal(format_duration(b, sizeof(b), 754.4, 0), "12:34");
        assert_string_equal(format_duration(b, sizeof(b), 3723, 0), "1:02:03");
        assert_string_equal(format_duration(b, sizeof(b), 36000, 0), "10:00:00");
        /* It is the rounded time that reaches the hour. */
        assert_string_equal(format_duration(b, sizeof(b), 3599.4, 0), "59:59");
        assert_string_equal(format_duration(b, sizeof(b), 3599.6, 0), "1:00:00");
        /* Tenths under an hour only. */
        assert_string_equal(format_duration(b, sizeof(b), 80.44, TIME_FORMAT_TENTHS), "1:20.4");
        assert_string_equal(format_duration(b, sizeof(b), 59.96, TIME_FORMAT_TENTHS), "1:00.0");
        assert_string_equal(format_duration(b, sizeof(b), 3599.96, TIME_FORMAT_TENTHS), "1:00:00");
        assert_string_equal(format_duration(b, sizeof(b), 3723.4, TIME_FORMAT_TENTHS), "1:02:03");
        /* No value: the clock's placeholder, or a table's dash. */
        assert_string_equal(format_duration(b, sizeof(b), NAN, 0), "--:--");
        assert_string_equal(format_duration(b, sizeof(b), -1, 0), "--:--");
        assert_string_equal(format_duration(b, sizeof(b), INFINITY, TIME_FORMAT_DASH), "-");
        assert_string_equal(format_duration(b, sizeof(b), 90, TIME_FORMAT_DASH), "1:30");
}

static void test_format_pace(void **state)
{
        char b[32];

        assert_string_equal(format_pace(b, sizeof(b), 12, false, 0), "5:00");
        assert_string_equal(format_pace(b, sizeof(b), 12, true, 0), "8:03");
        assert_string_equal(format_pace(b, sizeof(b), 12, false, TIME_FORMAT_UNIT), "5:00/km");
        assert_string_equal(format_pace(b, sizeof(b), 12, true, TIME_FORMAT_UNIT), "8:03/mi");
        assert_string_equal(format_pace(b, sizeof(b), 11.25, false, TIME_FORMAT_UNIT), "5:20/km");
        /* Slow paces keep counting minutes: no hours in a pace. */
        assert_string_equal(format_pace(b, sizeof(b), 0.5, false, TIME_FORMAT_UNIT), "120:00/km");
        assert_string_equal(format_pace(b, sizeof(b), 0.8, true, 0), "120:42");
        /* Below 0.5 km/h, or no speed at all: no pace. */
        assert_string_equal(format_pace(b, sizeof(b), 0.49, false, 0), "--:--");
        assert_string_equal(format_pace(b, sizeof(b), 0, false, TIME_FORMAT_UNIT), "--:--/km");
        assert_string_equal(format_pace(b, sizeof(b), NAN, true, TIME_FORMAT_UNIT), "--:--/mi");
        assert_string_equal(
                format_pace(b, sizeof(b), -3, false, TIME_FORMAT_UNIT | TIME_FORMAT_DASH), "-");
        /* A buffer too small truncates, never overflows. */
        assert_string_equal(format_pace(b, 5, 12, false, TIME_FORMAT_UNIT), "5:00");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_duration),
                cmocka_unit_test(test_format_pace),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
