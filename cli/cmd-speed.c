/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl faster [KMH] | slower [KMH] | speed +0.5|-0.5: a manual speed
 * override for the rest of the step. Parsed by hand: "-0.5" is a value here,
 * not an option.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "util.h"

static int parse_delta(const char *cmd, const char *s, double *ret)
{
        char *end;
        double v;

        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(v) || v == 0 || fabs(v) > 5) {
                fprintf(stderr,
                        "pacectl %s: '%s' is not a speed change in km/h (e.g. 0.5, at most 5)\n",
                        cmd, s);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

static int run(int argc, char *argv[], double sign, bool need_sign)
{
        double delta = 0.5;

        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                pacectl_print_usage(argv[0], NULL);
                return PACECTL_EXIT_OK;
        }
        if (argc > 2 || (need_sign && argc != 2)) {
                fprintf(stderr, "pacectl %s: expected %s\n", argv[0],
                        need_sign ? "one signed change like +0.5 or -0.5" : "at most one value");
                return PACECTL_EXIT_USAGE;
        }
        if (argc == 2) {
                if (need_sign && argv[1][0] != '+' && argv[1][0] != '-') {
                        fprintf(stderr, "pacectl speed: '%s' needs a sign (+0.5 or -0.5)\n",
                                argv[1]);
                        return PACECTL_EXIT_USAGE;
                }
                if (parse_delta(argv[0], argv[1], &delta) < 0)
                        return PACECTL_EXIT_USAGE;
                if (!need_sign && delta < 0) {
                        fprintf(stderr, "pacectl %s: give a positive amount\n", argv[0]);
                        return PACECTL_EXIT_USAGE;
                }
        }
        return pacectl_call_manager("AdjustSpeed", "d", sign * delta);
}

static int cmd_faster(int argc, char *argv[])
{
        return run(argc, argv, +1, false);
}

static int cmd_slower(int argc, char *argv[])
{
        return run(argc, argv, -1, false);
}

static int cmd_speed(int argc, char *argv[])
{
        return run(argc, argv, +1, true);
}

PACECTL_COMMAND(faster, .name = "faster", .args = "[KMH]",
                .summary = "Run faster for the rest of the step (default +0.5 km/h).",
                .run = cmd_faster);
PACECTL_COMMAND(slower, .name = "slower", .args = "[KMH]",
                .summary = "Run slower for the rest of the step (default -0.5 km/h).",
                .run = cmd_slower);
PACECTL_COMMAND(speed, .name = "speed", .args = "+KMH|-KMH",
                .summary = "Change the speed for the rest of the step, e.g. speed +0.5.",
                .run = cmd_speed);
