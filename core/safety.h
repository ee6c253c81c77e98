/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The safety layer: the top-priority input of the engine's speed arbiter.
 * Pure functions and small state machines; speeds are true km/h (after
 * calibration), inclines %.
 *
 * Rules (each has a test that fails without it):
 *  - caps: a command never leaves min(machine range, max_speed/max_incline);
 *    what was clamped is reported;
 *  - rate limit: the commanded speed moves at most max_accel km/h per second
 *    (incline: max_incline_rate %/s), both directions;
 *  - HR ceiling: HR above hr_ceiling for hr_ceiling_hold → recovery speed
 *    until HR falls below hr_ceiling - hysteresis;
 *  - HR signal lost in an HR-target step: hold the last speed for
 *    hr_lost_hold, then the step's fallback pace;
 *  - bad requests (NaN, inf, negative) are rejected.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

typedef struct SafetyConfig {
        double max_speed_kmh;             /* configured cap, default 20 */
        double min_incline_pct;           /* configured floor, default -3 */
        double max_incline_pct;           /* configured cap, default 15 */
        double max_accel_kmhps;           /* default 1.0 km/h per second */
        double max_incline_rate_pps;      /* default 0.5 % per second */
        double hr_ceiling_bpm;            /* 0 = rule off; default 0 (set from the profile) */
        uint64_t hr_ceiling_hold_usec;    /* default 10 s */
        double hr_ceiling_hysteresis_bpm; /* default 8 */
        double recovery_speed_kmh;        /* walking speed for the HR ceiling, default 5 */
        uint64_t hr_lost_timeout_usec;    /* no HR sample for this long = lost, default 5 s */
        uint64_t hr_lost_hold_usec;       /* then hold the speed this long, default 30 s */
        bool hr_lost_fallback;            /* then go to the step's fallback pace (default true) */
} SafetyConfig;

void safety_config_init(SafetyConfig *c);

/* True (calibrated) speed <-> what the belt reports/accepts: true = belt * factor + offset. */
typedef struct SpeedCalibration {
        double factor; /* default 1 */
        double offset_kmh;
} SpeedCalibration;

double speed_calibration_to_true(const SpeedCalibration *c, double belt_kmh);
double speed_calibration_to_belt(const SpeedCalibration *c, double true_kmh);

/* The effective envelope: intersection of the machine's ranges and the caps (true units). */
typedef struct SafetyLimits {
        double speed_min, speed_max, speed_increment;
        bool has_incline;
        double incline_min, incline_max, incline_increment;
} SafetyLimits;

/*
 * caps may be NULL or lack ranges (then only the configured caps and a
 * default 0.1 km/h / 0.5 % increment apply). Returns -ERANGE if the
 * intersection is empty (a configured cap below the machine's minimum).
 */
int safety_limits_compute(SafetyLimits *ret, const SafetyConfig *c,
                          const TransportCapabilities *caps, const SpeedCalibration *cal);

typedef enum SafetyClamp {
        SAFETY_CLAMP_NONE,
        SAFETY_CLAMP_LOW,
        SAFETY_CLAMP_HIGH,
        _SAFETY_CLAMP_MAX,
        _SAFETY_CLAMP_INVALID = -EINVAL,
} SafetyClamp;

const char *safety_clamp_to_string(SafetyClamp c);

/*
 * Clamps to the limits, then rounds to the increment (never rounding out of
 * the range). The engine never commands 0 (it stops with Stop or Pause), so
 * 0 clamps up to the minimum. -EINVAL for NaN/inf/negative.
 */
int safety_clamp_speed(const SafetyLimits *l, double kmh, double *ret, SafetyClamp *ret_clamp);
int safety_clamp_incline(const SafetyLimits *l, double pct, double *ret, SafetyClamp *ret_clamp);

/* Moves from toward to by at most rate * dt_s. */
double safety_rate_limit(double from, double to, double rate_per_s, double dt_s);

/* Rejects what no rule could make sense of: NaN, inf, negative. 0 or -EINVAL. */
int safety_validate_speed(double kmh);
int safety_validate_incline(double pct);

/* HR ceiling: hold-time and hysteresis. */
typedef struct SafetyHrCeiling {
        bool active;
        bool above;
        uint64_t above_since_usec;
} SafetyHrCeiling;

/*
 * Feeds one HR sample. Returns 1 when the rule just triggered, -1 when it
 * just released, 0 otherwise.
 */
int safety_hr_ceiling_update(SafetyHrCeiling *s, const SafetyConfig *c, uint64_t now,
                             double hr_bpm);
