/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pacectl devices [--scan] [--json]: the treadmill and the strap paced uses (or finds). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-client.h"
#include "time-util.h"
#include "units-cli.h"
#include "utf8.h"
#include "util.h"

static void print_device(const DeviceProps *d)
{
        printf("%-10s %-17s %-24s %s", d->kind ? d->kind : "?",
               d->address && *d->address ? d->address : "-", d->name && *d->name ? d->name : "-",
               d->connected ? "connected" : "not connected");
        if (d->battery >= 0)
                printf(", battery %d %%", d->battery);
        if (d->speed_range[1] > 0) {
                char lo[32], hi[32];
                bool mi = pacectl_units_per_mile();

                /* The runner's units, as status and watch speak them. */
                printf(", %s-%s", format_speed(lo, sizeof(lo), d->speed_range[0], mi, 0),
                       format_speed(hi, sizeof(hi), d->speed_range[1], mi, TIME_FORMAT_UNIT));
        }
        printf("\n");
        if (d->features && d->features[0]) {
                printf("%-10s features:", "");
                for (char **f = d->features; *f; f++)
                        printf(" %s", *f);
                printf("\n");
        }
}

static int scan(sd_bus *bus, unsigned timeout, bool json)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *address, *name, *kind;
        int16_t rssi;
        bool first = true;
        int r;

        /* The daemon scans for timeout seconds before it answers. */
        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_MANAGER,
                               "ScanDevices", &error, &reply, "u", timeout);
        if (r < 0)
                return pacectl_error_exit("scan", &error, r);
        r = sd_bus_message_enter_container(reply, 'a', "(sssn)");
        if (r < 0)
                return pacectl_error_exit("scan", NULL, r);
        if (json)
                printf("[");
        while ((r = sd_bus_message_read(reply, "(sssn)", &address, &name, &kind, &rssi)) > 0) {
                if (json) {
                        printf("%s{\"address\":", first ? "" : ",");
                        pacectl_json_string(stdout, address);
                        printf(",\"name\":");
                        pacectl_json_string(stdout, name);
                        printf(",\"kind\":");
                        pacectl_json_string(stdout, kind);
                        printf(",\"rssi\":%d}", rssi);
                } else {
                        /* Anyone nearby can advertise a name: no escape sequence gets through. */
                        _cleanup_free_ char *a = utf8_sanitize(address), *n = utf8_sanitize(name),
                                            *k = utf8_sanitize(kind);

                        printf("%-10s %-17s %-24s %d dBm\n", k ? k : "?", a ? a : "?", n ? n : "?",
                               rssi);
                }
                first = false;
        }
        if (r < 0)
                return pacectl_error_exit("scan", NULL, r);
        if (json)
                printf("]\n");
        else if (first)
                printf("No treadmill or heart-rate strap found.\n");
        return PACECTL_EXIT_OK;
}

static int cmd_devices(int argc, char *argv[])
{
        static const struct option options[] = {
                {"help", no_argument, NULL, 'h'},
                {"json", no_argument, NULL, 'j'},
                {"scan", optional_argument, NULL, 's'},
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool json = false, do_scan = false;
        unsigned timeout = 10;
        int c, r, ret = PACECTL_EXIT_OK;

        while ((c = getopt_long(argc, argv, "hj", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        pacectl_print_usage("devices",
                                            "  --json           Print JSON\n"
                                            "  --scan[=SECONDS] Look for treadmills and straps "
                                            "nearby (default 10 s)\n");
                        return PACECTL_EXIT_OK;
                case 'j':
                        json = true;
                        break;
                case 's':
                        do_scan = true;
                        if (optarg) {
                                char *end;

                                timeout = (unsigned)strtoul(optarg, &end, 10);
                                if (*end || timeout == 0 || timeout > 120) {
                                        fprintf(stderr, "pacectl devices: --scan takes 1 to "
                                                        "120 seconds\n");
                                        return PACECTL_EXIT_USAGE;
                                }
                        }
                        break;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "pacectl devices: unexpected argument '%s'\n", argv[optind]);
                return PACECTL_EXIT_USAGE;
        }
        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        if (do_scan)
                return scan(bus, timeout, json);

        if (json)
                printf("[");
        for (size_t i = 0; i < 2; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                DeviceProps d;

                r = device_props_get(bus, pacectl_device_kinds[i], &d, &error);
                if (r < 0) {
                        device_props_done(&d);
                        if (json)
                                printf("]\n");
                        return pacectl_error_exit("cannot reach paced", &error, r);
                }
                if (json) {
                        printf("%s{\"kind\":", i ? "," : "");
                        pacectl_json_string(stdout, d.kind);
                        printf(",\"address\":");
                        pacectl_json_string(stdout, d.address);
                        printf(",\"name\":");
                        pacectl_json_string(stdout, d.name);
                        printf(",\"connected\":%s,\"battery\":", d.connected ? "true" : "false");
                        if (d.battery >= 0)
                                printf("%d", d.battery);
                        else
                                printf("null");
                        printf(",\"features\":[");
                        for (char **f = d.features; f && *f; f++) {
                                if (f != d.features)
                                        printf(",");
                                pacectl_json_string(stdout, *f);
                        }
                        printf("],\"speed_range\":");
                        if (d.speed_range[1] > 0)
                                printf("[%g,%g,%g]", d.speed_range[0], d.speed_range[1],
                                       d.speed_range[2]);
                        else
                                printf("null");
                        printf("}");
                } else
                        print_device(&d);
                device_props_done(&d);
        }
        if (json)
                printf("]\n");
        return ret;
}

PACECTL_COMMAND(devices, .name = "devices", .args = "[--scan[=SECONDS]] [--json]",
                .summary = "Show the treadmill and strap, or scan for them.", .run = cmd_devices);
