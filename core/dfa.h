/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Detrended fluctuation analysis, short-term exponent alpha1, with the one
 * canonical definition documented in docs/analysis.md: profile of RR minus
 * its mean, integer box sizes 4..16 equally weighted, non-overlapping boxes
 * from the start of the window, linear detrend per box, alpha1 = OLS slope of
 * log F(n) against log n. Pure code.
 */

#include <stddef.h>

#define DFA_MIN_BOX 4
#define DFA_MAX_BOX 16
#define DFA_N_BOXES (DFA_MAX_BOX - DFA_MIN_BOX + 1)

/* alpha1 of rr_ms[0..n). -EINVAL if n < 2 * DFA_MAX_BOX, -EDOM on a flat series. */
int dfa_alpha1(const double *rr_ms, size_t n, double *ret_alpha1);

/*
 * The squared fluctuation F^2(n) for n = DFA_MIN_BOX..DFA_MAX_BOX (index
 * n - DFA_MIN_BOX): mean squared residual over all boxes of that size.
 * -EINVAL if n < 2 * DFA_MAX_BOX.
 */
int dfa_fluctuations(const double *rr_ms, size_t n, double ret_f2[DFA_N_BOXES]);

/* alpha1 = OLS slope of log F(n) on log n, from F^2. -EDOM if any F^2 <= 0. */
int dfa_alpha1_from_f2(const double f2[DFA_N_BOXES], double *ret_alpha1);

/* Residual sum of squares of the OLS line through y[0..n) against x = 0..n-1. */
double dfa_box_rss(const double *y, size_t n);

/*
 * Windowed live evaluation (docs/analysis.md): beat time = cumulative RR
 * since the start of the first beat; an evaluation at time T uses the beats
 * with T - window < t <= T; evaluations every step seconds, the first at
 * T = window. Each alpha1 is paired with the window HR = 60000 / mean RR.
 *
 * Incremental: when a beat arrives, the residual sum of squares of the box of
 * every size 4..16 that ends at it is computed in one 16-beat backward pass
 * and stored with the beat, so an evaluation only adds ~1.1 stored numbers per
 * beat in the window. Windows slide by time, so their boxes (anchored at the
 * window start) are always among those stored.
 */

#include <stdbool.h>

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
        bool correct;    /* artifact correction (rr.h); detection always runs */
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

/*
 * Optional pre-detrending (not used by default): smoothness priors of
 * Tarvainen, Ranta-aho & Karjalainen 2002 (doi:10.1109/10.979357),
 * out = (I - (I + lambda^2 D2' D2)^-1) x, D2 the second-difference matrix;
 * Kubios uses lambda = 500. Solved with a banded Cholesky factorisation, O(n).
 * out may equal x. -EINVAL for n < 3 or lambda <= 0.
 */
#define DFA_SMOOTHNESS_PRIORS_LAMBDA 500.0
int dfa_smoothness_priors(const double *x, size_t n, double lambda, double *out);
