/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by pacectl validate and export-workout (cli/workout-cli.c). */

#include "profile.h"
#include "workout.h"

/* The machine options validate and export-workout share: their getopt
 * values, long options and help lines. */
enum {
        WORKOUT_CLI_ARG_MIN_SPEED = 0x200,
        WORKOUT_CLI_ARG_MAX_SPEED,
        WORKOUT_CLI_ARG_MAX_INCLINE,
        WORKOUT_CLI_ARG_SPEED_CAP,
        WORKOUT_CLI_ARG_INCLINE_CAP,
};

#define WORKOUT_CLI_LIMIT_OPTIONS                                                                  \
        {"min-speed", required_argument, NULL, WORKOUT_CLI_ARG_MIN_SPEED},                         \
                {"max-speed", required_argument, NULL, WORKOUT_CLI_ARG_MAX_SPEED},                 \
                {"max-incline", required_argument, NULL, WORKOUT_CLI_ARG_MAX_INCLINE},             \
                {"speed-cap", required_argument, NULL, WORKOUT_CLI_ARG_SPEED_CAP},                 \
        {                                                                                          \
                "incline-cap", required_argument, NULL, WORKOUT_CLI_ARG_INCLINE_CAP                \
        }

#define WORKOUT_CLI_LIMIT_HELP                                                                     \
        "  --min-speed KMH        Machine minimum speed (default 1)\n"                             \
        "  --max-speed KMH        Machine maximum speed (default 20)\n"                            \
        "  --max-incline PCT      Machine maximum incline (default 15)\n"                          \
        "  --speed-cap KMH        Configured speed cap\n"                                          \
        "  --incline-cap PCT      Configured incline cap\n"

/* One of the WORKOUT_CLI_ARG_* options into l; prints the error; 0, or
 * -EINVAL for a bad value or another option (getopt's '?' included). */
int workout_cli_parse_limit(int opt, const char *arg, ResolveLimits *l);
/* After getopt: one argument left and limits that agree, else -EINVAL (printed). */
int workout_cli_check_args(const char *cmd, int argc, const ResolveLimits *l);

/* --profile: a config file with a [Runner] section, or "Key=Value,…".
 * Prints the error; 0 or -EINVAL/-ENOMEM. */
int workout_cli_load_profile(const char *spec, RunnerProfile *p);
/* A number from lo to hi for option opt; prints the error; 0 or -EINVAL. */
int workout_cli_parse_double(const char *opt, const char *v, double lo, double hi, double *ret);
/*
 * arg: a workout file (text, .zwo, FIT) or a library name. Loads and
 * resolves it (rw->source set to the file), printing what went wrong; a
 * PACECTL_EXIT_* code.
 */
int workout_cli_resolve(const char *arg, const RunnerProfile *profile, const ResolveLimits *limits,
                        Workout **ret_w, ResolvedWorkout **ret_rw);
