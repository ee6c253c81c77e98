/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl faster [CHANGE] | slower [CHANGE] | speed +SPEED|-SPEED: a manual
 * speed override for the rest of the step. A change is a speed (km/h, or
 * "mph") or, for faster and slower, a pace change in seconds per the
 * runner's km or mile ("5s", "5s/mi"). paced takes km/h (AdjustSpeed): the
 * conversion and the note are in the runner's units here. Parsed by hand:
 * "-0.5" is a value here, not an option.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-client.h"
#include "time-util.h"
#include "units-cli.h"
#include "util.h"

/* The largest change a call may make (docs/dbus-api.md, AdjustSpeed). */
#define SPEED_CHANGE_MAX_KMH 5.0

static const char usage_change[] = "a speed change such as 0.5 (km/h), 0.3mph or 5s (pace)";

static int read_props(sd_bus *bus, ManagerProps *p)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = manager_props_get(bus, p, &error);
        if (r < 0)
                return pacectl_error_exit("cannot reach paced", &error, r);
        return 0;
}

/*
 * The signed change in km/h that s asks for (sign: +1 faster, -1 slower, 0
 * speed, whose value carries its own sign); a pace change counts from the
 * current target. A pacectl exit code.
 */
static int parse_change(const char *cmd, const char *s, double sign, bool mi, const ManagerProps *p,
                        double *ret_kmh)
{
        SpeedChangeKind kind;
        double v, to;

        kind = parse_speed_change(s, &v);
        if (kind < 0) {
                fprintf(stderr, "pacectl %s: '%s' is not %s\n", cmd, s, usage_change);
                return PACECTL_EXIT_USAGE;
        }
        if (kind == SPEED_CHANGE_KMH) {
                if (fabs(v) > SPEED_CHANGE_MAX_KMH + 1e-9) {
                        fprintf(stderr, "pacectl %s: '%s' is more than %s at once\n", cmd, s,
                                mi ? "3.1 mph" : "5 km/h");
                        return PACECTL_EXIT_USAGE;
                }
                *ret_kmh = sign == 0 ? v : sign * v;
                return PACECTL_EXIT_OK;
        }
        if (sign == 0) {
                fprintf(stderr, "pacectl %s: '%s' is a pace change: say faster %s or slower %s\n",
                        cmd, s, s + (s[0] == '+' || s[0] == '-'), s + (s[0] == '+' || s[0] == '-'));
                return PACECTL_EXIT_USAGE;
        }
        if (v < 0 || fabs(v) > 60) {
                fprintf(stderr, "pacectl %s: give a pace change of up to 60 s, without a sign\n",
                        cmd);
                return PACECTL_EXIT_USAGE;
        }
        if (!isfinite(p->target_speed) || p->target_speed < PACE_MIN_KMH) {
                fprintf(stderr, "pacectl %s: there is no target pace to change now\n", cmd);
                return PACECTL_EXIT_FAILURE;
        }
        /* Faster is less time per km or mile. */
        to = speed_for_pace_change(p->target_speed, -sign * v,
                                   kind == SPEED_CHANGE_PACE ? mi : kind == SPEED_CHANGE_PACE_MI);
        if (!isfinite(to) || fabs(to - p->target_speed) > SPEED_CHANGE_MAX_KMH + 1e-9) {
                fprintf(stderr, "pacectl %s: '%s' changes the speed by more than %s at once\n", cmd,
                        s, mi ? "3.1 mph" : "5 km/h");
                return PACECTL_EXIT_USAGE;
        }
        *ret_kmh = sign * fabs(to - p->target_speed);
        return PACECTL_EXIT_OK;
}

static int run(int argc, char *argv[], double sign)
{
        const char *name = pacectl_command_name(argv[0]);
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(manager_props_done) ManagerProps p;
        bool mi, need_sign = sign == 0;
        double delta = 0.5, before;
        char a[32];
        int r;

        manager_props_init(&p);
        if (argc >= 2 && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
                pacectl_print_usage(name, NULL);
                return PACECTL_EXIT_OK;
        }
        if (argc > 2 || (need_sign && argc != 2)) {
                fprintf(stderr, "pacectl %s: expected %s\n", name,
                        need_sign ? "one signed change like +0.5 or -0.3mph" : "at most one value");
                return PACECTL_EXIT_USAGE;
        }
        if (argc == 2 && need_sign && argv[1][0] != '+' && argv[1][0] != '-') {
                fprintf(stderr, "pacectl speed: '%s' needs a sign (+0.5 or -0.5)\n", argv[1]);
                return PACECTL_EXIT_USAGE;
        }
        if (argc == 2 && !need_sign && argv[1][0] == '-') {
                fprintf(stderr, "pacectl %s: give a positive amount\n", name);
                return PACECTL_EXIT_USAGE;
        }

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = read_props(bus, &p);
        if (r != 0)
                return r;
        mi = streq_ptr(p.units, "mi");
        if (argc == 2) {
                r = parse_change(name, argv[1], sign, mi, &p, &delta);
                if (r != PACECTL_EXIT_OK)
                        return r;
        } else
                delta *= sign;
        before = p.speed_override;

        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                               "AdjustSpeed", &error, &reply, "d", delta);
        if (r < 0)
                return pacectl_error_exit("AdjustSpeed", &error, r);

        /* paced's note speaks km/h: say it in the runner's units. */
        manager_props_done(&p);
        manager_props_init(&p);
        if (read_props(bus, &p) != 0)
                return PACECTL_EXIT_OK; /* the change was made */
        format_speed(a, sizeof(a), p.speed_override, mi, TIME_FORMAT_UNIT);
        /* As paced's note says it (manager_adjust_speed()), in the runner's units. */
        if (fabs(p.speed_override - (before + delta)) > 1e-6)
                printf("Override limited to %s%s: the target stays within the speed caps.\n",
                       p.speed_override >= 0 ? "+" : "", a);
        else
                printf("Override %s%s for the rest of the step.\n",
                       p.speed_override >= 0 ? "+" : "", a);
        return PACECTL_EXIT_OK;
}

static int cmd_faster(int argc, char *argv[])
{
        return run(argc, argv, +1);
}

static int cmd_slower(int argc, char *argv[])
{
        return run(argc, argv, -1);
}

static int cmd_speed(int argc, char *argv[])
{
        return run(argc, argv, 0);
}

PACECTL_COMMAND(faster, .name = "faster", .args = "[KMH|Nmph|Ns]",
                .summary = "Run faster for the rest of the step (default +0.5 km/h; 0.3mph; 5s a "
                           "km or mile).",
                .run = cmd_faster);
PACECTL_COMMAND(slower, .name = "slower", .args = "[KMH|Nmph|Ns]",
                .summary = "Run slower for the rest of the step (default -0.5 km/h; 0.3mph; 5s a "
                           "km or mile).",
                .run = cmd_slower);
PACECTL_COMMAND(speed, .name = "speed", .args = "+KMH|-KMH|+Nmph|-Nmph",
                .summary = "Change the speed for the rest of the step, e.g. speed +0.5.",
                .run = cmd_speed);
