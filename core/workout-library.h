/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Built-in and user workouts by name: "<name>.txt" (or "<name>.zwo") in a
 * list of directories searched in order, the first match winning, so that a
 * file in /etc/paced/workouts overrides the shipped one of the same name.
 */

#include "workout.h"

/* NULL-terminated: PACED_SYSCONFDIR "/workouts", then paced_data_dir()'s
 * workouts/ (paths.h). */
const char *const *workout_library_default_dirs(void);

/* Library names are [a-z0-9-]{1,64}: never a path. */
bool workout_library_name_is_valid(const char *name);

/* Finds <name>.txt, <name>.zwo or <name>.fit; -ENOENT if none, -EINVAL for a bad name. */
int workout_library_find(const char *name, const char *const *dirs, char **ret_path);

/*
 * Parses a workout file's contents in whichever format it is: a FIT
 * workout (by its header), Zwift .zwo (an XML <workout_file>, or the
 * ".zwo" name), else the text format. Other XML (TCX, QZ's training
 * programs, GPX) and other FIT files are refused with a message that says
 * what paced reads instead, never as a text file with "no steps".
 * filename names the file in errors and gives the default workout name.
 */
int workout_parse_data(const void *data, size_t len, const char *filename, Workout **ret,
                       WorkoutError *ret_error);

/* The largest file any format takes (the one to read). */
#define WORKOUT_FILE_MAX (4 * 1024 * 1024)

/* Reads path and parses it with workout_parse_data(). */
int workout_load_file(const char *path, Workout **ret, WorkoutError *ret_error);

/* workout_library_find() + workout_load_file(). */
int workout_library_load(const char *name, const char *const *dirs, Workout **ret,
                         WorkoutError *ret_error);

/* Every workout name in dirs, sorted, deduplicated; a NULL-terminated strv. */
int workout_library_list(const char *const *dirs, char ***ret_names);
void workout_library_strv_free(char **names);
