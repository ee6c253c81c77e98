/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The treadmill's speed calibration, estimated against a footpod: true =
 * reported * factor + offset (SpeedCalibration, safety.h), where "reported"
 * is the belt speed the treadmill sends and "true" what the footpod
 * measures. Pure: time is an argument, nothing is logged.
 *
 * Only steady running counts. A segment starts when the reported belt speed
 * settles (it stays within steady_tolerance of where it started), skips the
 * first settle seconds (the runner and the footpod's own averaging catch up
 * with a new speed), then pairs every footpod sample with the newest belt
 * speed. A speed change, a gap, a walk or a footpod reading no treadmill
 * could be off by (outside pair_ratio_min..max of the belt) ends it; one
 * that gathered min_segment seconds is kept. Long steady running is cut
 * into segments of max_segment seconds, so that the spread says how much
 * one minute differs from the next.
 *
 * The estimate fits footpod = factor * belt + offset by weighted least
 * squares over the segments' means when they span min_offset_range km/h of
 * belt speed (an offset is unknowable from one speed), else the factor
 * alone (offset 0). It is offered (CALIBRATION_READY) once it rests on
 * ready_seconds of steady running in at least two segments, its spread (the
 * weighted standard deviation of the per-segment factors) is within
 * ready_spread, and factor and offset lie inside the ranges paced.conf
 * allows for speed_factor and speed_offset. docs/relay.md has the runner's
 * side of it.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct CalibrationEstimatorConfig {
        double min_speed_kmh;        /* slower belts (walking) are ignored; default 5 */
        double steady_tolerance_kmh; /* default 0.15 */
        uint64_t settle_usec;        /* default 10 s */
        uint64_t min_segment_usec;   /* default 20 s */
        uint64_t max_segment_usec;   /* default 60 s */
        uint64_t max_gap_usec;       /* between footpod samples in a segment; default 3 s */
        uint64_t max_pair_usec;      /* a belt speed this old pairs no more; default 2 s */
        double pair_ratio_min, pair_ratio_max; /* footpod / belt; default 0.7, 1.4 */
        double min_offset_range_kmh;           /* default 2 */
        size_t max_segments;                   /* the oldest go first; default 240 */
        uint64_t ready_usec;                   /* default 120 s */
        double ready_spread;                   /* default 0.02 */
        double factor_min, factor_max;         /* default 0.8, 1.25 (paced.conf's range) */
        double offset_max_kmh;                 /* |offset|, default 2 (paced.conf's range) */
} CalibrationEstimatorConfig;

void calibration_estimator_config_init(CalibrationEstimatorConfig *c);

typedef enum CalibrationStatus {
        CALIBRATION_NO_DATA,      /* no steady segment yet */
        CALIBRATION_TOO_LITTLE,   /* an estimate, on too little running to offer */
        CALIBRATION_TOO_SPREAD,   /* the segments disagree too much */
        CALIBRATION_OUT_OF_RANGE, /* outside what paced.conf would accept */
        CALIBRATION_READY,        /* offered */
        _CALIBRATION_STATUS_MAX,
        _CALIBRATION_STATUS_INVALID = -EINVAL,
} CalibrationStatus;

const char *calibration_status_to_string(CalibrationStatus s);

typedef struct CalibrationEstimate {
        CalibrationStatus status;
        double factor;       /* NAN without data */
        double offset_kmh;   /* 0 unless offset_fitted */
        bool offset_fitted;  /* the segments span min_offset_range */
        double spread;       /* weighted SD of the per-segment factors */
        double residual_kmh; /* weighted RMS of footpod - fit over the segments */
        unsigned segments;
        double seconds;                      /* steady running the estimate rests on */
        double speed_min_kmh, speed_max_kmh; /* belt speeds (reported) covered; NAN if none */
} CalibrationEstimate;

typedef struct CalibrationEstimator CalibrationEstimator;

int calibration_estimator_new(CalibrationEstimator **ret, const CalibrationEstimatorConfig *c);
CalibrationEstimator *calibration_estimator_free(CalibrationEstimator *e);
/* Forgets every segment (another treadmill or footpod). */
void calibration_estimator_reset(CalibrationEstimator *e);

/* The belt speed as reported by the treadmill, before any calibration. */
void calibration_estimator_add_belt(CalibrationEstimator *e, uint64_t now, double reported_kmh);
/* The footpod's speed: paired with the newest belt speed. */
void calibration_estimator_add_footpod(CalibrationEstimator *e, uint64_t now, double kmh);
/* Ends the segment under way (the belt paused or stopped, a link dropped). */
void calibration_estimator_break(CalibrationEstimator *e);

void calibration_estimator_get(const CalibrationEstimator *e, CalibrationEstimate *ret);
