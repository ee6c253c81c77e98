/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one duration and the one pace formatter: what cues, reports and
 * pacectl show, including the placeholders and the boundaries (an hour, the
 * slowest speed that has a pace); and the one clock-time, pace and duration
 * parser that paced.conf, the profile and workout text share.
 */
#include <errno.h>
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

static void test_format_speed_distance(void **state)
{
        char b[32];

        assert_string_equal(format_speed(b, sizeof(b), 11.25, false, TIME_FORMAT_UNIT),
                            "11.2 km/h");
        assert_string_equal(format_speed(b, sizeof(b), 12, true, TIME_FORMAT_UNIT), "7.5 mph");
        assert_string_equal(format_speed(b, sizeof(b), 16.09344, true, 0), "10.0");
        assert_string_equal(format_speed(b, sizeof(b), NAN, true, TIME_FORMAT_UNIT), "-");
        assert_string_equal(format_distance(b, sizeof(b), 5000, false, TIME_FORMAT_UNIT),
                            "5.00 km");
        assert_string_equal(format_distance(b, sizeof(b), 5000, true, TIME_FORMAT_UNIT), "3.11 mi");
        assert_string_equal(format_distance(b, sizeof(b), 1609.344, true, 0), "1.00");
        /* Rounded, never truncated: 0.995 mi is "1.00 mi" only from 0.995 on. */
        assert_string_equal(format_distance(b, sizeof(b), 0.9949 * 1609.344, true, 0), "0.99");
        assert_string_equal(format_distance(b, sizeof(b), 0.9951 * 1609.344, true, 0), "1.00");
        assert_string_equal(format_distance(b, sizeof(b), INFINITY, false, TIME_FORMAT_UNIT), "-");
}

static void test_parse_speed_change(void **state)
{
        double v = 0;

        /* Speeds: km/h unless mph. */
        assert_int_equal(parse_speed_change("0.5", &v), SPEED_CHANGE_KMH);
        assert_true(v == 0.5);
        assert_int_equal(parse_speed_change("+1.5km/h", &v), SPEED_CHANGE_KMH);
        assert_true(v == 1.5);
        assert_int_equal(parse_speed_change("-0.5 kmh", &v), SPEED_CHANGE_KMH);
        assert_true(v == -0.5);
        assert_int_equal(parse_speed_change("0.2mph", &v), SPEED_CHANGE_KMH);
        assert_float_equal(v, 0.3219, 5e-5);
        assert_int_equal(parse_speed_change("-0.5 MPH", &v), SPEED_CHANGE_KMH);
        assert_float_equal(v, -0.804672, 1e-9);
        /* Pace changes: seconds per the runner's unit, or per km / mile. */
        assert_int_equal(parse_speed_change("5s", &v), SPEED_CHANGE_PACE);
        assert_true(v == 5);
        assert_int_equal(parse_speed_change("5 sec", &v), SPEED_CHANGE_PACE);
        assert_true(v == 5);
        assert_int_equal(parse_speed_change("-0:10", &v), SPEED_CHANGE_PACE);
        assert_true(v == -10);
        assert_int_equal(parse_speed_change("5s/mi", &v), SPEED_CHANGE_PACE_MI);
        assert_true(v == 5);
        assert_int_equal(parse_speed_change("2.5s/km", &v), SPEED_CHANGE_PACE_KM);
        assert_true(v == 2.5);
        /* Neither, or nothing. */
        assert_int_equal(parse_speed_change("fast", &v), -EINVAL);
        assert_int_equal(parse_speed_change("0", &v), -EINVAL);
        assert_int_equal(parse_speed_change("0mph", &v), -EINVAL);
        assert_int_equal(parse_speed_change("5 knots", &v), -EINVAL);
        assert_int_equal(parse_speed_change("5s/furlong", &v), -EINVAL);
        assert_int_equal(parse_speed_change("+", &v), -EINVAL);
        assert_int_equal(parse_speed_change("", &v), -EINVAL);
        assert_int_equal(parse_speed_change("--1", &v), -EINVAL);
}

static void test_speed_for_pace_change(void **state)
{
        char b[32];

        /* 5:00/km, 5 s faster: 4:55/km. */
        assert_string_equal(
                format_pace(b, sizeof(b), speed_for_pace_change(12, -5, false), false, 0), "4:55");
        /* 8:03/mi (12 km/h, 482.8 s/mi), 5 s faster a mile. */
        assert_float_equal(speed_for_pace_change(12, -5, true), 3600 * 1.609344 / (482.803 - 5),
                           1e-3);
        assert_string_equal(format_pace(b, sizeof(b), speed_for_pace_change(12, 10, true), true, 0),
                            "8:13");
        assert_true(isnan(speed_for_pace_change(0.2, -5, false)));
        assert_true(isnan(speed_for_pace_change(12, -300, false)));
        assert_true(isnan(speed_for_pace_change(NAN, 5, false)));
}

static double clock_time(const char *s)
{
        double v = -1;

        return parse_clock_time(s, &v) < 0 ? -1 : v;
}

static void test_parse_clock_time(void **state)
{
        assert_true(clock_time("5:30") == 330);
        assert_true(clock_time("1:29:30") == 5370);
        assert_true(clock_time("330") == 330);
        assert_true(clock_time("5:30.5") == 330.5);
        assert_true(clock_time("05:09") == 309);
        assert_true(clock_time("5:75") < 0);
        assert_true(clock_time("5.5:30") < 0);
        assert_true(clock_time("1:2:3:4") < 0);
        assert_true(clock_time("0:00") < 0);
        assert_true(clock_time("-5:30") < 0);
        assert_true(clock_time("5:30x") < 0);
        assert_true(clock_time("5:") < 0);
        assert_true(clock_time("") < 0);
        assert_true(clock_time("1e3") < 0);
}

static double pace(const char *s)
{
        double v = -1;

        return parse_pace(s, &v) < 0 ? -1 : v;
}

static void test_parse_pace(void **state)
{
        assert_true(pace("4:00/km") == 240);
        assert_true(pace("4:00/KM") == 240);
        assert_true(fabs(pace("6:00/mi") - 360 * 1000 / 1609.344) < 1e-9);
        assert_true(fabs(pace("6:00/mile") - 360 * 1000 / 1609.344) < 1e-9);
        assert_true(pace("80/400m") == 200);
        assert_true(pace("5:00") < 0);
        assert_true(pace("5:00/furlong") < 0);
        assert_true(pace("/km") < 0);
        assert_true(pace("5:75/km") < 0);
}

static double distance(const char *s, ParseDistanceFlags flags)
{
        double v = -1;
        int r = parse_distance(s, flags, &v);

        return r == -EDOM ? -2 : r < 0 ? -1 : v;
}

static void test_parse_distance(void **state)
{
        assert_true(distance("400mtr", 0) == 400);
        assert_true(distance("400MTR", 0) == 400);
        assert_true(distance("0.4km", 0) == 400);
        assert_true(distance("1.5 km", 0) == 1500);
        assert_true(fabs(distance("1mi", 0) - 1609.344) < 1e-9);
        assert_true(fabs(distance("2 miles", 0) - 2 * 1609.344) < 1e-9);
        /* 'm' is minutes wherever paced reads a distance: a distinct error. */
        assert_true(distance("400m", 0) == -2);
        assert_true(distance("400 M", PARSE_DISTANCE_BARE) == -2);
        assert_true(distance("400", 0) == -1);
        assert_true(distance("400", PARSE_DISTANCE_BARE) == 400);
        assert_true(distance("mile", 0) == -1);
        assert_true(fabs(distance("mile", PARSE_DISTANCE_MILE) - 1609.344) < 1e-9);
        assert_true(distance("-400mtr", PARSE_DISTANCE_BARE) == -1);
        assert_true(distance("400yd", 0) == -1);
        assert_true(distance("", PARSE_DISTANCE_BARE) == -1);
        assert_true(distance("km", 0) == -1);
}

static double duration(const char *s, ParseDurationFlags flags)
{
        double v = -1;

        return parse_duration(s, flags, &v) < 0 ? -1 : v;
}

static void test_parse_duration(void **state)
{
        /* The workout text's spellings... */
        assert_true(duration("10m", 0) == 600);
        assert_true(duration("30s", 0) == 30);
        assert_true(duration("1h", 0) == 3600);
        assert_true(duration("1m30", 0) == 90);
        assert_true(duration("1m30s", 0) == 90);
        assert_true(duration("1h10m", 0) == 4200);
        assert_true(duration("1h30", 0) == 5400);
        assert_true(duration("1.5h", 0) == 5400);
        assert_true(duration("5'", 0) == 300);
        assert_true(duration("30\"", 0) == 30);
        assert_true(duration("5'30\"", 0) == 330);
        /* ... and paced.conf's, which are the same grammar. */
        assert_true(duration("2min", 0) == 120);
        assert_true(duration("10 sec", 0) == 10);
        assert_true(duration("0.1h", 0) == 360);
        assert_true(duration("1min30sec", 0) == 90);
        /* A bare number only where the caller allows it. */
        assert_true(duration("10", PARSE_DURATION_BARE) == 10);
        assert_true(duration("2.5", PARSE_DURATION_BARE) == 2.5);
        assert_true(duration("10", 0) < 0);
        /* Units largest first, once each; fractions and values >= 60 only up front. */
        assert_true(duration("30s1m", 0) < 0);
        assert_true(duration("1m1m", 0) < 0);
        assert_true(duration("1h1.5m", 0) < 0);
        assert_true(duration("1m60", 0) < 0);
        assert_true(duration("1m60s", 0) < 0);
        assert_true(duration("90s", 0) == 90);
        assert_true(duration("5 ms", PARSE_DURATION_BARE) < 0);
        assert_true(duration("soon", PARSE_DURATION_BARE) < 0);
        assert_true(duration("-5s", PARSE_DURATION_BARE) < 0);
        assert_true(duration("", PARSE_DURATION_BARE) < 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_format_duration),
                cmocka_unit_test(test_format_pace),
                cmocka_unit_test(test_parse_clock_time),
                cmocka_unit_test(test_parse_pace),
                cmocka_unit_test(test_parse_distance),
                cmocka_unit_test(test_parse_duration),
                cmocka_unit_test(test_format_speed_distance),
                cmocka_unit_test(test_parse_speed_change),
                cmocka_unit_test(test_speed_for_pace_change),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
