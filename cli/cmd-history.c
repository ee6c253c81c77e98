/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl history [--since DATE] [--json] */
#define _GNU_SOURCE 1
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cue.h"
#include "json-writer.h"
#include "pacectl.h"
#include "session-cli.h"
#include "session-summary.h"
#include "time-util.h"
#include "trial-result.h"
#include "util.h"

static const char options_help[] =
        "      --since DATE  Only sessions started at or after DATE: YYYY-MM-DD,\n"
        "                    'YYYY-MM-DD HH:MM' (local time) or Nd (N days ago)\n"
        "      --json        Print a JSON array\n" SESSION_CLI_DB_OPTIONS_HELP
        "  -h, --help        Show this help\n";

static const char *end_text(const SessionListEntry *e)
{
        return e->end_reason >= 0 ? session_end_reason_to_string(e->end_reason) : "running";
}

static void print_json(const SessionListEntry *l, size_t n)
{
        fputs("[", stdout);
        for (size_t i = 0; i < n; i++) {
                const SessionListEntry *e = &l[i];
                double kmh = e->duration_s > 0 && isfinite(e->distance_m)
                                     ? e->distance_m / e->duration_s * 3.6
                                     : NAN;

                printf("%s\n {\"id\":%" PRId64 ",\"start_usec\":%" PRIu64 ",\"end_usec\":",
                       i ? "," : "", e->id, e->start_wall_usec);
                if (e->end_wall_usec)
                        printf("%" PRIu64, e->end_wall_usec);
                else
                        fputs("null", stdout);
                fputs(",\"end_reason\":", stdout);
                json_write_string(stdout, end_text(e));
                fputs(",\"workout\":", stdout);
                json_write_string(stdout, e->workout_name);
                fputs(",\"duration_s\":", stdout);
                json_write_number(stdout, e->duration_s, 0);
                fputs(",\"distance_m\":", stdout);
                json_write_number(stdout, e->distance_m, 1);
                fputs(",\"avg_speed_kmh\":", stdout);
                json_write_number(stdout, kmh, 2);
                fputs(",\"avg_hr_bpm\":", stdout);
                json_write_number(stdout, e->avg_hr_bpm, 1);
                fputs(",\"max_hr_bpm\":", stdout);
                json_write_number(stdout, e->max_hr_bpm, 0);
                fputs(",\"threshold_hr_bpm\":", stdout);
                json_write_number(stdout, e->threshold_hr_bpm, 0);
                fputs(",\"threshold_speed_kmh\":", stdout);
                json_write_number(stdout, e->threshold_speed_kmh, 2);
                fputs(",\"result\":", stdout);
                if (isfinite(e->result_time_s)) {
                        fputs("{\"distance_m\":", stdout);
                        json_write_number(stdout, e->result_distance_m, 1);
                        fputs(",\"time_s\":", stdout);
                        json_write_number(stdout, e->result_time_s, 1);
                        printf(",\"complete\":%s,\"best\":%s}",
                               e->result_complete ? "true" : "false",
                               e->result_best ? "true" : "false");
                } else
                        fputs("null", stdout);
                fputs(",\"threshold_ci_lo_bpm\":", stdout);
                json_write_number(stdout, e->threshold_ci_lo_bpm, 1);
                fputs(",\"threshold_ci_hi_bpm\":", stdout);
                json_write_number(stdout, e->threshold_ci_hi_bpm, 1);
                fputs("}", stdout);
        }
        fputs(n ? "\n]\n" : "]\n", stdout);
}

/* "Mile 6:35.0*" (* a new best), "Mile (not completed)", "-". */
static const char *result_text(const SessionListEntry *e, char *buf, size_t n)
{
        char name[32], t[24];

        if (!isfinite(e->result_time_s))
                return "-";
        trial_distance_name(e->result_distance_m, name, sizeof(name));
        format_duration(t, sizeof(t), e->result_time_s, TIME_FORMAT_TENTHS);
        if (!e->result_complete)
                snprintf(buf, n, "(%s not completed)", name);
        else
                snprintf(buf, n, "%s %s%s", name, t, e->result_best ? "*" : "");
        return buf;
}

static void print_table(const SessionListEntry *l, size_t n)
{
        bool any_best = false;

        if (n == 0) {
                printf("No sessions.\n");
                return;
        }
        printf("%4s  %-16s  %-20s  %8s  %8s  %7s  %7s  %-16s  %-14s  %s\n", "ID", "DATE", "WORKOUT",
               "DURATION", "DISTANCE", "PACE", "HR", "HRVT1 +-95%", "RESULT", "END");
        for (size_t i = 0; i < n; i++) {
                const SessionListEntry *e = &l[i];
                char date[32], dur[16], pace[16], dist[16] = "-", hr[16] = "-", thr[32] = "-",
                                                  res[80];
                double kmh = e->duration_s > 0 && isfinite(e->distance_m)
                                     ? e->distance_m / e->duration_s * 3.6
                                     : NAN;

                session_cli_format_time(date, sizeof(date), e->start_wall_usec);
                format_duration(dur, sizeof(dur), e->duration_s, TIME_FORMAT_DASH);
                format_pace(pace, sizeof(pace), kmh, false, 0);
                if (isfinite(e->distance_m))
                        snprintf(dist, sizeof(dist), "%.2f km", e->distance_m / 1000);
                if (isfinite(e->avg_hr_bpm))
                        snprintf(hr, sizeof(hr), "%.0f/%.0f", e->avg_hr_bpm, e->max_hr_bpm);
                if (isfinite(e->threshold_hr_bpm)) {
                        char tp[16];
                        format_pace(tp, sizeof(tp), e->threshold_speed_kmh, false, 0);
                        if (isfinite(e->threshold_ci_lo_bpm))
                                snprintf(thr, sizeof(thr), "%.0f+-%.0f %s", e->threshold_hr_bpm,
                                         (e->threshold_ci_hi_bpm - e->threshold_ci_lo_bpm) / 2,
                                         isfinite(e->threshold_speed_kmh) ? tp : "");
                        else
                                snprintf(thr, sizeof(thr), "%.0f bpm %s", e->threshold_hr_bpm,
                                         isfinite(e->threshold_speed_kmh) ? tp : "");
                }
                any_best |= e->result_best;
                printf("%4" PRId64 "  %-16s  %-20.20s  %8s  %8s  %7s  %7s  %-16s  %-14s  %s\n",
                       e->id, date, e->workout_name ? e->workout_name : "(free run)", dur, dist,
                       pace, hr, thr, result_text(e, res, sizeof(res)), end_text(e));
        }
        if (any_best)
                printf("* a new best when it was run\n");
}

static int cmd_history(int argc, char *argv[])
{
        static const struct option options[] = {
                {"since", required_argument, NULL, 's'},
                {"json", no_argument, NULL, 'j'},
                {"db", required_argument, NULL, 'D'},
                {"state-dir", required_argument, NULL, 'S'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *db = NULL, *state_dir = NULL;
        SessionListEntry *l = NULL;
        SessionStore *s = NULL;
        uint64_t since = 0;
        bool json = false;
        size_t n = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 's':
                        if (session_cli_parse_since(optarg, &since) < 0) {
                                fprintf(stderr, "pacectl history: invalid --since '%s'\n", optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                case 'j':
                        json = true;
                        break;
                case 'D':
                        db = optarg;
                        break;
                case 'S':
                        state_dir = optarg;
                        break;
                case 'h':
                        pacectl_print_usage("history", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "pacectl history: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        if (session_cli_open(db, state_dir, &s) < 0)
                return PACECTL_EXIT_FAILURE;
        r = session_store_list(s, since, &l, &n);
        if (r < 0) {
                fprintf(stderr, "pacectl history: %s (%s)\n", strerror(-r),
                        session_store_last_error(s));
                session_store_free(s);
                return PACECTL_EXIT_FAILURE;
        }
        if (json)
                print_json(l, n);
        else
                print_table(l, n);
        session_list_free(l, n);
        session_store_free(s);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(history, .name = "history", .args = "[--since DATE] [--json]",
                .summary = "List stored sessions.", .run = cmd_history);
