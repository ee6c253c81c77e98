/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl start [WORKOUT] [--arm]: run a workout (library name or file). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "util.h"

static int cmd_start(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"arm", no_argument, NULL, 'a'},
                {},
        };
        char resolved[PATH_MAX];
        const char *workout = "";
        bool arm = false;
        int c;

        while ((c = getopt_long(argc, argv, "ha", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage(
                                "start",
                                "  --arm    Load the workout and wait for the runner to start\n"
                                "           the belt on the console\n\n"
                                "WORKOUT is a library name (see /usr/share/paced/workouts) or a\n"
                                "file (.txt or .zwo). Without it, today's scheduled workout "
                                "runs.\n");
                        return PACECTL_EXIT_OK;
                case 'a':
                        arm = true;
                        break;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (argc - optind > 1) {
                fprintf(stderr, "pacectl start: at most one workout\n");
                return PACECTL_EXIT_USAGE;
        }
        if (optind < argc)
                workout = argv[optind];
        /* The daemon runs elsewhere: hand it an absolute path for a local file. */
        if (strchr(workout, '/') || access(workout, F_OK) == 0) {
                if (!realpath(workout, resolved)) {
                        fprintf(stderr, "pacectl start: %s: %m\n", workout);
                        return PACECTL_EXIT_USAGE;
                }
                workout = resolved;
        }
        return pacectl_call_manager("StartWorkout", "sb", workout, (int)arm);
}

PACECTL_COMMAND(start, .name = "start", .args = "[WORKOUT] [--arm]",
                .summary = "Start (or arm) a workout: a library name or a file.", .run = cmd_start);
