/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pacectl calibrate [--accept | --reset] [--json]: the treadmill's speed
 * calibration estimated against the footpod (io.paced.paced1.Footpod,
 * docs/relay.md). Without an option it only shows the estimate and the
 * calibration in use: nothing changes until the runner accepts.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bus-client.h"
#include "json-writer.h"
#include "pacectl.h"
#include "units-cli.h"
#include "util.h"

static const char options_help[] =
        "      --accept      Use the estimate from now on (between workouts only)\n"
        "      --reset       Forget an accepted calibration: paced.conf's applies again\n"
        "      --json        Print a JSON object\n"
        "  -h, --help        Show this help\n";

typedef struct Estimate {
        const char *status;
        double factor, offset_kmh, spread, seconds, speed_min_kmh, speed_max_kmh;
        int offset_fitted;
        uint32_t segments;
} Estimate;

static int call(sd_bus *bus, const char *method, sd_bus_message **reply)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_FOOTPOD, method,
                               &error, reply, NULL);
        if (r < 0)
                return pacectl_error_exit(method, &error, r);
        return 0;
}

static int get_in_use(sd_bus *bus, double *factor, double *offset, char **source)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *s;
        int r;

        r = sd_bus_get_property(bus, PACED_BUS_NAME, PACED_BUS_PATH, PACED_BUS_IFACE_FOOTPOD,
                                "Calibration", &error, &reply, "(dds)");
        if (r < 0)
                return pacectl_error_exit("Calibration", &error, r);
        r = sd_bus_message_read(reply, "(dds)", factor, offset, &s);
        if (r < 0)
                return pacectl_error_exit("Calibration", NULL, r);
        *source = strdup(s);
        return *source ? 0 : pacectl_error_exit("Calibration", NULL, -ENOMEM);
}

static void print_json(const Estimate *e, double factor, double offset, const char *source)
{
        JsonWriter w;

        json_writer_init(&w, stdout);
        json_writer_begin_object(&w);
        json_writer_key(&w, "in_use");
        json_writer_begin_object(&w);
        json_writer_key_number(&w, "factor", factor);
        json_writer_key_number(&w, "offset_kmh", offset);
        json_writer_key_string(&w, "source", source);
        json_writer_end_object(&w);
        json_writer_key(&w, "estimate");
        json_writer_begin_object(&w);
        json_writer_key_string(&w, "status", e->status);
        json_writer_key_number(&w, "factor", e->factor);
        json_writer_key_number(&w, "offset_kmh", e->offset_kmh);
        json_writer_key_bool(&w, "offset_fitted", e->offset_fitted);
        json_writer_key_number(&w, "spread", e->spread);
        json_writer_key_uint(&w, "segments", e->segments);
        json_writer_key_number(&w, "seconds", e->seconds);
        json_writer_key_number(&w, "speed_min_kmh", e->speed_min_kmh);
        json_writer_key_number(&w, "speed_max_kmh", e->speed_max_kmh);
        json_writer_end_object(&w);
        json_writer_end_object(&w);
        fputc('\n', stdout);
}

static const char *status_text(const char *s)
{
        if (streq(s, "no-data"))
                return "no steady running against the footpod yet";
        if (streq(s, "too-little-data"))
                return "not enough steady running yet to offer it";
        if (streq(s, "too-spread"))
                return "the segments disagree too much to offer it";
        if (streq(s, "out-of-range"))
                return "outside what paced.conf accepts: check the footpod";
        if (streq(s, "ready"))
                return "ready: `pacectl calibrate --accept` uses it";
        return s;
}

/* A speed offset (km/h in paced.conf, which also takes mph) in the runner's units. */
static const char *format_offset(char *buf, size_t size, double kmh, bool mi)
{
        snprintf(buf, size, "%+.2f %s", mi ? kmh / KMH_PER_MPH : kmh, mi ? "mph" : "km/h");
        return buf;
}

static void print_text(const Estimate *e, double factor, double offset, const char *source)
{
        bool mi = pacectl_units_per_mile();
        double u = mi ? 1 / KMH_PER_MPH : 1;
        char o[32];

        printf("In use:    speed x %.4f %s (%s)\n", factor, format_offset(o, sizeof(o), offset, mi),
               streq(source, "accepted") ? "accepted estimate" : "paced.conf");
        if (!isfinite(e->factor)) {
                printf("Estimate:  %s\n", status_text(e->status));
                return;
        }
        printf("Estimate:  speed x %.4f %s%s\n", e->factor,
               format_offset(o, sizeof(o), e->offset_kmh, mi),
               e->offset_fitted ? "" : " (factor only: one speed range)");
        printf("Spread:    %.2f %% between segments\n", e->spread * 100);
        printf("Based on:  %.0f s of steady running in %u segments, belt %.1f-%.1f %s\n",
               e->seconds, e->segments, e->speed_min_kmh * u, e->speed_max_kmh * u,
               mi ? "mph" : "km/h");
        printf("Status:    %s\n", status_text(e->status));
}

static int cmd_calibrate(int argc, char *argv[])
{
        static const struct option options[] = {
                {"accept", no_argument, NULL, 'a'},
                {"reset", no_argument, NULL, 'r'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *source = NULL;
        bool accept = false, reset = false, json = false;
        double factor, offset;
        Estimate e = {};
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        accept = true;
                        break;
                case 'r':
                        reset = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        pacectl_print_usage(argv[0], options_help);
                        return PACECTL_EXIT_OK;
                default:
                        return PACECTL_EXIT_USAGE;
                }
        if (optind < argc || (accept && reset)) {
                fprintf(stderr, "pacectl calibrate: expected at most one of --accept, --reset\n");
                return PACECTL_EXIT_USAGE;
        }
        r = pacectl_bus_open(&bus);
        if (r < 0)
                return pacectl_bus_open_failed(r);
        if (accept || reset) {
                r = call(bus, accept ? "AcceptCalibration" : "ResetCalibration", &reply);
                if (r != 0)
                        return r;
                r = sd_bus_message_read(reply, "dd", &factor, &offset);
                if (r < 0)
                        return pacectl_error_exit("calibrate", NULL, r);
                char o[32];

                printf("Treadmill calibration now: speed x %.4f %s (%s).\n", factor,
                       format_offset(o, sizeof(o), offset, pacectl_units_per_mile()),
                       accept ? "accepted estimate" : "paced.conf");
                return PACECTL_EXIT_OK;
        }
        r = call(bus, "GetCalibrationEstimate", &reply);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "sddbduddd", &e.status, &e.factor, &e.offset_kmh,
                                &e.offset_fitted, &e.spread, &e.segments, &e.seconds,
                                &e.speed_min_kmh, &e.speed_max_kmh);
        if (r < 0)
                return pacectl_error_exit("GetCalibrationEstimate", NULL, r);
        r = get_in_use(bus, &factor, &offset, &source);
        if (r != 0)
                return r;
        if (json)
                print_json(&e, factor, offset, source);
        else
                print_text(&e, factor, offset, source);
        return PACECTL_EXIT_OK;
}

PACECTL_COMMAND(calibrate, .name = "calibrate", .args = "[--accept|--reset]",
                .summary = "The treadmill's calibration estimated against the footpod.",
                .run = cmd_calibrate);
