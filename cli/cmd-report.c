/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl report ID [-o FILE.svg] */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pacectl.h"
#include "report-svg.h"
#include "session-cli.h"
#include "util.h"

static const char options_help[] =
        "  -o, --output FILE  Write the SVG to FILE (default: standard output); FILE\n"
        "                     is replaced only once the report is complete\n"
        "      --force        Write through a symbolic link at FILE\n" SESSION_CLI_DB_OPTIONS_HELP
        "  -h, --help         Show this help\n";

static int cmd_report(int argc, char *argv[])
{
        static const struct option options[] = {
                {"output", required_argument, NULL, 'o'},
                {"force", no_argument, NULL, 'F'},
                {"db", required_argument, NULL, 'D'},
                {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *output = NULL, *db = NULL, *state_dir = NULL;
        SessionCliOutput out;
        SessionData *d = NULL;
        bool force = false;
        struct tm tm;
        time_t start;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "o:h", options, NULL)) >= 0)
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'F':
                        force = true;
                        break;
                case 'D':
                        db = optarg;
                        break;
                case 'S':
                        state_dir = optarg;
                        break;
                case 'h':
                        pacectl_print_usage("report", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "pacectl report: expected one session ID (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }
        r = session_cli_load(db, state_dir, argv[optind], &d);
        if (r != PACECTL_EXIT_OK)
                return r;

        /* Nothing to draw is an error that touches nothing. */
        if (d->n_samples == 0) {
                fprintf(stderr, "pacectl report: session %s has no samples; nothing written\n",
                        argv[optind]);
                session_data_free(d);
                return PACECTL_EXIT_FAILURE;
        }
        start = (time_t)(d->start_wall_usec / USEC_PER_SEC);
        r = session_cli_output_open(&out, "report", output, force);
        if (r < 0) {
                session_data_free(d);
                return PACECTL_EXIT_FAILURE;
        }
        r = report_svg_write(d, localtime_r(&start, &tm) ? (int)tm.tm_gmtoff : 0, out.f);
        r = session_cli_output_finish(&out, r);
        session_data_free(d);
        if (r < 0) {
                fprintf(stderr, "pacectl report: %s%s\n",
                        r == -ENODATA ? "the session has no samples" : strerror(-r),
                        output ? "; nothing written" : "");
                return PACECTL_EXIT_FAILURE;
        }
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(report, .name = "report", .args = "ID [-o FILE.svg [--force]]",
                .summary = "Draw a stored session as an SVG chart.", .run = cmd_report);
