/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The treadmill's calibration against a footpod: see calibration-estimator.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calibration-estimator.h"
#include "util.h"

typedef struct Segment {
        double belt_kmh, footpod_kmh; /* means */
        double seconds;
} Segment;

/* The segment under way. */
typedef struct Current {
        bool active;
        bool settled;
        double ref_kmh; /* the belt speed it started at */
        uint64_t start_usec;
        uint64_t last_usec; /* its newest footpod sample */
        /* What counts: samples after the settle time. */
        bool has_first;
        uint64_t first_usec;
        unsigned n;
        double belt_sum, footpod_sum;
} Current;

struct CalibrationEstimator {
        CalibrationEstimatorConfig config;
        bool have_belt;
        double belt_kmh;
        uint64_t belt_usec;
        Current cur;
        Segment *segments; /* a ring of config.max_segments */
        size_t head, n_segments;
};

static const char *const status_table[_CALIBRATION_STATUS_MAX] = {
        [CALIBRATION_NO_DATA] = "no-data",       [CALIBRATION_TOO_LITTLE] = "too-little-data",
        [CALIBRATION_TOO_SPREAD] = "too-spread", [CALIBRATION_OUT_OF_RANGE] = "out-of-range",
        [CALIBRATION_READY] = "ready",
};

const char *calibration_status_to_string(CalibrationStatus s)
{
        if (s < 0 || s >= _CALIBRATION_STATUS_MAX)
                return NULL;
        return status_table[s];
}

void calibration_estimator_config_init(CalibrationEstimatorConfig *c)
{
        *c = (CalibrationEstimatorConfig){
                .min_speed_kmh = 5.0,
                .steady_tolerance_kmh = 0.15,
                .settle_usec = 10 * USEC_PER_SEC,
                .min_segment_usec = 20 * USEC_PER_SEC,
                .max_segment_usec = 60 * USEC_PER_SEC,
                .max_gap_usec = 3 * USEC_PER_SEC,
                .max_pair_usec = 2 * USEC_PER_SEC,
                .pair_ratio_min = 0.7,
                .pair_ratio_max = 1.4,
                .min_offset_range_kmh = 2.0,
                .max_segments = 240,
                .ready_usec = 120 * USEC_PER_SEC,
                .ready_spread = 0.02,
                .factor_min = 0.8,
                .factor_max = 1.25,
                .offset_max_kmh = 2.0,
        };
}

int calibration_estimator_new(CalibrationEstimator **ret, const CalibrationEstimatorConfig *c)
{
        CalibrationEstimator *e;

        if (!ret || !c || c->max_segments == 0 || c->min_segment_usec == 0 ||
            c->max_segment_usec < c->min_segment_usec || !(c->pair_ratio_min > 0) ||
            !(c->pair_ratio_max > c->pair_ratio_min))
                return -EINVAL;
        e = calloc(1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        e->segments = calloc(c->max_segments, sizeof(Segment));
        if (!e->segments) {
                free(e);
                return -ENOMEM;
        }
        e->config = *c;
        *ret = e;
        return 0;
}

CalibrationEstimator *calibration_estimator_free(CalibrationEstimator *e)
{
        if (!e)
                return NULL;
        free(e->segments);
        free(e);
        return NULL;
}

void calibration_estimator_reset(CalibrationEstimator *e)
{
        e->have_belt = false;
        e->cur = (Current){};
        e->head = e->n_segments = 0;
}

static double usec_to_s(uint64_t usec)
{
        return (double)usec / (double)USEC_PER_SEC;
}

/* The part of the segment under way that counts, as a segment (seconds 0: none). */
static Segment current_segment(const CalibrationEstimator *e)
{
        const Current *c = &e->cur;

        if (!c->active || c->n == 0 || !c->has_first)
                return (Segment){};
        return (Segment){
                .belt_kmh = c->belt_sum / c->n,
                .footpod_kmh = c->footpod_sum / c->n,
                .seconds = usec_to_s(c->last_usec - c->first_usec),
        };
}

static void push_segment(CalibrationEstimator *e, const Segment *s)
{
        size_t max = e->config.max_segments;

        e->segments[(e->head + e->n_segments) % max] = *s;
        if (e->n_segments < max)
                e->n_segments++;
        else
                e->head = (e->head + 1) % max;
}

/* Keeps what the segment under way gathered, if it is enough. */
static void close_segment(CalibrationEstimator *e)
{
        Segment s = current_segment(e);

        if (s.seconds > 0 && s.seconds >= usec_to_s(e->config.min_segment_usec))
                push_segment(e, &s);
        e->cur.has_first = false;
        e->cur.n = 0;
        e->cur.belt_sum = e->cur.footpod_sum = 0;
}

void calibration_estimator_break(CalibrationEstimator *e)
{
        close_segment(e);
        e->cur = (Current){};
}

void calibration_estimator_add_belt(CalibrationEstimator *e, uint64_t now, double reported_kmh)
{
        if (!isfinite(reported_kmh)) {
                e->have_belt = false;
                calibration_estimator_break(e);
                return;
        }
        e->have_belt = true;
        e->belt_kmh = reported_kmh;
        e->belt_usec = now;
}

void calibration_estimator_add_footpod(CalibrationEstimator *e, uint64_t now, double kmh)
{
        const CalibrationEstimatorConfig *cfg = &e->config;
        Current *c = &e->cur;
        double belt = e->belt_kmh, ratio;

        /* Only a fresh belt speed says what the belt did at this footfall. */
        if (!isfinite(kmh) || !e->have_belt || now < e->belt_usec ||
            now - e->belt_usec > cfg->max_pair_usec || belt < cfg->min_speed_kmh) {
                calibration_estimator_break(e);
                return;
        }
        /* Off the belt (on the rails), a footpod that lost the foot, a slipping pod. */
        ratio = kmh / belt;
        if (!(ratio >= cfg->pair_ratio_min && ratio <= cfg->pair_ratio_max)) {
                calibration_estimator_break(e);
                return;
        }
        if (c->active && (fabs(belt - c->ref_kmh) > cfg->steady_tolerance_kmh ||
                          now < c->last_usec || now - c->last_usec > cfg->max_gap_usec))
                calibration_estimator_break(e);
        if (!c->active)
                *c = (Current){.active = true, .ref_kmh = belt, .start_usec = now};
        c->last_usec = now;
        if (!c->settled) {
                if (now - c->start_usec < cfg->settle_usec)
                        return;
                c->settled = true;
        }
        if (!c->has_first) {
                c->has_first = true;
                c->first_usec = now;
        }
        c->n++;
        c->belt_sum += belt;
        c->footpod_sum += kmh;
        if (now - c->first_usec >= cfg->max_segment_usec) {
                /* Steady on: the next segment starts where this one ends. */
                close_segment(e);
                c->has_first = true;
                c->first_usec = now;
        }
}

/* The i-th of the segments the estimate uses: the kept ones, then the one under way. */
static const Segment *segment_at(const CalibrationEstimator *e, const Segment *cur, size_t i)
{
        if (i < e->n_segments)
                return &e->segments[(e->head + i) % e->config.max_segments];
        return cur;
}

void calibration_estimator_get(const CalibrationEstimator *e, CalibrationEstimate *ret)
{
        const CalibrationEstimatorConfig *cfg = &e->config;
        CalibrationEstimate est = {
                .status = CALIBRATION_NO_DATA,
                .factor = NAN,
                .spread = NAN,
                .residual_kmh = NAN,
                .speed_min_kmh = NAN,
                .speed_max_kmh = NAN,
        };
        double w = 0, wb = 0, wf = 0, bmean, fmean, a, c = 0, var = 0, res = 0;
        Segment cur = current_segment(e);
        size_t n = e->n_segments;

        if (cur.seconds > 0 && cur.seconds >= usec_to_s(cfg->min_segment_usec))
                n++;
        if (n == 0) {
                *ret = est;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const Segment *s = segment_at(e, &cur, i);

                w += s->seconds;
                wb += s->seconds * s->belt_kmh;
                wf += s->seconds * s->footpod_kmh;
                est.speed_min_kmh = i == 0 ? s->belt_kmh : fmin(est.speed_min_kmh, s->belt_kmh);
                est.speed_max_kmh = i == 0 ? s->belt_kmh : fmax(est.speed_max_kmh, s->belt_kmh);
        }
        bmean = wb / w;
        fmean = wf / w;
        est.offset_fitted = est.speed_max_kmh - est.speed_min_kmh >= cfg->min_offset_range_kmh;
        if (est.offset_fitted) {
                double sbb = 0, sbf = 0;

                for (size_t i = 0; i < n; i++) {
                        const Segment *s = segment_at(e, &cur, i);

                        sbb += s->seconds * (s->belt_kmh - bmean) * (s->belt_kmh - bmean);
                        sbf += s->seconds * (s->belt_kmh - bmean) * (s->footpod_kmh - fmean);
                }
                a = sbf / sbb;
                c = fmean - a * bmean;
        } else
                a = fmean / bmean;
        for (size_t i = 0; i < n; i++) {
                const Segment *s = segment_at(e, &cur, i);
                double k = (s->footpod_kmh - c) / s->belt_kmh;
                double r = s->footpod_kmh - (a * s->belt_kmh + c);

                var += s->seconds * (k - a) * (k - a);
                res += s->seconds * r * r;
        }
        est.factor = a;
        est.offset_kmh = c;
        est.spread = sqrt(var / w);
        est.residual_kmh = sqrt(res / w);
        est.segments = (unsigned)n;
        est.seconds = w;

        if (w < usec_to_s(cfg->ready_usec) || n < 2)
                est.status = CALIBRATION_TOO_LITTLE;
        else if (est.spread > cfg->ready_spread)
                est.status = CALIBRATION_TOO_SPREAD;
        else if (a < cfg->factor_min || a > cfg->factor_max || fabs(c) > cfg->offset_max_kmh)
                est.status = CALIBRATION_OUT_OF_RANGE;
        else
                est.status = CALIBRATION_READY;
        *ret = est;
}
