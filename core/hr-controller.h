/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The heart-rate target controller: a slow PI loop that nudges the speed to
 * keep HR inside [lo, hi]. HR answers a speed change with a time constant
 * of 30-60 s, so the loop is deliberately sluggish: at most max_step km/h per
 * adjustment, adjustments at least min_interval apart, nothing during a
 * hold-off after a step change, no action while HR is inside the band (a
 * deadband that stops hunting), and anti-windup (the integral does not grow
 * while the output is at a limit). Pure.
 */

#include <stdbool.h>
#include <stdint.h>

typedef struct HrControllerConfig {
        double kp;                  /* km/h per bpm of error, default 0.02 */
        double ki;                  /* km/h per bpm-second, default 0.0004 */
        double max_step_kmh;        /* default 0.2 */
        uint64_t min_interval_usec; /* default 15 s */
        uint64_t holdoff_usec;      /* after a step change, default 45 s */
} HrControllerConfig;

void hr_controller_config_init(HrControllerConfig *c);

typedef struct HrController {
        HrControllerConfig config;
        double lo_bpm, hi_bpm;
        double speed_min, speed_max; /* output limits (safety envelope) */
        double base_kmh;             /* speed at reset */
        double output_kmh;           /* current commanded output */
        double integral;             /* bpm-seconds */
        uint64_t last_update_usec;   /* integration clock */
        uint64_t last_adjust_usec;
        uint64_t holdoff_until_usec;
        bool started;
} HrController;

/* Starts a step: output = start_kmh, no action before now + holdoff. */
void hr_controller_reset(HrController *h, const HrControllerConfig *c, uint64_t now, double lo_bpm,
                         double hi_bpm, double start_kmh, double speed_min, double speed_max);
void hr_controller_set_limits(HrController *h, double speed_min, double speed_max);
/*
 * Feeds one HR sample; returns 1 and sets *ret_kmh when the output changed,
 * 0 when it did not.
 */
int hr_controller_update(HrController *h, uint64_t now, double hr_bpm, double *ret_kmh);
/* Earliest time an adjustment may happen (for the caller's deadline). */
uint64_t hr_controller_next_allowed(const HrController *h);
