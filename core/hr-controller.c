/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "hr-controller.h"
#include "util.h"

void hr_controller_config_init(HrControllerConfig *c)
{
        *c = (HrControllerConfig){
                .kp = 0.02,
                .ki = 0.0004,
                .max_step_kmh = 0.2,
                .min_interval_usec = 15 * USEC_PER_SEC,
                .holdoff_usec = 45 * USEC_PER_SEC,
        };
}

void hr_controller_reset(HrController *h, const HrControllerConfig *c, uint64_t now, double lo_bpm,
                         double hi_bpm, double start_kmh, double speed_min, double speed_max)
{
        *h = (HrController){
                .config = *c,
                .lo_bpm = lo_bpm,
                .hi_bpm = hi_bpm,
                .speed_min = speed_min,
                .speed_max = speed_max,
                .base_kmh = start_kmh,
                .output_kmh = fmin(fmax(start_kmh, speed_min), speed_max),
                .last_update_usec = now,
                .last_adjust_usec = now,
                .holdoff_until_usec = now + c->holdoff_usec,
                .started = true,
        };
}

void hr_controller_set_limits(HrController *h, double speed_min, double speed_max)
{
        h->speed_min = speed_min;
        h->speed_max = speed_max;
        h->output_kmh = fmin(fmax(h->output_kmh, speed_min), speed_max);
}

uint64_t hr_controller_next_allowed(const HrController *h)
{
        return MAX(h->holdoff_until_usec, h->last_adjust_usec + h->config.min_interval_usec);
}

int hr_controller_update(HrController *h, uint64_t now, double hr_bpm, double *ret_kmh)
{
        double err, dt, desired, delta, i_lo, i_hi;

        if (!h->started || !isfinite(hr_bpm) || hr_bpm <= 0)
                return 0;

        dt = now > h->last_update_usec ? (double)(now - h->last_update_usec) / USEC_PER_SEC : 0;
        h->last_update_usec = now;

        /* After a step change HR is still answering the previous speed: wait. */
        if (now < h->holdoff_until_usec)
                return 0;

        /* Inside the band: deadband, no integration, no action. This is what
         * keeps a loop with a 30-60 s plant lag from hunting. */
        if (hr_bpm >= h->lo_bpm && hr_bpm <= h->hi_bpm)
                return 0;

        err = (h->lo_bpm + h->hi_bpm) / 2.0 - hr_bpm; /* > 0: too slow */

        /* Anti-windup: no integration while the output sits at the limit the
         * error pushes against. */
        if (!((err > 0 && h->output_kmh >= h->speed_max) ||
              (err < 0 && h->output_kmh <= h->speed_min)))
                h->integral += err * dt;
        /* ... and the integral alone may never ask for more than the range. */
        if (h->config.ki > 0) {
                i_lo = (h->speed_min - h->base_kmh) / h->config.ki;
                i_hi = (h->speed_max - h->base_kmh) / h->config.ki;
                h->integral = fmin(fmax(h->integral, i_lo), i_hi);
        }

        if (now < h->last_adjust_usec + h->config.min_interval_usec)
                return 0;

        desired = h->base_kmh + h->config.kp * err + h->config.ki * h->integral;
        delta = desired - h->output_kmh;
        /* Only ever move towards the band: HR above it never speeds up. */
        if (err > 0)
                delta = MAX(delta, 0.0);
        else
                delta = MIN(delta, 0.0);
        delta = fmin(fmax(delta, -h->config.max_step_kmh), h->config.max_step_kmh);
        desired = fmin(fmax(h->output_kmh + delta, h->speed_min), h->speed_max);
        if (fabs(desired - h->output_kmh) < 0.005)
                return 0;

        h->output_kmh = desired;
        h->last_adjust_usec = now;
        if (ret_kmh)
                *ret_kmh = desired;
        return 1;
}
