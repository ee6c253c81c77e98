/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl start [WORKOUT] [--arm]: run a workout (library name or file). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "read-file.h"
#include "util.h"

#define WORKOUT_FILE_MAX (4 * 1024 * 1024)

static int cmd_start(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"arm", no_argument, NULL, 'a'},
                {},
        };
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
        /*
         * A file is read here, with the caller's rights, and its contents
         * sent: the daemon runs as its own user behind ProtectHome= and
         * could not open a file in the caller's home.
         */
        if (strchr(workout, '/') || access(workout, F_OK) == 0) {
                _cleanup_free_ char *data = NULL;
                size_t len = 0;
                int r;

                /* O_NONBLOCK and regular files only: a FIFO is refused, not waited on. */
                r = read_file_regular(workout, WORKOUT_FILE_MAX, 0, &data, &len);
                if (r < 0) {
                        fprintf(stderr, "pacectl start: %s: %s\n", workout,
                                r == -EBADFD ? "not a regular file" : strerror(-r));
                        return PACECTL_EXIT_USAGE;
                }
                if (memchr(data, '\0', len)) {
                        fprintf(stderr, "pacectl start: %s: not a text file\n", workout);
                        return PACECTL_EXIT_USAGE;
                }
                return pacectl_say_next("start", pacectl_call_manager("StartWorkoutData", "ssb",
                                                                      workout, data, (int)arm));
        }
        return pacectl_say_next("start",
                                pacectl_call_manager("StartWorkout", "sb", workout, (int)arm));
}

PACECTL_COMMAND(start, .name = "start", .args = "[WORKOUT] [--arm]",
                .summary = "Start (or arm) a workout: a library name or a file.", .run = cmd_start);
