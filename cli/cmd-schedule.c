/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl schedule [show] [--json] | set PLAN | clear: the daemon's training
 * plan; today's workout is what `pacectl start` runs by default. PLAN is a
 * file written by `pacectl plan --json` (or the JSON itself).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "read-file.h"
#include "utf8.h"
#include "util.h"

static int show(bool json)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *today = NULL;
        const char *date, *source, *name, *filename;
        size_t n = 0;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_error_exit("cannot connect to the bus", NULL, r);
        r = sd_bus_get_property_string(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                       "Schedule", &error, &today);
        if (r < 0)
                return pacectl_error_exit("cannot reach paced", &error, r);
        /* Planned workouts from other calendars (paced-sync); an older paced has none. */
        r = sd_bus_get_property(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                "PlannedWorkouts", &error, &reply, "a(ssss)");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssss)");
        else
                reply = sd_bus_message_unref(reply);
        if (json) {
                printf("{\"today\":");
                if (*today)
                        pacectl_json_string(stdout, today);
                else
                        printf("null");
                printf(",\"planned\":[");
        } else if (*today) {
                _cleanup_free_ char *t = utf8_sanitize(today); /* a name from a plan */

                printf("Today: %s\n", t ? t : "?");
        } else
                printf("No schedule, or nothing scheduled today.\n");
        while (reply &&
               sd_bus_message_read(reply, "(ssss)", &date, &source, &name, &filename) > 0) {
                if (json) {
                        printf("%s{\"date\":\"%s\",\"source\":", n ? "," : "", date);
                        pacectl_json_string(stdout, source);
                        printf(",\"name\":");
                        pacectl_json_string(stdout, name);
                        printf("}");
                } else {
                        /* Names from workout files: no terminal escapes. */
                        _cleanup_free_ char *nm = utf8_sanitize(name), *src = utf8_sanitize(source);

                        printf("%s  %s  %s (%s)\n", n ? "" : "Planned:\n", date, nm ? nm : "?",
                               src ? src : "?");
                }
                n++;
        }
        if (json)
                printf("]}\n");
        return PACECTL_EXIT_OK;
}

#define PLAN_FILE_MAX (4 * 1024 * 1024)

static int cmd_schedule(int argc, char *argv[])
{
        const char *verb = argc >= 2 ? argv[1] : "show";
        bool json = false;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        pacectl_print_usage(
                                "schedule",
                                "  show [--json]  Today's scheduled workout and the planned ones\n"
                                "  set PLAN       Store a plan (a file from "
                                "'pacectl plan --json')\n"
                                "  clear          Remove the plan\n");
                        return PACECTL_EXIT_OK;
                }
                if (streq(argv[i], "--json"))
                        json = true;
        }
        if (streq(verb, "--json"))
                verb = argc >= 3 ? argv[2] : "show";
        if (streq(verb, "show"))
                return show(json);
        if (streq(verb, "clear")) {
                if (argc != 2) {
                        fprintf(stderr, "pacectl schedule clear: no arguments expected\n");
                        return PACECTL_EXIT_USAGE;
                }
                return pacectl_call_manager("ClearSchedule", NULL);
        }
        if (streq(verb, "set")) {
                _cleanup_free_ char *data = NULL;
                const char *plan;

                if (argc != 3) {
                        fprintf(stderr, "pacectl schedule set: expected one PLAN\n");
                        return PACECTL_EXIT_USAGE;
                }
                plan = argv[2];
                /* A file is read here: paced may not be able to open it (ProtectHome=). */
                if (plan[0] != '{' && plan[0] != '[') {
                        int r = read_file_regular(plan, PLAN_FILE_MAX, 0, &data, NULL);

                        if (r < 0) {
                                fprintf(stderr, "pacectl schedule set: %s: %s\n", plan,
                                        r == -EBADFD ? "not a regular file" : strerror(-r));
                                return PACECTL_EXIT_USAGE;
                        }
                        plan = data;
                }
                return pacectl_call_manager("SetSchedule", "s", plan);
        }
        fprintf(stderr, "pacectl schedule: unknown action '%s' (show, set, clear)\n", verb);
        return PACECTL_EXIT_USAGE;
}

PACECTL_COMMAND(schedule, .name = "schedule", .args = "[show [--json] | set PLAN | clear]",
                .summary = "Show, set or clear the training schedule.", .run = cmd_schedule);
