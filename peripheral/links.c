/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The centrals' links through our adapters: watched, and dropped on command. */
#include <errno.h>
#include <string.h>

#include "peripheral.h"

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
                        peripheral_log("%s %s", connected ? "connected" : "disconnected",
                                       sd_bus_message_get_path(m));
                        /* FTMS: control is lost with the link. */
                        if (!connected &&
                            strncmp(sd_bus_message_get_path(m), p->apps[0].adapter_path,
                                    strlen(p->apps[0].adapter_path)) == 0)
                                sim_treadmill_link_lost(p->treadmill, peripheral_now(p));
                } else if (sd_bus_message_skip(m, "v") < 0)
                        return 0;
                if (sd_bus_message_exit_container(m) < 0)
                        return 0;
        }
        return 0;
}

int links_watch(Peripheral *p)
{
        char match[256];
        int r;

        for (size_t i = 0; i < p->n_apps; i++) {
                snprintf(match, sizeof(match),
                         "type='signal',sender='org.bluez',"
                         "interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
                         "arg0='org.bluez.Device1',path_namespace='%s'",
                         p->apps[i].adapter_path);
                r = sd_bus_add_match(p->bus, NULL, match, on_device_changed, p);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Disconnects the clients of the apps serving role (NULL: every app), or only
 * the one with address peer (NULL: all): a test drops one link and keeps the
 * others, whose connection handles it may have lined up (tests/e2e). */
void links_drop(Peripheral *p, const char *role, const char *peer)
{
        char dev[32] = "";
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *path;
        int r, n = 0;

        if (peer) {
                /* bluetoothd's object name: dev_AA_BB_CC_DD_EE_FF */
                if (strlen(peer) != 17) {
                        peripheral_log("drop-link: bad address %s", peer);
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
                peripheral_log("drop-link: GetManagedObjects failed: %s",
                               error.message ?: strerror(-r));
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
                        peripheral_log("drop-link: %s: %s", copy,
                                       r < 0 ? e.message : "disconnected");
                        n++;
                        /* The reply cursor is still valid: sd_bus_call_method used another message.
                         */
                }
                if (sd_bus_message_skip(reply, "a{sa{sv}}") < 0 ||
                    sd_bus_message_exit_container(reply) < 0)
                        return;
        }
        if (n == 0)
                peripheral_log("drop-link: no device");
}
