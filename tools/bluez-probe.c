/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bluez-probe: runs the BlueZ transport alone and prints every event as one
 * JSON object per line, for bring-up on real hardware and the e2e VM
 * without the daemon around it.
 *
 *   bluez-probe [--bus ADDRESS] [--adapter hciN] [--treadmill SEL|none]
 *               [--strap SEL|none] [--no-scan] [--duration SECONDS]
 *               [--until-up] [--cp HEX]... [--list SECONDS] [--acquire]
 *
 * SEL is an address or a name; without one the first device advertising
 * the service is used. --cp sends control-point requests in order once the
 * treadmill is up, each after the previous one's answer. --until-up exits
 * once every wanted role is up and every --cp request has been answered.
 * --list scans for SECONDS and prints the devices instead. --acquire uses
 * AcquireNotify where BlueZ allows it.
 * Exit status: 0 when every wanted role came up (and, with --cp, every
 * request got an answer), 1 otherwise, 2 on bad usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bluez-client.h"
#include "json-writer.h"
#include "log.h"
#include "util.h"

#define MAX_CP 16

typedef struct Probe {
        sd_event *event;
        Transport *t;
        bool wanted[_TRANSPORT_ROLE_MAX];
        bool was_up[_TRANSPORT_ROLE_MAX];
        bool until_up;
        uint8_t cp[MAX_CP][FTMS_CP_MAX_LEN];
        size_t cp_len[MAX_CP];
        size_t n_cp, cp_sent, cp_answered;
        bool cp_waiting;
        bool list_all;
        uint64_t list_usec;
        bool listed;
} Probe;

static bool probe_done(Probe *p)
{
        for (int r = 0; r < _TRANSPORT_ROLE_MAX; r++)
                if (p->wanted[r] && !p->was_up[r])
                        return false;
        return p->cp_answered == p->n_cp;
}

static void send_next_cp(Probe *p)
{
        int r;

        if (p->cp_waiting || p->cp_sent >= p->n_cp ||
            !bluez_transport_link_up(p->t, TRANSPORT_ROLE_TREADMILL))
                return;
        r = transport_write_control_point(p->t, p->cp[p->cp_sent], p->cp_len[p->cp_sent]);
        if (r < 0) {
                log_error_errno(r, "Control point write refused: %m");
                return;
        }
        p->cp_sent++;
        p->cp_waiting = true;
}

static void print_event(const TransportEvent *ev)
{
        JsonWriter w;

        json_writer_init(&w, stdout);
        json_writer_begin_object(&w);
        json_writer_key_uint(&w, "time_usec", ev->time_usec);
        json_writer_key_string(&w, "role", transport_role_to_string(ev->role));
        json_writer_key_string(&w, "event", transport_event_type_to_string(ev->type));
        switch (ev->type) {
        case TRANSPORT_EVENT_LINK:
                json_writer_key_bool(&w, "up", ev->link.up);
                json_writer_key_string(&w, "reason", ev->link.reason);
                break;
        case TRANSPORT_EVENT_IDENTITY:
                json_writer_key_string(&w, "name", ev->identity.name);
                json_writer_key_string(&w, "address", ev->identity.address);
                break;
        case TRANSPORT_EVENT_CAPABILITIES:
                json_writer_key_uint(&w, "machine_features", ev->caps.feature.machine);
                json_writer_key_uint(&w, "target_features", ev->caps.feature.target);
                if (ev->caps.has_speed_range) {
                        json_writer_key_number(&w, "speed_min_kmh", ev->caps.speed_range.min);
                        json_writer_key_number(&w, "speed_max_kmh", ev->caps.speed_range.max);
                }
                if (ev->caps.has_incline_range) {
                        json_writer_key_number(&w, "incline_min_pct", ev->caps.incline_range.min);
                        json_writer_key_number(&w, "incline_max_pct", ev->caps.incline_range.max);
                }
                json_writer_key_bool(&w, "control_point", ev->caps.has_control_point);
                break;
        case TRANSPORT_EVENT_HEART_RATE:
                json_writer_key_uint(&w, "bpm", ev->hr.heart_rate_bpm);
                json_writer_key(&w, "rr_raw_1024");
                json_writer_begin_array(&w);
                for (size_t i = 0; i < ev->hr.n_rr; i++)
                        json_writer_uint(&w, ev->hr.rr_raw[i]);
                json_writer_end_array(&w);
                break;
        case TRANSPORT_EVENT_TREADMILL_DATA:
                if (ev->treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_SPEED))
                        json_writer_key_number(&w, "speed_kmh", ev->treadmill.speed_kmh);
                if (ev->treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_INCLINE))
                        json_writer_key_number(&w, "incline_pct", ev->treadmill.incline_pct);
                if (ev->treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_DISTANCE))
                        json_writer_key_uint(&w, "distance_m", ev->treadmill.distance_m);
                if (ev->treadmill.present & FTMS_FIELD_BIT(FTMS_FIELD_HEART_RATE))
                        json_writer_key_uint(&w, "hr_bpm", ev->treadmill.heart_rate_bpm);
                break;
        case TRANSPORT_EVENT_MACHINE_STATUS:
                json_writer_key_uint(&w, "op", ev->status.op);
                json_writer_key_string(&w, "name", ftms_status_op_to_string(ev->status.op));
                json_writer_key_number(&w, "value", ev->status.value);
                break;
        case TRANSPORT_EVENT_TRAINING_STATUS:
                json_writer_key_uint(&w, "status", ev->training.status);
                json_writer_key_string(&w, "name",
                                       ftms_training_status_to_string(ev->training.status));
                break;
        case TRANSPORT_EVENT_CP_RESPONSE:
                json_writer_key_uint(&w, "request_op", ev->cp_response.request_op);
                json_writer_key_uint(&w, "result", ev->cp_response.result);
                json_writer_key_string(&w, "result_name",
                                       ftms_cp_result_to_string(ev->cp_response.result));
                break;
        case TRANSPORT_EVENT_CP_WRITE_FAILED:
                json_writer_key_int(&w, "error", ev->cp_write_error.error);
                json_writer_key_string(&w, "message", ev->cp_write_error.message);
                break;
        case TRANSPORT_EVENT_BATTERY:
                json_writer_key_uint(&w, "percent", ev->battery_pct);
                break;
        case TRANSPORT_EVENT_MALFORMED:
                json_writer_key_uint(&w, "uuid", ev->malformed.uuid);
                json_writer_key_int(&w, "error", ev->malformed.error);
                json_writer_key_uint(&w, "len", ev->malformed.len);
                break;
        case TRANSPORT_EVENT_FOOTPOD:
                json_writer_key_number(&w, "speed_kmh", rsc_speed_to_kmh(ev->footpod.speed_raw));
                json_writer_key_uint(&w, "cadence_spm", ev->footpod.cadence_spm);
                break;
        case _TRANSPORT_EVENT_MAX:
        case _TRANSPORT_EVENT_INVALID:
                break;
        }
        json_writer_end_object(&w);
        fputc('\n', stdout);
        fflush(stdout);
}

static void on_event(const TransportEvent *ev, void *userdata)
{
        Probe *p = userdata;

        print_event(ev);
        if (ev->type == TRANSPORT_EVENT_LINK) {
                if (ev->link.up)
                        p->was_up[ev->role] = true;
                else if (ev->role == TRANSPORT_ROLE_TREADMILL)
                        p->cp_waiting = false; /* the write failed with the link */
        }
        if (ev->type == TRANSPORT_EVENT_CP_RESPONSE ||
            ev->type == TRANSPORT_EVENT_CP_WRITE_FAILED) {
                if (p->cp_waiting) {
                        p->cp_answered++;
                        p->cp_waiting = false;
                }
        }
        send_next_cp(p);
        if (p->until_up && probe_done(p))
                sd_event_exit(p->event, 0);
}

static void on_list(int error, const BluezScanResult *res, size_t n, void *userdata)
{
        Probe *p = userdata;

        for (size_t i = 0; i < n; i++) {
                JsonWriter w;

                json_writer_init(&w, stdout);
                json_writer_begin_object(&w);
                json_writer_key_string(&w, "address", res[i].address);
                json_writer_key_string(&w, "name", res[i].name);
                if (res[i].has_rssi)
                        json_writer_key_int(&w, "rssi", res[i].rssi);
                json_writer_key_bool(&w, "connected", res[i].connected);
                json_writer_key_bool(&w, "ftms", res[i].ftms);
                json_writer_key_bool(&w, "hrs", res[i].hrs);
                json_writer_key(&w, "uuids");
                json_writer_begin_array(&w);
                for (char *const *u = res[i].uuids; u && *u; u++)
                        json_writer_string(&w, *u);
                json_writer_end_array(&w);
                json_writer_end_object(&w);
                fputc('\n', stdout);
        }
        p->listed = error >= 0;
        sd_event_exit(p->event, error < 0 ? 1 : 0);
}

/* The scan needs bluetoothd's objects loaded: try again shortly until they are. */
static int on_list_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        Probe *p = userdata;
        int r;

        r = bluez_transport_scan(p->t, p->list_usec, p->list_all, on_list, p);
        if (r == -ENODEV)
                return sd_event_source_set_time_relative(s, 100 * USEC_PER_MSEC) < 0
                               ? 0
                               : sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        if (r < 0) {
                log_error_errno(r, "Cannot scan: %m");
                sd_event_exit(p->event, 1);
        }
        return 0;
}

static int parse_hex(const char *s, uint8_t *buf, size_t size, size_t *ret)
{
        size_t n = 0;

        if (strlen(s) % 2 != 0 || strlen(s) / 2 > size || !*s)
                return -EINVAL;
        for (; *s; s += 2) {
                char b[3] = {s[0], s[1], 0}, *end;
                unsigned long v = strtoul(b, &end, 16);

                if (*end)
                        return -EINVAL;
                buf[n++] = (uint8_t)v;
        }
        *ret = n;
        return 0;
}

static void usage(void)
{
        printf("usage: bluez-probe [--bus ADDRESS] [--adapter hciN] [--treadmill SEL|none]\n"
               "                   [--strap SEL|none] [--no-scan] [--duration SECONDS]\n"
               "                   [--until-up] [--cp HEX]... [--list SECONDS] [--all]\n"
               "                   [--acquire] [--verbose]\n");
}

int main(int argc, char *argv[])
{
        static const struct option opts[] = {
                {"bus", required_argument, NULL, 'b'},
                {"adapter", required_argument, NULL, 'a'},
                {"treadmill", required_argument, NULL, 't'},
                {"strap", required_argument, NULL, 's'},
                {"no-scan", no_argument, NULL, 'n'},
                {"duration", required_argument, NULL, 'd'},
                {"until-up", no_argument, NULL, 'u'},
                {"cp", required_argument, NULL, 'c'},
                {"list", required_argument, NULL, 'l'},
                {"all", no_argument, NULL, 'A'},
                {"acquire", no_argument, NULL, 'q'},
                {"verbose", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        BluezConfig cfg = {};
        Probe p = {};
        const char *address = NULL;
        double duration = 60;
        sigset_t mask;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case 'b':
                        address = optarg;
                        break;
                case 'a':
                        cfg.adapter = optarg;
                        break;
                case 't':
                        bluez_config_set_role(&cfg, TRANSPORT_ROLE_TREADMILL, optarg);
                        break;
                case 's':
                        bluez_config_set_role(&cfg, TRANSPORT_ROLE_STRAP, optarg);
                        break;
                case 'n':
                        cfg.scan = BLUEZ_SCAN_NEVER;
                        break;
                case 'd':
                        duration = strtod(optarg, NULL);
                        break;
                case 'u':
                        p.until_up = true;
                        break;
                case 'c':
                        if (p.n_cp >= MAX_CP || parse_hex(optarg, p.cp[p.n_cp], FTMS_CP_MAX_LEN,
                                                          &p.cp_len[p.n_cp]) < 0) {
                                fprintf(stderr, "bad --cp value: %s\n", optarg);
                                return 2;
                        }
                        p.n_cp++;
                        break;
                case 'l':
                        p.list_usec = (uint64_t)(strtod(optarg, NULL) * USEC_PER_SEC);
                        break;
                case 'A':
                        p.list_all = true;
                        break;
                case 'q':
                        cfg.acquire_notify = true;
                        break;
                case 'v':
                        log_set_max_level(LOG_DEBUG);
                        break;
                case 'h':
                        usage();
                        return 0;
                default:
                        usage();
                        return 2;
                }
        }
        if (optind < argc || !(duration > 0)) {
                usage();
                return 2;
        }
        if (p.list_usec > 0)
                cfg.disabled[TRANSPORT_ROLE_TREADMILL] = cfg.disabled[TRANSPORT_ROLE_STRAP] = true;
        for (int i = 0; i < _TRANSPORT_ROLE_MAX; i++)
                p.wanted[i] = !cfg.disabled[i];

        r = sd_event_default(&e);
        if (r < 0)
                return log_error_errno(r, "Cannot create event loop: %m"), 1;
        p.event = e;
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        (void)sd_event_add_signal(e, NULL, SIGINT, NULL, NULL);
        (void)sd_event_add_signal(e, NULL, SIGTERM, NULL, NULL);

        if (address) {
                r = sd_bus_new(&bus);
                if (r >= 0)
                        r = sd_bus_set_address(bus, address);
                if (r >= 0)
                        r = sd_bus_set_bus_client(bus, 1);
                if (r >= 0)
                        r = sd_bus_start(bus);
        } else
                r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the bus: %m"), 1;
        r = sd_bus_attach_event(bus, e, 0);
        if (r < 0)
                return log_error_errno(r, "Cannot attach the bus: %m"), 1;

        r = bluez_transport_new(&p.t, e, bus, &cfg);
        if (r < 0)
                return log_error_errno(r, "Cannot start the BlueZ transport: %m"), 1;
        p.t->handler = on_event;
        p.t->userdata = &p;

        if (p.list_usec > 0)
                (void)sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC, 1, 0, on_list_retry, &p);
        (void)sd_event_add_time_relative(e, NULL, CLOCK_MONOTONIC,
                                         (uint64_t)(duration * USEC_PER_SEC), 0, NULL, NULL);

        r = sd_event_loop(e);
        transport_shutdown(p.t);
        p.t = transport_free(p.t);
        if (p.list_usec > 0)
                return p.listed ? 0 : 1;
        return probe_done(&p) ? 0 : 1;
}
