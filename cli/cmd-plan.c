/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl plan: generate a mile training plan. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pacectl.h"
#include "plan.h"
#include "profile.h"
#include "time-util.h"
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

static void print_plan(const Plan *p)
{
        static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        char a[32], b[32], date[11];
        double mile = p->options.goal_mile_s, kmh = METERS_PER_MILE / mile * 3.6;

        printf("Mile plan: goal %s (%s, %s, %.1f s per lap of 402 m), %u weeks, %u running days a "
               "week\n",
               format_duration(a, sizeof(a), mile, TIME_FORMAT_DASH),
               format_pace(b, sizeof(b), kmh, false, TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
               format_pace(date, sizeof(date), kmh, true, TIME_FORMAT_UNIT | TIME_FORMAT_DASH),
               mile / 4.0, p->options.weeks, p->options.days_per_week);
        printf("The goal time is the Mile reference for this plan's workouts.\n");
        for (size_t i = 0; i < p->n_days; i++) {
                const PlanDay *d = &p->days[i];

                if (i % 7 == 0)
                        printf("\nWeek %u (%s)\n", d->week, plan_phase_to_string(d->phase));
                printf("  %s %s  %-6s %-20s %s\n", plan_date_format(d->date, date),
                       wd[plan_date_weekday(d->date)], plan_day_type_to_string(d->type),
                       d->workout ? d->workout : "-", d->note);
        }
}

static int cmd_plan(int argc, char *argv[])
{
        enum { ARG_JSON = 0x100, ARG_GOAL, ARG_WEEKS, ARG_DAYS, ARG_START };
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, ARG_JSON},
                {"goal-mile", required_argument, NULL, ARG_GOAL},
                {"weeks", required_argument, NULL, ARG_WEEKS},
                {"days-per-week", required_argument, NULL, ARG_DAYS},
                {"start", required_argument, NULL, ARG_START},
                {}};
        _cleanup_(plan_freep) Plan *plan = NULL;
        PlanOptions o = {.weeks = 8, .days_per_week = 5, .start = INT64_MIN};
        bool json = false;
        int c, k;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage(
                                "plan",
                                "  --goal-mile M:SS       Goal mile time (required)\n"
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

PACECTL_COMMAND(plan, .name = "plan", .args = "--goal-mile M:SS [--weeks N] [--days-per-week N]",
                .summary = "Generate a 6-10 week mile training plan.", .run = cmd_plan);
