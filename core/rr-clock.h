/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * When each heartbeat ended. A strap notifies about once a second with the
 * RR intervals that ended since its last notification, without their
 * times; stamping every one with the notification's time (as paced did)
 * gives several beats the same time. The clock runs on the intervals
 * themselves — each beat ends one RR after the one before — anchored to the
 * notification time at the start and again after a gap (a strap dropout, a
 * pause) of more than RR_CLOCK_RESYNC_S. It remembers the last few beats'
 * ends so that the artifact cleaner's beats, decided a few beats late, get
 * the end of the input beat they stand for. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RR_CLOCK_RING 16
/* Beyond this between the intervals' clock and the notifications, beats were
 * lost (a dropout, a pause); below it, the notification time only jitters
 * (the radio, a busy host). */
#define RR_CLOCK_RESYNC_S 3.0

typedef struct RrClock {
        bool started;
        double end_s; /* end of the newest beat */
        uint64_t n;   /* beats seen */
        double ends[RR_CLOCK_RING];
} RrClock;

void rr_clock_reset(RrClock *c);

/* A beat of rr_ms from a notification at t_s, followed in that notification by
 * later_ms of later beats: its end (s). */
double rr_clock_push(RrClock *c, double t_s, double rr_ms, double later_ms);

/* The end of the beat `back` beats before the newest (0: the newest); NAN if
 * it is older than the clock remembers or was never seen. */
double rr_clock_end(const RrClock *c, size_t back);
