/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Live crossover events (docs/analysis.md): from the median of the last
 * alpha1 evaluations, with hysteresis, the moments intensity rises above or
 * falls back below each threshold of threshold.h, and the time spent above
 * each by alpha1. Pure code.
 */

#include <stdbool.h>
#include <stddef.h>

#include "alpha1-tracker.h"
#include "threshold.h"

#define CROSSOVER_MEDIAN_OF     3    /* median of the last evaluations */
#define CROSSOVER_CONFIRM_EVALS 3    /* below the level this many evaluations in a row */
#define CROSSOVER_HYSTERESIS    0.05 /* back above level + 0.05 ... */
#define CROSSOVER_RETURN_S      30.0 /* ... for this long */
#define CROSSOVER_STALE_S       30.0 /* no valid evaluation this long: history dropped */

typedef struct CrossoverEvent {
        ThresholdKind threshold;
        bool above; /* true: intensity rose above the threshold (alpha1 fell below) */
        /* When the median alpha1 reached the level, interpolated between the
         * last evaluation on the old side and the first of the confirming run
         * (window end times), with the window HR interpolated likewise.
         * LiveAnalysis moves both to the moment the runner crossed (the
         * centre of that window) and the HR the strap showed then. */
        double t_s;
        double hr_bpm;
        double speed_kmh;  /* at the first evaluation of the run, NAN if unknown */
        double alpha1;     /* median alpha1 at the first evaluation of the run */
        double confidence; /* 0..1 */
        unsigned lap;      /* set by the caller (LiveAnalysis), 0 here */
} CrossoverEvent;

typedef struct CrossoverLevel {
        bool above;
        unsigned run;
        double run_t, run_hr, run_speed, run_alpha1;
        bool run_low_quality;
        double time_above_s;
} CrossoverLevel;

typedef struct CrossoverDetector {
        double hist[CROSSOVER_MEDIAN_OF];
        size_t n_hist, hist_pos;
        double last_t;
        double prev_median, prev_hr; /* the previous evaluation's, NAN before one */
        CrossoverLevel level[_THRESHOLD_KIND_MAX];
} CrossoverDetector;

void crossover_detector_init(CrossoverDetector *d);
/*
 * Feeds one evaluation (invalid ones are skipped). Writes up to
 * _THRESHOLD_KIND_MAX events to ret and returns their number.
 */
int crossover_detector_push(CrossoverDetector *d, const Alpha1Eval *e, double speed_kmh,
                            CrossoverEvent ret[_THRESHOLD_KIND_MAX]);
/* Median of the last valid evaluations, NAN before the first. */
double crossover_detector_median(const CrossoverDetector *d);
bool crossover_detector_is_above(const CrossoverDetector *d, ThresholdKind k);
/* Time spent above the threshold by alpha1 (smeared by the 2-min window). */
double crossover_detector_time_above(const CrossoverDetector *d, ThresholdKind k);
