/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The plain-text workout format runners already write in intervals.icu, plus
 * a treadmill extension (incline, reference paces, ramp-test step-ups); the
 * grammar is in docs/workouts.md. Parsing is all or nothing: on error nothing
 * is returned and *ret_error (if not NULL) says file:line:column and what was
 * expected. Pure code; workout_text_load() is the only I/O.
 */

#include <stddef.h>

#include "workout.h"

/* Texts above this size are rejected (-EFBIG): a workout is a few KiB. */
#define WORKOUT_TEXT_MAX (1024 * 1024)

/* filename is used for error locations and, without a "# name:" line, for
 * the workout's name (basename without extension); it may be NULL. */
int workout_text_parse(const char *text, size_t len, const char *filename, Workout **ret,
                       WorkoutError *ret_error);
int workout_text_load(const char *path, Workout **ret, WorkoutError *ret_error);
