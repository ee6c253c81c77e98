/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live crossover events (docs/physiology.md, "Ramp tests"): a threshold is crossed
 * upwards when the median of the last 3 valid alpha1 evaluations stays below
 * its level for 3 evaluations in a row, and back down when the median stays
 * above level + 0.05 for 30 s. The median and the two confirmation rules
 * keep the +-0.1-0.2 scatter of alpha1 at constant load from flapping.
 */
#include <math.h>

#include "crossover-detector.h"
#include "util.h"

void crossover_detector_init(CrossoverDetector *d)
{
        *d = (CrossoverDetector){.last_t = NAN, .prev_median = NAN, .prev_hr = NAN};
}

double crossover_detector_median(const CrossoverDetector *d)
{
        double v[CROSSOVER_MEDIAN_OF];
        size_t n = d->n_hist;

        if (n == 0)
                return NAN;
        memcpy(v, d->hist, n * sizeof(double));
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
                        double t = v[j];

                        v[j] = v[j - 1];
                        v[j - 1] = t;
                }
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool crossover_detector_is_above(const CrossoverDetector *d, ThresholdKind k)
{
        return k >= 0 && k < _THRESHOLD_KIND_MAX && d->level[k].above;
}

double crossover_detector_time_above(const CrossoverDetector *d, ThresholdKind k)
{
        if (k < 0 || k >= _THRESHOLD_KIND_MAX)
                return NAN;
        return d->level[k].time_above_s;
}

/*
 * A run starts at the first evaluation past the level: the median reached
 * the level between the previous evaluation and this one, at the fraction
 * of the step its change took to get there.
 */
static void start_run(const CrossoverDetector *d, CrossoverLevel *l, const Alpha1Eval *e,
                      double speed, double med, double level)
{
        double f = 1;

        if (isfinite(d->prev_median) && isfinite(d->last_t) && d->prev_median != med)
                f = fmin(fmax((d->prev_median - level) / (d->prev_median - med), 0.0), 1.0);
        l->run = 1;
        l->run_t = isfinite(d->last_t) ? d->last_t + f * (e->t_s - d->last_t) : e->t_s;
        l->run_hr = isfinite(d->prev_hr) ? d->prev_hr + f * (e->hr_bpm - d->prev_hr) : e->hr_bpm;
        l->run_speed = speed;
        l->run_alpha1 = med;
        l->run_low_quality = e->low_quality;
}

int crossover_detector_push(CrossoverDetector *d, const Alpha1Eval *e, double speed_kmh,
                            CrossoverEvent ret[_THRESHOLD_KIND_MAX])
{
        double med, dt = 0;
        int n_ev = 0;

        if (!d || !e || !ret)
                return -EINVAL;
        if (!e->valid || !isfinite(e->alpha1))
                return 0;

        if (!isnan(d->last_t)) {
                dt = e->t_s - d->last_t;
                if (dt < 0)
                        return -EINVAL;
                if (dt > CROSSOVER_STALE_S) {
                        /* Too long without a valid alpha1: old values say nothing now. */
                        d->n_hist = d->hist_pos = 0;
                        d->prev_median = d->prev_hr = NAN;
                        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                                d->level[k].run = 0;
                        dt = 0;
                }
        }
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                if (d->level[k].above)
                        d->level[k].time_above_s += dt;

        d->hist[d->hist_pos] = e->alpha1;
        d->hist_pos = (d->hist_pos + 1) % CROSSOVER_MEDIAN_OF;
        d->n_hist = MIN(d->n_hist + 1, (size_t)CROSSOVER_MEDIAN_OF);
        med = crossover_detector_median(d);

        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                CrossoverLevel *l = &d->level[k];
                double level = threshold_kind_alpha1((ThresholdKind)k);
                bool fire = false;

                if (!l->above) {
                        if (med < level) {
                                if (l->run == 0)
                                        start_run(d, l, e, speed_kmh, med, level);
                                else {
                                        l->run++;
                                        l->run_low_quality |= e->low_quality;
                                }
                                fire = l->run >= CROSSOVER_CONFIRM_EVALS;
                        } else
                                l->run = 0;
                } else {
                        if (med > level + CROSSOVER_HYSTERESIS) {
                                if (l->run == 0)
                                        start_run(d, l, e, speed_kmh, med,
                                                  level + CROSSOVER_HYSTERESIS);
                                else {
                                        l->run++;
                                        l->run_low_quality |= e->low_quality;
                                }
                                fire = e->t_s - l->run_t >= CROSSOVER_RETURN_S;
                        } else
                                l->run = 0;
                }
                if (!fire)
                        continue;

                l->above = !l->above;
                l->run = 0;
                /* The crossing happened at the onset of the run, not at its confirmation. */
                l->time_above_s += l->above ? e->t_s - l->run_t : -(e->t_s - l->run_t);
                ret[n_ev++] = (CrossoverEvent){
                        .threshold = (ThresholdKind)k,
                        .above = l->above,
                        .t_s = l->run_t,
                        .hr_bpm = l->run_hr,
                        .speed_kmh = l->run_speed,
                        .alpha1 = l->run_alpha1,
                        /* live events are noisier than the ramp regression; HRVT2
                         * agrees less with VT2 than HRVT1 with VT1 */
                        .confidence = (l->run_low_quality ? 0.4 : 0.7) *
                                      (k == THRESHOLD_HRVT2 ? 0.85 : 1.0),
                };
        }
        d->last_t = e->t_s;
        d->prev_median = med;
        d->prev_hr = e->hr_bpm;
        return n_ev;
}
