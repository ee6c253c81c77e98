/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl pause | resume | stop | skip | extend [SECONDS]: drive the running workout. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "util.h"

/* These take no options but --help; anything else is a usage error. */
static int simple(int argc, char *argv[], const char *method, int max_args)
{
        const char *name = pacectl_command_name(argv[0]);

        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                pacectl_print_usage(name, NULL);
                return -1;
        }
        if (argc - 1 > max_args) {
                fprintf(stderr, "pacectl %s: unexpected argument '%s'\n", name, argv[max_args + 1]);
                return PACECTL_EXIT_USAGE;
        }
        return method ? pacectl_say_next(name, pacectl_call_manager(method, NULL)) : 0;
}

#define SIMPLE_COMMAND(id, method, summary_text)                                                   \
        static int cmd_##id(int argc, char *argv[])                                                \
        {                                                                                          \
                int r = simple(argc, argv, method, 0);                                             \
                return r < 0 ? PACECTL_EXIT_OK : r;                                                \
        }                                                                                          \
        PACECTL_COMMAND(id, .name = #id, .args = "", .summary = summary_text, .run = cmd_##id)

SIMPLE_COMMAND(pause, "Pause", "Pause the workout (the belt is slowed as the treadmill does).");
SIMPLE_COMMAND(resume, "Resume", "Resume a paused workout in the same step.");
SIMPLE_COMMAND(stop, "Stop", "Stop the workout; the session is saved.");

/*
 * skip: the step the runner sees now, by index, so that a request that
 * arrives just after the step ended does not skip the next one as well;
 * --step N skips step N only; --to main|trial|cooldown jumps ahead.
 */
static int cmd_skip(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"step", required_argument, NULL, 's'},
                {"to", required_argument, NULL, 't'},
                {},
        };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *to = NULL;
        long step = 0;
        char *end;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage("skip",
                                            "  --step N     Skip step N only (as status shows "
                                            "it), not the one after it\n"
                                            "  --to PART    Jump to: main (after the warm-up), "
                                            "trial, cooldown\n");
                        return PACECTL_EXIT_OK;
                case 's':
                        errno = 0;
                        step = strtol(optarg, &end, 10);
                        if (errno || *end || step < 1 || step > 100000) {
                                fprintf(stderr,
                                        "pacectl skip: --step needs a step number, got "
                                        "'%s'\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                case 't':
                        to = optarg;
                        break;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc || (to && step)) {
                fprintf(stderr, "pacectl skip: one of --step N or --to PART, and no arguments\n");
                return PACECTL_EXIT_USAGE;
        }
        if (to)
                return pacectl_say_next("skip", pacectl_call_manager("SkipTo", "s", to));
        if (step == 0) {
                ManagerProps p;

                /* The step shown now is the one to skip. */
                r = pacectl_bus_open(&bus);
                if (r < 0)
                        return pacectl_bus_open_failed(r);
                manager_props_init(&p);
                r = manager_props_get(bus, &p, &error);
                step = p.step_index + 1;
                manager_props_done(&p);
                if (r < 0)
                        return pacectl_error_exit("cannot reach paced", &error, r);
                if (step < 1)
                        return pacectl_say_next("skip", pacectl_call_manager("SkipStep", NULL));
        }
        return pacectl_say_next("skip",
                                pacectl_call_manager("SkipStepIndex", "i", (int32_t)(step - 1)));
}

PACECTL_COMMAND(skip, .name = "skip", .args = "[--step N | --to main|trial|cooldown]",
                .summary = "Skip the current step (or step N), or jump to a part of the workout.",
                .run = cmd_skip);

static int cmd_extend(int argc, char *argv[])
{
        unsigned long seconds = 30;
        char *end;
        int r = simple(argc, argv, NULL, 1);

        if (r < 0)
                return PACECTL_EXIT_OK;
        if (r > 0)
                return r;
        if (argc == 2) {
                errno = 0;
                seconds = strtoul(argv[1], &end, 10);
                if (errno || *end || argv[1][0] == '-' || seconds == 0 || seconds > 3600) {
                        fprintf(stderr,
                                "pacectl extend: '%s' is not a number of seconds "
                                "(1 to 3600)\n",
                                argv[1]);
                        return PACECTL_EXIT_USAGE;
                }
        }
        return pacectl_call_manager("ExtendStep", "u", (uint32_t)seconds);
}

PACECTL_COMMAND(extend, .name = "extend", .args = "[SECONDS]",
                .summary = "Make the current step longer (default 30 s).", .run = cmd_extend);
