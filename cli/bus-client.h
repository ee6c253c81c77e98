/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the D-Bus commands of pacectl share: connecting (env
 * PACED_BUS_ADDRESS or the global --bus option, else the system bus),
 * calling the manager with errors mapped to exit codes, and reading the
 * manager's properties into a struct.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "pacectl.h"
#include "paced-bus.h"

/* More exit codes for the D-Bus commands (LSB-style, like systemctl). */
#define PACECTL_EXIT_UNAVAILABLE   3 /* paced is not running / the bus is unreachable */
#define PACECTL_EXIT_NOT_PERMITTED 4 /* refused: not root nor in group paced */

/* Said by pacectl start and paced-web when the workout waits for the belt. */
#define PACECTL_TEXT_PRESS_START "Press START on the treadmill to begin."

int pacectl_bus_open(sd_bus **ret);

/*
 * After pacectl_bus_open() failed: says why paced cannot be reached in the
 * runner's words ("the system bus is not running", not the errno) and
 * returns the exit code.
 */
int pacectl_bus_open_failed(int r);

/* Prints "pacectl: <what>: <message>" and returns the matching exit code. */
int pacectl_error_exit(const char *what, const sd_bus_error *error, int r);

/* Calls a Manager method; on failure prints and returns the exit code, on success 0. */
/*
 * Before reading the session database: asks paced to write what it holds
 * in memory (SyncStore, as `journalctl --sync`). paced commits off its
 * event loop, so a session that just ended may be a moment away from the
 * file. Never starts paced; no paced, nothing to wait for. 0 when written
 * (or nothing to wait for), <0 when paced could not confirm it (a warning
 * is printed; the caller reads what is there).
 */
int pacectl_sync_store(void);
int pacectl_call_manager(const char *method, const char *types, ...);

/*
 * After a command: where the workout is now and the one thing the runner
 * should do next, e.g. "Loaded 6x400 m intervals. Press START on the
 * treadmill to begin." (what is one of "start", "pause", "resume", "stop",
 * "skip"). Returns code unchanged, so that callers can chain it.
 */
int pacectl_say_next(const char *what, int code);

typedef struct ManagerProps {
        char *version, *state, *pause_reason, *workout, *step_name, *next_step_name;
        char *control_status, *schedule, *units;
        char *storage, *storage_error; /* "ok", "unavailable", "buffering", "dropping" */
        char *next_action;             /* the one thing the runner should do next, "" if nothing */
        char *last_result;             /* the last time trial's result, "" if none */
        int step_index;
        unsigned step_count, heart_rate, zone;
        unsigned step_repeat, step_repeat_count; /* "rep 2/6"; 0 outside a repeat */
        double step_remaining, step_elapsed, target_speed, speed_override, target_incline;
        double speed, incline, distance, workout_distance, elapsed, total_time, alpha1;
        double time_scale;
        bool monitor_only, simulated;
        uint64_t session_id;
        unsigned last_rr; /* ms, 0: none */
        uint64_t rr_count;
        double footpod_speed, stride; /* km/h, m; NAN without a footpod reporting */
        unsigned cadence;             /* steps per minute; 0: none */
        char *crossover_kind;
        double crossover_time, crossover_speed;
        unsigned crossover_hr;
} ManagerProps;

typedef struct DeviceProps {
        char *kind, *address, *name;
        bool connected;
        int battery;
        char **features; /* NULL-terminated */
        double speed_range[3], incline_range[3];
        uint64_t malformed;
} DeviceProps;

void manager_props_init(ManagerProps *p);
void manager_props_done(ManagerProps *p);
/* Fetches with GetAll; 0 or negative errno (error filled). */
int manager_props_get(sd_bus *bus, ManagerProps *p, sd_bus_error *error);
/* Reads an a{sv} of Manager properties (a GetAll reply) into p. */
int manager_props_read(sd_bus_message *m, ManagerProps *p);
/* Updates p from a PropertiesChanged signal's changed-properties dict. */
int manager_props_update(sd_bus_message *m, ManagerProps *p);

void device_props_done(DeviceProps *p);
int device_props_get(sd_bus *bus, const char *kind, DeviceProps *p, sd_bus_error *error);
/* Reads an a{sv} of Device properties (a GetAll reply) into p. */
int device_props_read(sd_bus_message *m, DeviceProps *p);

extern const char *const pacectl_device_kinds[2]; /* "treadmill", "strap" */

/* The status as one JSON object and a newline; devs may be NULL with n_devs 0. */
void status_print_json(FILE *f, const ManagerProps *p, const DeviceProps *devs, size_t n_devs);

/* JSON helpers (compact, one object per line). */
void pacectl_json_string(FILE *f, const char *s);
void pacectl_json_number(FILE *f, double v); /* NaN/inf as null */
