/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A scripted fake treadmill and a virtual-time harness for the engine tests
 * (and bench/bench-engine.c). Pure: no sockets, no clocks. The treadmill
 * answers control-point commands after a latency, accelerates its belt at a
 * finite rate, reports Treadmill Data once a second, and can be scripted
 * (forced result codes, silence, ignored speed commands, mph firmware, a
 * first-order heart-rate response). The Rig plays the daemon glue: it
 * drains the engine's outputs, calls tick() at next_deadline() and records
 * every write, cue and event for the assertions.
 *
 * The safety monitor watches every rig: each write is checked before it
 * reaches the fake and every event is observed. A violation aborts the test
 * (rig.monitor_abort, the default) or is recorded and the write refused, as
 * the daemon does in production (tests of the monitor itself).
 */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safety-monitor.h"
#include "workout-engine.h"

#define RIG_MAX_LOG 4096

typedef struct RigWrite {
        uint64_t time_usec;
        FtmsControlCommand cmd;
} RigWrite;

typedef struct FakeTreadmill {
        /* physics */
        double speed_kmh;  /* belt speed (what the machine reports) */
        double target_kmh; /* what the machine is driving towards */
        double accel_kmhps;
        double distance_m;
        double incline_pct;
        bool running;
        /* reports */
        bool report_distance;
        unsigned distance_every; /* Total Distance in every Nth record only (0, 1: all) */
        double counter_offset_m; /* the machine's counter minus distance_m (resets, wraps) */
        unsigned n_records;
        bool report_data; /* Treadmill Data notifications on */
        uint64_t data_interval_usec;
        /* control point */
        bool in_control;
        bool respond;      /* false: never answers (timeouts) */
        bool lose_answers; /* carries commands out, their answers are lost */
        uint64_t latency_usec;
        uint8_t force_result[256]; /* op -> result code; 0 = behave */
        unsigned force_count[256]; /* how many times to force it (0 = forever) */
        bool ignore_speed;         /* accepts Set Target Speed, does nothing */
        bool speed_in_mph;         /* Horizon T202 firmware */
        /* heart rate: first-order response to speed */
        bool hr_enabled;
        bool hr_silent;
        double hr_bpm, hr_rest, hr_gain, hr_tau_s;
} FakeTreadmill;

typedef struct Rig {
        WorkoutEngine *e;
        SafetyMonitor *mon;
        bool monitor_abort; /* default true: a violation aborts the test */
        SafetyViolation violations[64];
        size_t n_violations;
        FakeTreadmill tm;
        TransportCapabilities caps;
        uint64_t now;
        uint64_t next_data;
        uint64_t next_hr;
        bool link;
        /* the one write in flight at the fake */
        bool pending;
        uint64_t pending_at;
        FtmsControlCommand pending_cmd;
        /* what happened */
        RigWrite writes[RIG_MAX_LOG];
        size_t n_writes;
        Cue cues[RIG_MAX_LOG];
        size_t n_cues;
        EngineEvent events[RIG_MAX_LOG];
        size_t n_events;
        unsigned ticks;
} Rig;

void fake_treadmill_init(FakeTreadmill *t);
void rig_caps_default(TransportCapabilities *c);
void rig_emit(Rig *r, const TransportEvent *ev);
void rig_status(Rig *r, uint8_t op, uint8_t param);

void rig_drain(Rig *r);
/* The monitor's time-based invariants, now. */
void rig_monitor_check(Rig *r);
/* What the daemon does for Start/Resume: the user asked, the monitor knows. */
int rig_start(Rig *r);
int rig_resume(Rig *r);
void rig_link(Rig *r, bool up);
void rig_init_with(Rig *r, const EngineConfig *cfg, bool link);
void rig_free(Rig *r);

void rig_send_data(Rig *r);
void rig_send_hr(Rig *r, double bpm);

/* Runs the virtual-time loop until `until` (inclusive). */
void rig_run_until(Rig *r, uint64_t until);
void rig_run_for(Rig *r, double seconds);

/* The runner presses Start on the console. */
void rig_console_start(Rig *r, double start_kmh);
void rig_console_stop(Rig *r);

/* ---- queries for the assertions ---- */

size_t rig_count_writes(const Rig *r, uint8_t op, size_t from);
const EngineEvent *rig_find_event(const Rig *r, EngineEventType type, size_t from);
size_t rig_count_events(const Rig *r, EngineEventType type);
double rig_max_speed_written(const Rig *r, size_t from);
double rig_last_speed_written(const Rig *r);

/* ---- building workouts by hand ---- */

ResolvedStep rig_step_time(StepKind kind, double seconds, double kmh);
ResolvedStep rig_step_dist(StepKind kind, double metres, double kmh);
ResolvedWorkout *rig_workout(const char *name, const ResolvedStep *steps, size_t n);
