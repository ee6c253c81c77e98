/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the workout-file fuzzers share: any input is parsed, and if it
 * parses, resolved against a derived profile and a small machine, and the
 * safety invariants of the result are checked, and it is written as a FIT
 * workout (pacectl export-workout) that paced's FIT parser then reads. Only
 * the parser differs.
 */
#include <stdint.h>
#include <stdlib.h>

#include "workout-fit.h"
#include "workout.h"

typedef int (*FuzzWorkoutParser)(const char *data, size_t len, const char *filename, Workout **ret,
                                 WorkoutError *ret_error);

static inline int fuzz_workout_parse_and_resolve(FuzzWorkoutParser parse, const uint8_t *data,
                                                 size_t size)
{
        Workout *w = NULL;
        ResolvedWorkout *r = NULL;
        WorkoutError e;
        RunnerProfile p;
        ResolveLimits l;
        char msg[600];

        if (size > 64 * 1024)
                return 0;
        if (parse((const char *)data, size, "fuzz", &w, &e) < 0) {
                workout_error_format(&e, msg, sizeof(msg));
                return 0;
        }
        runner_profile_init(&p);
        (void)runner_profile_set_key(&p, "MaxHR", "190");
        resolve_limits_init(&l);
        l.max_speed_kmh = 16;
        l.max_incline_pct = 10;
        if (workout_resolve(w, &p, &l, &r) == 0) {
                for (size_t i = 0; i < r->n_steps; i++) {
                        const ResolvedStep *s = &r->steps[i];

                        /* Never outside the machine's range. */
                        if (s->speed_start_kmh > 16 || s->speed_end_kmh > 16 ||
                            s->speed_hi_kmh > 16 || s->hr_fallback_kmh > 16 ||
                            (s->has_incline &&
                             (s->incline_start_pct > 10 || s->incline_end_pct > 10 ||
                              s->incline_start_pct < 0 || s->incline_end_pct < 0)))
                                abort();
                }
                /* Whatever resolved can be written, and what is written read
                 * (its targets may lie outside what an import accepts). */
                uint8_t *fit = NULL;
                size_t n = 0;
                int k = workout_fit_export(w, r, 0, &fit, &n);
                Workout *back = NULL;

                if (k < 0 && k != -E2BIG && k != -ENOMEM)
                        abort();
                if (k == 0 && workout_fit_parse(fit, n, "fuzz.fit", &back, &e) == 0 &&
                    workout_count_steps(back) == 0)
                        abort();
                workout_free(back);
                free(fit);
                resolved_workout_free(r);
        }
        workout_free(w);
        return 0;
}
