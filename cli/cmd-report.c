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
        "  -o, --output FILE  Write the SVG to FILE (default: standard "
        "output)\n" SESSION_CLI_DB_OPTIONS_HELP "  -h, --help         Show this help\n";

static int cmd_report(int argc, char *argv[])
{
        static const struct option options[] = {
                {"output", required_argument, NULL, 'o'},
                {"db", required_argument, NULL, 'D'},
                {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *output = NULL, *db = NULL, *state_dir = NULL;
        SessionData *d = NULL;
        struct tm tm;
        time_t start;
        FILE *out;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "o:h", options, NULL)) >= 0)
                switch (c) {
                case 'o':
                        output = optarg;
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

        start = (time_t)(d->start_wall_usec / USEC_PER_SEC);
        out = session_cli_output_open("report", output);
        if (!out) {
                session_data_free(d);
                return PACECTL_EXIT_FAILURE;
        }
        r = report_svg_write(d, localtime_r(&start, &tm) ? (int)tm.tm_gmtoff : 0, out);
        r = session_cli_output_close(out, output, r);
        session_data_free(d);
        if (r < 0) {
                fprintf(stderr, "pacectl report: %s\n",
                        r == -ENODATA ? "the session has no samples" : strerror(-r));
                if (output)
                        unlink(output);
                return PACECTL_EXIT_FAILURE;
        }
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(report, .name = "report", .args = "ID [-o FILE.svg]",
                .summary = "Draw a stored session as an SVG chart.", .run = cmd_report);
