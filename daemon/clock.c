/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <time.h>

#include "clock.h"

static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * UINT64_C(1000000) + (uint64_t)ts.tv_nsec / 1000;
}

void paced_clock_init(PacedClock *c, double scale)
{
        c->real_base_usec = monotonic_usec();
        /* Virtual time starts where real time is, so logs of an unscaled run line up. */
        c->virt_base_usec = c->real_base_usec;
        c->scale = (isfinite(scale) && scale >= 1.0) ? scale : 1.0;
}

uint64_t paced_clock_now(const PacedClock *c)
{
        uint64_t real = monotonic_usec() - c->real_base_usec;

        return c->virt_base_usec + (uint64_t)((double)real * c->scale);
}

uint64_t paced_clock_to_real(const PacedClock *c, uint64_t virt_usec)
{
        if (virt_usec <= c->virt_base_usec)
                return c->real_base_usec;
        return c->real_base_usec + (uint64_t)ceil((double)(virt_usec - c->virt_base_usec) / c->scale);
}

uint64_t paced_clock_span_to_real(const PacedClock *c, uint64_t virt_span_usec)
{
        uint64_t r;

        if (virt_span_usec == 0)
                return 0;
        r = (uint64_t)ceil((double)virt_span_usec / c->scale);
        return r > 0 ? r : 1;
}
