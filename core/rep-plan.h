/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Getting a rep to speed. A belt does not jump from a 5 km/h walk to a
 * 15 km/h sprint: the rate limit (max_accel) and the machine's own
 * acceleration make that 20 s or more, which is longer than a 10 s sprint.
 * The engine therefore starts the run-up early, in the step before (the
 * recovery), by the time it takes, and counts the rep from the moment the
 * belt is within one increment of the target; this module works out those
 * times, for the engine (with the acceleration it measured) and for
 * `pacectl validate` (with the configured rate limit, or a given belt), so
 * that a rep the machine cannot start on time is reported before it runs.
 * Pure code.
 */

#include <stdbool.h>
#include <stddef.h>

#include "workout.h"

typedef struct RepPlanMachine {
        double max_accel_kmhps;  /* the configured rate limit */
        double belt_accel_kmhps; /* the belt's own acceleration; 0: unknown (not slower) */
        double latency_s;        /* first command to the belt moving, plus a data report */
        double lead_share;       /* the run-up takes at most this share of the step before */
        double increment_kmh;    /* the machine's speed increment: "at speed" is within it */
} RepPlanMachine;

/* The shipped defaults: 0.5 km/h/s, belt unknown, 1.5 s latency, half the step before. */
void rep_plan_machine_init(RepPlanMachine *m);

typedef struct RepPlan {
        bool speedup;    /* a rep that starts faster than the step before ends */
        double from_kmh; /* the step before's last speed (NAN: unknown, e.g. a free step) */
        double to_kmh;   /* the rep's first speed */
        double ramp_s;   /* first command to the belt at speed */
        double lead_s;   /* how early, in the step before, the run-up starts */
        double late_s;   /* ramp_s - lead_s: how much later than written the rep starts */
        double rep_s;    /* the rep's own duration (distance steps at their speed) */
        double before_s; /* the step before's duration (NAN: open or unknown) */
} RepPlan;

/* A rep: a speed-controlled active, stride or time-trial step. */
bool rep_plan_is_rep(const ResolvedStep *s);

/* Seconds for the belt to go from from_kmh to to_kmh (speed-ups; 0 if not faster). */
double rep_plan_ramp_s(const RepPlanMachine *m, double from_kmh, double to_kmh);

/* Metres the belt covers in the first t_s seconds of a run-up from from_kmh to to_kmh
 * (the latency at from_kmh, then the ramp, then at to_kmh): where, in a distance
 * step, the run-up of the rep after it must begin. */
double rep_plan_run_up_m(const RepPlanMachine *m, double from_kmh, double to_kmh, double t_s);

/* The duration of a step at its planned speed; NAN for open and free/HR distance steps. */
double rep_plan_step_s(const ResolvedStep *s);

/* Plans step i of w (the step before is i - 1; step 0 starts from from0_kmh, e.g. the
 * belt's minimum). ret->speedup is false when the step needs no run-up. */
void rep_plan_step(const RepPlanMachine *m, const ResolvedWorkout *w, size_t i, double from0_kmh,
                   RepPlan *ret);

/*
 * What `pacectl validate` says about step i on this machine: 1 and a sentence
 * in buf when the rep cannot start on time (the belt needs longer than the
 * step before can give it, so the rep starts late and the step before runs
 * longer) or its run-up is longer than the rep itself; 0 when it is
 * deliverable as written.
 */
int rep_plan_warning(const RepPlanMachine *m, const ResolvedWorkout *w, size_t i, double from0_kmh,
                     char *buf, size_t n);
