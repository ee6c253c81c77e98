/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A stored session's repeat blocks, rep by rep: what a runner checks after
 * intervals or strides (each rep's time, distance and pace against the
 * target, its heart rate, the recovery after it). And a step's title as the
 * runner reads it: the author's cue before the resolved target. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>

#include "session-store.h"
#include "session-summary.h"

/* "Stride 0:20 at 4:55/km": the cue, then the label; either alone if the
 * other is empty; "-" if both are. Always NUL-terminated, cut at a UTF-8
 * character boundary if buf is short. */
char *session_step_title(const SessionStep *st, char *buf, size_t size);

/*
 * Says the step's target again in the runner's units now (units = km|mi),
 * from the step's stored fields: a session run in km reads in miles once the
 * runner changed units, as every other number show prints does.
 */
void session_step_relabel(SessionStep *st, bool per_mile);

typedef struct SessionRep {
        unsigned block; /* 1-based: the session's repeat blocks in workout order */
        unsigned rep;   /* 1-based, and the block's count */
        unsigned n_reps;
        int first_step;  /* the rep's steps: [first_step, first_step + n_steps) */
        int n_steps;     /* of SessionData.steps */
        int work_step;   /* index into SessionData.steps of the rep's work step */
        bool ran;        /* the work step has samples (a rep never run has none) */
        double moving_s; /* the work step's moving time */
        double distance_m;
        double speed_kmh;  /* distance / moving time, NAN if unknown */
        double target_kmh; /* the work step's target speed (a ramp: its mean), NAN if none */
        double avg_hr_bpm; /* NAN if unknown */
        double max_hr_bpm;
        double rest_s; /* moving time of the rep's other steps, NAN if none ran */
} SessionRep;

/*
 * The reps of every repeat block of d's workout, block by block, using the
 * steps s summarised from the samples. A rep is the steps with the same
 * repeat_index in a block; its work step is the one with the fastest
 * speed target (else the first that is not a recovery or rest), its rest
 * the others (a stride's jog before it counts, as "Jog, Stride" blocks put
 * it). A session without a repeat block has no reps (*ret NULL, *ret_n 0).
 */
int session_reps_compute(const SessionData *d, const SessionSummary *s, SessionRep **ret,
                         size_t *ret_n);
