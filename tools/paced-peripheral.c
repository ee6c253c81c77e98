/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * paced-peripheral: a virtual BLE treadmill (FTMS) + heart-rate strap (HRS) +
 * battery, served through bluetoothd's GattManager1 and LEAdvertisingManager1
 * on one adapter. Used by the e2e tests (tests/e2e/) against paced, and on
 * any Linux box with Bluetooth to test fitness apps. See docs/peripheral.md.
 *
 * Control commands arrive one per line on stdin or on a FIFO (--control);
 * every Control Point request is logged, one line each, to --cp-log.
 */

#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "ftms.h"
#include "hrs.h"
#include "sim-runner.h"
#include "sim-treadmill.h"
#include "util.h"

#define HR_INTERVAL_USEC    (1000 * 1000ULL)
#define REGISTER_RETRY_USEC (500 * 1000ULL)

typedef enum CharId {
        CHAR_FEATURE,
        CHAR_TREADMILL_DATA,
        CHAR_TRAINING_STATUS,
        CHAR_SPEED_RANGE,
        CHAR_INCLINE_RANGE,
        CHAR_MACHINE_STATUS,
        CHAR_CONTROL_POINT,
        CHAR_HR_MEASUREMENT,
        CHAR_BODY_SENSOR_LOCATION,
        CHAR_BATTERY_LEVEL,
        _CHAR_MAX,
} CharId;

typedef enum ServiceId {
        SERVICE_FTMS,
        SERVICE_HRS,
        SERVICE_BATTERY,
        _SERVICE_MAX,
} ServiceId;

typedef struct Peripheral Peripheral;

/*
 * One GATT application + advertisement on one adapter. Normally a single one
 * serves everything; with --strap-adapter the strap (HRS + battery) is a
 * second device on its own adapter, as a real chest strap is.
 */
typedef struct App {
        Peripheral *p;
        const char *root; /* object manager path */
        const char *adv_path;
        const char *role; /* "treadmill" or "strap", for commands */
        const char *name; /* advertised local name */
        char adapter_path[64];
        unsigned services; /* 1 << ServiceId */
        bool app_registered;
        bool advertise; /* wanted */
        bool advertising;
        bool registering;
        sd_event_source *retry;
} App;

typedef struct Characteristic {
        Peripheral *p;
        CharId id;
        ServiceId service;
        uint16_t uuid;
        const char *const *flags;
        char path[80];
        uint8_t value[64];
        size_t len;
        bool notifying;
} Characteristic;

typedef struct Service {
        Peripheral *p;
        ServiceId id;
        uint16_t uuid;
        App *app;
        char path[64];
} Service;

typedef enum FailMode {
        FAIL_NONE = 0,
        FAIL_SPEED = 1 << 0,
        FAIL_INCLINE = 1 << 1,
        FAIL_START = 1 << 2,
        FAIL_STOP = 1 << 3,
        FAIL_ALL = FAIL_SPEED | FAIL_INCLINE | FAIL_START | FAIL_STOP,
} FailMode;

struct Peripheral {
        sd_event *event;
        sd_bus *bus;
        sd_event_source *data_timer;
        sd_event_source *hr_timer;
        sd_event_source *control_source;
        App apps[2];
        size_t n_apps;

        Service services[_SERVICE_MAX];
        Characteristic chars[_CHAR_MAX];

        SimTreadmill *treadmill;
        SimRunner *runner;
        SimBeltState last_belt;
        bool hr16;
        bool treadmill_hr;  /* Heart Rate field in Treadmill Data (hand grips, receiver) */
        double hr_override; /* > 0: a fixed heart rate instead of the runner's */
        uint16_t last_hr_bpm;

        /* Faults injected on top of the model's own Control Point server. */
        unsigned fail_mask;

        /* The model's clock: real time, or --time-scale times faster so that
         * e2e tests run long workouts against a paced at the same scale. */
        PacedClock clock;

        FILE *cp_log;
        char line[512];
        size_t line_len;
};

static uint64_t model_now(const Peripheral *p)
{
        return paced_clock_now(&p->clock);
}

static const char *const flags_read[] = {"read", NULL};
static const char *const flags_notify[] = {"notify", NULL};
static const char *const flags_read_notify[] = {"read", "notify", NULL};
static const char *const flags_write_indicate[] = {"write", "indicate", NULL};

static const struct {
        ServiceId service;
        uint16_t uuid;
        const char *const *flags;
} char_table[_CHAR_MAX] = {
        [CHAR_FEATURE] = {SERVICE_FTMS, FTMS_UUID_FEATURE, flags_read},
        [CHAR_TREADMILL_DATA] = {SERVICE_FTMS, FTMS_UUID_TREADMILL_DATA, flags_notify},
        [CHAR_TRAINING_STATUS] = {SERVICE_FTMS, FTMS_UUID_TRAINING_STATUS, flags_read_notify},
        [CHAR_SPEED_RANGE] = {SERVICE_FTMS, FTMS_UUID_SPEED_RANGE, flags_read},
        [CHAR_INCLINE_RANGE] = {SERVICE_FTMS, FTMS_UUID_INCLINE_RANGE, flags_read},
        [CHAR_MACHINE_STATUS] = {SERVICE_FTMS, FTMS_UUID_MACHINE_STATUS, flags_notify},
        [CHAR_CONTROL_POINT] = {SERVICE_FTMS, FTMS_UUID_CONTROL_POINT, flags_write_indicate},
        [CHAR_HR_MEASUREMENT] = {SERVICE_HRS, HRS_UUID_MEASUREMENT, flags_notify},
        [CHAR_BODY_SENSOR_LOCATION] = {SERVICE_HRS, HRS_UUID_BODY_SENSOR_LOC, flags_read},
        [CHAR_BATTERY_LEVEL] = {SERVICE_BATTERY, BAS_UUID_BATTERY_LEVEL, flags_read_notify},
};

static const uint16_t service_uuids[_SERVICE_MAX] = {
        [SERVICE_FTMS] = FTMS_UUID_SERVICE,
        [SERVICE_HRS] = HRS_UUID_SERVICE,
        [SERVICE_BATTERY] = BAS_UUID_SERVICE,
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

_printf_(1, 2) static void say(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

/* ---- values and notifications ---- */

static void char_set(Characteristic *c, const uint8_t *buf, size_t len)
{
        len = MIN(len, sizeof(c->value));
        memcpy(c->value, buf, len);
        c->len = len;
}

/*
 * bluetoothd turns a PropertiesChanged on Value into a notification or, for
 * the Control Point, an indication to every subscribed client.
 */
static void char_notify(Characteristic *c, const uint8_t *buf, size_t len)
{
        int r;

        char_set(c, buf, len);
        if (!c->notifying)
                return;
        r = sd_bus_emit_properties_changed(c->p->bus, c->path, "org.bluez.GattCharacteristic1",
                                           "Value", NULL);
        if (r < 0)
                say("warning: cannot emit %s value: %s", c->path, strerror(-r));
}

static Characteristic *char_by_uuid(Peripheral *p, uint16_t uuid)
{
        for (CharId c = 0; c < _CHAR_MAX; c++)
                if (p->chars[c].uuid == uuid)
                        return &p->chars[c];
        return NULL;
}

static void read_static_values(Peripheral *p)
{
        static const uint16_t uuids[] = {FTMS_UUID_FEATURE, FTMS_UUID_SPEED_RANGE,
                                         FTMS_UUID_INCLINE_RANGE, FTMS_UUID_TRAINING_STATUS};
        uint8_t buf[1];

        for (size_t i = 0; i < ELEMENTSOF(uuids); i++) {
                SimPacket pkt;

                if (sim_treadmill_read(p->treadmill, uuids[i], &pkt) >= 0)
                        char_set(char_by_uuid(p, uuids[i]), pkt.data, pkt.len);
        }
        buf[0] = 0x01; /* Body Sensor Location: chest */
        char_set(&p->chars[CHAR_BODY_SENSOR_LOCATION], buf, 1);
        buf[0] = 87; /* Battery Level, % */
        char_set(&p->chars[CHAR_BATTERY_LEVEL], buf, 1);
}

/*
 * Like a treadmill with a heart-rate receiver: the runner's heart rate in
 * the Treadmill Data record (FTMS 4.9.1.13). Records that do not decode (an
 * injected malformed one) pass unchanged.
 */
static void add_heart_rate(Peripheral *p, SimPacket *pkt)
{
        FtmsTreadmillData d;
        size_t len;

        if (p->last_hr_bpm == 0 || ftms_parse_treadmill_data(pkt->data, pkt->len, &d) < 0 ||
            d.more_data)
                return;
        d.present |= FTMS_FIELD_BIT(FTMS_FIELD_HEART_RATE);
        d.heart_rate_bpm = (uint8_t)MIN(p->last_hr_bpm, 255);
        if (ftms_encode_treadmill_data(&d, pkt->data, sizeof(pkt->data), &len) >= 0)
                pkt->len = len;
}

/* Sends what the treadmill model queued, and Training Status when the belt changed. */
static void flush_treadmill(Peripheral *p)
{
        SimBeltState belt = sim_treadmill_state(p->treadmill);
        SimPacket pkt;

        while (sim_treadmill_pop(p->treadmill, &pkt)) {
                Characteristic *c = char_by_uuid(p, pkt.uuid);

                if (pkt.uuid == FTMS_UUID_TREADMILL_DATA && p->treadmill_hr)
                        add_heart_rate(p, &pkt);
                if (c)
                        char_notify(c, pkt.data, pkt.len);
        }
        if (belt != p->last_belt) {
                p->last_belt = belt;
                say("belt %s", sim_belt_state_to_string(belt));
                if (sim_treadmill_read(p->treadmill, FTMS_UUID_TRAINING_STATUS, &pkt) >= 0)
                        char_notify(&p->chars[CHAR_TRAINING_STATUS], pkt.data, pkt.len);
        }
}

static int arm_data_timer(Peripheral *p)
{
        int r;

        r = sd_event_source_set_time(
                p->data_timer,
                paced_clock_to_real(&p->clock, sim_treadmill_next_data_usec(p->treadmill)));
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(p->data_timer, SD_EVENT_ONESHOT);
}

static int on_data_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Peripheral *p = userdata;

        sim_treadmill_tick(p->treadmill, model_now(p));
        flush_treadmill(p);
        return arm_data_timer(p);
}

static int on_hr_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Peripheral *p = userdata;
        uint64_t now = model_now(p);
        HrsMeasurement h;
        uint8_t buf[64];
        size_t len;
        int r;

        /* The runner runs on the belt: its load is the belt's actual speed and incline. */
        sim_treadmill_advance(p->treadmill, now);
        sim_runner_set_load(p->runner, now, sim_treadmill_speed_kmh(p->treadmill),
                            sim_treadmill_incline_pct(p->treadmill));
        r = sim_runner_measurement(p->runner, now, &h);
        if (r >= 0) {
                if (p->hr_override > 0) {
                        /* One beat per second's worth at the fixed rate, for exact checks. */
                        h.heart_rate_bpm = (uint16_t)lround(p->hr_override);
                        h.n_rr = 1;
                        h.rr_raw[0] = (uint16_t)lround(60.0 / p->hr_override * 1024.0);
                }
                h.hr_uint16 = p->hr16;
                p->last_hr_bpm = h.heart_rate_bpm;
                r = hrs_encode_measurement(&h, buf, sizeof(buf), &len);
        }
        if (r >= 0)
                char_notify(&p->chars[CHAR_HR_MEASUREMENT], buf, len);
        else
                say("warning: cannot encode heart rate: %s", strerror(-r));

        r = sd_event_source_set_time(s,
                                     usec + paced_clock_span_to_real(&p->clock, HR_INTERVAL_USEC));
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* ---- the FTMS Control Point: the model's server, plus injected failures ---- */

static void cp_log_request(Peripheral *p, const uint8_t *buf, size_t len, uint8_t result)
{
        FtmsCpRequest q = {};
        bool parsed = ftms_cp_parse_request(buf, len, &q) >= 0;
        const char *op = ftms_cp_op_to_string(buf[0]);
        const char *res = ftms_cp_result_to_string(result);
        char name[16], param[32] = "";

        if (!op) {
                snprintf(name, sizeof(name), "op-0x%02x", buf[0]);
                op = name;
        }
        if (!parsed)
                snprintf(param, sizeof(param), " malformed");
        else
                switch (q.op) {
                case FTMS_CP_SET_TARGET_SPEED:
                        snprintf(param, sizeof(param), " %.2f", q.value);
                        break;
                case FTMS_CP_SET_TARGET_INCLINATION:
                        snprintf(param, sizeof(param), " %.1f", q.value);
                        break;
                case FTMS_CP_STOP_OR_PAUSE:
                        snprintf(param, sizeof(param), " %s",
                                 q.stop_pause == FTMS_STOP_PARAM_STOP    ? "stop"
                                 : q.stop_pause == FTMS_STOP_PARAM_PAUSE ? "pause"
                                                                         : "invalid");
                        break;
                default:
                        break;
                }

        say("cp: %s%s -> %s", op, param, res ?: "?");
        if (p->cp_log) {
                fprintf(p->cp_log, "%s%s -> %s\n", op, param, res ?: "?");
                fflush(p->cp_log);
        }
}

static unsigned fail_bit(uint8_t op)
{
        switch (op) {
        case FTMS_CP_SET_TARGET_SPEED:
                return FAIL_SPEED;
        case FTMS_CP_SET_TARGET_INCLINATION:
                return FAIL_INCLINE;
        case FTMS_CP_START_OR_RESUME:
                return FAIL_START;
        case FTMS_CP_STOP_OR_PAUSE:
                return FAIL_STOP;
        default:
                return 0;
        }
}

static int cp_write(Peripheral *p, sd_bus_message *m, const uint8_t *buf, size_t len,
                    sd_bus_error *error)
{
        Characteristic *cp = &p->chars[CHAR_CONTROL_POINT];
        uint64_t now = model_now(p);
        uint8_t result = 0;
        int r;

        if (len == 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidValueLength",
                                        "empty control point write");
        /*
         * FTMS 4.16.2: without indications enabled the server rejects the
         * write ("Client Characteristic Configuration Descriptor Improperly
         * Configured").
         */
        if (!cp->notifying)
                return sd_bus_error_set(error, "org.bluez.Error.Failed",
                                        "control point indications not enabled");

        if ((p->fail_mask & fail_bit(buf[0])) && sim_treadmill_has_control(p->treadmill)) {
                FtmsCpResponse resp = {.request_op = buf[0],
                                       .result = FTMS_RESULT_OPERATION_FAILED};
                uint8_t out[FTMS_CP_MAX_LEN];
                size_t out_len;

                result = resp.result;
                r = sd_bus_reply_method_return(m, NULL);
                if (r < 0)
                        return r;
                cp_log_request(p, buf, len, result);
                if (ftms_cp_encode_response(&resp, out, sizeof(out), &out_len) >= 0)
                        char_notify(cp, out, out_len);
                return 1;
        }

        r = sim_treadmill_write_control_point(p->treadmill, now, buf, len);
        if (r < 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidValueLength",
                                        "malformed control point write");

        /* The write response must reach the client before the indication. */
        r = sd_bus_reply_method_return(m, NULL);
        if (r < 0)
                return r;
        /* The model queues the 0x80 response first: log its result. */
        for (SimPacket pkt; sim_treadmill_pop(p->treadmill, &pkt);) {
                if (pkt.uuid == FTMS_UUID_CONTROL_POINT && pkt.len >= 3 &&
                    pkt.data[0] == FTMS_CP_RESPONSE_CODE && result == 0) {
                        result = pkt.data[2];
                        cp_log_request(p, buf, len, result);
                }
                char_notify(char_by_uuid(p, pkt.uuid), pkt.data, pkt.len);
        }
        flush_treadmill(p);
        /* A start or a new target changes when the next record is due. */
        (void)arm_data_timer(p);
        return 1;
}

/* ---- D-Bus objects: GattService1, GattCharacteristic1, LEAdvertisement1 ---- */

static int prop_uuid16(sd_bus_message *reply, uint16_t uuid)
{
        char s[37];

        bt_uuid16_to_string(uuid, s);
        return sd_bus_message_append(reply, "s", s);
}

static int service_get_uuid(sd_bus *bus, const char *path, const char *iface, const char *prop,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Service *s = userdata;

        return prop_uuid16(reply, s->uuid);
}

static int service_get_primary(sd_bus *bus, const char *path, const char *iface, const char *prop,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "b", 1);
}

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", service_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Primary", "b", service_get_primary, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

static int char_get_uuid(sd_bus *bus, const char *path, const char *iface, const char *prop,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        return prop_uuid16(reply, c->uuid);
}

static int char_get_service(sd_bus *bus, const char *path, const char *iface, const char *prop,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        return sd_bus_message_append(reply, "o", c->p->services[c->service].path);
}

static int char_get_flags(sd_bus *bus, const char *path, const char *iface, const char *prop,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        return sd_bus_message_append_strv(reply, (char **)c->flags);
}

static int char_get_value(sd_bus *bus, const char *path, const char *iface, const char *prop,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        return sd_bus_message_append_array(reply, 'y', c->value, c->len);
}

static int char_get_notifying(sd_bus *bus, const char *path, const char *iface, const char *prop,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        return sd_bus_message_append(reply, "b", c->notifying);
}

/* Reads the a{sv} options of ReadValue/WriteValue; only "offset" matters here. */
static int read_options(sd_bus_message *m, uint16_t *ret_offset)
{
        uint16_t offset = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key;

                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (streq(key, "offset"))
                        r = sd_bus_message_read(m, "v", "q", &offset);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret_offset = offset;
        return 0;
}

static int char_read_value(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint16_t offset;
        int r;

        r = read_options(m, &offset);
        if (r < 0)
                return r;
        if (offset > c->len)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidOffset", "invalid offset");
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', c->value + offset, c->len - offset);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int char_write_value(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;
        const void *buf;
        size_t len;
        uint16_t offset;
        int r;

        r = sd_bus_message_read_array(m, 'y', &buf, &len);
        if (r < 0)
                return r;
        r = read_options(m, &offset);
        if (r < 0)
                return r;
        if (c->id != CHAR_CONTROL_POINT)
                return sd_bus_error_set(error, "org.bluez.Error.NotPermitted", "read only");
        if (offset != 0)
                return sd_bus_error_set(error, "org.bluez.Error.InvalidOffset", "invalid offset");
        return cp_write(c->p, m, buf, len, error);
}

static int char_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        if (!c->notifying) {
                c->notifying = true;
                say("subscribed %04x", c->uuid);
                (void)sd_bus_emit_properties_changed(
                        c->p->bus, c->path, "org.bluez.GattCharacteristic1", "Notifying", NULL);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int char_stop_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        if (c->notifying) {
                c->notifying = false;
                say("unsubscribed %04x", c->uuid);
                (void)sd_bus_emit_properties_changed(
                        c->p->bus, c->path, "org.bluez.GattCharacteristic1", "Notifying", NULL);
        }
        return sd_bus_reply_method_return(m, NULL);
}

static int char_confirm(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable char_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", char_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "o", char_get_service, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Flags", "as", char_get_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Value", "ay", char_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Notifying", "b", char_get_notifying, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("ReadValue", "a{sv}", "ay", char_read_value, 0),
        SD_BUS_METHOD("WriteValue", "aya{sv}", "", char_write_value, 0),
        SD_BUS_METHOD("StartNotify", "", "", char_start_notify, 0),
        SD_BUS_METHOD("StopNotify", "", "", char_stop_notify, 0),
        SD_BUS_METHOD("Confirm", "", "", char_confirm, 0),
        SD_BUS_VTABLE_END,
};

static int adv_get_type(sd_bus *bus, const char *path, const char *iface, const char *prop,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", "peripheral");
}

static int adv_get_uuids(sd_bus *bus, const char *path, const char *iface, const char *prop,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        App *a = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (ServiceId s = 0; s < _SERVICE_MAX; s++) {
                if (!(a->services & (1u << s)))
                        continue;
                r = prop_uuid16(reply, service_uuids[s]);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int adv_get_name(sd_bus *bus, const char *path, const char *iface, const char *prop,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        App *a = userdata;

        return sd_bus_message_append(reply, "s", a->name);
}

static int adv_get_discoverable(sd_bus *bus, const char *path, const char *iface, const char *prop,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "b", 1);
}

static int adv_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        App *a = userdata;

        a->advertising = false;
        say("advertisement released on %s", a->adapter_path);
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable adv_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Type", "s", adv_get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ServiceUUIDs", "as", adv_get_uuids, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LocalName", "s", adv_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Discoverable", "b", adv_get_discoverable, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Release", "", "", adv_release, 0),
        SD_BUS_VTABLE_END,
};

/* ---- registration with bluetoothd ---- */

static void schedule_register(App *a, uint64_t delay_usec);
static void register_next(App *a);

static int on_register_adv_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        App *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        a->registering = false;
        if (e) {
                say("RegisterAdvertisement failed: %s: %s", e->name, e->message);
                schedule_register(a, REGISTER_RETRY_USEC);
                return 0;
        }
        a->advertising = true;
        say("advertising on %s as \"%s\"", a->adapter_path, a->name);
        return 0;
}

static int on_register_app_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        App *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        a->registering = false;
        if (e) {
                say("RegisterApplication failed: %s: %s", e->name, e->message);
                schedule_register(a, REGISTER_RETRY_USEC);
                return 0;
        }
        a->app_registered = true;
        say("registered GATT application on %s", a->adapter_path);
        register_next(a);
        return 0;
}

/* One step at a time: the application first, then the advertisement. */
static void register_next(App *a)
{
        int r = 0;

        if (a->registering)
                return;
        if (!a->app_registered)
                r = sd_bus_call_method_async(a->p->bus, NULL, "org.bluez", a->adapter_path,
                                             "org.bluez.GattManager1", "RegisterApplication",
                                             on_register_app_reply, a, "oa{sv}", a->root, 0);
        else if (a->advertise && !a->advertising)
                r = sd_bus_call_method_async(a->p->bus, NULL, "org.bluez", a->adapter_path,
                                             "org.bluez.LEAdvertisingManager1",
                                             "RegisterAdvertisement", on_register_adv_reply, a,
                                             "oa{sv}", a->adv_path, 0);
        else
                return;
        if (r < 0)
                say("cannot call bluetoothd: %s", strerror(-r));
        else
                a->registering = true;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        register_next(userdata);
        return 0;
}

/* Retries later: after a restart bluetoothd owns its name before the adapters exist. */
static void schedule_register(App *a, uint64_t delay_usec)
{
        if (sd_event_source_set_time(a->retry, now_usec() + delay_usec) >= 0)
                (void)sd_event_source_set_enabled(a->retry, SD_EVENT_ONESHOT);
}

static void unadvertise(App *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        if (!a->advertising)
                return;
        if (sd_bus_call_method(a->p->bus, "org.bluez", a->adapter_path,
                               "org.bluez.LEAdvertisingManager1", "UnregisterAdvertisement", &e,
                               NULL, "o", a->adv_path) < 0)
                say("UnregisterAdvertisement failed: %s", e.message);
        a->advertising = false;
        say("advertising off on %s", a->adapter_path);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Peripheral *p = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (!streq(name, "org.bluez"))
                return 0;
        /* bluetoothd forgets applications and advertisements when it exits. */
        for (size_t i = 0; i < p->n_apps; i++)
                p->apps[i].app_registered = p->apps[i].advertising = p->apps[i].registering = false;
        sim_treadmill_link_lost(p->treadmill, model_now(p));
        for (CharId c = 0; c < _CHAR_MAX; c++)
                p->chars[c].notifying = false;
        if (!new_owner || !new_owner[0]) {
                say("bluetoothd left the bus");
                return 0;
        }
        say("bluetoothd is back, registering again");
        for (size_t i = 0; i < p->n_apps; i++)
                schedule_register(&p->apps[i], 0);
        return 0;
}

static int on_device_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Peripheral *p = userdata;
        const char *iface;
        int r;

        if (sd_bus_message_read(m, "s", &iface) < 0 || !streq(iface, "org.bluez.Device1"))
                return 0;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return 0;
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                const char *key;
                int connected;

                if (sd_bus_message_read(m, "s", &key) < 0)
                        return 0;
                if (streq(key, "Connected")) {
                        if (sd_bus_message_read(m, "v", "b", &connected) < 0)
                                return 0;
                        say("%s %s", connected ? "connected" : "disconnected",
                            sd_bus_message_get_path(m));
                        /* FTMS: control is lost with the link. */
                        if (!connected &&
                            strncmp(sd_bus_message_get_path(m), p->apps[0].adapter_path,
                                    strlen(p->apps[0].adapter_path)) == 0)
                                sim_treadmill_link_lost(p->treadmill, model_now(p));
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

/* Disconnects every device connected through one of our adapters. */
/* Disconnects the clients of the apps serving role (NULL: every app), or only
 * the one with address peer (NULL: all): a test drops one link and keeps the
 * others, whose connection handles it may have lined up (tests/e2e). */
static void drop_links(Peripheral *p, const char *role, const char *peer)
{
        char dev[32] = "";
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r, n = 0;

        if (peer) {
                /* bluetoothd's object name: dev_AA_BB_CC_DD_EE_FF */
                if (strlen(peer) != 17) {
                        say("drop-link: bad address %s", peer);
                        return;
                }
                snprintf(dev, sizeof(dev), "dev_%s", peer);
                for (char *c = dev; *c; c++)
                        if (*c == ':')
                                *c = '_';
        }
        r = sd_bus_call_method(p->bus, "org.bluez", "/", "org.freedesktop.DBus.ObjectManager",
                               "GetManagedObjects", &error, &reply, NULL);
        if (r < 0) {
                say("drop-link: GetManagedObjects failed: %s", error.message ?: strerror(-r));
                return;
        }
        if (sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") < 0)
                return;
        while (sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
                if (sd_bus_message_read(reply, "o", &path) < 0)
                        return;
                bool ours = false;

                for (size_t i = 0; i < p->n_apps; i++) {
                        size_t prefix = strlen(p->apps[i].adapter_path);

                        if (role && !streq(role, p->apps[i].role))
                                continue;
                        ours = ours || (strncmp(path, p->apps[i].adapter_path, prefix) == 0 &&
                                        strncmp(path + prefix, "/dev_", 5) == 0 &&
                                        !strchr(path + prefix + 1, '/') &&
                                        (!*dev || streq(path + prefix + 1, dev)));
                }
                if (ours) {
                        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                        _cleanup_free_ char *copy = strdup(path);

                        if (!copy)
                                return;
                        r = sd_bus_call_method(p->bus, "org.bluez", copy, "org.bluez.Device1",
                                               "Disconnect", &e, NULL, NULL);
                        say("drop-link: %s: %s", copy, r < 0 ? e.message : "disconnected");
                        n++;
                        /* The reply cursor is still valid: sd_bus_call_method used another message.
                         */
                }
                if (sd_bus_message_skip(reply, "a{sa{sv}}") < 0 ||
                    sd_bus_message_exit_container(reply) < 0)
                        return;
        }
        if (n == 0)
                say("drop-link: no device");
}

/* ---- control channel ---- */

static bool parse_on_off(const char *arg, bool *ret)
{
        if (streq(arg, "on"))
                *ret = true;
        else if (streq(arg, "off"))
                *ret = false;
        else
                return false;
        return true;
}

static void send_malformed(Peripheral *p, const char *what)
{
        /* Payloads no parser can decode: shorter than the mandatory fields. */
        static const uint8_t td[] = {0x00, 0x00, 0xb0}; /* cut inside the speed */
        static const uint8_t hr[] = {0x01, 0x48};     /* uint16 HR, 1 byte of it */
        static const uint8_t status[] = {0x05, 0x20}; /* target speed, 1 of 2 bytes */
        static const uint8_t cp[] = {0x80};           /* response without op/result */

        if (streq(what, "treadmill"))
                char_notify(&p->chars[CHAR_TREADMILL_DATA], td, sizeof(td));
        else if (streq(what, "hr"))
                char_notify(&p->chars[CHAR_HR_MEASUREMENT], hr, sizeof(hr));
        else if (streq(what, "status"))
                char_notify(&p->chars[CHAR_MACHINE_STATUS], status, sizeof(status));
        else if (streq(what, "cp"))
                char_notify(&p->chars[CHAR_CONTROL_POINT], cp, sizeof(cp));
        else {
                say("error: malformed treadmill|hr|status|cp");
                return;
        }
        say("sent malformed %s", what);
}

static void handle_command(Peripheral *p, char *line)
{
        char *argv[4] = {};
        int argc = 0;
        bool on;

        for (char *tok = strtok(line, " \t\r"); tok && argc < 4; tok = strtok(NULL, " \t\r"))
                argv[argc++] = tok;
        if (argc == 0 || argv[0][0] == '#')
                return;

        if (streq(argv[0], "console") && argc == 2) {
                static const char *const buttons[_SIM_CONSOLE_MAX] = {
                        [SIM_CONSOLE_START] = "start",
                        [SIM_CONSOLE_STOP] = "stop",
                        [SIM_CONSOLE_PAUSE] = "pause",
                        [SIM_CONSOLE_SAFETY_KEY] = "safety-key",
                        [SIM_CONSOLE_KEY_REPLACE] = "key-replace",
                };
                SimConsoleButton b = _SIM_CONSOLE_INVALID;
                int r;

                for (SimConsoleButton i = 0; i < _SIM_CONSOLE_MAX; i++)
                        if (streq(argv[1], buttons[i]))
                                b = i;
                if (b < 0) {
                        say("error: console start|stop|pause|safety-key|key-replace");
                        return;
                }
                r = sim_treadmill_console(p->treadmill, model_now(p), b);
                say("console %s%s%s", argv[1], r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
                flush_treadmill(p);
                (void)arm_data_timer(p);
        } else if (streq(argv[0], "drop-link") && argc <= 3 &&
                   (argc == 1 || streq(argv[1], "treadmill") || streq(argv[1], "strap"))) {
                drop_links(p, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
        } else if (streq(argv[0], "refuse-control") && argc == 2 && parse_on_off(argv[1], &on)) {
                sim_treadmill_set_refuse_control(p->treadmill, on);
                say("refuse-control %s", argv[1]);
        } else if (streq(argv[0], "fail") && argc == 3 && parse_on_off(argv[2], &on)) {
                unsigned bit = streq(argv[1], "speed")     ? FAIL_SPEED
                               : streq(argv[1], "incline") ? FAIL_INCLINE
                               : streq(argv[1], "start")   ? FAIL_START
                               : streq(argv[1], "stop")    ? FAIL_STOP
                               : streq(argv[1], "all")     ? FAIL_ALL
                                                           : 0;
                if (bit == 0) {
                        say("error: fail speed|incline|start|stop|all on|off");
                        return;
                }
                p->fail_mask = on ? p->fail_mask | bit : p->fail_mask & ~bit;
                say("fail %s %s", argv[1], argv[2]);
        } else if (streq(argv[0], "lose-control") && argc == 1) {
                sim_treadmill_revoke_control(p->treadmill, model_now(p));
                say("control permission lost");
                flush_treadmill(p);
        } else if (streq(argv[0], "malformed") && argc == 2) {
                send_malformed(p, argv[1]);
        } else if (streq(argv[0], "advertise") && (argc == 2 || argc == 3) &&
                   parse_on_off(argv[1], &on)) {
                /* "advertise on strap": one device only (tests order the connections). */
                bool any = false;

                for (size_t i = 0; i < p->n_apps; i++) {
                        App *a = &p->apps[i];

                        if (argc == 3 && !streq(argv[2], a->role))
                                continue;
                        any = true;
                        a->advertise = on;
                        if (on)
                                register_next(a);
                        else
                                unadvertise(a);
                }
                if (!any)
                        say("error: advertise on|off [treadmill|strap]");
        } else if (streq(argv[0], "hr16") && argc == 2 && parse_on_off(argv[1], &on)) {
                p->hr16 = on;
                say("hr16 %s", argv[1]);
        } else if (streq(argv[0], "hr") && argc == 2) {
                if (streq(argv[1], "auto"))
                        p->hr_override = 0;
                else
                        p->hr_override = strtod(argv[1], NULL);
                say("hr %s", argv[1]);
        } else if (streq(argv[0], "status") && argc == 1) {
                const SimTreadmill *t = p->treadmill;

                say("status belt=%s speed=%.2f target=%.2f incline=%.1f target=%.1f "
                    "distance=%.0f hr=%.0f control=%s",
                    sim_belt_state_to_string(sim_treadmill_state(t)), sim_treadmill_speed_kmh(t),
                    sim_treadmill_target_speed_kmh(t), sim_treadmill_incline_pct(t),
                    sim_treadmill_target_incline_pct(t), sim_treadmill_distance_m(t),
                    sim_runner_heart_rate(p->runner), sim_treadmill_has_control(t) ? "yes" : "no");
        } else if (streq(argv[0], "quit") && argc == 1) {
                sd_event_exit(p->event, 0);
        } else
                say("error: unknown command (see docs/peripheral.md)");
}

static int on_control(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Peripheral *p = userdata;
        ssize_t n;

        n = read(fd, p->line + p->line_len, sizeof(p->line) - 1 - p->line_len);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0) {
                /* stdin closed: an interactive session ended. */
                say("control channel closed");
                return sd_event_exit(p->event, 0);
        }
        p->line_len += (size_t)n;
        for (;;) {
                char *nl = memchr(p->line, '\n', p->line_len);
                size_t used;

                if (!nl) {
                        if (p->line_len == sizeof(p->line) - 1)
                                p->line_len = 0; /* overlong line: drop it */
                        break;
                }
                *nl = '\0';
                used = (size_t)(nl - p->line) + 1;
                handle_command(p, p->line);
                memmove(p->line, p->line + used, p->line_len - used);
                p->line_len -= used;
        }
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Peripheral *p = userdata;

        /* Like a treadmill switched off: the link goes down with it. */
        drop_links(p, NULL, NULL);
        return sd_event_exit(p->event, 0);
}

/* ---- setup ---- */

static int parse_range(const char *arg, FtmsRange *ret)
{
        FtmsRange r;

        if (sscanf(arg, "%lf,%lf,%lf", &r.min, &r.max, &r.increment) != 3 || r.min > r.max ||
            r.increment <= 0)
                return -EINVAL;
        *ret = r;
        return 0;
}

static void help(void)
{
        printf("paced-peripheral [OPTIONS]\n\n"
               "A virtual FTMS treadmill + heart-rate strap served through bluetoothd.\n\n"
               "  -a --adapter=hciN        adapter to serve on (default hci0)\n"
               "  -n --name=NAME           advertised local name (default \"paced treadmill\")\n"
               "     --strap-adapter=hciN  serve the strap (HRS, battery) as a second device "
               "there\n"
               "     --strap-name=NAME     its advertised name (default \"paced strap\")\n"
               "  -c --control=FIFO        read control commands from FIFO instead of stdin\n"
               "  -l --cp-log=FILE         log every Control Point request to FILE\n"
               "     --speed-range=MIN,MAX,INC    km/h (default 1,20,0.1)\n"
               "     --incline-range=MIN,MAX,INC  %% (default 0,15,0.5)\n"
               "     --hr16                send heart rate as uint16\n"
               "     --treadmill-hr        also put the heart rate in Treadmill Data\n"
               "     --no-advertise        register the GATT application only\n"
               "     --time-scale=N        run the treadmill and runner models N times faster\n"
               "                           than real time (tests, with paced --test-time-scale)\n"
               "  -h --help\n\n"
               "Commands: console stop|pause|start|safety-key,\n"
               "drop-link [treadmill|strap [ADDRESS]],\n"
               "refuse-control on|off, fail speed|incline|start|stop|all on|off,\n"
               "lose-control, malformed treadmill|hr|status|cp, advertise on|off "
               "[treadmill|strap],\n"
               "hr16 on|off, hr BPM|auto, status, quit. See docs/peripheral.md.\n");
}

static int setup_objects(Peripheral *p)
{
        int r;

        for (size_t i = 0; i < p->n_apps; i++) {
                r = sd_bus_add_object_manager(p->bus, NULL, p->apps[i].root);
                if (r < 0)
                        return r;
                r = sd_bus_add_object_vtable(p->bus, NULL, p->apps[i].adv_path,
                                             "org.bluez.LEAdvertisement1", adv_vtable, &p->apps[i]);
                if (r < 0)
                        return r;
        }
        for (ServiceId s = 0; s < _SERVICE_MAX; s++) {
                Service *sv = &p->services[s];
                App *a = &p->apps[0];

                for (size_t i = 0; i < p->n_apps; i++)
                        if (p->apps[i].services & (1u << s))
                                a = &p->apps[i];
                *sv = (Service){.p = p, .id = s, .uuid = service_uuids[s], .app = a};
                snprintf(sv->path, sizeof(sv->path), "%s/service%u", a->root, (unsigned)s);
                r = sd_bus_add_object_vtable(p->bus, NULL, sv->path, "org.bluez.GattService1",
                                             service_vtable, sv);
                if (r < 0)
                        return r;
        }
        for (CharId c = 0; c < _CHAR_MAX; c++) {
                Characteristic *ch = &p->chars[c];

                *ch = (Characteristic){
                        .p = p,
                        .id = c,
                        .service = char_table[c].service,
                        .uuid = char_table[c].uuid,
                        .flags = char_table[c].flags,
                };
                snprintf(ch->path, sizeof(ch->path), "%s/char%u", p->services[ch->service].path,
                         (unsigned)c);
                r = sd_bus_add_object_vtable(p->bus, NULL, ch->path,
                                             "org.bluez.GattCharacteristic1", char_vtable, ch);
                if (r < 0)
                        return r;
        }
        return 0;
}

int main(int argc, char *argv[])
{
        enum {
                ARG_SPEED_RANGE = 0x100,
                ARG_INCLINE_RANGE,
                ARG_HR16,
                ARG_NO_ADVERTISE,
                ARG_STRAP_ADAPTER,
                ARG_STRAP_NAME,
                ARG_TREADMILL_HR,
                ARG_TIME_SCALE,
        };
        static const struct option options[] = {
                {"adapter", required_argument, NULL, 'a'},
                {"strap-adapter", required_argument, NULL, ARG_STRAP_ADAPTER},
                {"strap-name", required_argument, NULL, ARG_STRAP_NAME},
                {"name", required_argument, NULL, 'n'},
                {"control", required_argument, NULL, 'c'},
                {"cp-log", required_argument, NULL, 'l'},
                {"speed-range", required_argument, NULL, ARG_SPEED_RANGE},
                {"incline-range", required_argument, NULL, ARG_INCLINE_RANGE},
                {"hr16", no_argument, NULL, ARG_HR16},
                {"treadmill-hr", no_argument, NULL, ARG_TREADMILL_HR},
                {"no-advertise", no_argument, NULL, ARG_NO_ADVERTISE},
                {"time-scale", required_argument, NULL, ARG_TIME_SCALE},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        Peripheral p = {};
        bool advertise = true;
        SimTreadmillConfig cfg;
        SimRunnerProfile profile;
        const char *adapter = "hci0", *strap_adapter = NULL, *control = NULL, *cp_log = NULL;
        const char *name = "paced treadmill", *strap_name = "paced strap";
        double time_scale = 1.0;
        _cleanup_close_ int control_fd = -EBADF;
        char match[256];
        sigset_t mask;
        int c, r;

        sim_treadmill_config_default(&cfg);
        sim_runner_profile_default(&profile);
        while ((c = getopt_long(argc, argv, "a:n:c:l:h", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        adapter = optarg;
                        break;
                case 'n':
                        name = optarg;
                        break;
                case ARG_STRAP_ADAPTER:
                        strap_adapter = optarg;
                        break;
                case ARG_STRAP_NAME:
                        strap_name = optarg;
                        break;
                case 'c':
                        control = optarg;
                        break;
                case 'l':
                        cp_log = optarg;
                        break;
                case ARG_SPEED_RANGE:
                        if (parse_range(optarg, &cfg.speed_range) < 0) {
                                fprintf(stderr, "invalid --speed-range: %s\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_INCLINE_RANGE:
                        if (parse_range(optarg, &cfg.incline_range) < 0) {
                                fprintf(stderr, "invalid --incline-range: %s\n", optarg);
                                return 2;
                        }
                        break;
                case ARG_HR16:
                        p.hr16 = true;
                        break;
                case ARG_TREADMILL_HR:
                        p.treadmill_hr = true;
                        break;
                case ARG_TIME_SCALE:
                        if (config_parse_number_range(optarg, 1, 1000, &time_scale) < 0) {
                                fprintf(stderr, "--time-scale: expected 1 to 1000, got '%s'\n",
                                        optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case ARG_NO_ADVERTISE:
                        advertise = false;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
                return 2;
        }
        if (strchr(adapter, '/') || (strap_adapter && strchr(strap_adapter, '/'))) {
                fprintf(stderr, "invalid adapter name\n");
                return 2;
        }
        p.apps[0] = (App){
                .p = &p,
                .root = "/org/paced/treadmill",
                .adv_path = "/org/paced/treadmill_advertisement",
                .role = "treadmill",
                .name = name,
                .advertise = advertise,
                .services = (1u << SERVICE_FTMS) | (1u << SERVICE_HRS) | (1u << SERVICE_BATTERY),
        };
        snprintf(p.apps[0].adapter_path, sizeof(p.apps[0].adapter_path), "/org/bluez/%s", adapter);
        p.n_apps = 1;
        if (strap_adapter) {
                p.apps[0].services = 1u << SERVICE_FTMS;
                p.apps[1] = (App){
                        .p = &p,
                        .root = "/org/paced/strap",
                        .adv_path = "/org/paced/strap_advertisement",
                        .role = "strap",
                        .name = strap_name,
                        .advertise = advertise,
                        .services = (1u << SERVICE_HRS) | (1u << SERVICE_BATTERY),
                };
                snprintf(p.apps[1].adapter_path, sizeof(p.apps[1].adapter_path), "/org/bluez/%s",
                         strap_adapter);
                p.n_apps = 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (cp_log) {
                p.cp_log = fopen(cp_log, "we");
                if (!p.cp_log) {
                        fprintf(stderr, "cannot open %s: %m\n", cp_log);
                        return 1;
                }
        }
        if (control) {
                /* O_RDWR: the FIFO never reports EOF when a writer goes away. */
                control_fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
                if (control_fd < 0) {
                        fprintf(stderr, "cannot open %s: %m\n", control);
                        return 1;
                }
        }

        r = sd_event_default(&p.event);
        if (r >= 0)
                r = sd_bus_open_system(&p.bus);
        if (r >= 0)
                r = sd_bus_attach_event(p.bus, p.event, 0);
        if (r < 0) {
                fprintf(stderr, "cannot connect to the system bus: %s\n", strerror(-r));
                return 1;
        }
        r = setup_objects(&p);
        if (r < 0) {
                fprintf(stderr, "cannot export objects: %s\n", strerror(-r));
                return 1;
        }
        paced_clock_init(&p.clock, time_scale);
        r = sim_treadmill_new(&p.treadmill, &cfg, model_now(&p));
        if (r >= 0)
                r = sim_runner_new(&p.runner, &profile, model_now(&p));
        if (r < 0) {
                fprintf(stderr, "cannot create the treadmill model: %s\n", strerror(-r));
                return 1;
        }
        p.last_belt = sim_treadmill_state(p.treadmill);
        read_static_values(&p);

        r = sd_bus_match_signal(p.bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed,
                                &p);
        for (size_t i = 0; r >= 0 && i < p.n_apps; i++) {
                snprintf(match, sizeof(match),
                         "type='signal',sender='org.bluez',"
                         "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                         "arg0='org.bluez.Device1',path_namespace='%s'",
                         p.apps[i].adapter_path);
                r = sd_bus_add_match(p.bus, NULL, match, on_device_changed, &p);
        }
        if (r < 0) {
                fprintf(stderr, "cannot add matches: %s\n", strerror(-r));
                return 1;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(p.event, NULL, SIGTERM, on_signal, &p);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGINT, on_signal, &p);
        if (r >= 0)
                r = sd_event_add_time(
                        p.event, &p.data_timer, CLOCK_MONOTONIC,
                        paced_clock_to_real(&p.clock, sim_treadmill_next_data_usec(p.treadmill)), 0,
                        on_data_timer, &p);
        if (r >= 0)
                r = sd_event_add_time_relative(p.event, &p.hr_timer, CLOCK_MONOTONIC,
                                               paced_clock_span_to_real(&p.clock, HR_INTERVAL_USEC),
                                               0, on_hr_timer, &p);
        if (r >= 0)
                for (size_t i = 0; r >= 0 && i < p.n_apps; i++) {
                        r = sd_event_add_time(p.event, &p.apps[i].retry, CLOCK_MONOTONIC, 0, 0,
                                              on_retry, &p.apps[i]);
                        if (r >= 0)
                                r = sd_event_source_set_enabled(p.apps[i].retry, SD_EVENT_OFF);
                }
        if (r >= 0)
                r = sd_event_add_io(p.event, &p.control_source,
                                    control_fd >= 0 ? control_fd : STDIN_FILENO, EPOLLIN,
                                    on_control, &p);
        if (r == -EPERM) /* stdin is a regular file or /dev/null: no control channel */
                r = 0;
        if (r < 0) {
                fprintf(stderr, "cannot set up the event loop: %s\n", strerror(-r));
                return 1;
        }

        for (size_t i = 0; i < p.n_apps; i++)
                register_next(&p.apps[i]);
        r = sd_event_loop(p.event);

        sd_event_source_unref(p.control_source);
        sd_event_source_unref(p.data_timer);
        sd_event_source_unref(p.hr_timer);
        for (size_t i = 0; i < p.n_apps; i++)
                sd_event_source_unref(p.apps[i].retry);
        sd_bus_flush_close_unref(p.bus);
        sd_event_unref(p.event);
        if (p.cp_log)
                fclose(p.cp_log);
        sim_treadmill_free(p.treadmill);
        sim_runner_free(p.runner);
        return r < 0 ? 1 : 0;
}
