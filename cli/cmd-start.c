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

/*
 * How the file was read (metres or seconds, fallbacks, warnings): the
 * runner sees it before the belt moves, then what to do next.
 */
static int confirm_started(int r)
{
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char **notes = NULL;

        if (r != PACECTL_EXIT_OK || pacectl_bus_open(&bus) < 0)
                return r;
        if (sd_bus_get_property_strv(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                     "WorkoutNotes", &error, &notes) >= 0) {
                for (char **n = notes; n && *n; n++) {
                        printf("Note: %s\n", *n);
                        free(*n);
                }
                free(notes);
        }
        return pacectl_say_next("start", r);
}

static int start_bytes(const char *filename, const char *data, size_t len, bool arm)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_message_new_method_call(bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           PACED_BUS_IFACE_MANAGER, "StartWorkoutBytes");
        if (r >= 0)
                r = sd_bus_message_append(msg, "s", filename);
        if (r >= 0)
                r = sd_bus_message_append_array(msg, 'y', data, len);
        if (r >= 0)
                r = sd_bus_message_append(msg, "b", (int)arm);
        if (r < 0)
                return pacectl_error_exit("StartWorkoutBytes", NULL, r);
        r = sd_bus_call(bus, msg, 0, &error, &reply);
        if (r < 0)
                return pacectl_error_exit("StartWorkoutBytes", &error, r);
        return PACECTL_EXIT_OK;
}

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
                                "file (.txt, .zwo or a .fit workout). Without it, today's scheduled workout "
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
                /* A FIT workout is binary: sent as bytes, the format read by paced. */
                if (len >= 12 && memcmp(data + 8, ".FIT", 4) == 0)
                        return confirm_started(start_bytes(workout, data, len, arm));
                if (memchr(data, '\0', len)) {
                        fprintf(stderr, "pacectl start: %s: not a text file\n", workout);
                        return PACECTL_EXIT_USAGE;
                }
                return confirm_started(
                        pacectl_call_manager("StartWorkoutData", "ssb", workout, data, (int)arm));
        }
        return confirm_started(pacectl_call_manager("StartWorkout", "sb", workout, (int)arm));
}

PACECTL_COMMAND(start, .name = "start", .args = "[WORKOUT] [--arm]",
                .summary = "Start (or arm) a workout: a library name or a file.", .run = cmd_start);
