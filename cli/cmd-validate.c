/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl validate: parse and resolve a workout file, print its steps. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config.h"
#include "pacectl.h"
#include "profile.h"
#include "rep-plan.h"
#include "time-util.h"
#include "units-cli.h"
#include "util.h"
#include "workout-cli.h"
#include "workout-library.h"
#include "workout.h"

static void print_profile(const RunnerProfile *p)
{
        char pace[32], how[160];

        /* The profile the paces below come from; the derivation column says
         * how a reference not configured was found. */
        printf("Runner profile (references not configured: Riegel, exponent %.2f):\n",
               RIEGEL_EXPONENT);
        for (PaceRef r = 0; r < _PACE_REF_MAX; r++) {
                char t[32] = "";

                if (race_distance_m(r) > 0)
                        format_duration(t, sizeof(t),
                                        p->pace_s_per_km[r] * race_distance_m(r) / 1000.0,
                                        TIME_FORMAT_DASH);
                printf("  %-14s %-9s %-10s %s\n", pace_ref_to_label(r), t,
                       format_pace(pace, sizeof(pace), runner_profile_speed_kmh(p, r),
                                   p->units == PROFILE_UNITS_MI,
                                   TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                       runner_profile_derivation(p, r, how, sizeof(how)));
        }
        if (p->max_hr)
                printf("  Max HR %u%s, LTHR %u%s, resting HR %u%s\n", p->max_hr,
                       p->max_hr_derived ? " (from age, Tanaka)" : "", p->lthr,
                       p->lthr_derived ? " (90 % of max)" : "", p->resting_hr,
                       p->resting_hr_derived ? " (default)" : "");
        printf("\n");
}

/* A step's end or a cue's place as step names say it (pacectl(1), UNITS):
 * for a runner in miles whole quarter miles in miles ("1 mi", never
 * "1609 m") and a track distance in metres ("400 m"). */
static char *format_end_distance(char *buf, size_t size, double m, bool mi)
{
        double quarters = m / (METERS_PER_MILE / 4);

        if (mi && quarters >= 1 && fabs(quarters - round(quarters)) < 1e-5)
                snprintf(buf, size, "%g mi", round(quarters) / 4);
        else
                snprintf(buf, size, "%.0f m", m);
        return buf;
}

static void print_table(const ResolvedWorkout *w, const RunnerProfile *p)
{
        bool mi = p->units == PROFILE_UNITS_MI;
        char a[32], b[32], c[32], dist[32];
        double easy = runner_profile_speed_kmh(p, PACE_REF_EASY);

        printf("Workout: %s (%s)\n\n", w->name ? w->name : "-", w->source ? w->source : "-");
        printf("%3s  %-10s %-9s %8s %9s  %-20s %-15s %-8s %s\n", "#", "KIND", "END", "TIME",
               "DISTANCE", "TARGET", "SPEED", "INCLINE", "CUE");
        for (size_t i = 0; i < w->n_steps; i++) {
                const ResolvedStep *s = &w->steps[i];
                char end[32], target[48], speed[32], incline[32] = "-";
                double t, d;

                resolved_step_estimate(s, easy, &t, &d);
                switch (s->end) {
                case STEP_END_TIME:
                        format_duration(end, sizeof(end), s->end_value, TIME_FORMAT_DASH);
                        break;
                case STEP_END_DISTANCE:
                        format_end_distance(end, sizeof(end), s->end_value, mi);
                        break;
                case STEP_END_OPEN:
                case _STEP_END_MAX:
                case _STEP_END_INVALID:
                        snprintf(end, sizeof(end), "open");
                        break;
                }
                switch (s->control) {
                case STEP_CONTROL_SPEED:
                        if (fabs(s->speed_start_kmh - s->speed_end_kmh) > 1e-9) {
                                snprintf(target, sizeof(target), "%s->%s",
                                         format_pace(a, sizeof(a), s->speed_start_kmh, mi,
                                                     TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
                                         format_pace(b, sizeof(b), s->speed_end_kmh, mi,
                                                     TIME_FORMAT_UNIT | TIME_FORMAT_DASH));
                                snprintf(speed, sizeof(speed), "%s->%s",
                                         format_speed(a, sizeof(a), s->speed_start_kmh, mi, 0),
                                         format_speed(b, sizeof(b), s->speed_end_kmh, mi,
                                                      TIME_FORMAT_UNIT));
                        } else {
                                format_pace(target, sizeof(target), s->speed_start_kmh, mi,
                                            TIME_FORMAT_UNIT | TIME_FORMAT_DASH);
                                format_speed(speed, sizeof(speed), s->speed_start_kmh, mi,
                                             TIME_FORMAT_UNIT);
                        }
                        break;
                case STEP_CONTROL_HR:
                        snprintf(target, sizeof(target), "HR %.0f-%.0f", s->hr_lo_bpm,
                                 s->hr_hi_bpm);
                        snprintf(speed, sizeof(speed), "(%s)",
                                 format_speed(a, sizeof(a), s->hr_fallback_kmh, mi,
                                              TIME_FORMAT_UNIT));
                        break;
                case STEP_CONTROL_FREE:
                case _STEP_CONTROL_MAX:
                case _STEP_CONTROL_INVALID:
                        snprintf(target, sizeof(target), "free");
                        snprintf(speed, sizeof(speed), "-");
                        break;
                }
                if (s->speed_clamped)
                        strncat(speed, "!", sizeof(speed) - strlen(speed) - 1);
                if (s->has_incline) {
                        if (fabs(s->incline_start_pct - s->incline_end_pct) > 1e-9)
                                snprintf(incline, sizeof(incline), "%.1f->%.1f%%",
                                         s->incline_start_pct, s->incline_end_pct);
                        else
                                snprintf(incline, sizeof(incline), "%.1f%%", s->incline_start_pct);
                        if (s->incline_clamped)
                                strncat(incline, "!", sizeof(incline) - strlen(incline) - 1);
                }
                if (s->end == STEP_END_OPEN)
                        snprintf(c, sizeof(c), "-");
                else
                        format_duration(c, sizeof(c), t, TIME_FORMAT_DASH);
                printf("%3zu  %-10s %-9s %8s %9s  %-20s %-15s %-8s %s\n", i + 1,
                       step_kind_to_string(s->kind), end, c,
                       format_distance(dist, sizeof(dist), d, mi, TIME_FORMAT_UNIT), target, speed,
                       incline, s->cue ? s->cue : "");
                /* Cues inside the step, at the moment they come. */
                for (size_t j = 0; j < s->n_cues; j++) {
                        char at[32];

                        if (s->cues[j].at_distance)
                                format_end_distance(at, sizeof(at), s->cues[j].at, mi);
                        else
                                format_duration(at, sizeof(at), s->cues[j].at, 0);
                        printf("%3s  %-10s %-9s %8s %9s  %-20s %-15s %-8s %s\n", "", "", "", "", "",
                               "", "", at, s->cues[j].text);
                }
        }
        printf("\nTotal: %s, %s%s\n",
               format_duration(a, sizeof(a), w->total_time_s, TIME_FORMAT_DASH),
               format_distance(b, sizeof(b), w->total_distance_m, mi, TIME_FORMAT_UNIT),
               w->has_open_steps ? " (plus open steps, run until skipped)" : "");
        for (char **n = w->notes; n && *n; n++)
                printf("Note: %s\n", *n);
        if (w->any_clamped) {
                printf("Clamped to the machine range / caps (marked !):\n");
                for (size_t i = 0; i < w->n_steps; i++) {
                        const ResolvedStep *s = &w->steps[i];

                        if (s->speed_clamped)
                                printf("  step %zu: speed %s requested, %s used\n", i + 1,
                                       format_speed(a, sizeof(a), s->requested_speed_kmh, mi,
                                                    TIME_FORMAT_UNIT),
                                       format_speed(b, sizeof(b),
                                                    fmax(s->speed_start_kmh, s->speed_end_kmh), mi,
                                                    TIME_FORMAT_UNIT));
                        if (s->incline_clamped)
                                printf("  step %zu: incline %.1f %% requested, %.1f %% used\n",
                                       i + 1, s->requested_incline_pct,
                                       fabs(s->incline_start_pct) > fabs(s->incline_end_pct)
                                               ? s->incline_start_pct
                                               : s->incline_end_pct);
                }
        }
}

/* Reps this machine cannot start as written (core/rep-plan.h); the count. */
static unsigned print_run_ups(const ResolvedWorkout *w, const RepPlanMachine *m, double min_kmh)
{
        unsigned n = 0;
        char buf[320];

        for (size_t i = 0; i < w->n_steps; i++) {
                if (rep_plan_warning(m, w, i, min_kmh, buf, sizeof(buf)) <= 0)
                        continue;
                if (n++ == 0) {
                        printf("\nWarnings: run-ups at max_accel %.2g km/h/s", m->max_accel_kmhps);
                        if (m->belt_accel_kmhps > 0)
                                printf(", a belt of %.2g km/h/s", m->belt_accel_kmhps);
                        printf(" (the engine starts each run-up early, in the step before, and "
                               "a rep when the belt is at speed)\n");
                }
                printf("  %s\n", buf);
        }
        return n;
}

static int cmd_validate(int argc, char *argv[])
{
        enum {
                ARG_JSON = 0x100,
                ARG_PROFILE,
                ARG_MAX_ACCEL,
                ARG_BELT_ACCEL,
        };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, ARG_JSON},
                {"profile", required_argument, NULL, ARG_PROFILE},
                WORKOUT_CLI_LIMIT_OPTIONS,
                {"max-accel", required_argument, NULL, ARG_MAX_ACCEL},
                {"belt-accel", required_argument, NULL, ARG_BELT_ACCEL},
                {}};
        _cleanup_(workout_freep) Workout *w = NULL;
        _cleanup_(resolved_workout_freep) ResolvedWorkout *rw = NULL;
        RunnerProfile profile;
        ResolveLimits limits;
        RepPlanMachine machine;
        bool json = false, have_profile = false;
        struct stat st;
        int c, k;

        runner_profile_init(&profile);
        /* The runner's units unless --profile says otherwise. */
        profile.units = pacectl_units_per_mile() ? PROFILE_UNITS_MI : PROFILE_UNITS_KM;
        resolve_limits_init(&limits);
        rep_plan_machine_init(&machine);
        {
                /* The shipped rate limit, as paced.conf's default says. */
                Config *defaults = NULL;

                if (config_new(&defaults) >= 0)
                        machine.max_accel_kmhps = defaults->max_accel_kmh_s;
                config_free(defaults);
        }
        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage(
                                "validate",
                                "  --json                 Print the resolved workout as JSON\n"
                                "  --profile FILE|K=V,..  Runner profile: a paced.conf with "
                                "[Runner],\n"
                                "                         or keys such as "
                                "mile=5:30,max_hr=190\n"
                                "                         (default " CONFIG_DEFAULT_PATH
                                ")\n" WORKOUT_CLI_LIMIT_HELP
                                "  --max-accel KMHPS      Configured max_accel (default 0.5)\n"
                                "  --belt-accel KMHPS     The belt's own acceleration, if slower\n"
                                "FILE is a text workout, a .zwo file, a FIT workout or a library "
                                "name.\n");
                        return PACECTL_EXIT_OK;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_PROFILE:
                        if (workout_cli_load_profile(optarg, &profile) < 0)
                                return PACECTL_EXIT_USAGE;
                        have_profile = true;
                        break;
                case ARG_MAX_ACCEL:
                        if (workout_cli_parse_double("--max-accel", optarg, 0.1, 5,
                                                     &machine.max_accel_kmhps) < 0)
                                return PACECTL_EXIT_USAGE;
                        break;
                case ARG_BELT_ACCEL:
                        if (workout_cli_parse_double("--belt-accel", optarg, 0.05, 10,
                                                     &machine.belt_accel_kmhps) < 0)
                                return PACECTL_EXIT_USAGE;
                        break;
                default:
                        /* The machine limits, or an option getopt refused. */
                        if (workout_cli_parse_limit(c, optarg, &limits) < 0)
                                return PACECTL_EXIT_USAGE;
                        break;
                }
        if (workout_cli_check_args("validate", argc, &limits) < 0)
                return PACECTL_EXIT_USAGE;
        /* The paces paced runs: its paced.conf and drop-ins, unless told otherwise. */
        if (!have_profile && stat(CONFIG_DEFAULT_PATH, &st) == 0 &&
            workout_cli_load_profile(CONFIG_DEFAULT_PATH, &profile) < 0)
                return PACECTL_EXIT_USAGE;

        k = workout_cli_resolve(argv[optind], &profile, &limits, &w, &rw);
        if (k != PACECTL_EXIT_OK)
                return k;
        runner_profile_derive(&profile);
        if (json) {
                resolved_workout_to_json(rw, stdout);
                fputc('\n', stdout);
        } else {
                print_profile(&profile);
                print_table(rw, &profile);
                print_run_ups(rw, &machine, limits.min_speed_kmh);
        }
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(validate, .name = "validate", .args = "FILE",
                .summary = "Check a workout file (text, .zwo or FIT) and show its resolved steps.",
                .run = cmd_validate);
