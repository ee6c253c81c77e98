/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Time trials: the result a runner runs them for. A trial is a block of
 * consecutive time-trial steps (the library's mile is four laps, the last
 * in four 100 m segments); its laps are the auto-lap distance adjusted so
 * that the trial divides into whole laps (400 m -> a quarter of the mile,
 * 402.336 m), each ending on a step boundary where the workout puts one, so
 * that no auto-lap ever cuts a lap the workout defines. The result is the
 * trial's running time, which is the sum of its laps, against the goal: the
 * time the steps ask for at their speeds. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>

#include "workout.h"

#define TRIAL_LAPS_MAX 25

typedef struct TrialResult {
        double distance_m;
        double time_s; /* running time, pauses excluded: the sum of the laps */
        double goal_s; /* at the steps' target speeds; NAN if unknown */
        size_t n_laps;
        double lap_s[TRIAL_LAPS_MAX];
        double lap_m[TRIAL_LAPS_MAX];
        bool complete; /* every step of the trial was run to its end (none skipped) */
        bool best;     /* faster than every earlier complete result at this distance */
} TrialResult;

/* The trial block around step i of w: steps [*ret_first, *ret_end), its
 * distance (NAN unless every step ends on a distance) and goal time.
 * -ENOENT if step i is not a time-trial step. */
int trial_block(const ResolvedWorkout *w, size_t i, size_t *ret_first, size_t *ret_end,
                double *ret_distance_m, double *ret_goal_s);

/* The trial's lap: auto_lap_m adjusted to divide distance_m into whole laps
 * when that is within 2 % of it (a mile in 402.336 m laps); auto_lap_m
 * otherwise (the last lap partial); distance_m when auto-laps are off. */
double trial_lap_length(double distance_m, double auto_lap_m);

/* "Mile", "3000 m", "5 km": what the runner calls the distance. */
const char *trial_distance_name(double distance_m, char *buf, size_t n);

/* "Mile 6:35.0 (goal 6:31, +4 s); laps 1:47.5 / 1:37.0 / 1:36.5 / 1:34.0", with
 * ", a new best" after the goal when best; "Mile not completed: ..." if not complete. */
const char *trial_result_format(const TrialResult *r, char *buf, size_t n);

/* Laps as JSON, "[107.5,97.0,96.5,94.0]" (seconds, tenths), for the store. */
const char *trial_laps_to_json(const TrialResult *r, char *buf, size_t n);
/* Reads what trial_laps_to_json() wrote into r->lap_s/n_laps; -EINVAL if malformed. */
int trial_laps_from_json(const char *json, TrialResult *r);
