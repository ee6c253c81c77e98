/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Zwift workout files (.zwo), run workouts only: Warmup, Cooldown, Ramp,
 * SteadyState, IntervalsT, FreeRide, MaxEffort and textevent cues. Power
 * fractions multiply the speed of the reference pace selected by the `pace`
 * attribute (0 mile, 1 5k, 2 10k, 3 half marathon, 4 marathon). Bike
 * workouts are rejected. Parsed with expat; all or nothing, errors located.
 */

#include <stddef.h>

#include "workout.h"

#define WORKOUT_ZWO_MAX (4 * 1024 * 1024)

int workout_zwo_parse(const char *xml, size_t len, const char *filename, Workout **ret,
                      WorkoutError *ret_error);
int workout_zwo_load(const char *path, Workout **ret, WorkoutError *ret_error);
