/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl export-workout NAME|FILE -o FILE.fit: a paced workout as a FIT
 * workout file for a watch (core/workout-fit-export.c), resolved offline
 * for the runner profile, as `pacectl validate` resolves it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "export-fit.h"
#include "pacectl.h"
#include "session-cli.h"
#include "util.h"
#include "workout-cli.h"
#include "workout-fit.h"

static const char options_help[] =
        "  -o, --output FILE      Write the FIT workout to FILE (replaced only once\n"
        "                         complete); without it, standard output if not a tty\n"
        "  --force                Write through a symbolic link at FILE\n"
        "  --profile FILE|K=V,..  Runner profile for the paces: a paced.conf with [Runner],\n"
        "                         or keys such as Mile=5:30,MaxHR=190 (default: the\n"
        "                         [Runner] section of " CONFIG_DEFAULT_PATH
        ", if any)\n" WORKOUT_CLI_LIMIT_HELP "  -h, --help             Show this help\n"
        "NAME|FILE is a library workout, a text workout, a .zwo file or a FIT workout.\n";

static int cmd_export_workout(int argc, char *argv[])
{
        enum {
                ARG_FORCE = 0x100,
                ARG_PROFILE,
        };
        static const struct option options[] = {{"help", no_argument, NULL, 'h'},
                                                {"output", required_argument, NULL, 'o'},
                                                {"force", no_argument, NULL, ARG_FORCE},
                                                {"profile", required_argument, NULL, ARG_PROFILE},
                                                WORKOUT_CLI_LIMIT_OPTIONS,
                                                {}};
        _cleanup_(workout_freep) Workout *w = NULL;
        _cleanup_(resolved_workout_freep) ResolvedWorkout *rw = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        const char *output = NULL;
        bool force = false, have_profile = false;
        SessionCliOutput out;
        RunnerProfile profile;
        ResolveLimits limits;
        struct stat st;
        size_t size;
        time_t now;
        int c, r;

        runner_profile_init(&profile);
        resolve_limits_init(&limits);
        optind = 0;
        while ((c = getopt_long(argc, argv, "ho:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage("export-workout", options_help);
                        return PACECTL_EXIT_OK;
                case 'o':
                        output = optarg;
                        break;
                case ARG_FORCE:
                        force = true;
                        break;
                case ARG_PROFILE:
                        if (workout_cli_load_profile(optarg, &profile) < 0)
                                return PACECTL_EXIT_USAGE;
                        have_profile = true;
                        break;
                default:
                        /* The machine limits, or an option getopt refused. */
                        if (workout_cli_parse_limit(c, optarg, &limits) < 0)
                                return PACECTL_EXIT_USAGE;
                        break;
                }
        if (workout_cli_check_args("export-workout", argc, &limits) < 0)
                return PACECTL_EXIT_USAGE;
        if (!output && isatty(STDOUT_FILENO)) {
                fprintf(stderr, "pacectl export-workout: FIT is binary; use -o FILE or a "
                                "redirect\n");
                return PACECTL_EXIT_USAGE;
        }
        /* The runner's paces as paced.conf sets them, unless told otherwise. */
        if (!have_profile && stat(CONFIG_DEFAULT_PATH, &st) == 0 &&
            workout_cli_load_profile(CONFIG_DEFAULT_PATH, &profile) < 0)
                return PACECTL_EXIT_USAGE;

        r = workout_cli_resolve(argv[optind], &profile, &limits, &w, &rw);
        if (r != PACECTL_EXIT_OK)
                return r;
        now = time(NULL);
        r = workout_fit_export(w, rw,
                               now > FIT_EPOCH_OFFSET ? (uint32_t)(now - FIT_EPOCH_OFFSET) : 0,
                               &buf, &size);
        if (r < 0) {
                fprintf(stderr, "pacectl export-workout: %s: %s; nothing written\n", argv[optind],
                        r == -E2BIG ? "too many steps for a FIT workout" : strerror(-r));
                return PACECTL_EXIT_FAILURE;
        }
        r = session_cli_output_open(&out, "export-workout", output, force);
        if (r < 0)
                return PACECTL_EXIT_FAILURE;
        if (fwrite(buf, 1, size, out.f) != size)
                r = -EIO;
        r = session_cli_output_finish(&out, r);
        if (r < 0) {
                fprintf(stderr, "pacectl export-workout: %s%s\n", strerror(-r),
                        output ? "; nothing written" : "");
                return PACECTL_EXIT_FAILURE;
        }
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(export_workout, .name = "export-workout",
                .args = "NAME|FILE -o FILE.fit [--profile FILE|K=V,..] [--force]",
                .summary = "Write a workout as a FIT workout file for a watch.",
                .run = cmd_export_workout);
