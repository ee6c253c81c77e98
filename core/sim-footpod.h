/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A simulated footpod on a runner on the belt: what it measures, as RSC
 * Measurements (Running Speed and Cadence, core/rsc.h). It measures the
 * runner's true speed, which on a miscalibrated treadmill is not what the
 * treadmill reports: true = reported * factor + offset_kmh (the calibration
 * paced estimates, docs/relay.md). Pure model, time as an argument.
 *
 *  - Cadence (steps per minute, both feet, as RSC counts it) rises with
 *    speed: 150 + 2.5 /min per km/h running (about 175 at 10 km/h, 190 at
 *    16), 100 + 3 per km/h walking below 7 km/h; 0 on a standing belt.
 *  - Stride length (RSC's Instantaneous Stride Length, one step's) is
 *    speed / cadence.
 *  - Total distance integrates the true speed (trapezoid between calls).
 */

#include <stdbool.h>
#include <stdint.h>

#include "rsc.h"

typedef struct SimFootpod {
        double factor;     /* default 1 */
        double offset_kmh; /* default 0 */
        double distance_m;
        bool have_last;
        uint64_t last_usec;
        double last_kmh;
} SimFootpod;

void sim_footpod_init(SimFootpod *f, double factor, double offset_kmh);

/* The runner's true speed on a belt that reports reported_kmh (0 when it stands). */
double sim_footpod_true_kmh(const SimFootpod *f, double reported_kmh);

/* One measurement at now, the belt reporting reported_kmh. */
void sim_footpod_measure(SimFootpod *f, uint64_t now, double reported_kmh, RscMeasurement *ret);
