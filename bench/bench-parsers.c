/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Throughput of every parser of outside input on the largest input it
 * accepts (tests/lib/big-inputs.h), in MB/s of CPU time: the daemon parses
 * StartWorkoutData and SetSchedule on its event loop, so the time here is
 * how long the loop is busy. Also a quarter-size input, whose time should be
 * a quarter: a parser that is not linear shows at once.
 *
 *   bench-parsers [repetitions]    (default 3; the best run is printed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../tests/lib/big-inputs.h"
#include "config.h"
#include "plan.h"
#include "rr-csv.h"
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

static void parse_plan(const char *data, size_t len)
{
        Plan *p = NULL;

        (void)plan_from_json(data, &p);
        plan_free(p);
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

static double best_time(ParseFn parse, const char *data, size_t len, int reps)
{
        double best = 1e9;

        for (int i = 0; i < reps; i++) {
                double t0 = cpu_seconds();

                parse(data, len);
                best = MIN(best, cpu_seconds() - t0);
        }
        return best;
}

int main(int argc, char *argv[])
{
        static const struct {
                const char *name;
                MakeFn make;
                ParseFn parse;
                size_t size;
        } cases[] = {
                {"zwo text events", big_zwo_text_events, parse_zwo, WORKOUT_ZWO_MAX},
                {"zwo steps", big_zwo_steps, parse_zwo, WORKOUT_ZWO_MAX},
                {"text workout", big_text_workout, parse_text, WORKOUT_TEXT_MAX},
                {"plan json", big_plan_json, parse_plan, 4 * 1024 * 1024},
                {"rr csv", big_rr_csv, parse_rr, 16 * 1024 * 1024},
                {"paced.conf", big_config, parse_config, 1024 * 1024},
        };
        int reps = argc > 1 ? atoi(argv[1]) : 3;

        if (reps < 1)
                reps = 1;
        printf("%-16s %10s %10s %9s %10s %8s\n", "parser", "bytes", "ms", "MB/s", "1/4 ms",
               "ratio");
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                size_t len, len4;
                char *data = cases[i].make(cases[i].size, &len);
                char *data4 = cases[i].make(cases[i].size / 4, &len4);
                double t = best_time(cases[i].parse, data, len, reps);
                double t4 = best_time(cases[i].parse, data4, len4, reps);

                printf("%-16s %10zu %10.1f %9.1f %10.1f %8.2f\n", cases[i].name, len, t * 1e3,
                       (double)len / 1e6 / t, t4 * 1e3, t / t4);
                free(data);
                free(data4);
        }
        return 0;
}
