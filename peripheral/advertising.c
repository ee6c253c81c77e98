/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The advertisements (LEAdvertisement1) and the registration of each app
 * with bluetoothd: the GATT application first, then the advertisement,
 * retried while bluetoothd is not ready and redone when it comes back.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "peripheral.h"

#define REGISTER_RETRY_USEC (500 * 1000ULL)

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

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
                r = gatt_append_uuid16(reply, gatt_service_uuids[s]);
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
        peripheral_log("advertisement released on %s", a->adapter_path);
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

int advertising_add_objects(Peripheral *p)
{
        int r;

        for (size_t i = 0; i < p->n_apps; i++) {
                r = sd_bus_add_object_vtable(p->bus, NULL, p->apps[i].adv_path,
                                             "org.bluez.LEAdvertisement1", adv_vtable, &p->apps[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void schedule_register(App *a, uint64_t delay_usec);

static int on_register_adv_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        App *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        a->registering = false;
        if (e) {
                peripheral_log("RegisterAdvertisement failed: %s: %s", e->name, e->message);
                schedule_register(a, REGISTER_RETRY_USEC);
                return 0;
        }
        a->advertising = true;
        peripheral_log("advertising on %s as \"%s\"", a->adapter_path, a->name);
        return 0;
}

static int on_register_app_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
        App *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        a->registering = false;
        if (e) {
                peripheral_log("RegisterApplication failed: %s: %s", e->name, e->message);
                schedule_register(a, REGISTER_RETRY_USEC);
                return 0;
        }
        a->app_registered = true;
        peripheral_log("registered GATT application on %s", a->adapter_path);
        advertising_register(a);
        return 0;
}

/* One step at a time: the application first, then the advertisement. */
void advertising_register(App *a)
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
                peripheral_log("cannot call bluetoothd: %s", strerror(-r));
        else
                a->registering = true;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        advertising_register(userdata);
        return 0;
}

/* Retries later: after a restart bluetoothd owns its name before the adapters exist. */
static void schedule_register(App *a, uint64_t delay_usec)
{
        if (sd_event_source_set_time(a->retry, now_usec() + delay_usec) >= 0)
                (void)sd_event_source_set_enabled(a->retry, SD_EVENT_ONESHOT);
}

void advertising_withdraw(App *a)
{
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

        if (!a->advertising)
                return;
        if (sd_bus_call_method(a->p->bus, "org.bluez", a->adapter_path,
                               "org.bluez.LEAdvertisingManager1", "UnregisterAdvertisement", &e,
                               NULL, "o", a->adv_path) < 0)
                peripheral_log("UnregisterAdvertisement failed: %s", e.message);
        a->advertising = false;
        peripheral_log("advertising off on %s", a->adapter_path);
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
        sim_treadmill_link_lost(p->treadmill, peripheral_now(p));
        for (CharId c = 0; c < _CHAR_MAX; c++)
                p->chars[c].notifying = false;
        if (!new_owner || !new_owner[0]) {
                peripheral_log("bluetoothd left the bus");
                return 0;
        }
        peripheral_log("bluetoothd is back, registering again");
        for (size_t i = 0; i < p->n_apps; i++)
                schedule_register(&p->apps[i], 0);
        return 0;
}

int advertising_start(Peripheral *p)
{
        int r;

        r = sd_bus_match_signal(p->bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", "NameOwnerChanged", on_name_owner_changed,
                                p);
        for (size_t i = 0; r >= 0 && i < p->n_apps; i++) {
                r = sd_event_add_time(p->event, &p->apps[i].retry, CLOCK_MONOTONIC, 0, 0, on_retry,
                                      &p->apps[i]);
                if (r >= 0)
                        r = sd_event_source_set_enabled(p->apps[i].retry, SD_EVENT_OFF);
        }
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_apps; i++)
                advertising_register(&p->apps[i]);
        return 0;
}
