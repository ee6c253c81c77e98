/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A simulated runner wearing a chest strap: heart rate and beat-by-beat RR
 * intervals in response to the belt's speed and incline. Pure model (time
 * as an argument, no I/O), deterministic for a given seed (own PRNG).
 *
 * Physiology (see docs in the .c file for the numbers):
 *  - Effective speed = belt speed x (1 + 0.045 x incline %) (ACSM running
 *    equation: the vertical term adds ~4.5 % of the horizontal cost per %).
 *  - Steady-state HR rises linearly from hr_rest at 0 km/h to hr_max at
 *    vo2max_speed. HR follows it with first-order kinetics (tau_on rising,
 *    tau_off falling). Above the anaerobic threshold (vt2) a slow component
 *    adds drift_bpm_per_min scaled by how far above; it decays below.
 *  - Short-term fractal correlation: the RR fluctuations are an ARFIMA(0,d,0)
 *    process (truncated fractional filter of Gaussian noise) with d chosen so
 *    that DFA alpha1 falls with intensity along one straight line through
 *    0.75 at vt1 (aerobic threshold) and 0.5 at vt2 (anaerobic threshold),
 *    between a plateau of 1.1 when easy and a floor of 0.3 at the hardest.
 *    The intensity that sets alpha1 is the one the (drift-free) HR
 *    reflects, so the true thresholds are at hr_steady(vt1) and
 *    hr_steady(vt2).
 *  - RR amplitude shrinks with intensity (40 ms SD at rest, 3 ms at max).
 *  - Artifacts: with probability artifact_rate per beat, a missed beat (two
 *    RR merged) or an extra beat (one RR split), half each.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrs.h"

typedef struct SimRunnerProfile {
        double hr_rest_bpm;       /* default 55 */
        double hr_max_bpm;        /* default 190 */
        double vt1_speed_kmh;     /* aerobic threshold (alpha1 0.75); default 10.5 */
        double vt2_speed_kmh;     /* anaerobic threshold = "threshold speed"; default 13.0 */
        double vo2max_speed_kmh;  /* HR reaches max at steady state; default 16.0 */
        double tau_on_s;          /* HR kinetics rising; default 30 */
        double tau_off_s;         /* HR kinetics falling; default 45 */
        double drift_bpm_per_min; /* slow component at vo2max speed; default 2 */
        double rr_sd_rest_ms;     /* RR fluctuation SD at rest; default 40 */
        double rr_sd_max_ms;      /* ... at max HR; default 3 */
        double artifact_rate;     /* artifacts per beat, 0..0.5; default 0 */
        uint64_t seed;            /* default 1 */
} SimRunnerProfile;

void sim_runner_profile_default(SimRunnerProfile *p);

struct RunnerProfile;
/*
 * A runner like the one in the profile (after runner_profile_derive()):
 * vt2 = threshold pace, vo2max speed = 5K speed / 0.95 (5K is raced at about
 * 95 % of vVO2max), vt1 = 0.82 x vt2 (VT1 typically at 80-85 % of VT2
 * speed), max and resting HR when known. The rest stays at the defaults.
 */
void sim_runner_profile_from_runner(SimRunnerProfile *p, const struct RunnerProfile *rp);

typedef struct SimThresholds {
        double vt1_speed_kmh, vt1_hr_bpm; /* alpha1 = 0.75 */
        double vt2_speed_kmh, vt2_hr_bpm; /* alpha1 = 0.5 */
} SimThresholds;

/* The model's true thresholds, for tests and the demo summary. */
void sim_runner_true_thresholds(const SimRunnerProfile *p, SimThresholds *ret);
/* Steady-state HR (without the slow component) at a speed and incline. */
double sim_runner_steady_hr(const SimRunnerProfile *p, double speed_kmh, double incline_pct);
/* The alpha1 the generator aims for at an effective speed. */
double sim_runner_alpha1_at(const SimRunnerProfile *p, double effective_speed_kmh);

typedef struct SimRunnerStats {
        uint64_t beats;  /* true heart beats */
        uint64_t missed; /* artifacts: beats merged into the next */
        uint64_t extra;  /* artifacts: beats split in two */
        uint64_t rr_out; /* RR values delivered (after artifacts) */
} SimRunnerStats;

typedef struct SimRunner SimRunner;

int sim_runner_new(SimRunner **ret, const SimRunnerProfile *p, uint64_t now_usec);
SimRunner *sim_runner_free(SimRunner *r);

/* The load from now on (the model first catches up to now under the old load). */
void sim_runner_set_load(SimRunner *r, uint64_t now_usec, double speed_kmh, double incline_pct);
/* Generates every beat up to now_usec. */
void sim_runner_advance(SimRunner *r, uint64_t now_usec);
/* Pops up to max RR intervals (ms, oldest first, artifacts included). */
size_t sim_runner_take_rr(SimRunner *r, double *ret_ms, size_t max);
/*
 * What the strap notifies at now: advances, then takes the pending RR (as
 * 1/1024 s ticks, at most HRS_MAX_RR; the rest waits for the next one) and
 * the HR the strap would display (from the last few RR).
 */
int sim_runner_measurement(SimRunner *r, uint64_t now_usec, HrsMeasurement *ret);

double sim_runner_heart_rate(const SimRunner *r); /* model HR, bpm */
double sim_runner_alpha1_target(const SimRunner *r);
void sim_runner_stats(const SimRunner *r, SimRunnerStats *ret);
const SimRunnerProfile *sim_runner_profile(const SimRunner *r);
