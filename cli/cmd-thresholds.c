/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl thresholds [--since DATE] [--json]: the threshold trend, one line
 * per session with an estimate: HRVT1/HRVT2 heart rate and speed,
 * confidence, method, and the change since the previous session that had
 * the same threshold.
 */
#define _GNU_SOURCE 1
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "pacectl.h"
#include "session-cli.h"
#include "util.h"

static const char options_help[] =
        "      --since DATE  Only sessions started at or after DATE: YYYY-MM-DD,\n"
        "                    'YYYY-MM-DD HH:MM' (local time) or Nd (N days ago)\n"
        "      --json        Print a JSON array\n" SESSION_CLI_DB_OPTIONS_HELP
        "  -h, --help        Show this help\n";

/* The previous estimate of the same threshold, NULL if none. */
static const SessionThresholdEstimate *previous(const SessionTrendEntry *l, size_t i, bool aet)
{
        while (i-- > 0) {
                const SessionThresholdEstimate *e = aet ? &l[i].aet : &l[i].ant;
                if (isfinite(e->hr_bpm))
                        return e;
        }
        return NULL;
}

static const char *method_short(const char *m)
{
        return strncmp(m, "dfa-a1-", 7) == 0 ? m + 7 : m;
}

static void print_estimate_json(JsonWriter *w, const char *key, const SessionThresholdEstimate *e,
                                const SessionThresholdEstimate *prev)
{
        json_writer_key(w, key);
        if (!isfinite(e->hr_bpm)) {
                json_writer_null(w);
                return;
        }
        json_writer_begin_object(w);
        json_writer_key_number(w, "bpm", round(e->hr_bpm * 10) / 10);
        json_writer_key_number(w, "ci_lo_bpm", round(e->ci_lo_bpm * 10) / 10);
        json_writer_key_number(w, "ci_hi_bpm", round(e->ci_hi_bpm * 10) / 10);
        json_writer_key_number(w, "kmh", round(e->speed_kmh * 100) / 100);
        json_writer_key_number(w, "confidence", round(e->confidence * 100) / 100);
        json_writer_key_string(w, "method", e->method);
        json_writer_key_number(w, "change_bpm",
                               prev ? round((e->hr_bpm - prev->hr_bpm) * 10) / 10 : NAN);
        json_writer_key_number(w, "change_kmh",
                               prev ? round((e->speed_kmh - prev->speed_kmh) * 100) / 100 : NAN);
        json_writer_end_object(w);
}

static void print_json(const SessionTrendEntry *l, size_t n)
{
        JsonWriter w;

        json_writer_init(&w, stdout);
        json_writer_begin_array(&w);
        for (size_t i = 0; i < n; i++) {
                json_writer_begin_object(&w);
                json_writer_key_int(&w, "id", l[i].id);
                json_writer_key_uint(&w, "start_usec", l[i].start_wall_usec);
                json_writer_key_string(&w, "workout", l[i].workout_name);
                print_estimate_json(&w, "hrvt1", &l[i].aet, previous(l, i, true));
                print_estimate_json(&w, "hrvt2", &l[i].ant, previous(l, i, false));
                json_writer_end_object(&w);
        }
        json_writer_end_array(&w);
        fputc('\n', stdout);
}

static void format_estimate(char *buf, size_t size, const SessionThresholdEstimate *e,
                            const SessionThresholdEstimate *prev)
{
        char kmh[16] = "", conf[16] = "", change[24] = "", ci[24] = "";

        if (!isfinite(e->hr_bpm)) {
                snprintf(buf, size, "-");
                return;
        }
        if (isfinite(e->speed_kmh))
                snprintf(kmh, sizeof(kmh), " %4.1f km/h", e->speed_kmh);
        if (isfinite(e->confidence))
                snprintf(conf, sizeof(conf), " %.2f", e->confidence);
        if (prev)
                snprintf(change, sizeof(change), " (%+.0f)",
                         round(e->hr_bpm) - round(prev->hr_bpm));
        if (isfinite(e->ci_lo_bpm))
                snprintf(ci, sizeof(ci), " [%.0f-%.0f]", e->ci_lo_bpm, e->ci_hi_bpm);
        snprintf(buf, size, "%3.0f bpm%s%s%s%s %s", e->hr_bpm, ci, change, kmh, conf,
                 method_short(e->method));
}

static void print_table(const SessionTrendEntry *l, size_t n)
{
        char date[32], a[112], b[112];

        if (n == 0) {
                printf("No threshold estimates stored yet (run a ramp test).\n");
                return;
        }
        printf("%5s  %-16s  %-22s  %-50s  %s\n", "ID", "DATE", "WORKOUT",
               "HRVT1 aerobic [95 % interval]", "HRVT2 anaerobic crossover [95 % interval]");
        for (size_t i = 0; i < n; i++) {
                format_estimate(a, sizeof(a), &l[i].aet, previous(l, i, true));
                format_estimate(b, sizeof(b), &l[i].ant, previous(l, i, false));
                printf("%5" PRIi64 "  %-16s  %-22.22s  %-50s  %s\n", l[i].id,
                       session_cli_format_time(date, sizeof(date), l[i].start_wall_usec),
                       l[i].workout_name ? l[i].workout_name : "?", a, b);
        }
}

static int cmd_thresholds(int argc, char *argv[])
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
        SessionTrendEntry *l = NULL;
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
                                fprintf(stderr, "pacectl thresholds: invalid --since '%s'\n",
                                        optarg);
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
                        pacectl_print_usage("thresholds", options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "pacectl thresholds: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        if (session_cli_open(db, state_dir, &s) < 0)
                return PACECTL_EXIT_FAILURE;
        r = session_store_threshold_trend(s, since, &l, &n);
        if (r < 0) {
                fprintf(stderr, "pacectl thresholds: %s (%s)\n", strerror(-r),
                        session_store_last_error(s));
                session_store_free(s);
                return PACECTL_EXIT_FAILURE;
        }
        if (json)
                print_json(l, n);
        else
                print_table(l, n);
        session_trend_free(l, n);
        session_store_free(s);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(thresholds, .name = "thresholds", .args = "[--since DATE] [--json]",
                .summary = "The HRVT1/HRVT2 trend over the stored sessions.",
                .run = cmd_thresholds);
