/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl pause | resume | stop | skip | extend [SECONDS]: drive the running workout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "util.h"

/* These take no options but --help; anything else is a usage error. */
static int simple(int argc, char *argv[], const char *method, int max_args)
{
        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                pacectl_print_usage(argv[0], NULL);
                return -1;
        }
        if (argc - 1 > max_args) {
                fprintf(stderr, "pacectl %s: unexpected argument '%s'\n", argv[0],
                        argv[max_args + 1]);
                return PACECTL_EXIT_USAGE;
        }
        return method ? pacectl_say_next(argv[0], pacectl_call_manager(method, NULL)) : 0;
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
SIMPLE_COMMAND(skip, "SkipStep", "Skip to the next step.");

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
