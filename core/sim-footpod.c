/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "sim-footpod.h"
#include "util.h"

/* Below this the belt stands (the treadmills' own minimum is 0.5-1 km/h). */
#define BELT_MOVING_KMH 0.3
#define WALK_RUN_KMH    7.0

void sim_footpod_init(SimFootpod *f, double factor, double offset_kmh)
{
        *f = (SimFootpod){.factor = factor > 0 ? factor : 1.0, .offset_kmh = offset_kmh};
}

double sim_footpod_true_kmh(const SimFootpod *f, double reported_kmh)
{
        if (!isfinite(reported_kmh) || reported_kmh < BELT_MOVING_KMH)
                return 0;
        return fmax(reported_kmh * f->factor + f->offset_kmh, 0);
}

void sim_footpod_measure(SimFootpod *f, uint64_t now, double reported_kmh, RscMeasurement *ret)
{
        double kmh = sim_footpod_true_kmh(f, reported_kmh), cadence = 0;
        RscMeasurement m = {.has_stride = true, .has_distance = true};

        if (f->have_last && now > f->last_usec)
                f->distance_m += (f->last_kmh + kmh) / 2 / 3.6 * (double)(now - f->last_usec) /
                                 (double)USEC_PER_SEC;
        f->have_last = true;
        f->last_usec = now;
        f->last_kmh = kmh;

        if (kmh > 0)
                cadence = kmh >= WALK_RUN_KMH ? 150 + 2.5 * kmh : 100 + 3 * kmh;
        m.running = kmh >= WALK_RUN_KMH;
        m.cadence_spm = (uint8_t)lround(fmin(cadence, 255));
        (void)rsc_speed_from_kmh(kmh, &m.speed_raw);
        m.stride_cm = cadence > 0 ? (uint16_t)lround(kmh / 3.6 / (cadence / 60) * 100) : 0;
        (void)rsc_distance_from_m(f->distance_m, &m.distance_dm);
        *ret = m;
}
