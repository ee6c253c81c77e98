/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The workout engine: runs a ResolvedWorkout on a treadmill. Pure: the
 * caller passes the (virtual) CLOCK_MONOTONIC time into every call, feeds
 * it TransportEvents, calls tick() at next_deadline(), and drains the output
 * queue (control-point writes, cues, events); the engine never reads a
 * clock, never does I/O and never logs. See docs/engine.md for the state
 * machine and the speed arbiter (safety > user override > workout).
 *
 * Glue loop (sd-event):
 *   on any input:  workout_engine_handle_event(e, now, ev) / _start() / ...
 *   then always:   drain workout_engine_pop_output() until it returns 0;
 *                  for ENGINE_OUTPUT_CP_WRITE: encode with
 *                  ftms_control_command_encode() and transport_write_control_point();
 *                  if that call fails, feed back TRANSPORT_EVENT_CP_WRITE_FAILED;
 *                  re-arm the one-shot timer at workout_engine_next_deadline(e)
 *                  (USEC_INFINITY: disarm); on expiry call workout_engine_tick(e, now).
 *
 * Speeds in the API are true km/h (after the configured calibration);
 * inclines in %.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cue.h"
#include "ftms-control.h"
#include "hr-controller.h"
#include "safety-monitor.h"
#include "safety.h"
#include "transport.h"
#include "trial-result.h"
#include "util.h"
#include "workout.h"

typedef enum EngineState {
        ENGINE_STATE_IDLE,  /* no workout loaded (or unloaded) */
        ENGINE_STATE_ARMED, /* loaded; begins when the belt starts or on start() */
        ENGINE_STATE_RUNNING,
        ENGINE_STATE_PAUSED,   /* see EnginePauseReason */
        ENGINE_STATE_FINISHED, /* every step done */
        ENGINE_STATE_ABORTED,  /* stop() or shutdown */
        _ENGINE_STATE_MAX,
        _ENGINE_STATE_INVALID = -EINVAL,
} EngineState;

typedef enum EnginePauseReason {
        ENGINE_PAUSE_NONE,
        ENGINE_PAUSE_USER,         /* pause() (pacectl pause) */
        ENGINE_PAUSE_CONSOLE,      /* Machine Status: stopped or paused by the user */
        ENGINE_PAUSE_SAFETY_KEY,   /* Machine Status: stopped by safety key */
        ENGINE_PAUSE_BELT_STOPPED, /* Treadmill Data: belt at 0 (machines without status) */
        ENGINE_PAUSE_LINK_LOST,
        _ENGINE_PAUSE_REASON_MAX,
        _ENGINE_PAUSE_REASON_INVALID = -EINVAL,
} EnginePauseReason;

typedef enum EngineShutdownPolicy {
        ENGINE_SHUTDOWN_COOLDOWN, /* slow to cooldown_speed (default) */
        ENGINE_SHUTDOWN_PAUSE,    /* FTMS Stop or Pause, param pause */
        ENGINE_SHUTDOWN_STOP,     /* FTMS Stop or Pause, param stop */
        ENGINE_SHUTDOWN_NONE,     /* leave the belt alone */
        _ENGINE_SHUTDOWN_POLICY_MAX,
        _ENGINE_SHUTDOWN_POLICY_INVALID = -EINVAL,
} EngineShutdownPolicy;

typedef enum EngineRecoveryPolicy {
        ENGINE_RECOVERY_RESUME,   /* resume at the interrupted step (default) */
        ENGINE_RECOVERY_COOLDOWN, /* slow to cooldown_speed, then finish */
        _ENGINE_RECOVERY_POLICY_MAX,
        _ENGINE_RECOVERY_POLICY_INVALID = -EINVAL,
} EngineRecoveryPolicy;

typedef struct EngineConfig {
        SafetyConfig safety;
        FtmsControlConfig control; /* .monitor_only = configured monitor-only mode */
        HrControllerConfig hr;
        SpeedCalibration calibration; /* true = belt * factor + offset */
        /* [Footpod] distance = footpod: while a footpod reports, its speed measures
         * the workout's distance and distance steps (never what is commanded). */
        bool distance_from_footpod;
        bool quirk_speed_mph;      /* firmware reads Set Target Speed as mph (Horizon T202) */
        bool allow_remote_start;   /* Start/Resume only on explicit command and only if set */
        bool cues;                 /* default true: announce changes, never change unannounced */
        bool per_mile;             /* the runner's units: speeds in cues and notes in mph */
        uint64_t cue_lead_usec;    /* default 5 s */
        uint64_t halfway_min_usec; /* halfway cue only for steps at least this long, 120 s */
        /* Auto-lap distance, default 400 (METERS_PER_MILE: mile); 0 off. In a time
         * trial adjusted to divide it into whole laps (core/trial-result.h). */
        double auto_lap_m;
        bool auto_lap_all_steps; /* default false: auto-laps only in time trials */
        /* Default true: a rep faster than the step before gets its run-up early, in
         * that step, and starts when the belt is at speed (core/rep-plan.h). */
        bool plan_reps;
        double rep_lead_share; /* the run-up takes at most this share of the step before, 0.5 */
        uint64_t ramp_interval_usec;  /* at least this between ramp updates, default 1 s */
        uint64_t target_timeout_usec; /* commanded speed not seen in data: diagnostic, 20 s */
        uint64_t belt_stopped_usec;   /* data speed 0 this long while running = stopped, 3 s */
        EngineShutdownPolicy shutdown_policy;
        double cooldown_speed_kmh;      /* default 5 */
        uint64_t shutdown_timeout_usec; /* signal done at the latest after this: see
                                         * engine_stop_budget_usec() */
        EngineRecoveryPolicy recovery_policy;
} EngineConfig;

void engine_config_init(EngineConfig *c);
/* The slowest allowed ramp from from_kmh (NAN: max_speed) to the cool-down
 * speed, plus slack for the control point: what a stop or SIGTERM needs. */
uint64_t engine_stop_budget_usec(const EngineConfig *c, double from_kmh);
/* The safety monitor's view of the same configuration. */
void engine_config_to_monitor(const EngineConfig *c, SafetyMonitorConfig *ret);
SafetyStopPolicy engine_shutdown_policy_to_monitor(EngineShutdownPolicy p);

/* ---- outputs ---- */

typedef enum EngineEventType {
        ENGINE_EVENT_STATE_CHANGED,  /* state, old_state, pause_reason, message */
        ENGINE_EVENT_STEP_CHANGED,   /* step_index (new), message = label */
        ENGINE_EVENT_LAP,            /* lap */
        ENGINE_EVENT_CLAMP,          /* requested, applied, message */
        ENGINE_EVENT_SAFETY,         /* safety rule acted or released: rule, message */
        ENGINE_EVENT_CP_RESULT,      /* cp: every non-OK control-point result (errors) */
        ENGINE_EVENT_CONTROL_MODE,   /* control state / monitor-only reason changed */
        ENGINE_EVENT_LINK,           /* link up/down: value = 1/0 */
        ENGINE_EVENT_TARGET_REACHED, /* requested = target, value = time-to-target s */
        ENGINE_EVENT_TARGET_CHANGED, /* requested = new commanded target (true km/h) */
        ENGINE_EVENT_DIAGNOSTIC,     /* e.g. speed control does not work on this treadmill */
        ENGINE_EVENT_REJECTED,       /* a bad request was refused: message */
        ENGINE_EVENT_SHUTDOWN_DONE,  /* shutdown() finished: the daemon may exit */
        ENGINE_EVENT_RESULT,         /* a time trial ended: result, message = its sentence */
        _ENGINE_EVENT_TYPE_MAX,
        _ENGINE_EVENT_TYPE_INVALID = -EINVAL,
} EngineEventType;

typedef enum EngineSafetyRule {
        ENGINE_SAFETY_CAP,
        ENGINE_SAFETY_RATE_LIMIT,
        ENGINE_SAFETY_HR_CEILING,
        ENGINE_SAFETY_HR_LOST,
        ENGINE_SAFETY_LINK_LOST,
        ENGINE_SAFETY_BELT_STOPPED,
        ENGINE_SAFETY_SHUTDOWN, /* stop policy: active = begun (applied: target km/h, value:
                                 * EngineShutdownPolicy); released: value 1 reached, 0 not */
        _ENGINE_SAFETY_RULE_MAX,
        _ENGINE_SAFETY_RULE_INVALID = -EINVAL,
} EngineSafetyRule;

typedef struct EngineLap {
        unsigned number; /* 1-based over the workout */
        int step_index;
        bool automatic;      /* distance auto-lap (vs. end of step) */
        unsigned trial_lap;  /* 1-based lap of a time trial, 0 outside one */
        uint64_t start_usec; /* engine (virtual monotonic) time, as scheduled */
        uint64_t end_usec;   /* (not the possibly late tick that noticed it) */
        double duration_s;   /* running time, pauses excluded */
        double distance_m;
        double avg_speed_kmh;
        double time_at_target_s; /* measured speed within the increment of the target */
} EngineLap;

typedef struct EngineEvent {
        EngineEventType type;
        uint64_t time_usec;
        int step_index;
        EngineState state, old_state;
        EnginePauseReason pause_reason;
        EngineSafetyRule rule;
        bool active;               /* SAFETY: rule engaged (true) or released */
        double requested, applied; /* CLAMP / TARGET_*: km/h or % */
        bool incline;              /* CLAMP: the value is an incline */
        double value;
        EngineLap lap;
        TrialResult result;
        FtmsControlResult cp;
        char message[192];
} EngineEvent;

typedef enum EngineOutputType {
        ENGINE_OUTPUT_CP_WRITE,
        ENGINE_OUTPUT_CUE,
        ENGINE_OUTPUT_EVENT,
        _ENGINE_OUTPUT_TYPE_MAX,
        _ENGINE_OUTPUT_TYPE_INVALID = -EINVAL,
} EngineOutputType;

typedef struct EngineOutput {
        EngineOutputType type;
        uint64_t time_usec; /* CP_WRITE: the engine's time of the write (for the monitor) */
        union {
                FtmsControlCommand write; /* machine units, ready to encode */
                Cue cue;
                EngineEvent event;
        };
} EngineOutput;

/* ---- status snapshot ---- */

typedef struct EngineStatus {
        EngineState state;
        EnginePauseReason pause_reason;
        const char *workout_name; /* owned by the engine, valid until unload */
        int step_index;           /* -1 before the first step */
        size_t n_steps;
        const char *step_label; /* "" if none */
        StepKind step_kind;
        StepEnd step_end;
        double step_elapsed_s;
        double step_remaining_s;   /* time steps; distance steps: estimate at current speed */
        double step_remaining_m;   /* distance steps, else NAN */
        double elapsed_s;          /* running time of the workout, pauses excluded */
        double distance_m;         /* workout distance (calibrated) */
        double target_speed_kmh;   /* what the arbiter commands now (NAN if none) */
        double workout_speed_kmh;  /* what the workout asks for (before override and safety) */
        double override_kmh;       /* user adjustment for the rest of the step */
        double measured_speed_kmh; /* calibrated, NAN if no data */
        double target_incline_pct; /* NAN if none */
        double measured_incline_pct;
        double heart_rate_bpm; /* NAN if none */
        bool belt_running;
        bool link_up;
        bool hr_ceiling_active;
        bool hr_lost;
        FtmsControlState control_state;
        FtmsMonitorReason monitor_reason; /* != NONE: monitor-only, with the reason */
        bool speed_control_suspect;       /* commanded speed never showed up in the data */
        unsigned n_laps;
        /* time-to-target of speed changes */
        unsigned ttt_count;
        double ttt_last_s, ttt_mean_s, ttt_max_s;
        /* the safety envelope in force */
        SafetyLimits limits;
} EngineStatus;

/* Crash recovery: where the interrupted session was. */
typedef struct EngineRecovery {
        size_t step_index;
        double step_elapsed_s;  /* running time already spent in that step */
        double step_distance_m; /* distance already covered in that step */
        double elapsed_s;       /* workout running time before the crash */
        double distance_m;
        unsigned n_laps;
} EngineRecovery;

typedef struct WorkoutEngine WorkoutEngine;

int workout_engine_new(WorkoutEngine **ret, const EngineConfig *config);
WorkoutEngine *workout_engine_free(WorkoutEngine *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(WorkoutEngine *, workout_engine_free);

/* Replaces the configuration (caps, calibration ...); takes effect at once. */
int workout_engine_set_config(WorkoutEngine *e, uint64_t now, const EngineConfig *config);

/*
 * Takes ownership of w (freed with resolved_workout_free()). Allowed in IDLE,
 * FINISHED and ABORTED (-EBUSY otherwise). The engine enters IDLE with the
 * workout loaded; arm() or start() next. -EINVAL for an empty workout or a
 * step with a NaN/negative target.
 */
int workout_engine_load(WorkoutEngine *e, uint64_t now, ResolvedWorkout *w);
/* Drops the workout (IDLE). -EBUSY while RUNNING/PAUSED. */
int workout_engine_unload(WorkoutEngine *e, uint64_t now);

/* Commands. 0 or negative errno: -ENOENT no workout, -EBUSY wrong state, -EINVAL bad value. */
/* Waits for the runner to start the belt (ARMED); on a belt already moving the
 * workout begins at once (its first change announced as always). */
int workout_engine_arm(WorkoutEngine *e, uint64_t now);
/* Begins now (from IDLE or ARMED) if the belt runs, or starts a stopped belt if
 * allow_remote_start; otherwise waits for the runner like arm(). */
int workout_engine_start(WorkoutEngine *e, uint64_t now);
int workout_engine_pause(WorkoutEngine *e, uint64_t now);
/* Resumes a paused workout; sends Start/Resume only if allow_remote_start
 * (once; the workout resumes when the belt runs). -EPERM: the belt is stopped
 * and paced may not start it (after a safety-key stop, or without
 * allow_remote_start): only the runner restarts that belt, on the console. */
int workout_engine_resume(WorkoutEngine *e, uint64_t now);
/* → ABORTED; applies the stop policy (default: slow to cooldown_speed) as
 * SIGTERM does; workout_engine_belt_note() says what the belt is doing. */
int workout_engine_stop(WorkoutEngine *e, uint64_t now);
/* What the last stop (or finished workout) does with the belt, for replies. */
const char *workout_engine_belt_note(const WorkoutEngine *e);
int workout_engine_skip(WorkoutEngine *e, uint64_t now); /* next step now */
/* Skips step index (0-based) if it is the current one: -ESTALE if it already
 * ended (the request raced the boundary), -EINVAL out of range. */
int workout_engine_skip_step(WorkoutEngine *e, uint64_t now, int index);
/* Jumps forward to step index now (the steps between never run); -EINVAL if
 * not ahead of the current step. */
int workout_engine_skip_to(WorkoutEngine *e, uint64_t now, size_t index);
/* Adds seconds (time steps) or metres (distance steps) to the current step;
 * 1 when the total was limited (1 h / 10 km). */
int workout_engine_extend(WorkoutEngine *e, uint64_t now, double amount);
/* Manual override: + or - km/h for the rest of the step (accumulates, within
 * the caps' span); 1 when it was limited. */
int workout_engine_adjust_speed(WorkoutEngine *e, uint64_t now, double delta_kmh);
/* Manual override: an absolute speed for the rest of the step (works without a workout too). */
int workout_engine_set_speed(WorkoutEngine *e, uint64_t now, double kmh);
int workout_engine_set_incline(WorkoutEngine *e, uint64_t now, double pct);

/*
 * SIGTERM: applies shutdown_policy (slow to the cool-down speed / pause /
 * stop) and emits ENGINE_EVENT_SHUTDOWN_DONE when done or after
 * shutdown_timeout; returns 1 if already done (nothing to do), 0 if the
 * caller must keep running the loop until SHUTDOWN_DONE.
 */
int workout_engine_shutdown(WorkoutEngine *e, uint64_t now);
bool workout_engine_shutdown_done(const WorkoutEngine *e);

/*
 * Crash recovery: the workout must be loaded. Per recovery_policy either
 * resumes at r->step_index with the recorded progress (RUNNING, or PAUSED
 * waiting for the belt if it is stopped) or slows to the cool-down speed.
 */
int workout_engine_recover(WorkoutEngine *e, uint64_t now, const EngineRecovery *r);

/* Inputs. */
void workout_engine_handle_event(WorkoutEngine *e, uint64_t now, const TransportEvent *ev);
void workout_engine_tick(WorkoutEngine *e, uint64_t now);
/* Absolute virtual-monotonic usec at which tick() must run; USEC_INFINITY: none. */
uint64_t workout_engine_next_deadline(const WorkoutEngine *e);

/* Output queue: 1 and *ret filled, 0 when empty. */
int workout_engine_pop_output(WorkoutEngine *e, EngineOutput *ret);

void workout_engine_get_status(const WorkoutEngine *e, uint64_t now, EngineStatus *ret);
EngineState workout_engine_get_state(const WorkoutEngine *e);
/* The one thing the runner should do next ("Press START on the treadmill to
 * begin."), "" when there is nothing to do (running, finished). */
const char *workout_engine_next_action(const WorkoutEngine *e, char *buf, size_t n);
const ResolvedWorkout *workout_engine_get_workout(const WorkoutEngine *e);

const char *engine_state_to_string(EngineState s);
EngineState engine_state_from_string(const char *s);
const char *engine_pause_reason_to_string(EnginePauseReason r);
const char *engine_event_type_to_string(EngineEventType t);
const char *engine_safety_rule_to_string(EngineSafetyRule r);
const char *engine_output_type_to_string(EngineOutputType t);
const char *engine_shutdown_policy_to_string(EngineShutdownPolicy p);
EngineShutdownPolicy engine_shutdown_policy_from_string(const char *s);
const char *engine_recovery_policy_to_string(EngineRecoveryPolicy p);
EngineRecoveryPolicy engine_recovery_policy_from_string(const char *s);
