/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Manager's face on the bus: io.paced.paced1.Manager at /io/paced/paced1. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "manager-internal.h"

int bus_manager_register(Manager *m, sd_bus *bus);
/* mask: ManagerProperty bits; one PropertiesChanged for all of them. */
int bus_manager_emit_properties(Manager *m, sd_bus *bus, unsigned mask);
int bus_manager_emit_step_changed(Manager *m, int index, const char *name, const char *kind);
int bus_manager_emit_cue(Manager *m, const char *kind, const char *text, int seconds_to_change);
int bus_manager_emit_crossover(Manager *m, const char *kind, double alpha1, double t_s,
                               unsigned hr_bpm, double speed_kmh);
int bus_manager_emit_safety_action(Manager *m, const char *rule, bool active, const char *message);
int bus_manager_emit_safety_violation(Manager *m, const char *invariant, const char *message);
int bus_manager_emit_lap(Manager *m, unsigned number, const char *kind, double distance_m,
                         double duration_s, double avg_speed_kmh);
int bus_manager_emit_session_finished(Manager *m, uint64_t id, const char *reason);
