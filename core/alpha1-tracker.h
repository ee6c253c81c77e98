/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The live DFA alpha1 tracker (dfa.h holds the exponent itself). Windowed
 * evaluation (docs/analysis.md): beat time = cumulative RR
 * since the start of the first beat; an evaluation at time T uses the beats
 * with T - window < t <= T; evaluations every step seconds, the first at
 * T = window. Each alpha1 is paired with the window HR = 60000 / mean RR.
 *
 * Incremental: when a beat arrives, the residual sum of squares of the box of
 * every size 4..16 that ends at it is computed in one 16-beat backward pass
 * and stored with the beat, so an evaluation only adds ~1.1 stored numbers per
 * beat in the window. Windows slide by time, so their boxes (anchored at the
 * window start) are always among those stored. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>

#define ALPHA1_WINDOW_S        120.0
#define ALPHA1_STEP_S          5.0
#define ALPHA1_MIN_BEATS       60  /* fewer beats in a window: no alpha1 */
#define ALPHA1_GOOD_BEATS      100 /* fewer: reported but low quality */
#define ALPHA1_LOW_QUALITY_PCT 3.0 /* artifacts above: low quality */
#define ALPHA1_SUPPRESS_PCT    5.0 /* artifacts above: alpha1 suppressed */

typedef struct Alpha1Eval {
        double t_s;          /* window end T, beat time in s */
        double alpha1;       /* NAN unless valid */
        double hr_bpm;       /* 60000 / mean RR of the window */
        double artifact_pct; /* repairs per 100 beats of the window (RrBeat.counted) */
        size_t n_beats;
        bool valid;       /* alpha1 reported: >= ALPHA1_MIN_BEATS and artifacts <= 5 % */
        bool low_quality; /* artifacts > 3 % or < ALPHA1_GOOD_BEATS beats */
} Alpha1Eval;

typedef struct Alpha1TrackerConfig {
        double window_s; /* ALPHA1_WINDOW_S */
        double step_s;   /* ALPHA1_STEP_S */
        bool correct;    /* artifact correction (rr-clean.h); detection always runs */
} Alpha1TrackerConfig;

#define ALPHA1_TRACKER_CONFIG_DEFAULT                                                              \
        ((Alpha1TrackerConfig){                                                                    \
                .window_s = ALPHA1_WINDOW_S, .step_s = ALPHA1_STEP_S, .correct = true})

typedef struct Alpha1Tracker Alpha1Tracker;
struct RrBeat;

/* cfg NULL = ALPHA1_TRACKER_CONFIG_DEFAULT. -EINVAL for window < 30 s or step <= 0. */
int alpha1_tracker_new(Alpha1Tracker **ret, const Alpha1TrackerConfig *cfg);
Alpha1Tracker *alpha1_tracker_free(Alpha1Tracker *t);
static inline void alpha1_tracker_freep(Alpha1Tracker **t)
{
        if (*t)
                *t = alpha1_tracker_free(*t);
}

/*
 * Feeds one raw RR interval from the strap (ms). It goes through the artifact
 * cleaner (5 beats of lookahead), then into the window. Returns the number of
 * evaluations that became due and points *ret_evals at them (owned by the
 * tracker, valid until the next call), or a negative errno.
 */
int alpha1_tracker_push_rr(Alpha1Tracker *t, double rr_ms, const Alpha1Eval **ret_evals);
/* End of a recording: drains the cleaner's lookahead. Same return as push. */
int alpha1_tracker_flush(Alpha1Tracker *t, const Alpha1Eval **ret_evals);
/* Feeds an already cleaned beat, bypassing the tracker's own cleaner. */
int alpha1_tracker_push_beat(Alpha1Tracker *t, const struct RrBeat *b,
                             const Alpha1Eval **ret_evals);

/* Beat time of the last beat in the window (s), and session totals. */
double alpha1_tracker_beat_time(const Alpha1Tracker *t);
size_t alpha1_tracker_n_beats(const Alpha1Tracker *t);
size_t alpha1_tracker_n_artifacts(const Alpha1Tracker *t);
