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
const char *threshold_kind_to_key(ThresholdKind k);
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
        double min_abs_r;
        size_t min_windows;
} RampOptions;

#define RAMP_OPTIONS_DEFAULT                                                                       \
        ((RampOptions){.t_start_s = NAN,                                                           \
                       .t_end_s = NAN,                                                             \
                       .alpha1_lo = 0.3,                                                           \
                       .alpha1_hi = 1.3,                                                           \
                       .min_abs_r = 0.7,                                                           \
                       .min_windows = 12})

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
        double hr_bpm;
        double speed_kmh;                  /* lag-corrected; NAN without speed data */
        double speed_ramp_kmh;             /* as run on the ramp (overestimates, see docs) */
        double hr_ci_lo_bpm, hr_ci_hi_bpm; /* 95 % block-bootstrap interval, NAN if none */
        double confidence;                 /* 0..1 */
        char grade;                        /* 'A' >= 0.7, 'B' >= 0.4, 'C' > 0, '-' not found */
} ThresholdEstimate;

typedef struct RampResult {
        RampStatus status;
        size_t n_windows;           /* used in the fit */
        double intercept, slope, r; /* alpha1 = intercept + slope * HR */
        double hr_min_bpm, hr_max_bpm;
        double artifact_pct; /* mean over the windows used */
        ThresholdEstimate t[_THRESHOLD_KIND_MAX];
} RampResult;

/* Bootstrap: resamples of blocks of 24 windows (2 min of 5-s steps), fixed seed. */
#define RAMP_BOOTSTRAP_N     200
#define RAMP_BOOTSTRAP_BLOCK 24

/*
 * Fits the windows (only valid ones with artifact_pct <= 5, alpha1 inside
 * the options' band and t inside [t_start, t_end]). Returns 0 and fills *ret
 * even when no threshold is found (see ret->status); -EINVAL on bad
 * arguments.
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
