/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Planned workouts: dated workout documents that a calendar elsewhere put
 * on the runner's days (paced-sync downloads them from intervals.icu), each
 * kept with its source so that the next download replaces exactly what the
 * previous one brought. Today's first planned workout is what
 * StartWorkout("") runs, before the generated plan's. The documents are
 * paced's text format or .zwo, by the filename's extension, and are checked
 * by the workout parsers before they are accepted. Stored as JSON (json-c).
 * Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "workout.h"

#define PLANNED_SOURCE_MAX     32  /* bytes of a source name */
#define PLANNED_FILENAME_MAX   64  /* bytes of a filename */
#define PLANNED_NAME_MAX       200 /* bytes of a display name */
#define PLANNED_CONTENTS_MAX   (256 * 1024)
#define PLANNED_PER_SOURCE_MAX 64 /* entries one source may hold */
#define PLANNED_SOURCES_MAX    8

typedef struct PlannedWorkout {
        int64_t date; /* days since 1970-01-01, local calendar */
        char *source;
        char *name;     /* shown as the day's workout */
        char *filename; /* "intervals-123.txt": the format, and the name in errors */
        char *contents;
} PlannedWorkout;

typedef struct PlannedWorkouts {
        PlannedWorkout *items; /* by date; within a date, in the order given */
        size_t n;
} PlannedWorkouts;

void planned_workouts_done(PlannedWorkouts *p);
void planned_workout_done(PlannedWorkout *w);

/* [a-z0-9.-], 1..PLANNED_SOURCE_MAX bytes, not starting with '.' */
bool planned_source_is_valid(const char *s);
/* [A-Za-z0-9._-], 1..PLANNED_FILENAME_MAX bytes, ending in .txt or .zwo */
bool planned_filename_is_valid(const char *s);
/* Printable UTF-8 without control characters, 1..PLANNED_NAME_MAX bytes. */
bool planned_name_is_valid(const char *s);

/* Parses w's contents as its filename says. -EBADMSG with ret_error set. */
int planned_workout_parse(const PlannedWorkout *w, Workout **ret, WorkoutError *ret_error);

/*
 * Replaces every entry of source with items[0..n) (taking them over; each
 * must have that source), keeping the order by date. -EINVAL if an entry is
 * malformed, -E2BIG beyond the limits; p is unchanged on error and the
 * items are freed either way.
 */
int planned_workouts_replace(PlannedWorkouts *p, const char *source, PlannedWorkout *items,
                             size_t n);

/* The first planned workout of date, NULL if none. */
const PlannedWorkout *planned_workouts_at(const PlannedWorkouts *p, int64_t date);

/* {"version":1,"workouts":[{"date","source","name","filename","contents"}...]} */
int planned_workouts_to_json(const PlannedWorkouts *p, FILE *f);
/* -EBADMSG for anything but such a document with valid entries. */
int planned_workouts_from_json(const char *json, size_t len, PlannedWorkouts *ret);
