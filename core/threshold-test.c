/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whether a recording is a threshold test; see threshold-test.h and docs/analysis.md. */
#include <math.h>
#include <stdio.h>

#include "string-table.h"
#include "threshold-test.h"
#include "util.h"
#include "workout.h"

/* A planned ramp steps up by 1 km/h at most: more between two steps is a jump. */
#define RAMP_MAX_RISE_STEP_KMH 1.5

/* 12 evaluations 5 s apart: the 1-min median that decides start and end. */
#define MEDIAN_OF 12

static const char *const threshold_test_status_key_table[_THRESHOLD_TEST_STATUS_MAX] = {
        [THRESHOLD_TEST_VALID] = "valid",           [THRESHOLD_TEST_NO_RAMP] = "no-ramp",
        [THRESHOLD_TEST_ARTIFACTS] = "artifacts",   [THRESHOLD_TEST_NO_FIT] = "no-fit",
        [THRESHOLD_TEST_HARD_START] = "hard-start", [THRESHOLD_TEST_EASY_END] = "easy-end",
        [THRESHOLD_TEST_FEW_BELOW] = "few-below",   [THRESHOLD_TEST_FEW_ABOVE] = "few-above",
};

DEFINE_STRING_TABLE_LOOKUP(threshold_test_status_key, ThresholdTestStatus);

static double median_of(const double *v, size_t n)
{
        double s[MEDIAN_OF] = {};

        n = MIN(n, (size_t)MEDIAN_OF);
        memcpy(s, v, n * sizeof(double));
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
                        double x = s[j];

                        s[j] = s[j - 1];
                        s[j - 1] = x;
                }
        return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Lowest (or highest) 1-min median of a1[0..n); fewer than 12 values: their median. */
static double extreme_median(const double *a1, size_t n, bool highest)
{
        double best = NAN;

        if (n == 0)
                return NAN;
        if (n < MEDIAN_OF)
                return median_of(a1, n);
        for (size_t i = 0; i + MEDIAN_OF <= n; i++) {
                double m = median_of(a1 + i, MEDIAN_OF);

                if (isnan(best) || (highest ? m > best : m < best))
                        best = m;
        }
        return best;
}

static bool usable(const Alpha1Eval *e)
{
        return e->valid && isfinite(e->alpha1) && e->artifact_pct <= RAMP_MAX_ARTIFACT_PCT;
}

void threshold_test_check(const Alpha1Eval *w, size_t n, double ramp_start_s, double fit_start_s,
                          double fit_end_s, bool has_speed, const RampResult *fit,
                          ThresholdTest *ret)
{
        ThresholdTest t = {.status = THRESHOLD_TEST_NO_RAMP,
                           .has_speed = has_speed,
                           .start_alpha1 = NAN,
                           .end_alpha1 = NAN,
                           .fit_status = fit ? fit->status : RAMP_TOO_FEW_WINDOWS};
        _cleanup_free_ double *a1 = NULL, *a1_start = NULL;
        size_t n_a1 = 0, n_start = 0;

        if (isnan(ramp_start_s) || !w || !fit) {
                *ret = t;
                return;
        }
        a1 = calloc(MAX(n, (size_t)1), sizeof(double));
        a1_start = calloc(MAX(n, (size_t)1), sizeof(double));
        if (!a1 || !a1_start) {
                /* no verdict without the numbers: say nothing is a test */
                *ret = t;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const Alpha1Eval *e = &w[i];

                if (usable(e) && e->t_s >= ramp_start_s &&
                    e->t_s <= ramp_start_s + THRESHOLD_TEST_START_S)
                        a1_start[n_start++] = e->alpha1;
                if (e->t_s < fit_start_s || e->t_s > fit_end_s || e->n_beats < ALPHA1_MIN_BEATS)
                        continue;
                t.n_windows++;
                t.n_artifact_windows += e->artifact_pct > RAMP_MAX_ARTIFACT_PCT;
                if (usable(e))
                        a1[n_a1++] = e->alpha1;
        }
        t.start_alpha1 = extreme_median(a1_start, n_start, true);
        t.end_alpha1 = extreme_median(a1, n_a1, false);

        if (t.n_windows == 0 ||
            (double)t.n_artifact_windows > THRESHOLD_TEST_MAX_ARTIFACT_SHARE * (double)t.n_windows)
                t.status = THRESHOLD_TEST_ARTIFACTS;
        else if (fit->status != RAMP_OK)
                t.status = THRESHOLD_TEST_NO_FIT;
        else if (!(t.start_alpha1 >= THRESHOLD_TEST_START_ALPHA1))
                t.status = THRESHOLD_TEST_HARD_START;
        else if (!(t.end_alpha1 <= THRESHOLD_TEST_END_ALPHA1)) {
                const ThresholdEstimate *e = &fit->t[THRESHOLD_HRVT1];

                t.status = THRESHOLD_TEST_EASY_END;
                t.one_sided = t.end_alpha1 < HRVT1_ALPHA1 && e->reached &&
                              e->n_below >= RAMP_SIDE_MIN_WINDOWS &&
                              e->n_above >= RAMP_SIDE_MIN_WINDOWS;
        } else if (fit->t[THRESHOLD_HRVT1].n_below < RAMP_SIDE_MIN_WINDOWS)
                t.status = THRESHOLD_TEST_FEW_BELOW;
        else if (fit->t[THRESHOLD_HRVT2].n_above < RAMP_SIDE_MIN_WINDOWS)
                t.status = THRESHOLD_TEST_FEW_ABOVE;
        else
                t.status = THRESHOLD_TEST_VALID;
        *ret = t;
}

bool threshold_test_find_hr_ramp(const Alpha1Eval *w, size_t n, double *ret_start_s,
                                 double *ret_end_s)
{
        size_t peak = SIZE_MAX, start = SIZE_MAX;
        double lo = INFINITY, run_max = -INFINITY;
        double st = 0, sh = 0, stt = 0, shh = 0, sth = 0, m = 0, ct, ch, cth;

        for (size_t i = 0; i < n; i++)
                if (w[i].valid && (peak == SIZE_MAX || w[i].hr_bpm > w[peak].hr_bpm))
                        peak = i;
        if (peak == SIZE_MAX)
                return false;
        for (size_t i = 0; i < peak; i++)
                if (w[i].valid)
                        lo = MIN(lo, w[i].hr_bpm);
        for (size_t i = peak; i-- > 0;)
                if (w[i].valid && w[i].hr_bpm <= lo + 3) {
                        start = i;
                        break;
                }
        if (start == SIZE_MAX || w[peak].hr_bpm - lo < THRESHOLD_TEST_HR_RISE_BPM ||
            w[peak].t_s - w[start].t_s < THRESHOLD_TEST_HR_RAMP_S)
                return false;
        for (size_t i = start; i <= peak; i++) {
                double x = w[i].t_s, y = w[i].hr_bpm;

                if (!w[i].valid)
                        continue;
                /* a ramp does not fall back: an interval's recovery does */
                if (y < run_max - 5)
                        return false;
                run_max = MAX(run_max, y);
                m++;
                st += x;
                sh += y;
                stt += x * x;
                shh += y * y;
                sth += x * y;
        }
        ct = stt - st * st / m;
        ch = shh - sh * sh / m;
        cth = sth - st * sh / m;
        if (!(ct > 0 && ch > 0) || cth / sqrt(ct * ch) < THRESHOLD_TEST_HR_RAMP_R)
                return false;
        *ret_start_s = w[start].t_s;
        *ret_end_s = w[peak].t_s;
        return true;
}

static double step_duration_s(const ResolvedStep *s)
{
        double v = (s->speed_start_kmh + s->speed_end_kmh) / 2;

        switch (s->end) {
        case STEP_END_TIME:
                return s->end_value;
        case STEP_END_DISTANCE:
                return v > 0 ? s->end_value / (v / 3.6) : 0;
        case STEP_END_OPEN:
        case _STEP_END_MAX:
        case _STEP_END_INVALID:
        default:
                return 0; /* held as long as the runner can: not counted */
        }
}

bool threshold_test_workout_ramp(const ResolvedWorkout *w, size_t *ret_first, size_t *ret_last)
{
        size_t best_first = 0, best_last = 0;
        double best_s = -1;

        if (!w)
                return false;
        for (size_t first = 0; first < w->n_steps;) {
                double lo = INFINITY, hi = -INFINITY, dur = 0, prev_end = NAN;
                unsigned rises = 0;
                size_t last = first;

                for (size_t i = first; i < w->n_steps; i++) {
                        const ResolvedStep *s = &w->steps[i];

                        double d_s = step_duration_s(s);

                        if (s->control != STEP_CONTROL_SPEED || s->kind == STEP_KIND_COOLDOWN ||
                            s->speed_end_kmh + 0.011 < s->speed_start_kmh ||
                            /* a stride's 3 km/h in 20 s is no ramp */
                            (s->speed_end_kmh > s->speed_start_kmh + 0.011 &&
                             !(d_s > 0 && (s->speed_end_kmh - s->speed_start_kmh) / d_s * 60 <=
                                                  RAMP_MAX_RISE_STEP_KMH)) ||
                            (isfinite(prev_end) &&
                             (s->speed_start_kmh + 0.011 < prev_end ||
                              s->speed_start_kmh - prev_end > RAMP_MAX_RISE_STEP_KMH)))
                                break;
                        if (isfinite(prev_end) && s->speed_start_kmh > prev_end + 0.011)
                                rises++;
                        if (s->speed_end_kmh > s->speed_start_kmh + 0.011)
                                rises += (unsigned)MAX(
                                        1.0, floor((s->speed_end_kmh - s->speed_start_kmh) / 0.5));
                        lo = MIN(lo, s->speed_start_kmh);
                        hi = MAX(hi, s->speed_end_kmh);
                        dur += d_s;
                        prev_end = s->speed_end_kmh;
                        last = i;
                }
                if (isfinite(prev_end) && rises >= 4 &&
                    hi - lo >= THRESHOLD_TEST_WORKOUT_RISE_KMH && dur >= THRESHOLD_TEST_HR_RAMP_S &&
                    dur > best_s) {
                        best_s = dur;
                        best_first = first;
                        best_last = last;
                }
                first = isfinite(prev_end) ? last + 1 : first + 1;
        }
        if (best_s < 0)
                return false;
        *ret_first = best_first;
        *ret_last = best_last;
        return true;
}

char *threshold_test_describe(const ThresholdTest *t, char *buf, size_t size)
{
        switch (t->status) {
        case THRESHOLD_TEST_VALID:
                snprintf(buf, size, "a threshold test (incremental ramp, alpha1 from %.2f to %.2f)",
                         t->start_alpha1, t->end_alpha1);
                break;
        case THRESHOLD_TEST_NO_RAMP:
                snprintf(buf, size, "not a threshold test: %s",
                         t->has_speed ? "no incremental ramp (the belt speed does not rise in "
                                        "small steps from easy to hard over 6 minutes or more)"
                                      : "no ramp (the heart rate does not rise steadily by 30 "
                                        "bpm or more over 6 minutes or more)");
                break;
        case THRESHOLD_TEST_ARTIFACTS:
                snprintf(buf, size,
                         "not a threshold test: too many artifacts (%zu of %zu windows of the "
                         "ramp above 3 %%)",
                         t->n_artifact_windows, t->n_windows);
                break;
        case THRESHOLD_TEST_NO_FIT:
                snprintf(buf, size, "not a threshold test: alpha1 does not follow the ramp (%s)",
                         ramp_status_to_string(t->fit_status));
                break;
        case THRESHOLD_TEST_HARD_START:
                snprintf(buf, size,
                         "not a threshold test: alpha1 did not start near 1.0 (highest %.2f): "
                         "the ramp must start easy",
                         t->start_alpha1);
                break;
        case THRESHOLD_TEST_EASY_END:
                snprintf(buf, size,
                         "not a threshold test: alpha1 never fell to 0.5 (lowest %.2f): the ramp "
                         "stopped before the anaerobic threshold%s",
                         t->end_alpha1,
                         t->one_sided ? " (it reached the aerobic threshold only)" : "");
                break;
        case THRESHOLD_TEST_FEW_BELOW:
                snprintf(buf, size,
                         "not a threshold test: less than a minute of the ramp below the aerobic "
                         "threshold: start the ramp easier");
                break;
        case THRESHOLD_TEST_FEW_ABOVE:
                snprintf(buf, size,
                         "not a threshold test: less than a minute of the ramp above the "
                         "anaerobic threshold: hold on to the last steps longer");
                break;
        case _THRESHOLD_TEST_STATUS_MAX:
        case _THRESHOLD_TEST_STATUS_INVALID:
        default:
                snprintf(buf, size, "not a threshold test");
                break;
        }
        return buf;
}
