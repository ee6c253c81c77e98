/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every parser of outside input is linear in its input: parsing four times
 * the input takes about four times the CPU time, never sixteen (a 4 MiB
 * .zwo of text events used to take 7.6 s on the daemon's event loop, as the
 * cue grew by copying). What is compared is a ratio of CPU times of the
 * same code on the same machine, the best of several runs: no wall-clock
 * time is asserted, and the bound (8) sits halfway between linear (4) and
 * quadratic (16) in log scale. bench/bench-parsers prints the figures.
 */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "big-inputs.h"
#include "config.h"
#include "rr-csv.h"
#include "util.h"
#include "workout-text.h"
#include "workout-zwo.h"

typedef char *(*MakeFn)(size_t size, size_t *ret_len);
typedef void (*ParseFn)(const char *data, size_t len);

static void parse_zwo(const char *data, size_t len)
{
        Workout *w = NULL;
        WorkoutError e;

        (void)workout_zwo_parse(data, len, "big.zwo", &w, &e);
        workout_free(w);
}

static void parse_text(const char *data, size_t len)
{
        Workout *w = NULL;
        WorkoutError e;

        (void)workout_text_parse(data, len, "big.txt", &w, &e);
        workout_free(w);
}

static void parse_rr(const char *data, size_t len)
{
        RrRecording *r = NULL;
        RrCsvError e;

        (void)rr_csv_parse(data, len, &r, &e);
        rr_recording_free(r);
}

static void parse_config(const char *data, size_t len)
{
        Config *c = NULL;
        ConfigError e;

        (void)config_load_string(data, len, &c, &e);
        config_free(c);
}

static double cpu_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double best_cpu(ParseFn parse, const char *data, size_t len)
{
        double best = 1e9;

        for (int i = 0; i < 5; i++) {
                double t0 = cpu_seconds();

                parse(data, len);
                best = MIN(best, cpu_seconds() - t0);
        }
        return MAX(best, 1e-6);
}

static void assert_linear(const char *name, MakeFn make, ParseFn parse, size_t size)
{
        size_t len, len4;
        char *big = make(size, &len), *small = make(size / 4, &len4);
        double t = best_cpu(parse, big, len), t4 = best_cpu(parse, small, len4);
        double ratio = (t / t4) / ((double)len / (double)len4);

        print_message("%-16s %8zu B %8.2f ms, %8zu B %8.2f ms: x%.1f for x%.1f the input\n", name,
                      len4, t4 * 1e3, len, t * 1e3, t / t4, (double)len / (double)len4);
        free(big);
        free(small);
        /* ratio is the growth of the time per byte: ~1 linear, ~4 quadratic. */
        if (ratio > 2.0)
                fail_msg("%s is not linear: x%.1f the time for x%.1f the input", name, t / t4,
                         (double)len / (double)len4);
}

static void test_zwo_text_events_linear(void **state)
{
        assert_linear("zwo text events", big_zwo_text_events, parse_zwo, 1024 * 1024);
}

static void test_zwo_steps_linear(void **state)
{
        assert_linear("zwo steps", big_zwo_steps, parse_zwo, WORKOUT_ZWO_MAX);
}

static void test_text_workout_linear(void **state)
{
        assert_linear("text workout", big_text_workout, parse_text, WORKOUT_TEXT_MAX);
}

static void test_rr_csv_linear(void **state)
{
        assert_linear("rr csv", big_rr_csv, parse_rr, 4 * 1024 * 1024);
}

static void test_config_linear(void **state)
{
        assert_linear("paced.conf", big_config, parse_config, 1024 * 1024);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zwo_text_events_linear),
                cmocka_unit_test(test_zwo_steps_linear),
                cmocka_unit_test(test_text_workout_linear),
                cmocka_unit_test(test_rr_csv_linear),
                cmocka_unit_test(test_config_linear),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
