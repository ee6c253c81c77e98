/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager: the daemon's one object. It owns the sd-event loop, the bus
 * connection and its objects, the configuration, the transport (BlueZ or
 * the simulator), the workout engine, the live analysis and the session
 * store, and it is the only place where they meet: transport events go to
 * the engine and the analysis, engine outputs go to the transport, the bus
 * and the store.
 *
 * This header is main()'s view of it. The Manager's insides, shared by
 * manager*.c and bus-*.c, are in manager-internal.h.
 */

#include <stdbool.h>

#include "config.h"
#include "util.h"

typedef enum ManagerBusKind {
        MANAGER_BUS_SYSTEM,
        MANAGER_BUS_USER,
        MANAGER_BUS_ADDRESS, /* a private bus, e.g. unix:path=/tmp/x/bus (tests) */
        _MANAGER_BUS_KIND_MAX,
        _MANAGER_BUS_KIND_INVALID = -EINVAL,
} ManagerBusKind;

/* The options main() parsed. */
typedef struct ManagerOptions {
        ManagerBusKind bus_kind;
        const char *bus_address; /* MANAGER_BUS_ADDRESS */
        const char *config_path; /* NULL: CONFIG_DEFAULT_PATH, missing file = defaults */
        const char *state_dir;   /* overrides [Session] state_dir */
        bool simulate;
        double time_scale;
        /* --test-time-scale: time_scale with the BlueZ transport, for e2e tests
         * against a virtual peripheral whose models run at the same scale. */
        bool test_time_scale;
        double sim_notify_hz;      /* simulator notifications per second per device; 0: default */
        double sim_belt_speed_kmh; /* --sim-belt-speed: the simulated belt starts running */
        double sim_footpod_factor; /* --sim-footpod: a footpod, true = reported x this; 0: none */
        double sim_distance_every; /* --sim-distance-every: Total Distance in every Nth record */
        const char *run_workout;   /* start this workout as soon as the treadmill is ready */
        bool exit_when_done;       /* exit after the first session ends */
        const char *admin_group;   /* NULL: "paced" */
        const char *sync_group;    /* NULL: "paced-sync" */
} ManagerOptions;

typedef struct Manager Manager;

int manager_new(Manager **ret, const ManagerOptions *options, Config *config);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Connects to the bus, registers objects, requests the name (READY=1 once owned). */
int manager_start(Manager *m);
/* Runs the loop until exit; returns the exit code. */
int manager_run(Manager *m);

const char *manager_bus_kind_to_string(ManagerBusKind k);
