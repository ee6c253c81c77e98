/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The GATT objects bluetoothd serves for us: GattService1, GattCharacteristic1. */
#include <errno.h>
#include <string.h>

#include "peripheral.h"
#include "rsc.h"

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
        [CHAR_RSC_MEASUREMENT] = {SERVICE_RSC, RSC_UUID_MEASUREMENT, flags_notify},
        [CHAR_RSC_FEATURE] = {SERVICE_RSC, RSC_UUID_FEATURE, flags_read},
        [CHAR_RSC_LOCATION] = {SERVICE_RSC, RSC_UUID_SENSOR_LOCATION, flags_read},
};

const uint16_t gatt_service_uuids[_SERVICE_MAX] = {
        [SERVICE_FTMS] = FTMS_UUID_SERVICE,
        [SERVICE_HRS] = HRS_UUID_SERVICE,
        [SERVICE_BATTERY] = BAS_UUID_SERVICE,
        [SERVICE_RSC] = RSC_UUID_SERVICE,
};

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
void gatt_char_notify(Characteristic *c, const uint8_t *buf, size_t len)
{
        int r;

        char_set(c, buf, len);
        if (!c->notifying)
                return;
        r = sd_bus_emit_properties_changed(c->p->bus, c->path, "org.bluez.GattCharacteristic1",
                                           "Value", NULL);
        if (r < 0)
                peripheral_log("warning: cannot emit %s value: %s", c->path, strerror(-r));
}

Characteristic *gatt_char_by_uuid(Peripheral *p, uint16_t uuid)
{
        for (CharId c = 0; c < _CHAR_MAX; c++)
                if (p->chars[c].uuid == uuid)
                        return &p->chars[c];
        return NULL;
}

void gatt_read_static_values(Peripheral *p)
{
        static const uint16_t uuids[] = {FTMS_UUID_FEATURE, FTMS_UUID_SPEED_RANGE,
                                         FTMS_UUID_INCLINE_RANGE, FTMS_UUID_TRAINING_STATUS};
        uint8_t buf[1], rsc[RSC_MEASUREMENT_MAX_LEN];
        size_t len;

        for (size_t i = 0; i < ELEMENTSOF(uuids); i++) {
                SimPacket pkt;

                if (sim_treadmill_read(p->treadmill, uuids[i], &pkt) >= 0)
                        char_set(gatt_char_by_uuid(p, uuids[i]), pkt.data, pkt.len);
        }
        buf[0] = 0x01; /* Body Sensor Location: chest */
        char_set(&p->chars[CHAR_BODY_SENSOR_LOCATION], buf, 1);
        buf[0] = 87; /* Battery Level, % */
        char_set(&p->chars[CHAR_BATTERY_LEVEL], buf, 1);
        buf[0] = RSC_LOCATION_IN_SHOE;
        char_set(&p->chars[CHAR_RSC_LOCATION], buf, 1);
        if (rsc_encode_feature(RSC_FEATURE_STRIDE | RSC_FEATURE_DISTANCE, rsc, sizeof(rsc), &len) >=
            0)
                char_set(&p->chars[CHAR_RSC_FEATURE], rsc, len);
}

int gatt_append_uuid16(sd_bus_message *reply, uint16_t uuid)
{
        char s[37];

        bt_uuid16_to_string(uuid, s);
        return sd_bus_message_append(reply, "s", s);
}

static int service_get_uuid(sd_bus *bus, const char *path, const char *iface, const char *prop,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
        Service *s = userdata;

        return gatt_append_uuid16(reply, s->uuid);
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

        return gatt_append_uuid16(reply, c->uuid);
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
        return control_point_write(c->p, m, buf, len, error);
}

static int char_start_notify(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        Characteristic *c = userdata;

        if (!c->notifying) {
                c->notifying = true;
                peripheral_log("subscribed %04x", c->uuid);
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
                peripheral_log("unsubscribed %04x", c->uuid);
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

int gatt_add_objects(Peripheral *p)
{
        int r;

        for (size_t i = 0; i < p->n_apps; i++) {
                r = sd_bus_add_object_manager(p->bus, NULL, p->apps[i].root);
                if (r < 0)
                        return r;
        }
        for (ServiceId s = 0; s < _SERVICE_MAX; s++) {
                Service *sv = &p->services[s];
                App *a = NULL;

                for (size_t i = 0; i < p->n_apps; i++)
                        if (p->apps[i].services & (1u << s))
                                a = &p->apps[i];
                *sv = (Service){.p = p, .id = s, .uuid = gatt_service_uuids[s], .app = a};
                /* Served by no device (the footpod without --footpod-adapter): not exported. */
                if (!a)
                        continue;
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
                if (!p->services[ch->service].app)
                        continue;
                snprintf(ch->path, sizeof(ch->path), "%s/char%u", p->services[ch->service].path,
                         (unsigned)c);
                r = sd_bus_add_object_vtable(p->bus, NULL, ch->path,
                                             "org.bluez.GattCharacteristic1", char_vtable, ch);
                if (r < 0)
                        return r;
        }
        return 0;
}
