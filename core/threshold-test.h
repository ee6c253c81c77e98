/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Is a recording a threshold test? Thresholds come only from a recognised
 * incremental ramp (Rogers et al. 2021; docs/physiology.md, "Ramp tests"): alpha1 starting
 * above about 1.0 and ending at or below 0.5, at least a minute of fitted
 * windows below the aerobic and above the anaerobic threshold, and no more
 * than 3 % artifacts in the windows used. Anything else (a steady run,
 * intervals, a time trial) is "not a threshold test", with the reason; its
 * live alpha1 still means something, a crossing read off it does not.
 * Pure code.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "alpha1-tracker.h"
#include "threshold.h"

/* The test must start easy and end hard (alpha1 1-min medians): "above about
 * 1.0" allows the 1-min median's own scatter of about 0.05. */
#define THRESHOLD_TEST_START_ALPHA1 0.95
#define THRESHOLD_TEST_END_ALPHA1   HRVT2_ALPHA1
/* The start: windows ending in the first 3 minutes of the ramp (they hold the warm-up). */
#define THRESHOLD_TEST_START_S 180.0
/* More than this share of the span's windows above 3 % artifacts: not usable. */
#define THRESHOLD_TEST_MAX_ARTIFACT_SHARE 0.5

/* Without speed: a ramp is a steady rise of the window HR of at least this much ... */
#define THRESHOLD_TEST_HR_RISE_BPM 30.0
/* ... lasting at least this long ... */
#define THRESHOLD_TEST_HR_RAMP_S 360.0
/* ... and this straight against time (a time trial jumps, then levels off). */
#define THRESHOLD_TEST_HR_RAMP_R 0.95

typedef enum ThresholdTestStatus {
        THRESHOLD_TEST_VALID,
        THRESHOLD_TEST_NO_RAMP,    /* no incremental ramp in the recording */
        THRESHOLD_TEST_ARTIFACTS,  /* too many windows above 3 % artifacts */
        THRESHOLD_TEST_NO_FIT,     /* alpha1 does not fall with HR (RampResult.status) */
        THRESHOLD_TEST_HARD_START, /* alpha1 never above 1.0 at the start */
        THRESHOLD_TEST_EASY_END,   /* alpha1 never down to 0.5: HRVT1 at most */
        THRESHOLD_TEST_FEW_BELOW,  /* under a minute of windows below HRVT1 */
        THRESHOLD_TEST_FEW_ABOVE,  /* under a minute of windows above HRVT2 */
        _THRESHOLD_TEST_STATUS_MAX,
        _THRESHOLD_TEST_STATUS_INVALID = -EINVAL,
} ThresholdTestStatus;

typedef struct ThresholdTest {
        ThresholdTestStatus status;
        bool has_speed;            /* the ramp was recognised from the belt speed */
        double start_alpha1;       /* highest 1-min median in the first 3 min, NAN if none */
        double end_alpha1;         /* lowest 1-min median over the span, NAN if none */
        size_t n_windows;          /* windows of the span with enough beats */
        size_t n_artifact_windows; /* ... above 3 % artifacts */
        RampStatus fit_status;
        /* The ramp stopped before HRVT2 but covers HRVT1: a one-sided result,
         * which nothing in paced's profile can use (HRVT2 sets LTHR and the
         * zones need both). */
        bool one_sided;
} ThresholdTest;

/* "valid", "no-ramp", ... */
const char *threshold_test_status_key_to_string(ThresholdTestStatus s);
ThresholdTestStatus threshold_test_status_key_from_string(const char *s);

/*
 * The verdict on the windows w[0..n) of a ramp that starts at ramp_start_s
 * and was fitted over [fit_start_s, fit_end_s], and on that fit.
 * ramp_start_s NAN: no ramp was recognised.
 */
void threshold_test_check(const Alpha1Eval *w, size_t n, double ramp_start_s, double fit_start_s,
                          double fit_end_s, bool has_speed, const RampResult *fit,
                          ThresholdTest *ret);

/*
 * A ramp in a recording without speed, from the valid windows' HR: the rise
 * that ends at the highest window HR, from the last window within 3 bpm of
 * the lowest HR before it, if it rises at least 30 bpm over 6 minutes or
 * more, straight against time (r >= 0.95) and without falling back. Returns
 * true and the span (window end times), false if there is none.
 */
bool threshold_test_find_hr_ramp(const Alpha1Eval *w, size_t n, double *ret_start_s,
                                 double *ret_end_s);

/*
 * The ramp of a planned workout, for the live side (crossover events are
 * announced only there): the longest run of consecutive speed-controlled
 * steps, none a cool-down, whose speed never falls and never jumps by more
 * than 1.5 km/h from one step to the next nor ramps faster than 1.5 km/h a
 * minute within a step (a stride is no ramp), rising at least 4 times (a
 * continuous ramp step counts once per 0.5 km/h) by 4 km/h or more over 6
 * minutes or more: easy to hard, as a threshold test climbs. Distance steps
 * count at their speed. Returns true with the first and last step index.
 */
#define THRESHOLD_TEST_WORKOUT_RISE_KMH 4.0
struct ResolvedWorkout;
bool threshold_test_workout_ramp(const struct ResolvedWorkout *w, size_t *ret_first,
                                 size_t *ret_last);

/*
 * The verdict as a sentence for a runner: "a threshold test" or "not a
 * threshold test: alpha1 never fell to 0.5 (lowest 0.62), the ramp stopped
 * before the anaerobic threshold". Returns buf.
 */
char *threshold_test_describe(const ThresholdTest *t, char *buf, size_t size);
