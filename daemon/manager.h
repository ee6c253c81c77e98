/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The Manager: the daemon's one object. It owns the sd-event loop, the bus
 * connection and its objects, the configuration, the transport (BlueZ or
 * the simulator), the workout engine, the live analysis and the session
 * store, and it is the only place where they meet: transport events go to
 * the engine and the analysis, engine outputs go to the transport, the bus
 * and the store.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "clock.h"
#include "config.h"
#include "paced-bus.h"
#include "transport.h"
#include "util.h"

typedef enum ManagerBusKind {
        MANAGER_BUS_SYSTEM,
        MANAGER_BUS_USER,
        MANAGER_BUS_ADDRESS, /* a private bus, e.g. unix:path=/tmp/x/bus (tests) */
        _MANAGER_BUS_KIND_MAX,
        _MANAGER_BUS_KIND_INVALID = -EINVAL,
} ManagerBusKind;

/* What a device object on the bus shows; filled from transport events. */
typedef struct Device {
        struct Manager *manager;
        TransportRole role;
        char *address;
        char *name;
        bool connected;
        int battery_pct; /* -1: unknown */
        bool has_caps;
        TransportCapabilities caps;
} Device;

/* Live values shown as Manager properties. */
typedef struct ManagerLive {
        double speed_kmh;   /* NAN until the treadmill reports */
        double incline_pct; /* NAN until the treadmill reports */
        double distance_m;  /* treadmill total distance, NAN if unknown */
        unsigned heart_rate_bpm;
        unsigned last_rr_ms; /* the strap's newest RR interval, 0: none since connect */
        uint64_t rr_count;   /* RR intervals received since paced started */
        unsigned zone;       /* 1-based, 0: unknown */
        double alpha1;       /* NAN until a window is complete */
        /* The last threshold crossing seen in this session. */
        char crossover_kind[16]; /* "hrvt1", "hrvt2", "" */
        double crossover_t_s;
        unsigned crossover_hr_bpm;
        double crossover_speed_kmh;
} ManagerLive;

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
        const char *run_workout;   /* start this workout as soon as the treadmill is ready */
        bool exit_when_done;       /* exit after the first session ends */
        const char *admin_group;   /* NULL: "paced" */
} ManagerOptions;

typedef struct Manager Manager;

typedef enum ManagerProperty {
        MANAGER_PROP_STATE = 1u << 0,
        MANAGER_PROP_WORKOUT = 1u << 1,
        MANAGER_PROP_STEP = 1u << 2, /* StepIndex, StepCount, StepName, NextStepName */
        MANAGER_PROP_LIVE = 1u << 3, /* every value that changes each second */
        MANAGER_PROP_CONTROL = 1u << 4,
        MANAGER_PROP_SESSION = 1u << 5,
        MANAGER_PROP_CROSSOVER = 1u << 6,
        MANAGER_PROP_SCHEDULE = 1u << 7,
        MANAGER_PROP_RESULT = 1u << 8,
} ManagerProperty;

int manager_new(Manager **ret, const ManagerOptions *options, Config *config);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Connects to the bus, registers objects, requests the name (READY=1 once owned). */
int manager_start(Manager *m);
/* Runs the loop until exit; returns the exit code. */
int manager_run(Manager *m);

sd_event *manager_get_event(Manager *m);
sd_bus *manager_get_bus(Manager *m);
const Config *manager_get_config(Manager *m);
uint64_t manager_now(Manager *m); /* virtual CLOCK_MONOTONIC usec */

/* SIGHUP: re-reads the config file; keeps the old one if the new one is invalid. */
int manager_reload(Manager *m);
/* SIGTERM: safe stop of the belt, session flushed, then exit 0. */
void manager_begin_shutdown(Manager *m);

/* Marks properties changed; emitted together at most once a second. */
void manager_properties_changed(Manager *m, unsigned mask);

/*
 * Checks that the sender of a state-changing call is root or in the admin
 * group (euid 0, or "paced" among its primary/supplementary groups).
 * 0 or -EPERM with error set.
 */
int manager_verify_write_access(Manager *m, sd_bus_message *message, sd_bus_error *error);

Device *manager_get_device(Manager *m, TransportRole role);

/* ---- what the bus face calls; negative errno with error set ---- */

int manager_start_workout(Manager *m, const char *name_or_path, bool arm_only, sd_bus_error *error);
/* The workout file's contents, read by the client (which may read files paced may not). */
int manager_start_workout_data(Manager *m, const char *filename, const char *data, bool arm_only,
                               sd_bus_error *error);
int manager_pause(Manager *m, sd_bus_error *error);
int manager_resume(Manager *m, sd_bus_error *error);
int manager_stop(Manager *m, sd_bus_error *error);
int manager_skip_step(Manager *m, sd_bus_error *error);
int manager_extend_step(Manager *m, uint32_t seconds, sd_bus_error *error);
int manager_adjust_speed(Manager *m, double delta_kmh, sd_bus_error *error);
int manager_set_schedule(Manager *m, const char *plan_json_or_path, sd_bus_error *error);
int manager_clear_schedule(Manager *m, sd_bus_error *error);
/* Replies to message with a(sssn) (address, name, kind, rssi) once the scan ends. */
int manager_scan_devices(Manager *m, sd_bus_message *message, uint32_t timeout_s,
                         sd_bus_error *error);

/* ---- snapshot for property getters ---- */

typedef struct ManagerSnapshot {
        const char *state;        /* "idle", "armed", "running", "paused", "finished", "aborted" */
        const char *pause_reason; /* "" unless paused */
        const char *workout;      /* "" if none */
        int step_index;           /* -1: none */
        unsigned step_count;
        const char *step_name;
        const char *next_step_name;
        double step_remaining_s; /* NAN if open-ended */
        double step_elapsed_s;
        double target_speed_kmh; /* NAN if none */
        double override_kmh;
        double target_incline_pct;
        double elapsed_s;
        double workout_distance_m;
        double total_time_s; /* estimate for the whole workout, NAN if unknown */
        bool monitor_only;
        const char *control_status;
        uint64_t session_id;
        const char *schedule; /* today's scheduled workout, "" if none */
        const char *last_result; /* the last time trial's result, "" if none */
} ManagerSnapshot;

void manager_snapshot(Manager *m, ManagerSnapshot *ret);
const ManagerLive *manager_get_live(Manager *m);

const char *manager_bus_kind_to_string(ManagerBusKind k);

/* bus-manager.c / bus-device.c */
int bus_manager_register(Manager *m, sd_bus *bus);
int bus_device_register(Manager *m, sd_bus *bus);
int bus_simulator_register(Manager *m, sd_bus *bus); /* only with --simulate */
int bus_manager_emit_properties(Manager *m, sd_bus *bus, unsigned mask);
int bus_device_emit_changed(Device *d, sd_bus *bus);
int bus_manager_emit_step_changed(Manager *m, int index, const char *name, const char *kind);
int bus_manager_emit_cue(Manager *m, const char *kind, const char *text, int seconds_to_change);
int bus_manager_emit_crossover(Manager *m, const char *kind, double alpha1, double t_s,
                               unsigned hr_bpm, double speed_kmh);
int bus_manager_emit_safety_action(Manager *m, const char *rule, bool active, const char *message);
int bus_manager_emit_session_finished(Manager *m, uint64_t id, const char *reason);
char *bus_device_path(TransportRole role); /* malloc'd */
