/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The devices' face on the bus: io.paced.paced1.Device at /io/paced/paced1/device/<role>. */

#include <systemd/sd-bus.h>

#include "manager-internal.h"

int bus_device_register(Manager *m, sd_bus *bus);
int bus_device_emit_changed(Device *d, sd_bus *bus);
char *bus_device_path(TransportRole role); /* malloc'd */
