/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl status: the daemon's state in one screen, or as JSON. */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bus-client.h"
#include "time-util.h"
#include "util.h"

/* "11.3 km/h (5:19/km)" or "7.0 mph (8:34/mi)", or "-" when unknown. */
static void print_speed(double kmh, bool imperial)
{
        char pace[32], speed[32];

        if (!isfinite(kmh)) {
                printf("-");
                return;
        }
        format_pace(pace, sizeof(pace), kmh, imperial, TIME_FORMAT_UNIT);
        printf("%s (%s)", format_speed(speed, sizeof(speed), kmh, imperial, TIME_FORMAT_UNIT),
               pace);
}

static void print_status_text(const ManagerProps *p, const DeviceProps devs[2])
{
        bool imperial = p->units && streq(p->units, "mi");
        char a[32], b[32];

        printf("       State: %s", p->state ? p->state : "?");
        if (p->pause_reason && *p->pause_reason)
                printf(" (%s)", p->pause_reason);
        if (p->simulated)
                printf("  [simulator, x%g]", p->time_scale);
        printf("\n");
        if (p->next_action && *p->next_action)
                printf("       To do: %s\n", p->next_action);
        if (p->workout && *p->workout) {
                printf("     Workout: %s\n", p->workout);
                bool over = p->state && (streq(p->state, "finished") || streq(p->state, "aborted"));

                /* "rep 2/6": which repetition of the block this step is. */
                if (p->step_repeat_count > 0)
                        snprintf(b, sizeof(b), " (rep %u/%u)", p->step_repeat,
                                 p->step_repeat_count);
                else
                        b[0] = '\0';
                if (p->step_index >= 0 && over)
                        printf("        Step: %d/%u %s%s (%s)\n", p->step_index + 1, p->step_count,
                               p->step_name, b,
                               streq(p->state, "aborted") ? "stopped in this step" : "done");
                else if (p->step_index >= 0) {
                        format_duration(a, sizeof(a), p->step_remaining, 0);
                        printf("        Step: %d/%u %s%s, %s left\n", p->step_index + 1,
                               p->step_count, p->step_name, b, a);
                }
                if (p->next_step_name && *p->next_step_name)
                        printf("        Next: %s\n", p->next_step_name);
        }
        printf("      Target: ");
        print_speed(p->target_speed, imperial);
        if (p->speed_override != 0)
                printf(" (override %s%s)", p->speed_override > 0 ? "+" : "",
                       format_speed(a, sizeof(a), p->speed_override, imperial, TIME_FORMAT_UNIT));
        printf("\n       Speed: ");
        print_speed(p->speed, imperial);
        if (isfinite(p->incline))
                printf(", incline %.1f %%", p->incline);
        printf("\n  Heart rate: ");
        if (p->heart_rate) {
                printf("%u bpm", p->heart_rate);
                if (p->zone)
                        printf(" (zone %u)", p->zone);
                if (p->last_rr)
                        printf(", RR %u ms", p->last_rr);
        } else
                printf("-");
        printf("\n      Alpha1: ");
        if (isfinite(p->alpha1))
                printf("%.2f", p->alpha1);
        else
                printf("-");
        if (p->crossover_kind && *p->crossover_kind)
                printf("  (crossed %s at %u bpm, %s)", p->crossover_kind, p->crossover_hr,
                       format_speed(a, sizeof(a), p->crossover_speed, imperial, TIME_FORMAT_UNIT));
        format_duration(a, sizeof(a), p->elapsed, 0);
        format_distance(b, sizeof(b), p->distance, imperial, TIME_FORMAT_UNIT);
        printf("\n    Distance: %s, elapsed %s\n", b, a);
        /* Only while a footpod reports: without one the line would only say so. */
        if (isfinite(p->footpod_speed)) {
                printf("     Footpod: %.1f km/h, %u steps/min", p->footpod_speed, p->cadence);
                if (isfinite(p->stride))
                        printf(", stride %.2f m", p->stride);
                printf("\n");
        }
        for (size_t i = 0; i < 2; i++) {
                const DeviceProps *d = &devs[i];

                printf("%12s: ", i == 0 ? "Treadmill" : "Strap");
                if (d->connected) {
                        printf("%s%s%s%s", d->name && *d->name ? d->name : "connected",
                               d->address && *d->address ? " (" : "",
                               d->address && *d->address ? d->address : "",
                               d->address && *d->address ? ")" : "");
                        if (d->battery >= 0)
                                printf(", battery %d %%", d->battery);
                } else
                        printf("not connected");
                if (d->malformed > 0)
                        printf(", %" PRIu64 " malformed payload%s", d->malformed,
                               d->malformed == 1 ? "" : "s");
                printf("\n");
        }
        printf("     Control: %s%s\n", p->control_status ? p->control_status : "?",
               p->monitor_only ? " (monitor only)" : "");
        if (p->session_id)
                printf("     Session: %llu\n", (unsigned long long)p->session_id);
        /* Said only when something is wrong: the runner's data is at stake. */
        if (p->storage && (streq(p->storage, "buffering") || streq(p->storage, "dropping")))
                printf("     Storage: %s (%s): %s\n", p->storage,
                       streq(p->storage, "dropping")
                               ? "memory full, new samples are not recorded"
                               : "the session is kept in memory until it can be written",
                       p->storage_error ? p->storage_error : "?");
        else if (p->storage && streq(p->storage, "unavailable"))
                printf("     Storage: unavailable: %s\n",
                       p->storage_error ? p->storage_error : "?");
        if (p->schedule && *p->schedule)
                printf("       Today: %s\n", p->schedule);
}

static int cmd_status(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, 'j'},
                {},
        };
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        ManagerProps p;
        DeviceProps devs[2] = {};
        bool json = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "hj", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage("status", "  --json   Print JSON\n");
                        return PACECTL_EXIT_OK;
                case 'j':
                        json = true;
                        break;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "pacectl status: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        manager_props_init(&p);
        r = manager_props_get(bus, &p, &error);
        if (r < 0) {
                manager_props_done(&p);
                return pacectl_error_exit("cannot reach paced", &error, r);
        }
        for (size_t i = 0; i < 2; i++) {
                sd_bus_error_free(&error);
                r = device_props_get(bus, pacectl_device_kinds[i], &devs[i], &error);
                if (r < 0) {
                        manager_props_done(&p);
                        for (size_t j = 0; j <= i; j++)
                                device_props_done(&devs[j]);
                        return pacectl_error_exit("cannot read devices", &error, r);
                }
        }
        if (json)
                status_print_json(stdout, &p, devs, 2);
        else
                print_status_text(&p, devs);
        manager_props_done(&p);
        for (size_t i = 0; i < 2; i++)
                device_props_done(&devs[i]);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(status, .name = "status", .args = "[--json]",
                .summary = "Show the daemon's state, the workout and live values.",
                .run = cmd_status);
