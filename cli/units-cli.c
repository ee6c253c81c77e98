/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>

#include "bus-client.h"
#include "config.h"
#include "units-cli.h"
#include "util.h"

/* 1: miles, 0: km, -errno: the daemon cannot say. */
static int units_from_daemon(void)
{
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *units = NULL;
        int r;

        r = pacectl_bus_open(&bus);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &msg, PACED_BUS_NAME, PACED_BUS_PATH,
                                           "org.freedesktop.DBus.Properties", "Get");
        if (r < 0)
                return r;
        /* Showing a stored session must not start the daemon. */
        r = sd_bus_message_set_auto_start(msg, false);
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", PACED_BUS_IFACE_MANAGER, "Units");
        if (r < 0)
                return r;
        /* The default timeout: a busy paced is slow, not absent, and a guess
         * from the config file could be the wrong units. */
        r = sd_bus_call(bus, msg, 0, &error, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "v", "s", &units);
        if (r < 0)
                return r;
        return streq_ptr(units, "mi");
}

static int units_from_config(void)
{
        Config *c = NULL;
        ConfigError e = {};
        int r;

        r = config_load_file(CONFIG_DEFAULT_PATH, &c, &e);
        if (r < 0)
                return r;
        r = c->units == CONFIG_UNITS_IMPERIAL;
        config_free(c);
        return r;
}

bool pacectl_units_per_mile(void)
{
        static int cached = -1;
        int r;

        if (cached >= 0)
                return cached;
        r = units_from_daemon();
        if (r < 0)
                r = units_from_config();
        cached = r > 0;
        return cached;
}
