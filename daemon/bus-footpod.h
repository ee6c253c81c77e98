/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The footpod's face on the bus: io.paced.paced1.Footpod at /io/paced/paced1
 * (docs/dbus-api.md): the treadmill's calibration in use and the estimate
 * against the footpod, accepted or reset by the runner. The footpod's live
 * values are the Manager's (FootpodSpeed, Cadence, StrideLength).
 */

#include <systemd/sd-bus.h>

#include "manager-internal.h"

int bus_footpod_register(Manager *m, sd_bus *bus);
int bus_footpod_emit_calibration_changed(Manager *m);
