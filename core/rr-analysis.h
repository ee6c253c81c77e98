/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Offline analysis of a whole RR recording (what `pacectl analyze` prints):
 * artifact correction, whole-file and windowed alpha1, the ramp-test
 * thresholds when the recording holds a speed ramp (or the whole file
 * otherwise), the HR deflection point, cardiac drift in steady segments and
 * time in zones. Pure code over an RrRecording.
 */

#include "alpha1-tracker.h"
#include "rr-csv.h"
#include "threshold-test.h"
#include "threshold.h"
#include "zones.h"

typedef struct RrAnalysisOptions {
        bool correct;           /* artifact correction (default true) */
        double hr_lag_s;        /* RAMP_HR_LAG_S */
        HrProfile profile;      /* zones; thresholds found here fill hrvt1/hrvt2 if unset */
        ZoneModel zone_model;   /* _ZONE_MODEL_INVALID = automatic */
        bool smoothness_priors; /* detrend each window first (lambda 500, as Kubios): default */
} RrAnalysisOptions;

#define RR_ANALYSIS_OPTIONS_DEFAULT                                                                \
        ((RrAnalysisOptions){.correct = true,                                                      \
                             .hr_lag_s = RAMP_HR_LAG_S,                                            \
                             .zone_model = _ZONE_MODEL_INVALID,                                    \
                             .smoothness_priors = true})

#define RR_ANALYSIS_MAX_STEADY 16

typedef struct SteadySegment {
        double t_start_s, t_end_s, speed_kmh;
        double hr_mean_bpm;
        double drift_bpm_per_10min; /* NAN when too short after the on-kinetics */
} SteadySegment;

typedef struct RrAnalysis {
        size_t n_rows;      /* RR values read */
        size_t n_beats;     /* after correction */
        size_t n_artifacts; /* repairs (or flags, with correct = false): RrBeat.counted */
        double artifact_pct;
        double duration_s;
        double alpha1; /* whole recording, NAN if too short or flat */
        double hr_mean_bpm, hr_max_bpm;

        Alpha1Eval *windows;      /* 120 s / 5 s series; t_s in recording time */
        double *window_speed_kmh; /* speed at each window end, NAN without speed */
        size_t n_windows, n_valid, n_low_quality, n_suppressed;

        bool has_speed;
        double ramp_start_s, ramp_end_s; /* NAN when no ramp was recognised */
        /* The fit over the ramp. Its thresholds are results only when test.status
         * is THRESHOLD_TEST_VALID: anything else is "not a threshold test". */
        RampResult ramp;
        ThresholdTest test;

        int deflection_error; /* 0, or -ENODATA: not a stepped ramp / too few stages */
        size_t n_stages;
        HrDeflection deflection;

        size_t n_steady;
        SteadySegment steady[RR_ANALYSIS_MAX_STEADY];

        bool has_zones;
        ZoneTable zones;
        ZoneTimes zone_times;
} RrAnalysis;

int rr_analysis_run(const RrRecording *rec, const RrAnalysisOptions *opt, RrAnalysis **ret);
RrAnalysis *rr_analysis_free(RrAnalysis *a);
static inline void rr_analysis_freep(RrAnalysis **a)
{
        if (*a)
                *a = rr_analysis_free(*a);
}

/*
 * A stored session (session-store.h) as an RR recording: one row per stored
 * beat with its time, the treadmill speed and HR of the last sample at or
 * before it. -ENODATA if the session has no RR.
 */
struct SessionData;
int rr_recording_from_session(const struct SessionData *d, RrRecording **ret);
