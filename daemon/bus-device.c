/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The devices' face on the bus: io.paced.paced1.Device at
 * /io/paced/paced1/device/treadmill and /io/paced/paced1/device/strap, served
 * by one fallback vtable (as systemd's per-link objects are).
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "bus-device.h"
#include "bus-util.h"
#include "ftms.h"
#include "manager-internal.h"

char *bus_device_path(TransportRole role)
{
        char *p;

        if (asprintf(&p, "%s/%s", PACED_BUS_DEVICE_PREFIX, transport_role_to_string(role)) < 0)
                return NULL;
        return p;
}

static int device_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                       void **found, sd_bus_error *error)
{
        Manager *m = userdata;
        const char *leaf;

        if (strncmp(path, PACED_BUS_DEVICE_PREFIX "/", strlen(PACED_BUS_DEVICE_PREFIX "/")) != 0)
                return 0;
        leaf = path + strlen(PACED_BUS_DEVICE_PREFIX "/");
        for (TransportRole role = 0; role < _TRANSPORT_ROLE_MAX; role++)
                if (streq(leaf, transport_role_to_string(role)) &&
                    (role != TRANSPORT_ROLE_FOOTPOD || manager_footpod_enabled(m))) {
                        *found = manager_get_device(m, role);
                        return 1;
                }
        return 0;
}

static int device_enumerate(sd_bus *bus, const char *path, void *userdata, char ***nodes,
                            sd_bus_error *error)
{
        Manager *m = userdata;
        char **l = calloc(_TRANSPORT_ROLE_MAX + 1, sizeof(char *));
        size_t n = 0;

        if (!l)
                return -ENOMEM;
        for (TransportRole role = 0; role < _TRANSPORT_ROLE_MAX; role++) {
                /* The footpod's object exists only when one is configured. */
                if (role == TRANSPORT_ROLE_FOOTPOD && !manager_footpod_enabled(m))
                        continue;
                l[n] = bus_device_path(role);
                if (!l[n]) {
                        for (size_t i = 0; i < n; i++)
                                free(l[i]);
                        free(l);
                        return -ENOMEM;
                }
                n++;
        }
        *nodes = l;
        return 0;
}

static int property_get_string(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error)
{
        return bus_message_append_string_safe(reply, *(char **)userdata);
}

static int property_get_bool(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply, void *userdata,
                             sd_bus_error *error)
{
        return sd_bus_message_append(reply, "b", (int)*(bool *)userdata);
}

static int property_get_kind(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply, void *userdata,
                             sd_bus_error *error)
{
        const Device *d = userdata;

        return sd_bus_message_append(reply, "s", transport_role_to_string(d->role));
}

static int property_get_features(sd_bus *bus, const char *path, const char *interface,
                                 const char *property, sd_bus_message *reply, void *userdata,
                                 sd_bus_error *error)
{
        const Device *d = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        if (d->role == TRANSPORT_ROLE_STRAP && d->connected) {
                r = sd_bus_message_append(reply, "s", "heart-rate");
                if (r < 0)
                        return r;
        }
        if (d->has_caps) {
                const TransportCapabilities *c = &d->caps;
                static const struct {
                        bool machine;
                        uint32_t bit;
                        const char *name;
                } features[] = {
                        {true, FTMS_FEATURE_AVG_SPEED, "average-speed"},
                        {true, FTMS_FEATURE_TOTAL_DISTANCE, "total-distance"},
                        {true, FTMS_FEATURE_INCLINATION, "inclination"},
                        {true, FTMS_FEATURE_ELEVATION_GAIN, "elevation-gain"},
                        {true, FTMS_FEATURE_PACE, "pace"},
                        {true, FTMS_FEATURE_EXPENDED_ENERGY, "expended-energy"},
                        {true, FTMS_FEATURE_HEART_RATE, "heart-rate"},
                        {true, FTMS_FEATURE_ELAPSED_TIME, "elapsed-time"},
                        {false, FTMS_TARGET_SPEED, "target-speed"},
                        {false, FTMS_TARGET_INCLINATION, "target-inclination"},
                };

                for (size_t i = 0; i < ELEMENTSOF(features); i++) {
                        uint32_t set = features[i].machine ? c->feature.machine : c->feature.target;

                        if (!(set & features[i].bit))
                                continue;
                        r = sd_bus_message_append(reply, "s", features[i].name);
                        if (r < 0)
                                return r;
                }
                if (c->has_control_point) {
                        r = sd_bus_message_append(reply, "s", "control-point");
                        if (r < 0)
                                return r;
                }
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_range(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error)
{
        const Device *d = userdata;
        bool speed = streq(property, "SpeedRange");
        bool has = d->has_caps && (speed ? d->caps.has_speed_range : d->caps.has_incline_range);
        const FtmsRange *rg = speed ? &d->caps.speed_range : &d->caps.incline_range;

        if (!has)
                return sd_bus_message_append(reply, "(ddd)", 0.0, 0.0, 0.0);
        return sd_bus_message_append(reply, "(ddd)", rg->min, rg->max, rg->increment);
}

#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

static const sd_bus_vtable device_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Kind", "s", property_get_kind, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Address", "s", property_get_string, offsetof(Device, address), EMITS),
        SD_BUS_PROPERTY("Name", "s", property_get_string, offsetof(Device, name), EMITS),
        SD_BUS_PROPERTY("Connected", "b", property_get_bool, offsetof(Device, connected), EMITS),
        SD_BUS_PROPERTY("Battery", "i", NULL, offsetof(Device, battery_pct), EMITS),
        SD_BUS_PROPERTY("Features", "as", property_get_features, 0, EMITS),
        SD_BUS_PROPERTY("SpeedRange", "(ddd)", property_get_range, 0, EMITS),
        SD_BUS_PROPERTY("InclineRange", "(ddd)", property_get_range, 0, EMITS),
        /* Not signalled: a device sending garbage must not flood the bus too. */
        SD_BUS_PROPERTY("Malformed", "t", NULL, offsetof(Device, malformed), 0),
        SD_BUS_VTABLE_END,
};

int bus_device_register(Manager *m, sd_bus *bus)
{
        int r;

        r = sd_bus_add_fallback_vtable(bus, &m->device_vtable_slot, PACED_BUS_DEVICE_PREFIX,
                                       PACED_BUS_IFACE_DEVICE, device_vtable, device_find, m);
        if (r < 0)
                return r;
        return sd_bus_add_node_enumerator(bus, &m->device_enumerator_slot, PACED_BUS_DEVICE_PREFIX,
                                          device_enumerate, m);
}

int bus_device_emit_changed(Device *d, sd_bus *bus)
{
        _cleanup_free_ char *path = NULL;

        if (!bus || !d->manager->name_owned)
                return 0;
        path = bus_device_path(d->role);
        if (!path)
                return -ENOMEM;
        return sd_bus_emit_properties_changed(bus, path, PACED_BUS_IFACE_DEVICE, "Address", "Name",
                                              "Connected", "Battery", "Features", "SpeedRange",
                                              "InclineRange", NULL);
}
