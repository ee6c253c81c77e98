/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* io.paced.paced1.Simulator at /io/paced/paced1, only with --simulate. */

#include <systemd/sd-bus.h>

#include "manager-internal.h"

int bus_simulator_register(Manager *m, sd_bus *bus);
