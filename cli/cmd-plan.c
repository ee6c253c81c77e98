/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl plan: generate a mile training plan. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"
#include "pacectl.h"
#include "plan.h"
#include "profile-config.h"
#include "profile.h"
#include "time-util.h"
#include "units-cli.h"
#include "util.h"

static int parse_unsigned_arg(const char *opt, const char *v, unsigned lo, unsigned hi,
                              unsigned *ret)
{
        char *end;
        long x = strtol(v, &end, 10);

        if (end == v || *end || x < (long)lo || x > (long)hi) {
                fprintf(stderr, "pacectl plan: %s: expected %u to %u, got '%s'\n", opt, lo, hi, v);
                return -EINVAL;
        }
        *ret = (unsigned)x;
        return 0;
}

static int64_t today(void)
{
        time_t t = time(NULL);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return 0;
        return plan_date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                    (unsigned)tm.tm_mday);
}

/* The mile the runner's config gives, if it gives one (not the default 25:00 5 km). */
static double configured_mile(void)
{
        Config *c = NULL;
        ConfigError e = {};
        ProfileSettings ps;
        double mile = 0;

        if (config_load_file(CONFIG_DEFAULT_PATH, &c, &e) < 0)
                return 0;
        profile_settings_from_config(c, NULL, &ps);
        if (ps.runner.source[PACE_REF_5K] != REF_SOURCE_DEFAULT)
                mile = ps.runner.pace_s_per_km[PACE_REF_MILE] * RACE_DISTANCE_MILE / 1000.0;
        config_free(c);
        return mile;
}

static void print_plan(const Plan *p)
{
        static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        char a[32], b[32], date[11];
        double mile = p->options.goal_mile_s, kmh = METERS_PER_MILE / mile * 3.6;

        /* The pace in the runner's units only: a runner in miles reads no
         * km (and the mile's pace per mile is the mile time again). */
        printf("Mile plan: goal %s (%s, %.1f s per lap of 402 m), %u weeks, %u running days a "
               "week\n",
               format_duration(a, sizeof(a), mile, TIME_FORMAT_DASH),
               format_pace(b, sizeof(b), kmh, pacectl_units_per_mile(),
                           TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
               mile / 4.0, p->options.weeks, p->options.days_per_week);
        if (p->options.current_mile_s > 0)
                printf("Your mile now: %s.\n",
                       format_duration(a, sizeof(a), p->options.current_mile_s, TIME_FORMAT_DASH));
        printf("Race-pace sessions run at the goal (\"goal Pace\"), easy, tempo and threshold "
               "work at your current fitness.\n");
        for (size_t i = 0; i < p->n_days; i++) {
                const PlanDay *d = &p->days[i];

                if (i % 7 == 0) {
                        double min = 0;

                        for (size_t k = i; k < i + 7 && k < p->n_days; k++)
                                min += plan_day_minutes(&p->days[k]);
                        printf("\nWeek %u (%s), about %.0f min\n", d->week,
                               plan_phase_to_string(d->phase), min);
                }
                printf("  %s %s  %-6s %-20s %-28s %s\n", plan_date_format(d->date, date),
                       wd[plan_date_weekday(d->date)], plan_day_type_to_string(d->type),
                       d->workout ? d->workout : "-", d->detail, d->note);
        }
}

static int cmd_plan(int argc, char *argv[])
{
        enum { ARG_JSON = 0x100, ARG_GOAL, ARG_CURRENT, ARG_WEEKS, ARG_DAYS, ARG_START, ARG_FORCE };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, ARG_JSON},
                {"goal-mile", required_argument, NULL, ARG_GOAL},
                {"current-mile", required_argument, NULL, ARG_CURRENT},
                {"force", no_argument, NULL, ARG_FORCE},
                {"weeks", required_argument, NULL, ARG_WEEKS},
                {"days-per-week", required_argument, NULL, ARG_DAYS},
                {"start", required_argument, NULL, ARG_START},
                {}};
        _cleanup_(plan_freep) Plan *plan = NULL;
        PlanOptions o = {.weeks = 8, .days_per_week = 5, .start = INT64_MIN};
        bool json = false, force = false;
        char why[320];
        int c, k;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage(
                                "plan",
                                "  --goal-mile M:SS       Goal mile time (required)\n"
                                "  --current-mile M:SS    Your mile now (default: the [Runner]\n"
                                "                         section of " CONFIG_DEFAULT_PATH ")\n"
                                "  --force                Plan even a goal no plan reaches\n"
                                "  --weeks N              Plan length, 6-10 weeks (default 8)\n"
                                "  --days-per-week N      Running days, 3-6 (default 5)\n"
                                "  --start YYYY-MM-DD     First day (default today)\n"
                                "  --json                 Print the plan as JSON\n");
                        return PACECTL_EXIT_OK;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_GOAL:
                        if (parse_clock_time(optarg, &o.goal_mile_s) < 0 || o.goal_mile_s < 180 ||
                            o.goal_mile_s > 1200) {
                                fprintf(stderr,
                                        "pacectl plan: --goal-mile: expected a time from 3:00 to "
                                        "20:00, got '%s'\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                case ARG_CURRENT:
                        if (parse_clock_time(optarg, &o.current_mile_s) < 0 ||
                            o.current_mile_s < 180 || o.current_mile_s > 1200) {
                                fprintf(stderr,
                                        "pacectl plan: --current-mile: expected a time from 3:00 "
                                        "to 20:00, got '%s'\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                case ARG_FORCE:
                        force = true;
                        break;
                case ARG_WEEKS:
                        if (parse_unsigned_arg("--weeks", optarg, PLAN_WEEKS_MIN, PLAN_WEEKS_MAX,
                                               &o.weeks) < 0)
                                return PACECTL_EXIT_USAGE;
                        break;
                case ARG_DAYS:
                        if (parse_unsigned_arg("--days-per-week", optarg, PLAN_DAYS_PER_WEEK_MIN,
                                               PLAN_DAYS_PER_WEEK_MAX, &o.days_per_week) < 0)
                                return PACECTL_EXIT_USAGE;
                        break;
                case ARG_START:
                        if (plan_date_parse(optarg, &o.start) < 0) {
                                fprintf(stderr,
                                        "pacectl plan: --start: expected a date YYYY-MM-DD, got "
                                        "'%s'\n",
                                        optarg);
                                return PACECTL_EXIT_USAGE;
                        }
                        break;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind != argc) {
                fprintf(stderr, "pacectl plan: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        if (o.goal_mile_s == 0) {
                fprintf(stderr, "pacectl plan: --goal-mile is required (see --help)\n");
                return PACECTL_EXIT_USAGE;
        }
        if (o.start == INT64_MIN)
                o.start = today();
        if (o.current_mile_s == 0)
                o.current_mile_s = configured_mile();
        /* A goal no plan reaches is refused, an ambitious one said: a 4:00 goal
         * from a 6:30 mile is no plan. */
        k = plan_check_goal(o.goal_mile_s, o.current_mile_s, o.weeks, why, sizeof(why));
        if (k < 0 && !force) {
                fprintf(stderr, "pacectl plan: %s (--force plans it anyway)\n", why);
                return PACECTL_EXIT_USAGE;
        }
        if (k != 0)
                fprintf(stderr, "pacectl plan: note: %s\n", why);
        k = plan_generate(&o, &plan);
        if (k < 0) {
                fprintf(stderr, "pacectl plan: cannot generate the plan: %s\n", strerror(-k));
                return k == -EINVAL ? PACECTL_EXIT_USAGE : PACECTL_EXIT_FAILURE;
        }
        if (json) {
                plan_to_json(plan, stdout);
                fputc('\n', stdout);
        } else
                print_plan(plan);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(plan, .name = "plan",
                .args = "--goal-mile M:SS [--current-mile M:SS] [--weeks N] [--days-per-week N]",
                .summary = "Generate a 6-10 week mile training plan.", .run = cmd_plan);
