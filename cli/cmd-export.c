/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl export ID --format fit|tcx|csv [--rr] [-o FILE] */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export-csv.h"
#include "export-fit.h"
#include "export-tcx.h"
#include "pacectl.h"
#include "session-cli.h"
#include "time-util.h"
#include "util.h"

static const char options_help[] =
        "  -f, --format FMT     fit, tcx or csv (default: from -o's extension, else fit)\n"
        "      --rr             csv: the RR log (time, RR ms, artifact flag) instead of samples\n"
        "      --auto-lap DIST  fit: also lap every DIST (400mtr, 1km, mile) in each step\n"
        "                       (a number, '400m' or 'mile')\n"
        "  -o, --output FILE    Write to FILE (default: standard output); FILE is\n"
        "                       replaced only once the export is complete\n"
        "      --force          Write through a symbolic link at FILE\n" SESSION_CLI_DB_OPTIONS_HELP
        "  -h, --help           Show this help\n";

static const char *format_from_path(const char *path)
{
        const char *dot = path ? strrchr(path, '.') : NULL;

        if (!dot)
                return NULL;
        if (strcasecmp(dot, ".fit") == 0)
                return "fit";
        if (strcasecmp(dot, ".tcx") == 0)
                return "tcx";
        if (strcasecmp(dot, ".csv") == 0)
                return "csv";
        return NULL;
}

static int utc_offset(uint64_t wall_usec)
{
        time_t t = (time_t)(wall_usec / USEC_PER_SEC);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return 0;
        return (int)tm.tm_gmtoff;
}

static int cmd_export(int argc, char *argv[])
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'},
                {"rr", no_argument, NULL, 'r'},
                {"auto-lap", required_argument, NULL, 'a'},
                {"output", required_argument, NULL, 'o'},
                {"force", no_argument, NULL, 'F'},
                {"db", required_argument, NULL, 'D'},
                {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *format = NULL, *output = NULL, *db = NULL, *state_dir = NULL;
        FitExportOptions fit = {};
        SessionCliOutput out;
        SessionData *d = NULL;
        bool rr = false, force = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "f:o:h", options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'r':
                        rr = true;
                        break;
                case 'a':
                        r = parse_distance(optarg, PARSE_DISTANCE_BARE | PARSE_DISTANCE_MILE,
                                           &fit.auto_lap_m);
                        if (r == -EDOM) {
                                fprintf(stderr,
                                        "pacectl export: --auto-lap '%s': 'm' is minutes, as in "
                                        "workouts; metres are 'mtr' (400mtr)\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        if (r < 0 || !(fit.auto_lap_m > 0)) {
                                fprintf(stderr,
                                        "pacectl export: --auto-lap '%s' is not a distance like "
                                        "400mtr, 1km or mile\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
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
                        pacectl_print_usage("export", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind + 1 != argc) {
                fprintf(stderr, "pacectl export: expected one session ID (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }
        if (!format)
                format = format_from_path(output);
        if (!format)
                format = "fit";
        if (!streq(format, "fit") && !streq(format, "tcx") && !streq(format, "csv")) {
                fprintf(stderr, "pacectl export: unknown format '%s' (fit, tcx, csv)\n", format);
                return PACECTL_EXIT_USAGE;
        }
        if (rr && !streq(format, "csv")) {
                fprintf(stderr, "pacectl export: --rr needs --format csv (FIT carries RR in "
                                "its hrv messages)\n");
                return PACECTL_EXIT_USAGE;
        }
        if (streq(format, "fit") && !output && isatty(STDOUT_FILENO)) {
                fprintf(stderr, "pacectl export: FIT is binary; use -o FILE or a redirect\n");
                return PACECTL_EXIT_USAGE;
        }

        r = session_cli_load(db, state_dir, argv[optind], &d);
        if (r != PACECTL_EXIT_OK)
                return r;
        fit.utc_offset_s = utc_offset(d->start_wall_usec);

        /* Nothing to export is an error that touches nothing. */
        if (rr ? d->n_rr == 0 : d->n_samples == 0) {
                fprintf(stderr, "pacectl export: session %s has no %s; nothing written\n",
                        argv[optind], rr ? "RR intervals" : "samples");
                session_data_free(d);
                return PACECTL_EXIT_FAILURE;
        }
        r = session_cli_output_open(&out, "export", output, force);
        if (r < 0) {
                session_data_free(d);
                return PACECTL_EXIT_FAILURE;
        }
        if (streq(format, "fit"))
                r = export_fit_write(d, &fit, out.f);
        else if (streq(format, "tcx"))
                r = export_tcx_write(d, out.f);
        else
                r = rr ? export_csv_rr_write(d, out.f) : export_csv_samples_write(d, out.f);
        r = session_cli_output_finish(&out, r);
        session_data_free(d);
        if (r < 0) {
                fprintf(stderr, "pacectl export: %s%s\n",
                        r == -ENODATA ? "the session has no samples" : strerror(-r),
                        output ? "; nothing written" : "");
                return PACECTL_EXIT_FAILURE;
        }
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(export, .name = "export",
                .args = "ID [--format fit|tcx|csv] [--rr] [-o FILE [--force]]",
                .summary = "Export a stored session as FIT, TCX or CSV.", .run = cmd_export);
