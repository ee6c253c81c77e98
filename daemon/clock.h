/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's clock: CLOCK_MONOTONIC, optionally running faster than real
 * time (the simulator's --time-scale). Pure engine code never reads a clock;
 * the glue passes paced_clock_now() in and converts the engine's virtual
 * deadlines back to real CLOCK_MONOTONIC times for sd-event.
 */

#include <stdint.h>

typedef struct PacedClock {
        uint64_t real_base_usec; /* CLOCK_MONOTONIC when the clock was set up */
        uint64_t virt_base_usec; /* virtual time at that moment */
        double scale;            /* virtual seconds per real second, >= 1 */
} PacedClock;

void paced_clock_init(PacedClock *c, double scale);
uint64_t paced_clock_now(const PacedClock *c);
/* Real CLOCK_MONOTONIC time at which the virtual time virt_usec is reached. */
uint64_t paced_clock_to_real(const PacedClock *c, uint64_t virt_usec);
/* A virtual duration as a real one (at least 1 us for a non-zero duration). */
uint64_t paced_clock_span_to_real(const PacedClock *c, uint64_t virt_span_usec);
