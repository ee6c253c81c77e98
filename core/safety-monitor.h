/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The safety invariant monitor: a second line of defence beside the engine's
 * rules, not a replacement for them. It sees every control-point command
 * before it is written and every event the treadmill, the strap and the
 * transport report, keeps its own model of the belt (independent of the
 * engine's), and checks in every state:
 *
 *  - range:   no speed target above min(machine range, max_speed) or below
 *             the machine's minimum; no incline outside min(range, caps);
 *  - rate:    no speed (incline) target further than max_accel x 1 s
 *             (max_incline_rate x 1 s) from the last value the treadmill
 *             ACCEPTED or the last one it REPORTED, nor such a step sooner
 *             than a second after the previous one;
 *  - stopped: no speed/incline target and no Start while the runner has
 *             stopped or paused the belt (status 0x02/0x03, or a belt that
 *             reports 0), until the runner starts it again (status 0x04, or
 *             a belt seen at 0 that moves again); a Start only on a user's
 *             request made since the last stop, once;
 *  - hr:      heart rate above the ceiling for longer than its window → the
 *             belt is being slowed (a lower target within a grace time, and
 *             no stall above the recovery speed), in every mode, whenever
 *             control is held;
 *  - stop:    after a stop or shutdown the belt reaches the stop policy (a
 *             target at or below the cool-down speed accepted, or Stop/Pause
 *             accepted, or the runner stopped it), or the daemon reports why
 *             not, before the budget runs out.
 *
 * Pure: time is an argument, nothing is logged; a violation is returned to
 * the caller, who aborts (tests, simulator) or refuses the command, logs it
 * once and raises the SafetyViolation D-Bus signal (production).
 * Speeds in the configuration are true km/h (after calibration); commands
 * are in machine units, as written.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "ftms-control.h"
#include "safety.h"
#include "transport.h"
#include "util.h"

typedef enum SafetyInvariant {
        SAFETY_INVARIANT_SPEED_RANGE,
        SAFETY_INVARIANT_INCLINE_RANGE,
        SAFETY_INVARIANT_SPEED_RATE,
        SAFETY_INVARIANT_INCLINE_RATE,
        SAFETY_INVARIANT_RUNNER_STOPPED,
        SAFETY_INVARIANT_HR_CEILING,
        SAFETY_INVARIANT_STOP_POLICY,
        _SAFETY_INVARIANT_MAX,
        _SAFETY_INVARIANT_INVALID = -EINVAL,
} SafetyInvariant;

const char *safety_invariant_to_string(SafetyInvariant i);

typedef enum SafetyStopPolicy {
        SAFETY_STOP_COOLDOWN, /* a target at or below cooldown_speed */
        SAFETY_STOP_PAUSE,    /* Stop or Pause accepted (or the belt stopped) */
        SAFETY_STOP_STOP,
        SAFETY_STOP_NONE,
        _SAFETY_STOP_POLICY_MAX,
        _SAFETY_STOP_POLICY_INVALID = -EINVAL,
} SafetyStopPolicy;

typedef struct SafetyMonitorConfig {
        SafetyConfig safety; /* caps, rates, HR ceiling, recovery speed */
        SpeedCalibration calibration;
        bool quirk_speed_mph;
        bool monitor_only; /* paced never writes: nothing to check but writes */
        double cooldown_speed_kmh;
        uint64_t hr_grace_usec;     /* after the ceiling window: the slowing must begin, 5 s */
        uint64_t stop_slack_usec;   /* added to 1.5 x the ramp time of a stop, 20 s */
        uint64_t belt_stopped_usec; /* a belt reporting 0 this long was stopped, 3 s */
} SafetyMonitorConfig;

void safety_monitor_config_init(SafetyMonitorConfig *c);

typedef struct SafetyViolation {
        SafetyInvariant invariant;
        uint64_t time_usec;
        FtmsControlCommand command; /* the command refused (range/rate/stopped) */
        bool has_command;
        char message[224];
} SafetyViolation;

typedef struct SafetyMonitor SafetyMonitor;

int safety_monitor_new(SafetyMonitor **ret, const SafetyMonitorConfig *c);
SafetyMonitor *safety_monitor_free(SafetyMonitor *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(SafetyMonitor *, safety_monitor_free);
void safety_monitor_set_config(SafetyMonitor *m, const SafetyMonitorConfig *c);

/* Everything the transport reports (link, caps, data, status, responses, HR). */
void safety_monitor_observe(SafetyMonitor *m, uint64_t now, const TransportEvent *ev);

/*
 * A command about to be written. 0: allowed (and recorded as written);
 * -EPERM: a violation, described in *ret; the caller must not write it.
 */
int safety_monitor_check_write(SafetyMonitor *m, uint64_t now, const FtmsControlCommand *cmd,
                               SafetyViolation *ret);

/* The user explicitly asked to (re)start the belt (Start/Resume with remote start allowed). */
void safety_monitor_user_start(SafetyMonitor *m, uint64_t now);

/* A stop, finished workout or shutdown began applying `policy`; target: the cool-down speed. */
void safety_monitor_stop_begin(SafetyMonitor *m, uint64_t now, SafetyStopPolicy policy,
                               double target_kmh);
/* The daemon says the stop is done (reached) or reports why it is not (reached = false). */
void safety_monitor_stop_end(SafetyMonitor *m, uint64_t now, bool reached);

/*
 * The time-based invariants (HR ceiling, stop budget). 0, or -EPERM with a
 * violation in *ret (each violation is returned once).
 */
int safety_monitor_check(SafetyMonitor *m, uint64_t now, SafetyViolation *ret);
/* When check() must run next; USEC_INFINITY: only after an input. */
uint64_t safety_monitor_next_deadline(const SafetyMonitor *m);

/* The monitor's view, for tests. */
bool safety_monitor_runner_stopped(const SafetyMonitor *m);
unsigned safety_monitor_n_checked(const SafetyMonitor *m);
