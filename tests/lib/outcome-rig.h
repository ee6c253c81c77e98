/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Runner-outcome rig: a whole workout on the simulator in virtual time, as
 * a runner would meet it, and what that runner would check afterwards.
 *
 * The shipped conf/paced.conf (with [Runner] keys of the test's choosing)
 * is parsed by the real config parser and mapped to the engine with the
 * daemon's own engine_config_from_config(); library workouts are loaded
 * from conf/workouts and resolved against the simulated machine's ranges
 * as the daemon resolves them. The engine then drives sim-treadmill.c over
 * encoded bytes (commands through ftms_control_command_encode(), every
 * notification back through the ftms.h parsers), with sim-runner.c as the
 * heart-rate strap. The rig plays the daemon's glue loop and samples the
 * simulated belt every OUTCOME_SAMPLE_USEC of virtual time: "time at
 * target" is measured on the belt itself, not taken from the engine's own
 * bookkeeping.
 *
 * Part of paced-testlib.
 */

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "engine-config.h"
#include "ftms.h"
#include "sim-runner.h"
#include "sim-treadmill.h"
#include "workout-engine.h"
#include "workout-text.h"
#include "workout.h"

#define OUTCOME_SAMPLE_USEC (50 * USEC_PER_MSEC)
#define OUTCOME_MAX_LAPS    512
#define OUTCOME_MAX_CUES    4096
#define OUTCOME_MAX_EVENTS  8192
/* An open step (the ramp test's last) is held this long, then skipped. */
#define OUTCOME_OPEN_HOLD_USEC (60 * USEC_PER_SEC)

typedef struct OutcomeMachine {
        double accel_kmhps; /* belt acceleration and deceleration */
        double max_speed_kmh;
        double incline_pct_per_s;
        /* The link's round trip: commands reach the machine, and its
         * notifications reach the engine, half of it late each way. */
        double link_latency_s;
} OutcomeMachine;

/* A packet on its way across the simulated link. */
typedef struct OutcomeInFlight {
        uint64_t at;
        bool to_machine; /* a control-point write; else a notification */
        SimPacket p;
} OutcomeInFlight;

#define OUTCOME_MAX_IN_FLIGHT 256

/* What happened in one step of the workout, measured on the simulated belt. */
typedef struct OutcomeStep {
        bool entered, ended;
        uint64_t start_usec, end_usec;   /* virtual time (pauses included) */
        double run_s;                    /* running time in the step (pauses excluded) */
        double at_target_s;              /* belt within tolerance of the step's target */
        double start_dist_m, end_dist_m; /* simulated belt distance */
} OutcomeStep;

typedef struct OutcomeRig {
        Config *config;
        EngineConfig ec;
        RunnerProfile profile;
        SimTreadmill *t;
        SimRunner *runner;
        WorkoutEngine *e;
        FtmsTreadmillAssembler asm_;
        TransportCapabilities caps;
        uint64_t now, next_sample, next_hr, open_since;
        /* the link: a FIFO, as every packet takes the same time */
        uint64_t link_oneway_usec;
        OutcomeInFlight in_flight[OUTCOME_MAX_IN_FLIGHT];
        size_t in_flight_head, n_in_flight;

        /* the loaded workout (owned by the engine) and what happened in it */
        const ResolvedWorkout *w;
        OutcomeStep *steps;
        int cur;
        EngineState state;

        EngineLap laps[OUTCOME_MAX_LAPS];
        size_t n_laps;
        Cue cues[OUTCOME_MAX_CUES];
        size_t n_cues;
        EngineEvent *events;
        size_t n_events;
        unsigned cp_errors, start_writes, speed_writes;
        double max_speed_cmd_kmh;
        bool verbose;
} OutcomeRig;

/* A rig on the shipped config plus runner_lines (e.g. "mile = 6:30") and
 * safety_lines (may be NULL), on a machine like m (NULL: the default sim). */
int outcome_rig_init(OutcomeRig *r, const char *runner_lines, const char *safety_lines,
                     const OutcomeMachine *m);
void outcome_rig_free(OutcomeRig *r);
/* A goal mile (a plan's): race-pace work ("goal Pace") runs at it. */
void outcome_rig_set_goal(OutcomeRig *r, double goal_mile_s);

/* A library workout, or one in the text format (a plan day's), resolved for
 * this runner and machine as the daemon resolves them; NULL on failure. */
ResolvedWorkout *outcome_resolve_library(OutcomeRig *r, const char *name);
ResolvedWorkout *outcome_resolve_text(OutcomeRig *r, const char *text);
/* Loads rw (the engine takes it) and resets the per-step records. */
int outcome_load(OutcomeRig *r, ResolvedWorkout *rw);

/* Plays the daemon's glue loop until virtual time until (or the workout's end,
 * if stop_at_end); an open step is held for a minute, then skipped. */
void outcome_run_until(OutcomeRig *r, uint64_t until, bool stop_at_end);
void outcome_run_for(OutcomeRig *r, double seconds);
/* Drains the engine's outputs into the simulator and the records. */
void outcome_drain(OutcomeRig *r);
/* The runner presses a console button. */
void outcome_console(OutcomeRig *r, SimConsoleButton b);
/* The runner arms the workout and presses START, then runs it to the end (at
 * most max_s of virtual time). */
EngineState outcome_run_workout(OutcomeRig *r, double max_s);

/* A rep: a speed-controlled active, stride or time-trial step. */
bool outcome_is_rep(const ResolvedStep *s);
/* Cues of a kind ((CueKind)-1: any) whose text contains needle (NULL: any). */
size_t outcome_count_cues(const OutcomeRig *r, CueKind kind, const char *needle);
