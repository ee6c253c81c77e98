/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live analysis of a session; see live-analysis.h. */
#include <math.h>

#include "live-analysis.h"
#include "rr-clean.h"
#include "util.h"

#define QUEUE_MAX 256
/* HR and speed of the last pushes, to look up the moment of a crossing a
 * minute or two back: 512 covers over 4 minutes at 2 pushes a second. */
#define TRACE_MAX 512

typedef struct TracePoint {
        double t_s, hr_bpm, speed_kmh;
} TracePoint;

struct LiveAnalysis {
        LiveAnalysisConfig cfg;
        Alpha1Tracker *tracker;
        CrossoverDetector detector;
        bool has_zones;
        ZoneAccumulator zones;

        bool synced;
        double offset_s; /* session time = beat time + offset */
        /* raw RR fed so far, s: the tracker's own clock lags by the cleaner's lookahead */
        double raw_time_s;
        double last_t;
        double last_speed;
        double last_valid_t; /* session time of the last valid evaluation */
        LiveStatus status;
        double lap_above_start[_THRESHOLD_KIND_MAX];
        size_t n_beats_before, n_artifacts_before; /* totals of replaced trackers */

        bool announce;
        TracePoint trace[TRACE_MAX];
        size_t trace_pos, n_trace;

        CrossoverEvent events[QUEUE_MAX];
        size_t ev_head, n_ev;
        Alpha1Eval evals[QUEUE_MAX];
        size_t eval_head, n_evals;
};

static ZoneModel auto_model(const HrProfile *p)
{
        if (p->hrvt1_bpm > 0 && p->hrvt2_bpm > p->hrvt1_bpm)
                return ZONE_MODEL_THREE;
        if (p->lthr_bpm > 0)
                return ZONE_MODEL_FRIEL;
        if (p->max_bpm > 0 && p->rest_bpm > 0)
                return ZONE_MODEL_HRR;
        if (p->max_bpm > 0)
                return ZONE_MODEL_HRMAX;
        return _ZONE_MODEL_INVALID;
}

static int new_tracker(LiveAnalysis *la)
{
        Alpha1TrackerConfig tc = ALPHA1_TRACKER_CONFIG_DEFAULT;

        if (la->tracker) {
                la->n_beats_before += alpha1_tracker_n_beats(la->tracker);
                la->n_artifacts_before += alpha1_tracker_n_artifacts(la->tracker);
                la->tracker = alpha1_tracker_free(la->tracker);
        }
        tc.correct = la->cfg.correct;
        la->synced = false;
        la->raw_time_s = 0;
        return alpha1_tracker_new(&la->tracker, &tc);
}

int live_analysis_new(LiveAnalysis **ret, const LiveAnalysisConfig *cfg)
{
        _cleanup_(live_analysis_freep) LiveAnalysis *la = NULL;
        ZoneTable t;
        ZoneModel m;
        int r;

        if (!ret)
                return -EINVAL;
        la = calloc(1, sizeof(*la));
        if (!la)
                return -ENOMEM;
        la->cfg = cfg ? *cfg
                      : (LiveAnalysisConfig){.zone_model = _ZONE_MODEL_INVALID, .correct = true};
        r = new_tracker(la);
        if (r < 0)
                return r;
        crossover_detector_init(&la->detector);

        m = la->cfg.zone_model == _ZONE_MODEL_INVALID ? auto_model(&la->cfg.profile)
                                                      : la->cfg.zone_model;
        if (m != _ZONE_MODEL_INVALID && zone_table_build(m, &la->cfg.profile, &t) >= 0) {
                la->has_zones = true;
                zone_accumulator_init(&la->zones, &t);
        }
        la->last_t = -INFINITY;
        la->last_speed = NAN;
        la->status = (LiveStatus){.zone = -1,
                                  .alpha1 = NAN,
                                  .alpha1_last = NAN,
                                  .window_hr_bpm = NAN,
                                  .hr_bpm = NAN,
                                  .t_s = NAN};
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                la->status.first_hr_above_t_s[k] = NAN;
        la->last_valid_t = NAN;
        *ret = TAKE_PTR(la);
        return 0;
}

LiveAnalysis *live_analysis_free(LiveAnalysis *la)
{
        if (!la)
                return NULL;
        alpha1_tracker_free(la->tracker);
        free(la);
        return NULL;
}

static void queue_event(LiveAnalysis *la, const CrossoverEvent *e)
{
        /* A full queue drops the oldest: the caller stopped reading. */
        if (la->n_ev == QUEUE_MAX) {
                la->ev_head = (la->ev_head + 1) % QUEUE_MAX;
                la->n_ev--;
        }
        la->events[(la->ev_head + la->n_ev) % QUEUE_MAX] = *e;
        la->n_ev++;
}

static void queue_eval(LiveAnalysis *la, const Alpha1Eval *e)
{
        if (la->n_evals == QUEUE_MAX) {
                la->eval_head = (la->eval_head + 1) % QUEUE_MAX;
                la->n_evals--;
        }
        la->evals[(la->eval_head + la->n_evals) % QUEUE_MAX] = *e;
        la->n_evals++;
}

void live_analysis_set_announce(LiveAnalysis *la, bool announce)
{
        if (la)
                la->announce = announce;
}

/* Mean strap HR and the belt speed over the pushes within 2.5 s of t; NAN if none. */
static void trace_at(const LiveAnalysis *la, double t, double *ret_hr, double *ret_speed)
{
        double sum = 0, speed = NAN, best = INFINITY;
        size_t n = 0;

        for (size_t i = 0; i < la->n_trace; i++) {
                const TracePoint *p = &la->trace[i];
                double d = fabs(p->t_s - t);

                if (d > 2.5)
                        continue;
                if (isfinite(p->hr_bpm)) {
                        sum += p->hr_bpm;
                        n++;
                }
                if (isfinite(p->speed_kmh) && d < best) {
                        best = d;
                        speed = p->speed_kmh;
                }
        }
        *ret_hr = n ? sum / (double)n : NAN;
        *ret_speed = speed;
}

/* The detector dates a crossing by its window's end: the runner crossed at the window's centre. */
static void event_to_moment(const LiveAnalysis *la, CrossoverEvent *e)
{
        double hr, speed;

        e->t_s -= ALPHA1_WINDOW_S / 2;
        trace_at(la, e->t_s, &hr, &speed);
        if (isfinite(hr))
                e->hr_bpm = hr;
        if (isfinite(speed))
                e->speed_kmh = speed;
}

static int handle_evals(LiveAnalysis *la, const Alpha1Eval *ev, int n)
{
        int n_events = 0;

        for (int i = 0; i < n; i++) {
                Alpha1Eval e = ev[i];
                CrossoverEvent out[_THRESHOLD_KIND_MAX];
                int k;

                e.t_s += la->offset_s;
                queue_eval(la, &e);
                la->status.n_evaluations++;
                la->status.alpha1_last = e.alpha1;
                la->status.window_hr_bpm = e.hr_bpm;
                la->status.artifact_pct = e.artifact_pct;
                la->status.low_quality = e.low_quality;
                la->status.suppressed = !e.valid;
                if (e.valid)
                        la->last_valid_t = e.t_s;

                k = crossover_detector_push(&la->detector, &e, la->last_speed, out);
                if (k < 0)
                        return k;
                if (!la->announce)
                        continue;
                for (int j = 0; j < k; j++) {
                        out[j].lap = la->status.lap;
                        event_to_moment(la, &out[j]);
                        queue_event(la, &out[j]);
                }
                n_events += k;
        }
        if (n == 0)
                return 0;
        la->status.alpha1 = crossover_detector_median(&la->detector);
        if (isnan(la->last_valid_t) ||
            ev[n - 1].t_s + la->offset_s - la->last_valid_t > CROSSOVER_STALE_S)
                la->status.alpha1 = NAN; /* an old median says nothing about now */
        return n_events;
}

static int push_rr(LiveAnalysis *la, double rr, int *n_events)
{
        const Alpha1Eval *ev;
        int n, k;

        n = alpha1_tracker_push_rr(la->tracker, rr, &ev);
        if (n < 0)
                return n;
        la->raw_time_s += rr / 1000.0;
        k = handle_evals(la, ev, n);
        if (k < 0)
                return k;
        *n_events += k;
        return 0;
}

int live_analysis_push(LiveAnalysis *la, double t_s, double hr_bpm, const double *rr_ms,
                       size_t n_rr, double speed_kmh)
{
        int n_events = 0, r;
        double sum = 0;

        if (!la || !isfinite(t_s) || t_s < la->last_t || (n_rr > 0 && !rr_ms))
                return -EINVAL;
        for (size_t i = 0; i < n_rr; i++) {
                if (!isfinite(rr_ms[i]) || rr_ms[i] <= 0)
                        return -EINVAL;
                sum += rr_ms[i] / 1000.0;
        }
        la->last_t = t_s;
        la->last_speed = speed_kmh;
        la->status.t_s = t_s;
        la->trace[la->trace_pos] = (TracePoint){
                .t_s = t_s,
                .hr_bpm = isfinite(hr_bpm) && hr_bpm > 0 ? hr_bpm : NAN,
                .speed_kmh = speed_kmh,
        };
        la->trace_pos = (la->trace_pos + 1) % TRACE_MAX;
        la->n_trace = MIN(la->n_trace + 1, (size_t)TRACE_MAX);

        if (n_rr > 0) {
                double behind;

                if (!la->synced) {
                        /* the notification arrives at the end of its last beat */
                        la->offset_s = t_s - (la->raw_time_s + sum);
                        la->synced = true;
                }
                behind = t_s - la->offset_s - (la->raw_time_s + sum);
                if (behind > LIVE_RESTART_S) {
                        r = new_tracker(la);
                        if (r < 0)
                                return r;
                        la->offset_s = t_s - sum;
                        la->synced = true;
                } else if (behind > LIVE_RESYNC_S) {
                        r = push_rr(la, behind * 1000.0, &n_events);
                        if (r < 0)
                                return r;
                }
                for (size_t i = 0; i < n_rr; i++) {
                        r = push_rr(la, rr_ms[i], &n_events);
                        if (r < 0)
                                return r;
                }
        }

        if (isfinite(hr_bpm) && hr_bpm > 0) {
                const double hrvt[_THRESHOLD_KIND_MAX] = {la->cfg.profile.hrvt1_bpm,
                                                          la->cfg.profile.hrvt2_bpm};

                la->status.hr_bpm = hr_bpm;
                for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                        if (hrvt[k] > 0 && hr_bpm >= hrvt[k] &&
                            isnan(la->status.first_hr_above_t_s[k])) {
                                la->status.first_hr_above_t_s[k] = t_s;
                                la->status.first_hr_above_lap[k] = la->status.lap;
                        }
                if (la->has_zones) {
                        r = zone_accumulator_sample(&la->zones, t_s, hr_bpm);
                        la->status.zone = r >= 0 ? r : -1;
                }
        }
        return n_events;
}

int live_analysis_pop_event(LiveAnalysis *la, CrossoverEvent *ret)
{
        if (!la || !ret)
                return -EINVAL;
        if (la->n_ev == 0)
                return 0;
        *ret = la->events[la->ev_head];
        la->ev_head = (la->ev_head + 1) % QUEUE_MAX;
        la->n_ev--;
        return 1;
}

int live_analysis_pop_evaluation(LiveAnalysis *la, Alpha1Eval *ret)
{
        if (!la || !ret)
                return -EINVAL;
        if (la->n_evals == 0)
                return 0;
        *ret = la->evals[la->eval_head];
        la->eval_head = (la->eval_head + 1) % QUEUE_MAX;
        la->n_evals--;
        return 1;
}

void live_analysis_get_status(const LiveAnalysis *la, LiveStatus *ret)
{
        LiveStatus s = la->status;
        size_t beats = la->n_beats_before + alpha1_tracker_n_beats(la->tracker);
        size_t arts = la->n_artifacts_before + alpha1_tracker_n_artifacts(la->tracker);

        s.session_artifact_pct = beats ? 100.0 * (double)arts / (double)beats : 0;
        s.announcing = la->announce;
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++) {
                s.above[k] = crossover_detector_is_above(&la->detector, (ThresholdKind)k);
                s.time_above_s[k] = crossover_detector_time_above(&la->detector, (ThresholdKind)k);
                s.time_above_lap_s[k] = s.time_above_s[k] - la->lap_above_start[k];
        }
        *ret = s;
}

const ZoneTable *live_analysis_zones(const LiveAnalysis *la)
{
        return la && la->has_zones ? &la->zones.table : NULL;
}

const ZoneTimes *live_analysis_zone_times(const LiveAnalysis *la, ZoneScope scope)
{
        if (!la || !la->has_zones || scope < 0 || scope >= _ZONE_SCOPE_MAX)
                return NULL;
        return &la->zones.times[scope];
}

void live_analysis_new_step(LiveAnalysis *la, double t_s, ZoneTimes *ret_closed)
{
        if (ret_closed)
                *ret_closed = (ZoneTimes){};
        if (la->has_zones)
                zone_accumulator_new_step(&la->zones, t_s, ret_closed);
        la->status.step++;
}

void live_analysis_new_lap(LiveAnalysis *la, double t_s, ZoneTimes *ret_closed)
{
        if (ret_closed)
                *ret_closed = (ZoneTimes){};
        if (la->has_zones)
                zone_accumulator_new_lap(&la->zones, t_s, ret_closed);
        for (size_t k = 0; k < _THRESHOLD_KIND_MAX; k++)
                la->lap_above_start[k] =
                        crossover_detector_time_above(&la->detector, (ThresholdKind)k);
        la->status.lap++;
}
