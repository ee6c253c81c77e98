/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>

#include "rr-clock.h"

void rr_clock_reset(RrClock *c)
{
        *c = (RrClock){};
}

double rr_clock_push(RrClock *c, double t_s, double rr_ms, double later_ms)
{
        double anchor = t_s - later_ms / 1000.0, next = c->end_s + rr_ms / 1000.0;

        /* The interval sum is the better clock: the notification's own time
         * jitters with the radio and the host. Far behind it, beats were lost
         * or the session paused: start again from the notification. */
        c->end_s = c->started && fabs(next - anchor) <= RR_CLOCK_RESYNC_S ? next : anchor;
        c->started = true;
        c->ends[c->n % RR_CLOCK_RING] = c->end_s;
        c->n++;
        return c->end_s;
}

double rr_clock_end(const RrClock *c, size_t back)
{
        if (back >= c->n || back >= RR_CLOCK_RING)
                return NAN;
        return c->ends[(c->n - 1 - back) % RR_CLOCK_RING];
}
