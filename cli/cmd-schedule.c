/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl schedule [show [--week | --all] [--json]] | set PLAN | swap DATE DATE | clear:
 * the daemon's training plan; today's workout is what `pacectl start` runs
 * by default. PLAN is a file written by `pacectl plan --json` (or the JSON
 * itself). swap (or move) puts one day's session on another day and that
 * day's on the first.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-client.h"
#include "plan.h"
#include "read-file.h"
#include "utf8.h"
#include "util.h"

static int64_t today(void)
{
        time_t t = time(NULL);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return 0;
        return plan_date_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                    (unsigned)tm.tm_mday);
}

static void print_day(const PlanDay *d, int64_t now)
{
        static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        char date[11];

        /* The plan's texts came over the bus: no escape reaches the terminal. */
        _cleanup_free_ char *workout = utf8_sanitize(d->workout ? d->workout : "-");
        _cleanup_free_ char *detail = utf8_sanitize(d->detail), *note = utf8_sanitize(d->note);

        printf("%s %s %s  %-6s %-20s %-28s %s\n", d->date == now ? ">" : " ",
               plan_date_format(d->date, date), wd[plan_date_weekday(d->date)],
               plan_day_type_to_string(d->type), workout ? workout : "?", detail ? detail : "",
               note ? note : "");
}

/* The plan paced holds (NULL and a message if none). */
static int fetch_plan(sd_bus *bus, Plan **ret)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *json;
        int r;

        *ret = NULL;
        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                               "GetSchedule", &error, &reply, "");
        if (r < 0)
                return pacectl_error_exit("cannot reach paced", &error, r);
        r = sd_bus_message_read(reply, "s", &json);
        if (r < 0)
                return pacectl_error_exit("GetSchedule", NULL, r);
        if (!*json)
                return PACECTL_EXIT_OK;
        r = plan_from_json(json, ret);
        if (r < 0)
                return pacectl_error_exit("the stored plan", NULL, r);
        return PACECTL_EXIT_OK;
}

/* Today's workout and the planned ones from other calendars (paced-sync). */
static int show_today(sd_bus *bus, const char *today_name, bool json)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *date, *source, *name, *filename;
        size_t n = 0;
        int r;

        /* An older paced has no PlannedWorkouts. */
        r = sd_bus_get_property(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                "PlannedWorkouts", &error, &reply, "a(ssss)");
        if (r >= 0)
                r = sd_bus_message_enter_container(reply, 'a', "(ssss)");
        else
                reply = sd_bus_message_unref(reply);
        if (json) {
                printf("{\"today\":");
                if (*today_name)
                        pacectl_json_string(stdout, today_name);
                else
                        printf("null");
                printf(",\"planned\":[");
        } else if (*today_name) {
                _cleanup_free_ char *t = utf8_sanitize(today_name); /* a name from a plan */

                printf("Today: %s (pacectl schedule show --week: the week)\n", t ? t : "?");
        } else
                printf("No schedule, or nothing scheduled today.\n");
        while (reply &&
               sd_bus_message_read(reply, "(ssss)", &date, &source, &name, &filename) > 0) {
                if (json) {
                        printf("%s{\"date\":\"%s\",\"source\":", n ? "," : "", date);
                        pacectl_json_string(stdout, source);
                        printf(",\"name\":");
                        pacectl_json_string(stdout, name);
                        printf("}");
                } else {
                        /* Names from workout files: no terminal escapes. */
                        _cleanup_free_ char *nm = utf8_sanitize(name), *src = utf8_sanitize(source);

                        printf("%s  %s  %s (%s)\n", n ? "" : "Planned:\n", date, nm ? nm : "?",
                               src ? src : "?");
                }
                n++;
        }
        if (json)
                printf("]}\n");
        return PACECTL_EXIT_OK;
}

static int show(bool json, bool week, bool all)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *today_name = NULL;
        _cleanup_(plan_freep) Plan *plan = NULL;
        int64_t now = today();
        const PlanDay *d;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_get_property_string(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                                       "Schedule", &error, &today_name);
        if (r < 0)
                return pacectl_error_exit("cannot reach paced", &error, r);
        if (!week && !all)
                return show_today(bus, today_name, json);
        r = fetch_plan(bus, &plan);
        if (r != PACECTL_EXIT_OK)
                return r;
        if (!plan) {
                printf("No schedule: make one with pacectl plan and store it with pacectl "
                       "schedule set.\n");
                return PACECTL_EXIT_OK;
        }
        if (json) {
                plan_to_json(plan, stdout);
                fputc('\n', stdout);
                return PACECTL_EXIT_OK;
        }
        d = plan_day_at(plan, now);
        for (unsigned w = 1; w <= plan->options.weeks; w++) {
                const PlanDay *first = &plan->days[(w - 1) * 7];
                double min = 0;

                /* --week: the week of today, or the first or last one. */
                if (week && !(d ? d->week == w
                                : (now < plan->options.start ? w == 1 : w == plan->options.weeks)))
                        continue;
                for (size_t k = 0; k < 7; k++)
                        min += plan_day_minutes(&first[k]);
                printf("Week %u of %u (%s), about %.0f min\n", w, plan->options.weeks,
                       plan_phase_to_string(first->phase), min);
                for (size_t k = 0; k < 7; k++)
                        print_day(&first[k], now);
                if (all && w < plan->options.weeks)
                        printf("\n");
        }
        if (!d) {
                char a[11], b[11];

                printf("(today is outside the plan: %s to %s)\n",
                       plan_date_format(plan->options.start, a),
                       plan_date_format(plan->options.start + (int64_t)plan->n_days - 1, b));
        }
        return PACECTL_EXIT_OK;
}

#define PLAN_FILE_MAX (4 * 1024 * 1024)

static int cmd_schedule(int argc, char *argv[])
{
        const char *verb = "show";
        bool json = false, week = false, all = false;
        char *args[4];
        int n_args = 0;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        pacectl_print_usage("schedule",
                                            "  show [--json]      Today's scheduled workout and "
                                            "the planned ones\n"
                                            "  show --week        This week of the plan, day by "
                                            "day (--all: every week)\n"
                                            "  set PLAN           Store a plan (a file from "
                                            "'pacectl plan --json')\n"
                                            "  swap DATE DATE     Swap two days' sessions (also: "
                                            "move)\n"
                                            "  clear              Remove the plan\n");
                        return PACECTL_EXIT_OK;
                }
                if (streq(argv[i], "--json"))
                        json = true;
                else if (streq(argv[i], "--week"))
                        week = true;
                else if (streq(argv[i], "--all"))
                        all = true;
                else if (n_args < (int)ELEMENTSOF(args))
                        args[n_args++] = argv[i];
                else {
                        fprintf(stderr, "pacectl schedule: too many arguments\n");
                        return PACECTL_EXIT_USAGE;
                }
        }
        if (n_args > 0)
                verb = args[0];
        if (streq(verb, "show")) {
                if (n_args > 1) {
                        fprintf(stderr, "pacectl schedule show: no arguments expected\n");
                        return PACECTL_EXIT_USAGE;
                }
                return show(json, week, all);
        }
        if (streq(verb, "clear")) {
                if (n_args != 1) {
                        fprintf(stderr, "pacectl schedule clear: no arguments expected\n");
                        return PACECTL_EXIT_USAGE;
                }
                return pacectl_call_manager("ClearSchedule", NULL);
        }
        if (streq(verb, "swap") || streq(verb, "move")) {
                int64_t d;
                int r;

                if (n_args != 3 || plan_date_parse(args[1], &d) < 0 ||
                    plan_date_parse(args[2], &d) < 0) {
                        fprintf(stderr, "pacectl schedule %s: expected two dates YYYY-MM-DD\n",
                                verb);
                        return PACECTL_EXIT_USAGE;
                }
                r = pacectl_call_manager("SwapScheduleDays", "ss", args[1], args[2]);
                if (r == PACECTL_EXIT_OK)
                        printf("Swapped the sessions of %s and %s.\n", args[1], args[2]);
                return r;
        }
        if (streq(verb, "set")) {
                _cleanup_free_ char *data = NULL;
                const char *plan;

                if (n_args != 2) {
                        fprintf(stderr, "pacectl schedule set: expected one PLAN\n");
                        return PACECTL_EXIT_USAGE;
                }
                plan = args[1];
                /* A file is read here: paced may not be able to open it (ProtectHome=). */
                if (plan[0] != '{' && plan[0] != '[') {
                        int r = read_file_regular(plan, PLAN_FILE_MAX, 0, &data, NULL);

                        if (r < 0) {
                                fprintf(stderr, "pacectl schedule set: %s: %s\n", plan,
                                        r == -EBADFD ? "not a regular file" : strerror(-r));
                                return PACECTL_EXIT_USAGE;
                        }
                        plan = data;
                }
                return pacectl_call_manager("SetSchedule", "s", plan);
        }
        fprintf(stderr, "pacectl schedule: unknown action '%s' (show, set, swap, clear)\n", verb);
        return PACECTL_EXIT_USAGE;
}

PACECTL_COMMAND(schedule, .name = "schedule",
                .args = "[show [--week|--all] [--json] | set PLAN | swap DATE DATE | clear]",
                .summary = "Show, set, change or clear the training schedule.",
                .run = cmd_schedule);
