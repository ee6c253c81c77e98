/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Built-in and user workouts by name: "<name>.txt" (or "<name>.zwo") in a
 * list of directories searched in order, the first match winning, so that a
 * file in /etc/paced/workouts overrides the shipped one of the same name.
 */

#include "workout.h"

/* NULL-terminated: PACED_SYSCONFDIR "/workouts", PACED_DATADIR "/workouts",
 * then the source tree's conf/workouts (for running from a build tree). */
const char *const *workout_library_default_dirs(void);

/* Library names are [a-z0-9-]{1,64}: never a path. */
bool workout_library_name_is_valid(const char *name);

/* Finds <name>.txt or <name>.zwo; -ENOENT if none, -EINVAL for a bad name. */
int workout_library_find(const char *name, const char *const *dirs, char **ret_path);

/* Loads by format, chosen from the file name: ".zwo" is Zwift, else text. */
int workout_load_file(const char *path, Workout **ret, WorkoutError *ret_error);

/* workout_library_find() + workout_load_file(). */
int workout_library_load(const char *name, const char *const *dirs, Workout **ret,
                         WorkoutError *ret_error);

/* Every workout name in dirs, sorted, deduplicated; a NULL-terminated strv. */
int workout_library_list(const char *const *dirs, char ***ret_names);
void workout_library_strv_free(char **names);
