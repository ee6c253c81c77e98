/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The relay (daemon/relay.c) on a private dbus-daemon, seen from a fake
 * bluetoothd that owns org.bluez: it registers its application and
 * advertisement on the configured adapter; the application's ObjectManager
 * shows the RSC service and its three characteristics, none writable;
 * Feature and Sensor Location read; writes are refused; nothing is sent
 * until a watch subscribes, then RSC Measurements carry the values it is
 * fed, about once per interval.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake-bluez.h"
#include "ftms.h"
#include "hrs.h"
#include "relay.h"
#include "rsc.h"
#include "util.h"

typedef struct Ctx {
        TestBus bus;
        sd_event *e;
        sd_bus *paced, *bluez;
        sd_bus_slot *adapter_slot, *ad_manager_slot, *match_slot;
        Relay *relay;
        char app_owner[64], app_path[64], ad_path[64];
        unsigned n_register_app, n_register_ad, n_unregister, n_get, n_values;
        RelayValues values;
        uint8_t last[32];
        size_t last_len;
        sd_bus_message *reply;
        bool replied;
} Ctx;

static int m_register(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ctx *c = userdata;
        const char *path;
        bool app = streq(sd_bus_message_get_member(m), "RegisterApplication");

        assert_int_equal(sd_bus_message_read(m, "o", &path), 1);
        snprintf(c->app_owner, sizeof(c->app_owner), "%s", sd_bus_message_get_sender(m));
        snprintf(app ? c->app_path : c->ad_path, sizeof(c->app_path), "%s", path);
        if (app)
                c->n_register_app++;
        else
                c->n_register_ad++;
        return sd_bus_reply_method_return(m, "");
}

static int m_unregister(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ctx *c = userdata;

        c->n_unregister++;
        return sd_bus_reply_method_return(m, "");
}

static const sd_bus_vtable gatt_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("RegisterApplication", "oa{sv}", "", m_register, 0),
        SD_BUS_METHOD("UnregisterApplication", "o", "", m_unregister, 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable ad_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("RegisterAdvertisement", "oa{sv}", "", m_register, 0),
        SD_BUS_METHOD("UnregisterAdvertisement", "o", "", m_unregister, 0),
        SD_BUS_VTABLE_END,
};

static void get_values(void *userdata, RelayValues *ret)
{
        Ctx *c = userdata;

        c->n_get++;
        *ret = c->values;
}

/* Value changes on the measurement, as bluetoothd sees them to notify. */
static int on_changed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ctx *c = userdata;
        const char *iface, *key;
        const void *p;
        size_t n;

        assert_int_equal(sd_bus_message_read(m, "s", &iface), 1);
        assert_int_equal(sd_bus_message_enter_container(m, 'a', "{sv}"), 1);
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                assert_int_equal(sd_bus_message_read(m, "s", &key), 1);
                if (streq(key, "Value")) {
                        assert_int_equal(sd_bus_message_enter_container(m, 'v', "ay"), 1);
                        assert_true(sd_bus_message_read_array(m, 'y', &p, &n) >= 0);
                        assert_true(n <= sizeof(c->last));
                        memcpy(c->last, p, n);
                        c->last_len = n;
                        c->n_values++;
                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                } else
                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                assert_int_equal(sd_bus_message_exit_container(m), 1);
        }
        return 0;
}

static void bluez_connect(Ctx *c);

static int setup(void **state)
{
        Ctx *c = calloc(1, sizeof(*c));

        assert_non_null(c);
        assert_int_equal(test_bus_start(&c->bus), 0);
        assert_int_equal(sd_event_new(&c->e), 0);
        assert_int_equal(test_bus_connect(&c->bus, c->e, &c->paced), 0);
        bluez_connect(c);
        c->values = (RelayValues){.speed_kmh = 12, .distance_m = 1234.5, .stride_m = NAN};
        *state = c;
        return 0;
}

static int teardown(void **state)
{
        Ctx *c = *state;

        relay_free(c->relay);
        sd_bus_message_unref(c->reply);
        sd_bus_slot_unref(c->match_slot);
        sd_bus_slot_unref(c->adapter_slot);
        sd_bus_slot_unref(c->ad_manager_slot);
        sd_bus_flush_close_unref(c->paced);
        sd_bus_flush_close_unref(c->bluez);
        sd_event_unref(c->e);
        test_bus_stop(&c->bus);
        free(c);
        return 0;
}

static bool pred_registered(void *p)
{
        Ctx *c = p;

        return c->n_register_app == 1 && c->n_register_ad == 1 && relay_registered(c->relay);
}

static bool pred_replied(void *p)
{
        return ((Ctx *)p)->replied;
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Ctx *c = userdata;

        c->reply = sd_bus_message_ref(m);
        c->replied = true;
        return 0;
}

/* Calls a method of paced's relay as bluetoothd does, asynchronously (one loop). */
static sd_bus_message *call(Ctx *c, const char *path, const char *iface, const char *method,
                            const char *types, ...)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;

        c->reply = sd_bus_message_unref(c->reply);
        c->replied = false;
        assert_true(sd_bus_message_new_method_call(c->bluez, &m, c->app_owner, path, iface,
                                                   method) >= 0);
        if (types) {
                va_start(ap, types);
                assert_true(sd_bus_message_appendv(m, types, ap) >= 0);
                va_end(ap);
        }
        assert_true(sd_bus_call_async(c->bluez, NULL, m, on_reply, c, 0) >= 0);
        assert_true(run_until(c->e, pred_replied, c));
        return c->reply;
}

static void start(Ctx *c)
{
        RelayConfig cfg = {
                .adapter_path = "/org/bluez/hci1",
                .name = "paced-test",
                .interval_usec = 50 * USEC_PER_MSEC,
                .get_values = get_values,
                .userdata = c,
        };

        assert_int_equal(relay_new(&c->relay, c->e, c->paced, &cfg), 0);
        assert_true(run_until(c->e, pred_registered, c));
        assert_string_equal(c->app_path, RELAY_APP_PATH);
}

static void test_registers_application_and_advertisement(void **state)
{
        Ctx *c = *state;
        sd_bus_message *m;
        const char *path, *iface, *key, *s;
        unsigned services = 0, chars = 0, ads = 0, flags_seen = 0;

        start(c);
        m = call(c, RELAY_APP_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                 NULL);
        assert_false(sd_bus_message_is_method_error(m, NULL));
        assert_int_equal(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), 1);
        while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
                assert_int_equal(sd_bus_message_read(m, "o", &path), 1);
                assert_int_equal(sd_bus_message_enter_container(m, 'a', "{sa{sv}}"), 1);
                while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                        assert_int_equal(sd_bus_message_read(m, "s", &iface), 1);
                        if (streq(iface, "org.bluez.GattService1"))
                                services++;
                        else if (streq(iface, "org.bluez.GattCharacteristic1"))
                                chars++;
                        else if (streq(iface, "org.bluez.LEAdvertisement1"))
                                ads++;
                        assert_int_equal(sd_bus_message_enter_container(m, 'a', "{sv}"), 1);
                        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                                assert_int_equal(sd_bus_message_read(m, "s", &key), 1);
                                if (streq(iface, "org.bluez.GattService1") && streq(key, "UUID")) {
                                        assert_int_equal(sd_bus_message_read(m, "v", "s", &s), 1);
                                        assert_string_equal(s,
                                                            "00001814-0000-1000-8000-00805f9b34fb");
                                } else if (streq(iface, "org.bluez.GattCharacteristic1") &&
                                           streq(key, "Flags")) {
                                        assert_int_equal(
                                                sd_bus_message_enter_container(m, 'v', "as"), 1);
                                        assert_int_equal(
                                                sd_bus_message_enter_container(m, 'a', "s"), 1);
                                        while (sd_bus_message_read(m, "s", &s) > 0) {
                                                /* Never writable: nothing reaches paced. */
                                                assert_null(strstr(s, "write"));
                                                flags_seen++;
                                        }
                                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                                } else
                                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                                assert_int_equal(sd_bus_message_exit_container(m), 1);
                        }
                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                }
                assert_int_equal(sd_bus_message_exit_container(m), 1);
                assert_int_equal(sd_bus_message_exit_container(m), 1);
        }
        assert_int_equal(services, 1);
        assert_int_equal(chars, 3);
        assert_int_equal(flags_seen, 3);
        (void)ads; /* the advertisement is registered on its own, not with the app */

        /* Freed: both unregistered. */
        c->relay = relay_free(c->relay);
        run_for(c->e, 100 * USEC_PER_MSEC);
        assert_int_equal(c->n_unregister, 2);
}

static void test_reads_and_refuses_writes(void **state)
{
        Ctx *c = *state;
        sd_bus_message *m;
        const void *p;
        size_t n;
        uint16_t features;
        const char *measurement = RELAY_APP_PATH "/rsc/char0";
        const char *feature = RELAY_APP_PATH "/rsc/char1";
        const char *location = RELAY_APP_PATH "/rsc/char2";

        start(c);
        m = call(c, feature, "org.bluez.GattCharacteristic1", "ReadValue", "a{sv}", 0);
        assert_true(sd_bus_message_read_array(m, 'y', &p, &n) >= 0);
        assert_int_equal(rsc_parse_feature(p, n, &features), 0);
        assert_int_equal(features, RSC_FEATURE_STRIDE | RSC_FEATURE_DISTANCE);
        m = call(c, location, "org.bluez.GattCharacteristic1", "ReadValue", "a{sv}", 0);
        assert_true(sd_bus_message_read_array(m, 'y', &p, &n) >= 0);
        assert_int_equal(n, 1);
        assert_int_equal(((const uint8_t *)p)[0], RSC_LOCATION_IN_SHOE);

        const char *paths[] = {measurement, feature, location};
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                m = call(c, paths[i], "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}", 2,
                         0x01, 0x02, 0);
                assert_true(sd_bus_message_is_method_error(m, "org.bluez.Error.NotPermitted"));
        }
}

static bool pred_two_values(void *p)
{
        return ((Ctx *)p)->n_values >= 2;
}

/* A notification with the footpod's values has arrived (one sent before
 * they changed may still have been on its way). */
static bool pred_footpod_value(void *p)
{
        Ctx *c = p;
        RscMeasurement rm;

        return c->n_values > 0 && rsc_parse_measurement(c->last, c->last_len, &rm) == 0 &&
               rm.cadence_spm == 176;
}

static void test_notifies_only_while_subscribed(void **state)
{
        Ctx *c = *state;
        const char *measurement = RELAY_APP_PATH "/rsc/char0";
        RscMeasurement rm;
        sd_bus_message *m;

        start(c);
        assert_true(sd_bus_match_signal(c->bluez, &c->match_slot, c->app_owner, measurement,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        on_changed, c) >= 0);
        /* Nobody listens: nothing asked for, encoded or sent. */
        run_for(c->e, 300 * USEC_PER_MSEC);
        assert_int_equal(c->n_get, 0);
        assert_int_equal(c->n_values, 0);
        assert_false(relay_notifying(c->relay));

        m = call(c, measurement, "org.bluez.GattCharacteristic1", "StartNotify", NULL);
        assert_false(sd_bus_message_is_method_error(m, NULL));
        assert_true(relay_notifying(c->relay));
        assert_true(run_until(c->e, pred_two_values, c));
        assert_int_equal(rsc_parse_measurement(c->last, c->last_len, &rm), 0);
        assert_true(fabs(rsc_speed_to_kmh(rm.speed_raw) - 12) < 0.015);
        assert_true(rm.has_distance);
        assert_int_equal(rm.distance_dm, 12345);
        assert_false(rm.has_stride);
        assert_int_equal(rm.cadence_spm, 0);

        /* A footpod's cadence and stride when known; an unknown speed is 0. */
        c->values = (RelayValues){
                .speed_kmh = NAN, .distance_m = 1300, .cadence_spm = 176, .stride_m = 1.02};
        c->n_values = 0;
        assert_true(run_until(c->e, pred_footpod_value, c));
        assert_int_equal(rsc_parse_measurement(c->last, c->last_len, &rm), 0);
        assert_int_equal(rm.speed_raw, 0);
        assert_int_equal(rm.cadence_spm, 176);
        assert_true(rm.has_stride);
        assert_int_equal(rm.stride_cm, 102);

        m = call(c, measurement, "org.bluez.GattCharacteristic1", "StopNotify", NULL);
        assert_false(relay_notifying(c->relay));
        c->n_get = c->n_values = 0;
        run_for(c->e, 300 * USEC_PER_MSEC);
        assert_int_equal(c->n_values, 0);
        assert_int_equal(c->n_get, 0);
}

/* bluetoothd as a restart leaves it: a new connection owning org.bluez, its
 * managers exported again, nothing registered. */
static void bluez_connect(Ctx *c)
{
        assert_int_equal(test_bus_connect(&c->bus, c->e, &c->bluez), 0);
        assert_true(sd_bus_request_name(c->bluez, "org.bluez", 0) >= 0);
        assert_true(sd_bus_add_object_vtable(c->bluez, &c->adapter_slot, "/org/bluez/hci1",
                                             "org.bluez.GattManager1", gatt_manager_vtable,
                                             c) >= 0);
        assert_true(sd_bus_add_object_vtable(c->bluez, &c->ad_manager_slot, "/org/bluez/hci1",
                                             "org.bluez.LEAdvertisingManager1", ad_manager_vtable,
                                             c) >= 0);
}

static void bluez_exit(Ctx *c)
{
        c->match_slot = sd_bus_slot_unref(c->match_slot);
        c->adapter_slot = sd_bus_slot_unref(c->adapter_slot);
        c->ad_manager_slot = sd_bus_slot_unref(c->ad_manager_slot);
        c->bluez = sd_bus_flush_close_unref(c->bluez);
}

static bool pred_registered_twice(void *p)
{
        Ctx *c = p;

        return c->n_register_app == 2 && c->n_register_ad == 2 && relay_registered(c->relay);
}

static bool pred_unregistered(void *p)
{
        return !relay_registered(((Ctx *)p)->relay);
}

/* bluetoothd restarted (systemctl restart bluetooth, a crash): what paced had
 * registered went with it, so the watch would find no relay until paced
 * restarted. paced registers both again as soon as bluetoothd is back. */
static void test_registers_again_after_bluetoothd_restart(void **state)
{
        Ctx *c = *state;
        sd_bus_message *m;

        start(c);
        m = call(c, RELAY_APP_PATH "/rsc/char0", "org.bluez.GattCharacteristic1", "StartNotify",
                 NULL);
        assert_false(sd_bus_message_is_method_error(m, NULL));
        c->reply = sd_bus_message_unref(c->reply);
        assert_true(relay_notifying(c->relay));

        bluez_exit(c);
        assert_true(run_until(c->e, pred_unregistered, c));
        /* The watch's subscription went with bluetoothd: nothing is sent for nobody. */
        assert_false(relay_notifying(c->relay));

        bluez_connect(c);
        assert_true(run_until(c->e, pred_registered_twice, c));
        assert_string_equal(c->app_path, RELAY_APP_PATH);
}

static int emit_adapter_signal(Ctx *c, const char *member)
{
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_signal(c->bluez, &m, "/", "org.freedesktop.DBus.ObjectManager",
                                      member);
        if (r >= 0)
                r = sd_bus_message_append(m, "o", "/org/bluez/hci1");
        if (r >= 0 && streq(member, "InterfacesAdded"))
                r = sd_bus_message_append(m, "a{sa{sv}}", 1, "org.bluez.Adapter1", 1, "Address",
                                          "s", "00:AA:01:01:00:01");
        else if (r >= 0)
                r = sd_bus_message_append(m, "as", 1, "org.bluez.Adapter1");
        if (r >= 0)
                r = sd_bus_send(c->bluez, m, NULL);
        return r;
}

/* The adapter went and came back (unplugged, its driver reloaded): bluetoothd
 * dropped the application and advertisement with it. */
static void test_registers_again_when_the_adapter_returns(void **state)
{
        Ctx *c = *state;

        start(c);
        assert_true(emit_adapter_signal(c, "InterfacesRemoved") >= 0);
        assert_true(run_until(c->e, pred_unregistered, c));
        assert_true(emit_adapter_signal(c, "InterfacesAdded") >= 0);
        assert_true(run_until(c->e, pred_registered_twice, c));
}

/* The objects GetManagedObjects shows: services, characteristics, and whether any is writable. */
static void count_objects(Ctx *c, unsigned *ret_services, unsigned *ret_chars, bool *ret_writable)
{
        sd_bus_message *m;
        const char *path, *iface, *key, *s;

        *ret_services = *ret_chars = 0;
        *ret_writable = false;
        m = call(c, RELAY_APP_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                 NULL);
        assert_int_equal(sd_bus_message_enter_container(m, 'a', "{oa{sa{sv}}}"), 1);
        while (sd_bus_message_enter_container(m, 'e', "oa{sa{sv}}") > 0) {
                assert_int_equal(sd_bus_message_read(m, "o", &path), 1);
                assert_int_equal(sd_bus_message_enter_container(m, 'a', "{sa{sv}}"), 1);
                while (sd_bus_message_enter_container(m, 'e', "sa{sv}") > 0) {
                        assert_int_equal(sd_bus_message_read(m, "s", &iface), 1);
                        *ret_services += streq(iface, "org.bluez.GattService1");
                        *ret_chars += streq(iface, "org.bluez.GattCharacteristic1");
                        assert_int_equal(sd_bus_message_enter_container(m, 'a', "{sv}"), 1);
                        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                                assert_int_equal(sd_bus_message_read(m, "s", &key), 1);
                                if (streq(key, "Flags")) {
                                        assert_int_equal(
                                                sd_bus_message_enter_container(m, 'v', "as"), 1);
                                        assert_int_equal(
                                                sd_bus_message_enter_container(m, 'a', "s"), 1);
                                        while (sd_bus_message_read(m, "s", &s) > 0)
                                                *ret_writable |= strstr(s, "write") != NULL;
                                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                                } else
                                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                                assert_int_equal(sd_bus_message_exit_container(m), 1);
                        }
                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                        assert_int_equal(sd_bus_message_exit_container(m), 1);
                }
                assert_int_equal(sd_bus_message_exit_container(m), 1);
                assert_int_equal(sd_bus_message_exit_container(m), 1);
        }
}

static bool pred_value(void *p)
{
        return ((Ctx *)p)->n_values > 0;
}

/* [Relay] ftms = yes, heart_rate = yes: an app on a tablet sees a treadmill
 * and a heart-rate sensor, with the values paced has, and nothing to write
 * (no FTMS Control Point: the relay controls nothing). */
static void test_ftms_and_heart_rate_relays(void **state)
{
        Ctx *c = *state;
        const char *data = RELAY_APP_PATH "/ftms/char3";
        const char *feature = RELAY_APP_PATH "/ftms/char4";
        const char *hrm = RELAY_APP_PATH "/hrs/char5";
        RelayConfig cfg = {
                .adapter_path = "/org/bluez/hci1",
                .interval_usec = 50 * USEC_PER_MSEC,
                .services = (1u << RELAY_SERVICE_RSC) | (1u << RELAY_SERVICE_FTMS) |
                            (1u << RELAY_SERVICE_HRS),
                .get_values = get_values,
                .userdata = c,
        };
        unsigned services, chars;
        bool writable;
        sd_bus_message *m;
        const void *p;
        size_t n;
        FtmsFeature f;
        FtmsTreadmillData td;
        HrsMeasurement h;

        c->values.incline_pct = 2.5;
        c->values.heart_rate_bpm = 152;
        assert_int_equal(relay_new(&c->relay, c->e, c->paced, &cfg), 0);
        assert_true(run_until(c->e, pred_registered, c));
        count_objects(c, &services, &chars, &writable);
        assert_int_equal(services, 3);
        assert_int_equal(chars, 7);
        assert_false(writable);

        m = call(c, feature, "org.bluez.GattCharacteristic1", "ReadValue", "a{sv}", 0);
        assert_true(sd_bus_message_read_array(m, 'y', &p, &n) >= 0);
        assert_int_equal(ftms_parse_feature(p, n, &f), 0);
        assert_int_equal(f.target, 0); /* no target settings: nothing to control */
        assert_true(f.machine & FTMS_FEATURE_TOTAL_DISTANCE);
        m = call(c, data, "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}", 1, 0x00, 0);
        assert_true(sd_bus_message_is_method_error(m, "org.bluez.Error.NotPermitted"));

        assert_true(sd_bus_match_signal(c->bluez, &c->match_slot, c->app_owner, data,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        on_changed, c) >= 0);
        m = call(c, data, "org.bluez.GattCharacteristic1", "StartNotify", NULL);
        assert_false(sd_bus_message_is_method_error(m, NULL));
        assert_true(run_until(c->e, pred_value, c));
        assert_int_equal(ftms_parse_treadmill_data(c->last, c->last_len, &td), 0);
        assert_true(fabs(td.speed_kmh - 12) < 0.005);
        assert_int_equal(td.distance_m, 1234);
        assert_true(fabs(td.incline_pct - 2.5) < 0.05);
        assert_int_equal(td.heart_rate_bpm, 152);
        m = call(c, data, "org.bluez.GattCharacteristic1", "StopNotify", NULL);

        c->match_slot = sd_bus_slot_unref(c->match_slot);
        c->n_values = 0;
        assert_true(sd_bus_match_signal(c->bluez, &c->match_slot, c->app_owner, hrm,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        on_changed, c) >= 0);
        m = call(c, hrm, "org.bluez.GattCharacteristic1", "StartNotify", NULL);
        assert_false(sd_bus_message_is_method_error(m, NULL));
        assert_true(run_until(c->e, pred_value, c));
        assert_int_equal(hrs_parse_measurement(c->last, c->last_len, &h), 0);
        assert_int_equal(h.heart_rate_bpm, 152);
        /* No heart rate known: nothing sent, not a runner at 0 bpm. */
        c->values.heart_rate_bpm = 0;
        run_for(c->e, 100 * USEC_PER_MSEC);
        c->n_values = 0;
        run_for(c->e, 200 * USEC_PER_MSEC);
        assert_int_equal(c->n_values, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_registers_application_and_advertisement, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_reads_and_refuses_writes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_notifies_only_while_subscribed, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_registers_again_after_bluetoothd_restart,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_registers_again_when_the_adapter_returns,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_ftms_and_heart_rate_relays, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
