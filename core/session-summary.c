/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdlib.h>

#include "alloc-util.h"
#include "profile.h"
#include "session-summary.h"
#include "util.h"

double session_samples_gap_s(const SessionSample *x, size_t first, size_t last, size_t *ret_n)
{
        double gap = 0;
        size_t n = 0;

        for (size_t i = first + 1; x && i <= last; i++)
                if (session_sample_gap(x, last + 1, i)) {
                        /* The sample before it stands for one second. */
                        gap += x[i].t_s - x[i - 1].t_s - 1.0;
                        n++;
                }
        if (ret_n)
                *ret_n = n;
        return gap;
}

/* How long sample i stands for: up to the next one (across a gap the
 * runner ran too), 1 s for the last and before a gap. */
static double sample_dt(const SessionSample *x, size_t n, size_t i)
{
        double dt;

        if (i + 1 >= n)
                return 1.0;
        dt = x[i + 1].t_s - x[i].t_s;
        if (!(dt > 0) || session_sample_gap(x, n, i + 1))
                return 1.0;
        return dt;
}

typedef struct Acc {
        double time_s;
        double hr_sum, hr_time, hr_max;
        double speed_sum, speed_time, speed_max;
        double cmd_sum, cmd_time;
        double zone_s[SESSION_ZONES_MAX + 1];
} Acc;

static void acc_add(Acc *a, const SessionSample *x, double dt)
{
        a->time_s += dt;
        if (x->hr_bpm > 0) {
                a->hr_sum += x->hr_bpm * dt;
                a->hr_time += dt;
                a->hr_max = MAX(a->hr_max, (double)x->hr_bpm);
        }
        if (isfinite(x->speed_kmh)) {
                a->speed_sum += x->speed_kmh * dt;
                a->speed_time += dt;
                a->speed_max = MAX(a->speed_max, x->speed_kmh);
        }
        if (isfinite(x->commanded_kmh)) {
                a->cmd_sum += x->commanded_kmh * dt;
                a->cmd_time += dt;
        }
        a->zone_s[x->zone <= SESSION_ZONES_MAX ? x->zone : 0] += dt;
}

static double ratio(double sum, double n)
{
        return n > 0 ? sum / n : NAN;
}

/* Distance at sample i, NAN if unknown. */
static double dist(const SessionSample *x, size_t i)
{
        return x[i].distance_m;
}

static void lap_fill(SessionLap *l, const SessionSample *x, size_t n, size_t from, size_t to)
{
        Acc a = {};

        for (size_t i = from; i < to && i < n; i++)
                acc_add(&a, &x[i], sample_dt(x, n, i));
        l->avg_hr_bpm = ratio(a.hr_sum, a.hr_time);
        l->max_hr_bpm = a.hr_time > 0 ? a.hr_max : NAN;
        if (l->end_s > l->start_s && isfinite(l->distance_m))
                l->avg_speed_kmh = l->distance_m / (l->end_s - l->start_s) * 3.6;
        else
                l->avg_speed_kmh = ratio(a.speed_sum, a.speed_time);
}

static int lap_push(SessionLap **laps, size_t *n, size_t *alloc, const SessionLap *l)
{
        if (!GREEDY_REALLOC(*laps, *alloc, *n + 1))
                return -ENOMEM;
        (*laps)[(*n)++] = *l;
        return 0;
}

int session_summary_splits(const SessionSample *x, size_t n, double every_m, LapKind kind,
                           SessionLap **ret, size_t *ret_n)
{
        return session_summary_splits_from(x, n, 0, every_m, kind, ret, ret_n);
}

int session_summary_splits_from(const SessionSample *x, size_t n, double origin_m, double every_m,
                                LapKind kind, SessionLap **ret, size_t *ret_n)
{
        _cleanup_free_ SessionLap *laps = NULL;
        size_t n_laps = 0, alloc = 0, lap_first = 0;
        double lap_start_t, lap_start_d, next;
        bool started = false;
        int r;

        if (!ret || !ret_n || !(every_m > 0) || (n > 0 && !x))
                return -EINVAL;

        lap_start_t = n > 0 ? x[0].t_s : 0;
        lap_start_d = 0;
        next = every_m;
        for (size_t i = 0; i < n; i++) {
                double d = dist(x, i);

                if (!isfinite(d))
                        continue;
                if (!started) {
                        /* A split boundary is origin_m plus a multiple of every_m. */
                        started = true;
                        lap_start_t = x[i].t_s;
                        lap_first = i;
                        lap_start_d = origin_m + floor((d - origin_m) / every_m) * every_m;
                        next = lap_start_d + every_m;
                }
                while (d >= next && i > 0 && isfinite(dist(x, i - 1))) {
                        double d0 = dist(x, i - 1), t0 = x[i - 1].t_s, t1 = x[i].t_s;
                        double t = d > d0 ? t0 + (t1 - t0) * (next - d0) / (d - d0) : t1;
                        SessionLap l = {
                                .kind = kind,
                                .step_index = -1,
                                .start_s = lap_start_t,
                                .end_s = t,
                                .distance_m = next - lap_start_d,
                        };

                        lap_fill(&l, x, n, lap_first, i);
                        r = lap_push(&laps, &n_laps, &alloc, &l);
                        if (r < 0)
                                return r;
                        lap_start_t = t;
                        lap_start_d = next;
                        lap_first = i;
                        next += every_m;
                }
                if (d >= next) {
                        /* Crossed at the very first sample: just move on. */
                        lap_start_d = origin_m + floor((d - origin_m) / every_m) * every_m;
                        next = lap_start_d + every_m;
                }
        }
        if (started) {
                /* The last, partial split. */
                size_t last = n;
                while (last > 0 && !isfinite(dist(x, last - 1)))
                        last--;
                double d = last > 0 ? dist(x, last - 1) : lap_start_d;
                if (d - lap_start_d >= every_m * 0.1) {
                        SessionLap l = {
                                .kind = kind,
                                .step_index = -1,
                                .start_s = lap_start_t,
                                .end_s = x[last - 1].t_s,
                                .distance_m = d - lap_start_d,
                        };
                        lap_fill(&l, x, n, lap_first, n);
                        r = lap_push(&laps, &n_laps, &alloc, &l);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(laps);
        *ret_n = n_laps;
        return 0;
}

int session_summary_step_laps(const SessionSample *x, size_t n, SessionLap **ret, size_t *ret_n)
{
        _cleanup_free_ SessionLap *laps = NULL;
        size_t n_laps = 0, alloc = 0;
        int r;

        if (!ret || !ret_n || (n > 0 && !x))
                return -EINVAL;
        for (size_t i = 0; i < n;) {
                size_t j = i;
                int step = x[i].step_index;

                while (j < n && x[j].step_index == step)
                        j++;
                if (step >= 0) {
                        /* A step ends where the next one starts. */
                        double end = j < n ? x[j].t_s : x[j - 1].t_s + 1;
                        double d0 = dist(x, i);
                        double d1 = j < n ? dist(x, j) : dist(x, j - 1);
                        SessionLap l = {
                                .kind = LAP_KIND_STEP,
                                .step_index = step,
                                .start_s = x[i].t_s,
                                .end_s = end,
                                .distance_m = isfinite(d0) && isfinite(d1) ? d1 - d0 : NAN,
                        };
                        lap_fill(&l, x, n, i, j);
                        r = lap_push(&laps, &n_laps, &alloc, &l);
                        if (r < 0)
                                return r;
                }
                i = j;
        }
        *ret = TAKE_PTR(laps);
        *ret_n = n_laps;
        return 0;
}

SessionSummary *session_summary_free(SessionSummary *s)
{
        if (!s)
                return NULL;
        free(s->steps);
        free(s->laps);
        free(s->splits_400m);
        free(s->splits_mile);
        free(s);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(SessionSummary *, session_summary_free);

static bool on_target(const SessionStep *st, const SessionSample *x)
{
        if (st && st->control == STEP_CONTROL_HR)
                return x->hr_bpm > 0 && x->hr_bpm >= st->hr_lo_bpm && x->hr_bpm <= st->hr_hi_bpm;

        double target = isfinite(x->commanded_kmh) ? x->commanded_kmh
                        : st                       ? st->speed_start_kmh
                                                   : NAN;
        if (!isfinite(target) || !isfinite(x->speed_kmh))
                return false;
        return fabs(x->speed_kmh - target) <= MAX(SESSION_SUMMARY_ON_TARGET_KMH, target * 0.02);
}

static double overlap(double a0, double a1, double b0, double b1)
{
        double lo = MAX(a0, b0), hi = MIN(a1, b1);

        return hi > lo ? hi - lo : 0;
}

/* The next pause from the events (a pause never resumed lasts to end_s). */
static bool next_pause(const SessionData *d, size_t *i, double end_s, double *a, double *b)
{
        double open = NAN;

        for (; *i < d->n_events; (*i)++) {
                const SessionEventRow *e = &d->events[*i];

                if (e->type == SESSION_EVENT_PAUSE && isnan(open))
                        open = e->t_s;
                else if (e->type == SESSION_EVENT_RESUME && !isnan(open)) {
                        (*i)++;
                        *a = open;
                        *b = e->t_s;
                        return true;
                }
        }
        if (isnan(open))
                return false;
        *a = open;
        *b = MAX(end_s, open);
        return true;
}

/* The next gap in the samples: paced was stopped (SESSION_SAMPLE_GAP_S). */
static bool next_gap(const SessionData *d, size_t *i, double *a, double *b)
{
        for ((*i)++; *i < d->n_samples; (*i)++)
                if (session_sample_gap(d->samples, d->n_samples, *i)) {
                        *a = d->samples[*i - 1].t_s + 1;
                        *b = d->samples[*i].t_s;
                        return true;
                }
        return false;
}

double session_summary_paused_s(const SessionData *d, double from_s, double to_s)
{
        size_t ei = 0, gi = 0;
        double pa, pb, ga, gb, cur_a = NAN, cur_b = NAN, sum = 0;
        bool have_p, have_g;

        if (!d || !(to_s > from_s))
                return 0;
        /* Both lists are in time order: merge them, summing the union (a
         * crash while paused must not count twice). */
        have_p = next_pause(d, &ei, to_s, &pa, &pb);
        have_g = next_gap(d, &gi, &ga, &gb);
        while (have_p || have_g) {
                double a, b;

                if (have_p && (!have_g || pa <= ga)) {
                        a = pa, b = pb;
                        have_p = next_pause(d, &ei, to_s, &pa, &pb);
                } else {
                        a = ga, b = gb;
                        have_g = next_gap(d, &gi, &ga, &gb);
                }
                if (!isnan(cur_a) && a <= cur_b) {
                        cur_b = MAX(cur_b, b);
                        continue;
                }
                if (!isnan(cur_a))
                        sum += overlap(cur_a, cur_b, from_s, to_s);
                cur_a = a;
                cur_b = b;
        }
        if (!isnan(cur_a))
                sum += overlap(cur_a, cur_b, from_s, to_s);
        return sum;
}

/* Average speed over a lap's moving time: a pause is not slow running. */
static void lap_moving_speed(const SessionData *d, SessionLap *l)
{
        double moving = l->end_s - l->start_s - session_summary_paused_s(d, l->start_s, l->end_s);

        if (moving > 0 && isfinite(l->distance_m))
                l->avg_speed_kmh = l->distance_m / moving * 3.6;
}

static void step_summary(const SessionData *d, const SessionLap *lap, StepSummary *ret)
{
        const SessionStep *st = lap->step_index >= 0 && (size_t)lap->step_index < d->n_steps
                                        ? &d->steps[lap->step_index]
                                        : NULL;
        const SessionSample *x = d->samples;
        size_t n = d->n_samples;
        Acc a = {};

        *ret = (StepSummary){
                .step_index = lap->step_index,
                .start_s = lap->start_s,
                .end_s = lap->end_s,
                .moving_s = fmax(lap->end_s - lap->start_s -
                                         session_summary_paused_s(d, lap->start_s, lap->end_s),
                                 0),
                .distance_m = lap->distance_m,
                .target_kmh = NAN,
                .target_lo_kmh = NAN,
                .target_hi_kmh = NAN,
                .time_to_target_s = NAN,
        };
        if (st && st->control != STEP_CONTROL_FREE) {
                ret->target_kmh = st->speed_start_kmh;
                ret->target_lo_kmh = st->speed_lo_kmh;
                ret->target_hi_kmh = st->speed_hi_kmh;
        }
        for (size_t i = 0; i < n; i++) {
                if (x[i].t_s < lap->start_s || x[i].t_s >= lap->end_s ||
                    x[i].step_index != lap->step_index)
                        continue;
                acc_add(&a, &x[i], sample_dt(x, n, i));
                if (isnan(ret->time_to_target_s) && on_target(st, &x[i]))
                        ret->time_to_target_s = x[i].t_s - lap->start_s;
        }
        ret->avg_commanded_kmh = ratio(a.cmd_sum, a.cmd_time);
        ret->avg_speed_kmh = ratio(a.speed_sum, a.speed_time);
        ret->avg_hr_bpm = ratio(a.hr_sum, a.hr_time);
        ret->max_hr_bpm = a.hr_time > 0 ? a.hr_max : NAN;
        memcpy(ret->zone_s, a.zone_s, sizeof(ret->zone_s));
}

static StepKind sample_kind(const SessionData *d, const SessionSample *x)
{
        if (x->step_index < 0 || (size_t)x->step_index >= d->n_steps)
                return _STEP_KIND_INVALID;
        return d->steps[x->step_index].kind;
}

/* Where splits start: the time trial, else the end of the warm-up. A mile
 * split that begins in the warm-up is no split a runner runs. */
static size_t splits_origin(const SessionData *d, const char **ret_what)
{
        const SessionSample *x = d->samples;
        bool warmup = false;

        for (size_t i = 0; i < d->n_samples; i++)
                if (sample_kind(d, &x[i]) == STEP_KIND_TIME_TRIAL) {
                        *ret_what = "the time trial";
                        return i;
                }
        for (size_t i = 0; i < d->n_samples; i++) {
                StepKind k = sample_kind(d, &x[i]);

                if (k == STEP_KIND_WARMUP)
                        warmup = true;
                else if (warmup && k >= 0) {
                        *ret_what = "the main set";
                        return i;
                }
        }
        *ret_what = "the start";
        return 0;
}

int session_summary_compute(const SessionData *d, SessionSummary **ret)
{
        _cleanup_(session_summary_freep) SessionSummary *s = NULL;
        const SessionSample *x;
        double origin;
        size_t from;
        Acc a = {};
        int r;

        if (!d || !ret)
                return -EINVAL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        x = d->samples;

        for (size_t i = 0; i < d->n_samples; i++) {
                acc_add(&a, &x[i], sample_dt(x, d->n_samples, i));
                if (isfinite(x[i].incline_pct) && fabs(x[i].incline_pct) > 0.05)
                        s->has_incline = true;
        }
        s->elapsed_s = d->n_samples > 0 ? x[d->n_samples - 1].t_s - x[0].t_s : 0;
        s->gap_s = d->n_samples > 0 ? session_samples_gap_s(x, 0, d->n_samples - 1, &s->n_gaps) : 0;
        s->duration_s = s->elapsed_s - s->gap_s;
        s->distance_m = NAN;
        for (size_t i = d->n_samples; i > 0; i--)
                if (isfinite(x[i - 1].distance_m)) {
                        s->distance_m = x[i - 1].distance_m;
                        break;
                }
        s->avg_speed_kmh = s->duration_s > 0 && isfinite(s->distance_m)
                                   ? s->distance_m / s->duration_s * 3.6
                                   : ratio(a.speed_sum, a.speed_time);
        s->max_speed_kmh = a.speed_time > 0 ? a.speed_max : NAN;
        s->avg_hr_bpm = ratio(a.hr_sum, a.hr_time);
        s->max_hr_bpm = a.hr_time > 0 ? a.hr_max : NAN;
        memcpy(s->zone_s, a.zone_s, sizeof(s->zone_s));

        s->n_rr = d->n_rr;
        for (size_t i = 0; i < d->n_rr; i++)
                s->n_artifacts += d->rr[i].artifact;
        s->artifact_pct = d->n_rr > 0 ? 100.0 * s->n_artifacts / d->n_rr : NAN;

        r = session_summary_step_laps(x, d->n_samples, &s->laps, &s->n_laps);
        if (r < 0)
                return r;
        if (s->n_laps > 0) {
                s->steps = calloc(s->n_laps, sizeof(*s->steps));
                if (!s->steps)
                        return -ENOMEM;
                for (size_t i = 0; i < s->n_laps; i++)
                        step_summary(d, &s->laps[i], &s->steps[i]);
                s->n_steps = s->n_laps;
        }
        from = splits_origin(d, &s->splits_from);
        origin = from < d->n_samples && isfinite(x[from].distance_m) ? x[from].distance_m : 0;
        s->splits_from_s = from < d->n_samples ? x[from].t_s : 0;
        r = session_summary_splits_from(x + from, d->n_samples - from, origin, 400, LAP_KIND_400M,
                                        &s->splits_400m, &s->n_splits_400m);
        if (r < 0)
                return r;
        r = session_summary_splits_from(x + from, d->n_samples - from, origin, METERS_PER_MILE,
                                        LAP_KIND_MILE, &s->splits_mile, &s->n_splits_mile);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_laps; i++)
                lap_moving_speed(d, &s->laps[i]);
        for (size_t i = 0; i < s->n_splits_400m; i++)
                lap_moving_speed(d, &s->splits_400m[i]);
        for (size_t i = 0; i < s->n_splits_mile; i++)
                lap_moving_speed(d, &s->splits_mile[i]);
        s->results = d->results;
        s->n_results = d->n_results;

        *ret = TAKE_PTR(s);
        return 0;
}
