/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The relay: paced as an RSC sensor through bluetoothd (relay.h, docs/relay.md). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ftms.h"
#include "hrs.h"
#include "log.h"
#include "relay.h"
#include "rsc.h"
#include "util.h"

#define BLUEZ_SERVICE      "org.bluez"
#define GATT_MANAGER_IFACE "org.bluez.GattManager1"
#define AD_MANAGER_IFACE   "org.bluez.LEAdvertisingManager1"
#define GATT_SERVICE_IFACE "org.bluez.GattService1"
#define GATT_CHAR_IFACE    "org.bluez.GattCharacteristic1"
#define AD_IFACE           "org.bluez.LEAdvertisement1"
#define ADAPTER_IFACE      "org.bluez.Adapter1"
#define DBUS_OBJMANAGER    "org.freedesktop.DBus.ObjectManager"
#define AD_PATH            RELAY_APP_PATH "/advertisement"
/* bluetoothd not there yet, or the adapter off: try again this often. */
#define RETRY_USEC           (10 * USEC_PER_SEC)
#define RELAY_SENSOR_FEATURE (RSC_FEATURE_STRIDE | RSC_FEATURE_DISTANCE)
/* What the FTMS relay's Treadmill Data carries; no Target Setting Features: no control. */
#define RELAY_FTMS_FEATURE                                                                         \
        (FTMS_FEATURE_TOTAL_DISTANCE | FTMS_FEATURE_INCLINATION | FTMS_FEATURE_HEART_RATE)
#define HRS_LOCATION_OTHER 0x00

typedef enum RelayCharId {
        RELAY_CHAR_MEASUREMENT, /* RSC */
        RELAY_CHAR_FEATURE,
        RELAY_CHAR_LOCATION,
        RELAY_CHAR_TREADMILL_DATA, /* FTMS */
        RELAY_CHAR_FTMS_FEATURE,
        RELAY_CHAR_HR_MEASUREMENT, /* Heart Rate */
        RELAY_CHAR_BODY_LOCATION,
        _RELAY_CHAR_MAX,
} RelayCharId;

static const struct {
        RelayServiceId service;
        uint16_t uuid;
        const char *flag; /* "notify" or "read": never "write" */
} relay_char_table[_RELAY_CHAR_MAX] = {
        [RELAY_CHAR_MEASUREMENT] = {RELAY_SERVICE_RSC, RSC_UUID_MEASUREMENT, "notify"},
        [RELAY_CHAR_FEATURE] = {RELAY_SERVICE_RSC, RSC_UUID_FEATURE, "read"},
        [RELAY_CHAR_LOCATION] = {RELAY_SERVICE_RSC, RSC_UUID_SENSOR_LOCATION, "read"},
        [RELAY_CHAR_TREADMILL_DATA] = {RELAY_SERVICE_FTMS, FTMS_UUID_TREADMILL_DATA, "notify"},
        [RELAY_CHAR_FTMS_FEATURE] = {RELAY_SERVICE_FTMS, FTMS_UUID_FEATURE, "read"},
        [RELAY_CHAR_HR_MEASUREMENT] = {RELAY_SERVICE_HRS, HRS_UUID_MEASUREMENT, "notify"},
        [RELAY_CHAR_BODY_LOCATION] = {RELAY_SERVICE_HRS, HRS_UUID_BODY_SENSOR_LOC, "read"},
};

static const struct {
        uint16_t uuid;
        const char *path;
} relay_service_table[_RELAY_SERVICE_MAX] = {
        [RELAY_SERVICE_RSC] = {RSC_UUID_SERVICE, RELAY_APP_PATH "/rsc"},
        [RELAY_SERVICE_FTMS] = {FTMS_UUID_SERVICE, RELAY_APP_PATH "/ftms"},
        [RELAY_SERVICE_HRS] = {HRS_UUID_SERVICE, RELAY_APP_PATH "/hrs"},
};

typedef struct RelayChar {
        Relay *relay;
        RelayCharId id;
        char path[64];
        uint16_t uuid;
        const char *flag;
        uint8_t value[32];
        size_t value_len;
        bool notifying;
        sd_bus_slot *slot;
} RelayChar;

struct Relay {
        sd_event *event;
        sd_bus *bus;
        char *adapter_path;
        char *name;
        uint64_t interval_usec;
        RelayGetValues get_values;
        void *userdata;

        unsigned services; /* 1 << RelayServiceId */
        sd_bus_slot *manager_slot, *service_slots[_RELAY_SERVICE_MAX], *ad_slot;
        RelayChar chars[_RELAY_CHAR_MAX];
        sd_bus_slot *call_slot;
        sd_bus_slot *match_owner, *match_added, *match_removed;
        sd_event_source *retry, *timer;
        bool app_registered, ad_registered;
};

int relay_encode(const RelayValues *v, uint8_t *buf, size_t size, size_t *ret_len)
{
        RscMeasurement m = {};

        /* Unknown speed is a standing runner to a watch, not a missing record. */
        (void)rsc_speed_from_kmh(isfinite(v->speed_kmh) && v->speed_kmh > 0 ? v->speed_kmh : 0,
                                 &m.speed_raw);
        m.cadence_spm = (uint8_t)MIN(v->cadence_spm, 255u);
        if (isfinite(v->stride_m) && v->stride_m > 0 && v->stride_m < 655) {
                m.has_stride = true;
                m.stride_cm = (uint16_t)lround(v->stride_m * 100);
        }
        if (isfinite(v->distance_m) && v->distance_m >= 0 &&
            rsc_distance_from_m(v->distance_m, &m.distance_dm) >= 0)
                m.has_distance = true;
        return rsc_encode_measurement(&m, buf, size, ret_len);
}

int relay_encode_treadmill_data(const RelayValues *v, uint8_t *buf, size_t size, size_t *ret_len)
{
        FtmsTreadmillData d = {};

        ftms_treadmill_field_set(&d, FTMS_FIELD_SPEED,
                                 isfinite(v->speed_kmh) && v->speed_kmh > 0 ? v->speed_kmh : 0);
        /* uint24 metres: left out when unknown or beyond it. */
        if (isfinite(v->distance_m) && v->distance_m >= 0 && v->distance_m < 16777215)
                ftms_treadmill_field_set(&d, FTMS_FIELD_DISTANCE, floor(v->distance_m));
        /* The ramp angle goes with it on the wire, as "not available". */
        if (isfinite(v->incline_pct))
                ftms_treadmill_field_set(&d, FTMS_FIELD_INCLINE, v->incline_pct);
        if (v->heart_rate_bpm > 0)
                ftms_treadmill_field_set(&d, FTMS_FIELD_HEART_RATE, MIN(v->heart_rate_bpm, 255u));
        return ftms_encode_treadmill_data(&d, buf, size, ret_len);
}

bool relay_notifying(const Relay *r)
{
        if (!r)
                return false;
        for (int i = 0; i < _RELAY_CHAR_MAX; i++)
                if (r->chars[i].notifying)
                        return true;
        return false;
}

bool relay_registered(const Relay *r)
{
        return r && r->app_registered && r->ad_registered;
}

/* ---- the GATT objects ---- */

/* The service an exported object path is. */
static RelayServiceId service_by_path(const char *path)
{
        for (RelayServiceId s = 0; s < _RELAY_SERVICE_MAX; s++)
                if (streq(path, relay_service_table[s].path))
                        return s;
        return RELAY_SERVICE_RSC;
}

static int service_get_uuid(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error)
{
        char uuid[37];

        bt_uuid16_to_string(relay_service_table[service_by_path(path)].uuid, uuid);
        return sd_bus_message_append(reply, "s", uuid);
}

static int service_get_primary(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        return sd_bus_message_append(reply, "b", true);
}

static const sd_bus_vtable service_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", service_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Primary", "b", service_get_primary, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_VTABLE_END,
};

static int char_get_uuid(sd_bus *bus, const char *path, const char *interface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        RelayChar *c = userdata;
        char uuid[37];

        bt_uuid16_to_string(c->uuid, uuid);
        return sd_bus_message_append(reply, "s", uuid);
}

static int char_get_service(sd_bus *bus, const char *path, const char *interface,
                            const char *property, sd_bus_message *reply, void *userdata,
                            sd_bus_error *error)
{
        RelayChar *c = userdata;

        return sd_bus_message_append(reply, "o",
                                     relay_service_table[relay_char_table[c->id].service].path);
}

static int char_get_flags(sd_bus *bus, const char *path, const char *interface,
                          const char *property, sd_bus_message *reply, void *userdata,
                          sd_bus_error *error)
{
        RelayChar *c = userdata;

        return sd_bus_message_append(reply, "as", 1, c->flag);
}

static int char_get_value(sd_bus *bus, const char *path, const char *interface,
                          const char *property, sd_bus_message *reply, void *userdata,
                          sd_bus_error *error)
{
        RelayChar *c = userdata;

        return sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
}

static int char_get_notifying(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        RelayChar *c = userdata;

        return sd_bus_message_append(reply, "b", c->notifying);
}

static int char_read(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        RelayChar *c = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (streq(c->flag, "notify"))
                return sd_bus_error_set(error, "org.bluez.Error.NotPermitted",
                                        "This characteristic is notified, not read.");
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', c->value, c->value_len);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

/* The relay only tells: nothing a watch writes reaches paced. */
static int char_write(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        return sd_bus_error_set(error, "org.bluez.Error.NotPermitted",
                                "paced's relay accepts no writes.");
}

static int char_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        RelayChar *c = userdata;

        if (!streq(c->flag, "notify"))
                return sd_bus_error_set(error, "org.bluez.Error.NotSupported",
                                        "This characteristic is read, not notified.");
        if (!c->notifying) {
                c->notifying = true;
                if (c->id == RELAY_CHAR_MEASUREMENT)
                        log_info("Relay: a watch subscribed to RSC Measurement.");
                else
                        log_info("Relay: an app subscribed to %s.",
                                 c->id == RELAY_CHAR_TREADMILL_DATA ? "FTMS Treadmill Data"
                                                                    : "Heart Rate Measurement");
                (void)sd_bus_emit_properties_changed(c->relay->bus, c->path, GATT_CHAR_IFACE,
                                                     "Notifying", NULL);
        }
        return sd_bus_reply_method_return(m, "");
}

static int char_stop_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        RelayChar *c = userdata;

        if (c->notifying) {
                c->notifying = false;
                log_info("Relay: %s unsubscribed.",
                         c->id == RELAY_CHAR_MEASUREMENT ? "the watch" : "an app");
                (void)sd_bus_emit_properties_changed(c->relay->bus, c->path, GATT_CHAR_IFACE,
                                                     "Notifying", NULL);
        }
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable char_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("UUID", "s", char_get_uuid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Service", "o", char_get_service, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Flags", "as", char_get_flags, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Value", "ay", char_get_value, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Notifying", "b", char_get_notifying, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("ReadValue", "a{sv}", "ay", char_read, 0),
        SD_BUS_METHOD("WriteValue", "aya{sv}", "", char_write, 0),
        SD_BUS_METHOD("StartNotify", "", "", char_start_notify, 0),
        SD_BUS_METHOD("StopNotify", "", "", char_stop_notify, 0),
        SD_BUS_VTABLE_END,
};

static void retry_later(Relay *r);

/* ---- the advertisement ---- */

static int ad_get_type(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        return sd_bus_message_append(reply, "s", "peripheral");
}

static int ad_get_uuids(sd_bus *bus, const char *path, const char *interface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Relay *r = userdata;
        char uuid[37];
        int k;

        k = sd_bus_message_open_container(reply, 'a', "s");
        for (RelayServiceId s = 0; k >= 0 && s < _RELAY_SERVICE_MAX; s++) {
                if (!(r->services & (1u << s)))
                        continue;
                bt_uuid16_to_string(relay_service_table[s].uuid, uuid);
                k = sd_bus_message_append(reply, "s", uuid);
        }
        if (k >= 0)
                k = sd_bus_message_close_container(reply);
        return k;
}

static int ad_get_name(sd_bus *bus, const char *path, const char *interface, const char *property,
                       sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Relay *r = userdata;

        return sd_bus_message_append(reply, "s", r->name);
}

static int ad_release(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Relay *r = userdata;

        /* bluetoothd dropped it (adapter off): registered again, once it takes it. */
        log_info("Relay: bluetoothd released the advertisement; registering it again later.");
        r->ad_registered = false;
        retry_later(r);
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable ad_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Type", "s", ad_get_type, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ServiceUUIDs", "as", ad_get_uuids, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LocalName", "s", ad_get_name, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_METHOD("Release", "", "", ad_release, 0),
        SD_BUS_VTABLE_END,
};

/* ---- registration with bluetoothd ---- */

static void register_next(Relay *r);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        register_next(userdata);
        return 0;
}

static void retry_later(Relay *r)
{
        uint64_t now = 0;

        (void)sd_event_now(r->event, CLOCK_MONOTONIC, &now);
        if (r->retry) {
                (void)sd_event_source_set_time(r->retry, now + RETRY_USEC);
                (void)sd_event_source_set_enabled(r->retry, SD_EVENT_ONESHOT);
        } else if (sd_event_add_time(r->event, &r->retry, CLOCK_MONOTONIC, now + RETRY_USEC, 0,
                                     on_retry, r) < 0)
                log_warning("Relay: cannot schedule a retry; it stays unregistered.");
}

static int on_registered(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Relay *r = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);
        bool app = !r->app_registered;

        r->call_slot = sd_bus_slot_unref(r->call_slot);
        /* A registration whose answer a restart or the adapter's return made paced
         * drop may have landed: bluetoothd has it, which is what was asked. */
        if (e && sd_bus_error_has_name(e, "org.bluez.Error.AlreadyExists"))
                e = NULL;
        if (e) {
                log_warning("Relay: %s on %s failed: %s; retrying in %u s.",
                            app ? "RegisterApplication" : "RegisterAdvertisement", r->adapter_path,
                            e->message ?: e->name, (unsigned)(RETRY_USEC / USEC_PER_SEC));
                retry_later(r);
                return 0;
        }
        if (app)
                r->app_registered = true;
        else {
                r->ad_registered = true;
                log_info("Relay: serving Running Speed and Cadence%s%s as '%s' on %s.",
                         r->services & (1u << RELAY_SERVICE_FTMS) ? ", FTMS Treadmill Data" : "",
                         r->services & (1u << RELAY_SERVICE_HRS) ? ", Heart Rate" : "", r->name,
                         r->adapter_path);
        }
        register_next(r);
        return 0;
}

static void register_next(Relay *r)
{
        const char *iface, *method, *path;
        int k;

        if (r->call_slot || relay_registered(r))
                return;
        if (!r->app_registered) {
                iface = GATT_MANAGER_IFACE, method = "RegisterApplication", path = RELAY_APP_PATH;
        } else {
                iface = AD_MANAGER_IFACE, method = "RegisterAdvertisement", path = AD_PATH;
        }
        k = sd_bus_call_method_async(r->bus, &r->call_slot, BLUEZ_SERVICE, r->adapter_path, iface,
                                     method, on_registered, r, "oa{sv}", path, 0);
        if (k < 0) {
                log_warning_errno(k, "Relay: cannot call %s: %m", method);
                retry_later(r);
        }
}

/*
 * What paced registered lives in bluetoothd's adapter object: it goes when
 * bluetoothd exits (a restart, a crash) or the adapter goes (unplugged, its
 * driver reloaded), without a word to paced. The watch's subscription goes
 * with it.
 */
static void relay_lost(Relay *r, const char *why)
{
        if (!r->app_registered && !r->ad_registered && !r->call_slot)
                return;
        log_info("Relay: %s; registering again once it is back.", why);
        r->app_registered = r->ad_registered = false;
        r->call_slot = sd_bus_slot_unref(r->call_slot);
        /* Nothing to retry against: its return is what registers again. */
        if (r->retry)
                (void)sd_event_source_set_enabled(r->retry, SD_EVENT_OFF);
        for (int i = 0; i < _RELAY_CHAR_MAX; i++)
                r->chars[i].notifying = false;
}

/* Back (or there for the first time): registered now, not at the next retry. */
static void relay_register_now(Relay *r)
{
        if (r->retry)
                (void)sd_event_source_set_enabled(r->retry, SD_EVENT_OFF);
        register_next(r);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Relay *r = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 ||
            !streq(name, BLUEZ_SERVICE))
                return 0;
        if (old_owner[0] != '\0')
                relay_lost(r, "bluetoothd left the bus");
        if (new_owner[0] != '\0')
                relay_register_now(r);
        return 0;
}

/* m at the "as" or "a{sa{sv}}" after the path: whether Adapter1 is among them. */
static bool has_adapter_iface(sd_bus_message *m, bool added)
{
        const char *iface;

        if (sd_bus_message_enter_container(m, 'a', added ? "{sa{sv}}" : "s") <= 0)
                return false;
        for (;;) {
                if (added && sd_bus_message_enter_container(m, 'e', "sa{sv}") <= 0)
                        return false;
                if (sd_bus_message_read(m, "s", &iface) <= 0)
                        return false;
                if (streq(iface, ADAPTER_IFACE))
                        return true;
                if (added &&
                    (sd_bus_message_skip(m, "a{sv}") < 0 || sd_bus_message_exit_container(m) < 0))
                        return false;
        }
}

static int on_interfaces_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        Relay *r = userdata;
        bool added = streq(sd_bus_message_get_member(m), "InterfacesAdded");
        const char *path;

        if (sd_bus_message_read(m, "o", &path) < 0 || !streq(path, r->adapter_path) ||
            !has_adapter_iface(m, added))
                return 0;
        /* An adapter that appears again has none of what paced registered before. */
        relay_lost(r, added ? "the adapter came back" : "the adapter went");
        if (added)
                relay_register_now(r);
        return 0;
}

static int relay_watch_bluez(Relay *r)
{
        int k;

        k = sd_bus_add_match_async(r->bus, &r->match_owner,
                                   "type='signal',sender='org.freedesktop.DBus',"
                                   "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                   "member='NameOwnerChanged',arg0='" BLUEZ_SERVICE "'",
                                   on_name_owner_changed, NULL, r);
        if (k >= 0)
                k = sd_bus_match_signal_async(r->bus, &r->match_added, BLUEZ_SERVICE, "/",
                                              DBUS_OBJMANAGER, "InterfacesAdded",
                                              on_interfaces_changed, NULL, r);
        if (k >= 0)
                k = sd_bus_match_signal_async(r->bus, &r->match_removed, BLUEZ_SERVICE, "/",
                                              DBUS_OBJMANAGER, "InterfacesRemoved",
                                              on_interfaces_changed, NULL, r);
        return k;
}

/* ---- notifications ---- */

static int encode_hr(const RelayValues *v, uint8_t *buf, size_t size, size_t *ret_len)
{
        HrsMeasurement h = {.heart_rate_bpm = (uint16_t)MIN(v->heart_rate_bpm, 65535u)};

        /* No heart rate known: nothing sent, rather than a runner at 0 bpm. */
        if (v->heart_rate_bpm == 0)
                return -ENODATA;
        h.hr_uint16 = v->heart_rate_bpm > 255;
        return hrs_encode_measurement(&h, buf, size, ret_len);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Relay *r = userdata;
        RelayValues v = {.speed_kmh = NAN, .distance_m = NAN, .stride_m = NAN, .incline_pct = NAN};

        (void)sd_event_source_set_time(s, usec + r->interval_usec);
        /* Nothing encoded or sent while nobody listens: the relay costs nothing then. */
        if (!relay_notifying(r))
                return 0;
        if (r->get_values)
                r->get_values(r->userdata, &v);
        for (int i = 0; i < _RELAY_CHAR_MAX; i++) {
                RelayChar *c = &r->chars[i];
                int k;

                if (!c->notifying)
                        continue;
                k = c->id == RELAY_CHAR_MEASUREMENT
                            ? relay_encode(&v, c->value, sizeof(c->value), &c->value_len)
                    : c->id == RELAY_CHAR_TREADMILL_DATA
                            ? relay_encode_treadmill_data(&v, c->value, sizeof(c->value),
                                                          &c->value_len)
                            : encode_hr(&v, c->value, sizeof(c->value), &c->value_len);
                if (k >= 0)
                        (void)sd_bus_emit_properties_changed(r->bus, c->path, GATT_CHAR_IFACE,
                                                             "Value", NULL);
        }
        return 0;
}

/* ---- life ---- */

Relay *relay_free(Relay *r)
{
        if (!r)
                return NULL;
        /* Best effort, no answer awaited: bluetoothd also drops them when paced's
         * connection goes. */
        if (r->ad_registered)
                (void)sd_bus_call_method_async(r->bus, NULL, BLUEZ_SERVICE, r->adapter_path,
                                               AD_MANAGER_IFACE, "UnregisterAdvertisement", NULL,
                                               NULL, "o", AD_PATH);
        if (r->app_registered)
                (void)sd_bus_call_method_async(r->bus, NULL, BLUEZ_SERVICE, r->adapter_path,
                                               GATT_MANAGER_IFACE, "UnregisterApplication", NULL,
                                               NULL, "o", RELAY_APP_PATH);
        sd_bus_slot_unref(r->call_slot);
        sd_bus_slot_unref(r->match_owner);
        sd_bus_slot_unref(r->match_added);
        sd_bus_slot_unref(r->match_removed);
        sd_event_source_disable_unref(r->retry);
        sd_event_source_disable_unref(r->timer);
        for (int i = 0; i < _RELAY_CHAR_MAX; i++)
                sd_bus_slot_unref(r->chars[i].slot);
        sd_bus_slot_unref(r->ad_slot);
        for (int i = 0; i < _RELAY_SERVICE_MAX; i++)
                sd_bus_slot_unref(r->service_slots[i]);
        sd_bus_slot_unref(r->manager_slot);
        sd_bus_unref(r->bus);
        sd_event_unref(r->event);
        free(r->adapter_path);
        free(r->name);
        free(r);
        return NULL;
}

static int export_char(Relay *r, RelayCharId id)
{
        RelayChar *c = &r->chars[id];

        *c = (RelayChar){.relay = r,
                         .id = id,
                         .uuid = relay_char_table[id].uuid,
                         .flag = relay_char_table[id].flag};
        snprintf(c->path, sizeof(c->path), "%s/char%d",
                 relay_service_table[relay_char_table[id].service].path, (int)id);
        return sd_bus_add_object_vtable(r->bus, &c->slot, c->path, GATT_CHAR_IFACE, char_vtable, c);
}

/* The services configured, and their read-only values. */
static int export_services(Relay *r)
{
        RelayChar *c;
        FtmsFeature f = {.machine = RELAY_FTMS_FEATURE};
        int k = 0;

        for (RelayServiceId s = 0; k >= 0 && s < _RELAY_SERVICE_MAX; s++)
                if (r->services & (1u << s))
                        k = sd_bus_add_object_vtable(r->bus, &r->service_slots[s],
                                                     relay_service_table[s].path,
                                                     GATT_SERVICE_IFACE, service_vtable, r);
        for (RelayCharId i = 0; k >= 0 && i < _RELAY_CHAR_MAX; i++)
                if (r->services & (1u << relay_char_table[i].service))
                        k = export_char(r, i);
        if (k < 0)
                return k;
        c = &r->chars[RELAY_CHAR_FEATURE];
        (void)rsc_encode_feature(RELAY_SENSOR_FEATURE, c->value, sizeof(c->value), &c->value_len);
        c = &r->chars[RELAY_CHAR_LOCATION];
        c->value[0] = RSC_LOCATION_IN_SHOE;
        c->value_len = 1;
        c = &r->chars[RELAY_CHAR_FTMS_FEATURE];
        (void)ftms_encode_feature(&f, c->value, sizeof(c->value), &c->value_len);
        c = &r->chars[RELAY_CHAR_BODY_LOCATION];
        c->value[0] = HRS_LOCATION_OTHER; /* a strap's or the treadmill's hand grips */
        c->value_len = 1;
        return 0;
}

int relay_new(Relay **ret, sd_event *e, sd_bus *bus, const RelayConfig *cfg)
{
        Relay *r;
        uint64_t now = 0;
        int k;

        if (!cfg->adapter_path || cfg->services >= (1u << _RELAY_SERVICE_MAX))
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->event = sd_event_ref(e);
        r->bus = sd_bus_ref(bus);
        r->adapter_path = strdup(cfg->adapter_path);
        r->name = strdup(cfg->name ?: "paced");
        r->interval_usec = cfg->interval_usec ?: USEC_PER_SEC;
        r->get_values = cfg->get_values;
        r->userdata = cfg->userdata;
        r->services = cfg->services ?: 1u << RELAY_SERVICE_RSC;
        if (!r->adapter_path || !r->name) {
                relay_free(r);
                return -ENOMEM;
        }

        k = sd_bus_add_object_manager(bus, &r->manager_slot, RELAY_APP_PATH);
        if (k >= 0)
                k = export_services(r);
        if (k >= 0)
                k = sd_bus_add_object_vtable(bus, &r->ad_slot, AD_PATH, AD_IFACE, ad_vtable, r);
        if (k < 0) {
                relay_free(r);
                return k;
        }

        (void)sd_event_now(e, CLOCK_MONOTONIC, &now);
        k = sd_event_add_time(e, &r->timer, CLOCK_MONOTONIC, now + r->interval_usec, 0, on_timer,
                              r);
        if (k >= 0)
                k = sd_event_source_set_enabled(r->timer, SD_EVENT_ON);
        /* Before the first call: a restart meanwhile is not missed. */
        if (k >= 0)
                k = relay_watch_bluez(r);
        if (k < 0) {
                relay_free(r);
                return k;
        }
        register_next(r);
        *ret = r;
        return 0;
}
