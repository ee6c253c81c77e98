/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl sim [show [--json] | press BUTTON | inject FAULT | clear FAULT |
 * reconnect DEVICE]: the simulator's console, faults and true thresholds
 * (paced --simulate only).
 */
#include <stdio.h>
#include <string.h>

#include "bus-client.h"
#include "util.h"

static int show(bool json)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *belt = NULL;
        double v1s, v1h, v2s, v2h;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_get_property(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_SIMULATOR,
                                "TrueThresholds", &error, &reply, "(dddd)");
        if (r < 0) {
                if (sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.UnknownInterface") ||
                    sd_bus_error_has_name(&error, "org.freedesktop.DBus.Error.UnknownProperty")) {
                        fprintf(stderr, "pacectl sim: paced is not running --simulate\n");
                        return PACECTL_EXIT_FAILURE;
                }
                return pacectl_error_exit("cannot reach paced", &error, r);
        }
        r = sd_bus_message_read(reply, "(dddd)", &v1s, &v1h, &v2s, &v2h);
        if (r < 0)
                return pacectl_error_exit("sim", NULL, r);
        r = sd_bus_get_property_string(bus, PACED_BUS_NAME, PACED_BUS_PATH,
                                       PACED_BUS_IFACE_SIMULATOR, "BeltState", &error, &belt);
        if (r < 0)
                return pacectl_error_exit("cannot reach paced", &error, r);
        if (json)
                printf("{\"belt\":\"%s\",\"hrvt1_kmh\":%.2f,\"hrvt1_bpm\":%.1f,"
                       "\"hrvt2_kmh\":%.2f,\"hrvt2_bpm\":%.1f}\n",
                       belt, v1s, v1h, v2s, v2h);
        else
                printf("Belt: %s\nSimulated runner's true thresholds:\n"
                       "  HRVT1 (aerobic, alpha1 0.75):   %.1f km/h, %.0f bpm\n"
                       "  HRVT2 (anaerobic, alpha1 0.50): %.1f km/h, %.0f bpm\n",
                       belt, v1s, v1h, v2s, v2h);
        return PACECTL_EXIT_OK;
}

static int call(const char *method, const char *arg)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_SIMULATOR,
                               method, &error, NULL, "s", arg);
        if (r < 0)
                return pacectl_error_exit(method, &error, r);
        return PACECTL_EXIT_OK;
}

static int cmd_sim(int argc, char *argv[])
{
        static const struct {
                const char *verb, *method;
        } verbs[] = {
                {"press", "PressButton"},
                {"inject", "InjectFault"},
                {"clear", "ClearFault"},
                {"reconnect", "Reconnect"},
        };
        const char *verb = argc >= 2 ? argv[1] : "show";
        bool json = false;

        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        pacectl_print_usage(
                                "sim", "  show [--json]     Belt state and the runner's true "
                                       "thresholds\n"
                                       "  press BUTTON      start, stop, pause, safety-key, "
                                       "key-replace\n"
                                       "  inject FAULT      e.g. drop-treadmill, lose-control\n"
                                       "  clear FAULT       end a lasting fault\n"
                                       "  reconnect DEVICE  treadmill or strap\n");
                        return PACECTL_EXIT_OK;
                }
                if (streq(argv[i], "--json"))
                        json = true;
        }
        if (streq(verb, "--json") || streq(verb, "show"))
                return show(json);
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verb, verbs[i].verb)) {
                        if (argc != 3) {
                                fprintf(stderr, "pacectl sim %s: expected one argument\n", verb);
                                return PACECTL_EXIT_USAGE;
                        }
                        return call(verbs[i].method, argv[2]);
                }
        fprintf(stderr, "pacectl sim: unknown action '%s'\n", verb);
        return PACECTL_EXIT_USAGE;
}

PACECTL_COMMAND(sim, .name = "sim", .args = "[show | press BUTTON | inject FAULT | ...]",
                .summary = "Drive the simulator: console buttons, faults, true thresholds.",
                .run = cmd_sim);
