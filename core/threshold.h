/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Threshold ("crossover") detection from DFA alpha1 (docs/analysis.md;
 * docs/physiology.md, "Ramp tests", "HR deflection", "Other signals"):
 *  - ramp test: OLS of alpha1 on window HR; HRVT1 (aerobic threshold) where
 *    the line crosses 0.75, HRVT2 (anaerobic threshold, the "anaerobic
 *    crossover") where it crosses 0.5, with speeds and a confidence;
 *  - (live crossover events: crossover-detector.h);
 *  - HR deflection point (Conconi) by D-max with a "no deflection" outcome;
 *  - cardiac drift at constant speed.
 * Pure code.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum ThresholdKind {
        THRESHOLD_HRVT1, /* aerobic threshold, alpha1 = 0.75 */
        THRESHOLD_HRVT2, /* anaerobic threshold = anaerobic crossover, alpha1 = 0.5 */
        _THRESHOLD_KIND_MAX,
        _THRESHOLD_KIND_INVALID = -EINVAL,
} ThresholdKind;

#define HRVT1_ALPHA1 0.75
#define HRVT2_ALPHA1 0.50

/* "aerobic threshold (HRVT1)" / "anaerobic threshold (HRVT2)" */
const char *threshold_kind_to_string(ThresholdKind k);
/* "hrvt1" / "hrvt2" */
const char *threshold_kind_key_to_string(ThresholdKind k);
double threshold_kind_alpha1(ThresholdKind k);

/* ---- Ramp test regression ---- */

typedef struct RampWindow {
        double t_s;    /* window end */
        double alpha1; /* ignored unless valid */
        double hr_bpm; /* window HR (60000 / mean RR) */
        double artifact_pct;
        bool valid;
        double speed_kmh;     /* treadmill speed at the window end ("as run"), NAN if unknown */
        double speed_lag_kmh; /* mean speed over the window moved back by the HR lag, or NAN */
} RampWindow;

/* HR lags speed (time constant ~30 s): the speed that produced a window's HR
 * is the mean over the window shifted back by this much. */
#define RAMP_HR_LAG_S 30.0

typedef struct RampOptions {
        double t_start_s, t_end_s;   /* window ends considered; NAN = no limit */
        double alpha1_lo, alpha1_hi; /* fit only windows inside: drops plateaus */
        double max_artifact_pct;     /* windows above are not used */
        double min_abs_r;            /* the line over all windows must fit this well */
        size_t min_windows;
        double local_half_width_bpm; /* local fit around each crossing, 0: the line only */
} RampOptions;

/* Rogers & Gronwald 2022: DFA alpha1 is trustworthy below 3 % artifacts. */
#define RAMP_MAX_ARTIFACT_PCT     3.0
#define RAMP_LOCAL_HALF_WIDTH_BPM 15.0
/* Fewer windows than this within the local band: the line's crossing stands. */
#define RAMP_LOCAL_MIN_WINDOWS 12
/* Windows 5 s apart over 120 s of beats: 24 of them make one independent window. */
#define RAMP_INDEPENDENT_WINDOWS 24 /* ALPHA1_WINDOW_S / ALPHA1_STEP_S */
/* A crossing is covered when at least this many fitted windows (1 min) lie each side. */
#define RAMP_SIDE_MIN_WINDOWS 12

#define RAMP_OPTIONS_DEFAULT                                                                       \
        ((RampOptions){.t_start_s = NAN,                                                           \
                       .t_end_s = NAN,                                                             \
                       .alpha1_lo = 0.3,                                                           \
                       .alpha1_hi = 1.3,                                                           \
                       .max_artifact_pct = RAMP_MAX_ARTIFACT_PCT,                                  \
                       .min_abs_r = 0.7,                                                           \
                       .min_windows = 12,                                                          \
                       .local_half_width_bpm = RAMP_LOCAL_HALF_WIDTH_BPM})

typedef enum RampStatus {
        RAMP_OK,
        RAMP_TOO_FEW_WINDOWS,
        RAMP_NOT_DECREASING, /* slope >= 0: alpha1 does not fall with HR */
        RAMP_POOR_FIT,       /* |r| below min_abs_r */
        RAMP_NO_RAMP,        /* the recording's speed shows no ramp (set by the caller) */
        _RAMP_STATUS_MAX,
        _RAMP_STATUS_INVALID = -EINVAL,
} RampStatus;

const char *ramp_status_to_string(RampStatus s);

typedef struct ThresholdEstimate {
        bool found;
        bool reached; /* inside the HR range of the fitted windows, else extrapolated */
        bool local;   /* from the local fit around the crossing, else the line's */
        double hr_bpm;
        double speed_kmh;                  /* lag-corrected; NAN without speed data */
        double speed_ramp_kmh;             /* as run on the ramp (overestimates, see docs) */
        double hr_ci_lo_bpm, hr_ci_hi_bpm; /* 95 % interval, NAN when too little data */
        double speed_ci_lo_kmh, speed_ci_hi_kmh; /* lag-corrected speeds at its ends */
        size_t n_below, n_above;           /* fitted windows with HR below / above it */
        double confidence; /* chance it lies within 5 bpm, from the interval; NAN unknown */
        char grade;        /* threshold_grade(): 'A', 'B', 'C', '-' not found */
} ThresholdEstimate;

/*
 * The grade, from the fit's uncertainty, the artifacts and the ramp's
 * coverage of the crossing (docs/analysis.md):
 *   A  95 % interval within +-5 bpm, covered, artifacts <= 1 %;
 *   B  interval within +-10 bpm, covered;
 *   C  anything else: a wider or unknown interval, or fewer than 12 fitted
 *      windows (1 min) on a side of the crossing, or extrapolated.
 * artifact_pct: mean over the fitted windows (all <= 3 %).
 */
#define RAMP_GRADE_A_BPM          5.0
#define RAMP_GRADE_B_BPM          10.0
#define RAMP_GRADE_A_ARTIFACT_PCT 1.0
char threshold_grade(const ThresholdEstimate *t, double artifact_pct);

typedef struct RampResult {
        RampStatus status;
        size_t n_windows;           /* used in the fit */
        double intercept, slope, r; /* the line over all of them: alpha1 = intercept + slope * HR */
        double hr_min_bpm, hr_max_bpm;
        double artifact_pct; /* mean over the windows used */
        ThresholdEstimate t[_THRESHOLD_KIND_MAX];
} RampResult;

/*
 * Fits the windows (only valid ones with artifact_pct <= max_artifact_pct,
 * alpha1 inside the options' band and t inside [t_start, t_end]): the line
 * over all of them must fall and fit (|r| >= min_abs_r); each crossing is
 * then found by a local fit around it, with its 95 % interval and grade.
 * Returns 0 and fills *ret even when no threshold is found (see
 * ret->status); -EINVAL on bad arguments.
 */
int threshold_ramp_fit(const RampWindow *w, size_t n, const RampOptions *opt, RampResult *ret);

/* ---- HR deflection point (Conconi) ---- */

typedef struct HrDeflection {
        bool found;                         /* the two-segment model beats the line and flattens */
        double dmax_speed_kmh, dmax_hr_bpm; /* D-max point on the cubic */
        double break_speed_kmh, break_hr_bpm; /* breakpoint of the two-segment fit */
        double slope_before, slope_after;     /* bpm per km/h */
        double delta_bic;                     /* BIC(line) - BIC(two segments); > 6 needed */
} HrDeflection;

/*
 * Stage-end HR against speed, speed increasing. D-max on a cubic fit (Cheng
 * 1992), and a continuous two-segment regression compared with a straight
 * line by BIC to decide whether there is a deflection at all. -EINVAL for
 * fewer than 6 points or a degenerate speed range.
 */
int threshold_hr_deflection(const double *speed_kmh, const double *hr_bpm, size_t n,
                            HrDeflection *ret);

/* ---- Cardiac drift ---- */

/*
 * HR rise in bpm per 10 min at constant speed: OLS slope of hr on t after
 * skipping the first skip_s (on-kinetics; 180 s is a good value). -ENODATA
 * with less than 5 minutes or 10 samples left.
 */
int threshold_cardiac_drift(const double *t_s, const double *hr_bpm, size_t n, double skip_s,
                            double *ret_bpm_per_10min);
