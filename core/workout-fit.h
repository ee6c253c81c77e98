/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * FIT workout files (file_id type 5), as Garmin Connect, TrainingPeaks and
 * intervals.icu export them for watches: the workout message and its
 * workout_steps. Durations: time, distance, open (the lap button) and
 * "repeat until steps complete" (a repeat of the steps above, nested or
 * not). Targets: speed (a custom range), heart rate (custom bpm or % of max,
 * or a zone) and open. Anything a treadmill cannot follow (power, calories,
 * "until HR below") is refused, naming the step and the field. Pure code;
 * the CRCs are checked; all or nothing.
 */

#include <stddef.h>

#include "workout.h"

#define WORKOUT_FIT_MAX (1024 * 1024)

/* True if data starts like a FIT file (".FIT" at byte 8). */
bool workout_fit_detect(const void *data, size_t len);

/*
 * Writes the workout as a FIT workout file (core/workout-fit-export.c): w
 * the authored workout (for its repeats; may be NULL), rw what it resolved
 * to for this runner and machine (the steps' durations and targets), created
 * the file_id's time_created (FIT seconds). A malloc'd buffer. 0, -EINVAL,
 * -E2BIG, -ENOMEM.
 */
int workout_fit_export(const Workout *w, const ResolvedWorkout *rw, uint32_t created, uint8_t **ret,
                       size_t *ret_size);

int workout_fit_parse(const void *data, size_t len, const char *filename, Workout **ret,
                      WorkoutError *ret_error);
